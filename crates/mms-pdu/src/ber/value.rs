//! Primitive contents: BOOLEAN, INTEGER, BIT STRING, OBJECT IDENTIFIER, character strings.
//!
//! The free functions take a bare contents slice and report offsets relative to it; the
//! [`Tlv`](super::Tlv) methods wrap them with absolute offsets.

use core::fmt;

use telecontrol_core::{WriteError, Writer};

use super::BerError;

const fn bad(offset: usize, reason: &'static str) -> BerError {
    BerError::BadValue { offset, reason }
}

/// A BOOLEAN (X.690 8.2): one octet, zero is false, anything else true.
///
/// # Errors
/// [`BerError::BadValue`] unless the contents are exactly one octet.
pub fn decode_bool(content: &[u8]) -> Result<bool, BerError> {
    match content {
        [b] => Ok(*b != 0),
        _ => Err(bad(0, "BOOLEAN contents must be one octet")),
    }
}

/// A two's complement INTEGER (X.690 8.3) of up to 8 octets. Non-minimal encodings (redundant
/// leading 0x00/0xFF) are accepted, as BER decoders traditionally do.
///
/// # Errors
/// [`BerError::BadValue`] for empty contents, [`BerError::IntegerTooLarge`] for more than 8
/// octets.
pub fn decode_i64(content: &[u8]) -> Result<i64, BerError> {
    let Some(&first) = content.first() else {
        return Err(bad(0, "INTEGER with no contents"));
    };
    if content.len() > 8 {
        return Err(BerError::IntegerTooLarge { offset: 0 });
    }
    let init: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    Ok(content
        .iter()
        .fold(init, |acc, &b| (acc << 8) | i64::from(b)))
}

/// A two's complement INTEGER that fits an `i32`.
///
/// # Errors
/// As [`decode_i64`], and [`BerError::IntegerTooLarge`] outside the `i32` range.
pub fn decode_i32(content: &[u8]) -> Result<i32, BerError> {
    i32::try_from(decode_i64(content)?).map_err(|_| BerError::IntegerTooLarge { offset: 0 })
}

/// A non-negative INTEGER of up to 64 value bits; a leading 0x00 (needed when the top bit is
/// set) is accepted, so up to 9 octets.
///
/// # Errors
/// [`BerError::BadValue`] for empty contents or a negative value,
/// [`BerError::IntegerTooLarge`] beyond `u64`.
pub fn decode_u64(content: &[u8]) -> Result<u64, BerError> {
    let Some(&first) = content.first() else {
        return Err(bad(0, "INTEGER with no contents"));
    };
    if first & 0x80 != 0 {
        return Err(bad(0, "negative value for an unsigned INTEGER"));
    }
    let mut digits = content;
    while let [0, rest @ ..] = digits {
        if rest.is_empty() {
            break;
        }
        digits = rest;
    }
    if digits.len() > 8 {
        return Err(BerError::IntegerTooLarge { offset: 0 });
    }
    Ok(digits
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// A non-negative INTEGER that fits a `u32`.
///
/// # Errors
/// As [`decode_u64`], and [`BerError::IntegerTooLarge`] beyond `u32`.
pub fn decode_u32(content: &[u8]) -> Result<u32, BerError> {
    u32::try_from(decode_u64(content)?).map_err(|_| BerError::IntegerTooLarge { offset: 0 })
}

/// A VisibleString (ISO 646 printable characters 0x20..=0x7E), as `&str`.
///
/// # Errors
/// [`BerError::BadValue`] at the first octet outside that range.
pub fn decode_visible_string(content: &[u8]) -> Result<&str, BerError> {
    if let Some(i) = content.iter().position(|b| !(0x20..=0x7E).contains(b)) {
        return Err(bad(i, "octet outside VisibleString"));
    }
    core::str::from_utf8(content).map_err(|e| bad(e.valid_up_to(), "octet outside VisibleString"))
}

/// A GraphicString, accepted when it is valid UTF-8 without control characters (the OSI
/// stacks in the field put ASCII there).
///
/// # Errors
/// [`BerError::BadValue`] for invalid UTF-8 or a control character.
pub fn decode_graphic_string(content: &[u8]) -> Result<&str, BerError> {
    let s = core::str::from_utf8(content)
        .map_err(|e| bad(e.valid_up_to(), "GraphicString is not UTF-8"))?;
    if let Some(i) = s.bytes().position(|b| b < 0x20 || b == 0x7F) {
        return Err(bad(i, "control character in GraphicString"));
    }
    Ok(s)
}

/// A primitive BIT STRING (X.690 8.6): the bytes and the count of unused bits in the last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitString<'a> {
    unused: u8,
    bytes: &'a [u8],
}

/// Decode the contents of a primitive BIT STRING: the unused-bits octet, then the bits.
///
/// # Errors
/// [`BerError::BadValue`] for empty contents, more than 7 unused bits, or unused bits without
/// any bit octet.
pub fn decode_bit_string(content: &[u8]) -> Result<BitString<'_>, BerError> {
    let Some((&unused, bytes)) = content.split_first() else {
        return Err(bad(0, "BIT STRING with no unused-bits octet"));
    };
    BitString::new(bytes, unused).ok_or(bad(0, "bad BIT STRING unused-bits count"))
}

