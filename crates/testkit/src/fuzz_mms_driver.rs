//! Fuzz body for the MMS adapters' shared driver (`telecontrol-mms-pdu` `driver::Link`,
//! feature `std`): an initiator and a responder `Link` wired together by the script, which
//! carries (or drops, cuts or corrupts) their octets, feeds raw octets, queues requests,
//! reports and concludes, aborts, fires time-outs, stalls the sender and closes the TCP
//! connection of either side; the responder serves a small directory that refuses
//! associations and withholds answers on the script's word.
//!
//! The driver reads the wall clock (it has no manual clock), so each time-out of the
//! configuration is either zero (due at the next [`Link::timeout`], whatever the clock
//! says) or an hour (never due within a run): the runs stay deterministic.
//!
//! Checked: no panic; every request the link accepted is answered exactly once (a reply
//! dropped unanswered or answered twice fails), a refused one never; the association
//! outcome (`OnAssociated`) is told exactly once after `connect`; the owner's event sink
//! hears `Closed` exactly once per link and nothing after it; a request after the close is
//! refused as closed; a report refused for a full send queue has closed the association;
//! the directory hears `released` at most once per association, and exactly once for an
//! association it accepted, once the link is released.
#![allow(
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mms_pdu::association::{AssocError, AssociateIndication, Config, FailReason, Refusal, Role};
use mms_pdu::driver::{Answer, Link, MmsError, MmsEvent, Serving, calls};
use mms_pdu::mms::{
    AccessResult, ConfirmedResponse, ConfirmedServiceRequest, ConfirmedServiceResponse, Data,
    DataAccessError, Element, ErrorClass, GetNameListResponse, Identifier, IdentifyResponse,
    InformationReport, MmsPdu, ObjectClass, ObjectName, ObjectScope, SeqOf, UnconfirmedService,
    VariableAccessSpecification,
};
use mms_pdu::server::Directory;
use telecontrol_core::{Encode, Writer};

/// What the script tells the directory and what it saw.
#[derive(Default)]
struct Dir {
    refuse: AtomicBool,
    withhold: AtomicBool,
    accepted: Mutex<Vec<u64>>,
    released: Mutex<Vec<u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Directory for Dir {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"telecontrol",
            model: b"driver fuzz",
            revision: b"1",
            abstract_syntaxes: None,
        }
    }

    fn associate(&self, association: u64, _: &AssociateIndication<'_>) -> Result<(), Refusal> {
        if self.refuse.load(Ordering::SeqCst) {
            return Err(Refusal::Acse {
                result: 1,
                diagnostic: None,
            });
        }
        lock(&self.accepted).push(association);
        Ok(())
    }

    fn released(&self, association: u64) {
        let mut r = lock(&self.released);
        assert!(!r.contains(&association), "released twice: {association}");
        r.push(association);
    }

    fn withhold(&self, _: u64, _: &ConfirmedServiceRequest<'_>) -> bool {
        self.withhold.load(Ordering::SeqCst)
    }

    fn names(
        &self,
        _: u64,
        _: ObjectClass,
        _: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        for n in ["a", "b", "c", "d"] {
            if after.is_none_or(|a| n > a) && !out(n) {
                break;
            }
        }
        Ok(())
    }

    fn variable_type(
        &self,
        _: u64,
        _: &ObjectName<'_>,
        _: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        Ok(false)
    }

    fn read(
        &self,
        _: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        if name.item().as_str() != "x" {
            return Err(DataAccessError::ObjectNonExistent);
        }
        Data::Integer(7)
            .write_element(out)
            .map_err(|_| DataAccessError::TemporarilyUnavailable)
    }

    fn write(&self, _: u64, _: &ObjectName<'_>, _: &Data<'_>) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectAccessDenied)
    }

    fn list_members(
        &self,
        _: u64,
        _: &ObjectName<'_>,
        _: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        Ok(false)
    }

    fn define_list(
        &self,
        _: u64,
        _: &ObjectName<'_>,
        _: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        Err(ErrorClass::Definition(3))
    }

    fn delete_list(&self, _: u64, _: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        Ok(false)
    }
}

