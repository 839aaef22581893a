//! How the gateway reaches an outstation: 104 over TCP, or 101 on a serial line or through
//! a terminal server (several 101 outstations may share one line: one master polls them).

use super::config::RawRtu;
use crate::sim101::Port;
use asdu::AsduParams;
use iec101_link::AddressSize;
use std::net::SocketAddr;
use telecontrol_tokio::iec101::{Parity, SerialSettings};
use toml::Spanned;

/// The link to one outstation.
#[derive(Clone, Debug, PartialEq)]
pub enum RtuLink {
    /// IEC 60870-5-104 at this address.
    Iec104(SocketAddr),
    /// IEC 60870-5-101: the slave at `link_address` on `line`.
    Iec101 {
        /// The line (shared by every outstation configured with the same port).
        line: Line101,
        /// The slave's link address.
        link_address: u16,
    },
}

/// A 101 line: where, how fast, and the system parameters not on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Line101 {
    /// Serial device or terminal server.
    pub port: Port,
    /// Baud rate and parity (serial only).
    pub serial: SerialSettings,
    /// Link address field size.
    pub link_address_size: AddressSize,
    /// Cause, common address and object address sizes.
    pub params: AsduParams,
}

/// A field's problem: its span, its name, the reason.
pub(super) type FieldError = (core::ops::Range<usize>, &'static str, String);

fn small(
    v: &Option<Spanned<i64>>,
    name: &'static str,
    allowed: &[i64],
    default: i64,
) -> Result<u8, FieldError> {
    match v {
        None => Ok(u8::try_from(default).unwrap_or(1)),
        Some(s) if allowed.contains(s.get_ref()) => Ok(u8::try_from(*s.get_ref()).unwrap_or(1)),
        Some(s) => Err((
            s.span(),
            name,
            format!("{} is not one of {allowed:?}", s.get_ref()),
        )),
    }
}

/// The link of `raw`: `protocol = "104"` (default) with `address`, or `protocol = "101"`
/// with `serial` or `tcp` and the line settings.
pub(super) fn link(raw: &RawRtu, whole: core::ops::Range<usize>) -> Result<RtuLink, FieldError> {
    let protocol = raw
        .protocol
        .as_ref()
        .map_or("104", |p| p.get_ref().as_str());
    match protocol {
        "104" => {
            let a = raw.address.as_ref().ok_or_else(|| {
                (
                    whole.clone(),
                    "address",
                    "a 104 RTU needs address = \"ADDR:PORT\"".to_owned(),
                )
            })?;
            let addr = a.get_ref().parse().map_err(|_| {
                (
                    a.span(),
                    "address",
                    format!("{:?} is not ADDR:PORT", a.get_ref()),
                )
            })?;
            Ok(RtuLink::Iec104(addr))
        }
        "101" => {
            let port = match (&raw.serial, &raw.tcp) {
                (Some(d), None) => Port::Serial(d.get_ref().clone()),
                (None, Some(t)) => Port::TcpConnect(t.get_ref().parse().map_err(|_| {
                    (
                        t.span(),
                        "tcp",
                        format!("{:?} is not ADDR:PORT", t.get_ref()),
                    )
                })?),
                _ => {
                    return Err((
                        whole,
                        "serial",
                        "a 101 RTU needs either serial = \"/dev/...\" or tcp = \"ADDR:PORT\""
                            .into(),
                    ));
                }
            };
            let mut serial = SerialSettings::default();
            if let Some(b) = &raw.baud {
                serial.baud = u32::try_from(*b.get_ref())
                    .ok()
                    .filter(|b| (50..=1_000_000).contains(b))
                    .ok_or_else(|| {
                        (
                            b.span(),
                            "baud",
                            format!("{} is not a baud rate", b.get_ref()),
                        )
                    })?;
            }
            if let Some(p) = &raw.parity {
                serial.parity = match p.get_ref().as_str() {
                    "even" => Parity::Even,
                    "odd" => Parity::Odd,
                    "none" => Parity::None,
                    other => {
                        return Err((
                            p.span(),
                            "parity",
                            format!("unknown parity {other:?} (even, odd, none)"),
                        ));
                    }
                };
            }
            let link_address_size =
                match small(&raw.link_address_size, "link_address_size", &[1, 2], 1)? {
                    2 => AddressSize::Two,
                    _ => AddressSize::One,
                };
            let cot = small(&raw.cot_size, "cot_size", &[1, 2], 1)?;
            let ca = small(&raw.ca_size, "ca_size", &[1, 2], 1)?;
            let ioa = small(&raw.ioa_size, "ioa_size", &[1, 2, 3], 2)?;
            let params = AsduParams::new(cot, ca, ioa, 255).map_err(|_| {
                (
                    whole.clone(),
                    "ioa_size",
                    "these sizes make no ASDU parameter set".to_owned(),
                )
            })?;
            let max = if link_address_size == AddressSize::Two {
                65_534
            } else {
                254
            };
            let link_address = match &raw.link_address {
                None => 1,
                Some(a) => u16::try_from(*a.get_ref())
                    .ok()
                    .filter(|v| (0..=max).contains(v))
                    .ok_or_else(|| {
                        (
                            a.span(),
                            "link_address",
                            format!("{} is not in 0..={max}", a.get_ref()),
                        )
                    })?,
            };
            Ok(RtuLink::Iec101 {
                line: Line101 {
                    port,
                    serial,
                    link_address_size,
                    params,
                },
                link_address,
            })
        }
        other => Err((
            raw.protocol.as_ref().map_or(whole, Spanned::span),
            "protocol",
            format!("unknown protocol {other:?} (104, 101)"),
        )),
    }
}
