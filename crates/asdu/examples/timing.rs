//! A timing probe beside the criterion benches: the best (minimum) time per ASDU over many
//! batches, which filters out the noise of a shared machine better than a median, and a
//! fixed amount of work for instruction counting under `valgrind --tool=callgrind`.
//!
//! `cargo run --release -p telecontrol-asdu --example timing` prints the minimum times;
//! `cargo run --release -p telecontrol-asdu --example timing -- 1000` runs exactly 1000
//! decode+iterate and 1000 encode rounds (for callgrind) and prints nothing else.
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
    AsduBuilder, AsduParams, AsduView, Cause, CommonAddress, Cot, Ioa, Qds, Quality, TypeId, Value,
};

fn values() -> Vec<Value<'static>> {
    (0..48)
        .map(|i| Value::MMeNc1(i as f32 * 0.5, Qds::new(Quality::GOOD)))
        .collect()
}

fn encode(p: &AsduParams, values: &[Value<'_>], out: &mut [u8]) -> usize {
    let cot = Cot::new(Cause::PERIODIC);
    let mut b = AsduBuilder::new(p, TypeId::MMeNc1, cot, CommonAddress(1), true, out).unwrap();
    for (i, v) in values.iter().enumerate() {
        b.push(Ioa::new(1000 + i as u32).unwrap(), v).unwrap();
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
    let vals = values();
    let mut buf = [0u8; 255];
    let len = encode(&p, &vals, &mut buf);
    let bytes = buf[..len].to_vec();
    if let Some(n) = std::env::args().nth(1) {
        let n: u32 = n.parse().expect("a round count");
        let mut out = [0u8; 255];
        for _ in 0..n {
            black_box(decode(&p, black_box(&bytes)));
            black_box(encode(&p, black_box(&vals), &mut out));
        }
        return;
    }
    let d = best(|| {
        black_box(decode(&p, black_box(&bytes)));
    });
    let mut out = [0u8; 255];
    let e = best(|| {
        black_box(encode(&p, black_box(&vals), &mut out));
    });
    println!(
        "M_ME_NC_1 SQ=1 × 48 ({len} octets): decode+iterate min {d:.1} ns, encode min {e:.1} ns"
    );
}
