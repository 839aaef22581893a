//! The raw TCP peers of the MMS adapters' limit tests, written once: each adapter's
//! `tests/mms_limits.rs` includes it with `#[path = "../../testkit/src/e2e_mms_limits.rs"]`
//! (not a module of the testkit library: it needs `mms-pdu`, which the adapters name
//! `mms_pdu`).
//!
//! [`RawPeer`] associates over a blocking `std` socket with the association core as
//! initiator and then does only what a test tells it: stop reading (a slow peer), send
//! octets of its own choosing (oversized PDUs, TPDUs), or read until an event. Every wait
//! is bounded by a generous limit; no assertion depends on how fast the machine is.
#![allow(
    dead_code,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use mms_pdu::association::{Association, CloseReason, Config, Event, Role};
use mms_pdu::cotp::TpduSize;
use mms_pdu::mms::{
    AccessResult, ConfirmedRequest, ConfirmedServiceRequest, Data, InformationReport, MmsPdu,
    ObjectName, RejectPdu, SeqOf, UnconfirmedService, VariableAccessSpecification,
    VariableListItem, WriteRequest,
};
use telecontrol_core::{Encode, Instant};

/// Short limits for the tests: 300 ms connect and 1 s send stall timeouts (a reading peer
/// starved of CPU for a moment is not taken for a slow one), 5 s requests, 1 000-octet
/// PDUs (so an oversized one is small).
pub fn server_config() -> Config<'static> {
    let mut c = Config::DEFAULT;
    c.connect_timeout = Duration::from_millis(300);
    c.send_stall_timeout = Some(Duration::from_secs(1));
    c.request_timeout = Duration::from_secs(5);
    c.max_pdu_size = 1000;
    c
}

/// What every wait is bounded by.
pub const LIMIT: Duration = Duration::from_secs(20);

type Assoc = Association<'static, 65_536, 4>;

/// An MMS initiator on a blocking socket, driven by the test.
pub struct RawPeer {
    pub stream: TcpStream,
    pub assoc: Box<Assoc>,
    origin: std::time::Instant,
    /// Owned summaries of the events seen so far (the close, rejects received).
    pub closed: Option<CloseReason>,
    pub rejects: Vec<RejectPdu>,
    pub reports: usize,
}

impl RawPeer {
    /// Connect to `addr` and associate (default configuration); panics past [`LIMIT`].
    pub fn associate(addr: SocketAddr) -> RawPeer {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let mut peer = RawPeer {
            stream,
            assoc: Box::new(Assoc::new(Role::Initiator, Config::DEFAULT).unwrap()),
            origin: std::time::Instant::now(),
            closed: None,
            rejects: Vec::new(),
            reports: 0,
        };
        let now = peer.now();
        peer.assoc.connect(now).unwrap();
        peer.flush();
        assert!(
            peer.read_until(|p| p.assoc.is_associated()),
            "not associated: {:?}",
            peer.closed
        );
        peer
    }

    fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.origin.elapsed().as_micros()).unwrap())
    }

    /// Write what the core queued.
    pub fn flush(&mut self) {
        let mut out = [0u8; 4096];
        while let Some(n) = self.assoc.poll_transmit(&mut out) {
            if self.stream.write_all(&out[..n]).is_err() {
                return;
            }
        }
    }

    /// Write octets of the test's own choosing.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn events(&mut self) {
        while let Some(e) = self.assoc.poll_event() {
            match e {
                Event::Closed(r) => self.closed = Some(r),
                Event::RejectReceived(r) => self.rejects.push(r),
                Event::Unconfirmed { .. } => self.reports += 1,
                _ => {}
            }
        }
    }

    /// Read and feed the core until `done` holds or the connection ends; whether `done`
    /// held. Bounded by [`LIMIT`].
    pub fn read_until(&mut self, mut done: impl FnMut(&RawPeer) -> bool) -> bool {
        let t0 = std::time::Instant::now();
        self.stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut buf = vec![0u8; 65_536];
        while t0.elapsed() < LIMIT {
            if done(self) {
                return true;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    let now = self.now();
                    self.assoc.handle_close(now);
                    self.events();
                    return done(self);
                }
                Ok(n) => {
                    let now = self.now();
                    let mut rest = &buf[..n];
                    while !rest.is_empty() && !self.assoc.is_closed() {
                        let used = self.assoc.handle_input(now, rest).unwrap();
                        self.events();
                        rest = &rest[used..];
                    }
                    self.events();
                    self.flush();
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => {
                    let now = self.now();
                    self.assoc.handle_close(now);
                    self.events();
                    return done(self);
                }
            }
        }
        done(self)
    }
}

/// How long until the peer closes `stream` (a read returns 0 or fails), discarding what it
/// sends; `None` if it is still open after [`LIMIT`]. Returns the octets received too.
pub fn closed_within(stream: &mut TcpStream) -> Option<(Duration, Vec<u8>)> {
    let t0 = std::time::Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while t0.elapsed() < LIMIT {
        match stream.read(&mut buf) {
            Ok(0) => return Some((t0.elapsed(), got)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some((t0.elapsed(), got)),
        }
    }
    None
}

/// The COTP CR an initiator sends first.
pub fn connection_request() -> Vec<u8> {
    let mut a = Box::new(Assoc::new(Role::Initiator, Config::DEFAULT).unwrap());
    a.connect(Instant::ZERO).unwrap();
    let mut out = [0u8; 256];
    let n = a.poll_transmit(&mut out).unwrap();
    out[..n].to_vec()
}

fn encoded(pdu: &MmsPdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut out).unwrap();
    out
}

/// The MMS PDU `mms` behind session, presentation, COTP DTs of `tpdu` and TPKTs.
pub fn framed(mms: &[u8], tpdu: TpduSize) -> Vec<u8> {
    let mut raw = vec![0u8; mms.len() + 4096];
    let n = mms_pdu::stack::encode_mms_data(mms, 3, tpdu, &mut raw).unwrap();
    raw.truncate(n);
    raw
}

/// An encoded confirmed Write request (invoke id `id`) of one octet string of `len`
/// octets.
pub fn write_request(id: u32, len: usize) -> Vec<u8> {
    let value = vec![7u8; len];
    let values = [Data::OctetString(&value)];
    let items = [VariableListItem::named(
        ObjectName::domain("D", "V").unwrap(),
    )];
    let write = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        data: SeqOf::from_slice(&values),
    });
    encoded(&MmsPdu::ConfirmedRequest(ConfirmedRequest::new(id, write)))
}

/// `count` encoded Identify requests, invoke ids from `first`, framed for an association
/// with the default TPDU size, in one buffer.
pub fn identify_requests(first: u32, count: u32) -> Vec<u8> {
    (first..first + count)
        .flat_map(|id| {
            let pdu = MmsPdu::ConfirmedRequest(ConfirmedRequest::new(
                id,
                ConfirmedServiceRequest::Identify,
            ));
            framed(&encoded(&pdu), TpduSize::S1024)
        })
        .collect()
}

/// An InformationReport of one octet string of `len` octets, passed to `f`.
pub fn with_report<R>(len: usize, f: impl FnOnce(UnconfirmedService<'_>) -> R) -> R {
    let payload = vec![0x55u8; len];
    let results = [AccessResult::Success(Data::OctetString(&payload))];
    f(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("D", "DS1").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    }))
}
