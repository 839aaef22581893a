//! What a TASE.2 client adapter keeps between its IO calls (feature `std`): the
//! configuration, error and event types both runtime adapters expose, and
//! [`ClientSession`], the state of one client association (the association check's result,
//! the [`ReportTracker`], events put aside while waiting for another, our own station when
//! serving). The procedures themselves are in [`Procedure`](super::Procedure); an adapter
//! only sends their requests, receives the answers and the unconfirmed PDUs.

use core::fmt;
use core::ops::ControlFlow;
use std::borrow::ToOwned;
use std::collections::VecDeque;
use std::string::String;
use std::sync::Arc;
use std::vec;
use std::vec::Vec;

use mms_pdu::association::{CloseReason, Config};
use mms_pdu::driver::{MmsError, MmsEvent, Response};
use mms_pdu::mms::{ConfirmedServiceResponse, MmsPdu, UnconfirmedService};
use telecontrol_core::Decode;

use super::{
    ClientError, PeerCheck, PointName, Received, ReportTracker, Tase2Message, Tase2Report,
    encode_message,
};
use crate::objects::Tase2Version;
use crate::station::{PointId, StationError, Tase2Station, WakingDirectory};
use crate::{InfoMessHeader, Value};

/// How to reach and check a TASE.2 server.
#[derive(Clone, Debug)]
pub struct Tase2ClientConfig {
    /// The association: our AP-title / AE-qualifier / selectors / password (`local`,
    /// `password`), the server's addresses (`peer`), PDU sizes and timeouts.
    pub association: Config<'static>,
    /// The ICC domain the bilateral table gives us.
    pub icc_domain: String,
    /// The `Bilateral_Table_ID` agreed; `None` accepts any.
    pub table_id: Option<String>,
    /// Editions accepted (`TASE2_Version`); empty accepts any.
    pub versions: Vec<Tase2Version>,
    /// Conformance blocks the server must announce in `Supported_Features`.
    pub blocks: Vec<u8>,
}

impl Tase2ClientConfig {
    /// Default association parameters, ICC `icc_domain`, any table id, editions 2000-08
    /// and 1996-08, block 1 required.
    #[must_use]
    pub fn new(icc_domain: &str) -> Self {
        Tase2ClientConfig {
            association: Config::DEFAULT,
            icc_domain: icc_domain.to_owned(),
            table_id: None,
            versions: vec![Tase2Version::EDITION_2000_08, Tase2Version::EDITION_1996_08],
            blocks: vec![1],
        }
    }
}

/// Why a TASE.2 client call failed.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Tase2ClientError {
    /// The MMS layer failed (connection, association, timeout, ServiceError).
    Mms(MmsError),
    /// The server's answer is not what the procedure expects, or refuses it (access
    /// denied, version / features / table id mismatch, ...).
    Client(ClientError),
    /// Our own station (serving on the association) refused the call.
    Station(StationError),
}

impl From<MmsError> for Tase2ClientError {
    fn from(e: MmsError) -> Self {
        Tase2ClientError::Mms(e)
    }
}

impl From<ClientError> for Tase2ClientError {
    fn from(e: ClientError) -> Self {
        Tase2ClientError::Client(e)
    }
}

impl fmt::Display for Tase2ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tase2ClientError::Mms(e) => write!(f, "MMS: {e}"),
            Tase2ClientError::Client(e) => write!(f, "TASE.2: {e}"),
            Tase2ClientError::Station(e) => write!(f, "station: {e}"),
        }
    }
}

impl core::error::Error for Tase2ClientError {}

/// The service response of an answer.
///
/// # Errors
/// [`MmsError::UnexpectedAnswer`] if it is not a confirmed response.
pub fn service_response(r: &Response) -> Result<ConfirmedServiceResponse<'_>, Tase2ClientError> {
    r.service()
        .ok_or(Tase2ClientError::Mms(MmsError::UnexpectedAnswer))
}

