//! MMS on threads (blocking): [`MmsClient`] (an initiator) and [`MmsServer`] (a responder answering from
//! an application's [`Directory`]), each association driven by one thread over the sans-IO
//! [`Association`](mms_pdu::association::Association). The association sits
//! behind a `std::sync::Mutex` held only for core calls, never while the directory runs.

mod conn;
mod server;

/// The MMS core this adapter drives (PDUs, association, server directory).
pub use mms_pdu;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mms_pdu::association::{CloseReason, Config, FailReason, Role};
use mms_pdu::driver::calls::{self, NameList};
use mms_pdu::driver::{Answer, Link, Serving};
use mms_pdu::mms::{
    ConfirmedServiceRequest, Data, ObjectClass, ObjectName, ObjectScope, UnconfirmedService,
    WriteResult,
};
use mms_pdu::server::Directory;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread::JoinHandle;
use telecontrol_tls::pki_types::ServerName;
use telecontrol_tls::{TlsConfig, TlsConnectError, TlsSession, TlsStats};

use crate::tls::Stream;
use conn::{Handshake, RefusalSlot, SessionSlot, Shared};
pub use mms_pdu::driver::{
    Authorize, MmsError, MmsEvent, MmsServerConfig, Response, SERVER_EVENTS,
};
pub use server::MmsServer;
pub(crate) use server::{Note, Notifier, ServerStats};

/// Common to both ends: requests, reports, conclude, abort on one association.
#[derive(Clone)]
pub struct MmsAssociation {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MmsAssociation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmsAssociation")
            .field("id", &self.id())
            .finish()
    }
}

impl AsRef<Link> for MmsAssociation {
    fn as_ref(&self) -> &Link {
        &self.shared.link
    }
}

impl MmsAssociation {
    /// Queued something: send it now, from this thread.
    fn wake<T>(&self, r: Result<T, MmsError>) -> Result<T, MmsError> {
        self.shared.wake();
        r
    }

    /// Send a confirmed request and wait for its answer (the core's request timeout bounds
    /// the wait).
    ///
    /// # Errors
    /// [`MmsError::Local`], [`MmsError::Service`], [`MmsError::Failed`].
    pub fn request(&self, service: ConfirmedServiceRequest<'_>) -> Result<Response, MmsError> {
        let (tx, rx) = mpsc::channel();
        let reply = Box::new(move |a| {
            let _ = tx.send(a);
        });
        self.wake(self.shared.link.request(service, reply))?;
        Answer::into_result(rx.recv().ok())
    }

    /// Identify: (vendor, model, revision), Latin-1 read as UTF-8 lossily.
    ///
    /// # Errors
    /// As [`request`](Self::request); [`MmsError::UnexpectedAnswer`].
    pub fn identify(&self) -> Result<(String, String, String), MmsError> {
        calls::identity(&self.request(ConfirmedServiceRequest::Identify)?)
    }

    /// GetNameList of `class` in `scope`, following `moreFollows` with `continueAfter`.
    ///
    /// # Errors
    /// As [`request`](Self::request); [`MmsError::UnexpectedAnswer`].
    pub fn get_name_list(
        &self,
        class: ObjectClass,
        scope: ObjectScope<'_>,
    ) -> Result<Vec<String>, MmsError> {
        let mut walk = NameList::new(class, scope);
        while let Some(req) = walk.next_request() {
            let r = self.request(req)?;
            walk.absorb(&r)?;
        }
        Ok(walk.into_names())
    }

