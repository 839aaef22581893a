//! `Data` and `AccessResult` (ISO 9506-2 14.4.2 and 14.4.3): the values MMS reads, writes
//! and reports.

use telecontrol_core::{Encode, EncodeError, Writer};

use super::MmsError;
use super::prim::{bad, code_enum, ctx, ctx_c, header, int, tlv, unexpected, write_bytes};
use super::seq::{Element, SeqOf};
use crate::ber::{self, BitString, Class, Oid, Tag, Tlv};

/// A list of [`Data`] (the contents of an array or a structure).
pub type DataSeq<'a> = SeqOf<'a, Data<'a>>;

/// `Data` (ISO 9506-2 14.4.2): one MMS value. Arrays and structures hold a lazily decoded
/// [`SeqOf`] of their elements; nesting is bounded by [`ber::MAX_DEPTH`].
///
/// Strings are the received octets (`&[u8]`): MMS peers put Latin-1 in VisibleStrings, and
/// the caller decides how to read them.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Data<'a> {
    /// `array [1]`.
    Array(DataSeq<'a>),
    /// `structure [2]`.
    Structure(DataSeq<'a>),
    /// `boolean [3]`.
    Boolean(bool),
    /// `bit-string [4]`.
    #[doc(alias = "bit-string")]
    BitString(BitString<'a>),
    /// `integer [5]`, up to 64 bits.
    Integer(i64),
    /// `unsigned [6]`, up to 64 bits.
    Unsigned(u64),
    /// `floating-point [7]`.
    #[doc(alias = "floating-point")]
    FloatingPoint(FloatingPoint),
    /// `octet-string [9]`.
    #[doc(alias = "octet-string")]
    OctetString(&'a [u8]),
    /// `visible-string [10]` (octets as received).
    #[doc(alias = "visible-string")]
    VisibleString(&'a [u8]),
    /// `generalized-time [11]` (the GeneralizedTime characters).
    #[doc(alias = "generalized-time")]
    GeneralizedTime(&'a [u8]),
    /// `binary-time [12]` (TimeOfDay).
    #[doc(alias = "binary-time")]
    BinaryTime(BinaryTime),
    /// `bcd [13]`.
    Bcd(i64),
    /// `booleanArray [14]`.
    #[doc(alias = "booleanArray")]
    BooleanArray(BitString<'a>),
    /// `objId [15]`.
    #[doc(alias = "objId")]
    ObjId(Oid<'a>),
    /// `mMSString [16]` (UTF-8 octets as received).
    #[doc(alias = "mMSString")]
    MmsString(&'a [u8]),
    /// `utc-time [17]`.
    #[doc(alias = "utc-time")]
    UtcTime(UtcTime),
}

impl<'a> Data<'a> {
    /// The context tag of this choice.
    #[must_use]
    pub const fn tag(&self) -> Tag {
        match self {
            Data::Array(_) => ctx_c(1),
            Data::Structure(_) => ctx_c(2),
            Data::Boolean(_) => ctx(3),
            Data::BitString(_) => ctx(4),
            Data::Integer(_) => ctx(5),
            Data::Unsigned(_) => ctx(6),
            Data::FloatingPoint(_) => ctx(7),
            Data::OctetString(_) => ctx(9),
            Data::VisibleString(_) => ctx(10),
            Data::GeneralizedTime(_) => ctx(11),
            Data::BinaryTime(_) => ctx(12),
            Data::Bcd(_) => ctx(13),
            Data::BooleanArray(_) => ctx(14),
            Data::ObjId(_) => ctx(15),
            Data::MmsString(_) => ctx(16),
            Data::UtcTime(_) => ctx(17),
        }
    }

    /// The elements of an array or a structure.
    #[must_use]
    pub const fn elements(&self) -> Option<DataSeq<'a>> {
        match *self {
            Data::Array(s) | Data::Structure(s) => Some(s),
            _ => None,
        }
    }

    fn content_len(&self) -> usize {
        match *self {
            Data::Array(s) | Data::Structure(s) => s.content_len(),
            Data::Boolean(_) => 1,
            Data::BitString(b) | Data::BooleanArray(b) => b.content_len(),
            Data::Integer(v) | Data::Bcd(v) => ber::i64_content_len(v),
            Data::Unsigned(v) => ber::u64_content_len(v),
            Data::FloatingPoint(f) => f.content_len(),
            Data::OctetString(s)
            | Data::VisibleString(s)
            | Data::GeneralizedTime(s)
            | Data::MmsString(s) => s.len(),
            Data::BinaryTime(t) => t.content_len(),
            Data::ObjId(o) => o.content_len(),
            Data::UtcTime(_) => 8,
        }
    }
}

impl<'a> Element<'a> for Data<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        const F: &str = "Data";
        if tlv.tag.class != Class::ContextSpecific {
            return Err(unexpected(tlv, F));
        }
        let v = tlv.value;
        let data = match (tlv.tag.number, tlv.tag.constructed) {
            (1, true) => Data::Array(SeqOf::decode(tlv, validate, "array")?),
            (2, true) => Data::Structure(SeqOf::decode(tlv, validate, "structure")?),
            (3, false) => Data::Boolean(tlv.as_bool()?),
            (4, false) => Data::BitString(tlv.as_bit_string()?),
            (5, false) => Data::Integer(tlv.as_i64()?),
            (6, false) => Data::Unsigned(tlv.as_u64()?),
            (7, false) => Data::FloatingPoint(
                FloatingPoint::from_content(v).ok_or(bad(tlv, "floating-point"))?,
            ),
            (9, false) => Data::OctetString(v),
            (10, false) => Data::VisibleString(v),
            (11, false) => Data::GeneralizedTime(v),
            (12, false) => {
                Data::BinaryTime(BinaryTime::from_content(v).ok_or(bad(tlv, "binary-time"))?)
            }
            (13, false) => Data::Bcd(tlv.as_i64()?),
            (14, false) => Data::BooleanArray(tlv.as_bit_string()?),
            (15, false) => Data::ObjId(tlv.as_oid()?),
            (16, false) => Data::MmsString(v),
            (17, false) => Data::UtcTime(UtcTime(v.try_into().map_err(|_| bad(tlv, "utc-time"))?)),
            _ => return Err(unexpected(tlv, F)),
        };
        Ok(data)
    }

    fn element_len(&self) -> usize {
        tlv(self.tag(), self.content_len())
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let tag = self.tag();
        match *self {
            Data::Array(s) | Data::Structure(s) => s.write(w, tag),
            Data::Boolean(b) => {
                header(w, tag, 1)?;
                ber::write_bool_content(w, b)?;
                Ok(())
            }
            Data::BitString(b) | Data::BooleanArray(b) => {
                header(w, tag, b.content_len())?;
                b.write_content(w)?;
                Ok(())
            }
            Data::Integer(v) | Data::Bcd(v) => {
                ber::write_i64(w, tag, v)?;
                Ok(())
            }
            Data::Unsigned(v) => {
                ber::write_u64(w, tag, v)?;
                Ok(())
            }
            Data::FloatingPoint(f) => {
                header(w, tag, f.content_len())?;
                f.write_content(w)
            }
            Data::OctetString(s)
            | Data::VisibleString(s)
            | Data::GeneralizedTime(s)
            | Data::MmsString(s) => write_bytes(w, tag, s),
            Data::BinaryTime(t) => {
                header(w, tag, t.content_len())?;
                t.write_content(w)
            }
            Data::ObjId(o) => write_bytes(w, tag, o.as_bytes()),
            Data::UtcTime(t) => write_bytes(w, tag, &t.0),
        }
    }
}

impl Encode for Data<'_> {
    fn encoded_len(&self) -> usize {
        self.element_len()
    }
    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.write_element(w)
    }
}

/// `FloatingPoint` (ISO 9506-2 14.4.2.2): an exponent-width octet, then an IEEE 754 value,
/// big-endian. Single (exponent width 8, 5 octets) and double (11, 9 octets) are supported.
/// Equality compares bit patterns, so NaNs round-trip.
#[derive(Clone, Copy, Debug)]
pub enum FloatingPoint {
    /// IEEE 754 single precision.
    Single(f32),
    /// IEEE 754 double precision.
    Double(f64),
}

impl FloatingPoint {
    /// The value as an `f64`.
    #[must_use]
    pub fn to_f64(self) -> f64 {
        match self {
            FloatingPoint::Single(v) => f64::from(v),
            FloatingPoint::Double(v) => v,
        }
    }

    fn from_content(v: &[u8]) -> Option<Self> {
        match v {
            [8, a, b, c, d] => Some(FloatingPoint::Single(f32::from_be_bytes([*a, *b, *c, *d]))),
            [11, rest @ ..] => {
                let bytes: [u8; 8] = rest.try_into().ok()?;
                Some(FloatingPoint::Double(f64::from_be_bytes(bytes)))
            }
            _ => None,
        }
    }

    const fn content_len(self) -> usize {
        match self {
            FloatingPoint::Single(_) => 5,
            FloatingPoint::Double(_) => 9,
        }
    }

    fn write_content(self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            FloatingPoint::Single(v) => {
                w.write_u8(8)?;
                w.write_bytes(&v.to_be_bytes())?;
            }
            FloatingPoint::Double(v) => {
                w.write_u8(11)?;
                w.write_bytes(&v.to_be_bytes())?;
            }
        }
        Ok(())
    }
}

impl PartialEq for FloatingPoint {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FloatingPoint::Single(a), FloatingPoint::Single(b)) => a.to_bits() == b.to_bits(),
            (FloatingPoint::Double(a), FloatingPoint::Double(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        }
    }
}

/// `TimeOfDay` (ISO 9506-2 7.5.3, `binary-time`): milliseconds since midnight and, in the
/// 6-octet form, days since 1 January 1984.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BinaryTime {
    /// Milliseconds since midnight (the first four octets).
    pub millis: u32,
    /// Days since 1984-01-01, present in the 6-octet form.
    pub days: Option<u16>,
}

