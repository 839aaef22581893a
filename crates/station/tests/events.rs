//! The event buffer: overflow under both policies (counted and reported), release on the
//! transport's acknowledgement, and requeue of unacknowledged ASDUs in order.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use asdu::{AsduParams, AsduView, Cause, CommonAddress, InfoObject, Ioa, Quality, Siq, Value};
use common::{CA, Pair, points};
use telecontrol_station::{
    Event, EventRelease, Outstation, OutstationConfig, OverflowPolicy, Pushed, SliceDatabase,
    StationError,
};

const P: AsduParams = AsduParams::IEC104;

fn station(policy: OverflowPolicy, release: EventRelease) -> Outstation<SliceDatabase<'static>, 4> {
    let mut config = OutstationConfig::new(P, CA);
    config.overflow_policy = policy;
    config.event_release = release;
    Outstation::new(config, SliceDatabase::new(Vec::new().leak()))
}

fn event(ioa: u32) -> [InfoObject<'static>; 1] {
    [InfoObject::new(
        Ioa::new(ioa).unwrap(),
        Value::MSpNa1(Siq::new(true, Quality::GOOD)),
    )]
}

/// The IOAs of everything the station sends now.
fn drain<const N: usize>(st: &mut Outstation<SliceDatabase<'static>, N>) -> Vec<u32> {
    let mut buf = [0u8; 255];
    let mut v = Vec::new();
    while let Some(n) = st.poll_transmit(&mut buf) {
        let a = AsduView::decode(&P, &buf[..n]).unwrap();
        assert_eq!(a.cot().cause, Cause::SPONTANEOUS);
        v.push(a.objects().next().unwrap().ioa.value());
    }
    v
}

#[test]
fn refuse_newest_keeps_the_queue_and_reports() {
    let mut st = station(OverflowPolicy::RefuseNewest, EventRelease::OnAcknowledge);
    for i in 0..4 {
        assert_eq!(
            st.queue_event(CA, Cause::SPONTANEOUS, &event(i)),
            Ok(Pushed::Queued)
        );
    }
    assert_eq!(
        st.queue_event(CA, Cause::SPONTANEOUS, &event(4)),
        Err(StationError::QueueFull {
            queue: "event buffer"
        })
    );
    assert_eq!(
        st.queue_event(CA, Cause::SPONTANEOUS, &event(5)),
        Err(StationError::QueueFull {
            queue: "event buffer"
        })
    );
    assert_eq!(st.poll_event(), Some(Event::EventOverflow { total: 2 }));
    assert_eq!(st.poll_event(), None);
    assert_eq!(st.stats().event_overflows, 2);
    assert_eq!(drain(&mut st), [0, 1, 2, 3]);
    // Sent but not acknowledged: still occupying the buffer.
    assert!(st.queue_event(CA, Cause::SPONTANEOUS, &event(6)).is_err());
    assert_eq!(st.acknowledge(4), 4);
    assert_eq!(
        st.queue_event(CA, Cause::SPONTANEOUS, &event(6)),
        Ok(Pushed::Queued)
    );
}

#[test]
fn drop_oldest_discards_and_reports() {
    let mut st = station(OverflowPolicy::DropOldest, EventRelease::OnAcknowledge);
    for i in 0..6 {
        let r = st.queue_event(CA, Cause::SPONTANEOUS, &event(i)).unwrap();
        assert_eq!(
            r,
            if i < 4 {
                Pushed::Queued
            } else {
                Pushed::DroppedOldest
            }
        );
    }
    assert_eq!(st.poll_event(), Some(Event::EventOverflow { total: 2 }));
    assert_eq!(drain(&mut st), [2, 3, 4, 5]);
    st.queue_event(CA, Cause::SPONTANEOUS, &event(6)).unwrap();
    assert_eq!(
        st.stats().events_in_flight,
        3,
        "the oldest in-flight one was dropped"
    );
    assert_eq!(st.poll_event(), Some(Event::EventOverflow { total: 3 }));
}

#[test]
fn unacknowledged_events_are_requeued_in_order_before_new_ones() {
    let mut st = station(OverflowPolicy::RefuseNewest, EventRelease::OnAcknowledge);
    for i in 0..4 {
        st.queue_event(CA, Cause::SPONTANEOUS, &event(10 + i))
            .unwrap();
    }
    assert_eq!(drain(&mut st), [10, 11, 12, 13]);
    assert_eq!(st.acknowledge(1), 1);
    assert_eq!(st.stats().events_in_flight, 3);
    // The connection drops with 11, 12, 13 unacknowledged.
    assert_eq!(st.connection_lost(), 3);
    st.queue_event(CA, Cause::SPONTANEOUS, &event(14)).unwrap();
    assert_eq!(drain(&mut st), [11, 12, 13, 14]);
    // Acknowledgements now count from the new transmissions.
    assert_eq!(st.acknowledge(2), 2);
    assert_eq!(st.requeue_unacknowledged(), 2);
    assert_eq!(drain(&mut st), [13, 14]);
    assert_eq!(st.acknowledge(10), 2, "more than was sent is capped");
    assert_eq!(st.stats().events_queued, 0);
}

