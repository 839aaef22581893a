//! The error of this crate: a received MMS value that does not have the shape of the
//! IEC 60870-6-802 type asked for, or a caller value outside its -802 range.

use core::fmt;

/// A value that does not fit the IEC 60870-6-802 object model.
///
/// `field` names the -802 type or member being decoded (`"Data_RealQ.Flags"`,
/// `"DSTransferSet.Interval"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tase2Error {
    /// The MMS `Data` choice is not the one the -802 type uses (e.g. an integer where a
    /// floating-point is expected).
    WrongType {
        /// The -802 type or member.
        field: &'static str,
        /// What -802 puts there (`"structure"`, `"integer"`, `"bit-string(8)"`, ...).
        expected: &'static str,
    },
    /// A structure with a different number of members than the -802 type.
    MemberCount {
        /// The -802 type.
        field: &'static str,
        /// Members the type has.
        expected: usize,
        /// Members received.
        found: usize,
    },
    /// An integer outside its -802 range (`Integer16`, `Integer32`, `Unsigned8`, ...).
    OutOfRange {
        /// The -802 type or member.
        field: &'static str,
        /// The value received (saturated to `i64`).
        value: i64,
    },
    /// A bit string of the wrong length.
    BitCount {
        /// The -802 type or member.
        field: &'static str,
        /// Bits the type has.
        expected: usize,
        /// Bits received.
        found: usize,
    },
    /// A name that is not a valid MMS identifier, or not a component of the structure.
    BadName {
        /// The -802 type or member.
        field: &'static str,
    },
    /// The caller's storage is too small (bilateral table, report member list, ...).
    Capacity {
        /// The storage.
        field: &'static str,
        /// Entries needed.
        needed: usize,
    },
}

impl fmt::Display for Tase2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Tase2Error::WrongType { field, expected } => {
                write!(f, "{field}: expected {expected}")
            }
            Tase2Error::MemberCount {
                field,
                expected,
                found,
            } => write!(f, "{field}: {found} members, expected {expected}"),
            Tase2Error::OutOfRange { field, value } => {
                write!(f, "{field}: {value} is out of range")
            }
            Tase2Error::BitCount {
                field,
                expected,
                found,
            } => write!(f, "{field}: {found} bits, expected {expected}"),
            Tase2Error::BadName { field } => write!(f, "{field}: bad name"),
            Tase2Error::Capacity { field, needed } => {
                write!(f, "{field}: storage for {needed} entries needed")
            }
        }
    }
}

impl core::error::Error for Tase2Error {}
