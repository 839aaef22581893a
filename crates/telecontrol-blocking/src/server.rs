//! The 104 [`Server`] on mio: one event-loop thread accepts clients and drives every
//! connection; a redundancy group's connections share one outstation behind a mutex held only
//! for synchronous core calls, never while a handler runs.

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use iec104_session::LinkId;
use iec104_session::conn::{Next, ServerConn};
use iec104_session::registry::Registry;
use iec104_session::shared::{CommandHandler, Database, ServerConfig, UpdateError, instant_since};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use station::asdu::{Cause, CommonAddress, InfoObject, Ioa, Value};

use crate::io::{flush, poll_for};

const LISTENER: Token = Token(0);
const WAKE: Token = Token(1);
/// Connection tokens start here; a connection's token is also its [`LinkId`].
const FIRST: usize = 2;

struct Shared {
    /// Wakers are unit: the event loop wakes every connection after an update.
    registry: Registry<()>,
    waker: Waker,
    shutdown: AtomicBool,
    connections: AtomicUsize,
    /// An update queued data: step every connection.
    dirty: AtomicBool,
}

/// A 104 server (controlled station) on an event-loop thread of its own: accepts clients,
/// answers them from the shared [`Database`], asks the [`CommandHandler`] about commands and
/// sends the changes given to [`Server::update`] as spontaneous events.
pub struct Server {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Bind `addr` (port 0 for an ephemeral port) and start the event loop.
    ///
    /// # Errors
    /// The bind error, or creating the poll instance or the thread failed.
    pub fn bind(
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: impl CommandHandler,
    ) -> io::Result<Server> {
        let mut listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Waker::new(poll.registry(), WAKE)?;
        let shared = Arc::new(Shared {
            registry: Registry::new(config, db),
            waker,
            shutdown: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            dirty: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        let handler: Box<dyn CommandHandler> = Box::new(handler);
        let thread = std::thread::Builder::new()
            .name("iec104-server".into())
            .spawn(move || event_loop(poll, listener, &s, &*handler))?;
        Ok(Server {
            shared,
            local_addr,
            thread: Some(thread),
        })
    }

    /// The bound address.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle to update points and queue events from any thread, a handler included.
    #[must_use]
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The point database (shared with the connections).
    #[must_use]
    pub fn database(&self) -> &Database {
        self.shared.registry.database()
    }

    /// Connections open now.
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Set a point's value and send it as a spontaneous event (cause 3) to every group (the
    /// active connection of each, or buffered until one is active).
    ///
    /// # Errors
    /// As [`iec104_session::shared::update_groups`].
    pub fn update(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<(), UpdateError> {
        self.handle().update(ca, ioa, value)
    }

    /// Queue any monitor-direction ASDU in every group without touching the database.
    ///
    /// # Errors
    /// The last outstation's refusal, as [`UpdateError::Station`].
    pub fn queue_event(
        &self,
        ca: CommonAddress,
        cause: Cause,
        objects: &[InfoObject<'_>],
    ) -> Result<(), UpdateError> {
        self.handle().queue_event(ca, cause, objects)
    }

    /// Stop accepting, close every connection and wait for the event loop to end.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        let _ = self.shared.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A cloneable handle to a running [`Server`]'s points and event buffers; usable from any
/// thread, including inside a [`CommandHandler`] (no lock is held while a handler runs).
#[derive(Clone)]
pub struct ServerHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle").finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// The point database (shared with the connections).
    #[must_use]
    pub fn database(&self) -> &Database {
        self.shared.registry.database()
    }

    /// Connections open now.
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Set a point's value and send it as a spontaneous event (cause 3) to every group (the
    /// active connection of each, or buffered until one is active).
    ///
    /// # Errors
    /// As [`iec104_session::shared::update_groups`].
    pub fn update(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<(), UpdateError> {
        let (r, _) = self.shared.registry.update(ca, ioa, value);
        self.wake();
        r
    }

    /// Queue any monitor-direction ASDU in every group without touching the database.
    ///
    /// # Errors
    /// The last outstation's refusal, as [`UpdateError::Station`].
    pub fn queue_event(
        &self,
        ca: CommonAddress,
        cause: Cause,
        objects: &[InfoObject<'_>],
    ) -> Result<(), UpdateError> {
        let (r, _) = self.shared.registry.queue_event(ca, cause, objects);
        self.wake();
        r
    }

    fn wake(&self) {
        self.shared.dirty.store(true, Ordering::SeqCst);
        if let Err(e) = self.shared.waker.wake() {
            tracing::warn!(%e, "waking the 104 server loop failed");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Entry {
    stream: TcpStream,
    conn: ServerConn,
    wbuf: Vec<u8>,
}

fn event_loop(
    mut poll: Poll,
    listener: TcpListener,
    shared: &Shared,
    handler: &dyn CommandHandler,
) {
    let origin = std::time::Instant::now();
    let mut conns: HashMap<Token, Entry> = HashMap::new();
    let mut next = FIRST;
    let mut events = Events::with_capacity(256);
    let mut rbuf = vec![0u8; 16 * 1024];
    let mut to_step: Vec<Token> = Vec::new();
    loop {
        let now = instant_since(origin);
        let timeout = conns
            .values()
            .filter_map(|e| e.conn.deadline())
            .min()
            .map(|d| Duration::from_micros(d.as_micros().saturating_sub(now.as_micros())));
        let timeout = if to_step.is_empty() {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        if let Err(e) = poll_for(&mut poll, &mut events, timeout) {
            tracing::error!(%e, "104 server poll failed");
            break;
        }
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        for ev in &events {
            match ev.token() {
                LISTENER => accept(&listener, &poll, shared, &mut conns, &mut next, origin),
                WAKE => {}
                t => to_step.push(t),
            }
        }
        if shared.dirty.swap(false, Ordering::SeqCst) {
            to_step.extend(conns.keys().copied());
        }
        let now = instant_since(origin);
        for (t, e) in &conns {
            if e.conn.deadline().is_some_and(|d| d <= now) {
                to_step.push(*t);
            }
        }
        to_step.sort_unstable();
        to_step.dedup();
        let mut wake_next = Vec::new();
        for t in to_step.drain(..) {
            let Some(e) = conns.get_mut(&t) else { continue };
            let stepped = step(e, &mut rbuf, origin, handler);
            // Return information for the other groups: step every connection again.
            if !shared.registry.relay(&mut e.conn).is_empty() {
                wake_next.extend(conns.keys().copied());
            }
            if let Some(other) = stepped {
                if other.is_none() {
                    close(&poll, shared, &mut conns, t);
                } else if let Some(LinkId(o)) = other {
                    wake_next.push(Token(usize::try_from(o).unwrap_or(usize::MAX)));
                }
            }
        }
        to_step = wake_next;
    }
    for (t, mut e) in conns.drain() {
        e.conn.close();
        e.wbuf.extend(e.conn.take_output());
        let _ = flush(&mut e.stream, &mut e.wbuf);
        let _ = e.stream.shutdown(std::net::Shutdown::Both);
        let _ = poll.registry().deregister(&mut e.stream);
        shared.registry.leave(LinkId(t.0 as u64));
        shared.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Read, run timers, hand events to the handler (no lock held), write. `Some(None)`: close;
/// `Some(Some(id))`: wake connection `id` (it lost the active role).
fn step(
    e: &mut Entry,
    rbuf: &mut [u8],
    origin: std::time::Instant,
    handler: &dyn CommandHandler,
) -> Option<Option<LinkId>> {
    let mut closed = false;
    loop {
        match e.stream.read(rbuf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => e
                .conn
                .input(instant_since(origin), rbuf.get(..n).unwrap_or(&[])),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    e.conn.timeout(instant_since(origin));
    let mut wake = None;
    while e.conn.has_events() {
        match e.conn.dispatch(instant_since(origin), handler) {
            Next::Continue => {}
            Next::Wake(other) => wake = Some(other),
            Next::Close => {
                closed = true;
                break;
            }
        }
    }
    e.wbuf.extend(e.conn.take_output());
    if flush(&mut e.stream, &mut e.wbuf).is_err() || closed {
        return Some(None);
    }
    wake.map(Some)
}

fn close(poll: &Poll, shared: &Shared, conns: &mut HashMap<Token, Entry>, t: Token) {
    if let Some(mut e) = conns.remove(&t) {
        e.conn.release();
        let _ = poll.registry().deregister(&mut e.stream);
        shared.registry.leave(e.conn.id());
        shared.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

fn accept(
    listener: &TcpListener,
    poll: &Poll,
    shared: &Shared,
    conns: &mut HashMap<Token, Entry>,
    next: &mut usize,
    origin: std::time::Instant,
) {
    loop {
        let (mut stream, peer) = match listener.accept() {
            Ok(s) => s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::warn!(%e, "104 accept failed");
                return;
            }
        };
        let config = shared.registry.config();
        if !config.allows(peer.ip()) {
            tracing::info!(%peer, "refused: not in the allow-list");
            continue;
        }
        if conns.len() >= config.max_connections {
            tracing::info!(%peer, "refused: maximum connections reached");
            continue;
        }
        let token = Token(*next);
        *next = next.wrapping_add(1).max(FIRST);
        let id = LinkId(token.0 as u64);
        let group = shared.registry.join(id, peer.ip(), ());
        let conn = match ServerConn::new(id, config.apci, group, instant_since(origin)) {
            Ok(mut c) => {
                shared.registry.arm(&mut c);
                c
            }
            Err(e) => {
                tracing::warn!(%e, "104 connection refused: configuration");
                shared.registry.leave(id);
                continue;
            }
        };
        if poll
            .registry()
            .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
            .is_err()
        {
            shared.registry.leave(id);
            continue;
        }
        let _ = stream.set_nodelay(true);
        shared.connections.fetch_add(1, Ordering::SeqCst);
        conns.insert(
            token,
            Entry {
                stream,
                conn,
                wbuf: Vec::new(),
            },
        );
    }
}
