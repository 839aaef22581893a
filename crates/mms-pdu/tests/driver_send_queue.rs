//! The driver's bounded send queue, two `Link`s wired in memory: reports beyond the
//! association's transmit queue wait in order and all arrive once the peer reads; a peer
//! that does not read gets the association closed as a slow peer when the queue would
//! overflow, and the report that would overflow it is refused. The same with a small
//! configured queue (`Config::send_queue`).
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::sync::{Arc, Mutex};

use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::association::{AssocError, CloseReason, Config, Role};
use telecontrol_mms_pdu::driver::{
    Answer, Link, MmsError, MmsEvent, SEND_QUEUE, Serving, limit_counts,
};
use telecontrol_mms_pdu::mms::ConfirmedServiceRequest;
use telecontrol_mms_pdu::mms::{
    AccessResult, Data, InformationReport, MmsPdu, ObjectName, SeqOf, UnconfirmedService,
    VariableAccessSpecification,
};

/// An InformationReport of about 900 octets carrying `n`.
fn report(n: i64) -> Vec<u8> {
    let pad = vec![0u8; 880];
    let results = [
        AccessResult::Success(Data::Integer(n)),
        AccessResult::Success(Data::OctetString(&pad)),
    ];
    let pdu = MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("D", "DS").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    }));
    let mut out = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut out).unwrap();
    out
}

fn number(pdu: &[u8]) -> i64 {
    let Ok(MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(r))) = MmsPdu::decode(pdu)
    else {
        panic!("not a report")
    };
    match r.results.iter().next() {
        Some(AccessResult::Success(Data::Integer(n))) => n,
        other => panic!("{other:?}"),
    }
}

/// Move everything `from` has queued into `to`.
fn pump(from: &Link, to: &Link) -> usize {
    let serving = Serving::default();
    let mut buf = vec![0u8; 16_384];
    let mut work = Vec::new();
    let mut moved = 0;
    while let Some(n) = from.poll_transmit(&mut buf) {
        to.input(&buf[..n], &serving, &mut work);
        moved += n;
    }
    to.serve(&serving, &mut work, &mut vec![0u8; 65_536]);
    moved
}

type Seen = Arc<Mutex<Vec<MmsEvent>>>;

/// The numbers of the reports `seen` received (nothing else may have arrived).
fn numbers(seen: &Seen) -> Vec<i64> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|e| match e {
            MmsEvent::Unconfirmed(pdu) => number(pdu),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn associated() -> (Link, Link, Seen, Seen) {
    associated_with(Config::DEFAULT)
}

/// A client and a server with the `server` configuration, associated.
fn associated_with(server: Config<'static>) -> (Link, Link, Seen, Seen) {
    let client = Link::new(Role::Initiator, Config::DEFAULT).unwrap();
    let server = Link::new(Role::Responder, server).unwrap();
    let (seen_c, seen_s): (Seen, Seen) = Default::default();
    let c = Arc::clone(&seen_c);
    client.set_events(Box::new(move |e| c.lock().unwrap().push(e)));
    let s = Arc::clone(&seen_s);
    server.set_events(Box::new(move |e| s.lock().unwrap().push(e)));
    client.connect(Box::new(|r| assert_eq!(r, Ok(())))).unwrap();
    while pump(&client, &server) + pump(&server, &client) > 0 {}
    (client, server, seen_c, seen_s)
}

#[test]
fn reports_beyond_the_transmit_queue_wait_in_order() {
    let (client, server, seen_c, _) = associated();
    // 1 000 reports of ~900 octets, nothing read meanwhile: ~900 KB, far beyond the
    // 64 KiB transmit queue, within it plus the 1 MiB send queue.
    let count = 1000;
    for n in 0..count {
        server.send_unconfirmed_pdu(&report(n)).unwrap();
    }
    while pump(&server, &client) > 0 {}
    let got = numbers(&seen_c);
    assert_eq!(got, (0..count).collect::<Vec<_>>());
    assert!(server.closed().is_none());
}

#[test]
fn a_peer_that_never_reads_is_closed_when_the_send_queue_would_overflow() {
    let before = limit_counts();
    let (_client, server, _, seen_s) = associated();
    let pdu = report(1);
    let mut accepted = 0usize;
    let err = loop {
        match server.send_unconfirmed_pdu(&pdu) {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 10_000, "never refused");
    };
    assert!(matches!(
        err,
        MmsError::Local(AssocError::TransmitFull { .. })
    ));
    // What was held: the 64 KiB transmit queue and the send queue, nothing more.
    let held = accepted * pdu.len();
    assert!(
        held > SEND_QUEUE && held <= SEND_QUEUE + 65_536,
        "{accepted} reports of {} octets held",
        pdu.len()
    );
    let Some(CloseReason::SlowPeer { queued }) = server.closed() else {
        panic!("{:?}", server.closed());
    };
    // The transmit queue held reports up to the room kept for one answer.
    assert!(queued > 50_000, "{queued}");
    assert!(matches!(
        seen_s.lock().unwrap().last(),
        Some(MmsEvent::Closed(CloseReason::SlowPeer { .. }))
    ));
    // Closed: nothing more is accepted or sent.
    assert!(server.send_unconfirmed_pdu(&pdu).is_err());
    assert!(server.poll_transmit(&mut [0u8; 64]).is_none());
    let after = limit_counts();
    assert!(after.slow_peer > before.slow_peer);
    assert!(after.unconfirmed_refused > before.unconfirmed_refused);
}

#[test]
fn a_request_is_answered_while_reports_fill_the_queues() {
    let (client, server, seen_c, _) = associated();
    for n in 0..1000 {
        server.send_unconfirmed_pdu(&report(n)).unwrap();
    }
    // The client asks while ~900 KB of reports wait: the answer finds room in the
    // transmit queue (reports leave room for one answer of the negotiated PDU size).
    let answer = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&answer);
    client
        .request(
            ConfirmedServiceRequest::Identify,
            Box::new(move |a| *slot.lock().unwrap() = Some(a)),
        )
        .unwrap();
    pump(&client, &server);
    while pump(&server, &client) > 0 {}
    // No directory: the server answers with a ServiceError; what matters is an answer.
    assert!(
        matches!(*answer.lock().unwrap(), Some(Answer::Error(_))),
        "{:?}",
        answer.lock().unwrap()
    );
    let got = numbers(&seen_c);
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
}