/// The service of an encoded unconfirmed PDU (to send it).
///
/// # Errors
/// [`MmsError::UnexpectedAnswer`] if `pdu` is not an unconfirmed MMS PDU.
pub fn unconfirmed_service(pdu: &[u8]) -> Result<UnconfirmedService<'_>, Tase2ClientError> {
    match MmsPdu::decode(pdu) {
        Ok(MmsPdu::Unconfirmed(svc)) => Ok(svc),
        _ => Err(Tase2ClientError::Mms(MmsError::UnexpectedAnswer)),
    }
}

/// What the server sent on its own.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Tase2ClientEvent {
    /// A transfer report (already acknowledged if critical).
    Report(Tase2Report),
    /// An information message.
    Message(Tase2Message),
    /// Another unconfirmed PDU (an acknowledgement meant for our server role, a report of
    /// an unknown data set), as received.
    Other(Vec<u8>),
    /// The association ended.
    Closed(CloseReason),
}

impl Tase2ClientEvent {
    /// Whether this is a [`Report`](Self::Report).
    #[must_use]
    pub fn is_report(&self) -> bool {
        matches!(self, Tase2ClientEvent::Report(_))
    }

    /// Whether this is a [`Message`](Self::Message).
    #[must_use]
    pub fn is_message(&self) -> bool {
        matches!(self, Tase2ClientEvent::Message(_))
    }

    /// The report, if this is one.
    #[must_use]
    pub fn into_report(self) -> Option<Tase2Report> {
        match self {
            Tase2ClientEvent::Report(r) => Some(r),
            _ => None,
        }
    }

    /// The message, if this is one.
    #[must_use]
    pub fn into_message(self) -> Option<Tase2Message> {
        match self {
            Tase2ClientEvent::Message(m) => Some(m),
            _ => None,
        }
    }
}

/// Most events a [`ClientSession`] puts aside while the application waits for another
/// kind (e.g. information messages while it reads only reports); beyond it the oldest is
/// dropped and counted ([`ClientSession::set_aside_dropped`]): a server cannot grow a
/// client's memory through the kind the application does not read.
pub const SET_ASIDE: usize = 4096;

/// The state of one checked TASE.2 client association.
///
/// Driving it (what an adapter does): run the [`IdentityCheck`](super::IdentityCheck)
/// procedure after associating and make the session of its [`PeerCheck`]; run the other
/// procedures on it; hand every unconfirmed PDU received to
/// [`handle`](Self::handle); answer `next_event` from
/// [`next_queued`](Self::next_queued) before receiving, and `next_report` /
/// `next_message` from [`take_queued`](Self::take_queued) and [`sift`](Self::sift).
#[derive(Debug)]
pub struct ClientSession {
    pub(super) icc: String,
    peer: PeerCheck,
    pub(super) tracker: ReportTracker,
    queued: VecDeque<Tase2ClientEvent>,
    dropped: u64,
    acknowledged: u64,
    serving: Option<Arc<WakingDirectory>>,
}

impl ClientSession {
    /// The session of a client of ICC `icc_domain` whose association check found `peer`;
    /// `serving`: our own station serving the same association.
    #[must_use]
    pub fn new(icc_domain: String, peer: PeerCheck, serving: Option<Arc<WakingDirectory>>) -> Self {
        ClientSession {
            icc: icc_domain,
            peer,
            tracker: ReportTracker::new(),
            queued: VecDeque::new(),
            dropped: 0,
            acknowledged: 0,
            serving,
        }
    }

    /// What the association check found (version, features, table id).
    #[must_use]
    pub fn peer(&self) -> &PeerCheck {
        &self.peer
    }

    /// Our ICC domain.
    #[must_use]
    pub fn icc_domain(&self) -> &str {
        &self.icc
    }

    /// The client's memory of data sets, point types and transfer sets.
    #[must_use]
    pub fn tracker(&self) -> &ReportTracker {
        &self.tracker
    }

