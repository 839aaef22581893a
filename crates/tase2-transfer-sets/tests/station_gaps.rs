//! Station behaviour the other station tests leave out (PICS section 9): a 1996-08 station
//! reporting with 12-member transfer sets, `Event_Code_Detected`, Read by data set name and
//! GetNamedVariableListAttributes, StartTime and TLE, operator request and external event on
//! RBE sets, object-value-invalid device refusals, and the type of every -802 kind; every
//! request on the wire through `mms_pdu::server::answer`, manual clock.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod station_support;

use std::time::Duration;
use telecontrol_core::Instant;

use station_support::*;
use telecontrol_tase2_transfer_sets::mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, Data, DataAccessError,
    FloatingPoint, GetVariableAccessAttributesRequest, ObjectName, ReadRequest, SeqOf,
    TypeDescription, TypeSpecification, VariableAccessSpecification, VariableListItem,
    VariableSpecification,
};
use telecontrol_tase2_transfer_sets::station::{
    Domain, PointConfig, StationConfig, StationEvent, Tase2Station,
};
use telecontrol_tase2_transfer_sets::{
    DataFlags, DataRealQ, DsConditions, DsTransferSet, ReportItem, Scope, TagState, TagValue,
    Tase2Name, Tase2Version, TransferReport, Value, ValueKind,
};

const GMT0: i64 = 1_700_000_000;

fn config() -> StationConfig {
    StationConfig {
        gmt_at_zero: GMT0,
        ..StationConfig::default()
    }
}

