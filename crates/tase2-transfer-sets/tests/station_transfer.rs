//! DS transfer sets of the station (IEC 60870-6-503 clause 8.4) with a manual clock:
//! writes whole and by component, interval / integrity / RBE / buffer-time reports decoded
//! back with `TransferReport`, AllChangesReported, split reports, client data sets.
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
    AccessSelection, AlternateAccessItem, AlternateAccessSelection, Data, DataAccessError,
    ErrorClass, Identifier, ObjectName, SeqOf, VariableListItem,
};
use telecontrol_tase2_transfer_sets::mms_pdu::server::Directory;
use telecontrol_tase2_transfer_sets::station::{
    DataSetConfig, Domain, StationConfig, StationEvent, Tase2Station,
};
use telecontrol_tase2_transfer_sets::{
    DataFlags, DataRealQ, DataStateQTimeTag, DsConditions, DsTransferSet, ReportItem, ReportKind,
    Scope, State, Tase2Name, TransferReport, Value, ValueKind,
};

const GMT0: i64 = 1_700_000_000;

fn config() -> StationConfig {
    StationConfig {
        gmt_at_zero: GMT0,
        critical_ack_timeout: Duration::from_secs(8),
        ..StationConfig::default()
    }
}

/// Get a transfer set for association 1 and define the ICC data set `DS1` =
/// [Transfer_Set_Name, Transfer_Set_Time_Stamp, DSConditions_Detected, V_REAL, I1_STATE].
fn setup(config: StationConfig) -> (std::sync::Arc<Tase2Station>, Clock, String) {
    let (st, clock) = sample(config);
    icc1(&st, 1);
    let v = read(&st, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
    let ts = Tase2Name::from_data(&data(&v)).unwrap().name.to_owned();
    define(
        &st,
        1,
        dom("ICC1", "DS1"),
        &[
            dom("ICC1", "Transfer_Set_Name"),
            dom("ICC1", "Transfer_Set_Time_Stamp"),
            dom("ICC1", "DSConditions_Detected"),
            vmd("V_REAL"),
            dom("ICC1", "I1_STATE"),
        ],
    )
    .unwrap();
    while st.poll_event().is_some() {}
    (st, clock, ts)
}

fn ts_value(conditions: u8, f: impl FnOnce(&mut DsTransferSet<'static>)) -> DsTransferSet<'static> {
    let mut t = DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Icc,
            domain: "ICC1",
            name: "DS1",
        },
        start_time: 0,
        interval: 5,
        tle: 0,
        buffer_time: 0,
        integrity_check: 60,
        ds_conditions_requested: DsConditions(conditions),
        block_data: false,
        critical: false,
        rbe: false,
        all_changes_reported: false,
        status: true,
        event_code_requested: Some(0),
    };
    f(&mut t);
    t
}

fn write_ts(
    st: &Tase2Station,
    a: u64,
    ts: &str,
    v: &DsTransferSet<'_>,
) -> Result<(), DataAccessError> {
    let mut name = [Data::Boolean(false); 3];
    let mut fields = [Data::Boolean(false); 13];
    write(st, a, dom("ICC1", ts), v.to_data(&mut name, &mut fields))
}

fn real(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

fn state(s: State, t: i32) -> Value {
    Value::StateQTimeTag(DataStateQTimeTag {
        value: (),
        time_stamp: t,
        flags: DataFlags::GOOD.with_state(s),
    })
}

/// The members of DS1 as the client knows them.
fn ds1_members(st: &Tase2Station) -> Vec<ObjectName<'static>> {
    let mut m = Vec::new();
    st.list_members(1, &dom("ICC1", "DS1"), &mut |n| {
        let n = match n {
            ObjectName::VmdSpecific(i) => vmd(leak(i.as_str())),
            ObjectName::DomainSpecific { domain, item } => {
                dom(leak(domain.as_str()), leak(item.as_str()))
            }
            ObjectName::AaSpecific(_) => panic!(),
        };
        m.push(n);
    })
    .unwrap();
    m
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// A decoded report: kind, and (item name, special or point value) in order.
#[derive(Debug, PartialEq)]
enum Item {
    TsName(String),
    Stamp(i32),
    Conditions(u8),
    Point(String, Value),
}

fn decode(pdu: &[u8], members: &[ObjectName<'static>]) -> (ReportKind, Vec<Item>) {
    let ir = report(pdu);
    let items: Vec<VariableListItem<'_>> = members
        .iter()
        .map(|m| VariableListItem::named(*m))
        .collect();
    let r = TransferReport::new(&ir, Some(SeqOf::from_slice(&items))).unwrap();
    let mut out = Vec::new();
    for e in r.entries() {
        let e = e.unwrap();
        let name = e.name.item().as_str().to_owned();
        out.push(match e.item {
            ReportItem::TransferSetName(n) => Item::TsName(format!("{}/{}", n.domain, n.name)),
            ReportItem::TransferSetTimeStamp(t) => Item::Stamp(t),
            ReportItem::DsConditionsDetected(c) => Item::Conditions(c.0),
            ReportItem::Point(_) => {
                let kind = if name == "I1_STATE" {
                    ValueKind::StateQTimeTag
                } else {
                    ValueKind::RealQ
                };
                Item::Point(name, e.value(kind).unwrap().unwrap())
            }
            other => panic!("{other:?}"),
        });
    }
    (r.kind(), out)
}

#[test]
fn interval_reports_carry_the_whole_data_set() {
    let (st, clock, ts) = setup(config());
    let members = ds1_members(&st);
    write_ts(
        &st,
        1,
        &ts,
        &ts_value(DsConditions::INTERVAL_TIMEOUT, |_| {}),
    )
    .unwrap();
    assert!(matches!(
        st.poll_event(),
        Some(StationEvent::TransferSetEnabled { association: 1, transfer_set }) if transfer_set == "ICC1/DSTransferSet0001"
    ));
    let p = st.point(&Domain::Vcc, "V_REAL").unwrap();
    st.update(p, real(231.5)).unwrap();
    assert_eq!(st.poll_timeout(), Some(Instant::from_secs(5)));
    assert!(drain(&st, Instant::from_micros(4_999_999)).is_empty());
    clock.advance(Duration::from_secs(5));
    let pdus = drain(&st, clock.now());
    assert_eq!(pdus.len(), 1);
    assert_eq!(pdus[0].0, 1);
    let (kind, items) = decode(&pdus[0].1, &members);
    assert_eq!(kind, ReportKind::NamedList);
    let i1 = st
        .value(st.point(&Domain::icc("ICC1"), "I1_STATE").unwrap())
        .unwrap();
    assert_eq!(
        items,
        [
            Item::TsName("ICC1/DSTransferSet0001".into()),
            Item::Stamp(i32::try_from(GMT0 + 5).unwrap()),
            Item::Conditions(DsConditions::INTERVAL_TIMEOUT),
            Item::Point("V_REAL".into(), real(231.5)),
            Item::Point("I1_STATE".into(), i1),
        ]
    );
    // The read-back value says Status true; the next report is due 5 s later.
    let v = read(&st, 1, dom("ICC1", &ts)).unwrap();
    assert!(DsTransferSet::from_data(&data(&v)).unwrap().status);
    assert_eq!(st.poll_timeout(), Some(Instant::from_secs(10)));
}

#[test]
fn rbe_reports_only_changes_after_the_buffer_time_and_integrity_all() {
    let (st, clock, ts) = setup(config());
    let members = ds1_members(&st);
    let cond = DsConditions::OBJECT_CHANGE | DsConditions::INTEGRITY_TIMEOUT;
    write_ts(
        &st,
        1,
        &ts,
        &ts_value(cond, |t| {
            t.rbe = true;
            t.buffer_time = 2;
        }),
    )
    .unwrap();
    let i1 = st.point(&Domain::icc("ICC1"), "I1_STATE").unwrap();
    clock.advance(Duration::from_secs(1));
    st.update(i1, state(State::Tripped, 10)).unwrap();
    st.update(i1, state(State::Closed, 11)).unwrap();
    assert_eq!(
        st.transfer_set("ICC1", &ts).unwrap().changed,
        1,
        "latest value only"
    );
    assert!(
        drain(&st, Instant::from_micros(2_999_999)).is_empty(),
        "buffering"
    );
    let pdus = drain(&st, Instant::from_secs(3));
    assert_eq!(pdus.len(), 1);
    let (kind, items) = decode(&pdus[0].1, &members);
    assert_eq!(kind, ReportKind::ListOfVariable);
    assert_eq!(
        items,
        [
            Item::TsName("ICC1/DSTransferSet0001".into()),
            Item::Stamp(i32::try_from(GMT0 + 3).unwrap()),
            Item::Conditions(DsConditions::OBJECT_CHANGE),
            Item::Point("I1_STATE".into(), state(State::Closed, 11)),
        ]
    );
    assert_eq!(st.transfer_set("ICC1", &ts).unwrap().changed, 0);
    // Integrity at 60 s: every point, by data set name.
    let pdus = drain(&st, Instant::from_secs(60));
    assert_eq!(pdus.len(), 1);
    let (kind, items) = decode(&pdus[0].1, &members);
    assert_eq!(kind, ReportKind::NamedList);
    assert_eq!(items[2], Item::Conditions(DsConditions::INTEGRITY_TIMEOUT));
    assert_eq!(items.len(), 5);
}

#[test]
fn all_changes_reported_queues_every_change_bounded() {
    let (st, clock, ts) = setup(StationConfig {
        change_queue_limit: 3,
        ..config()
    });
    let members = ds1_members(&st);
    write_ts(
        &st,
        1,
        &ts,
        &ts_value(DsConditions::OBJECT_CHANGE, |t| {
            t.rbe = true;
            t.all_changes_reported = true;
            t.buffer_time = 1;
        }),
    )
    .unwrap();
    let _ = st.poll_event();
    let p = st.point(&Domain::Vcc, "V_REAL").unwrap();
    for v in [1.0, 2.0, 3.0, 4.0] {
        st.update(p, real(v)).unwrap();
    }
    let s = st.transfer_set("ICC1", &ts).unwrap();
    assert_eq!((s.queued, s.dropped), (3, 1));
    assert!(matches!(
        st.poll_event(),
        Some(StationEvent::ChangesDropped { total: 1, .. })
    ));
    clock.advance(Duration::from_secs(1));
    let pdus = drain(&st, clock.now());
    assert_eq!(pdus.len(), 1);
    let (_, items) = decode(&pdus[0].1, &members);
    let points: Vec<&Item> = items
        .iter()
        .filter(|i| matches!(i, Item::Point(..)))
        .collect();
    assert_eq!(
        points,
        [
            &Item::Point("V_REAL".into(), real(2.0)),
            &Item::Point("V_REAL".into(), real(3.0)),
            &Item::Point("V_REAL".into(), real(4.0)),
        ]
    );
}

#[test]
fn writes_whole_and_by_component_and_enabling_twice_is_inconsistent() {
    let (st, _, ts) = setup(config());
    let inconsistent = Err(DataAccessError::ObjectAttributeInconsistent);
    let status = component("Status");
    // Another association may not write a set it did not get.
    icc1(&st, 2);
    assert_eq!(
        write_ts(
            &st,
            2,
            &ts,
            &ts_value(DsConditions::INTERVAL_TIMEOUT, |_| {})
        ),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // An unknown data set, or one with a point the peer may not read, cannot be enabled.
    let bad = ts_value(DsConditions::INTERVAL_TIMEOUT, |t| {
        t.data_set_name.name = "NOPE"
    });
    assert_eq!(write_ts(&st, 1, &ts, &bad), inconsistent);
    st.add_data_set(DataSetConfig {
        domain: Domain::Vcc,
        name: "SECRET_DS".into(),
        members: vec![(Domain::Vcc, "V_SECRET".into())],
    })
    .unwrap();
    let secret = ts_value(DsConditions::INTERVAL_TIMEOUT, |t| {
        t.data_set_name = Tase2Name {
            scope: Scope::Vmd,
            domain: "",
            name: "SECRET_DS",
        };
    });
    assert_eq!(write_ts(&st, 1, &ts, &secret), inconsistent);
    // No condition requested: inconsistent.
    assert_eq!(write_ts(&st, 1, &ts, &ts_value(0, |_| {})), inconsistent);
    // By component: set up with Status false, then enable through Status.
    let off = ts_value(DsConditions::INTERVAL_TIMEOUT, |t| t.status = false);
    write_ts(&st, 1, &ts, &off).unwrap();
    let interval = component("Interval");
    write_component(&st, 1, dom("ICC1", &ts), &interval.0, Data::Integer(7)).unwrap();
    write_component(&st, 1, dom("ICC1", &ts), &status.0, Data::Boolean(true)).unwrap();
    assert!(st.transfer_set("ICC1", &ts).unwrap().enabled);
    let v = read(&st, 1, dom("ICC1", &ts)).unwrap();
    let v = DsTransferSet::from_data(&data(&v)).unwrap();
    assert_eq!((v.interval, v.status), (7, true));
    // Enabled: enabling again, whole or by component, and changing a component are refused.
    let on = ts_value(DsConditions::INTERVAL_TIMEOUT, |_| {});
    assert_eq!(write_ts(&st, 1, &ts, &on), inconsistent);
    assert_eq!(
        write_component(&st, 1, dom("ICC1", &ts), &status.0, Data::Boolean(true)),
        inconsistent
    );
    assert_eq!(
        write_component(&st, 1, dom("ICC1", &ts), &interval.0, Data::Integer(9)),
        inconsistent
    );
    assert_eq!(
        write_component(&st, 1, dom("ICC1", &ts), &status.0, Data::Integer(1)),
        Err(DataAccessError::TypeInconsistent)
    );
    // Status false disables; the set can then be written whole and enabled again.
    write_component(&st, 1, dom("ICC1", &ts), &status.0, Data::Boolean(false)).unwrap();
    assert!(!st.transfer_set("ICC1", &ts).unwrap().enabled);
    write_ts(&st, 1, &ts, &on).unwrap();
    let events: Vec<_> = std::iter::from_fn(|| st.poll_event()).collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            StationEvent::TransferSetEnabled { .. } => "enabled",
            StationEvent::TransferSetDisabled { .. } => "disabled",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["other", "enabled", "disabled", "enabled"],
        "association 2, then"
    );
    // Writing the whole set with Status false disables it too.
    write_ts(&st, 1, &ts, &off).unwrap();
    assert!(!st.transfer_set("ICC1", &ts).unwrap().enabled);
}

/// Alternate access selecting one component (storage leaked for the test's lifetime).
struct Component(telecontrol_tase2_transfer_sets::mms_pdu::mms::AlternateAccess<'static>);

fn component(name: &'static str) -> Component {
    let items: &'static [AlternateAccessItem<'static>] =
        Box::leak(Box::new([AlternateAccessItem::Unnamed(
            AlternateAccessSelection::SelectAccess(AccessSelection::Component(
                Identifier::new(name).unwrap(),
            )),
        )]));
    Component(SeqOf::from_slice(items))
}

#[test]
fn large_reports_are_split_to_the_pdu_size() {
    split_reports(400, 16_000);
}

/// The peer proposed a smaller MMS PDU than the station's maximum: reports fit the peer's.
#[test]
fn reports_fit_the_pdu_size_the_peer_proposed() {
    split_reports(16_000, 400);
}

/// An integrity report of 60 points to a peer, split so that each PDU fits 400 octets
/// (the station's `max_pdu_size` or the peer's proposal, whichever is smaller).
fn split_reports(station_max: usize, proposed: i32) {
    use telecontrol_tase2_transfer_sets::AccessRights;
    use telecontrol_tase2_transfer_sets::station::{BilateralTableConfig, PeerConfig, PointConfig};
    let clock = Clock::default();
    let c = clock.clone();
    let st = Tase2Station::new(
        StationConfig {
            max_pdu_size: station_max,
            ..config()
        },
        move || c.now(),
    );
    let mut members = vec![
        (Domain::icc("ICC1"), "Transfer_Set_Name".to_owned()),
        (Domain::icc("ICC1"), "Transfer_Set_Time_Stamp".to_owned()),
    ];
    for i in 0..60 {
        let name = format!("P{i:03}");
        let p = st
            .add_point(PointConfig {
                domain: Domain::icc("ICC1"),
                name: name.clone(),
                kind: ValueKind::RealQ,
                initial: Some(real(i as f32)),
            })
            .unwrap();
        assert_eq!(st.value(p), Some(real(i as f32)));
        members.push((Domain::icc("ICC1"), name));
    }
    st.add_data_set(DataSetConfig {
        domain: Domain::icc("ICC1"),
        name: "BIG".into(),
        members,
    })
    .unwrap();
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: None,
            password: None,
        }),
        icc_domain: "ICC1".into(),
        table_id: "T".into(),
        objects: vec![],
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::READ,
    })
    .unwrap();
    associate_proposing(&st, 1, &PEER_OID, None, None, proposed).unwrap();
    let v = read(&st, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
    let ts = Tase2Name::from_data(&data(&v)).unwrap().name.to_owned();
    let t = ts_value(DsConditions::INTEGRITY_TIMEOUT, |t| {
        t.data_set_name.name = "BIG";
        t.integrity_check = 10;
    });
    write_ts(&st, 1, &ts, &t).unwrap();
    let pdus = drain(&st, Instant::from_secs(10));
    assert!(pdus.len() >= 3, "{} PDUs", pdus.len());
    let mut points = Vec::new();
    for (a, pdu) in &pdus {
        assert_eq!(*a, 1);
        assert!(pdu.len() <= 400, "{} octets", pdu.len());
        let (kind, items) = decode(pdu, &[]);
        assert_eq!(kind, ReportKind::ListOfVariable);
        assert_eq!(items[0], Item::TsName(format!("ICC1/{ts}")));
        assert_eq!(items[1], Item::Stamp(i32::try_from(GMT0 + 10).unwrap()));
        points.extend(items.into_iter().skip(2));
    }
    let want: Vec<Item> = (0..60)
        .map(|i| Item::Point(format!("P{i:03}"), real(i as f32)))
        .collect();
    assert_eq!(points, want);
    let _ = clock;
}

