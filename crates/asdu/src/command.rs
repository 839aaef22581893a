//! Command, qualifier and system elements (101 §7.2.6.16–7.2.6.39).

use core::fmt;

use crate::quality::Dpi;
use crate::wire::{Bad, Short, Wire, bit, byte_element, encode_via_wire, put, take};

/// QU, qualifier of command, 0–31 (101 §7.2.6.26).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qu(u8);

impl Qu {
    /// 0: no additional definition.
    pub const NONE: Qu = Qu(0);
    /// 1: short pulse duration.
    pub const SHORT_PULSE: Qu = Qu(1);
    /// 2: long pulse duration.
    pub const LONG_PULSE: Qu = Qu(2);
    /// 3: persistent output.
    pub const PERSISTENT: Qu = Qu(3);

    /// `v` if it is at most 31 (4–8 reserved, 9–15 other predefined functions, 16–31 private).
    #[must_use]
    pub const fn new(v: u8) -> Option<Self> {
        if v <= 31 { Some(Qu(v)) } else { None }
    }
    /// The value, 0–31.
    #[must_use]
    pub const fn value(self) -> u8 {
        self.0
    }
}

/// The select (true) / execute (false) bit S/E of commands and set-points.
const SE: u8 = 7;

const fn command_octet(state: u8, qu: Qu, select: bool) -> u8 {
    (state & 3) | (qu.0 << 2) | ((select as u8) << SE)
}

/// SCO, single command (101 §7.2.6.15): SCS, QU, S/E.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Sco(u8);

impl Sco {
    /// Command state `on`, qualifier `qu`, `select` (true) or execute.
    #[must_use]
    pub const fn new(on: bool, qu: Qu, select: bool) -> Self {
        Sco(command_octet(on as u8, qu, select))
    }
    /// SCS: true = ON.
    #[must_use]
    pub const fn state(self) -> bool {
        bit(self.0, 0)
    }
    /// QU.
    #[must_use]
    pub const fn qu(self) -> Qu {
        Qu((self.0 >> 2) & 0x1F)
    }
    /// S/E: true = select, false = execute.
    #[must_use]
    pub const fn select(self) -> bool {
        bit(self.0, SE)
    }
}

/// DCO, double command (101 §7.2.6.16): DCS (1 = OFF, 2 = ON; 0 and 3 not permitted), QU,
/// S/E. Not-permitted states decode (a station answers them negatively) and are reported as
/// [`Dpi::Intermediate`] / [`Dpi::Indeterminate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Dco(u8);

impl Dco {
    /// Command state `state`, qualifier `qu`, `select` (true) or execute.
    #[must_use]
    pub const fn new(state: Dpi, qu: Qu, select: bool) -> Self {
        Dco(command_octet(state.bits(), qu, select))
    }
    /// DCS.
    #[must_use]
    pub const fn state(self) -> Dpi {
        Dpi::from_bits(self.0)
    }
    /// QU.
    #[must_use]
    pub const fn qu(self) -> Qu {
        Qu((self.0 >> 2) & 0x1F)
    }
    /// S/E: true = select.
    #[must_use]
    pub const fn select(self) -> bool {
        bit(self.0, SE)
    }
}

/// RCS, regulating step state (101 §7.2.6.17).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rcs {
    /// 0: not permitted.
    NotPermitted0,
    /// 1: next step lower.
    Lower,
    /// 2: next step higher.
    Higher,
    /// 3: not permitted.
    NotPermitted3,
}

/// RCO, regulating step command (101 §7.2.6.17): RCS, QU, S/E.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Rco(u8);

