//! The simulated station: monitored points with their current values, command points and
//! the status point each command drives; the built-in sample station.

use asdu::{
    Bcr, Bsi, CommonAddress, Cp56Time2a, Diq, Dpi, Ioa, Nva, Qds, Quality, Rcs, Siq, Sva, Value,
    Vti,
};
use telecontrol_tokio::{CommandMode, Point, Termination};

/// A monitored value of one of the simulated types.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Monitor {
    /// M_SP: single point.
    Single(bool),
    /// M_DP: double point.
    Double(Dpi),
    /// M_ST: step position, −64..=63.
    Step(i8),
    /// M_BO: bitstring of 32 bits.
    Bitstring(u32),
    /// M_ME_NA / M_ME_TD: normalized value, −1..1.
    Normalized(f32),
    /// M_ME_NB / M_ME_TE: scaled value.
    Scaled(i16),
    /// M_ME_NC / M_ME_TF: short float.
    Float(f32),
    /// M_IT: integrated total (counter reading and its sequence number 0..=31).
    Counter(i32, u8),
}

impl Monitor {
    /// The kind's name as the config file spells it.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Monitor::Single(_) => "single",
            Monitor::Double(_) => "double",
            Monitor::Step(_) => "step",
            Monitor::Bitstring(_) => "bitstring",
            Monitor::Normalized(_) => "normalized",
            Monitor::Scaled(_) => "scaled",
            Monitor::Float(_) => "float",
            Monitor::Counter(..) => "counter",
        }
    }

    /// The element set, without time tag (M_xx_NA_1 and friends) or with CP56Time2a
    /// (M_xx_TB_1, M_ME_TD/TE/TF_1).
    #[must_use]
    pub fn value(&self, time: Option<Cp56Time2a>) -> Value<'static> {
        let q = Qds::new(Quality::GOOD);
        let vti = |s: i8| Vti::new(s.clamp(-64, 63), false).unwrap_or_default();
        let bcr = |c: i32, s: u8| Bcr::new(c, s & 31).unwrap_or_default();
        match (*self, time) {
            (Monitor::Single(v), None) => Value::MSpNa1(Siq::new(v, Quality::GOOD)),
            (Monitor::Single(v), Some(t)) => Value::MSpTb1(Siq::new(v, Quality::GOOD), t),
            (Monitor::Double(d), None) => Value::MDpNa1(Diq::new(d, Quality::GOOD)),
            (Monitor::Double(d), Some(t)) => Value::MDpTb1(Diq::new(d, Quality::GOOD), t),
            (Monitor::Step(s), None) => Value::MStNa1(vti(s), q),
            (Monitor::Step(s), Some(t)) => Value::MStTb1(vti(s), q, t),
            (Monitor::Bitstring(b), None) => Value::MBoNa1(Bsi(b), q),
            (Monitor::Bitstring(b), Some(t)) => Value::MBoTb1(Bsi(b), q, t),
            (Monitor::Normalized(n), None) => Value::MMeNa1(Nva::from_f32(n), q),
            (Monitor::Normalized(n), Some(t)) => Value::MMeTd1(Nva::from_f32(n), q, t),
            (Monitor::Scaled(s), None) => Value::MMeNb1(Sva(s), q),
            (Monitor::Scaled(s), Some(t)) => Value::MMeTe1(Sva(s), q, t),
            (Monitor::Float(f), None) => Value::MMeNc1(f, q),
            (Monitor::Float(f), Some(t)) => Value::MMeTf1(f, q, t),
            (Monitor::Counter(c, s), None) => Value::MItNa1(bcr(c, s)),
            (Monitor::Counter(c, s), Some(t)) => Value::MItTb1(bcr(c, s), t),
        }
    }

    /// The next simulated value after `tick` ticks: single and double points toggle, step
    /// positions and scaled values count, bitstrings rotate, normalized and float values
    /// follow a slow wave, counters count up.
    #[must_use]
    pub fn next(&self, tick: u64) -> Monitor {
        let phase = f32::from(u16::try_from(tick % 64).unwrap_or(0)) / 64.0;
        let wave = (phase * core::f32::consts::TAU).sin();
        match *self {
            Monitor::Single(v) => Monitor::Single(!v),
            Monitor::Double(Dpi::On) => Monitor::Double(Dpi::Off),
            Monitor::Double(_) => Monitor::Double(Dpi::On),
            Monitor::Step(s) => Monitor::Step(if s >= 63 { -64 } else { s.saturating_add(1) }),
            Monitor::Bitstring(b) => Monitor::Bitstring(b.rotate_left(1)),
            Monitor::Normalized(_) => Monitor::Normalized(wave * 0.9),
            Monitor::Scaled(s) => Monitor::Scaled(s.wrapping_add(1)),
            Monitor::Float(_) => Monitor::Float(50.0 + 10.0 * wave),
            Monitor::Counter(c, s) => Monitor::Counter(c.wrapping_add(1), s.wrapping_add(1) & 31),
        }
    }
}

