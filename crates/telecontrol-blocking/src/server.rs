//! The 104 [`Server`] on mio: one event-loop thread accepts clients and drives every
//! connection; a redundancy group's connections share one outstation behind a mutex held only
//! for synchronous core calls, never while a handler runs.

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use iec104_session::LinkId;
use iec104_session::admission::{Admission, AdmissionStats, Place};
use iec104_session::conn::{Next, ServerConn};
use iec104_session::registry::Registry;
use iec104_session::shared::{CommandHandler, Database, ServerConfig, UpdateError, instant_since};
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token, Waker};
use station::asdu::{Cause, CommonAddress, InfoObject, Ioa, Value};
use telecontrol_tls::{TlsConfig, TlsCounters, TlsStats};

use crate::io::{flush, poll_for};
use crate::tls::Stream;

const LISTENER: Token = Token(0);
const WAKE: Token = Token(1);
/// Connection tokens start here; a connection's token is also its [`LinkId`].
const FIRST: usize = 2;

struct Shared {
    /// Wakers are unit: the event loop wakes every connection after an update.
    registry: Registry<()>,
    waker: Waker,
    shutdown: AtomicBool,
    admission: Admission,
    /// An update queued data: step every connection.
    dirty: AtomicBool,
    /// The rustls configuration and handshake time-out of a server bound with
    /// [`Server::bind_tls`].
    tls: Option<(Arc<rustls::ServerConfig>, Duration)>,
    tls_counters: TlsCounters,
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
        Server::start(addr, config, db, Box::new(handler), None)
    }

    /// Bind `addr` and accept TLS connections only (IEC 62351-3): every client must complete
    /// a TLS handshake with a certificate `tls` trusts, within
    /// [`TlsConfig::handshake_timeout`], before its 104 session starts. The event loop drives
    /// handshakes without blocking other connections. Refused handshakes are logged, counted
    /// by reason ([`Server::tls_stats`]) and closed.
    ///
    /// # Errors
    /// As [`Server::bind`], or `tls` cannot be turned into a rustls server configuration (an
    /// [`io::ErrorKind::InvalidInput`] error carrying the [`telecontrol_tls::TlsError`]).
    pub fn bind_tls(
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: impl CommandHandler,
        tls: &TlsConfig,
    ) -> io::Result<Server> {
        let server_config = tls
            .server_config()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let tls = Some((server_config, tls.handshake_timeout));
        Server::start(addr, config, db, Box::new(handler), tls)
    }

    fn start(
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: Box<dyn CommandHandler>,
        tls: Option<(Arc<rustls::ServerConfig>, Duration)>,
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
            admission: Admission::default(),
            dirty: AtomicBool::new(false),
            tls,
            tls_counters: TlsCounters::new(),
        });
        let s = Arc::clone(&shared);
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
        self.shared.admission.open()
    }

    /// TLS handshakes completed (full and resumed) and refused by reason; all zero for a
    /// server bound without TLS.
    #[must_use]
    pub fn tls_stats(&self) -> TlsStats {
        self.shared.tls_counters.stats()
    }

    /// Connections refused at accept (allow-list, server and per-address limits), by reason.
    #[must_use]
    pub fn admission_stats(&self) -> AdmissionStats {
        self.shared.admission.stats()
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
        self.shared.admission.open()
    }

    /// TLS handshakes completed and refused by reason, as [`Server::tls_stats`].
    #[must_use]
    pub fn tls_stats(&self) -> TlsStats {
        self.shared.tls_counters.stats()
    }

    /// Connections refused at accept, as [`Server::admission_stats`].
    #[must_use]
    pub fn admission_stats(&self) -> AdmissionStats {
        self.shared.admission.stats()
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
    stream: Stream,
    /// `None` while the TLS handshake runs: the 104 session starts after it.
    conn: Option<ServerConn>,
    peer: SocketAddr,
    wbuf: Vec<u8>,
    /// The end of the time allowed for the TLS handshake.
    handshake_deadline: Option<std::time::Instant>,
    /// Its place in the server's connection limits, freed when the entry is dropped.
    _place: Place,
}

