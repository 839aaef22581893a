//! MMS on threads (blocking): [`MmsClient`] (an initiator) and [`MmsServer`] (a responder answering from
//! an application's [`Directory`]), each association driven by one thread over the sans-IO
//! [`Association`](mms_pdu::association::Association). The association sits
//! behind a `std::sync::Mutex` held only for core calls, never while the directory runs.

mod conn;

/// The MMS core this adapter drives (PDUs, association, server directory).
pub use mms_pdu;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mms_pdu::association::{CloseReason, Config, FailReason, Role};
use mms_pdu::mms::{
    ConfirmedServiceRequest, ConfirmedServiceResponse, Data, DefineNamedVariableListRequest,
    DeleteNamedVariableListRequest, ErrorClass, ExtendedObjectClass, GetNameListRequest,
    GetVariableAccessAttributesRequest, Identifier, MmsPdu, ObjectClass, ObjectName, ObjectScope,
    ReadRequest, SeqOf, UnconfirmedService, VariableAccessSpecification, VariableListItem,
    WriteRequest, WriteResult,
};
use mms_pdu::server::Directory;
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread::JoinHandle;
use telecontrol_core::Decode;

use conn::{Answer, Shared};
pub use conn::{Authorize, MmsEvent};

/// Why an MMS call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MmsError {
    /// The TCP connection failed (the `std::io::ErrorKind`).
    Io(std::io::ErrorKind),
    /// The association could not be made (refused, closed, timed out).
    NotAssociated(CloseReason),
    /// The core refused the call (wrong state, too many outstanding, PDU too large).
    Local(mms_pdu::association::AssocError),
    /// The peer answered with a ServiceError.
    Service(ErrorClass),
    /// The request failed without an answer (timeout, reject, association closed).
    Failed(FailReason),
    /// The answer was not the response to the service asked.
    UnexpectedAnswer,
}

impl std::fmt::Display for MmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MmsError::Io(k) => write!(f, "connection failed: {k}"),
            MmsError::NotAssociated(r) => write!(f, "not associated: {r:?}"),
            MmsError::Local(e) => write!(f, "request not sent: {e}"),
            MmsError::Service(c) => write!(f, "service error {c:?}"),
            MmsError::Failed(r) => write!(f, "request failed: {r:?}"),
            MmsError::UnexpectedAnswer => f.write_str("unexpected answer"),
        }
    }
}

impl std::error::Error for MmsError {}

/// A confirmed response as received: the whole encoded MMS PDU, decoded on demand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response(Vec<u8>);

impl Response {
    /// The decoded service response (borrowing these octets).
    #[must_use]
    pub fn service(&self) -> Option<ConfirmedServiceResponse<'_>> {
        match MmsPdu::decode(&self.0) {
            Ok(MmsPdu::ConfirmedResponse(r)) => Some(r.service),
            _ => None,
        }
    }

    /// The encoded MMS PDU.
    #[must_use]
    pub fn pdu(&self) -> &[u8] {
        &self.0
    }
}

/// Common to both ends: requests, reports, conclude, abort on one association.
#[derive(Clone)]
pub struct MmsAssociation {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MmsAssociation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmsAssociation")
            .field("id", &self.shared.id)
            .finish()
    }
}

impl MmsAssociation {
    /// Send a confirmed request and wait for its answer (the core's request timeout bounds
    /// the wait).
    ///
    /// # Errors
    /// [`MmsError::Local`], [`MmsError::Service`], [`MmsError::Failed`].
    pub fn request(&self, service: ConfirmedServiceRequest<'_>) -> Result<Response, MmsError> {
        let (tx, rx) = mpsc::channel();
        {
            let now = self.shared.now();
            let mut inner = self.shared.lock();
            if let Some(reason) = inner.closed {
                return Err(MmsError::Failed(FailReason::Closed(reason)));
            }
            let id = inner.assoc.request(now, service).map_err(MmsError::Local)?;
            inner.pending.insert(id, tx);
        }
        self.shared.flush();
        match rx.recv() {
            Ok(Answer::Response(pdu)) => Ok(Response(pdu)),
            Ok(Answer::Error(c)) => Err(MmsError::Service(c)),
            Ok(Answer::Failed(r)) => Err(MmsError::Failed(r)),
            Err(_) => Err(MmsError::Failed(FailReason::Closed(
                CloseReason::LocalAbort,
            ))),
        }
    }

