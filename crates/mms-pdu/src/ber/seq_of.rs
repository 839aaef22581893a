//! `SEQUENCE OF` (and `SET OF`) without allocation, for every layer: a view over received
//! octets that decodes its elements lazily, or a caller's slice of typed elements to encode;
//! both iterate the same way. The element type says which error its decoding reports
//! ([`BerError`] for the OSI layers, the MMS error for MMS types).

use core::fmt;

use telecontrol_core::{EncodeError, Writer};

use super::{BerError, BerReader, Tag, Tlv};

/// An element of a [`SeqOf`] (or a value nested behind an explicit tag): exactly one BER
/// element.
pub trait Element<'a>: Sized + Copy {
    /// What a malformed element is reported as.
    type Error: From<BerError>;

    /// Decode the element `tlv`.
    ///
    /// With `validate` false the octets were validated before by the enclosing decode, so
    /// nested lists skip their validation walk (decoding stays lazy and linear).
    ///
    /// # Errors
    /// [`Self::Error`] for an element that is not a valid value.
    fn decode_element(tlv: &Tlv<'a>, validate: bool) -> Result<Self, Self::Error>;

    /// Octets of the whole element (tag, length, contents).
    fn element_len(&self) -> usize;

    /// Write the whole element.
    ///
    /// # Errors
    /// [`EncodeError`] if the writer is full or a value cannot be encoded.
    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;
}

#[derive(Clone, Copy)]
enum Repr<'a, T> {
    Wire {
        content: &'a [u8],
        base: usize,
        /// Counted when the list was validated; counted on demand otherwise.
        len: Option<usize>,
    },
    Items(&'a [T]),
}

/// A `SEQUENCE OF T`: either the received contents, validated once and decoded lazily by
/// [`iter`](SeqOf::iter), or a slice of typed items to encode ([`from_slice`](SeqOf::from_slice)).
///
/// Equality compares the elements, whatever the representation.
#[derive(Clone, Copy)]
pub struct SeqOf<'a, T> {
    repr: Repr<'a, T>,
}

impl<'a, T: Element<'a>> SeqOf<'a, T> {
    /// A list of `items`, for encoding.
    #[must_use]
    pub const fn from_slice(items: &'a [T]) -> Self {
        SeqOf {
            repr: Repr::Items(items),
        }
    }

    /// The empty list.
    #[must_use]
    pub const fn empty() -> Self {
        SeqOf::from_slice(&[])
    }

    /// Number of elements (for a nested list of a decoded value, counted by walking the
    /// element headers).
    #[must_use]
    pub fn len(&self) -> usize {
        match self.repr {
            Repr::Wire { len: Some(n), .. } => n,
            Repr::Wire { content, base, .. } => {
                let mut r = BerReader::new_at(content, base);
                let mut n: usize = 0;
                while !r.is_empty() && r.read_tlv().is_ok() {
                    n = n.saturating_add(1);
                }
                n
            }
            Repr::Items(items) => items.len(),
        }
    }

    /// True for an empty list.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        match self.repr {
            Repr::Wire { content, .. } => content.is_empty(),
            Repr::Items(items) => items.is_empty(),
        }
    }

    /// The elements, in order.
    #[must_use]
    pub fn iter(&self) -> SeqIter<'a, T> {
        match self.repr {
            Repr::Wire { content, base, .. } => SeqIter {
                inner: IterRepr::Wire(BerReader::new_at(content, base)),
            },
            Repr::Items(items) => SeqIter {
                inner: IterRepr::Items(items.iter()),
            },
        }
    }

    /// The received contents octets, for a decoded list.
    #[must_use]
    pub const fn as_wire(&self) -> Option<&'a [u8]> {
        match self.repr {
            Repr::Wire { content, .. } => Some(content),
            Repr::Items(_) => None,
        }
    }

    /// Decode the contents of the constructed element `tlv` (its tag is the caller's
    /// business): with `validate`, every element (recursively) now; without, nothing is
    /// read now.
    ///
    /// # Errors
    /// The first malformed element's error.
    pub fn decode_contents(tlv: &Tlv<'a>, validate: bool) -> Result<Self, T::Error> {
        let mut len = None;
        if validate {
            let mut r = tlv.reader();
            let mut n: usize = 0;
            while !r.is_empty() {
                T::decode_element(&r.read_tlv()?, true)?;
                n = n.saturating_add(1);
            }
            len = Some(n);
        }
        Ok(SeqOf {
            repr: Repr::Wire {
                content: tlv.value,
                base: tlv.value_offset(),
                len,
            },
        })
    }

    /// Octets of the elements.
    #[must_use]
    pub fn content_len(&self) -> usize {
        self.iter()
            .fold(0usize, |acc, e| acc.saturating_add(e.element_len()))
    }

    /// Write the elements.
    ///
    /// # Errors
    /// [`EncodeError`] if the writer is full.
    pub fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        for e in self.iter() {
            e.write_element(w)?;
        }
        Ok(())
    }

    /// Octets of the list as element `tag`.
    #[must_use]
    pub fn tlv_len(&self, tag: Tag) -> usize {
        super::tlv_len(tag, self.content_len())
    }

    /// Write the list as element `tag`.
    ///
    /// # Errors
    /// [`EncodeError`] if the writer is full.
    pub fn write(&self, w: &mut Writer<'_>, tag: Tag) -> Result<(), EncodeError> {
        super::write_header(w, tag, self.content_len())?;
        self.write_content(w)
    }
}

impl<'a, T: Element<'a>> IntoIterator for SeqOf<'a, T> {
    type Item = T;
    type IntoIter = SeqIter<'a, T>;
    fn into_iter(self) -> SeqIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Element<'a>> IntoIterator for &SeqOf<'a, T> {
    type Item = T;
    type IntoIter = SeqIter<'a, T>;
    fn into_iter(self) -> SeqIter<'a, T> {
        self.iter()
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

enum IterRepr<'a, T> {
    Wire(BerReader<'a>),
    Items(core::slice::Iter<'a, T>),
}

/// Iterator over a [`SeqOf`].
pub struct SeqIter<'a, T> {
    inner: IterRepr<'a, T>,
}

impl<'a, T: Element<'a>> Iterator for SeqIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.inner {
            IterRepr::Items(it) => it.next().copied(),
            IterRepr::Wire(r) => {
                if r.is_empty() {
                    return None;
                }
                // The octets were validated when the list was decoded; a failure here cannot
                // happen, and would end the iteration.
                match r.read_tlv().map(|t| T::decode_element(&t, false)) {
                    Ok(Ok(v)) => Some(v),
                    _ => {
                        *r = BerReader::new(&[]);
                        None
                    }
                }
            }
        }
    }
}

impl<'a, T: Element<'a> + fmt::Debug> fmt::Debug for SeqIter<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeqIter").finish_non_exhaustive()
    }
}

impl<'a> Element<'a> for super::Oid<'a> {
    type Error = BerError;

    fn decode_element(tlv: &Tlv<'a>, _validate: bool) -> Result<Self, BerError> {
        tlv.check_tag(Tag::OID)?;
        tlv.as_oid()
    }

    fn element_len(&self) -> usize {
        super::tlv_len(Tag::OID, self.content_len())
    }

    fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        super::write_tlv(w, Tag::OID, self.as_bytes())?;
        Ok(())
    }
}
