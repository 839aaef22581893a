//! Scenario tests: a master session polling three slave sessions on one shared line, and two
//! balanced sessions, carrying interrogation, select-before-operate, clock sync and
//! spontaneous data with a manual clock.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use core::time::Duration;
use station::asdu::{
    AsduParams, Cause, CommonAddress, Cp56Time2a, InfoObject, Ioa, Qoi, Qu, Quality, Sco, Siq,
    Value,
};
use station::{
    CommandAnswer, CommandMode, Completion, Event, ExecuteMode, MasterConfig, Outcome, Outstation,
    OutstationConfig, Point, SliceDatabase,
};
use telecontrol_core::Instant;
use telecontrol_iec101_session::iec101_link::{
    AddressSize, BalancedConfig, LinkConfig, MAX_FRAME_LEN, NoDataResponse, PrimaryConfig,
    SecondaryConfig,
};
use telecontrol_iec101_session::{
    BalancedInput, BalancedSession, MasterInput, MasterSession, SlaveSession,
};

const P: AsduParams = AsduParams::IEC101_COMPACT;

fn points(ca: CommonAddress) -> [Point; 3] {
    [
        Point::monitored(
            ca,
            Ioa::from(1),
            Value::MSpNa1(Siq::new(true, Quality::GOOD)),
        ),
        Point::monitored(
            ca,
            Ioa::from(2),
            Value::MSpNa1(Siq::new(false, Quality::GOOD)),
        ),
        Point::controllable(ca, Ioa::from(10), CommandMode::SelectBeforeOperate),
    ]
}

fn link() -> LinkConfig {
    LinkConfig {
        response_timeout: Duration::from_millis(50),
        ..LinkConfig::default()
    }
}

type Slave<'p> = SlaveSession<SliceDatabase<'p>, 16>;

/// Answer every command of `s` positively with termination; count clock syncs.
fn serve(s: &mut Outstation<SliceDatabase<'_>, 16>, clock_syncs: &mut u32) {
    while let Some(ev) = s.poll_event() {
        match ev {
            Event::Command(c) => s
                .answer_command(c.handle, CommandAnswer::AcceptAndTerminate)
                .unwrap(),
            Event::ClockSync { .. } => *clock_syncs += 1,
            _ => {}
        }
    }
}

#[test]
fn master_polls_three_slaves_on_one_line() {
    let cas = [CommonAddress(1), CommonAddress(2), CommonAddress(3)];
    let mut dbs = cas.map(points);
    let mut slaves: Vec<Slave<'_>> = dbs
        .iter_mut()
        .zip(cas)
        .enumerate()
        .map(|(i, (db, ca))| {
            let st = Outstation::new(OutstationConfig::new(P, ca), SliceDatabase::new(db));
            let cfg = SecondaryConfig {
                link: link(),
                address: 10 + i as u16,
                no_data: NoDataResponse::SingleChar,
            };
            SlaveSession::new(cfg, st).unwrap()
        })
        .collect();
    let mut master: MasterSession<4, 4> = MasterSession::new(
        PrimaryConfig {
            link: link(),
            ..PrimaryConfig::default()
        },
        MasterConfig::new(P),
    )
    .unwrap();
    let mut now = Instant::from_secs(1);
    let mut ids = Vec::new();
    for (i, ca) in cas.iter().enumerate() {
        let a = 10 + i as u16;
        master.add_secondary(a).unwrap();
        let m = master.master_mut(a).unwrap();
        ids.push((
            a,
            m.interrogate(now, *ca, Qoi::STATION, Completion::OnTermination)
                .unwrap(),
        ));
        let on = Value::CScNa1(Sco::new(true, Qu::NONE, false));
        ids.push((
            a,
            m.command(
                now,
                *ca,
                Ioa::from(10),
                on,
                ExecuteMode::SelectThenExecute,
                Completion::OnTermination,
            )
            .unwrap(),
        ));
        let t = Cp56Time2a::from_unix_millis(1_700_000_000_000, 2000).unwrap();
        ids.push((
            a,
            m.clock_sync(now, *ca, t, Completion::OnConfirmation)
                .unwrap(),
        ));
    }
    let mut results = Vec::new();
    let mut spontaneous = Vec::new();
    let mut clock_syncs = 0u32;
    let mut buf = [0u8; MAX_FRAME_LEN];
    for step in 0..2000 {
        now = now + Duration::from_millis(1);
        if step == 300 {
            // A spontaneous change at the second slave.
            let obj = InfoObject::new(Ioa::from(2), Value::MSpNa1(Siq::new(true, Quality::GOOD)));
            slaves[1]
                .station_mut()
                .queue_event(cas[1], Cause::SPONTANEOUS, &[obj])
                .unwrap();
            slaves[1].fill();
        }
        master.handle_timeout(now);
        if let Some(n) = master.poll_transmit(&mut buf) {
            // The shared line: every slave sees every request; only the addressed one answers.
            let mut answer = None;
            for s in &mut slaves {
                let mut off = 0;
                while off < n {
                    let used = s.handle_input(now, &buf[off..n]);
                    let mut out = [0u8; MAX_FRAME_LEN];
                    if let Some(k) = s.poll_transmit(&mut out) {
                        answer = Some(out[..k].to_vec());
                    }
                    if used == 0 {
                        break;
                    }
                    off += used;
                }
                serve(s.station_mut(), &mut clock_syncs);
                s.fill();
            }
            if let Some(a) = answer {
                master.handle_input(now, &a);
            }
        }
        while let Some(input) = master.poll_input(now) {
            match input {
                MasterInput::Result { address, result } => {
                    results.push((address, result.id, result.outcome))
                }
                MasterInput::Data {
                    address, received, ..
                } if received.view.header().cot.cause == Cause::SPONTANEOUS => {
                    spontaneous.push(address);
                }
                _ => {}
            }
        }
    }
    for (a, id) in &ids {
        let r = results
            .iter()
            .find(|(ra, rid, _)| ra == a && rid == id)
            .map(|r| r.2);
        assert!(
            matches!(r, Some(Outcome::Terminated | Outcome::Confirmed)),
            "{a} {id:?}: {r:?}"
        );
    }
    assert_eq!(results.len(), ids.len());
    assert_eq!(spontaneous, [11]);
    assert_eq!(clock_syncs, 3);
    // The event left the outstation's buffer: the link confirmed it.
    assert!(slaves[1].station().is_idle());
}

