//! Property: under frame loss that the retries can cover, every ASDU crosses the link
//! exactly once and in order, in both transmission modes (the FCB / repeat rules of
//! IEC 60870-5-2 clause 5.1 and 5.2 at work).

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use common::sim::Sim;
use core::time::Duration;
use proptest::prelude::*;
use telecontrol_core::Instant;
use telecontrol_iec101_link::{
    Balanced, BalancedConfig, BalancedEvent, LinkConfig, MAX_FRAME_LEN, NoDataResponse, Primary,
    PrimaryConfig, Secondary, SecondaryConfig,
};

fn link() -> LinkConfig {
    LinkConfig {
        response_timeout: Duration::from_millis(100),
        retries: 3,
        ..LinkConfig::default()
    }
}

/// Frame indices to lose: at most one in any three consecutive frames, so at most two
/// transmissions of one request/answer pair fail in a row (the retries cover that).
fn losses() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec((0usize..3, any::<bool>()), 1..60).prop_map(|v| {
        let mut at = 0;
        let mut out = Vec::new();
        for (gap, lose) in v {
            at += 3 + gap;
            if lose {
                out.push(at);
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn unbalanced_class_data_exactly_once_in_order(lose in losses(), n in 1usize..20, class1 in any::<u32>()) {
        let mut m = Primary::<2, 2>::new(PrimaryConfig { link: link(), ..PrimaryConfig::default() }).unwrap();
        m.add_secondary(1).unwrap();
        let s = Secondary::new(SecondaryConfig { link: link(), address: 1, no_data: NoDataResponse::SingleChar }).unwrap();
        let mut sim = Sim::new(m, vec![s]);
        sim.lose = lose.iter().map(|i| i + 4).collect(); // after the start-up
        let mut queued = 0usize;
        for _ in 0..20_000 {
            while queued < n && sim.slaves[0].queued().0 + sim.slaves[0].queued().1 < 4 {
                let asdu = [queued as u8, 0xAA];
                if class1 >> (queued % 32) & 1 == 1 {
                    sim.slaves[0].queue_class1(&asdu).unwrap();
                } else {
                    sim.slaves[0].queue_class2(&asdu).unwrap();
                }
                queued += 1;
            }
            if queued == n && sim.slaves[0].queued() == (0, 0) && sim.master.poll_timeout().is_some_and(|t| t > sim.now + Duration::from_millis(50)) {
                break;
            }
            prop_assert!(sim.step());
        }
        sim.run_until(sim.now + Duration::from_secs(2), 10_000);
        prop_assert_eq!(sim.master.stats().link_failures, 0);
        // Every frame lost on the line cost exactly one repetition (a loss in the very last
        // frame may not have been repeated yet when the run stopped).
        let lost_all = sim.lose.iter().filter(|&&i| i < sim.line.len()).count() as u64;
        let lost_repeated = sim.lose.iter().filter(|&&i| i + 1 < sim.line.len()).count() as u64;
        let r = sim.master.stats().retransmissions;
        prop_assert!(lost_repeated <= r && r <= lost_all, "{} {} {}", lost_repeated, r, lost_all);
        let got: Vec<u8> = sim.master_events.iter().filter_map(|(_, e)| {
            e.strip_prefix("UserData { address: 1, class: ").and_then(|r| r.split("asdu: [").nth(1)).and_then(|r| r.split(',').next()).map(|v| v.trim().parse().unwrap())
        }).collect();
        // Class 1 data overtakes class 2, so compare per class, each in order.
        let mut c1: Vec<u8> = Vec::new();
        let mut c2: Vec<u8> = Vec::new();
        for (_, e) in &sim.master_events {
            if let Some(r) = e.strip_prefix("UserData { address: 1, class: ") {
                let v: u8 = r.split("asdu: [").nth(1).unwrap().split(',').next().unwrap().trim().parse().unwrap();
                if r.starts_with("Class1") { c1.push(v) } else { c2.push(v) }
            }
        }
        let want1: Vec<u8> = (0..n).filter(|q| class1 >> (q % 32) & 1 == 1).map(|q| q as u8).collect();
        let want2: Vec<u8> = (0..n).filter(|q| class1 >> (q % 32) & 1 == 0).map(|q| q as u8).collect();
        prop_assert_eq!(got.len(), n, "{:?}", got);
        prop_assert_eq!(c1, want1);
        prop_assert_eq!(c2, want2);
    }

    #[test]
    fn balanced_user_data_exactly_once_in_order(lose in losses(), n in 1usize..20) {
        let cfg = |dir, l, r| BalancedConfig {
            link: link(), dir, local_address: l, remote_address: r,
            restart_delay: Duration::from_secs(1), test_interval: None,
        };
        let mut st = [Balanced::<4>::new(cfg(true, 1, 2)).unwrap(), Balanced::<4>::new(cfg(false, 2, 1)).unwrap()];
        let mut now = Instant::ZERO;
        let mut sent = 0usize;
        let mut frame_no = 0usize;
        let mut got: Vec<u8> = Vec::new();
        let mut buf = [0u8; MAX_FRAME_LEN];
        for _ in 0..20_000 {
            while sent < n && st[0].queued() < 4 {
                st[0].send_user_data(&[sent as u8]).unwrap();
                sent += 1;
            }
            let mut moved = false;
            for from in 0..2 {
                while let Some(k) = st[from].poll_transmit(&mut buf) {
                    moved = true;
                    let lost = frame_no >= 8 && lose.contains(&(frame_no - 8));
                    frame_no += 1;
                    if lost { continue; }
                    let to = 1 - from;
                    let mut rest = &buf[..k];
                    loop {
                        let c = st[to].handle_input(now, rest);
                        rest = &rest[c..];
                        while let Some(e) = st[to].poll_event() {
                            if let BalancedEvent::UserData { asdu } = e { got.push(asdu[0]); }
                        }
                        if c == 0 { break; }
                    }
                }
            }
            if !moved {
                if sent == n && st[0].queued() == 0 { break; }
                let t = [st[0].poll_timeout(), st[1].poll_timeout()].into_iter().flatten().min().unwrap();
                now = now.max(t);
                for s in &mut st { s.handle_timeout(now); while s.poll_event().is_some() {} }
            }
        }
        prop_assert_eq!(st[0].stats().link_failures, 0);
        prop_assert_eq!(got, (0..n).map(|q| q as u8).collect::<Vec<_>>());
    }
}
