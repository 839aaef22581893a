//! The client's configuration, error and event types.

use mms_pdu::association::{CloseReason, Config};
use tase2_transfer_sets::client::{ClientError, Tase2Message, Tase2Report};
use tase2_transfer_sets::objects::Tase2Version;
use tase2_transfer_sets::station::StationError;

use crate::mms::MmsError;

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

impl std::fmt::Display for Tase2ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tase2ClientError::Mms(e) => write!(f, "MMS: {e}"),
            Tase2ClientError::Client(e) => write!(f, "TASE.2: {e}"),
            Tase2ClientError::Station(e) => write!(f, "station: {e}"),
        }
    }
}

impl std::error::Error for Tase2ClientError {}

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
