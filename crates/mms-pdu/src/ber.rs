//! Basic Encoding Rules (ITU-T X.690) without allocation: a borrowed TLV reader that reports
//! absolute offsets, primitive value helpers, and a two-pass encoder (lengths first, then
//! bytes into a caller buffer).
//!
//! Decoding accepts what X.690 BER allows for the tags and lengths the OSI stack uses:
//! multi-octet tags (numbers up to `u32::MAX`), definite lengths in the short and long form
//! (long form up to 4 length octets, leading zeros accepted) and, for constructed encodings,
//! the indefinite length ended by end-of-contents octets, found by a scan bounded by
//! [`MAX_DEPTH`]. Encoding always writes the shortest tag and the minimal definite length.
//!
//! ```
//! use telecontrol_mms_pdu::ber::{self, BerReader, Tag};
//! use telecontrol_core::Writer;
//!
//! // [APPLICATION 1] { INTEGER 300 }
//! let inner = ber::i64_tlv_len(Tag::INTEGER, 300);
//! let outer = Tag::application(1, true);
//! let mut buf = [0u8; 16];
//! let mut w = Writer::new(&mut buf);
//! ber::write_header(&mut w, outer, inner).unwrap();
//! ber::write_i64(&mut w, Tag::INTEGER, 300).unwrap();
//! assert_eq!(w.written(), &[0x61, 0x04, 0x02, 0x02, 0x01, 0x2C]);
//!
//! let mut r = BerReader::new(&buf[..6]);
//! let seq = r.expect(outer).unwrap();
//! let int = seq.reader().expect(Tag::INTEGER).unwrap();
//! assert_eq!(int.offset, 2);
//! assert_eq!(int.as_i64(), Ok(300));
//! ```

use telecontrol_core::Reader;

pub(crate) mod emit;
mod encode;
mod error;
mod seq_of;
mod tag;
mod value;

pub use error::BerError;
pub use seq_of::{Element, SeqIter, SeqOf};
pub use tag::{Class, Tag};

pub use encode::{
    bool_tlv_len, header_len, i64_content_len, i64_tlv_len, length_len, tlv_len, u64_content_len,
    u64_tlv_len, write_bool, write_bool_content, write_header, write_i64, write_i64_content,
    write_length, write_tag, write_tlv, write_u64, write_u64_content,
};
pub use value::{
    BitString, Oid, OidArcs, decode_bit_string, decode_bool, decode_graphic_string, decode_i32,
    decode_i64, decode_oid, decode_u32, decode_u64, decode_visible_string,
};

/// Deepest nesting a [`BerReader`] accepts: readers made with [`Tlv::reader`] count one level
/// each, and the scan for the end-of-contents of an indefinite length counts each nested
/// indefinite encoding. Deeper input fails with [`BerError::TooDeep`], so recursive decoders
/// built on this reader (MMS `Data`) cannot exhaust the stack.
pub const MAX_DEPTH: usize = 32;

/// Longest long-form length this decoder accepts, in length octets (X.690 8.1.3.5).
pub const MAX_LENGTH_OCTETS: usize = 4;

/// One decoded tag-length-value element, borrowing its contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: Tag,
    /// The contents octets; for an indefinite length, without the end-of-contents octets.
    pub value: &'a [u8],
    /// Absolute offset of the identifier octet.
    pub offset: usize,
    /// Octets of identifier plus length.
    pub header_len: usize,
    encoded: &'a [u8],
    depth: usize,
    indefinite: bool,
}

