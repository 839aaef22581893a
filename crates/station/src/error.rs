//! Errors of the station API: the caller misused it. What a peer sends never errors; it gets a
//! protocol reaction (a negative confirmation or an event).

use core::fmt;

use asdu::{AsduError, CommonAddress};

/// A call on an [`crate::Outstation`] or [`crate::Master`] could not be carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StationError {
    /// A queue is full: the event buffer under [`crate::OverflowPolicy::RefuseNewest`], the
    /// response queue, or the master's request table.
    QueueFull {
        /// Which queue.
        queue: &'static str,
    },
    /// No command or request with this handle is waiting for that call.
    UnknownHandle {
        /// The handle.
        handle: u32,
    },
    /// The common address is not served by this station (or is the broadcast address where
    /// it is not allowed).
    NotServed {
        /// The address.
        ca: CommonAddress,
    },
    /// The type cannot be used for this call (wrong direction, not allowed in the profile,
    /// or a bitstring command with select).
    InvalidType {
        /// The type identification.
        type_id: u8,
    },
    /// A request for the same type and address is already outstanding.
    Busy {
        /// The information object address.
        ioa: u32,
    },
    /// The call needs at least one information object.
    Empty,
    /// Building the ASDU failed.
    Asdu(AsduError),
}

impl fmt::Display for StationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StationError::QueueFull { queue } => write!(f, "{queue} is full"),
            StationError::UnknownHandle { handle } => {
                write!(
                    f,
                    "no command or request with handle {handle} waits for this"
                )
            }
            StationError::NotServed { ca } => write!(f, "common address {ca} is not served"),
            StationError::InvalidType { type_id } => {
                write!(f, "type {type_id} cannot be used here")
            }
            StationError::Busy { ioa } => {
                write!(f, "a request for object {ioa} is already outstanding")
            }
            StationError::Empty => f.write_str("no information object given"),
            StationError::Asdu(e) => write!(f, "ASDU: {e}"),
        }
    }
}

impl core::error::Error for StationError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            StationError::Asdu(e) => Some(e),
            _ => None,
        }
    }
}

impl From<AsduError> for StationError {
    fn from(e: AsduError) -> Self {
        StationError::Asdu(e)
    }
}
