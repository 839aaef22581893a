//! The object model allocates nothing: a counting global allocator (allocation-counter,
//! per thread) watches typed views of every InformationReport of the ICCP capture (names
//! paired with values, special variables and every point typed and re-encoded), DS
//! transfer set decode/encode, and a bilateral table lookup.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

extern crate mms_pdu as telecontrol_mms_pdu;

#[path = "../../mms-pdu/tests/common/mod.rs"]
mod common;

use std::collections::HashMap;

use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::ber::Oid;
use telecontrol_mms_pdu::mms::{
    ConfirmedServiceRequest, Data, MmsPdu, ObjectName, UnconfirmedService,
    VariableAccessSpecification,
};
use telecontrol_mms_pdu::stack::peel;
use telecontrol_tase2_transfer_sets::{
    AccessRights, BilateralTable, DsTransferSet, ObjectRights, PeerIdentity, ReportItem, Scope,
    TransferReport, Value, ValueKind,
};

fn members_of<'a>(
    p: &MmsPdu<'a>,
) -> Option<telecontrol_mms_pdu::mms::SeqOf<'a, telecontrol_mms_pdu::mms::VariableListItem<'a>>> {
    match p {
        MmsPdu::ConfirmedRequest(r) => match r.service {
            ConfirmedServiceRequest::DefineNamedVariableList(d) => Some(d.variables),
            _ => None,
        },
        _ => None,
    }
}

#[test]
fn typed_views_and_encoders_allocate_nothing() {
    // Outside the measurement: cut the capture, pair each named-list report with the
    // DefineNamedVariableList of its data set (same TCP connection).
    let mut defines: HashMap<(String, String), Vec<u8>> = HashMap::new();
    let mut reports: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
    let mut writes: Vec<Vec<u8>> = Vec::new();
    for t in common::capture_tsdus() {
        let Some(mms) = peel(&t.bytes).unwrap().mms.map(<[u8]>::to_vec) else {
            continue;
        };
        let mut ends = [format!("{:?}", t.flow), format!("{:?}", t.flow.reverse())];
        ends.sort();
        let conn = ends.join("|");
        match MmsPdu::decode(&mms).unwrap() {
            MmsPdu::ConfirmedRequest(r) => match r.service {
                ConfirmedServiceRequest::DefineNamedVariableList(d) => {
                    defines.insert((conn, format!("{:?}", d.name)), mms.clone());
                }
                ConfirmedServiceRequest::Write(_) => writes.push(mms.clone()),
                _ => {}
            },
            MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => {
                let define = match ir.variable_access_specification {
                    VariableAccessSpecification::VariableListName(n) => {
                        Some(defines[&(conn, format!("{n:?}"))].clone())
                    }
                    VariableAccessSpecification::ListOfVariable(_) => None,
                };
                reports.push((mms.clone(), define));
            }
            _ => {}
        }
    }
    let objects = [
        ObjectRights {
            scope: Scope::Vmd,
            name: "Supported_Features",
            rights: AccessRights::READ,
        },
        ObjectRights {
            scope: Scope::Vmd,
            name: "TASE2_Version",
            rights: AccessRights::READ,
        },
        ObjectRights {
            scope: Scope::Icc,
            name: "BREAKER_1",
            rights: AccessRights::OPERATE.union(AccessRights::GET_TAG),
        },
        ObjectRights {
            scope: Scope::Icc,
            name: "Bilateral_Table_ID",
            rights: AccessRights::READ,
        },
    ];
    let peer = PeerIdentity {
        ap_title: Oid::from_encoded(&[0x29, 0x01]),
        ae_qualifier: Some(12),
        password: None,
    };
    let mut out = [0u8; 64];
    let (mut points, mut specials, mut transfer_sets, mut granted) = (0usize, 0usize, 0usize, 0);

    let info = allocation_counter::measure(|| {
        for (ir, define) in &reports {
            let pdu = MmsPdu::decode(ir).unwrap();
            let MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) = pdu else {
                unreachable!()
            };
            let define = define.as_deref().map(|b| MmsPdu::decode(b).unwrap());
            let report = TransferReport::new(&ir, define.as_ref().and_then(members_of)).unwrap();
            for e in report.entries() {
                match e.unwrap().item {
                    ReportItem::Point(d) => {
                        let k = ValueKind::candidates(&d).next().unwrap();
                        let v = Value::decode(k, &d).unwrap();
                        v.encode(&mut out).unwrap();
                        points += 1;
                    }
                    _ => specials += 1,
                }
            }
        }
        for w in &writes {
            let MmsPdu::ConfirmedRequest(r) = MmsPdu::decode(w).unwrap() else {
                unreachable!()
            };
            let ConfirmedServiceRequest::Write(w) = r.service else {
                unreachable!()
            };
            for d in w.data.iter() {
                if let Ok(ts) = DsTransferSet::from_data(&d) {
                    let (mut n, mut f) = ([Data::Boolean(false); 3], [Data::Boolean(false); 13]);
                    let mut buf = [0u8; 128];
                    ts.to_data(&mut n, &mut f).encode(&mut buf).unwrap();
                    transfer_sets += 1;
                }
            }
        }
        let table = BilateralTable::new(peer, "ICC1", "BT_2026_1", &objects).unwrap();
        let breaker = ObjectName::domain("ICC1", "BREAKER_1").unwrap();
        if table.rights(&breaker).allows(AccessRights::OPERATE) {
            granted += 1;
        }
        if table.peer().matches(Some(peer.ap_title), Some(12), None) {
            granted += 1;
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    // The counter sees allocations on this thread.
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
    // The work was done.
    assert_eq!(points, 187_910 + 10_486 + 158 + 18);
    assert!(specials > 3_000, "{specials}");
    assert_eq!(transfer_sets, 36);
    assert_eq!(granted, 2);
}
