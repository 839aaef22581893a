//! Fuzz body for the TASE.2 client's session and procedures
//! (`tase2_transfer_sets::client::{ClientSession, Procedure}`, feature `std`), the steps both
//! adapters run between their I/O: a script runs the association check, then procedures
//! (read, define / delete data set, start / stop transfer set, name lists) whose answers
//! come from a real `Tase2Station` (as it answers, with one octet corrupted, or an MMS
//! failure) or are raw octets from the script; it advances the station's manual clock and
//! hands the station's reports (or raw octets, or the close) to `ClientSession::handle`,
//! and takes events out with `sift`, `take_queued` and `next_queued`.
//!
//! Checked: no panic; each procedure ends exactly once (a result or an error, `settle`
//! called once) and asks again only with progress: a name list never repeats its
//! `continueAfter`, any other procedure ends within its two requests; what the tracker
//! remembers follows the outcome (a read's point types, a defined data set, a deleted one
//! gone, a started transfer set known and a failed start leaving none behind, a stopped one
//! gone and a failed stop keeping it); critical reports are counted as acknowledged exactly
//! when the acknowledgement was handed over and taken; events put aside come out in order
//! and the close ends a wait; the station's clock never goes backwards.
#![allow(
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::collections::{HashSet, VecDeque};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use mms_pdu::association::{CloseReason, FailReason};
use mms_pdu::driver::{Answer, MmsError, MmsEvent, Response};
use mms_pdu::mms::{
    ConfirmedRequest, ConfirmedResponse, ConfirmedServiceRequest, MmsPdu, ObjectClass, ObjectScope,
};
use mms_pdu::server::{Context, answer};
use tase2_transfer_sets::ValueKind;
use tase2_transfer_sets::client::{
    ClientSession, DefineDataSet, DeleteDataSet, IdentityCheck, Names, PointName, Procedure, Read,
    ReadValue, RequestStorage, SET_ASIDE, StartTransferSet, StopTransferSet, Tase2ClientConfig,
    Tase2ClientError, Tase2ClientEvent, TransferSetOptions, next_transfer_set_response,
    service_response, unconfirmed_service,
};
use tase2_transfer_sets::station::Tase2Station;
use telecontrol_core::{Encode, Instant};

use crate::fuzz_tase2_station::{associate, station};

const ASSOC: u64 = 1;
const KINDS: [ValueKind; 4] = [
    ValueKind::RealQ,
    ValueKind::StateQTimeTag,
    ValueKind::DiscreteQTimeTagExtended,
    ValueKind::RealExtended,
];

fn encode(pdu: &MmsPdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; pdu.encoded_len()];
    let n = pdu
        .encode(&mut out)
        .unwrap_or_else(|e| panic!("encode: {e:?}"));
    out.truncate(n);
    out
}

/// What the script makes of each request.
struct Peer<'s, F: FnMut() -> Option<u8>> {
    st: &'s Tase2Station,
    next: F,
}

impl<F: FnMut() -> Option<u8>> Peer<'_, F> {
    fn byte(&mut self) -> u8 {
        (self.next)().unwrap_or(0)
    }

    /// The answer to `request` (encoded confirmed-ResponsePDU), or the failure.
    fn answer(&mut self, request: &ConfirmedServiceRequest<'_>) -> Result<Vec<u8>, MmsError> {
        // The request as the adapter would send it must encode.
        let _ = encode(&MmsPdu::ConfirmedRequest(ConfirmedRequest {
            invoke_id: 7,
            modifiers: None,
            service: *request,
        }));
        let how = self.byte();
        if how % 8 == 6 {
            let len = usize::from(self.byte());
            return Ok((0..len).map(|_| self.byte()).collect());
        }
        if how % 8 == 7 {
            return Err(MmsError::Failed(FailReason::Closed(CloseReason::PeerAbort)));
        }
        let mut scratch = vec![0u8; 16 * 1024];
        let ctx = Context {
            max_pdu_size: 8_000,
            association: ASSOC,
        };
        let mut bytes = match answer(self.st, request, ctx, &mut scratch) {
            Ok(service) => encode(&MmsPdu::ConfirmedResponse(ConfirmedResponse {
                invoke_id: 7,
                service,
            })),
            Err(e) => return Err(MmsError::Service(e.error_class)),
        };
        if how % 8 == 5 && !bytes.is_empty() {
            let i = usize::from(self.byte()) % bytes.len();
            bytes[i] ^= self.byte() | 1;
        }
        Ok(bytes)
    }
}

