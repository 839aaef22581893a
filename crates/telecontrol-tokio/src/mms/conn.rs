//! One association over one TCP stream: the IO task and the state both ends share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use mms_pdu::association::{
    AssociateIndication, Association, CloseReason, Event, FailReason, Refusal, Role,
};
use mms_pdu::mms::{ErrorClass, MmsPdu};
use mms_pdu::server::{Context, Directory, answer};
use telecontrol_core::{Decode, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, oneshot};

/// Octets of each association buffer (received frame, TSDU, transmit queue, scratch).
pub(crate) const BUF: usize = 65_536;
/// Outstanding requests tracked per direction.
pub(crate) const OUT: usize = 16;
pub(crate) type Assoc = Association<'static, BUF, OUT>;

/// Decides on an association attempt: `Ok` accepts, `Err` refuses this way.
pub type Authorize = dyn Fn(&AssociateIndication<'_>) -> Result<(), Refusal> + Send + Sync;

/// How one of our confirmed requests ended.
#[derive(Debug)]
pub(crate) enum Answer {
    Response(Vec<u8>),
    Error(ErrorClass),
    Failed(FailReason),
}

/// What the association reports to its owner besides answers.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MmsEvent {
    /// An unconfirmed PDU from the peer (InformationReport, UnsolicitedStatus): the whole
    /// encoded MMS PDU; decode it with [`MmsPdu::decode`].
    Unconfirmed(Vec<u8>),
    /// The association ended.
    Closed(CloseReason),
}

pub(crate) struct Inner {
    pub(crate) assoc: Box<Assoc>,
    pub(crate) pending: HashMap<u32, oneshot::Sender<Answer>>,
    /// Where events go (a channel send; never application code).
    pub(crate) events: Option<Box<dyn Fn(MmsEvent) + Send>>,
    pub(crate) associated: Option<oneshot::Sender<Result<(), CloseReason>>>,
    pub(crate) closed: Option<CloseReason>,
    /// The directory must hear `released` when the association ends: it accepted the
    /// association (`associate`), or we initiated it and it was established.
    pub(crate) release_due: bool,
}

pub(crate) struct Shared {
    pub(crate) inner: Mutex<Inner>,
    pub(crate) notify: Notify,
    pub(crate) origin: std::time::Instant,
    pub(crate) id: u64,
}

