//! The association procedure, two machines wired back to back with a manual clock:
//! set-up accepted and refused in each way, confirmed services matched by invoke id with
//! several outstanding, limits, timeouts, InformationReport both ways, Rejects for
//! malformed PDUs, conclude, release, abort and segmentation.

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

use association_pair::{Ev, Pair, Policy, Side};
use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::acse::SourceDiagnostic;
use telecontrol_mms_pdu::association::{
    AssocError, CloseReason, Config, FailReason, ProtocolError, Refusal,
};
use telecontrol_mms_pdu::cotp::TpduSize;
use telecontrol_mms_pdu::mms::{
    AccessResult, ConfirmedRequestReject, ConfirmedResponseReject, ConfirmedServiceRequest,
    ConfirmedServiceResponse, Data, ErrorClass, IdentifyResponse, InformationReport, MmsPdu,
    ObjectName, PduErrorReject, ReadRequest, RejectPdu, RejectReason, SeqOf, ServiceError,
    UnconfirmedService, VariableAccessSpecification, VariableListItem, VariableSpecification,
    WriteRequest, WriteResult,
};
use telecontrol_mms_pdu::stack::encode_mms_data;

fn item(domain: &'static str, name: &'static str) -> VariableListItem<'static> {
    VariableListItem {
        specification: VariableSpecification::Name(ObjectName::domain(domain, name).unwrap()),
        alternate_access: None,
    }
}

const ITEMS: [VariableListItem<'static>; 1] = [VariableListItem {
    specification: VariableSpecification::Name(
        match ObjectName::domain("ICC1", "Bilateral_Table_ID") {
            Some(n) => n,
            None => panic!(),
        },
    ),
    alternate_access: None,
}];

fn read() -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&ITEMS),
        ),
    })
}

const IDENTIFY: IdentifyResponse<'static> = IdentifyResponse {
    vendor: b"telecontrol",
    model: b"mms-pdu",
    revision: b"1",
    abstract_syntaxes: None,
};

fn requests(events: &[Ev]) -> Vec<(u32, &'static str)> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Request { id, service, .. } => Some((*id, *service)),
            _ => None,
        })
        .collect()
}

#[test]
fn associate_accepted_with_negotiated_parameters() {
    let mut client = Config::DEFAULT;
    client.local.ae_qualifier = Some(60);
    client.peer.ae_qualifier = Some(117);
    client.password = Some(b"secret");
    client.max_outstanding = 3;
    let mut server = Config::DEFAULT;
    server.max_pdu_size = 4000;
    server.tpdu_size = TpduSize::S2048;
    let mut p = Pair::new(client, server);
    p.connect();
    assert_eq!(
        p.server_events[0],
        Ev::Indication {
            calling_ae: Some(60),
            called_ae: Some(117),
            password: Some(b"secret".to_vec()),
            local_detail: Some(8000),
        }
    );
    let Ev::Associated(n) = p.client_events[0] else {
        panic!("{:?}", p.client_events)
    };
    assert_eq!(p.server_events[1], Ev::Associated(n));
    assert_eq!(n.max_pdu_size, 4000);
    assert_eq!(n.tpdu_size, TpduSize::S1024); // the client proposed 1024
    assert_eq!(
        (n.max_outstanding_calling, n.max_outstanding_called),
        (3, 3)
    );
    assert_eq!(n.mms_context, 3);
    // The CR the client sent, byte for byte: TPKT, CR, TPDU size 1024, TSAPs 00 01.
    assert_eq!(
        p.wire[0],
        (
            true,
            vec![
                0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC1, 0x02, 0x00,
                0x01, 0xC2, 0x02, 0x00, 0x01, 0xC0, 0x01, 0x0A
            ]
        )
    );
}

fn refused(how: Refusal) -> Pair {
    let mut p = Pair::new(Config::DEFAULT, Config::DEFAULT);
    p.policy = Policy::Refuse(how);
    p.connect();
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(
        p.server_events.last(),
        Some(&Ev::Closed(CloseReason::Refused(how)))
    );
    assert_eq!(
        p.client_events,
        vec![Ev::Closed(CloseReason::Refused(how))],
        "{how:?}"
    );
    p
}

