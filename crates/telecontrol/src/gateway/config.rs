//! The `gateway --config FILE` format (TOML):
//!
//! ```toml
//! year_base = 2000               # century of the RTUs' CP56Time2a years, default 2000
//!
//! [tase2]
//! bind = "127.0.0.1:10102"       # where control centres connect (TASE.2 / MMS)
//! transfer_sets = 8              # DS transfer sets per ICC, default 8
//! send_queue = 1048576           # octets of reports held per association for a slow
//!                                # reader, default 1 MiB (docs/security.md)
//! open_icc = "ICC1"              # without any [[tase2.peer]] the server is open: any peer
//!                                # reads points and operates devices in this ICC domain
//!
//! [[tase2.peer]]                 # one bilateral table per control centre
//! ap_title = "1.3.9999.1"        # its calling AP-title
//! ae_qualifier = 12              # and AE-qualifier (optional)
//! icc = "ICC1"                   # its ICC domain (one per peer)
//! table_id = "CC_1"              # Bilateral_Table_ID
//! operate = true                 # may operate devices and set tags, default false
//!
//! [tase2.tls]                    # optional: secure ICCP (TASE.2 over TLS, port 3782 by
//! cert = "gateway.pem"           # convention); the same fields as `telecontrol 104 server`'s
//! key = "gateway.key"            # [tls] table (cert, key, ca, crl, allow, versions,
//! ca = "ca.pem"                  # handshake_timeout); paths relative to this file
//!
//! [[rtu]]
//! name = "RTU1"
//! protocol = "104"               # default; or "101"
//! address = "127.0.0.1:2404"     # the IEC 60870-5-104 outstation
//! ca = 1                         # its common address
//! interrogation = 60             # seconds between general interrogations, 0 = at connect only
//!
//! [[rtu.point]]
//! ioa = 100
//! name = "RTU1_BRK1_POS"         # the TASE.2 point
//! kind = "state"                 # real, state or discrete
//! scope = "vcc"                  # vcc (default: every peer) or a peer's ICC domain
//!
//! [[rtu.device]]
//! ioa = 1100
//! name = "RTU1_BRK1"             # the TASE.2 device
//! command = "single"             # single, double, normalized, scaled, float
//! sbo = true                     # TASE.2 select-before-operate, default true
//! select_timeout = 30            # seconds, default 30
//! rtu_select = true              # 60870-5 select-then-execute, default: as sbo
//! scope = "vcc"                  # as for points
//!
//! [[rtu]]                        # an IEC 60870-5-101 outstation
//! name = "RTU2"
//! protocol = "101"
//! serial = "/dev/ttyUSB0"        # or tcp = "10.0.0.5:4001" (a terminal server); outstations
//!                                # with the same serial or tcp share the line and its master
//! link_address = 3               # the slave's link address, default 1
//! baud = 9600                    # default 9600, parity "even" (default), "odd" or "none"
//! link_address_size = 1          # 1 or 2; cot_size 1|2, ca_size 1|2, ioa_size 1|2|3
//! ca = 3                         #   (defaults 1, 1, 1, 2)
//! ```
//!
//! Every error names the file, the line and the field.

use super::line101::link;
pub use super::line101::{Line101, RtuLink};
use super::map::{CommandKind, PointKind};
use crate::sim104::config::{ConfigError, check_ioa, line_of};
use crate::tls::{RawTls, TlsFiles};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// A validated gateway configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayConfig {
    /// Century of the RTUs' CP56Time2a years.
    pub year_base: u16,
    /// The TASE.2 server side.
    pub tase2: Tase2Side,
    /// The outstations.
    pub rtus: Vec<Rtu>,
}

/// The TASE.2 server the gateway runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Tase2Side {
    /// Listening address.
    pub bind: SocketAddr,
    /// The ICC domain of an open server's peers (used when `peers` is empty).
    pub open_icc: String,
    /// DS transfer sets per ICC.
    pub transfer_sets: u16,
    /// Octets of reports held per association for a slow reader
    /// (`association::Config::send_queue`).
    pub send_queue: usize,
    /// Bilateral tables; empty: open server.
    pub peers: Vec<Peer>,
    /// Secure ICCP (`[tase2.tls]`): the files, read when the gateway starts.
    pub tls: Option<TlsFiles>,
}

