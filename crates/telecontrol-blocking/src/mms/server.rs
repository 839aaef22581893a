//! [`MmsServer`] on threads: the accept thread (admission) and one thread per association,
//! which completes the TLS handshake first for a server bound with [`MmsServer::bind_tls`].

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mms_pdu::association::Role;
use mms_pdu::driver::{Link, Registry, Serving};
use mms_pdu::mms::UnconfirmedService;
use mms_pdu::server::Directory;
use telecontrol_core::admission::{Admission, AdmissionStats};
use telecontrol_tls::{TlsConfig, TlsCounters, TlsStats};

use super::conn::{self, Handshake, Shared};
use super::{MmsAssociation, MmsEvent, MmsServerConfig, SERVER_EVENTS};
use crate::tls::Stream;

/// The accept thread's listener and stop tokens.
const LISTENER: mio::Token = mio::Token(0);
const STOP: mio::Token = mio::Token(1);

/// An MMS server (responder) on threads: one thread per association, requests answered
/// from the [`Directory`]. Connections are admitted under the limits of its
/// [`MmsServerConfig`] (counted in [`MmsServer::admission_stats`]); a server bound with
/// [`MmsServer::bind_tls`] speaks TLS only (IEC 62351-4 / -3).
pub struct MmsServer {
    local_addr: SocketAddr,
    events: mpsc::Receiver<Note>,
    /// Where [`Notifier`]s and (when `watched`) the accept thread put [`Note::Changed`].
    notes: mpsc::SyncSender<Note>,
    /// Whether a new association is announced with [`Note::Changed`] (a TASE.2 server
    /// watches the list; a plain MMS server's events carry none).
    watched: Arc<AtomicBool>,
    associations: Arc<Registry<MmsAssociation>>,
    stats: ServerStats,
    stop: Arc<mio::Waker>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for MmsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmsServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// What the server's event channel carries: an association's event, or a note that the
/// association list changed (or its owner must look at its stop flag).
#[derive(Debug)]
pub(crate) enum Note {
    /// An event of the association with this id.
    Event(u64, MmsEvent),
    /// A new association was added, or a [`Notifier`] was called.
    Changed,
}

/// Wakes whoever waits in [`MmsServer::next_note`] (with [`Note::Changed`]).
#[derive(Clone, Debug)]
pub(crate) struct Notifier(mpsc::SyncSender<Note>);

impl Notifier {
    /// Wake the waiter; a full channel already wakes it.
    pub(crate) fn notify(&self) {
        let _ = self.0.try_send(Note::Changed);
    }
}

/// A server's counters, kept by whoever wraps it (the TASE.2 server).
#[derive(Clone, Debug, Default)]
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
    pub fn bind(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        directory: Arc<dyn Directory + Send + Sync>,
    ) -> std::io::Result<MmsServer> {
        MmsServer::start(addr, config, directory, None)
    }

    /// Listen on `addr` (by convention port 3782 for MMS / TASE.2 over TLS) and accept TLS
    /// connections only (IEC 62351-4 / -3): every client must complete a TLS handshake with a
    /// certificate `tls` trusts, within [`TlsConfig::handshake_timeout`], before its
    /// association starts; the handshake runs on the association's own thread. Refused
    /// handshakes (a silent peer included) are logged, counted by reason
    /// ([`MmsServer::tls_stats`]) and closed.
    ///
    /// # Errors
    /// The bind error, or `tls` cannot be turned into a rustls server configuration (an
    /// [`std::io::ErrorKind::InvalidInput`] error carrying the
    /// [`TlsError`](telecontrol_tls::TlsError)).
    pub fn bind_tls(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        directory: Arc<dyn Directory + Send + Sync>,
        tls: &TlsConfig,
    ) -> std::io::Result<MmsServer> {
        let server_config = tls
            .server_config()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        MmsServer::start(
            addr,
            config,
            directory,
            Some((server_config, tls.handshake_timeout)),
        )
    }

