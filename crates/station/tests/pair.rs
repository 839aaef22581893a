//! A master and an outstation in memory with a manual clock: every request end to end, its
//! typed result, and what the master reports.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use core::time::Duration;

use asdu::{
    CommonAddress, Cp56Time2a, Dco, Dpi, Frz, InfoObject, Ioa, Qcc, Qoi, Qos, Qrp, Qu, Quality,
    Sco, Siq, Sva, Tsc, TypeId, Value,
};
use common::{CA, Pair, points};
use telecontrol_station::{
    CommandAction, CommandAnswer, Completion, CounterScope, DataKind, Event, ExecuteMode, Outcome,
    Scope, StationError,
};

fn outcomes(pair: &mut Pair<'_>) -> Vec<(TypeId, Outcome, u32)> {
    std::mem::take(&mut pair.results)
        .into_iter()
        .map(|r| (r.type_id, r.outcome, r.objects))
        .collect()
}

#[test]
fn general_interrogation_of_hundreds_of_points() {
    let mut pts = points(500);
    let mut pair = Pair::iec104(&mut pts);
    let id = pair
        .master
        .interrogate(pair.now, CA, Qoi::STATION, Completion::OnTermination)
        .unwrap();
    pair.run();
    assert_eq!(pair.results.len(), 1);
    assert_eq!(pair.results[0].id, id);
    assert_eq!(
        outcomes(&mut pair),
        [(TypeId::CIcNa1, Outcome::Terminated, 511)]
    );
    let data = pair
        .received
        .iter()
        .filter(|(k, _)| *k == DataKind::Interrogated(Scope::Station))
        .count();
    assert_eq!(
        data,
        4 + 1 + 1,
        "500 singles in 4 ASDUs of ≤127, measured values, double point"
    );
    assert!(matches!(
        pair.received[0].0,
        DataKind::Confirmation(Some(_))
    ));
    assert!(matches!(
        pair.received.last().unwrap().0,
        DataKind::Confirmation(Some(_))
    ));
}

#[test]
fn group_and_counter_interrogation() {
    let mut pts = points(30);
    let mut pair = Pair::iec104(&mut pts);
    pair.master
        .interrogate(
            pair.now,
            CA,
            Qoi::group(2).unwrap(),
            Completion::OnTermination,
        )
        .unwrap();
    pair.master
        .counter_interrogation(
            pair.now,
            CA,
            Qcc::new(5, Frz::Read).unwrap(),
            Completion::OnTermination,
        )
        .unwrap();
    pair.run();
    assert_eq!(
        outcomes(&mut pair),
        [
            (TypeId::CIcNa1, Outcome::Terminated, 10),
            (TypeId::CCiNa1, Outcome::Terminated, 4)
        ]
    );
    assert!(
        pair.received
            .iter()
            .any(|(k, _)| *k == DataKind::Interrogated(Scope::Group(2)))
    );
    assert!(
        pair.received
            .iter()
            .any(|(k, _)| *k == DataKind::Counters(CounterScope::General))
    );
    pair.master
        .counter_interrogation(
            pair.now,
            CA,
            Qcc::new(1, Frz::Read).unwrap(),
            Completion::OnConfirmation,
        )
        .unwrap();
    pair.run();
    assert_eq!(
        outcomes(&mut pair),
        [(TypeId::CCiNa1, Outcome::Confirmed, 0)]
    );
}

#[test]
fn clock_read_test_reset_and_broadcast() {
    let mut pts = points(3);
    let mut pair = Pair::iec104(&mut pts);
    let time = Cp56Time2a::new(26, 11, 22, 3, 0, 0).unwrap();
    pair.master
        .clock_sync(pair.now, CA, time, Completion::OnConfirmation)
        .unwrap();
    pair.master
        .read(pair.now, CA, Ioa::new(1001).unwrap())
        .unwrap();
    pair.master
        .read(pair.now, CA, Ioa::new(77).unwrap())
        .unwrap();
    pair.master
        .test(pair.now, CA, Tsc(1), time, Completion::OnConfirmation)
        .unwrap();
    pair.master
        .reset_process(pair.now, CA, Qrp::GENERAL, Completion::OnTermination)
        .unwrap();
    pair.run();
    assert_eq!(
        outcomes(&mut pair),
        [
            (TypeId::CCsNa1, Outcome::Confirmed, 0),
            (TypeId::CRdNa1, Outcome::Confirmed, 0),
            (
                TypeId::CRdNa1,
                Outcome::Negative(asdu::Cause::UNKNOWN_IOA),
                0
            ),
            (TypeId::CTsTa1, Outcome::Confirmed, 0),
            (TypeId::CRpNa1, Outcome::Confirmed, 0),
        ]
    );
    assert!(
        pair.received
            .iter()
            .any(|(k, a)| *k == DataKind::Requested && a[0] == 1)
    );
    assert_eq!(
        pair.take_events(),
        [
            Event::ClockSync { ca: CA, time },
            Event::ResetProcess {
                ca: CA,
                qrp: Qrp::GENERAL
            }
        ]
    );
    // Broadcast: complete on sending; the answers are still reported.
    let bc = CommonAddress::broadcast(&pair.outstation.config().params);
    pair.master
        .interrogate(pair.now, bc, Qoi::STATION, Completion::OnTermination)
        .unwrap();
    pair.received.clear();
    pair.run();
    assert_eq!(outcomes(&mut pair), [(TypeId::CIcNa1, Outcome::Sent, 0)]);
    assert!(pair.received.len() >= 3);
}

