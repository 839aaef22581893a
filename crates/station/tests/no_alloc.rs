//! The outstation and the master never allocate: a counting global allocator
//! (allocation-counter, per thread) watches a full station interrogation of 2 000 points,
//! a counter interrogation, select-then-execute commands, a read, clock sync, events with
//! acknowledgement and requeue, all through a master and an outstation wired in memory.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic
)]

use asdu::{
    AsduParams, Bcr, Cause, CommonAddress, Cp56Time2a, Frz, InfoObject, Ioa, Qcc, Qoi, Qu, Quality,
    Sco, Siq, Value,
};
use telecontrol_core::Instant;
use telecontrol_station::{
    CommandAnswer, CommandMode, Completion, Event, ExecuteMode, Master, MasterConfig, Outcome,
    Outstation, OutstationConfig, Point, SliceDatabase,
};

const CA: CommonAddress = CommonAddress(1);

#[derive(Default, Debug)]
struct Tally {
    asdus: u32,
    terminated: u32,
    confirmed: u32,
    commands: u32,
}

fn pump(m: &mut Master<8>, o: &mut Outstation<SliceDatabase<'_>, 16>, now: Instant, t: &mut Tally) {
    let mut buf = [0u8; 255];
    loop {
        let mut moved = false;
        while let Some(n) = m.poll_transmit(&mut buf) {
            moved = true;
            o.handle_input(now, &buf[..n]);
        }
        while let Some(e) = o.poll_event() {
            moved = true;
            if let Event::Command(c) = e {
                t.commands += 1;
                o.answer_command(c.handle, CommandAnswer::AcceptAndTerminate)
                    .unwrap();
            }
        }
        while let Some(n) = o.poll_transmit(&mut buf) {
            moved = true;
            t.asdus += 1;
            m.handle_input(now, &buf[..n]).unwrap();
            o.acknowledge(1);
        }
        while let Some(r) = m.poll_event() {
            moved = true;
            match r.outcome {
                Outcome::Terminated => t.terminated += 1,
                Outcome::Confirmed => t.confirmed += 1,
                other => panic!("{other:?}"),
            }
        }
        if !moved {
            break;
        }
    }
}

fn session(points: &mut [Point]) -> Tally {
    let mut t = Tally::default();
    let mut m: Master<8> = Master::new(MasterConfig::new(AsduParams::IEC104));
    let mut o: Outstation<_, 16> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(points),
    );
    let now = Instant::from_secs(1);
    m.interrogate(now, CA, Qoi::STATION, Completion::OnTermination)
        .unwrap();
    pump(&mut m, &mut o, now, &mut t);
    m.counter_interrogation(
        now,
        CA,
        Qcc::new(5, Frz::Read).unwrap(),
        Completion::OnTermination,
    )
    .unwrap();
    pump(&mut m, &mut o, now, &mut t);
    let sco = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    for _ in 0..100 {
        m.command(
            now,
            CA,
            Ioa::new(1).unwrap(),
            sco,
            ExecuteMode::SelectThenExecute,
            Completion::OnTermination,
        )
        .unwrap();
        pump(&mut m, &mut o, now, &mut t);
    }
    m.read(now, CA, Ioa::new(10).unwrap()).unwrap();
    let time = Cp56Time2a::new(26, 1, 1, 0, 0, 0).unwrap();
    m.clock_sync(now, CA, time, Completion::OnConfirmation)
        .unwrap();
    pump(&mut m, &mut o, now, &mut t);
    let ev = [InfoObject::new(
        Ioa::new(10).unwrap(),
        Value::MSpTb1(Siq::new(true, Quality::GOOD), time),
    )];
    let mut buf = [0u8; 255];
    for _ in 0..10 {
        o.queue_event(CA, Cause::SPONTANEOUS, &ev).unwrap();
    }
    while o.poll_transmit(&mut buf).is_some() {}
    o.acknowledge(3);
    assert_eq!(o.connection_lost(), 7);
    pump(&mut m, &mut o, now, &mut t);
    t
}

#[test]
fn no_allocation_in_a_full_session() {
    let mut points = Vec::new();
    points.push(Point::controllable(
        CA,
        Ioa::new(1).unwrap(),
        CommandMode::SelectBeforeOperate,
    ));
    for i in 0..2_000 {
        points.push(Point::monitored(
            CA,
            Ioa::new(10 + i).unwrap(),
            Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD)),
        ));
    }
    for i in 0..20 {
        points.push(Point::monitored(
            CA,
            Ioa::new(9_000 + i).unwrap(),
            Value::MItNa1(Bcr::new(i as i32, 0).unwrap()),
        ));
    }
    let mut tally = None;
    let info = allocation_counter::measure(|| tally = Some(session(&mut points)));
    assert_eq!(info.count_total, 0, "allocations in the cores");
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1, "the counter works");
    let t = tally.unwrap();
    // GI: con + 16 data (2000 / 127 rounded up) + term; counters: con + 1 + term; 100 ×
    // (select con, execute con, term); read answer; clock con; 7 requeued events.
    assert_eq!(t.asdus, 18 + 3 + 300 + 1 + 1 + 7);
    assert_eq!((t.terminated, t.confirmed, t.commands), (102, 2, 200));
}
