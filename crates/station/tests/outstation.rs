//! The outstation alone, request bytes in, exact answer bytes out (104 profile unless said).
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)]

mod common;

use core::time::Duration;

use asdu::{
    AsduParams, AsduView, Cause, Coi, CommonAddress, Cot, Cp56Time2a, Fbp, Frz, Qcc, Qoi, Qrp, Tsc,
    TypeId, Value,
};
use common::{CA, Pair, asdu, mirrored, points};
use telecontrol_core::Instant;
use telecontrol_station::{CommandAction, CommandAnswer, Event, OutstationConfig, Profile};

const P: AsduParams = AsduParams::IEC104;

fn act(t: TypeId, ca: CommonAddress, ioa: u32, v: Value<'_>) -> Vec<u8> {
    asdu(&P, t, Cot::new(Cause::ACTIVATION), ca, ioa, v)
}

#[test]
fn general_interrogation_exact_confirmation_data_and_termination() {
    let mut pts = points(300);
    let mut pair = Pair::iec104(&mut pts);
    let req = act(TypeId::CIcNa1, CA, 0, Value::CIcNa1(Qoi::STATION));
    assert_eq!(req, [100, 1, 6, 0, 1, 0, 0, 0, 0, 20]);
    let out = pair.request(&req);
    assert_eq!(out[0], [100, 1, 7, 0, 1, 0, 0, 0, 0, 20]);
    assert_eq!(out.last().unwrap(), &[100, 1, 10, 0, 1, 0, 0, 0, 0, 20]);
    let data = &out[1..out.len() - 1];
    // 300 single points at 1000..1300: SQ=1, 6 + 3 + n octets, at most 127 per ASDU.
    assert_eq!(data[0][..6], [1, 0x80 | 127, 20, 0, 1, 0]);
    assert_eq!(data[0][6..9], [0xE8, 0x03, 0]);
    assert_eq!(data[0].len(), 9 + 127);
    let mut singles = 0;
    let mut measured = 0;
    let mut ioas = Vec::new();
    for d in data {
        let v = AsduView::decode(&P, d).unwrap();
        assert_eq!(v.cot().cause, Cause::INTERROGATED);
        for o in v.objects() {
            ioas.push(o.ioa.value());
            match o.value {
                Value::MSpNa1(s) => {
                    assert_eq!(s.spi(), (o.ioa.value() - 1000) % 2 == 0);
                    singles += 1;
                }
                Value::MMeNa1(..) => measured += 1,
                Value::MDpNa1(..) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!((singles, measured), (300, 10));
    assert!(
        ioas.windows(2).all(|w| w[0] < w[1]),
        "ascending, no repeats"
    );
    // Measured values at even addresses: one SQ=0 ASDU of 10 objects.
    let me = data.iter().find(|d| d[0] == 9).unwrap();
    assert_eq!(me[1], 10);
    assert_eq!(me.len(), 6 + 10 * (3 + 3));
    assert!(
        !ioas.iter().any(|i| (6000..6004).contains(i)),
        "counters are not in a GI"
    );
}

#[test]
fn group_interrogation_answers_only_the_group_with_its_cause() {
    let mut pts = points(30);
    let mut pair = Pair::iec104(&mut pts);
    let req = act(TypeId::CIcNa1, CA, 0, Value::CIcNa1(Qoi::group(2).unwrap()));
    let out = pair.request(&req);
    assert_eq!(out[0], mirrored(&req, Cause::ACTIVATION_CON, false));
    assert_eq!(
        out.last().unwrap(),
        &mirrored(&req, Cause::ACTIVATION_TERM, false)
    );
    assert_eq!(out.len(), 3);
    let v = AsduView::decode(&P, &out[1]).unwrap();
    assert_eq!(v.cot().cause.value(), 22);
    assert!(!v.sq());
    let ioas: Vec<u32> = v.objects().map(|o| o.ioa.value()).collect();
    assert_eq!(
        ioas,
        (0..30).step_by(3).map(|i| 1000 + i).collect::<Vec<_>>()
    );
    // An empty group: confirmation and termination only.
    let req = act(
        TypeId::CIcNa1,
        CA,
        0,
        Value::CIcNa1(Qoi::group(16).unwrap()),
    );
    assert_eq!(pair.request(&req).len(), 2);
}

#[test]
fn second_interrogation_while_one_runs_is_refused_and_deactivation_stops_it() {
    let mut pts = points(300);
    let mut pair = Pair::iec104(&mut pts);
    let req = act(TypeId::CIcNa1, CA, 0, Value::CIcNa1(Qoi::STATION));
    pair.outstation.handle_input(pair.now, &req);
    let mut buf = [0u8; 255];
    let n = pair.outstation.poll_transmit(&mut buf).unwrap();
    assert_eq!(buf[..n], mirrored(&req, Cause::ACTIVATION_CON, false));
    let out = pair.request(&req);
    assert_eq!(out[0], mirrored(&req, Cause::ACTIVATION_CON, true));
    assert!(out.len() > 2, "the first one goes on");
    let mut pts = points(300);
    let mut pair = Pair::iec104(&mut pts);
    pair.outstation.handle_input(pair.now, &req);
    pair.outstation.poll_transmit(&mut buf).unwrap();
    let deact = asdu(
        &P,
        TypeId::CIcNa1,
        Cot::new(Cause::DEACTIVATION),
        CA,
        0,
        Value::CIcNa1(Qoi::STATION),
    );
    let out = pair.request(&deact);
    assert_eq!(out, [mirrored(&deact, Cause::DEACTIVATION_CON, false)]);
    assert_eq!(
        pair.request(&deact),
        [mirrored(&deact, Cause::DEACTIVATION_CON, true)]
    );
}

#[test]
fn counter_interrogation_general_group_and_freeze() {
    let mut pts = points(3);
    let mut pair = Pair::iec104(&mut pts);
    let req = act(
        TypeId::CCiNa1,
        CA,
        0,
        Value::CCiNa1(Qcc::new(5, Frz::Read).unwrap()),
    );
    let out = pair.request(&req);
    assert_eq!(out.len(), 3);
    assert_eq!(out[0], mirrored(&req, Cause::ACTIVATION_CON, false));
    // 4 counters 6000..6003, SQ=1, M_IT_NA_1, cause 37.
    assert_eq!(out[1][..9], [15, 0x84, 37, 0, 1, 0, 0x70, 0x17, 0]);
    assert_eq!(out[1].len(), 9 + 4 * 5);
    assert_eq!(out[2], mirrored(&req, Cause::ACTIVATION_TERM, false));
    let req = act(
        TypeId::CCiNa1,
        CA,
        0,
        Value::CCiNa1(Qcc::new(2, Frz::Read).unwrap()),
    );
    let out = pair.request(&req);
    let v = AsduView::decode(&P, &out[1]).unwrap();
    assert_eq!(v.cot().cause.value(), 39);
    assert_eq!(
        v.objects().map(|o| o.ioa.value()).collect::<Vec<_>>(),
        [6002, 6003]
    );
    let req = act(
        TypeId::CCiNa1,
        CA,
        0,
        Value::CCiNa1(Qcc::new(5, Frz::Freeze).unwrap()),
    );
    let out = pair.request(&req);
    assert_eq!(
        out,
        [
            mirrored(&req, Cause::ACTIVATION_CON, false),
            mirrored(&req, Cause::ACTIVATION_TERM, false)
        ]
    );
    let req = act(
        TypeId::CCiNa1,
        CA,
        0,
        Value::CCiNa1(Qcc::new(9, Frz::Read).unwrap()),
    );
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, true)]
    );
}

