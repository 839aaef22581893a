//! The `104 server --config FILE` format (TOML):
//!
//! ```toml
//! ca = 1                      # common address (1..=65534), default 1
//!
//! [[point]]
//! ioa = 100                   # 1..=16777215, unique
//! type = "single"             # single, double, step, bitstring, normalized, scaled,
//!                             # float, counter (or the mnemonic: "M_SP_NA_1", ...)
//! value = true                # single: bool; double: "on"/"off"/"intermediate"/
//!                             # "indeterminate"; step: -64..=63; bitstring: 0..=2^32-1;
//!                             # normalized: -1..1; scaled: i16; float; counter: i32
//! simulate = false            # change every tick (spontaneous events), default false
//!
//! [[command]]
//! ioa = 1100
//! type = "single"             # single, double, step, normalized, scaled, float
//!                             # (or "C_SC_NA_1", ...)
//! mode = "any"                # "direct", "select" (select-before-operate) or "any"
//! status = 100                # the point of the matching type the command sets
//!
//! [tls]                       # optional: TLS (IEC 62351-3), see super::tls
//! cert = "server.pem"
//! key = "server.key"
//! ca = "ca.pem"
//! ```
//!
//! Every error names the file, the line and the field.

use super::points::{
    Answer, CommandKind, CommandPoint, Monitor, MonitorPoint, StationSpec, parse_termination,
};
use asdu::Dpi;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use telecontrol_tokio::CommandMode;
use telecontrol_tokio::Termination;
use toml::Spanned;

/// A config file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The field (e.g. `point[2].value`), when known.
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    ca: Option<Spanned<i64>>,
    #[serde(default)]
    point: Vec<RawPoint>,
    #[serde(default)]
    command: Vec<RawCommand>,
    tls: Option<super::tls::RawTls>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoint {
    ioa: Spanned<i64>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    value: Spanned<toml::Value>,
    #[serde(default)]
    simulate: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommand {
    ioa: Spanned<i64>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    mode: Option<Spanned<String>>,
    status: Spanned<i64>,
    answer: Option<Spanned<String>>,
    termination: Option<Spanned<toml::Value>>,
}

/// Read and validate the config file at `path`.
///
/// # Errors
/// [`ConfigError`] naming the file, line and field when the file cannot be read, is not
/// TOML, or describes an invalid station.
pub fn load(path: &Path) -> Result<StationSpec, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: None,
        field: None,
        reason: e.to_string(),
    })?;
    parse(path, &text)
}

/// The station and the `[tls]` table (if any) of the config file `path`.
///
/// # Errors
/// As [`load`], also for an invalid `[tls]` table (the files it names are not read here).
pub fn load_with_tls(
    path: &Path,
) -> Result<(StationSpec, Option<super::tls::TlsFiles>), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: None,
        field: None,
        reason: e.to_string(),
    })?;
    Ok((parse(path, &text)?, parse_tls(path, &text)?))
}

/// The `[tls]` table of config `text` (from `path`: relative file names are resolved
/// against its directory).
///
/// # Errors
/// As [`parse`].
pub fn parse_tls(path: &Path, text: &str) -> Result<Option<super::tls::TlsFiles>, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: e.span().map(|s| line_of(text, s.start)),
        field: None,
        reason: e.message().to_owned(),
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    raw.tls
        .map(|t| t.check(dir))
        .transpose()
        .map_err(|(span, field, reason)| ConfigError {
            file: path.to_owned(),
            line: Some(line_of(text, span.start)),
            field: Some(field),
            reason,
        })
}

