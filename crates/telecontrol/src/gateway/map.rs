//! How 60870-5 values become TASE.2 values and TASE.2 device operations become 60870-5
//! commands: the gateway's mapping rules, as pure functions.
//!
//! | 60870-5 type | TASE.2 kind | value |
//! |---|---|---|
//! | single point (SIQ) | state | on → `CLOSED` (ON), off → `TRIPPED` (OFF) |
//! | double point (DIQ) | state | DPI 0..=3 → `BETWEEN`, `TRIPPED`, `CLOSED`, `INVALID` (the same codes) |
//! | step position (VTI) | discrete | the step value |
//! | bitstring (BSI) | discrete | the 32 bits as a signed integer |
//! | normalized (NVA) | real | value / 32768 |
//! | scaled (SVA) | real, or discrete | the integer |
//! | short float | real | the float |
//! | integrated totals (BCR) | discrete | the counter |
//!
//! Quality: IV → validity `NOTVALID`; else NT → `HELD`; else BL or OV → `SUSPECT`; SB →
//! current source `ENTERED` (substituted), otherwise `TELEMETERED`; for single and double
//! points the state bits carry the position. Time: the CP56Time2a (or CP24Time2a completed
//! with the gateway's clock) becomes `TimeStampExtended` (GMTBasedS and milliseconds); its IV
//! bit sets the TASE.2 time-stamp-quality flag. Objects without a time tag take the gateway's
//! receive time. The points use the `*QTimeTagExtended` types, so millisecond time tags survive.

use asdu::{
    Cp56Time2a, Dco, Dpi, Nva, Qos, Qu, Quality as AsduQuality, Sco, Sva, TimeTag,
    Value as AsduValue,
};
use tase2_transfer_sets::{
    CurrentSource, DataFlags, DeviceKind, DeviceValue, State, TimeStampExtended, TimeTagged,
    Validity, Value, ValueKind,
};

/// The TASE.2 kind a 60870-5 point is published as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointKind {
    /// `Data_RealQTimeTagExtended`.
    Real,
    /// `Data_StateQTimeTagExtended`.
    State,
    /// `Data_DiscreteQTimeTagExtended`.
    Discrete,
}

impl PointKind {
    /// The -802 type of the published point.
    #[must_use]
    pub const fn value_kind(self) -> ValueKind {
        match self {
            PointKind::Real => ValueKind::RealQTimeTagExtended,
            PointKind::State => ValueKind::StateQTimeTagExtended,
            PointKind::Discrete => ValueKind::DiscreteQTimeTagExtended,
        }
    }

    /// The natural kind of a 60870-5 monitored value, `None` for types that are not points.
    #[must_use]
    pub fn of(value: &AsduValue<'_>) -> Option<PointKind> {
        Some(match monitored(value)? {
            (Reading::Real(_), _) => PointKind::Real,
            (Reading::State(_), _) => PointKind::State,
            (Reading::Discrete(_), _) => PointKind::Discrete,
        })
    }
}

/// A monitored reading before it takes a TASE.2 shape.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reading {
    Real(f32),
    State(State),
    Discrete(i32),
}

/// The reading and quality of a monitored 60870-5 value.
fn monitored(value: &AsduValue<'_>) -> Option<(Reading, AsduQuality)> {
    use AsduValue as V;
    Some(match *value {
        V::MSpNa1(s) | V::MSpTa1(s, _) | V::MSpTb1(s, _) => {
            let state = if s.spi() {
                State::Closed
            } else {
                State::Tripped
            };
            (Reading::State(state), s.quality())
        }
        V::MDpNa1(d) | V::MDpTa1(d, _) | V::MDpTb1(d, _) => {
            (Reading::State(State::from_bits(d.dpi() as u8)), d.quality())
        }
        V::MStNa1(v, q) | V::MStTa1(v, q, _) | V::MStTb1(v, q, _) => {
            (Reading::Discrete(i32::from(v.value())), q.quality())
        }
        V::MBoNa1(b, q) | V::MBoTa1(b, q, _) | V::MBoTb1(b, q, _) => (
            Reading::Discrete(i32::from_ne_bytes(b.0.to_ne_bytes())),
            q.quality(),
        ),
        V::MMeNa1(n, q) | V::MMeTa1(n, q, _) | V::MMeTd1(n, q, _) => {
            (Reading::Real(n.to_f32()), q.quality())
        }
        V::MMeNd1(n) => (Reading::Real(n.to_f32()), AsduQuality::GOOD),
        V::MMeNb1(s, q) | V::MMeTb1(s, q, _) | V::MMeTe1(s, q, _) => {
            (Reading::Real(f32::from(s.0)), q.quality())
        }
        V::MMeNc1(f, q) | V::MMeTc1(f, q, _) | V::MMeTf1(f, q, _) => {
            (Reading::Real(f), q.quality())
        }
        V::MItNa1(c) | V::MItTa1(c, _) | V::MItTb1(c, _) => (
            Reading::Discrete(c.counter()),
            AsduQuality::GOOD.with_invalid(c.invalid()),
        ),
        _ => return None,
    })
}

