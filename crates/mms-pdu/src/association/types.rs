//! Configuration, events and errors of the association procedure.

use core::fmt;
use core::time::Duration;

use crate::acse::SourceDiagnostic;
use crate::ber::Oid;
use crate::cotp::{CotpError, TpduSize};
use crate::mms::{
    ConfirmedRequest, ConfirmedResponse, ErrorClass, InitiateParams, RejectPdu, RejectReason,
    ServiceError, UnconfirmedService,
};
use crate::stack::StackError;
use crate::tpkt::TpktError;

/// Which end opened the connection (who sent COTP CR, session CN and the AARQ).
///
/// Both ends may send confirmed requests once associated: a TASE.2 peer is MMS client and
/// server on the same association.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Sends CR, CN/CP/AARQ/Initiate-Request (the MMS "calling" side).
    Initiator,
    /// Answers them (the MMS "called" side).
    Responder,
}

/// The addresses of one end: ACSE AP-title and AE-qualifier, presentation, session and
/// transport selectors (ISO 8650-1, 8823-1, 8327-1, 8073).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addressing<'c> {
    /// AP-title (form 2, object identifier).
    pub ap_title: Option<Oid<'c>>,
    /// AE-qualifier (form 2, integer).
    pub ae_qualifier: Option<i64>,
    /// Presentation selector (empty: not sent).
    pub p_selector: &'c [u8],
    /// Session selector (empty: not sent).
    pub s_selector: &'c [u8],
    /// Transport selector, the COTP TSAP (empty: not sent).
    pub t_selector: &'c [u8],
}

impl Addressing<'_> {
    /// No title, no qualifier, selectors `00 00 00 01` / `00 01` / `00 01` (the values most
    /// MMS stacks use by default).
    pub const DEFAULT: Addressing<'static> = Addressing {
        ap_title: None,
        ae_qualifier: None,
        p_selector: &[0, 0, 0, 1],
        s_selector: &[0, 1],
        t_selector: &[0, 1],
    };
}

/// Parameters of one association (one TCP connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config<'c> {
    /// Our own addresses (calling as initiator, responding as responder).
    pub local: Addressing<'c>,
    /// The peer's addresses (called, as initiator; ignored as responder: the AARQ's are
    /// reported to the application).
    pub peer: Addressing<'c>,
    /// Password (ACSE authentication mechanism `2.2.3.1`) sent in the AARQ.
    pub password: Option<&'c [u8]>,
    /// Largest COTP TPDU we propose (initiator) or accept (responder).
    pub tpdu_size: TpduSize,
    /// MMS `localDetail`: the largest MMS PDU we send or accept, in octets.
    pub max_pdu_size: i32,
    /// Proposed (initiator) or accepted (responder) maximum of outstanding confirmed
    /// requests, each direction (`maxServOutstandingCalling/Called`).
    pub max_outstanding: i16,
    /// Proposed or accepted data structure nesting level (at least 4).
    pub nesting_level: i8,
    /// `parameterCBB` bits (11, in 2 octets) we announce.
    pub parameter_cbb: [u8; 2],
    /// `servicesSupported` bits (85, in 11 octets) we announce.
    pub services_supported: [u8; 11],
    /// How long CR → CC, CN → AC and FN → DN may take.
    pub connect_timeout: Duration,
    /// How long a confirmed request may wait for its response.
    pub request_timeout: Duration,
    /// How long queued output may wait without the driver taking any octet (the peer
    /// stopped reading and its TCP window closed) before the association is closed with
    /// [`CloseReason::SlowPeer`]; `None` never.
    pub send_stall_timeout: Option<Duration>,
    /// How long an established association may stay without any octet received before it
    /// is aborted with [`CloseReason::Idle`] (MMS has no keep-alive: a peer that wants
    /// this must poll, e.g. TASE.2 clients read periodically); `None` never (the default).
    pub idle_timeout: Option<Duration>,
    /// Octets of unconfirmed PDUs (reports) the std driver (`driver::Link`, feature `std`)
    /// may hold for this association beyond its 64 KiB transmit queue, waiting in order
    /// for the peer to read; a report that would exceed it closes the association with
    /// [`CloseReason::SlowPeer`] and is refused. The sans-IO association itself holds no
    /// such queue and ignores this. Memory bound: an association of the adapters holds at
    /// most four 64 KiB buffers plus this (plus a `Vec` header per waiting report), so
    /// `connections × (256 KiB + send_queue)` at worst: about 125 MiB for 100
    /// connections with the default 1 MiB. 0: a report the transmit queue has no room
    /// for closes the association at once.
    pub send_queue: usize,
}

