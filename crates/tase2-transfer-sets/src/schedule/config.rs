//! What a DS transfer set asks the timing engine to do ([`RunConfig`]), what the engine
//! answers ([`ReportDue`], [`RunnerEvent`], [`RunnerStats`]) and its error
//! ([`ScheduleError`]).

use core::fmt;
use core::time::Duration;

use mms_pdu::mms::DataAccessError;
use telecontrol_core::Instant;

use crate::{DsConditions, DsTransferSet};

/// The five condition bits of `DSConditions` (IEC 60870-6-802 clause 5.1.4).
pub(crate) const ALL_CONDITIONS: u8 = DsConditions::INTERVAL_TIMEOUT
    | DsConditions::INTEGRITY_TIMEOUT
    | DsConditions::OBJECT_CHANGE
    | DsConditions::OPERATOR_REQUEST
    | DsConditions::OTHER_EXTERNAL_EVENT;

/// How one DS transfer set runs (IEC 60870-6-503 clause 8.4), in engine terms: durations
/// and instants instead of GMT seconds.
///
/// Build it from the transfer set the client wrote with [`RunConfig::from_transfer_set`],
/// or directly (tests, server-side sets); [`TransferSetRunner::enable`](super::TransferSetRunner::enable)
/// checks it with [`RunConfig::validate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunConfig {
    /// `StartTime`: monitoring begins here; `None` (or an instant already passed) = at
    /// enable. Nothing is monitored or reported before.
    pub start_at: Option<Instant>,
    /// `Interval`: the period of the `IntervalTimeOut` condition; `Some` exactly when that
    /// condition is requested. The first interval report falls due one period after the
    /// start.
    pub interval: Option<Duration>,
    /// `IntegrityCheck`: the period of the `IntegrityTimeOut` condition; `Some` exactly when
    /// that condition is requested. First due one period after the start.
    pub integrity: Option<Duration>,
    /// `BufferTime`: with `ObjectChange`, the first change after a report starts this
    /// timer and the change report falls due when it expires; zero reports each change at
    /// once.
    pub buffer_time: Duration,
    /// `TLE` (time limit for execution): a report not handed out within this time of its
    /// condition falling due is discarded ([`RunnerEvent::Expired`]); `None` = no limit.
    pub tle: Option<Duration>,
    /// `DSConditionsRequested`.
    pub conditions: DsConditions,
    /// `RBE`: report by exception (only changed points).
    pub rbe: bool,
    /// `Critical`: each report waits for the client's `Transfer_Report_ACK`/`NACK`.
    pub critical: bool,
    /// `AllChangesReported`: the station queues every change (not only the latest) and a
    /// full report does not consume them (see [`ReportDue::clear_changes`]).
    pub all_changes_reported: bool,
    /// How long a critical report may wait for its acknowledgement before
    /// [`RunnerEvent::AckTimeout`] (a local setting; -503 leaves it to the server).
    pub ack_timeout: Duration,
}

impl RunConfig {
    /// The run of the DS transfer set `ts` as written by the client: `StartTime` (GMT
    /// seconds) becomes an instant relative to `now`, whose GMT time is `now_gmt_s`
    /// (0 or a time already passed = at enable); `Interval` / `IntegrityCheck` only count
    /// when their condition is requested; `TLE` 0 = no limit.
    ///
    /// # Errors
    /// [`ScheduleError::Inconsistent`] (the station answers `object-attribute-inconsistent`)
    /// for a negative `Interval`, `TLE`, `BufferTime` or `IntegrityCheck`,
    /// `IntervalTimeOut` requested with `Interval` 0, `IntegrityTimeOut` requested with
    /// `IntegrityCheck` 0, or no condition requested at all.
    pub fn from_transfer_set(
        ts: &DsTransferSet<'_>,
        now: Instant,
        now_gmt_s: i64,
        ack_timeout: Duration,
    ) -> Result<RunConfig, ScheduleError> {
        let secs = |field: &'static str, v: i32| -> Result<Duration, ScheduleError> {
            u64::try_from(v)
                .map(Duration::from_secs)
                .map_err(|_| ScheduleError::Inconsistent {
                    field,
                    value: i64::from(v),
                })
        };
        let interval = secs("Interval", ts.interval)?;
        let tle = secs("TLE", ts.tle)?;
        let buffer_time = secs("BufferTime", ts.buffer_time)?;
        let integrity = secs("IntegrityCheck", ts.integrity_check)?;
        let conditions = DsConditions(ts.ds_conditions_requested.0 & ALL_CONDITIONS);
        let start_in = i64::from(ts.start_time).saturating_sub(now_gmt_s);
        let start_at = if ts.start_time == 0 || start_in <= 0 {
            None
        } else {
            let s = u64::try_from(start_in).unwrap_or(0);
            Some(now.saturating_add(Duration::from_secs(s)))
        };
        let cfg = RunConfig {
            start_at,
            interval: conditions
                .contains(DsConditions::INTERVAL_TIMEOUT)
                .then_some(interval),
            integrity: conditions
                .contains(DsConditions::INTEGRITY_TIMEOUT)
                .then_some(integrity),
            buffer_time,
            tle: (!tle.is_zero()).then_some(tle),
            conditions,
            rbe: ts.rbe,
            critical: ts.critical,
            all_changes_reported: ts.all_changes_reported,
            ack_timeout,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Check the configuration is runnable.
    ///
    /// # Errors
    /// [`ScheduleError::Inconsistent`] when no condition is requested, when `interval` /
    /// `integrity` is `Some` without its condition or missing (or shorter than 1 µs) with
    /// it, or when a critical set has a zero `ack_timeout`.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        let c = self.conditions;
        if c.0 & ALL_CONDITIONS == 0 {
            return Err(ScheduleError::Inconsistent {
                field: "DSConditionsRequested",
                value: i64::from(c.0),
            });
        }
        let period = |field, requested: bool, p: Option<Duration>| match (requested, p) {
            (true, Some(p)) if p.as_micros() > 0 => Ok(()),
            (false, None) => Ok(()),
            (_, p) => Err(ScheduleError::Inconsistent {
                field,
                value: p.map_or(0, |p| i64::try_from(p.as_secs()).unwrap_or(i64::MAX)),
            }),
        };
        period(
            "Interval",
            c.contains(DsConditions::INTERVAL_TIMEOUT),
            self.interval,
        )?;
        period(
            "IntegrityCheck",
            c.contains(DsConditions::INTEGRITY_TIMEOUT),
            self.integrity,
        )?;
        if self.critical && self.ack_timeout.as_micros() == 0 {
            return Err(ScheduleError::Inconsistent {
                field: "ack_timeout",
                value: 0,
            });
        }
        Ok(())
    }
}