    /// Identify: (vendor, model, revision), Latin-1 read as UTF-8 lossily.
    ///
    /// # Errors
    /// As [`request`](Self::request); [`MmsError::UnexpectedAnswer`].
    pub fn identify(&self) -> Result<(String, String, String), MmsError> {
        let r = self.request(ConfirmedServiceRequest::Identify)?;
        match r.service() {
            Some(ConfirmedServiceResponse::Identify(i)) => Ok((
                String::from_utf8_lossy(i.vendor).into_owned(),
                String::from_utf8_lossy(i.model).into_owned(),
                String::from_utf8_lossy(i.revision).into_owned(),
            )),
            _ => Err(MmsError::UnexpectedAnswer),
        }
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
        let mut names: Vec<String> = Vec::new();
        loop {
            let last = names.last().cloned();
            let continue_after = last.as_deref().and_then(Identifier::new);
            let r = self.request(ConfirmedServiceRequest::GetNameList(GetNameListRequest {
                object_class: ExtendedObjectClass::Basic(class),
                object_scope: scope,
                continue_after,
            }))?;
            let Some(ConfirmedServiceResponse::GetNameList(l)) = r.service() else {
                return Err(MmsError::UnexpectedAnswer);
            };
            let before = names.len();
            names.extend(l.identifiers.iter().map(|i| i.as_str().to_owned()));
            if !l.more_follows() || names.len() == before {
                return Ok(names);
            }
        }
    }

