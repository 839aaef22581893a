//! Two-pass BER encoding: compute lengths bottom-up with the `*_len` functions, then write
//! headers and contents top-down into a [`Writer`]. Always the shortest identifier and the
//! minimal definite length (X.690 8.1.3.2 b, as DER).

use telecontrol_core::{WriteError, Writer};

use super::Tag;

/// Octets of the minimal definite length field for `content_len` (X.690 8.1.3).
#[must_use]
pub const fn length_len(content_len: usize) -> usize {
    if content_len < 0x80 {
        1
    } else {
        let bits = usize::BITS.saturating_sub(content_len.leading_zeros());
        (bits.div_ceil(8) as usize).saturating_add(1)
    }
}

/// Octets of identifier plus length for an element of `content_len` contents octets.
#[must_use]
pub const fn header_len(tag: Tag, content_len: usize) -> usize {
    tag.encoded_len().saturating_add(length_len(content_len))
}

/// Octets of a whole element (identifier, length, contents).
#[must_use]
pub const fn tlv_len(tag: Tag, content_len: usize) -> usize {
    header_len(tag, content_len).saturating_add(content_len)
}

/// Write the shortest identifier of `tag`.
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_tag(w: &mut Writer<'_>, tag: Tag) -> Result<(), WriteError> {
    let form = if tag.constructed { 0x20 } else { 0x00 };
    let lead = tag.class.bits() | form;
    match u8::try_from(tag.number) {
        Ok(n) if n < 31 => w.write_u8(lead | n),
        _ => {
            let groups = tag.encoded_len().saturating_sub(1);
            let out = w.reserve(tag.encoded_len())?;
            let mut it = out.iter_mut();
            if let Some(b) = it.next() {
                *b = lead | 0x1F;
            }
            for (i, b) in it.enumerate() {
                let shift = groups.saturating_sub(1).saturating_sub(i).saturating_mul(7);
                let group = tag
                    .number
                    .checked_shr(u32::try_from(shift).unwrap_or(u32::MAX));
                let more = if i.saturating_add(1) < groups {
                    0x80
                } else {
                    0
                };
                *b = u8::try_from(group.unwrap_or(0) & 0x7F).unwrap_or(0) | more;
            }
            Ok(())
        }
    }
}

/// Write the minimal definite length field for `content_len`.
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_length(w: &mut Writer<'_>, content_len: usize) -> Result<(), WriteError> {
    match u8::try_from(content_len) {
        Ok(n) if n < 0x80 => w.write_u8(n),
        _ => {
            let count = length_len(content_len).saturating_sub(1);
            let bytes = content_len.to_be_bytes();
            let start = bytes.len().saturating_sub(count);
            let tail = bytes.get(start..).unwrap_or(&[]);
            w.write_u8(0x80 | (u8::try_from(count).unwrap_or(0) & 0x7F))?;
            w.write_bytes(tail)
        }
    }
}

/// Write identifier and minimal definite length; the caller writes `content_len` contents
/// octets next.
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_header(w: &mut Writer<'_>, tag: Tag, content_len: usize) -> Result<(), WriteError> {
    write_tag(w, tag)?;
    write_length(w, content_len)
}

/// Write a whole element with the given contents.
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_tlv(w: &mut Writer<'_>, tag: Tag, content: &[u8]) -> Result<(), WriteError> {
    write_header(w, tag, content.len())?;
    w.write_bytes(content)
}

/// Octets of the minimal two's complement contents of `v` (X.690 8.3.2).
#[must_use]
pub const fn i64_content_len(v: i64) -> usize {
    // Redundant leading bits: sign bits beyond the first.
    let redundant = if v < 0 {
        v.leading_ones()
    } else {
        v.leading_zeros()
    };
    let significant = 65u32.saturating_sub(redundant); // value bits plus one sign bit, 1..=64
    significant.div_ceil(8) as usize
}

/// Write the minimal two's complement contents of `v`.
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_i64_content(w: &mut Writer<'_>, v: i64) -> Result<(), WriteError> {
    let bytes = v.to_be_bytes();
    let start = bytes.len().saturating_sub(i64_content_len(v));
    w.write_bytes(bytes.get(start..).unwrap_or(&[]))
}

/// Octets of the contents of a non-negative INTEGER `v`: minimal, with a leading 0x00 when
/// the top bit would otherwise be set (up to 9 octets).
#[must_use]
pub const fn u64_content_len(v: u64) -> usize {
    let significant = 65u32.saturating_sub(v.leading_zeros()); // plus a zero sign bit
    significant.div_ceil(8) as usize
}

/// Write the contents of a non-negative INTEGER `v` (see [`u64_content_len`]).
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_u64_content(w: &mut Writer<'_>, v: u64) -> Result<(), WriteError> {
    let len = u64_content_len(v);
    if len > 8 {
        w.write_u8(0)?;
    }
    let bytes = v.to_be_bytes();
    let start = bytes.len().saturating_sub(len);
    w.write_bytes(bytes.get(start..).unwrap_or(&[]))
}

/// Write the contents of a BOOLEAN: 0xFF for true, 0x00 for false (X.690 11.1).
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_bool_content(w: &mut Writer<'_>, v: bool) -> Result<(), WriteError> {
    w.write_u8(if v { 0xFF } else { 0x00 })
}

/// Octets of a whole INTEGER element `v` under `tag`.
#[must_use]
pub const fn i64_tlv_len(tag: Tag, v: i64) -> usize {
    tlv_len(tag, i64_content_len(v))
}

/// Octets of a whole non-negative INTEGER element `v` under `tag`.
#[must_use]
pub const fn u64_tlv_len(tag: Tag, v: u64) -> usize {
    tlv_len(tag, u64_content_len(v))
}

/// Octets of a whole BOOLEAN element under `tag`.
#[must_use]
pub const fn bool_tlv_len(tag: Tag) -> usize {
    tlv_len(tag, 1)
}

/// Write a whole INTEGER element `v` under `tag`.
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_i64(w: &mut Writer<'_>, tag: Tag, v: i64) -> Result<(), WriteError> {
    write_header(w, tag, i64_content_len(v))?;
    write_i64_content(w, v)
}

/// Write a whole non-negative INTEGER element `v` under `tag`.
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_u64(w: &mut Writer<'_>, tag: Tag, v: u64) -> Result<(), WriteError> {
    write_header(w, tag, u64_content_len(v))?;
    write_u64_content(w, v)
}

/// Write a whole BOOLEAN element under `tag`.
///
/// # Errors
/// [`WriteError`] if the buffer is full.
pub fn write_bool(w: &mut Writer<'_>, tag: Tag, v: bool) -> Result<(), WriteError> {
    write_header(w, tag, 1)?;
    write_bool_content(w, v)
}