#[test]
fn acknowledgements_skip_answers_interleaved_with_events() {
    let mut pts = points(2);
    let mut pair = Pair::iec104(&mut pts);
    let st = &mut pair.outstation;
    st.queue_event(CA, Cause::SPONTANEOUS, &event(1000))
        .unwrap();
    let mut buf = [0u8; 255];
    let read = common::asdu(
        &P,
        asdu::TypeId::CRdNa1,
        asdu::Cot::new(Cause::REQUEST),
        CA,
        1000,
        Value::CRdNa1,
    );
    st.handle_input(pair.now, &read);
    assert_eq!(
        st.poll_transmit(&mut buf).map(|_| buf[2]),
        Some(5),
        "answer first"
    );
    assert_eq!(st.poll_transmit(&mut buf).map(|n| buf[..n][2]), Some(3));
    assert_eq!(
        st.acknowledge(1),
        0,
        "the first ASDU acknowledged was the answer"
    );
    assert_eq!(st.acknowledge(1), 1);
}

#[test]
fn release_on_transmit_and_queue_event_errors() {
    let mut st = station(OverflowPolicy::RefuseNewest, EventRelease::OnTransmit);
    for i in 0..4 {
        st.queue_event(CA, Cause::SPONTANEOUS, &event(i)).unwrap();
    }
    assert_eq!(drain(&mut st), [0, 1, 2, 3]);
    assert_eq!(st.stats().events_queued, 0);
    assert_eq!(st.requeue_unacknowledged(), 0);
    assert_eq!(
        st.queue_event(CA, Cause::SPONTANEOUS, &[]),
        Err(StationError::Empty)
    );
    assert_eq!(
        st.queue_event(CommonAddress(3), Cause::SPONTANEOUS, &event(1)),
        Err(StationError::NotServed {
            ca: CommonAddress(3)
        })
    );
    let cmd = [InfoObject::new(Ioa::new(1).unwrap(), Value::CRdNa1)];
    assert!(matches!(
        st.queue_event(CA, Cause::SPONTANEOUS, &cmd),
        Err(StationError::InvalidType { type_id: 102 })
    ));
    let cp24 = [InfoObject::new(
        Ioa::new(1).unwrap(),
        Value::MSpTa1(Siq::default(), asdu::Cp24Time2a::new(1, 2).unwrap()),
    )];
    assert!(matches!(
        st.queue_event(CA, Cause::SPONTANEOUS, &cp24),
        Err(StationError::InvalidType { type_id: 2 })
    ));
    // Many objects into one ASDU up to the maximum length, then an error.
    let many: Vec<InfoObject<'static>> = (0..61).map(|i| event(i)[0]).collect();
    assert!(st.queue_event(CA, Cause::SPONTANEOUS, &many[..60]).is_ok());
    assert!(matches!(
        st.queue_event(CA, Cause::SPONTANEOUS, &many),
        Err(StationError::Asdu(_))
    ));
}

#[test]
fn class_1_and_class_2_polls_for_an_unbalanced_101_link() {
    let mut pts = points(3);
    let mut pair = Pair::iec104(&mut pts);
    let st = &mut pair.outstation;
    assert!(!st.has_class1() && !st.has_class2());
    st.queue_event(CA, Cause::SPONTANEOUS, &event(1000))
        .unwrap();
    let gi = common::asdu(
        &P,
        asdu::TypeId::CIcNa1,
        asdu::Cot::new(Cause::ACTIVATION),
        CA,
        0,
        Value::CIcNa1(asdu::Qoi::STATION),
    );
    st.handle_input(pair.now, &gi);
    assert!(st.has_class1() && st.has_class2());
    let mut buf = [0u8; 255];
    let class2 = telecontrol_station::DataClass::Class2;
    let class1 = telecontrol_station::DataClass::Class1;
    assert_eq!(
        st.poll_transmit_for(&mut buf, class2)
            .map(|_| (buf[0], buf[2])),
        Some((100, 7))
    );
    assert_eq!(
        st.poll_transmit_for(&mut buf, class1)
            .map(|_| (buf[0], buf[2])),
        Some((1, 3))
    );
    assert_eq!(st.poll_transmit_for(&mut buf, class1), None);
    assert!(!st.has_class1());
    let mut class2_asdus = 0;
    while st.poll_transmit_for(&mut buf, class2).is_some() {
        class2_asdus += 1;
    }
    assert_eq!(
        class2_asdus, 4,
        "single points, measured values, double point, termination"
    );
    assert!(!st.has_class2());
}
