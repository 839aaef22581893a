//! Fuzz body for the TASE.2 timing engines of `telecontrol-tase2-transfer-sets`: a DS
//! transfer set runner and a device driven by a script of time steps, changes, requests,
//! enable/disable, sent reports, acknowledgements, selects, operates and tags, with the
//! engines' invariants checked after every step.
#![allow(clippy::panic, clippy::missing_panics_doc, clippy::indexing_slicing)]

use std::time::Duration;

use tase2_transfer_sets::{
    ControlEvent, DeviceConfig, DeviceControl, DeviceKind, DeviceValue, DsConditions, RunConfig,
    RunnerEvent, TagState, TransferSetRunner,
};
use telecontrol_core::Instant;

const CRITICAL: usize = 3;

fn config(b: [u8; 4], now: Instant) -> RunConfig {
    let c = b[0] & 0xF8;
    RunConfig {
        start_at: (b[1] & 1 == 0).then(|| now + Duration::from_secs(u64::from(b[1] >> 4))),
        interval: (c & DsConditions::INTERVAL_TIMEOUT != 0)
            .then(|| Duration::from_millis(u64::from(b[2]) * 100 + 1)),
        integrity: (c & DsConditions::INTEGRITY_TIMEOUT != 0)
            .then(|| Duration::from_millis(u64::from(b[3]) * 250 + 1)),
        buffer_time: Duration::from_millis(u64::from(b[1] & 0x0E) * 100),
        tle: (b[3] & 1 == 1).then(|| Duration::from_millis(u64::from(b[2]) * 30)),
        conditions: DsConditions(c),
        rbe: b[0] & 1 != 0,
        critical: b[0] & 2 != 0,
        all_changes_reported: b[0] & 4 != 0,
        ack_timeout: Duration::from_millis(u64::from(b[3]) * 40 + 1),
    }
}

