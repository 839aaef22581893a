//! The data unit identifier: type, variable structure qualifier, cause of transmission,
//! common address (101 §7.2.1–7.2.4), and information object addresses (101 §7.2.5).

use core::fmt;

use telecontrol_core::Writer;

use crate::wire::{Bad, Short, put, take};
use crate::{AsduError, AsduParams, TypeId};

/// A cause of transmission, 1–63 (101 §7.2.3): 0 is "not used" and rejected.
///
/// Named constants cover the standard causes; 14–19 and 42–43 are reserved, 48–63 private.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cause(u8);

impl Cause {
    /// 1: periodic, cyclic (per/cyc).
    pub const PERIODIC: Cause = Cause(1);
    /// 2: background scan (back).
    pub const BACKGROUND: Cause = Cause(2);
    /// 3: spontaneous (spont).
    pub const SPONTANEOUS: Cause = Cause(3);
    /// 4: initialized (init).
    pub const INITIALIZED: Cause = Cause(4);
    /// 5: request or requested (req).
    pub const REQUEST: Cause = Cause(5);
    /// 6: activation (act).
    pub const ACTIVATION: Cause = Cause(6);
    /// 7: activation confirmation (actcon).
    pub const ACTIVATION_CON: Cause = Cause(7);
    /// 8: deactivation (deact).
    pub const DEACTIVATION: Cause = Cause(8);
    /// 9: deactivation confirmation (deactcon).
    pub const DEACTIVATION_CON: Cause = Cause(9);
    /// 10: activation termination (actterm).
    pub const ACTIVATION_TERM: Cause = Cause(10);
    /// 11: return information caused by a remote command (retrem).
    pub const RETURN_REMOTE: Cause = Cause(11);
    /// 12: return information caused by a local command (retloc).
    pub const RETURN_LOCAL: Cause = Cause(12);
    /// 13: file transfer (file).
    pub const FILE: Cause = Cause(13);
    /// 20: interrogated by station interrogation (inrogen).
    pub const INTERROGATED: Cause = Cause(20);
    /// 37: requested by general counter request (reqcogen).
    pub const COUNTER_REQUESTED: Cause = Cause(37);
    /// 44: unknown type identification.
    pub const UNKNOWN_TYPE: Cause = Cause(44);
    /// 45: unknown cause of transmission.
    pub const UNKNOWN_CAUSE: Cause = Cause(45);
    /// 46: unknown common address of ASDU.
    pub const UNKNOWN_CA: Cause = Cause(46);
    /// 47: unknown information object address.
    pub const UNKNOWN_IOA: Cause = Cause(47);

    /// `value` if it is 1–63.
    #[must_use]
    pub const fn new(value: u8) -> Option<Self> {
        if value >= 1 && value <= 63 {
            Some(Cause(value))
        } else {
            None
        }
    }

    /// 21–36: interrogated by group `n` (1–16) interrogation (inro1…inro16).
    #[must_use]
    pub const fn interrogated_by_group(n: u8) -> Option<Self> {
        if n >= 1 && n <= 16 {
            Some(Cause(n.wrapping_add(20)))
        } else {
            None
        }
    }

    /// 38–41: requested by group `n` (1–4) counter request (reqco1…reqco4).
    #[must_use]
    pub const fn counter_requested_by_group(n: u8) -> Option<Self> {
        if n >= 1 && n <= 4 {
            Some(Cause(n.wrapping_add(37)))
        } else {
            None
        }
    }

    /// The wire value, 1–63.
    #[must_use]
    pub const fn value(self) -> u8 {
        self.0
    }

    /// The standard's abbreviation (`"spont"`, `"inro3"`, …); `None` for reserved and
    /// private causes.
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        const GROUPS: [&str; 16] = [
            "inro1", "inro2", "inro3", "inro4", "inro5", "inro6", "inro7", "inro8", "inro9",
            "inro10", "inro11", "inro12", "inro13", "inro14", "inro15", "inro16",
        ];
        const COUNTERS: [&str; 4] = ["reqco1", "reqco2", "reqco3", "reqco4"];
        Some(match self.0 {
            1 => "per/cyc",
            2 => "back",
            3 => "spont",
            4 => "init",
            5 => "req",
            6 => "act",
            7 => "actcon",
            8 => "deact",
            9 => "deactcon",
            10 => "actterm",
            11 => "retrem",
            12 => "retloc",
            13 => "file",
            20 => "inrogen",
            21..=36 => GROUPS.get(usize::from(self.0.wrapping_sub(21))).copied()?,
            37 => "reqcogen",
            38..=41 => COUNTERS
                .get(usize::from(self.0.wrapping_sub(38)))
                .copied()?,
            44 => "unknown type",
            45 => "unknown cause",
            46 => "unknown common address",
            47 => "unknown object address",
            _ => return None,
        })
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{} ({n})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// Cause of transmission (101 §7.2.3): cause, P/N, T and, with 2-octet COT, the originator
/// address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cot {
    /// The cause.
    pub cause: Cause,
    /// P/N: negative confirmation.
    pub negative: bool,
    /// T: test.
    pub test: bool,
    /// Originator address (0 = default); only sent with a 2-octet cause of transmission.
    pub originator: u8,
}

