//! iec104-apci: the frame codec and two connections wired in memory.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use iec104_apci::{ApciConfig, Apdu, Connection, Event, MAX_APDU_LEN, Role, Seq};
use telecontrol_core::{Encode, Instant};

const ASDU: [u8; 20] = [
    0x0D, 0x01, 0x03, 0x00, 0x01, 0x00, 0x01, 0x40, 0x00, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
];

/// Moves everything `from` has to send into `to`, draining `to`'s events; returns the
/// ASDUs `to` received.
fn pump(from: &mut Connection, to: &mut Connection, now: Instant, buf: &mut [u8]) -> u64 {
    let mut asdus = 0;
    while let Some(n) = from.poll_transmit(buf) {
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let used = to.handle_input(now, rest).expect("open");
            rest = &rest[used..];
            while let Some(e) = to.poll_event() {
                if let Event::Asdu(a) = e {
                    black_box(a);
                    asdus += 1;
                }
            }
        }
    }
    asdus
}

fn started_pair() -> (Connection, Connection) {
    let config = ApciConfig::DEFAULT; // k = 12, w = 8
    let mut a = Connection::new(config, Role::Controlling, Instant::ZERO).unwrap();
    let mut b = Connection::new(config, Role::Controlled, Instant::ZERO).unwrap();
    let mut buf = [0u8; 8 * MAX_APDU_LEN];
    a.start_dt(Instant::ZERO).unwrap();
    pump(&mut a, &mut b, Instant::ZERO, &mut buf);
    pump(&mut b, &mut a, Instant::ZERO, &mut buf);
    while a.poll_event().is_some() {}
    while b.poll_event().is_some() {}
    (a, b)
}

const BATCH: u64 = 1_000;

fn transfer(c: &mut Criterion) {
    let mut g = c.benchmark_group("iec104-apci/transfer");
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function("i20_k12_w8", |bench| {
        let (mut a, mut b) = started_pair();
        let mut buf = [0u8; 8 * MAX_APDU_LEN];
        let now = Instant::ZERO;
        bench.iter(|| {
            let mut delivered = 0;
            let mut queued = 0;
            while delivered < BATCH {
                while queued < BATCH && a.send_asdu(now, black_box(&ASDU)).is_ok() {
                    queued += 1;
                }
                delivered += pump(&mut a, &mut b, now, &mut buf);
                pump(&mut b, &mut a, now, &mut buf);
                while a.poll_event().is_some() {}
            }
            assert_eq!(delivered, BATCH);
        });
    });
    g.finish();
}

fn codec(c: &mut Criterion) {
    let mut frame = [0u8; MAX_APDU_LEN];
    let n = Apdu::i(Seq::MAX, Seq::ZERO, &ASDU)
        .encode(&mut frame)
        .unwrap();
    let frame = frame[..n].to_vec();
    let mut g = c.benchmark_group("iec104-apci/frame");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode/i20", |bench| {
        bench.iter(|| Apdu::decode(black_box(&frame)).unwrap());
    });
    g.bench_function("encode/i20", |bench| {
        let mut out = [0u8; MAX_APDU_LEN];
        bench.iter_batched_ref(
            || Apdu::i(Seq::MAX, Seq::ZERO, &ASDU),
            |apdu| black_box(apdu).encode(&mut out).unwrap(),
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

criterion_group!(benches, transfer, codec);
criterion_main!(benches);
