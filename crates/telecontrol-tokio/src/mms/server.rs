//! [`MmsServer`]: the accept task (admission, then the TLS handshake for a server bound with
//! [`MmsServer::bind_tls`]) and one task per association.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mms_pdu::association::Role;
use mms_pdu::driver::{Link, Registry, Serving};
use mms_pdu::mms::UnconfirmedService;
use mms_pdu::server::Directory;
use telecontrol_core::admission::{Admission, AdmissionStats, Place};
use telecontrol_tls::{TlsConfig, TlsCounters, TlsStats};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::conn::{self, Shared};
use super::{MmsAssociation, MmsEvent, MmsServerConfig, SERVER_EVENTS};

/// An MMS server (responder) on the current tokio runtime: one task per association,
/// requests answered from the [`Directory`]. Connections are admitted under the limits of
/// its [`MmsServerConfig`] (counted in [`MmsServer::admission_stats`]); a server bound with
/// [`MmsServer::bind_tls`] speaks TLS only (IEC 62351-4 / -3).
pub struct MmsServer {
    local_addr: SocketAddr,
    events: mpsc::Receiver<(u64, MmsEvent)>,
    associations: Arc<Registry<MmsAssociation>>,
    admission: Admission,
    tls_counters: Arc<TlsCounters>,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl std::fmt::Debug for MmsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmsServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// What every connection task of one server shares.
struct Accept {
    config: MmsServerConfig,
    serving: Serving,
    list: Arc<Registry<MmsAssociation>>,
    events: mpsc::Sender<(u64, MmsEvent)>,
    /// The TLS acceptor and handshake time-out of a server bound with `bind_tls`.
    tls: Option<(tokio_rustls::TlsAcceptor, Duration)>,
    tls_counters: Arc<TlsCounters>,
    stop: watch::Receiver<bool>,
}

/// A server's counters, kept by whoever wraps it (the TASE.2 server) after it moved the
/// [`MmsServer`] into a task.
#[derive(Clone, Debug)]
pub(crate) struct ServerStats {
    admission: Admission,
    tls: Arc<TlsCounters>,
}

impl ServerStats {
    pub(crate) fn tls(&self) -> TlsStats {
        self.tls.stats()
    }

    pub(crate) fn admission(&self) -> AdmissionStats {
        self.admission.stats()
    }
}

impl MmsServer {
    /// Listen on `addr` and serve `directory`.
    ///
    /// # Errors
    /// The bind error.
    pub async fn bind(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        directory: Arc<dyn Directory + Send + Sync>,
    ) -> std::io::Result<MmsServer> {
        MmsServer::start(addr, config, directory, None).await
    }

    /// Listen on `addr` (by convention port 3782 for MMS / TASE.2 over TLS) and accept TLS
    /// connections only (IEC 62351-4 / -3): every client must complete a TLS handshake with a
    /// certificate `tls` trusts, within [`TlsConfig::handshake_timeout`], before its
    /// association starts. Refused handshakes (a silent peer included) are logged, counted
    /// by reason ([`MmsServer::tls_stats`]) and closed.
    ///
    /// # Errors
    /// The bind error, or `tls` cannot be turned into a rustls server configuration (an
    /// [`std::io::ErrorKind::InvalidInput`] error carrying the
    /// [`TlsError`](telecontrol_tls::TlsError)).
    pub async fn bind_tls(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        directory: Arc<dyn Directory + Send + Sync>,
        tls: &TlsConfig,
    ) -> std::io::Result<MmsServer> {
        let server_config = tls
            .server_config()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let acceptor = tokio_rustls::TlsAcceptor::from(server_config);
        let tls = Some((acceptor, tls.handshake_timeout));
        MmsServer::start(addr, config, directory, tls).await
    }

    async fn start(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        directory: Arc<dyn Directory + Send + Sync>,
        tls: Option<(tokio_rustls::TlsAcceptor, Duration)>,
    ) -> std::io::Result<MmsServer> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let associations = Arc::new(Registry::default());
        let (etx, events) = mpsc::channel::<(u64, MmsEvent)>(SERVER_EVENTS);
        let (stop, stop_rx) = watch::channel(false);
        let admission = Admission::default();
        let tls_counters = Arc::new(TlsCounters::new());
        let accept = Arc::new(Accept {
            serving: Serving {
                directory: Some(directory),
                authorize: config.authorize.clone(),
            },
            config,
            list: Arc::clone(&associations),
            events: etx,
            tls,
            tls_counters: Arc::clone(&tls_counters),
            stop: stop_rx,
        });
        let accept = tokio::spawn(accept_loop(listener, accept, admission.clone()));
        Ok(MmsServer {
            local_addr,
            events,
            associations,
            admission,
            tls_counters,
            stop,
            accept,
        })
    }