/// The command types a command point accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandKind {
    /// C_SC_NA_1 → a single point.
    Single,
    /// C_DC_NA_1 → a double point.
    Double,
    /// C_RC_NA_1 → a step position (higher/lower).
    Step,
    /// C_SE_NA_1 → a normalized value.
    Normalized,
    /// C_SE_NB_1 → a scaled value.
    Scaled,
    /// C_SE_NC_1 → a float value.
    Float,
}

impl CommandKind {
    /// Every kind, with its config/command-line name and its type mnemonic.
    pub const ALL: [(CommandKind, &'static str, &'static str); 6] = [
        (CommandKind::Single, "single", "C_SC_NA_1"),
        (CommandKind::Double, "double", "C_DC_NA_1"),
        (CommandKind::Step, "step", "C_RC_NA_1"),
        (CommandKind::Normalized, "normalized", "C_SE_NA_1"),
        (CommandKind::Scaled, "scaled", "C_SE_NB_1"),
        (CommandKind::Float, "float", "C_SE_NC_1"),
    ];

    /// The kind named `name` (`single`, ... or the mnemonic, any case).
    #[must_use]
    pub fn parse(name: &str) -> Option<CommandKind> {
        CommandKind::ALL
            .iter()
            .find(|(_, n, m)| n.eq_ignore_ascii_case(name) || m.eq_ignore_ascii_case(name))
            .map(|(k, _, _)| *k)
    }

    /// The status kind this command drives.
    #[must_use]
    pub fn status_kind(self) -> &'static str {
        match self {
            CommandKind::Single => "single",
            CommandKind::Double => "double",
            CommandKind::Step => "step",
            CommandKind::Normalized => "normalized",
            CommandKind::Scaled => "scaled",
            CommandKind::Float => "float",
        }
    }

    /// The kind of a received command element set, if it is one of ours.
    #[must_use]
    pub fn of(value: &Value<'_>) -> Option<CommandKind> {
        Some(match value {
            Value::CScNa1(_) | Value::CScTa1(..) => CommandKind::Single,
            Value::CDcNa1(_) | Value::CDcTa1(..) => CommandKind::Double,
            Value::CRcNa1(_) | Value::CRcTa1(..) => CommandKind::Step,
            Value::CSeNa1(..) | Value::CSeTa1(..) => CommandKind::Normalized,
            Value::CSeNb1(..) | Value::CSeTb1(..) => CommandKind::Scaled,
            Value::CSeNc1(..) | Value::CSeTc1(..) => CommandKind::Float,
            _ => return None,
        })
    }
}

/// The new status value after `command` acts on `status`; `None` if they do not match.
#[must_use]
pub fn apply_command(status: Monitor, command: &Value<'_>) -> Option<Monitor> {
    Some(match (status, command) {
        (Monitor::Single(_), Value::CScNa1(c) | Value::CScTa1(c, _)) => Monitor::Single(c.state()),
        (Monitor::Double(_), Value::CDcNa1(c) | Value::CDcTa1(c, _)) => Monitor::Double(c.state()),
        (Monitor::Step(s), Value::CRcNa1(c) | Value::CRcTa1(c, _)) => match c.state() {
            Rcs::Higher => Monitor::Step(s.saturating_add(1).min(63)),
            Rcs::Lower => Monitor::Step(s.saturating_sub(1).max(-64)),
            Rcs::NotPermitted0 | Rcs::NotPermitted3 => return None,
        },
        (Monitor::Normalized(_), Value::CSeNa1(n, _) | Value::CSeTa1(n, _, _)) => {
            Monitor::Normalized(n.to_f32())
        }
        (Monitor::Scaled(_), Value::CSeNb1(s, _) | Value::CSeTb1(s, _, _)) => Monitor::Scaled(s.0),
        (Monitor::Float(_), Value::CSeNc1(f, _) | Value::CSeTc1(f, _, _)) => Monitor::Float(*f),
        _ => return None,
    })
}

/// A monitored point of the simulated station.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonitorPoint {
    /// Information object address.
    pub ioa: u32,
    /// Current value.
    pub value: Monitor,
    /// Changed by the simulator every tick (spontaneous events).
    pub simulate: bool,
}

/// How the simulator answers a command point's commands (for testing a master).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Answer {
    /// Confirm positively and carry the command out.
    #[default]
    Positive,
    /// Negative activation confirmation.
    Negative,
    /// No answer at all (the master's time-out decides).
    None,
}