#[test]
fn associate_refused_each_way() {
    refused(Refusal::Transport { reason: 3 });
    refused(Refusal::Session { reason: 2 });
    refused(Refusal::Acse {
        result: 1,
        diagnostic: Some(SourceDiagnostic::ServiceUser(7)),
    });
    refused(Refusal::Initiate {
        error_class: ErrorClass::Initiate(1),
    });
    // The last TSDU of a session refusal: RF with reason 2 (exact SPDU).
    let p = refused(Refusal::Session { reason: 2 });
    let last = p.sent_by(false);
    assert!(last.ends_with(&[
        0x0C, 0x09, 0x11, 0x01, 0x01, 0x16, 0x01, 0x02, 0x32, 0x01, 0x02
    ]));
}

#[test]
fn requests_matched_by_invoke_id_with_several_outstanding() {
    let mut p = Pair::associated();
    let now = p.now;
    let data = [Data::Integer(7)];
    let write = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&ITEMS),
        ),
        data: SeqOf::from_slice(&data),
    });
    let a = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    let b = p.client.request(now, read()).unwrap();
    let c = p.client.request(now, write).unwrap();
    assert_eq!(p.client.outstanding(), 3);
    p.run();
    assert_eq!(
        requests(&p.server_events),
        vec![(a, "identify"), (b, "read"), (c, "write")]
    );
    // The server may also request of the client on the same association.
    let s = p
        .server
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    // Answer out of order: write, identify, read (a service error).
    let ok = [WriteResult::Success];
    p.server
        .respond(c, ConfirmedServiceResponse::Write(SeqOf::from_slice(&ok)))
        .unwrap();
    p.server
        .respond(a, ConfirmedServiceResponse::Identify(IDENTIFY))
        .unwrap();
    p.server
        .respond_error(b, ServiceError::new(ErrorClass::Access(2)))
        .unwrap();
    assert_eq!(
        p.server
            .respond(b, ConfirmedServiceResponse::DefineNamedVariableList),
        Err(AssocError::UnknownInvokeId(b))
    );
    p.run();
    let got: Vec<_> = p
        .client_events
        .iter()
        .filter(|e| !matches!(e, Ev::Request { .. }))
        .cloned()
        .collect();
    assert!(matches!(&got[0], Ev::Response { id, .. } if *id == c));
    assert!(matches!(&got[1], Ev::Response { id, pdu } if *id == a
        && MmsPdu::decode(pdu).unwrap().invoke_id() == Some(a)));
    assert_eq!(
        got[2],
        Ev::ServiceError {
            id: b,
            class: ErrorClass::Access(2)
        }
    );
    assert_eq!(requests(&p.client_events), vec![(s, "identify")]);
    assert_eq!(p.client.outstanding(), 0);
    // The exact response PDU for `a`: [1] { invokeID, identify [2] { vendor, model, rev } }.
    let Ev::Response { pdu, .. } = &got[1] else {
        panic!()
    };
    let mut expected = vec![0xA1, 0x00, 0x02, 0x01, a as u8, 0xA2, 0x19];
    expected.extend_from_slice(b"\x80\x0btelecontrol\x81\x07mms-pdu\x82\x011");
    expected[1] = (expected.len() - 2) as u8;
    assert_eq!(pdu, &expected);
}

#[test]
fn max_outstanding_refused_then_allowed_again() {
    let mut p = Pair::associated();
    let now = p.now;
    for _ in 0..4 {
        p.client
            .request(now, ConfirmedServiceRequest::Identify)
            .unwrap();
    }
    assert_eq!(
        p.client.request(now, ConfirmedServiceRequest::Identify),
        Err(AssocError::TooManyOutstanding { max: 4 })
    );
    p.run();
    let first = requests(&p.server_events)[0].0;
    p.server
        .respond(first, ConfirmedServiceResponse::Identify(IDENTIFY))
        .unwrap();
    p.run();
    assert!(
        p.client
            .request(now, ConfirmedServiceRequest::Identify)
            .is_ok()
    );
}

#[test]
fn peer_exceeding_max_outstanding_is_rejected() {
    // The client allows 5, the server (OUT = 4) negotiates 4 and rejects a fifth.
    let mut p = Pair::associated();
    let mut raw = vec![0u8; 64];
    for id in 100..105u32 {
        let pdu = MmsPdu::ConfirmedRequest(telecontrol_mms_pdu::mms::ConfirmedRequest::new(
            id,
            ConfirmedServiceRequest::Identify,
        ));
        let mut b = [0u8; 16];
        let n = pdu.encode(&mut b).unwrap();
        let len = encode_mms_data(&b[..n], 3, TpduSize::S1024, &mut raw).unwrap();
        let frame = raw[..len].to_vec();
        p.feed(Side::Server, &frame);
    }
    p.run();
    assert_eq!(requests(&p.server_events).len(), 4);
    let reject = RejectPdu {
        original_invoke_id: Some(104),
        reason: RejectReason::ConfirmedRequest(ConfirmedRequestReject::MaxServOutstandingExceeded),
    };
    assert!(p.server_events.contains(&Ev::RejectSent(reject)));
}

