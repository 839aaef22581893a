//! The 104 [`Server`] on tokio: an accept task and one task per connection; a redundancy
//! group's connections share one outstation behind a `std::sync::Mutex` that is held only
//! for synchronous core calls, never across an `.await` and never while a handler runs.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use iec104_session::LinkId;
use iec104_session::conn::{Next, ServerConn};
use iec104_session::shared::{
    CommandHandler, Database, ServerConfig, ServerGroup, UpdateError, instant_since, new_group,
    update_groups,
};
use station::asdu::{Cause, CommonAddress, InfoObject, Ioa, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

/// A group of connections sharing one outstation, and the wakers of its connections.
struct GroupEntry {
    group: Arc<Mutex<ServerGroup>>,
    /// Configured redundancy group (kept while empty) or a single connection's own.
    persistent: bool,
    members: Vec<(LinkId, Arc<Notify>)>,
}

struct Shared {
    config: ServerConfig,
    db: Database,
    handler: Arc<dyn CommandHandler>,
    groups: Mutex<Vec<GroupEntry>>,
    connections: AtomicUsize,
    next_id: AtomicU64,
    origin: std::time::Instant,
}

impl Shared {
    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<GroupEntry>> {
        self.groups.lock().unwrap_or_else(PoisonError::into_inner)
    }
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
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let groups = config
            .groups
            .iter()
            .map(|_| GroupEntry {
                group: Arc::new(Mutex::new(new_group(&config, &db))),
                persistent: true,
                members: Vec::new(),
            })
            .collect();
        let shared = Arc::new(Shared {
            config,
            db,
            handler: Arc::new(handler),
            groups: Mutex::new(groups),
            connections: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            origin: std::time::Instant::now(),
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

    /// The point database (shared with the connections).
    #[must_use]
    pub fn database(&self) -> &Database {
        &self.shared.db
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
    /// As [`update_groups`].
    pub fn update(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<(), UpdateError> {
        let (groups, wakers) = self.snapshot();
        let r = update_groups(&self.shared.db, groups.iter().map(|g| &**g), ca, ioa, value);
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
        let (groups, wakers) = self.snapshot();
        let mut r = Ok(());
        for g in groups {
            let mut g = g.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = g.station_mut().queue_event(ca, cause, objects) {
                r = Err(UpdateError::Station(e));
            }
        }
        wakers.iter().for_each(|w| w.notify_one());
        r
    }

    fn snapshot(&self) -> (Vec<Arc<Mutex<ServerGroup>>>, Vec<Arc<Notify>>) {
        let entries = self.shared.entries();
        let groups = entries.iter().map(|e| Arc::clone(&e.group)).collect();
        let wakers = entries
            .iter()
            .flat_map(|e| e.members.iter().map(|(_, w)| Arc::clone(w)))
            .collect();
        (groups, wakers)
    }

    /// Stop accepting, close every connection and wait until every task ended.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
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
                if !shared.config.allows(peer.ip()) {
                    tracing::info!(%peer, "refused: not in the allow-list");
                    drop(stream);
                    continue;
                }
                if shared.connections.load(Ordering::SeqCst) >= shared.config.max_connections {
                    tracing::info!(%peer, "refused: maximum connections reached");
                    drop(stream);
                    continue;
                }
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let s = Arc::clone(&shared);
                tasks.spawn(connection(stream, peer, s, shutdown.clone()));
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

/// Register a connection in its group; returns the group and the connection's waker.
fn join(shared: &Shared, id: LinkId, peer: SocketAddr) -> (Arc<Mutex<ServerGroup>>, Arc<Notify>) {
    let wake = Arc::new(Notify::new());
    let mut entries = shared.entries();
    let index = shared.config.group_of(peer.ip());
    let group = match index.and_then(|i| entries.get_mut(i)) {
        Some(e) => {
            e.members.push((id, Arc::clone(&wake)));
            Arc::clone(&e.group)
        }
        None => {
            let group = Arc::new(Mutex::new(new_group(&shared.config, &shared.db)));
            entries.push(GroupEntry {
                group: Arc::clone(&group),
                persistent: false,
                members: vec![(id, Arc::clone(&wake))],
            });
            group
        }
    };
    (group, wake)
}

fn leave(shared: &Shared, id: LinkId) {
    let mut entries = shared.entries();
    for e in entries.iter_mut() {
        e.members.retain(|(m, _)| *m != id);
    }
    entries.retain(|e| e.persistent || !e.members.is_empty());
}

fn waker_of(shared: &Shared, id: LinkId) -> Option<Arc<Notify>> {
    let entries = shared.entries();
    entries
        .iter()
        .flat_map(|e| e.members.iter())
        .find(|(m, _)| *m == id)
        .map(|(_, w)| Arc::clone(w))
}

async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let id = LinkId(shared.next_id.fetch_add(1, Ordering::SeqCst));
    let (group, wake) = join(&shared, id, peer);
    let now = instant_since(shared.origin);
    match ServerConn::new(id, shared.config.apci, group, now) {
        Ok(mut conn) => {
            tracing::debug!(%peer, id = id.0, "104 connection accepted");
            serve(&mut stream, &mut conn, &shared, &wake, &mut shutdown).await;
            conn.release();
        }
        Err(e) => tracing::warn!(%e, "104 connection refused: configuration"),
    }
    leave(&shared, id);
    shared.connections.fetch_sub(1, Ordering::SeqCst);
}

async fn serve(
    stream: &mut TcpStream,
    conn: &mut ServerConn,
    shared: &Shared,
    wake: &Notify,
    shutdown: &mut watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // Handlers run here, outside every lock.
        while conn.has_events() {
            let now = instant_since(shared.origin);
            match conn.dispatch(now, &*shared.handler) {
                Next::Continue => {}
                Next::Wake(other) => {
                    if let Some(w) = waker_of(shared, other) {
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
