//! Critical reports and their acknowledgement, device control (block 5) and information
//! messages (block 4) through the station, with a manual clock.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod station_support;

use std::time::Duration;

use station_support::*;
use telecontrol_core::Instant;
use telecontrol_tase2_transfer_sets::mms_pdu::mms::{
    AccessResult, Data, DataAccessError, FloatingPoint, VariableAccessSpecification,
    VariableSpecification,
};
use telecontrol_tase2_transfer_sets::mms_pdu::server::Directory;
use telecontrol_tase2_transfer_sets::station::{Domain, StationConfig, StationEvent, Tase2Station};
use telecontrol_tase2_transfer_sets::{
    DeviceValue, DsConditions, DsTransferSet, InfoMessHeader, Scope, TagState, TagValue, Tase2Name,
    info_buffer,
};

const GMT0: i64 = 1_700_000_000;

fn critical_set(st: &Tase2Station) -> String {
    icc1(st, 1);
    let v = read(st, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
    let ts = Tase2Name::from_data(&data(&v)).unwrap().name.to_owned();
    let t = DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Vmd,
            domain: "",
            name: "VCC_DS",
        },
        start_time: 0,
        interval: 5,
        tle: 0,
        buffer_time: 0,
        integrity_check: 0,
        ds_conditions_requested: DsConditions(DsConditions::INTERVAL_TIMEOUT),
        block_data: false,
        critical: true,
        rbe: false,
        all_changes_reported: false,
        status: true,
        event_code_requested: Some(0),
    };
    let mut name = [Data::Boolean(false); 3];
    let mut fields = [Data::Boolean(false); 13];
    write(st, 1, dom("ICC1", &ts), t.to_data(&mut name, &mut fields)).unwrap();
    while st.poll_event().is_some() {}
    ts
}

fn ack(
    st: &Tase2Station,
    a: u64,
    ts: &str,
    stamp: Option<i32>,
    positive: bool,
) -> Result<(), String> {
    let n = Tase2Name {
        scope: Scope::Icc,
        domain: "ICC1",
        name: ts,
    };
    let mut f = [Data::Boolean(false); 3];
    let item = if positive {
        "Transfer_Report_ACK"
    } else {
        "Transfer_Report_NACK"
    };
    let mut names = vec![dom("ICC1", item)];
    let mut values = vec![n.to_data(&mut f)];
    if let Some(s) = stamp {
        names.push(dom("ICC1", "Transfer_Set_Time_Stamp"));
        values.push(Data::Integer(i64::from(s)));
    }
    unconfirmed(st, a, &client_report(&names, &values)).map_err(|e| e.to_string())
}

#[test]
fn critical_reports_wait_for_the_acknowledgement_and_time_out() {
    let (st, clock) = sample(StationConfig {
        gmt_at_zero: GMT0,
        critical_ack_timeout: Duration::from_secs(8),
        ..StationConfig::default()
    });
    let ts = critical_set(&st);
    let stamp = |t: i64| i32::try_from(GMT0 + t).unwrap();
    clock.advance(Duration::from_secs(5));
    assert_eq!(drain(&st, clock.now()).len(), 1);
    // A wrong time stamp settles nothing; the right one does, once.
    assert!(ack(&st, 1, &ts, Some(stamp(6)), true).is_err());
    ack(&st, 1, &ts, Some(stamp(5)), true).unwrap();
    assert!(
        ack(&st, 1, &ts, Some(stamp(5)), true).is_err(),
        "settled once"
    );
    // Another association cannot acknowledge this association's set.
    icc1(&st, 2);
    assert!(ack(&st, 2, &ts, Some(stamp(5)), true).is_err());
    // Reports at 10 s and 15 s; an ACK without time stamp settles the oldest (10 s).
    clock.advance(Duration::from_secs(5));
    assert_eq!(drain(&st, clock.now()).len(), 1);
    clock.advance(Duration::from_secs(5));
    assert_eq!(drain(&st, clock.now()).len(), 1);
    ack(&st, 1, &ts, None, true).unwrap();
    clock.advance(Duration::from_secs(5));
    assert_eq!(drain(&st, clock.now()).len(), 1, "the 20 s report");
    let events: Vec<_> = std::iter::from_fn(|| st.poll_event()).collect();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, StationEvent::AckTimeout { .. })),
        "{events:?}"
    );
    // 8 s after the 15 s report: its acknowledgement timed out.
    clock.advance(Duration::from_secs(3));
    assert!(drain(&st, clock.now()).is_empty());
    let events: Vec<_> = std::iter::from_fn(|| st.poll_event()).collect();
    assert_eq!(
        events,
        [StationEvent::AckTimeout {
            association: 1,
            transfer_set: format!("ICC1/{ts}"),
            time_stamp: stamp(15),
        }]
    );
    // A NACK of the 20 s report is settled and reported to the application.
    ack(&st, 1, &ts, Some(stamp(20)), false).unwrap();
    assert_eq!(
        st.poll_event(),
        Some(StationEvent::ReportNack {
            association: 1,
            transfer_set: format!("ICC1/{ts}"),
        })
    );
    assert_eq!(st.poll_event(), None, "nothing else awaits acknowledgement");
    clock.advance(Duration::from_secs(10));
    let _ = drain(&st, clock.now());
    assert!(!std::iter::from_fn(|| st.poll_event()).any(|e| matches!(
        e,
        StationEvent::AckTimeout { time_stamp, .. } if time_stamp == stamp(20)
    )));
}

