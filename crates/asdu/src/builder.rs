//! Encoding: [`AsduBuilder`] packs objects into a caller buffer; [`Asdu`] encodes a whole
//! ASDU in one call (101 §7.2–7.3).

use telecontrol_core::{Encode, EncodeError, Writer};

use crate::header::{put_ioa, write_header};
use crate::{AsduError, AsduParams, CommonAddress, Cot, Header, InfoObject, Ioa, TypeId, Value};

/// Builds one ASDU in a caller buffer, object by object, up to the maximum ASDU length.
///
/// The header is written by [`AsduBuilder::new`]; every successful [`AsduBuilder::push`]
/// appends an object and updates the count, so [`AsduBuilder::as_bytes`] is a complete,
/// valid ASDU at any time. When the next object would not fit (maximum length, buffer,
/// 127 objects, or a second segment) `push` returns [`AsduError::Full`] and changes nothing:
/// send what was built and start a new ASDU.
///
/// In sequence mode (SQ=1) the first address is written once and each further object must
/// have the next address.
#[derive(Debug)]
pub struct AsduBuilder<'b> {
    buf: &'b mut [u8],
    params: AsduParams,
    header: Header,
    len: usize,
    limit: usize,
    next_ioa: Option<Ioa>,
    raw_len: Option<usize>,
    /// The type's element size, when fixed.
    element_size: Option<usize>,
}

impl<'b> AsduBuilder<'b> {
    /// Start an ASDU of `type_id` with `cot` and `ca`, single objects (SQ=0) or a sequence
    /// (`sq`), in `buf`.
    ///
    /// # Errors
    /// [`AsduError::DoesNotFit`] if the originator address or common address does not fit
    /// `params`; [`AsduError::BufferTooSmall`] if `buf` cannot hold the header.
    pub fn new(
        params: &AsduParams,
        type_id: TypeId,
        cot: Cot,
        ca: CommonAddress,
        sq: bool,
        buf: &'b mut [u8],
    ) -> Result<Self, AsduError> {
        let header = Header {
            type_id,
            sq,
            count: 0,
            cot,
            ca,
        };
        let limit = buf.len().min(usize::from(params.max_len()));
        let needed = params.header_len();
        let head = buf.get_mut(..limit).ok_or(AsduError::BufferTooSmall {
            needed,
            available: limit,
        })?;
        let mut w = Writer::new(head);
        write_header(params, &header, &mut w)?;
        Ok(AsduBuilder {
            buf,
            params: *params,
            header,
            len: needed,
            limit,
            next_ioa: None,
            raw_len: None,
            element_size: type_id.element_size(),
        })
    }

