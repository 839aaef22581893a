//! The BER decoding error.

use core::fmt;

use super::Tag;

/// Why BER decoding failed. Every offset is absolute: from the start of the input given to
/// the outermost [`BerReader`](super::BerReader) (or the base passed to [`BerReader::new_at`](super::BerReader::new_at)).
///
/// The value helpers that take a bare content slice ([`decode_i64`](super::decode_i64), ...) report offsets
/// relative to that slice; the [`Tlv`](super::Tlv) methods (`as_i64`, ...) report absolute ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BerError {
    /// The identifier, the length or the contents run past the end of the input.
    Truncated {
        /// Offset of the element's first octet.
        offset: usize,
    },
    /// A long-form length with more than [`MAX_LENGTH_OCTETS`](super::MAX_LENGTH_OCTETS) octets, or the reserved
    /// length octet 0xFF.
    LengthTooLong {
        /// Offset of the first length octet.
        offset: usize,
    },
    /// A tag number that does not fit in a `u32`.
    TagTooLarge {
        /// Offset of the identifier octet.
        offset: usize,
    },
    /// The indefinite length (0x80) on a primitive encoding (X.690 8.1.3.2 a).
    IndefiniteInPrimitive {
        /// Offset of the identifier octet.
        offset: usize,
    },
    /// An indefinite-length encoding whose end-of-contents octets are missing.
    MissingEndOfContents {
        /// Offset of the identifier octet of the indefinite-length element.
        offset: usize,
    },
    /// A different tag where a specific one was required.
    UnexpectedTag {
        /// Offset of the identifier octet.
        offset: usize,
        /// The tag found.
        found: Tag,
    },
    /// The input ended where a required element was expected.
    MissingElement {
        /// Offset where the element should have started.
        offset: usize,
        /// The tag expected.
        expected: Tag,
    },
    /// Octets left after the last element a decoder expected.
    TrailingData {
        /// Offset of the first surplus octet.
        offset: usize,
    },
    /// Nesting deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
    TooDeep {
        /// Offset of the element that would go one level too deep.
        offset: usize,
    },
    /// An INTEGER longer than the target type (more than 8 contents octets, or out of range).
    IntegerTooLarge {
        /// Offset of the contents.
        offset: usize,
    },
    /// Contents that are not a valid value of their type.
    BadValue {
        /// Offset of the contents.
        offset: usize,
        /// What is wrong (a fixed phrase).
        reason: &'static str,
    },
}

impl BerError {
    /// The offset the error refers to.
    #[must_use]
    pub const fn offset(&self) -> usize {
        match *self {
            BerError::Truncated { offset }
            | BerError::LengthTooLong { offset }
            | BerError::TagTooLarge { offset }
            | BerError::IndefiniteInPrimitive { offset }
            | BerError::MissingEndOfContents { offset }
            | BerError::UnexpectedTag { offset, .. }
            | BerError::MissingElement { offset, .. }
            | BerError::TrailingData { offset }
            | BerError::TooDeep { offset }
            | BerError::IntegerTooLarge { offset }
            | BerError::BadValue { offset, .. } => offset,
        }
    }

    /// The same error with its offset moved forward by `by` (saturating), for errors found in
    /// a sub-slice that starts at `by`.
    #[must_use]
    pub const fn shifted(self, by: usize) -> BerError {
        let mut e = self;
        match &mut e {
            BerError::Truncated { offset }
            | BerError::LengthTooLong { offset }
            | BerError::TagTooLarge { offset }
            | BerError::IndefiniteInPrimitive { offset }
            | BerError::MissingEndOfContents { offset }
            | BerError::UnexpectedTag { offset, .. }
            | BerError::MissingElement { offset, .. }
            | BerError::TrailingData { offset }
            | BerError::TooDeep { offset }
            | BerError::IntegerTooLarge { offset }
            | BerError::BadValue { offset, .. } => *offset = offset.saturating_add(by),
        }
        e
    }
}

impl fmt::Display for BerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BerError::Truncated { offset } => write!(f, "BER element at {offset} is truncated"),
            BerError::LengthTooLong { offset } => {
                write!(f, "BER length at {offset} is too long or reserved")
            }
            BerError::TagTooLarge { offset } => {
                write!(f, "BER tag number at {offset} exceeds 32 bits")
            }
            BerError::IndefiniteInPrimitive { offset } => {
                write!(
                    f,
                    "indefinite length on a primitive BER element at {offset}"
                )
            }
            BerError::MissingEndOfContents { offset } => {
                write!(
                    f,
                    "indefinite-length BER element at {offset} has no end-of-contents"
                )
            }
            BerError::UnexpectedTag { offset, found } => {
                write!(f, "unexpected BER tag {found} at {offset}")
            }
            BerError::MissingElement { offset, expected } => {
                write!(f, "BER element {expected} missing at {offset}")
            }
            BerError::TrailingData { offset } => write!(f, "trailing octets at {offset}"),
            BerError::TooDeep { offset } => write!(f, "BER nesting too deep at {offset}"),
            BerError::IntegerTooLarge { offset } => {
                write!(f, "BER integer at {offset} is too large")
            }
            BerError::BadValue { offset, reason } => {
                write!(f, "bad BER value at {offset}: {reason}")
            }
        }
    }
}

impl core::error::Error for BerError {}