/// `tase2_schedule`: byte 0 picks the device (kind, SBO); then each step is an opcode and
/// its operands. Never panics; reports only for requested conditions of a started set, a
/// report handed out can always be sent, acknowledgements settle exactly what was sent,
/// `poll_timeout` is after `now` once events and reports are drained, an SBO operate
/// succeeds only for the owner that selected within the timeout.
pub fn tase2_schedule(data: &[u8]) {
    let Some((&setup, mut rest)) = data.split_first() else {
        return;
    };
    let kind = [
        DeviceKind::Command,
        DeviceKind::DiscreteSetPoint,
        DeviceKind::RealSetPoint,
    ][usize::from(setup % 3)];
    let sbo = setup & 0x10 != 0;
    let select_timeout = Duration::from_millis(u64::from(setup >> 5) * 500 + 1);
    let mut device = DeviceControl::new(DeviceConfig {
        kind,
        sbo,
        select_timeout,
        check_back_id: 9,
    })
    .unwrap_or_else(|e| panic!("valid device: {e}"));
    let mut r = TransferSetRunner::<CRITICAL>::new();
    let mut now = Instant::ZERO;
    let mut sent: Vec<i32> = Vec::new();
    let mut stamp = 0i32;
    let mut selected: Option<(u16, Instant)> = None;
    // A selection the device has seen expire but not yet reported.
    let mut lapsed: Option<u16> = None;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        // A cancel (op 8 with the argument's high bit) does not look at the clock.
        let cancel = op % 12 == 8 && rest.first().is_some_and(|a| a & 0x80 != 0);
        let mut arg = || -> u8 {
            let Some((&b, t)) = rest.split_first() else {
                return 0;
            };
            rest = t;
            b
        };
        if let Some((o, at)) = selected
            && now >= at + select_timeout
            && matches!(op % 12, 8 | 9 | 11)
            && !cancel
        {
            // select, operate and handle_timeout all notice the expiry.
            lapsed = Some(o);
            selected = None;
        }
        match op % 12 {
            0 => now = now + Duration::from_millis(u64::from(arg()) * 40),
            1 => now = now + Duration::from_secs(u64::from(arg())),
            2 => {
                r.object_changed(now);
            }
            3 => {
                r.operator_request(now);
            }
            4 => {
                r.external_event(now);
            }
            5 => {
                let cfg = config([arg(), arg(), arg(), arg()], now);
                let was = r.is_enabled();
                let res = r.enable(now, cfg);
                if res.is_ok() {
                    assert!(!was, "enable of an enabled set accepted");
                    sent.clear();
                } else {
                    assert!(was || cfg.validate().is_err(), "valid enable refused");
                }
            }
            6 => {
                r.disable();
                sent.clear();
                assert_eq!(r.poll_timeout(), None);
            }
            7 => {
                let i = usize::from(arg());
                let ts = sent.get(i % sent.len().max(1)).copied().unwrap_or(i32::MIN);
                match r.acknowledge(ts, i % 2 == 0) {
                    Ok(()) => {
                        let at = sent.iter().position(|x| *x == ts);
                        sent.remove(at.unwrap_or_else(|| panic!("acknowledged unknown {ts}")));
                    }
                    Err(_) => assert!(!sent.contains(&ts), "known time stamp {ts} refused"),
                }
            }
            8 => {
                let a = arg();
                let owner = u16::from(a % 3);
                if a & 0x80 != 0 {
                    // The owner's association ended: its selection goes, nobody else's.
                    let was = device.armed_by();
                    let dropped = device.cancel(owner);
                    assert_eq!(dropped, was == Some(owner));
                    if dropped {
                        // Also one that lapsed unnoticed: it goes without an expiry event
                        // (an expiry noticed before is still reported).
                        assert_eq!(device.armed_by(), None);
                        selected = None;
                    }
                } else if device.select(now, owner).is_ok() {
                    selected = Some((owner, now));
                }
            }
            9 => {
                let owner = u16::from(arg() % 3);
                let v = i16::from(arg() % 3);
                let value = match kind {
                    DeviceKind::Command => DeviceValue::Command(v),
                    DeviceKind::DiscreteSetPoint => DeviceValue::DiscreteSetPoint(v),
                    _ => DeviceValue::RealSetPoint(f32::from(v)),
                };
                if device.operate(now, owner, value).is_ok() && sbo {
                    let (o, at) = selected
                        .take()
                        .unwrap_or_else(|| panic!("operate unselected"));
                    assert_eq!(o, owner, "operate by another owner");
                    assert!(now < at + select_timeout, "operate after the timeout");
                }
            }
            10 => {
                let owner = u16::from(arg() % 3);
                let state = [
                    TagState::NoTag,
                    TagState::OpenAndCloseInhibit,
                    TagState::CloseOnlyInhibit,
                    TagState::Invalid,
                ][usize::from(arg() % 4)];
                let before = device.tag();
                let (b_state, b_owner) = (before.state, before.owner);
                let res = device.set_tag(owner, state, "fuzz");
                if b_owner.is_some_and(|o| o != owner) {
                    assert!(res.is_err(), "tag of {b_owner:?} changed by {owner}");
                    assert_eq!(device.tag().state, b_state);
                }
            }
            _ => {
                let e = device.handle_timeout(now);
                let expected = lapsed
                    .take()
                    .map(|owner| ControlEvent::SelectExpired { owner });
                assert_eq!(e, expected, "select expiry");
                if let Some(t) = device.poll_timeout() {
                    assert!(t > now, "device poll_timeout in the past");
                }
            }
        }
        // Drain events and reports in the order the opcode's high bit says (either is allowed).
        for phase in if op & 0x80 == 0 { [0, 1] } else { [1, 0] } {
            if phase == 0 {
                while let Some(e) = r.poll_event(now) {
                    if let RunnerEvent::AckTimeout { time_stamp } = e {
                        let at = sent.iter().position(|x| *x == time_stamp);
                        sent.remove(
                            at.unwrap_or_else(|| panic!("timeout of unknown {time_stamp}")),
                        );
                    }
                }
            } else {
                while let Some(due) = r.poll_report(now) {
                    let cfg = r
                        .config()
                        .copied()
                        .unwrap_or_else(|| panic!("report while disabled"));
                    assert!(r.is_started(now), "report before the start");
                    assert!(due.conditions.0 != 0);
                    assert_eq!(
                        due.conditions.0 & !cfg.conditions.0,
                        0,
                        "unrequested condition"
                    );
                    r.report_sent(now, stamp)
                        .unwrap_or_else(|e| panic!("a due report cannot be sent: {e}"));
                    if cfg.critical {
                        sent.push(stamp);
                    }
                    stamp = stamp.wrapping_add(1);
                }
            }
        }
        assert_eq!(r.outstanding(), sent.len());
        if let Some(t) = r.poll_timeout() {
            assert!(t > now, "runner poll_timeout {t} not after {now}");
        }
    }
}