/// Validate config `text` (from `path`, for the messages).
///
/// # Errors
/// As [`load`].
pub fn parse(path: &Path, text: &str) -> Result<StationSpec, ConfigError> {
    let err = |span: Option<core::ops::Range<usize>>, field: Option<String>, reason: String| {
        ConfigError {
            file: path.to_owned(),
            line: span.map(|s| line_of(text, s.start)),
            field,
            reason,
        }
    };
    let raw: RawConfig =
        toml::from_str(text).map_err(|e| err(e.span(), None, e.message().to_owned()))?;
    let ca = match &raw.ca {
        None => 1,
        Some(c) => u16::try_from(*c.get_ref())
            .ok()
            .filter(|v| (1..=65534).contains(v))
            .ok_or_else(|| {
                err(
                    Some(c.span()),
                    Some("ca".into()),
                    format!("{} is not in 1..=65534", c.get_ref()),
                )
            })?,
    };
    let mut points = Vec::new();
    for (i, p) in raw.point.iter().enumerate() {
        let name = |f: &str| Some(format!("point[{i}].{f}"));
        let ioa = check_ioa(&p.ioa).map_err(|r| err(Some(p.ioa.span()), name("ioa"), r))?;
        let value = monitor(p.kind.get_ref(), p.value.get_ref()).map_err(|(on_type, r)| {
            if on_type {
                err(Some(p.kind.span()), name("type"), r)
            } else {
                err(Some(p.value.span()), name("value"), r)
            }
        })?;
        points.push((
            p.ioa.span(),
            MonitorPoint {
                ioa,
                value,
                simulate: p.simulate,
            },
        ));
    }
    let mut commands = Vec::new();
    for (i, c) in raw.command.iter().enumerate() {
        let name = |f: &str| Some(format!("command[{i}].{f}"));
        let ioa = check_ioa(&c.ioa).map_err(|r| err(Some(c.ioa.span()), name("ioa"), r))?;
        let kind = CommandKind::parse(c.kind.get_ref()).ok_or_else(|| {
            err(
                Some(c.kind.span()),
                name("type"),
                format!(
                    "unknown command type {:?} (single, double, step, normalized, scaled, float)",
                    c.kind.get_ref()
                ),
            )
        })?;
        let mode = match &c.mode {
            None => CommandMode::Any,
            Some(m) => match m.get_ref().as_str() {
                "direct" => CommandMode::Direct,
                "select" | "sbo" => CommandMode::SelectBeforeOperate,
                "any" => CommandMode::Any,
                other => {
                    return Err(err(
                        Some(m.span()),
                        name("mode"),
                        format!("unknown mode {other:?} (direct, select, any)"),
                    ));
                }
            },
        };
        let status =
            check_ioa(&c.status).map_err(|r| err(Some(c.status.span()), name("status"), r))?;
        let target = points.iter().find(|(_, p)| p.ioa == status);
        match target {
            None => {
                return Err(err(
                    Some(c.status.span()),
                    name("status"),
                    format!("no [[point]] with ioa {status}"),
                ));
            }
            Some((_, p)) if p.value.kind() != kind.status_kind() => {
                return Err(err(
                    Some(c.status.span()),
                    name("status"),
                    format!(
                        "point {status} is {}, a {} command needs a {} point",
                        p.value.kind(),
                        c.kind.get_ref(),
                        kind.status_kind()
                    ),
                ));
            }
            Some(_) => {}
        }
        let answer = match &c.answer {
            None => Answer::Positive,
            Some(a) => Answer::parse(a.get_ref()).ok_or_else(|| {
                err(
                    Some(a.span()),
                    name("answer"),
                    format!(
                        "unknown answer {:?} (positive, negative, none)",
                        a.get_ref()
                    ),
                )
            })?,
        };
        let termination = match &c.termination {
            None => Termination::Immediate,
            Some(t) => {
                let text = match t.get_ref() {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    other => other.to_string(),
                };
                parse_termination(&text).ok_or_else(|| {
                    err(
                        Some(t.span()),
                        name("termination"),
                        format!(
                            "{text} is not \"immediate\", \"never\" or milliseconds (0..=3600000)"
                        ),
                    )
                })?
            }
        };
        commands.push((
            c.ioa.span(),
            CommandPoint {
                ioa,
                kind,
                mode,
                status,
                answer,
                termination,
            },
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (span, ioa) in points
        .iter()
        .map(|(s, p)| (s, p.ioa))
        .chain(commands.iter().map(|(s, c)| (s, c.ioa)))
    {
        if !seen.insert(ioa) {
            return Err(err(
                Some(span.clone()),
                Some("ioa".into()),
                format!("ioa {ioa} is used twice"),
            ));
        }
    }
    Ok(StationSpec {
        ca,
        points: points.into_iter().map(|(_, p)| p).collect(),
        commands: commands.into_iter().map(|(_, c)| c).collect(),
    })
}

/// 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |t| t.bytes().filter(|&b| b == b'\n').count() + 1)
}

pub(crate) fn check_ioa(v: &Spanned<i64>) -> Result<u32, String> {
    u32::try_from(*v.get_ref())
        .ok()
        .filter(|v| (1..=0x00FF_FFFF).contains(v))
        .ok_or_else(|| format!("{} is not in 1..=16777215", v.get_ref()))
}

/// The monitored value of type `kind` from `value`; the error says whether the type
/// (true) or the value (false) is wrong.
fn monitor(kind: &str, value: &toml::Value) -> Result<Monitor, (bool, String)> {
    use toml::Value as T;
    let kind_l = kind.to_ascii_lowercase();
    let k = match kind_l.as_str() {
        "m_sp_na_1" | "m_sp_tb_1" => "single",
        "m_dp_na_1" | "m_dp_tb_1" => "double",
        "m_st_na_1" | "m_st_tb_1" => "step",
        "m_bo_na_1" | "m_bo_tb_1" => "bitstring",
        "m_me_na_1" | "m_me_td_1" => "normalized",
        "m_me_nb_1" | "m_me_te_1" => "scaled",
        "m_me_nc_1" | "m_me_tf_1" => "float",
        "m_it_na_1" | "m_it_tb_1" => "counter",
        other => other,
    };
    let bad = |want: &str| {
        (
            false,
            format!("expected {want} for a {k} point, found {value}"),
        )
    };
    let int = |lo: i64, hi: i64, want: &str| match value {
        T::Integer(i) if (lo..=hi).contains(i) => Ok(*i),
        _ => Err(bad(want)),
    };
    let float = || match value {
        T::Float(f) => Ok(*f),
        T::Integer(i) => Ok(*i as f64),
        _ => Err(bad("a number")),
    };
    Ok(match k {
        "single" => match value {
            T::Boolean(b) => Monitor::Single(*b),
            _ => return Err(bad("true or false")),
        },
        "double" => match value.as_str() {
            Some("on") => Monitor::Double(Dpi::On),
            Some("off") => Monitor::Double(Dpi::Off),
            Some("intermediate") => Monitor::Double(Dpi::Intermediate),
            Some("indeterminate") => Monitor::Double(Dpi::Indeterminate),
            _ => {
                return Err(bad(
                    "\"on\", \"off\", \"intermediate\" or \"indeterminate\"",
                ));
            }
        },
        "step" => {
            Monitor::Step(i8::try_from(int(-64, 63, "an integer in -64..=63")?).unwrap_or_default())
        }
        "bitstring" => Monitor::Bitstring(
            u32::try_from(int(0, i64::from(u32::MAX), "an integer in 0..=4294967295")?)
                .unwrap_or_default(),
        ),
        "normalized" => {
            let f = float()?;
            if !(-1.0..1.0).contains(&f) {
                return Err(bad("a number in -1..1"));
            }
            #[allow(clippy::cast_possible_truncation)]
            Monitor::Normalized(f as f32)
        }
        "scaled" => Monitor::Scaled(
            i16::try_from(int(-32768, 32767, "an integer in -32768..=32767")?).unwrap_or_default(),
        ),
        #[allow(clippy::cast_possible_truncation)]
        "float" => Monitor::Float(float()? as f32),
        "counter" => Monitor::Counter(
            i32::try_from(int(
                i64::from(i32::MIN),
                i64::from(i32::MAX),
                "a 32-bit integer",
            )?)
            .unwrap_or_default(),
            0,
        ),
        _ => {
            return Err((
                true,
                format!(
                    "unknown point type {kind:?} (single, double, step, bitstring, normalized, \
                     scaled, float, counter)"
                ),
            ));
        }
    })
}
