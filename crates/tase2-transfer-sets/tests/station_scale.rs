//! A 100 000-point station: 1 000 updates reach only the transfer sets watching those
//! points (the reverse index), and the RBE reports carry exactly the changed points.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod station_support;

use std::time::Duration;

use station_support::*;
use telecontrol_core::Instant;
use telecontrol_tase2_transfer_sets::mms_pdu::mms::Data;
use telecontrol_tase2_transfer_sets::station::{
    BilateralTableConfig, DataSetConfig, Domain, PeerConfig, PointConfig, StationConfig,
    Tase2Station,
};
use telecontrol_tase2_transfer_sets::{
    AccessRights, DataFlags, DataRealQ, DsConditions, DsTransferSet, ReportItem, Scope, Tase2Name,
    TransferReport, Value, ValueKind,
};

const POINTS: u32 = 100_000;
const SETS: u32 = 10;
const PER_SET: u32 = 9_000; // 90 000 points in data sets, 10 000 outside

fn real(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

#[test]
fn updates_cost_only_their_own_transfer_sets() {
    let clock = Clock::default();
    let c = clock.clone();
    let st = Tase2Station::new(
        StationConfig {
            transfer_sets_per_icc: SETS as u16,
            ..StationConfig::default()
        },
        move || c.now(),
    );
    let mut ids = Vec::new();
    for i in 0..POINTS {
        ids.push(
            st.add_point(PointConfig {
                domain: Domain::Vcc,
                name: format!("P{i:06}"),
                kind: ValueKind::RealQ,
                initial: Some(real(0.0)),
            })
            .unwrap(),
        );
    }
    for s in 0..SETS {
        st.add_data_set(DataSetConfig {
            domain: Domain::Vcc,
            name: format!("DS{s}"),
            members: (s * PER_SET..(s + 1) * PER_SET)
                .map(|i| (Domain::Vcc, format!("P{i:06}")))
                .collect(),
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
    associate(&st, 1, &PEER_OID, None, None).unwrap();
    let mut sets = Vec::new();
    for s in 0..SETS {
        let v = read(&st, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
        let ts = Tase2Name::from_data(&data(&v)).unwrap().name.to_owned();
        let ds = format!("DS{s}");
        let t = DsTransferSet {
            data_set_name: Tase2Name {
                scope: Scope::Vmd,
                domain: "",
                name: &ds,
            },
            start_time: 0,
            interval: 0,
            tle: 0,
            buffer_time: 1,
            integrity_check: 0,
            ds_conditions_requested: DsConditions(DsConditions::OBJECT_CHANGE),
            block_data: false,
            critical: false,
            rbe: true,
            all_changes_reported: false,
            status: true,
            event_code_requested: Some(0),
        };
        let mut name = [Data::Boolean(false); 3];
        let mut fields = [Data::Boolean(false); 13];
        write(&st, 1, dom("ICC1", &ts), t.to_data(&mut name, &mut fields)).unwrap();
        sets.push(ts);
    }
    // 1 000 updates (1 %): every 100th point, so 90 in each data set and 100 outside any.
    let changed: Vec<u32> = (0..POINTS).step_by(100).collect();
    assert_eq!(changed.len(), 1_000);
    for &i in &changed {
        st.update(ids[i as usize], real(i as f32)).unwrap();
    }
    let per_set: Vec<usize> = sets
        .iter()
        .map(|ts| st.transfer_set("ICC1", ts).unwrap().changed)
        .collect();
    assert_eq!(per_set, vec![90; SETS as usize]);
    // Updating the same points again changes no list (latest value only).
    for &i in &changed {
        st.update(ids[i as usize], real(i as f32 + 0.5)).unwrap();
    }
    let total: usize = sets
        .iter()
        .map(|ts| st.transfer_set("ICC1", ts).unwrap().changed)
        .sum();
    assert_eq!(total, 900);
    // After the buffer time: RBE reports of exactly the changed points, latest values.
    clock.advance(Duration::from_secs(1));
    let pdus = drain(&st, clock.now());
    let mut reported = Vec::new();
    for (_, pdu) in &pdus {
        let ir = report(pdu);
        let r = TransferReport::new(&ir, None).unwrap();
        for e in r.entries() {
            let e = e.unwrap();
            if let ReportItem::Point(_) = e.item {
                let v = e.value(ValueKind::RealQ).unwrap().unwrap();
                let i: u32 = e.name.item().as_str()[1..].parse().unwrap();
                assert_eq!(v, real(i as f32 + 0.5));
                reported.push(i);
            }
        }
    }
    reported.sort_unstable();
    let want: Vec<u32> = changed
        .iter()
        .copied()
        .filter(|i| *i < SETS * PER_SET)
        .collect();
    assert_eq!(reported, want);
    let total: usize = sets
        .iter()
        .map(|ts| st.transfer_set("ICC1", ts).unwrap().changed)
        .sum();
    assert_eq!(total, 0);
    assert!(drain(&st, Instant::from_secs(100)).is_empty());
}
