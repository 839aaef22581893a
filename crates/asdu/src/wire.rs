//! The crate-internal element codec: how each information element reads and writes itself.

use crate::AsduError;

/// Which field of an element failed (kept to one octet so that `Result<Value, Bad>` stays
/// small on the per-object path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// The input ended.
    Truncated,
    Cp16Ms,
    Cp24Ms,
    Cp24Min,
    Cp56Ms,
    Cp56Min,
    Cp56Hour,
    Cp56Day,
    Cp56Month,
    Cp56Year,
}

impl Field {
    const fn name(self) -> &'static str {
        match self {
            Field::Truncated => "input",
            Field::Cp16Ms => "CP16Time2a milliseconds",
            Field::Cp24Ms => "CP24Time2a milliseconds",
            Field::Cp24Min => "CP24Time2a minutes",
            Field::Cp56Ms => "CP56Time2a milliseconds",
            Field::Cp56Min => "CP56Time2a minutes",
            Field::Cp56Hour => "CP56Time2a hours",
            Field::Cp56Day => "CP56Time2a day of month",
            Field::Cp56Month => "CP56Time2a month",
            Field::Cp56Year => "CP56Time2a year",
        }
    }
}

/// Why an element could not be read: where (as the number of octets left in the input when
/// the failing field starts, which the caller turns into an ASDU offset) and what.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bad {
    /// Octets left in the input at the failing field (inputs are at most 255 octets).
    left: u16,
    /// The field, or [`Field::Truncated`].
    field: Field,
    /// The offending value, or the octets needed for truncation.
    value: u32,
}

fn short(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

impl Bad {
    /// The error at its offset in an input of `total` octets.
    pub(crate) fn at(self, total: usize) -> AsduError {
        let left = usize::from(self.left);
        let offset = total.saturating_sub(left);
        match self.field {
            Field::Truncated => AsduError::Truncated {
                offset,
                needed: usize::try_from(self.value).unwrap_or(usize::MAX),
                available: left,
            },
            f => AsduError::InvalidElement {
                offset,
                field: f.name(),
                value: self.value,
            },
        }
    }

    /// A range check of `field` whose octet starts `skip` octets after the element start,
    /// where `left` octets were left.
    #[inline]
    pub(crate) fn check(
        ok: bool,
        left: usize,
        skip: usize,
        field: Field,
        value: u32,
    ) -> Result<(), Bad> {
        if ok {
            Ok(())
        } else {
            Err(Bad {
                left: short(left.saturating_sub(skip)),
                field,
                value,
            })
        }
    }

    fn truncated(left: usize, needed: usize) -> Bad {
        Bad {
            left: short(left),
            field: Field::Truncated,
            value: u32::try_from(needed).unwrap_or(u32::MAX),
        }
    }
}

/// Take the next `N` octets of `b`.
///
/// Element reads work on a plain `&[u8]` rather than the core `Reader`: the iterator runs
/// them for every object, and fixed-size `split_first_chunk` reads inline into straight
/// loads (the decoder checks all lengths before, so these never fail after `decode`).
#[inline]
pub(crate) fn take<const N: usize>(b: &mut &[u8]) -> Result<[u8; N], Bad> {
    match b.split_first_chunk::<N>() {
        Some((head, rest)) => {
            *b = rest;
            Ok(*head)
        }
        None => Err(Bad::truncated(b.len(), N)),
    }
}

/// Take the next `N` octets of `b` in place (the length is known at compile time).
#[inline(always)]
pub(crate) fn take_chunk<'a, const N: usize>(b: &mut &'a [u8]) -> Result<&'a [u8; N], Bad> {
    match b.split_first_chunk::<N>() {
        Some((head, rest)) => {
            *b = rest;
            Ok(head)
        }
        None => Err(Bad::truncated(b.len(), N)),
    }
}

/// Take the next `n` octets of `b` as a slice.
#[inline]
pub(crate) fn take_slice<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], Bad> {
    match b.split_at_checked(n) {
        Some((head, rest)) => {
            *b = rest;
            Ok(head)
        }
        None => Err(Bad::truncated(b.len(), n)),
    }
}

/// The output slot is shorter than the element (callers size slots with `wire_len` first, so
/// this only guards against a broken invariant).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Short;

/// Write `v` at the front of `out` and advance it.
#[inline]
pub(crate) fn put<const N: usize>(out: &mut &mut [u8], v: [u8; N]) -> Result<(), Short> {
    let buf = core::mem::take(out);
    match buf.split_first_chunk_mut::<N>() {
        Some((head, rest)) => {
            *head = v;
            *out = rest;
            Ok(())
        }
        None => Err(Short),
    }
}

/// Write `v` at the front of `out` and advance it.
#[inline]
pub(crate) fn put_slice(out: &mut &mut [u8], v: &[u8]) -> Result<(), Short> {
    let buf = core::mem::take(out);
    match buf.split_at_mut_checked(v.len()) {
        Some((head, rest)) => {
            head.copy_from_slice(v);
            *out = rest;
            Ok(())
        }
        None => Err(Short),
    }
}

/// One information element (or a fixed group of them) on the wire.
///
/// `read` validates the element's value ranges; errors say how many octets were left, and
/// the caller converts that to an offset in the ASDU ([`Bad::at`]).
pub(crate) trait Wire<'a>: Sized {
    /// Read one element.
    fn read(b: &mut &'a [u8]) -> Result<Self, Bad>;
    /// Octets [`Wire::write`] produces.
    fn wire_len(&self) -> usize;
    /// Write the element at the front of `out` and advance it.
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short>;
}

impl Wire<'_> for f32 {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        take(b).map(f32::from_le_bytes)
    }
    fn wire_len(&self) -> usize {
        4
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.to_le_bytes())
    }
}

/// Implements [`Wire`] and the public `Encode` for a newtype over `u8` whose every value is
/// valid (reserved bits are kept as received so that re-encoding is byte-identical).
macro_rules! byte_element {
    ($($t:ident),* $(,)?) => {$(
        impl crate::wire::Wire<'_> for $t {
            #[inline]
            fn read(b: &mut &[u8]) -> Result<Self, crate::wire::Bad> {
                let [v] = crate::wire::take(b)?;
                Ok($t(v))
            }
            fn wire_len(&self) -> usize {
                1
            }
            #[inline]
            fn put(&self, out: &mut &mut [u8]) -> Result<(), crate::wire::Short> {
                crate::wire::put(out, [self.0])
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
                crate::wire::encode_into(w, crate::wire::Wire::wire_len(self), |out| {
                    crate::wire::Wire::put(self, out)
                })
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

/// Reserve `len` octets of `w` and fill them with `fill`.
pub(crate) fn encode_into(
    w: &mut telecontrol_core::Writer<'_>,
    len: usize,
    fill: impl FnOnce(&mut &mut [u8]) -> Result<(), Short>,
) -> Result<(), telecontrol_core::EncodeError> {
    let mut dst = w.reserve(len)?;
    fill(&mut dst).map_err(|Short| telecontrol_core::EncodeError::BufferTooSmall {
        needed: len,
        available: 0,
    })
}
