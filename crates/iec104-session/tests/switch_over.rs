//! Two controlling stations against one redundancy group, wired by hand with a manual clock:
//! events sent on the first connection and not acknowledged are sent on the second, in order.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iec104_apci::{ApciConfig, Connection, Event, MAX_APDU_LEN, Role};
use station::asdu::{AsduParams, Cause, CommonAddress, InfoObject, Ioa, Qds, Quality, Value};
use station::{Outstation, OutstationConfig, Point, SliceDatabase};
use telecontrol_core::Instant;
use telecontrol_iec104_session::{LinkEvent, LinkId, OutstationLink, StationGroup};

const CA: CommonAddress = CommonAddress(1);

/// Move octets from `link` to `master`; returns the ASDUs the master received.
fn to_master(link: &mut OutstationLink, master: &mut Connection, now: Instant) -> Vec<Vec<u8>> {
    let mut buf = [0u8; 4 * MAX_APDU_LEN];
    let mut got = Vec::new();
    while let Some(n) = link.poll_transmit(&mut buf) {
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let used = master.handle_input(now, rest).unwrap();
            while let Some(e) = master.poll_event() {
                if let Event::Asdu(a) = e {
                    got.push(a.to_vec());
                }
            }
            rest = &rest[used..];
        }
    }
    got
}

fn to_link<D: station::PointDatabase, const N: usize>(
    master: &mut Connection,
    link: &mut OutstationLink,
    group: &mut StationGroup<D, N>,
    now: Instant,
) {
    let mut buf = [0u8; 4 * MAX_APDU_LEN];
    while let Some(n) = master.poll_transmit(&mut buf) {
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let used = link.handle_input(now, rest, group).unwrap();
            rest = &rest[used..];
        }
    }
    link.fill(now, group);
}

fn float(v: f32) -> Value<'static> {
    Value::MMeNc1(v, Qds::new(Quality::GOOD))
}

#[test]
fn unacknowledged_events_move_to_the_new_active_connection_in_order() {
    let t = Instant::from_secs(1);
    let mut points = [Point::monitored(CA, Ioa::new(1).unwrap(), float(0.0))];
    let station: Outstation<_, 32> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(&mut points),
    );
    let mut group = StationGroup::new(station);
    let cfg = ApciConfig::DEFAULT;
    let mut a = OutstationLink::<12>::new(LinkId(1), cfg, t).unwrap();
    let mut b = OutstationLink::<12>::new(LinkId(2), cfg, t).unwrap();
    let mut ma: Connection = Connection::new(cfg, Role::Controlling, t).unwrap();
    let mut mb: Connection = Connection::new(cfg, Role::Controlling, t).unwrap();

    ma.start_dt(t).unwrap();
    to_link(&mut ma, &mut a, &mut group, t);
    assert_eq!(
        a.poll_event(),
        Some(LinkEvent::Activated { replaced: None })
    );
    assert!(to_master(&mut a, &mut ma, t).is_empty());
    let queue = |g: &mut StationGroup<_, 32>, v: f32| {
        let o = [InfoObject::new(Ioa::new(1).unwrap(), float(v))];
        g.station_mut()
            .queue_event(CA, Cause::SPONTANEOUS, &o)
            .unwrap();
    };
    for i in 0..5 {
        queue(&mut group, i as f32);
    }
    a.fill(t, &mut group);
    let on_a = to_master(&mut a, &mut ma, t);
    assert_eq!(on_a.len(), 5);
    // ma never acknowledges; b takes over.
    mb.start_dt(t).unwrap();
    to_link(&mut mb, &mut b, &mut group, t);
    assert_eq!(
        b.poll_event(),
        Some(LinkEvent::Activated {
            replaced: Some(LinkId(1))
        })
    );
    queue(&mut group, 99.0);
    b.fill(t, &mut group);
    let on_b = to_master(&mut b, &mut mb, t);
    assert_eq!(on_b.len(), 6);
    assert_eq!(on_b[..5], on_a[..]);
    // a notices on its next step and closes.
    a.handle_timeout(t, &mut group);
    assert_eq!(a.poll_event(), Some(LinkEvent::Replaced));
    assert!(a.is_closed());
    assert_eq!(group.active(), Some(LinkId(2)));
}

