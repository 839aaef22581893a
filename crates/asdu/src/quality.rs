//! Process information elements of the monitor direction and their quality descriptors
//! (101 §7.2.6.1–7.2.6.15).

use core::fmt;

use crate::wire::{bit, byte_element, with_bit};

/// The quality flags any quality descriptor may carry, with the QDS/QDP bit positions:
/// OV (bit 1), EI (bit 4), BL, SB, NT, IV (bits 5–8) (101 §7.2.6.3–4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Quality(u8);

impl Quality {
    /// No flag set: valid, topical, not blocked, not substituted.
    pub const GOOD: Quality = Quality(0);
    const OV: u8 = 0;
    const EI: u8 = 3;
    const BL: u8 = 4;
    const SB: u8 = 5;
    const NT: u8 = 6;
    const IV: u8 = 7;
    const ALL: u8 = 0xF9;

    /// The flags in QDS/QDP bit positions; other bits are ignored.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        Quality(bits & Self::ALL)
    }

    /// The flags in QDS/QDP bit positions.
    #[must_use]
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// OV: overflow (QDS only).
    #[must_use]
    pub const fn overflow(self) -> bool {
        bit(self.0, Self::OV)
    }
    /// EI: elapsed time invalid (QDP and SEP only).
    #[must_use]
    pub const fn elapsed_time_invalid(self) -> bool {
        bit(self.0, Self::EI)
    }
    /// BL: blocked.
    #[must_use]
    pub const fn blocked(self) -> bool {
        bit(self.0, Self::BL)
    }
    /// SB: substituted.
    #[must_use]
    pub const fn substituted(self) -> bool {
        bit(self.0, Self::SB)
    }
    /// NT: not topical.
    #[must_use]
    pub const fn not_topical(self) -> bool {
        bit(self.0, Self::NT)
    }
    /// IV: invalid.
    #[must_use]
    pub const fn invalid(self) -> bool {
        bit(self.0, Self::IV)
    }
    /// True when no flag is set.
    #[must_use]
    pub const fn is_good(self) -> bool {
        self.0 == 0
    }

    /// With OV set or cleared.
    #[must_use]
    pub const fn with_overflow(self, on: bool) -> Self {
        Quality(with_bit(self.0, Self::OV, on))
    }
    /// With EI set or cleared.
    #[must_use]
    pub const fn with_elapsed_time_invalid(self, on: bool) -> Self {
        Quality(with_bit(self.0, Self::EI, on))
    }
    /// With BL set or cleared.
    #[must_use]
    pub const fn with_blocked(self, on: bool) -> Self {
        Quality(with_bit(self.0, Self::BL, on))
    }
    /// With SB set or cleared.
    #[must_use]
    pub const fn with_substituted(self, on: bool) -> Self {
        Quality(with_bit(self.0, Self::SB, on))
    }
    /// With NT set or cleared.
    #[must_use]
    pub const fn with_not_topical(self, on: bool) -> Self {
        Quality(with_bit(self.0, Self::NT, on))
    }
    /// With IV set or cleared.
    #[must_use]
    pub const fn with_invalid(self, on: bool) -> Self {
        Quality(with_bit(self.0, Self::IV, on))
    }
}

impl fmt::Display for Quality {
    /// The flags set, space separated (`"BL IV"`), or `"good"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_good() {
            return f.write_str("good");
        }
        let mut first = true;
        for (n, name) in [
            (0, "OV"),
            (3, "EI"),
            (4, "BL"),
            (5, "SB"),
            (6, "NT"),
            (7, "IV"),
        ] {
            if bit(self.0, n) {
                if !first {
                    f.write_str(" ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// A double-point state (DPI of DIQ, ES of SEP, DCS of DCO): 2 bits (101 §7.2.6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dpi {
    /// 0: indeterminate or intermediate state (for DCS: not permitted).
    Intermediate,
    /// 1: determined state OFF.
    Off,
    /// 2: determined state ON.
    On,
    /// 3: indeterminate state (for DCS: not permitted).
    Indeterminate,
}

impl Dpi {
    /// From the low two bits of `bits`.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => Dpi::Intermediate,
            1 => Dpi::Off,
            2 => Dpi::On,
            _ => Dpi::Indeterminate,
        }
    }

    /// The two-bit wire value.
    #[must_use]
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Dpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dpi::Intermediate => "intermediate",
            Dpi::Off => "off",
            Dpi::On => "on",
            Dpi::Indeterminate => "indeterminate",
        })
    }
}