    /// The next event of any association: an unconfirmed PDU a client sent (an
    /// InformationReport), or an association's close, with the association's id. Events
    /// beyond [`SERVER_EVENTS`] not yet taken are dropped.
    pub async fn next_event(&mut self) -> Option<(u64, MmsEvent)> {
        self.events.recv().await
    }

    /// The address listened on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The open associations.
    #[must_use]
    pub fn associations(&self) -> Vec<MmsAssociation> {
        self.associations.open()
    }

    /// The open association with this id (see [`MmsAssociation::id`]).
    #[must_use]
    pub fn association(&self, id: u64) -> Option<MmsAssociation> {
        self.associations.find(id)
    }

    /// Connections open now (admitted, TLS handshakes included).
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.admission.open()
    }

    /// TLS handshakes completed (full and resumed) and refused by reason; all zero for a
    /// server bound without TLS.
    #[must_use]
    pub fn tls_stats(&self) -> TlsStats {
        self.tls_counters.stats()
    }

    /// Connections refused at accept (allow-list, server and per-address limits), by reason.
    #[must_use]
    pub fn admission_stats(&self) -> AdmissionStats {
        self.admission.stats()
    }

    pub(crate) fn stats(&self) -> ServerStats {
        ServerStats {
            admission: self.admission.clone(),
            tls: Arc::clone(&self.tls_counters),
        }
    }

    /// Send an unconfirmed PDU (an InformationReport) to every associated peer; returns
    /// how many were sent.
    pub fn report(&self, service: UnconfirmedService<'_>) -> usize {
        self.associations()
            .iter()
            .filter(|a| a.send_unconfirmed(service).is_ok())
            .count()
    }

    /// Stop accepting, end the TLS handshakes under way and abort every association.
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
        self.accept.abort();
        for a in self.associations() {
            a.abort();
        }
    }
}

impl Drop for MmsServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn accept_loop(listener: TcpListener, accept: Arc<Accept>, admission: Admission) {
    while let Ok((stream, peer)) = listener.accept().await {
        let place = match admission.admit(&accept.config, peer.ip()) {
            Ok(place) => place,
            Err(why) => {
                tracing::info!(%peer, "MMS connection refused: {why}");
                continue;
            }
        };
        tokio::spawn(connection(stream, peer, Arc::clone(&accept), place));
    }
}

/// One accepted connection: the TLS handshake (if any), then the association; the place
/// is freed when both are over.
async fn connection(stream: TcpStream, peer: SocketAddr, accept: Arc<Accept>, place: Place) {
    let _ = stream.set_nodelay(true);
    match &accept.tls {
        None => associate(stream, &accept).await,
        Some((acceptor, timeout)) => {
            let mut stop = accept.stop.clone();
            let handshake = tokio::time::timeout(*timeout, acceptor.accept(stream));
            let r = tokio::select! {
                r = handshake => r.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())),
                _ = stop.changed() => Err(std::io::ErrorKind::Interrupted.into()),
            };
            match r {
                Ok(tls) => {
                    let kind = tls.get_ref().1.handshake_kind();
                    accept.tls_counters.handshake(kind);
                    tracing::debug!(%peer, ?kind, "TLS handshake complete");
                    associate(tls, &accept).await;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    accept.tls_counters.refuse_io(peer, &e);
                }
            }
        }
    }
    drop(place);
}

/// Serve one association on `stream` until it ends.
async fn associate<S: AsyncRead + AsyncWrite + Unpin>(stream: S, accept: &Accept) {
    if *accept.stop.borrow() {
        return;
    }
    let Ok(link) = Link::new(Role::Responder, accept.config.association) else {
        return;
    };
    let id = link.id();
    let shared = Shared::new(link);
    let tx = accept.events.clone();
    shared.link.set_events(Box::new(move |e| {
        let _ = tx.try_send((id, e));
    }));
    accept.list.add(MmsAssociation {
        shared: Arc::clone(&shared),
    });
    if *accept.stop.borrow() {
        shared.link.abort(); // shut down while it was being added
    }
    conn::drive(stream, shared, accept.serving.clone(), None).await;
}
