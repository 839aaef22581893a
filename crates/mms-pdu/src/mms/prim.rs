//! Shared building blocks: MMS `Identifier`, tag shorthands, a field reader for `SEQUENCE`
//! contents and the macro for named INTEGER code lists.

use core::fmt;

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use crate::ber::{self, BerError, BerReader, Tag, Tlv};

/// `[n]` primitive.
pub(crate) const fn ctx(n: u32) -> Tag {
    Tag::context(n, false)
}

/// `[n]` constructed.
pub(crate) const fn ctx_c(n: u32) -> Tag {
    Tag::context(n, true)
}

/// An MMS `Identifier` (ISO 9506-2 7.5.2: `Identifier ::= VisibleString`), borrowed.
///
/// Only VisibleString characters (0x20..=0x7E) are allowed; the length is not limited (the
/// standard's 32-character bound is a server's business, and some peers exceed it).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier<'a>(&'a str);

impl<'a> Identifier<'a> {
    /// `s` as an identifier; `None` if it holds a character outside VisibleString.
    #[must_use]
    pub const fn new(s: &'a str) -> Option<Self> {
        let mut rest = s.as_bytes();
        while let [first, tail @ ..] = rest {
            if *first < 0x20 || *first > 0x7E {
                return None;
            }
            rest = tail;
        }
        Some(Identifier(s))
    }

    /// The identifier's text.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.0
    }

    /// Decode the contents of `tlv` (any tag) as an identifier.
    pub(crate) fn from_tlv(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        if tlv.tag.constructed {
            return Err(unexpected(tlv, "Identifier"));
        }
        Ok(Identifier(tlv.as_visible_str()?))
    }

    /// Octets of an element `tag` holding this identifier.
    pub(crate) const fn tlv_len(&self, tag: Tag) -> usize {
        ber::tlv_len(tag, self.0.len())
    }

    /// Write an element `tag` holding this identifier.
    pub(crate) fn write(&self, w: &mut Writer<'_>, tag: Tag) -> Result<(), EncodeError> {
        ber::write_tlv(w, tag, self.0.as_bytes())?;
        Ok(())
    }
}

impl fmt::Display for Identifier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Identifier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// `UnexpectedTag` for `tlv` in `field`.
pub(crate) const fn unexpected(tlv: &Tlv<'_>, field: &'static str) -> MmsError {
    MmsError::UnexpectedTag {
        offset: tlv.offset,
        found: tlv.tag,
        field,
    }
}

/// `BadValue` for `tlv` in `field`.
pub(crate) const fn bad(tlv: &Tlv<'_>, field: &'static str) -> MmsError {
    MmsError::BadValue {
        offset: tlv.offset,
        field,
    }
}

/// Contents of a primitive element, which must have no contents (`NULL`).
pub(crate) fn null(tlv: &Tlv<'_>, field: &'static str) -> Result<(), MmsError> {
    if tlv.tag.constructed {
        Err(unexpected(tlv, field))
    } else if tlv.value.is_empty() {
        Ok(())
    } else {
        Err(bad(tlv, field))
    }
}

/// An INTEGER narrowed to `T` (`Integer8`, `Unsigned32`, ...).
pub(crate) fn int<T: TryFrom<i64>>(tlv: &Tlv<'_>, field: &'static str) -> Result<T, MmsError> {
    if tlv.tag.constructed {
        return Err(unexpected(tlv, field));
    }
    let v = tlv.as_i64()?;
    T::try_from(v).map_err(|_| bad(tlv, field))
}

/// A BOOLEAN.
pub(crate) fn boolean(tlv: &Tlv<'_>, field: &'static str) -> Result<bool, MmsError> {
    if tlv.tag.constructed {
        return Err(unexpected(tlv, field));
    }
    Ok(tlv.as_bool()?)
}

/// A reader over the contents of a constructed element that names the fields it misses.
pub(crate) struct Fields<'a> {
    r: BerReader<'a>,
}

impl<'a> Fields<'a> {
    /// The fields of the constructed `tlv`.
    pub(crate) fn of(tlv: &Tlv<'a>, field: &'static str) -> Result<Self, MmsError> {
        if tlv.tag.constructed {
            Ok(Fields { r: tlv.reader() })
        } else {
            Err(unexpected(tlv, field))
        }
    }

