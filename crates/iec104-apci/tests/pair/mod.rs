//! A deterministic two-connection test harness: a controlling station `a` and a controlled
//! station `b` wired back to back, with a manual clock that jumps to the next deadline.
#![allow(
    dead_code,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::missing_panics_doc,
    clippy::expect_used,
    clippy::panic
)]

use std::time::Duration;

use telecontrol_core::{Encode, Instant};
use telecontrol_iec104_apci::{
    Apci, ApciConfig, Apdu, CloseReason, Connection, Event, MAX_APDU_LEN, Role, Seq, UFunction,
};

/// An owned copy of an [`Event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Asdu(Vec<u8>),
    Started,
    Stopped,
    Acknowledged(u16),
    TestConfirmed,
    Closed(CloseReason),
}

impl From<Event<'_>> for Ev {
    fn from(e: Event<'_>) -> Self {
        match e {
            Event::Asdu(a) => Ev::Asdu(a.to_vec()),
            Event::Started => Ev::Started,
            Event::Stopped => Ev::Stopped,
            Event::Acknowledged { count } => Ev::Acknowledged(count),
            Event::TestConfirmed => Ev::TestConfirmed,
            Event::Closed(r) => Ev::Closed(r),
            _ => panic!("unknown event"),
        }
    }
}

pub const K: usize = 64;

/// One end: its connection, every event it reported, every APDU it transmitted (with the
/// time), and the octets in flight towards the other end.
pub struct Side {
    pub conn: Connection<K>,
    pub events: Vec<Ev>,
    pub wire: Vec<(Instant, Vec<u8>)>,
    pub out: Vec<u8>,
    /// When set, transmitted frames are recorded but lost on the link.
    pub drop_output: bool,
}

impl Side {
    pub fn new(config: ApciConfig, role: Role, now: Instant) -> Self {
        Side {
            conn: Connection::new(config, role, now).unwrap(),
            events: Vec::new(),
            wire: Vec::new(),
            out: Vec::new(),
            drop_output: false,
        }
    }

    pub fn drain_events(&mut self) {
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e.into());
        }
    }

    pub fn flush(&mut self, now: Instant) {
        let mut buf = [0u8; 4 * MAX_APDU_LEN];
        while let Some(n) = self.conn.poll_transmit(&mut buf) {
            let mut rest = &buf[..n];
            while !rest.is_empty() {
                let (_, used) = Apdu::decode(rest).expect("we only send valid frames");
                self.wire.push((now, rest[..used].to_vec()));
                rest = &rest[used..];
            }
            if !self.drop_output {
                self.out.extend_from_slice(&buf[..n]);
            }
        }
    }

    /// Feed `bytes` as a driver must: handle input, drain events and transmit, repeat.
    pub fn receive(&mut self, now: Instant, bytes: &[u8]) {
        let mut rest = bytes;
        loop {
            match self.conn.handle_input(now, rest) {
                Ok(n) => rest = &rest[n..],
                Err(_) => return,
            }
            self.drain_events();
            self.flush(now);
            if rest.is_empty() {
                return;
            }
        }
    }

    /// The APDUs transmitted, without time stamps.
    pub fn frames(&self) -> Vec<Vec<u8>> {
        self.wire.iter().map(|(_, f)| f.clone()).collect()
    }

    /// Forget the record so far.
    pub fn clear(&mut self) {
        self.events.clear();
        self.wire.clear();
    }
}

pub struct Pair {
    pub a: Side,
    pub b: Side,
    pub now: Instant,
}

impl Pair {
    /// `a` controlling, `b` controlled, both established at time 0.
    pub fn new(config: ApciConfig) -> Self {
        Pair {
            a: Side::new(config, Role::Controlling, Instant::ZERO),
            b: Side::new(config, Role::Controlled, Instant::ZERO),
            now: Instant::ZERO,
        }
    }

    /// A pair in data transfer, with the records cleared.
    pub fn started(config: ApciConfig) -> Self {
        let mut p = Pair::new(config);
        p.a.conn.start_dt(p.now).unwrap();
        p.drive();
        assert_eq!(p.a.events, [Ev::Started]);
        assert_eq!(p.b.events, [Ev::Started]);
        p.a.clear();
        p.b.clear();
        p
    }

    /// Move octets both ways until both ends are quiet, without moving time.
    pub fn drive(&mut self) {
        loop {
            self.a.drain_events();
            self.b.drain_events();
            self.a.flush(self.now);
            self.b.flush(self.now);
            if self.a.out.is_empty() && self.b.out.is_empty() {
                return;
            }
            let to_b = std::mem::take(&mut self.a.out);
            self.b.receive(self.now, &to_b);
            let to_a = std::mem::take(&mut self.b.out);
            self.a.receive(self.now, &to_a);
        }
    }

    /// The earlier deadline of the two ends.
    pub fn next_deadline(&self) -> Option<Instant> {
        telecontrol_core::earliest(self.a.conn.poll_timeout(), self.b.conn.poll_timeout())
    }

    /// Jump to the next deadline, run both timers, and drive; returns the new time.
    pub fn advance(&mut self) -> Option<Instant> {
        let at = self.next_deadline()?;
        self.now = self.now.max(at);
        self.a.conn.handle_timeout(self.now);
        self.b.conn.handle_timeout(self.now);
        self.drive();
        Some(self.now)
    }

    /// Move the clock by `d`, running every deadline on the way.
    pub fn advance_by(&mut self, d: Duration) {
        let end = self.now + d;
        while let Some(at) = self.next_deadline() {
            if at > end {
                break;
            }
            self.advance();
        }
        self.now = end;
        self.a.conn.handle_timeout(self.now);
        self.b.conn.handle_timeout(self.now);
        self.drive();
    }
}

pub fn seq(v: u16) -> Seq {
    Seq::new(v).unwrap()
}

/// The octets of one APDU.
pub fn apdu(apci: Apci, asdu: &[u8]) -> Vec<u8> {
    let mut buf = [0u8; MAX_APDU_LEN];
    let n = Apdu { apci, asdu }.encode(&mut buf).unwrap();
    buf[..n].to_vec()
}

pub fn i_frame(ns: u16, nr: u16, asdu: &[u8]) -> Vec<u8> {
    apdu(
        Apci::I {
            send_seq: seq(ns),
            recv_seq: seq(nr),
        },
        asdu,
    )
}

pub fn s_frame(nr: u16) -> Vec<u8> {
    apdu(Apci::S { recv_seq: seq(nr) }, &[])
}

pub fn u_frame(f: UFunction) -> Vec<u8> {
    apdu(Apci::U(f), &[])
}

/// A distinct 20-octet ASDU for frame `n`.
pub fn asdu(n: u32) -> Vec<u8> {
    let mut a = vec![0x0D, 0x01, 0x03, 0x00, 0x01, 0x00];
    a.extend_from_slice(&n.to_le_bytes());
    a.resize(20, 0xA5);
    a
}

pub fn secs(s: u64) -> Instant {
    Instant::from_secs(s)
}

pub fn config(k: u16, w: u16) -> ApciConfig {
    let d = ApciConfig::DEFAULT;
    ApciConfig::new(k, w, d.t0(), d.t1(), d.t2(), d.t3()).unwrap()
}