#[test]
fn client_data_sets_are_checked_and_kept_while_in_use() {
    let (st, _, ts) = setup(config());
    let icc1 = "ICC1";
    assert_eq!(
        define(&st, 1, dom(icc1, "X"), &[dom(icc1, "NOPE")]),
        Err(ErrorClass::Definition(6)),
        "a member that does not exist"
    );
    assert_eq!(
        define(&st, 1, dom(icc1, "X"), &[vmd("V_SECRET")]),
        Err(ErrorClass::Definition(6)),
        "a member the table does not name: as one that does not exist"
    );
    assert_eq!(
        define(&st, 1, dom(icc1, "X"), &[dom("ICC2", "I2_REAL")]),
        Err(ErrorClass::Access(3)),
        "another ICC's point"
    );
    assert_eq!(
        define(&st, 1, dom("ICC2", "X"), &[vmd("V_REAL")]),
        Err(ErrorClass::Access(3)),
        "a data set in another ICC's domain"
    );
    assert_eq!(
        define(&st, 1, dom(icc1, "DS1"), &[vmd("V_REAL")]),
        Err(ErrorClass::Definition(5)),
        "exists"
    );
    define(
        &st,
        1,
        ObjectName::AaSpecific(Identifier::new("AA_DS").unwrap()),
        &[vmd("V_REAL")],
    )
    .unwrap();
    let aa = Identifier::new("AA_DS").unwrap();
    assert_eq!(
        names(
            &st,
            1,
            telecontrol_tase2_transfer_sets::mms_pdu::mms::ObjectClass::NamedVariableList,
            telecontrol_tase2_transfer_sets::mms_pdu::mms::ObjectScope::Aa
        )
        .unwrap(),
        ["AA_DS"]
    );
    // In use by an enabled transfer set: not deleted.
    write_ts(
        &st,
        1,
        &ts,
        &ts_value(DsConditions::INTERVAL_TIMEOUT, |_| {}),
    )
    .unwrap();
    assert_eq!(delete(&st, 1, dom(icc1, "DS1")), (1, 0));
    // The server's data set is not deletable.
    assert_eq!(delete(&st, 1, vmd("VCC_DS")), (1, 0));
    // Disabled: deleted.
    let off = ts_value(DsConditions::INTERVAL_TIMEOUT, |t| t.status = false);
    write_ts(&st, 1, &ts, &off).unwrap();
    assert_eq!(delete(&st, 1, dom(icc1, "DS1")), (1, 1));
    assert_eq!(delete(&st, 1, dom(icc1, "DS1")), (0, 0));
    assert_eq!(delete(&st, 1, ObjectName::AaSpecific(aa)), (1, 1));
}