/// A control centre allowed to associate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// Calling AP-title arcs.
    pub ap_title: Vec<u64>,
    /// Calling AE-qualifier, when checked.
    pub ae_qualifier: Option<i64>,
    /// Its ICC domain.
    pub icc: String,
    /// `Bilateral_Table_ID`.
    pub table_id: String,
    /// May operate devices and set tags.
    pub operate: bool,
}

/// One outstation.
#[derive(Clone, Debug, PartialEq)]
pub struct Rtu {
    /// Name for logs.
    pub name: String,
    /// How to reach it.
    pub link: RtuLink,
    /// Its common address.
    pub ca: u16,
    /// Period of general interrogations (`None`: at connect only).
    pub interrogation: Option<Duration>,
    /// Points forwarded.
    pub points: Vec<RtuPoint>,
    /// Devices forwarded back.
    pub devices: Vec<RtuDevice>,
}

/// A 60870-5 point published as a TASE.2 point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtuPoint {
    /// Information object address.
    pub ioa: u32,
    /// TASE.2 name.
    pub name: String,
    /// TASE.2 kind.
    pub kind: PointKind,
    /// The ICC domain it lives in; `None`: VCC scope.
    pub icc: Option<String>,
}

/// A TASE.2 device forwarded as a 60870-5 command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtuDevice {
    /// Information object address of the command.
    pub ioa: u32,
    /// TASE.2 name.
    pub name: String,
    /// The 60870-5 command.
    pub command: CommandKind,
    /// TASE.2 select-before-operate.
    pub sbo: bool,
    /// TASE.2 select timeout.
    pub select_timeout: Duration,
    /// 60870-5 select-then-execute.
    pub rtu_select: bool,
    /// The ICC domain it lives in; `None`: VCC scope.
    pub icc: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    year_base: Option<Spanned<i64>>,
    tase2: Spanned<RawTase2>,
    #[serde(default)]
    rtu: Vec<RawRtu>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTase2 {
    bind: Spanned<String>,
    open_icc: Option<Spanned<String>>,
    transfer_sets: Option<Spanned<i64>>,
    send_queue: Option<Spanned<i64>>,
    #[serde(default)]
    peer: Vec<RawPeer>,
    tls: Option<RawTls>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeer {
    ap_title: Spanned<String>,
    ae_qualifier: Option<i64>,
    icc: Spanned<String>,
    table_id: Spanned<String>,
    #[serde(default)]
    operate: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRtu {
    name: Spanned<String>,
    pub(super) protocol: Option<Spanned<String>>,
    pub(super) address: Option<Spanned<String>>,
    pub(super) serial: Option<Spanned<String>>,
    pub(super) tcp: Option<Spanned<String>>,
    pub(super) link_address: Option<Spanned<i64>>,
    pub(super) baud: Option<Spanned<i64>>,
    pub(super) parity: Option<Spanned<String>>,
    pub(super) link_address_size: Option<Spanned<i64>>,
    pub(super) cot_size: Option<Spanned<i64>>,
    pub(super) ca_size: Option<Spanned<i64>>,
    pub(super) ioa_size: Option<Spanned<i64>>,
    ca: Option<Spanned<i64>>,
    interrogation: Option<Spanned<i64>>,
    #[serde(default)]
    point: Vec<RawPoint>,
    #[serde(default)]
    device: Vec<RawDevice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoint {
    ioa: Spanned<i64>,
    name: Spanned<String>,
    kind: Spanned<String>,
    scope: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    ioa: Spanned<i64>,
    name: Spanned<String>,
    command: Spanned<String>,
    sbo: Option<bool>,
    select_timeout: Option<Spanned<i64>>,
    rtu_select: Option<bool>,
    scope: Option<Spanned<String>>,
}

/// Read and validate the gateway configuration at `path`.
///
/// # Errors
/// [`ConfigError`] naming the file, line and field.
pub fn load(path: &Path) -> Result<GatewayConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: None,
        field: None,
        reason: e.to_string(),
    })?;
    parse(path, &text)
}

/// An MMS identifier the gateway may publish: 1–32 characters of letters, digits, `_` and
/// `$`, not starting with a digit.
fn identifier(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        && !name.as_bytes().first().is_some_and(u8::is_ascii_digit);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an MMS identifier (1-32 letters, digits, _ or $, not starting with a digit)"
        ))
    }
}