impl<'a> Tlv<'a> {
    /// A reader over the contents of a constructed element, reporting absolute offsets and
    /// one nesting level deeper than this element's reader.
    #[must_use]
    pub fn reader(&self) -> BerReader<'a> {
        BerReader {
            inner: Reader::new(self.value),
            base: self.value_offset(),
            depth: self.depth.saturating_add(1),
        }
    }

    /// Absolute offset of the first contents octet.
    #[must_use]
    pub fn value_offset(&self) -> usize {
        self.offset.saturating_add(self.header_len)
    }

    /// The whole encoding as received: identifier, length, contents and, for an indefinite
    /// length, the end-of-contents octets.
    #[must_use]
    pub const fn encoded(&self) -> &'a [u8] {
        self.encoded
    }

    /// True if the element used the indefinite length form.
    #[must_use]
    pub const fn is_indefinite(&self) -> bool {
        self.indefinite
    }

    /// True if the element is encoded exactly as this crate's encoder would write it: the
    /// shortest identifier and the minimal definite length.
    #[must_use]
    pub fn is_minimal(&self) -> bool {
        !self.indefinite && self.header_len == header_len(self.tag, self.value.len())
    }

    /// Fails with [`BerError::UnexpectedTag`] unless the tag is `tag`.
    ///
    /// # Errors
    /// [`BerError::UnexpectedTag`].
    pub fn check_tag(&self, tag: Tag) -> Result<(), BerError> {
        if self.tag == tag {
            Ok(())
        } else {
            Err(BerError::UnexpectedTag {
                offset: self.offset,
                found: self.tag,
            })
        }
    }

    /// The contents as a BOOLEAN ([`decode_bool`]).
    ///
    /// # Errors
    /// [`BerError::BadValue`] (absolute offset).
    pub fn as_bool(&self) -> Result<bool, BerError> {
        decode_bool(self.value).map_err(|e| e.shifted(self.value_offset()))
    }

    /// The contents as an INTEGER in `i64` ([`decode_i64`]).
    ///
    /// # Errors
    /// [`BerError::IntegerTooLarge`] or [`BerError::BadValue`] (absolute offset).
    pub fn as_i64(&self) -> Result<i64, BerError> {
        decode_i64(self.value).map_err(|e| e.shifted(self.value_offset()))
    }

    /// The contents as an INTEGER in `i32` ([`decode_i32`]).
    ///
    /// # Errors
    /// [`BerError::IntegerTooLarge`] or [`BerError::BadValue`] (absolute offset).
    pub fn as_i32(&self) -> Result<i32, BerError> {
        decode_i32(self.value).map_err(|e| e.shifted(self.value_offset()))
    }

    /// The contents as a non-negative INTEGER in `u64` ([`decode_u64`]).
    ///
    /// # Errors
    /// [`BerError::IntegerTooLarge`] or [`BerError::BadValue`] (absolute offset).
    pub fn as_u64(&self) -> Result<u64, BerError> {
        decode_u64(self.value).map_err(|e| e.shifted(self.value_offset()))
    }

    /// The contents as a non-negative INTEGER in `u32` ([`decode_u32`]).
    ///
    /// # Errors
    /// [`BerError::IntegerTooLarge`] or [`BerError::BadValue`] (absolute offset).
    pub fn as_u32(&self) -> Result<u32, BerError> {
        decode_u32(self.value).map_err(|e| e.shifted(self.value_offset()))
    }

    /// The contents as a primitive BIT STRING ([`decode_bit_string`]).
    ///
    /// # Errors
    /// [`BerError::BadValue`] (absolute offset).
    pub fn as_bit_string(&self) -> Result<BitString<'a>, BerError> {
        decode_bit_string(self.value).map_err(|e| e.shifted(self.value_offset()))
    }

    /// The contents as an OBJECT IDENTIFIER ([`decode_oid`]).
    ///
    /// # Errors
    /// [`BerError::BadValue`] (absolute offset).
    pub fn as_oid(&self) -> Result<Oid<'a>, BerError> {
        decode_oid(self.value).map_err(|e| e.shifted(self.value_offset()))
    }

    /// The contents as a VisibleString ([`decode_visible_string`]).
    ///
    /// # Errors
    /// [`BerError::BadValue`] (absolute offset).
    pub fn as_visible_str(&self) -> Result<&'a str, BerError> {
        decode_visible_string(self.value).map_err(|e| e.shifted(self.value_offset()))
    }
}

/// The decoded length field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Length {
    Definite(usize),
    Indefinite,
}

/// A borrowed reader of consecutive BER elements (X.690 8.1).
///
/// Offsets in [`Tlv`]s and errors are absolute: the position within the outermost input
/// (plus the base given to [`new_at`](BerReader::new_at)).
#[derive(Clone, Debug)]
pub struct BerReader<'a> {
    inner: Reader<'a>,
    base: usize,
    depth: usize,
}

