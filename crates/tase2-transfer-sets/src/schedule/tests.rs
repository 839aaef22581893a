#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use core::time::Duration;

use mms_pdu::mms::DataAccessError;
use telecontrol_core::Instant;

use super::*;
use crate::{DsTransferSet, Scope, Tase2Name};

const S: fn(u64) -> Instant = Instant::from_secs;

fn ts() -> DsTransferSet<'static> {
    DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Icc,
            domain: "ICC1",
            name: "DS1",
        },
        start_time: 0,
        interval: 10,
        tle: 0,
        buffer_time: 2,
        integrity_check: 60,
        ds_conditions_requested: DsConditions(
            DsConditions::INTERVAL_TIMEOUT | DsConditions::OBJECT_CHANGE,
        ),
        block_data: false,
        critical: false,
        rbe: false,
        all_changes_reported: false,
        status: true,
        event_code_requested: Some(0),
    }
}

fn cfg(conditions: u8) -> RunConfig {
    RunConfig {
        start_at: None,
        interval: (conditions & DsConditions::INTERVAL_TIMEOUT != 0)
            .then_some(Duration::from_secs(10)),
        integrity: (conditions & DsConditions::INTEGRITY_TIMEOUT != 0)
            .then_some(Duration::from_secs(60)),
        buffer_time: Duration::ZERO,
        tle: None,
        conditions: DsConditions(conditions),
        rbe: false,
        critical: false,
        all_changes_reported: false,
        ack_timeout: Duration::from_secs(30),
    }
}

#[test]
fn from_transfer_set_converts_and_checks() {
    let now = S(100);
    let c = RunConfig::from_transfer_set(&ts(), now, 1_000_000, Duration::from_secs(5)).unwrap();
    assert_eq!(c.start_at, None);
    assert_eq!(c.interval, Some(Duration::from_secs(10)));
    assert_eq!(c.integrity, None, "IntegrityCheck without its condition");
    assert_eq!(c.buffer_time, Duration::from_secs(2));
    assert_eq!(c.tle, None);

    let mut future = ts();
    future.start_time = 1_000_030;
    let c = RunConfig::from_transfer_set(&future, now, 1_000_000, Duration::ZERO).unwrap();
    assert_eq!(c.start_at, Some(S(130)));
    future.start_time = 999_999;
    let c = RunConfig::from_transfer_set(&future, now, 1_000_000, Duration::ZERO).unwrap();
    assert_eq!(c.start_at, None, "a start time passed means now");

    let mut bad = ts();
    bad.interval = 0;
    let e = RunConfig::from_transfer_set(&bad, now, 0, Duration::ZERO).unwrap_err();
    assert_eq!(
        e,
        ScheduleError::Inconsistent {
            field: "Interval",
            value: 0
        }
    );
    assert_eq!(
        e.data_access_error(),
        DataAccessError::ObjectAttributeInconsistent
    );
    let mut bad = ts();
    bad.ds_conditions_requested = DsConditions(DsConditions::INTEGRITY_TIMEOUT);
    bad.integrity_check = 0;
    assert!(RunConfig::from_transfer_set(&bad, now, 0, Duration::ZERO).is_err());
    let mut bad = ts();
    bad.ds_conditions_requested = DsConditions(0x07);
    assert!(RunConfig::from_transfer_set(&bad, now, 0, Duration::ZERO).is_err());
    let mut bad = ts();
    bad.buffer_time = -1;
    assert!(RunConfig::from_transfer_set(&bad, now, 0, Duration::ZERO).is_err());
    let mut bad = ts();
    bad.critical = true;
    assert!(
        RunConfig::from_transfer_set(&bad, now, 0, Duration::ZERO).is_err(),
        "critical needs an acknowledgement timeout"
    );
}

#[test]
fn enable_twice_is_refused_and_disable_stops() {
    let mut r = TransferSetRunner::<4>::new();
    let c = cfg(DsConditions::INTERVAL_TIMEOUT);
    r.enable(S(0), c).unwrap();
    assert_eq!(r.enable(S(1), c), Err(ScheduleError::AlreadyEnabled));
    assert_eq!(r.poll_timeout(), Some(S(10)));
    assert_eq!(r.poll_report(S(9)), None);
    let due = r.poll_report(S(10)).unwrap();
    assert_eq!(due.conditions, DsConditions(DsConditions::INTERVAL_TIMEOUT));
    assert_eq!(due.contents, Contents::All);
    r.disable();
    assert!(!r.is_enabled());
    assert_eq!(r.poll_timeout(), None);
    assert_eq!(r.poll_report(S(100)), None);
    assert!(!r.object_changed(S(100)));
    r.enable(S(100), c).unwrap();
    assert_eq!(r.poll_timeout(), Some(S(110)));
}

