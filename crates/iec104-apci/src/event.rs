//! What a [`Connection`](crate::Connection) reports: events, close reasons, its data-transfer
//! state and the errors of its commands.

use core::fmt;

use crate::config::Role;
use crate::frame::{FrameError, Seq, UFunction};

/// The data-transfer state of IEC 60870-5-104 clause 5.3 (figures 17 and 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DtState {
    /// STOPDT: no I frames flow; S, TESTFR and STARTDT do.
    Stopped,
    /// Controlling station: STARTDT act sent, waiting for STARTDT con.
    StartPending,
    /// STARTDT: I frames flow both ways.
    Started,
    /// STOPDT act sent (controlling) or received (controlled) while I frames remain
    /// unacknowledged: no new I frames; acknowledgements still flow until STOPDT con.
    #[doc(alias = "pending unconfirmed stopped")]
    StopPending,
}

impl fmt::Display for DtState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DtState::Stopped => "stopped",
            DtState::StartPending => "start pending",
            DtState::Started => "started",
            DtState::StopPending => "stop pending",
        })
    }
}

/// Why a connection closed. After it the driver closes the TCP connection (clause 5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The application called [`Connection::close`](crate::Connection::close).
    Local,
    /// t1 expired with a sent I frame unacknowledged (clause 5.5).
    AckTimeout {
        /// N(S) of the oldest unacknowledged I frame.
        send_seq: Seq,
    },
    /// t1 expired with a sent STARTDT, STOPDT or TESTFR act unconfirmed (clause 5.3).
    ConTimeout {
        /// The unconfirmed act.
        function: UFunction,
    },
    /// The peer sent octets that are not an APDU.
    Malformed(FrameError),
    /// The peer's N(R) acknowledges an I frame never sent, or one already acknowledged
    /// (clause 5.5).
    BadRecvSeq {
        /// The N(R) received.
        recv_seq: Seq,
        /// N(S) of the oldest unacknowledged frame (the smallest acceptable N(R)).
        oldest: Seq,
        /// The next N(S) to send (the largest acceptable N(R)).
        next: Seq,
    },
    /// The peer's N(S) is not the next expected one: an I frame lost or repeated (clause 5.5).
    BadSendSeq {
        /// The N(S) received.
        send_seq: Seq,
        /// The N(S) expected.
        expected: Seq,
    },
    /// An I frame arrived while data transfer is not started (clause 5.3).
    IFrameWhileStopped {
        /// Its N(S).
        send_seq: Seq,
        /// The state it arrived in.
        state: DtState,
    },
    /// A STARTDT or STOPDT frame this role and state do not allow (clause 5.3): an act at
    /// the controlling station, or a con not awaited.
    UnexpectedU {
        /// The frame's function.
        function: UFunction,
        /// The state it arrived in.
        state: DtState,
    },
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Local => f.write_str("closed by the application"),
            CloseReason::AckTimeout { send_seq } => {
                write!(f, "t1 expired: I frame N(S)={send_seq} unacknowledged")
            }
            CloseReason::ConTimeout { function } => {
                write!(f, "t1 expired: {function} unconfirmed")
            }
            CloseReason::Malformed(e) => write!(f, "malformed APDU: {e}"),
            CloseReason::BadRecvSeq {
                recv_seq,
                oldest,
                next,
            } => write!(
                f,
                "N(R)={recv_seq} outside the unacknowledged range {oldest}..={next}"
            ),
            CloseReason::BadSendSeq { send_seq, expected } => {
                write!(f, "N(S)={send_seq} received, expected {expected}")
            }
            CloseReason::IFrameWhileStopped { send_seq, state } => {
                write!(f, "I frame N(S)={send_seq} received while {state}")
            }
            CloseReason::UnexpectedU { function, state } => {
                write!(f, "unexpected {function} while {state}")
            }
        }
    }
}

/// What the application must know, from [`Connection::poll_event`](crate::Connection::poll_event),
/// in the order it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The ASDU of a received I frame, borrowed from the connection until the next call.
    Asdu(&'a [u8]),
    /// Data transfer started: STARTDT con received (controlling) or STARTDT act received
    /// (controlled).
    Started,
    /// Data transfer stopped: STOPDT con received (controlling) or sent (controlled).
    Stopped,
    /// The peer acknowledged `count` more sent I frames: the window has room again.
    Acknowledged {
        /// Frames newly acknowledged.
        count: u16,
    },
    /// The peer confirmed a TESTFR act.
    TestConfirmed,
    /// The connection closed; nothing more will be sent or accepted.
    Closed(CloseReason),
}

/// Why [`Connection::send_asdu`](crate::Connection::send_asdu) refused an ASDU. Nothing was
/// queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendError {
    /// The connection is closed.
    Closed,
    /// Data transfer is not started (clause 5.3).
    NotStarted {
        /// The current state.
        state: DtState,
    },
    /// k I frames are outstanding: wait for [`Event::Acknowledged`] (clause 5.5).
    WindowFull {
        /// The configured k.
        k: u16,
    },
    /// An ASDU has at least one octet.
    Empty,
    /// The ASDU exceeds 249 octets (clause 5.1).
    TooLong {
        /// Its length.
        len: usize,
    },
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed => f.write_str("connection closed"),
            SendError::NotStarted { state } => write!(f, "data transfer not started ({state})"),
            SendError::WindowFull { k } => write!(f, "k = {k} I frames unacknowledged"),
            SendError::Empty => f.write_str("empty ASDU"),
            SendError::TooLong { len } => write!(f, "ASDU of {len} octets exceeds 249"),
        }
    }
}

impl core::error::Error for SendError {}

/// Why a STARTDT, STOPDT or TESTFR command was refused. Nothing was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandError {
    /// The connection is closed.
    Closed,
    /// Only the controlling station starts and stops data transfer (clause 5.3).
    WrongRole {
        /// This connection's role.
        role: Role,
    },
    /// The command does not apply in this state (STARTDT needs stopped, STOPDT started).
    InvalidState {
        /// The current state.
        state: DtState,
    },
    /// The same act is already awaiting its confirmation.
    Pending {
        /// The act awaiting confirmation.
        function: UFunction,
    },
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Closed => f.write_str("connection closed"),
            CommandError::WrongRole { role } => write!(f, "not allowed for the {role:?} role"),
            CommandError::InvalidState { state } => write!(f, "not allowed while {state}"),
            CommandError::Pending { function } => write!(f, "{function} already pending"),
        }
    }
}

impl core::error::Error for CommandError {}

/// Why [`Connection::handle_input`](crate::Connection::handle_input) refused input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputError {
    /// The connection is closed: drop the TCP connection.
    Closed,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Closed => f.write_str("connection closed"),
        }
    }
}

impl core::error::Error for InputError {}