impl Rco {
    /// Step `state`, qualifier `qu`, `select` (true) or execute.
    #[must_use]
    pub const fn new(state: Rcs, qu: Qu, select: bool) -> Self {
        Rco(command_octet(state as u8, qu, select))
    }
    /// RCS.
    #[must_use]
    pub const fn state(self) -> Rcs {
        match self.0 & 3 {
            0 => Rcs::NotPermitted0,
            1 => Rcs::Lower,
            2 => Rcs::Higher,
            _ => Rcs::NotPermitted3,
        }
    }
    /// QU.
    #[must_use]
    pub const fn qu(self) -> Qu {
        Qu((self.0 >> 2) & 0x1F)
    }
    /// S/E: true = select.
    #[must_use]
    pub const fn select(self) -> bool {
        bit(self.0, SE)
    }
}

/// QOS, qualifier of set-point command (101 §7.2.6.39): QL 0–127, S/E.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qos(u8);

impl Qos {
    /// Qualifier `ql` (0 default, 1–63 reserved, 64–127 private) and `select`; `None` if
    /// `ql` > 127.
    #[must_use]
    pub const fn new(ql: u8, select: bool) -> Option<Self> {
        if ql > 127 {
            return None;
        }
        Some(Qos(ql | ((select as u8) << SE)))
    }
    /// QL.
    #[must_use]
    pub const fn ql(self) -> u8 {
        self.0 & 0x7F
    }
    /// S/E: true = select.
    #[must_use]
    pub const fn select(self) -> bool {
        bit(self.0, SE)
    }
}

/// QOI, qualifier of interrogation (101 §7.2.6.22): 20 station, 21–36 groups 1–16.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qoi(u8);

impl Qoi {
    /// 20: station interrogation (global).
    pub const STATION: Qoi = Qoi(20);

    /// Interrogation of group `n` (1–16).
    #[must_use]
    pub const fn group(n: u8) -> Option<Self> {
        if n >= 1 && n <= 16 {
            Some(Qoi(n.wrapping_add(20)))
        } else {
            None
        }
    }
    /// The group 1–16 if this is a group interrogation.
    #[must_use]
    pub const fn group_number(self) -> Option<u8> {
        if self.0 >= 21 && self.0 <= 36 {
            Some(self.0.wrapping_sub(20))
        } else {
            None
        }
    }
}

/// FRZ, the freeze/reset part of QCC (101 §7.2.6.23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frz {
    /// 0: read (no freeze or reset).
    Read,
    /// 1: counter freeze without reset.
    Freeze,
    /// 2: counter freeze with reset.
    FreezeAndReset,
    /// 3: counter reset.
    Reset,
}

/// QCC, qualifier of counter interrogation (101 §7.2.6.23): RQT (0–63) and FRZ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qcc(u8);

impl Qcc {
    /// RQT 5: general request counter.
    pub const GENERAL: u8 = 5;

    /// Request `rqt` (0 none, 1–4 group, 5 general, 6–31 reserved, 32–63 private) with
    /// `frz`; `None` if `rqt` > 63.
    #[must_use]
    pub const fn new(rqt: u8, frz: Frz) -> Option<Self> {
        if rqt > 63 {
            return None;
        }
        Some(Qcc(rqt | ((frz as u8) << 6)))
    }
    /// RQT.
    #[must_use]
    pub const fn rqt(self) -> u8 {
        self.0 & 0x3F
    }
    /// FRZ.
    #[must_use]
    pub const fn frz(self) -> Frz {
        match self.0 >> 6 {
            0 => Frz::Read,
            1 => Frz::Freeze,
            2 => Frz::FreezeAndReset,
            _ => Frz::Reset,
        }
    }
}

/// QRP, qualifier of reset process command (101 §7.2.6.27).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qrp(u8);

impl Qrp {
    /// 1: general reset of process.
    pub const GENERAL: Qrp = Qrp(1);
    /// 2: reset of pending information with time tag of the event buffer.
    pub const EVENT_BUFFER: Qrp = Qrp(2);
}

/// QPM, qualifier of parameter of measured values (101 §7.2.6.24): KPA, LPC, POP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qpm(u8);

