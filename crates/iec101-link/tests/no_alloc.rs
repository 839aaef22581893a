//! The codec and every machine allocate nothing: a counting global allocator
//! (allocation-counter, per thread) around a full workload: decode/encode, a primary polling
//! three live secondaries and a dead one with data, retries and garbage, and a balanced pair
//! exchanging user data.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs,
    clippy::cast_possible_truncation
)]

use core::time::Duration;
use telecontrol_core::Instant;
use telecontrol_iec101_link::{
    AddressSize, Balanced, BalancedConfig, Decoded, Frame, FrameDecoder, LinkConfig, MAX_FRAME_LEN,
    NoDataResponse, Primary, PrimaryConfig, Secondary, SecondaryConfig,
};

fn codec_work() -> usize {
    let mut buf = [0u8; MAX_FRAME_LEN];
    let mut total = 0;
    for a in [AddressSize::None, AddressSize::One, AddressSize::Two] {
        let data = [0x5Au8; 200];
        let f = Frame::Variable {
            control: 0x73,
            address: 0,
            data: &data,
        };
        let n = f.encode(a, &mut buf).unwrap();
        let (g, m) = Frame::decode(&buf[..n], a).unwrap();
        assert_eq!((g, m), (f, n));
        let mut dec = FrameDecoder::new(a, Some(Duration::from_millis(5)));
        let mut noisy = [0u8; MAX_FRAME_LEN + 8];
        noisy[..3].copy_from_slice(&[0xFF, 0x68, 0x01]);
        noisy[3..3 + n].copy_from_slice(&buf[..n]);
        let mut rest = &noisy[..3 + n];
        loop {
            let (k, ev) = dec.handle_input(Instant::ZERO, rest);
            if let Some(Decoded::Frame(_)) = ev {
                total += 1;
            }
            if k == 0 && ev.is_none() {
                break;
            }
            rest = &rest[k..];
        }
        let _ = Frame::decode(&noisy, a);
    }
    total
}

fn unbalanced_work() -> usize {
    let link = LinkConfig {
        response_timeout: Duration::from_millis(50),
        retries: 1,
        ..LinkConfig::default()
    };
    let mut m = Primary::<4, 4>::new(PrimaryConfig {
        link,
        backoff_min: Duration::from_millis(200),
        ..PrimaryConfig::default()
    })
    .unwrap();
    let mk = |address| {
        Secondary::<4, 4>::new(SecondaryConfig {
            link,
            address,
            no_data: NoDataResponse::SingleChar,
        })
        .unwrap()
    };
    let mut slaves = [mk(1), mk(2), mk(3)];
    for a in 1..=4 {
        m.add_secondary(a).unwrap(); // station 4 never answers
    }
    let mut now = Instant::ZERO;
    let mut buf = [0u8; MAX_FRAME_LEN];
    let mut out = [0u8; MAX_FRAME_LEN];
    let mut data_events = 0;
    for round in 0..400u32 {
        if round % 10 == 0 {
            let _ = slaves[0].queue_class1(&[1, 2, 3]);
            let _ = slaves[1].queue_class2(&[4, 5, 6, 7]);
            let _ = m.send_user_data(3, &[0x2D, 1]);
            let _ = m.send_broadcast(&[0x67]);
        }
        if let Some(n) = m.poll_transmit(&mut buf) {
            now = now + Duration::from_millis(5);
            for s in &mut slaves {
                let mut rest = &buf[..n];
                loop {
                    let k = s.handle_input(now, rest);
                    rest = &rest[k..];
                    while s.poll_event().is_some() {}
                    if let Some(r) = s.poll_transmit(&mut out) {
                        // Garbage before every answer.
                        let mut wire = [0u8; MAX_FRAME_LEN + 2];
                        wire[..2].copy_from_slice(&[0x00, 0x99]);
                        wire[2..2 + r].copy_from_slice(&out[..r]);
                        let mut w = &wire[..2 + r];
                        loop {
                            let k = m.handle_input(now, w);
                            w = &w[k..];
                            let mut any = false;
                            while let Some(e) = m.poll_event() {
                                any = true;
                                if matches!(
                                    e,
                                    telecontrol_iec101_link::PrimaryEvent::UserData { .. }
                                ) {
                                    data_events += 1;
                                }
                            }
                            if k == 0 && !any {
                                break;
                            }
                        }
                        continue;
                    }
                    if k == 0 {
                        break;
                    }
                }
            }
        } else if let Some(t) = m.poll_timeout() {
            now = now.max(t);
            m.handle_timeout(now);
            while m.poll_event().is_some() {}
        }
    }
    data_events
}

fn balanced_work() -> usize {
    let cfg = |dir, l, r| BalancedConfig {
        link: LinkConfig::default(),
        dir,
        local_address: l,
        remote_address: r,
        restart_delay: Duration::from_secs(1),
        test_interval: Some(Duration::from_secs(5)),
    };
    let mut st = [
        Balanced::<4>::new(cfg(true, 1, 2)).unwrap(),
        Balanced::<4>::new(cfg(false, 2, 1)).unwrap(),
    ];
    let mut now = Instant::ZERO;
    let mut buf = [0u8; MAX_FRAME_LEN];
    let mut delivered = 0;
    for round in 0..300u32 {
        if round % 3 == 0 {
            let _ = st[0].send_user_data(&[round as u8; 20]);
            let _ = st[1].send_user_data(&[7; 5]);
        }
        let mut moved = false;
        for from in 0..2 {
            while let Some(n) = st[from].poll_transmit(&mut buf) {
                moved = true;
                let to = 1 - from;
                let mut rest = &buf[..n];
                loop {
                    let k = st[to].handle_input(now, rest);
                    rest = &rest[k..];
                    while let Some(e) = st[to].poll_event() {
                        if matches!(e, telecontrol_iec101_link::BalancedEvent::UserData { .. }) {
                            delivered += 1;
                        }
                    }
                    if k == 0 {
                        break;
                    }
                }
            }
        }
        if !moved {
            let t = [st[0].poll_timeout(), st[1].poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            if let Some(t) = t {
                now = now.max(t);
            }
            for s in &mut st {
                s.handle_timeout(now);
                while s.poll_event().is_some() {}
            }
        }
    }
    delivered
}

#[test]
fn codec_and_machines_allocate_nothing() {
    let mut frames = 0;
    let mut data = 0;
    let mut delivered = 0;
    let info = allocation_counter::measure(|| {
        frames = codec_work();
        data = unbalanced_work();
        delivered = balanced_work();
    });
    assert_eq!(info.count_total, 0, "allocations during link work");
    // The counter works, and the workload really ran.
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
    assert_eq!(frames, 3);
    assert!(data > 20, "{data}");
    assert!(delivered > 100, "{delivered}");
}