    fn start(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        directory: Arc<dyn Directory + Send + Sync>,
        tls: Option<(Arc<rustls::ServerConfig>, Duration)>,
    ) -> std::io::Result<MmsServer> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let mut listener = mio::net::TcpListener::from_std(listener);
        let mut poll = mio::Poll::new()?;
        poll.registry()
            .register(&mut listener, LISTENER, mio::Interest::READABLE)?;
        let stop = Arc::new(mio::Waker::new(poll.registry(), STOP)?);
        let associations = Arc::new(Registry::default());
        let stats = ServerStats::default();
        let serving = Serving {
            directory: Some(directory),
            authorize: config.authorize.clone(),
        };
        let list = Arc::clone(&associations);
        let (etx, events) = mpsc::sync_channel::<Note>(SERVER_EVENTS);
        let notes = etx.clone();
        let watched = Arc::new(AtomicBool::new(false));
        let watching = Arc::clone(&watched);
        let counted = stats.clone();
        let accept = std::thread::spawn(move || {
            let mut ready = mio::Events::with_capacity(8);
            loop {
                if crate::io::poll_for(&mut poll, &mut ready, None).is_err()
                    || ready.iter().any(|e| e.token() == STOP)
                {
                    return;
                }
                // Edge-triggered: accept until it would block.
                loop {
                    let (stream, peer) = match listener.accept() {
                        Ok(s) => s,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        // A failed accept (out of descriptors, a reset in the queue):
                        // leave it, keep serving.
                        Err(_) => break,
                    };
                    let place = match counted.admission.admit(&config, peer.ip()) {
                        Ok(place) => place,
                        Err(why) => {
                            tracing::info!(%peer, "MMS connection refused: {why}");
                            continue;
                        }
                    };
                    let (stream, handshake) = match &tls {
                        None => (Stream::Plain(stream), None),
                        Some((tls, timeout)) => {
                            let Ok(c) = rustls::ServerConnection::new(Arc::clone(tls)) else {
                                continue;
                            };
                            let h = Handshake {
                                timeout: *timeout,
                                counters: Some(Arc::clone(&counted.tls)),
                                peer: Some(peer),
                                refusal: None,
                                session: None,
                            };
                            (Stream::tls(stream, c), Some(h))
                        }
                    };
                    let Ok(link) = Link::new(Role::Responder, config.association) else {
                        continue;
                    };
                    let id = link.id();
                    let Ok((shared, conn_poll)) = Shared::new(link) else {
                        continue;
                    };
                    let tx = etx.clone();
                    shared.link.set_events(Box::new(move |e| {
                        let _ = tx.try_send(Note::Event(id, e));
                    }));
                    list.add(MmsAssociation {
                        shared: Arc::clone(&shared),
                    });
                    if watching.load(Ordering::SeqCst) {
                        // Full: the waiter has events to take, and looks at the list
                        // after each.
                        let _ = etx.try_send(Note::Changed);
                    }
                    let serving = serving.clone();
                    std::thread::spawn(move || {
                        conn::drive(stream, conn_poll, shared, serving, handshake);
                        drop(place);
                    });
                }
            }
        });
        Ok(MmsServer {
            local_addr,
            events,
            notes,
            watched,
            associations,
            stats,
            stop,
            accept: Mutex::new(Some(accept)),
        })
    }

    /// The next event of any association, waiting at most `timeout`: an unconfirmed PDU a
    /// client sent (an InformationReport), or an association's close, with the
    /// association's id. Events beyond [`SERVER_EVENTS`] not yet taken are dropped.
    pub fn next_event_timeout(&self, timeout: Duration) -> Option<(u64, MmsEvent)> {
        let start = std::time::Instant::now();
        loop {
            let left = timeout.saturating_sub(start.elapsed());
            match self.events.recv_timeout(left).ok()? {
                Note::Event(id, e) => return Some((id, e)),
                // Only a watched server (or a notifier) puts these; its owner takes notes.
                Note::Changed => {}
            }
        }
    }

    /// Announce every association added from now on with [`Note::Changed`] (for an owner
    /// that keeps a copy of the list and waits in [`next_note`](Self::next_note)).
    pub(crate) fn watch(&self) {
        self.watched.store(true, Ordering::SeqCst);
    }

    /// Something that wakes [`next_note`](Self::next_note) from another thread.
    pub(crate) fn notifier(&self) -> Notifier {
        Notifier(self.notes.clone())
    }

    /// Wait, without a time limit, for an association's event, a new association (once
    /// [`watch`](Self::watch)ed) or a [`Notifier`].
    pub(crate) fn next_note(&self) -> Note {
        // The server holds a sender itself: the channel never disconnects.
        self.events.recv().unwrap_or(Note::Changed)
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
        self.stats.admission.open()
    }

    /// TLS handshakes completed (full and resumed) and refused by reason; all zero for a
    /// server bound without TLS.
    #[must_use]
    pub fn tls_stats(&self) -> TlsStats {
        self.stats.tls()
    }

    /// Connections refused at accept (allow-list, server and per-address limits), by reason.
    #[must_use]
    pub fn admission_stats(&self) -> AdmissionStats {
        self.stats.admission()
    }

    pub(crate) fn stats(&self) -> ServerStats {
        self.stats.clone()
    }

    /// Send an unconfirmed PDU (an InformationReport) to every associated peer; returns
    /// how many were sent.
    pub fn report(&self, service: UnconfirmedService<'_>) -> usize {
        self.associations()
            .iter()
            .filter(|a| a.send_unconfirmed(service).is_ok())
            .count()
    }

    /// Stop accepting and abort every association (TLS handshakes under way included).
    pub fn shutdown(&self) {
        let _ = self.stop.wake();
        if let Some(t) = self.accept.lock().ok().and_then(|mut a| a.take()) {
            let _ = t.join();
        }
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
