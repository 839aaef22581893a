//! Limits against broken or hostile peers, with a manual clock: a peer that stops reading
//! (send stall → `CloseReason::SlowPeer`, the transmit queue bounded meanwhile), a peer
//! that reads slowly but reads (never closed), a silent TCP peer and one that stops after
//! the CR (connect timeout), the optional idle timeout, and oversized input: an MMS PDU
//! above the negotiated size (Reject), a DT above the negotiated TPDU size, a TSDU above
//! the reassembly buffer and a TPKT above the frame buffer (abort).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod association_pair;

use core::time::Duration;

use association_pair::{Assoc, Ev, Pair, Side};
use telecontrol_core::{Encode, Instant};
use telecontrol_mms_pdu::association::{
    AssocError, CloseReason, Config, Event, ProtocolError, Role,
};
use telecontrol_mms_pdu::cotp::{CotpError, TpduSize};
use telecontrol_mms_pdu::mms::{
    AccessResult, ConfirmedRequest, ConfirmedRequestReject, ConfirmedResponse,
    ConfirmedResponseReject, ConfirmedServiceRequest, ConfirmedServiceResponse, Data,
    IdentifyResponse, InformationReport, MmsPdu, ObjectName, PduErrorReject, RejectPdu,
    RejectReason, SeqOf, UnconfirmedService, VariableAccessSpecification,
};
use telecontrol_mms_pdu::stack::encode_mms_data;
use telecontrol_mms_pdu::tpkt::TpktError;

const SECOND: Duration = Duration::from_secs(1);

fn encoded(pdu: &MmsPdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut out).unwrap();
    out
}

/// An encoded InformationReport of about `len` octets.
fn big_report(len: usize) -> Vec<u8> {
    let payload = vec![0x55u8; len];
    let results = [AccessResult::Success(Data::OctetString(&payload))];
    let pdu = MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("D", "DS1").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    }));
    encoded(&pdu)
}

/// The MMS PDU `mms` in session/presentation/COTP DT/TPKT as an associated peer sends it.
fn framed(mms: &[u8], tpdu: TpduSize) -> Vec<u8> {
    let mut raw = vec![0u8; mms.len() + 4096];
    let n = encode_mms_data(mms, 3, tpdu, &mut raw).unwrap();
    raw.truncate(n);
    raw
}

fn closed(events: &[Ev]) -> Option<CloseReason> {
    events.iter().find_map(|e| match e {
        Ev::Closed(r) => Some(*r),
        _ => None,
    })
}

fn drain(a: &mut Assoc, events: &mut Vec<Ev>) {
    while let Some(e) = a.poll_event() {
        events.push(association_pair::summary(&e));
    }
}

/// An associated pair whose server has this send stall timeout.
fn stalled_pair(stall: Option<Duration>) -> Pair {
    let mut server = Config::DEFAULT;
    server.send_stall_timeout = stall;
    let mut p = Pair::new(Config::DEFAULT, server);
    p.connect();
    assert!(p.server.is_associated());
    p.server_events.clear();
    p.client_events.clear();
    p
}

/// Queue reports on the server until its transmit queue refuses one; how many went in.
fn fill(p: &mut Pair, pdu: &[u8]) -> usize {
    let mut n = 0;
    loop {
        match p.server.send_unconfirmed_pdu(pdu) {
            Ok(()) => n += 1,
            Err(AssocError::TransmitFull { .. }) => return n,
            Err(e) => panic!("{e}"),
        }
        assert!(n < 10_000, "the transmit queue never filled");
    }
}