/// Associate ICC1 as 1, take a transfer set and define `DS1` of `members` (ICC1 scope).
fn setup(st: &Tase2Station, members: &[ObjectName<'_>]) -> String {
    icc1(st, 1);
    let v = read(st, 1, dom("ICC1", "Next_DSTransfer_Set")).unwrap();
    let ts = Tase2Name::from_data(&data(&v)).unwrap().name.to_owned();
    define(st, 1, dom("ICC1", "DS1"), members).unwrap();
    while st.poll_event().is_some() {}
    ts
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

fn write_ts(st: &Tase2Station, ts: &str, v: &DsTransferSet<'_>) -> Result<(), DataAccessError> {
    let mut name = [Data::Boolean(false); 3];
    let mut fields = [Data::Boolean(false); 13];
    write(st, 1, dom("ICC1", ts), v.to_data(&mut name, &mut fields))
}

fn real(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

/// A report decoded against `members`: (member name, item) in order.
fn entries(pdu: &[u8], members: &[ObjectName<'_>]) -> Vec<(String, String)> {
    let ir = report(pdu);
    let items: Vec<VariableListItem<'_>> = members
        .iter()
        .map(|m| VariableListItem::named(*m))
        .collect();
    let r = TransferReport::new(&ir, Some(SeqOf::from_slice(&items))).unwrap();
    r.entries()
        .map(|e| {
            let e = e.unwrap();
            let v = match e.item {
                ReportItem::Point(_) => {
                    format!("{:?}", e.value(ValueKind::RealQ).unwrap().unwrap())
                }
                other => format!("{other:?}"),
            };
            (e.name.item().as_str().to_owned(), v)
        })
        .collect()
}

fn ds_members() -> [ObjectName<'static>; 4] {
    [
        dom("ICC1", "Transfer_Set_Name"),
        dom("ICC1", "DSConditions_Detected"),
        dom("ICC1", "Event_Code_Detected"),
        vmd("V_REAL"),
    ]
}

#[test]
fn a_1996_08_station_takes_12_member_transfer_sets_and_reports_with_them() {
    let (st, clock) = sample(StationConfig {
        version: Tase2Version::EDITION_1996_08,
        ..config()
    });
    let members = [
        dom("ICC1", "Transfer_Set_Name"),
        dom("ICC1", "Transfer_Set_Time_Stamp"),
        dom("ICC1", "DSConditions_Detected"),
        vmd("V_REAL"),
    ];
    let ts = setup(&st, &members);
    let v = read(&st, 1, vmd("TASE2_Version")).unwrap();
    assert_eq!(
        Tase2Version::from_data(&data(&v)).unwrap(),
        Tase2Version::EDITION_1996_08
    );
    // Written whole with 12 members (no EventCodeRequested), as a 1996-08 client does.
    let t = ts_value(DsConditions::INTERVAL_TIMEOUT, |t| {
        t.event_code_requested = None;
    });
    let mut name = [Data::Boolean(false); 3];
    let mut fields = [Data::Boolean(false); 13];
    let d = t.to_data(&mut name, &mut fields);
    let Data::Structure(s) = d else { panic!() };
    assert_eq!(s.len(), 12);
    write(&st, 1, dom("ICC1", &ts), d).unwrap();
    assert!(matches!(
        st.poll_event(),
        Some(StationEvent::TransferSetEnabled { association: 1, .. })
    ));
    // Read back: the 12 members written, Status true.
    let back = read(&st, 1, dom("ICC1", &ts)).unwrap();
    let back = DsTransferSet::from_data(&data(&back)).unwrap();
    assert_eq!(back, t);
    st.update(st.point(&Domain::Vcc, "V_REAL").unwrap(), real(7.25))
        .unwrap();
    assert!(drain(&st, Instant::from_micros(4_999_999)).is_empty());
    clock.advance(Duration::from_secs(5));
    let pdus = drain(&st, clock.now());
    assert_eq!(pdus.len(), 1);
    let e = entries(&pdus[0].1, &members);
    let names: Vec<&str> = e.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Transfer_Set_Name",
            "Transfer_Set_Time_Stamp",
            "DSConditions_Detected",
            "V_REAL"
        ]
    );
    assert_eq!(
        e[1].1,
        format!(
            "{:?}",
            ReportItem::TransferSetTimeStamp(i32::try_from(GMT0 + 5).unwrap())
        )
    );
    assert_eq!(e[3].1, format!("{:?}", real(7.25)));
}

#[test]
fn event_code_detected_echoes_the_requested_code() {
    let (st, clock) = sample(config());
    let members = ds_members();
    let ts = setup(&st, &members);
    write_ts(
        &st,
        &ts,
        &ts_value(DsConditions::INTERVAL_TIMEOUT, |t| {
            t.event_code_requested = Some(1234);
        }),
    )
    .unwrap();
    clock.advance(Duration::from_secs(5));
    let pdus = drain(&st, clock.now());
    assert_eq!(pdus.len(), 1);
    let e = entries(&pdus[0].1, &members);
    assert_eq!(e[2].0, "Event_Code_Detected");
    assert_eq!(e[2].1, format!("{:?}", ReportItem::EventCodeDetected(1234)));
    // On the wire: an Integer of that value in the third place of the named-list report.
    let ir = report(&pdus[0].1);
    assert!(matches!(
        ir.variable_access_specification,
        VariableAccessSpecification::VariableListName(n) if n.item().as_str() == "DS1"
    ));
    let r: Vec<_> = ir.results.iter().collect();
    assert_eq!(r[2], AccessResult::Success(Data::Integer(1234)));
}

#[test]
fn data_sets_are_read_by_name_and_list_their_members() {
    let (st, _) = sample(config());
    let members = [
        vmd("V_REAL"),
        dom("ICC1", "I1_STATE"),
        dom("ICC1", "I1_DISC"),
    ];
    setup(&st, &members);
    st.update(st.point(&Domain::Vcc, "V_REAL").unwrap(), real(3.5))
        .unwrap();
    // Read by variableListName: one result per member, each equal to the member's own read.
    let req = ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::VariableListName(dom(
            "ICC1", "DS1",
        )),
    });
    let got: Vec<Vec<u8>> = serve(&st, 1, 16_000, req, |r| {
        let Ok(ConfirmedServiceResponse::Read(r)) = r else {
            panic!("{r:?}")
        };
        r.results
            .iter()
            .map(|a| match a {
                AccessResult::Success(d) => bytes(&d),
                AccessResult::Failure(e) => panic!("{e:?}"),
            })
            .collect()
    });
    let single: Vec<Vec<u8>> = members.iter().map(|m| read(&st, 1, *m).unwrap()).collect();
    assert_eq!(got, single);
    assert_eq!(
        Value::decode(ValueKind::RealQ, &data(&got[0])).unwrap(),
        real(3.5)
    );
    // GetNamedVariableListAttributes: the members in order; a client's list is deletable,
    // the station's VCC_DS is not.
    let attrs = |name: ObjectName<'_>| {
        serve(
            &st,
            1,
            16_000,
            ConfirmedServiceRequest::GetNamedVariableListAttributes(name),
            |r| {
                let Ok(ConfirmedServiceResponse::GetNamedVariableListAttributes(r)) = r else {
                    panic!("{r:?}")
                };
                let names: Vec<String> = r
                    .variables
                    .iter()
                    .map(|i| match i.specification {
                        VariableSpecification::Name(n) => format!("{n:?}"),
                        other => panic!("{other:?}"),
                    })
                    .collect();
                (r.mms_deletable, names)
            },
        )
    };
    let (deletable, names) = attrs(dom("ICC1", "DS1"));
    assert!(deletable);
    assert_eq!(
        names,
        members.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>()
    );
    let (deletable, names) = attrs(vmd("VCC_DS"));
    assert!(!deletable);
    assert_eq!(
        names,
        [
            dom("ICC1", "Transfer_Set_Name"),
            dom("ICC1", "DSConditions_Detected"),
            vmd("V_REAL")
        ]
        .iter()
        .map(|m| format!("{m:?}"))
        .collect::<Vec<_>>()
    );
}

