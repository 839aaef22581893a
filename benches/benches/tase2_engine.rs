//! tase2-transfer-sets timing engines with 1 000 DS transfer sets (one `TransferSetRunner`
//! each, interval 10 s, integrity 60 s, object change with a 1 s buffer, RBE, critical):
//! the cost per transfer set of a station's poll pass (poll_event, poll_report,
//! poll_timeout) when nothing is due, when every set's interval report is due (report handed
//! out, sent and acknowledged), and of a change feeding every set; and a device's
//! select + operate pair.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tase2_transfer_sets::{
    DeviceConfig, DeviceControl, DeviceKind, DeviceValue, DsConditions, RunConfig,
    TransferSetRunner,
};
use telecontrol_core::Instant;

const SETS: usize = 1_000;

fn cfg() -> RunConfig {
    RunConfig {
        start_at: None,
        interval: Some(Duration::from_secs(10)),
        integrity: Some(Duration::from_secs(60)),
        buffer_time: Duration::from_secs(1),
        tle: Some(Duration::from_secs(30)),
        conditions: DsConditions(
            DsConditions::INTERVAL_TIMEOUT
                | DsConditions::INTEGRITY_TIMEOUT
                | DsConditions::OBJECT_CHANGE,
        ),
        rbe: true,
        critical: true,
        all_changes_reported: false,
        ack_timeout: Duration::from_secs(30),
    }
}

fn runners() -> Vec<TransferSetRunner<4>> {
    (0..SETS)
        .map(|_| {
            let mut r = TransferSetRunner::new();
            r.enable(Instant::ZERO, cfg()).unwrap();
            r
        })
        .collect()
}

/// One station pass over every set at `now`: drain events and reports (each report is
/// sent and, being critical, acknowledged at once); returns reports handed out and the
/// earliest next deadline.
fn pass(sets: &mut [TransferSetRunner<4>], now: Instant, stamp: &mut i32) -> (usize, Instant) {
    let mut reports = 0;
    let mut next = Instant::MAX;
    for r in sets.iter_mut() {
        while let Some(e) = r.poll_event(now) {
            black_box(e);
        }
        while let Some(due) = r.poll_report(now) {
            black_box(due);
            r.report_sent(now, *stamp).unwrap();
            r.acknowledge(*stamp, true).unwrap();
            *stamp = stamp.wrapping_add(1);
            reports += 1;
        }
        if let Some(t) = r.poll_timeout() {
            next = next.min(t);
        }
    }
    (reports, next)
}

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("tase2_engine");
    g.throughput(Throughput::Elements(SETS as u64));

    // Nothing due: 1 s after the start, every set only reports its next deadline.
    let mut sets = runners();
    let mut stamp = 0i32;
    let idle = Instant::from_secs(1);
    g.bench_function("poll/idle/1000_sets", |b| {
        b.iter(|| {
            let (n, next) = pass(&mut sets, black_box(idle), &mut stamp);
            assert_eq!(n, 0);
            black_box(next)
        });
    });

    // Every set's interval report due: each pass jumps 10 s (RBE: one change per set
    // before, so no interval is skipped).
    let mut sets = runners();
    let mut now = Instant::ZERO;
    g.bench_function("poll/interval_due/1000_sets", |b| {
        b.iter(|| {
            for r in &mut sets {
                r.object_changed(now);
            }
            now = now + Duration::from_secs(10);
            let (n, next) = pass(&mut sets, black_box(now), &mut stamp);
            assert!(n >= SETS);
            black_box(next)
        });
    });

    // A point change fed to every set (starts the buffer timer once per report cycle).
    let mut sets = runners();
    let mut t = 0u64;
    g.bench_function("object_changed/1000_sets", |b| {
        b.iter(|| {
            t += 1;
            let at = Instant::from_micros(t);
            for r in &mut sets {
                black_box(r.object_changed(black_box(at)));
            }
        });
    });
    g.finish();

    let mut g = c.benchmark_group("tase2_engine");
    g.throughput(Throughput::Elements(1));
    let mut d = DeviceControl::new(DeviceConfig {
        kind: DeviceKind::Command,
        sbo: true,
        select_timeout: Duration::from_secs(30),
        check_back_id: 1,
    })
    .unwrap();
    let mut t = 0u64;
    g.bench_function("device/select_operate/command", |b| {
        b.iter(|| {
            t += 1;
            let now = Instant::from_micros(t);
            let id = d.select(black_box(now), 7).unwrap();
            d.operate(now, 7, black_box(DeviceValue::Command(1)))
                .unwrap();
            black_box(id)
        });
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