#[test]
fn commands_select_then_execute_direct_and_completion_modes() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    let sco = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let dco = Value::CDcNa1(Dco::new(Dpi::Off, Qu::NONE, false));
    let set = Value::CSeNb1(Sva(-5), Qos::new(0, false).unwrap());
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(101).unwrap(),
            sco,
            ExecuteMode::SelectThenExecute,
            Completion::OnTermination,
        )
        .unwrap();
    pair.run();
    assert_eq!(
        outcomes(&mut pair),
        [(TypeId::CScNa1, Outcome::Terminated, 0)]
    );
    let actions: Vec<_> = pair
        .take_events()
        .iter()
        .filter_map(|e| match e {
            Event::Command(c) => Some(c.action),
            _ => None,
        })
        .collect();
    assert_eq!(actions, [CommandAction::Select, CommandAction::Execute]);
    // Direct execute on an SBO point: negative confirmation.
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(101).unwrap(),
            dco,
            ExecuteMode::Direct,
            Completion::OnTermination,
        )
        .unwrap();
    pair.run();
    assert_eq!(
        outcomes(&mut pair),
        [(
            TypeId::CDcNa1,
            Outcome::Negative(asdu::Cause::ACTIVATION_CON),
            0
        )]
    );
    // Select only, then execute only, each tracked; then on-send and on-confirmation modes.
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(101).unwrap(),
            set,
            ExecuteMode::SelectOnly,
            Completion::OnTermination,
        )
        .unwrap();
    pair.run();
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(101).unwrap(),
            set,
            ExecuteMode::ExecuteOnly,
            Completion::OnTermination,
        )
        .unwrap();
    pair.run();
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(100).unwrap(),
            set,
            ExecuteMode::Direct,
            Completion::OnSend,
        )
        .unwrap();
    pair.run();
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(100).unwrap(),
            set,
            ExecuteMode::Direct,
            Completion::OnConfirmation,
        )
        .unwrap();
    pair.run();
    assert_eq!(
        outcomes(&mut pair),
        [
            (TypeId::CSeNb1, Outcome::Confirmed, 0),
            (TypeId::CSeNb1, Outcome::Terminated, 0),
            (TypeId::CSeNb1, Outcome::Sent, 0),
            (TypeId::CSeNb1, Outcome::Confirmed, 0),
        ]
    );
    // Deactivation of a select through the master.
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(101).unwrap(),
            sco,
            ExecuteMode::SelectOnly,
            Completion::OnConfirmation,
        )
        .unwrap();
    pair.run();
    let sel = telecontrol_station::with_select(sco, true).unwrap();
    pair.master
        .deactivate(pair.now, CA, Ioa::new(101).unwrap(), sel)
        .unwrap();
    pair.run();
    assert_eq!(
        outcomes(&mut pair),
        [
            (TypeId::CScNa1, Outcome::Confirmed, 0),
            (TypeId::CScNa1, Outcome::Confirmed, 0)
        ]
    );
    // A bitstring cannot be selected.
    let bo = Value::CBoNa1(asdu::Bsi(1));
    assert_eq!(
        pair.master.command(
            pair.now,
            CA,
            Ioa::new(100).unwrap(),
            bo,
            ExecuteMode::SelectOnly,
            Completion::OnSend
        ),
        Err(StationError::InvalidType { type_id: 51 })
    );
}

