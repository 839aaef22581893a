//! The connection parameters of IEC 60870-5-104 clause 5.6 (k, w, t0-t3) and the station
//! roles.

use core::fmt;
use core::time::Duration;

/// Which end of the link a [`Connection`](crate::Connection) is (IEC 60870-5-104 clause 5.3):
/// only the controlling station starts and stops data transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The controlling station (client, master): sends STARTDT and STOPDT act.
    #[doc(alias = "client")]
    #[doc(alias = "master")]
    Controlling,
    /// The controlled station (server, slave, outstation): confirms STARTDT and STOPDT.
    #[doc(alias = "server")]
    #[doc(alias = "slave")]
    #[doc(alias = "outstation")]
    Controlled,
}

/// One of the four timers of IEC 60870-5-104 clause 5.6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// t0: time-out of connection establishment (applied by adapters).
    T0,
    /// t1: time-out of a sent I frame's acknowledgement or a sent U act's confirmation.
    T1,
    /// t2: time-out for acknowledging received I frames when no data is sent.
    T2,
    /// t3: time-out for sending TESTFR act on an idle connection.
    T3,
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timer::T0 => "t0",
            Timer::T1 => "t1",
            Timer::T2 => "t2",
            Timer::T3 => "t3",
        })
    }
}

/// The largest k and w: half the sequence-number space (clause 5.5).
pub const MAX_WINDOW: u16 = 32_767;

/// Validated connection parameters (IEC 60870-5-104 clause 5.6): 1 ≤ w ≤ k ≤ 32767, every
/// timer at least 1 µs, t2 < t1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApciConfig {
    k: u16,
    w: u16,
    t0: Duration,
    t1: Duration,
    t2: Duration,
    t3: Duration,
}

impl ApciConfig {
    /// The standard's default values: k = 12, w = 8, t0 = 30 s, t1 = 15 s, t2 = 10 s,
    /// t3 = 20 s (clause 5.6).
    pub const DEFAULT: ApciConfig = ApciConfig {
        k: 12,
        w: 8,
        t0: Duration::from_secs(30),
        t1: Duration::from_secs(15),
        t2: Duration::from_secs(10),
        t3: Duration::from_secs(20),
    };

    /// Check and build a parameter set.
    ///
    /// # Errors
    /// [`ConfigError`] naming the violated rule: k or w zero or above 32767, w > k, a zero
    /// (under 1 µs) timer, or t2 ≥ t1.
    pub fn new(
        k: u16,
        w: u16,
        t0: Duration,
        t1: Duration,
        t2: Duration,
        t3: Duration,
    ) -> Result<ApciConfig, ConfigError> {
        if k == 0 || k > MAX_WINDOW {
            return Err(ConfigError::KOutOfRange { k });
        }
        if w == 0 || w > k {
            return Err(ConfigError::WOutOfRange { k, w });
        }
        for (timer, d) in [
            (Timer::T0, t0),
            (Timer::T1, t1),
            (Timer::T2, t2),
            (Timer::T3, t3),
        ] {
            if d.as_micros() == 0 {
                return Err(ConfigError::ZeroTimer { timer });
            }
        }
        if t2 >= t1 {
            return Err(ConfigError::T2NotBelowT1 { t1, t2 });
        }
        Ok(ApciConfig {
            k,
            w,
            t0,
            t1,
            t2,
            t3,
        })
    }

    /// k: the most I frames sent and not yet acknowledged.
    #[must_use]
    pub const fn k(&self) -> u16 {
        self.k
    }

    /// w: acknowledge at the latest after receiving w I frames.
    #[must_use]
    pub const fn w(&self) -> u16 {
        self.w
    }

    /// t0: connection establishment time-out; the core never opens connections, adapters
    /// apply it.
    #[must_use]
    pub const fn t0(&self) -> Duration {
        self.t0
    }

    /// t1: acknowledgement / confirmation time-out.
    #[must_use]
    pub const fn t1(&self) -> Duration {
        self.t1
    }