#[test]
fn release_stops_and_frees_everything() {
    let (st, _, ts) = setup(config());
    write_ts(
        &st,
        1,
        &ts,
        &ts_value(DsConditions::OBJECT_CHANGE, |t| t.rbe = true),
    )
    .unwrap();
    define(
        &st,
        1,
        ObjectName::AaSpecific(Identifier::new("AA").unwrap()),
        &[vmd("V_REAL")],
    )
    .unwrap();
    let p = st.point(&Domain::Vcc, "V_REAL").unwrap();
    st.update(p, real(1.0)).unwrap();
    assert_eq!(st.transfer_set("ICC1", &ts).unwrap().changed, 1);
    while st.poll_event().is_some() {}
    st.released(1);
    let events: Vec<_> = std::iter::from_fn(|| st.poll_event()).collect();
    assert!(matches!(
        &events[0],
        StationEvent::TransferSetDisabled { association: 1, .. }
    ));
    assert!(matches!(
        events.last(),
        Some(StationEvent::Released { association: 1 })
    ));
    let s = st.transfer_set("ICC1", &ts).unwrap();
    assert_eq!((s.owner, s.enabled, s.changed), (None, false, 0));
    // Updates no longer reach it; nothing is sent; the data sets are gone.
    st.update(p, real(2.0)).unwrap();
    assert_eq!(st.poll_timeout(), None);
    assert!(drain(&st, Instant::from_secs(100)).is_empty());
    icc1(&st, 3);
    define(&st, 3, dom("ICC1", "DS1"), &[vmd("V_REAL")]).unwrap();
    assert_eq!(
        read(&st, 3, dom("ICC1", "Next_DSTransfer_Set"))
            .map(|v| { Tase2Name::from_data(&data(&v)).unwrap().name.to_owned() }),
        Ok(ts)
    );
}
