//! One association over one TCP stream, plain or TLS: the IO thread around the shared
//! [`Link`](mms_pdu::driver::Link) (all protocol and directory logic lives there), driven
//! by mio readiness: it sleeps until the socket is readable or writable, a caller needs it
//! (the [`Waker`]) or the core's next deadline; nothing is polled on a timer.
//!
//! A caller's request is written by the caller's own thread when the socket takes it at
//! once (no hand-over to the IO thread on the request path); what the socket does not take
//! waits in the write buffer for the IO thread's next WRITABLE readiness. The IO thread is
//! woken only when a caller moved the core's deadline earlier than it sleeps, or must stop;
//! it sleeps at most one request timeout, so a new request never needs a wake-up.
//!
//! The stream (a [`Stream`]: plain, or rustls over the socket) sits in the sending half's
//! mutex: callers write through it, and the IO thread takes it briefly for each read, never
//! while the core or the directory runs. Over TLS the IO thread first completes the
//! handshake (bounded by its time-out), before any association octet.

use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use mio::{Events, Interest, Poll, Token, Waker};
use mms_pdu::driver::{BUF, Link, Serving, Work};
use telecontrol_core::Instant;
use telecontrol_tls::{TlsCounters, TlsRefusal, TlsSession};

use crate::io::{flush, poll_for};
use crate::tls::{Stream, complete_handshake};

const SOCKET: Token = Token(0);
const WAKE: Token = Token(1);

/// Octets taken from the core into the write buffer at a time (the core keeps the rest,
/// so a slow reader holds back new requests instead of growing this buffer).
const WRITE_CHUNK: usize = 16_384;

/// How long, and how many times, a closed association waits for the socket to take its
/// last octets.
const CLOSING_WAIT: Duration = Duration::from_millis(100);
const CLOSING_ROUNDS: u32 = 10;

/// No deadline (a caller's deadline is never later).
const NO_DEADLINE: u64 = u64::MAX;

/// The sending half: the stream (once the IO thread registered it and completed its TLS
/// handshake) and what it has not taken yet.
#[derive(Default)]
struct Writer {
    stream: Option<Stream>,
    pending: Vec<u8>,
    chunk: Vec<u8>,
}

/// The TLS handshake the IO thread completes before the association starts (the stream it
/// is given is a [`Stream::tls`] of a fresh rustls client or server connection).
pub(crate) struct Handshake {
    /// The time the peer has.
    pub(crate) timeout: Duration,
    /// Where completed and refused handshakes are counted (a server's).
    pub(crate) counters: Option<Arc<TlsCounters>>,
    /// The peer, for the log.
    pub(crate) peer: Option<SocketAddr>,
    /// Where a client hears why TLS failed (the handshake, or the server's error before its
    /// first octet).
    pub(crate) refusal: Option<RefusalSlot>,
    /// Where a client hears what the completed handshake negotiated.
    pub(crate) session: Option<SessionSlot>,
}

/// See [`Handshake::refusal`].
pub(crate) type RefusalSlot = Arc<OnceLock<TlsRefusal>>;

/// See [`Handshake::session`].
pub(crate) type SessionSlot = Arc<OnceLock<TlsSession>>;

impl Handshake {
    fn refuse(&self, e: &io::Error) {
        let reason = TlsRefusal::of_io(e);
        if let Some(c) = &self.counters {
            c.refuse(reason);
        }
        if let Some(slot) = &self.refusal {
            let _ = slot.set(reason);
        }
        tracing::warn!(peer = ?self.peer, %reason, detail = %e, "TLS refused");
    }
}

/// A link, its sending half and the wake-up of its thread.
pub(crate) struct Shared {
    pub(crate) link: Link,
    waker: Waker,
    writer: Mutex<Writer>,
    /// The core deadline the IO thread sleeps until (µs of the link's clock), or
    /// [`NO_DEADLINE`].
    sleeps_until: AtomicU64,
}

impl Shared {
    /// The link and the poll its thread will wait on.
    pub(crate) fn new(link: Link) -> io::Result<(Arc<Self>, Poll)> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKE)?;
        let shared = Shared {
            link,
            waker,
            writer: Mutex::new(Writer::default()),
            sleeps_until: AtomicU64::new(NO_DEADLINE),
        };
        Ok((Arc::new(shared), poll))
    }

    /// After a caller queued something: send it from this thread as far as the socket
    /// takes it, and wake the IO thread if the core's deadline is now earlier than it
    /// sleeps (a new request's timeout) or the association ended.
    pub(crate) fn wake(&self) {
        self.send();
        let due = self.link.deadline().map_or(NO_DEADLINE, Instant::as_micros);
        if due < self.sleeps_until.load(Ordering::SeqCst) || self.link.is_finished() {
            let _ = self.waker.wake();
        }
    }

    /// Move the core's queued octets to the socket until it would block; a write error
    /// ends the association. Returns whether octets still wait.
    fn send(&self) -> bool {
        let mut w = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let Writer {
            stream,
            pending,
            chunk,
        } = &mut *w;
        let Some(stream) = stream.as_mut() else {
            return false; // not registered yet: the IO thread sends first thing
        };
        if chunk.is_empty() {
            chunk.resize(WRITE_CHUNK, 0);
        }
        loop {
            let mut more = false;
            while pending.len() < WRITE_CHUNK {
                let Some(n) = self.link.poll_transmit(chunk) else {
                    break;
                };
                pending.extend_from_slice(chunk.get(..n).unwrap_or_default());
                more = true;
            }
            if flush(stream, pending)
                .and_then(|()| stream.flush_tls())
                .is_err()
            {
                pending.clear();
                drop(w);
                self.link.transport_closed();
                return false;
            }
            if !pending.is_empty() || stream.tls_pending() {
                return true; // would block: WRITABLE wakes the IO thread
            }
            if !more {
                return false;
            }
        }
    }
}