    /// Read the named variables; the response's `results` are one per name.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn read(&self, names: &[ObjectName<'_>]) -> Result<Response, MmsError> {
        let items = calls::named(names);
        self.request(calls::read(&items))
    }

    /// Read a named variable list.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn read_list(&self, list: ObjectName<'_>) -> Result<Response, MmsError> {
        self.request(calls::read_list(list))
    }

    /// Write `values` to the named variables (one each); one result per variable.
    ///
    /// # Errors
    /// As [`request`](Self::request); [`MmsError::UnexpectedAnswer`].
    pub fn write(
        &self,
        names: &[ObjectName<'_>],
        values: &[Data<'_>],
    ) -> Result<Vec<WriteResult>, MmsError> {
        let items = calls::named(names);
        calls::write_results(&self.request(calls::write(&items, values))?)
    }

    /// Define the named variable list `name` of `members`.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn define_named_variable_list(
        &self,
        name: ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), MmsError> {
        let items = calls::named(members);
        self.request(calls::define_list(name, &items))?;
        Ok(())
    }

    /// Delete the named variable list `name`; true if it was deleted.
    ///
    /// # Errors
    /// As [`request`](Self::request); [`MmsError::UnexpectedAnswer`].
    pub fn delete_named_variable_list(&self, name: ObjectName<'_>) -> Result<bool, MmsError> {
        let names = [name];
        let r = self.request(calls::delete_lists(&names))?;
        Ok(calls::deleted(&r)? == 1)
    }

    /// The type of a named variable (GetVariableAccessAttributes), as the response.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn variable_type(&self, name: ObjectName<'_>) -> Result<Response, MmsError> {
        self.request(calls::variable_type(name))
    }

    /// Send an unconfirmed PDU (InformationReport, UnsolicitedStatus).
    ///
    /// # Errors
    /// [`MmsError::Local`] unless associated or if the transmit queue is full.
    pub fn send_unconfirmed(&self, service: UnconfirmedService<'_>) -> Result<(), MmsError> {
        self.wake(self.shared.link.send_unconfirmed(service))
    }

    /// Send an already encoded unconfirmed MMS PDU (an InformationReport encoded once for
    /// many associations) as it is; it is checked by decoding it.
    ///
    /// # Errors
    /// [`MmsError::Local`]: [`AssocError::InvalidPdu`](mms_pdu::association::AssocError::InvalidPdu)
    /// unless `pdu` is one unconfirmed-PDU, or not associated, too large, or the transmit
    /// queue is full.
    pub fn send_unconfirmed_pdu(&self, pdu: &[u8]) -> Result<(), MmsError> {
        self.wake(self.shared.link.send_unconfirmed_pdu(pdu))
    }

    /// Conclude and release; waits (bounded by `timeout`) until the association is closed.
    ///
    /// # Errors
    /// [`MmsError::Local`] (e.g. requests outstanding); [`MmsError::Failed`] if the peer
    /// did not finish within `timeout` (the association is then aborted).
    pub fn conclude(&self, timeout: Duration) -> Result<CloseReason, MmsError> {
        self.wake(self.shared.link.conclude())?;
        let start = std::time::Instant::now();
        let deadline = start.checked_add(timeout).unwrap_or(start);
        loop {
            if let Some(r) = self.shared.link.closed() {
                return Ok(r);
            }
            if std::time::Instant::now() >= deadline {
                self.abort();
                return Err(MmsError::Failed(FailReason::Timeout));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Abort the association (ACSE A-ABORT); outstanding requests fail.
    pub fn abort(&self) {
        self.shared.link.abort();
        self.shared.wake();
    }

    /// This association's id: unique within the process (servers' and clients'
    /// associations draw from one counter), the `association` the [`Directory`] hears.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.shared.link.id()
    }

    /// Whether the association has ended.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.shared.link.closed().is_some()
    }
}

/// An MMS client (initiator) on threads. It can also answer the peer's
/// requests from a [`Directory`] given to [`MmsClient::connect_serving`].
#[derive(Debug)]
pub struct MmsClient {
    association: MmsAssociation,
    events: mpsc::Receiver<MmsEvent>,
    task: Option<JoinHandle<()>>,
    /// What TLS negotiated (set by the IO thread once the handshake completed; never set
    /// for plain TCP).
    tls: Option<SessionSlot>,
}

impl MmsClient {
    /// Connect and associate (bounded by `config.connect_timeout`).
    ///
    /// # Errors
    /// [`MmsError::Io`], [`MmsError::NotAssociated`].
    pub fn connect(
        addr: impl ToSocketAddrs,
        config: Config<'static>,
    ) -> Result<MmsClient, MmsError> {
        Self::connect_serving(addr, config, None)
    }

