//! The runtime-independent half of an MMS adapter (feature `std`): one [`Link`] per TCP
//! connection holds the sans-IO [`Association`] behind a mutex, hands the association's
//! events to the waiting callers and the owner's event sink, and runs the application's
//! [`Directory`] outside that lock. The tokio and the blocking adapter only move octets
//! between a `Link` and a socket and sleep until [`Link::deadline`]; both share this code.
//!
//! Driving a `Link` (what each adapter's connection loop does):
//! 1. send what [`Link::poll_transmit`] hands out; on a write error call
//!    [`Link::transport_closed`];
//! 2. stop once [`Link::is_finished`] (closed and every octet sent), then call
//!    [`Link::release`] once;
//! 3. wait for input, a wake-up (a caller queued something) or [`Link::deadline`]; feed
//!    input with [`Link::input`], a TCP close with [`Link::transport_closed`], an expired
//!    deadline with [`Link::timeout`];
//! 4. answer what was collected with [`Link::serve`] (no lock held while the directory
//!    runs).

extern crate std;

pub mod calls;
mod limits;
mod send_queue;
mod types;

pub use limits::{LimitCounts, limit_counts};
pub use send_queue::SEND_QUEUE;

pub use types::{
    Answer, EventSink, MmsError, MmsEvent, MmsServerConfig, OnAssociated, Registry, Reply,
    Response, SERVER_EVENTS, Serving,
};

use std::boxed::Box;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use core::fmt;
use core::time::Duration;

use telecontrol_core::{Decode, Encode, Instant};

use crate::association::{
    AssocError, AssociateIndication, Association, CloseReason, Config, Event, FailReason, Refusal,
    Role,
};
use crate::mms::{ConfirmedServiceRequest, MmsPdu, ServiceError, UnconfirmedService};
use crate::server::{self, Context, Directory};

/// Octets of each association buffer (received frame, TSDU, transmit queue, scratch).
pub const BUF: usize = 65_536;
/// Outstanding requests tracked per direction.
pub const OUT: usize = 16;
/// The association every adapter drives.
pub type Assoc = Association<'static, BUF, OUT>;

/// Decides on an association attempt before the directory does: `Ok` accepts, `Err`
/// refuses this way.
pub type Authorize = dyn Fn(&AssociateIndication<'_>) -> Result<(), Refusal> + Send + Sync;

/// The directory an adapter serves from (shared with the application).
pub type SharedDirectory = dyn Directory + Send + Sync;

struct Inner {
    assoc: Box<Assoc>,
    pending: HashMap<u32, Reply>,
    events: Option<EventSink>,
    associated: Option<OnAssociated>,
    closed: Option<CloseReason>,
    /// The directory must hear `released` when the association ends: it accepted the
    /// association (`associate`), or we initiated it and it was established.
    release_due: bool,
    /// Reports waiting for room in the association's transmit queue.
    queue: send_queue::SendQueue,
}

/// What the directory must do, copied out of the association to run without the lock.
#[derive(Debug)]
pub struct Work(WorkKind);

#[derive(Debug)]
enum WorkKind {
    /// A request of the peer to answer.
    Request { invoke_id: u32, pdu: Vec<u8> },
    /// An association attempt `authorize` accepted: the connect user data (the CP), for `associate`.
    Associate(Vec<u8>),
}

/// Association ids: unique within the process, for servers' and clients' associations.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One association over one TCP connection, shared by the connection loop and the callers.
pub struct Link {
    inner: Mutex<Inner>,
    origin: std::time::Instant,
    id: u64,
    request_timeout: Duration,
    send_stall_timeout: Option<Duration>,
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Link").field("id", &self.id).finish()
    }
}

