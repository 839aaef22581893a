//! Decoding: the checked, zero-copy [`AsduView`] and its object iterator (101 §7.2–7.3).

use core::fmt;
use core::iter::FusedIterator;

use crate::header::{read_header, take_ioa};
use crate::value::TimeTag;
use crate::wire::Bad;
use crate::{AsduError, AsduParams, CommonAddress, Cot, Header, Ioa, Quality, TypeId, Value};

/// One information object: its address and its element set (101 §7.3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InfoObject<'a> {
    /// The information object address (in a sequence, the address of this element).
    pub ioa: Ioa,
    /// The typed element set.
    pub value: Value<'a>,
}

impl<'a> InfoObject<'a> {
    /// An object at `ioa` with `value`.
    #[must_use]
    pub const fn new(ioa: Ioa, value: Value<'a>) -> Self {
        InfoObject { ioa, value }
    }

    /// The object's quality flags, if its type has a quality descriptor.
    #[must_use]
    pub fn quality(&self) -> Option<Quality> {
        self.value.quality()
    }

    /// The object's time tag, if its type has one.
    #[must_use]
    pub fn time_tag(&self) -> Option<TimeTag> {
        self.value.time_tag()
    }
}

impl fmt::Display for InfoObject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IOA={} {}", self.ioa, self.value)
    }
}

/// A decoded ASDU: the header and the still-encoded objects, all checked.
///
/// [`AsduView::decode`] checks the header, that the objects fill the input exactly
/// (count × element size, before any element is read), that a sequence's addresses fit
/// the address size, and every element's value ranges. After that no accessor can fail:
/// [`AsduView::objects`] yields every object without error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsduView<'a> {
    bytes: &'a [u8],
    params: AsduParams,
    header: Header,
    /// Octets of each raw element (raw types only).
    raw_len: usize,
}

/// Decode the ASDU in `bytes` with `params` (a free-function spelling of
/// [`AsduView::decode`]).
///
/// # Errors
/// As [`AsduView::decode`].
pub fn decode<'a>(params: &AsduParams, bytes: &'a [u8]) -> Result<AsduView<'a>, AsduError> {
    AsduView::decode(params, bytes)
}

impl<'a> AsduView<'a> {
    /// Decode and check the ASDU that fills `bytes` entirely.
    ///
    /// Raw types (41, 128–255) carry no size table: all their objects are assumed to have
    /// the same size (as every type of the standard does), so the objects must divide the
    /// payload evenly: with SQ=0 each object is `payload / count` octets (an address and a
    /// raw element), with SQ=1 each element is `(payload − address) / count` octets.
    ///
    /// # Errors
    /// - [`AsduError::TooLong`] if `bytes` exceeds the maximum ASDU length;
    /// - [`AsduError::Truncated`] if the header is incomplete;
    /// - [`AsduError::UnknownTypeId`], [`AsduError::BadCot`] for bad header fields;
    /// - [`AsduError::BadCount`] if a segment ASDU (F_SG_NA_1) has a count other than 1;
    /// - [`AsduError::LengthMismatch`] if the objects do not fill the rest exactly;
    /// - [`AsduError::IoaOverflow`] if a sequence runs past the largest address;
    /// - [`AsduError::InvalidElement`] if an element holds a forbidden value.
    pub fn decode(params: &AsduParams, bytes: &'a [u8]) -> Result<Self, AsduError> {
        let max = usize::from(params.max_len());
        if bytes.len() > max {
            return Err(AsduError::TooLong {
                len: bytes.len(),
                max,
            });
        }
        let header = read_header(params, bytes)?;
        let start = params.header_len();
        let payload = bytes.get(start..).unwrap_or(&[]);
        let actual = payload.len();
        let count = usize::from(header.count);
        let ioa = usize::from(params.ioa_size());
        let mut raw_len = 0;
        let expected = match header.type_id.element_size() {
            Some(e) => objects_len(header.sq, count, ioa, e),
            None if header.type_id == TypeId::FSgNa1 => {
                if header.count != 1 {
                    return Err(AsduError::BadCount {
                        offset: 1,
                        value: header.count,
                    });
                }
                // Address, NOF (2), NOS (1), then LOS giving the segment length.
                let los_at = ioa.saturating_add(3);
                match payload.get(los_at) {
                    Some(los) => los_at.saturating_add(1).saturating_add(usize::from(*los)),
                    None => los_at.saturating_add(1),
                }
            }
            None => {
                let per = if header.sq {
                    actual.saturating_sub(ioa).checked_div(count).unwrap_or(0)
                } else {
                    actual.checked_div(count).unwrap_or(0).saturating_sub(ioa)
                };
                raw_len = per;
                objects_len(header.sq, count, ioa, per)
            }
        };
        if expected != actual {
            return Err(AsduError::LengthMismatch {
                offset: start,
                expected,
                actual,
            });
        }
        let view = AsduView {
            bytes,
            params: *params,
            header,
            raw_len,
        };
        if header.sq && count > 0 {
            let first =
                take_ioa(params.ioa_size(), &mut &payload[..]).map_err(|e| e.at(bytes.len()))?;
            let last = first
                .value()
                .saturating_add(u32::from(header.count))
                .saturating_sub(1);
            if last > params.max_ioa() {
                return Err(AsduError::IoaOverflow {
                    offset: start,
                    value: first.value(),
                });
            }
        }
        if has_checked_fields(header.type_id) {
            let mut it = view.raw_objects();
            while it.remaining > 0 {
                it.next_checked().map_err(|e| e.at(bytes.len()))?;
            }
        }
        Ok(view)
    }

