//! Arbitrary ASDUs into the outstation (and the master): never a panic; every input gets an
//! answer or an event; every negative answer is the request mirrored with P/N = 1 and a
//! proper cause; no emitted ASDU is longer than the maximum.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use core::time::Duration;

use asdu::{AsduParams, AsduView};
use common::points;
use proptest::prelude::*;
use telecontrol_core::Instant;
use telecontrol_station::{
    CommandAnswer, Event, Master, MasterConfig, Outstation, OutstationConfig, SliceDatabase,
};

/// A plausible request: a control-direction type (or any), count mostly 1, a small set of
/// causes and addresses, a payload of random length.
fn request() -> impl Strategy<Value = Vec<u8>> {
    let type_id = prop_oneof![
        prop::sample::select(vec![
            1u8, 22, 41, 45, 46, 47, 48, 49, 50, 51, 58, 59, 60, 61, 62, 63, 64, 100, 101, 102,
            103, 104, 105, 106, 107, 110, 111, 112, 113, 120, 200
        ]),
        any::<u8>()
    ];
    let vsq = prop_oneof![Just(1u8), any::<u8>()];
    let cause = prop_oneof![prop::sample::select(vec![3u8, 5, 6, 8, 0]), any::<u8>()];
    let ca = prop::sample::select(vec![[1u8, 0], [0xFF, 0xFF], [2, 0]]);
    let ioa = prop::sample::select(vec![
        [0u8, 0, 0],
        [100, 0, 0],
        [101, 0, 0],
        [102, 0, 0],
        [0xE8, 3, 0],
    ]);
    let payload = prop::collection::vec(any::<u8>(), 0..16);
    (type_id, vsq, cause, any::<u8>(), ca, ioa, payload).prop_map(|(t, v, c, oa, ca, ioa, p)| {
        let mut b = vec![t, v, c, oa, ca[0], ca[1]];
        b.extend_from_slice(&ioa);
        b.extend_from_slice(&p);
        b
    })
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![request(), prop::collection::vec(any::<u8>(), 0..300)]
}

fn check(params: AsduParams, script: &[(Vec<u8>, u8, u16)]) {
    let mut pts = points(200);
    let mut st: Outstation<_, 8> = Outstation::new(
        OutstationConfig::new(params, common::CA),
        SliceDatabase::new(&mut pts),
    );
    let max = usize::from(params.max_len());
    let mut now = Instant::from_secs(1);
    let mut buf = [0u8; 255];
    let mut pending = Vec::new();
    // A negative confirmation mirrors some request received so far: a command the
    // application rejects after a step is confirmed during a later step.
    let mut received: Vec<&[u8]> = Vec::new();
    for (bytes, answer, wait) in script {
        received.push(bytes.as_slice());
        now = now.saturating_add(Duration::from_millis(u64::from(*wait) * 10));
        st.handle_timeout(now);
        st.handle_input(now, bytes);
        let mut reacted = false;
        while let Some(e) = st.poll_event() {
            reacted = true;
            if let Event::Command(c) = e {
                pending.push(c.handle);
            }
        }
        while let Some(n) = st.poll_transmit(&mut buf) {
            reacted = true;
            let out = &buf[..n];
            assert!(n <= max, "{n} > {max}");
            if out[2] & 0x40 != 0 {
                assert!(
                    received
                        .iter()
                        .any(|r| r.len() == out.len() && r[..2] == out[..2]),
                    "negative {out:?} mirrors no request received"
                );
                assert!(matches!(out[2] & 0x3F, 7 | 9 | 10 | 44..=47), "{out:?}");
            } else {
                // Everything positive decodes.
                AsduView::decode(&params, out).unwrap();
            }
            if answer % 5 == 0 {
                st.acknowledge(1);
            }
        }
        assert!(reacted, "no reaction to {bytes:?}");
        if let Some(h) = pending.pop() {
            let a = match answer % 3 {
                0 => CommandAnswer::Accept,
                1 => CommandAnswer::AcceptAndTerminate,
                _ => CommandAnswer::Reject,
            };
            let _ = st.answer_command(h, a);
            let _ = st.terminate_command(h);
        }
        if answer % 17 == 0 {
            st.connection_lost();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn outstation_reacts_properly_104(script in prop::collection::vec((input(), any::<u8>(), any::<u16>()), 1..12)) {
        check(AsduParams::IEC104, &script);
    }

    #[test]
    fn outstation_reacts_properly_101(script in prop::collection::vec((input(), any::<u8>(), any::<u16>()), 1..12)) {
        check(AsduParams::IEC101_WIDE, &script);
    }

    #[test]
    fn master_never_panics(inputs in prop::collection::vec(input(), 1..16)) {
        let mut m: Master<4> = Master::new(MasterConfig::new(AsduParams::IEC104));
        let now = Instant::from_secs(1);
        m.interrogate(now, common::CA, asdu::Qoi::STATION, telecontrol_station::Completion::OnTermination).unwrap();
        m.read(now, common::CA, asdu::Ioa::new(100).unwrap()).unwrap();
        let mut buf = [0u8; 255];
        while m.poll_transmit(&mut buf).is_some() {}
        for i in &inputs {
            let _ = m.handle_input(now, i);
        }
        m.handle_timeout(now.saturating_add(Duration::from_secs(100)));
        while m.poll_event().is_some() {}
        prop_assert_eq!(m.outstanding(), 0);
    }
}