impl Link {
    /// A new association in `role` with a fresh process-unique id (never 0).
    ///
    /// # Errors
    /// The core's [`AssocError::Config`].
    pub fn new(role: Role, config: Config<'static>) -> Result<Link, AssocError> {
        let assoc = Box::new(Assoc::new(role, config)?);
        let link = Link {
            inner: Mutex::new(Inner {
                assoc,
                pending: HashMap::new(),
                events: None,
                associated: None,
                closed: None,
                release_due: false,
                queue: send_queue::SendQueue::new(config.send_queue),
            }),
            origin: std::time::Instant::now(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            request_timeout: config.request_timeout,
            send_stall_timeout: config.send_stall_timeout,
        };
        // A responder's wait for the CR (the connect timeout) starts now.
        let now = link.now();
        link.lock().assoc.note_time(now);
        Ok(link)
    }

    /// How long a confirmed request may wait for its response (from the configuration):
    /// a request queued now is due no earlier than this from now.
    #[must_use]
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// How long octets handed out by [`poll_transmit`](Self::poll_transmit) may take to
    /// reach the socket (from the configuration): a driver whose write blocks that long
    /// calls [`send_stalled`](Self::send_stalled). `None`: no limit.
    #[must_use]
    pub fn send_stall_timeout(&self) -> Option<Duration> {
        self.send_stall_timeout
    }

    /// Octets of reports this link may hold beyond the association's transmit queue (from
    /// the configuration, [`Config::send_queue`]).
    #[must_use]
    pub fn send_queue(&self) -> usize {
        self.lock().queue.limit()
    }

    /// The driver's write of octets it took blocked for the send stall timeout (the peer
    /// stopped reading): the association closes with
    /// [`CloseReason::SlowPeer`]; the driver then drops the connection.
    pub fn send_stalled(&self) {
        let now = self.now();
        let mut inner = self.lock();
        inner.assoc.handle_send_stall(now);
        drain(&mut inner, None, now, &mut Vec::new());
    }

    /// The association id the directory hears.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Microseconds since this link was made, as the core's clock.
    #[must_use]
    pub fn now(&self) -> Instant {
        let us = u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX);
        Instant::from_micros(us)
    }

    /// Send the association's events (unconfirmed PDUs, the close) to `sink`.
    pub fn set_events(&self, sink: EventSink) {
        self.lock().events = Some(sink);
    }

    /// Initiator: start associating; `done` hears the outcome (only when this returns `Ok`:
    /// a refused connect drops it untold).
    ///
    /// # Errors
    /// [`MmsError::Local`] unless a new initiator.
    pub fn connect(&self, done: OnAssociated) -> Result<(), MmsError> {
        let now = self.now();
        let mut inner = self.lock();
        inner.assoc.connect(now).map_err(MmsError::Local)?;
        inner.associated = Some(done);
        Ok(())
    }

    /// Queue a confirmed request; `reply` hears its answer (then wake the connection loop).
    ///
    /// # Errors
    /// [`MmsError::Failed`] once closed; [`MmsError::Local`].
    pub fn request(
        &self,
        service: ConfirmedServiceRequest<'_>,
        reply: Reply,
    ) -> Result<(), MmsError> {
        let now = self.now();
        let mut inner = self.lock();
        if let Some(reason) = inner.closed {
            return Err(MmsError::Failed(FailReason::Closed(reason)));
        }
        let id = inner.assoc.request(now, service).map_err(MmsError::Local)?;
        inner.pending.insert(id, reply);
        Ok(())
    }

    /// Queue an unconfirmed PDU (as [`send_unconfirmed_pdu`](Self::send_unconfirmed_pdu)).
    ///
    /// # Errors
    /// As [`send_unconfirmed_pdu`](Self::send_unconfirmed_pdu).
    pub fn send_unconfirmed(&self, service: UnconfirmedService<'_>) -> Result<(), MmsError> {
        let pdu = MmsPdu::Unconfirmed(service);
        let mut encoded = std::vec![0u8; pdu.encoded_len()];
        let n = pdu
            .encode(&mut encoded)
            .map_err(|e| MmsError::Local(e.into()))?;
        self.send_unconfirmed_pdu(encoded.get(..n).unwrap_or_default())
    }

    /// Queue an already encoded unconfirmed PDU as it is (checked by decoding it). What the
    /// association's transmit queue has no room for waits, in order, in the link's send
    /// queue of [`Config::send_queue`] octets (default [`SEND_QUEUE`]); a PDU that would
    /// overflow that closes the
    /// association as a slow peer ([`CloseReason::SlowPeer`]) and is refused.
    ///
    /// # Errors
    /// [`MmsError::Local`]: [`AssocError::InvalidPdu`] unless `pdu` is one
    /// unconfirmed-PDU, or not associated, too large, or the send queue overflowed
    /// ([`AssocError::TransmitFull`]).
    pub fn send_unconfirmed_pdu(&self, pdu: &[u8]) -> Result<(), MmsError> {
        let now = self.now();
        let mut inner = self.lock();
        let Inner { assoc, queue, .. } = &mut *inner;
        let sent = queue.send(assoc, now, pdu);
        limits::count_refused(&sent);
        assoc.note_time(now);
        if assoc.is_closed() {
            // The send queue overflowed: the close goes to the owner.
            drain(&mut inner, None, now, &mut Vec::new());
        }
        sent.map_err(MmsError::Local)
    }