#[test]
fn request_timeout_fails_only_that_request() {
    let mut p = Pair::associated();
    let now = p.now;
    let id = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    p.run();
    assert_eq!(
        p.client.poll_timeout(),
        Some(now.saturating_add(Duration::from_secs(30)))
    );
    p.advance(Duration::from_secs(29));
    assert!(p.client_events.is_empty());
    p.advance(Duration::from_secs(1));
    assert_eq!(
        p.client_events,
        vec![Ev::Failed {
            id,
            reason: FailReason::Timeout
        }]
    );
    assert!(p.client.is_associated());
    // A late response is rejected: no request with that id is outstanding.
    p.server
        .respond(id, ConfirmedServiceResponse::Identify(IDENTIFY))
        .unwrap();
    p.run();
    assert!(p.client_events.contains(&Ev::RejectSent(RejectPdu {
        original_invoke_id: Some(id),
        reason: RejectReason::ConfirmedResponse(ConfirmedResponseReject::InvalidInvokeId),
    })));
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Ev::RejectReceived(_)))
    );
}

#[test]
fn information_report_both_ways() {
    let mut p = Pair::associated();
    let results = [AccessResult::Success(Data::Integer(42))];
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "DS1").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    });
    p.server.send_unconfirmed(report).unwrap();
    p.client.send_unconfirmed(report).unwrap();
    p.run();
    let mut expected = [0u8; 64];
    let n = MmsPdu::Unconfirmed(report).encode(&mut expected).unwrap();
    assert_eq!(
        p.client_events,
        vec![Ev::Unconfirmed {
            pdu: expected[..n].to_vec()
        }]
    );
    assert_eq!(
        p.server_events,
        vec![Ev::Unconfirmed {
            pdu: expected[..n].to_vec()
        }]
    );
    let _ = item("a", "b");
}

/// Send raw MMS octets to the server as data on the association.
fn inject(p: &mut Pair, mms: &[u8]) {
    let mut raw = vec![0u8; 256];
    let len = encode_mms_data(mms, 3, TpduSize::S1024, &mut raw).unwrap();
    let frame = raw[..len].to_vec();
    p.feed(Side::Server, &frame);
    p.run();
}

#[test]
fn malformed_pdus_are_rejected_with_the_right_code() {
    let cases: [(&[u8], Option<u32>, RejectReason); 6] = [
        // Read request [0] { invokeID 5, read [4] { garbage } }.
        (
            &[0xA0, 0x07, 0x02, 0x01, 0x05, 0xA4, 0x02, 0x05, 0x00],
            Some(5),
            RejectReason::ConfirmedRequest(ConfirmedRequestReject::InvalidArgument),
        ),
        // A service this crate does not model: [0] { 6, [63] NULL }.
        (
            &[0xA0, 0x06, 0x02, 0x01, 0x06, 0x9F, 0x3F, 0x00],
            Some(6),
            RejectReason::ConfirmedRequest(ConfirmedRequestReject::UnrecognizedService),
        ),
        // Unknown PDU tag [20].
        (
            &[0xB4, 0x00],
            None,
            RejectReason::PduError(PduErrorReject::UnknownPduType),
        ),
        // conclude-RequestPDU constructed: invalid.
        (
            &[0xAB, 0x00],
            None,
            RejectReason::PduError(PduErrorReject::InvalidPdu),
        ),
        // A response to nothing outstanding.
        (
            &[0xA1, 0x05, 0x02, 0x01, 0x09, 0x8B, 0x00],
            Some(9),
            RejectReason::ConfirmedResponse(ConfirmedResponseReject::InvalidInvokeId),
        ),
        // Initiate on an established association.
        (
            &[0xA8, 0x00],
            None,
            RejectReason::PduError(PduErrorReject::IllegalAcseMapping),
        ),
    ];
    for (mms, id, reason) in cases {
        let mut p = Pair::associated();
        inject(&mut p, mms);
        let r = RejectPdu {
            original_invoke_id: id,
            reason,
        };
        assert_eq!(p.server_events, vec![Ev::RejectSent(r)], "{mms:02x?}");
        assert_eq!(p.client_events, vec![Ev::RejectReceived(r)]);
        assert!(p.server.is_associated() && p.client.is_associated());
    }
    // A duplicate invoke id while the first is unanswered.
    let mut p = Pair::associated();
    inject(&mut p, &[0xA0, 0x05, 0x02, 0x01, 0x07, 0x82, 0x00]);
    inject(&mut p, &[0xA0, 0x05, 0x02, 0x01, 0x07, 0x82, 0x00]);
    assert_eq!(requests(&p.server_events), vec![(7, "identify")]);
    assert!(p.server_events.contains(&Ev::RejectSent(RejectPdu {
        original_invoke_id: Some(7),
        reason: RejectReason::ConfirmedRequest(ConfirmedRequestReject::InvalidInvokeId),
    })));
}