/// The continue-after name of a GetNameList request.
fn continue_after(request: &ConfirmedServiceRequest<'_>) -> Option<String> {
    match request {
        ConfirmedServiceRequest::GetNameList(r) => r.continue_after.map(|i| i.as_str().to_owned()),
        _ => None,
    }
}

/// Run `p` to its end as an adapter does; `first` hears the first answer. Checks that it
/// asks again only with progress; returns exactly once, through `settle`.
fn run<P: Procedure, F: FnMut() -> Option<u8>>(
    p: &mut P,
    peer: &mut Peer<'_, F>,
    walk: bool,
    mut first: impl FnMut(&Response),
) -> Result<P::Output, Tase2ClientError> {
    let mut asked: HashSet<Option<String>> = HashSet::new();
    let mut round = 0;
    loop {
        let mut storage = RequestStorage::default();
        let request = match p.request(&mut storage) {
            Ok(r) => r,
            Err(e) => return p.settle(Err(e.into())),
        };
        if walk {
            let after = continue_after(&request);
            assert!(
                asked.insert(after.clone()),
                "name list asks again after {after:?}"
            );
        } else {
            assert!(round < 2, "procedure asks a third time");
        }
        let bytes = match peer.answer(&request) {
            Ok(b) => b,
            Err(e) => return p.settle(Err(e.into())),
        };
        let response = Answer::into_result(Some(Answer::Response(bytes)))
            .unwrap_or_else(|e| panic!("a response: {e}"));
        if round == 0 {
            first(&response);
        }
        match p.answer_response(&response) {
            Ok(Some(out)) => return p.settle(Ok(out)),
            Ok(None) => round += 1,
            Err(e) => return p.settle(Err(e)),
        }
    }
}

/// Which events a wait picks.
const PICKS: [fn(&Tase2ClientEvent) -> bool; 3] = [
    Tase2ClientEvent::is_report,
    Tase2ClientEvent::is_message,
    |_| false,
];