/// Dotted object identifier arcs (`1.3.9999.2`).
fn arcs(text: &str) -> Result<Vec<u64>, String> {
    let arcs: Result<Vec<u64>, _> = text.split('.').map(str::parse).collect();
    match arcs {
        Ok(a) if a.len() >= 2 => Ok(a),
        _ => Err(format!(
            "{text:?} is not a dotted AP-title such as \"1.3.9999.2\""
        )),
    }
}

/// A scope: `vcc` (or absent) → `None`, otherwise an ICC domain name (checked against the
/// peers' domains after parsing).
fn scope(s: Option<&Spanned<String>>) -> Result<Option<String>, (core::ops::Range<usize>, String)> {
    match s {
        None => Ok(None),
        Some(s) if s.get_ref() == "vcc" => Ok(None),
        Some(s) => {
            identifier(s.get_ref()).map_err(|e| (s.span(), e))?;
            Ok(Some(s.get_ref().clone()))
        }
    }
}

/// Validate gateway configuration `text` (from `path`, for the messages).
///
/// # Errors
/// As [`load`].
#[allow(clippy::too_many_lines)]
pub fn parse(path: &Path, text: &str) -> Result<GatewayConfig, ConfigError> {
    let err = |span: core::ops::Range<usize>, field: String, reason: String| ConfigError {
        file: path.to_owned(),
        line: Some(line_of(text, span.start)),
        field: Some(field),
        reason,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: e.span().map(|s| line_of(text, s.start)),
        field: None,
        reason: e.message().to_owned(),
    })?;
    let year_base = match &raw.year_base {
        None => 2000,
        Some(y) => u16::try_from(*y.get_ref())
            .ok()
            .filter(|y| (1900..=2100).contains(y) && y % 100 == 0)
            .ok_or_else(|| {
                err(
                    y.span(),
                    "year_base".into(),
                    format!("{} is not a century such as 2000", y.get_ref()),
                )
            })?,
    };
    let t = raw.tase2.get_ref();
    let bind = t.bind.get_ref().parse().map_err(|_| {
        err(
            t.bind.span(),
            "tase2.bind".into(),
            format!("{:?} is not ADDR:PORT", t.bind.get_ref()),
        )
    })?;
    let open_icc = match &t.open_icc {
        None => "ICC1".to_owned(),
        Some(i) => {
            identifier(i.get_ref()).map_err(|r| err(i.span(), "tase2.open_icc".into(), r))?;
            i.get_ref().clone()
        }
    };
    let transfer_sets = match &t.transfer_sets {
        None => 8,
        Some(n) => u16::try_from(*n.get_ref())
            .ok()
            .filter(|n| (1..=9999).contains(n))
            .ok_or_else(|| {
                err(
                    n.span(),
                    "tase2.transfer_sets".into(),
                    format!("{} is not in 1..=9999", n.get_ref()),
                )
            })?,
    };
    let send_queue = match &t.send_queue {
        None => mms_pdu::driver::SEND_QUEUE,
        Some(n) => usize::try_from(*n.get_ref())
            .ok()
            .filter(|n| *n <= 1 << 30)
            .ok_or_else(|| {
                err(
                    n.span(),
                    "tase2.send_queue".into(),
                    format!("{} is not in 0..=1073741824 (octets)", n.get_ref()),
                )
            })?,
    };
    let mut peers = Vec::new();
    for (i, p) in t.peer.iter().enumerate() {
        let f = |x: &str| format!("tase2.peer[{i}].{x}");
        let ap_title =
            arcs(p.ap_title.get_ref()).map_err(|r| err(p.ap_title.span(), f("ap_title"), r))?;
        identifier(p.icc.get_ref()).map_err(|r| err(p.icc.span(), f("icc"), r))?;
        if peers.iter().any(|q: &Peer| q.icc == *p.icc.get_ref()) {
            return Err(err(
                p.icc.span(),
                f("icc"),
                format!("ICC domain {:?} is already another peer's", p.icc.get_ref()),
            ));
        }
        let id = p.table_id.get_ref();
        if id.is_empty() || id.len() > 32 {
            return Err(err(
                p.table_id.span(),
                f("table_id"),
                "1 to 32 characters".into(),
            ));
        }
        peers.push(Peer {
            ap_title,
            ae_qualifier: p.ae_qualifier,
            icc: p.icc.get_ref().clone(),
            table_id: id.clone(),
            operate: p.operate,
        });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let tls = match &t.tls {
        None => None,
        Some(raw) => Some(
            raw.check(dir)
                .map_err(|(span, field, reason)| err(span, format!("tase2.{field}"), reason))?,
        ),
    };
    let mut names = BTreeSet::new();
    let mut rtus = Vec::new();
    for (r, raw_rtu) in raw.rtu.iter().enumerate() {
        let f = |x: &str| format!("rtu[{r}].{x}");
        let link = link(raw_rtu, raw_rtu.name.span())
            .map_err(|(span, field, reason)| err(span, f(field), reason))?;
        let ca = match &raw_rtu.ca {
            None => 1,
            Some(c) => u16::try_from(*c.get_ref())
                .ok()
                .filter(|v| (1..=65534).contains(v))
                .ok_or_else(|| {
                    err(
                        c.span(),
                        f("ca"),
                        format!("{} is not in 1..=65534", c.get_ref()),
                    )
                })?,
        };
        let interrogation = match &raw_rtu.interrogation {
            None => Some(Duration::from_secs(60)),
            Some(s) => match u64::try_from(*s.get_ref()) {
                Ok(0) => None,
                Ok(n) if n <= 86_400 => Some(Duration::from_secs(n)),
                _ => {
                    return Err(err(
                        s.span(),
                        f("interrogation"),
                        format!("{} is not in 0..=86400 seconds", s.get_ref()),
                    ));
                }
            },
        };
        let mut ioas = BTreeSet::new();
        let mut points = Vec::new();
        for (i, p) in raw_rtu.point.iter().enumerate() {
            let f = |x: &str| format!("rtu[{r}].point[{i}].{x}");
            let ioa = check_ioa(&p.ioa).map_err(|e| err(p.ioa.span(), f("ioa"), e))?;
            if !ioas.insert(ioa) {
                return Err(err(
                    p.ioa.span(),
                    f("ioa"),
                    format!("ioa {ioa} appears twice"),
                ));
            }
            identifier(p.name.get_ref()).map_err(|e| err(p.name.span(), f("name"), e))?;
            if !names.insert(p.name.get_ref().clone()) {
                return Err(err(
                    p.name.span(),
                    f("name"),
                    format!("name {:?} appears twice", p.name.get_ref()),
                ));
            }
            let kind = match p.kind.get_ref().as_str() {
                "real" => PointKind::Real,
                "state" => PointKind::State,
                "discrete" => PointKind::Discrete,
                other => {
                    return Err(err(
                        p.kind.span(),
                        f("kind"),
                        format!("unknown kind {other:?} (real, state, discrete)"),
                    ));
                }
            };
            let icc = scope(p.scope.as_ref()).map_err(|(span, e)| err(span, f("scope"), e))?;
            points.push(RtuPoint {
                ioa,
                name: p.name.get_ref().clone(),
                kind,
                icc,
            });
        }
        let mut devices = Vec::new();
        for (i, d) in raw_rtu.device.iter().enumerate() {
            let f = |x: &str| format!("rtu[{r}].device[{i}].{x}");
            let ioa = check_ioa(&d.ioa).map_err(|e| err(d.ioa.span(), f("ioa"), e))?;
            if !ioas.insert(ioa) {
                return Err(err(
                    d.ioa.span(),
                    f("ioa"),
                    format!("ioa {ioa} appears twice"),
                ));
            }
            identifier(d.name.get_ref()).map_err(|e| err(d.name.span(), f("name"), e))?;
            // <dev>_SBO and <dev>_TAG must fit too.
            if d.name.get_ref().len() > 28 {
                return Err(err(
                    d.name.span(),
                    f("name"),
                    "a device name has at most 28 characters (room for _SBO and _TAG)".into(),
                ));
            }
            if !names.insert(d.name.get_ref().clone()) {
                return Err(err(
                    d.name.span(),
                    f("name"),
                    format!("name {:?} appears twice", d.name.get_ref()),
                ));
            }
            let command = CommandKind::parse(d.command.get_ref()).ok_or_else(|| {
                err(
                    d.command.span(),
                    f("command"),
                    format!(
                        "unknown command {:?} (single, double, normalized, scaled, float)",
                        d.command.get_ref()
                    ),
                )
            })?;
            let select_timeout = match &d.select_timeout {
                None => Duration::from_secs(30),
                Some(s) => match u64::try_from(*s.get_ref()) {
                    Ok(n) if (1..=3600).contains(&n) => Duration::from_secs(n),
                    _ => {
                        return Err(err(
                            s.span(),
                            f("select_timeout"),
                            format!("{} is not in 1..=3600 seconds", s.get_ref()),
                        ));
                    }
                },
            };
            let sbo = d.sbo.unwrap_or(true);
            let icc = scope(d.scope.as_ref()).map_err(|(span, e)| err(span, f("scope"), e))?;
            devices.push(RtuDevice {
                ioa,
                name: d.name.get_ref().clone(),
                command,
                sbo,
                select_timeout,
                rtu_select: d.rtu_select.unwrap_or(sbo),
                icc,
            });
        }
        rtus.push(Rtu {
            name: raw_rtu.name.get_ref().clone(),
            link,
            ca,
            interrogation,
            points,
            devices,
        });
    }
    // Every ICC scope must be a peer's domain (or the open domain without peers).
    let known = |icc: &str| {
        if peers.is_empty() {
            icc == open_icc
        } else {
            peers.iter().any(|p| p.icc == icc)
        }
    };
    for (r, raw_rtu) in raw.rtu.iter().enumerate() {
        let points = raw_rtu
            .point
            .iter()
            .enumerate()
            .map(|(i, p)| ("point", i, &p.scope));
        let devices = raw_rtu
            .device
            .iter()
            .enumerate()
            .map(|(i, d)| ("device", i, &d.scope));
        for (what, n, sc) in points.chain(devices) {
            if let Some(sc) = sc
                && sc.get_ref() != "vcc"
                && !known(sc.get_ref())
            {
                return Err(err(
                    sc.span(),
                    format!("rtu[{r}].{what}[{n}].scope"),
                    format!("no peer has the ICC domain {:?}", sc.get_ref()),
                ));
            }
        }
    }
    Ok(GatewayConfig {
        year_base,
        tase2: Tase2Side {
            bind,
            open_icc,
            transfer_sets,
            send_queue,
            peers,
            tls,
        },
        rtus,
    })
}

