#![allow(clippy::unwrap_used, clippy::float_cmp)]

use super::*;
use asdu::{Bcr, Diq, Qds, Siq, Vti};

const T0: u64 = 1_779_868_092_250; // 2026-05-27 07:48:12.250 UTC

fn cp56(ms: u64) -> Cp56Time2a {
    Cp56Time2a::from_unix_millis(ms, 2000).unwrap()
}

#[test]
fn single_and_double_points_become_states_with_their_time_tag() {
    let v = AsduValue::MSpTb1(Siq::new(true, AsduQuality::GOOD), cp56(T0 - 5_000));
    let Some(Value::StateQTimeTagExtended(s)) = point_value(&v, PointKind::State, T0, 2000) else {
        panic!("not a state")
    };
    assert_eq!(s.flags.state(), State::Closed);
    assert_eq!(s.flags.validity(), Validity::Valid);
    assert_eq!(s.time_stamp, time_stamp(T0 - 5_000));
    assert_eq!(s.time_stamp.milliseconds, 250);
    assert!(!s.flags.time_stamp_invalid());

    let off = AsduValue::MSpNa1(Siq::new(false, AsduQuality::GOOD));
    let Some(Value::StateQTimeTagExtended(s)) = point_value(&off, PointKind::State, T0, 2000)
    else {
        panic!("not a state")
    };
    assert_eq!(s.flags.state(), State::Tripped);
    assert_eq!(s.time_stamp, time_stamp(T0), "no tag: the receive time");

    for (dpi, state) in [
        (Dpi::Intermediate, State::Between),
        (Dpi::Off, State::Tripped),
        (Dpi::On, State::Closed),
        (Dpi::Indeterminate, State::Invalid),
    ] {
        let d = AsduValue::MDpNa1(Diq::new(dpi, AsduQuality::GOOD));
        let Some(Value::StateQTimeTagExtended(s)) = point_value(&d, PointKind::State, T0, 2000)
        else {
            panic!("not a state")
        };
        assert_eq!(s.flags.state(), state);
    }
}

#[test]
fn quality_maps_to_validity_and_source() {
    let q = AsduQuality::GOOD;
    assert_eq!(flags(q).validity(), Validity::Valid);
    assert_eq!(
        flags(q.with_invalid(true).with_not_topical(true)).validity(),
        Validity::NotValid
    );
    assert_eq!(flags(q.with_not_topical(true)).validity(), Validity::Held);
    assert_eq!(flags(q.with_blocked(true)).validity(), Validity::Suspect);
    assert_eq!(flags(q.with_overflow(true)).validity(), Validity::Suspect);
    assert_eq!(
        flags(q.with_substituted(true)).current_source(),
        CurrentSource::Entered
    );
    assert_eq!(flags(q).current_source(), CurrentSource::Telemetered);

    let bad_time = cp56(T0).with_invalid(true);
    let v = AsduValue::MMeTf1(1.5, Qds::new(q.with_invalid(true)), bad_time);
    let Some(Value::RealQTimeTagExtended(r)) = point_value(&v, PointKind::Real, T0, 2000) else {
        panic!("not real")
    };
    assert_eq!(r.value, 1.5);
    assert_eq!(r.flags.validity(), Validity::NotValid);
    assert!(r.flags.time_stamp_invalid());
}

