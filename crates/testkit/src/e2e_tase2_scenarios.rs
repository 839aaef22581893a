//! The TASE.2 end-to-end scenarios themselves (see `e2e_tase2.rs` for the runtime trait
//! and the sample station they run against).
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use mms_pdu::ber::Oid;
use mms_pdu::mms::{DataAccessError, ObjectScope};
use tase2_transfer_sets::client::{ClientError, PointName, Reading, TransferSetOptions};
use tase2_transfer_sets::objects::Tase2Version;
use tase2_transfer_sets::station::{Domain, PointConfig, StationConfig, StationEvent};
use tase2_transfer_sets::{
    DataFlags, DeviceValue, DsConditions, InfoMessHeader, ReportKind, TagState, Validity, Value,
    ValueKind,
};

use super::{
    ClientSetup, Fail, STEP, STRANGER_OID, TABLE_ID, Tase2Runtime, await_event, await_report, disc,
    reading, real, sample_station, setup,
};

/// Association check: version, features and table id accepted; each mismatch gives its
/// typed error; a stranger and a wrong password are refused at association.
pub fn association_checks<T: Tase2Runtime>(rt: &T) {
    let (st, _) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    let addr = rt.addr(&server);

    let client = rt.connect(addr, setup()).unwrap();
    let peer = rt.peer(&client);
    assert_eq!(peer.version, Tase2Version::EDITION_2000_08);
    assert!([1, 2, 4, 5].iter().all(|b| peer.features.block(*b)));
    assert_eq!(peer.table_id.as_str(), TABLE_ID);
    await_event(
        rt,
        &mut server,
        "Associated",
        |e| matches!(e, StationEvent::Associated { table_id: Some(t), .. } if t == TABLE_ID),
    );
    rt.conclude(client);

    let other_table = ClientSetup {
        table_id: Some("ICC1_TABLE_V0".into()),
        ..setup()
    };
    match rt.connect(addr, other_table) {
        Err(Fail::Client(ClientError::TableId { found })) => assert_eq!(found.as_str(), TABLE_ID),
        other => panic!("table id mismatch not detected: {:?}", other.err()),
    }
    let block3 = ClientSetup {
        blocks: vec![1, 3],
        ..setup()
    };
    assert_eq!(
        rt.connect(addr, block3).err(),
        Some(Fail::Client(ClientError::Feature { block: 3 }))
    );
    let old = ClientSetup {
        versions: vec![Tase2Version::EDITION_1996_08],
        ..setup()
    };
    assert_eq!(
        rt.connect(addr, old).err(),
        Some(Fail::Client(ClientError::Version {
            found: Tase2Version::EDITION_2000_08
        }))
    );

    // Unknown peer: refused at association (no bilateral table names it).
    let mut stranger = setup();
    stranger.association.local.ap_title = Some(Oid::from_encoded(&STRANGER_OID));
    assert!(matches!(rt.connect(addr, stranger), Err(Fail::Mms(_))));
    await_event(
        rt,
        &mut server,
        "AssociationRefused",
        |e| matches!(e, StationEvent::AssociationRefused { ap_title: Some(t), .. } if t == "1.3.9999.9"),
    );
    let mut wrong_password = setup();
    wrong_password.association.password = Some(b"nope");
    assert!(matches!(
        rt.connect(addr, wrong_password),
        Err(Fail::Mms(_))
    ));
    rt.stop(server);
}