/// SIQ, single-point information with quality descriptor (101 §7.2.6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Siq(u8);

impl Siq {
    /// SPI `on` with the BL/SB/NT/IV flags of `q`.
    #[must_use]
    pub const fn new(on: bool, q: Quality) -> Self {
        Siq((q.0 & 0xF0) | on as u8)
    }
    /// SPI: the state (true = ON).
    #[must_use]
    pub const fn spi(self) -> bool {
        bit(self.0, 0)
    }
    /// The quality flags (BL, SB, NT, IV).
    #[must_use]
    pub const fn quality(self) -> Quality {
        Quality(self.0 & 0xF0)
    }
}

/// DIQ, double-point information with quality descriptor (101 §7.2.6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Diq(u8);

impl Diq {
    /// DPI `state` with the BL/SB/NT/IV flags of `q`.
    #[must_use]
    pub const fn new(state: Dpi, q: Quality) -> Self {
        Diq((q.0 & 0xF0) | state.bits())
    }
    /// DPI: the state.
    #[must_use]
    pub const fn dpi(self) -> Dpi {
        Dpi::from_bits(self.0)
    }
    /// The quality flags (BL, SB, NT, IV).
    #[must_use]
    pub const fn quality(self) -> Quality {
        Quality(self.0 & 0xF0)
    }
}

/// QDS, quality descriptor of measured values (101 §7.2.6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qds(u8);

impl Qds {
    /// The OV/BL/SB/NT/IV flags of `q`.
    #[must_use]
    pub const fn new(q: Quality) -> Self {
        Qds(q.0 & 0xF1)
    }
    /// The quality flags (OV, BL, SB, NT, IV).
    #[must_use]
    pub const fn quality(self) -> Quality {
        Quality(self.0 & 0xF1)
    }
}

/// QDP, quality descriptor for events of protection equipment (101 §7.2.6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qdp(u8);

impl Qdp {
    /// The EI/BL/SB/NT/IV flags of `q`.
    #[must_use]
    pub const fn new(q: Quality) -> Self {
        Qdp(q.0 & 0xF8)
    }
    /// The quality flags (EI, BL, SB, NT, IV).
    #[must_use]
    pub const fn quality(self) -> Quality {
        Quality(self.0 & 0xF8)
    }
}

/// VTI, value with transient state indication: a step position −64…63 (101 §7.2.6.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Vti(u8);

impl Vti {
    /// Position `value` (−64…63), `transient` if the equipment is moving; `None` out of range.
    #[must_use]
    pub const fn new(value: i8, transient: bool) -> Option<Self> {
        if value < -64 || value > 63 {
            return None;
        }
        Some(Vti(
            (value.cast_unsigned() & 0x7F) | ((transient as u8) << 7)
        ))
    }
    /// The position, −64…63.
    #[must_use]
    pub const fn value(self) -> i8 {
        // Sign-extend the 7-bit two's complement value.
        (self.0 << 1).cast_signed() >> 1
    }
    /// T: equipment in transient state.
    #[must_use]
    pub const fn transient(self) -> bool {
        bit(self.0, 7)
    }
}

/// SEP, single event of protection equipment (101 §7.2.6.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Sep(u8);

impl Sep {
    /// Event state `es` with the EI/BL/SB/NT/IV flags of `q`.
    #[must_use]
    pub const fn new(es: Dpi, q: Quality) -> Self {
        Sep((q.0 & 0xF8) | es.bits())
    }
    /// ES: the event state.
    #[must_use]
    pub const fn event_state(self) -> Dpi {
        Dpi::from_bits(self.0)
    }
    /// The quality flags (EI, BL, SB, NT, IV).
    #[must_use]
    pub const fn quality(self) -> Quality {
        Quality(self.0 & 0xF8)
    }
}

