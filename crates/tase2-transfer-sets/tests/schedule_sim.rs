//! Deterministic manual-clock simulation of the DS transfer set timing engine
//! (`TransferSetRunner`, IEC 60870-6-503 clause 8.4): interval, integrity, buffer time,
//! TLE and critical acknowledgement timeouts fire exactly when due over a simulated day,
//! and random scripts keep the engine's invariants.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use std::time::Duration;

use proptest::prelude::*;
use telecontrol_core::Instant;
use telecontrol_tase2_transfer_sets::{
    Contents, DsConditions, DsTransferSet, ReportDue, RunConfig, RunnerEvent, ScheduleError, Scope,
    Tase2Name, TransferSetRunner,
};

const DAY: u64 = 86_400;
const S: fn(u64) -> Instant = Instant::from_secs;
const INTERVAL: u8 = DsConditions::INTERVAL_TIMEOUT;
const INTEGRITY: u8 = DsConditions::INTEGRITY_TIMEOUT;
const CHANGE: u8 = DsConditions::OBJECT_CHANGE;
const OPERATOR: u8 = DsConditions::OPERATOR_REQUEST;

fn cfg(conditions: u8, interval: u64, integrity: u64) -> RunConfig {
    RunConfig {
        start_at: None,
        interval: (conditions & INTERVAL != 0).then_some(Duration::from_secs(interval)),
        integrity: (conditions & INTEGRITY != 0).then_some(Duration::from_secs(integrity)),
        buffer_time: Duration::ZERO,
        tle: None,
        conditions: DsConditions(conditions),
        rbe: false,
        critical: false,
        all_changes_reported: false,
        ack_timeout: Duration::from_secs(30),
    }
}

/// A station stand-in: jumps the clock to the runner's next deadline (or the next scripted
/// input), drains reports then events (the proptest below also drains the other way), sends reports (time stamp = report number) and
/// acknowledges critical ones after `ack_delay(n)` (or never).
struct Sim {
    r: TransferSetRunner<8>,
    now: Instant,
    reports: Vec<(Instant, ReportDue)>,
    events: Vec<(Instant, RunnerEvent)>,
    acks: Vec<(Instant, i32)>,
    ack_delay: fn(usize) -> Option<Duration>,
}

impl Sim {
    fn new(now: Instant, cfg: RunConfig) -> Self {
        let mut r = TransferSetRunner::new();
        r.enable(now, cfg).unwrap();
        Sim {
            r,
            now,
            reports: Vec::new(),
            events: Vec::new(),
            acks: Vec::new(),
            ack_delay: |_| Some(Duration::from_secs(1)),
        }
    }

    fn drain(&mut self) {
        while let Some(due) = self.r.poll_report(self.now) {
            let n = self.reports.len();
            self.reports.push((self.now, due));
            self.r.report_sent(self.now, n as i32).unwrap();
            if self.r.config().unwrap().critical
                && let Some(d) = (self.ack_delay)(n)
            {
                self.acks.push((self.now + d, n as i32));
            }
        }
        while let Some(e) = self.r.poll_event(self.now) {
            self.events.push((self.now, e));
        }
        if let Some(t) = self.r.poll_timeout() {
            assert!(
                t > self.now,
                "poll_timeout {t} not after {} once handled",
                self.now
            );
        }
    }

    /// Run until `until` (inclusive), handling every deadline exactly when due.
    fn run_until(&mut self, until: Instant) {
        loop {
            let ack = self.acks.iter().map(|a| a.0).min();
            let next = telecontrol_core::earliest(self.r.poll_timeout(), ack);
            match next {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    let (due, later): (Vec<_>, Vec<_>) =
                        self.acks.iter().partition(|a| a.0 <= self.now);
                    self.acks = later;
                    for (_, ts) in due {
                        // A late ACK of a report that timed out is refused.
                        let _ = self.r.acknowledge(ts, true);
                    }
                    self.drain();
                }
                _ => {
                    self.now = self.now.max(until);
                    self.drain();
                    return;
                }
            }
        }
    }

    fn change(&mut self, at: Instant) {
        self.run_until(at);
        self.r.object_changed(self.now);
        self.drain();
    }
}