    /// Read the named variables; the response's `results` are one per name.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn read(&self, names: &[ObjectName<'_>]) -> Result<Response, MmsError> {
        let items: Vec<VariableListItem<'_>> =
            names.iter().map(|n| VariableListItem::named(*n)).collect();
        self.request(ConfirmedServiceRequest::Read(ReadRequest {
            specification_with_result: None,
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&items),
            ),
        }))
    }

    /// Read a named variable list.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn read_list(&self, list: ObjectName<'_>) -> Result<Response, MmsError> {
        self.request(ConfirmedServiceRequest::Read(ReadRequest {
            specification_with_result: None,
            variable_access_specification: VariableAccessSpecification::VariableListName(list),
        }))
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
        let items: Vec<VariableListItem<'_>> =
            names.iter().map(|n| VariableListItem::named(*n)).collect();
        let r = self.request(ConfirmedServiceRequest::Write(WriteRequest {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&items),
            ),
            data: SeqOf::from_slice(values),
        }))?;
        match r.service() {
            Some(ConfirmedServiceResponse::Write(w)) => Ok(w.iter().collect()),
            _ => Err(MmsError::UnexpectedAnswer),
        }
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
        let items: Vec<VariableListItem<'_>> = members
            .iter()
            .map(|n| VariableListItem::named(*n))
            .collect();
        self.request(ConfirmedServiceRequest::DefineNamedVariableList(
            DefineNamedVariableListRequest {
                name,
                variables: SeqOf::from_slice(&items),
            },
        ))
        .map(|_| ())
    }

    /// Delete the named variable list `name`; true if it was deleted.
    ///
    /// # Errors
    /// As [`request`](Self::request); [`MmsError::UnexpectedAnswer`].
    pub fn delete_named_variable_list(&self, name: ObjectName<'_>) -> Result<bool, MmsError> {
        let names = [name];
        let r = self.request(ConfirmedServiceRequest::DeleteNamedVariableList(
            DeleteNamedVariableListRequest {
                scope: None,
                names: Some(SeqOf::from_slice(&names)),
                domain: None,
            },
        ))?;
        match r.service() {
            Some(ConfirmedServiceResponse::DeleteNamedVariableList(d)) => Ok(d.number_deleted == 1),
            _ => Err(MmsError::UnexpectedAnswer),
        }
    }

    /// The type of a named variable (GetVariableAccessAttributes), as the response.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn variable_type(&self, name: ObjectName<'_>) -> Result<Response, MmsError> {
        self.request(ConfirmedServiceRequest::GetVariableAccessAttributes(
            GetVariableAccessAttributesRequest::Name(name),
        ))
    }

    /// Send an unconfirmed PDU (InformationReport, UnsolicitedStatus).
    ///
    /// # Errors
    /// [`MmsError::Local`] unless associated or if the transmit queue is full.
    pub fn send_unconfirmed(&self, service: UnconfirmedService<'_>) -> Result<(), MmsError> {
        self.shared
            .lock()
            .assoc
            .send_unconfirmed(service)
            .map_err(MmsError::Local)?;
        self.shared.flush();
        Ok(())
    }

    /// Send an already encoded unconfirmed MMS PDU (an InformationReport encoded once for
    /// many associations) as it is; it is checked by decoding it.
    ///
    /// # Errors
    /// [`MmsError::Local`]: [`AssocError::InvalidPdu`](mms_pdu::association::AssocError::InvalidPdu)
    /// unless `pdu` is one unconfirmed-PDU, or not associated, too large, or the transmit
    /// queue is full.
    pub fn send_unconfirmed_pdu(&self, pdu: &[u8]) -> Result<(), MmsError> {
        self.shared
            .lock()
            .assoc
            .send_unconfirmed_pdu(pdu)
            .map_err(MmsError::Local)?;
        self.shared.flush();
        Ok(())
    }

    /// Conclude and release; waits (bounded by `timeout`) until the association is closed.
    ///
    /// # Errors
    /// [`MmsError::Local`] (e.g. requests outstanding); [`MmsError::Failed`] if the peer
    /// did not finish within `timeout` (the association is then aborted).
    pub fn conclude(&self, timeout: Duration) -> Result<CloseReason, MmsError> {
        {
            let now = self.shared.now();
            self.shared
                .lock()
                .assoc
                .conclude(now)
                .map_err(MmsError::Local)?;
        }
        self.shared.flush();
        let start = std::time::Instant::now();
        let deadline = start.checked_add(timeout).unwrap_or(start);
        loop {
            if let Some(r) = self.shared.lock().closed {
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
        let now = self.shared.now();
        self.shared.lock().assoc.abort(now);
        self.shared.flush();
    }

    /// This association's id: unique within the process (servers' and clients'
    /// associations draw from one counter), the `association` the [`Directory`] hears.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// Whether the association has ended.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed.is_some()
    }
}