#[test]
fn timeouts_before_and_after_the_confirmation() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    pair.answer = None;
    let sco = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(100).unwrap(),
            sco,
            ExecuteMode::Direct,
            Completion::OnTermination,
        )
        .unwrap();
    pair.run();
    let Event::Command(c) = pair.take_events()[0] else {
        panic!()
    };
    assert_eq!(
        pair.master.poll_timeout(),
        Some(pair.now + Duration::from_secs(15))
    );
    pair.advance(Duration::from_secs(15));
    assert_eq!(
        outcomes(&mut pair),
        [(TypeId::CScNa1, Outcome::Timeout { confirmed: false }, 0)]
    );
    // Late answer: the confirmation arrives unmatched.
    pair.outstation
        .answer_command(c.handle, CommandAnswer::Accept)
        .unwrap();
    pair.run();
    assert_eq!(
        pair.received.last().unwrap().0,
        DataKind::Confirmation(None)
    );
    // Confirmed, never terminated.
    pair.outstation.terminate_command(c.handle).unwrap();
    pair.run();
    pair.answer = Some(CommandAnswer::Accept);
    pair.master
        .command(
            pair.now,
            CA,
            Ioa::new(100).unwrap(),
            sco,
            ExecuteMode::Direct,
            Completion::OnTermination,
        )
        .unwrap();
    pair.run();
    assert!(pair.results.is_empty());
    pair.advance(Duration::from_secs(59));
    assert!(pair.results.is_empty());
    pair.advance(Duration::from_secs(1));
    assert_eq!(
        outcomes(&mut pair),
        [(TypeId::CScNa1, Outcome::Timeout { confirmed: true }, 0)]
    );
}

#[test]
fn spontaneous_data_and_end_of_initialisation_reach_the_master() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    pair.outstation
        .end_of_initialisation(asdu::Coi::new(0, false).unwrap())
        .unwrap();
    let time = Cp56Time2a::new(26, 11, 22, 3, 0, 0).unwrap();
    let obj = [InfoObject::new(
        Ioa::new(1000).unwrap(),
        Value::MSpTb1(Siq::new(false, Quality::GOOD), time),
    )];
    pair.outstation
        .queue_event(CA, asdu::Cause::SPONTANEOUS, &obj)
        .unwrap();
    pair.run();
    let kinds: Vec<DataKind> = pair.received.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, [DataKind::Initialised, DataKind::Spontaneous]);
    assert_eq!(
        pair.outstation.stats().events_queued,
        0,
        "acknowledged by the pair"
    );
}

#[test]
fn master_request_table_limits() {
    let mut pts = points(1);
    let mut pair = Pair::iec104(&mut pts);
    pair.master
        .interrogate(pair.now, CA, Qoi::STATION, Completion::OnTermination)
        .unwrap();
    assert_eq!(
        pair.master
            .interrogate(pair.now, CA, Qoi::STATION, Completion::OnTermination),
        Err(StationError::Busy { ioa: 0 })
    );
    for i in 0..7 {
        pair.master
            .read(pair.now, CA, Ioa::new(i).unwrap())
            .unwrap();
    }
    assert_eq!(
        pair.master.read(pair.now, CA, Ioa::new(99).unwrap()),
        Err(StationError::QueueFull {
            queue: "request table"
        })
    );
    assert!(matches!(
        pair.master.delay_acquisition(
            pair.now,
            CA,
            asdu::Cp16Time2a::new(1).unwrap(),
            Completion::OnSend
        ),
        Err(StationError::InvalidType { type_id: 106 })
    ));
    assert_eq!(pair.master.outstanding(), 8);
}

#[test]
fn master_takes_a_termination_for_a_lost_confirmation_and_negative_mirrors() {
    let mut m: telecontrol_station::Master<4> = telecontrol_station::Master::new(
        telecontrol_station::MasterConfig::new(asdu::AsduParams::IEC104),
    );
    let now = telecontrol_core::Instant::from_secs(1);
    let sco = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let id = m
        .command(
            now,
            CA,
            Ioa::new(5).unwrap(),
            sco,
            ExecuteMode::Direct,
            Completion::OnTermination,
        )
        .unwrap();
    let mut buf = [0u8; 255];
    let n = m.poll_transmit(&mut buf).unwrap();
    assert_eq!(buf[..n], [45, 1, 6, 0, 1, 0, 5, 0, 0, 0x01]);
    let term = common::mirrored(&buf[..n], asdu::Cause::ACTIVATION_TERM, false);
    let r = m.handle_input(now, &term).unwrap();
    assert_eq!(r.kind, DataKind::Confirmation(Some(id)));
    let done = m.poll_event().unwrap();
    assert_eq!((done.id, done.outcome), (id, Outcome::Terminated));
    // Negative mirrors 44–47 end the request with their cause.
    for cause in [44u8, 45, 46, 47] {
        let id = m.read(now, CA, Ioa::new(9).unwrap()).unwrap();
        let n = m.poll_transmit(&mut buf).unwrap();
        let neg = common::mirrored(&buf[..n], asdu::Cause::new(cause).unwrap(), true);
        m.handle_input(now, &neg).unwrap();
        let done = m.poll_event().unwrap();
        assert_eq!(
            (done.id, done.outcome),
            (id, Outcome::Negative(asdu::Cause::new(cause).unwrap()))
        );
    }
    // Garbage is an error, not a panic.
    assert!(m.handle_input(now, &[1, 2]).is_err());
}