#[test]
fn clock_sync_is_confirmed_to_the_requester_and_handed_to_the_application() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    let time = Cp56Time2a::new(26, 11, 22, 3, 30, 15_000).unwrap();
    let mut req = act(TypeId::CCsNa1, CA, 0, Value::CCsNa1(time));
    req[3] = 7; // originator address 7
    let out = pair.request(&req);
    assert_eq!(out, [mirrored(&req, Cause::ACTIVATION_CON, false)]);
    assert_eq!(out[0][3], 7);
    assert_eq!(pair.take_events(), [Event::ClockSync { ca: CA, time }]);
    let ms = time.to_unix_millis(2000).unwrap();
    assert_eq!(
        pair.outstation
            .wall_clock(pair.now + Duration::from_secs(2)),
        Some(ms + 2000)
    );
    let bad = act(
        TypeId::CCsNa1,
        CA,
        0,
        Value::CCsNa1(time.with_invalid(true)),
    );
    assert_eq!(
        pair.request(&bad),
        [mirrored(&bad, Cause::ACTIVATION_CON, true)]
    );
    assert!(pair.take_events().is_empty());
}

#[test]
fn read_known_and_unknown_object() {
    let mut pts = points(5);
    let mut pair = Pair::iec104(&mut pts);
    let req = asdu(
        &P,
        TypeId::CRdNa1,
        Cot::new(Cause::REQUEST),
        CA,
        1003,
        Value::CRdNa1,
    );
    assert_eq!(req, [102, 1, 5, 0, 1, 0, 0xEB, 0x03, 0]);
    assert_eq!(
        pair.request(&req),
        [vec![1, 1, 5, 0, 1, 0, 0xEB, 0x03, 0, 0]]
    );
    let req = asdu(
        &P,
        TypeId::CRdNa1,
        Cot::new(Cause::REQUEST),
        CA,
        999,
        Value::CRdNa1,
    );
    assert_eq!(
        pair.request(&req),
        [vec![102, 1, 0x40 | 47, 0, 1, 0, 0xE7, 0x03, 0]]
    );
}

