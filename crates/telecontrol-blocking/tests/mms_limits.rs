//! Limits against broken or hostile MMS peers, end to end over 127.0.0.1 with raw peers
//! (`testkit/src/e2e_mms_limits.rs`): a peer that associates and stops reading while the
//! server reports is closed as a slow peer with bounded output; a TCP peer that says
//! nothing, and one that stops after the CR, are dropped after the connect timeout; an
//! MMS PDU above the negotiated size is rejected, a TPDU above the negotiated size aborts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use telecontrol_blocking::mms::mms_pdu;
use telecontrol_blocking::mms::{MmsEvent, MmsServer, MmsServerConfig};

use mms_pdu::association::CloseReason;
use mms_pdu::cotp::TpduSize;
use mms_pdu::driver::limit_counts;
use mms_pdu::mms::{ConfirmedRequestReject, RejectPdu, RejectReason};

#[path = "../../testkit/src/e2e_mms_gate.rs"]
mod e2e_mms_gate;
#[path = "../../testkit/src/e2e_mms_limits.rs"]
mod e2e_mms_limits;

use e2e_mms_gate::Gate;
use e2e_mms_limits::{
    LIMIT, RawPeer, closed_within, connection_request, framed, identify_requests, server_config,
    with_report, write_request,
};

fn server() -> MmsServer {
    let cfg = MmsServerConfig::new(server_config());
    MmsServer::bind("127.0.0.1:0", cfg, Arc::new(Gate::default())).unwrap()
}

fn wait_associations(server: &MmsServer, n: usize) {
    let t0 = std::time::Instant::now();
    while server.associations().len() < n {
        assert!(t0.elapsed() < LIMIT, "never associated");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn mms_blocking_a_peer_that_stops_reading_is_closed_as_slow_with_bounded_output() {
    let before = limit_counts();
    let server = server();
    let addr = server.local_addr();
    let mut slow = RawPeer::associate(addr);
    wait_associations(&server, 1);
    let slow_id = server.associations()[0].id();
    // A second peer keeps reading until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let stop_reading = Arc::clone(&stop);
    let reader = std::thread::spawn(move || {
        let mut p = RawPeer::associate(addr);
        p.read_until(|_| stop_reading.load(Ordering::SeqCst));
        p
    });
    wait_associations(&server, 2);
    // The slow peer never reads again; the server reports as fast as it can.
    let t0 = std::time::Instant::now();
    let (mut accepted, mut refused) = (0usize, 0usize);
    let (id, reason) = loop {
        assert!(
            t0.elapsed() < LIMIT,
            "not closed: {accepted} sent, {refused} refused"
        );
        let sent = with_report(900, |r| server.report(r));
        accepted += sent;
        if sent < 2 {
            refused += 2 - sent;
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some((id, MmsEvent::Closed(r))) = server.next_event_timeout(Duration::ZERO) {
            break (id, r);
        }
    };
    stop.store(true, Ordering::SeqCst);
    let reader = reader.join().unwrap();
    eprintln!(
        "slow peer: {reason:?} after {:?}, {accepted} reports accepted (both peers), \
         {refused} refused, {} read by the other peer",
        t0.elapsed(),
        reader.reports
    );
    assert_eq!(id, slow_id);
    assert!(matches!(reason, CloseReason::SlowPeer { .. }), "{reason:?}");
    // The queue refused reports before the close instead of growing: what was accepted
    // is what the socket buffers and the association's 64 KiB queue hold.
    assert!(refused > 0, "{accepted} accepted, none refused");
    assert!(accepted * 930 < 128 << 20, "{accepted} reports accepted");
    // The reading peer got its reports and is still served.
    assert!(reader.reports > 0 && reader.assoc.is_associated());
    assert_eq!(server.associations().len(), 1);
    assert_ne!(server.associations()[0].id(), slow_id);
    // The slow peer's connection is dropped: what it had not read, then the end.
    assert!(closed_within(&mut slow.stream).is_some(), "still open");
    let after = limit_counts();
    assert!(after.slow_peer > before.slow_peer);
    assert!(after.unconfirmed_refused > before.unconfirmed_refused);
}

#[test]
fn mms_blocking_a_silent_tcp_peer_is_dropped_after_the_connect_timeout() {
    let before = limit_counts();
    let server = server();
    let t0 = std::time::Instant::now();
    let mut s = std::net::TcpStream::connect(server.local_addr()).unwrap();
    let (_, got) = closed_within(&mut s).expect("a silent peer is never dropped");
    assert!(
        t0.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t0.elapsed()
    );
    assert!(got.is_empty(), "{got:02x?}");
    assert!(limit_counts().handshake_timeout > before.handshake_timeout);
}

#[test]
fn mms_blocking_a_peer_that_stops_after_the_cr_is_disconnected() {
    let server = server();
    let t0 = std::time::Instant::now();
    let mut s = std::net::TcpStream::connect(server.local_addr()).unwrap();
    std::io::Write::write_all(&mut s, &connection_request()).unwrap();
    let (_, got) = closed_within(&mut s).expect("never disconnected");
    assert!(
        t0.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t0.elapsed()
    );
    // CC (0xd0) then DR (0x80), each in its TPKT.
    let cc_len = usize::from(u16::from_be_bytes([got[2], got[3]]));
    assert_eq!(got[5], 0xd0, "{got:02x?}");
    assert_eq!(got[cc_len + 5], 0x80, "{got:02x?}");
}

#[test]
fn mms_blocking_oversized_pdus_are_rejected_and_oversized_tpdus_abort() {
    let before = limit_counts();
    let server = server();
    let mut peer = RawPeer::associate(server.local_addr());
    assert_eq!(peer.assoc.negotiated().max_pdu_size, 1000);
    // A request above the negotiated 1 000 octets: rejected, the association stays.
    peer.send_raw(&framed(&write_request(77, 1200), TpduSize::S1024));
    assert!(peer.read_until(|p| !p.rejects.is_empty()));
    assert_eq!(
        peer.rejects[0],
        RejectPdu {
            original_invoke_id: Some(77),
            reason: RejectReason::ConfirmedRequest(ConfirmedRequestReject::Unspecified),
        }
    );
    assert!(peer.assoc.is_associated());
    // A DT of 2 048 octets where 1 024 were negotiated: the server aborts.
    peer.send_raw(&framed(&write_request(78, 1500), TpduSize::S2048));
    assert!(peer.read_until(|p| p.closed.is_some()));
    assert_eq!(peer.closed, Some(CloseReason::PeerAbort));
    let after = limit_counts();
    assert!(after.rejects_sent > before.rejects_sent);
    assert!(after.protocol_error > before.protocol_error);
}

#[test]
fn mms_blocking_requests_beyond_the_negotiated_outstanding_are_rejected() {
    let before = limit_counts();
    let server = server();
    let mut peer = RawPeer::associate(server.local_addr());
    let max = peer.assoc.negotiated().max_outstanding_calling;
    assert_eq!(max, 5);
    // Six requests in one write: the sixth arrives while five are outstanding.
    peer.send_raw(&identify_requests(100, 6));
    assert!(peer.read_until(|p| !p.rejects.is_empty()));
    assert_eq!(
        peer.rejects[0],
        RejectPdu {
            original_invoke_id: Some(105),
            reason: RejectReason::ConfirmedRequest(
                ConfirmedRequestReject::MaxServOutstandingExceeded
            ),
        }
    );
    assert!(peer.assoc.is_associated());
    assert!(limit_counts().rejects_sent > before.rejects_sent);
}
