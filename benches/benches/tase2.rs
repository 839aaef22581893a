//! tase2-transfer-sets: an integrity report of Data_RealQTimeTag points (special variables
//! Transfer_Set_Name, Transfer_Set_Time_Stamp, DSConditions_Detected, then the points):
//! encode 10 000 typed points into one InformationReport, or into as many reports as a
//! 32 000-octet maximum MMS PDU allows; and decode + iterate a 1 000-point report as a typed
//! transfer report (names from the data set member list, every point typed).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::panic
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mms_pdu::mms::{
    AccessResult, Data, InformationReport, MmsPdu, ObjectName, SeqOf, UnconfirmedService,
    VariableAccessSpecification, VariableListItem,
};
use tase2_transfer_sets::{
    DataFlags, DataRealQTimeTag, DsConditions, ReportItem, Scope, Tase2Name, TransferReport, Value,
    ValueKind,
};
use telecontrol_core::{Decode, Encode};

/// A common maximum MMS PDU size of ICCP associations (localDetail negotiated at Initiate).
const MAX_PDU: usize = 32_000;
const TS_NAME: Tase2Name<'static> = Tase2Name {
    scope: Scope::Icc,
    domain: "ICC1",
    name: "DS_TS_INTEGRITY",
};

fn points(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            Value::RealQTimeTag(DataRealQTimeTag {
                value: i as f32 * 0.25,
                time_stamp: 1_779_868_092 + (i % 60) as i32,
                flags: DataFlags(if i % 7 == 0 { 0x20 } else { 0 }),
            })
        })
        .collect()
}

/// Encode one integrity report of `values` into `out`; returns the octets written. The
/// member storage of the points (`Value::to_data`) is allocated here, two `Vec`s per report.
fn encode_report(values: &[Value], out: &mut [u8]) -> usize {
    let mut name_fields = [Data::Boolean(false); 3];
    let mut ts = vec![[Data::Boolean(false); 2]; values.len()];
    let mut fields = vec![[Data::Boolean(false); 4]; values.len()];
    let mut results: Vec<AccessResult<'_>> = Vec::with_capacity(values.len() + 3);
    results.push(AccessResult::Success(TS_NAME.to_data(&mut name_fields)));
    results.push(AccessResult::Success(Data::Integer(1_779_868_092)));
    results.push(AccessResult::Success(
        DsConditions(DsConditions::INTEGRITY_TIMEOUT).to_data(),
    ));
    for ((v, t), f) in values.iter().zip(ts.iter_mut()).zip(fields.iter_mut()) {
        results.push(AccessResult::Success(v.to_data(t, f)));
    }
    let pdu = MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "DS_INTEGRITY").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    }));
    pdu.encode(out).unwrap()
}

fn report_encode(c: &mut Criterion) {
    let values = points(10_000);
    let mut out = vec![0u8; 400_000];
    let mut g = c.benchmark_group("tase2/report_encode");
    g.throughput(Throughput::Elements(values.len() as u64));
    let one = encode_report(&values, &mut out);
    println!("one report of 10 000 Data_RealQTimeTag: {one} octets");
    g.bench_function("10000_realqtimetag_one_pdu", |b| {
        b.iter(|| encode_report(black_box(&values), &mut out));
    });

    // As many reports as a 32 000-octet PDU allows: points per PDU from the encoded sizes.
    let per_point = values[0].encoded_len() + 1; // worst case: values differ by a length octet
    let overhead = encode_report(&[], &mut out) + 8; // longer length octets
    let chunk = (MAX_PDU - overhead) / per_point;
    let sizes: Vec<usize> = values
        .chunks(chunk)
        .map(|v| encode_report(v, &mut out))
        .collect();
    assert!(sizes.iter().all(|&n| n <= MAX_PDU), "{sizes:?}");
    println!(
        "10 000 Data_RealQTimeTag in {} reports of at most {MAX_PDU} octets ({chunk} points each, largest {} octets)",
        sizes.len(),
        sizes.iter().max().unwrap()
    );
    g.bench_function("10000_realqtimetag_32000_octet_pdus", |b| {
        b.iter(|| {
            let mut total = 0;
            for v in black_box(&values).chunks(chunk) {
                total += encode_report(v, &mut out);
            }
            total
        });
    });
    g.finish();
}

fn report_decode(c: &mut Criterion) {
    let values = points(1_000);
    let mut out = vec![0u8; 40_000];
    let n = encode_report(&values, &mut out);
    let bytes = out[..n].to_vec();
    let names: Vec<String> = (0..values.len()).map(|i| format!("POINT_{i:05}")).collect();
    let mut members: Vec<VariableListItem<'_>> = [
        "Transfer_Set_Name",
        "Transfer_Set_Time_Stamp",
        "DSConditions_Detected",
    ]
    .iter()
    .map(|s| VariableListItem::named(ObjectName::domain("ICC1", s).unwrap()))
    .collect();
    members.extend(
        names
            .iter()
            .map(|s| VariableListItem::named(ObjectName::domain("ICC1", s).unwrap())),
    );
    let mut g = c.benchmark_group("tase2/report_decode_iterate");
    g.throughput(Throughput::Elements(values.len() as u64));
    g.bench_function("1000_realqtimetag", |b| {
        b.iter(|| {
            let pdu = MmsPdu::decode(black_box(&bytes)).unwrap();
            let MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) = pdu else {
                unreachable!()
            };
            let report = TransferReport::new(&ir, Some(SeqOf::from_slice(&members))).unwrap();
            let mut sum = 0.0f32;
            for e in report.entries() {
                let e = e.unwrap();
                if let ReportItem::Point(_) = e.item
                    && let Some(Ok(Value::RealQTimeTag(v))) = e.value(ValueKind::RealQTimeTag)
                {
                    sum += v.value;
                }
            }
            sum
        });
    });
    g.finish();
}

criterion_group!(benches, report_encode, report_decode);
criterion_main!(benches);