#[test]
fn interval_10_s_gives_8640_reports_a_day_exactly_on_time() {
    let mut sim = Sim::new(S(0), cfg(INTERVAL, 10, 0));
    sim.run_until(S(DAY));
    assert_eq!(sim.reports.len(), 8_640);
    for (i, (at, due)) in sim.reports.iter().enumerate() {
        assert_eq!(*at, S(10 * (i as u64 + 1)));
        assert_eq!(due.conditions, DsConditions(INTERVAL));
        assert_eq!(due.contents, Contents::All);
    }
    assert_eq!(sim.r.stats().missed_periods, 0);
}

#[test]
fn integrity_coalesces_with_interval() {
    let mut sim = Sim::new(S(0), cfg(INTERVAL | INTEGRITY, 10, 60));
    sim.run_until(S(DAY));
    assert_eq!(sim.reports.len(), 8_640, "one report per instant");
    let both = sim
        .reports
        .iter()
        .filter(|(_, d)| d.conditions == DsConditions(INTERVAL | INTEGRITY))
        .count();
    assert_eq!(both, 1_440);
    for (at, d) in &sim.reports {
        let on_minute = at.as_micros() % 60_000_000 == 0;
        assert_eq!(d.conditions.contains(INTEGRITY), on_minute);
    }
}

#[test]
fn integrity_alone_over_a_day() {
    let mut c = cfg(INTEGRITY, 0, 900);
    c.rbe = true;
    let mut sim = Sim::new(S(0), c);
    sim.run_until(S(DAY));
    assert_eq!(sim.reports.len(), 96);
    assert!(sim.reports.iter().all(|(at, d)| d.contents == Contents::All
        && d.clear_changes
        && at.as_micros() % 900_000_000 == 0));
}

#[test]
fn buffer_time_reports_exactly_when_the_buffer_expires() {
    let mut c = cfg(CHANGE, 0, 0);
    c.buffer_time = Duration::from_secs(5);
    c.rbe = true;
    let mut sim = Sim::new(S(0), c);
    // A burst of three changes every 97 s (at +0, +1, +3 s) for a day.
    let mut t = 50;
    let mut bursts = 0;
    while t + 3 < DAY {
        for d in [0, 1, 3] {
            sim.change(S(t + d));
        }
        t += 97;
        bursts += 1;
    }
    sim.run_until(S(DAY));
    assert_eq!(sim.reports.len(), bursts);
    for (i, (at, d)) in sim.reports.iter().enumerate() {
        assert_eq!(*at, S(50 + 97 * i as u64 + 5), "first change + BufferTime");
        assert_eq!(d.conditions, DsConditions(CHANGE));
        assert_eq!(d.contents, Contents::Changed);
    }
}

#[test]
fn buffer_time_zero_reports_each_change_at_once() {
    let mut sim = Sim::new(S(0), cfg(CHANGE, 0, 0));
    for i in 1..=1000 {
        sim.change(S(i * 7));
    }
    assert_eq!(sim.reports.len(), 1000);
    assert!(
        sim.reports
            .iter()
            .enumerate()
            .all(|(i, (at, d))| *at == S((i as u64 + 1) * 7) && d.contents == Contents::All)
    );
}

#[test]
fn rbe_interval_skips_when_nothing_changed() {
    let mut c = cfg(INTERVAL, 60, 0);
    c.rbe = true;
    let mut sim = Sim::new(S(0), c);
    // Changes only in the first 10 minutes of every hour, at minute 0.5, 1.5, ..., 9.5.
    for h in 0..24 {
        for m in 0..10 {
            sim.change(S(h * 3600 + m * 60 + 30));
        }
    }
    sim.run_until(S(DAY));
    assert_eq!(sim.reports.len(), 24 * 10);
    assert!(
        sim.reports
            .iter()
            .all(|(_, d)| d.contents == Contents::Changed && d.conditions == DsConditions(INTERVAL))
    );
    assert_eq!(sim.r.stats().skipped, 1440 - 240);
}

#[test]
fn rbe_with_all_changes_reported_keeps_changes_apart_from_full_reports() {
    let mut c = cfg(INTEGRITY | CHANGE, 0, 60);
    c.rbe = true;
    c.all_changes_reported = true;
    c.buffer_time = Duration::from_secs(60);
    let mut sim = Sim::new(S(0), c);
    sim.change(S(0)); // buffer due at 60, with the integrity timeout
    sim.run_until(S(60));
    let r: Vec<_> = sim.reports.iter().map(|(at, d)| (*at, *d)).collect();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].1.contents, Contents::All);
    assert!(!r[0].1.clear_changes);
    assert_eq!(r[1].1.contents, Contents::Changed);
    assert!(r[1].1.clear_changes);
    assert_eq!(r[1].0, S(60));
}