/// An MMS client (initiator) on threads. It can also answer the peer's
/// requests from a [`Directory`] given to [`MmsClient::connect_serving`].
#[derive(Debug)]
pub struct MmsClient {
    association: MmsAssociation,
    events: mpsc::Receiver<MmsEvent>,
    task: Option<JoinHandle<()>>,
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
        let timeout = config.connect_timeout;
        let target = addr
            .to_socket_addrs()
            .map_err(|e| MmsError::Io(e.kind()))?
            .next()
            .ok_or(MmsError::Io(std::io::ErrorKind::AddrNotAvailable))?;
        let stream =
            TcpStream::connect_timeout(&target, timeout).map_err(|e| MmsError::Io(e.kind()))?;
        let assoc = Box::new(Assoc::new(Role::Initiator, config).map_err(MmsError::Local)?);
        let shared = Shared::new(assoc, conn::next_id());
        let (etx, events) = mpsc::channel();
        let (atx, arx) = mpsc::channel();
        {
            let now = shared.now();
            let mut inner = shared.lock();
            inner.events = Some(Box::new(move |e| {
                let _ = etx.send(e);
            }));
            inner.associated = Some(atx);
            inner.assoc.connect(now).map_err(MmsError::Local)?;
        }
        let driven = Arc::clone(&shared);
        let task = std::thread::spawn(move || conn::drive(stream, driven, directory, None));
        let association = MmsAssociation { shared };
        let margin = timeout.saturating_add(Duration::from_secs(1));
        match arx.recv_timeout(margin) {
            Ok(Ok(())) => Ok(MmsClient {
                association,
                events,
                task: Some(task),
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

use conn::Assoc;

/// An MMS server (responder) on threads: one task per association,
/// requests answered from the [`Directory`].
pub struct MmsServer {
    local_addr: SocketAddr,
    events: mpsc::Receiver<(u64, MmsEvent)>,
    associations: Arc<std::sync::Mutex<Vec<MmsAssociation>>>,
    stop: Arc<AtomicBool>,
    accept: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for MmsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmsServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// Events an [`MmsServer`] keeps for [`MmsServer`]'s `next_event` before dropping more.
pub const SERVER_EVENTS: usize = 256;

/// Server settings.
#[derive(Clone)]
pub struct MmsServerConfig {
    /// The association parameters offered.
    pub association: Config<'static>,
    /// Decides on each association attempt (AP-title, AE-qualifier, password); `None`
    /// accepts all.
    pub authorize: Option<Arc<Authorize>>,
}

impl std::fmt::Debug for MmsServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmsServerConfig")
            .field("association", &self.association)
            .finish_non_exhaustive()
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
        let listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let associations = Arc::new(std::sync::Mutex::new(Vec::<MmsAssociation>::new()));
        let list = Arc::clone(&associations);
        let (etx, events) = mpsc::sync_channel::<(u64, MmsEvent)>(SERVER_EVENTS);
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let accept = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                let stream = match listener.accept() {
                    Ok((s, _)) => s,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                    Err(_) => break,
                };
                let _ = stream.set_nonblocking(false);
                let Ok(assoc) = Assoc::new(Role::Responder, config.association) else {
                    continue;
                };
                let id = conn::next_id();
                let shared = Shared::new(Box::new(assoc), id);
                let tx = etx.clone();
                shared.lock().events = Some(Box::new(move |e| {
                    let _ = tx.try_send((id, e));
                }));
                if let Ok(mut l) = list.lock() {
                    l.retain(|a| !a.is_closed());
                    l.push(MmsAssociation {
                        shared: Arc::clone(&shared),
                    });
                }
                let dir = Some(Arc::clone(&directory));
                let auth = config.authorize.clone();
                std::thread::spawn(move || conn::drive(stream, shared, dir, auth));
            }
        });
        Ok(MmsServer {
            local_addr,
            events,
            associations,
            stop,
            accept: std::sync::Mutex::new(Some(accept)),
        })
    }

    /// The next event of any association, waiting at most `timeout`: an unconfirmed PDU a
    /// client sent (an InformationReport), or an association's close, with the
    /// association's id. Events beyond [`SERVER_EVENTS`] not yet taken are dropped.
    pub fn next_event_timeout(&self, timeout: Duration) -> Option<(u64, MmsEvent)> {
        self.events.recv_timeout(timeout).ok()
    }

    /// The address listened on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The open associations.
    #[must_use]
    pub fn associations(&self) -> Vec<MmsAssociation> {
        self.associations
            .lock()
            .map(|l| l.iter().filter(|a| !a.is_closed()).cloned().collect())
            .unwrap_or_default()
    }

    /// The open association with this id (see [`MmsAssociation::id`]).
    #[must_use]
    pub fn association(&self, id: u64) -> Option<MmsAssociation> {
        self.associations
            .lock()
            .ok()
            .and_then(|l| l.iter().find(|a| a.id() == id && !a.is_closed()).cloned())
    }

    /// Send an unconfirmed PDU (an InformationReport) to every associated peer; returns
    /// how many were sent.
    pub fn report(&self, service: UnconfirmedService<'_>) -> usize {
        self.associations()
            .iter()
            .filter(|a| a.send_unconfirmed(service).is_ok())
            .count()
    }

    /// Stop accepting and abort every association.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::Relaxed);
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