/// Run the association on `stream` (not registered yet) until it is closed and its last
/// octets are sent, then tell the directory that it was released (if it must hear it). With
/// `handshake`, the TLS handshake is completed first; a failed one is counted and closes the
/// association.
pub(crate) fn drive(
    stream: Stream,
    poll: Poll,
    shared: Arc<Shared>,
    serving: Serving,
    handshake: Option<Handshake>,
) {
    run(stream, poll, &shared, &serving, handshake.as_ref());
    shared.link.release(&serving);
}

fn run(
    mut stream: Stream,
    mut poll: Poll,
    shared: &Shared,
    serving: &Serving,
    handshake: Option<&Handshake>,
) {
    let link = &shared.link;
    let _ = stream.tcp().set_nodelay(true);
    let interest = Interest::READABLE | Interest::WRITABLE;
    if poll
        .registry()
        .register(stream.tcp(), SOCKET, interest)
        .is_err()
    {
        return link.transport_closed();
    }
    if let Some(h) = handshake {
        match complete_handshake(&mut poll, stream, h.timeout, || link.is_finished()) {
            Ok(Some(s)) => {
                if let Some(c) = &h.counters {
                    c.handshake(s.handshake_kind());
                }
                if let (Some(slot), Some(session)) = (&h.session, s.tls_session()) {
                    let _ = slot.set(session);
                }
                tracing::debug!(peer = ?h.peer, kind = ?s.handshake_kind(), "TLS handshake complete");
                stream = s;
            }
            Ok(None) => return link.transport_closed(),
            Err(e) => {
                h.refuse(&e);
                return link.transport_closed();
            }
        }
    }
    let tls = stream.is_tls();
    shared
        .writer
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .stream = Some(stream);
    let mut events = Events::with_capacity(8);
    let mut rx = vec![0u8; 16_384];
    let mut scratch = vec![0u8; BUF];
    let mut work: Vec<Work> = Vec::new();
    let mut closing_rounds = 0u32;
    let mut received = false;
    let mut read_first = tls;
    loop {
        let waiting = shared.send();
        // Publish the deadline we sleep until, then check that no caller moved it since
        // (a caller that moves it later sees the published one and wakes us).
        // At most a request timeout: a request queued while we sleep is due no earlier
        // than that, so it needs no wake-up (one every request timeout when idle).
        let deadline = link.deadline();
        let now = link.now();
        let cap = now.saturating_add(link.request_timeout());
        let until = deadline.map_or(cap, |d| d.min(cap));
        shared
            .sleeps_until
            .store(until.as_micros(), Ordering::SeqCst);
        if link.deadline() != deadline {
            continue;
        }
        let mut wait = Some(until.saturating_duration_since(now));
        if link.is_finished() {
            // The last octets (DN, RLRE, a refusal) go out, boundedly, then we close.
            closing_rounds = closing_rounds.saturating_add(1);
            if !waiting || closing_rounds > CLOSING_ROUNDS {
                let mut w = shared.writer.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(s) = w.stream.as_mut() {
                    s.close();
                }
                return;
            }
            wait = Some(CLOSING_WAIT);
        }
        // Octets that came with the end of the TLS handshake are in rustls already, with
        // no readiness edge left to announce them: read once before the first wait.
        if !std::mem::take(&mut read_first) && poll_for(&mut poll, &mut events, wait).is_err() {
            return link.transport_closed();
        }
        shared.sleeps_until.store(0, Ordering::SeqCst);
        // Edge-triggered: read until the socket is empty.
        loop {
            let r = {
                let mut w = shared.writer.lock().unwrap_or_else(PoisonError::into_inner);
                match w.stream.as_mut() {
                    Some(s) => s.read(&mut rx),
                    None => break,
                }
            };
            match r {
                Ok(0) => {
                    if let Some(h) = handshake.filter(|h| tls && !received && h.refusal.is_some()) {
                        h.refuse(&io::ErrorKind::UnexpectedEof.into());
                    }
                    link.transport_closed();
                    break;
                }
                Ok(n) => {
                    received = true;
                    link.input(rx.get(..n).unwrap_or_default(), serving, &mut work);
                    // A short read of plain TCP emptied the socket: new data is a new edge
                    // (as tokio does), so no read just to see it would block. TLS hands
                    // out a record at a time: read on until it would block.
                    if !tls && n < rx.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if let Some(h) = handshake.filter(|h| tls && !received && h.refusal.is_some()) {
                        h.refuse(&e);
                    }
                    link.transport_closed();
                    break;
                }
            }
        }
        link.timeout();
        link.serve(serving, &mut work, &mut scratch);
    }
}
