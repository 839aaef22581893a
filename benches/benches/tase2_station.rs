//! The TASE.2 server station (`telecontrol_tase2_transfer_sets::station`): an integrity
//! report of 10 000 points encoded and split to the PDU size, and report by exception with
//! 100 000 points in data sets and 1 000 of them changing.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mms_pdu::association::AssociateIndication;
use mms_pdu::ber::{BitString, Oid};
use mms_pdu::mms::{
    ConfirmedServiceRequest, Data, InitDetail, InitiateParams, ObjectName, SeqOf,
    VariableAccessSpecification, VariableListItem, WriteRequest,
};
use mms_pdu::server::{Context, Directory, answer};
use tase2_transfer_sets::station::{
    BilateralTableConfig, DataSetConfig, Domain, PeerConfig, PointConfig, StationConfig,
    Tase2Station,
};
use tase2_transfer_sets::{
    AccessRights, DataFlags, DataRealQTimeTag, DsConditions, DsTransferSet, Scope, Tase2Name,
    Value, ValueKind,
};
use telecontrol_core::Instant;

fn value(v: f32) -> Value {
    Value::RealQTimeTag(DataRealQTimeTag {
        value: v,
        time_stamp: 1_700_000_000,
        flags: DataFlags::GOOD,
    })
}

/// A station with `points` VCC points in data sets of `per_set` points, one table, one
/// association (id 1) with one enabled transfer set per data set written as `ts`.
fn station(points: u32, per_set: u32, ts: impl Fn(&str) -> DsTransferSet<'_>) -> Tase2Station {
    let sets = points / per_set;
    let st = Tase2Station::new(
        StationConfig {
            transfer_sets_per_icc: u16::try_from(sets).unwrap(),
            max_pdu_size: 32_000,
            ..StationConfig::default()
        },
        || Instant::ZERO,
    );
    let special = [
        "Transfer_Set_Name",
        "Transfer_Set_Time_Stamp",
        "DSConditions_Detected",
    ];
    for i in 0..points {
        st.add_point(PointConfig {
            domain: Domain::Vcc,
            name: format!("P{i:06}"),
            kind: ValueKind::RealQTimeTag,
            initial: Some(value(i as f32)),
        })
        .unwrap();
    }
    for s in 0..sets {
        let mut members: Vec<(Domain, String)> = special
            .iter()
            .map(|n| (Domain::icc("ICC1"), (*n).to_owned()))
            .collect();
        members.extend((s * per_set..(s + 1) * per_set).map(|i| (Domain::Vcc, format!("P{i:06}"))));
        st.add_data_set(DataSetConfig {
            domain: Domain::Vcc,
            name: format!("DS{s}"),
            members,
        })
        .unwrap();
    }
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: None,
            password: None,
        }),
        icc_domain: "ICC1".into(),
        table_id: "T".into(),
        objects: vec![],
        vcc_default: AccessRights::READ,
        icc_default: AccessRights::READ,
    })
    .unwrap();
    let bits = BitString::new(&[0u8], 0).unwrap();
    let ind = AssociateIndication {
        calling_ap_title: Some(Oid::from_encoded(&[0x2B, 0xCE, 0x0F, 0x01])),
        calling_ae_qualifier: None,
        called_ap_title: None,
        called_ae_qualifier: None,
        password: None,
        initiate: InitiateParams {
            local_detail: Some(32_000),
            max_serv_outstanding_calling: 5,
            max_serv_outstanding_called: 5,
            data_structure_nesting_level: Some(5),
            detail: InitDetail {
                version_number: 1,
                parameter_cbb: bits,
                services_supported: bits,
                extension: &[],
            },
        },
    };
    st.associate(1, &ind).unwrap();
    for s in 0..sets {
        let ds = format!("DS{s}");
        let t = ts(&ds);
        let mut name = [Data::Boolean(false); 3];
        let mut fields = [Data::Boolean(false); 13];
        let ts_name = format!("DSTransferSet{:04}", s + 1);
        let item = [VariableListItem::named(
            ObjectName::domain("ICC1", &ts_name).unwrap(),
        )];
        let data = [t.to_data(&mut name, &mut fields)];
        let req = ConfirmedServiceRequest::Write(WriteRequest {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&item),
            ),
            data: SeqOf::from_slice(&data),
        });
        let ctx = Context {
            max_pdu_size: 32_000,
            association: 1,
        };
        // Next_DSTransfer_Set first: the set must be this association's.
        let next = [VariableListItem::named(
            ObjectName::domain("ICC1", "Next_DSTransfer_Set").unwrap(),
        )];
        let read = ConfirmedServiceRequest::Read(mms_pdu::mms::ReadRequest {
            specification_with_result: None,
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&next),
            ),
        });
        let mut scratch = vec![0u8; 4096];
        answer(&st, &read, ctx, &mut scratch).unwrap();
        answer(&st, &req, ctx, &mut scratch).unwrap();
    }
    assert!(
        st.transfer_set("ICC1", "DSTransferSet0001")
            .unwrap()
            .enabled
    );
    st
}

fn ts<'a>(ds: &'a str, conditions: u8, rbe: bool) -> DsTransferSet<'a> {
    DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Vmd,
            domain: "",
            name: ds,
        },
        start_time: 0,
        interval: 0,
        tle: 0,
        buffer_time: 0,
        integrity_check: 0,
        ds_conditions_requested: DsConditions(conditions),
        block_data: false,
        critical: false,
        rbe,
        all_changes_reported: false,
        status: true,
        event_code_requested: Some(0),
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("tase2_station");
    g.measurement_time(Duration::from_secs(3));

    // Integrity (operator request: the whole data set) of 10 000 points, split into
    // listOfVariable reports of at most 32 000 octets.
    let st = station(10_000, 10_000, |ds| {
        ts(ds, DsConditions::OPERATOR_REQUEST, false)
    });
    let mut out = Vec::new();
    st.operator_request(None);
    let (mut pdus, mut octets) = (0usize, 0usize);
    while st.poll_transmit(Instant::ZERO, &mut out).is_some() {
        pdus += 1;
        octets += out.len();
    }
    eprintln!("integrity report of 10 000 points: {pdus} PDUs, {octets} octets");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("integrity_encode/10000_points_32000_octet_pdus", |b| {
        b.iter(|| {
            st.operator_request(black_box(None));
            let mut n = 0usize;
            while let Some(a) = st.poll_transmit(black_box(Instant::ZERO), &mut out) {
                n += out.len() + usize::try_from(a).unwrap();
            }
            n
        });
    });

    // Report by exception: 100 000 points in 10 data sets, 1 000 of them (1 %) change,
    // the reports are built and encoded.
    let st = station(100_000, 10_000, |ds| {
        ts(ds, DsConditions::OBJECT_CHANGE, true)
    });
    let ids: Vec<_> = (0..100_000u32)
        .step_by(100)
        .map(|i| st.point(&Domain::Vcc, &format!("P{i:06}")).unwrap())
        .collect();
    let mut k = 0f32;
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("rbe/100000_points_1000_changes", |b| {
        b.iter(|| {
            k += 1.0;
            for id in &ids {
                st.update(*id, black_box(value(k))).unwrap();
            }
            let mut n = 0usize;
            while st
                .poll_transmit(black_box(Instant::ZERO), &mut out)
                .is_some()
            {
                n += out.len();
            }
            n
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
