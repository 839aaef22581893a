//! mms-pdu OSI layers: TPKT framing and COTP decoding of a real segmented TSDU, reassembly,
//! peeling session/presentation/ACSE, re-encoding, and a BER walk. Inputs are the fuzz seeds
//! cut from the real ICCP capture.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mms_pdu::ber::BerReader;
use mms_pdu::cotp::{Reassembler, Tpdu};
use mms_pdu::stack::peel;
use mms_pdu::tpkt::{self, Framing};
use telecontrol_core::{Decode, Encode};

/// Five TPKTs: a TSDU of 4 978 octets in DT segments (frames of the ICCP capture).
const SEGMENTED: &[u8] = include_bytes!("../../fuzz/seeds/osi_stack/dt_segmented");
/// TPKT + DT + CN + CP + AARQ + MMS initiate request (frame 11).
const CONNECT: &[u8] = include_bytes!("../../fuzz/seeds/osi_stack/cn_cp_aarq");
/// TPKT + DT + GT/DT + TD + MMS PDU (an information report).
const DATA: &[u8] = include_bytes!("../../fuzz/seeds/osi_stack/dt_gt_data");
/// A CP PPDU with the AARQ and the MMS PDU inside: BER only.
const CP: &[u8] = include_bytes!("../../fuzz/seeds/ber_reader/cp_with_aarq");

fn frames_and_tsdu(stream: &[u8], storage: &mut [u8]) -> usize {
    let mut rest = stream;
    let mut r = Reassembler::new(storage);
    let mut total = 0;
    while let Ok(Framing::Complete { tpkt, consumed }) = tpkt::next_frame(rest, tpkt::MAX_LEN) {
        rest = &rest[consumed..];
        if let Ok(Tpdu::Data(dt)) = Tpdu::decode(tpkt.payload)
            && let Some(tsdu) = r.push(&dt).unwrap()
        {
            total += tsdu.len();
        }
    }
    total
}

fn walk(r: BerReader<'_>) -> usize {
    let mut r = r;
    let mut n = 0;
    while let Ok(t) = r.read_tlv() {
        n += 1;
        if t.tag.constructed {
            n += walk(t.reader());
        }
    }
    n
}

fn benches(c: &mut Criterion) {
    let mut storage = vec![0u8; 65536];
    let mut g = c.benchmark_group("mms-pdu");
    g.throughput(Throughput::Bytes(SEGMENTED.len() as u64));
    g.bench_function("tpkt_cotp_reassemble/5_segments", |b| {
        b.iter(|| frames_and_tsdu(black_box(SEGMENTED), &mut storage));
    });
    for (name, frame) in [("connect_aarq", CONNECT), ("data_report", DATA)] {
        let tsdu = &frame[7..];
        g.throughput(Throughput::Bytes(tsdu.len() as u64));
        g.bench_function(format!("peel/{name}"), |b| {
            b.iter(|| peel(black_box(tsdu)).unwrap().mms.map(<[u8]>::len));
        });
        let p = peel(tsdu).unwrap();
        let mut out = vec![0u8; 4096];
        g.bench_function(format!("encode_osi/{name}"), |b| {
            b.iter(|| {
                let p = black_box(&p);
                let mut n = p.spdu.encode(&mut out).unwrap();
                n += p.ppdu.map_or(0, |x| x.encode(&mut out).unwrap());
                n += p.acse.map_or(0, |x| x.encode(&mut out).unwrap());
                n
            });
        });
    }
    g.throughput(Throughput::Bytes(CP.len() as u64));
    g.bench_function("ber_walk/cp_with_aarq", |b| {
        b.iter(|| walk(BerReader::new(black_box(CP))));
    });
    g.finish();
}

criterion_group!(osi, benches);
criterion_main!(osi);
