//! Link loss: an event whose response never reaches the master is requeued when the master
//! resets the link and arrives after it; the runner's echo filter and serial timing.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use core::time::Duration;
use station::asdu::{AsduParams, Cause, CommonAddress, InfoObject, Ioa, Quality, Siq, Value};
use station::{MasterConfig, Outstation, OutstationConfig, Point, SliceDatabase};
use telecontrol_core::Instant;
use telecontrol_iec101_session::iec101_link::{
    LinkConfig, MAX_FRAME_LEN, NoDataResponse, PrimaryConfig, SecondaryConfig,
};
use telecontrol_iec101_session::{MasterInput, MasterSession, SlaveEvent, SlaveSession};

const P: AsduParams = AsduParams::IEC101_COMPACT;

#[test]
fn unconfirmed_event_is_requeued_on_link_reset_and_delivered() {
    let ca = CommonAddress(1);
    let mut points = [Point::monitored(
        ca,
        Ioa::from(1),
        Value::MSpNa1(Siq::new(false, Quality::GOOD)),
    )];
    let st: Outstation<_, 8> = Outstation::new(
        OutstationConfig::new(P, ca),
        SliceDatabase::new(&mut points),
    );
    let link = LinkConfig {
        response_timeout: Duration::from_millis(20),
        retries: 1,
        ..LinkConfig::default()
    };
    let mut slave = SlaveSession::new(
        SecondaryConfig {
            link,
            address: 5,
            no_data: NoDataResponse::SingleChar,
        },
        st,
    )
    .unwrap();
    let pc = PrimaryConfig {
        link,
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(50),
        ..PrimaryConfig::default()
    };
    let mut master: MasterSession<2, 2> = MasterSession::new(pc, MasterConfig::new(P)).unwrap();
    master.add_secondary(5).unwrap();
    let mut now = Instant::from_secs(1);
    let mut buf = [0u8; MAX_FRAME_LEN];
    let mut cut = false;
    let mut cut_frames = 0;
    let mut spontaneous = 0;
    let mut requeued = Vec::new();
    let mut link_downs = 0;
    for step in 0..3000 {
        now = now + Duration::from_millis(1);
        if step == 100 {
            let obj = InfoObject::new(Ioa::from(1), Value::MSpNa1(Siq::new(true, Quality::GOOD)));
            slave
                .station_mut()
                .queue_event(ca, Cause::SPONTANEOUS, &[obj])
                .unwrap();
            slave.fill();
            cut = true;
        }
        master.handle_timeout(now);
        slave.handle_timeout(now);
        if let Some(n) = master.poll_transmit(&mut buf) {
            slave.handle_input(now, &buf[..n]);
            if let Some(k) = slave.poll_transmit(&mut buf) {
                // The line drops every answer carrying user data until the master gave up.
                if cut && buf[0] == 0x68 {
                    cut_frames += 1;
                } else {
                    master.handle_input(now, &buf[..k]);
                }
            }
        }
        while let Some(ev) = slave.poll_event() {
            if let SlaveEvent::LinkReset { requeued: r } = ev {
                requeued.push(r);
                cut = false;
            }
        }
        while let Some(i) = master.poll_input(now) {
            match i {
                MasterInput::Data { received, .. }
                    if received.view.header().cot.cause == Cause::SPONTANEOUS =>
                {
                    spontaneous += 1
                }
                MasterInput::LinkDown { .. } => link_downs += 1,
                _ => {}
            }
        }
    }
    assert!(
        cut_frames >= 2,
        "the response and its repeat were dropped: {cut_frames}"
    );
    assert_eq!(link_downs, 1);
    // The first reset (start-up) requeued nothing, the one after the failure the event.
    assert_eq!(requeued, [0, 1]);
    assert_eq!(spontaneous, 1);
    assert!(slave.station().is_idle());
}

#[cfg(feature = "std")]
#[test]
fn echo_filter_drops_only_our_own_octets() {
    use telecontrol_iec101_session::runner::EchoFilter;
    let mut e = EchoFilter::default();
    e.sent(&[0x10, 0x49, 0x01, 0x4A, 0x16]);
    // Echo arrives in two pieces, then the slave's answer right behind it.
    assert_eq!(e.filter(&[0x10, 0x49]), &[] as &[u8]);
    assert_eq!(e.filter(&[0x01, 0x4A, 0x16, 0xE5]), &[0xE5]);
    assert_eq!(e.pending(), 0);
    // No echo at all (a four-wire line): the first differing octet ends the expectation.
    e.sent(&[0x10, 0x5B]);
    assert_eq!(e.filter(&[0xE5]), &[0xE5]);
    assert_eq!(e.pending(), 0);
}

#[cfg(feature = "std")]
#[test]
fn serial_idle_timeout_follows_the_baud_rate() {
    use telecontrol_iec101_session::runner::{Parity, SerialSettings};
    let s = SerialSettings {
        baud: 9600,
        idle_jitter: Duration::ZERO,
        ..SerialSettings::default()
    };
    assert_eq!(s.parity, Parity::Even);
    assert_eq!(s.bits_per_char(), 11);
    // 33 bit times + one 11-bit character at 9600 baud: 44 / 9600 s = 4.583 ms.
    let t = s.idle_timeout();
    assert!(
        t >= Duration::from_micros(4583) && t <= Duration::from_micros(4584),
        "{t:?}"
    );
    let none = SerialSettings {
        parity: Parity::None,
        ..s
    };
    assert_eq!(none.bits_per_char(), 10);
    assert!(none.idle_timeout() < t);
}