impl Cot {
    /// A positive, non-test cause with originator 0.
    #[must_use]
    pub const fn new(cause: Cause) -> Self {
        Cot {
            cause,
            negative: false,
            test: false,
            originator: 0,
        }
    }

    /// The same with P/N set.
    #[must_use]
    pub const fn negative(self) -> Self {
        Cot {
            negative: true,
            ..self
        }
    }

    /// The same with the originator address `oa`.
    #[must_use]
    pub const fn with_originator(self, oa: u8) -> Self {
        Cot {
            originator: oa,
            ..self
        }
    }
}

impl From<Cause> for Cot {
    fn from(c: Cause) -> Self {
        Cot::new(c)
    }
}

impl fmt::Display for Cot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cause)?;
        if self.negative {
            f.write_str(" negative")?;
        }
        if self.test {
            f.write_str(" test")?;
        }
        if self.originator != 0 {
            write!(f, " OA={}", self.originator)?;
        }
        Ok(())
    }
}

/// Common address of ASDU: the station address (101 §7.2.4). The largest value of the
/// configured size (0xFF or 0xFFFF) is the broadcast (global) address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CommonAddress(pub u16);

impl CommonAddress {
    /// The broadcast address for `params`: 0xFF or 0xFFFF.
    #[must_use]
    pub const fn broadcast(params: &AsduParams) -> Self {
        CommonAddress(params.max_ca())
    }

    /// True if this is the broadcast address for `params`.
    #[must_use]
    pub const fn is_broadcast(self, params: &AsduParams) -> bool {
        self.0 == params.max_ca()
    }
}

impl fmt::Display for CommonAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Information object address, 0–16 777 215 (101 §7.2.5); 0 means "irrelevant".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Ioa(u32);

impl Ioa {
    /// Address 0: irrelevant (used by system commands).
    pub const IRRELEVANT: Ioa = Ioa(0);

    /// `v` if it fits 24 bits.
    #[must_use]
    pub const fn new(v: u32) -> Option<Self> {
        if v <= 0xFF_FFFF { Some(Ioa(v)) } else { None }
    }

    /// The address.
    #[must_use]
    pub const fn value(self) -> u32 {
        self.0
    }

    /// An address from a value the caller checked to fit 24 bits.
    #[inline]
    pub(crate) const fn from_u24(v: u32) -> Self {
        debug_assert!(v <= 0xFF_FFFF);
        Ioa(v)
    }

    /// The next address, if it fits 24 bits.
    #[must_use]
    pub const fn next(self) -> Option<Self> {
        Ioa::new(self.0.saturating_add(1))
    }
}

impl From<u16> for Ioa {
    fn from(v: u16) -> Self {
        Ioa(u32::from(v))
    }
}

impl fmt::Display for Ioa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The decoded data unit identifier of an ASDU (101 §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Type identification.
    pub type_id: TypeId,
    /// SQ: the objects are one sequence of elements at consecutive addresses.
    pub sq: bool,
    /// Number of objects (SQ=0) or elements (SQ=1), 0–127.
    pub count: u8,
    /// Cause of transmission.
    pub cot: Cot,
    /// Common address.
    pub ca: CommonAddress,
}

impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} SQ={} n={} COT={} CA={}",
            self.type_id,
            u8::from(self.sq),
            self.count,
            self.cot,
            self.ca
        )
    }
}

/// Read the header from the start of the ASDU `bytes`.
#[inline]
pub(crate) fn read_header(p: &AsduParams, bytes: &[u8]) -> Result<Header, AsduError> {
    let total = bytes.len();
    let at = |e: Bad| e.at(total);
    let mut b = bytes;
    let [tid] = take(&mut b).map_err(at)?;
    let type_id = TypeId::from_u8(tid).ok_or(AsduError::UnknownTypeId {
        offset: 0,
        value: tid,
    })?;
    let [vsq] = take(&mut b).map_err(at)?;
    let [c] = take(&mut b).map_err(at)?;
    let cause = Cause::new(c & 0x3F).ok_or(AsduError::BadCot {
        offset: 2,
        value: c & 0x3F,
    })?;
    let originator = if p.cot_size() == 2 {
        let [oa] = take(&mut b).map_err(at)?;
        oa
    } else {
        0
    };
    let ca = if p.ca_size() == 2 {
        u16::from_le_bytes(take(&mut b).map_err(at)?)
    } else {
        let [ca] = take(&mut b).map_err(at)?;
        u16::from(ca)
    };
    Ok(Header {
        type_id,
        sq: vsq & 0x80 != 0,
        count: vsq & 0x7F,
        cot: Cot {
            cause,
            negative: c & 0x40 != 0,
            test: c & 0x80 != 0,
            originator,
        },
        ca: CommonAddress(ca),
    })
}