impl Qpm {
    /// KPA 1: threshold value.
    pub const THRESHOLD: u8 = 1;
    /// KPA 2: smoothing factor (filter time constant).
    pub const SMOOTHING: u8 = 2;
    /// KPA 3: low limit for transmission.
    pub const LOW_LIMIT: u8 = 3;
    /// KPA 4: high limit for transmission.
    pub const HIGH_LIMIT: u8 = 4;

    /// Kind `kpa` (0–63), local parameter change `lpc`, parameter not in operation `pop`;
    /// `None` if `kpa` > 63.
    #[must_use]
    pub const fn new(kpa: u8, lpc: bool, pop: bool) -> Option<Self> {
        if kpa > 63 {
            return None;
        }
        Some(Qpm(kpa | ((lpc as u8) << 6) | ((pop as u8) << 7)))
    }
    /// KPA, kind of parameter.
    #[must_use]
    pub const fn kpa(self) -> u8 {
        self.0 & 0x3F
    }
    /// LPC: local parameter change.
    #[must_use]
    pub const fn lpc(self) -> bool {
        bit(self.0, 6)
    }
    /// POP: parameter not in operation.
    #[must_use]
    pub const fn pop(self) -> bool {
        bit(self.0, 7)
    }
}

/// QPA, qualifier of parameter activation (101 §7.2.6.25).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Qpa(u8);

impl Qpa {
    /// 1: act/deact of the previously loaded parameters (IOA 0).
    pub const LOADED: Qpa = Qpa(1);
    /// 2: act/deact of the parameter of the addressed object.
    pub const OBJECT: Qpa = Qpa(2);
    /// 3: act/deact of persistent cyclic or periodic transmission of the addressed object.
    pub const CYCLIC: Qpa = Qpa(3);
}

/// COI, cause of initialization (101 §7.2.6.21): cause 0–127 and "after change of local
/// parameters".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Coi(u8);

impl Coi {
    /// Cause 0: local power switch on.
    pub const POWER_ON: u8 = 0;
    /// Cause 1: local manual reset.
    pub const LOCAL_RESET: u8 = 1;
    /// Cause 2: remote reset.
    pub const REMOTE_RESET: u8 = 2;

    /// `cause` (0–127) and whether the initialization followed a change of local
    /// parameters; `None` if `cause` > 127.
    #[must_use]
    pub const fn new(cause: u8, after_parameter_change: bool) -> Option<Self> {
        if cause > 127 {
            return None;
        }
        Some(Coi(cause | ((after_parameter_change as u8) << 7)))
    }
    /// The cause, 0–127.
    #[must_use]
    pub const fn cause(self) -> u8 {
        self.0 & 0x7F
    }
    /// BS1: initialization after change of local parameters.
    #[must_use]
    pub const fn after_parameter_change(self) -> bool {
        bit(self.0, 7)
    }
}

/// FBP, fixed test bit pattern (101 §7.2.6.14). Any value decodes; only 0x55AA is correct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fbp(pub u16);

impl Fbp {
    /// The pattern the standard fixes: 0x55AA.
    pub const STANDARD: Fbp = Fbp(0x55AA);

    /// True if the pattern is 0x55AA.
    #[must_use]
    pub const fn is_standard(self) -> bool {
        self.0 == 0x55AA
    }
}

impl Default for Fbp {
    fn default() -> Self {
        Fbp::STANDARD
    }
}

/// TSC, test sequence counter of C_TS_TA_1 (104 §8.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Tsc(pub u16);

byte_element!(Sco, Dco, Rco, Qos, Qoi, Qcc, Qrp, Qpm, Qpa, Coi);

impl Wire<'_> for Fbp {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        Ok(Fbp(u16::from_le_bytes(take(b)?)))
    }
    fn wire_len(&self) -> usize {
        2
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0.to_le_bytes())
    }
}

impl Wire<'_> for Tsc {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        Ok(Tsc(u16::from_le_bytes(take(b)?)))
    }
    fn wire_len(&self) -> usize {
        2
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0.to_le_bytes())
    }
}

encode_via_wire!(Fbp, Tsc);

