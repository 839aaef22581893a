//! Helpers that read -802 primitive types out of MMS `Data` and write them back.

use mms_pdu::ber::BitString;
use mms_pdu::mms::{Data, DataSeq, FloatingPoint};

use crate::Tase2Error;

/// Single octets 0..=255, so that a one-octet bit string can borrow `'static` storage.
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
static OCTETS: [u8; 256] = {
    let mut a = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        a[i] = i as u8;
        i += 1;
    }
    a
};

/// The octet `v` as a `'static` one-octet slice.
pub(crate) fn octet(v: u8) -> &'static [u8] {
    let i = usize::from(v);
    OCTETS.get(i..=i).unwrap_or(&[])
}

/// A bit string of `bits` bits (1..=8) whose value is the octet `v` (bit 0 = `0x80`);
/// the padding bits are cleared.
pub(crate) fn bits8(v: u8, bits: u8) -> Data<'static> {
    let unused = 8u8.saturating_sub(bits);
    let mask = 0xFFu8.checked_shl(u32::from(unused)).unwrap_or(0);
    // Never `None`: one octet and at most 7 unused bits.
    BitString::new(octet(v & mask), unused).map_or(Data::Boolean(false), Data::BitString)
}

pub(crate) fn structure<'a>(d: &Data<'a>, field: &'static str) -> Result<DataSeq<'a>, Tase2Error> {
    match *d {
        Data::Structure(s) => Ok(s),
        _ => Err(Tase2Error::WrongType {
            field,
            expected: "structure",
        }),
    }
}

/// The `N` members of structure `d`.
pub(crate) fn members<'a, const N: usize>(
    d: &Data<'a>,
    field: &'static str,
) -> Result<[Data<'a>; N], Tase2Error> {
    let s = structure(d, field)?;
    let mut out = [Data::Boolean(false); N];
    let mut n: usize = 0;
    for e in s.iter() {
        let slot = out.get_mut(n).ok_or(Tase2Error::MemberCount {
            field,
            expected: N,
            found: s.len(),
        })?;
        *slot = e;
        n = n.saturating_add(1);
    }
    if n != N {
        return Err(Tase2Error::MemberCount {
            field,
            expected: N,
            found: n,
        });
    }
    Ok(out)
}

pub(crate) fn int(d: &Data<'_>, field: &'static str) -> Result<i64, Tase2Error> {
    match *d {
        Data::Integer(v) => Ok(v),
        Data::Unsigned(v) => i64::try_from(v).map_err(|_| Tase2Error::OutOfRange {
            field,
            value: i64::MAX,
        }),
        _ => Err(Tase2Error::WrongType {
            field,
            expected: "integer",
        }),
    }
}

pub(crate) fn i32_of(d: &Data<'_>, field: &'static str) -> Result<i32, Tase2Error> {
    let v = int(d, field)?;
    i32::try_from(v).map_err(|_| Tase2Error::OutOfRange { field, value: v })
}

pub(crate) fn i16_of(d: &Data<'_>, field: &'static str) -> Result<i16, Tase2Error> {
    let v = int(d, field)?;
    i16::try_from(v).map_err(|_| Tase2Error::OutOfRange { field, value: v })
}

pub(crate) fn u16_of(d: &Data<'_>, field: &'static str) -> Result<u16, Tase2Error> {
    let v = int(d, field)?;
    u16::try_from(v).map_err(|_| Tase2Error::OutOfRange { field, value: v })
}

pub(crate) fn u8_of(d: &Data<'_>, field: &'static str) -> Result<u8, Tase2Error> {
    let v = int(d, field)?;
    u8::try_from(v).map_err(|_| Tase2Error::OutOfRange { field, value: v })
}

pub(crate) fn f32_of(d: &Data<'_>, field: &'static str) -> Result<f32, Tase2Error> {
    match *d {
        Data::FloatingPoint(FloatingPoint::Single(v)) => Ok(v),
        _ => Err(Tase2Error::WrongType {
            field,
            expected: "floating-point (single)",
        }),
    }
}

pub(crate) fn bool_of(d: &Data<'_>, field: &'static str) -> Result<bool, Tase2Error> {
    match *d {
        Data::Boolean(v) => Ok(v),
        _ => Err(Tase2Error::WrongType {
            field,
            expected: "boolean",
        }),
    }
}

pub(crate) fn str_of<'a>(d: &Data<'a>, field: &'static str) -> Result<&'a str, Tase2Error> {
    match *d {
        Data::VisibleString(v) => {
            core::str::from_utf8(v).map_err(|_| Tase2Error::BadName { field })
        }
        _ => Err(Tase2Error::WrongType {
            field,
            expected: "visible-string",
        }),
    }
}

/// A bit string of exactly `bits` bits (at most 8) as its first octet.
pub(crate) fn bits_of(d: &Data<'_>, field: &'static str, bits: usize) -> Result<u8, Tase2Error> {
    let Data::BitString(b) = *d else {
        return Err(Tase2Error::WrongType {
            field,
            expected: "bit-string",
        });
    };
    if b.len() != bits {
        return Err(Tase2Error::BitCount {
            field,
            expected: bits,
            found: b.len(),
        });
    }
    Ok(b.bytes().first().copied().unwrap_or(0))
}
