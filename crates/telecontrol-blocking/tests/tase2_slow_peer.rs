//! A TASE.2 client that stops reading while the station reports by exception: the
//! station never waits for it, its reports wait in the association's bounded queues (none
//! is dropped from the live association), the association closes as a slow peer after the
//! send stall time-out and the station releases its transfer set; a second client that
//! reads keeps getting its reports throughout. The slow client reaches the server through a relay that stops
//! reading from the server when told to (the client itself stays unaware). The blocking
//! adapter's IO thread finds the stall through the link's deadline.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use telecontrol_blocking::mms::mms_pdu;
use telecontrol_blocking::mms::{MmsServerConfig, mms_pdu::association::Config};
use telecontrol_blocking::tase2::tase2_transfer_sets;
use telecontrol_blocking::tase2::{Tase2Client, Tase2Server};

use mms_pdu::driver::limit_counts;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use tase2_transfer_sets::ValueKind;
use tase2_transfer_sets::client::{PointName, TransferSetOptions};
use tase2_transfer_sets::station::{PointId, StationEvent, Tase2Station};

const LIMIT: Duration = Duration::from_secs(60);

#[path = "../../testkit/src/tase2_slow_peer.rs"]
mod common;
use common::{LAG, POINTS, client_config, point, real, round};

/// The station of the shared setup, made by this adapter.
fn station() -> (Arc<Tase2Station>, Vec<PointId>) {
    common::station(Tase2Server::new_station)
}

/// A relay for one connection to `target`; setting the flag stops it reading from the
/// server (the server's octets then pile up in the sockets until their windows close).
fn relay(target: SocketAddr, frozen: Arc<AtomicBool>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let server = TcpStream::connect(target).unwrap();
        let (mut client_rx, mut server_tx) =
            (client.try_clone().unwrap(), server.try_clone().unwrap());
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 16_384];
            while let Ok(n @ 1..) = client_rx.read(&mut buf) {
                if server_tx.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        });
        let (mut server_rx, mut client_tx) = (server, client);
        server_rx
            .set_read_timeout(Some(Duration::from_millis(10)))
            .unwrap();
        let mut buf = vec![0u8; 16_384];
        loop {
            if frozen.load(Ordering::SeqCst) {
                // Keep both sockets open, read nothing more.
                std::thread::sleep(LIMIT * 2);
                return;
            }
            match server_rx.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    if client_tx.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return,
            }
        }
    });
    addr
}

/// Connect, define the data set `name` of every point and start an RBE transfer set on
/// it.
fn subscribe(addr: SocketAddr, name: &str) -> Tase2Client {
    let mut client = Tase2Client::connect(addr, client_config()).unwrap();
    let members: Vec<_> = (0..POINTS)
        .map(|i| (PointName::icc("ICC1", &point(i)), ValueKind::RealQ))
        .collect();
    client.define_data_set(name, &members).unwrap();
    client
        .start_transfer_set(name, TransferSetOptions::default())
        .unwrap();
    client
}

#[test]
fn tase2_blocking_a_client_that_stops_reading_is_closed_and_its_transfer_set_released() {
    let before = limit_counts();
    let (station, points) = station();
    let mut mms = Config::DEFAULT;
    mms.send_stall_timeout = Some(Duration::from_secs(1));
    let server = Tase2Server::bind("127.0.0.1:0", MmsServerConfig::new(mms), station).unwrap();
    let update = |v: f32| {
        for p in &points {
            server.update(*p, real(v)).unwrap();
        }
    };
    let frozen = Arc::new(AtomicBool::new(false));
    let via = relay(server.local_addr(), Arc::clone(&frozen));
    let slow = subscribe(via, "DS_SLOW");
    let mut reader = subscribe(server.local_addr(), "DS_READ");
    // Both get reports while the relay passes everything.
    update(1.0);
    assert!(reader.next_report_timeout(LIMIT).is_some());
    // Which association is the slow one: the first the station saw.
    let mut enabled = Vec::new();
    let t0 = std::time::Instant::now();
    while enabled.len() < 2 {
        assert!(
            t0.elapsed() < LIMIT,
            "transfer sets not enabled: {enabled:?}"
        );
        if let Some(StationEvent::TransferSetEnabled { association, .. }) =
            server.next_event_timeout(Duration::from_millis(10))
        {
            enabled.push(association);
        }
    }
    let slow_id = enabled[0];

    // The reading client reads on its own thread until told to stop, telling the update
    // round it has seen; the updates keep at most LAG rounds ahead of it.
    let stop = AtomicBool::new(false);
    let seen = AtomicU32::new(1);
    std::thread::scope(|scope| {
        let reading = scope.spawn(|| {
            let mut received = 0usize;
            while !stop.load(Ordering::SeqCst) {
                if let Some(report) = reader.next_report_timeout(Duration::from_millis(10)) {
                    seen.fetch_max(round(&report), Ordering::SeqCst);
                    received += 1;
                }
            }
            received
        });
        // The slow client's relay stops reading; the station reports every change.
        frozen.store(true, Ordering::SeqCst);
        let t0 = std::time::Instant::now();
        let mut updates = 0u32;
        let mut disabled = false;
        let released = loop {
            assert!(
                t0.elapsed() < LIMIT,
                "not released after {updates} updates, {:?}",
                limit_counts()
            );
            if updates < seen.load(Ordering::SeqCst) + LAG {
                updates += 1;
                update(updates as f32);
            }
            std::thread::sleep(Duration::from_millis(1));
            match server.next_event_timeout(Duration::ZERO) {
                Some(StationEvent::TransferSetDisabled { association, .. }) => {
                    disabled |= association == slow_id;
                }
                Some(StationEvent::Released { association }) => break association,
                _ => {}
            }
        };
        stop.store(true, Ordering::SeqCst);
        let received = reading.join().unwrap();
        let after = limit_counts();
        eprintln!(
            "slow TASE.2 client released after {:?}: {updates} rounds of updates, {} reports \
             refused, {received} reports read by the other client",
            t0.elapsed(),
            after.unconfirmed_refused - before.unconfirmed_refused
        );
        assert_eq!(released, slow_id);
        assert!(after.slow_peer > before.slow_peer);
        // No report was dropped from the live association (at most the one that would have
        // overflowed its send queue, when a faster station fills it before the stall).
        assert!(after.unconfirmed_refused - before.unconfirmed_refused <= 1);
        assert!(received > 0);
        // Its transfer set was stopped (the event may come just before or after the
        // release).
        while !disabled {
            match server.next_event_timeout(LIMIT) {
                Some(StationEvent::TransferSetDisabled { association, .. }) => {
                    disabled = association == slow_id;
                }
                Some(_) => {}
                None => panic!("no TransferSetDisabled"),
            }
        }
    });
    // The reading client was served throughout and still is.
    update(-1.0);
    let t0 = std::time::Instant::now();
    loop {
        assert!(
            t0.elapsed() < LIMIT,
            "the reading client gets no more reports"
        );
        let report = reader
            .next_report_timeout(LIMIT)
            .expect("the reading client's association ended");
        if format!("{report:?}").contains("-1.0") {
            break;
        }
    }
    drop(slow);
}