/// TASE.2 flags for a 60870-5 quality (state bits left at `BETWEEN`).
#[must_use]
pub fn flags(q: AsduQuality) -> DataFlags {
    let validity = if q.invalid() {
        Validity::NotValid
    } else if q.not_topical() {
        Validity::Held
    } else if q.blocked() || q.overflow() {
        Validity::Suspect
    } else {
        Validity::Valid
    };
    let source = if q.substituted() {
        CurrentSource::Entered
    } else {
        CurrentSource::Telemetered
    };
    DataFlags::GOOD
        .with_validity(validity)
        .with_current_source(source)
}

/// A time in Unix milliseconds as `TimeStampExtended` (saturating at the i32 range).
#[must_use]
pub fn time_stamp(unix_millis: u64) -> TimeStampExtended {
    let s = unix_millis / 1000;
    TimeStampExtended {
        gmt_based_s: i32::try_from(s).unwrap_or(i32::MAX),
        milliseconds: i16::try_from(unix_millis % 1000).unwrap_or(0),
    }
}

/// The time of an object: its time tag (a CP24Time2a completed with `received`'s hour and
/// date), else `received`; and whether the tag was marked invalid.
fn object_time(tag: Option<TimeTag>, received_unix_millis: u64, year_base: u16) -> (u64, bool) {
    match tag {
        Some(TimeTag::Cp56(t)) => match t.to_unix_millis(year_base) {
            Some(ms) => (ms, t.invalid()),
            None => (received_unix_millis, true),
        },
        Some(TimeTag::Cp24(t)) => {
            // Minutes and milliseconds of the current hour of the receive time.
            let hour_start = received_unix_millis - received_unix_millis % 3_600_000;
            let within = u64::from(t.minute()) * 60_000 + u64::from(t.millis());
            let mut ms = hour_start + within;
            if ms > received_unix_millis + 60_000 {
                // Tagged in the previous hour.
                ms = ms.saturating_sub(3_600_000);
            }
            (ms, t.invalid())
        }
        None => (received_unix_millis, false),
    }
}

/// The TASE.2 value of a monitored 60870-5 object published as `kind`; `None` when the
/// object is not a monitored point or does not fit the kind (a state from a measurement).
#[must_use]
pub fn point_value(
    value: &AsduValue<'_>,
    kind: PointKind,
    received_unix_millis: u64,
    year_base: u16,
) -> Option<Value> {
    let (reading, quality) = monitored(value)?;
    let (ms, tag_invalid) = object_time(value.time_tag(), received_unix_millis, year_base);
    let time_stamp = time_stamp(ms);
    let mut flags = flags(quality).with_time_stamp_invalid(tag_invalid);
    Some(match (kind, reading) {
        (PointKind::Real, Reading::Real(v)) => Value::RealQTimeTagExtended(TimeTagged {
            value: v,
            time_stamp,
            flags,
        }),
        (PointKind::Real, Reading::Discrete(v)) => Value::RealQTimeTagExtended(TimeTagged {
            value: v as f32,
            time_stamp,
            flags,
        }),
        (PointKind::Discrete, Reading::Discrete(v)) => {
            Value::DiscreteQTimeTagExtended(TimeTagged {
                value: v,
                time_stamp,
                flags,
            })
        }
        #[allow(clippy::cast_possible_truncation)] // a whole number within the i32 range
        (PointKind::Discrete, Reading::Real(v)) if v.fract() == 0.0 && v.abs() < 2.0e9 => {
            Value::DiscreteQTimeTagExtended(TimeTagged {
                value: v as i32,
                time_stamp,
                flags,
            })
        }
        (PointKind::State, Reading::State(s)) => {
            flags = flags.with_state(s);
            Value::StateQTimeTagExtended(TimeTagged {
                value: (),
                time_stamp,
                flags,
            })
        }
        _ => return None,
    })
}

