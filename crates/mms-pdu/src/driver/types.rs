//! The owned types around a [`Link`]: errors, answers, events, server settings, the
//! association registry.

extern crate std;

use std::boxed::Box;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use core::fmt;

use telecontrol_core::Decode;
use telecontrol_core::admission::{DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, Limits};

use super::{Authorize, Link, SharedDirectory};
use crate::association::{AssocError, CloseReason, Config, FailReason};
use crate::mms::{ConfirmedServiceResponse, ErrorClass, MmsPdu};

/// What a connection loop serves the peer from: the directory (none: requests are
/// answered `SERVICE_UNSUPPORTED`) and, for a responder, the adapter's `authorize` check
/// (none: every attempt goes to the directory).
#[derive(Clone, Default)]
pub struct Serving {
    /// The directory.
    pub directory: Option<Arc<SharedDirectory>>,
    /// The first check of association attempts.
    pub authorize: Option<Arc<Authorize>>,
}

impl fmt::Debug for Serving {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serving")
            .field("directory", &self.directory.is_some())
            .field("authorize", &self.authorize.is_some())
            .finish()
    }
}

/// Events an adapter's `MmsServer` keeps for its `next_event` before dropping more.
pub const SERVER_EVENTS: usize = 256;

/// Server settings.
#[derive(Clone)]
pub struct MmsServerConfig {
    /// The association parameters offered.
    pub association: Config<'static>,
    /// Decides on each association attempt (AP-title, AE-qualifier, password) before the
    /// directory's `associate`; `None` leaves it to the directory.
    pub authorize: Option<Arc<Authorize>>,
    /// Most connections open at once (TLS handshakes included); further ones are closed on
    /// accept. Default [`DEFAULT_MAX_CONNECTIONS`] (100).
    pub max_connections: usize,
    /// Most connections open at once from one client address (a misbehaving or hostile peer
    /// cannot take every place); further ones are closed on accept. Default
    /// [`DEFAULT_MAX_PER_ADDRESS`] (32).
    pub max_per_address: usize,
    /// If set, only these client addresses are accepted. Default `None` (everyone).
    pub allow: Option<Vec<IpAddr>>,
}

impl MmsServerConfig {
    /// `association` with no `authorize` check and the default admission limits: 100
    /// connections, 32 per client address, every address allowed.
    #[must_use]
    pub fn new(association: Config<'static>) -> Self {
        MmsServerConfig {
            association,
            authorize: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_per_address: DEFAULT_MAX_PER_ADDRESS,
            allow: None,
        }
    }
}

impl Default for MmsServerConfig {
    /// [`MmsServerConfig::new`] with [`Config::DEFAULT`].
    fn default() -> Self {
        MmsServerConfig::new(Config::DEFAULT)
    }
}

impl Limits for MmsServerConfig {
    fn max_connections(&self) -> usize {
        self.max_connections
    }

    fn max_per_address(&self) -> usize {
        self.max_per_address
    }

    fn allows(&self, ip: IpAddr) -> bool {
        self.allow.as_ref().is_none_or(|a| a.contains(&ip))
    }
}

impl fmt::Debug for MmsServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmsServerConfig")
            .field("association", &self.association)
            .field("authorize", &self.authorize.is_some())
            .field("max_connections", &self.max_connections)
            .field("max_per_address", &self.max_per_address)
            .field("allow", &self.allow)
            .finish()
    }
}

/// A server's associations (of the adapter's association type, which shows its
/// [`Link`]); closed ones are forgotten as new ones come.
pub struct Registry<A>(Mutex<Vec<A>>);

impl<A> Default for Registry<A> {
    fn default() -> Self {
        Registry(Mutex::new(Vec::new()))
    }
}

impl<A> fmt::Debug for Registry<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl<A: AsRef<Link> + Clone> Registry<A> {
    fn list(&self) -> MutexGuard<'_, Vec<A>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Add a new association.
    pub fn add(&self, association: A) {
        let mut l = self.list();
        l.retain(|a| a.as_ref().closed().is_none());
        l.push(association);
    }

    /// The open associations.
    #[must_use]
    pub fn open(&self) -> Vec<A> {
        self.list()
            .iter()
            .filter(|a| a.as_ref().closed().is_none())
            .cloned()
            .collect()
    }

    /// The open association with this id.
    #[must_use]
    pub fn find(&self, id: u64) -> Option<A> {
        self.list()
            .iter()
            .find(|a| a.as_ref().id() == id && a.as_ref().closed().is_none())
            .cloned()
    }
}

/// Why an MMS call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MmsError {
    /// The TCP connection failed (the `std::io::ErrorKind`).
    Io(std::io::ErrorKind),
    /// The association could not be made (refused, closed, timed out).
    NotAssociated(CloseReason),
    /// The core refused the call (wrong state, too many outstanding, PDU too large, not an
    /// encoded PDU).
    Local(AssocError),
    /// The peer answered with a ServiceError.
    Service(ErrorClass),
    /// The request failed without an answer (timeout, reject, association closed).
    Failed(FailReason),
    /// The answer was not the response to the service asked.
    UnexpectedAnswer,
}

impl fmt::Display for MmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

impl core::error::Error for MmsError {}

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

/// How one of our confirmed requests ended, as handed to its reply callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The response PDU.
    Response(Vec<u8>),
    /// The peer's ServiceError class.
    Error(ErrorClass),
    /// No answer.
    Failed(FailReason),
}

impl Answer {
    /// The caller's result; `None` (the reply was dropped unanswered) reads as a local
    /// abort.
    ///
    /// # Errors
    /// [`MmsError::Service`], [`MmsError::Failed`].
    pub fn into_result(answer: Option<Answer>) -> Result<Response, MmsError> {
        match answer {
            Some(Answer::Response(pdu)) => Ok(Response(pdu)),
            Some(Answer::Error(c)) => Err(MmsError::Service(c)),
            Some(Answer::Failed(r)) => Err(MmsError::Failed(r)),
            None => Err(MmsError::Failed(FailReason::Closed(
                CloseReason::LocalAbort,
            ))),
        }
    }
}

/// What the association reports to its owner besides answers.
#[derive(Clone, Debug, PartialEq)]
pub enum MmsEvent {
    /// An unconfirmed PDU from the peer (InformationReport, UnsolicitedStatus): the whole
    /// encoded MMS PDU; decode it with [`MmsPdu::decode`].
    Unconfirmed(Vec<u8>),
    /// The association ended.
    Closed(CloseReason),
}

/// Where a request's answer goes (a channel send; never application code).
pub type Reply = Box<dyn FnOnce(Answer) + Send>;
/// Where the owner's events go (a channel send; never application code).
pub type EventSink = Box<dyn Fn(MmsEvent) + Send>;
/// Told once whether the association was made.
pub type OnAssociated = Box<dyn FnOnce(Result<(), CloseReason>) + Send>;