#[test]
fn broken_session_layer_aborts() {
    let mut p = Pair::associated();
    let now = p.now;
    let id = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    // A DT whose TSDU is not a session SPDU.
    p.feed(
        Side::Client,
        &[0x03, 0x00, 0x00, 0x09, 0x02, 0xF0, 0x80, 0xFF, 0x00],
    );
    p.run();
    assert!(p.client.is_closed() && p.server.is_closed());
    assert!(matches!(
        p.client_events[..],
        [Ev::Failed { id: i, reason: FailReason::Closed(CloseReason::Protocol(ProtocolError::Stack(_))) }, Ev::Closed(_)] if i == id
    ));
    assert_eq!(
        p.server_events.last(),
        Some(&Ev::Closed(CloseReason::PeerAbort))
    );
}

#[test]
fn conclude_then_release() {
    let mut p = Pair::associated();
    let now = p.now;
    // Refused locally while a request is outstanding, and by the peer while it has one.
    let id = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    assert_eq!(p.client.conclude(now), Err(AssocError::RequestsOutstanding));
    p.run();
    p.server.conclude(now).unwrap_err();
    p.server
        .respond(id, ConfirmedServiceResponse::Identify(IDENTIFY))
        .unwrap();
    p.run();
    p.client_events.clear();
    p.server_events.clear();
    p.client.conclude(now).unwrap();
    p.run();
    assert_eq!(
        p.server_events,
        vec![
            Ev::ConcludeIndication(true),
            Ev::Closed(CloseReason::Released)
        ]
    );
    assert_eq!(
        p.client_events,
        vec![Ev::ConcludeConfirm(None), Ev::Closed(CloseReason::Released)]
    );
    assert!(p.client.is_closed() && p.server.is_closed());
}

#[test]
fn conclude_refused_by_peer_with_outstanding_requests() {
    let mut p = Pair::associated();
    let now = p.now;
    // The server has a request outstanding at the client when the client concludes.
    p.server
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    p.client.conclude(now).unwrap();
    p.run();
    assert!(p.server_events.contains(&Ev::ConcludeIndication(false)));
    assert!(
        p.client_events
            .contains(&Ev::ConcludeConfirm(Some(ErrorClass::Conclude(1))))
    );
    assert!(p.client.is_associated() && p.server.is_associated());
}

#[test]
fn abort_mid_request_fails_outstanding() {
    let mut p = Pair::associated();
    let now = p.now;
    let a = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    let b = p.client.request(now, read()).unwrap();
    p.run();
    p.client.abort(now);
    p.run();
    let why = FailReason::Closed(CloseReason::LocalAbort);
    assert_eq!(
        p.client_events,
        vec![
            Ev::Failed { id: a, reason: why },
            Ev::Failed { id: b, reason: why },
            Ev::Closed(CloseReason::LocalAbort)
        ]
    );
    assert_eq!(
        p.server_events.last(),
        Some(&Ev::Closed(CloseReason::PeerAbort))
    );
    assert!(
        p.server
            .respond(a, ConfirmedServiceResponse::Identify(IDENTIFY))
            .is_err()
    );
    // TCP close on the other side of a fresh pair.
    let mut p = Pair::associated();
    let c = p
        .server
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    p.server.handle_close(now);
    assert_eq!(
        p.server.poll_event().map(|e| association_pair::summary(&e)),
        Some(Ev::Failed {
            id: c,
            reason: FailReason::Closed(CloseReason::TransportClosed)
        })
    );
}

#[test]
fn peer_vanishing_is_detected_by_timeouts() {
    // During set-up: no CC.
    let mut p = Pair::new(Config::DEFAULT, Config::DEFAULT);
    p.server_mute = true;
    p.connect();
    p.advance(Duration::from_secs(10));
    assert_eq!(p.client_events, vec![Ev::Closed(CloseReason::Timeout)]);
    // Associated: the request times out.
    let mut p = Pair::associated();
    p.server_mute = true;
    let now = p.now;
    let id = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    p.run();
    p.advance(Duration::from_secs(31));
    assert_eq!(
        p.client_events,
        vec![Ev::Failed {
            id,
            reason: FailReason::Timeout
        }]
    );
}

