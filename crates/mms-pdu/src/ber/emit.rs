//! Crate-internal single-description encoding: a PDU describes its encoding once against a
//! [`Sink`], which either counts octets or writes them, so `encoded_len` and `write_to`
//! cannot disagree. Nested lengths are counted before each header.

use telecontrol_core::{EncodeError, Writer};

use super::{BitString, Oid, Tag, i64_content_len, write_header, write_i64_content};

/// Counts or writes.
pub(crate) enum Sink<'s, 'w> {
    /// Count octets.
    Count(usize),
    /// Write octets.
    Write(&'s mut Writer<'w>),
}

/// Octets `f` emits.
pub(crate) fn count(
    f: impl Fn(&mut Sink<'_, '_>) -> Result<(), EncodeError>,
) -> Result<usize, EncodeError> {
    let mut s = Sink::Count(0);
    f(&mut s)?;
    Ok(match s {
        Sink::Count(n) => n,
        Sink::Write(_) => 0,
    })
}

impl Sink<'_, '_> {
    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<(), EncodeError> {
        match self {
            Sink::Count(n) => *n = n.saturating_add(b.len()),
            Sink::Write(w) => w.write_bytes(b)?,
        }
        Ok(())
    }

    fn header(&mut self, tag: Tag, len: usize) -> Result<(), EncodeError> {
        match self {
            Sink::Count(n) => *n = n.saturating_add(super::header_len(tag, len)),
            Sink::Write(w) => write_header(w, tag, len)?,
        }
        Ok(())
    }

    /// A constructed (or any) element whose contents `f` emits.
    pub(crate) fn tlv(
        &mut self,
        tag: Tag,
        f: impl Fn(&mut Sink<'_, '_>) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        let len = count(&f)?;
        self.header(tag, len)?;
        f(self)
    }

    /// A primitive element with the given contents.
    pub(crate) fn prim(&mut self, tag: Tag, content: &[u8]) -> Result<(), EncodeError> {
        self.header(tag, content.len())?;
        self.bytes(content)
    }

    /// An INTEGER (minimal two's complement).
    pub(crate) fn int(&mut self, tag: Tag, v: i64) -> Result<(), EncodeError> {
        self.header(tag, i64_content_len(v))?;
        match self {
            Sink::Count(n) => *n = n.saturating_add(i64_content_len(v)),
            Sink::Write(w) => write_i64_content(w, v)?,
        }
        Ok(())
    }

    /// An OBJECT IDENTIFIER.
    pub(crate) fn oid(&mut self, tag: Tag, oid: Oid<'_>) -> Result<(), EncodeError> {
        self.prim(tag, oid.as_bytes())
    }

    /// A primitive BIT STRING.
    pub(crate) fn bits(&mut self, tag: Tag, b: BitString<'_>) -> Result<(), EncodeError> {
        self.header(tag, b.content_len())?;
        self.bytes(&[b.unused_bits()])?;
        self.bytes(b.bytes())
    }
}