    /// Queue conclude-Request.
    ///
    /// # Errors
    /// [`MmsError::Local`] (e.g. requests outstanding).
    pub fn conclude(&self) -> Result<(), MmsError> {
        let now = self.now();
        self.lock().assoc.conclude(now).map_err(MmsError::Local)
    }

    /// Abort the association (ACSE A-ABORT).
    pub fn abort(&self) {
        let now = self.now();
        self.lock().assoc.abort(now);
    }

    /// Why the association ended, once its close was reported.
    #[must_use]
    pub fn closed(&self) -> Option<CloseReason> {
        self.lock().closed
    }

    /// The negotiated MMS PDU size, capped to [`BUF`].
    fn max_pdu_size(&self) -> usize {
        let negotiated = self.lock().assoc.negotiated().max_pdu_size;
        usize::try_from(negotiated).unwrap_or(BUF).min(BUF)
    }

    // ---- the connection loop's side ----

    /// Move queued octets into `out`; `None` when nothing is queued.
    pub fn poll_transmit(&self, out: &mut [u8]) -> Option<usize> {
        let now = self.now();
        let mut inner = self.lock();
        let Inner { assoc, queue, .. } = &mut *inner;
        let n = assoc.poll_transmit(out);
        // Room made: waiting reports move in; the send stall clock restarts (or stops once
        // the queue is empty).
        queue.refill(assoc);
        assoc.note_time(now);
        n
    }

    /// Whether the association is closed (the loop stops once the queue is sent).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.lock().assoc.is_closed()
    }

    /// The core's next deadline.
    #[must_use]
    pub fn deadline(&self) -> Option<Instant> {
        self.lock().assoc.poll_timeout()
    }

    /// How long until [`deadline`](Self::deadline) (zero if passed), `None` without one.
    #[must_use]
    pub fn time_to_deadline(&self) -> Option<Duration> {
        self.deadline()
            .map(|d| d.saturating_duration_since(self.now()))
    }

    /// Feed received octets; the peer's requests and accepted association attempts are
    /// collected into `work` for [`serve`](Self::serve).
    pub fn input(&self, bytes: &[u8], serving: &Serving, work: &mut Vec<Work>) {
        let authorize = serving.authorize.as_deref();
        let now = self.now();
        let mut inner = self.lock();
        let mut rest = bytes;
        while !rest.is_empty() {
            let Ok(used) = inner.assoc.handle_input(now, rest) else {
                break;
            };
            drain(&mut inner, authorize, now, work);
            rest = rest.get(used..).unwrap_or_default();
        }
        drain(&mut inner, authorize, now, work);
    }

    /// The TCP connection closed or failed.
    pub fn transport_closed(&self) {
        let now = self.now();
        let mut inner = self.lock();
        inner.assoc.handle_close(now);
        drain(&mut inner, None, now, &mut Vec::new());
    }

    /// A deadline may have passed.
    pub fn timeout(&self) {
        let now = self.now();
        let mut inner = self.lock();
        inner.assoc.handle_timeout(now);
        drain(&mut inner, None, now, &mut Vec::new());
    }

    /// Do the collected `work` with the directory (none: requests are answered
    /// `SERVICE_UNSUPPORTED`, attempts accepted), without holding the lock while it runs;
    /// `scratch` holds encoded answers (at least [`BUF`] octets serve every PDU size).
    pub fn serve(&self, serving: &Serving, work: &mut Vec<Work>, scratch: &mut [u8]) {
        let directory = serving.directory.as_deref();
        for Work(w) in work.drain(..) {
            match w {
                WorkKind::Request { invoke_id, pdu } => {
                    self.answer(directory, invoke_id, &pdu, scratch);
                }
                WorkKind::Associate(cp) => self.associate(directory, &cp),
            }
        }
    }

    /// Tell the directory, once, that the association has ended (call when the loop
    /// stops).
    pub fn release(&self, serving: &Serving) {
        let due = core::mem::take(&mut self.lock().release_due);
        if let (true, Some(dir)) = (due, serving.directory.as_deref()) {
            dir.released(self.id);
        }
    }

    /// Ask the directory about an association attempt, then accept or refuse it.
    fn associate(&self, directory: Option<&SharedDirectory>, cp: &[u8]) {
        let decision = match (directory, AssociateIndication::from_connect(cp)) {
            (Some(dir), Some(ind)) => dir.associate(self.id, &ind),
            _ => Ok(()),
        };
        let now = self.now();
        let mut inner = self.lock();
        match decision {
            Ok(()) => {
                inner.release_due = directory.is_some();
                let _ = inner.assoc.accept(now);
            }
            Err(how) => {
                let _ = inner.assoc.refuse(now, how);
            }
        }
        drain(&mut inner, None, now, &mut Vec::new());
    }

    fn answer(
        &self,
        directory: Option<&SharedDirectory>,
        invoke_id: u32,
        pdu: &[u8],
        scratch: &mut [u8],
    ) {
        let Ok(MmsPdu::ConfirmedRequest(req)) = MmsPdu::decode(pdu) else {
            return;
        };
        if directory.is_some_and(|d| d.withhold(self.id, &req.service)) {
            if self.lock().assoc.withhold(invoke_id).is_ok() {
                limits::count_withheld();
            }
            return;
        }
        let ctx = Context {
            max_pdu_size: self.max_pdu_size(),
            association: self.id,
        };
        let result = match directory {
            Some(dir) => server::answer(dir, &req.service, ctx, scratch),
            None => Err(ServiceError::new(server::SERVICE_UNSUPPORTED)),
        };
        let mut inner = self.lock();
        let sent = match result {
            Ok(resp) => inner.assoc.respond(invoke_id, resp),
            Err(e) => inner.assoc.respond_error(invoke_id, e),
        };
        if sent.is_err() {
            let error = ServiceError::new(server::CAPABILITY_UNAVAILABLE);
            if inner.assoc.respond_error(invoke_id, error).is_err() {
                // Not even the error fits (the transmit queue is full): free the invoke id
                // rather than hold it for ever; the peer's request times out on its side.
                let _ = inner.assoc.withhold(invoke_id);
            }
        }
        inner.assoc.note_time(self.now());
    }
}

