//! Scenario tests of the unbalanced primary polling three secondaries on a simulated shared
//! line (IEC 60870-5-2 clause 5.1, 101 clause 7.2), asserting exact bytes and events.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use common::sim::Sim;
use common::*;
use core::time::Duration;
use telecontrol_core::Instant;
use telecontrol_iec101_link::{
    AddressSize, LinkConfig, LinkError, NoDataResponse, Primary, PrimaryConfig, Secondary,
    SecondaryConfig,
};

const A: AddressSize = AddressSize::One;

fn link() -> LinkConfig {
    LinkConfig {
        response_timeout: Duration::from_millis(100),
        retries: 2,
        ..LinkConfig::default()
    }
}

fn master_cfg() -> PrimaryConfig {
    PrimaryConfig {
        link: link(),
        backoff_min: Duration::from_secs(2),
        backoff_max: Duration::from_secs(8),
        class1_burst: 2,
    }
}

fn sim3() -> Sim<4, 4> {
    let mut m = Primary::<4, 4>::new(master_cfg()).unwrap();
    let mut slaves = Vec::new();
    for addr in 1..=3 {
        m.add_secondary(addr).unwrap();
        slaves.push(
            Secondary::new(SecondaryConfig {
                link: link(),
                address: addr,
                no_data: NoDataResponse::SingleChar,
            })
            .unwrap(),
        );
    }
    Sim::new(m, slaves)
}

fn events(sim: &Sim<4, 4>) -> Vec<String> {
    sim.master_events.iter().map(|(_, e)| e.clone()).collect()
}

#[test]
fn start_up_of_three_secondaries_then_class_2_polling() {
    let mut sim = sim3();
    for _ in 0..9 {
        assert!(sim.step());
    }
    let expected: Vec<(char, Vec<u8>)> = vec![
        ('M', fixed(A, 0x49, 1)),
        ('0', fixed(A, 0x0B, 1)),
        ('M', fixed(A, 0x40, 1)),
        ('0', E5.to_vec()),
        ('M', fixed(A, 0x49, 2)),
        ('1', fixed(A, 0x0B, 2)),
        ('M', fixed(A, 0x40, 2)),
        ('1', E5.to_vec()),
        ('M', fixed(A, 0x49, 3)),
        ('2', fixed(A, 0x0B, 3)),
        ('M', fixed(A, 0x40, 3)),
        ('2', E5.to_vec()),
        // First class 2 polls carry FCB = 1 (0x7B), the next FCB = 0 (0x5B).
        ('M', fixed(A, 0x7B, 1)),
        ('0', E5.to_vec()),
        ('M', fixed(A, 0x7B, 2)),
        ('1', E5.to_vec()),
        ('M', fixed(A, 0x7B, 3)),
        ('2', E5.to_vec()),
    ];
    let got: Vec<(char, Vec<u8>)> = sim.line.iter().map(|(_, w, b)| (*w, b.clone())).collect();
    assert_eq!(got, expected);
    assert_eq!(
        events(&sim),
        [
            "LinkUp { address: 1 }",
            "LinkUp { address: 2 }",
            "LinkUp { address: 3 }"
        ]
    );
    sim.step();
    assert_eq!(sim.requests().last().unwrap(), &fixed(A, 0x5B, 1));
    assert!(sim.master.secondary(2).unwrap().link_up);
    // 9600 baud, 11 bits: a 5-octet frame takes 5.73 ms, 0xE5 1.15 ms.
    assert_eq!(sim.line[0].0, Instant::from_micros(5_730));
}

