//! Decoding and encoding MMS PDUs allocates nothing: a counting global allocator
//! (allocation-counter, per thread) watches decode, lazy iteration of every nested value and
//! encode of real capture PDUs and of a built InformationReport.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::ber::BitString;
use telecontrol_mms_pdu::mms::{
    AccessResult, BinaryTime, Data, FloatingPoint, InformationReport, MmsPdu, ObjectName, SeqOf,
    UnconfirmedService, VariableAccessSpecification,
};

fn walk(d: &Data<'_>) -> usize {
    match d.elements() {
        Some(s) => s.iter().map(|e| walk(&e)).sum::<usize>() + 1,
        None => 1,
    }
}

fn walk_pdu(p: &MmsPdu<'_>) -> usize {
    match p {
        MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => ir
            .results
            .iter()
            .map(|r| match r {
                AccessResult::Success(d) => walk(&d),
                AccessResult::Failure(_) => 1,
            })
            .sum(),
        _ => 0,
    }
}

#[test]
fn decode_iterate_and_encode_allocate_nothing() {
    let pdus = common::capture_mms_pdus();
    let mut out = vec![0u8; 70_000];
    let quality = [0x40u8];
    let fields: Vec<[Data<'_>; 3]> = (0..100)
        .map(|i| {
            [
                Data::FloatingPoint(FloatingPoint::Single(i as f32)),
                Data::BitString(BitString::new(&quality, 2).unwrap()),
                Data::BinaryTime(BinaryTime {
                    millis: i,
                    days: Some(15_000),
                }),
            ]
        })
        .collect();
    let results: Vec<AccessResult<'_>> = fields
        .iter()
        .map(|f| AccessResult::Success(Data::Structure(SeqOf::from_slice(f))))
        .collect();

    let mut decoded = 0usize;
    let mut values = 0usize;
    let mut written = 0usize;
    let info = allocation_counter::measure(|| {
        for (_, bytes) in &pdus {
            let pdu = MmsPdu::decode(bytes).unwrap();
            values += walk_pdu(&pdu);
            written += pdu.encode(&mut out).unwrap();
            decoded += 1;
        }
        let report =
            MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
                variable_access_specification: VariableAccessSpecification::VariableListName(
                    ObjectName::domain("ICC1", "DS_ANALOG").unwrap(),
                ),
                results: SeqOf::from_slice(&results),
            }));
        let n = report.encode(&mut out).unwrap();
        let back = MmsPdu::decode(&out[..n]).unwrap();
        values += walk_pdu(&back);
        written += n;
    });
    assert_eq!(info.count_total, 0, "allocations in MMS decode/encode");
    // The counter works: the same measure sees an allocation.
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
    // The work was done.
    assert_eq!(decoded, 2600);
    assert!(values > 10_000, "{values} values walked");
    assert!(written > 500_000, "{written} octets written");
}
