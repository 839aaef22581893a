//! The association core allocates nothing: a whole life (set-up, requests both ways,
//! responses, a service error, InformationReports, a Reject for a malformed PDU, timeouts,
//! conclude, release, and an abort of a second association) runs inside
//! `allocation_counter::measure` with machines and buffers on the stack.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use core::time::Duration;

use telecontrol_core::Instant;
use telecontrol_mms_pdu::association::{Association, Config, Event, Role};
use telecontrol_mms_pdu::cotp::TpduSize;
use telecontrol_mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, Data, ErrorClass,
    IdentifyResponse, InformationReport, ObjectName, SeqOf, ServiceError, UnconfirmedService,
    VariableAccessSpecification,
};
use telecontrol_mms_pdu::stack::encode_mms_data;

type Assoc = Association<'static, 4096, 4>;

#[derive(Default, Debug, PartialEq, Eq)]
struct Seen {
    indications: usize,
    associated: usize,
    requests: usize,
    responses: usize,
    errors: usize,
    failed: usize,
    reports: usize,
    rejects_sent: usize,
    closed: usize,
}

/// Deliver everything `from` has queued to `to`, answering what `to` reports.
fn pump(from: &mut Assoc, to: &mut Assoc, now: Instant, seen: &mut Seen) {
    let mut wire = [0u8; 1024];
    while let Some(n) = from.poll_transmit(&mut wire) {
        let mut rest = &wire[..n];
        while let Ok(used) = to.handle_input(now, rest) {
            rest = &rest[used..];
            let mut answer = None;
            let mut accept = false;
            while let Some(ev) = to.poll_event() {
                match ev {
                    Event::AssociateIndication(_) => {
                        seen.indications += 1;
                        accept = true;
                    }
                    Event::Associated(_) => seen.associated += 1,
                    Event::Request { invoke_id, .. } => {
                        seen.requests += 1;
                        answer = Some(invoke_id);
                    }
                    Event::Response { .. } => seen.responses += 1,
                    Event::ServiceError { .. } => seen.errors += 1,
                    Event::RequestFailed { .. } => seen.failed += 1,
                    Event::Unconfirmed { .. } => seen.reports += 1,
                    Event::RejectSent(_) => seen.rejects_sent += 1,
                    Event::Closed(_) => seen.closed += 1,
                    _ => {}
                }
            }
            if accept {
                to.accept(now).unwrap();
            }
            if let Some(id) = answer {
                if id % 2 == 0 {
                    to.respond_error(id, ServiceError::new(ErrorClass::Access(3)))
                        .unwrap();
                } else {
                    let r = IdentifyResponse {
                        vendor: b"v",
                        model: b"m",
                        revision: b"r",
                        abstract_syntaxes: None,
                    };
                    to.respond(id, ConfirmedServiceResponse::Identify(r))
                        .unwrap();
                }
            }
            if rest.is_empty() && used == 0 {
                break;
            }
            if used == 0 && answer.is_none() && !accept {
                break;
            }
        }
    }
}

fn settle(a: &mut Assoc, b: &mut Assoc, now: Instant, sa: &mut Seen, sb: &mut Seen) {
    for _ in 0..8 {
        pump(a, b, now, sb);
        pump(b, a, now, sa);
    }
}

fn life() -> (Seen, Seen) {
    let mut config = Config::DEFAULT;
    config.max_pdu_size = 4000;
    config.tpdu_size = TpduSize::S128;
    let mut client = Assoc::new(Role::Initiator, config).unwrap();
    let mut server = Assoc::new(Role::Responder, config).unwrap();
    let (mut sc, mut ss) = (Seen::default(), Seen::default());
    let mut now = Instant::from_secs(1);
    client.connect(now).unwrap();
    settle(&mut client, &mut server, now, &mut sc, &mut ss);
    assert!(client.is_associated() && server.is_associated());
    for _ in 0..3 {
        client
            .request(now, ConfirmedServiceRequest::Identify)
            .unwrap();
        server
            .request(now, ConfirmedServiceRequest::Identify)
            .unwrap();
    }
    let results = [AccessResult::Success(Data::VisibleString(&[b'x'; 600]))];
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "DS").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    });
    server.send_unconfirmed(report).unwrap();
    client.send_unconfirmed(report).unwrap();
    settle(&mut client, &mut server, now, &mut sc, &mut ss);
    // A malformed request injected into the server.
    let mut raw = [0u8; 64];
    let n = encode_mms_data(
        &[0xA0, 0x07, 0x02, 0x01, 0x05, 0xA4, 0x02, 0x05, 0x00],
        3,
        TpduSize::S128,
        &mut raw,
    )
    .unwrap();
    server.handle_input(now, &raw[..n]).unwrap();
    while server.poll_event().is_some() {
        ss.rejects_sent += 1;
    }
    settle(&mut client, &mut server, now, &mut sc, &mut ss);
    // A request that times out.
    client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    let mut sink = [0u8; 512];
    while client.poll_transmit(&mut sink).is_some() {}
    now = now.saturating_add(Duration::from_secs(31));
    client.handle_timeout(now);
    settle(&mut client, &mut server, now, &mut sc, &mut ss);
    client.conclude(now).unwrap();
    settle(&mut client, &mut server, now, &mut sc, &mut ss);
    assert!(client.is_closed() && server.is_closed());
    // A second association, aborted with a request outstanding.
    let mut c2 = Assoc::new(Role::Initiator, config).unwrap();
    let mut s2 = Assoc::new(Role::Responder, config).unwrap();
    c2.connect(now).unwrap();
    settle(&mut c2, &mut s2, now, &mut sc, &mut ss);
    c2.request(now, ConfirmedServiceRequest::Identify).unwrap();
    c2.abort(now);
    while let Some(ev) = c2.poll_event() {
        match ev {
            Event::RequestFailed { .. } => sc.failed += 1,
            Event::Closed(_) => sc.closed += 1,
            _ => {}
        }
    }
    settle(&mut c2, &mut s2, now, &mut sc, &mut ss);
    (sc, ss)
}

#[test]
fn association_allocates_nothing() {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(life()));
    let (client, server) = out.unwrap();
    assert_eq!(info.count_total, 0, "allocations in the association core");
    // The life really happened.
    assert_eq!((client.associated, server.associated), (2, 2));
    assert_eq!(server.indications, 2);
    // Three per side, plus the one the second client sent just before aborting.
    assert_eq!((server.requests, client.requests), (4, 3));
    assert_eq!((client.responses, client.errors), (2, 1));
    assert_eq!((client.reports, server.reports), (1, 1));
    assert!(server.rejects_sent >= 1);
    assert_eq!(client.failed, 2); // the timeout and the aborted request
    assert_eq!((client.closed, server.closed), (2, 2));
    // The counter works.
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
}
