//! Two associations wired back to back in memory with a manual clock, for the association
//! tests (`mod association_pair;`). Events are recorded as owned summaries; what crossed
//! the wire is kept per direction for byte checks and pcaps.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use core::time::Duration;

use telecontrol_core::Instant;
use telecontrol_mms_pdu::association::{
    Association, CloseReason, Config, Event, FailReason, Negotiated, Refusal, Role,
};
use telecontrol_mms_pdu::mms::{ConfirmedServiceRequest, ErrorClass, RejectPdu};

/// The association type the tests use.
pub type Assoc = Association<'static, 12_000, 4>;

/// An owned summary of an [`Event`].
#[derive(Clone, Debug, PartialEq)]
pub enum Ev {
    Indication {
        calling_ae: Option<i64>,
        called_ae: Option<i64>,
        password: Option<Vec<u8>>,
        local_detail: Option<i32>,
    },
    Associated(Negotiated),
    Request {
        id: u32,
        service: &'static str,
        pdu: Vec<u8>,
    },
    Response {
        id: u32,
        pdu: Vec<u8>,
    },
    ServiceError {
        id: u32,
        class: ErrorClass,
    },
    Failed {
        id: u32,
        reason: FailReason,
    },
    Unconfirmed {
        pdu: Vec<u8>,
    },
    RejectReceived(RejectPdu),
    RejectSent(RejectPdu),
    ConcludeIndication(bool),
    ConcludeConfirm(Option<ErrorClass>),
    Closed(CloseReason),
}

fn service_name(s: &ConfirmedServiceRequest<'_>) -> &'static str {
    match s {
        ConfirmedServiceRequest::Identify => "identify",
        ConfirmedServiceRequest::Read(_) => "read",
        ConfirmedServiceRequest::Write(_) => "write",
        ConfirmedServiceRequest::GetNameList(_) => "getNameList",
        _ => "other",
    }
}

/// Summarise one event.
pub fn summary(e: &Event<'_>) -> Ev {
    match *e {
        Event::AssociateIndication(i) => Ev::Indication {
            calling_ae: i.calling_ae_qualifier,
            called_ae: i.called_ae_qualifier,
            password: i.password.map(<[u8]>::to_vec),
            local_detail: i.initiate.local_detail,
        },
        Event::Associated(n) => Ev::Associated(n),
        Event::Request {
            invoke_id,
            request,
            pdu,
        } => Ev::Request {
            id: invoke_id,
            service: service_name(&request.service),
            pdu: pdu.to_vec(),
        },
        Event::Response { invoke_id, pdu, .. } => Ev::Response {
            id: invoke_id,
            pdu: pdu.to_vec(),
        },
        Event::ServiceError { invoke_id, error } => Ev::ServiceError {
            id: invoke_id,
            class: error.error_class,
        },
        Event::RequestFailed { invoke_id, reason } => Ev::Failed {
            id: invoke_id,
            reason,
        },
        Event::Unconfirmed { pdu, .. } => Ev::Unconfirmed { pdu: pdu.to_vec() },
        Event::RejectReceived(r) => Ev::RejectReceived(r),
        Event::RejectSent(r) => Ev::RejectSent(r),
        Event::ConcludeIndication { accepted } => Ev::ConcludeIndication(accepted),
        Event::ConcludeConfirm { error } => Ev::ConcludeConfirm(error),
        Event::Closed(r) => Ev::Closed(r),
        _ => panic!("unexpected event kind"),
    }
}

/// What the server answers to an association attempt.
#[derive(Clone, Copy, Debug)]
pub enum Policy {
    Accept,
    Refuse(Refusal),
    /// Leave the indication unanswered.
    Hold,
}

/// Which side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

pub struct Pair {
    pub client: Box<Assoc>,
    pub server: Box<Assoc>,
    pub now: Instant,
    pub client_events: Vec<Ev>,
    pub server_events: Vec<Ev>,
    pub policy: Policy,
    /// Every chunk that crossed, in order: (from the client?, octets).
    pub wire: Vec<(bool, Vec<u8>)>,
    /// Drop everything the server sends (a vanished peer).
    pub server_mute: bool,
}

impl Pair {
    pub fn new(client: Config<'static>, server: Config<'static>) -> Pair {
        Pair {
            client: Box::new(Assoc::new(Role::Initiator, client).unwrap()),
            server: Box::new(Assoc::new(Role::Responder, server).unwrap()),
            now: Instant::from_secs(1000),
            client_events: Vec::new(),
            server_events: Vec::new(),
            policy: Policy::Accept,
            wire: Vec::new(),
            server_mute: false,
        }
    }

    /// A pair associated with the default configuration.
    pub fn associated() -> Pair {
        let mut p = Pair::new(Config::DEFAULT, Config::DEFAULT);
        p.connect();
        assert!(p.client.is_associated() && p.server.is_associated());
        p.client_events.clear();
        p.server_events.clear();
        p
    }

    pub fn connect(&mut self) {
        self.client.connect(self.now).unwrap();
        self.run();
    }

    fn drain(a: &mut Assoc, events: &mut Vec<Ev>) {
        while let Some(e) = a.poll_event() {
            events.push(summary(&e));
        }
    }

    /// Feed `bytes` into one side, draining its events between calls.
    pub fn feed(&mut self, to: Side, bytes: &[u8]) {
        let now = self.now;
        let (a, events) = match to {
            Side::Client => (&mut self.client, &mut self.client_events),
            Side::Server => (&mut self.server, &mut self.server_events),
        };
        let mut rest = bytes;
        loop {
            let before = events.len();
            let used = match a.handle_input(now, rest) {
                Ok(n) => n,
                Err(_) => break,
            };
            rest = &rest[used..];
            Self::drain(a, events);
            if to == Side::Server
                && events.len() > before
                && let Some(Ev::Indication { .. }) = events.last()
            {
                match self.policy {
                    Policy::Accept => a.accept(now).unwrap(),
                    Policy::Refuse(r) => a.refuse(now, r).unwrap(),
                    Policy::Hold => {}
                }
                Self::drain(a, events);
            }
            if rest.is_empty() && used == 0 {
                break;
            }
            if used == 0 && events.len() == before {
                break;
            }
        }
    }

    /// Move octets both ways until both transmit queues are empty.
    pub fn run(&mut self) {
        let mut buf = vec![0u8; 1500];
        loop {
            let mut moved = false;
            while let Some(n) = self.client.poll_transmit(&mut buf) {
                moved = true;
                let chunk = buf[..n].to_vec();
                self.wire.push((true, chunk.clone()));
                self.feed(Side::Server, &chunk);
            }
            while let Some(n) = self.server.poll_transmit(&mut buf) {
                moved = true;
                if self.server_mute {
                    continue;
                }
                let chunk = buf[..n].to_vec();
                self.wire.push((false, chunk.clone()));
                self.feed(Side::Client, &chunk);
            }
            Self::drain(&mut self.client, &mut self.client_events);
            Self::drain(&mut self.server, &mut self.server_events);
            if !moved {
                break;
            }
        }
    }

    /// Advance the clock by `d`, firing due timers, then move octets.
    pub fn advance(&mut self, d: Duration) {
        self.now = self.now.saturating_add(d);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.run();
    }

    /// The octets the client (or server) sent, concatenated.
    pub fn sent_by(&self, client: bool) -> Vec<u8> {
        self.wire
            .iter()
            .filter(|(c, _)| *c == client)
            .flat_map(|(_, b)| b.iter().copied())
            .collect()
    }
}