#[test]
fn start_time_in_the_future() {
    let mut c = cfg(INTERVAL | OPERATOR | CHANGE, 30, 0);
    c.start_at = Some(S(1000));
    let mut sim = Sim::new(S(0), c);
    assert!(!sim.r.is_started(S(999)));
    assert_eq!(sim.r.poll_timeout(), Some(S(1030)));
    assert!(!sim.r.operator_request(S(500)), "nothing before the start");
    sim.change(S(600));
    sim.run_until(S(1029));
    assert!(sim.reports.is_empty());
    sim.run_until(S(1000 + 3600));
    assert_eq!(sim.reports.len(), 120);
    assert_eq!(sim.reports[0].0, S(1030));
}

#[test]
fn disable_stops_everything() {
    let mut c = cfg(INTERVAL | CHANGE, 10, 0);
    c.critical = true;
    c.ack_timeout = Duration::from_secs(3);
    c.buffer_time = Duration::from_secs(4);
    let mut sim = Sim::new(S(0), c);
    sim.ack_delay = |_| None;
    sim.run_until(S(10));
    sim.r.object_changed(S(11));
    assert_eq!(sim.r.outstanding(), 1);
    sim.r.disable();
    assert_eq!(sim.r.poll_timeout(), None);
    assert_eq!(sim.r.outstanding(), 0);
    sim.run_until(S(DAY));
    assert_eq!(sim.reports.len(), 1);
    assert!(sim.events.is_empty(), "no ack timeout after disable");
    assert!(sim.r.acknowledge(0, true).is_err());
}

#[test]
fn critical_ack_timeouts_fire_exactly_when_due() {
    let mut c = cfg(INTERVAL, 20, 0);
    c.critical = true;
    c.ack_timeout = Duration::from_secs(7);
    let mut sim = Sim::new(S(0), c);
    // Every 9th report goes unacknowledged; the others are acknowledged after 2 s.
    sim.ack_delay = |n| (n % 9 != 0).then_some(Duration::from_secs(2));
    sim.run_until(S(DAY));
    assert_eq!(sim.reports.len(), 4_320);
    let unacked = (0..4_320).filter(|n| n % 9 == 0).count();
    assert_eq!(sim.events.len(), unacked);
    for (at, e) in &sim.events {
        let RunnerEvent::AckTimeout { time_stamp } = *e else {
            panic!("{e:?}")
        };
        assert_eq!(time_stamp % 9, 0);
        let sent = sim.reports[time_stamp as usize].0;
        assert_eq!(*at, sent + Duration::from_secs(7));
    }
    // The report at 86 400 s awaits its ACK (due at 86 402 s).
    assert_eq!(sim.r.outstanding(), 1);
}

#[test]
fn critical_reports_wait_for_room() {
    let mut c = cfg(INTERVAL, 1, 0);
    c.critical = true;
    c.ack_timeout = Duration::from_secs(1000);
    let mut sim = Sim::new(S(0), c);
    // Never acknowledged: 8 reports fill the table, then nothing until the timeouts.
    sim.ack_delay = |_| None;
    sim.run_until(S(100));
    assert_eq!(sim.reports.len(), 8);
    assert_eq!(sim.r.outstanding(), 8);
    sim.run_until(S(1001));
    assert_eq!(sim.events.len(), 1);
    assert_eq!(sim.reports.len(), 9, "the first timeout frees one slot");
    assert_eq!(sim.reports[8].0, S(1001));
}

#[test]
fn periodic_timers_do_not_drift_when_polled_late() {
    let mut r = TransferSetRunner::<0>::new();
    r.enable(S(5), cfg(INTERVAL, 10, 0)).unwrap();
    // Poll with up to 9.9 s of jitter: every report still stands for its own period and
    // the next deadline stays on the 5 + 10 n grid.
    let mut seed = 12_345u64;
    let mut reports = 0u64;
    for n in 1..=8_640u64 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let jitter = (seed >> 33) % 9_900_000;
        let due = S(5 + 10 * n);
        assert_eq!(r.poll_timeout(), Some(due));
        let now = Instant::from_micros(due.as_micros() + jitter);
        assert!(r.poll_report(now).is_some());
        assert_eq!(r.poll_report(now), None);
        reports += 1;
    }
    assert_eq!(reports, 8_640);
    assert_eq!(r.stats().missed_periods, 0);
    // 35 s late: one report, three periods counted as missed, next on the grid.
    let now = S(5 + 10 * 8_641 + 35);
    assert!(r.poll_report(now).is_some());
    assert_eq!(r.poll_report(now), None, "no burst");
    assert_eq!(r.stats().missed_periods, 3);
    assert_eq!(r.poll_timeout(), Some(S(5 + 10 * 8_645)));
}