/// How each of our requests (and the association outcome, key `u64::MAX`) ended:
/// answered (true) or dropped unanswered (false), in order.
type Ends = Arc<Mutex<HashMap<u64, Vec<bool>>>>;

/// Records its end when answered or dropped.
struct Token {
    key: u64,
    ends: Ends,
    answered: bool,
}

impl Drop for Token {
    fn drop(&mut self) {
        lock(&self.ends)
            .entry(self.key)
            .or_default()
            .push(self.answered);
    }
}

const OUTCOME: u64 = u64::MAX;

fn token(ends: &Ends, key: u64) -> Token {
    Token {
        key,
        ends: Arc::clone(ends),
        answered: false,
    }
}

/// One side: its link, the events its sink heard, its scratch.
struct Side {
    link: Link,
    events: Arc<Mutex<Vec<MmsEvent>>>,
    work: Vec<mms_pdu::driver::Work>,
}

impl Side {
    fn new(role: Role, config: Config<'static>) -> Option<Side> {
        let link = Link::new(role, config).ok()?;
        let events: Arc<Mutex<Vec<MmsEvent>>> = Arc::default();
        let e = Arc::clone(&events);
        link.set_events(Box::new(move |ev| {
            let mut l = lock(&e);
            assert!(
                !l.iter().any(|x| matches!(x, MmsEvent::Closed(_))),
                "event after Closed: {ev:?}"
            );
            l.push(ev);
        }));
        Some(Side {
            link,
            events,
            work: Vec::new(),
        })
    }

    fn closes(&self) -> usize {
        lock(&self.events)
            .iter()
            .filter(|e| matches!(e, MmsEvent::Closed(_)))
            .count()
    }

    fn input(&mut self, bytes: &[u8], serving: &Serving, scratch: &mut [u8]) {
        self.link.input(bytes, serving, &mut self.work);
        self.link.serve(serving, &mut self.work, scratch);
    }
}

fn duration(bit: bool) -> Duration {
    if bit {
        Duration::ZERO
    } else {
        Duration::from_secs(3_600)
    }
}

fn report(len: usize) -> Vec<u8> {
    let text = vec![b'r'; len];
    let results = [AccessResult::Success(Data::VisibleString(&text))];
    let pdu = MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::vmd("R").unwrap_or_else(|| panic!("name")),
        ),
        results: SeqOf::from_slice(&results),
    }));
    let mut out = vec![0u8; pdu.encoded_len()];
    let n = pdu
        .encode(&mut out)
        .unwrap_or_else(|e| panic!("encode: {e:?}"));
    out.truncate(n);
    out
}

/// A GetNameList walk (`calls::NameList`) over answers from the script, names from a pool
/// of four, `moreFollows` as `arg` says: it must end once a continuing answer brings no new
/// name (a peer that repeats itself would keep it asking for ever).
fn name_walk(arg: u8, next: &mut impl FnMut() -> Option<u8>) {
    const POOL: [&str; 4] = ["a", "b", "c", "d"];
    let mut walk = calls::NameList::new(ObjectClass::NamedVariable, ObjectScope::Vmd);
    let mut seen = std::collections::HashSet::new();
    let mut rounds = 0usize;
    while walk.next_request().is_some() {
        let Some(b) = next() else { return };
        rounds += 1;
        let ids: Vec<Identifier<'_>> = (0..usize::from(b & 3))
            .filter_map(|k| Identifier::new(POOL[usize::from(b >> (2 + 2 * k)) & 3]))
            .collect();
        seen.extend(ids.iter().map(|i| i.as_str()));
        let pdu = MmsPdu::ConfirmedResponse(ConfirmedResponse {
            invoke_id: 1,
            service: ConfirmedServiceResponse::GetNameList(GetNameListResponse {
                identifiers: SeqOf::from_slice(&ids),
                more_follows: (arg & 2 != 0).then_some(arg & 1 != 0),
            }),
        });
        let mut bytes = vec![0u8; pdu.encoded_len()];
        let n = pdu
            .encode(&mut bytes)
            .unwrap_or_else(|e| panic!("encode: {e:?}"));
        bytes.truncate(n);
        let r = Answer::into_result(Some(Answer::Response(bytes)))
            .unwrap_or_else(|e| panic!("a response: {e}"));
        walk.absorb(&r).unwrap_or_else(|e| panic!("absorb: {e}"));
        if walk.next_request().is_some() {
            assert!(
                rounds <= seen.len(),
                "name walk asks again without progress ({rounds} rounds, {} names)",
                seen.len()
            );
        }
    }
}

