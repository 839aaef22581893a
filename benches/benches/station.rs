//! station: a general interrogation of 10 000 points at the outstation, and commands through
//! a master and an outstation wired in memory.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use station::asdu::{
    AsduParams, Cause, CommonAddress, Cot, Ioa, Qoi, Qu, Quality, Sco, Siq, TypeId, Value,
};
use station::{
    CommandAnswer, CommandMode, Completion, Event, ExecuteMode, Master, MasterConfig, Outcome,
    Outstation, OutstationConfig, Point, SliceDatabase,
};
use telecontrol_core::Instant;

const CA: CommonAddress = CommonAddress(1);
const POINTS: u32 = 10_000;

fn gi_request() -> Vec<u8> {
    let mut buf = [0u8; 16];
    let mut b = station::asdu::AsduBuilder::new(
        &AsduParams::IEC104,
        TypeId::CIcNa1,
        Cot::new(Cause::ACTIVATION),
        CA,
        false,
        &mut buf,
    )
    .unwrap();
    b.push(Ioa::IRRELEVANT, &Value::CIcNa1(Qoi::STATION))
        .unwrap();
    b.finish().to_vec()
}

/// One GI: the request in, every ASDU out; returns the number of ASDUs.
fn run_gi(o: &mut Outstation<SliceDatabase<'_>, 16>, req: &[u8], buf: &mut [u8]) -> u32 {
    o.handle_input(Instant::from_secs(1), req);
    let mut n = 0;
    while let Some(len) = o.poll_transmit(buf) {
        black_box(&buf[..len]);
        n += 1;
    }
    n
}

fn gi(c: &mut Criterion) {
    // 9 000 single points from address 1 with a gap every 500 addresses (a gap ends an SQ=1
    // run), then 1 000 scaled measured values from 20 001: the types grouped in address ranges
    // as station configurations usually are.
    let mut points: Vec<Point> = (1..)
        .filter(|i| i % 500 != 0)
        .take(9_000)
        .map(|i| {
            Point::monitored(
                CA,
                Ioa::new(i).unwrap(),
                Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD)),
            )
        })
        .chain((20_001..21_001).map(|i| {
            let v = Value::MMeNb1(
                station::asdu::Sva(i as i16),
                station::asdu::Qds::new(Quality::GOOD),
            );
            Point::monitored(CA, Ioa::new(i).unwrap(), v)
        }))
        .collect();
    assert_eq!(points.len(), POINTS as usize);
    // The same count with the types interleaved address by address: every tenth address a
    // scaled measured value, the others single points (one pass per type).
    let mut interleaved: Vec<Point> = (1..=POINTS)
        .map(|i| {
            let v = if i % 10 == 0 {
                Value::MMeNb1(
                    station::asdu::Sva(i as i16),
                    station::asdu::Qds::new(Quality::GOOD),
                )
            } else {
                Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD))
            };
            Point::monitored(CA, Ioa::new(i).unwrap(), v)
        })
        .collect();
    let mut o: Outstation<_, 16> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(&mut points),
    );
    let mut oi: Outstation<_, 16> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(&mut interleaved),
    );
    let req = gi_request();
    let mut buf = [0u8; 255];
    let asdus = run_gi(&mut o, &req, &mut buf);
    eprintln!(
        "station/gi/10000_points: {asdus} ASDUs per GI (confirmation and termination included)"
    );
    let mut g = c.benchmark_group("station/gi");
    g.throughput(Throughput::Elements(u64::from(POINTS)));
    g.bench_function("10000_points", |bench| {
        bench.iter(|| black_box(run_gi(&mut o, black_box(&req), &mut buf)));
    });
    let asdus = run_gi(&mut oi, &req, &mut buf);
    eprintln!("station/gi/10000_points_interleaved: {asdus} ASDUs per GI");
    g.bench_function("10000_points_interleaved", |bench| {
        bench.iter(|| black_box(run_gi(&mut oi, black_box(&req), &mut buf)));
    });
    g.finish();
}

fn pump(m: &mut Master<8>, o: &mut Outstation<SliceDatabase<'_>, 16>, buf: &mut [u8]) -> u32 {
    let now = Instant::from_secs(1);
    let mut done = 0;
    loop {
        let mut moved = false;
        while let Some(n) = m.poll_transmit(buf) {
            moved = true;
            o.handle_input(now, &buf[..n]);
        }
        while let Some(e) = o.poll_event() {
            moved = true;
            if let Event::Command(c) = e {
                o.answer_command(c.handle, CommandAnswer::AcceptAndTerminate)
                    .unwrap();
            }
        }
        while let Some(n) = o.poll_transmit(buf) {
            moved = true;
            m.handle_input(now, &buf[..n]).unwrap();
            o.acknowledge(1);
        }
        while let Some(r) = m.poll_event() {
            moved = true;
            assert_eq!(r.outcome, Outcome::Terminated);
            done += 1;
        }
        if !moved {
            return done;
        }
    }
}

fn commands(c: &mut Criterion) {
    let mut points = vec![
        Point::controllable(CA, Ioa::new(1).unwrap(), CommandMode::Direct),
        Point::controllable(CA, Ioa::new(2).unwrap(), CommandMode::SelectBeforeOperate),
    ];
    let mut o: Outstation<_, 16> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(&mut points),
    );
    let mut m: Master<8> = Master::new(MasterConfig::new(AsduParams::IEC104));
    let mut buf = [0u8; 255];
    let sco = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let now = Instant::from_secs(1);
    let mut g = c.benchmark_group("station/command");
    g.throughput(Throughput::Elements(1));
    for (name, ioa, mode) in [
        ("direct_execute", 1, ExecuteMode::Direct),
        ("select_then_execute", 2, ExecuteMode::SelectThenExecute),
    ] {
        g.bench_function(name, |bench| {
            bench.iter(|| {
                m.command(
                    now,
                    CA,
                    Ioa::new(ioa).unwrap(),
                    black_box(sco),
                    mode,
                    Completion::OnTermination,
                )
                .unwrap();
                assert_eq!(pump(&mut m, &mut o, &mut buf), 1);
            });
        });
    }
    g.finish();
}

criterion_group!(benches, gi, commands);
criterion_main!(benches);
