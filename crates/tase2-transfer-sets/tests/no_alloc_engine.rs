//! The timing engines allocate nothing: a counting global allocator (allocation-counter,
//! per thread) watches a simulated day of a transfer set runner (interval, integrity,
//! buffered changes, critical acknowledgements and their timeouts, TLE, disable/enable)
//! and of a device (select, operate, timeouts, tags).

#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use std::time::Duration;

use telecontrol_core::{Instant, earliest};
use telecontrol_tase2_transfer_sets::{
    DeviceConfig, DeviceControl, DeviceKind, DeviceValue, DsConditions, RunConfig, RunnerEvent,
    TagState, TransferSetRunner,
};

#[test]
fn engines_allocate_nothing() {
    let cfg = RunConfig {
        start_at: Some(Instant::from_secs(30)),
        interval: Some(Duration::from_secs(10)),
        integrity: Some(Duration::from_secs(60)),
        buffer_time: Duration::from_secs(2),
        tle: Some(Duration::from_secs(30)),
        conditions: DsConditions(
            DsConditions::INTERVAL_TIMEOUT
                | DsConditions::INTEGRITY_TIMEOUT
                | DsConditions::OBJECT_CHANGE
                | DsConditions::OPERATOR_REQUEST,
        ),
        rbe: true,
        critical: true,
        all_changes_reported: true,
        ack_timeout: Duration::from_secs(5),
    };
    let device = DeviceConfig {
        kind: DeviceKind::Command,
        sbo: true,
        select_timeout: Duration::from_secs(15),
        check_back_id: 3,
    };
    let (mut reports, mut timeouts, mut operated, mut expired) = (0u64, 0u64, 0u64, 0u64);

    let info = allocation_counter::measure(|| {
        let mut r = TransferSetRunner::<4>::new();
        let mut d = DeviceControl::new(device).unwrap();
        r.enable(Instant::ZERO, cfg).unwrap();
        let mut now = Instant::ZERO;
        let mut stamp = 0i32;
        let mut tick = 0u64;
        let end = Instant::from_secs(86_400);
        while now < end {
            // Inputs every 7 s: a change, sometimes an operator request, a select or operate.
            let input = Instant::from_secs((tick + 1) * 7);
            let next = earliest(earliest(r.poll_timeout(), d.poll_timeout()), Some(input));
            now = now.max(next.unwrap());
            if now == input {
                tick += 1;
                r.object_changed(now);
                if tick.is_multiple_of(50) {
                    r.operator_request(now);
                }
                match tick % 5 {
                    0 => {
                        let _ = d.select(now, 1);
                    }
                    1 if d.operate(now, 1, DeviceValue::Command(1)).is_ok() => operated += 1,
                    2 => {
                        let tag = if tick.is_multiple_of(3) {
                            TagState::CloseOnlyInhibit
                        } else {
                            TagState::NoTag
                        };
                        let _ = d.set_tag(1, tag, "maintenance");
                        let _ = d.tag_value();
                    }
                    _ => {}
                }
            }
            if d.handle_timeout(now).is_some() {
                expired += 1;
            }
            while let Some(e) = r.poll_event(now) {
                if matches!(e, RunnerEvent::AckTimeout { .. }) {
                    timeouts += 1;
                }
            }
            while r.poll_report(now).is_some() {
                reports += 1;
                r.report_sent(now, stamp).unwrap();
                // Every fourth report goes unacknowledged.
                if stamp % 4 != 0 {
                    r.acknowledge(stamp, true).unwrap();
                }
                stamp += 1;
            }
            if now.as_micros().is_multiple_of(43_200_000_000) && now > Instant::ZERO {
                r.disable();
                r.enable(now, cfg).unwrap();
            }
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(
        seen.count_total, 1,
        "the counter sees this thread's allocations"
    );
    // The work was done.
    eprintln!(
        "reports {reports}, ack timeouts {timeouts}, operated {operated}, select expiries {expired}"
    );
    assert!(reports > 8_000, "{reports}");
    assert!(timeouts > 1_000, "{timeouts}");
    assert!(operated > 1_000, "{operated}");
    assert!(expired > 100, "{expired}");
}
