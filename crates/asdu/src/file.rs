//! File transfer elements (101 §7.2.6.33–7.2.6.38, §7.3.6).

use core::fmt;

use crate::wire::{
    Bad, Short, Wire, bit, byte_element, encode_via_wire, put, put_slice, take, take_slice,
};

/// NOF, name of file (101 §7.2.6.33): 0 = default, else a file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Nof(pub u16);

/// NOS, name of section (101 §7.2.6.34): 0 = default, else a section name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Nos(pub u8);

/// LOF, length of file in octets: 3 octets, 0–16 777 215 (101 §7.2.6.35).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Lof(u32);

/// LOS, length of section in octets (F_SR_NA_1): 3 octets, 0–16 777 215 (101 §7.2.6.36).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Los(u32);

macro_rules! u24_element {
    ($($t:ident),*) => {$(
        impl $t {
            /// `v` if it fits 24 bits.
            #[must_use]
            pub const fn new(v: u32) -> Option<Self> {
                if v <= 0xFF_FFFF { Some($t(v)) } else { None }
            }
            /// The length in octets.
            #[must_use]
            pub const fn value(self) -> u32 {
                self.0
            }
        }
        impl Wire<'_> for $t {
            #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
                Ok($t({ let [x, y, z] = take(b)?; u32::from_le_bytes([x, y, z, 0]) }))
            }
            fn wire_len(&self) -> usize {
                3
            }
            #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
                {
                    let [a, b, c, _] = self.0.to_le_bytes();
                    put(out, [a, b, c])
                }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}
u24_element!(Lof, Los);

/// FRQ, file ready qualifier (101 §7.2.6.28): a value 0–127 and BS1 (true = negative
/// confirm of select, request, deactivate or delete).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Frq(u8);

/// SRQ, section ready qualifier (101 §7.2.6.29): a value 0–127 and BS1 (true = section not
/// ready to load).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Srq(u8);

macro_rules! ui7_bs1 {
    ($($t:ident, $flag:ident, $doc:literal;)*) => {$(
        impl $t {
            /// `value` (0 default, 1–63 reserved, 64–127 private) and the flag; `None` if
            /// `value` > 127.
            #[must_use]
            pub const fn new(value: u8, $flag: bool) -> Option<Self> {
                if value > 127 {
                    return None;
                }
                Some($t(value | (($flag as u8) << 7)))
            }
            /// The 7-bit value.
            #[must_use]
            pub const fn value(self) -> u8 {
                self.0 & 0x7F
            }
            #[doc = $doc]
            #[must_use]
            pub const fn $flag(self) -> bool {
                bit(self.0, 7)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", self.value(), if self.$flag() { " negative" } else { "" })
            }
        }
    )*};
}
ui7_bs1! {
    Frq, negative, "BS1: negative confirm.";
    Srq, not_ready, "BS1: section not ready to load.";
}

/// SCQ, select and call qualifier (101 §7.2.6.30): the request (low 4 bits) and an error
/// cause (high 4 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Scq(u8);

impl Scq {
    /// Request 1: select file.
    pub const SELECT_FILE: u8 = 1;
    /// Request 2: request file.
    pub const REQUEST_FILE: u8 = 2;
    /// Request 3: deactivate file.
    pub const DEACTIVATE_FILE: u8 = 3;
    /// Request 4: delete file.
    pub const DELETE_FILE: u8 = 4;
    /// Request 5: select section.
    pub const SELECT_SECTION: u8 = 5;
    /// Request 6: request section.
    pub const REQUEST_SECTION: u8 = 6;
    /// Request 7: deactivate section.
    pub const DEACTIVATE_SECTION: u8 = 7;
}

/// AFQ, acknowledge file or section qualifier (101 §7.2.6.32): the acknowledgement (low 4
/// bits) and an error cause (high 4 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Afq(u8);

impl Afq {
    /// Acknowledgement 1: positive acknowledge of file transfer.
    pub const FILE_OK: u8 = 1;
    /// Acknowledgement 2: negative acknowledge of file transfer.
    pub const FILE_NEGATIVE: u8 = 2;
    /// Acknowledgement 3: positive acknowledge of section transfer.
    pub const SECTION_OK: u8 = 3;
    /// Acknowledgement 4: negative acknowledge of section transfer.
    pub const SECTION_NEGATIVE: u8 = 4;
}

macro_rules! two_nibbles {
    ($($t:ident, $low:ident;)*) => {$(
        impl $t {
            /// From the low nibble and the error cause (0 default, 1 no memory, 2 checksum
            /// failed, 3 unexpected communication service, 4 unexpected name of file,
            /// 5 unexpected name of section, 6–10 reserved, 11–15 private); `None` if either
            /// exceeds 15.
            #[must_use]
            pub const fn new($low: u8, error: u8) -> Option<Self> {
                if $low > 15 || error > 15 {
                    return None;
                }
                Some($t($low | (error << 4)))
            }
            /// The low nibble.
            #[must_use]
            pub const fn $low(self) -> u8 {
                self.0 & 0x0F
            }
            /// The error cause (high nibble), 0 = none.
            #[must_use]
            pub const fn error(self) -> u8 {
                self.0 >> 4
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} error={}", self.$low(), self.error())
            }
        }
    )*};
}
two_nibbles! {
    Scq, request;
    Afq, ack;
}

/// LSQ, last section or segment qualifier (101 §7.2.6.31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Lsq(u8);

impl Lsq {
    /// 1: file transfer without deactivation.
    pub const FILE: Lsq = Lsq(1);
    /// 2: file transfer with deactivation.
    pub const FILE_DEACTIVATED: Lsq = Lsq(2);
    /// 3: section transfer without deactivation.
    pub const SECTION: Lsq = Lsq(3);
    /// 4: section transfer with deactivation.
    pub const SECTION_DEACTIVATED: Lsq = Lsq(4);
}

