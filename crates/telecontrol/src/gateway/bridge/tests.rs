#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use asdu::{
    AsduBuilder, AsduParams, Cause, CommonAddress, Cot, Cp56Time2a, Ioa, Qds, Quality, Sco, Siq,
    TypeId,
};
use tase2_transfer_sets::{State, Value};

fn bridge() -> Bridge {
    let config = GatewayConfig::demo(
        "127.0.0.1:10102".parse().unwrap(),
        "127.0.0.1:2404".parse().unwrap(),
    );
    Bridge::build(&config, StationConfig::default(), |c| {
        Arc::new(Tase2Station::new(c, || telecontrol_core::Instant::ZERO))
    })
    .unwrap()
}

fn asdu(t: TypeId, ca: u16, objects: &[(u32, AsduValue<'_>)], out: &mut [u8]) -> usize {
    let mut b = AsduBuilder::new(
        &AsduParams::IEC104,
        t,
        Cot::new(Cause::SPONTANEOUS),
        CommonAddress(ca),
        false,
        out,
    )
    .unwrap();
    for (a, v) in objects {
        b.push(Ioa::new(*a).unwrap(), v).unwrap();
    }
    b.len()
}

#[test]
fn rtu_objects_update_their_points_with_time_and_quality() {
    let b = bridge();
    let t = Cp56Time2a::from_unix_millis(1_779_868_092_250, 2000).unwrap();
    let mut buf = [0u8; 255];
    let n = asdu(
        TypeId::MSpTb1,
        1,
        &[
            (100, AsduValue::MSpTb1(Siq::new(true, Quality::GOOD), t)),
            // Not mapped: ignored.
            (101, AsduValue::MSpTb1(Siq::new(true, Quality::GOOD), t)),
        ],
        &mut buf,
    );
    let view = AsduView::decode(&AsduParams::IEC104, &buf[..n]).unwrap();
    let updated = b.on_asdu(0, &view, 1_779_868_100_000);
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].0, "RTU1_BRK1_POS");
    let id = b.station().point(&Domain::Vcc, "RTU1_BRK1_POS").unwrap();
    assert_eq!(b.station().value(id), Some(updated[0].1));
    let Some(Value::StateQTimeTagExtended(v)) = b.station().value(id) else {
        panic!("{:?}", b.station().value(id))
    };
    assert_eq!(v.flags.state(), State::Closed);
    assert_eq!(v.time_stamp.gmt_based_s, 1_779_868_092);
    assert_eq!(v.time_stamp.milliseconds, 250);

    // Another common address, or another RTU index: not this point.
    let n = asdu(
        TypeId::MSpTb1,
        2,
        &[(100, AsduValue::MSpTb1(Siq::new(false, Quality::GOOD), t))],
        &mut buf,
    );
    let view = AsduView::decode(&AsduParams::IEC104, &buf[..n]).unwrap();
    assert!(b.on_asdu(0, &view, 0).is_empty());

    // A measurement published as real, with its quality.
    let n = asdu(
        TypeId::MMeNc1,
        1,
        &[(
            701,
            AsduValue::MMeNc1(231.5, Qds::new(Quality::GOOD.with_invalid(true))),
        )],
        &mut buf,
    );
    let view = AsduView::decode(&AsduParams::IEC104, &buf[..n]).unwrap();
    assert_eq!(b.on_asdu(0, &view, 1_779_868_100_000).len(), 1);
    let id = b.station().point(&Domain::Vcc, "RTU1_KV").unwrap();
    let Some(Value::RealQTimeTagExtended(v)) = b.station().value(id) else {
        panic!()
    };
    assert_eq!(v.value, 231.5);
    assert_eq!(v.flags.validity(), tase2_transfer_sets::Validity::NotValid);
}

#[test]
fn operations_route_to_the_rtu_command() {
    let b = bridge();
    let (route, value) = b.route("RTU1_BRK1", DeviceValue::Command(1)).unwrap();
    assert_eq!((route.rtu, route.ca, route.ioa), (0, 1, 1100));
    assert!(route.select);
    assert_eq!(
        value,
        AsduValue::CScNa1(Sco::new(true, asdu::Qu::NONE, false))
    );
    assert_eq!(
        b.route("RTU1_BRK1", DeviceValue::RealSetPoint(3.0)),
        Err(RouteError::Map(CommandMapError::WrongKind))
    );
    assert!(matches!(
        b.route("NOPE", DeviceValue::Command(1)),
        Err(RouteError::UnknownDevice(_))
    ));
    assert_eq!(b.device_names().collect::<Vec<_>>(), ["RTU1_BRK1"]);
}
