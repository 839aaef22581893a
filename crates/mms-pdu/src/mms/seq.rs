//! MMS's use of the BER [`SeqOf`]: lists decoded with the MMS error for a primitive
//! element where a list belongs, and [`Nested`] values of recursive types.

use core::fmt;

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use super::prim::unexpected;
use crate::ber::{BerReader, Tlv};
pub use crate::ber::{Element, SeqIter, SeqOf};

impl<'a, T: Element<'a>> SeqOf<'a, T>
where
    MmsError: From<T::Error>,
{
    /// Decode the constructed element `tlv` (its tag is the caller's business): with
    /// `validate`, every element (recursively); without, nothing is read now.
    pub(crate) fn decode(
        tlv: &Tlv<'a>,
        validate: bool,
        field: &'static str,
    ) -> Result<Self, MmsError> {
        if !tlv.tag.constructed {
            return Err(unexpected(tlv, field));
        }
        Ok(SeqOf::decode_contents(tlv, validate)?)
    }
}

#[derive(Clone, Copy)]
enum NestedRepr<'a, T> {
    Wire { encoded: &'a [u8], base: usize },
    Value(&'a T),
}

/// One value of a recursive type behind a reference (an array's element type in a
/// `TypeDescription`): the received element, decoded on [`get`](Nested::get), or a
/// reference to a typed value to encode.
#[derive(Clone, Copy)]
pub struct Nested<'a, T> {
    repr: NestedRepr<'a, T>,
}

impl<'a, T: Element<'a>> Nested<'a, T> {
    /// A reference to `value`, for encoding.
    #[must_use]
    pub const fn new(value: &'a T) -> Self {
        Nested {
            repr: NestedRepr::Value(value),
        }
    }

    /// The value. Always `Some` for a `Nested` from [`new`](Nested::new) or from a decode
    /// (which validated it).
    #[must_use]
    pub fn get(&self) -> Option<T> {
        match self.repr {
            NestedRepr::Value(v) => Some(*v),
            NestedRepr::Wire { encoded, base } => BerReader::new_at(encoded, base)
                .read_tlv()
                .ok()
                .and_then(|t| T::decode_element(&t, false).ok()),
        }
    }

    /// Decode the element `tlv`.
    pub(crate) fn decode(tlv: &Tlv<'a>, validate: bool) -> Result<Self, T::Error> {
        if validate {
            T::decode_element(tlv, true)?;
        }
        Ok(Nested {
            repr: NestedRepr::Wire {
                encoded: tlv.encoded(),
                base: tlv.offset,
            },
        })
    }

    /// Octets of the element.
    pub(crate) fn element_len(&self) -> usize {
        self.get().map_or(0, |v| v.element_len())
    }

    /// Write the element.
    pub(crate) fn write_element(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self.get() {
            Some(v) => v.write_element(w),
            None => Err(EncodeError::InvalidValue {
                field: "nested value",
            }),
        }
    }
}

impl<'a, T: Element<'a> + PartialEq> PartialEq for Nested<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<'a, T: Element<'a> + fmt::Debug> fmt::Debug for Nested<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Some(v) => v.fmt(f),
            None => f.write_str("<invalid>"),
        }
    }
}