impl<'a> BitString<'a> {
    /// A bit string of `bytes` whose last `unused_bits` bits are padding; `None` if
    /// `unused_bits > 7`, or non-zero with no bytes.
    #[must_use]
    pub const fn new(bytes: &'a [u8], unused_bits: u8) -> Option<Self> {
        if unused_bits > 7 || (bytes.is_empty() && unused_bits != 0) {
            None
        } else {
            Some(BitString {
                unused: unused_bits,
                bytes,
            })
        }
    }

    /// Number of bits.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.bytes
            .len()
            .saturating_mul(8)
            .saturating_sub(self.unused as usize)
    }

    /// True for the empty bit string.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bit `i`, bit 0 being the most significant bit of the first octet (X.690 8.6.2);
    /// false beyond [`len`](BitString::len).
    #[must_use]
    pub fn bit(&self, i: usize) -> bool {
        if i >= self.len() {
            return false;
        }
        let mask = 0x80u8
            .checked_shr(u32::try_from(i % 8).unwrap_or(0))
            .unwrap_or(0);
        self.bytes.get(i / 8).is_some_and(|b| b & mask != 0)
    }

    /// The bit octets (padding bits included).
    #[must_use]
    pub const fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Unused bits in the last octet.
    #[must_use]
    pub const fn unused_bits(&self) -> u8 {
        self.unused
    }

    /// Octets of the contents: the unused-bits octet plus the bit octets.
    #[must_use]
    pub const fn content_len(&self) -> usize {
        self.bytes.len().saturating_add(1)
    }

    /// Write the contents (unused-bits octet, then the octets).
    ///
    /// # Errors
    /// [`WriteError`] if the buffer is full.
    pub fn write_content(&self, w: &mut Writer<'_>) -> Result<(), WriteError> {
        w.write_u8(self.unused)?;
        w.write_bytes(self.bytes)
    }
}

/// An OBJECT IDENTIFIER (X.690 8.19), borrowing its encoded contents octets. Equality
/// compares the encodings, which are unique for valid (minimal) subidentifiers.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Oid<'a> {
    bytes: &'a [u8],
}

/// Decode the contents of an OBJECT IDENTIFIER.
///
/// # Errors
/// [`BerError::BadValue`] for empty contents, a non-minimal subidentifier (leading 0x80), a
/// last subidentifier left open, or an arc beyond `u64`.
pub fn decode_oid(content: &[u8]) -> Result<Oid<'_>, BerError> {
    if content.is_empty() {
        return Err(bad(0, "OBJECT IDENTIFIER with no contents"));
    }
    let mut start = true;
    let mut acc: u64 = 0;
    for (i, &b) in content.iter().enumerate() {
        if start && b == 0x80 {
            return Err(bad(i, "non-minimal OBJECT IDENTIFIER subidentifier"));
        }
        acc = acc
            .checked_mul(128)
            .ok_or(bad(i, "OBJECT IDENTIFIER arc exceeds 64 bits"))?
            | u64::from(b & 0x7F);
        start = b & 0x80 == 0;
        if start {
            acc = 0;
        }
    }
    if !start {
        return Err(bad(
            content.len().saturating_sub(1),
            "OBJECT IDENTIFIER ends inside an arc",
        ));
    }
    Ok(Oid { bytes: content })
}

impl<'a> Oid<'a> {
    /// An identifier from its encoded contents octets, unchecked (for constants such as
    /// `Oid::from_encoded(&[0x28, 0xCA, 0x22, 0x02, 0x01])`, MMS 1.0.9506.2.1). A malformed
    /// encoding makes [`arcs`](Oid::arcs) stop early; use [`decode_oid`] for peer data.
    #[must_use]
    pub const fn from_encoded(bytes: &'a [u8]) -> Self {
        Oid { bytes }
    }

    /// The encoded contents octets.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Octets of the contents.
    #[must_use]
    pub const fn content_len(&self) -> usize {
        self.bytes.len()
    }

    /// The arcs, the first two split out of the first subidentifier (X.690 8.19.4).
    #[must_use]
    pub const fn arcs(&self) -> OidArcs<'a> {
        OidArcs {
            rest: self.bytes,
            second: None,
            first_done: false,
        }
    }
}

impl fmt::Display for Oid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arc) in self.arcs().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

/// Iterator over the arcs of an [`Oid`].
#[derive(Clone, Debug)]
pub struct OidArcs<'a> {
    rest: &'a [u8],
    second: Option<u64>,
    first_done: bool,
}

impl OidArcs<'_> {
    fn subidentifier(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        loop {
            let (&b, rest) = self.rest.split_first()?;
            self.rest = rest;
            v = v.checked_mul(128)? | u64::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
    }
}

impl Iterator for OidArcs<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if let Some(second) = self.second.take() {
            return Some(second);
        }
        let v = self.subidentifier();
        if self.first_done {
            return v;
        }
        self.first_done = true;
        let v = v?;
        let (first, second) = match v {
            0..40 => (0, v),
            40..80 => (1, v.saturating_sub(40)),
            _ => (2, v.saturating_sub(80)),
        };
        self.second = Some(second);
        Some(first)
    }
}
