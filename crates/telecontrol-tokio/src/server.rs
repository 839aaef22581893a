//! The 104 [`Server`] on tokio: an accept task and one task per connection; a redundancy
//! group's connections share one outstation behind a `std::sync::Mutex` that is held only
//! for synchronous core calls, never across an `.await` and never while a handler runs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use iec104_session::LinkId;
use iec104_session::admission::{Admission, AdmissionStats, Place};
use iec104_session::conn::{Next, ServerConn};
use iec104_session::registry::Registry;
use iec104_session::shared::{CommandHandler, Database, ServerConfig, UpdateError, instant_since};
use station::asdu::{Cause, CommonAddress, InfoObject, Ioa, Value};
use telecontrol_tls::{TlsConfig, TlsCounters, TlsStats};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

struct Shared {
    registry: Registry<Arc<Notify>>,
    handler: Arc<dyn CommandHandler>,
    admission: Admission,
    next_id: AtomicU64,
    origin: std::time::Instant,
    /// The TLS acceptor and handshake time-out, for a server bound with [`Server::bind_tls`].
    tls: Option<(tokio_rustls::TlsAcceptor, Duration)>,
    tls_counters: TlsCounters,
}

/// A 104 server (controlled station) on the current tokio runtime: accepts clients, answers
/// them from the shared [`Database`], asks the [`CommandHandler`] about commands and sends
/// the changes given to [`Server::update`] as spontaneous events.
pub struct Server {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Bind `addr` (port 0 for an ephemeral port) and start accepting.
    ///
    /// # Errors
    /// The bind error.
    pub async fn bind(
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: impl CommandHandler,
    ) -> std::io::Result<Server> {
        Server::start(addr, config, db, Arc::new(handler), None).await
    }

    /// Bind `addr` and start accepting TLS connections only (IEC 62351-3): every client must
    /// complete a TLS handshake with a certificate `tls` trusts, within
    /// [`TlsConfig::handshake_timeout`], before its 104 session starts. Refused handshakes
    /// are logged, counted by reason ([`Server::tls_stats`]) and closed.
    ///
    /// # Errors
    /// The bind error, or `tls` cannot be turned into a rustls server configuration (an
    /// [`std::io::ErrorKind::InvalidInput`] error carrying the [`telecontrol_tls::TlsError`]).
    pub async fn bind_tls(
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: impl CommandHandler,
        tls: &TlsConfig,
    ) -> std::io::Result<Server> {
        let server_config = tls
            .server_config()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let acceptor = tokio_rustls::TlsAcceptor::from(server_config);
        let tls = Some((acceptor, tls.handshake_timeout));
        Server::start(addr, config, db, Arc::new(handler), tls).await
    }

    async fn start(
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: Arc<dyn CommandHandler>,
        tls: Option<(tokio_rustls::TlsAcceptor, Duration)>,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            registry: Registry::new(config, db),
            handler,
            admission: Admission::default(),
            next_id: AtomicU64::new(1),
            origin: std::time::Instant::now(),
            tls,
            tls_counters: TlsCounters::new(),
        });
        let (shutdown, rx) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared), rx));
        Ok(Server {
            shared,
            local_addr,
            shutdown,
            accept: Some(accept),
        })
    }

    /// The bound address.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle to update points and queue events from any task or thread, a handler
    /// included.
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

    /// Queue any monitor-direction ASDU (e.g. several objects, return information) in every
    /// group without touching the database.
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

    /// Stop accepting, close every connection and wait until every task ended.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
    }
}

