//! The blocking `Tase2Server`'s receiver thread sleeps until something happens: over idle
//! periods (no client, then an associated client that sends nothing) it does not wake at
//! all, where the earlier 20 ms poll woke about 50 times a second; it still sees a new
//! association, a client's PDU, a close and the shutdown without any poll. Every outcome
//! is decided by what happened: the idle windows only give a poll the chance to show
//! (a slower machine makes fewer polls, never more wake-ups), and each wait for a reaction
//! is bounded by a generous hang guard.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::sync::mpsc;
use std::time::{Duration, Instant};

use telecontrol_blocking::mms::MmsServerConfig;
use telecontrol_blocking::tase2::tase2_transfer_sets;
use telecontrol_blocking::tase2::{Tase2Client, Tase2Server};

use tase2_transfer_sets::InfoMessHeader;
use tase2_transfer_sets::station::StationEvent;

#[path = "../../testkit/src/tase2_slow_peer.rs"]
mod common;

/// Hang guard for every wait.
const LIMIT: Duration = Duration::from_secs(30);
/// An idle window: a 20 ms poll would wake about 100 times in it.
const IDLE: Duration = Duration::from_secs(2);
/// Wake-ups tolerated in an idle window (none are expected).
const IDLE_WAKEUPS: u64 = 2;

/// Wake-ups of the receiver over one idle window.
fn idle_wakeups(server: &Tase2Server) -> u64 {
    let before = server.receiver_wakeups();
    std::thread::sleep(IDLE);
    server.receiver_wakeups() - before
}

/// The next station event that `pick` takes, bounded by [`LIMIT`].
fn await_event<T>(server: &Tase2Server, mut pick: impl FnMut(StationEvent) -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        let left = LIMIT.checked_sub(start.elapsed()).expect("event not seen");
        if let Some(t) = server.next_event_timeout(left).and_then(&mut pick) {
            return t;
        }
    }
}

#[test]
fn the_receiver_sleeps_while_idle_and_still_reacts() {
    let (station, _) = common::station(Tase2Server::new_station);
    let server = Tase2Server::bind("127.0.0.1:0", MmsServerConfig::default(), station).unwrap();

    // No client at all.
    let w = idle_wakeups(&server);
    assert!(w <= IDLE_WAKEUPS, "{w} wake-ups without any client");

    // A client associates: the receiver adds it to the list without a poll (nothing else
    // wakes it: the association's requests go to the station, not through the receiver).
    let client = Tase2Client::connect(server.local_addr(), common::client_config()).unwrap();
    let id = await_event(&server, |e| match e {
        StationEvent::Associated { association, .. } => Some(association),
        _ => None,
    });
    assert!(server.association_timeout(id, LIMIT).is_some());

    // Associated, silent.
    let w = idle_wakeups(&server);
    assert!(w <= IDLE_WAKEUPS, "{w} wake-ups with an idle association");

    // A PDU of the client (an information message) wakes it and reaches the station.
    let before = server.receiver_wakeups();
    let header = InfoMessHeader {
        info_reference: 1,
        local_reference: 2,
        message_id: 3,
        size: 0,
    };
    client.send_message(true, header, b"hello").unwrap();
    let data = await_event(&server, |e| match e {
        StationEvent::Message {
            association, data, ..
        } if association == id => Some(data),
        _ => None,
    });
    assert_eq!(data, b"hello");
    assert!(server.receiver_wakeups() > before);

    // The close takes the association off the list.
    client.conclude(LIMIT).unwrap();
    let start = Instant::now();
    while server.association(id).is_some() {
        assert!(
            start.elapsed() < LIMIT,
            "the closed association stays listed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    // The shutdown ends both threads (the receiver is woken for it).
    let (done, closed) = mpsc::channel();
    std::thread::spawn(move || {
        server.close();
        let _ = done.send(());
    });
    closed
        .recv_timeout(LIMIT)
        .expect("close did not end the threads");
}