/// CHS, checksum: the sum modulo 256 of the octets of a section or file (101 §7.2.6.37).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Chs(pub u8);

impl Chs {
    /// The checksum of `data`.
    #[must_use]
    pub fn of(data: &[u8]) -> Self {
        Chs(data.iter().fold(0u8, |a, b| a.wrapping_add(*b)))
    }

    /// The checksum continued over `data` (for a section sent in segments).
    #[must_use]
    pub fn update(self, data: &[u8]) -> Self {
        Chs(data.iter().fold(self.0, |a, b| a.wrapping_add(*b)))
    }
}

/// SOF, status of file (101 §7.2.6.38): STATUS 0–31, LFD, FOR, FA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Sof(u8);

impl Sof {
    /// `status` (0–31), last file of directory `lfd`, `subdirectory` (FOR), file active `fa`;
    /// `None` if `status` > 31.
    #[must_use]
    pub const fn new(status: u8, lfd: bool, subdirectory: bool, fa: bool) -> Option<Self> {
        if status > 31 {
            return None;
        }
        Some(Sof(status
            | ((lfd as u8) << 5)
            | ((subdirectory as u8) << 6)
            | ((fa as u8) << 7)))
    }
    /// STATUS, 0–31.
    #[must_use]
    pub const fn status(self) -> u8 {
        self.0 & 0x1F
    }
    /// LFD: last file of the directory.
    #[must_use]
    pub const fn last_file(self) -> bool {
        bit(self.0, 5)
    }
    /// FOR: the name defines a subdirectory.
    #[must_use]
    pub const fn subdirectory(self) -> bool {
        bit(self.0, 6)
    }
    /// FA: file transfer active.
    #[must_use]
    pub const fn active(self) -> bool {
        bit(self.0, 7)
    }
}

/// A segment of F_SG_NA_1: its one-octet length (LOS) and the octets (101 §7.3.6.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Segment<'a>(&'a [u8]);

impl<'a> Segment<'a> {
    /// `data` if it is at most 255 octets (the ASDU length limits it further).
    #[must_use]
    pub const fn new(data: &'a [u8]) -> Option<Self> {
        if data.len() <= 255 {
            Some(Segment(data))
        } else {
            None
        }
    }
    /// The segment's octets.
    #[must_use]
    pub const fn data(self) -> &'a [u8] {
        self.0
    }
}

impl<'a> Wire<'a> for Segment<'a> {
    #[inline]
    fn read(b: &mut &'a [u8]) -> Result<Self, Bad> {
        let [los] = take(b)?;
        Ok(Segment(take_slice(b, usize::from(los))?))
    }
    fn wire_len(&self) -> usize {
        self.0.len().saturating_add(1)
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        // Segment::new and read both bound the length to 255.
        let los = u8::try_from(self.0.len()).unwrap_or(u8::MAX);
        put(out, [los])?;
        put_slice(out, self.0)
    }
}

impl Wire<'_> for Nof {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        Ok(Nof(u16::from_le_bytes(take(b)?)))
    }
    fn wire_len(&self) -> usize {
        2
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0.to_le_bytes())
    }
}

impl Wire<'_> for Nos {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        let [v] = take(b)?;
        Ok(Nos(v))
    }
    fn wire_len(&self) -> usize {
        1
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, [self.0])
    }
}

impl Wire<'_> for Chs {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        let [v] = take(b)?;
        Ok(Chs(v))
    }
    fn wire_len(&self) -> usize {
        1
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, [self.0])
    }
}

byte_element!(Frq, Srq, Scq, Afq, Lsq, Sof);
encode_via_wire!(Nof, Nos, Chs, Lof, Los, Segment<'_>);

impl fmt::Display for Nof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl fmt::Display for Nos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl fmt::Display for Chs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#04x}", self.0)
    }
}
impl fmt::Display for Lsq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl fmt::Display for Sof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "status={}", self.status())?;
        for (on, name) in [
            (self.last_file(), " LFD"),
            (self.subdirectory(), " FOR"),
            (self.active(), " FA"),
        ] {
            if on {
                f.write_str(name)?;
            }
        }
        Ok(())
    }
}
impl fmt::Display for Segment<'_> {
    /// The length and the octets in hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} octets", self.0.len())?;
        for b in self.0 {
            write!(f, " {b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_elements() {
        assert_eq!(Chs::of(&[0xFF, 0x02, 0x10]).0, 0x11);
        assert_eq!(Chs::of(&[0xFF]).update(&[0x02, 0x10]), Chs(0x11));
        let s = Scq::new(Scq::REQUEST_SECTION, 2).unwrap();
        assert_eq!((s.to_u8(), s.request(), s.error()), (0x26, 6, 2));
        assert!(Scq::new(16, 0).is_none() && Afq::new(0, 16).is_none());
        assert_eq!(Afq::new(Afq::SECTION_OK, 0).unwrap().ack(), 3);
        let f = Frq::new(0, true).unwrap();
        assert_eq!((f.to_u8(), f.negative()), (0x80, true));
        assert!(Srq::from_u8(0x80).not_ready());
        let o = Sof::new(3, true, false, true).unwrap();
        assert_eq!(o.to_u8(), 0xA3);
        assert_eq!(
            (o.status(), o.last_file(), o.subdirectory(), o.active()),
            (3, true, false, true)
        );
        assert!(Lof::new(0x100_0000).is_none());
        assert!(Segment::new(&[0; 256]).is_none());
        let mut buf = [0u8; 4];
        let mut out = &mut buf[..];
        Segment::new(&[7, 8]).unwrap().put(&mut out).unwrap();
        assert_eq!(buf, [2, 7, 8, 0]);
    }
}