#[test]
fn buffer_time_batches_changes() {
    let mut r = TransferSetRunner::<0>::new();
    let mut c = cfg(DsConditions::OBJECT_CHANGE);
    c.buffer_time = Duration::from_secs(3);
    c.rbe = true;
    r.enable(S(0), c).unwrap();
    assert_eq!(r.poll_timeout(), None);
    assert!(r.object_changed(S(5)));
    assert!(r.object_changed(S(6)));
    assert_eq!(
        r.poll_timeout(),
        Some(S(8)),
        "the first change starts the timer"
    );
    assert_eq!(r.poll_report(S(7)), None);
    let due = r.poll_report(S(8)).unwrap();
    assert_eq!(due.contents, Contents::Changed);
    assert!(due.clear_changes);
    assert_eq!(r.poll_report(S(8)), None);
    assert_eq!(r.poll_timeout(), None);
}

#[test]
fn critical_acknowledgement_and_timeout() {
    let mut r = TransferSetRunner::<1>::new();
    let mut c = cfg(DsConditions::OPERATOR_REQUEST);
    c.critical = true;
    c.ack_timeout = Duration::from_secs(5);
    r.enable(S(0), c).unwrap();
    assert!(r.operator_request(S(1)));
    assert!(r.poll_report(S(1)).is_some());
    r.report_sent(S(1), 77).unwrap();
    assert_eq!(
        r.report_sent(S(1), 78),
        Err(ScheduleError::AckCapacity { capacity: 1 })
    );
    assert!(r.operator_request(S(2)));
    assert_eq!(r.poll_report(S(2)), None, "held while the table is full");
    assert_eq!(
        r.acknowledge(5, true),
        Err(ScheduleError::UnknownTimeStamp { time_stamp: 5 })
    );
    r.acknowledge(77, true).unwrap();
    assert!(r.poll_report(S(3)).is_some());
    r.report_sent(S(3), 80).unwrap();
    assert_eq!(r.poll_timeout(), Some(S(8)));
    assert_eq!(r.poll_event(S(7)), None);
    assert_eq!(
        r.poll_event(S(8)),
        Some(RunnerEvent::AckTimeout { time_stamp: 80 })
    );
    assert_eq!(r.outstanding(), 0);
    assert_eq!(r.stats().ack_timeouts, 1);
}

#[test]
fn critical_needs_capacity() {
    let mut r = TransferSetRunner::<0>::new();
    let mut c = cfg(DsConditions::OPERATOR_REQUEST);
    c.critical = true;
    assert_eq!(
        r.enable(S(0), c),
        Err(ScheduleError::AckCapacity { capacity: 0 })
    );
}

#[test]
fn tle_discards_late_reports() {
    let mut r = TransferSetRunner::<0>::new();
    let mut c = cfg(DsConditions::INTERVAL_TIMEOUT);
    c.tle = Some(Duration::from_secs(2));
    r.enable(S(0), c).unwrap();
    // Polled 2 s late: still in time.
    assert!(r.poll_report(S(12)).is_some());
    // Polled 3 s late: the interval report of 20 s is dropped.
    assert_eq!(r.poll_report(S(23)), None);
    assert_eq!(
        r.poll_event(S(23)),
        Some(RunnerEvent::Expired {
            conditions: DsConditions(DsConditions::INTERVAL_TIMEOUT)
        })
    );
    assert_eq!(r.poll_timeout(), Some(S(30)));
}

#[test]
fn runner_memory_is_bounded() {
    // Memory per transfer set: a station with thousands of sets keeps one runner each.
    let size = core::mem::size_of::<TransferSetRunner<4>>();
    std::println!("TransferSetRunner<4>: {size} octets");
    assert!(size <= 512, "{size}");
    let device = core::mem::size_of::<crate::DeviceControl>();
    std::println!("DeviceControl: {device} octets");
    assert!(device <= 160, "{device}");
}