/// SPE, start events of protection equipment (101 §7.2.6.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Spe(u8);

impl Spe {
    /// GS: general start of operation.
    #[must_use]
    pub const fn general_start(self) -> bool {
        bit(self.0, 0)
    }
    /// SL1: start of operation phase L1.
    #[must_use]
    pub const fn start_l1(self) -> bool {
        bit(self.0, 1)
    }
    /// SL2: start of operation phase L2.
    #[must_use]
    pub const fn start_l2(self) -> bool {
        bit(self.0, 2)
    }
    /// SL3: start of operation phase L3.
    #[must_use]
    pub const fn start_l3(self) -> bool {
        bit(self.0, 3)
    }
    /// SIE: start of operation IE (earth current).
    #[must_use]
    pub const fn start_earth(self) -> bool {
        bit(self.0, 4)
    }
    /// SRD: start of operation in reverse direction.
    #[must_use]
    pub const fn start_reverse(self) -> bool {
        bit(self.0, 5)
    }
}

/// OCI, output circuit information of protection equipment (101 §7.2.6.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Oci(u8);

impl Oci {
    /// GC: general command to output circuit.
    #[must_use]
    pub const fn general(self) -> bool {
        bit(self.0, 0)
    }
    /// CL1: command to output circuit phase L1.
    #[must_use]
    pub const fn l1(self) -> bool {
        bit(self.0, 1)
    }
    /// CL2: command to output circuit phase L2.
    #[must_use]
    pub const fn l2(self) -> bool {
        bit(self.0, 2)
    }
    /// CL3: command to output circuit phase L3.
    #[must_use]
    pub const fn l3(self) -> bool {
        bit(self.0, 3)
    }
}

byte_element!(Siq, Diq, Qds, Qdp, Vti, Sep, Spe, Oci);

impl fmt::Display for Siq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({})",
            if self.spi() { "on" } else { "off" },
            self.quality()
        )
    }
}
impl fmt::Display for Diq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.dpi(), self.quality())
    }
}
impl fmt::Display for Qds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", self.quality())
    }
}
impl fmt::Display for Qdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", self.quality())
    }
}
impl fmt::Display for Vti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            self.value(),
            if self.transient() { " transient" } else { "" }
        )
    }
}
impl fmt::Display for Sep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.event_state(), self.quality())
    }
}
impl fmt::Display for Spe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SPE={:#04x}", self.0)
    }
}
impl fmt::Display for Oci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OCI={:#04x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn bit_layouts() {
        let q = Quality::GOOD
            .with_invalid(true)
            .with_blocked(true)
            .with_overflow(true);
        assert_eq!(Siq::new(true, q).to_u8(), 0x91, "OV is not part of SIQ");
        assert_eq!(Diq::new(Dpi::On, q).to_u8(), 0x92);
        assert_eq!(Qds::new(q).to_u8(), 0x91);
        assert_eq!(Qdp::new(q.with_elapsed_time_invalid(true)).to_u8(), 0x98);
        assert_eq!(
            Sep::new(Dpi::Off, Quality::GOOD.with_not_topical(true)).to_u8(),
            0x41
        );
        assert_eq!(q.to_string(), "OV BL IV");
        assert_eq!(Quality::GOOD.to_string(), "good");
        assert_eq!(
            Siq::from_u8(0x0E).quality(),
            Quality::GOOD,
            "reserved bits are not quality"
        );
    }

    #[test]
    fn vti_sign_extends() {
        for v in -64..=63 {
            let t = Vti::new(v, v < 0).unwrap();
            assert_eq!((t.value(), t.transient()), (v, v < 0));
        }
        assert_eq!(Vti::new(-1, false).unwrap().to_u8(), 0x7F);
        assert_eq!(Vti::new(-64, true).unwrap().to_u8(), 0xC0);
        assert!(Vti::new(64, false).is_none() && Vti::new(-65, false).is_none());
    }
}