impl<'a> BerReader<'a> {
    /// A reader over `input`, offsets counted from its start.
    #[must_use]
    pub const fn new(input: &'a [u8]) -> Self {
        BerReader::new_at(input, 0)
    }

    /// A reader over `input`, which starts at absolute offset `base` of a larger message.
    #[must_use]
    pub const fn new_at(input: &'a [u8], base: usize) -> Self {
        BerReader {
            inner: Reader::new(input),
            base,
            depth: 0,
        }
    }

    /// True when every element has been read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Absolute offset of the next element.
    #[must_use]
    pub fn position(&self) -> usize {
        self.base.saturating_add(self.inner.position())
    }

    /// The unread octets.
    #[must_use]
    pub fn rest(&self) -> &'a [u8] {
        self.inner.rest()
    }

    /// This reader's nesting depth (0 for a reader made with `new`).
    #[must_use]
    pub const fn depth(&self) -> usize {
        self.depth
    }

    /// Fails with [`BerError::TrailingData`] unless every element has been read.
    ///
    /// # Errors
    /// [`BerError::TrailingData`].
    pub fn finish(&self) -> Result<(), BerError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(BerError::TrailingData {
                offset: self.position(),
            })
        }
    }

    /// The tag of the next element without consuming it; `None` at the end of the input.
    ///
    /// # Errors
    /// [`BerError::Truncated`] or [`BerError::TagTooLarge`] for a malformed identifier.
    pub fn peek_tag(&self) -> Result<Option<Tag>, BerError> {
        if self.is_empty() {
            return Ok(None);
        }
        let mut r = self.inner.clone();
        read_tag(&mut r, self.base).map(Some)
    }

    /// Read the next element.
    ///
    /// # Errors
    /// [`BerError::Truncated`] (also at the end of the input), [`BerError::LengthTooLong`],
    /// [`BerError::TagTooLarge`], [`BerError::IndefiniteInPrimitive`],
    /// [`BerError::MissingEndOfContents`] or [`BerError::TooDeep`]. Nothing is consumed then.
    pub fn read_tlv(&mut self) -> Result<Tlv<'a>, BerError> {
        let offset = self.position();
        if self.depth > MAX_DEPTH {
            return Err(BerError::TooDeep { offset });
        }
        let mut r = self.inner.clone();
        let (tag, length) = read_header(&mut r, self.base)?;
        let header_len = r.position().saturating_sub(self.inner.position());
        let (value, eoc) = match length {
            Length::Definite(n) => (
                r.read_bytes(n)
                    .map_err(|_| BerError::Truncated { offset })?,
                0,
            ),
            Length::Indefinite => {
                let n =
                    scan_indefinite(r.rest(), self.base.saturating_add(r.position()), self.depth)
                        .map_err(|e| match e {
                        BerError::Truncated { .. } => BerError::MissingEndOfContents { offset },
                        other => other,
                    })?;
                let value = r
                    .read_bytes(n)
                    .map_err(|_| BerError::Truncated { offset })?;
                r.skip(2)
                    .map_err(|_| BerError::MissingEndOfContents { offset })?;
                (value, 2)
            }
        };
        let total = header_len.saturating_add(value.len()).saturating_add(eoc);
        let encoded = self
            .inner
            .read_bytes(total)
            .map_err(|_| BerError::Truncated { offset })?;
        Ok(Tlv {
            tag,
            value,
            offset,
            header_len,
            encoded,
            depth: self.depth,
            indefinite: eoc != 0,
        })
    }

    /// Read the next element if it has tag `tag`; `None` (nothing consumed) if the input is
    /// at its end or the next tag differs.
    ///
    /// # Errors
    /// As [`read_tlv`](BerReader::read_tlv) for a malformed element.
    pub fn read_optional(&mut self, tag: Tag) -> Result<Option<Tlv<'a>>, BerError> {
        match self.peek_tag()? {
            Some(t) if t == tag => self.read_tlv().map(Some),
            _ => Ok(None),
        }
    }

    /// Read the next element, which must have tag `tag`.
    ///
    /// # Errors
    /// [`BerError::MissingElement`] at the end of the input, [`BerError::UnexpectedTag`] for
    /// another tag, or as [`read_tlv`](BerReader::read_tlv).
    pub fn expect(&mut self, tag: Tag) -> Result<Tlv<'a>, BerError> {
        let offset = self.position();
        match self.peek_tag()? {
            None => Err(BerError::MissingElement {
                offset,
                expected: tag,
            }),
            Some(t) if t == tag => self.read_tlv(),
            Some(found) => Err(BerError::UnexpectedTag { offset, found }),
        }
    }
}