/// Run the session script `data`.
pub fn tase2_session(data: &[u8]) {
    let mut it = data.iter().copied();
    let Some(cfg) = it.next() else { return };
    let (st, clock) = station(cfg);
    associate(&st, ASSOC, cfg & 0x80 != 0);
    let mut config = Tase2ClientConfig::new("ICC1");
    if cfg & 0x40 != 0 {
        config.table_id = Some("T1".into());
    }
    let mut peer = Peer {
        st: &st,
        next: move || it.next(),
    };
    let Ok(check) = run(&mut IdentityCheck::new(&config), &mut peer, false, |_| {}) else {
        return;
    };
    let mut session = ClientSession::new(config.icc_domain.clone(), check, None);
    let mut model: VecDeque<Tase2ClientEvent> = VecDeque::new();
    let mut acknowledged = 0u64;
    let mut now = 0u64;
    let mut closed = false;
    let mut steps = 0;
    let mut out = Vec::new();
    let points: Vec<(PointName, ValueKind)> = (0..8u8)
        .map(|i| {
            let name = format!("P{i}");
            let p = if i < 4 {
                PointName::vmd(&name)
            } else {
                session.icc(&name)
            };
            (p, KINDS[usize::from(i % 4)])
        })
        .collect();
    let mut started: Vec<PointName> = Vec::new();
    while let Some(op) = (peer.next)() {
        steps += 1;
        if steps > 128 {
            break;
        }
        let arg = peer.byte();
        match op % 10 {
            0 => {
                let i = usize::from(arg % 8);
                let n = usize::from(arg >> 3) % 4 + 1;
                let chosen: Vec<(PointName, ValueKind)> =
                    points.iter().cycle().skip(i).take(n).cloned().collect();
                if arg & 0x80 == 0 {
                    let r = run(
                        &mut Read::new(&mut session, &chosen),
                        &mut peer,
                        false,
                        |_| {},
                    );
                    if r.is_ok() {
                        for (p, k) in &chosen {
                            assert_eq!(session.tracker().kind(p), Some(*k), "read noted {p:?}");
                        }
                    }
                } else {
                    let (p, k) = &chosen[0];
                    let r = run(
                        &mut ReadValue::new(&mut session, p, *k),
                        &mut peer,
                        false,
                        |_| {},
                    );
                    if r.is_ok() {
                        assert_eq!(session.tracker().kind(p), Some(*k), "read noted {p:?}");
                    }
                }
            }
            1 => {
                let name = format!("DS{}", arg % 3);
                let n = usize::from(arg >> 2) % 5 + 1;
                let members = &points[..n];
                let full = session.icc(&name);
                let before = session.tracker().members(&full).map(<[PointName]>::to_vec);
                let r = run(
                    &mut DefineDataSet::new(&mut session, &name, members),
                    &mut peer,
                    false,
                    |_| {},
                );
                let after = session.tracker().members(&full).map(<[PointName]>::to_vec);
                match r {
                    Ok(n) => {
                        assert_eq!(n, full);
                        assert!(after.is_some(), "defined {full:?} not noted");
                    }
                    Err(_) => assert_eq!(after, before, "failed define changed {full:?}"),
                }
            }
            2 => {
                let name = format!("DS{}", arg % 3);
                let full = session.icc(&name);
                let before = session.tracker().members(&full).map(<[PointName]>::to_vec);
                let r = run(
                    &mut DeleteDataSet::new(&mut session, &name),
                    &mut peer,
                    false,
                    |_| {},
                );
                let after = session.tracker().members(&full).map(<[PointName]>::to_vec);
                match r {
                    Ok(true) => assert!(after.is_none(), "deleted {full:?} still noted"),
                    _ => assert_eq!(after, before, "delete without effect changed {full:?}"),
                }
            }
            3 => {
                let ds = ["DS0", "DS1", "DS2", "VDS"][usize::from(arg % 4)];
                let options = TransferSetOptions {
                    critical: arg & 4 != 0,
                    rbe: arg & 8 != 0,
                    integrity_check: i32::from(arg >> 4) + 1,
                    ..TransferSetOptions::default()
                };
                let mut named: Option<PointName> = None;
                let r = run(
                    &mut StartTransferSet::new(&mut session, ds, options),
                    &mut peer,
                    false,
                    |resp| {
                        named = service_response(resp)
                            .ok()
                            .and_then(|s| next_transfer_set_response(&s).ok())
                            .map(|n| PointName::icc(n.domain, n.name));
                    },
                );
                match r {
                    Ok(ts) => {
                        assert!(
                            session.tracker().transfer_set(&ts).is_some(),
                            "started {ts:?} not noted"
                        );
                        started.push(ts);
                    }
                    Err(_) => {
                        if let Some(ts) = named.filter(|t| !started.contains(t)) {
                            assert!(
                                session.tracker().transfer_set(&ts).is_none(),
                                "failed start left {ts:?} noted"
                            );
                        }
                    }
                }
            }
            4 => {
                if started.is_empty() {
                    continue;
                }
                let ts = started[usize::from(arg) % started.len()].clone();
                let Ok(mut stop) = StopTransferSet::new(&mut session, &ts) else {
                    panic!("{ts:?} started here but unknown");
                };
                let r = run(&mut stop, &mut peer, false, |_| {});
                let known = session.tracker().transfer_set(&ts).is_some();
                if r.is_ok() {
                    assert!(!known, "stopped {ts:?} still noted");
                    started.retain(|t| *t != ts);
                } else {
                    assert!(known, "failed stop forgot {ts:?}");
                }
            }
            5 => {
                let (class, scope) = match arg % 3 {
                    0 => (ObjectClass::NamedVariable, ObjectScope::Vmd),
                    1 => (ObjectClass::NamedVariableList, ObjectScope::Vmd),
                    _ => (ObjectClass::Domain, ObjectScope::Vmd),
                };
                let _ = run(&mut Names::new(class, scope), &mut peer, true, |_| {});
            }
            // Time passes; the station's reports go to the session.
            6 => {
                let before = now;
                now += u64::from(arg) * 100_000;
                assert!(now >= before);
                clock.store(now, Ordering::SeqCst);
                for _ in 0..16 {
                    let Some(a) = st.poll_transmit(Instant::from_micros(now), &mut out) else {
                        break;
                    };
                    let pdu = out.clone();
                    let take = peer.byte() & 1 != 0;
                    let event = handle(
                        &mut session,
                        a,
                        MmsEvent::Unconfirmed(pdu),
                        take,
                        &st,
                        &mut acknowledged,
                    );
                    deliver(&mut session, &mut model, event, usize::from(arg % 3));
                }
            }
            // Raw octets as an unconfirmed PDU from the server.
            7 => {
                let len = usize::from(arg % 64);
                let raw: Vec<u8> = (0..len).map(|_| peer.byte()).collect();
                let take = arg & 0x40 != 0;
                let event = handle(
                    &mut session,
                    ASSOC,
                    MmsEvent::Unconfirmed(raw),
                    take,
                    &st,
                    &mut acknowledged,
                );
                deliver(&mut session, &mut model, event, usize::from(arg >> 6) % 3);
            }
            // Take put-aside events out.
            8 => {
                let got = if arg & 1 == 0 {
                    session.next_queued()
                } else {
                    let pick = PICKS[usize::from(arg >> 1) % 3];
                    let got = session.take_queued(pick);
                    let want = model.iter().position(pick).and_then(|i| model.remove(i));
                    assert_eq!(got, want, "take_queued");
                    continue;
                };
                assert_eq!(got, model.pop_front(), "next_queued");
            }
            _ => {
                if !closed {
                    closed = true;
                    let event = handle(
                        &mut session,
                        ASSOC,
                        MmsEvent::Closed(CloseReason::PeerAbort),
                        false,
                        &st,
                        &mut acknowledged,
                    );
                    assert_eq!(event, Tase2ClientEvent::Closed(CloseReason::PeerAbort));
                    deliver(&mut session, &mut model, event, usize::from(arg % 3));
                }
            }
        }
        assert_eq!(session.acknowledged(), acknowledged, "acknowledged count");
    }
    while let Some(e) = session.next_queued() {
        assert_eq!(Some(e), model.pop_front(), "queued events in order");
    }
    assert!(model.is_empty(), "events lost: {model:?}");
}

