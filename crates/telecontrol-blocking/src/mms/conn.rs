//! One association over one TCP stream: the IO thread around the shared
//! [`Link`](mms_pdu::driver::Link) (all protocol and directory logic lives there), driven
//! by mio readiness: it sleeps until the socket is readable or writable, a caller needs it
//! (the [`Waker`]) or the core's next deadline; nothing is polled on a timer.
//!
//! A caller's request is written by the caller's own thread when the socket takes it at
//! once (no hand-over to the IO thread on the request path); what the socket does not take
//! waits in the write buffer for the IO thread's next WRITABLE readiness. The IO thread is
//! woken only when a caller moved the core's deadline earlier than it sleeps, or must stop;
//! it sleeps at most one request timeout, so a new request never needs a wake-up.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use mms_pdu::driver::{BUF, Link, Serving, Work};
use telecontrol_core::Instant;

use crate::io::{flush, poll_for};

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

/// The sending half: the stream (once the IO thread registered it) and what it has not
/// taken yet.
#[derive(Default)]
struct Writer {
    stream: Option<Arc<TcpStream>>,
    pending: Vec<u8>,
    chunk: Vec<u8>,
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
        let Some(stream) = stream.as_deref() else {
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
            let mut s = stream;
            if flush(&mut s, pending).is_err() {
                pending.clear();
                drop(w);
                self.link.transport_closed();
                return false;
            }
            if !pending.is_empty() {
                return true; // would block: WRITABLE wakes the IO thread
            }
            if !more {
                return false;
            }
        }
    }
}

/// Run the association on `stream` until it is closed and its last octets are sent, then
/// tell the directory that it was released (if it must hear it).
pub(crate) fn drive(stream: TcpStream, poll: Poll, shared: Arc<Shared>, serving: Serving) {
    let _ = stream.set_nodelay(true);
    run(stream, poll, &shared, &serving);
    shared.link.release(&serving);
}

fn run(mut stream: TcpStream, mut poll: Poll, shared: &Shared, serving: &Serving) {
    let link = &shared.link;
    let interest = Interest::READABLE | Interest::WRITABLE;
    if poll
        .registry()
        .register(&mut stream, SOCKET, interest)
        .is_err()
    {
        return link.transport_closed();
    }
    let stream = Arc::new(stream);
    shared
        .writer
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .stream = Some(Arc::clone(&stream));
    let mut events = Events::with_capacity(8);
    let mut rx = vec![0u8; 16_384];
    let mut scratch = vec![0u8; BUF];
    let mut work: Vec<Work> = Vec::new();
    let mut closing_rounds = 0u32;
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
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return;
            }
            wait = Some(CLOSING_WAIT);
        }
        if poll_for(&mut poll, &mut events, wait).is_err() {
            return link.transport_closed();
        }
        shared.sleeps_until.store(0, Ordering::SeqCst);
        // Edge-triggered: read until the socket is empty.
        let mut r = &*stream;
        loop {
            match r.read(&mut rx) {
                Ok(0) => {
                    link.transport_closed();
                    break;
                }
                Ok(n) => {
                    link.input(rx.get(..n).unwrap_or_default(), serving, &mut work);
                    // A short read emptied the socket: new data is a new edge (as tokio
                    // does), so no read just to see it would block.
                    if n < rx.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    link.transport_closed();
                    break;
                }
            }
        }
        link.timeout();
        link.serve(serving, &mut work, &mut scratch);
    }
}
