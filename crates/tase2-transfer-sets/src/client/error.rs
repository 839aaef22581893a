//! Why a client procedure failed.

use core::fmt;

use mms_pdu::mms::DataAccessError;

use crate::Tase2Error;
use crate::objects::Tase2Version;

use super::TableId;

/// A TASE.2 client procedure that did not succeed: the server's answer was not the
/// expected one, or the caller's input cannot be sent.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClientError {
    /// The answer is another service than the one asked (`expected` names it).
    UnexpectedResponse {
        /// The service whose response was expected.
        expected: &'static str,
    },
    /// The answer has a different number of results than variables asked.
    ResultCount {
        /// Results expected.
        expected: usize,
        /// Results received.
        found: usize,
    },
    /// The server refused or could not read / write the `index`-th variable.
    Access {
        /// Position of the variable in the request.
        index: usize,
        /// The `DataAccessError` the server answered.
        error: DataAccessError,
    },
    /// A value does not have the -802 type expected.
    Value(Tase2Error),
    /// `TASE2_Version` is not one of the versions accepted.
    Version {
        /// The version the server reported.
        found: Tase2Version,
    },
    /// `Supported_Features` lacks a conformance block required.
    Feature {
        /// The first block required and not supported.
        block: u8,
    },
    /// `Bilateral_Table_ID` differs from the one expected.
    TableId {
        /// The id the server reported.
        found: TableId,
    },
    /// A name that is not an MMS identifier (at most 32 characters of letters, digits,
    /// `_` and `$`, not starting with a digit).
    BadName {
        /// What the name is for.
        what: &'static str,
    },
    /// An information message whose buffer is shorter than its header's `Size`, or whose
    /// `Size` is negative.
    MessageSize {
        /// `Size` in the header.
        size: i32,
        /// Octets in the buffer.
        buffer: usize,
    },
    /// The caller's storage cannot hold the request.
    Capacity {
        /// Entries needed.
        needed: usize,
    },
}

impl From<Tase2Error> for ClientError {
    fn from(e: Tase2Error) -> Self {
        ClientError::Value(e)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::UnexpectedResponse { expected } => {
                write!(f, "the answer is not a {expected} response")
            }
            ClientError::ResultCount { expected, found } => {
                write!(f, "{found} results, expected {expected}")
            }
            ClientError::Access { index, error } => {
                write!(f, "variable {index}: {error:?}")
            }
            ClientError::Value(e) => write!(f, "{e}"),
            ClientError::Version { found } => write!(
                f,
                "TASE2_Version {}-{} is not accepted",
                found.major, found.minor
            ),
            ClientError::Feature { block } => {
                write!(f, "Supported_Features lacks conformance block {block}")
            }
            ClientError::TableId { found } => {
                write!(f, "Bilateral_Table_ID is {:?}", found.as_str())
            }
            ClientError::BadName { what } => write!(f, "{what}: not an MMS identifier"),
            ClientError::MessageSize { size, buffer } => write!(
                f,
                "information message of size {size} in a buffer of {buffer} octets"
            ),
            ClientError::Capacity { needed } => {
                write!(f, "storage for {needed} entries needed")
            }
        }
    }
}

impl core::error::Error for ClientError {}