#[test]
fn a_closed_active_link_leaves_its_unacknowledged_events_for_the_next_one() {
    let t = Instant::from_secs(1);
    let mut points = [Point::monitored(CA, Ioa::new(1).unwrap(), float(0.0))];
    let station: Outstation<_, 32> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(&mut points),
    );
    let mut group = StationGroup::new(station);
    let cfg = ApciConfig::DEFAULT;
    let mut a = OutstationLink::<12>::new(LinkId(1), cfg, t).unwrap();
    let mut ma: Connection = Connection::new(cfg, Role::Controlling, t).unwrap();
    ma.start_dt(t).unwrap();
    to_link(&mut ma, &mut a, &mut group, t);
    assert!(to_master(&mut a, &mut ma, t).is_empty());
    for i in 0..4 {
        let o = [InfoObject::new(Ioa::new(1).unwrap(), float(i as f32))];
        group
            .station_mut()
            .queue_event(CA, Cause::SPONTANEOUS, &o)
            .unwrap();
    }
    a.fill(t, &mut group);
    let on_a = to_master(&mut a, &mut ma, t);
    assert_eq!(on_a.len(), 4);
    // The master acknowledges the first two only (an S frame with N(R) = 2).
    let mut buf = [0u8; 6];
    let s_frame = iec104_apci::Apdu {
        apci: iec104_apci::Apci::S {
            recv_seq: iec104_apci::Seq::new(2).unwrap(),
        },
        asdu: &[],
    };
    let n = telecontrol_core::Encode::encode(&s_frame, &mut buf).unwrap();
    a.handle_input(t, &buf[..n], &mut group).unwrap();
    assert_eq!(group.station().stats().events_in_flight, 2);
    // The socket dies: the driver releases the link.
    a.release(&mut group);
    assert_eq!(group.active(), None);
    assert_eq!(group.station().stats().events_in_flight, 0);
    assert_eq!(group.station().stats().events_queued, 2);
    // The next connection gets the two unacknowledged events, in order.
    let mut b = OutstationLink::<12>::new(LinkId(2), cfg, t).unwrap();
    let mut mb: Connection = Connection::new(cfg, Role::Controlling, t).unwrap();
    mb.start_dt(t).unwrap();
    to_link(&mut mb, &mut b, &mut group, t);
    let on_b = to_master(&mut b, &mut mb, t);
    assert_eq!(on_b, on_a[2..]);
}

#[test]
fn a_standby_link_does_not_touch_the_station() {
    let t = Instant::from_secs(1);
    let mut points = [Point::monitored(CA, Ioa::new(1).unwrap(), float(0.0))];
    let station: Outstation<_, 32> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(&mut points),
    );
    let mut group = StationGroup::new(station);
    let cfg = ApciConfig::DEFAULT;
    let mut a = OutstationLink::<12>::new(LinkId(1), cfg, t).unwrap();
    let o = [InfoObject::new(Ioa::new(1).unwrap(), float(1.0))];
    group
        .station_mut()
        .queue_event(CA, Cause::SPONTANEOUS, &o)
        .unwrap();
    // Connected but data transfer not started: nothing leaves the buffer.
    a.fill(t, &mut group);
    let mut buf = [0u8; 4 * MAX_APDU_LEN];
    assert_eq!(a.poll_transmit(&mut buf), None);
    assert_eq!(group.station().stats().events_queued, 1);
    assert_eq!(group.active(), None);
    // Its t3 test frame runs regardless.
    a.handle_timeout(Instant::from_secs(21), &mut group);
    assert!(a.poll_transmit(&mut buf).is_some());
    assert_eq!(group.station().stats().events_in_flight, 0);
}