    /// As [`connect`](Self::connect), answering the peer's requests from `directory`.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub fn connect_serving(
        addr: impl ToSocketAddrs,
        config: Config<'static>,
        directory: Option<Arc<dyn Directory + Send + Sync>>,
    ) -> Result<MmsClient, MmsError> {
        let stream = tcp(addr, config.connect_timeout)?;
        Self::associate(Stream::Plain(stream), config, directory, None)
    }

    /// As [`connect`](Self::connect), over TLS (IEC 62351-4 / -3; by convention port 3782):
    /// the TLS handshake, within [`TlsConfig::handshake_timeout`], presents the own
    /// certificate of `tls` and verifies the server's against it (with a CA, the server's
    /// certificate must be valid for `server_name`, a DNS name or an IP address), then the
    /// association is made over it. A later call with the same `tls` (or a clone) resumes
    /// the TLS session when the server agrees ([`TlsConfig::client_config`] keeps the
    /// sessions per own certificate and trust in [`TlsConfig::sessions`]).
    ///
    /// # Errors
    /// [`TlsConnectError::Config`] if `tls` cannot be turned into a rustls configuration,
    /// [`TlsConnectError::Refused`] if the handshake fails (or the server closes the TLS
    /// connection with an error before its first octet: it refused our certificate),
    /// [`TlsConnectError::Protocol`] as [`connect`](Self::connect).
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        config: Config<'static>,
        tls: &TlsConfig,
        server_name: ServerName<'static>,
    ) -> Result<MmsClient, TlsConnectError<MmsError>> {
        Self::connect_tls_serving(addr, config, tls, server_name, None)
    }

    /// As [`connect_tls`](Self::connect_tls), answering the peer's requests from
    /// `directory`.
    ///
    /// # Errors
    /// As [`connect_tls`](Self::connect_tls).
    pub fn connect_tls_serving(
        addr: impl ToSocketAddrs,
        config: Config<'static>,
        tls: &TlsConfig,
        server_name: ServerName<'static>,
        directory: Option<Arc<dyn Directory + Send + Sync>>,
    ) -> Result<MmsClient, TlsConnectError<MmsError>> {
        let rustls_config = tls.client_config().map_err(TlsConnectError::Config)?;
        let conn = rustls::ClientConnection::new(rustls_config, server_name)
            .map_err(|_| TlsConnectError::Refused(telecontrol_tls::TlsRefusal::Other))?;
        let stream = tcp(addr, config.connect_timeout).map_err(TlsConnectError::Protocol)?;
        let slot: RefusalSlot = Arc::new(OnceLock::new());
        let handshake = Handshake {
            timeout: tls.handshake_timeout,
            counters: None,
            peer: stream.peer_addr().ok(),
            refusal: Some(Arc::clone(&slot)),
            session: Some(Arc::new(OnceLock::new())),
        };
        let stream = Stream::tls(stream, conn);
        Self::associate(stream, config, directory, Some(handshake)).map_err(|e| {
            slot.get().map_or(TlsConnectError::Protocol(e), |r| {
                TlsConnectError::Refused(*r)
            })
        })
    }

    /// Associate over a connected `stream` (its TLS handshake first, if any).
    fn associate(
        stream: Stream,
        config: Config<'static>,
        directory: Option<Arc<dyn Directory + Send + Sync>>,
        handshake: Option<Handshake>,
    ) -> Result<MmsClient, MmsError> {
        let io = |e: std::io::Error| MmsError::Io(e.kind());
        let timeout = config.connect_timeout;
        let tls = handshake.as_ref().and_then(|h| h.session.clone());
        let margin = handshake
            .as_ref()
            .map_or(timeout, |h| h.timeout.saturating_add(timeout));
        let link = Link::new(Role::Initiator, config).map_err(MmsError::Local)?;
        let (shared, poll) = Shared::new(link).map_err(io)?;
        let (etx, events) = mpsc::channel();
        let (atx, arx) = mpsc::channel();
        shared.link.set_events(Box::new(move |e| {
            let _ = etx.send(e);
        }));
        shared.link.connect(Box::new(move |r| {
            let _ = atx.send(r);
        }))?;
        let driven = Arc::clone(&shared);
        let task = std::thread::spawn(move || {
            let serving = Serving {
                directory,
                authorize: None,
            };
            conn::drive(stream, poll, driven, serving, handshake);
        });
        let association = MmsAssociation { shared };
        match arx.recv_timeout(margin.saturating_add(Duration::from_secs(1))) {
            Ok(Ok(())) => Ok(MmsClient {
                association,
                events,
                task: Some(task),
                tls,
            }),
            Ok(Err(reason)) => Err(MmsError::NotAssociated(reason)),
            Err(_) => {
                association.abort();
                Err(MmsError::NotAssociated(CloseReason::Timeout))
            }
        }
    }

    /// The association (requests, unconfirmed PDUs, conclude, abort).
    #[must_use]
    pub fn association(&self) -> &MmsAssociation {
        &self.association
    }

    /// What the TLS connection negotiated (version, cipher suite, resumed or not, the
    /// server certificate's fingerprint); `None` for a client over plain TCP.
    #[must_use]
    pub fn tls_session(&self) -> Option<TlsSession> {
        self.tls.as_ref().and_then(|s| s.get().copied())
    }

    /// This client's TLS handshake in the servers' [`TlsStats`]: one full or one resumed
    /// handshake, nothing refused (a refused handshake fails the connect instead:
    /// [`TlsConnectError::Refused`]); `None` for a client over plain TCP.
    #[must_use]
    pub fn tls_stats(&self) -> Option<TlsStats> {
        self.tls_session().as_ref().map(TlsSession::stats)
    }

    /// The next event (InformationReport, close); `None` once the association task ended.
    pub fn next_event(&mut self) -> Option<MmsEvent> {
        self.events.recv().ok()
    }

    /// The next event, waiting at most `timeout`.
    pub fn next_event_timeout(&mut self, timeout: Duration) -> Option<MmsEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Wait until the connection task has ended (after a conclude or an abort).
    pub fn closed(mut self) {
        if let Some(t) = self.task.take() {
            let _ = t.join();
        }
    }
}

impl std::ops::Deref for MmsClient {
    type Target = MmsAssociation;
    fn deref(&self) -> &MmsAssociation {
        &self.association
    }
}

impl Drop for MmsClient {
    fn drop(&mut self) {
        if !self.association.is_closed() {
            self.association.abort();
        }
    }
}

/// A non-blocking TCP connection to `addr` within `timeout`.
fn tcp(addr: impl ToSocketAddrs, timeout: Duration) -> Result<mio::net::TcpStream, MmsError> {
    let io = |e: std::io::Error| MmsError::Io(e.kind());
    let target = addr
        .to_socket_addrs()
        .map_err(io)?
        .next()
        .ok_or(MmsError::Io(std::io::ErrorKind::AddrNotAvailable))?;
    let stream = TcpStream::connect_timeout(&target, timeout).map_err(io)?;
    stream.set_nonblocking(true).map_err(io)?;
    Ok(mio::net::TcpStream::from_std(stream))
}
