//! The codec and the connection never allocate: a counting global allocator wrapping System
//! (allocation-counter, counting per thread) watches a whole session on this thread: frames
//! decoded and encoded, two connections exchanging thousands of I frames, every timer,
//! STOPDT, TESTFR, close.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use telecontrol_core::{Encode, Instant};
use telecontrol_iec104_apci::{
    ApciConfig, Apdu, Connection, Event, MAX_APDU_LEN, Role, Seq, UFunction,
};

#[derive(Default)]
struct Tally {
    asdus: u32,
    acked: u32,
    started: u32,
    stopped: u32,
    tests: u32,
    closed: u32,
}

/// Everything `from` has to send goes to `to`; `to`'s events are tallied. Returns whether
/// anything moved.
fn pump(from: &mut Connection, to: &mut Connection, now: Instant, tally: &mut Tally) -> bool {
    let mut moved = false;
    let mut buf = [0u8; 4 * MAX_APDU_LEN];
    while let Some(n) = from.poll_transmit(&mut buf) {
        moved = true;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let Ok(used) = to.handle_input(now, rest) else {
                return moved;
            };
            rest = &rest[used..];
            while let Some(e) = to.poll_event() {
                match e {
                    Event::Asdu(a) => {
                        assert_eq!(a.len(), 20);
                        tally.asdus += 1;
                    }
                    Event::Acknowledged { count } => tally.acked += u32::from(count),
                    Event::Started => tally.started += 1,
                    Event::Stopped => tally.stopped += 1,
                    Event::TestConfirmed => tally.tests += 1,
                    Event::Closed(_) => tally.closed += 1,
                    _ => {}
                }
            }
        }
    }
    moved
}

/// Pump both ways until both ends are quiet, as a driver does.
fn settle(a: &mut Connection, b: &mut Connection, now: Instant, ta: &mut Tally, tb: &mut Tally) {
    while pump(a, b, now, tb) | pump(b, a, now, ta) {}
}

fn session() -> (Tally, Tally) {
    // Codec.
    let mut buf = [0u8; MAX_APDU_LEN];
    let asdu = [0x0D_u8; 20];
    let n = Apdu::i(Seq::MAX, Seq::ZERO, &asdu)
        .encode(&mut buf)
        .unwrap();
    let (apdu, used) = Apdu::decode(&buf[..n]).unwrap();
    assert_eq!((apdu.asdu.len(), used), (20, 26));
    assert!(Apdu::decode(&[0x68, 0x04, 0x0F, 0, 0, 0]).is_err());
    let n = Apdu::u(UFunction::TestFrAct).encode(&mut buf).unwrap();
    assert_eq!(n, 6);

    // Two connections.
    let config = ApciConfig::DEFAULT;
    let mut now = Instant::ZERO;
    let mut a: Connection = Connection::new(config, Role::Controlling, now).unwrap();
    let mut b: Connection = Connection::new(config, Role::Controlled, now).unwrap();
    let (mut ta, mut tb) = (Tally::default(), Tally::default());
    a.start_dt(now).unwrap();
    settle(&mut a, &mut b, now, &mut ta, &mut tb);
    for i in 0..5_000u32 {
        if i % 7 == 0 {
            now = now + std::time::Duration::from_millis(300);
            a.handle_timeout(now);
            b.handle_timeout(now);
        }
        let _ = a.send_asdu(now, &asdu);
        let _ = b.send_asdu(now, &asdu);
        settle(&mut a, &mut b, now, &mut ta, &mut tb);
    }
    // Idle: t2 acknowledgements and t3 tests.
    for _ in 0..10 {
        let at = a.poll_timeout().unwrap().min(b.poll_timeout().unwrap());
        now = now.max(at);
        a.handle_timeout(now);
        b.handle_timeout(now);
        settle(&mut a, &mut b, now, &mut ta, &mut tb);
    }
    b.send_asdu(now, &asdu).unwrap();
    settle(&mut a, &mut b, now, &mut ta, &mut tb);
    a.stop_dt(now).unwrap();
    settle(&mut a, &mut b, now, &mut ta, &mut tb);
    a.test_frame(now).unwrap();
    settle(&mut a, &mut b, now, &mut ta, &mut tb);
    a.close();
    while a.poll_event().is_some() {}
    assert_eq!(a.unacknowledged().count(), 0);
    (ta, tb)
}

#[test]
fn codec_and_connection_do_not_allocate() {
    let mut tallies = None;
    let info = allocation_counter::measure(|| tallies = Some(session()));
    assert_eq!(info.count_total, 0, "allocations in the core");
    let (ta, tb) = tallies.unwrap();
    // The counter works: the same measure sees an allocation.
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
    // The session did what it claims.
    assert_eq!(
        (ta.started, tb.started, ta.stopped, tb.stopped),
        (1, 1, 1, 1)
    );
    assert_eq!(tb.asdus, 5_000);
    assert_eq!(ta.asdus, 5_001);
    assert_eq!(ta.acked, 5_000);
    assert_eq!(tb.acked, 5_001);
    assert!(ta.tests >= 1 && tb.tests >= 1);
    assert_eq!((ta.closed, tb.closed), (0, 0));
}