/// Which points a due report carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Contents {
    /// Every point of the data set (a full named-list report).
    All,
    /// Only the points changed since the changes were last cleared (report by exception).
    Changed,
}

/// A report the station must build and send now (IEC 60870-6-503 clause 8.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportDue {
    /// `DSConditions_Detected`: every condition this report answers (conditions that fell
    /// due together are coalesced into one report).
    pub conditions: DsConditions,
    /// Which points to include.
    pub contents: Contents,
    /// After building this report the station forgets the changes it tracked for this set.
    /// Always true for [`Contents::Changed`]; for [`Contents::All`] true unless the set is
    /// RBE with `AllChangesReported` (then the queued changes follow in their own
    /// [`Contents::Changed`] report).
    pub clear_changes: bool,
}

/// Something the station should know that is not a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunnerEvent {
    /// A critical report (by its `Transfer_Set_Time_Stamp`) was not acknowledged within
    /// `ack_timeout`; the runner no longer waits for it.
    AckTimeout {
        /// The report's time stamp.
        time_stamp: i32,
    },
    /// Reports for these conditions were discarded: not handed out within `TLE` of
    /// falling due (the station polled late, or critical acknowledgements held them).
    /// Changes the discarded report would have carried stay marked for the next report.
    Expired {
        /// The conditions whose reports were dropped.
        conditions: DsConditions,
    },
}

/// Counters of a runner since it was created (not reset by disable/enable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunnerStats {
    /// Reports handed out by `poll_report`.
    pub reports: u64,
    /// Interval timeouts skipped because the set is RBE and nothing changed.
    pub skipped: u64,
    /// Periods of the interval or integrity timer that passed unreported because the
    /// runner was polled more than a period late (one report stands for them, no burst).
    pub missed_periods: u64,
    /// Conditions discarded by `TLE`.
    pub expired: u64,
    /// Critical reports that timed out waiting for their acknowledgement.
    pub ack_timeouts: u64,
    /// Negative acknowledgements (`Transfer_Report_NACK`) received.
    pub nacks: u64,
}

/// A refused transfer-set operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The transfer set's attributes do not make a runnable set (the named attribute and
    /// its value).
    Inconsistent {
        /// The `DSTransferSet` member or setting.
        field: &'static str,
        /// Its value.
        value: i64,
    },
    /// `enable` on a set already enabled.
    AlreadyEnabled,
    /// The set is not enabled.
    NotEnabled,
    /// A critical report was sent while `capacity` reports await their acknowledgement
    /// (`poll_report` holds reports back while full, so this is a station bug), or a
    /// critical set was enabled on a runner with no room at all (`capacity` 0).
    AckCapacity {
        /// The runner's `CRITICAL`.
        capacity: usize,
    },
    /// An acknowledgement for a time stamp no outstanding report has.
    UnknownTimeStamp {
        /// The time stamp received.
        time_stamp: i32,
    },
}

impl ScheduleError {
    /// The MMS `DataAccessError` the station answers the client's write with:
    /// `object-attribute-inconsistent` for an inconsistent or already enabled set,
    /// `object-access-denied` for an acknowledgement to a set not enabled,
    /// `object-value-invalid` for an unknown time stamp, `temporarily-unavailable` when
    /// the acknowledgement table is full.
    #[must_use]
    pub const fn data_access_error(self) -> DataAccessError {
        match self {
            ScheduleError::Inconsistent { .. } | ScheduleError::AlreadyEnabled => {
                DataAccessError::ObjectAttributeInconsistent
            }
            ScheduleError::NotEnabled => DataAccessError::ObjectAccessDenied,
            ScheduleError::AckCapacity { .. } => DataAccessError::TemporarilyUnavailable,
            ScheduleError::UnknownTimeStamp { .. } => DataAccessError::ObjectValueInvalid,
        }
    }
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ScheduleError::Inconsistent { field, value } => {
                write!(f, "transfer set {field} = {value} is inconsistent")
            }
            ScheduleError::AlreadyEnabled => f.write_str("transfer set already enabled"),
            ScheduleError::NotEnabled => f.write_str("transfer set not enabled"),
            ScheduleError::AckCapacity { capacity } => write!(
                f,
                "{capacity} critical reports already await acknowledgement"
            ),
            ScheduleError::UnknownTimeStamp { time_stamp } => {
                write!(
                    f,
                    "no report with time stamp {time_stamp} awaits acknowledgement"
                )
            }
        }
    }
}

impl core::error::Error for ScheduleError {}