#[test]
fn test_command_104_echo_and_101_pattern() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    let time = Cp56Time2a::new(26, 1, 2, 3, 4, 5).unwrap();
    let req = act(TypeId::CTsTa1, CA, 0, Value::CTsTa1(Tsc(0x1234), time));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, false)]
    );
    let req = act(TypeId::CTsNa1, CA, 0, Value::CTsNa1(Fbp::STANDARD));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_TYPE, true)],
        "101 only"
    );

    let p = AsduParams::IEC101_COMPACT;
    let mut pts = points(1);
    let mut pair = Pair::new(OutstationConfig::new(p, CA), &mut pts);
    assert_eq!(pair.outstation.config().profile, Profile::Iec101);
    let req = asdu(
        &p,
        TypeId::CTsNa1,
        Cot::new(Cause::ACTIVATION),
        CA,
        0,
        Value::CTsNa1(Fbp::STANDARD),
    );
    assert_eq!(req, [104, 1, 6, 1, 0, 0, 0xAA, 0x55]);
    assert_eq!(pair.request(&req), [vec![104, 1, 7, 1, 0, 0, 0xAA, 0x55]]);
    let req = asdu(
        &p,
        TypeId::CTsNa1,
        Cot::new(Cause::ACTIVATION),
        CA,
        0,
        Value::CTsNa1(Fbp(1)),
    );
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, true)]
    );
}

#[test]
fn reset_process_and_delay_acquisition() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    let req = act(TypeId::CRpNa1, CA, 0, Value::CRpNa1(Qrp::GENERAL));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, false)]
    );
    assert_eq!(
        pair.take_events(),
        [Event::ResetProcess {
            ca: CA,
            qrp: Qrp::GENERAL
        }]
    );
    let delay = asdu::Cp16Time2a::new(250).unwrap();
    let req = act(TypeId::CCdNa1, CA, 0, Value::CCdNa1(delay));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_TYPE, true)],
        "not in 104"
    );

    let p = AsduParams::IEC101_COMPACT;
    let mut pts = points(1);
    let mut config = OutstationConfig::new(p, CA);
    let req = asdu(
        &p,
        TypeId::CCdNa1,
        Cot::new(Cause::ACTIVATION),
        CA,
        0,
        Value::CCdNa1(delay),
    );
    let mut pair = Pair::new(config.clone(), &mut pts);
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_TYPE, true)],
        "not accepted"
    );
    config.accept_delay_acquisition = true;
    let mut pts = points(1);
    let mut pair = Pair::new(config, &mut pts);
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, false)]
    );
    let spont = asdu(
        &p,
        TypeId::CCdNa1,
        Cot::new(Cause::SPONTANEOUS),
        CA,
        0,
        Value::CCdNa1(delay),
    );
    assert!(pair.request(&spont).is_empty());
    assert_eq!(
        pair.take_events(),
        [
            Event::DelayAcquisition {
                ca: CA,
                delay,
                cause: Cause::ACTIVATION
            },
            Event::DelayAcquisition {
                ca: CA,
                delay,
                cause: Cause::SPONTANEOUS
            },
        ]
    );
}