#[test]
fn balanced_pair_both_directions() {
    let ca = CommonAddress(5);
    let mut db = points(ca);
    let st = Outstation::new(OutstationConfig::new(P, ca), SliceDatabase::new(&mut db));
    let cfg = |dir, local, remote| BalancedConfig {
        link: LinkConfig {
            address_size: AddressSize::One,
            ..link()
        },
        dir,
        local_address: local,
        remote_address: remote,
        restart_delay: Duration::from_millis(100),
        test_interval: None,
    };
    let mut outstation: BalancedSession<SliceDatabase<'_>, 16, 4> =
        BalancedSession::new(cfg(false, 1, 2), Some(st), MasterConfig::new(P)).unwrap();
    let mut control: BalancedSession<SliceDatabase<'_>, 16, 4> =
        BalancedSession::new(cfg(true, 2, 1), None, MasterConfig::new(P)).unwrap();
    let mut now = Instant::from_secs(1);
    let m = control.master_mut();
    let gi = m
        .interrogate(now, ca, Qoi::STATION, Completion::OnTermination)
        .unwrap();
    let on = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let cmd = m
        .command(
            now,
            ca,
            Ioa::from(10),
            on,
            ExecuteMode::SelectThenExecute,
            Completion::OnTermination,
        )
        .unwrap();
    let t = Cp56Time2a::from_unix_millis(1_700_000_000_000, 2000).unwrap();
    let cs = m
        .clock_sync(now, ca, t, Completion::OnConfirmation)
        .unwrap();
    let mut results = Vec::new();
    let mut spontaneous = 0;
    let mut clock_syncs = 0;
    let mut buf = [0u8; MAX_FRAME_LEN];
    for step in 0..1000 {
        now = now + Duration::from_millis(1);
        if step == 200 {
            let obj = InfoObject::new(Ioa::from(1), Value::MSpNa1(Siq::new(false, Quality::GOOD)));
            outstation
                .station_mut()
                .unwrap()
                .queue_event(ca, Cause::SPONTANEOUS, &[obj])
                .unwrap();
        }
        control.handle_timeout(now);
        outstation.handle_timeout(now);
        while let Some(n) = control.poll_transmit(&mut buf) {
            assert_eq!(outstation.handle_input(now, &buf[..n]), n);
        }
        while let Some(n) = outstation.poll_transmit(&mut buf) {
            let mut off = 0;
            while off < n {
                off += control.handle_input(now, &buf[off..n]);
                while let Some(i) = control.poll_input(now) {
                    match i {
                        BalancedInput::Result { result } => {
                            results.push((result.id, result.outcome))
                        }
                        BalancedInput::Data { received, .. }
                            if received.view.header().cot.cause == Cause::SPONTANEOUS =>
                        {
                            spontaneous += 1
                        }
                        _ => {}
                    }
                }
            }
        }
        while control.poll_input(now).is_some() {}
        while outstation.poll_input(now).is_some() {}
        serve(outstation.station_mut().unwrap(), &mut clock_syncs);
    }
    assert!(results.contains(&(gi, Outcome::Terminated)), "{results:?}");
    assert!(results.contains(&(cmd, Outcome::Terminated)), "{results:?}");
    assert!(results.contains(&(cs, Outcome::Confirmed)), "{results:?}");
    assert_eq!(spontaneous, 1);
    assert_eq!(clock_syncs, 1);
    assert!(outstation.station_mut().unwrap().is_idle());
}
