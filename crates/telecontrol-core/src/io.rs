//! Checked byte cursors: no read or write can panic or run past its slice.

use core::fmt;

/// Reading past the end of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadError {
    /// Offset, from the start of the reader's slice, where the read began.
    pub offset: usize,
    /// Octets the read needed.
    pub needed: usize,
    /// Octets that were left.
    pub available: usize,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "truncated input at offset {}: needed {} octet(s), {} left",
            self.offset, self.needed, self.available
        )
    }
}

impl core::error::Error for ReadError {}

/// A checked cursor over a borrowed byte slice.
///
/// Every accessor returns `Result`; none can panic. Borrowed slices keep the input's
/// lifetime, so views built on a `Reader` are zero-copy.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `input`.
    #[inline]
    #[must_use]
    pub const fn new(input: &'a [u8]) -> Self {
        Reader { input, pos: 0 }
    }

    /// Octets consumed so far: the offset of the next read.
    #[inline]
    #[must_use]
    pub const fn position(&self) -> usize {
        self.pos
    }

    /// Octets not yet read.
    #[inline]
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    /// True when every octet has been read.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread rest of the input, without consuming it.
    #[inline]
    #[must_use]
    pub fn rest(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or(&[])
    }

    /// The whole input this reader was made from.
    #[inline]
    #[must_use]
    pub const fn input(&self) -> &'a [u8] {
        self.input
    }

    #[inline]
    fn err(&self, needed: usize) -> ReadError {
        ReadError {
            offset: self.pos,
            needed,
            available: self.remaining(),
        }
    }

    /// Consume and return the next `n` octets.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than `n` octets are left; nothing is consumed then.
    #[inline]
    pub fn read_bytes(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.err(n))?;
        let bytes = self.input.get(self.pos..end).ok_or_else(|| self.err(n))?;
        self.pos = end;
        Ok(bytes)
    }

    /// Consume the next `N` octets as an array.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than `N` octets are left.
    #[inline]
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], ReadError> {
        let bytes = self.read_bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Consume everything left.
    #[inline]
    pub fn read_rest(&mut self) -> &'a [u8] {
        let rest = self.rest();
        self.pos = self.input.len();
        rest
    }

    /// Skip `n` octets.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than `n` octets are left.
    #[inline]
    pub fn skip(&mut self, n: usize) -> Result<(), ReadError> {
        self.read_bytes(n).map(|_| ())
    }

    /// The next octet, without consuming it.
    ///
    /// # Errors
    /// [`ReadError`] at the end of the input.
    #[inline]
    pub fn peek_u8(&self) -> Result<u8, ReadError> {
        self.input.get(self.pos).copied().ok_or_else(|| self.err(1))
    }

    /// One octet.
    ///
    /// # Errors
    /// [`ReadError`] at the end of the input.
    #[inline]
    pub fn read_u8(&mut self) -> Result<u8, ReadError> {
        let [b] = self.read_array::<1>()?;
        Ok(b)
    }

    /// A little-endian u16 (the 60870-5 octet order).
    ///
    /// # Errors
    /// [`ReadError`] if fewer than 2 octets are left.
    #[inline]
    pub fn read_u16_le(&mut self) -> Result<u16, ReadError> {
        self.read_array().map(u16::from_le_bytes)
    }

    /// A big-endian u16 (network order, as in TPKT and BER).
    ///
    /// # Errors
    /// [`ReadError`] if fewer than 2 octets are left.
    #[inline]
    pub fn read_u16_be(&mut self) -> Result<u16, ReadError> {
        self.read_array().map(u16::from_be_bytes)
    }

    /// A little-endian 24-bit unsigned integer.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than 3 octets are left.
    #[inline]
    pub fn read_u24_le(&mut self) -> Result<u32, ReadError> {
        let [a, b, c] = self.read_array()?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    /// A little-endian u32.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than 4 octets are left.
    #[inline]
    pub fn read_u32_le(&mut self) -> Result<u32, ReadError> {
        self.read_array().map(u32::from_le_bytes)
    }

    /// A big-endian u32.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than 4 octets are left.
    #[inline]
    pub fn read_u32_be(&mut self) -> Result<u32, ReadError> {
        self.read_array().map(u32::from_be_bytes)
    }

    /// A little-endian i16.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than 2 octets are left.
    #[inline]
    pub fn read_i16_le(&mut self) -> Result<i16, ReadError> {
        self.read_array().map(i16::from_le_bytes)
    }

    /// A little-endian i32.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than 4 octets are left.
    #[inline]
    pub fn read_i32_le(&mut self) -> Result<i32, ReadError> {
        self.read_array().map(i32::from_le_bytes)
    }

    /// A little-endian IEEE 754 single-precision float.
    ///
    /// # Errors
    /// [`ReadError`] if fewer than 4 octets are left.
    #[inline]
    pub fn read_f32_le(&mut self) -> Result<f32, ReadError> {
        self.read_array().map(f32::from_le_bytes)
    }
}