#[test]
fn negative_confirmations_44_to_47() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    // 44: undefined type 22, a monitor type in control direction, a 101-only type in 104.
    let undefined = [22, 1, 6, 0, 1, 0, 1, 0, 0, 0];
    assert_eq!(
        pair.request(&undefined),
        [vec![22, 1, 0x40 | 44, 0, 1, 0, 1, 0, 0, 0]]
    );
    let monitor = act(TypeId::MSpNa1, CA, 5, Value::MSpNa1(Default::default()));
    assert_eq!(
        pair.request(&monitor),
        [mirrored(&monitor, Cause::UNKNOWN_TYPE, true)]
    );
    let raw = [200, 1, 6, 0, 1, 0, 1, 0, 0, 9, 9];
    assert_eq!(
        pair.request(&raw),
        [mirrored(&raw, Cause::UNKNOWN_TYPE, true)]
    );
    // 45: interrogation with cause spontaneous; cause 0; a read with cause activation.
    let req = asdu(
        &P,
        TypeId::CIcNa1,
        Cot::new(Cause::SPONTANEOUS),
        CA,
        0,
        Value::CIcNa1(Qoi::STATION),
    );
    assert_eq!(
        pair.request(&req),
        [vec![100, 1, 0x40 | 45, 0, 1, 0, 0, 0, 0, 20]]
    );
    let zero = [100, 1, 0, 0, 1, 0, 0, 0, 0, 20];
    assert_eq!(
        pair.request(&zero),
        [vec![100, 1, 0x40 | 45, 0, 1, 0, 0, 0, 0, 20]]
    );
    let req = act(TypeId::CRdNa1, CA, 1000, Value::CRdNa1);
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_CAUSE, true)]
    );
    // 46: unknown common address; broadcast where it is not allowed (read, command).
    let req = act(
        TypeId::CIcNa1,
        CommonAddress(2),
        0,
        Value::CIcNa1(Qoi::STATION),
    );
    assert_eq!(
        pair.request(&req),
        [vec![100, 1, 0x40 | 46, 0, 2, 0, 0, 0, 0, 20]]
    );
    let bc = CommonAddress::broadcast(&P);
    let sco = asdu::Sco::new(true, asdu::Qu::NONE, false);
    let req = act(TypeId::CScNa1, bc, 100, Value::CScNa1(sco));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_CA, true)]
    );
    let req = asdu(
        &P,
        TypeId::CRdNa1,
        Cot::new(Cause::REQUEST),
        bc,
        1000,
        Value::CRdNa1,
    );
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_CA, true)]
    );
    // 47: command to an unknown object; interrogation with address ≠ 0.
    let req = act(TypeId::CScNa1, CA, 4242, Value::CScNa1(sco));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_IOA, true)]
    );
    let req = act(TypeId::CIcNa1, CA, 5, Value::CIcNa1(Qoi::STATION));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_IOA, true)]
    );
    // The T bit and the originator are kept.
    let mut req = act(
        TypeId::CIcNa1,
        CommonAddress(9),
        0,
        Value::CIcNa1(Qoi::STATION),
    );
    req[2] |= 0x80;
    req[3] = 3;
    assert_eq!(
        pair.request(&req),
        [vec![100, 1, 0xC0 | 46, 3, 9, 0, 0, 0, 0, 20]]
    );
    // Malformed: reported, not answered.
    assert!(pair.request(&[100, 1, 6, 0, 1, 0, 0, 0, 0]).is_empty());
    assert!(matches!(pair.take_events()[..], [Event::Malformed(_)]));
}

