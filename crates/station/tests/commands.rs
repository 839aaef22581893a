//! Commands at the outstation: every command type, direct and select-before-operate,
//! select timeout, deactivation, execute without select, answers given later.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use core::time::Duration;

use asdu::{
    AsduParams, Bsi, Cause, Cot, Cp56Time2a, Dco, Dpi, Ioa, Nva, Qos, Qu, Rco, Rcs, Sco, Sva,
    TypeId, Value,
};
use common::{CA, Pair, asdu, mirrored, points};
use telecontrol_station::{
    CommandAction, CommandAnswer, CommandHandle, Event, StationError, with_select,
};

const P: AsduParams = AsduParams::IEC104;

fn time() -> Cp56Time2a {
    Cp56Time2a::new(26, 11, 22, 4, 0, 0).unwrap()
}

/// One value of every command type, S/E = 0.
fn every_command() -> Vec<Value<'static>> {
    let t = time();
    let sco = Sco::new(true, Qu::SHORT_PULSE, false);
    let dco = Dco::new(Dpi::Off, Qu::NONE, false);
    let rco = Rco::new(Rcs::Higher, Qu::LONG_PULSE, false);
    let qos = Qos::new(0, false).unwrap();
    vec![
        Value::CScNa1(sco),
        Value::CDcNa1(dco),
        Value::CRcNa1(rco),
        Value::CSeNa1(Nva(-1234), qos),
        Value::CSeNb1(Sva(4321), qos),
        Value::CSeNc1(2.5, qos),
        Value::CBoNa1(Bsi(0xDEAD_BEEF)),
        Value::CScTa1(sco, t),
        Value::CDcTa1(dco, t),
        Value::CRcTa1(rco, t),
        Value::CSeTa1(Nva(-1234), qos, t),
        Value::CSeTb1(Sva(4321), qos, t),
        Value::CSeTc1(2.5, qos, t),
        Value::CBoTa1(Bsi(0xDEAD_BEEF), t),
    ]
}

fn cmd(ioa: u32, cause: Cause, v: Value<'_>) -> Vec<u8> {
    asdu(&P, v.type_id(), Cot::new(cause), CA, ioa, v)
}

fn action_of(e: &[Event]) -> Vec<CommandAction> {
    e.iter()
        .filter_map(|e| match e {
            Event::Command(c) => Some(c.action),
            _ => None,
        })
        .collect()
}

#[test]
fn every_command_type_direct_execute() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    for v in every_command() {
        let req = cmd(100, Cause::ACTIVATION, v);
        let out = pair.request(&req);
        assert_eq!(
            out,
            [
                mirrored(&req, Cause::ACTIVATION_CON, false),
                mirrored(&req, Cause::ACTIVATION_TERM, false)
            ],
            "{v:?}"
        );
        match pair.take_events()[..] {
            [Event::Command(c)] => {
                assert_eq!(
                    (c.action, c.ioa, c.value),
                    (CommandAction::DirectExecute, Ioa::new(100).unwrap(), v)
                );
            }
            ref e => panic!("{e:?}"),
        }
    }
}

#[test]
fn every_selectable_type_select_before_operate() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    for v in every_command() {
        let Some(sel) = with_select(v, true) else {
            assert!(matches!(v.type_id(), TypeId::CBoNa1 | TypeId::CBoTa1));
            // A bitstring has no S/E: on an SBO point it is refused.
            let req = cmd(101, Cause::ACTIVATION, v);
            assert_eq!(
                pair.request(&req),
                [mirrored(&req, Cause::ACTIVATION_CON, true)]
            );
            continue;
        };
        // Execute without select: refused, the application is not asked.
        let exe = cmd(101, Cause::ACTIVATION, v);
        assert_eq!(
            pair.request(&exe),
            [mirrored(&exe, Cause::ACTIVATION_CON, true)],
            "{v:?}"
        );
        assert!(pair.take_events().is_empty());
        let select = cmd(101, Cause::ACTIVATION, sel);
        assert_eq!(
            select[select.len() - 1 - if v.type_id().has_time_tag() { 7 } else { 0 }] & 0x80,
            0x80
        );
        assert_eq!(
            pair.request(&select),
            [mirrored(&select, Cause::ACTIVATION_CON, false)]
        );
        assert!(pair.outstation.poll_timeout().is_some());
        assert_eq!(
            pair.request(&exe),
            [
                mirrored(&exe, Cause::ACTIVATION_CON, false),
                mirrored(&exe, Cause::ACTIVATION_TERM, false)
            ]
        );
        assert_eq!(
            action_of(&pair.take_events()),
            [CommandAction::Select, CommandAction::Execute]
        );
        assert_eq!(
            pair.outstation.poll_timeout(),
            None,
            "the select is used up"
        );
        assert_eq!(
            pair.request(&exe),
            [mirrored(&exe, Cause::ACTIVATION_CON, true)]
        );
    }
}

