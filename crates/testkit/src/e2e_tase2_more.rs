//! More TASE.2 end-to-end scenarios (see `e2e_tase2.rs` for the runtime trait): our client
//! against a 1996-08 station, transfer sets written by component, discrete and real
//! set-points operated over MMS, and every -802 value type received in a report.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::sync::Arc;
use std::time::Duration;

use mms_pdu::mms::DataAccessError;

use tase2_transfer_sets::client::{ClientError, PointName, Reading, TransferSetOptions};
use tase2_transfer_sets::objects::Tase2Version;
use tase2_transfer_sets::station::{
    BilateralTableConfig, ControlMode, DeviceConfig, Domain, PeerConfig, PointConfig, PointId,
    StationConfig, StationEvent, Tase2Station,
};
use tase2_transfer_sets::{
    AccessRights, ComponentValue, DataDiscreteQ, DataDiscreteQTimeTag,
    DataDiscreteQTimeTagExtended, DataFlags, DataRealQ, DataRealQTimeTag, DataRealQTimeTagExtended,
    DataStateQTimeTag, DataStateQTimeTagExtended, DeviceKind, DeviceValue, DsConditions,
    DsTransferSetComponent, Extended, ReportKind, TimeStampExtended, Value, ValueKind,
};

use super::{ClientSetup, Fail, TABLE_ID, Tase2Runtime, await_event, await_report, reading, setup};

/// A station of `config` whose ICC1 holds `points` (readable) and `devices` (operable,
/// untagged), with the table of [`setup`]'s identity.
fn station<T: Tase2Runtime>(
    rt: &T,
    config: StationConfig,
    points: &[(&str, ValueKind)],
    devices: &[(&str, DeviceKind, ControlMode, i16)],
) -> (Arc<Tase2Station>, Vec<PointId>) {
    let st = rt.new_station(config);
    let icc1 = Domain::icc("ICC1");
    let mut objects = Vec::new();
    let ids = points
        .iter()
        .map(|(name, kind)| {
            objects.push((icc1.clone(), (*name).to_string(), AccessRights::READ));
            st.add_point(PointConfig {
                domain: icc1.clone(),
                name: (*name).into(),
                kind: *kind,
                initial: None,
            })
            .unwrap()
        })
        .collect();
    for (name, kind, mode, check_back_id) in devices {
        st.add_device(DeviceConfig {
            domain: icc1.clone(),
            name: (*name).into(),
            kind: *kind,
            mode: *mode,
            tagged: false,
            check_back_id: *check_back_id,
        })
        .unwrap();
        objects.push((icc1.clone(), (*name).to_string(), AccessRights::OPERATE));
    }
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: Some(12),
            password: Some(b"pw".to_vec()),
        }),
        icc_domain: "ICC1".into(),
        table_id: TABLE_ID.into(),
        objects,
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    (st, ids)
}

