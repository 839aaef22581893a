//! IEC 60870-5-104 simulators: `telecontrol 104 server` (a controlled station with changing
//! points and command points) and `telecontrol 104 client` (a controlling station that
//! interrogates, commands and prints what it receives), on the tokio adapter.
//!
//! - [`points`]: the simulated station and the built-in sample;
//! - [`config`]: the TOML config of `104 server --config`;
//! - [`server`] and [`client`]: the two commands;
//! - [`tls`]: TLS (IEC 62351-3) from the `--tls-*` options and the config's `[tls]` table
//!   (shared with `tase2`: [`crate::tls`]).
//!
//! Received ASDUs are printed with the decoder's [`Report`] (the `decode --json` schema).

pub mod cli;
pub mod client;
pub mod config;
pub mod display;
pub mod points;
pub mod server;
pub use crate::tls;

use crate::decode::{Report, iec104};
use asdu::{Cp56Time2a, Dpi, Nva, Qos, Qu, Rco, Rcs, Sco, Sva, Value};
use points::CommandKind;

/// The year base of CP56Time2a times the simulators send and print.
pub const YEAR_BASE: u16 = 2000;

/// The current UTC time as CP56Time2a; `None` if the system clock is before 1970 or
/// outside the years 2000..=2099.
#[must_use]
pub fn now_cp56() -> Option<Cp56Time2a> {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_millis()).ok())?;
    Cp56Time2a::from_unix_millis(ms, YEAR_BASE)
}

/// The report of one ASDU the client received, in the `decode --json` schema: `apci` is
/// `"I"`, `raw` the ASDU octets (the adapter hands over ASDUs, not frames, so `offset` is 0
/// and the sequence numbers are absent), `direction` `"server_to_client"`.
#[must_use]
pub fn asdu_report(asdu: &[u8]) -> Report {
    let len = u8::try_from(asdu.len().saturating_add(4)).unwrap_or(u8::MAX);
    let mut frame = vec![iec104_apci::frame::START, len, 0, 0, 0, 0];
    frame.extend_from_slice(asdu);
    let decoded = iec104::decode_bytes(&frame, None).into_iter().next();
    let mut r = Report {
        protocol: "104",
        direction: Some("server_to_client"),
        apci: Some("I"),
        raw: crate::decode::hex::format(asdu),
        ..Report::default()
    };
    if let Some(d) = decoded {
        r.asdu = d.asdu;
        r.error = d.error.map(|mut e| {
            e.offset = e.offset.saturating_sub(iec104_apci::HEADER_LEN);
            e
        });
    }
    r
}

/// A command given on the command line: `TYPE:IOA:VALUE`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CommandArg {
    /// The command type.
    pub kind: CommandKind,
    /// The object address.
    pub ioa: u32,
    /// The command element set (S/E clear; the client sets it from `--select`).
    pub value: Value<'static>,
}

impl std::str::FromStr for CommandArg {
    type Err = String;

    /// `single:IOA:on|off`, `double:IOA:on|off`, `step:IOA:higher|lower`,
    /// `normalized:IOA:-1..1`, `scaled:IOA:i16`, `float:IOA:f32` (the type may also be the
    /// mnemonic, e.g. `C_SC_NA_1`).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let (Some(t), Some(i), Some(v)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("{s:?} is not TYPE:IOA:VALUE"));
        };
        let kind = CommandKind::parse(t).ok_or_else(|| {
            format!("unknown command type {t:?} (single, double, step, normalized, scaled, float)")
        })?;
        let ioa = i
            .parse::<u32>()
            .ok()
            .filter(|v| (1..=0x00FF_FFFF).contains(v))
            .ok_or_else(|| format!("IOA {i:?} is not in 1..=16777215"))?;
        let on_off = |v: &str| match v.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" => Ok(true),
            "off" | "false" | "0" => Ok(false),
            _ => Err(format!("{v:?} is not on or off")),
        };
        let qos = Qos::new(0, false).unwrap_or_default();
        let value = match kind {
            CommandKind::Single => Value::CScNa1(Sco::new(on_off(v)?, Qu::NONE, false)),
            CommandKind::Double => {
                let d = if on_off(v)? { Dpi::On } else { Dpi::Off };
                Value::CDcNa1(asdu::Dco::new(d, Qu::NONE, false))
            }
            CommandKind::Step => {
                let r = match v.to_ascii_lowercase().as_str() {
                    "higher" | "up" => Rcs::Higher,
                    "lower" | "down" => Rcs::Lower,
                    _ => return Err(format!("{v:?} is not higher or lower")),
                };
                Value::CRcNa1(Rco::new(r, Qu::NONE, false))
            }
            CommandKind::Normalized => {
                let f: f32 = v.parse().map_err(|_| format!("{v:?} is not a number"))?;
                if !(-1.0..1.0).contains(&f) {
                    return Err(format!("{v} is not in -1..1"));
                }
                Value::CSeNa1(Nva::from_f32(f), qos)
            }
            CommandKind::Scaled => {
                let n: i16 = v
                    .parse()
                    .map_err(|_| format!("{v:?} is not an integer in -32768..=32767"))?;
                Value::CSeNb1(Sva(n), qos)
            }
            CommandKind::Float => {
                let f: f32 = v.parse().map_err(|_| format!("{v:?} is not a number"))?;
                Value::CSeNc1(f, qos)
            }
        };
        Ok(CommandArg { kind, ioa, value })
    }
}