    /// Fields of a whole input.
    pub(crate) const fn from_reader(r: BerReader<'a>) -> Self {
        Fields { r }
    }

    /// The next element, whatever its tag.
    pub(crate) fn any(&mut self, field: &'static str) -> Result<Tlv<'a>, MmsError> {
        if self.r.is_empty() {
            return Err(MmsError::Missing {
                offset: self.r.position(),
                field,
            });
        }
        Ok(self.r.read_tlv()?)
    }

    /// The next element, which must have `tag`.
    pub(crate) fn req(&mut self, tag: Tag, field: &'static str) -> Result<Tlv<'a>, MmsError> {
        let tlv = self.any(field)?;
        if tlv.tag == tag {
            Ok(tlv)
        } else {
            Err(unexpected(&tlv, field))
        }
    }

    /// The next element if it has `tag`.
    pub(crate) fn opt(&mut self, tag: Tag) -> Result<Option<Tlv<'a>>, MmsError> {
        Ok(self.r.read_optional(tag)?)
    }

    /// The next element if there is one.
    pub(crate) fn next(&mut self) -> Result<Option<Tlv<'a>>, MmsError> {
        if self.r.is_empty() {
            Ok(None)
        } else {
            Ok(Some(self.r.read_tlv()?))
        }
    }

    /// The unread octets.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.r.rest()
    }

    /// Fails unless every element was read.
    pub(crate) fn end(&self) -> Result<(), MmsError> {
        self.r.finish().map_err(|e: BerError| e.into())
    }
}

/// Octets of an element `tag` wrapping `content_len` octets.
pub(crate) const fn tlv(tag: Tag, content_len: usize) -> usize {
    ber::tlv_len(tag, content_len)
}

/// Write a header for `tag` and `content_len` octets.
pub(crate) fn header(w: &mut Writer<'_>, tag: Tag, content_len: usize) -> Result<(), EncodeError> {
    ber::write_header(w, tag, content_len)?;
    Ok(())
}

/// Write an INTEGER element.
pub(crate) fn write_int(w: &mut Writer<'_>, tag: Tag, v: i64) -> Result<(), EncodeError> {
    ber::write_i64(w, tag, v)?;
    Ok(())
}

/// Write a BOOLEAN element.
pub(crate) fn write_bool(w: &mut Writer<'_>, tag: Tag, v: bool) -> Result<(), EncodeError> {
    ber::write_bool(w, tag, v)?;
    Ok(())
}

/// Write an element with the given contents.
pub(crate) fn write_bytes(w: &mut Writer<'_>, tag: Tag, v: &[u8]) -> Result<(), EncodeError> {
    ber::write_tlv(w, tag, v)?;
    Ok(())
}

/// Octets of an INTEGER element.
pub(crate) const fn int_len(tag: Tag, v: i64) -> usize {
    ber::i64_tlv_len(tag, v)
}

/// Declare a named INTEGER code list (`INTEGER { other(0), ... }`) with a catch-all.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A code without a name here (build it with `from_code`, which maps named codes
            /// to their variants).
            Other(i64),
        }

        impl $name {
            /// The variant for a wire code.
            #[must_use]
            pub const fn from_code(code: i64) -> Self {
                match code {
                    $( $value => $name::$variant, )*
                    other => $name::Other(other),
                }
            }

            /// The wire code.
            #[must_use]
            pub const fn code(self) -> i64 {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Other(code) => code,
                }
            }
        }
    };
}

pub(crate) use code_enum;

/// An element kept as received: its tag and contents octets (an unsupported service, a
/// `serviceSpecificInformation`). Re-encoded as the same tag and contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RawElement<'a> {
    /// The element's tag.
    pub tag: Tag,
    /// Its contents octets.
    pub content: &'a [u8],
}

impl<'a> RawElement<'a> {
    pub(crate) const fn from_tlv(tlv: &Tlv<'a>) -> Self {
        RawElement {
            tag: tlv.tag,
            content: tlv.value,
        }
    }

    pub(crate) const fn tlv_len(&self) -> usize {
        ber::tlv_len(self.tag, self.content.len())
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_bytes(w, self.tag, self.content)
    }
}
