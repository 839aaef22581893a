//! Fuzz body for the MMS association core of `telecontrol-mms-pdu` (`association`).
#![allow(clippy::expect_used, clippy::panic, clippy::missing_panics_doc)]

use core::time::Duration;

use mms_pdu::association::{Association, Config, Event, Role};
use mms_pdu::cotp::TpduSize;
use mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, Data, ErrorClass,
    IdentifyResponse, InformationReport, ObjectName, SeqOf, ServiceError, UnconfirmedService,
    VariableAccessSpecification,
};
use mms_pdu::stack::encode_mms_data;
use telecontrol_core::Instant;

type Assoc = Association<'static, 8192, 4>;

/// Feed `bytes` to `a`, draining events; returns the last peer request id seen and whether
/// an association indication arrived. Checks the consumed count.
fn feed(a: &mut Assoc, now: Instant, bytes: &[u8], last: &mut Option<u32>) -> bool {
    let mut rest = bytes;
    let mut indication = false;
    for _ in 0..10_000 {
        let Ok(n) = a.handle_input(now, rest) else {
            break;
        };
        assert!(n <= rest.len(), "consumed more than given");
        rest = rest.get(n..).unwrap_or_default();
        let mut events = 0;
        while let Some(e) = a.poll_event() {
            events += 1;
            match e {
                Event::Request { invoke_id, .. } => *last = Some(invoke_id),
                Event::AssociateIndication(_) => indication = true,
                _ => {}
            }
        }
        if rest.is_empty() || (n == 0 && events == 0) {
            break;
        }
    }
    indication
}

fn pump(from: &mut Assoc, to: &mut Assoc, now: Instant, last: &mut Option<u32>) {
    let mut wire = vec![0u8; 1500];
    while let Some(n) = from.poll_transmit(&mut wire) {
        if feed(to, now, wire.get(..n).unwrap_or_default(), last) && to.accept(now).is_err() {
            panic!("accept refused after an indication");
        }
    }
}

/// `mms_association`: a script over two associations wired back to back. The first octet
/// picks the start (associated, or a fresh responder fed raw octets); then each op octet
/// selects: raw octets / an MMS PDU / a TSDU to the server, a client request, time passing,
/// an answer, an InformationReport, conclude / release / abort. Nothing panics, consumed
/// counts never exceed the input and outstanding requests never exceed the bound.
pub fn mms_association(data: &[u8]) {
    let mut it = data.iter().copied();
    let mut config = Config::DEFAULT;
    config.tpdu_size = TpduSize::S128;
    config.max_pdu_size = 4000;
    let mut client = Box::new(Assoc::new(Role::Initiator, config).expect("config"));
    let mut server = Box::new(Assoc::new(Role::Responder, config).expect("config"));
    let mut now = Instant::from_secs(1);
    let (mut last_server, mut last_client) = (None, None);
    if it.next().unwrap_or(0) & 1 == 1 {
        // Set-up paths: raw octets into a fresh responder.
        let rest: Vec<u8> = it.collect();
        feed(&mut server, now, &rest, &mut last_server);
        server.handle_timeout(Instant::from_secs(1_000_000));
        while server.poll_event().is_some() {}
        return;
    }
    client.connect(now).expect("connect");
    for _ in 0..4 {
        pump(&mut client, &mut server, now, &mut last_server);
        pump(&mut server, &mut client, now, &mut last_client);
    }
    assert!(client.is_associated() && server.is_associated());
    let results = [AccessResult::Success(Data::Integer(1))];
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "DS").expect("name"),
        ),
        results: SeqOf::from_slice(&results),
    });
    while let Some(op) = it.next() {
        let len = usize::from(it.next().unwrap_or(0));
        let chunk: Vec<u8> = it.by_ref().take(len).collect();
        match op % 8 {
            0 => {
                feed(&mut server, now, &chunk, &mut last_server);
            }
            1 => {
                let mut out = vec![0u8; 1024];
                if let Ok(n) = encode_mms_data(&chunk, 3, TpduSize::S128, &mut out) {
                    feed(
                        &mut server,
                        now,
                        out.get(..n).unwrap_or_default(),
                        &mut last_server,
                    );
                }
            }
            2 => {
                // The chunk as one TSDU in a DT with EOT, to the client.
                let total = u16::try_from(chunk.len() + 7)
                    .unwrap_or(u16::MAX)
                    .to_be_bytes();
                let mut frame = vec![3, 0, total[0], total[1], 2, 0xF0, 0x80];
                frame.extend_from_slice(&chunk);
                feed(&mut client, now, &frame, &mut last_client);
            }
            3 => {
                let _ = client.request(now, ConfirmedServiceRequest::Identify);
                let _ = server.request(now, ConfirmedServiceRequest::Status(false));
            }
            4 => {
                now = now.saturating_add(Duration::from_secs(len as u64));
                client.handle_timeout(now);
                server.handle_timeout(now);
            }
            5 => {
                if let Some(id) = last_server.take() {
                    if len % 2 == 0 {
                        let r = IdentifyResponse {
                            vendor: b"v",
                            model: b"m",
                            revision: b"r",
                            abstract_syntaxes: None,
                        };
                        let _ = server.respond(id, ConfirmedServiceResponse::Identify(r));
                    } else {
                        let _ = server.respond_error(id, ServiceError::new(ErrorClass::Access(3)));
                    }
                }
            }
            6 => {
                let _ = server.send_unconfirmed(report);
                let _ = client.send_unconfirmed(report);
            }
            _ => match len % 4 {
                0 => {
                    let _ = client.conclude(now);
                }
                1 => {
                    let _ = server.release(now);
                }
                2 => client.abort(now),
                _ => server.handle_close(now),
            },
        }
        pump(&mut client, &mut server, now, &mut last_server);
        pump(&mut server, &mut client, now, &mut last_client);
        assert!(client.outstanding() <= 4 && server.outstanding() <= 4);
        while client.poll_event().is_some() {}
        while server.poll_event().is_some() {}
    }
}
