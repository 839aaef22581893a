//! The timing engine of one DS transfer set (IEC 60870-6-503 clause 8.4, data set transfer
//! set conditions and reporting): when a report is due, which conditions it answers,
//! whether it carries every point or only the changed ones, and the acknowledgement of
//! critical reports. Sans-IO and allocation-free; the station tracks which points changed
//! and builds the InformationReport, the runner only decides *when*.

mod config;

use core::time::Duration;

use telecontrol_core::{Instant, earliest};

use crate::DsConditions;
pub use config::{Contents, ReportDue, RunConfig, RunnerEvent, RunnerStats, ScheduleError};

/// Runs one DS transfer set: its interval and integrity timers, the object-change buffer
/// timer, operator and external requests, `TLE`, and (for critical sets) up to `CRITICAL`
/// reports awaiting their acknowledgement.
///
/// Driving it (every call takes the current `now`, never earlier than the last one):
/// 1. [`enable`](Self::enable) with a [`RunConfig`] when the client writes `Status` true;
///    [`disable`](Self::disable) when it writes false or the association ends.
/// 2. Feed inputs: [`object_changed`](Self::object_changed) when a point of the data set
///    changes, [`operator_request`](Self::operator_request),
///    [`external_event`](Self::external_event), [`report_sent`](Self::report_sent) after
///    sending a report, [`acknowledge`](Self::acknowledge) on `Transfer_Report_ACK`/`NACK`.
/// 3. After every input and at [`poll_timeout`](Self::poll_timeout): drain
///    [`poll_report`](Self::poll_report) (build and send each [`ReportDue`], then
///    `report_sent`) and [`poll_event`](Self::poll_event), in either order. Afterwards
///    `poll_timeout` is later than `now` (or `None`).
///
/// What each condition reports: `IntervalTimeOut` every point, or with RBE the changed
/// points only (skipped when nothing changed since the changes were last cleared);
/// `IntegrityTimeOut`, `OperatorRequest` and `OtherExternalEvent` every point;
/// `ObjectChange` the changed points with RBE, every point without. Inputs before the start
/// time, and requests for a condition not requested, are ignored (the input methods return
/// false).
///
/// Periodic timers never drift: each period is due at `start + n × period`; a runner
/// polled more than a period late hands out one report for the latest period and counts
/// the others in [`RunnerStats::missed_periods`], it never bursts.
#[derive(Clone, Debug)]
pub struct TransferSetRunner<const CRITICAL: usize> {
    cfg: Option<RunConfig>,
    start: Instant,
    interval_us: u64,
    integrity_us: u64,
    next_interval: Option<Instant>,
    next_integrity: Option<Instant>,
    buffer_due: Option<Instant>,
    changed: bool,
    pending: Slots,
    expired: u8,
    outstanding: [Option<Outstanding>; CRITICAL],
    timed_out: [Option<Outstanding>; CRITICAL],
    stats: RunnerStats,
}

impl<const CRITICAL: usize> Default for TransferSetRunner<CRITICAL> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const CRITICAL: usize> TransferSetRunner<CRITICAL> {
    /// A disabled runner.
    #[must_use]
    pub const fn new() -> Self {
        TransferSetRunner {
            cfg: None,
            start: Instant::ZERO,
            interval_us: 1,
            integrity_us: 1,
            next_interval: None,
            next_integrity: None,
            buffer_due: None,
            changed: false,
            pending: Slots::EMPTY,
            expired: 0,
            outstanding: [None; CRITICAL],
            timed_out: [None; CRITICAL],
            stats: RunnerStats {
                reports: 0,
                skipped: 0,
                missed_periods: 0,
                expired: 0,
                ack_timeouts: 0,
                nacks: 0,
            },
        }
    }

    /// Start running `cfg` (the client wrote `Status` true). Monitoring begins at
    /// `cfg.start_at` (or now if that is `None` or passed).
    ///
    /// # Errors
    /// [`ScheduleError::AlreadyEnabled`] if the set runs already (the client must disable
    /// it first), the error of [`RunConfig::validate`], or
    /// [`ScheduleError::AckCapacity`] for a critical set on a runner with `CRITICAL` 0.
    pub fn enable(&mut self, now: Instant, cfg: RunConfig) -> Result<(), ScheduleError> {
        if self.cfg.is_some() {
            return Err(ScheduleError::AlreadyEnabled);
        }
        cfg.validate()?;
        if cfg.critical && CRITICAL == 0 {
            return Err(ScheduleError::AckCapacity { capacity: 0 });
        }
        self.clear();
        let start = cfg.start_at.map_or(now, |s| s.max(now));
        self.start = start;
        self.interval_us = cfg.interval.map_or(1, micros);
        self.integrity_us = cfg.integrity.map_or(1, micros);
        self.next_interval = cfg.interval.map(|p| start.saturating_add(p));
        self.next_integrity = cfg.integrity.map(|p| start.saturating_add(p));
        self.cfg = Some(cfg);
        Ok(())
    }