/// Write the header.
pub(crate) fn write_header(
    p: &AsduParams,
    h: &Header,
    w: &mut Writer<'_>,
) -> Result<(), AsduError> {
    if h.count > 127 {
        return Err(AsduError::DoesNotFit {
            field: "number of objects",
            value: u32::from(h.count),
        });
    }
    if p.cot_size() == 1 && h.cot.originator != 0 {
        return Err(AsduError::DoesNotFit {
            field: "originator address",
            value: u32::from(h.cot.originator),
        });
    }
    if h.ca.0 > p.max_ca() {
        return Err(AsduError::DoesNotFit {
            field: "common address",
            value: u32::from(h.ca.0),
        });
    }
    w.write_u8(h.type_id.code())?;
    w.write_u8(h.count | if h.sq { 0x80 } else { 0 })?;
    let c = h.cot.cause.value()
        | if h.cot.negative { 0x40 } else { 0 }
        | if h.cot.test { 0x80 } else { 0 };
    w.write_u8(c)?;
    if p.cot_size() == 2 {
        w.write_u8(h.cot.originator)?;
    }
    if p.ca_size() == 2 {
        w.write_u16_le(h.ca.0)?;
    } else {
        // Checked above: fits one octet.
        w.write_u8(u8::try_from(h.ca.0).unwrap_or(u8::MAX))?;
    }
    Ok(())
}

/// Take an information object address of `size` octets (1, 2 or 3) from `b`.
#[inline]
pub(crate) fn take_ioa(size: u8, b: &mut &[u8]) -> Result<Ioa, Bad> {
    Ok(Ioa(match size {
        1 => {
            let [x] = take(b)?;
            u32::from(x)
        }
        2 => u32::from(u16::from_le_bytes(take(b)?)),
        _ => {
            let [x, y, z] = take(b)?;
            u32::from_le_bytes([x, y, z, 0])
        }
    }))
}

/// Write `ioa` in `size` octets (1, 2 or 3) at the front of `out`; the caller checked that
/// it fits.
#[inline]
pub(crate) fn put_ioa(size: u8, ioa: Ioa, out: &mut &mut [u8]) -> Result<(), Short> {
    let [a, b, c, _] = ioa.0.to_le_bytes();
    match size {
        1 => put(out, [a]),
        2 => put(out, [a, b]),
        _ => put(out, [a, b, c]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_both_sizes() {
        let h = Header {
            type_id: TypeId::CScNa1,
            sq: true,
            count: 127,
            cot: Cot {
                cause: Cause::ACTIVATION_CON,
                negative: true,
                test: true,
                originator: 9,
            },
            ca: CommonAddress(0xFFFF),
        };
        let mut buf = [0u8; 6];
        let mut w = Writer::new(&mut buf);
        write_header(&AsduParams::IEC104, &h, &mut w).unwrap();
        assert_eq!(buf, [45, 0xFF, 0xC7, 9, 0xFF, 0xFF]);
        assert_eq!(read_header(&AsduParams::IEC104, &buf), Ok(h));
        assert!(h.ca.is_broadcast(&AsduParams::IEC104));

        let p = AsduParams::IEC101_COMPACT;
        let mut small = [0u8; 4];
        assert!(matches!(
            write_header(&p, &h, &mut Writer::new(&mut small)),
            Err(AsduError::DoesNotFit {
                field: "originator address",
                ..
            })
        ));
        let h1 = Header {
            cot: Cot::new(Cause::SPONTANEOUS),
            ca: CommonAddress(0xFF),
            ..h
        };
        write_header(&p, &h1, &mut Writer::new(&mut small)).unwrap();
        assert_eq!(small, [45, 0xFF, 3, 0xFF]);
        assert_eq!(read_header(&p, &small), Ok(h1));
    }

    #[test]
    fn cause_zero_is_rejected() {
        let r = read_header(&AsduParams::IEC104, &[1, 1, 0x40, 0, 1, 0]);
        assert_eq!(
            r,
            Err(AsduError::BadCot {
                offset: 2,
                value: 0
            })
        );
        assert_eq!(
            read_header(&AsduParams::IEC104, &[23, 1, 3]),
            Err(AsduError::UnknownTypeId {
                offset: 0,
                value: 23
            })
        );
        assert_eq!(
            Cause::interrogated_by_group(3).unwrap().name(),
            Some("inro3")
        );
        assert_eq!(Cause::counter_requested_by_group(4).unwrap().value(), 41);
        assert_eq!(Cause::new(50).unwrap().name(), None);
        assert!(Cause::new(0).is_none() && Cause::new(64).is_none());
    }

    #[test]
    fn ioa_sizes() {
        for (size, bytes) in [
            (1u8, &[0x56][..]),
            (2, &[0x56, 0x34]),
            (3, &[0x56, 0x34, 0x12]),
        ] {
            let p = AsduParams::new(2, 2, size, 249).unwrap();
            let ioa = Ioa::new(0x12_3456 & p.max_ioa()).unwrap();
            let mut buf = [0u8; 4];
            let mut out = &mut buf[..];
            put_ioa(size, ioa, &mut out).unwrap();
            assert_eq!(out.len(), 4 - usize::from(size));
            assert_eq!(&buf[..usize::from(size)], bytes);
            assert_eq!(take_ioa(p.ioa_size(), &mut &bytes[..]).ok(), Some(ioa));
        }
    }
}
