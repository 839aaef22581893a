//! mms-pdu: InformationReports of TASE.2 Data_RealQTimeTag-like structures
//! {floating-point, bit-string quality, binary-time}: decode (and iterate every value) and
//! encode, 100 and 1 000 values per report.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mms_pdu::ber::BitString;
use mms_pdu::mms::{
    AccessResult, BinaryTime, Data, FloatingPoint, InformationReport, MmsPdu, ObjectName, SeqOf,
    UnconfirmedService, VariableAccessSpecification,
};
use telecontrol_core::{Decode, Encode};

const QUALITY: [u8; 1] = [0x40];

fn fields(n: usize) -> Vec<[Data<'static>; 3]> {
    (0..n)
        .map(|i| {
            [
                Data::FloatingPoint(FloatingPoint::Single(i as f32 * 0.5)),
                Data::BitString(BitString::new(&QUALITY, 0).unwrap()),
                Data::BinaryTime(BinaryTime {
                    millis: 43_200_000 + i as u32,
                    days: Some(15_000),
                }),
            ]
        })
        .collect()
}

fn report<'a>(results: &'a [AccessResult<'a>]) -> MmsPdu<'a> {
    MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "DS_ANALOG").unwrap(),
        ),
        results: SeqOf::from_slice(results),
    }))
}

/// Decode and visit every value: sum the floats, count the others.
fn decode_and_iterate(bytes: &[u8]) -> (f64, usize) {
    let MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) =
        MmsPdu::decode(bytes).unwrap()
    else {
        panic!("not a report")
    };
    let (mut sum, mut others) = (0.0, 0);
    for r in ir.results.iter() {
        if let AccessResult::Success(Data::Structure(s)) = r {
            for d in s.iter() {
                match d {
                    Data::FloatingPoint(f) => sum += f.to_f64(),
                    _ => others += 1,
                }
            }
        }
    }
    (sum, others)
}

fn information_report(c: &mut Criterion) {
    for n in [100usize, 1_000] {
        let f = fields(n);
        let results: Vec<AccessResult<'_>> = f
            .iter()
            .map(|x| AccessResult::Success(Data::Structure(SeqOf::from_slice(x))))
            .collect();
        let pdu = report(&results);
        let mut buf = vec![0u8; pdu.encoded_len()];
        let len = pdu.encode(&mut buf).unwrap();
        assert_eq!(decode_and_iterate(&buf[..len]).1, 2 * n);

        let mut g = c.benchmark_group("mms-pdu/information_report");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("encode_{n}"), |b| {
            b.iter(|| black_box(&pdu).encode(black_box(&mut buf)).unwrap());
        });
        g.bench_function(format!("decode_{n}"), |b| {
            b.iter(|| MmsPdu::decode(black_box(&buf[..len])).unwrap());
        });
        g.bench_function(format!("decode_iterate_{n}"), |b| {
            b.iter(|| decode_and_iterate(black_box(&buf[..len])));
        });
        g.finish();
    }
}

criterion_group!(benches, information_report);
criterion_main!(benches);