#[test]
fn direct_point_refuses_select_and_any_point_takes_both() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    let v = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let sel = cmd(100, Cause::ACTIVATION, with_select(v, true).unwrap());
    assert_eq!(
        pair.request(&sel),
        [mirrored(&sel, Cause::ACTIVATION_CON, true)]
    );
    let sel = cmd(102, Cause::ACTIVATION, with_select(v, true).unwrap());
    let exe = cmd(102, Cause::ACTIVATION, v);
    assert_eq!(pair.request(&sel).len(), 1);
    assert_eq!(pair.request(&exe).len(), 2);
    assert_eq!(
        pair.request(&exe).len(),
        2,
        "direct execute on an Any point"
    );
    assert_eq!(
        action_of(&pair.take_events()),
        [
            CommandAction::Select,
            CommandAction::Execute,
            CommandAction::DirectExecute
        ]
    );
}

#[test]
fn execute_must_match_the_select() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    let on = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let off = Value::CScNa1(Sco::new(false, Qu::NONE, false));
    pair.request(&cmd(101, Cause::ACTIVATION, with_select(on, true).unwrap()));
    let exe = cmd(101, Cause::ACTIVATION, off);
    assert_eq!(
        pair.request(&exe),
        [mirrored(&exe, Cause::ACTIVATION_CON, true)]
    );
    let exe = cmd(101, Cause::ACTIVATION, on);
    assert_eq!(pair.request(&exe).len(), 2);
    // A repeated select replaces the first: one execute uses it up.
    let sel = cmd(101, Cause::ACTIVATION, with_select(on, true).unwrap());
    pair.request(&sel);
    pair.now = pair.now + Duration::from_secs(1);
    pair.request(&sel);
    assert_eq!(
        pair.outstation.poll_timeout(),
        Some(pair.now + Duration::from_secs(10))
    );
    assert_eq!(pair.request(&exe).len(), 2);
    assert_eq!(pair.outstation.poll_timeout(), None);
}

#[test]
fn select_timeout_releases_the_point() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    let v = Value::CDcNa1(Dco::new(Dpi::On, Qu::NONE, false));
    pair.request(&cmd(101, Cause::ACTIVATION, with_select(v, true).unwrap()));
    pair.take_events();
    let deadline = pair.outstation.poll_timeout().unwrap();
    assert_eq!(deadline, pair.now + Duration::from_secs(10));
    pair.outstation
        .handle_timeout(deadline - Duration::from_micros(1));
    assert!(pair.outstation.poll_event().is_none());
    pair.outstation.handle_timeout(deadline);
    assert_eq!(
        pair.outstation.poll_event(),
        Some(Event::SelectReleased {
            ca: CA,
            ioa: Ioa::new(101).unwrap()
        })
    );
    pair.now = deadline;
    let exe = cmd(101, Cause::ACTIVATION, v);
    assert_eq!(
        pair.request(&exe),
        [mirrored(&exe, Cause::ACTIVATION_CON, true)]
    );
}

#[test]
fn deactivation_cancels_a_select() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    let v = Value::CSeNb1(Sva(7), Qos::new(0, false).unwrap());
    let sel = with_select(v, true).unwrap();
    pair.request(&cmd(101, Cause::ACTIVATION, sel));
    pair.take_events();
    let deact = cmd(101, Cause::DEACTIVATION, sel);
    assert_eq!(
        pair.request(&deact),
        [mirrored(&deact, Cause::DEACTIVATION_CON, false)]
    );
    assert_eq!(
        pair.take_events(),
        [Event::SelectReleased {
            ca: CA,
            ioa: Ioa::new(101).unwrap()
        }]
    );
    let exe = cmd(101, Cause::ACTIVATION, v);
    assert_eq!(
        pair.request(&exe),
        [mirrored(&exe, Cause::ACTIVATION_CON, true)]
    );
    assert_eq!(
        pair.request(&deact),
        [mirrored(&deact, Cause::DEACTIVATION_CON, true)],
        "nothing to cancel"
    );
}

