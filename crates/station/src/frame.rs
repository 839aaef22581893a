//! A stored ASDU: up to 255 octets inline, no allocation.

use asdu::{AsduParams, Cause};

/// The largest ASDU any profile allows (an FT1.2 or APDU length octet bounds it).
pub const MAX_ASDU_LEN: usize = 255;

/// One ASDU kept by value in a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    len: u8,
    buf: [u8; MAX_ASDU_LEN],
}

impl Frame {
    /// A copy of `bytes`, if they fit.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let len = u8::try_from(bytes.len()).ok()?;
        let mut buf = [0u8; MAX_ASDU_LEN];
        buf.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(Frame { len, buf })
    }

    /// The stored octets.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Copy into `out`; `None` if `out` is too small.
    pub(crate) fn copy_to(&self, out: &mut [u8]) -> Option<usize> {
        let b = self.as_bytes();
        out.get_mut(..b.len())?.copy_from_slice(b);
        Some(b.len())
    }

    /// The same ASDU with another cause of transmission and P/N (the mirror of 101 §7.2.3):
    /// the T bit, originator address, common address and objects are kept.
    pub(crate) fn mirror(bytes: &[u8], cause: Cause, negative: bool) -> Option<Self> {
        if bytes.len() < 3 {
            return None;
        }
        let mut f = Frame::from_bytes(bytes)?;
        let c = f.buf.get_mut(2)?;
        *c = (*c & 0x80) | if negative { 0x40 } else { 0 } | cause.value();
        Some(f)
    }

    /// The same ASDU with the common address `ca` (used when a broadcast request is answered
    /// per served common address).
    pub(crate) fn with_ca(mut self, params: &AsduParams, ca: u16) -> Self {
        let at = usize::from(params.cot_size()).saturating_add(2);
        let [lo, hi] = ca.to_le_bytes();
        if params.ca_size() == 2 {
            if let Some(b) = self.buf.get_mut(at..at.saturating_add(2)) {
                b.copy_from_slice(&[lo, hi]);
            }
        } else if let Some(b) = self.buf.get_mut(at) {
            *b = lo;
        }
        self
    }

    /// The same ASDU with originator address `oa` (2-octet COT only; otherwise unchanged).
    pub(crate) fn with_originator(mut self, params: &AsduParams, oa: u8) -> Self {
        if params.cot_size() == 2
            && let Some(b) = self.buf.get_mut(3)
        {
            *b = oa;
        }
        self
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mirror_keeps_test_bit_originator_and_objects() {
        let req = [100, 1, 0x86, 9, 0x34, 0x12, 0, 0, 0, 20];
        let f = Frame::mirror(&req, Cause::UNKNOWN_CA, true).unwrap();
        assert_eq!(
            f.as_bytes(),
            [100, 1, 0xC0 | 46, 9, 0x34, 0x12, 0, 0, 0, 20]
        );
        let p = AsduParams::IEC104;
        let g = f.with_ca(&p, 7).with_originator(&p, 0);
        assert_eq!(g.as_bytes(), [100, 1, 0xC0 | 46, 0, 7, 0, 0, 0, 0, 20]);
        let c = AsduParams::IEC101_COMPACT;
        let h = Frame::from_bytes(&[100, 1, 7, 0xFF, 0, 0, 20]).unwrap();
        assert_eq!(
            h.with_ca(&c, 3).with_originator(&c, 5).as_bytes(),
            [100, 1, 7, 3, 0, 0, 20]
        );
        assert!(Frame::from_bytes(&[0u8; 256]).is_none());
        assert!(Frame::mirror(&[1, 2], Cause::UNKNOWN_TYPE, true).is_none());
        let mut small = [0u8; 3];
        assert_eq!(f.copy_to(&mut small), None);
    }
}