impl Config<'static> {
    /// Default addresses, TPDU size 1024, PDU size 8000, 5 outstanding requests, nesting
    /// 10, the `str1 str2 vnam vlis` CBBs, the services this crate models (status,
    /// getNameList, identify, read, write, getVariableAccessAttributes, the three named
    /// variable list services, informationReport, conclude), 10 s connect and 30 s request
    /// timeouts, a 30 s send stall timeout, no idle timeout and a 1 MiB send queue.
    pub const DEFAULT: Config<'static> = Config {
        local: Addressing::DEFAULT,
        peer: Addressing::DEFAULT,
        password: None,
        tpdu_size: TpduSize::S1024,
        max_pdu_size: 8000,
        max_outstanding: 5,
        nesting_level: 10,
        parameter_cbb: [0xE1, 0x00],
        services_supported: [0xEE, 0x1C, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x10],
        connect_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(30),
        send_stall_timeout: Some(Duration::from_secs(30)),
        idle_timeout: None,
        send_queue: 1024 * 1024,
    };
}

/// What both ends agreed in the Initiate exchange (ISO 9506-2 8.2) and at the transport
/// layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// COTP TPDU size.
    pub tpdu_size: TpduSize,
    /// MMS PDU size limit (`localDetailCalled`, or ours if the responder sent none).
    pub max_pdu_size: i32,
    /// Requests the initiator may have outstanding.
    pub max_outstanding_calling: i16,
    /// Requests the responder may have outstanding.
    pub max_outstanding_called: i16,
    /// Nesting level.
    pub nesting_level: i8,
    /// Presentation context of MMS.
    pub mms_context: i64,
}

/// How an association attempt is refused (by us, as responder, or by the peer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// COTP DR with this reason (X.224 13.5.3).
    Transport {
        /// Reason octet.
        reason: u8,
    },
    /// Session RF with this reason code (ISO 8327-1 8.3.5.8; 2: rejected by the SS-user).
    Session {
        /// Reason code.
        reason: u8,
    },
    /// AARE with result rejected (1 permanent, 2 transient) and a diagnostic, in a CPR
    /// inside a session RF.
    Acse {
        /// Result.
        result: i64,
        /// Diagnostic.
        diagnostic: Option<SourceDiagnostic>,
    },
    /// AARE rejected carrying an MMS initiate-ErrorPDU with this class.
    Initiate {
        /// The error class and code.
        error_class: ErrorClass,
    },
}

/// Why a protocol error closed the association.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The TCP stream is not TPKT framed.
    Tpkt(TpktError),
    /// A COTP TPDU is malformed or a TSDU exceeds the reassembly buffer.
    Cotp(CotpError),
    /// A session, presentation or ACSE PDU is malformed.
    Stack(StackError),
    /// A well-formed PDU that the state does not allow (named).
    Unexpected(&'static str),
    /// The connect user data gathered from a CN and its CDOs (X.225 data overflow) does
    /// not fit the association's buffer of `max` octets; the attempt was refused (session
    /// RF, reason 134: implementation restriction).
    ConnectDataTooLong {
        /// The buffer size.
        max: usize,
    },
    /// A COTP DT TPDU longer than the negotiated TPDU size (ISO 8073 / X.224 14.6: a
    /// protocol error).
    TpduTooLong {
        /// Its length (COTP header included).
        len: usize,
        /// The negotiated TPDU size.
        max: usize,
    },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Tpkt(e) => write!(f, "TPKT: {e}"),
            ProtocolError::Cotp(e) => write!(f, "COTP: {e}"),
            ProtocolError::Stack(e) => write!(f, "{e}"),
            ProtocolError::Unexpected(what) => write!(f, "unexpected {what}"),
            ProtocolError::ConnectDataTooLong { max } => {
                write!(f, "connect user data longer than the {max}-octet buffer")
            }
            ProtocolError::TpduTooLong { len, max } => {
                write!(f, "COTP TPDU of {len} octets above the negotiated {max}")
            }
        }
    }
}