#[test]
fn acd_triggers_class_1_requests_and_data_carries_the_address() {
    let mut sim = sim3();
    sim.run_until(Instant::from_millis(100), 100);
    sim.slaves[1].queue_class2(&[0x02, 0x22]).unwrap();
    sim.slaves[1].queue_class1(&[0x01, 0x11]).unwrap();
    sim.slaves[1].queue_class1(&[0x01, 0x12]).unwrap();
    sim.master_events.clear();
    let start = sim.line.len();
    sim.run_until(Instant::from_millis(250), 100);
    let lines: Vec<(char, Vec<u8>)> = sim.line[start..]
        .iter()
        .map(|(_, w, b)| (*w, b.clone()))
        .collect();
    // Find the class 2 poll of station 2 that returns data with ACD, followed at once by
    // class 1 requests to station 2 (FCB toggling), before station 3 is polled.
    let i = lines
        .iter()
        .position(|(w, b)| *w == '1' && b.len() > 5)
        .unwrap();
    assert_eq!(lines[i].1[4], 0x28, "user data with ACD");
    assert_eq!(lines[i + 1].1[1] & 0x4F, 0x4A, "class 1 request next");
    assert_eq!(lines[i + 1].1[2], 2);
    assert_eq!(lines[i + 2].1, var(A, 0x28, 2, &[0x01, 0x11]));
    assert_eq!(lines[i + 3].1[1] & 0x4F, 0x4A);
    assert_eq!(
        lines[i + 3].1[1] & 0x20,
        !lines[i + 1].1[1] & 0x20,
        "FCB toggles"
    );
    assert_eq!(lines[i + 4].1, var(A, 0x08, 2, &[0x01, 0x12]));
    assert_eq!(lines[i + 5].1[2], 3, "then the cycle moves on");
    let ev = events(&sim);
    assert!(ev.contains(&"UserData { address: 2, class: Class2, asdu: [2, 34] }".to_string()));
    assert!(ev.contains(&"UserData { address: 2, class: Class1, asdu: [1, 17] }".to_string()));
    assert!(ev.contains(&"UserData { address: 2, class: Class1, asdu: [1, 18] }".to_string()));
}

#[test]
fn class_1_burst_is_bounded() {
    let mut sim = sim3();
    sim.run_until(Instant::from_millis(100), 100);
    for k in 0..6 {
        sim.slaves[0].queue_class1(&[k]).unwrap_or(());
    }
    let start = sim.requests().len();
    sim.run_until(Instant::from_millis(400), 200);
    let reqs = &sim.requests()[start..];
    // Never more than class1_burst (2) class 1 requests in a row to station 1.
    let mut run = 0;
    for r in reqs {
        if r[1] & 0x0F == 10 && r[2] == 1 {
            run += 1;
            assert!(run <= 2, "{reqs:02X?}");
        } else {
            run = 0;
        }
    }
    assert_eq!(
        sim.slaves[0].queued().0,
        0,
        "all class 1 data fetched eventually"
    );
}

#[test]
fn dead_secondary_does_not_stall_the_live_ones() {
    let mut sim = sim3();
    sim.alive[1] = false;
    sim.run_until(Instant::from_secs(30), 100_000);
    let ev = events(&sim);
    assert!(ev.contains(&"LinkUp { address: 1 }".to_string()));
    assert!(ev.contains(&"LinkUp { address: 3 }".to_string()));
    assert!(!ev.contains(&"LinkUp { address: 2 }".to_string()));
    // Every attempt at station 2: 1 + 2 retries of the same status request.
    let to2: Vec<Vec<u8>> = sim
        .line
        .iter()
        .filter(|(_, w, b)| *w == 'M' && b[2] == 2)
        .map(|(_, _, b)| b.clone())
        .collect();
    assert!(
        to2.iter().all(|b| *b == fixed(A, 0x49, 2)),
        "only status requests"
    );
    let attempts = ev
        .iter()
        .filter(|e| *e == "NoResponse { address: 2 }")
        .count();
    // Back-off 2 s, 4 s, 8 s, 8 s ...: attempts at ~0, 2.3, 6.6, 14.9, 23.2 s.
    assert_eq!(attempts, 5, "{ev:?}");
    assert_eq!(to2.len(), attempts * 3);
    // The live stations keep their cycle: the longest gap between two polls of station 1
    // is one failed attempt at station 2 (3 x 100 ms timeouts) plus a few frames.
    let polls1: Vec<Instant> = sim
        .line
        .iter()
        .filter(|(_, w, b)| *w == 'M' && b[2] == 1)
        .map(|(t, _, _)| *t)
        .collect();
    assert!(polls1.len() > 1000, "{}", polls1.len());
    let max_gap = polls1.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(max_gap < Duration::from_millis(340), "{max_gap:?}");
    // Station 2 comes back: its link starts up again on the next attempt.
    sim.alive[1] = true;
    sim.run_until(Instant::from_secs(40), 100_000);
    assert!(events(&sim).contains(&"LinkUp { address: 2 }".to_string()));
}

