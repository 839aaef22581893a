//! The session types never allocate (without the `std` feature's helpers): a counting global
//! allocator (allocation-counter, per thread) watches a master link and an outstation link
//! wired together: STARTDT, a station interrogation of 50 points, 300 spontaneous events
//! acknowledged through the k window, then a close that requeues nothing.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss
)]

use iec104_apci::{ApciConfig, MAX_APDU_LEN};
use station::asdu::{AsduParams, Cause, CommonAddress, InfoObject, Ioa, Qds, Qoi, Quality, Value};
use station::{
    Completion, DataKind, Master, MasterConfig, Outcome, Outstation, OutstationConfig, Point,
    PointDatabase, SliceDatabase,
};
use telecontrol_core::Instant;
use telecontrol_iec104_session::{
    LinkEvent, LinkId, MasterInput, MasterLink, OutstationLink, StationGroup,
};

const CA: CommonAddress = CommonAddress(1);

#[derive(Default, Debug, PartialEq, Eq)]
struct Tally {
    interrogated: u32,
    spontaneous: u32,
    gi_done: u32,
    activated: u32,
}

fn float(v: f32) -> Value<'static> {
    Value::MMeNc1(v, Qds::new(Quality::GOOD))
}

fn exchange<D: PointDatabase, const N: usize>(
    m: &mut MasterLink,
    o: &mut OutstationLink,
    g: &mut StationGroup<D, N>,
    now: Instant,
    tally: &mut Tally,
) {
    let mut buf = [0u8; 4 * MAX_APDU_LEN];
    for _ in 0..8 {
        m.fill(now);
        while let Some(n) = m.poll_transmit(&mut buf) {
            let mut rest = &buf[..n];
            while !rest.is_empty() {
                let used = o.handle_input(now, rest, g).unwrap();
                rest = &rest[used..];
            }
        }
        while let Some(e) = o.poll_event() {
            if matches!(e, LinkEvent::Activated { .. }) {
                tally.activated += 1;
            }
        }
        o.fill(now, g);
        while let Some(n) = o.poll_transmit(&mut buf) {
            let mut rest = &buf[..n];
            while !rest.is_empty() {
                let used = m
                    .handle_input(now, rest, |input| {
                        if let MasterInput::Asdu(_, Ok(r)) = input {
                            match r.kind {
                                DataKind::Interrogated(_) => {
                                    tally.interrogated += u32::from(r.view.count())
                                }
                                DataKind::Spontaneous => tally.spontaneous += 1,
                                _ => {}
                            }
                        }
                    })
                    .unwrap();
                rest = &rest[used..];
            }
            o.fill(now, g);
        }
        while let Some(r) = m.master_mut().poll_event() {
            if r.outcome == Outcome::Terminated && r.objects == 50 {
                tally.gi_done += 1;
            }
        }
    }
}

fn session(points: &mut [Point]) -> (Tally, usize) {
    let t = Instant::from_secs(1);
    let station: Outstation<_, 64> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(points),
    );
    let mut g = StationGroup::new(station);
    let cfg = ApciConfig::DEFAULT;
    let mut o: OutstationLink = OutstationLink::new(LinkId(7), cfg, t).unwrap();
    let master: Master = Master::new(MasterConfig::new(AsduParams::IEC104));
    let mut m: MasterLink = MasterLink::new(cfg, master, t).unwrap();
    let mut tally = Tally::default();
    m.start_dt(t).unwrap();
    exchange(&mut m, &mut o, &mut g, t, &mut tally);
    m.master_mut()
        .interrogate(t, CA, Qoi::STATION, Completion::OnTermination)
        .unwrap();
    for _ in 0..20 {
        exchange(&mut m, &mut o, &mut g, t, &mut tally);
    }
    for i in 0..300u32 {
        let obj = [InfoObject::new(
            Ioa::new(1 + i % 50).unwrap(),
            float(i as f32),
        )];
        g.station_mut()
            .queue_event(CA, Cause::SPONTANEOUS, &obj)
            .unwrap();
        if i % 40 == 39 {
            exchange(&mut m, &mut o, &mut g, t, &mut tally);
        }
    }
    for _ in 0..10 {
        exchange(&mut m, &mut o, &mut g, t, &mut tally);
    }
    // Let t2 acknowledge the tail, then close: nothing left to requeue.
    let later = Instant::from_secs(12);
    m.handle_timeout(later);
    exchange(&mut m, &mut o, &mut g, later, &mut tally);
    o.close();
    o.release(&mut g);
    (tally, g.station().stats().events_queued)
}

#[test]
fn links_do_not_allocate() {
    let mut points: Vec<Point> = (1..=50)
        .map(|i| Point::monitored(CA, Ioa::new(i).unwrap(), float(0.0)))
        .collect();
    let mut result = None;
    let info = allocation_counter::measure(|| result = Some(session(&mut points)));
    assert_eq!(info.count_total, 0, "allocations in the session types");
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
    let (tally, left) = result.unwrap();
    assert_eq!(
        tally,
        Tally {
            interrogated: 50,
            spontaneous: 300,
            gi_done: 1,
            activated: 1
        }
    );
    assert_eq!(left, 0, "every event acknowledged and released");
}