/// The 60870-5 command a TASE.2 device operation becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandKind {
    /// `C_SC_NA_1`: TASE.2 command 0 → off, 1 → on.
    Single,
    /// `C_DC_NA_1`: TASE.2 command 0 → off (DCO 1), 1 → on (DCO 2).
    Double,
    /// `C_SE_NA_1` from a real set-point in [-1, 1).
    Normalized,
    /// `C_SE_NB_1` from a discrete set-point.
    Scaled,
    /// `C_SE_NC_1` from a real set-point.
    Float,
}

impl CommandKind {
    /// The TASE.2 device kind that drives this command.
    #[must_use]
    pub const fn device_kind(self) -> DeviceKind {
        match self {
            CommandKind::Single | CommandKind::Double => DeviceKind::Command,
            CommandKind::Scaled => DeviceKind::DiscreteSetPoint,
            CommandKind::Normalized | CommandKind::Float => DeviceKind::RealSetPoint,
        }
    }

    /// Parse the configuration name (`single`, `double`, `normalized`, `scaled`, `float`).
    #[must_use]
    pub fn parse(name: &str) -> Option<CommandKind> {
        Some(match name {
            "single" | "C_SC_NA_1" => CommandKind::Single,
            "double" | "C_DC_NA_1" => CommandKind::Double,
            "normalized" | "C_SE_NA_1" => CommandKind::Normalized,
            "scaled" | "C_SE_NB_1" => CommandKind::Scaled,
            "float" | "C_SE_NC_1" => CommandKind::Float,
            _ => return None,
        })
    }
}

/// Why a TASE.2 operation has no 60870-5 command.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CommandMapError {
    /// The value's kind does not drive this command (a set-point to a switch).
    WrongKind,
    /// A command value other than 0 and 1, or a set-point out of the command's range.
    OutOfRange,
}

impl std::fmt::Display for CommandMapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CommandMapError::WrongKind => "the value's kind does not match the 60870-5 command",
            CommandMapError::OutOfRange => "the value is out of the 60870-5 command's range",
        })
    }
}

impl std::error::Error for CommandMapError {}

/// The 60870-5 command value (S/E = 0: the adapter sets select and execute itself) of a
/// TASE.2 device operation.
///
/// # Errors
/// [`CommandMapError`] when the value cannot drive `kind`.
pub fn command_value(
    kind: CommandKind,
    value: DeviceValue,
) -> Result<AsduValue<'static>, CommandMapError> {
    match (kind, value) {
        (CommandKind::Single, DeviceValue::Command(v)) => match v {
            0 | 1 => Ok(AsduValue::CScNa1(Sco::new(v == 1, Qu::NONE, false))),
            _ => Err(CommandMapError::OutOfRange),
        },
        (CommandKind::Double, DeviceValue::Command(v)) => match v {
            0 => Ok(AsduValue::CDcNa1(Dco::new(Dpi::Off, Qu::NONE, false))),
            1 => Ok(AsduValue::CDcNa1(Dco::new(Dpi::On, Qu::NONE, false))),
            _ => Err(CommandMapError::OutOfRange),
        },
        (CommandKind::Scaled, DeviceValue::DiscreteSetPoint(v)) => {
            Ok(AsduValue::CSeNb1(Sva(v), qos()))
        }
        (CommandKind::Float, DeviceValue::RealSetPoint(v)) if v.is_finite() => {
            Ok(AsduValue::CSeNc1(v, qos()))
        }
        (CommandKind::Normalized, DeviceValue::RealSetPoint(v)) => {
            if (-1.0..1.0).contains(&v) {
                Ok(AsduValue::CSeNa1(Nva::from_f32(v), qos()))
            } else {
                Err(CommandMapError::OutOfRange)
            }
        }
        (CommandKind::Float, DeviceValue::RealSetPoint(_)) => Err(CommandMapError::OutOfRange),
        _ => Err(CommandMapError::WrongKind),
    }
}

/// QL 0, S/E 0.
fn qos() -> Qos {
    Qos::default()
}

/// The current time as a CP56Time2a (years from 2000), for commands that carry one.
#[must_use]
pub fn now_cp56(unix_millis: u64) -> Option<Cp56Time2a> {
    Cp56Time2a::from_unix_millis(unix_millis, 2000)
}

#[cfg(test)]
mod tests;