impl Answer {
    /// `positive`, `negative` or `none`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Answer> {
        Some(match s {
            "positive" => Answer::Positive,
            "negative" => Answer::Negative,
            "none" => Answer::None,
            _ => return None,
        })
    }
}

/// `immediate`, `never`, or a delay in milliseconds.
#[must_use]
pub fn parse_termination(s: &str) -> Option<Termination> {
    match s {
        "immediate" => Some(Termination::Immediate),
        "never" => Some(Termination::Never),
        ms => ms
            .parse::<u64>()
            .ok()
            .filter(|ms| *ms <= 3_600_000)
            .map(|ms| Termination::After(std::time::Duration::from_millis(ms))),
    }
}

/// A command point of the simulated station.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CommandPoint {
    /// Information object address.
    pub ioa: u32,
    /// The command type it accepts.
    pub kind: CommandKind,
    /// Direct, select-before-operate or both.
    pub mode: CommandMode,
    /// The monitored point the command sets.
    pub status: u32,
    /// How its commands are answered.
    pub answer: Answer,
    /// When an accepted execute is terminated (ACTTERM).
    pub termination: Termination,
}

/// The station a `104 server` serves.
#[derive(Clone, Debug, PartialEq)]
pub struct StationSpec {
    /// Common address.
    pub ca: u16,
    /// Monitored points.
    pub points: Vec<MonitorPoint>,
    /// Command points.
    pub commands: Vec<CommandPoint>,
}

impl StationSpec {
    /// The built-in sample at common address `ca`: two points of each monitored type (the
    /// second of each changes every tick) and one command point per command type, each
    /// accepting direct execute and select-before-operate:
    ///
    /// | status IOA | type | command IOA | command |
    /// |---|---|---|---|
    /// | 100, 101 | single | 1100 | C_SC_NA_1 |
    /// | 200, 201 | double | 1200 | C_DC_NA_1 |
    /// | 300, 301 | step position | 1300 | C_RC_NA_1 |
    /// | 400, 401 | bitstring | | |
    /// | 500, 501 | normalized | 1500 | C_SE_NA_1 |
    /// | 600, 601 | scaled | 1600 | C_SE_NB_1 |
    /// | 700, 701 | float | 1700 | C_SE_NC_1 |
    /// | 800, 801 | integrated totals | | |
    #[must_use]
    pub fn sample(ca: u16) -> StationSpec {
        let pairs = [
            (100, Monitor::Single(false), Monitor::Single(true)),
            (200, Monitor::Double(Dpi::Off), Monitor::Double(Dpi::On)),
            (300, Monitor::Step(0), Monitor::Step(10)),
            (400, Monitor::Bitstring(0x0000_00FF), Monitor::Bitstring(1)),
            (500, Monitor::Normalized(0.25), Monitor::Normalized(0.0)),
            (600, Monitor::Scaled(-100), Monitor::Scaled(1000)),
            (700, Monitor::Float(230.5), Monitor::Float(50.0)),
            (800, Monitor::Counter(1000, 0), Monitor::Counter(0, 0)),
        ];
        let mut points = Vec::new();
        for (ioa, fixed, moving) in pairs {
            points.push(MonitorPoint {
                ioa,
                value: fixed,
                simulate: false,
            });
            points.push(MonitorPoint {
                ioa: ioa + 1,
                value: moving,
                simulate: true,
            });
        }
        let commands = CommandKind::ALL
            .iter()
            .zip([100, 200, 300, 500, 600, 700])
            .map(|((kind, _, _), status)| CommandPoint {
                ioa: status + 1000,
                kind: *kind,
                mode: CommandMode::Any,
                status,
                answer: Answer::Positive,
                termination: Termination::Immediate,
            })
            .collect();
        StationSpec {
            ca,
            points,
            commands,
        }
    }

    /// The points as the adapter's database holds them (values without time tag; counters
    /// in counter group 1).
    #[must_use]
    pub fn database_points(&self) -> Vec<Point> {
        let ca = CommonAddress(self.ca);
        let mut out: Vec<Point> = self
            .points
            .iter()
            .map(|p| {
                let mut point = Point::monitored(ca, ioa(p.ioa), p.value.value(None));
                if matches!(p.value, Monitor::Counter(..)) {
                    point.counter_groups = 1;
                }
                point
            })
            .collect();
        out.extend(
            self.commands
                .iter()
                .map(|c| Point::controllable(ca, ioa(c.ioa), c.mode)),
        );
        out
    }
}

/// The IOA `v` (validated to 24 bits by the config; larger values map to 0, never sent).
#[must_use]
pub fn ioa(v: u32) -> Ioa {
    Ioa::new(v).unwrap_or(Ioa::IRRELEVANT)
}
