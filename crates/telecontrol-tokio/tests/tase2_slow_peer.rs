//! A TASE.2 client that stops reading while the station reports by exception: the
//! station never waits for it, its reports wait in the association's bounded queues (none
//! is dropped from the live association), the association closes as a slow peer after the
//! send stall time-out and the station releases its transfer set; a second client that
//! reads keeps getting its reports throughout. The slow client reaches the server through a relay that stops
//! reading from the server when told to (the client itself stays unaware).
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

use telecontrol_tokio::mms::mms_pdu;
use telecontrol_tokio::mms::{MmsServerConfig, mms_pdu::association::Config};
use telecontrol_tokio::tase2::tase2_transfer_sets;
use telecontrol_tokio::tase2::{Tase2Client, Tase2Server};

use mms_pdu::driver::limit_counts;
use tase2_transfer_sets::ValueKind;
use tase2_transfer_sets::client::{PointName, TransferSetOptions};
use tase2_transfer_sets::station::{PointId, StationEvent, Tase2Station};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};

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
async fn relay(target: SocketAddr, frozen: Arc<AtomicBool>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        // A small receive buffer: the server's output stalls after little data.
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let server = socket.connect(target).await.unwrap();
        let (mut client_rx, mut client_tx) = client.into_split();
        let (mut server_rx, mut server_tx) = server.into_split();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 16_384];
            while let Ok(n @ 1..) = client_rx.read(&mut buf).await {
                if server_tx.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        });
        let mut buf = vec![0u8; 16_384];
        loop {
            if frozen.load(Ordering::SeqCst) {
                // Keep both sockets open, read nothing more.
                tokio::time::sleep(LIMIT * 2).await;
                return;
            }
            let Ok(Ok(n @ 1..)) =
                tokio::time::timeout(Duration::from_millis(10), server_rx.read(&mut buf)).await
            else {
                continue;
            };
            if client_tx.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    });
    addr
}

/// Connect, define the data set `name` of every point and start an RBE transfer set on
/// it.
async fn subscribe(addr: SocketAddr, name: &str) -> Tase2Client {
    let mut client = Tase2Client::connect(addr, client_config()).await.unwrap();
    let members: Vec<_> = (0..POINTS)
        .map(|i| (PointName::icc("ICC1", &point(i)), ValueKind::RealQ))
        .collect();
    client.define_data_set(name, &members).await.unwrap();
    client
        .start_transfer_set(name, TransferSetOptions::default())
        .await
        .unwrap();
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tase2_tokio_a_client_that_stops_reading_is_closed_and_its_transfer_set_released() {
    let before = limit_counts();
    let (station, points) = station();
    let update = |server: &Tase2Server, v: f32| {
        for p in &points {
            server.update(*p, real(v)).unwrap();
        }
    };
    let mut mms = Config::DEFAULT;
    mms.send_stall_timeout = Some(Duration::from_secs(1));
    let mut server = Tase2Server::bind("127.0.0.1:0", MmsServerConfig::new(mms), station)
        .await
        .unwrap();
    let frozen = Arc::new(AtomicBool::new(false));
    let via = relay(server.local_addr(), Arc::clone(&frozen)).await;
    let slow = subscribe(via, "DS_SLOW").await;
    let mut reader = subscribe(server.local_addr(), "DS_READ").await;
    // Both get reports while the relay passes everything.
    update(&server, 1.0);
    let first = tokio::time::timeout(LIMIT, reader.next_report()).await;
    assert!(matches!(first, Ok(Some(_))), "{first:?}");
    // Which association is the slow one: the first the station saw.
    let mut enabled = Vec::new();
    let t0 = std::time::Instant::now();
    while enabled.len() < 2 {
        assert!(
            t0.elapsed() < LIMIT,
            "transfer sets not enabled: {enabled:?}"
        );
        if let Ok(Some(StationEvent::TransferSetEnabled { association, .. })) =
            tokio::time::timeout(Duration::from_millis(10), server.next_event()).await
        {
            enabled.push(association);
        }
    }
    let slow_id = enabled[0];

    // The reading client reads on its own task until told to stop, telling the update
    // round it has seen; the updates keep at most LAG rounds ahead of it.
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(AtomicU32::new(1));
    let (stop_reading, seen_by_reader) = (Arc::clone(&stop), Arc::clone(&seen));
    let reading = tokio::spawn(async move {
        let mut received = 0usize;
        while !stop_reading.load(Ordering::SeqCst) {
            if let Ok(r) =
                tokio::time::timeout(Duration::from_millis(10), reader.next_report()).await
            {
                let Some(report) = r else {
                    panic!(
                        "the reading client's association ended after {received} reports: {:?}",
                        limit_counts()
                    );
                };
                seen_by_reader.fetch_max(round(&report), Ordering::SeqCst);
                received += 1;
            }
        }
        (reader, received)
    });
    // The slow client's relay stops reading; the station reports every change.
    frozen.store(true, Ordering::SeqCst);
    let t0 = std::time::Instant::now();
    let mut updates = 0u32;
    let mut turns = 0u32;
    let mut disabled = false;
    let released = loop {
        assert!(
            t0.elapsed() < LIMIT,
            "not released after {updates} updates, {:?}",
            limit_counts()
        );
        if updates < seen.load(Ordering::SeqCst) + LAG {
            updates += 1;
            update(&server, updates as f32);
        }
        // Leave the pump time to report (it takes the station's lock too).
        tokio::time::sleep(Duration::from_millis(1)).await;
        turns += 1;
        if !turns.is_multiple_of(16) {
            continue;
        }
        match tokio::time::timeout(Duration::from_millis(1), server.next_event()).await {
            Ok(Some(StationEvent::TransferSetDisabled { association, .. })) => {
                disabled |= association == slow_id;
            }
            Ok(Some(StationEvent::Released { association })) => break association,
            _ => {}
        }
    };
    stop.store(true, Ordering::SeqCst);
    let (mut reader, received) = reading.await.unwrap();
    let after = limit_counts();
    eprintln!(
        "slow TASE.2 client released after {:?}: {updates} rounds of updates, {} reports \
         refused, {received} reports read by the other client",
        t0.elapsed(),
        after.unconfirmed_refused - before.unconfirmed_refused
    );
    assert_eq!(released, slow_id);
    assert!(after.slow_peer > before.slow_peer);
    // No report was dropped from the live association: they waited in its send queue
    // until the close (at most the one that would have overflowed that queue is refused,
    // when a faster station fills it before the stall time-out).
    assert!(after.unconfirmed_refused - before.unconfirmed_refused <= 1);
    // Its transfer set was stopped (the event may come just before or after the release).
    while !disabled {
        match tokio::time::timeout(LIMIT, server.next_event()).await {
            Ok(Some(StationEvent::TransferSetDisabled { association, .. })) => {
                disabled = association == slow_id;
            }
            Ok(Some(_)) => {}
            other => panic!("no TransferSetDisabled: {other:?}"),
        }
    }
    // The reading client was served throughout and still is.
    assert!(received > 0);
    update(&server, -1.0);
    let t0 = std::time::Instant::now();
    loop {
        assert!(
            t0.elapsed() < LIMIT,
            "the reading client gets no more reports"
        );
        let r = tokio::time::timeout(LIMIT, reader.next_report()).await;
        let report = r.unwrap().expect("the reading client's association ended");
        if format!("{report:?}").contains("-1.0") {
            break;
        }
    }
    drop(slow);
}