#[test]
fn a_peer_that_stops_reading_is_closed_as_slow_after_the_stall_timeout() {
    let mut p = stalled_pair(Some(5 * SECOND));
    let pdu = big_report(1000);
    // Nobody takes the server's octets: the queue fills and then refuses (bounded).
    let queued = fill(&mut p, &pdu);
    assert!(
        (8..=12).contains(&queued),
        "{queued} reports in a 12 000-octet queue"
    );
    let t0 = p.now;
    p.server.note_time(t0);
    assert_eq!(p.server.poll_timeout(), Some(t0.saturating_add(5 * SECOND)));
    p.server
        .handle_timeout(t0.saturating_add(Duration::from_millis(4999)));
    drain(&mut p.server, &mut p.server_events);
    assert!(p.server.is_associated() && p.server_events.is_empty());
    p.server.handle_timeout(t0.saturating_add(5 * SECOND));
    drain(&mut p.server, &mut p.server_events);
    let Some(CloseReason::SlowPeer { queued }) = closed(&p.server_events) else {
        panic!("{:?}", p.server_events);
    };
    assert!(queued > 11_000, "{queued} octets were waiting");
    // The queue is dropped: nothing more goes out, nothing more is taken.
    assert_eq!(p.server.poll_transmit(&mut [0u8; 64]), None);
    assert!(p.server.is_closed());
    assert_eq!(p.server.poll_timeout(), None);
    assert!(matches!(
        p.server.send_unconfirmed_pdu(&pdu),
        Err(AssocError::WrongState { .. })
    ));
}

#[test]
fn a_peer_that_reads_slowly_is_never_closed() {
    let mut p = stalled_pair(Some(5 * SECOND));
    let pdu = big_report(1000);
    let mut taken = 0usize;
    // One hour: every 4 s the driver moves 2 000 octets (a slow reader), the station
    // keeps the queue full.
    for _ in 0..900 {
        fill(&mut p, &pdu);
        let now = p.now;
        p.server.note_time(now);
        p.now = p.now.saturating_add(4 * SECOND);
        let mut out = [0u8; 2000];
        taken += p.server.poll_transmit(&mut out).unwrap();
        let now = p.now;
        p.server.handle_timeout(now);
        drain(&mut p.server, &mut p.server_events);
        assert!(p.server.is_associated(), "{:?}", p.server_events);
        let deadline = p.server.poll_timeout().unwrap();
        assert_eq!(deadline, now.saturating_add(5 * SECOND));
    }
    assert_eq!(taken, 900 * 2000);
}

#[test]
fn without_a_stall_timeout_the_queue_stays_bounded_and_open() {
    let mut p = stalled_pair(None);
    let pdu = big_report(1000);
    let first = fill(&mut p, &pdu);
    for _ in 0..24 {
        p.now = p.now.saturating_add(Duration::from_secs(3600));
        let now = p.now;
        p.server.handle_timeout(now);
        assert_eq!(p.server.poll_timeout(), None);
        assert_eq!(fill(&mut p, &pdu), 0, "the queue is bounded");
    }
    assert!(first > 0 && p.server.is_associated());
}

#[test]
fn queued_output_that_drains_stops_the_stall_clock() {
    let mut p = stalled_pair(Some(5 * SECOND));
    let pdu = big_report(100);
    p.server.send_unconfirmed_pdu(&pdu).unwrap();
    let now = p.now;
    p.server.note_time(now);
    assert!(p.server.poll_timeout().is_some());
    p.run();
    p.server.note_time(now);
    assert_eq!(p.server.poll_timeout(), None);
    assert_eq!(p.client_events.len(), 1);
}

#[test]
fn the_driver_reports_its_own_blocked_write() {
    let mut p = stalled_pair(Some(5 * SECOND));
    let now = p.now;
    p.server.handle_send_stall(now);
    drain(&mut p.server, &mut p.server_events);
    assert_eq!(
        closed(&p.server_events),
        Some(CloseReason::SlowPeer { queued: 0 })
    );
    // Once closed, a second report changes nothing.
    p.server.handle_send_stall(now);
    assert!(p.server.poll_event().is_none());
}

