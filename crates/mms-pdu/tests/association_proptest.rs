//! Arbitrary input never panics an association, in any state, and never makes it hold more
//! than its fixed buffers: raw octets, arbitrary TSDUs in well-formed DTs, and arbitrary
//! MMS PDUs on an established association, interleaved with requests and time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod association_pair;

use core::time::Duration;

use association_pair::{Assoc, Pair, Side};
use proptest::prelude::*;
use telecontrol_core::{Encode, Instant};
use telecontrol_mms_pdu::association::{Config, Role};
use telecontrol_mms_pdu::cotp::{Data, Tpdu, TpduSize};
use telecontrol_mms_pdu::mms::ConfirmedServiceRequest;
use telecontrol_mms_pdu::stack::encode_mms_data;
use telecontrol_mms_pdu::tpkt::Tpkt;

#[derive(Clone, Debug)]
enum Op {
    Raw(Vec<u8>),
    Mms(Vec<u8>),
    Tsdu(Vec<u8>),
    Request,
    Wait(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Op::Raw),
        // MMS-looking PDUs: a context tag, a length, then anything.
        (0xA0u8..0xAE, proptest::collection::vec(any::<u8>(), 0..120)).prop_map(|(t, mut v)| {
            let len = v.len() as u8;
            v.insert(0, len);
            v.insert(0, t);
            Op::Mms(v)
        }),
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(Op::Tsdu),
        Just(Op::Request),
        any::<u8>().prop_map(Op::Wait),
    ]
}

fn dt_frame(tsdu: &[u8]) -> Vec<u8> {
    let dt = Tpdu::Data(Data {
        eot: true,
        number: 0,
        user_data: tsdu,
    });
    let mut inner = vec![0u8; dt.encoded_len()];
    dt.encode(&mut inner).unwrap();
    let t = Tpkt::new(&inner);
    let mut out = vec![0u8; t.encoded_len()];
    t.encode(&mut out).unwrap();
    out
}

fn check(p: &Pair) {
    assert!(p.client.outstanding() <= 4);
    assert!(p.server.outstanding() <= 4);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn associated_pair_survives_anything(ops in proptest::collection::vec(op(), 1..24)) {
        let mut p = Pair::associated();
        for op in ops {
            match op {
                Op::Raw(b) => p.feed(Side::Server, &b),
                Op::Mms(m) => {
                    let mut out = vec![0u8; 600];
                    if let Ok(n) = encode_mms_data(&m, 3, TpduSize::S1024, &mut out) {
                        p.feed(Side::Server, &out[..n]);
                    }
                }
                Op::Tsdu(t) => p.feed(Side::Server, &dt_frame(&t)),
                Op::Request => {
                    let now = p.now;
                    let _ = p.client.request(now, ConfirmedServiceRequest::Identify);
                }
                Op::Wait(s) => p.advance(Duration::from_secs(u64::from(s))),
            }
            p.run();
            check(&p);
        }
        // Whatever happened, the closed or open state is consistent and time still works.
        p.advance(Duration::from_secs(3600));
        check(&p);
        prop_assert!(p.client.poll_timeout().is_none() || p.client.is_associated());
    }

    #[test]
    fn fresh_machines_survive_raw_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for role in [Role::Responder, Role::Initiator] {
            let mut a = Box::new(Assoc::new(role, Config::DEFAULT).unwrap());
            let now = Instant::from_secs(1);
            if role == Role::Initiator {
                a.connect(now).unwrap();
            }
            let mut rest = &bytes[..];
            let mut out = [0u8; 2048];
            for _ in 0..1000 {
                let Ok(n) = a.handle_input(now, rest) else { break };
                prop_assert!(n <= rest.len());
                rest = &rest[n..];
                while a.poll_event().is_some() {}
                while a.poll_transmit(&mut out).is_some() {}
                if rest.is_empty() {
                    break;
                }
            }
            a.handle_timeout(Instant::from_secs(100_000));
            while a.poll_event().is_some() {}
        }
    }
}
