//! Property: however a received stream is cut into TCP segments, a connection reports the
//! same events and (unless it closes on an error) sends the same U frames. S frames may
//! differ: an acknowledgement carries the N(R) current when the driver polls, so draining
//! more often can split one S frame into several; their N(R) only ever grows.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

mod pair;

use pair::{Ev, i_frame, s_frame, u_frame};
use proptest::prelude::*;
use telecontrol_core::Instant;
use telecontrol_iec104_apci::{Apci, ApciConfig, Apdu, Connection, MAX_APDU_LEN, Role, UFunction};

#[derive(Clone, Debug)]
enum Op {
    /// An I frame with the next N(S), or (when `skip`) one N(S) ahead.
    I {
        len: usize,
        skip: bool,
    },
    S(u16),
    U(UFunction),
    Garbage(Vec<u8>),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (1usize..40, proptest::bool::weighted(0.02)).prop_map(|(len, skip)| Op::I { len, skip }),
        1 => (0u16..3).prop_map(Op::S),
        2 => proptest::sample::select(vec![
            UFunction::TestFrAct,
            UFunction::TestFrCon,
            UFunction::StartDtAct,
            UFunction::StopDtAct,
        ])
        .prop_map(Op::U),
        1 => proptest::collection::vec(any::<u8>(), 1..8).prop_map(Op::Garbage),
    ]
}

fn stream(ops: &[Op]) -> Vec<u8> {
    let mut out = u_frame(UFunction::StartDtAct);
    let mut ns = 0u16;
    for op in ops {
        match op {
            Op::I { len, skip } => {
                let asdu: Vec<u8> = (0..*len).map(|i| (i as u8) ^ (ns as u8)).collect();
                out.extend(i_frame(ns + u16::from(*skip), 0, &asdu));
                ns += 1;
            }
            Op::S(n) => out.extend(s_frame(*n)),
            Op::U(f) => out.extend(u_frame(*f)),
            Op::Garbage(g) => out.extend_from_slice(g),
        }
    }
    out
}

/// Feed `data` cut at `cuts` into a fresh controlled station, as a driver does.
fn run(data: &[u8], cuts: &[usize], w: u16) -> (Vec<Ev>, Vec<u8>, bool) {
    let d = ApciConfig::DEFAULT;
    let config = ApciConfig::new(12, w, d.t0(), d.t1(), d.t2(), d.t3()).unwrap();
    let mut conn: Connection = Connection::new(config, Role::Controlled, Instant::ZERO).unwrap();
    let now = Instant::from_secs(1);
    let (mut events, mut sent) = (Vec::new(), Vec::new());
    let mut buf = [0u8; 3 * MAX_APDU_LEN];
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    bounds.push(0);
    bounds.push(data.len());
    bounds.sort_unstable();
    for seg in bounds.windows(2) {
        let mut rest = &data[seg[0]..seg[1]];
        while let Ok(n) = conn.handle_input(now, rest) {
            rest = &rest[n..];
            while let Some(e) = conn.poll_event() {
                events.push(Ev::from(e));
            }
            while let Some(n) = conn.poll_transmit(&mut buf) {
                sent.extend_from_slice(&buf[..n]);
            }
            if rest.is_empty() {
                break;
            }
        }
    }
    (events, sent, conn.is_closed())
}

fn frames(sent: &[u8]) -> Vec<Apdu<'_>> {
    let mut rest = sent;
    let mut out = Vec::new();
    while let Ok((apdu, used)) = Apdu::decode(rest) {
        out.push(apdu);
        rest = &rest[used..];
    }
    assert!(rest.is_empty());
    out
}

fn u_frames(sent: &[u8]) -> Vec<Apci> {
    frames(sent)
        .into_iter()
        .map(|a| a.apci)
        .filter(|a| matches!(a, Apci::U(_)))
        .collect()
}

fn s_frames(sent: &[u8]) -> Vec<u16> {
    frames(sent)
        .into_iter()
        .filter_map(|a| match a.apci {
            Apci::S { recv_seq } => Some(recv_seq.value()),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn chunking_does_not_change_events(
        ops in proptest::collection::vec(arb_op(), 0..60),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        w in 1u16..12,
    ) {
        let data = stream(&ops);
        let (events, sent, closed) = run(&data, &[], w);
        let (events2, sent2, closed2) = run(&data, &cuts, w);
        prop_assert_eq!(&events, &events2);
        prop_assert_eq!(closed, closed2);
        if !closed {
            prop_assert_eq!(u_frames(&sent), u_frames(&sent2));
        }
        for sent in [&sent, &sent2] {
            let acks = s_frames(sent);
            prop_assert!(acks.windows(2).all(|p| p[0] < p[1]), "{:?}", acks);
        }
        // Octet by octet too.
        let every: Vec<usize> = (0..data.len()).collect();
        let (events3, _, _) = run(&data, &every, w);
        prop_assert_eq!(events, events3);
    }
}
