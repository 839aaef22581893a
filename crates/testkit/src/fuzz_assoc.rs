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

/// Associations with room for connect user data beyond 10 240 octets (data overflow).
type Big<'c> = Association<'c, 32_768, 4>;

/// Move what `from` queued to `to` (unless `drop`), draining `to`'s events and accepting an
/// association attempt; checks the consumed counts.
fn carry(from: &mut Big<'_>, to: &mut Big<'_>, now: Instant, drop: bool) {
    let mut wire = vec![0u8; 1500];
    while let Some(n) = from.poll_transmit(&mut wire) {
        if drop {
            continue;
        }
        let mut rest = wire.get(..n).unwrap_or_default();
        for _ in 0..10_000 {
            let Ok(used) = to.handle_input(now, rest) else {
                break;
            };
            assert!(used <= rest.len(), "consumed more than given");
            rest = rest.get(used..).unwrap_or_default();
            let mut indication = false;
            while let Some(e) = to.poll_event() {
                indication |= matches!(e, Event::AssociateIndication(_));
            }
            if indication {
                let _ = to.accept(now);
            }
            if rest.is_empty() {
                break;
            }
        }
    }
}

/// The data overflow script: a client whose AARQ carries a password of 10 300 octets or
/// more (so the CN overflows into CDOs), then per op octet: carry client → server, carry
/// server → client, lose what one side queued, let time pass, or feed raw octets to the
/// server. Nothing panics; once both are associated the server saw the whole password.
fn overflow(mut it: impl Iterator<Item = u8>) {
    let len = 10_300_usize.saturating_add(usize::from(it.next().unwrap_or(0)).saturating_mul(20));
    let password: Vec<u8> = b"abcdefghijklmnopqrstuvwxyz"
        .iter()
        .copied()
        .cycle()
        .take(len)
        .collect();
    let mut config = Config::DEFAULT;
    config.tpdu_size = TpduSize::S1024;
    config.password = Some(&password);
    let mut client = Box::new(Big::new(Role::Initiator, config).expect("config"));
    config.password = None;
    let mut server = Box::new(Big::new(Role::Responder, config).expect("config"));
    let mut now = Instant::from_secs(1);
    client.connect(now).expect("connect");
    while let Some(op) = it.next() {
        match op % 5 {
            0 => carry(&mut client, &mut server, now, false),
            1 => carry(&mut server, &mut client, now, false),
            2 => {
                carry(&mut client, &mut server, now, op & 0x10 == 0);
                carry(&mut server, &mut client, now, op & 0x10 != 0);
            }
            3 => {
                now = now.saturating_add(Duration::from_secs(u64::from(op / 5)));
                client.handle_timeout(now);
                server.handle_timeout(now);
            }
            _ => {
                let n = usize::from(it.next().unwrap_or(0));
                let chunk: Vec<u8> = it.by_ref().take(n).collect();
                let _ = server.handle_input(now, &chunk);
            }
        }
        while client.poll_event().is_some() {}
        while server.poll_event().is_some() {}
    }
    for _ in 0..4 {
        carry(&mut client, &mut server, now, false);
        carry(&mut server, &mut client, now, false);
    }
    if client.is_associated() {
        assert!(server.is_associated() || server.is_closed());
    }
}

/// `mms_association`: a script over two associations wired back to back. The first octet
/// picks the start (associated, a fresh responder fed raw octets, or the data overflow
/// script with a long AARQ); then each op octet
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
    let start = it.next().unwrap_or(0);
    if start & 3 == 2 {
        return overflow(it);
    }
    if start & 1 == 1 {
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
