//! criterion benches of `telecontrol-iec101-link`: the FT1.2 codec and frames per second
//! through the primary and secondary cores wired in memory.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use core::time::Duration;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iec101_link::{
    AddressSize, Frame, FrameDecoder, LinkConfig, MAX_FRAME_LEN, NoDataResponse, Primary,
    PrimaryConfig, PrimaryEvent, Secondary, SecondaryConfig,
};
use telecontrol_core::Instant;

const ASDU: [u8; 20] = [
    0x0D, 0x02, 0x03, 0x00, 0x01, 0x00, 0x01, 0x40, 0x00, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x02, 0x40,
    0x00, 0x00, 0x00, 0x40,
];

fn frames(c: &mut Criterion) {
    let a = AddressSize::One;
    let mut var = [0u8; MAX_FRAME_LEN];
    let n = Frame::Variable {
        control: 0x08,
        address: 7,
        data: &ASDU,
    }
    .encode(a, &mut var)
    .unwrap();
    let var = var[..n].to_vec();
    let mut g = c.benchmark_group("iec101-link/frame");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode/variable_asdu20", |b| {
        b.iter(|| Frame::decode(black_box(&var), a).unwrap())
    });
    g.bench_function("encode/variable_asdu20", |b| {
        let mut out = [0u8; MAX_FRAME_LEN];
        b.iter(|| {
            Frame::Variable {
                control: 0x08,
                address: 7,
                data: black_box(&ASDU),
            }
            .encode(a, &mut out)
            .unwrap()
        })
    });
    g.bench_function("decode/fixed", |b| {
        let fixed = [0x10, 0x7B, 0x07, 0x82, 0x16];
        b.iter(|| Frame::decode(black_box(&fixed), a).unwrap())
    });
    // A stream of 100 variable frames, fed in 7-octet chunks through the stream decoder.
    let stream: Vec<u8> = var.iter().copied().cycle().take(var.len() * 100).collect();
    g.throughput(Throughput::Elements(100));
    g.bench_function("stream/100_variable_chunk7", |b| {
        b.iter(|| {
            let mut dec = FrameDecoder::new(a, None);
            let mut count = 0u32;
            for chunk in black_box(&stream).chunks(7) {
                let mut rest = chunk;
                loop {
                    let (k, ev) = dec.handle_input(Instant::ZERO, rest);
                    if ev.is_some() {
                        count += 1;
                    }
                    if k == 0 && ev.is_none() {
                        break;
                    }
                    rest = &rest[k..];
                }
            }
            count
        })
    });
    g.finish();
}

fn link_cfg() -> LinkConfig {
    LinkConfig {
        response_timeout: Duration::from_millis(100),
        ..LinkConfig::default()
    }
}

/// A primary and one secondary with link started, exchanging class 2 polls; each poll
/// returns one 20-octet ASDU (refilled), so one exchange = 2 frames through each core.
fn exchange(c: &mut Criterion) {
    let link = link_cfg();
    let mut m = Primary::<1, 1>::new(PrimaryConfig {
        link,
        ..PrimaryConfig::default()
    })
    .unwrap();
    let mut s = Secondary::<1, 1>::new(SecondaryConfig {
        link,
        address: 7,
        no_data: NoDataResponse::SingleChar,
    })
    .unwrap();
    m.add_secondary(7).unwrap();
    let mut buf = [0u8; MAX_FRAME_LEN];
    let mut now = Instant::ZERO;
    let mut one = |m: &mut Primary<1, 1>, s: &mut Secondary<1, 1>| -> usize {
        now = now + Duration::from_millis(1);
        let _ = s.queue_class2(&ASDU);
        let n = m.poll_transmit(&mut buf).unwrap();
        s.handle_input(now, &buf[..n]);
        while s.poll_event().is_some() {}
        let n = s.poll_transmit(&mut buf).unwrap();
        m.handle_input(now, &buf[..n]);
        let mut got = 0;
        while let Some(e) = m.poll_event() {
            if let PrimaryEvent::UserData { asdu, .. } = e {
                got += asdu.len();
            }
        }
        got
    };
    for _ in 0..3 {
        one(&mut m, &mut s); // status, reset, first poll
    }
    let mut g = c.benchmark_group("iec101-link/unbalanced");
    g.throughput(Throughput::Elements(2));
    g.bench_function("class2_poll_asdu20", |b| {
        b.iter(|| black_box(one(&mut m, &mut s)))
    });
    g.finish();

    // The secondary alone: answering pre-encoded class 2 polls with alternating FCB.
    let a = AddressSize::One;
    let polls: Vec<Vec<u8>> = [0x7Bu8, 0x5B]
        .iter()
        .map(|&control| {
            let mut out = [0u8; 8];
            let n = Frame::Fixed {
                control,
                address: 7,
            }
            .encode(a, &mut out)
            .unwrap();
            out[..n].to_vec()
        })
        .collect();
    let mut s = Secondary::<1, 1>::new(SecondaryConfig {
        link,
        address: 7,
        no_data: NoDataResponse::SingleChar,
    })
    .unwrap();
    let mut reset = [0u8; 8];
    let n = Frame::Fixed {
        control: 0x40,
        address: 7,
    }
    .encode(a, &mut reset)
    .unwrap();
    s.handle_input(Instant::ZERO, &reset[..n]);
    let _ = s.poll_transmit(&mut buf);
    while s.poll_event().is_some() {}
    let mut k = 0usize;
    let mut g = c.benchmark_group("iec101-link/secondary");
    g.throughput(Throughput::Elements(2));
    g.bench_function("class2_answer_asdu20", |b| {
        b.iter(|| {
            let _ = s.queue_class2(&ASDU);
            k += 1;
            s.handle_input(Instant::ZERO, black_box(&polls[k % 2]));
            s.poll_transmit(&mut buf).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, frames, exchange);
criterion_main!(benches);