/// Why the association ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// Orderly ACSE release (RLRQ/RLRE) completed.
    Released,
    /// The association attempt was refused (by us or by the peer).
    Refused(Refusal),
    /// We aborted ([`Association::abort`](super::Association::abort)).
    LocalAbort,
    /// The peer aborted (session AB / ACSE ABRT).
    PeerAbort,
    /// The peer sent COTP DR (reason octet).
    TransportDisconnect(u8),
    /// The TCP connection closed ([`Association::handle_close`](super::Association::handle_close)).
    TransportClosed,
    /// The CR (responder: from the first [`note_time`](super::Association::note_time)),
    /// CC, CN, AC or the release answer did not come in time.
    Timeout,
    /// The peer stopped taking our octets: queued output waited longer than
    /// [`Config::send_stall_timeout`] (the queue was dropped; no abort can reach it).
    SlowPeer {
        /// Octets that were waiting in the transmit queue.
        queued: usize,
    },
    /// Nothing was received for [`Config::idle_timeout`] on an established association
    /// (we sent an abort).
    Idle,
    /// The peer broke the protocol; we sent an abort (when the stream still allowed it).
    Protocol(ProtocolError),
}

/// Why an outstanding confirmed request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailReason {
    /// No response within the request timeout.
    Timeout,
    /// The peer rejected it with an MMS Reject, or its answer was malformed and we
    /// rejected that (then the reason is the one we sent).
    Rejected(RejectReason),
    /// The association ended.
    Closed(CloseReason),
}

/// The AARQ of an association attempt, for the application to accept or refuse
/// ([`Association::accept`](super::Association::accept) /
/// [`refuse`](super::Association::refuse)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssociateIndication<'a> {
    /// Calling AP-title.
    pub calling_ap_title: Option<Oid<'a>>,
    /// Calling AE-qualifier.
    pub calling_ae_qualifier: Option<i64>,
    /// Called AP-title.
    pub called_ap_title: Option<Oid<'a>>,
    /// Called AE-qualifier.
    pub called_ae_qualifier: Option<i64>,
    /// Password, if password authentication is used.
    pub password: Option<&'a [u8]>,
    /// The MMS initiate-RequestPDU's parameters.
    pub initiate: InitiateParams<'a>,
}

impl<'a> AssociateIndication<'a> {
    /// Decode the indication again from connect user data (the presentation CP with the
    /// AARQ and the Initiate-Request), e.g. octets copied from
    /// [`Association::connect_data`](super::Association::connect_data); `None` if they
    /// are not one.
    #[must_use]
    pub fn from_connect(tsdu: &'a [u8]) -> Option<Self> {
        super::classify::indication(tsdu)
    }
}