    /// Critical reports acknowledged so far.
    #[must_use]
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged
    }

    /// Events put aside and then dropped because [`SET_ASIDE`] others waited (the
    /// application waited for one kind while the server sent many of another).
    #[must_use]
    pub fn set_aside_dropped(&self) -> u64 {
        self.dropped
    }

    /// A name in our ICC domain.
    #[must_use]
    pub fn icc(&self, item: &str) -> PointName {
        PointName::icc(&self.icc, item)
    }

    /// Our station, when serving.
    #[must_use]
    pub fn station(&self) -> Option<&Arc<Tase2Station>> {
        self.serving.as_deref().map(WakingDirectory::station)
    }

    /// Update a point of our station (when serving) and wake its pump.
    ///
    /// # Errors
    /// [`Tase2ClientError::Station`]: not serving, unknown point or wrong type.
    pub fn update(&self, point: PointId, value: Value) -> Result<(), Tase2ClientError> {
        self.serving
            .as_ref()
            .ok_or(StationError::Unknown { what: "station" })
            .and_then(|s| s.update(point, value))
            .map_err(Tase2ClientError::Station)
    }

    /// The encoded information message `text` to send to the server, in our ICC domain
    /// (`icc` true) or VMD scope; `header.size` is set to the text's length.
    ///
    /// # Errors
    /// [`ClientError::MessageSize`] for an oversized text.
    pub fn message(
        &self,
        icc: bool,
        header: InfoMessHeader,
        text: &[u8],
    ) -> Result<Vec<u8>, ClientError> {
        encode_message(icc.then_some(self.icc.as_str()), header, text)
    }

    /// An MMS event of `association`: the end of the association, or an unconfirmed PDU:
    /// a typed report, whose acknowledgement (a critical one's) is handed to `send_ack`
    /// first (counted when it returns true), a message, or another PDU, which also goes
    /// to our station when serving (the acknowledgements of its own reports).
    pub fn handle(
        &mut self,
        association: u64,
        event: MmsEvent,
        send_ack: impl FnOnce(&[u8]) -> bool,
    ) -> Tase2ClientEvent {
        let pdu = match event {
            MmsEvent::Unconfirmed(pdu) => pdu,
            MmsEvent::Closed(r) => return Tase2ClientEvent::Closed(r),
        };
        match self.tracker.handle_unconfirmed(&pdu) {
            Ok(Received::Report { report, ack }) => {
                if ack.is_some_and(|a| send_ack(&a)) {
                    self.acknowledged = self.acknowledged.saturating_add(1);
                }
                Tase2ClientEvent::Report(report)
            }
            Ok(Received::Message(m)) => Tase2ClientEvent::Message(m),
            _ => {
                if let Some(s) = &self.serving {
                    s.handle_pdu(association, &pdu);
                }
                Tase2ClientEvent::Other(pdu)
            }
        }
    }

    /// The oldest event put aside, if any.
    pub fn next_queued(&mut self) -> Option<Tase2ClientEvent> {
        self.queued.pop_front()
    }

    /// The oldest event put aside that `pick` wants, if any.
    pub fn take_queued(&mut self, pick: fn(&Tase2ClientEvent) -> bool) -> Option<Tase2ClientEvent> {
        let i = self.queued.iter().position(pick)?;
        self.queued.remove(i)
    }

    /// A received event while waiting for one `pick` wants: `Break(Some(event))` when it
    /// is one, `Break(None)` when the association ended (the event is put aside),
    /// `Continue` when it was put aside and the wait goes on. At most [`SET_ASIDE`] events
    /// wait; putting one more aside drops the oldest (counted).
    pub fn sift(
        &mut self,
        event: Tase2ClientEvent,
        pick: fn(&Tase2ClientEvent) -> bool,
    ) -> ControlFlow<Option<Tase2ClientEvent>> {
        if pick(&event) {
            return ControlFlow::Break(Some(event));
        }
        let closed = matches!(event, Tase2ClientEvent::Closed(_));
        if self.queued.len() >= SET_ASIDE && self.queued.pop_front().is_some() {
            self.dropped = self.dropped.saturating_add(1);
        }
        self.queued.push_back(event);
        if closed {
            ControlFlow::Break(None)
        } else {
            ControlFlow::Continue(())
        }
    }
}