#[test]
fn a_silent_tcp_peer_is_dropped_after_the_connect_timeout() {
    let mut server = Box::new(Assoc::new(Role::Responder, Config::DEFAULT).unwrap());
    let t0 = Instant::from_secs(50);
    assert_eq!(server.poll_timeout(), None, "no clock yet");
    server.note_time(t0);
    let due = t0.saturating_add(Duration::from_secs(10));
    assert_eq!(server.poll_timeout(), Some(due));
    // Telling the time again does not push the deadline.
    server.note_time(t0.saturating_add(5 * SECOND));
    assert_eq!(server.poll_timeout(), Some(due));
    server.handle_timeout(t0.saturating_add(Duration::from_millis(9999)));
    assert!(server.poll_event().is_none());
    server.handle_timeout(due);
    assert!(matches!(
        server.poll_event(),
        Some(Event::Closed(CloseReason::Timeout))
    ));
    assert!(server.is_closed());
    // Nothing to say to a peer that said nothing.
    assert_eq!(server.poll_transmit(&mut [0u8; 64]), None);
}

#[test]
fn a_peer_that_stops_after_the_cr_is_disconnected_after_the_connect_timeout() {
    let mut p = Pair::new(Config::DEFAULT, Config::DEFAULT);
    let now = p.now;
    p.server.note_time(now);
    p.client.connect(now).unwrap();
    let mut cr = [0u8; 256];
    let n = p.client.poll_transmit(&mut cr).unwrap();
    p.feed(Side::Server, &cr[..n]);
    // The CC is queued; the CN/AARQ never comes.
    let mut cc = [0u8; 256];
    assert!(p.server.poll_transmit(&mut cc).is_some());
    let due = now.saturating_add(Duration::from_secs(10));
    assert_eq!(p.server.poll_timeout(), Some(due));
    p.server.handle_timeout(due);
    drain(&mut p.server, &mut p.server_events);
    assert_eq!(closed(&p.server_events), Some(CloseReason::Timeout));
    // A COTP DR goes out (no session yet).
    let mut dr = [0u8; 64];
    let n = p.server.poll_transmit(&mut dr).unwrap();
    assert_eq!(dr[5], 0x80, "DR TPDU: {:02x?}", &dr[..n]);
}

#[test]
fn idle_timeout_is_off_by_default_and_aborts_a_silent_association_when_set() {
    assert_eq!(Config::DEFAULT.idle_timeout, None);
    let mut p = Pair::associated();
    p.advance(Duration::from_secs(7 * 24 * 3600));
    assert!(p.server.is_associated());

    let mut server = Config::DEFAULT;
    server.idle_timeout = Some(Duration::from_secs(60));
    let mut p = Pair::new(Config::DEFAULT, server);
    p.connect();
    p.server_events.clear();
    // Traffic within the limit keeps it open.
    for _ in 0..10 {
        p.advance(Duration::from_secs(59));
        let now = p.now;
        p.client
            .request(now, ConfirmedServiceRequest::Identify)
            .unwrap();
        p.run();
        assert!(p.server.is_associated());
        p.server_events.clear();
    }
    // Requests are answered with an error by nobody here: drop them from the picture.
    p.server_mute = true;
    p.advance(Duration::from_secs(59));
    assert!(p.server.is_associated());
    p.advance(SECOND);
    assert_eq!(closed(&p.server_events), Some(CloseReason::Idle));
}