/// Reads typed by kind; objects outside the table are hidden (not named: as absent) or
/// refused (another ICC); discovery by GetNameList.
pub fn reads_allowed_and_denied<T: Tase2Runtime>(rt: &T) {
    let (st, p) = sample_station(rt, STEP);
    let server = rt.serve(st);
    rt.update(&server, p.v_real, real(231.5)).unwrap();
    rt.update(&server, p.i1_disc, disc(-4, 1_700_000_000))
        .unwrap();
    let state = Value::StateQ(DataFlags(0x80).with_validity(Validity::Suspect));
    rt.update(&server, p.i1_state, state).unwrap();
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();
    let got = rt
        .read(
            &mut client,
            &[
                (PointName::vmd("V_REAL"), ValueKind::RealQ),
                (
                    PointName::icc("ICC1", "I1_DISC"),
                    ValueKind::DiscreteQTimeTag,
                ),
                (PointName::icc("ICC1", "I1_STATE"), ValueKind::StateQ),
                (PointName::vmd("V_SECRET"), ValueKind::RealQ),
                (PointName::icc("ICC2", "I2_REAL"), ValueKind::Real),
                (PointName::vmd("V_ABSENT"), ValueKind::RealQ),
            ],
        )
        .unwrap();
    assert_eq!(got[0], Ok(real(231.5)));
    assert_eq!(got[1], Ok(disc(-4, 1_700_000_000)));
    assert_eq!(got[2], Ok(state));
    // A point the table does not name answers as one that does not exist; another
    // table's ICC is refused before it is looked up.
    let failed = |index, error| Err(ClientError::Access { index, error });
    assert_eq!(got[3], failed(3, DataAccessError::ObjectNonExistent));
    assert_eq!(got[4], failed(4, DataAccessError::ObjectAccessDenied));
    assert_eq!(got[5], failed(5, DataAccessError::ObjectNonExistent));

    let vmd = rt.names(&client, ObjectScope::Vmd).unwrap();
    assert!(vmd.iter().any(|n| n == "TASE2_Version"), "{vmd:?}");
    assert!(vmd.iter().any(|n| n == "V_REAL"), "{vmd:?}");
    assert!(!vmd.iter().any(|n| n == "V_SECRET"), "{vmd:?}");
    rt.conclude(client);
    rt.stop(server);
}

fn data_set_points() -> Vec<(PointName, ValueKind)> {
    vec![
        (PointName::vmd("V_REAL"), ValueKind::RealQ),
        (
            PointName::icc("ICC1", "I1_DISC"),
            ValueKind::DiscreteQTimeTag,
        ),
    ]
}