/// Writing past the end of the output buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteError {
    /// Offset where the write began.
    pub offset: usize,
    /// Octets the write needed.
    pub needed: usize,
    /// Octets that were left.
    pub available: usize,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "output buffer too small at offset {}: needed {} octet(s), {} left",
            self.offset, self.needed, self.available
        )
    }
}

impl core::error::Error for WriteError {}

/// A checked cursor over a caller-provided output buffer.
#[derive(Debug)]
pub struct Writer<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// A writer at the start of `out`.
    #[inline]
    #[must_use]
    pub fn new(out: &'a mut [u8]) -> Self {
        Writer { out, pos: 0 }
    }

    /// Octets written so far.
    #[inline]
    #[must_use]
    pub const fn position(&self) -> usize {
        self.pos
    }

    /// Room left.
    #[inline]
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.out.len().saturating_sub(self.pos)
    }

    /// What has been written so far.
    #[inline]
    #[must_use]
    pub fn written(&self) -> &[u8] {
        self.out.get(..self.pos).unwrap_or(&[])
    }

    /// Consume the writer, returning the written part of the buffer.
    #[inline]
    #[must_use]
    pub fn into_written(self) -> &'a mut [u8] {
        let pos = self.pos;
        self.out.get_mut(..pos).unwrap_or(&mut [])
    }

    #[inline]
    fn err(&self, needed: usize) -> WriteError {
        WriteError {
            offset: self.pos,
            needed,
            available: self.remaining(),
        }
    }

    /// Reserve `n` octets and return them for the caller to fill.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than `n` octets are left; nothing changes then.
    #[inline]
    pub fn reserve(&mut self, n: usize) -> Result<&mut [u8], WriteError> {
        let start = self.pos;
        let end = start.checked_add(n).ok_or_else(|| self.err(n))?;
        if end > self.out.len() {
            return Err(self.err(n));
        }
        self.pos = end;
        self.out.get_mut(start..end).ok_or(WriteError {
            offset: start,
            needed: n,
            available: 0,
        })
    }

    /// Append `bytes`.
    ///
    /// # Errors
    /// [`WriteError`] if they do not fit; nothing is written then.
    #[inline]
    pub fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        self.reserve(bytes.len())?.copy_from_slice(bytes);
        Ok(())
    }

    /// Overwrite one already-written octet at `offset` (for length fields known only later).
    ///
    /// # Errors
    /// [`WriteError`] if `offset` has not been written yet.
    #[inline]
    pub fn patch_u8(&mut self, offset: usize, value: u8) -> Result<(), WriteError> {
        if offset >= self.pos {
            return Err(WriteError {
                offset,
                needed: 1,
                available: 0,
            });
        }
        match self.out.get_mut(offset) {
            Some(b) => {
                *b = value;
                Ok(())
            }
            None => Err(WriteError {
                offset,
                needed: 1,
                available: 0,
            }),
        }
    }

    /// One octet.
    ///
    /// # Errors
    /// [`WriteError`] if the buffer is full.
    #[inline]
    pub fn write_u8(&mut self, v: u8) -> Result<(), WriteError> {
        self.write_bytes(&[v])
    }

    /// A little-endian u16.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than 2 octets are left.
    #[inline]
    pub fn write_u16_le(&mut self, v: u16) -> Result<(), WriteError> {
        self.write_bytes(&v.to_le_bytes())
    }

    /// A big-endian u16.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than 2 octets are left.
    #[inline]
    pub fn write_u16_be(&mut self, v: u16) -> Result<(), WriteError> {
        self.write_bytes(&v.to_be_bytes())
    }

    /// The low 24 bits of `v`, little-endian.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than 3 octets are left.
    #[inline]
    pub fn write_u24_le(&mut self, v: u32) -> Result<(), WriteError> {
        let [a, b, c, _] = v.to_le_bytes();
        self.write_bytes(&[a, b, c])
    }

    /// A little-endian u32.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than 4 octets are left.
    #[inline]
    pub fn write_u32_le(&mut self, v: u32) -> Result<(), WriteError> {
        self.write_bytes(&v.to_le_bytes())
    }

    /// A big-endian u32.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than 4 octets are left.
    #[inline]
    pub fn write_u32_be(&mut self, v: u32) -> Result<(), WriteError> {
        self.write_bytes(&v.to_be_bytes())
    }

    /// A little-endian i16.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than 2 octets are left.
    #[inline]
    pub fn write_i16_le(&mut self, v: i16) -> Result<(), WriteError> {
        self.write_bytes(&v.to_le_bytes())
    }

    /// A little-endian i32.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than 4 octets are left.
    #[inline]
    pub fn write_i32_le(&mut self, v: i32) -> Result<(), WriteError> {
        self.write_bytes(&v.to_le_bytes())
    }

    /// A little-endian IEEE 754 single-precision float.
    ///
    /// # Errors
    /// [`WriteError`] if fewer than 4 octets are left.
    #[inline]
    pub fn write_f32_le(&mut self, v: f32) -> Result<(), WriteError> {
        self.write_bytes(&v.to_le_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reads_and_reports_offsets() {
        let data = [1, 2, 3, 4, 5, 6, 7];
        let mut r = Reader::new(&data);
        assert_eq!(r.read_u8(), Ok(1));
        assert_eq!(r.read_u16_le(), Ok(0x0302));
        assert_eq!(r.read_u24_le(), Ok(0x06_0504));
        assert_eq!(r.position(), 6);
        let e = r.read_u32_le().unwrap_err();
        assert_eq!(
            e,
            ReadError {
                offset: 6,
                needed: 4,
                available: 1
            }
        );
        assert_eq!(r.position(), 6, "failed read consumes nothing");
        assert_eq!(r.read_rest(), &[7]);
        assert!(r.is_empty());
        assert!(r.peek_u8().is_err());
        assert!(r.read_bytes(usize::MAX).is_err());
    }

    #[test]
    fn reader_big_endian_and_floats() {
        let data = [0x12, 0x34, 0x00, 0x00, 0x80, 0x3f];
        let mut r = Reader::new(&data);
        assert_eq!(r.read_u16_be(), Ok(0x1234));
        assert_eq!(r.read_f32_le(), Ok(1.0));
    }

    #[test]
    fn writer_checks_room_and_leaves_buffer_untouched() {
        let mut buf = [0xAAu8; 5];
        let mut w = Writer::new(&mut buf);
        w.write_u16_be(0x0102).unwrap();
        w.write_u24_le(0x0005_0403).unwrap();
        assert_eq!(w.written(), &[1, 2, 3, 4, 5]);
        let e = w.write_u8(9).unwrap_err();
        assert_eq!(
            e,
            WriteError {
                offset: 5,
                needed: 1,
                available: 0
            }
        );
        w.patch_u8(0, 0x10).unwrap();
        assert!(w.patch_u8(5, 0).is_err());
        assert!(w.reserve(usize::MAX).is_err());
        assert_eq!(buf, [0x10, 2, 3, 4, 5]);

        let mut small = [0u8; 3];
        let mut w = Writer::new(&mut small);
        assert!(w.write_u32_le(0xFFFF_FFFF).is_err());
        assert_eq!(w.position(), 0);
        assert_eq!(small, [0, 0, 0]);
    }
}