#[test]
fn lost_response_is_repeated_with_the_same_fcb_and_data_is_not_lost() {
    let mut sim = sim3();
    sim.run_until(Instant::from_millis(100), 100);
    sim.slaves[0].queue_class2(&[0x0A]).unwrap();
    sim.slaves[0].queue_class2(&[0x0B]).unwrap();
    // The next answer of station 1 (its first class 2 data) is lost on the line.
    sim.lose_next_answer_of = Some(0);
    let frames_so_far = sim.line.len();
    sim.master_events.clear();
    sim.run_until(sim.now + Duration::from_millis(600), 1000);
    let reqs_to_1: Vec<Vec<u8>> = sim.line[frames_so_far..]
        .iter()
        .filter(|(_, w, b)| *w == 'M' && b[2] == 1)
        .map(|(_, _, b)| b.clone())
        .collect();
    // Two consecutive identical requests to station 1: the repeat.
    assert!(
        reqs_to_1.windows(2).any(|w| w[0] == w[1]),
        "{reqs_to_1:02X?}"
    );
    assert_eq!(sim.master.stats().retransmissions, 1);
    assert_eq!(sim.slaves[0].stats().repeats_answered, 1);
    let data: Vec<String> = events(&sim)
        .into_iter()
        .filter(|e| e.starts_with("UserData"))
        .collect();
    assert_eq!(
        data,
        [
            "UserData { address: 1, class: Class2, asdu: [10] }",
            "UserData { address: 1, class: Class2, asdu: [11] }"
        ],
        "each ASDU exactly once, the lost one through the repeat"
    );
}

#[test]
fn dfc_holds_back_confirmed_user_data() {
    let mut sim = sim3();
    sim.run_until(Instant::from_millis(100), 100);
    sim.slaves[2].set_busy(true);
    sim.run_until(Instant::from_millis(200), 100);
    assert!(sim.master.secondary(3).unwrap().dfc);
    sim.master.send_user_data(3, &[0x2D, 0x01]).unwrap();
    sim.master.send_user_data(1, &[0x2D, 0x02]).unwrap();
    let start = sim.line.len();
    sim.run_until(Instant::from_millis(400), 200);
    let ud: Vec<Vec<u8>> = sim.line[start..]
        .iter()
        .filter(|(_, w, b)| *w == 'M' && b.len() > 5)
        .map(|(_, _, b)| b.clone())
        .collect();
    assert_eq!(ud.len(), 1, "only station 1 gets its data: {ud:02X?}");
    let fcb = ud[0][4] & 0x20;
    assert_eq!(ud[0], var(A, 0x53 | fcb, 1, &[0x2D, 0x02]));
    assert_eq!(sim.master.queued(), 1);
    sim.slaves[2].set_busy(false);
    sim.run_until(Instant::from_millis(600), 200);
    assert_eq!(sim.master.queued(), 0);
    let ev = events(&sim);
    assert!(ev.contains(&"UserDataConfirmed { address: 1 }".to_string()));
    assert!(ev.contains(&"UserDataConfirmed { address: 3 }".to_string()));
    assert!(
        sim.slave_events
            .iter()
            .any(|(_, i, e)| *i == 2 && e == "UserData { asdu: [45, 1], broadcast: false }")
    );
}

#[test]
fn broadcast_reaches_every_secondary_without_reply() {
    let mut sim = sim3();
    sim.run_until(Instant::from_millis(100), 100);
    sim.master.send_broadcast(&[0x67, 0x01]).unwrap();
    sim.run_until(Instant::from_millis(150), 100);
    assert!(sim.requests().contains(&var(A, 0x44, 0xFF, &[0x67, 0x01])));
    let got: Vec<usize> = sim
        .slave_events
        .iter()
        .filter(|(_, _, e)| e == "UserData { asdu: [103, 1], broadcast: true }")
        .map(|(_, i, _)| *i)
        .collect();
    assert_eq!(got, [0, 1, 2]);
    assert!(events(&sim).contains(&"BroadcastSent".to_string()));
}

#[test]
fn garbage_before_a_response_is_discarded_and_counted() {
    let mut sim = sim3();
    sim.run_until(Instant::from_millis(100), 100);
    sim.noise = vec![0x00, 0xFF, 0x7E];
    sim.master_events.clear();
    sim.step();
    let ev = events(&sim);
    assert_eq!(
        ev[0],
        "Discarded { octets: 3, reason: BadStart { offset: 0, value: 0 } }"
    );
    assert_eq!(sim.master.stats().octets_discarded, 3);
    assert_eq!(
        sim.master.stats().retransmissions,
        0,
        "the answer after the noise counted"
    );
}

#[test]
fn live_link_failure_then_restart() {
    let mut sim = sim3();
    sim.run_until(Instant::from_millis(100), 100);
    sim.alive[0] = false;
    sim.master_events.clear();
    sim.run_until(Instant::from_secs(1), 10_000);
    let ev = events(&sim);
    assert_eq!(
        &ev[..2],
        ["NoResponse { address: 1 }", "LinkDown { address: 1 }"]
    );
    assert_eq!(sim.master.stats().link_failures, 1);
    assert!(!sim.master.secondary(1).unwrap().link_up);
    sim.alive[0] = true;
    sim.run_until(Instant::from_secs(4), 100_000);
    assert!(events(&sim).contains(&"LinkUp { address: 1 }".to_string()));
}