    /// Append the object `value` at `ioa`.
    ///
    /// # Errors
    /// - [`AsduError::TypeMismatch`] if `value` is not of the builder's type;
    /// - [`AsduError::NotSequential`] in sequence mode if `ioa` is not the next address;
    /// - [`AsduError::DoesNotFit`] if `ioa` exceeds the address size, or a raw element's
    ///   length differs from the first one's (raw objects of one ASDU must be equal in size);
    /// - [`AsduError::Full`] if the object does not fit; the ASDU built so far is unchanged.
    #[inline]
    pub fn push(&mut self, ioa: Ioa, value: &Value<'_>) -> Result<(), AsduError> {
        let found = value.type_id();
        if found != self.header.type_id {
            return Err(AsduError::TypeMismatch {
                expected: self.header.type_id.code(),
                found: found.code(),
            });
        }
        if ioa.value() > self.params.max_ioa() {
            return Err(AsduError::DoesNotFit {
                field: "information object address",
                value: ioa.value(),
            });
        }
        // In a sequence only the first object carries its address; the others must follow.
        let write_address = !self.header.sq || self.header.count == 0;
        if !write_address {
            match self.next_ioa {
                Some(expected) if expected == ioa => {}
                Some(expected) => {
                    return Err(AsduError::NotSequential {
                        expected: expected.value(),
                        found: ioa.value(),
                    });
                }
                // The previous element had the largest 24-bit address.
                None => {
                    return Err(AsduError::DoesNotFit {
                        field: "information object address",
                        value: ioa.value(),
                    });
                }
            }
        }
        if let Value::Raw(_, b) = value
            && self.raw_len.is_some_and(|n| n != b.len())
        {
            return Err(AsduError::DoesNotFit {
                field: "raw element length",
                value: u32::try_from(b.len()).unwrap_or(u32::MAX),
            });
        }
        let one_segment = self.header.type_id == TypeId::FSgNa1 && self.header.count >= 1;
        if self.header.count >= 127 || one_segment {
            return Err(AsduError::Full);
        }
        let ioa_len = if write_address {
            usize::from(self.params.ioa_size())
        } else {
            0
        };
        let end = self
            .len
            .saturating_add(ioa_len)
            .saturating_add(match self.element_size {
                Some(n) => n,
                None => value.encoded_len(),
            });
        if end > self.limit {
            return Err(AsduError::Full);
        }
        let mut out = self.buf.get_mut(self.len..end).ok_or(AsduError::Full)?;
        // The slot is exactly the object's size: these writes cannot run short.
        if write_address {
            put_ioa(self.params.ioa_size(), ioa, &mut out).map_err(|_| AsduError::Full)?;
        }
        value.put(&mut out).map_err(|_| AsduError::Full)?;
        self.header.count = self.header.count.saturating_add(1);
        let vsq = self.header.count | if self.header.sq { 0x80 } else { 0 };
        if let Some(b) = self.buf.get_mut(1) {
            *b = vsq;
        }
        self.len = end;
        if self.header.sq {
            self.next_ioa = ioa.next();
        }
        if let Value::Raw(_, b) = value {
            self.raw_len = Some(b.len());
        }
        Ok(())
    }

    /// Append `obj` (see [`AsduBuilder::push`]).
    ///
    /// # Errors
    /// As [`AsduBuilder::push`].
    pub fn push_object(&mut self, obj: &InfoObject<'_>) -> Result<(), AsduError> {
        self.push(obj.ioa, &obj.value)
    }

    /// Objects written so far.
    #[must_use]
    pub const fn count(&self) -> u8 {
        self.header.count
    }

    /// True if no object has been written.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.header.count == 0
    }

    /// Octets written so far (header included).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// The ASDU built so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Finish: the ASDU's octets in the caller's buffer.
    #[must_use]
    pub fn finish(self) -> &'b [u8] {
        let len = self.len;
        let buf: &'b [u8] = self.buf;
        buf.get(..len).unwrap_or(&[])
    }
}

/// A whole ASDU to encode at once: header fields and a slice of objects. Implements
/// [`Encode`], so `encoded_len` is known before writing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Asdu<'o, 'a> {
    /// Field sizes and maximum length.
    pub params: AsduParams,
    /// Type identification; every object's value must be of this type.
    pub type_id: TypeId,
    /// SQ: encode the objects as one sequence (their addresses must be consecutive).
    pub sq: bool,
    /// Cause of transmission.
    pub cot: Cot,
    /// Common address.
    pub ca: CommonAddress,
    /// The objects.
    pub objects: &'o [InfoObject<'a>],
}

impl Encode for Asdu<'_, '_> {
    fn encoded_len(&self) -> usize {
        let ioa = usize::from(self.params.ioa_size());
        let mut n = self.params.header_len();
        for (i, o) in self.objects.iter().enumerate() {
            if !self.sq || i == 0 {
                n = n.saturating_add(ioa);
            }
            n = n.saturating_add(o.value.encoded_len());
        }
        n
    }

    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the writer is short;
    /// [`EncodeError::InvalidValue`] for any builder error (more objects than fit the
    /// maximum length or 127, wrong type, non-consecutive addresses in a sequence, fields
    /// too large for `params`).
    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        let dst = w.reserve(len)?;
        let mut b = AsduBuilder::new(&self.params, self.type_id, self.cot, self.ca, self.sq, dst)
            .map_err(EncodeError::from)?;
        for o in self.objects {
            b.push_object(o).map_err(|e| match e {
                AsduError::Full => EncodeError::InvalidValue {
                    field: "ASDU length or object count",
                },
                e => EncodeError::from(e),
            })?;
        }
        Ok(())
    }
}
