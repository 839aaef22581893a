//! The codec traits every core's PDUs implement.

use core::fmt;

use crate::io::{WriteError, Writer};

/// Why encoding failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is smaller than [`Encode::encoded_len`].
    BufferTooSmall {
        /// Octets the encoding needs.
        needed: usize,
        /// Octets the buffer has.
        available: usize,
    },
    /// A value cannot be represented on the wire (named field).
    InvalidValue {
        /// The field whose value does not fit.
        field: &'static str,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall { needed, available } => {
                write!(
                    f,
                    "output buffer too small: need {needed} octets, have {available}"
                )
            }
            EncodeError::InvalidValue { field } => write!(f, "value of {field} cannot be encoded"),
        }
    }
}

impl core::error::Error for EncodeError {}

impl From<WriteError> for EncodeError {
    fn from(e: WriteError) -> Self {
        EncodeError::BufferTooSmall {
            needed: e.offset.saturating_add(e.needed),
            available: e.offset.saturating_add(e.available),
        }
    }
}

/// Something with a wire encoding of a length known before writing.
///
/// Implementors provide [`encoded_len`](Encode::encoded_len) and
/// [`write_to`](Encode::write_to); callers use [`encode`](Encode::encode), which checks the
/// length first so that a too-small buffer is left untouched.
pub trait Encode {
    /// Exactly the number of octets [`encode`](Encode::encode) writes.
    fn encoded_len(&self) -> usize;

    /// Write the encoding at the writer's position.
    ///
    /// # Errors
    /// [`EncodeError`] if the writer is full or a value cannot be encoded.
    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;

    /// Encode into the start of `out`, returning the number of octets written.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if `out` is shorter than
    /// [`encoded_len`](Encode::encoded_len) (then `out` is untouched), or the error of
    /// [`write_to`](Encode::write_to).
    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let needed = self.encoded_len();
        let available = out.len();
        let dst = out
            .get_mut(..needed)
            .ok_or(EncodeError::BufferTooSmall { needed, available })?;
        let mut w = Writer::new(dst);
        self.write_to(&mut w)?;
        Ok(w.position())
    }
}

/// Something decodable, zero-copy, from a borrowed byte slice.
pub trait Decode<'a>: Sized {
    /// The layer's decode error.
    type Error;

    /// Decode `input` entirely.
    ///
    /// # Errors
    /// The layer's error, with the offset of the problem.
    fn decode(input: &'a [u8]) -> Result<Self, Self::Error>;
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pair(u8, u16);

    impl Encode for Pair {
        fn encoded_len(&self) -> usize {
            3
        }
        fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
            w.write_u8(self.0)?;
            w.write_u16_le(self.1)?;
            Ok(())
        }
    }

    #[test]
    fn encode_checks_length_first() {
        let mut small = [0u8; 2];
        assert_eq!(
            Pair(1, 2).encode(&mut small),
            Err(EncodeError::BufferTooSmall {
                needed: 3,
                available: 2
            })
        );
        assert_eq!(small, [0, 0]);
        let mut buf = [0u8; 4];
        assert_eq!(Pair(1, 0x0302).encode(&mut buf), Ok(3));
        assert_eq!(buf, [1, 2, 3, 0]);
    }
}