#[test]
fn secondary_that_restarted_is_reset_again() {
    let mut sim = sim3();
    sim.run_until(Instant::from_millis(100), 100);
    // Station 2 restarts: its link is no longer reset, it answers polls with 14.
    sim.slaves[1] = Secondary::new(SecondaryConfig {
        link: link(),
        address: 2,
        no_data: NoDataResponse::SingleChar,
    })
    .unwrap();
    sim.master_events.clear();
    sim.run_until(Instant::from_millis(200), 100);
    let ev = events(&sim);
    let i = ev
        .iter()
        .position(|e| e == "ServiceUnavailable { address: 2, function: NotFunctioning }")
        .unwrap();
    assert_eq!(ev[i + 1], "LinkDown { address: 2 }");
    assert!(ev[i + 2..].contains(&"LinkUp { address: 2 }".to_string()));
}

#[test]
fn commands_are_checked() {
    let mut m = Primary::<2, 1>::new(master_cfg()).unwrap();
    m.add_secondary(1).unwrap();
    assert_eq!(
        m.add_secondary(1),
        Err(LinkError::InvalidAddress { address: 1 })
    );
    assert_eq!(
        m.add_secondary(255),
        Err(LinkError::InvalidAddress { address: 255 })
    );
    m.add_secondary(2).unwrap();
    assert_eq!(m.add_secondary(3), Err(LinkError::CapacityExceeded));
    assert_eq!(
        m.send_user_data(9, &[1]),
        Err(LinkError::UnknownSecondary { address: 9 })
    );
    m.send_user_data(1, &[1]).unwrap();
    assert_eq!(m.send_user_data(1, &[1]), Err(LinkError::QueueFull));
    assert_eq!(
        m.send_broadcast(&[0; 300]),
        Err(LinkError::TooLong { len: 300, max: 253 })
    );
    let bad = |c: PrimaryConfig| Primary::<1, 1>::new(c).is_err();
    assert!(bad(PrimaryConfig {
        class1_burst: 0,
        ..master_cfg()
    }));
    assert!(bad(PrimaryConfig {
        backoff_min: Duration::from_secs(9),
        ..master_cfg()
    }));
    assert!(bad(PrimaryConfig {
        link: LinkConfig {
            address_size: AddressSize::None,
            ..link()
        },
        ..master_cfg()
    }));
    // Idle with no request on the line: poll_timeout says "now" for the first request.
    let mut m = Primary::<1, 1>::new(master_cfg()).unwrap();
    assert_eq!(m.poll_timeout(), None);
    m.add_secondary(5).unwrap();
    let mut buf = [0u8; 300];
    assert_eq!(m.poll_transmit(&mut buf), Some(5));
    assert_eq!(&buf[..5], &fixed(A, 0x49, 5)[..]);
    assert_eq!(
        m.poll_transmit(&mut buf),
        None,
        "never two requests outstanding"
    );
    assert_eq!(m.poll_timeout(), Some(Instant::from_millis(100)));
    m.handle_timeout(Instant::from_millis(100));
    assert_eq!(
        m.poll_transmit(&mut buf),
        Some(5),
        "repeat after the response timeout"
    );
}

#[test]
fn undrained_request_never_leaves_after_its_failure() {
    // Found by the link_machines fuzz target: a request still waiting in poll_transmit when
    // its retries ran out must be dropped, or two requests would be on the line at once.
    let cfg = PrimaryConfig {
        link: LinkConfig {
            retries: 0,
            ..link()
        },
        ..master_cfg()
    };
    let mut m = Primary::<2, 1>::new(cfg).unwrap();
    m.add_secondary(1).unwrap();
    m.add_secondary(2).unwrap();
    // An answer arriving before the request left is not its answer.
    m.handle_input(Instant::ZERO, &fixed(A, 0x0B, 1));
    assert_eq!(m.stats().frames_ignored, 1);
    m.handle_timeout(Instant::from_millis(100));
    let mut buf = [0u8; 300];
    assert_eq!(m.poll_transmit(&mut buf), Some(5));
    assert_eq!(
        &buf[..5],
        &fixed(A, 0x49, 2)[..],
        "the next station, the stale request dropped"
    );
    assert_eq!(m.poll_transmit(&mut buf), None);
}