impl BinaryTime {
    fn from_content(v: &[u8]) -> Option<Self> {
        match *v {
            [a, b, c, d] => Some(BinaryTime {
                millis: u32::from_be_bytes([a, b, c, d]),
                days: None,
            }),
            [a, b, c, d, e, f] => Some(BinaryTime {
                millis: u32::from_be_bytes([a, b, c, d]),
                days: Some(u16::from_be_bytes([e, f])),
            }),
            _ => None,
        }
    }

    const fn content_len(self) -> usize {
        if self.days.is_some() { 6 } else { 4 }
    }

    fn write_content(self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.write_u32_be(self.millis)?;
        if let Some(d) = self.days {
            w.write_u16_be(d)?;
        }
        Ok(())
    }
}

/// `UtcTime` (ISO 9506-2:2003, IEC 61850-8-1 8.1.3.7): seconds since 1970-01-01 (4 octets),
/// fraction of a second (3 octets, binary fraction) and time quality (1 octet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UtcTime(pub [u8; 8]);

impl UtcTime {
    /// From seconds, a 24-bit fraction (`fraction / 2^24` s; higher bits are dropped) and
    /// the quality octet.
    #[must_use]
    pub const fn new(seconds: u32, fraction: u32, quality: u8) -> Self {
        let s = seconds.to_be_bytes();
        let f = fraction.to_be_bytes();
        UtcTime([s[0], s[1], s[2], s[3], f[1], f[2], f[3], quality])
    }

