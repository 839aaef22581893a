//! Fuzz body for `telecontrol-station`: an outstation driven by a script of time steps,
//! ASDUs (raw or from request templates), application answers, transport acknowledgements
//! and reconnects, with its invariants checked after every step.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::missing_panics_doc
)]

use std::time::Duration;

use asdu::{AsduParams, AsduView, Bcr, Cause, CommonAddress, InfoObject, Ioa, Quality, Siq, Value};
use station::{
    CommandAnswer, CommandHandle, CommandMode, Event, EventRelease, Outstation, OutstationConfig,
    OverflowPolicy, Point, SliceDatabase,
};
use telecontrol_core::Instant;

const CA: CommonAddress = CommonAddress(1);

/// Control-direction types the templates draw from (plus a few the station must refuse).
const TYPES: [u8; 32] = [
    45, 46, 47, 48, 49, 50, 51, 58, 59, 60, 61, 62, 63, 64, 100, 101, 102, 103, 104, 105, 106, 107,
    110, 111, 112, 113, 1, 22, 41, 120, 200, 30,
];

fn points() -> Vec<Point> {
    let mut v = Vec::new();
    for i in 0..40u16 {
        let mut p = Point::monitored(
            CA,
            Ioa::from(1 + i),
            Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD)),
        );
        p.groups = 1 << (i % 16);
        v.push(p);
    }
    for i in 0..4u16 {
        let bcr = Bcr::new(i32::from(i), 0).expect("sequence 0");
        let mut p = Point::monitored(CA, Ioa::from(60 + i), Value::MItNa1(bcr));
        p.counter_groups = 1 << (i % 4);
        v.push(p);
    }
    v.push(Point::controllable(CA, Ioa::from(100), CommandMode::Direct));
    v.push(Point::controllable(
        CA,
        Ioa::from(101),
        CommandMode::SelectBeforeOperate,
    ));
    v.push(Point::controllable(CA, Ioa::from(102), CommandMode::Any));
    v
}

/// `station_outstation`: byte 0 picks the profile and options; then each step is an opcode
/// and its operands. Never panics; every emitted ASDU fits the maximum, every positive one
/// decodes, every negative one is the request mirrored with a proper cause.
pub fn station_outstation(data: &[u8]) {
    let Some((&setup, mut rest)) = data.split_first() else {
        return;
    };
    let params = match setup % 3 {
        0 => AsduParams::IEC104,
        1 => AsduParams::IEC101_COMPACT,
        _ => AsduParams::IEC101_WIDE,
    };
    let mut config = OutstationConfig::new(params, CA);
    if setup & 0x04 != 0 {
        config.overflow_policy = OverflowPolicy::DropOldest;
    }
    if setup & 0x08 != 0 {
        config.event_release = EventRelease::OnTransmit;
    }
    config.accept_delay_acquisition = setup & 0x10 != 0;
    if setup & 0x20 != 0 {
        config.max_command_age = Some(Duration::from_secs(5));
    }
    if setup & 0x40 != 0 {
        let _ = config.common_addresses.push(CommonAddress(2));
    }
    let max = usize::from(params.max_len());
    let mut pts = points();
    let mut st: Outstation<_, 4> = Outstation::new(config, SliceDatabase::new(&mut pts));
    let mut now = Instant::from_secs(1);
    let mut handles: Vec<CommandHandle> = Vec::new();
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let take = |rest: &mut &[u8], n: usize| -> Vec<u8> {
        let n = n.min(rest.len());
        let (a, b) = rest.split_at(n);
        *rest = b;
        a.to_vec()
    };
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        let arg = take(&mut rest, 1).first().copied().unwrap_or(0);
        match op % 8 {
            0 => {
                let input = take(&mut rest, usize::from(arg % 64));
                st.handle_input(now, &input);
                inputs.push(input);
            }
            1 | 2 => {
                // A template: type, VSQ 1, cause, OA, CA, IOA, then payload octets.
                let t = TYPES[usize::from(arg) % TYPES.len()];
                let head = take(&mut rest, 3);
                let cause =
                    [6u8, 8, 5, 3, 6, 6, 7, 0][usize::from(head.first().copied().unwrap_or(0) % 8)];
                let ca = [1u16, 0xFFFF, 2, 1][usize::from(head.get(1).copied().unwrap_or(0) % 4)];
                let ioa = [0u32, 100, 101, 102, 5, 61, 1, 9999]
                    [usize::from(head.get(2).copied().unwrap_or(0) % 8)];
                let len = usize::from(head.get(2).copied().unwrap_or(0) >> 3) % 16;
                let payload = take(&mut rest, len);
                let mut b = vec![t, 1, cause];
                if params.cot_size() == 2 {
                    b.push(3);
                }
                let [lo, hi] = ca.to_le_bytes();
                b.push(lo);
                if params.ca_size() == 2 {
                    b.push(hi);
                }
                b.extend_from_slice(&ioa.to_le_bytes()[..usize::from(params.ioa_size())]);
                b.extend_from_slice(&payload);
                st.handle_input(now, &b);
                inputs.push(b);
            }
            3 => {
                now = now.saturating_add(Duration::from_millis(u64::from(arg) * 100));
                st.handle_timeout(now);
            }
            4 => {
                if let Some(h) = handles.pop() {
                    let a = [
                        CommandAnswer::Accept,
                        CommandAnswer::AcceptAndTerminate,
                        CommandAnswer::Reject,
                    ][usize::from(arg % 3)];
                    let _ = st.answer_command(h, a);
                    if arg & 0x80 != 0 {
                        let _ = st.terminate_command(h);
                    } else {
                        handles.insert(0, h);
                    }
                }
            }
            5 => {
                st.acknowledge(u64::from(arg % 8));
            }
            6 => {
                if arg & 1 == 0 {
                    st.requeue_unacknowledged();
                } else {
                    st.connection_lost();
                    handles.clear();
                }
            }
            _ => {
                let obj = [InfoObject::new(
                    Ioa::from(u16::from(arg)),
                    Value::MSpNa1(Siq::new(arg & 1 == 1, Quality::GOOD)),
                )];
                let _ = st.queue_event(CA, Cause::SPONTANEOUS, &obj);
            }
        }
        while let Some(e) = st.poll_event() {
            if let Event::Command(c) = e {
                handles.push(c.handle);
            }
        }
        let mut buf = [0u8; 255];
        let mut budget = 400;
        while let Some(n) = st.poll_transmit(&mut buf) {
            assert!(n <= max, "{n} > {max}");
            let out = &buf[..n];
            if out[2] & 0x40 != 0 {
                let mirrors =
                    |i: &Vec<u8>| i.len() == n && i[..2] == out[..2] && i[3..] == out[3..];
                assert!(
                    inputs.iter().any(mirrors),
                    "a negative answer mirrors a request"
                );
                assert!(matches!(out[2] & 0x3F, 7 | 9 | 10 | 44..=47));
            } else {
                AsduView::decode(&params, out).expect("a positive answer decodes");
            }
            budget -= 1;
            if budget == 0 || op & 0x80 != 0 {
                break;
            }
        }
        let s = st.stats();
        assert!(s.events_in_flight <= s.events_queued && s.events_queued <= 4);
    }
}