impl GatewayConfig {
    /// The configuration the demo runs: the sample 104 station (`telecontrol 104 server`'s
    /// built-in points) at `rtu`, published on `bind` (VCC scope) for the demo control
    /// centre's identity (AP-title 1.3.9999.1, AE-qualifier 12, ICC `ICC1`, table `DEMO_CC`), which may
    /// operate the breaker `RTU1_BRK1` (single command 1100, status single point 100).
    #[must_use]
    pub fn demo(bind: SocketAddr, rtu: SocketAddr) -> GatewayConfig {
        let point = |ioa, name: &str, kind| RtuPoint {
            ioa,
            name: name.into(),
            kind,
            icc: None,
        };
        GatewayConfig {
            year_base: 2000,
            tase2: Tase2Side {
                bind,
                open_icc: "ICC1".into(),
                transfer_sets: 4,
                send_queue: mms_pdu::driver::SEND_QUEUE,
                peers: vec![Peer {
                    ap_title: vec![1, 3, 9999, 1],
                    ae_qualifier: Some(12),
                    icc: "ICC1".into(),
                    table_id: "DEMO_CC".into(),
                    operate: true,
                }],
                tls: None,
            },
            rtus: vec![Rtu {
                name: "RTU1".into(),
                link: RtuLink::Iec104(rtu),
                ca: 1,
                interrogation: Some(Duration::from_secs(60)),
                points: vec![
                    point(100, "RTU1_BRK1_POS", PointKind::State),
                    point(201, "RTU1_ISO1_POS", PointKind::State),
                    point(501, "RTU1_LOAD_PU", PointKind::Real),
                    point(601, "RTU1_MW", PointKind::Real),
                    point(701, "RTU1_KV", PointKind::Real),
                    point(801, "RTU1_ENERGY", PointKind::Discrete),
                ],
                devices: vec![RtuDevice {
                    ioa: 1100,
                    name: "RTU1_BRK1".into(),
                    command: CommandKind::Single,
                    sbo: true,
                    select_timeout: Duration::from_secs(30),
                    rtu_select: true,
                    icc: None,
                }],
            }],
        }
    }
}
