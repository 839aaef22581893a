//! `SEQUENCE OF` without allocation: either the received contents (validated once at decode
//! time, iterated lazily) or a caller's slice of items to encode.

use core::fmt;
use core::marker::PhantomData;

use telecontrol_core::{EncodeError, Writer};

use super::{BerError, BerReader, Tlv};

/// An element type of a [`SeqOf`]: decodable from its TLV, encodable as a whole TLV.
pub trait Element<'a>: Sized + Copy {
    /// Decode one element from its TLV.
    ///
    /// # Errors
    /// [`BerError`] for a malformed element.
    fn decode_tlv(tlv: &Tlv<'a>) -> Result<Self, BerError>;

    /// Octets of the whole element encoding (tag, length, contents).
    fn tlv_len(&self) -> usize;

    /// Write the whole element.
    ///
    /// # Errors
    /// [`EncodeError`] for a full buffer or an unencodable value.
    fn write_tlv(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;
}

/// A `SEQUENCE OF T` (or `SET OF T`): the received encoding or items to encode.
#[derive(Clone, Copy)]
pub enum SeqOf<'a, T> {
    /// Decoded: the contents octets, already validated, and their absolute offset.
    Encoded {
        /// The contents of the SEQUENCE OF (the element TLVs).
        contents: &'a [u8],
        /// Absolute offset of `contents`.
        offset: usize,
        /// The element type.
        element: PhantomData<T>,
    },
    /// Built by the caller for encoding.
    Items(&'a [T]),
}

impl<'a, T: Element<'a>> SeqOf<'a, T> {
    /// Validate every element of `tlv`'s contents and keep them for lazy iteration.
    ///
    /// # Errors
    /// The first element's [`BerError`].
    pub fn decode(tlv: &Tlv<'a>) -> Result<Self, BerError> {
        let mut r = tlv.reader();
        while !r.is_empty() {
            T::decode_tlv(&r.read_tlv()?)?;
        }
        Ok(SeqOf::Encoded {
            contents: tlv.value,
            offset: tlv.value_offset(),
            element: PhantomData,
        })
    }

    /// The elements in order.
    #[must_use]
    pub fn iter(&self) -> SeqOfIter<'a, T> {
        match *self {
            SeqOf::Encoded {
                contents, offset, ..
            } => SeqOfIter::Encoded(BerReader::new_at(contents, offset)),
            SeqOf::Items(items) => SeqOfIter::Items(items.iter()),
        }
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            SeqOf::Items(items) => items.len(),
            SeqOf::Encoded { .. } => self.iter().count(),
        }
    }

    /// True without elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Octets of the contents (all element TLVs).
    #[must_use]
    pub fn content_len(&self) -> usize {
        match self {
            SeqOf::Encoded { contents, .. } => contents.len(),
            SeqOf::Items(items) => items
                .iter()
                .fold(0usize, |n, i| n.saturating_add(i.tlv_len())),
        }
    }

    /// Write the contents (all element TLVs); a decoded list is copied verbatim.
    ///
    /// # Errors
    /// [`EncodeError`] for a full buffer.
    pub fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            SeqOf::Encoded { contents, .. } => w.write_bytes(contents)?,
            SeqOf::Items(items) => {
                for i in *items {
                    i.write_tlv(w)?;
                }
            }
        }
        Ok(())
    }
}

/// Iterator over a [`SeqOf`].
#[derive(Clone, Debug)]
pub enum SeqOfIter<'a, T> {
    /// Over received contents.
    Encoded(BerReader<'a>),
    /// Over caller items.
    Items(core::slice::Iter<'a, T>),
}

impl<'a, T: Element<'a>> Iterator for SeqOfIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            // Validated at decode time, so errors cannot occur; stop if they did.
            SeqOfIter::Encoded(r) => {
                if r.is_empty() {
                    return None;
                }
                r.read_tlv().ok().and_then(|t| T::decode_tlv(&t).ok())
            }
            SeqOfIter::Items(it) => it.next().copied(),
        }
    }
}

impl<'a, T: Element<'a> + PartialEq> PartialEq for SeqOf<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a, T: Element<'a> + Eq> Eq for SeqOf<'a, T> {}

impl<'a, T: Element<'a> + fmt::Debug> fmt::Debug for SeqOf<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> Element<'a> for super::Oid<'a> {
    fn decode_tlv(tlv: &Tlv<'a>) -> Result<Self, BerError> {
        tlv.check_tag(super::Tag::OID)?;
        tlv.as_oid()
    }

    fn tlv_len(&self) -> usize {
        super::tlv_len(super::Tag::OID, self.content_len())
    }

    fn write_tlv(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        super::write_tlv(w, super::Tag::OID, self.as_bytes())?;
        Ok(())
    }
}