/// An ICC data set, a transfer set reporting by exception with integrity reports: the
/// integrity report carries every point's current value, the RBE report only the point
/// that changed, with its new value; stopping the set is seen by the station; a data set
/// naming an object outside the table is refused.
pub fn transfer_set_rbe_and_integrity<T: Tase2Runtime>(rt: &T) {
    let (st, p) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    rt.update(&server, p.v_real, real(10.0)).unwrap();
    rt.update(&server, p.i1_disc, disc(1, 1_700_000_000))
        .unwrap();
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();

    assert!(matches!(
        rt.define_data_set(
            &mut client,
            "DS_BAD",
            &[(PointName::vmd("V_SECRET"), ValueKind::RealQ)]
        ),
        Err(Fail::Mms(_))
    ));
    let ds = rt
        .define_data_set(&mut client, "DS_1", &data_set_points())
        .unwrap();
    assert_eq!(ds, PointName::icc("ICC1", "DS_1"));
    let options = TransferSetOptions {
        rbe: true,
        integrity_check: 1,
        conditions: DsConditions(DsConditions::OBJECT_CHANGE | DsConditions::INTEGRITY_TIMEOUT),
        ..TransferSetOptions::default()
    };
    let ts = rt.start_transfer_set(&mut client, "DS_1", options).unwrap();
    assert_eq!(ts.domain.as_deref(), Some("ICC1"));
    await_event(
        rt,
        &mut server,
        "TransferSetEnabled",
        |e| matches!(e, StationEvent::TransferSetEnabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );

    // Integrity: the whole data set with the current values.
    let integrity = await_report(rt, &mut client, "integrity", |r| {
        r.kind == ReportKind::NamedList
            && r.conditions
                .is_some_and(|c| c.contains(DsConditions::INTEGRITY_TIMEOUT))
    });
    assert_eq!(integrity.data_set.as_ref(), Some(&ds));
    assert_eq!(integrity.transfer_set.as_ref(), Some(&ts));
    assert!(integrity.time_stamp.is_some());
    assert_eq!(
        reading(&integrity, "V_REAL"),
        Some(&Reading::Value(real(10.0)))
    );
    assert_eq!(
        reading(&integrity, "I1_DISC"),
        Some(&Reading::Value(disc(1, 1_700_000_000)))
    );

    // Report by exception: only the changed point, with its new value.
    rt.update(&server, p.i1_disc, disc(2, 1_700_000_005))
        .unwrap();
    let rbe = await_report(rt, &mut client, "RBE", |r| {
        r.kind == ReportKind::ListOfVariable
            && reading(r, "I1_DISC") == Some(&Reading::Value(disc(2, 1_700_000_005)))
    });
    assert_eq!(rbe.transfer_set.as_ref(), Some(&ts));
    assert!(reading(&rbe, "V_REAL").is_none(), "{rbe:?}");
    assert!(
        rbe.conditions
            .is_some_and(|c| c.contains(DsConditions::OBJECT_CHANGE))
    );
    assert!(!rbe.critical);
    assert_eq!(rt.acknowledged(&client), 0);

    rt.stop_transfer_set(&mut client, &ts).unwrap();
    await_event(
        rt,
        &mut server,
        "TransferSetDisabled",
        |e| matches!(e, StationEvent::TransferSetDisabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );
    assert_eq!(rt.delete_data_set(&mut client, "DS_1"), Ok(true));
    rt.conclude(client);
    rt.stop(server);
}

/// A critical transfer set: every report is acknowledged by the client on its own
/// (`Transfer_Report_ACK` with the echoed time stamp), so the station raises no
/// acknowledgement timeout; later reports still flow.
pub fn critical_reports_acknowledged<T: Tase2Runtime>(rt: &T) {
    let ack_timeout = Duration::from_secs(2);
    let (st, p) = sample_station(rt, ack_timeout);
    let mut server = rt.serve(st);
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();
    rt.define_data_set(&mut client, "DS_C", &data_set_points())
        .unwrap();
    let options = TransferSetOptions {
        rbe: true,
        critical: true,
        integrity_check: 0,
        conditions: DsConditions(DsConditions::OBJECT_CHANGE),
        ..TransferSetOptions::default()
    };
    let ts = rt.start_transfer_set(&mut client, "DS_C", options).unwrap();
    for (i, v) in [1.0f32, 2.0, 3.0].into_iter().enumerate() {
        rt.update(&server, p.v_real, real(v)).unwrap();
        let r = await_report(rt, &mut client, "critical RBE", |r| {
            reading(r, "V_REAL") == Some(&Reading::Value(real(v)))
        });
        assert!(r.critical);
        assert_eq!(r.transfer_set.as_ref(), Some(&ts));
        assert!(rt.acknowledged(&client) > i as u64);
    }
    // Past the acknowledgement timeout: no AckTimeout for this association.
    let end = Instant::now() + ack_timeout * 2;
    while let Some(e) = rt.station_event(&mut server, end.saturating_duration_since(Instant::now()))
    {
        assert!(!matches!(e, StationEvent::AckTimeout { .. }), "{e:?}");
    }
    rt.conclude(client);
    rt.stop(server);
}

/// Select before operate, refusals, direct operate of a set-point, tags.
pub fn device_control<T: Tase2Runtime>(rt: &T) {
    let (st, _) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    let client = rt.connect(rt.addr(&server), setup()).unwrap();
    let brk = PointName::icc("ICC1", "BRK1");
    let denied = Fail::Client(ClientError::Access {
        index: 0,
        error: DataAccessError::ObjectAccessDenied,
    });

    // Operate unselected: refused. Select: CheckBackID; operate: the application hears it.
    assert_eq!(
        rt.operate(&client, &brk, DeviceValue::Command(1)).err(),
        Some(denied.clone())
    );
    assert_eq!(rt.select(&client, &brk), Ok(77));
    assert!(rt.tag(&client, &brk).unwrap().armed_for_execution);
    assert!(rt.select(&client, &brk).is_err(), "select while armed");
    rt.operate(&client, &brk, DeviceValue::Command(1)).unwrap();
    let e = await_event(rt, &mut server, "Operate BRK1", |e| {
        matches!(e, StationEvent::Operate { .. })
    });
    let StationEvent::Operate {
        name,
        value,
        table_id,
        ..
    } = e
    else {
        unreachable!()
    };
    assert_eq!((name.as_str(), value), ("BRK1", DeviceValue::Command(1)));
    assert_eq!(table_id.as_deref(), Some(TABLE_ID));
    assert_eq!(
        rt.operate(&client, &brk, DeviceValue::Command(0)).err(),
        Some(denied.clone())
    );

    // Tag: inhibits selection until cleared.
    rt.set_tag(&client, &brk, TagState::OpenAndCloseInhibit, "work on line")
        .unwrap();
    await_event(rt, &mut server, "TagChanged", |e| {
        matches!(e, StationEvent::TagChanged { .. })
    });
    let tag = rt.tag(&client, &brk).unwrap();
    assert_eq!(tag.tag, TagState::OpenAndCloseInhibit);
    assert_eq!(tag.reason, "work on line");
    assert!(rt.select(&client, &brk).is_err(), "select while tagged");
    rt.set_tag(&client, &brk, TagState::NoTag, "").unwrap();
    assert_eq!(rt.select(&client, &brk), Ok(77));

    // A select that times out: the station says so, and the late operate is refused.
    let brk2 = PointName::icc("ICC1", "BRK2");
    assert_eq!(rt.select(&client, &brk2), Ok(78));
    await_event(
        rt,
        &mut server,
        "SelectTimeout BRK2",
        |e| matches!(e, StationEvent::SelectTimeout { name, .. } if name == "BRK2"),
    );
    assert_eq!(
        rt.operate(&client, &brk2, DeviceValue::Command(1)).err(),
        Some(denied.clone())
    );

    // Direct operate of a real set-point; it has no _SBO and no tag right.
    let sp = PointName::icc("ICC1", "SP1");
    rt.operate(&client, &sp, DeviceValue::RealSetPoint(12.5))
        .unwrap();
    let e = await_event(
        rt,
        &mut server,
        "Operate SP1",
        |e| matches!(e, StationEvent::Operate { name, .. } if name == "SP1"),
    );
    assert!(
        matches!(e, StationEvent::Operate { value: DeviceValue::RealSetPoint(v), .. } if v == 12.5)
    );
    assert!(rt.select(&client, &sp).is_err());
    assert!(
        rt.set_tag(&client, &sp, TagState::CloseOnlyInhibit, "x")
            .is_err()
    );
    rt.conclude(client);
    rt.stop(server);
}

/// Information messages both ways: the server's reach a client that enabled them (and
/// only then); the client's reach the station's application.
pub fn messages_both_ways<T: Tase2Runtime>(rt: &T) {
    let (st, _) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();
    let header = InfoMessHeader {
        info_reference: 7,
        local_reference: 8,
        message_id: 9,
        size: 0,
    };
    // Not enabled yet: nobody to send to.
    assert_eq!(
        rt.server_message(&server, &Domain::Vcc, header, b"early"),
        Ok(0)
    );
    rt.enable_messages(&client, true).unwrap();
    assert_eq!(
        rt.server_message(&server, &Domain::icc("ICC1"), header, b"switching order 42"),
        Ok(1)
    );
    let m = rt.next_message(&mut client, STEP).expect("message");
    assert_eq!(m.text, b"switching order 42");
    assert_eq!(m.header.message_id, 9);
    assert_eq!(m.domain.as_deref(), Some("ICC1"));

    rt.client_message(&client, true, header, b"ack from control centre B")
        .unwrap();
    let e = await_event(rt, &mut server, "Message", |e| {
        matches!(e, StationEvent::Message { .. })
    });
    let StationEvent::Message {
        header: h, data, ..
    } = e
    else {
        unreachable!()
    };
    assert_eq!(data, b"ack from control centre B");
    assert_eq!(h.size, 25);

    rt.enable_messages(&client, false).unwrap();
    assert_eq!(
        rt.server_message(&server, &Domain::Vcc, header, b"late"),
        Ok(0)
    );
    rt.conclude(client);
    rt.stop(server);
}

/// Client and server roles on one association: the client serves its own station; the
/// server reads the client's points over the association the client opened, while the
/// client's own requests keep working.
pub fn both_roles_on_one_association<T: Tase2Runtime>(rt: &T) {
    let (st, p) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    rt.update(&server, p.v_real, real(5.5)).unwrap();
    let ours = rt.new_station(StationConfig {
        open: true,
        ..StationConfig::default()
    });
    let c_real = ours
        .add_point(PointConfig {
            domain: Domain::Vcc,
            name: "C_REAL".into(),
            kind: ValueKind::RealQ,
            initial: None,
        })
        .unwrap();
    ours.update(c_real, real(-3.25)).unwrap();
    let mut client = rt
        .connect_serving(rt.addr(&server), setup(), Arc::clone(&ours), None)
        .unwrap();
    let StationEvent::Associated { association, .. } =
        await_event(rt, &mut server, "Associated", |e| {
            matches!(e, StationEvent::Associated { .. })
        })
    else {
        unreachable!()
    };
    let got = rt
        .server_read(
            &server,
            association,
            &[
                (PointName::vmd("C_REAL"), ValueKind::RealQ),
                (PointName::vmd("C_NOTHING"), ValueKind::RealQ),
            ],
        )
        .unwrap();
    assert_eq!(got[0], Ok(real(-3.25)));
    assert!(
        matches!(got[1], Err(ClientError::Access { index: 1, .. })),
        "{got:?}"
    );
    let mine = rt
        .read(&mut client, &[(PointName::vmd("V_REAL"), ValueKind::RealQ)])
        .unwrap();
    assert_eq!(mine[0], Ok(real(5.5)));
    rt.conclude(client);
    rt.stop(server);
}
