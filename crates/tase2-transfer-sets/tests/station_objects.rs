//! The station's mandatory objects, names, types and bilateral access (IEC 60870-6-503
//! clause 7), driven through `mms_pdu::server::answer`.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod station_support;

use station_support::*;
use telecontrol_tase2_transfer_sets::mms_pdu::mms::{
    Data, DataAccessError, ErrorClass, FloatingPoint, Identifier, ObjectClass, ObjectScope,
};
use telecontrol_tase2_transfer_sets::mms_pdu::server::Directory;
use telecontrol_tase2_transfer_sets::objects::bilateral_table_id;
use telecontrol_tase2_transfer_sets::station::{
    BilateralTableConfig, Domain, StationConfig, StationEvent,
};
use telecontrol_tase2_transfer_sets::{
    AccessRights, DataFlags, DataRealQ, SupportedFeatures, Tase2Name, Tase2Version, Value,
    ValueKind,
};

const DENIED: Result<Vec<u8>, DataAccessError> = Err(DataAccessError::ObjectAccessDenied);

#[test]
fn mandatory_objects_read_back() {
    let (st, _) = sample(StationConfig::default());
    icc1(&st, 1);
    let v = read(&st, 1, vmd("TASE2_Version")).unwrap();
    assert_eq!(
        Tase2Version::from_data(&data(&v)).unwrap(),
        Tase2Version::EDITION_2000_08
    );
    let f = read(&st, 1, vmd("Supported_Features")).unwrap();
    let f = SupportedFeatures::from_data(&data(&f)).unwrap();
    assert_eq!(
        (1..=8).filter(|b| f.block(*b)).collect::<Vec<_>>(),
        [1, 2, 4, 5]
    );
    let id = read(&st, 1, dom("ICC1", "Bilateral_Table_ID")).unwrap();
    assert_eq!(bilateral_table_id(&data(&id)).unwrap(), "ICC1_TABLE_V1");
    // Another ICC's objects are out of reach, answered as a domain that does not exist
    // (the answer does not tell whether ICC2 exists).
    assert_eq!(read(&st, 1, dom("ICC2", "Bilateral_Table_ID")), DENIED);
    assert_eq!(read(&st, 1, dom("NOPE", "Bilateral_Table_ID")), DENIED);
    // The 1996-08 edition for peers that use it.
    let (old, _) = sample(StationConfig {
        version: Tase2Version::EDITION_1996_08,
        ..StationConfig::default()
    });
    icc1(&old, 1);
    let v = read(&old, 1, vmd("TASE2_Version")).unwrap();
    assert_eq!(
        Tase2Version::from_data(&data(&v)).unwrap(),
        Tase2Version::EDITION_1996_08
    );
    let ts = read(&old, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
    let n = Tase2Name::from_data(&data(&ts)).unwrap();
    let t = read(&old, 1, dom("ICC1", n.name)).unwrap();
    let Data::Structure(s) = data(&t) else {
        panic!()
    };
    assert_eq!(s.len(), 12, "1996-08 transfer sets have 12 members");
}

#[test]
fn names_per_scope_follow_the_table() {
    let (st, _) = sample(StationConfig::default());
    icc1(&st, 1);
    let vmd_names = names(&st, 1, ObjectClass::NamedVariable, ObjectScope::Vmd).unwrap();
    assert_eq!(
        vmd_names,
        [
            "Info_Buff_64",
            "Info_Mess_Header",
            "Supported_Features",
            "TASE2_Version",
            "V_REAL"
        ],
        "V_SECRET is not in ICC1's table"
    );
    let icc = Identifier::new("ICC1").unwrap();
    let icc_names = names(&st, 1, ObjectClass::NamedVariable, ObjectScope::Domain(icc)).unwrap();
    for n in [
        "BRK1",
        "BRK1_SBO",
        "BRK1_TAG",
        "Bilateral_Table_ID",
        "DSConditions_Detected",
        "DSTransferSet0001",
        "DSTransferSet0008",
        "Event_Code_Detected",
        "I1_DISC",
        "I1_STATE",
        "Next_DSTransfer_Set",
        "SP1",
        "Transfer_Report_ACK",
        "Transfer_Report_NACK",
        "Transfer_Set_Name",
        "Transfer_Set_Time_Stamp",
    ] {
        assert!(
            icc_names.iter().any(|x| x == n),
            "{n} missing: {icc_names:?}"
        );
    }
    let mut sorted = icc_names.clone();
    sorted.sort();
    assert_eq!(sorted, icc_names, "ascending, paged without repeats");
    // The other ICC's domain does not exist for this peer.
    let icc2 = Identifier::new("ICC2").unwrap();
    assert_eq!(
        names(
            &st,
            1,
            ObjectClass::NamedVariable,
            ObjectScope::Domain(icc2)
        ),
        Err(ErrorClass::Definition(1))
    );
    assert_eq!(
        names(&st, 1, ObjectClass::Domain, ObjectScope::Vmd).unwrap(),
        ["ICC1"]
    );
    assert_eq!(
        names(&st, 1, ObjectClass::NamedVariableList, ObjectScope::Vmd).unwrap(),
        ["VCC_DS"]
    );
    assert_eq!(
        names(&st, 1, ObjectClass::NamedVariable, ObjectScope::Aa).unwrap(),
        ["IM_Transfer_Set"]
    );
}

#[test]
fn every_object_has_its_type() {
    let (st, _) = sample(StationConfig::default());
    icc1(&st, 1);
    for n in [
        vmd("TASE2_Version"),
        vmd("Supported_Features"),
        vmd("V_REAL"),
        vmd("Info_Buff_64"),
        vmd("Info_Mess_Header"),
        dom("ICC1", "Bilateral_Table_ID"),
        dom("ICC1", "Next_DSTransfer_Set"),
        dom("ICC1", "DSTransferSet0001"),
        dom("ICC1", "Transfer_Set_Name"),
        dom("ICC1", "Transfer_Set_Time_Stamp"),
        dom("ICC1", "DSConditions_Detected"),
        dom("ICC1", "Event_Code_Detected"),
        dom("ICC1", "I1_STATE"),
        dom("ICC1", "BRK1"),
        dom("ICC1", "BRK1_SBO"),
        dom("ICC1", "BRK1_TAG"),
        dom("ICC1", "SP1"),
    ] {
        let t = type_of(&st, 1, n);
        assert!(t.is_ok(), "{n:?}: {t:?}");
    }
    // RealQ: structure { Value float(32, 8), Flags bit-string(8) }.
    let t = type_of(&st, 1, vmd("V_REAL")).unwrap();
    assert_eq!(t[0], 0xA2, "structure");
    // Objects the table hides have no type for this peer.
    assert_eq!(
        type_of(&st, 1, vmd("V_SECRET")),
        Err(ErrorClass::Definition(1))
    );
    assert_eq!(
        type_of(&st, 1, dom("ICC2", "I2_REAL")),
        Err(ErrorClass::Definition(1))
    );
}

#[test]
fn point_reads_follow_rights_scope_and_peer() {
    let (st, _) = sample(StationConfig::default());
    icc1(&st, 1);
    // ICC2's peer: VCC default READ, no password or AE-qualifier checked.
    associate_as(&st, 2, &PEER2_OID);
    let v = Value::RealQ(DataRealQ {
        value: 50.02,
        flags: DataFlags::GOOD,
    });
    let p = st.point(&Domain::Vcc, "V_REAL").unwrap();
    st.update(p, v).unwrap();
    let got = read(&st, 1, vmd("V_REAL")).unwrap();
    assert_eq!(Value::decode(ValueKind::RealQ, &data(&got)).unwrap(), v);
    // VCC point the table does not name (ICC1's VCC default is NONE): answered as a name
    // that does not exist; ICC2's VCC default READ names it.
    assert_eq!(
        read(&st, 1, vmd("V_SECRET")),
        Err(DataAccessError::ObjectNonExistent)
    );
    assert_eq!(read(&st, 1, vmd("V_SECRET")), read(&st, 1, vmd("NO_SUCH")));
    assert!(read(&st, 2, vmd("V_SECRET")).is_ok());
    // ICC points: own domain with READ, other domain never.
    assert!(read(&st, 1, dom("ICC1", "I1_STATE")).is_ok());
    assert!(read(&st, 2, dom("ICC2", "I2_REAL")).is_ok());
    assert_eq!(read(&st, 1, dom("ICC2", "I2_REAL")), DENIED);
    assert_eq!(read(&st, 2, dom("ICC1", "I1_STATE")), DENIED);
    // A device value, a special variable and a tag without GET_TAG are not readable.
    assert_eq!(read(&st, 1, dom("ICC1", "SP1")), DENIED);
    assert_eq!(read(&st, 1, dom("ICC1", "Transfer_Set_Name")), DENIED);
    // Points are read-only to clients.
    assert_eq!(
        write(
            &st,
            1,
            vmd("V_REAL"),
            Data::FloatingPoint(FloatingPoint::Single(1.0))
        ),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // An association the station never accepted gets nothing.
    assert_eq!(read(&st, 99, vmd("V_REAL")), DENIED);
}

fn associate_as(st: &telecontrol_tase2_transfer_sets::station::Tase2Station, a: u64, oid: &[u8]) {
    station_support::associate(st, a, oid, None, None).unwrap();
}

#[test]
fn unknown_peers_are_refused_unless_open() {
    let (st, _) = sample(StationConfig::default());
    assert!(station_support::associate(&st, 5, &STRANGER_OID, None, None).is_err());
    // Known AP-title, wrong AE-qualifier or password.
    assert!(station_support::associate(&st, 6, &PEER_OID, Some(13), Some(b"pw")).is_err());
    assert!(station_support::associate(&st, 7, &PEER_OID, Some(12), Some(b"no")).is_err());
    assert!(station_support::associate(&st, 8, &PEER_OID, Some(12), None).is_err());
    let refused: Vec<_> = std::iter::from_fn(|| st.poll_event()).collect();
    assert_eq!(refused.len(), 4);
    assert!(matches!(
        &refused[0],
        StationEvent::AssociationRefused { association: 5, ap_title: Some(t) } if t == "1.3.9999.9"
    ));
    assert_eq!(read(&st, 5, vmd("TASE2_Version")), DENIED);

    // Open: a stranger gets read access to VCC objects only (no table for anyone).
    let (open, _) = sample(StationConfig {
        open: true,
        ..StationConfig::default()
    });
    station_support::associate(&open, 5, &STRANGER_OID, None, None).unwrap();
    assert!(read(&open, 5, vmd("V_SECRET")).is_ok());
    assert_eq!(
        read(&open, 5, dom("ICC1", "Next_DSTransfer_Set")),
        DENIED,
        "no ICC domain"
    );
    // With a table for anyone, a stranger gets that table.
    open.add_bilateral_table(BilateralTableConfig {
        peer: None,
        icc_domain: "GUEST".into(),
        table_id: "GUEST_T".into(),
        objects: vec![],
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    station_support::associate(&open, 6, &STRANGER_OID, None, None).unwrap();
    let id = read(&open, 6, dom("GUEST", "Bilateral_Table_ID")).unwrap();
    assert_eq!(bilateral_table_id(&data(&id)).unwrap(), "GUEST_T");
    assert_eq!(
        read(&open, 6, vmd("V_SECRET")),
        Err(DataAccessError::ObjectNonExistent),
        "not in the guest table: as absent"
    );
    assert!(
        read(&open, 6, dom("GUEST", "Next_DSTransfer_Set")).is_ok(),
        "its own ICC's transfer sets"
    );
}

#[test]
fn next_ds_transfer_set_hands_out_each_set_once() {
    let (st, _) = sample(StationConfig {
        transfer_sets_per_icc: 3,
        ..StationConfig::default()
    });
    icc1(&st, 1);
    icc1(&st, 2); // a second association under the same table shares the ICC's sets
    let mut got = Vec::new();
    for a in [1, 2, 1] {
        let v = read(&st, a, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
        let n = Tase2Name::from_data(&data(&v)).unwrap();
        assert_eq!(
            (n.scope, n.domain),
            (telecontrol_tase2_transfer_sets::Scope::Icc, "ICC1")
        );
        got.push(n.name.to_owned());
    }
    assert_eq!(
        got,
        [
            "DSTransferSet0001",
            "DSTransferSet0002",
            "DSTransferSet0003"
        ]
    );
    assert_eq!(
        read(&st, 1, dom("ICC1", "Next_DSTransfer_Set")),
        Err(DataAccessError::TemporarilyUnavailable),
        "exhausted"
    );
    assert_eq!(
        st.transfer_set("ICC1", "DSTransferSet0002").unwrap().owner,
        Some(2)
    );
    // Releasing association 2 frees its set for the next request.
    st.released(2);
    let v = read(&st, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
    assert_eq!(
        Tase2Name::from_data(&data(&v)).unwrap().name,
        "DSTransferSet0002"
    );
}

#[test]
fn operator_requests_and_external_events_ask_for_reports() {
    use telecontrol_core::Instant;
    use telecontrol_tase2_transfer_sets::mms_pdu::mms::{
        AccessResult, VariableAccessSpecification,
    };
    use telecontrol_tase2_transfer_sets::{DsConditions, DsTransferSet, Scope};
    let (st, _) = sample(StationConfig::default());
    icc1(&st, 1);
    let v = read(&st, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
    let ts = Tase2Name::from_data(&data(&v)).unwrap().name.to_owned();
    let t = DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Vmd,
            domain: "",
            name: "VCC_DS",
        },
        start_time: 0,
        interval: 0,
        tle: 0,
        buffer_time: 0,
        integrity_check: 0,
        ds_conditions_requested: DsConditions(DsConditions::OPERATOR_REQUEST),
        block_data: false,
        critical: false,
        rbe: false,
        all_changes_reported: false,
        status: true,
        event_code_requested: Some(0),
    };
    let mut name = [Data::Boolean(false); 3];
    let mut fields = [Data::Boolean(false); 13];
    write(&st, 1, dom("ICC1", &ts), t.to_data(&mut name, &mut fields)).unwrap();
    // Not requested: no report. Another ICC: no report.
    st.external_event(None);
    st.operator_request(Some("ICC2"));
    assert!(drain(&st, Instant::ZERO).is_empty());
    st.operator_request(Some("ICC1"));
    let pdus = drain(&st, Instant::ZERO);
    assert_eq!(pdus.len(), 1);
    // VCC_DS = [Transfer_Set_Name, DSConditions_Detected, V_REAL], by data set name.
    let ir = report(&pdus[0].1);
    assert!(matches!(
        ir.variable_access_specification,
        VariableAccessSpecification::VariableListName(n) if n.item().as_str() == "VCC_DS"
    ));
    let results: Vec<_> = ir.results.iter().collect();
    assert_eq!(results.len(), 3);
    let AccessResult::Success(c) = results[1] else {
        panic!()
    };
    assert_eq!(
        DsConditions::from_data(&c).unwrap(),
        DsConditions(DsConditions::OPERATOR_REQUEST)
    );
}

#[test]
fn an_association_defines_a_bounded_number_of_data_sets() {
    let (st, _) = sample(StationConfig {
        data_sets_per_association: 2,
        ..StationConfig::default()
    });
    icc1(&st, 1);
    icc1(&st, 2);
    define(&st, 1, dom("ICC1", "A"), &[vmd("V_REAL")]).unwrap();
    define(&st, 1, dom("ICC1", "B"), &[vmd("V_REAL")]).unwrap();
    assert_eq!(
        define(&st, 1, dom("ICC1", "C"), &[vmd("V_REAL")]),
        Err(ErrorClass::Resource(1))
    );
    define(&st, 2, dom("ICC1", "C"), &[vmd("V_REAL")]).unwrap();
    assert_eq!(delete(&st, 1, dom("ICC1", "A")), (1, 1));
    define(&st, 1, dom("ICC1", "D"), &[vmd("V_REAL")]).unwrap();
}