#[test]
fn tle_drops_reports_held_too_long() {
    let mut c = cfg(INTERVAL, 10, 0);
    c.critical = true;
    c.ack_timeout = Duration::from_secs(25);
    c.tle = Some(Duration::from_secs(4));
    let mut r = TransferSetRunner::<1>::new();
    r.enable(S(0), c).unwrap();
    assert!(r.poll_report(S(10)).is_some());
    r.report_sent(S(10), 1).unwrap();
    // The report due at 20 is held (table full); it expires 4 s later.
    assert_eq!(r.poll_report(S(20)), None);
    assert_eq!(r.poll_timeout(), Some(Instant::from_micros(24_000_001)));
    assert_eq!(
        r.poll_event(Instant::from_micros(24_000_001)),
        Some(RunnerEvent::Expired {
            conditions: DsConditions(INTERVAL)
        })
    );
    r.acknowledge(1, false).unwrap();
    assert_eq!(r.stats().nacks, 1);
    assert_eq!(r.poll_report(S(29)), None);
    assert!(r.poll_report(S(30)).is_some());
}

#[derive(Clone, Debug)]
enum Step {
    Advance(u32),
    Change,
    Operator,
    External,
    Enable(u8, u8, u8, u8, bool, bool, bool),
    Disable,
    Ack(u8, bool),
    Sent,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0u32..30_000_000).prop_map(Step::Advance),
        4 => Just(Step::Change),
        1 => Just(Step::Operator),
        1 => Just(Step::External),
        1 => (any::<u8>(), 0u8..20, 0u8..40, 0u8..8, any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(c, i, g, b, rbe, crit, acr)| Step::Enable(c, i, g, b, rbe, crit, acr)),
        1 => Just(Step::Disable),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(t, p)| Step::Ack(t, p)),
        1 => Just(Step::Sent),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random scripts: no report before its condition is due (each report's conditions are
    /// requested; interval/integrity reports only on their grid or later), `poll_timeout`
    /// never in the past once reports and events are drained, acks settle only what was
    /// sent, and nothing panics.
    #[test]
    fn random_scripts_keep_the_invariants(steps in proptest::collection::vec(step(), 1..200)) {
        let mut r = TransferSetRunner::<3>::new();
        let mut now = Instant::ZERO;
        let mut sent: Vec<i32> = Vec::new();
        let mut stamp = 0i32;
        let mut last_interval = None::<Instant>;
        // Events and reports are drained in alternating order.
        let mut steps_done = 0u32;
        for s in steps {
            match s {
                Step::Advance(us) => now = now + Duration::from_micros(u64::from(us)),
                Step::Change => { r.object_changed(now); }
                Step::Operator => { r.operator_request(now); }
                Step::External => { r.external_event(now); }
                Step::Enable(c, i, g, b, rbe, critical, acr) => {
                    let c = c & 0xF8;
                    let cfg = RunConfig {
                        start_at: (b % 2 == 0).then(|| now + Duration::from_secs(u64::from(b))),
                        interval: (c & INTERVAL != 0).then(|| Duration::from_secs(u64::from(i) + 1)),
                        integrity: (c & INTEGRITY != 0).then(|| Duration::from_secs(u64::from(g) + 1)),
                        buffer_time: Duration::from_millis(u64::from(b) * 700),
                        tle: (b > 4).then(|| Duration::from_secs(u64::from(b))),
                        conditions: DsConditions(c),
                        rbe,
                        critical,
                        all_changes_reported: acr,
                        ack_timeout: Duration::from_secs(u64::from(i) + 1),
                    };
                    let was = r.is_enabled();
                    let res = r.enable(now, cfg);
                    prop_assert_eq!(res.is_ok(), !was && c != 0);
                    if res.is_ok() {
                        sent.clear();
                        last_interval = cfg.interval.map(|_| cfg.start_at.unwrap_or(now).max(now));
                    }
                }
                Step::Disable => { r.disable(); sent.clear(); }
                Step::Ack(t, p) => {
                    let ts = sent.get(usize::from(t) % sent.len().max(1)).copied().unwrap_or(-1);
                    let res = r.acknowledge(ts, p);
                    if res.is_ok() {
                        let i = sent.iter().position(|x| *x == ts).unwrap();
                        sent.remove(i);
                    } else {
                        prop_assert!(!sent.contains(&ts) || !r.is_enabled());
                    }
                }
                Step::Sent => {
                    // A report sent outside poll_report (e.g. a retransmission).
                    if r.is_enabled() {
                        let critical = r.config().unwrap().critical;
                        let full = r.outstanding() >= 3;
                        let res = r.report_sent(now, stamp);
                        prop_assert_eq!(res.is_err(), critical && full);
                        if critical && res.is_ok() { sent.push(stamp); }
                        stamp += 1;
                    }
                }
            }
            steps_done += 1;
            for phase in if steps_done.is_multiple_of(2) { [0, 1] } else { [1, 0] } {
                if phase == 0 {
                    while let Some(e) = r.poll_event(now) {
                        if let RunnerEvent::AckTimeout { time_stamp } = e {
                            let i = sent.iter().position(|x| *x == time_stamp);
                            prop_assert!(i.is_some());
                            sent.remove(i.unwrap());
                        }
                    }
                } else {
                    while let Some(due) = r.poll_report(now) {
                        let cfg = *r.config().unwrap();
                        prop_assert!(due.conditions.0 != 0);
                        prop_assert_eq!(due.conditions.0 & !cfg.conditions.0, 0, "only requested conditions");
                        prop_assert!(r.is_started(now));
                        if due.conditions.contains(INTERVAL) {
                            let p = cfg.interval.unwrap();
                            let prev = last_interval.unwrap();
                            prop_assert!(now >= prev + p, "interval report before due");
                            last_interval = Some(now - Duration::from_micros(
                                (now - prev).as_micros() as u64 % p.as_micros() as u64));
                        }
                        if due.contents == Contents::Changed {
                            prop_assert!(cfg.rbe);
                        }
                        let res = r.report_sent(now, stamp);
                        prop_assert!(res.is_ok(), "poll_report never hands out a report that cannot be sent");
                        if cfg.critical { sent.push(stamp); }
                        stamp += 1;
                    }
                }
            }
            prop_assert_eq!(r.outstanding(), sent.len());
            if let Some(t) = r.poll_timeout() {
                prop_assert!(t > now, "poll_timeout {} not after {}", t, now);
            }
        }
    }
}