    /// t2: acknowledgement delay for received I frames.
    #[must_use]
    pub const fn t2(&self) -> Duration {
        self.t2
    }

    /// t3: idle time before a TESTFR act.
    #[must_use]
    pub const fn t3(&self) -> Duration {
        self.t3
    }
}

impl Default for ApciConfig {
    fn default() -> Self {
        ApciConfig::DEFAULT
    }
}

/// Why connection parameters or capacities are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigError {
    /// k is 0 or above 32767.
    KOutOfRange {
        /// The k given.
        k: u16,
    },
    /// w is 0 or above k.
    WOutOfRange {
        /// The k given.
        k: u16,
        /// The w given.
        w: u16,
    },
    /// A timer is shorter than 1 µs.
    ZeroTimer {
        /// Which timer.
        timer: Timer,
    },
    /// t2 is not shorter than t1.
    T2NotBelowT1 {
        /// The t1 given.
        t1: Duration,
        /// The t2 given.
        t2: Duration,
    },
    /// k exceeds the connection's storage for unacknowledged I frames (its `K` parameter).
    WindowExceedsCapacity {
        /// The k given.
        k: u16,
        /// The connection's capacity.
        capacity: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::KOutOfRange { k } => write!(f, "k = {k} outside 1..=32767"),
            ConfigError::WOutOfRange { k, w } => write!(f, "w = {w} outside 1..=k (k = {k})"),
            ConfigError::ZeroTimer { timer } => write!(f, "{timer} must be at least 1 µs"),
            ConfigError::T2NotBelowT1 { t1, t2 } => {
                write!(f, "t2 = {t2:?} must be shorter than t1 = {t1:?}")
            }
            ConfigError::WindowExceedsCapacity { k, capacity } => write!(
                f,
                "k = {k} exceeds the connection's capacity of {capacity} unacknowledged I frames"
            ),
        }
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn defaults_pass_validation() {
        let checked = ApciConfig::new(12, 8, S(30), S(15), S(10), S(20));
        assert_eq!(checked, Ok(ApciConfig::default()));
        let c = ApciConfig::DEFAULT;
        assert_eq!((c.k(), c.w()), (12, 8));
        assert_eq!(
            (c.t0(), c.t1(), c.t2(), c.t3()),
            (S(30), S(15), S(10), S(20))
        );
    }

    #[test]
    fn every_rule_is_enforced() {
        let new = |k, w, t0, t1, t2, t3| ApciConfig::new(k, w, t0, t1, t2, t3);
        assert_eq!(
            new(0, 0, S(1), S(2), S(1), S(1)),
            Err(ConfigError::KOutOfRange { k: 0 })
        );
        assert_eq!(
            new(32768, 1, S(1), S(2), S(1), S(1)),
            Err(ConfigError::KOutOfRange { k: 32768 })
        );
        assert!(new(32767, 32767, S(1), S(2), S(1), S(1)).is_ok());
        assert_eq!(
            new(4, 0, S(1), S(2), S(1), S(1)),
            Err(ConfigError::WOutOfRange { k: 4, w: 0 })
        );
        assert_eq!(
            new(4, 5, S(1), S(2), S(1), S(1)),
            Err(ConfigError::WOutOfRange { k: 4, w: 5 })
        );
        let zero = Duration::from_nanos(999);
        for (i, timer) in [Timer::T0, Timer::T1, Timer::T2, Timer::T3]
            .into_iter()
            .enumerate()
        {
            let mut t = [S(30), S(15), S(10), S(20)];
            t[i] = zero;
            assert_eq!(
                new(12, 8, t[0], t[1], t[2], t[3]),
                Err(ConfigError::ZeroTimer { timer })
            );
        }
        assert_eq!(
            new(12, 8, S(30), S(10), S(10), S(20)),
            Err(ConfigError::T2NotBelowT1 {
                t1: S(10),
                t2: S(10)
            })
        );
    }
}