impl Entry {
    /// The next instant this connection needs a step without input.
    fn deadline(&self, origin: std::time::Instant) -> Option<Duration> {
        let now = instant_since(origin);
        let conn = self
            .conn
            .as_ref()
            .and_then(ServerConn::deadline)
            .map(|d| Duration::from_micros(d.as_micros().saturating_sub(now.as_micros())));
        let handshake = self
            .handshake_deadline
            .filter(|_| self.conn.is_none())
            .map(|d| d.saturating_duration_since(std::time::Instant::now()));
        conn.into_iter().chain(handshake).min()
    }
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
        let timeout = conns.values().filter_map(|e| e.deadline(origin)).min();
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
        for (t, e) in &conns {
            if e.deadline(origin).is_some_and(|d| d.is_zero()) {
                to_step.push(*t);
            }
        }
        to_step.sort_unstable();
        to_step.dedup();
        let mut wake_next = Vec::new();
        for t in to_step.drain(..) {
            let Some(e) = conns.get_mut(&t) else { continue };
            let stepped = match handshake(e, t, shared, origin) {
                Ok(true) => step(e, &mut rbuf, origin, handler),
                Ok(false) => None,
                Err(()) => Some(None),
            };
            // Return information for the other groups: step every connection again.
            if let Some(conn) = &mut e.conn
                && !shared.registry.relay(conn).is_empty()
            {
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
        if let Some(conn) = &mut e.conn {
            conn.close();
            e.wbuf.extend(conn.take_output());
            let _ = flush(&mut e.stream, &mut e.wbuf);
            shared.registry.leave(LinkId(t.0 as u64));
        }
        e.stream.close();
        let _ = poll.registry().deregister(e.stream.tcp());
    }
}

/// Read, run timers, hand events to the handler (no lock held), write. `Some(None)`: close;
/// `Some(Some(id))`: wake connection `id` (it lost the active role).
/// Drive a TLS handshake; once it completes, start the 104 session. `Ok(true)`: the session
/// runs; `Ok(false)`: still handshaking; `Err`: refused (counted and logged), close.
fn handshake(
    e: &mut Entry,
    token: Token,
    shared: &Shared,
    origin: std::time::Instant,
) -> Result<bool, ()> {
    if e.conn.is_some() {
        return Ok(true);
    }
    let done = match e.stream.drive_handshake() {
        Ok(false)
            if e.handshake_deadline
                .is_some_and(|d| d <= std::time::Instant::now()) =>
        {
            Err(io::Error::from(io::ErrorKind::TimedOut))
        }
        other => other,
    };
    match done {
        Ok(false) => return Ok(false),
        Ok(true) => {}
        Err(err) => {
            shared.tls_counters.refuse_io(e.peer, &err);
            return Err(());
        }
    }
    if e.stream.is_tls() {
        let kind = e.stream.handshake_kind();
        shared.tls_counters.handshake(kind);
        tracing::debug!(peer = %e.peer, ?kind, "TLS handshake complete");
    }
    let id = LinkId(token.0 as u64);
    let group = shared.registry.join(id, e.peer.ip(), ());
    match ServerConn::new(
        id,
        shared.registry.config().apci,
        group,
        instant_since(origin),
    ) {
        Ok(mut c) => {
            shared.registry.arm(&mut c);
            e.conn = Some(c);
            Ok(true)
        }
        Err(err) => {
            tracing::warn!(%err, "104 connection refused: configuration");
            shared.registry.leave(id);
            Err(())
        }
    }
}

fn step(
    e: &mut Entry,
    rbuf: &mut [u8],
    origin: std::time::Instant,
    handler: &dyn CommandHandler,
) -> Option<Option<LinkId>> {
    let conn = e.conn.as_mut()?;
    let mut closed = false;
    loop {
        match e.stream.read(rbuf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => conn.input(instant_since(origin), rbuf.get(..n).unwrap_or(&[])),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    conn.timeout(instant_since(origin));
    let mut wake = None;
    while conn.has_events() {
        match conn.dispatch(instant_since(origin), handler) {
            Next::Continue => {}
            Next::Wake(other) => wake = Some(other),
            Next::Close => {
                closed = true;
                break;
            }
        }
    }
    e.wbuf.extend(conn.take_output());
    let flushed = flush(&mut e.stream, &mut e.wbuf).and_then(|()| e.stream.flush_tls());
    if flushed.is_err() || closed {
        return Some(None);
    }
    wake.map(Some)
}

fn close(poll: &Poll, shared: &Shared, conns: &mut HashMap<Token, Entry>, t: Token) {
    if let Some(mut e) = conns.remove(&t) {
        if let Some(mut conn) = e.conn.take() {
            conn.release();
            shared.registry.leave(conn.id());
        }
        e.stream.close();
        let _ = poll.registry().deregister(e.stream.tcp());
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
        let (stream, peer) = match listener.accept() {
            Ok(s) => s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::warn!(%e, "104 accept failed");
                return;
            }
        };
        let place = match shared.admission.admit(shared.registry.config(), peer.ip()) {
            Ok(place) => place,
            Err(why) => {
                tracing::info!(%peer, "refused: {why}");
                continue;
            }
        };
        let token = Token(*next);
        *next = next.wrapping_add(1).max(FIRST);
        let _ = stream.set_nodelay(true);
        let (mut stream, handshake_deadline) = match &shared.tls {
            None => (Stream::Plain(stream), None),
            Some((tls, timeout)) => match rustls::ServerConnection::new(Arc::clone(tls)) {
                Ok(c) => (Stream::tls(stream, c), Some(crate::io::after(*timeout))),
                Err(e) => {
                    tracing::warn!(%e, "TLS connection state could not be made");
                    continue;
                }
            },
        };
        if poll
            .registry()
            .register(stream.tcp(), token, Interest::READABLE | Interest::WRITABLE)
            .is_err()
        {
            continue;
        }
        let mut entry = Entry {
            stream,
            conn: None,
            peer,
            wbuf: Vec::new(),
            handshake_deadline,
            _place: place,
        };
        // Plain TCP: the session starts now.
        if entry.handshake_deadline.is_none()
            && handshake(&mut entry, token, shared, origin).is_err()
        {
            let _ = poll.registry().deregister(entry.stream.tcp());
            continue;
        }
        conns.insert(token, entry);
    }
}
