//! The one error type of the application layer.

use core::fmt;

use telecontrol_core::{EncodeError, ReadError, WriteError};

/// Why an ASDU could not be decoded or encoded.
///
/// Offsets count octets from the first octet of the ASDU (the type identification).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AsduError {
    /// The input ends before a field that must be present.
    Truncated {
        /// Offset where the missing field starts.
        offset: usize,
        /// Octets the field needs.
        needed: usize,
        /// Octets that were left.
        available: usize,
    },
    /// The type identification is not defined by IEC 60870-5-101/104 and is not in the raw
    /// (41, 128–255) range (101 §7.2.1).
    UnknownTypeId {
        /// Offset of the type identification (always 0 when decoding).
        offset: usize,
        /// The offending value.
        value: u8,
    },
    /// The number of information objects in the variable structure qualifier does not suit
    /// the type (e.g. a segment ASDU with more than one object) (101 §7.2.2).
    BadCount {
        /// Offset of the variable structure qualifier.
        offset: usize,
        /// The offending count.
        value: u8,
    },
    /// The information objects do not fill the ASDU exactly: `expected` octets were due after
    /// the header for the type, count and SQ, `actual` were present (101 §7.2.2).
    LengthMismatch {
        /// Offset of the first information object.
        offset: usize,
        /// Octets the header announces.
        expected: usize,
        /// Octets present.
        actual: usize,
    },
    /// The cause of transmission is 0 ("not used") or above 63 (101 §7.2.3).
    BadCot {
        /// Offset of the cause-of-transmission octet.
        offset: usize,
        /// The offending value.
        value: u8,
    },
    /// An information element holds a value its definition forbids (e.g. a CP56Time2a with
    /// minute 61) (101 §7.2.6).
    InvalidElement {
        /// Offset of the element.
        offset: usize,
        /// The element's field (its name in the standard).
        field: &'static str,
        /// The offending value.
        value: u32,
    },
    /// In a sequence (SQ=1) the address of a later element exceeds the largest address the
    /// configured information-object-address size can hold (101 §7.2.5).
    IoaOverflow {
        /// Offset of the information object address.
        offset: usize,
        /// The first address of the sequence.
        value: u32,
    },
    /// The ASDU is longer than the configured maximum.
    TooLong {
        /// Octets present or requested.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A parameter or caller-supplied field does not fit its wire size (e.g. IOA 70 000 with
    /// 2-octet addresses, an originator address with a 1-octet cause of transmission).
    DoesNotFit {
        /// The field.
        field: &'static str,
        /// The offending value.
        value: u32,
    },
    /// A builder was given a value of a type other than its type identification.
    TypeMismatch {
        /// The builder's type identification.
        expected: u8,
        /// The value's type identification.
        found: u8,
    },
    /// A builder in sequence mode (SQ=1) was given an address that does not follow the
    /// previous one.
    NotSequential {
        /// The address that was due.
        expected: u32,
        /// The address given.
        found: u32,
    },
    /// The next object does not fit the maximum ASDU length, the caller's buffer, or the
    /// 127-object limit of the variable structure qualifier. What was built so far is intact.
    Full,
    /// The caller's buffer cannot even hold the header.
    BufferTooSmall {
        /// Octets needed.
        needed: usize,
        /// Octets available.
        available: usize,
    },
}

impl fmt::Display for AsduError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AsduError::Truncated {
                offset,
                needed,
                available,
            } => write!(
                f,
                "ASDU truncated at offset {offset}: needed {needed} octet(s), {available} left"
            ),
            AsduError::UnknownTypeId { offset, value } => {
                write!(f, "unknown type identification {value} at offset {offset}")
            }
            AsduError::BadCount { offset, value } => {
                write!(
                    f,
                    "number of objects {value} at offset {offset} not allowed for this type"
                )
            }
            AsduError::LengthMismatch {
                offset,
                expected,
                actual,
            } => write!(
                f,
                "information objects from offset {offset}: expected {expected} octet(s), found {actual}"
            ),
            AsduError::BadCot { offset, value } => {
                write!(
                    f,
                    "invalid cause of transmission {value} at offset {offset}"
                )
            }
            AsduError::InvalidElement {
                offset,
                field,
                value,
            } => write!(f, "invalid {field} value {value} at offset {offset}"),
            AsduError::IoaOverflow { offset, value } => write!(
                f,
                "sequence starting at address {value} (offset {offset}) overflows the address size"
            ),
            AsduError::TooLong { len, max } => {
                write!(f, "ASDU of {len} octets exceeds the maximum of {max}")
            }
            AsduError::DoesNotFit { field, value } => {
                write!(f, "{field} value {value} does not fit its wire size")
            }
            AsduError::TypeMismatch { expected, found } => write!(
                f,
                "value of type {found} given to a builder of type {expected}"
            ),
            AsduError::NotSequential { expected, found } => write!(
                f,
                "address {found} given where the sequence expects {expected}"
            ),
            AsduError::Full => f.write_str("ASDU full"),
            AsduError::BufferTooSmall { needed, available } => write!(
                f,
                "buffer too small: need {needed} octets, have {available}"
            ),
        }
    }
}

impl core::error::Error for AsduError {}

impl From<ReadError> for AsduError {
    fn from(e: ReadError) -> Self {
        AsduError::Truncated {
            offset: e.offset,
            needed: e.needed,
            available: e.available,
        }
    }
}

impl From<WriteError> for AsduError {
    fn from(e: WriteError) -> Self {
        AsduError::BufferTooSmall {
            needed: e.offset.saturating_add(e.needed),
            available: e.offset.saturating_add(e.available),
        }
    }
}

impl From<AsduError> for EncodeError {
    fn from(e: AsduError) -> Self {
        match e {
            AsduError::BufferTooSmall { needed, available } => {
                EncodeError::BufferTooSmall { needed, available }
            }
            AsduError::DoesNotFit { field, .. } | AsduError::InvalidElement { field, .. } => {
                EncodeError::InvalidValue { field }
            }
            _ => EncodeError::InvalidValue { field: "ASDU" },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn messages_name_offset_and_value() {
        let cases = [
            (
                AsduError::LengthMismatch {
                    offset: 6,
                    expected: 4,
                    actual: 5,
                },
                "information objects from offset 6: expected 4 octet(s), found 5",
            ),
            (
                AsduError::UnknownTypeId {
                    offset: 0,
                    value: 23,
                },
                "unknown type identification 23 at offset 0",
            ),
            (
                AsduError::InvalidElement {
                    offset: 12,
                    field: "CP56Time2a minutes",
                    value: 60,
                },
                "invalid CP56Time2a minutes value 60 at offset 12",
            ),
            (AsduError::Full, "ASDU full"),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
        assert_eq!(
            EncodeError::from(AsduError::DoesNotFit {
                field: "common address",
                value: 300
            }),
            EncodeError::InvalidValue {
                field: "common address"
            }
        );
        // A real WriteError: a 2-octet write at offset 3 of a 4-octet buffer.
        let mut buf = [0u8; 4];
        let mut w = telecontrol_core::Writer::new(&mut buf);
        w.write_bytes(&[1, 2, 3]).unwrap();
        let e = w.write_u16_le(7).unwrap_err();
        assert_eq!(
            AsduError::from(e),
            AsduError::BufferTooSmall {
                needed: 5,
                available: 4
            }
        );
    }
}