/// `ClientSession::handle`; an acknowledgement is handed to the station when `take`.
fn handle(
    session: &mut ClientSession,
    a: u64,
    event: MmsEvent,
    take: bool,
    st: &Tase2Station,
    acknowledged: &mut u64,
) -> Tase2ClientEvent {
    let mut called = 0;
    let e = session.handle(a, event, |ack| {
        called += 1;
        if take {
            let svc = unconfirmed_service(ack).unwrap_or_else(|e| panic!("own ack: {e}"));
            let _ = st.handle_unconfirmed(a, &svc);
        }
        take
    });
    assert!(called <= 1, "ack handed over {called} times");
    if take && called == 1 {
        *acknowledged += 1;
    }
    if called == 1 {
        assert!(e.is_report(), "an ack for {e:?}");
    }
    e
}

/// A wait for events `pick` wants sees `event`: the model puts aside what it does not pick
/// (at most [`SET_ASIDE`]: one more drops the oldest, counted by the session).
fn deliver(
    session: &mut ClientSession,
    model: &mut VecDeque<Tase2ClientEvent>,
    event: Tase2ClientEvent,
    pick: usize,
) {
    let pick = PICKS[pick];
    let wanted = pick(&event);
    let is_close = matches!(event, Tase2ClientEvent::Closed(_));
    let dropped = session.set_aside_dropped();
    let full = !wanted && model.len() >= SET_ASIDE;
    if full {
        model.pop_front();
    }
    match session.sift(event.clone(), pick) {
        ControlFlow::Break(Some(e)) => {
            assert!(wanted, "sift picked {e:?}");
            assert_eq!(e, event);
        }
        ControlFlow::Break(None) => {
            assert!(is_close && !wanted, "sift ended the wait on {event:?}");
            model.push_back(event);
        }
        ControlFlow::Continue(()) => {
            assert!(!wanted && !is_close, "sift put aside {event:?}");
            model.push_back(event);
        }
    }
    assert_eq!(
        session.set_aside_dropped(),
        dropped + u64::from(full),
        "events dropped with {} put aside",
        model.len()
    );
}