fn select_str(select: bool) -> &'static str {
    if select { "select" } else { "execute" }
}

impl fmt::Display for Sco {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.state() { "on" } else { "off" };
        write!(f, "{s} QU={} {}", self.qu().0, select_str(self.select()))
    }
}
impl fmt::Display for Dco {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} QU={} {}",
            self.state(),
            self.qu().0,
            select_str(self.select())
        )
    }
}
impl fmt::Display for Rco {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.state() {
            Rcs::Lower => "lower",
            Rcs::Higher => "higher",
            Rcs::NotPermitted0 | Rcs::NotPermitted3 => "not-permitted",
        };
        write!(f, "{s} QU={} {}", self.qu().0, select_str(self.select()))
    }
}
impl fmt::Display for Qos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QL={} {}", self.ql(), select_str(self.select()))
    }
}
impl fmt::Display for Qoi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.group_number()) {
            (20, _) => f.write_str("station"),
            (_, Some(g)) => write!(f, "group {g}"),
            (v, None) => write!(f, "QOI={v}"),
        }
    }
}
impl fmt::Display for Qcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RQT={} FRZ={}", self.rqt(), self.frz() as u8)
    }
}
impl fmt::Display for Qrp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QRP={}", self.0)
    }
}
impl fmt::Display for Qpm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KPA={} LPC={} POP={}",
            self.kpa(),
            u8::from(self.lpc()),
            u8::from(self.pop())
        )
    }
}
impl fmt::Display for Qpa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QPA={}", self.0)
    }
}
impl fmt::Display for Coi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cause={}", self.cause())?;
        if self.after_parameter_change() {
            f.write_str(" after parameter change")?;
        }
        Ok(())
    }
}
impl fmt::Display for Fbp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FBP={:#06x}", self.0)
    }
}
impl fmt::Display for Tsc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TSC={}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn command_octets() {
        // SCO ON, short pulse, select: 1 | 1<<2 | 1<<7.
        let s = Sco::new(true, Qu::SHORT_PULSE, true);
        assert_eq!(s.to_u8(), 0x85);
        assert_eq!(
            (s.state(), s.qu(), s.select()),
            (true, Qu::SHORT_PULSE, true)
        );
        let d = Dco::new(Dpi::Off, Qu::new(31).unwrap(), false);
        assert_eq!(d.to_u8(), 0x7D);
        assert_eq!(d.state(), Dpi::Off);
        assert_eq!(Rco::new(Rcs::Higher, Qu::NONE, true).to_u8(), 0x82);
        assert_eq!(Rco::from_u8(0x03).state(), Rcs::NotPermitted3);
        assert_eq!(Qos::new(127, true).unwrap().to_u8(), 0xFF);
        assert!(Qos::new(128, false).is_none() && Qu::new(32).is_none());
    }

    #[test]
    fn qualifiers() {
        assert_eq!(Qoi::group(16).unwrap().to_u8(), 36);
        assert_eq!(Qoi::from_u8(21).group_number(), Some(1));
        assert_eq!(Qoi::STATION.group_number(), None);
        assert!(Qoi::group(0).is_none() && Qoi::group(17).is_none());
        let q = Qcc::new(Qcc::GENERAL, Frz::FreezeAndReset).unwrap();
        assert_eq!(q.to_u8(), 0x85);
        assert_eq!((q.rqt(), q.frz()), (5, Frz::FreezeAndReset));
        let p = Qpm::new(Qpm::HIGH_LIMIT, true, false).unwrap();
        assert_eq!(
            (p.to_u8(), p.kpa(), p.lpc(), p.pop()),
            (0x44, 4, true, false)
        );
        let c = Coi::new(Coi::REMOTE_RESET, true).unwrap();
        assert_eq!((c.to_u8(), c.cause()), (0x82, 2));
        assert!(Fbp::default().is_standard() && !Fbp(0xAA55).is_standard());
        assert_eq!(Qoi::STATION.to_string(), "station");
    }
}