proptest! {
    /// `RunConfig::from_transfer_set` accepts exactly the consistent transfer sets and
    /// places `StartTime` relative to `now`.
    #[test]
    fn from_transfer_set_accepts_exactly_consistent_sets(
        start in prop_oneof![Just(0i32), 999_000i32..1_001_000],
        interval in -2i32..5, tle in -2i32..5, buffer in -2i32..5, integrity in -2i32..5,
        conditions in any::<u8>(), critical in any::<bool>(), ack in 0u64..3,
    ) {
        let ts = DsTransferSet {
            data_set_name: Tase2Name { scope: Scope::Icc, domain: "ICC1", name: "DS" },
            start_time: start, interval, tle, buffer_time: buffer, integrity_check: integrity,
            ds_conditions_requested: DsConditions(conditions),
            block_data: false, critical, rbe: false, all_changes_reported: false, status: true,
            event_code_requested: None,
        };
        let now = S(50);
        let res = RunConfig::from_transfer_set(&ts, now, 1_000_000, Duration::from_secs(ack));
        let c = conditions & 0xF8;
        let consistent = interval >= 0 && tle >= 0 && buffer >= 0 && integrity >= 0
            && c != 0
            && (c & INTERVAL == 0 || interval > 0)
            && (c & INTEGRITY == 0 || integrity > 0)
            && !(critical && ack == 0);
        prop_assert_eq!(res.is_ok(), consistent, "{:?}", res);
        match res {
            Ok(cfg) => {
                let expect = (start > 1_000_000).then(|| S(50 + (start - 1_000_000) as u64));
                prop_assert_eq!(cfg.start_at, expect);
                prop_assert_eq!(cfg.conditions, DsConditions(c));
                prop_assert_eq!(cfg.tle.is_some(), tle > 0);
                let mut r = TransferSetRunner::<2>::new();
                prop_assert!(r.enable(now, cfg).is_ok());
            }
            Err(e) => {
                let inconsistent = matches!(e, ScheduleError::Inconsistent { .. });
                prop_assert!(inconsistent, "{e:?}");
            }
        }
    }
}