/// What the application must know (ISO 9506-1 service primitives), from
/// [`Association::poll_event`](super::Association::poll_event).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Responder: an association attempt; answer with `accept` or `refuse`.
    AssociateIndication(AssociateIndication<'a>),
    /// The association is established.
    Associated(Negotiated),
    /// A confirmed request from the peer; answer with `respond` or `respond_error`.
    Request {
        /// Invoke id.
        invoke_id: u32,
        /// The decoded request.
        request: ConfirmedRequest<'a>,
        /// The encoded MMS PDU.
        pdu: &'a [u8],
    },
    /// The response to one of our requests.
    Response {
        /// Invoke id.
        invoke_id: u32,
        /// The decoded response.
        response: ConfirmedResponse<'a>,
        /// The encoded MMS PDU.
        pdu: &'a [u8],
    },
    /// A confirmed-ErrorPDU answering one of our requests.
    ServiceError {
        /// Invoke id.
        invoke_id: u32,
        /// The error.
        error: ServiceError<'a>,
    },
    /// One of our requests failed without an answer.
    RequestFailed {
        /// Invoke id.
        invoke_id: u32,
        /// Why.
        reason: FailReason,
    },
    /// An unconfirmed PDU (InformationReport, UnsolicitedStatus).
    Unconfirmed {
        /// The service.
        service: UnconfirmedService<'a>,
        /// The encoded MMS PDU.
        pdu: &'a [u8],
    },
    /// The peer rejected one of our PDUs.
    RejectReceived(RejectPdu),
    /// We rejected a malformed or unexpected PDU of the peer (sent automatically).
    RejectSent(RejectPdu),
    /// The peer concluded; we answered conclude-Response (or conclude-Error while requests
    /// were outstanding: `accepted == false`).
    ConcludeIndication {
        /// Whether we accepted.
        accepted: bool,
    },
    /// Our conclude was answered: accepted (an A-RELEASE follows) or refused.
    ConcludeConfirm {
        /// `None`: accepted; otherwise the peer's conclude-Error class.
        error: Option<ErrorClass>,
    },
    /// The association ended; every outstanding request has been failed before this event.
    Closed(CloseReason),
}

/// Misuse of the API (the peer's faults are events, not errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssocError {
    /// The command is not allowed in this state (named).
    WrongState {
        /// The state.
        state: &'static str,
    },
    /// As many requests are outstanding as negotiated.
    TooManyOutstanding {
        /// The negotiated maximum.
        max: usize,
    },
    /// No peer request with this invoke id awaits an answer.
    UnknownInvokeId(u32),
    /// Conclude while confirmed requests are outstanding (ISO 9506-1 8.4).
    RequestsOutstanding,
    /// The PDU exceeds the negotiated MMS PDU size.
    PduTooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The transmit buffer has no room: drain `poll_transmit` first.
    TransmitFull {
        /// Octets needed.
        needed: usize,
        /// Octets free.
        available: usize,
    },
    /// A configuration value is out of range (named).
    Config(&'static str),
    /// Octets handed over as an encoded PDU are not one (what is wrong).
    InvalidPdu(&'static str),
}

impl fmt::Display for AssocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssocError::WrongState { state } => write!(f, "not allowed in state {state}"),
            AssocError::TooManyOutstanding { max } => {
                write!(f, "{max} requests already outstanding (negotiated maximum)")
            }
            AssocError::UnknownInvokeId(id) => write!(f, "no request {id} awaits an answer"),
            AssocError::RequestsOutstanding => {
                write!(f, "conclude refused: requests are outstanding")
            }
            AssocError::PduTooLarge { len, max } => {
                write!(f, "MMS PDU of {len} octets exceeds the negotiated {max}")
            }
            AssocError::TransmitFull { needed, available } => write!(
                f,
                "transmit buffer full: need {needed} octets, {available} free"
            ),
            AssocError::Config(field) => write!(f, "configuration value {field} out of range"),
            AssocError::InvalidPdu(what) => write!(f, "invalid encoded PDU: {what}"),
        }
    }
}

impl core::error::Error for AssocError {}

impl From<telecontrol_core::EncodeError> for AssocError {
    fn from(e: telecontrol_core::EncodeError) -> Self {
        match e {
            telecontrol_core::EncodeError::BufferTooSmall { needed, available } => {
                AssocError::TransmitFull { needed, available }
            }
            telecontrol_core::EncodeError::InvalidValue { field } => AssocError::Config(field),
            _ => AssocError::Config("encoding"),
        }
    }
}
