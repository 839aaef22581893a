//! Property: on a lossless link with a timely driver, whatever the workload, timing and
//! parameters, no connection closes, every accepted ASDU is delivered exactly once and in
//! order, everything is acknowledged within t2, and no end ever has more than k frames
//! outstanding or sends an S frame that acknowledges nothing new.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

mod pair;

use std::time::Duration;

use pair::{Ev, Pair};
use proptest::prelude::*;
use telecontrol_iec104_apci::{Apci, ApciConfig, Apdu, DtState};

#[derive(Clone, Debug)]
enum Step {
    /// Queue ASDUs at a (false) or b (true), as many as the window takes.
    Send {
        from_b: bool,
        count: u8,
        len: u8,
    },
    /// Let time pass (milliseconds), running every deadline on the way.
    Wait(u32),
    /// Jump to the next deadline.
    Advance,
    /// Stop and restart data transfer.
    StopStart,
    Test {
        from_b: bool,
    },
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (any::<bool>(), 1u8..20, 1u8..=249).prop_map(|(from_b, count, len)| Step::Send { from_b, count, len }),
        2 => (0u32..30_000).prop_map(Step::Wait),
        2 => Just(Step::Advance),
        1 => Just(Step::StopStart),
        1 => any::<bool>().prop_map(|from_b| Step::Test { from_b }),
    ]
}

fn s_frames_acknowledge_something_new(wire: &[(telecontrol_core::Instant, Vec<u8>)]) -> bool {
    let mut last_nr = None;
    for (_, f) in wire {
        let (apdu, _) = Apdu::decode(f).unwrap();
        match apdu.apci {
            Apci::S { recv_seq } | Apci::I { recv_seq, .. } => {
                if matches!(apdu.apci, Apci::S { .. }) && last_nr == Some(recv_seq) {
                    return false;
                }
                last_nr = Some(recv_seq);
            }
            Apci::U(_) => {}
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lossless_link_delivers_everything_in_order(
        k in 1u16..20,
        w_frac in 1u16..=100,
        t1 in 2u64..40,
        t2_frac in 1u64..=100,
        t3 in 1u64..60,
        steps in proptest::collection::vec(arb_step(), 1..40),
    ) {
        let w = ((k * w_frac) / 100).max(1);
        let t2 = ((t1 - 1) * t2_frac / 100).max(1);
        let s = Duration::from_secs;
        let config = ApciConfig::new(k, w, s(30), s(t1), s(t2), s(t3)).unwrap();
        let mut p = Pair::started(config);
        let mut sent: [Vec<Vec<u8>>; 2] = [Vec::new(), Vec::new()];
        let mut n = 0u32;
        for step in steps {
            match step {
                Step::Send { from_b, count, len } => {
                    for _ in 0..count {
                        let side = if from_b { &mut p.b } else { &mut p.a };
                        let mut asdu = n.to_le_bytes().to_vec();
                        asdu.resize(usize::from(len).max(4), 0x11);
                        if side.conn.send_asdu(p.now, &asdu).is_ok() {
                            sent[usize::from(from_b)].push(asdu);
                            n += 1;
                        }
                        prop_assert!(side.conn.outstanding() <= usize::from(k));
                    }
                    p.drive();
                }
                Step::Wait(ms) => p.advance_by(Duration::from_millis(u64::from(ms))),
                Step::Advance => { p.advance(); }
                Step::StopStart => {
                    if p.a.conn.stop_dt(p.now).is_ok() {
                        p.drive();
                        prop_assert_eq!(p.a.conn.state(), DtState::Stopped);
                        prop_assert_eq!(p.b.conn.state(), DtState::Stopped);
                        prop_assert_eq!(p.b.conn.in_flight(), 0);
                        p.a.conn.start_dt(p.now).unwrap();
                        p.drive();
                    }
                }
                Step::Test { from_b } => {
                    let side = if from_b { &mut p.b } else { &mut p.a };
                    let _ = side.conn.test_frame(p.now);
                    p.drive();
                }
            }
            prop_assert!(!p.a.conn.is_closed(), "{:?}", p.a.conn.close_reason());
            prop_assert!(!p.b.conn.is_closed(), "{:?}", p.b.conn.close_reason());
        }
        // Let every acknowledgement settle: after t2 nothing is outstanding.
        p.advance_by(s(t2));
        prop_assert!(!p.a.conn.is_closed() && !p.b.conn.is_closed());
        for (rx, from) in [(&p.b, 0usize), (&p.a, 1)] {
            let got: Vec<Vec<u8>> = rx.events.iter().filter_map(|e| match e {
                Ev::Asdu(a) => Some(a.clone()),
                _ => None,
            }).collect();
            prop_assert_eq!(&got, &sent[from]);
        }
        for side in [&p.a, &p.b] {
            prop_assert_eq!(side.conn.outstanding(), 0);
            prop_assert!(s_frames_acknowledge_something_new(&side.wire));
        }
        prop_assert_eq!(
            p.a.events.iter().map(|e| match e { Ev::Acknowledged(c) => u32::from(*c), _ => 0 }).sum::<u32>(),
            sent[0].len() as u32
        );
        prop_assert_eq!(
            p.b.events.iter().map(|e| match e { Ev::Acknowledged(c) => u32::from(*c), _ => 0 }).sum::<u32>(),
            sent[1].len() as u32
        );
    }
}