    /// Stop: every timer, pending report, outstanding acknowledgement and undelivered
    /// event is dropped. Disabling a disabled set does nothing.
    pub fn disable(&mut self) {
        self.cfg = None;
        self.clear();
    }

    /// True while enabled.
    #[must_use]
    pub const fn is_enabled(&self) -> bool {
        self.cfg.is_some()
    }

    /// The running configuration.
    #[must_use]
    pub const fn config(&self) -> Option<&RunConfig> {
        self.cfg.as_ref()
    }

    /// True when enabled and the start time has come.
    #[must_use]
    pub fn is_started(&self, now: Instant) -> bool {
        self.cfg.is_some() && now >= self.start
    }

    /// Critical reports awaiting their acknowledgement.
    #[must_use]
    pub fn outstanding(&self) -> usize {
        self.outstanding.iter().filter(|o| o.is_some()).count()
    }

    /// The counters.
    #[must_use]
    pub const fn stats(&self) -> RunnerStats {
        self.stats
    }

    /// A point of the data set changed at `now`. Returns true if the change is monitored
    /// (the station keeps it for the next report), false if the set is not enabled or not
    /// started yet (the station may drop it).
    ///
    /// With `ObjectChange` requested, the first change after a report starts the
    /// `BufferTime` timer (zero: the change report is due now).
    pub fn object_changed(&mut self, now: Instant) -> bool {
        let Some(cfg) = self.cfg else {
            return false;
        };
        self.advance(now);
        if now < self.start {
            return false;
        }
        self.changed = true;
        if cfg.conditions.contains(DsConditions::OBJECT_CHANGE)
            && self.buffer_due.is_none()
            && self.pending.change.is_none()
        {
            self.buffer_due = Some(now.saturating_add(cfg.buffer_time));
        }
        true
    }

    /// A local operator asked for a report (`OperatorRequest`). Returns true if a report
    /// is now due (the condition is requested and the set started).
    pub fn operator_request(&mut self, now: Instant) -> bool {
        self.request(now, DsConditions::OPERATOR_REQUEST)
    }

    /// An application event asks for a report (`OtherExternalEvent`). Returns true if a
    /// report is now due.
    pub fn external_event(&mut self, now: Instant) -> bool {
        self.request(now, DsConditions::OTHER_EXTERNAL_EVENT)
    }