/// Drain the association's events into the callers' replies and the owner's sink; collect
/// the peer's requests and (after `authorize`) association attempts.
fn drain(inner: &mut Inner, authorize: Option<&Authorize>, now: Instant, work: &mut Vec<Work>) {
    loop {
        let Inner {
            assoc,
            pending,
            events,
            associated,
            closed,
            release_due,
            ..
        } = inner;
        let initiator = assoc.role() == Role::Initiator;
        let Some(ev) = assoc.poll_event() else { break };
        limits::count_event(&ev);
        let mut decision = None;
        match ev {
            Event::AssociateIndication(ind) => {
                decision = Some(authorize.map_or(Ok(()), |f| f(&ind)));
            }
            Event::Associated(_) => {
                *release_due |= initiator;
                if let Some(done) = associated.take() {
                    done(Ok(()));
                }
            }
            Event::Request { invoke_id, pdu, .. } => {
                work.push(Work(WorkKind::Request {
                    invoke_id,
                    pdu: pdu.to_vec(),
                }));
            }
            Event::Response { invoke_id, pdu, .. } => {
                if let Some(reply) = pending.remove(&invoke_id) {
                    reply(Answer::Response(pdu.to_vec()));
                }
            }
            Event::ServiceError { invoke_id, error } => {
                if let Some(reply) = pending.remove(&invoke_id) {
                    reply(Answer::Error(error.error_class));
                }
            }
            Event::RequestFailed { invoke_id, reason } => {
                if let Some(reply) = pending.remove(&invoke_id) {
                    reply(Answer::Failed(reason));
                }
            }
            Event::Unconfirmed { pdu, .. } => {
                if let Some(sink) = events {
                    sink(MmsEvent::Unconfirmed(pdu.to_vec()));
                }
            }
            Event::Closed(reason) => {
                *closed = Some(reason);
                if let Some(done) = associated.take() {
                    done(Err(reason));
                }
                for (_, reply) in pending.drain() {
                    reply(Answer::Failed(FailReason::Closed(reason)));
                }
                if let Some(sink) = events {
                    sink(MmsEvent::Closed(reason));
                }
            }
            _ => {}
        }
        match decision {
            Some(Ok(())) => match assoc.connect_data() {
                Some(cp) => work.push(Work(WorkKind::Associate(cp.to_vec()))),
                None => {
                    let _ = assoc.accept(now);
                }
            },
            Some(Err(how)) => {
                let _ = assoc.refuse(now, how);
            }
            None => {}
        }
    }
}