/// A cloneable handle to a running [`Server`]'s points and event buffers; usable from any
/// task or thread, including inside a [`CommandHandler`] (no lock is held while a handler
/// runs). Not async: every call takes short locks only.
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
        let (r, wakers) = self.shared.registry.update(ca, ioa, value);
        wakers.iter().for_each(|w| w.notify_one());
        r
    }

    /// Queue any monitor-direction ASDU (e.g. several objects, return information) in every
    /// group without touching the database.
    ///
    /// # Errors
    /// The last outstation's refusal, as [`UpdateError::Station`].
    pub fn queue_event(
        &self,
        ca: CommonAddress,
        cause: Cause,
        objects: &[InfoObject<'_>],
    ) -> Result<(), UpdateError> {
        let (r, wakers) = self.shared.registry.queue_event(ca, cause, objects);
        wakers.iter().for_each(|w| w.notify_one());
        r
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => {
                let Ok((stream, peer)) = r else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let place = match shared.admission.admit(shared.registry.config(), peer.ip()) {
                    Ok(place) => place,
                    Err(why) => {
                        tracing::info!(%peer, "refused: {why}");
                        drop(stream);
                        continue;
                    }
                };
                let s = Arc::clone(&shared);
                tasks.spawn(connection(stream, peer, s, shutdown.clone(), place));
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    place: Place,
) {
    let _ = stream.set_nodelay(true);
    match &shared.tls {
        None => session(stream, peer, &shared, shutdown).await,
        Some((acceptor, timeout)) => {
            let handshake = tokio::time::timeout(*timeout, acceptor.accept(stream));
            let r = tokio::select! {
                r = handshake => r,
                _ = shutdown.changed() => Ok(Err(std::io::ErrorKind::Interrupted.into())),
            };
            let r = r.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()));
            match r {
                Ok(tls) => {
                    let kind = tls.get_ref().1.handshake_kind();
                    shared.tls_counters.handshake(kind);
                    tracing::debug!(%peer, ?kind, "TLS handshake complete");
                    session(tls, peer, &shared, shutdown).await;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    shared.tls_counters.refuse_io(peer, &e);
                }
            }
        }
    }
    drop(place);
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    peer: SocketAddr,
    shared: &Shared,
    mut shutdown: watch::Receiver<bool>,
) {
    let id = LinkId(shared.next_id.fetch_add(1, Ordering::SeqCst));
    let wake = Arc::new(Notify::new());
    let group = shared.registry.join(id, peer.ip(), Arc::clone(&wake));
    let now = instant_since(shared.origin);
    match ServerConn::new(id, shared.registry.config().apci, group, now) {
        Ok(mut conn) => {
            shared.registry.arm(&mut conn);
            tracing::debug!(%peer, id = id.0, "104 connection accepted");
            serve(&mut stream, &mut conn, shared, &wake, &mut shutdown).await;
            conn.release();
        }
        Err(e) => tracing::warn!(%e, "104 connection refused: configuration"),
    }
    shared.registry.leave(id);
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    conn: &mut ServerConn,
    shared: &Shared,
    wake: &Notify,
    shutdown: &mut watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 4 * 1024];
    loop {
        // Handlers run here, outside every lock.
        while conn.has_events() {
            let now = instant_since(shared.origin);
            match conn.dispatch(now, &*shared.handler) {
                Next::Continue => {}
                Next::Wake(other) => {
                    if let Some(w) = shared.registry.waker(other) {
                        w.notify_one();
                    }
                }
                Next::Close => {
                    let out = conn.take_output();
                    let _ = stream.write_all(&out).await;
                    return;
                }
            }
        }
        // Return information this connection sent goes to the other groups as events.
        shared
            .registry
            .relay(conn)
            .iter()
            .for_each(|w| w.notify_one());
        let out = conn.take_output();
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return;
        }
        if *shutdown.borrow() {
            conn.close();
            let _ = stream.shutdown().await;
            return;
        }
        let sleep = match conn.deadline() {
            Some(d) => {
                let now = instant_since(shared.origin);
                Duration::from_micros(d.as_micros().saturating_sub(now.as_micros()))
            }
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => conn.input(instant_since(shared.origin), buf.get(..n).unwrap_or(&[])),
            },
            () = tokio::time::sleep(sleep) => conn.timeout(instant_since(shared.origin)),
            () = wake.notified() => conn.timeout(instant_since(shared.origin)),
            _ = shutdown.changed() => {}
        }
    }
}