#[test]
fn broadcast_interrogation_is_answered_per_served_address() {
    let mut pts = points(4);
    pts.push(telecontrol_station::Point::monitored(
        CommonAddress(2),
        asdu::Ioa::new(1).unwrap(),
        Value::MSpNa1(Default::default()),
    ));
    let mut config = OutstationConfig::new(P, CA);
    config.common_addresses.push(CommonAddress(2)).unwrap();
    let mut pair = Pair::new(config, &mut pts);
    let bc = CommonAddress::broadcast(&P);
    let req = act(TypeId::CIcNa1, bc, 0, Value::CIcNa1(Qoi::STATION));
    let out = pair.request(&req);
    let heads: Vec<(u8, u8, u16)> = out
        .iter()
        .map(|a| (a[0], a[2], u16::from_le_bytes([a[4], a[5]])))
        .collect();
    assert_eq!(
        heads,
        [
            (100, 7, 1),
            (1, 20, 1),
            (9, 20, 1),
            (3, 20, 1),
            (100, 10, 1),
            (100, 7, 2),
            (1, 20, 2),
            (100, 10, 2)
        ]
    );
    let req = act(TypeId::CRpNa1, bc, 0, Value::CRpNa1(Qrp::GENERAL));
    let out = pair.request(&req);
    assert_eq!(out.len(), 2);
    assert_eq!((out[0][4], out[1][4]), (1, 2));
    assert_eq!(pair.take_events().len(), 2);
}

#[test]
fn end_of_initialisation_bytes() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    pair.outstation
        .end_of_initialisation(Coi::new(Coi::POWER_ON, false).unwrap())
        .unwrap();
    assert_eq!(pair.request(&[]), [vec![70, 1, 4, 0, 1, 0, 0, 0, 0, 0]]);
}

#[test]
fn parameters_go_to_the_application() {
    let mut pts = points(1);
    pts.push(telecontrol_station::Point::controllable(
        CA,
        asdu::Ioa::new(5000).unwrap(),
        telecontrol_station::CommandMode::Direct,
    ));
    let mut pair = Pair::iec104(&mut pts);
    let qpm = asdu::Qpm::new(1, false, false).unwrap();
    let req = act(TypeId::PMeNb1, CA, 5000, Value::PMeNb1(asdu::Sva(77), qpm));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, false)]
    );
    match pair.take_events()[..] {
        [Event::Command(c)] => {
            assert_eq!(c.action, CommandAction::Parameter);
            assert_eq!(c.value, Value::PMeNb1(asdu::Sva(77), qpm));
        }
        ref e => panic!("{e:?}"),
    }
    let req = act(TypeId::PMeNb1, CA, 5001, Value::PMeNb1(asdu::Sva(77), qpm));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::UNKNOWN_IOA, true)]
    );
    pair.answer = Some(CommandAnswer::Reject);
    let req = act(TypeId::PMeNb1, CA, 5000, Value::PMeNb1(asdu::Sva(77), qpm));
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, true)]
    );
}

#[test]
fn time_tagged_command_older_than_the_limit_is_refused() {
    let mut pts = points(1);
    let mut config = OutstationConfig::new(P, CA);
    config.max_command_age = Some(Duration::from_secs(5));
    let mut pair = Pair::new(config, &mut pts);
    let t0 = Cp56Time2a::new(26, 11, 22, 3, 30, 0).unwrap();
    let sco = asdu::Sco::new(true, asdu::Qu::NONE, false);
    let req = act(TypeId::CScTa1, CA, 100, Value::CScTa1(sco, t0));
    // No clock yet: refused.
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, true)]
    );
    pair.outstation
        .set_clock(pair.now, t0.to_unix_millis(2000).unwrap() + 4_000);
    let out = pair.request(&req);
    assert_eq!(
        out,
        [
            mirrored(&req, Cause::ACTIVATION_CON, false),
            mirrored(&req, Cause::ACTIVATION_TERM, false)
        ]
    );
    pair.now = pair.now + Duration::from_secs(2);
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, true)]
    );
    let _ = Instant::ZERO;
}