/// True if every element of `input`, recursively through constructed encodings, is encoded
/// as this crate's encoder writes it (shortest identifier, minimal definite length): then a
/// decode-encode round trip reproduces the input exactly.
///
/// # Errors
/// The first [`BerError`] of a malformed element.
pub fn all_minimal(input: &[u8]) -> Result<bool, BerError> {
    fn walk(mut r: BerReader<'_>) -> Result<bool, BerError> {
        let mut minimal = true;
        while !r.is_empty() {
            let t = r.read_tlv()?;
            minimal &= t.is_minimal();
            if t.tag.constructed {
                minimal &= walk(t.reader())?;
            }
        }
        Ok(minimal)
    }
    walk(BerReader::new(input))
}

/// Read an identifier (X.690 8.1.2); `base` is the absolute offset of `r`'s input.
fn read_tag(r: &mut Reader<'_>, base: usize) -> Result<Tag, BerError> {
    let offset = base.saturating_add(r.position());
    let first = r.read_u8().map_err(|_| BerError::Truncated { offset })?;
    let class = Class::from_identifier(first);
    let constructed = first & 0x20 != 0;
    let low = first & 0x1F;
    if low != 0x1F {
        return Ok(Tag::new(class, constructed, u32::from(low)));
    }
    let mut number: u32 = 0;
    loop {
        let b = r.read_u8().map_err(|_| BerError::Truncated { offset })?;
        if number > (u32::MAX >> 7) {
            return Err(BerError::TagTooLarge { offset });
        }
        number = (number << 7) | u32::from(b & 0x7F);
        if b & 0x80 == 0 {
            return Ok(Tag::new(class, constructed, number));
        }
    }
}

/// Read identifier and length.
fn read_header(r: &mut Reader<'_>, base: usize) -> Result<(Tag, Length), BerError> {
    let offset = base.saturating_add(r.position());
    let tag = read_tag(r, base)?;
    let len_offset = base.saturating_add(r.position());
    let first = r.read_u8().map_err(|_| BerError::Truncated { offset })?;
    let length = match first {
        0..=0x7F => Length::Definite(usize::from(first)),
        0x80 => {
            if !tag.constructed {
                return Err(BerError::IndefiniteInPrimitive { offset });
            }
            Length::Indefinite
        }
        0xFF => return Err(BerError::LengthTooLong { offset: len_offset }),
        _ => {
            let count = usize::from(first & 0x7F);
            if count > MAX_LENGTH_OCTETS {
                return Err(BerError::LengthTooLong { offset: len_offset });
            }
            let bytes = r
                .read_bytes(count)
                .map_err(|_| BerError::Truncated { offset })?;
            let n = bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            Length::Definite(
                usize::try_from(n).map_err(|_| BerError::LengthTooLong { offset: len_offset })?,
            )
        }
    };
    Ok((tag, length))
}

/// Length of the contents of an indefinite-length element starting right after its header:
/// the offset of its end-of-contents octets within `input`.
fn scan_indefinite(input: &[u8], base: usize, depth: usize) -> Result<usize, BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::TooDeep { offset: base });
    }
    let mut r = Reader::new(input);
    loop {
        let start = r.position();
        let offset = base.saturating_add(start);
        let (tag, length) = read_header(&mut r, base)?;
        if tag == Tag::END_OF_CONTENTS {
            return if length == Length::Definite(0) {
                Ok(start)
            } else {
                Err(BerError::BadValue {
                    offset,
                    reason: "end-of-contents with a non-zero length",
                })
            };
        }
        let n = match length {
            Length::Definite(n) => n,
            Length::Indefinite => {
                let inner_base = base.saturating_add(r.position());
                scan_indefinite(r.rest(), inner_base, depth.saturating_add(1))?.saturating_add(2)
            }
        };
        r.skip(n).map_err(|_| BerError::Truncated { offset })?;
    }
}

#[cfg(test)]
mod tests;