    /// The data unit identifier.
    #[must_use]
    pub const fn header(&self) -> Header {
        self.header
    }

    /// Type identification.
    #[must_use]
    pub const fn type_id(&self) -> TypeId {
        self.header.type_id
    }

    /// SQ: the objects form one sequence at consecutive addresses.
    #[must_use]
    pub const fn sq(&self) -> bool {
        self.header.sq
    }

    /// Number of objects (or sequence elements).
    #[must_use]
    pub const fn count(&self) -> u8 {
        self.header.count
    }

    /// Cause of transmission.
    #[must_use]
    pub const fn cot(&self) -> Cot {
        self.header.cot
    }

    /// Common address.
    #[must_use]
    pub const fn ca(&self) -> CommonAddress {
        self.header.ca
    }

    /// The parameters the ASDU was decoded with.
    #[must_use]
    pub const fn params(&self) -> AsduParams {
        self.params
    }

    /// The whole ASDU as received.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The information objects' octets (everything after the header).
    #[must_use]
    pub fn payload(&self) -> &'a [u8] {
        self.bytes.get(self.params.header_len()..).unwrap_or(&[])
    }

    /// The information objects, in order. Each is read when the iterator reaches it.
    #[must_use]
    pub fn objects(&self) -> Objects<'a> {
        self.raw_objects()
    }

    fn raw_objects(&self) -> Objects<'a> {
        let mut rest = self.payload();
        let mut remaining = self.header.count;
        let mut next_ioa = 0;
        if self.header.sq && remaining > 0 {
            // A sequence: one address, then the elements. decode checked the length.
            match take_ioa(self.params.ioa_size(), &mut rest) {
                Ok(first) => next_ioa = first.value(),
                Err(_) => remaining = 0,
            }
        }
        Objects {
            rest,
            ioa_size: self.params.ioa_size(),
            type_id: self.header.type_id,
            sq: self.header.sq,
            remaining,
            next_ioa,
            raw_len: self.raw_len,
        }
    }
}

impl fmt::Display for AsduView<'_> {
    /// The header, then one object per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.header)?;
        for o in self.objects() {
            write!(f, "\n  {o}")?;
        }
        Ok(())
    }
}

/// Octets of `count` objects: SQ=0 each with its address, SQ=1 one address then elements.
fn objects_len(sq: bool, count: usize, ioa: usize, element: usize) -> usize {
    if sq {
        if count == 0 {
            0
        } else {
            element.saturating_mul(count).saturating_add(ioa)
        }
    } else {
        element.saturating_add(ioa).saturating_mul(count)
    }
}

/// Types with elements whose values can be out of range (binary times).
fn has_checked_fields(t: TypeId) -> bool {
    t.has_time_tag() || matches!(t, TypeId::CCsNa1 | TypeId::CCdNa1 | TypeId::FScNb1)
}

/// Iterator over the information objects of an [`AsduView`].
#[derive(Clone, Debug)]
pub struct Objects<'a> {
    rest: &'a [u8],
    ioa_size: u8,
    type_id: TypeId,
    sq: bool,
    remaining: u8,
    /// In a sequence, the address of the next element.
    next_ioa: u32,
    raw_len: usize,
}

impl<'a> Objects<'a> {
    /// The next address: counted in a sequence, read otherwise.
    #[inline(always)]
    fn ioa(&mut self) -> Result<Ioa, Bad> {
        if self.sq {
            // decode checked that the sequence's last address fits the address size.
            let a = self.next_ioa;
            self.next_ioa = a.wrapping_add(1);
            Ok(Ioa::from_u24(a))
        } else {
            take_ioa(self.ioa_size, &mut self.rest)
        }
    }

    /// The next object with the reason it could not be read (for decode's checks).
    fn next_checked(&mut self) -> Result<InfoObject<'a>, Bad> {
        self.remaining = self.remaining.saturating_sub(1);
        let ioa = self.ioa()?;
        let value = Value::read(self.type_id, &mut self.rest, self.raw_len)?;
        Ok(InfoObject { ioa, value })
    }

    #[cold]
    fn stop(&mut self) -> Option<InfoObject<'a>> {
        self.remaining = 0;
        None
    }
}

impl<'a> Iterator for Objects<'a> {
    type Item = InfoObject<'a>;

    #[inline]
    fn next(&mut self) -> Option<InfoObject<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining = self.remaining.wrapping_sub(1);
        // Neither read can fail after AsduView::decode's checks; stop rather than panic.
        let Ok(ioa) = self.ioa() else {
            return self.stop();
        };
        match Value::read(self.type_id, &mut self.rest, self.raw_len) {
            Ok(value) => Some(InfoObject { ioa, value }),
            Err(_) => self.stop(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.remaining);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Objects<'_> {}
impl FusedIterator for Objects<'_> {}