    /// When to call [`poll_report`](Self::poll_report) / [`poll_event`](Self::poll_event)
    /// next: the earliest timer, pending report or acknowledgement deadline; `None` when
    /// disabled or nothing is scheduled.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let cfg = self.cfg.as_ref()?;
        let mut t = earliest(self.next_interval, self.next_integrity);
        t = earliest(t, self.buffer_due);
        let pending = self.pending.earliest();
        if !self.blocked(cfg) {
            t = earliest(t, pending);
        } else if let Some(tle) = cfg.tle {
            t = earliest(t, pending.map(|d| expiry(d, tle)));
        }
        let acks = self.outstanding.iter().flatten().map(|o| o.deadline).min();
        let undelivered = self.timed_out.iter().flatten().map(|o| o.deadline).min();
        earliest(earliest(t, acks), undelivered)
    }

    /// The next report due at `now`, if any. Everything due by `now` is coalesced into one
    /// report, except that an RBE set with `AllChangesReported` gets its full report and
    /// its change report separately. A critical set with `CRITICAL` reports unacknowledged
    /// gets nothing until an acknowledgement (or its timeout) frees room.
    pub fn poll_report(&mut self, now: Instant) -> Option<ReportDue> {
        let cfg = self.cfg?;
        self.advance(now);
        self.expire(now, &cfg);
        self.sweep(now);
        if self.pending.mask() == 0 || self.blocked(&cfg) {
            return None;
        }
        let p = self.pending.mask();
        let by_change = DsConditions::INTERVAL_TIMEOUT | DsConditions::OBJECT_CHANGE;
        let (all, changed) = if cfg.rbe {
            (p & !by_change, p & by_change)
        } else {
            (p, 0)
        };
        let keep_changes = cfg.rbe && cfg.all_changes_reported;
        let (mask, contents) = match (all, keep_changes) {
            (0, _) => (changed, Contents::Changed),
            (_, true) => (all, Contents::All),
            (_, false) => (all | changed, Contents::All),
        };
        let clear_changes = contents == Contents::Changed || !keep_changes;
        self.pending.remove(mask);
        if clear_changes {
            self.changed = false;
            self.buffer_due = None;
        }
        self.stats.reports = self.stats.reports.saturating_add(1);
        Some(ReportDue {
            conditions: DsConditions(mask),
            contents,
            clear_changes,
        })
    }

    /// The station sent a report at `now` with `Transfer_Set_Time_Stamp` `time_stamp`.
    /// For a critical set the runner then waits for its acknowledgement (at most
    /// `ack_timeout`); for other sets this does nothing.
    ///
    /// # Errors
    /// [`ScheduleError::NotEnabled`], or [`ScheduleError::AckCapacity`] when `CRITICAL`
    /// reports already await acknowledgement.
    pub fn report_sent(&mut self, now: Instant, time_stamp: i32) -> Result<(), ScheduleError> {
        let cfg = self.cfg.ok_or(ScheduleError::NotEnabled)?;
        if !cfg.critical {
            return Ok(());
        }
        let slot = self
            .outstanding
            .iter_mut()
            .find(|o| o.is_none())
            .ok_or(ScheduleError::AckCapacity { capacity: CRITICAL })?;
        *slot = Some(Outstanding {
            time_stamp,
            deadline: now.saturating_add(cfg.ack_timeout),
        });
        Ok(())
    }

    /// The client acknowledged (`positive`, `Transfer_Report_ACK`) or refused
    /// (`Transfer_Report_NACK`) the report with time stamp `time_stamp`; the oldest
    /// outstanding report with that stamp is settled.
    ///
    /// # Errors
    /// [`ScheduleError::NotEnabled`], or [`ScheduleError::UnknownTimeStamp`] if no
    /// outstanding report has that time stamp (never sent, already settled, or timed out).
    pub fn acknowledge(&mut self, time_stamp: i32, positive: bool) -> Result<(), ScheduleError> {
        if self.cfg.is_none() {
            return Err(ScheduleError::NotEnabled);
        }
        let slot = self
            .outstanding
            .iter_mut()
            .filter(|o| o.is_some_and(|o| o.time_stamp == time_stamp))
            .min_by_key(|o| o.map_or(Instant::MAX, |o| o.deadline))
            .ok_or(ScheduleError::UnknownTimeStamp { time_stamp })?;
        *slot = None;
        if !positive {
            self.stats.nacks = self.stats.nacks.saturating_add(1);
        }
        Ok(())
    }

    /// The next event at `now`: reports discarded by `TLE`, then critical reports whose
    /// acknowledgement timed out (oldest first; each is no longer awaited).
    pub fn poll_event(&mut self, now: Instant) -> Option<RunnerEvent> {
        let cfg = self.cfg?;
        self.advance(now);
        self.expire(now, &cfg);
        self.sweep(now);
        if self.expired != 0 {
            let conditions = DsConditions(self.expired);
            self.expired = 0;
            return Some(RunnerEvent::Expired { conditions });
        }
        let slot = self
            .timed_out
            .iter_mut()
            .filter(|o| o.is_some())
            .min_by_key(|o| o.map_or(Instant::MAX, |o| o.deadline))?;
        let time_stamp = slot.take()?.time_stamp;
        Some(RunnerEvent::AckTimeout { time_stamp })
    }

    /// Move reports whose acknowledgement timed out by `now` out of the outstanding table
    /// (freeing room) into the undelivered timeouts, oldest first, while there is room.
    fn sweep(&mut self, now: Instant) {
        loop {
            let Some(free) = self.timed_out.iter().position(|o| o.is_none()) else {
                return;
            };
            let Some(slot) = self
                .outstanding
                .iter_mut()
                .filter(|o| o.is_some_and(|o| o.deadline <= now))
                .min_by_key(|o| o.map_or(Instant::MAX, |o| o.deadline))
            else {
                return;
            };
            let moved = slot.take();
            if let Some(dst) = self.timed_out.get_mut(free) {
                *dst = moved;
            }
            self.stats.ack_timeouts = self.stats.ack_timeouts.saturating_add(1);
        }
    }

    fn request(&mut self, now: Instant, bit: u8) -> bool {
        let Some(cfg) = self.cfg else {
            return false;
        };
        self.advance(now);
        if now < self.start || !cfg.conditions.contains(bit) {
            return false;
        }
        self.pending.set(bit, now);
        true
    }

    fn clear(&mut self) {
        self.next_interval = None;
        self.next_integrity = None;
        self.buffer_due = None;
        self.changed = false;
        self.pending = Slots::EMPTY;
        self.expired = 0;
        self.outstanding = [None; CRITICAL];
        self.timed_out = [None; CRITICAL];
    }

    fn blocked(&self, cfg: &RunConfig) -> bool {
        cfg.critical && self.outstanding() >= CRITICAL
    }

    /// Move every timer due by `now` into the pending conditions.
    fn advance(&mut self, now: Instant) {
        let Some(cfg) = self.cfg else {
            return;
        };
        if let Some(next) = self.next_interval.filter(|n| *n <= now) {
            let (due, after, missed) = tick(next, self.interval_us, now);
            self.next_interval = (after > due).then_some(after);
            self.count_missed(missed, self.pending.interval.is_some());
            if cfg.rbe && !self.changed {
                self.stats.skipped = self.stats.skipped.saturating_add(1);
            } else {
                self.pending.interval = Some(due);
            }
        }
        if let Some(next) = self.next_integrity.filter(|n| *n <= now) {
            let (due, after, missed) = tick(next, self.integrity_us, now);
            self.next_integrity = (after > due).then_some(after);
            self.count_missed(missed, self.pending.integrity.is_some());
            self.pending.integrity = Some(due);
        }
        if let Some(due) = self.buffer_due.filter(|b| *b <= now) {
            self.buffer_due = None;
            self.pending.change.get_or_insert(due);
        }
    }

    fn count_missed(&mut self, missed: u64, replaced: bool) {
        let m = missed.saturating_add(u64::from(replaced));
        self.stats.missed_periods = self.stats.missed_periods.saturating_add(m);
    }

    /// Drop pending conditions older than `TLE`.
    fn expire(&mut self, now: Instant, cfg: &RunConfig) {
        let Some(tle) = cfg.tle else {
            return;
        };
        for (bit, due) in self.pending.entries() {
            if due.is_some_and(|d| expiry(d, tle) <= now) {
                self.pending.remove(bit);
                self.expired |= bit;
                self.stats.expired = self.stats.expired.saturating_add(1);
            }
        }
    }
}