/// Send `pdu` until the server refuses one; how many were accepted.
fn fill_until_refused(server: &Link, pdu: &[u8]) -> (usize, MmsError) {
    let mut accepted = 0usize;
    loop {
        match server.send_unconfirmed_pdu(pdu) {
            Ok(()) => accepted += 1,
            Err(e) => return (accepted, e),
        }
        assert!(accepted < 10_000, "never refused");
    }
}

#[test]
fn the_default_send_queue_is_one_mebibyte() {
    assert_eq!(SEND_QUEUE, 1024 * 1024);
    assert_eq!(Config::DEFAULT.send_queue, SEND_QUEUE);
    let (_, server, _, _) = associated();
    assert_eq!(server.send_queue(), SEND_QUEUE);
}

#[test]
fn a_small_configured_queue_closes_a_peer_that_never_reads_sooner() {
    const SMALL: usize = 16 * 1024;
    let before = limit_counts();
    let mut config = Config::DEFAULT;
    config.send_queue = SMALL;
    let (_client, server, _, seen_s) = associated_with(config);
    assert_eq!(server.send_queue(), SMALL);
    let pdu = report(1);
    let (accepted, err) = fill_until_refused(&server, &pdu);
    assert!(matches!(
        err,
        MmsError::Local(AssocError::TransmitFull { .. })
    ));
    // Held: the 64 KiB transmit queue and the small send queue, far less than the default.
    let held = accepted * pdu.len();
    assert!(
        held > SMALL && held <= SMALL + 65_536,
        "{accepted} reports of {} octets held",
        pdu.len()
    );
    assert!(matches!(
        server.closed(),
        Some(CloseReason::SlowPeer { .. })
    ));
    assert!(matches!(
        seen_s.lock().unwrap().last(),
        Some(MmsEvent::Closed(CloseReason::SlowPeer { .. }))
    ));
    assert!(limit_counts().slow_peer > before.slow_peer);
}

#[test]
fn a_small_configured_queue_drops_nothing_while_the_peer_reads() {
    let mut config = Config::DEFAULT;
    config.send_queue = 16 * 1024;
    let (client, server, seen_c, _) = associated_with(config);
    // 2 000 reports (~1.8 MB, > 100 times the send queue); the client reads after every
    // 50 (~45 KB, within the transmit queue and the send queue): all arrive, in order.
    let count = 2000;
    for n in 0..count {
        server.send_unconfirmed_pdu(&report(n)).unwrap();
        if n % 50 == 49 {
            while pump(&server, &client) > 0 {}
        }
    }
    while pump(&server, &client) > 0 {}
    let got = numbers(&seen_c);
    assert_eq!(got, (0..count).collect::<Vec<_>>());
    assert!(server.closed().is_none());
}

#[test]
fn a_small_configured_queue_keeps_every_report_it_accepted_until_the_close() {
    // Reports up to the limit wait, in order, and all arrive once the peer reads: the
    // queue drops nothing short of the overflow that closes the association.
    let mut config = Config::DEFAULT;
    config.send_queue = 16 * 1024;
    let (client, server, seen_c, _) = associated_with(config);
    let pdu_len = report(0).len();
    // Find how many fit without reading: fill a twin pair until refused.
    let (_, twin, _, _) = associated_with(config);
    let (fit, _) = fill_until_refused(&twin, &report(0));
    assert!(fit * pdu_len > 16 * 1024, "{fit}");
    for n in 0..fit as i64 {
        server.send_unconfirmed_pdu(&report(n)).unwrap();
    }
    assert!(server.closed().is_none());
    while pump(&server, &client) > 0 {}
    let got = numbers(&seen_c);
    assert_eq!(got, (0..fit as i64).collect::<Vec<_>>());
    assert!(server.closed().is_none());
}
