//! The crate-internal element codec: how each information element reads and writes itself.

use telecontrol_core::{Reader, WriteError, Writer};

use crate::AsduError;

/// One information element (or a fixed group of them) on the wire.
///
/// `read` validates the element's value ranges and reports errors at the reader's position,
/// which is the offset in the ASDU because readers always span the whole ASDU.
pub(crate) trait Wire<'a>: Sized {
    /// Read one element.
    fn read(r: &mut Reader<'a>) -> Result<Self, AsduError>;
    /// Octets [`Wire::write`] produces.
    fn wire_len(&self) -> usize;
    /// Write the element.
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WriteError>;
}

impl Wire<'_> for f32 {
    fn read(r: &mut Reader<'_>) -> Result<Self, AsduError> {
        Ok(r.read_f32_le()?)
    }
    fn wire_len(&self) -> usize {
        4
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WriteError> {
        w.write_f32_le(*self)
    }
}

/// Implements [`Wire`] and the public `Encode` for a newtype over `u8` whose every value is
/// valid (reserved bits are kept as received so that re-encoding is byte-identical).
macro_rules! byte_element {
    ($($t:ident),* $(,)?) => {$(
        impl crate::wire::Wire<'_> for $t {
            fn read(r: &mut telecontrol_core::Reader<'_>) -> Result<Self, crate::AsduError> {
                Ok($t(r.read_u8()?))
            }
            fn wire_len(&self) -> usize {
                1
            }
            fn write(&self, w: &mut telecontrol_core::Writer<'_>) -> Result<(), telecontrol_core::WriteError> {
                w.write_u8(self.0)
            }
        }
        impl $t {
            /// The element's octet as on the wire.
            #[must_use]
            pub const fn to_u8(self) -> u8 {
                self.0
            }
            /// The element from its wire octet (every value is accepted; reserved bits are kept).
            #[must_use]
            pub const fn from_u8(raw: u8) -> Self {
                $t(raw)
            }
        }
        crate::wire::encode_via_wire!($t);
    )*};
}
pub(crate) use byte_element;

/// Implements the public `telecontrol_core::Encode` through [`Wire`].
macro_rules! encode_via_wire {
    ($($t:ty),* $(,)?) => {$(
        impl telecontrol_core::Encode for $t {
            fn encoded_len(&self) -> usize {
                crate::wire::Wire::wire_len(self)
            }
            fn write_to(&self, w: &mut telecontrol_core::Writer<'_>) -> Result<(), telecontrol_core::EncodeError> {
                crate::wire::Wire::write(self, w).map_err(Into::into)
            }
        }
    )*};
}
pub(crate) use encode_via_wire;

/// Bit `n` of `byte`.
pub(crate) const fn bit(byte: u8, n: u8) -> bool {
    byte & 1u8.wrapping_shl(n as u32) != 0
}

/// `byte` with bit `n` set to `on`.
pub(crate) const fn with_bit(byte: u8, n: u8, on: bool) -> u8 {
    let m = 1u8.wrapping_shl(n as u32);
    if on { byte | m } else { byte & !m }
}
