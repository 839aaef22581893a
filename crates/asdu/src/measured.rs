//! Values of the monitor and control directions: NVA, SVA, BSI, SCD and BCR
//! (101 §7.2.6.6–7.2.6.9, §7.2.6.13, §7.2.6.40).

use core::fmt;

use crate::wire::{Bad, Short, Wire, bit, encode_via_wire, put, take, with_bit};

/// NVA, normalized value: `i16 / 32768`, −1 … 1 − 2⁻¹⁵ (101 §7.2.6.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Nva(pub i16);

impl Nva {
    /// The value as a fraction, −1.0 … 0.99997.
    #[must_use]
    pub fn to_f32(self) -> f32 {
        f32::from(self.0) / 32768.0
    }
    /// The nearest normalized value to `v`, saturating outside −1 … 1 − 2⁻¹⁵ (NaN gives 0).
    #[must_use]
    pub fn from_f32(v: f32) -> Self {
        let x = v * 32768.0;
        let rounded = if x >= 0.0 { x + 0.5 } else { x - 0.5 };
        // `as` from float truncates toward zero (after the ±0.5 this rounds half away from
        // zero), saturates, and maps NaN to 0: exactly the documented behaviour.
        #[allow(clippy::cast_possible_truncation)]
        Nva(rounded as i16)
    }
}

/// SVA, scaled value: a 16-bit signed integer (101 §7.2.6.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Sva(pub i16);

/// BSI, binary state information: a bitstring of 32 bits (101 §7.2.6.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Bsi(pub u32);

impl Bsi {
    /// Bit `n` (0 = least significant of the first octet); false for `n` ≥ 32.
    #[must_use]
    pub const fn bit(self, n: u32) -> bool {
        match self.0.checked_shr(n) {
            Some(v) => v & 1 == 1,
            None => false,
        }
    }
}

/// SCD, status and status change detection: 16 states and 16 change flags (101 §7.2.6.40).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Scd(u32);

impl Scd {
    /// The 16 status bits ST and the 16 change detection bits CD.
    #[must_use]
    pub const fn new(status: u16, changed: u16) -> Self {
        Scd((status as u32) | ((changed as u32) << 16))
    }
    /// ST: status bits (bit n = point n ON).
    #[must_use]
    pub const fn status(self) -> u16 {
        (self.0 & 0xFFFF) as u16
    }
    /// CD: change detection bits (bit n = point n changed since last report).
    #[must_use]
    pub const fn changed(self) -> u16 {
        (self.0 >> 16) as u16
    }
}

/// BCR, binary counter reading: counter, sequence number, carry, adjusted, invalid
/// (101 §7.2.6.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Bcr {
    counter: i32,
    flags: u8,
}

impl Bcr {
    /// Counter reading `counter` with sequence number `seq` (0–31); `None` if `seq` > 31.
    #[must_use]
    pub const fn new(counter: i32, seq: u8) -> Option<Self> {
        if seq > 31 {
            return None;
        }
        Some(Bcr {
            counter,
            flags: seq,
        })
    }
    /// With CY (carry: counter overflow in the period) set or cleared.
    #[must_use]
    pub const fn with_carry(self, on: bool) -> Self {
        Bcr {
            counter: self.counter,
            flags: with_bit(self.flags, 5, on),
        }
    }
    /// With CA (counter was adjusted) set or cleared.
    #[must_use]
    pub const fn with_adjusted(self, on: bool) -> Self {
        Bcr {
            counter: self.counter,
            flags: with_bit(self.flags, 6, on),
        }
    }
    /// With IV (invalid) set or cleared.
    #[must_use]
    pub const fn with_invalid(self, on: bool) -> Self {
        Bcr {
            counter: self.counter,
            flags: with_bit(self.flags, 7, on),
        }
    }
    /// The counter reading.
    #[must_use]
    pub const fn counter(self) -> i32 {
        self.counter
    }
    /// SQ: sequence number, 0–31.
    #[must_use]
    pub const fn sequence(self) -> u8 {
        self.flags & 0x1F
    }
    /// CY: carry.
    #[must_use]
    pub const fn carry(self) -> bool {
        bit(self.flags, 5)
    }
    /// CA: counter adjusted.
    #[must_use]
    pub const fn adjusted(self) -> bool {
        bit(self.flags, 6)
    }
    /// IV: invalid.
    #[must_use]
    pub const fn invalid(self) -> bool {
        bit(self.flags, 7)
    }
}

impl Wire<'_> for Nva {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        Ok(Nva(i16::from_le_bytes(take(b)?)))
    }
    fn wire_len(&self) -> usize {
        2
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0.to_le_bytes())
    }
}

impl Wire<'_> for Sva {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        Ok(Sva(i16::from_le_bytes(take(b)?)))
    }
    fn wire_len(&self) -> usize {
        2
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0.to_le_bytes())
    }
}

impl Wire<'_> for Bsi {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        Ok(Bsi(u32::from_le_bytes(take(b)?)))
    }
    fn wire_len(&self) -> usize {
        4
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0.to_le_bytes())
    }
}

impl Wire<'_> for Scd {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        Ok(Scd(u32::from_le_bytes(take(b)?)))
    }
    fn wire_len(&self) -> usize {
        4
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0.to_le_bytes())
    }
}

impl Wire<'_> for Bcr {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        let counter = i32::from_le_bytes(take(b)?);
        let [flags] = take(b)?;
        Ok(Bcr { counter, flags })
    }
    fn wire_len(&self) -> usize {
        5
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.counter.to_le_bytes())?;
        put(out, [self.flags])
    }
}

encode_via_wire!(Nva, Sva, Bsi, Scd, Bcr);

impl fmt::Display for Nva {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_f32())
    }
}
impl fmt::Display for Sva {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl fmt::Display for Bsi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}
impl fmt::Display for Scd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ST={:#06x} CD={:#06x}", self.status(), self.changed())
    }
}
impl fmt::Display for Bcr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} seq={}", self.counter, self.sequence())?;
        for (on, name) in [
            (self.carry(), " CY"),
            (self.adjusted(), " CA"),
            (self.invalid(), " IV"),
        ] {
            if on {
                f.write_str(name)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nva_and_bcr_and_scd() {
        assert_eq!(Nva::from_f32(0.5), Nva(16384));
        assert_eq!(Nva::from_f32(2.0), Nva(i16::MAX));
        assert_eq!(Nva::from_f32(-1.0), Nva(i16::MIN));
        assert_eq!(Nva(-16384).to_f32(), -0.5);
        let b = Bcr::new(-5, 31)
            .unwrap()
            .with_carry(true)
            .with_invalid(true);
        assert_eq!(
            (
                b.counter(),
                b.sequence(),
                b.carry(),
                b.adjusted(),
                b.invalid()
            ),
            (-5, 31, true, false, true)
        );
        assert!(Bcr::new(0, 32).is_none());
        let s = Scd::new(0x1234, 0x8001);
        assert_eq!((s.status(), s.changed()), (0x1234, 0x8001));
        assert!(Bsi(0x8000_0001).bit(31) && Bsi(1).bit(0) && !Bsi(1).bit(40));
    }
}