#[test]
fn large_pdu_is_segmented_and_reassembled() {
    let mut c = Config::DEFAULT;
    c.tpdu_size = TpduSize::S128;
    let mut p = Pair::new(c, Config::DEFAULT);
    p.connect();
    assert_eq!(p.client.negotiated().tpdu_size, TpduSize::S128);
    p.server_events.clear();
    let text = [b'x'; 3000];
    let results = [AccessResult::Success(Data::VisibleString(&text))];
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "Big").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    });
    p.wire.clear();
    p.client.send_unconfirmed(report).unwrap();
    p.run();
    // 128-octet TPDUs: every TPKT at most 132 octets, EOT only on the last.
    let bytes = p.sent_by(true);
    let mut rest = &bytes[..];
    let mut frames = 0;
    while !rest.is_empty() {
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        assert!(len <= 132);
        frames += 1;
        let eot = rest[6] & 0x80 != 0;
        assert_eq!(eot, len == rest.len());
        rest = &rest[len..];
    }
    assert!(frames >= 24, "{frames}");
    let mut expected = vec![0u8; 3100];
    let n = MmsPdu::Unconfirmed(report).encode(&mut expected).unwrap();
    assert_eq!(p.server_events.len(), 1);
    assert!(
        p.server_events[0]
            == Ev::Unconfirmed {
                pdu: expected[..n].to_vec()
            }
    );
    // Larger than the negotiated PDU size: refused locally.
    let big = [b'y'; 9000];
    let results = [AccessResult::Success(Data::VisibleString(&big))];
    let too_big = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "Big").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    });
    assert!(matches!(
        p.client.send_unconfirmed(too_big),
        Err(AssocError::PduTooLarge { max: 8000, .. })
    ));
}

#[test]
fn byte_at_a_time_input() {
    let mut p = Pair::new(Config::DEFAULT, Config::DEFAULT);
    p.client.connect(p.now).unwrap();
    // Deliver every chunk one octet at a time.
    let mut buf = vec![0u8; 4096];
    for _ in 0..4 {
        while let Some(n) = p.client.poll_transmit(&mut buf) {
            for b in buf[..n].iter().copied() {
                p.feed(Side::Server, &[b]);
            }
        }
        while let Some(n) = p.server.poll_transmit(&mut buf) {
            for b in buf[..n].iter().copied() {
                p.feed(Side::Client, &[b]);
            }
        }
    }
    assert!(p.client.is_associated() && p.server.is_associated());
}

#[test]
fn release_fails_outstanding_requests() {
    let mut p = Pair::associated();
    let now = p.now;
    let id = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    p.run();
    p.server.release(now).unwrap();
    assert_eq!(
        p.server.release(now),
        Err(AssocError::WrongState { state: "releasing" })
    );
    p.run();
    assert_eq!(
        p.client_events,
        [
            Ev::Failed {
                id,
                reason: FailReason::Closed(CloseReason::Released)
            },
            Ev::Closed(CloseReason::Released)
        ]
    );
    assert_eq!(
        p.server_events.last(),
        Some(&Ev::Closed(CloseReason::Released))
    );
    // The DN + RLRE the client answered with, exactly: DN, user data TD { PDV 1 { RLRE
    // reason normal } }.
    let sent = p.sent_by(true);
    assert!(
        sent.ends_with(&[
            0x0A, 0x10, 0xC1, 0x0E, 0x61, 0x0C, 0x30, 0x0A, 0x02, 0x01, 0x01, 0xA0, 0x05, 0x63,
            0x03, 0x80, 0x01, 0x00
        ]),
        "{sent:02x?}"
    );
}

#[test]
fn unanswered_indication_then_abort_by_peer() {
    let mut p = Pair::new(Config::DEFAULT, Config::DEFAULT);
    p.policy = Policy::Hold;
    p.connect();
    assert!(matches!(p.server_events[..], [Ev::Indication { .. }]));
    assert!(p.client.poll_timeout().is_some());
    // The client gives up after the connect timeout; its DR closes the server too.
    p.advance(Duration::from_secs(10));
    assert_eq!(p.client_events, vec![Ev::Closed(CloseReason::Timeout)]);
    assert!(p.server.is_closed());
}
