//! A timing probe beside the criterion benches (benches/benches/asdu.rs, same three cases):
//! the best (minimum) time per ASDU over many batches, which filters out the noise of a
//! shared machine better than a median, and a fixed amount of work for instruction counting
//! under `valgrind --tool=callgrind`.
//!
//! `cargo run --release -p telecontrol-asdu --example timing` prints the minimum times;
//! `cargo run --release -p telecontrol-asdu --example timing -- 1000` runs exactly 1000
//! decode+iterate and 1000 encode rounds of every case (for callgrind) and prints nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use telecontrol_asdu::{
    AsduBuilder, AsduParams, AsduView, Cause, CommonAddress, Cot, Cp56Time2a, Ioa, Qds, Qu,
    Quality, Sco, Siq, TypeId, Value, typed,
};

struct Case {
    name: &'static str,
    type_id: TypeId,
    sq: bool,
    objects: Vec<(u32, Value<'static>)>,
}

fn cases() -> Vec<Case> {
    let t = Cp56Time2a::new(24, 3, 15, 13, 45, 30_250).unwrap();
    vec![
        Case {
            name: "M_ME_NC_1 SQ=1 x 48",
            type_id: TypeId::MMeNc1,
            sq: true,
            objects: (0..48)
                .map(|i| {
                    (
                        1000 + i,
                        Value::MMeNc1(i as f32 * 0.5, Qds::new(Quality::GOOD)),
                    )
                })
                .collect(),
        },
        Case {
            name: "M_SP_TB_1 SQ=0 x 20",
            type_id: TypeId::MSpTb1,
            sq: false,
            objects: (0..20)
                .map(|i| {
                    (
                        2000 + 3 * i,
                        Value::MSpTb1(Siq::new(i % 2 == 0, Quality::GOOD), t),
                    )
                })
                .collect(),
        },
        Case {
            name: "C_SC_NA_1",
            type_id: TypeId::CScNa1,
            sq: false,
            objects: vec![(5000, Value::CScNa1(Sco::new(true, Qu::NONE, false)))],
        },
    ]
}

fn encode(p: &AsduParams, c: &Case, out: &mut [u8]) -> usize {
    let cot = Cot::new(Cause::SPONTANEOUS);
    let mut b = AsduBuilder::new(p, c.type_id, cot, CommonAddress(1), c.sq, out).unwrap();
    for (a, v) in &c.objects {
        b.push(Ioa::new(*a).unwrap(), v).unwrap();
    }
    b.len()
}

fn decode(p: &AsduParams, bytes: &[u8]) -> u32 {
    let v = AsduView::decode(p, bytes).unwrap();
    let mut acc = 0u32;
    for o in v.objects() {
        acc = acc.wrapping_add(o.ioa.value());
        black_box(&o.value);
    }
    acc
}

/// The typed fast path for the M_ME_NC_1 case (`None` for the other types).
fn decode_typed(p: &AsduParams, bytes: &[u8]) -> Option<u32> {
    let v = AsduView::decode(p, bytes).unwrap();
    let mut acc = 0u32;
    for (ioa, set) in v.typed::<typed::MMeNc1>()? {
        acc = acc.wrapping_add(ioa.value());
        black_box(&set);
    }
    Some(acc)
}

fn best(mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..2000 {
        let t = Instant::now();
        for _ in 0..200 {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / 200.0);
    }
    best
}

fn main() {
    let p = AsduParams::IEC104;
    let rounds: Option<u32> = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("a round count"));
    for c in cases() {
        let mut buf = [0u8; 255];
        let len = encode(&p, &c, &mut buf);
        let bytes = buf[..len].to_vec();
        let mut out = [0u8; 255];
        if let Some(n) = rounds {
            for _ in 0..n {
                black_box(decode(&p, black_box(&bytes)));
                black_box(encode(&p, black_box(&c), &mut out));
            }
            continue;
        }
        let d = best(|| {
            black_box(decode(&p, black_box(&bytes)));
        });
        let e = best(|| {
            black_box(encode(&p, black_box(&c), &mut out));
        });
        println!(
            "{} ({len} octets): decode+iterate min {d:.1} ns, encode min {e:.1} ns",
            c.name
        );
        if decode_typed(&p, &bytes).is_some() {
            let t = best(|| {
                black_box(decode_typed(&p, black_box(&bytes)));
            });
            println!(
                "{} ({len} octets): decode+iterate typed min {t:.1} ns",
                c.name
            );
        }
    }
}
