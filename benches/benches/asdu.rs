//! ASDU codec benchmarks: decode + iterate and encode, per ASDU.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::type_complexity
)]

use std::hint::black_box;

use asdu::{
    AsduBuilder, AsduParams, AsduView, Cause, CommonAddress, Cot, Cp56Time2a, Ioa, Qds, Qu,
    Quality, Sco, Siq, TypeId, Value, typed,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn build(t: TypeId, cause: Cause, sq: bool, objects: &[(u32, Value<'_>)], out: &mut [u8]) -> usize {
    let mut b = AsduBuilder::new(
        &AsduParams::IEC104,
        t,
        Cot::new(cause),
        CommonAddress(1),
        sq,
        out,
    )
    .unwrap();
    for (a, v) in objects {
        b.push(Ioa::new(*a).unwrap(), v).unwrap();
    }
    b.len()
}

fn cases() -> Vec<(
    &'static str,
    TypeId,
    Cause,
    bool,
    Vec<(u32, Value<'static>)>,
)> {
    let t = Cp56Time2a::new(24, 3, 15, 13, 45, 30_250).unwrap();
    vec![
        (
            "m_me_nc_1_sq1_48",
            TypeId::MMeNc1,
            Cause::PERIODIC,
            true,
            (0..48)
                .map(|i| {
                    (
                        1000 + i,
                        Value::MMeNc1(i as f32 * 0.5, Qds::new(Quality::GOOD)),
                    )
                })
                .collect(),
        ),
        (
            "m_sp_tb_1_sq0_20",
            TypeId::MSpTb1,
            Cause::SPONTANEOUS,
            false,
            (0..20)
                .map(|i| {
                    (
                        2000 + 3 * i,
                        Value::MSpTb1(Siq::new(i % 2 == 0, Quality::GOOD), t),
                    )
                })
                .collect(),
        ),
        (
            "c_sc_na_1",
            TypeId::CScNa1,
            Cause::ACTIVATION,
            false,
            vec![(5000, Value::CScNa1(Sco::new(true, Qu::NONE, false)))],
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let p = AsduParams::IEC104;
    let mut g = c.benchmark_group("asdu");
    for (name, t, cause, sq, objects) in cases() {
        let mut buf = [0u8; 255];
        let len = build(t, cause, sq, &objects, &mut buf);
        let bytes = buf[..len].to_vec();
        g.throughput(Throughput::Elements(objects.len() as u64));
        g.bench_function(format!("decode_iterate/{name}"), |b| {
            b.iter(|| {
                let v = AsduView::decode(&p, black_box(&bytes)).unwrap();
                let mut acc = 0u32;
                for o in v.objects() {
                    acc = acc.wrapping_add(o.ioa.value());
                    black_box(&o.value);
                }
                acc
            })
        });
        if t == TypeId::MMeNc1 {
            // The typed fast path: the same checks, no general Value per object.
            g.bench_function(format!("decode_typed/{name}"), |b| {
                b.iter(|| {
                    let v = AsduView::decode(&p, black_box(&bytes)).unwrap();
                    let mut acc = 0u32;
                    for (ioa, set) in v.typed::<typed::MMeNc1>().unwrap() {
                        acc = acc.wrapping_add(ioa.value());
                        black_box(&set);
                    }
                    acc
                })
            });
        }
        g.bench_function(format!("encode/{name}"), |b| {
            let mut out = [0u8; 255];
            b.iter(|| build(t, cause, sq, black_box(&objects), &mut out))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