fn real(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

fn integrity_options() -> TransferSetOptions {
    TransferSetOptions {
        rbe: false,
        integrity_check: 1,
        conditions: DsConditions(DsConditions::INTEGRITY_TIMEOUT),
        ..TransferSetOptions::default()
    }
}

fn is_integrity(r: &tase2_transfer_sets::client::Tase2Report) -> bool {
    r.kind == ReportKind::NamedList
        && r.conditions
            .is_some_and(|c| c.contains(DsConditions::INTEGRITY_TIMEOUT))
}

/// Our client against a 1996-08 station: the client, offering both editions, accepts
/// 1996-08; the transfer set it starts has the 12-member structure (no
/// `EventCodeRequested`), the station enables it and its integrity report arrives with
/// the point's value.
pub fn client_against_1996_station<T: Tase2Runtime>(rt: &T) {
    let config = StationConfig {
        version: Tase2Version::EDITION_1996_08,
        ..StationConfig::default()
    };
    let (st, ids) = station(rt, config, &[("P_OLD", ValueKind::RealQ)], &[]);
    let mut server = rt.serve(st);
    rt.update(&server, ids[0], real(49.75)).unwrap();
    let old = ClientSetup {
        versions: vec![Tase2Version::EDITION_2000_08, Tase2Version::EDITION_1996_08],
        ..setup()
    };
    let mut client = rt.connect(rt.addr(&server), old).unwrap();
    assert_eq!(rt.peer(&client).version, Tase2Version::EDITION_1996_08);
    rt.define_data_set(
        &mut client,
        "DS_OLD",
        &[(PointName::icc("ICC1", "P_OLD"), ValueKind::RealQ)],
    )
    .unwrap();
    let options = TransferSetOptions {
        event_code_requested: None,
        ..integrity_options()
    };
    let ts = rt
        .start_transfer_set(&mut client, "DS_OLD", options)
        .unwrap();
    await_event(
        rt,
        &mut server,
        "TransferSetEnabled",
        |e| matches!(e, StationEvent::TransferSetEnabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );
    let r = await_report(rt, &mut client, "integrity (1996-08)", is_integrity);
    assert_eq!(r.transfer_set.as_ref(), Some(&ts));
    assert_eq!(reading(&r, "P_OLD"), Some(&Reading::Value(real(49.75))));
    rt.stop_transfer_set(&mut client, &ts).unwrap();
    await_event(
        rt,
        &mut server,
        "TransferSetDisabled",
        |e| matches!(e, StationEvent::TransferSetDisabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );
    rt.conclude(client);
    rt.stop(server);
}

/// Transfer set components written one by one through the client: while enabled,
/// `Interval` is refused and `Status` false disables the set (the station says so; no report
/// follows); then `Interval` is accepted and `Status` true enables it again (reports resume).
pub fn transfer_set_written_by_component<T: Tase2Runtime>(rt: &T) {
    let (st, ids) = station(
        rt,
        StationConfig::default(),
        &[("P_C", ValueKind::RealQ)],
        &[],
    );
    let mut server = rt.serve(st);
    rt.update(&server, ids[0], real(1.5)).unwrap();
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();
    rt.define_data_set(
        &mut client,
        "DS_C",
        &[(PointName::icc("ICC1", "P_C"), ValueKind::RealQ)],
    )
    .unwrap();
    let ts = rt
        .start_transfer_set(&mut client, "DS_C", integrity_options())
        .unwrap();
    await_event(
        rt,
        &mut server,
        "TransferSetEnabled",
        |e| matches!(e, StationEvent::TransferSetEnabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );
    await_report(rt, &mut client, "integrity", is_integrity);
    // While enabled only Status may be written.
    assert_eq!(
        rt.write_component(
            &client,
            &ts,
            DsTransferSetComponent::Interval,
            ComponentValue::Integer(30),
        ),
        Err(Fail::Client(ClientError::Access {
            index: 0,
            error: DataAccessError::ObjectAttributeInconsistent
        }))
    );
    rt.write_component(
        &client,
        &ts,
        DsTransferSetComponent::Status,
        ComponentValue::Boolean(false),
    )
    .unwrap();
    await_event(
        rt,
        &mut server,
        "TransferSetDisabled",
        |e| matches!(e, StationEvent::TransferSetDisabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );
    // Reports already in flight may still be read (they came before the write's answer,
    // on the same connection); after them, silence (integrity was 1 s).
    while rt
        .next_report(&mut client, Duration::from_millis(1000))
        .is_some()
    {}
    assert!(
        rt.next_report(&mut client, Duration::from_millis(2500))
            .is_none(),
        "report after Status false"
    );
    // Disabled: other components may be written; Status true enables the set again and
    // its reports carry the point's new value.
    rt.write_component(
        &client,
        &ts,
        DsTransferSetComponent::Interval,
        ComponentValue::Integer(30),
    )
    .unwrap();
    rt.update(&server, ids[0], real(2.5)).unwrap();
    rt.write_component(
        &client,
        &ts,
        DsTransferSetComponent::Status,
        ComponentValue::Boolean(true),
    )
    .unwrap();
    await_event(
        rt,
        &mut server,
        "TransferSetEnabled again",
        |e| matches!(e, StationEvent::TransferSetEnabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );
    let r = await_report(rt, &mut client, "integrity after re-enable", is_integrity);
    assert_eq!(reading(&r, "P_C"), Some(&Reading::Value(real(2.5))));
    rt.stop_transfer_set(&mut client, &ts).unwrap();
    rt.conclude(client);
    rt.stop(server);
}

/// A discrete set-point (direct) and a real set-point (select before operate) operated
/// over MMS: the station's application hears each value exactly.
pub fn set_points_operated<T: Tase2Runtime>(rt: &T) {
    let (st, _) = station(
        rt,
        StationConfig::default(),
        &[],
        &[
            ("DSP1", DeviceKind::DiscreteSetPoint, ControlMode::Direct, 0),
            (
                "RSP1",
                DeviceKind::RealSetPoint,
                ControlMode::SelectBeforeOperate {
                    select_timeout: Duration::from_secs(30),
                },
                91,
            ),
        ],
    );
    let mut server = rt.serve(st);
    let client = rt.connect(rt.addr(&server), setup()).unwrap();
    let dsp = PointName::icc("ICC1", "DSP1");
    rt.operate(&client, &dsp, DeviceValue::DiscreteSetPoint(-1234))
        .unwrap();
    let e = await_event(rt, &mut server, "Operate DSP1", |e| {
        matches!(e, StationEvent::Operate { .. })
    });
    let StationEvent::Operate { name, value, .. } = e else {
        unreachable!()
    };
    assert_eq!(
        (name.as_str(), value),
        ("DSP1", DeviceValue::DiscreteSetPoint(-1234))
    );

    let rsp = PointName::icc("ICC1", "RSP1");
    assert_eq!(rt.select(&client, &rsp), Ok(91));
    rt.operate(&client, &rsp, DeviceValue::RealSetPoint(-0.375))
        .unwrap();
    let e = await_event(rt, &mut server, "Operate RSP1", |e| {
        matches!(e, StationEvent::Operate { .. })
    });
    let StationEvent::Operate { name, value, .. } = e else {
        unreachable!()
    };
    assert_eq!(
        (name.as_str(), value),
        ("RSP1", DeviceValue::RealSetPoint(-0.375))
    );
    rt.conclude(client);
    rt.stop(server);
}

/// One value of each -802 kind, none the station's initial value.
fn value_of(kind: ValueKind, i: i32) -> Value {
    let f = DataFlags(0x80);
    let t = 1_700_000_000 + i;
    let x = TimeStampExtended {
        gmt_based_s: t,
        milliseconds: 250,
    };
    let v = 1.5 + i as f32;
    match kind {
        ValueKind::Real => Value::Real(v),
        ValueKind::State => Value::State(DataFlags(0x40)),
        ValueKind::Discrete => Value::Discrete(-i),
        ValueKind::Flags => Value::Flags(DataFlags(0x44)),
        ValueKind::RealQ => Value::RealQ(DataRealQ { value: v, flags: f }),
        ValueKind::StateQ => Value::StateQ(DataFlags(0x84)),
        ValueKind::DiscreteQ => Value::DiscreteQ(DataDiscreteQ {
            value: -i,
            flags: f,
        }),
        ValueKind::RealQTimeTag => Value::RealQTimeTag(DataRealQTimeTag {
            value: v,
            time_stamp: t,
            flags: f,
        }),
        ValueKind::StateQTimeTag => Value::StateQTimeTag(DataStateQTimeTag {
            value: (),
            time_stamp: t,
            flags: f,
        }),
        ValueKind::DiscreteQTimeTag => Value::DiscreteQTimeTag(DataDiscreteQTimeTag {
            value: -i,
            time_stamp: t,
            flags: f,
        }),
        ValueKind::RealExtended => Value::RealExtended(Extended {
            value: v,
            time_stamp: t,
            flags: f,
            cov: 7,
        }),
        ValueKind::StateExtended => Value::StateExtended(Extended {
            value: (),
            time_stamp: t,
            flags: f,
            cov: 8,
        }),
        ValueKind::DiscreteExtended => Value::DiscreteExtended(Extended {
            value: -i,
            time_stamp: t,
            flags: f,
            cov: 9,
        }),
        ValueKind::RealQTimeTagExtended => Value::RealQTimeTagExtended(DataRealQTimeTagExtended {
            value: v,
            time_stamp: x,
            flags: f,
        }),
        ValueKind::StateQTimeTagExtended => {
            Value::StateQTimeTagExtended(DataStateQTimeTagExtended {
                value: (),
                time_stamp: x,
                flags: f,
            })
        }
        ValueKind::DiscreteQTimeTagExtended => {
            Value::DiscreteQTimeTagExtended(DataDiscreteQTimeTagExtended {
                value: -i,
                time_stamp: x,
                flags: f,
            })
        }
    }
}

/// A data set of 16 points, one per -802 value type, reported over the wire: each
/// reading is typed and equal to the value the server set.
pub fn every_value_type_reported<T: Tase2Runtime>(rt: &T) {
    let names: Vec<String> = (0..ValueKind::ALL.len())
        .map(|i| format!("P{i:02}"))
        .collect();
    let points: Vec<(&str, ValueKind)> = names
        .iter()
        .map(String::as_str)
        .zip(ValueKind::ALL)
        .collect();
    let (st, ids) = station(rt, StationConfig::default(), &points, &[]);
    let server = rt.serve(st);
    let values: Vec<Value> = ValueKind::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| value_of(*k, i as i32 + 1))
        .collect();
    for ((id, v), k) in ids.iter().zip(&values).zip(ValueKind::ALL) {
        assert_eq!(v.kind(), k);
        rt.update(&server, *id, *v).unwrap();
    }
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();
    let members: Vec<(PointName, ValueKind)> = points
        .iter()
        .map(|(n, k)| (PointName::icc("ICC1", n), *k))
        .collect();
    rt.define_data_set(&mut client, "DS_ALL", &members).unwrap();
    let ts = rt
        .start_transfer_set(&mut client, "DS_ALL", integrity_options())
        .unwrap();
    let r = await_report(rt, &mut client, "integrity of 16 kinds", is_integrity);
    assert_eq!(r.transfer_set.as_ref(), Some(&ts));
    for ((name, kind), v) in points.iter().zip(&values) {
        assert_eq!(
            reading(&r, name),
            Some(&Reading::Value(*v)),
            "{kind:?} ({name})"
        );
    }
    rt.stop_transfer_set(&mut client, &ts).unwrap();
    rt.conclude(client);
    rt.stop(server);
}