    /// Seconds since 1970-01-01 00:00 UTC.
    #[must_use]
    pub const fn seconds(&self) -> u32 {
        let b = self.0;
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The binary fraction of a second, in units of 2^-24 s.
    #[must_use]
    pub const fn fraction(&self) -> u32 {
        let b = self.0;
        u32::from_be_bytes([0, b[4], b[5], b[6]])
    }

    /// The time-quality octet.
    #[must_use]
    pub const fn quality(&self) -> u8 {
        self.0[7]
    }
}

code_enum! {
    /// `DataAccessError` (ISO 9506-2 14.4.3).
    DataAccessError {
        /// `object-invalidated (0)`.
        ObjectInvalidated = 0,
        /// `hardware-fault (1)`.
        HardwareFault = 1,
        /// `temporarily-unavailable (2)`.
        TemporarilyUnavailable = 2,
        /// `object-access-denied (3)`.
        ObjectAccessDenied = 3,
        /// `object-undefined (4)`.
        ObjectUndefined = 4,
        /// `invalid-address (5)`.
        InvalidAddress = 5,
        /// `type-unsupported (6)`.
        TypeUnsupported = 6,
        /// `type-inconsistent (7)`.
        TypeInconsistent = 7,
        /// `object-attribute-inconsistent (8)`.
        ObjectAttributeInconsistent = 8,
        /// `object-access-unsupported (9)`.
        ObjectAccessUnsupported = 9,
        /// `object-non-existent (10)`.
        ObjectNonExistent = 10,
        /// `object-value-invalid (11)`.
        ObjectValueInvalid = 11,
    }
}

/// `AccessResult` (ISO 9506-2 14.4.3): a value, or why there is none.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AccessResult<'a> {
    /// `failure [0] DataAccessError`.
    Failure(DataAccessError),
    /// `success Data`.
    Success(Data<'a>),
}

const FAILURE: Tag = ctx(0);

impl<'a> Element<'a> for AccessResult<'a> {
    type Error = MmsError;

    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, MmsError> {
        if tlv.tag == FAILURE {
            Ok(AccessResult::Failure(DataAccessError::from_code(int(
                tlv, "failure",
            )?)))
        } else {
            Data::decode_element(tlv, validate).map(AccessResult::Success)
        }
    }

    fn element_len(&self) -> usize {
        match self {
            AccessResult::Failure(e) => ber::i64_tlv_len(FAILURE, e.code()),
            AccessResult::Success(d) => d.element_len(),
        }
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            AccessResult::Failure(e) => {
                ber::write_i64(w, FAILURE, e.code())?;
                Ok(())
            }
            AccessResult::Success(d) => d.write_element(w),
        }
    }
}