#[test]
fn measurements_and_counters() {
    let q = Qds::new(AsduQuality::GOOD);
    let cases: [(AsduValue<'static>, PointKind, f64); 5] = [
        (
            AsduValue::MMeNa1(Nva::from_f32(0.5), q),
            PointKind::Real,
            0.5,
        ),
        (AsduValue::MMeNb1(Sva(-1200), q), PointKind::Real, -1200.0),
        (AsduValue::MMeNc1(230.25, q), PointKind::Real, 230.25),
        (
            AsduValue::MStNa1(Vti::new(-7, false).unwrap(), q),
            PointKind::Discrete,
            -7.0,
        ),
        (
            AsduValue::MItNa1(Bcr::new(123_456, 1).unwrap()),
            PointKind::Discrete,
            123_456.0,
        ),
    ];
    for (v, kind, want) in cases {
        assert_eq!(PointKind::of(&v), Some(kind));
        match point_value(&v, kind, T0, 2000).unwrap() {
            Value::RealQTimeTagExtended(r) => assert_eq!(f64::from(r.value), want),
            Value::DiscreteQTimeTagExtended(d) => assert_eq!(f64::from(d.value), want),
            other => panic!("{other:?}"),
        }
    }
    // A scaled value may be published as discrete; a measurement never as a state.
    let s = AsduValue::MMeNb1(Sva(42), q);
    assert!(matches!(
        point_value(&s, PointKind::Discrete, T0, 2000),
        Some(Value::DiscreteQTimeTagExtended(d)) if d.value == 42
    ));
    assert_eq!(point_value(&s, PointKind::State, T0, 2000), None);
    assert_eq!(PointKind::of(&AsduValue::CIcNa1(asdu::Qoi::STATION)), None);
}

#[test]
fn cp24_tags_take_the_hour_of_reception() {
    // Received 07:48:12.250; tagged minute 47, 59.000 s → 07:47:59.000.
    let tag = asdu::Cp24Time2a::new(47, 59_000).unwrap();
    let v = AsduValue::MSpTa1(Siq::new(true, AsduQuality::GOOD), tag);
    let Some(Value::StateQTimeTagExtended(s)) = point_value(&v, PointKind::State, T0, 2000) else {
        panic!()
    };
    assert_eq!(s.time_stamp, time_stamp(T0 - 13_250));
    // Tagged minute 59 while received at minute 48: the previous hour.
    let tag = asdu::Cp24Time2a::new(59, 0).unwrap();
    let v = AsduValue::MSpTa1(Siq::new(true, AsduQuality::GOOD), tag);
    let Some(Value::StateQTimeTagExtended(s)) = point_value(&v, PointKind::State, T0, 2000) else {
        panic!()
    };
    assert_eq!(
        s.time_stamp,
        time_stamp(T0 - 12_250 - 48 * 60_000 + 59 * 60_000 - 3_600_000)
    );
}

#[test]
fn device_operations_become_commands() {
    let on = command_value(CommandKind::Single, DeviceValue::Command(1)).unwrap();
    assert_eq!(on, AsduValue::CScNa1(Sco::new(true, Qu::NONE, false)));
    let off = command_value(CommandKind::Double, DeviceValue::Command(0)).unwrap();
    assert_eq!(off, AsduValue::CDcNa1(Dco::new(Dpi::Off, Qu::NONE, false)));
    assert_eq!(
        command_value(CommandKind::Single, DeviceValue::Command(2)),
        Err(CommandMapError::OutOfRange)
    );
    assert_eq!(
        command_value(CommandKind::Single, DeviceValue::RealSetPoint(1.0)),
        Err(CommandMapError::WrongKind)
    );
    assert_eq!(
        command_value(CommandKind::Scaled, DeviceValue::DiscreteSetPoint(-5)).unwrap(),
        AsduValue::CSeNb1(Sva(-5), Qos::default())
    );
    assert_eq!(
        command_value(CommandKind::Float, DeviceValue::RealSetPoint(49.9)).unwrap(),
        AsduValue::CSeNc1(49.9, Qos::default())
    );
    assert_eq!(
        command_value(CommandKind::Normalized, DeviceValue::RealSetPoint(1.5)),
        Err(CommandMapError::OutOfRange)
    );
    assert_eq!(
        command_value(CommandKind::Float, DeviceValue::RealSetPoint(f32::NAN)),
        Err(CommandMapError::OutOfRange)
    );
    for k in [
        "single",
        "double",
        "normalized",
        "scaled",
        "float",
        "C_SC_NA_1",
    ] {
        assert!(CommandKind::parse(k).is_some(), "{k}");
    }
    assert_eq!(CommandKind::parse("step"), None);
}