#[test]
fn start_time_delays_the_first_report_and_tle_drops_late_ones() {
    let (st, clock) = sample(config());
    let members = ds_members();
    let ts = setup(&st, &members);
    // StartTime 20 s ahead; interval 5 s: first report one period after the start, at 25 s.
    write_ts(
        &st,
        &ts,
        &ts_value(DsConditions::INTERVAL_TIMEOUT, |t| {
            t.start_time = i32::try_from(GMT0 + 20).unwrap();
        }),
    )
    .unwrap();
    for s in [5, 10, 15, 20] {
        clock.advance(Duration::from_secs(5));
        assert!(drain(&st, clock.now()).is_empty(), "report at {s} s");
    }
    assert!(drain(&st, Instant::from_micros(24_999_999)).is_empty());
    clock.advance(Duration::from_secs(5));
    let pdus = drain(&st, clock.now());
    assert_eq!(pdus.len(), 1, "report at 25 s");
    let e = entries(&pdus[0].1, &members);
    assert_eq!(
        e[1].1,
        format!(
            "{:?}",
            ReportItem::DsConditionsDetected(DsConditions(DsConditions::INTERVAL_TIMEOUT))
        )
    );

    // TLE 2 s on another station: polled 2 s late the report goes; 3 s late it is dropped
    // and ReportsExpired says so.
    let (st, clock) = sample(config());
    let ts = setup(&st, &members);
    write_ts(
        &st,
        &ts,
        &ts_value(DsConditions::INTERVAL_TIMEOUT, |t| t.tle = 2),
    )
    .unwrap();
    while st.poll_event().is_some() {}
    clock.advance(Duration::from_secs(7));
    assert_eq!(drain(&st, clock.now()).len(), 1, "2 s late, within TLE");
    clock.advance(Duration::from_secs(6));
    assert!(drain(&st, clock.now()).is_empty(), "3 s late: dropped");
    let events: Vec<_> = std::iter::from_fn(|| st.poll_event()).collect();
    assert!(
        events.iter().any(|e| matches!(
            e,
            StationEvent::ReportsExpired { association: 1, conditions, .. }
                if *conditions == DsConditions(DsConditions::INTERVAL_TIMEOUT)
        )),
        "{events:?}"
    );
    // The next interval report, polled on time, is sent.
    clock.advance(Duration::from_secs(2));
    assert_eq!(drain(&st, clock.now()).len(), 1, "15 s");
}