#[test]
fn select_before_operate_with_timeout_and_tags() {
    let (st, clock) = sample(StationConfig::default());
    icc1(&st, 1);
    while st.poll_event().is_some() {}
    let close = Data::Integer(1);
    // Operate without select is refused; select returns the CheckBackID.
    assert_eq!(
        write(&st, 1, dom("ICC1", "BRK1"), close),
        Err(DataAccessError::ObjectAccessDenied)
    );
    let id = read(&st, 1, dom("ICC1", "BRK1_SBO")).unwrap();
    assert_eq!(data(&id), Data::Integer(77));
    assert_eq!(
        read(&st, 1, dom("ICC1", "BRK1_SBO")),
        Err(DataAccessError::TemporarilyUnavailable),
        "select while armed"
    );
    let tag = read(&st, 1, dom("ICC1", "BRK1_TAG")).unwrap();
    assert!(
        TagValue::from_data(&data(&tag))
            .unwrap()
            .armed_for_execution
    );
    write(&st, 1, dom("ICC1", "BRK1"), close).unwrap();
    assert_eq!(
        st.poll_event(),
        Some(StationEvent::Operate {
            association: 1,
            device: st.device(&Domain::icc("ICC1"), "BRK1").unwrap(),
            name: "BRK1".into(),
            value: DeviceValue::Command(1),
            table_id: Some("ICC1_TABLE_V1".into()),
        })
    );
    // Select, then let the select time out (10 s).
    read(&st, 1, dom("ICC1", "BRK1_SBO")).unwrap();
    assert_eq!(st.poll_timeout(), Some(Instant::from_secs(10)));
    clock.advance(Duration::from_secs(10));
    let _ = drain(&st, clock.now());
    assert!(matches!(
        st.poll_event(),
        Some(StationEvent::SelectTimeout { name, .. }) if name == "BRK1"
    ));
    assert_eq!(
        write(&st, 1, dom("ICC1", "BRK1"), close),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // Tag OPEN_AND_CLOSE_INHIBIT: select refused; only the table that set it clears it.
    let t = TagValue {
        tag: TagState::OpenAndCloseInhibit,
        armed_for_execution: false,
        reason: "crew on site",
    };
    let mut f = [Data::Boolean(false); 2];
    write(&st, 1, dom("ICC1", "BRK1_TAG"), t.to_data(&mut f)).unwrap();
    assert!(matches!(
        st.poll_event(),
        Some(StationEvent::TagChanged { tag: TagState::OpenAndCloseInhibit, reason, .. }) if reason == "crew on site"
    ));
    assert_eq!(
        read(&st, 1, dom("ICC1", "BRK1_SBO")),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    let tag = read(&st, 1, dom("ICC1", "BRK1_TAG")).unwrap();
    assert_eq!(
        TagValue::from_data(&data(&tag)).unwrap().reason,
        "crew on site"
    );
    // Direct operate of the real set-point; SP1 has no SET_TAG/READ but OPERATE.
    write(
        &st,
        1,
        dom("ICC1", "SP1"),
        Data::FloatingPoint(FloatingPoint::Single(12.5)),
    )
    .unwrap();
    assert!(matches!(
        st.poll_event(),
        Some(StationEvent::Operate { value: DeviceValue::RealSetPoint(v), .. }) if v == 12.5
    ));
    assert_eq!(
        write(&st, 1, dom("ICC1", "SP1"), Data::Integer(3)),
        Err(DataAccessError::TypeInconsistent)
    );
    assert_eq!(
        read(&st, 1, dom("ICC1", "SP1_SBO")),
        Err(DataAccessError::ObjectNonExistent),
        "direct-operate devices have no _SBO"
    );
    // A peer without rights on the device.
    associate(&st, 2, &PEER2_OID, None, None).unwrap();
    assert_eq!(
        write(
            &st,
            2,
            dom("ICC1", "SP1"),
            Data::FloatingPoint(FloatingPoint::Single(1.0))
        ),
        Err(DataAccessError::ObjectAccessDenied)
    );
}

#[test]
fn information_messages_go_to_associations_that_enabled_them() {
    let (st, _) = sample(StationConfig::default());
    icc1(&st, 1);
    icc1(&st, 2);
    associate(&st, 3, &PEER2_OID, None, None).unwrap(); // VCC default READ
    let header = InfoMessHeader {
        info_reference: 7,
        local_reference: 1,
        message_id: 42,
        size: 0,
    };
    // Nobody enabled IM_Transfer_Set yet.
    assert_eq!(st.send_message(&Domain::Vcc, header, b"hello").unwrap(), 0);
    let im = telecontrol_tase2_transfer_sets::mms_pdu::mms::ObjectName::AaSpecific(
        telecontrol_tase2_transfer_sets::mms_pdu::mms::Identifier::new("IM_Transfer_Set").unwrap(),
    );
    write(&st, 1, im, Data::Boolean(true)).unwrap();
    write(&st, 3, im, Data::Boolean(true)).unwrap();
    assert_eq!(
        read(&st, 1, im).map(|v| data(&v) == Data::Boolean(true)),
        Ok(true)
    );
    assert_eq!(st.send_message(&Domain::Vcc, header, b"hello").unwrap(), 2);
    let pdus = drain(&st, Instant::ZERO);
    assert_eq!(pdus.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 3]);
    let ir = report(&pdus[0].1);
    let VariableAccessSpecification::ListOfVariable(l) = ir.variable_access_specification else {
        panic!()
    };
    let names: Vec<String> = l
        .iter()
        .map(|i| match i.specification {
            VariableSpecification::Name(n) => n.item().as_str().to_owned(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(names, ["Info_Mess_Header", "Info_Buff_64"]);
    let mut r = ir.results.iter();
    let (Some(AccessResult::Success(h)), Some(AccessResult::Success(b))) = (r.next(), r.next())
    else {
        panic!()
    };
    assert_eq!(
        InfoMessHeader::from_data(&h).unwrap(),
        InfoMessHeader { size: 5, ..header }
    );
    assert_eq!(info_buffer(&b).unwrap(), b"hello");
    // Disabled again: no delivery. Too large for every buffer: refused.
    write(&st, 1, im, Data::Boolean(false)).unwrap();
    assert_eq!(st.send_message(&Domain::Vcc, header, b"x").unwrap(), 1);
    assert!(st.send_message(&Domain::Vcc, header, &[0u8; 65]).is_err());
    let _ = drain(&st, Instant::ZERO);
    // A message from the client: checked against its Size.
    while st.poll_event().is_some() {}
    let mut f = [Data::Boolean(false); 4];
    let h = InfoMessHeader { size: 3, ..header };
    let pdu = client_report(
        &[vmd("Info_Mess_Header"), vmd("Info_Buff_64")],
        &[h.to_data(&mut f), Data::OctetString(b"abcdef")],
    );
    unconfirmed(&st, 1, &pdu).unwrap();
    assert_eq!(
        st.poll_event(),
        Some(StationEvent::Message {
            association: 1,
            header: h,
            data: b"abc".to_vec()
        })
    );
    let h = InfoMessHeader { size: 9, ..header };
    let mut f = [Data::Boolean(false); 4];
    let pdu = client_report(
        &[vmd("Info_Mess_Header"), vmd("Info_Buff_64")],
        &[h.to_data(&mut f), Data::OctetString(b"short")],
    );
    assert!(
        unconfirmed(&st, 1, &pdu).is_err(),
        "buffer shorter than Size"
    );
    assert_eq!(st.poll_event(), None);
    // Releasing drops the IM subscription with the association.
    st.released(3);
    assert_eq!(st.send_message(&Domain::Vcc, header, b"x").unwrap(), 0);
}

#[test]
fn tag_changes_are_reported_through_transfer_sets() {
    let (st, _) = sample(StationConfig::default());
    icc1(&st, 1);
    define(
        &st,
        1,
        dom("ICC1", "TAGS"),
        &[dom("ICC1", "Transfer_Set_Name"), dom("ICC1", "BRK1_TAG")],
    )
    .unwrap();
    // A tag is a data set member for a peer with GET_TAG on the device.
    let v = read(&st, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
    let ts = Tase2Name::from_data(&data(&v)).unwrap().name.to_owned();
    let t = DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Icc,
            domain: "ICC1",
            name: "TAGS",
        },
        start_time: 0,
        interval: 0,
        tle: 0,
        buffer_time: 0,
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
    assert!(drain(&st, Instant::ZERO).is_empty());
    let tag = TagValue {
        tag: TagState::CloseOnlyInhibit,
        armed_for_execution: false,
        reason: "line work",
    };
    let mut f = [Data::Boolean(false); 2];
    write(&st, 1, dom("ICC1", "BRK1_TAG"), tag.to_data(&mut f)).unwrap();
    let pdus = drain(&st, Instant::ZERO);
    assert_eq!(pdus.len(), 1);
    let ir = report(&pdus[0].1);
    let r = telecontrol_tase2_transfer_sets::TransferReport::new(&ir, None).unwrap();
    let entries: Vec<_> = r.entries().map(Result::unwrap).collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].name.item().as_str(), "BRK1_TAG");
    let telecontrol_tase2_transfer_sets::ReportItem::Point(d) = entries[1].item else {
        panic!()
    };
    assert_eq!(TagValue::from_data(&d).unwrap(), tag);
}

#[test]
fn device_rights_are_checked_per_right() {
    let (st, _) = sample(StationConfig::default());
    st.add_device(telecontrol_tase2_transfer_sets::station::DeviceConfig {
        domain: Domain::Vcc,
        name: "VDEV".into(),
        kind: telecontrol_tase2_transfer_sets::DeviceKind::DiscreteSetPoint,
        mode: telecontrol_tase2_transfer_sets::station::ControlMode::SelectBeforeOperate {
            select_timeout: Duration::from_secs(5),
        },
        tagged: true,
        check_back_id: 3,
    })
    .unwrap();
    icc1(&st, 1); // VDEV is not in ICC1's table: no right at all, so no such object
    associate(&st, 2, &PEER2_OID, None, None).unwrap(); // VCC default READ only: visible
    for (a, want) in [
        (1, DataAccessError::ObjectNonExistent),
        (2, DataAccessError::ObjectAccessDenied),
    ] {
        assert_eq!(
            read(&st, a, vmd("VDEV_SBO")),
            Err(want),
            "select needs OPERATE"
        );
        assert_eq!(read(&st, a, vmd("VDEV_TAG")), Err(want), "GET_TAG");
        let t = TagValue {
            tag: TagState::NoTag,
            armed_for_execution: false,
            reason: "",
        };
        let mut f = [Data::Boolean(false); 2];
        assert_eq!(
            write(&st, a, vmd("VDEV_TAG"), t.to_data(&mut f)),
            Err(want),
            "SET_TAG"
        );
        assert_eq!(
            write(&st, a, vmd("VDEV"), Data::Integer(1)),
            Err(want),
            "OPERATE"
        );
    }
    // ICC1's SP1 has OPERATE and GET_TAG but no tag variable; BRK1 has every right.
    assert!(read(&st, 1, dom("ICC1", "BRK1_TAG")).is_ok());
    assert_eq!(
        read(&st, 1, dom("ICC1", "SP1_TAG")),
        Err(DataAccessError::ObjectNonExistent)
    );
}

#[test]
fn a_confirmed_write_of_transfer_report_ack_settles_the_oldest_report() {
    let (st, clock) = sample(StationConfig {
        critical_ack_timeout: Duration::from_secs(8),
        ..StationConfig::default()
    });
    let ts = critical_set(&st);
    clock.advance(Duration::from_secs(5));
    assert_eq!(drain(&st, clock.now()).len(), 1);
    let n = Tase2Name {
        scope: Scope::Icc,
        domain: "ICC1",
        name: &ts,
    };
    let mut f = [Data::Boolean(false); 3];
    write(
        &st,
        1,
        dom("ICC1", "Transfer_Report_ACK"),
        n.to_data(&mut f),
    )
    .unwrap();
    let mut f = [Data::Boolean(false); 3];
    assert_eq!(
        write(
            &st,
            1,
            dom("ICC1", "Transfer_Report_ACK"),
            n.to_data(&mut f)
        ),
        Err(DataAccessError::ObjectValueInvalid),
        "nothing awaits acknowledgement"
    );
    // 14 s: the 5 s report would have timed out at 13 s had it not been settled.
    clock.advance(Duration::from_secs(9));
    let _ = drain(&st, clock.now());
    assert!(
        !std::iter::from_fn(|| st.poll_event())
            .any(|e| matches!(e, StationEvent::AckTimeout { time_stamp: 5, .. }))
    );
}
