//! The MMS layer's decode error.

use core::fmt;

use crate::ber::{BerError, Tag};

/// Why an MMS PDU (ISO 9506-2) could not be decoded. Offsets are absolute: from the start of
/// the input given to [`MmsPdu::decode`](super::MmsPdu) (plus the base of
/// [`MmsPdu::decode_at`](super::MmsPdu::decode_at)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MmsError {
    /// Malformed BER: truncated element, bad length, nesting deeper than
    /// [`ber::MAX_DEPTH`](crate::ber::MAX_DEPTH), integer too large, ...
    Ber(BerError),
    /// A tag that the ASN.1 does not allow at this place.
    UnexpectedTag {
        /// Offset of the identifier octet.
        offset: usize,
        /// The tag found.
        found: Tag,
        /// The ASN.1 type or field being decoded.
        field: &'static str,
    },
    /// A required element is missing.
    Missing {
        /// Offset where it should have started.
        offset: usize,
        /// The ASN.1 field.
        field: &'static str,
    },
    /// A value outside its ASN.1 type (e.g. an `Integer16` above 32767, a
    /// floating-point of the wrong size).
    BadValue {
        /// Offset of the element.
        offset: usize,
        /// The ASN.1 field.
        field: &'static str,
    },
    /// The outermost tag is not one of the `MMSpdu` choices `[0]`..`[13]`.
    UnknownPdu {
        /// Offset of the identifier octet.
        offset: usize,
        /// The tag found.
        tag: Tag,
    },
}

impl MmsError {
    /// The offset the error refers to.
    #[must_use]
    pub const fn offset(&self) -> usize {
        match *self {
            MmsError::Ber(e) => e.offset(),
            MmsError::UnexpectedTag { offset, .. }
            | MmsError::Missing { offset, .. }
            | MmsError::BadValue { offset, .. }
            | MmsError::UnknownPdu { offset, .. } => offset,
        }
    }
}

impl From<BerError> for MmsError {
    fn from(e: BerError) -> Self {
        MmsError::Ber(e)
    }
}

impl fmt::Display for MmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MmsError::Ber(e) => write!(f, "MMS: {e}"),
            MmsError::UnexpectedTag {
                offset,
                found,
                field,
            } => write!(f, "MMS {field}: unexpected tag {found} at {offset}"),
            MmsError::Missing { offset, field } => {
                write!(f, "MMS {field}: missing at {offset}")
            }
            MmsError::BadValue { offset, field } => {
                write!(f, "MMS {field}: bad value at {offset}")
            }
            MmsError::UnknownPdu { offset, tag } => {
                write!(f, "unknown MMS PDU tag {tag} at {offset}")
            }
        }
    }
}

impl core::error::Error for MmsError {}