#[test]
fn interleaved_types_are_packed_in_one_pass_per_type() {
    // 300 points alternating single point / normalised value at consecutive addresses.
    let mut pts: Vec<telecontrol_station::Point> = (0..300u32)
        .map(|i| {
            let v = if i % 2 == 0 {
                Value::MSpNa1(asdu::Siq::new(true, asdu::Quality::GOOD))
            } else {
                Value::MMeNa1(asdu::Nva(i as i16), asdu::Qds::new(asdu::Quality::GOOD))
            };
            telecontrol_station::Point::monitored(CA, asdu::Ioa::new(100 + i).unwrap(), v)
        })
        .collect();
    let mut pair = Pair::iec104(&mut pts);
    let req = act(TypeId::CIcNa1, CA, 0, Value::CIcNa1(Qoi::STATION));
    let out = pair.request(&req);
    let data = &out[1..out.len() - 1];
    // Singles: 4 octets per object with its address, 60 per ASDU → 3 ASDUs; normalised
    // values: 6 octets, 40 per ASDU → 4 ASDUs.
    let shape: Vec<(u8, u8)> = data.iter().map(|a| (a[0], a[1])).collect();
    assert_eq!(
        shape,
        [
            (1, 60),
            (1, 60),
            (1, 30),
            (9, 40),
            (9, 40),
            (9, 40),
            (9, 30)
        ]
    );
    let mut ioas: Vec<u32> = data
        .iter()
        .flat_map(|a| {
            AsduView::decode(&P, a)
                .unwrap()
                .objects()
                .map(|o| o.ioa.value())
                .collect::<Vec<_>>()
        })
        .collect();
    ioas.sort_unstable();
    assert_eq!(
        ioas,
        (100..400).collect::<Vec<_>>(),
        "every point exactly once"
    );
}

#[test]
fn short_consecutive_runs_use_sq0_to_fill_the_asdu() {
    // 200 single points in runs of 9 consecutive addresses (every tenth address missing):
    // SQ=1 would stop at each gap after 9 objects, SQ=0 holds 60.
    let mut pts: Vec<telecontrol_station::Point> = (1..)
        .filter(|i| i % 10 != 0)
        .take(200)
        .map(|i| {
            let v = Value::MSpNa1(asdu::Siq::new(true, asdu::Quality::GOOD));
            telecontrol_station::Point::monitored(CA, asdu::Ioa::new(i).unwrap(), v)
        })
        .collect();
    let mut pair = Pair::iec104(&mut pts);
    let req = act(TypeId::CIcNa1, CA, 0, Value::CIcNa1(Qoi::STATION));
    let out = pair.request(&req);
    let shape: Vec<(u8, u8)> = out[1..out.len() - 1].iter().map(|a| (a[0], a[1])).collect();
    assert_eq!(shape, [(1, 60), (1, 60), (1, 60), (1, 20)]);
}

#[test]
fn three_interleaved_types_and_a_protection_event_each_point_once() {
    use asdu::{Cp16Time2a, Cp56Time2a, Dpi, Quality, Sep};
    let t = Cp56Time2a::new(26, 1, 1, 0, 0, 0).unwrap();
    let mut pts: Vec<telecontrol_station::Point> = (0..90u32)
        .filter(|i| i % 7 != 3)
        .map(|i| {
            let v = match i % 4 {
                0 => Value::MSpTb1(asdu::Siq::new(true, Quality::GOOD), t),
                1 => Value::MDpNa1(asdu::Diq::new(Dpi::Off, Quality::GOOD)),
                2 => Value::MMeTf1(i as f32, asdu::Qds::new(Quality::GOOD), t),
                _ => Value::MEpTd1(
                    Sep::new(Dpi::On, Quality::GOOD),
                    Cp16Time2a::new(5).unwrap(),
                    t,
                ),
            };
            telecontrol_station::Point::monitored(CA, asdu::Ioa::new(10 + i).unwrap(), v)
        })
        .collect();
    let expected: Vec<u32> = pts
        .iter()
        .filter(|p| !matches!(p.value, Some(Value::MEpTd1(..))))
        .map(|p| p.ioa.value())
        .collect();
    let mut pair = Pair::iec104(&mut pts);
    let req = act(TypeId::CIcNa1, CA, 0, Value::CIcNa1(Qoi::STATION));
    let out = pair.request(&req);
    let data = &out[1..out.len() - 1];
    let types: Vec<u8> = data.iter().map(|a| a[0]).collect();
    assert_eq!(
        types,
        [1, 3, 13],
        "one full ASDU per untimed type, in order of first appearance"
    );
    let mut ioas: Vec<u32> = data
        .iter()
        .flat_map(|a| {
            AsduView::decode(&P, a)
                .unwrap()
                .objects()
                .map(|o| o.ioa.value())
                .collect::<Vec<_>>()
        })
        .collect();
    ioas.sort_unstable();
    assert_eq!(ioas, expected);
}