/// A critical report awaiting its acknowledgement.
#[derive(Clone, Copy, Debug)]
struct Outstanding {
    time_stamp: i32,
    deadline: Instant,
}

/// The instant each condition fell due, while its report is pending.
#[derive(Clone, Copy, Debug)]
struct Slots {
    interval: Option<Instant>,
    integrity: Option<Instant>,
    change: Option<Instant>,
    operator: Option<Instant>,
    external: Option<Instant>,
}

impl Slots {
    const EMPTY: Slots = Slots {
        interval: None,
        integrity: None,
        change: None,
        operator: None,
        external: None,
    };

    fn entries(&self) -> [(u8, Option<Instant>); 5] {
        [
            (DsConditions::INTERVAL_TIMEOUT, self.interval),
            (DsConditions::INTEGRITY_TIMEOUT, self.integrity),
            (DsConditions::OBJECT_CHANGE, self.change),
            (DsConditions::OPERATOR_REQUEST, self.operator),
            (DsConditions::OTHER_EXTERNAL_EVENT, self.external),
        ]
    }

    fn mask(&self) -> u8 {
        self.entries()
            .iter()
            .filter(|(_, d)| d.is_some())
            .fold(0, |m, (b, _)| m | b)
    }

    fn earliest(&self) -> Option<Instant> {
        self.entries().iter().filter_map(|(_, d)| *d).min()
    }

    fn slot(&mut self, bit: u8) -> Option<&mut Option<Instant>> {
        match bit {
            DsConditions::INTERVAL_TIMEOUT => Some(&mut self.interval),
            DsConditions::INTEGRITY_TIMEOUT => Some(&mut self.integrity),
            DsConditions::OBJECT_CHANGE => Some(&mut self.change),
            DsConditions::OPERATOR_REQUEST => Some(&mut self.operator),
            DsConditions::OTHER_EXTERNAL_EVENT => Some(&mut self.external),
            _ => None,
        }
    }

    fn set(&mut self, bit: u8, due: Instant) {
        if let Some(s) = self.slot(bit) {
            s.get_or_insert(due);
        }
    }

    fn remove(&mut self, mask: u8) {
        for (bit, _) in self.entries() {
            if mask & bit != 0
                && let Some(s) = self.slot(bit)
            {
                *s = None;
            }
        }
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// The first instant a condition due at `due` is too old to report under `tle`.
fn expiry(due: Instant, tle: Duration) -> Instant {
    due.saturating_add(tle)
        .saturating_add(Duration::from_micros(1))
}

/// A periodic timer at `next` (≤ `now`) with period `period` µs: the latest period
/// boundary ≤ `now` (the report's due instant), the boundary after it, and how many
/// boundaries before it were passed over.
fn tick(next: Instant, period: u64, now: Instant) -> (Instant, Instant, u64) {
    let late = now.as_micros().saturating_sub(next.as_micros());
    let missed = late.checked_div(period).unwrap_or(0);
    let due = Instant::from_micros(
        next.as_micros()
            .saturating_add(missed.saturating_mul(period)),
    );
    let after = Instant::from_micros(due.as_micros().saturating_add(period));
    (due, after, missed)
}

#[cfg(test)]
mod tests;