#[test]
fn answers_given_later_and_cancelled_commands() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    pair.answer = None;
    let v = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let exe = cmd(100, Cause::ACTIVATION, v);
    assert!(pair.request(&exe).is_empty());
    let Event::Command(c) = pair.take_events()[0] else {
        panic!()
    };
    // A second command to the same point while one is pending: refused.
    assert_eq!(
        pair.request(&exe),
        [mirrored(&exe, Cause::ACTIVATION_CON, true)]
    );
    assert_eq!(
        pair.outstation.terminate_command(c.handle),
        Err(StationError::UnknownHandle { handle: c.handle.0 })
    );
    pair.outstation
        .answer_command(c.handle, CommandAnswer::Accept)
        .unwrap();
    assert_eq!(
        pair.request(&[]),
        [mirrored(&exe, Cause::ACTIVATION_CON, false)]
    );
    assert!(
        pair.outstation
            .answer_command(c.handle, CommandAnswer::Accept)
            .is_err()
    );
    pair.outstation.terminate_command(c.handle).unwrap();
    assert_eq!(
        pair.request(&[]),
        [mirrored(&exe, Cause::ACTIVATION_TERM, false)]
    );
    assert!(
        pair.outstation
            .answer_command(CommandHandle(999), CommandAnswer::Reject)
            .is_err()
    );

    // Rejected.
    pair.request(&exe);
    let Event::Command(c) = pair.take_events()[0] else {
        panic!()
    };
    pair.outstation
        .answer_command(c.handle, CommandAnswer::Reject)
        .unwrap();
    assert_eq!(
        pair.request(&[]),
        [mirrored(&exe, Cause::ACTIVATION_CON, true)]
    );

    // Deactivated before the answer.
    pair.request(&exe);
    let Event::Command(c) = pair.take_events()[0] else {
        panic!()
    };
    let deact = cmd(100, Cause::DEACTIVATION, v);
    assert_eq!(
        pair.request(&deact),
        [mirrored(&deact, Cause::DEACTIVATION_CON, false)]
    );
    assert_eq!(pair.take_events(), [Event::CommandCancelled(c.handle)]);
    assert!(
        pair.outstation
            .answer_command(c.handle, CommandAnswer::Accept)
            .is_err()
    );
}

#[test]
fn command_table_full_is_refused() {
    let mut pts = points(1);
    for i in 0..6 {
        pts.push(telecontrol_station::Point::controllable(
            CA,
            Ioa::new(200 + i).unwrap(),
            telecontrol_station::CommandMode::Direct,
        ));
    }
    let mut pair = Pair::iec104(&mut pts);
    pair.answer = None;
    let v = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    for i in 0..4 {
        assert!(pair.request(&cmd(200 + i, Cause::ACTIVATION, v)).is_empty());
    }
    let req = cmd(204, Cause::ACTIVATION, v);
    assert_eq!(
        pair.request(&req),
        [mirrored(&req, Cause::ACTIVATION_CON, true)]
    );
}

#[test]
fn return_information_between_confirmation_and_termination() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    pair.answer = None;
    let v = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let exe = cmd(100, Cause::ACTIVATION, v);
    assert!(pair.request(&exe).is_empty());
    let Event::Command(c) = pair.take_events()[0] else {
        panic!()
    };
    let status = Value::MSpNa1(asdu::Siq::new(true, asdu::Quality::GOOD));
    let spont = Value::MSpNa1(asdu::Siq::new(false, asdu::Quality::GOOD));
    let ioa = Ioa::new(1000).unwrap();
    // An event already buffered, then the command's answers with the return information.
    pair.outstation
        .queue_event(CA, Cause::SPONTANEOUS, &[asdu::InfoObject::new(ioa, spont)])
        .unwrap();
    pair.outstation
        .answer_command(c.handle, CommandAnswer::Accept)
        .unwrap();
    pair.outstation
        .queue_response(
            CA,
            Cause::RETURN_REMOTE,
            &[asdu::InfoObject::new(ioa, status)],
        )
        .unwrap();
    pair.outstation.terminate_command(c.handle).unwrap();
    let ret = asdu(
        &P,
        TypeId::MSpNa1,
        Cot::new(Cause::RETURN_REMOTE),
        CA,
        1000,
        status,
    );
    let ev = asdu(
        &P,
        TypeId::MSpNa1,
        Cot::new(Cause::SPONTANEOUS),
        CA,
        1000,
        spont,
    );
    assert_eq!(
        pair.request(&[]),
        [
            mirrored(&exe, Cause::ACTIVATION_CON, false),
            ret,
            mirrored(&exe, Cause::ACTIVATION_TERM, false),
            ev
        ]
    );
    // Command-direction types are refused as monitor data.
    assert!(matches!(
        pair.outstation
            .queue_response(CA, Cause::RETURN_REMOTE, &[asdu::InfoObject::new(ioa, v)]),
        Err(StationError::InvalidType { .. })
    ));
}