#[test]
fn a_request_above_the_negotiated_pdu_size_is_rejected_not_served() {
    let mut server = Config::DEFAULT;
    server.max_pdu_size = 1000;
    let mut p = Pair::new(Config::DEFAULT, server);
    p.connect();
    assert_eq!(p.client.negotiated().max_pdu_size, 1000);
    p.server_events.clear();
    // Our own core refuses to send it.
    let value = vec![7u8; 1200];
    let values = [Data::OctetString(&value)];
    let items = [telecontrol_mms_pdu::mms::VariableListItem::named(
        ObjectName::domain("D", "V").unwrap(),
    )];
    let write = ConfirmedServiceRequest::Write(telecontrol_mms_pdu::mms::WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        data: SeqOf::from_slice(&values),
    });
    let now = p.now;
    assert!(matches!(
        p.client.request(now, write),
        Err(AssocError::PduTooLarge { max: 1000, .. })
    ));
    // A peer that sends it anyway is rejected (confirmed-requestPDU other).
    let raw = encoded(&MmsPdu::ConfirmedRequest(ConfirmedRequest::new(77, write)));
    assert!(raw.len() > 1000);
    p.feed(Side::Server, &framed(&raw, TpduSize::S1024));
    p.run();
    assert_eq!(
        p.server_events,
        [Ev::RejectSent(RejectPdu {
            original_invoke_id: Some(77),
            reason: RejectReason::ConfirmedRequest(ConfirmedRequestReject::Unspecified),
        })]
    );
    assert!(p.server.is_associated());
    // An oversized report: pdu-error invalid-pdu, not reported as a report.
    p.server_events.clear();
    p.feed(Side::Server, &framed(&big_report(1500), TpduSize::S1024));
    assert_eq!(
        p.server_events,
        [Ev::RejectSent(RejectPdu {
            original_invoke_id: None,
            reason: RejectReason::PduError(PduErrorReject::InvalidPdu),
        })]
    );
}

#[test]
fn an_oversized_response_fails_the_request_with_a_reject() {
    let mut client = Config::DEFAULT;
    client.max_pdu_size = 1000;
    let mut p = Pair::new(client, Config::DEFAULT);
    p.connect();
    p.client_events.clear();
    let now = p.now;
    let id = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    let vendor = vec![b'v'; 1500];
    let answer = MmsPdu::ConfirmedResponse(ConfirmedResponse {
        invoke_id: id,
        service: ConfirmedServiceResponse::Identify(IdentifyResponse {
            vendor: &vendor,
            model: b"m",
            revision: b"r",
            abstract_syntaxes: None,
        }),
    });
    p.feed(Side::Client, &framed(&encoded(&answer), TpduSize::S1024));
    let reason = RejectReason::ConfirmedResponse(ConfirmedResponseReject::Unspecified);
    assert!(p.client_events.contains(&Ev::Failed {
        id,
        reason: telecontrol_mms_pdu::association::FailReason::Rejected(reason),
    }));
    assert!(p.client_events.contains(&Ev::RejectSent(RejectPdu {
        original_invoke_id: Some(id),
        reason,
    })));
}

#[test]
fn a_dt_above_the_negotiated_tpdu_size_aborts() {
    let mut p = Pair::associated();
    assert_eq!(p.server.negotiated().tpdu_size, TpduSize::S1024);
    // One DT of 2048 octets where 1024 were negotiated.
    let raw = framed(&big_report(1500), TpduSize::S2048);
    p.feed(Side::Server, &raw);
    assert_eq!(
        closed(&p.server_events),
        Some(CloseReason::Protocol(ProtocolError::TpduTooLong {
            len: raw.len() - 4,
            max: 1024
        }))
    );
}

#[test]
fn a_tsdu_above_the_reassembly_buffer_aborts() {
    let mut p = Pair::associated();
    // DTs without EOT, 1 000 octets each, past the 12 000-octet buffer.
    // TPKT length 1 007 (0x03ef), COTP DT without EOT.
    let mut dt = vec![3, 0, 0x03, 0xef, 2, 0xf0, 0x00];
    dt.extend(vec![0u8; 1000]);
    for _ in 0..13 {
        if p.server.is_closed() {
            break;
        }
        p.feed(Side::Server, &dt);
    }
    assert_eq!(
        closed(&p.server_events),
        Some(CloseReason::Protocol(ProtocolError::Cotp(
            CotpError::TsduTooLong { max: 12_000 }
        )))
    );
}

#[test]
fn a_tpkt_above_the_frame_buffer_closes_at_the_header() {
    let mut p = Pair::associated();
    p.feed(Side::Server, &[3, 0, 0xff, 0xff]);
    assert_eq!(
        closed(&p.server_events),
        Some(CloseReason::Protocol(ProtocolError::Tpkt(
            TpktError::LengthTooLong {
                length: 0xffff,
                max: 12_000
            }
        )))
    );
}