#[test]
fn operator_request_and_external_event_report_all_points_also_with_rbe() {
    let (st, _) = sample(config());
    let members = [
        dom("ICC1", "Transfer_Set_Name"),
        dom("ICC1", "DSConditions_Detected"),
        vmd("V_REAL"),
        dom("ICC1", "I1_STATE"),
    ];
    let ts = setup(&st, &members);
    let v_real = st.point(&Domain::Vcc, "V_REAL").unwrap();
    st.update(v_real, real(1.5)).unwrap();
    write_ts(
        &st,
        &ts,
        &ts_value(
            DsConditions::OBJECT_CHANGE
                | DsConditions::OPERATOR_REQUEST
                | DsConditions::OTHER_EXTERNAL_EVENT,
            |t| {
                t.rbe = true;
                t.interval = 0;
                t.integrity_check = 0;
            },
        ),
    )
    .unwrap();
    assert!(drain(&st, Instant::ZERO).is_empty(), "nothing changed");
    let names = |pdu: &[u8]| -> (u8, Vec<String>) {
        let ir = report(pdu);
        let items: Vec<VariableListItem<'_>> = members
            .iter()
            .map(|m| VariableListItem::named(*m))
            .collect();
        let r = TransferReport::new(&ir, Some(SeqOf::from_slice(&items))).unwrap();
        let mut c = 0;
        let mut n = Vec::new();
        for e in r.entries() {
            let e = e.unwrap();
            if let ReportItem::DsConditionsDetected(d) = e.item {
                c = d.0;
            }
            n.push(e.name.item().as_str().to_owned());
        }
        (c, n)
    };
    let all = [
        "Transfer_Set_Name",
        "DSConditions_Detected",
        "V_REAL",
        "I1_STATE",
    ];
    for (external, icc, cond) in [
        (true, Some("ICC1"), DsConditions::OTHER_EXTERNAL_EVENT),
        (false, None, DsConditions::OPERATOR_REQUEST),
    ] {
        if external {
            st.external_event(icc);
        } else {
            st.operator_request(icc);
        }
        let pdus = drain(&st, Instant::ZERO);
        assert_eq!(pdus.len(), 1);
        let (c, n) = names(&pdus[0].1);
        assert_eq!(c, cond);
        assert_eq!(n, all, "all points, though none changed");
    }
    // A change still gives an RBE report of the change only.
    st.update(v_real, real(2.5)).unwrap();
    let pdus = drain(&st, Instant::ZERO);
    assert_eq!(pdus.len(), 1);
    let (c, n) = names(&pdus[0].1);
    assert_eq!(c, DsConditions::OBJECT_CHANGE);
    assert!(
        n.contains(&"V_REAL".to_owned()) && !n.contains(&"I1_STATE".to_owned()),
        "{n:?}"
    );
    // External event for another ICC: nothing.
    st.external_event(Some("ICC2"));
    assert!(drain(&st, Instant::ZERO).is_empty());
}

#[test]
fn device_refusals_of_invalid_values_answer_object_value_invalid() {
    let (st, _) = sample(config());
    icc1(&st, 1);
    let invalid = Err(DataAccessError::ObjectValueInvalid);
    for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert_eq!(
            write(
                &st,
                1,
                dom("ICC1", "SP1"),
                Data::FloatingPoint(FloatingPoint::Single(v))
            ),
            invalid,
            "set-point {v}"
        );
    }
    // Wrong kind: type-inconsistent.
    assert_eq!(
        write(&st, 1, dom("ICC1", "SP1"), Data::Integer(3)),
        Err(DataAccessError::TypeInconsistent)
    );
    let long = "x".repeat(65);
    for (tag, reason) in [
        (TagState::Invalid, "bad"),
        (TagState::OpenAndCloseInhibit, long.as_str()),
    ] {
        let t = TagValue {
            tag,
            armed_for_execution: false,
            reason,
        };
        let mut f = [Data::Boolean(false); 2];
        assert_eq!(
            write(&st, 1, dom("ICC1", "BRK1_TAG"), t.to_data(&mut f)),
            invalid,
            "{tag:?} / {} octets",
            reason.len()
        );
    }
    // None of them reached the application, and the tag is unchanged.
    assert!(std::iter::from_fn(|| st.poll_event()).all(|e| !matches!(
        e,
        StationEvent::Operate { .. } | StationEvent::TagChanged { .. }
    )));
    let tag = read(&st, 1, dom("ICC1", "BRK1_TAG")).unwrap();
    assert_eq!(
        TagValue::from_data(&data(&tag)).unwrap().tag,
        TagState::NoTag
    );
    // 64 octets are accepted.
    let t = TagValue {
        tag: TagState::OpenAndCloseInhibit,
        armed_for_execution: false,
        reason: &long[..64],
    };
    let mut f = [Data::Boolean(false); 2];
    write(&st, 1, dom("ICC1", "BRK1_TAG"), t.to_data(&mut f)).unwrap();
}

/// Whether `d` has the shape of `t`.
fn conforms(t: &TypeSpecification<'_>, d: &Data<'_>) -> bool {
    let TypeSpecification::Description(t) = t else {
        return false;
    };
    match (t, d) {
        (
            TypeDescription::FloatingPoint {
                format_width: 32,
                exponent_width: 8,
            },
            Data::FloatingPoint(FloatingPoint::Single(_)),
        ) => true,
        (TypeDescription::Integer(_), Data::Integer(_))
        | (TypeDescription::Unsigned(_), Data::Unsigned(_))
        | (TypeDescription::VisibleString(_), Data::VisibleString(_)) => true,
        (TypeDescription::BitString(n), Data::BitString(b)) => {
            usize::try_from(*n).unwrap() == b.len()
        }
        (TypeDescription::Structure { components, .. }, Data::Structure(s)) => {
            components.len() == s.len()
                && components
                    .iter()
                    .zip(s.iter())
                    .all(|(c, v)| conforms(&c.component_type, &v))
        }
        _ => false,
    }
}

