//! The session types never allocate (without the `std` feature's runner): a counting global
//! allocator (allocation-counter, per thread) watches a master session polling a slave
//! session through start-up, a station interrogation of 40 points and 100 spontaneous events
//! confirmed by the link.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use core::time::Duration;
use station::asdu::{AsduParams, Cause, CommonAddress, InfoObject, Ioa, Qoi, Quality, Siq, Value};
use station::{
    Completion, MasterConfig, Outcome, Outstation, OutstationConfig, Point, SliceDatabase,
};
use telecontrol_core::Instant;
use telecontrol_iec101_session::iec101_link::{
    LinkConfig, MAX_FRAME_LEN, NoDataResponse, PrimaryConfig, SecondaryConfig,
};
use telecontrol_iec101_session::{MasterInput, MasterSession, SlaveSession};

const P: AsduParams = AsduParams::IEC101_COMPACT;
const CA: CommonAddress = CommonAddress(1);

fn session(points: &mut [Point]) -> (u32, u32, bool) {
    let st: Outstation<_, 16> =
        Outstation::new(OutstationConfig::new(P, CA), SliceDatabase::new(points));
    let link = LinkConfig {
        response_timeout: Duration::from_millis(20),
        ..LinkConfig::default()
    };
    let mut slave = SlaveSession::new(
        SecondaryConfig {
            link,
            address: 1,
            no_data: NoDataResponse::SingleChar,
        },
        st,
    )
    .unwrap();
    let mut master: MasterSession<2, 2> = MasterSession::new(
        PrimaryConfig {
            link,
            ..PrimaryConfig::default()
        },
        MasterConfig::new(P),
    )
    .unwrap();
    master.add_secondary(1).unwrap();
    let mut now = Instant::from_secs(1);
    master
        .master_mut(1)
        .unwrap()
        .interrogate(now, CA, Qoi::STATION, Completion::OnTermination)
        .unwrap();
    let (mut interrogated, mut spontaneous, mut done) = (0, 0, false);
    let mut buf = [0u8; MAX_FRAME_LEN];
    let mut queued = 0u32;
    for _ in 0..3000 {
        now = now + Duration::from_millis(1);
        if done && queued < 100 && slave.station().is_idle() {
            let obj = InfoObject::new(
                Ioa::from(1),
                Value::MSpNa1(Siq::new(queued.is_multiple_of(2), Quality::GOOD)),
            );
            slave
                .station_mut()
                .queue_event(CA, Cause::SPONTANEOUS, &[obj])
                .unwrap();
            queued += 1;
        }
        master.handle_timeout(now);
        if let Some(n) = master.poll_transmit(&mut buf) {
            slave.handle_input(now, &buf[..n]);
            if let Some(k) = slave.poll_transmit(&mut buf) {
                master.handle_input(now, &buf[..k]);
            }
        }
        while let Some(i) = master.poll_input(now) {
            match i {
                MasterInput::Data { received, .. } => match received.view.header().cot.cause {
                    Cause::SPONTANEOUS => spontaneous += 1,
                    Cause::INTERROGATED => interrogated += u32::from(received.view.count()),
                    _ => {}
                },
                MasterInput::Result { result, .. } => done |= result.outcome == Outcome::Terminated,
                _ => {}
            }
        }
    }
    (interrogated, spontaneous, done)
}

#[test]
fn sessions_never_allocate() {
    let mut points: Vec<Point> = (1..=40)
        .map(|i| {
            Point::monitored(
                CA,
                Ioa::from(i),
                Value::MSpNa1(Siq::new(false, Quality::GOOD)),
            )
        })
        .collect();
    let mut result = None;
    let info = allocation_counter::measure(|| result = Some(session(&mut points)));
    assert_eq!(info.count_total, 0, "allocations in the session types");
    assert_eq!(result, Some((40, 100, true)));
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
}