impl Shared {
    pub(crate) fn new(assoc: Box<Assoc>, id: u64) -> Arc<Self> {
        Arc::new(Shared {
            inner: Mutex::new(Inner {
                assoc,
                pending: HashMap::new(),
                events: None,
                associated: None,
                closed: None,
                release_due: false,
            }),
            notify: Notify::new(),
            origin: std::time::Instant::now(),
            id,
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> Instant {
        let us = u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX);
        Instant::from_micros(us)
    }
}

/// Association ids: unique within the process, for servers' and clients' associations.
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A fresh association id.
pub(crate) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// What the directory must do, copied out of the association to run without the lock.
enum Work {
    /// A request of the peer to answer.
    Request { invoke_id: u32, pdu: Vec<u8> },
    /// An association attempt the adapter's `authorize` accepted: the connect TSDU, for
    /// the directory's `associate`.
    Associate(Vec<u8>),
}

/// Drain the association's events into the owner's channels; collect the peer's requests.
fn drain(inner: &mut Inner, authorize: Option<&Authorize>, now: Instant, work: &mut Vec<Work>) {
    loop {
        let Inner {
            assoc,
            pending,
            events,
            associated,
            closed,
            release_due,
        } = inner;
        let assoc_role_initiator = assoc.role() == Role::Initiator;
        let Some(ev) = assoc.poll_event() else { break };
        let mut decision = None;
        match ev {
            Event::AssociateIndication(ind) => {
                decision = Some(authorize.map_or(Ok(()), |f| f(&ind)));
            }
            Event::Associated(_) => {
                if assoc_role_initiator {
                    *release_due = true;
                }
                if let Some(tx) = associated.take() {
                    let _ = tx.send(Ok(()));
                }
            }
            Event::Request { invoke_id, pdu, .. } => {
                work.push(Work::Request {
                    invoke_id,
                    pdu: pdu.to_vec(),
                });
            }
            Event::Response { invoke_id, pdu, .. } => {
                if let Some(tx) = pending.remove(&invoke_id) {
                    let _ = tx.send(Answer::Response(pdu.to_vec()));
                }
            }
            Event::ServiceError { invoke_id, error } => {
                if let Some(tx) = pending.remove(&invoke_id) {
                    let _ = tx.send(Answer::Error(error.error_class));
                }
            }
            Event::RequestFailed { invoke_id, reason } => {
                if let Some(tx) = pending.remove(&invoke_id) {
                    let _ = tx.send(Answer::Failed(reason));
                }
            }
            Event::Unconfirmed { pdu, .. } => {
                if let Some(sink) = events {
                    sink(MmsEvent::Unconfirmed(pdu.to_vec()));
                }
            }
            Event::Closed(reason) => {
                *closed = Some(reason);
                if let Some(tx) = associated.take() {
                    let _ = tx.send(Err(reason));
                }
                for (_, tx) in pending.drain() {
                    let _ = tx.send(Answer::Failed(FailReason::Closed(reason)));
                }
                if let Some(sink) = events {
                    sink(MmsEvent::Closed(reason));
                }
            }
            _ => {}
        }
        match decision {
            Some(Ok(())) => match assoc.connect_tsdu() {
                Some(tsdu) => work.push(Work::Associate(tsdu.to_vec())),
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

/// Run the association on `stream` until it is closed and its last octets are sent, then
/// tell the directory that it was released (if it must hear it).
pub(crate) async fn drive(
    stream: TcpStream,
    shared: Arc<Shared>,
    directory: Option<Arc<dyn Directory + Send + Sync>>,
    authorize: Option<Arc<Authorize>>,
) {
    run(stream, &shared, directory.as_deref(), authorize).await;
    release(&shared, directory.as_deref());
}

async fn run(
    mut stream: TcpStream,
    shared: &Shared,
    directory: Option<&(dyn Directory + Send + Sync)>,
    authorize: Option<Arc<Authorize>>,
) {
    let _ = stream.set_nodelay(true);
    let mut rx = vec![0u8; 16_384];
    let mut tx = vec![0u8; 16_384];
    let mut scratch = vec![0u8; BUF];
    let mut work = Vec::new();
    loop {
        // Send what is queued.
        loop {
            let n = shared.lock().assoc.poll_transmit(&mut tx);
            let Some(n) = n else { break };
            if stream
                .write_all(tx.get(..n).unwrap_or_default())
                .await
                .is_err()
            {
                let now = shared.now();
                let mut inner = shared.lock();
                inner.assoc.handle_close(now);
                drain(&mut inner, None, now, &mut work);
                return;
            }
        }
        let (closed, deadline) = {
            let inner = shared.lock();
            (inner.assoc.is_closed(), inner.assoc.poll_timeout())
        };
        if closed {
            let _ = stream.shutdown().await;
            return;
        }
        let sleep = deadline.map(|d| {
            let wait = d.saturating_duration_since(shared.now());
            let now = tokio::time::Instant::now();
            now.checked_add(wait).unwrap_or(now)
        });
        tokio::select! {
            r = stream.read(&mut rx) => {
                let now = shared.now();
                match r {
                    Ok(0) | Err(_) => {
                        let mut inner = shared.lock();
                        inner.assoc.handle_close(now);
                        drain(&mut inner, None, now, &mut work);
                    }
                    Ok(n) => {
                        let mut rest = rx.get(..n).unwrap_or_default();
                        let mut inner = shared.lock();
                        while !rest.is_empty() {
                            let Ok(used) = inner.assoc.handle_input(now, rest) else { break };
                            drain(&mut inner, authorize.as_deref(), now, &mut work);
                            rest = rest.get(used..).unwrap_or_default();
                        }
                        drain(&mut inner, authorize.as_deref(), now, &mut work);
                    }
                }
            }
            () = shared.notify.notified() => {}
            () = async {
                match sleep {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                let now = shared.now();
                let mut inner = shared.lock();
                inner.assoc.handle_timeout(now);
                drain(&mut inner, None, now, &mut work);
            }
        }
        // Answer the peer's requests from the directory, without the lock.
        for w in work.drain(..) {
            match w {
                Work::Request { invoke_id, pdu } => {
                    serve(shared, directory, invoke_id, &pdu, &mut scratch);
                }
                Work::Associate(tsdu) => associate(shared, directory, &tsdu),
            }
        }
    }
}

/// Ask the directory about an association attempt (without the lock), then accept or
/// refuse it.
fn associate(shared: &Shared, directory: Option<&(dyn Directory + Send + Sync)>, tsdu: &[u8]) {
    let decision = match (directory, AssociateIndication::from_connect(tsdu)) {
        (Some(dir), Some(ind)) => dir.associate(shared.id, &ind),
        _ => Ok(()),
    };
    let now = shared.now();
    let mut inner = shared.lock();
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

/// Tell the directory, once, that the association has ended.
pub(crate) fn release(shared: &Shared, directory: Option<&(dyn Directory + Send + Sync)>) {
    let due = std::mem::take(&mut shared.lock().release_due);
    if let (true, Some(dir)) = (due, directory) {
        dir.released(shared.id);
    }
}

fn serve(
    shared: &Shared,
    directory: Option<&(dyn Directory + Send + Sync)>,
    invoke_id: u32,
    pdu: &[u8],
    scratch: &mut [u8],
) {
    use mms_pdu::mms::ServiceError;
    let not_served = ServiceError::new(mms_pdu::server::SERVICE_UNSUPPORTED);
    let Ok(MmsPdu::ConfirmedRequest(req)) = MmsPdu::decode(pdu) else {
        return;
    };
    let negotiated = shared.lock().assoc.negotiated().max_pdu_size;
    let max = usize::try_from(negotiated).unwrap_or(BUF).min(BUF);
    let ctx = Context {
        max_pdu_size: max,
        association: shared.id,
    };
    let result = match directory {
        Some(dir) => answer(dir, &req.service, ctx, scratch),
        None => Err(not_served),
    };
    let mut inner = shared.lock();
    let sent = match result {
        Ok(resp) => inner.assoc.respond(invoke_id, resp),
        Err(e) => inner.assoc.respond_error(invoke_id, e),
    };
    if sent.is_err() {
        let _ = inner.assoc.respond_error(
            invoke_id,
            ServiceError::new(mms_pdu::server::CAPABILITY_UNAVAILABLE),
        );
    }
}