fn attributes(st: &Tase2Station, a: u64, name: ObjectName<'_>) -> (String, Vec<String>, bool) {
    serve(
        st,
        a,
        16_000,
        ConfirmedServiceRequest::GetVariableAccessAttributes(
            GetVariableAccessAttributesRequest::Name(name),
        ),
        |r| {
            let Ok(ConfirmedServiceResponse::GetVariableAccessAttributes(r)) = r else {
                panic!("{r:?}")
            };
            let t = r.type_specification;
            let value = read(st, a, name);
            let ok = value.as_ref().map_or(true, |v| conforms(&t, &data(v)));
            let TypeSpecification::Description(d) = t else {
                panic!("{t:?}")
            };
            let (top, comps) = match d {
                TypeDescription::Structure { components, .. } => (
                    "structure".to_owned(),
                    components
                        .iter()
                        .map(|c| c.name.unwrap().as_str().to_owned())
                        .collect(),
                ),
                other => (format!("{other:?}"), Vec::new()),
            };
            (top, comps, ok)
        },
    )
}

#[test]
fn every_value_kind_and_device_has_its_type() {
    let (st, _) = sample(config());
    let names: Vec<String> = ValueKind::ALL.iter().map(|k| format!("K_{k:?}")).collect();
    for (k, n) in ValueKind::ALL.iter().zip(&names) {
        st.add_point(PointConfig {
            domain: Domain::Vcc,
            name: n.clone(),
            kind: *k,
            initial: None,
        })
        .unwrap();
    }
    // Table ICC2 reads every VCC object by default.
    associate(&st, 2, &PEER2_OID, None, None).unwrap();
    let float = format!(
        "{:?}",
        TypeDescription::FloatingPoint {
            format_width: 32,
            exponent_width: 8
        }
    );
    let bits8 = format!("{:?}", TypeDescription::BitString(8));
    let i32_ = format!("{:?}", TypeDescription::Integer(32));
    for (k, n) in ValueKind::ALL.iter().zip(&names) {
        let (top, comps, ok) = attributes(&st, 2, vmd(n));
        assert!(read(&st, 2, vmd(n)).is_ok(), "{k:?} readable");
        assert!(ok, "{k:?}: the value read does not have the type answered");
        let want: (&str, &[&str]) = match k {
            ValueKind::Real => (&float, &[]),
            ValueKind::State | ValueKind::Flags | ValueKind::StateQ => (&bits8, &[]),
            ValueKind::Discrete => (&i32_, &[]),
            ValueKind::RealQ | ValueKind::DiscreteQ => ("structure", &["Value", "Flags"]),
            ValueKind::RealQTimeTag
            | ValueKind::DiscreteQTimeTag
            | ValueKind::RealQTimeTagExtended
            | ValueKind::DiscreteQTimeTagExtended => {
                ("structure", &["Value", "TimeStamp", "Flags"])
            }
            ValueKind::StateQTimeTag | ValueKind::StateQTimeTagExtended => {
                ("structure", &["TimeStamp", "Flags"])
            }
            ValueKind::RealExtended | ValueKind::DiscreteExtended => {
                ("structure", &["Value", "TimeStamp", "Flags", "COV"])
            }
            ValueKind::StateExtended => ("structure", &["TimeStamp", "Flags", "COV"]),
        };
        assert_eq!(
            (top.as_str(), comps.as_slice()),
            (
                want.0,
                &want.1.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()[..]
            ),
            "{k:?}"
        );
    }
    // Devices (ICC1): the command is an Integer16, the real set-point a float; the tag a
    // structure of Flags and Reason.
    icc1(&st, 1);
    let (top, _, _) = attributes(&st, 1, dom("ICC1", "BRK1"));
    assert_eq!(top, format!("{:?}", TypeDescription::Integer(16)));
    let (top, _, _) = attributes(&st, 1, dom("ICC1", "SP1"));
    assert_eq!(top, float);
    let (top, comps, ok) = attributes(&st, 1, dom("ICC1", "BRK1_TAG"));
    assert_eq!(
        (top.as_str(), comps),
        ("structure", vec!["Flags".to_owned(), "Reason".to_owned()])
    );
    assert!(ok);
}