/// Run the driver script `data`.
pub fn mms_driver(data: &[u8]) {
    let mut it = data.iter().copied();
    let mut next = move || it.next();
    let (Some(c0), Some(c1)) = (next(), next()) else {
        return;
    };
    let config = Config {
        connect_timeout: duration(c0 & 1 != 0),
        request_timeout: duration(c0 & 2 != 0),
        send_stall_timeout: Some(duration(c0 & 4 != 0)),
        idle_timeout: (c0 & 8 != 0).then(|| duration(c0 & 16 != 0)),
        max_outstanding: i16::from(c1 % 4) + 1,
        send_queue: usize::from(c1 >> 2) * 256,
        ..Config::DEFAULT
    };
    let (Some(mut client), Some(mut server)) = (
        Side::new(Role::Initiator, config),
        Side::new(Role::Responder, config),
    ) else {
        return;
    };
    let dir = Arc::new(Dir::default());
    let serving = Serving {
        directory: Some(Arc::clone(&dir) as Arc<mms_pdu::driver::SharedDirectory>),
        authorize: None,
    };
    let none = Serving::default();
    let ends: Ends = Arc::default();
    let mut accepted: Vec<u64> = Vec::new();
    let mut next_key = 0u64;
    let mut connected = false;
    let mut connect_ok = false;
    let mut scratch = vec![0u8; mms_pdu::driver::BUF];
    let mut wire = vec![0u8; mms_pdu::driver::BUF];
    let mut steps = 0;
    while let (Some(op), Some(arg)) = (next(), next()) {
        steps += 1;
        if steps > 256 {
            break;
        }
        match op % 12 {
            // Carry one side's octets to the other: whole, dropped, cut short, corrupted.
            0 | 1 => {
                let (from, to, to_serving) = if op % 12 == 0 {
                    (&client, &mut server, &serving)
                } else {
                    (&server, &mut client, &none)
                };
                while let Some(n) = from.link.poll_transmit(&mut wire) {
                    assert!(n <= wire.len(), "poll_transmit beyond the buffer");
                    let mut chunk = wire[..n].to_vec();
                    match arg % 8 {
                        0 => continue,
                        1 => chunk.truncate(usize::from(arg >> 3) % (n + 1)),
                        2 if n > 0 => {
                            let i = usize::from(arg >> 3) % n;
                            chunk[i] ^= 0x5A;
                        }
                        _ => {}
                    }
                    to.input(&chunk, to_serving, &mut scratch);
                }
            }
            // Raw octets from the script into either side.
            2 => {
                let len = usize::from(arg & 0x7F);
                let raw: Vec<u8> = (0..len).map_while(|_| next()).collect();
                if arg & 0x80 == 0 {
                    server.input(&raw, &serving, &mut scratch);
                } else {
                    client.input(&raw, &none, &mut scratch);
                }
            }
            3 => {
                if !connected {
                    connected = true;
                    let t = token(&ends, OUTCOME);
                    let r = client.link.connect(Box::new(move |_| {
                        let mut t = t;
                        t.answered = true;
                    }));
                    // A new initiator connects unless it is already closed (input or a
                    // TCP close came first); then `done` is never told.
                    assert!(
                        r.is_ok() || client.link.is_finished(),
                        "a new initiator connects: {r:?}"
                    );
                    connect_ok = r.is_ok();
                }
            }
            // A request of the client (or of the server, to the client: no directory there).
            4 | 5 => {
                let side = if op % 12 == 4 { &client } else { &server };
                let key = next_key;
                next_key += 1;
                let names = [
                    ObjectName::domain("D", if arg & 1 == 0 { "x" } else { "y" })
                        .unwrap_or_else(|| panic!("name")),
                ];
                let items = calls::named(&names);
                let list = calls::NameList::new(ObjectClass::NamedVariable, ObjectScope::Vmd);
                let request = match arg % 4 {
                    0 => ConfirmedServiceRequest::Identify,
                    1 => calls::read(&items),
                    2 => list
                        .next_request()
                        .unwrap_or(ConfirmedServiceRequest::Identify),
                    _ => calls::variable_type(names[0]),
                };
                let t = token(&ends, key);
                let r = side.link.request(
                    request,
                    Box::new(move |_: Answer| {
                        let mut t = t;
                        t.answered = true;
                    }),
                );
                if r.is_ok() {
                    accepted.push(key);
                } else if side.link.closed().is_some() {
                    assert!(
                        matches!(r, Err(MmsError::Failed(FailReason::Closed(_)))),
                        "request after close: {r:?}"
                    );
                }
            }
            // A report of `arg * 16` octets of text from the server (or the client).
            6 => {
                let side = if arg & 1 == 0 { &server } else { &client };
                let r = side
                    .link
                    .send_unconfirmed_pdu(&report(usize::from(arg) * 16));
                if let Err(MmsError::Local(AssocError::TransmitFull { .. })) = r {
                    assert!(
                        side.link.is_finished(),
                        "send queue overflow leaves it open"
                    );
                }
            }
            7 => {
                let side = if arg & 1 == 0 { &client } else { &server };
                match arg >> 1 & 3 {
                    0 => {
                        let _ = side.link.conclude();
                    }
                    1 => side.link.abort(),
                    2 => side.link.send_stalled(),
                    _ => side.link.transport_closed(),
                }
            }
            8 => {
                client.link.timeout();
                server.link.timeout();
                let _ = (
                    client.link.time_to_deadline(),
                    server.link.time_to_deadline(),
                );
            }
            9 => dir.refuse.store(arg & 1 != 0, Ordering::SeqCst),
            10 => dir.withhold.store(arg & 1 != 0, Ordering::SeqCst),
            _ => name_walk(arg, &mut next),
        }
        for side in [&client, &server] {
            assert!(side.closes() <= 1, "Closed twice");
            if side.closes() == 1 {
                assert!(
                    side.link.closed().is_some(),
                    "Closed heard but not recorded"
                );
            }
        }
    }
    // The connections end: every request is answered, every close told once.
    client.link.transport_closed();
    server.link.transport_closed();
    for (name, side, s) in [("client", &client, &none), ("server", &server, &serving)] {
        assert!(side.link.is_finished(), "{name}: open after the TCP close");
        assert_eq!(side.closes(), 1, "{name}: Closed events");
        side.link.release(s);
        side.link.release(s);
    }
    // Dropping the links drops what they still hold (a refused connect's `done`).
    drop((client, server));
    {
        let ends = lock(&ends);
        for key in &accepted {
            assert_eq!(
                ends.get(key).map(Vec::as_slice),
                Some(&[true][..]),
                "request {key}"
            );
        }
        for (key, e) in ends.iter() {
            assert_eq!(e.len(), 1, "request {key} ended {} times", e.len());
            if *key != OUTCOME && !accepted.contains(key) {
                assert_eq!(e, &[false], "a refused request {key} was answered");
            }
        }
        if connected {
            assert_eq!(
                ends.get(&OUTCOME).map(Vec::as_slice),
                Some(&[connect_ok][..]),
                "outcome (told exactly when connect succeeded)"
            );
        }
    }
    let accepted_assocs = lock(&dir.accepted).clone();
    let released = lock(&dir.released).clone();
    for a in &accepted_assocs {
        assert!(
            released.contains(a),
            "association {a} accepted, never released"
        );
    }
}
