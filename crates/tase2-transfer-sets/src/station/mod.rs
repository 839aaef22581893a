//! The TASE.2 server application model (feature `std`): a VCC with its points, devices,
//! data sets, information messages and bilateral tables, serving peers as an
//! [`mms_pdu::server::Directory`] and producing transfer reports and information messages
//! as encoded MMS PDUs. Sans-IO: no sockets, no threads; time comes from the clock given at
//! construction (directory calls, updates) and from `now` (polls).
//!
//! Driving it (what an adapter does):
//! 1. Share it as `Arc<Tase2Station>`; serve each association's confirmed requests with
//!    [`mms_pdu::server::answer`] over it (the adapter calls
//!    [`associate`](mms_pdu::server::Directory::associate) before accepting and
//!    [`released`](mms_pdu::server::Directory::released) when an association ends).
//! 2. Hand every unconfirmed PDU a client sends to [`Tase2Station::handle_unconfirmed`]
//!    (report acknowledgements, information messages).
//! 3. After every request, every `update` and at [`Tase2Station::poll_timeout`]: drain
//!    [`Tase2Station::poll_transmit`] (send each PDU as an unconfirmed MMS PDU on the
//!    association it names) and [`Tase2Station::poll_event`] (to the application).

mod access;
mod answers;
mod config;
mod directory;
mod encode;
mod inner;
mod messages;
mod report;
mod transfer;
mod types;
mod waking;

use core::fmt;
use std::boxed::Box;
use std::string::String;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use mms_pdu::mms::UnconfirmedService;
use telecontrol_core::Instant;

pub use answers::{DeviceAnswer, DeviceRequest};
pub use config::{
    BilateralTableConfig, ControlMode, DataSetConfig, DeviceConfig, Domain, MessageBufferConfig,
    PeerConfig, PointConfig, StationConfig,
};
use inner::Inner;
pub use waking::WakingDirectory;

use crate::{DeviceValue, DsConditions, InfoMessHeader, TagState, Value};

/// A registered indication point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointId(pub(crate) u32);

/// A registered device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(pub(crate) u32);

/// What the application must know.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StationEvent {
    /// A peer associated under a bilateral table (`None`: an open station's anonymous peer).
    Associated {
        /// The association.
        association: u64,
        /// Its `Bilateral_Table_ID`.
        table_id: Option<String>,
    },
    /// A peer no bilateral table names was refused.
    AssociationRefused {
        /// The association attempt.
        association: u64,
        /// The calling AP-title it gave (dotted), if any.
        ap_title: Option<String>,
    },
    /// An association ended: its transfer sets stopped, its data sets and selects dropped.
    Released {
        /// The association.
        association: u64,
    },
    /// A client enabled a DS transfer set.
    TransferSetEnabled {
        /// The association.
        association: u64,
        /// The transfer set (`ICC/DSTransferSet0001`).
        transfer_set: String,
    },
    /// A DS transfer set was disabled (by the client or because its association ended).
    TransferSetDisabled {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: String,
    },
    /// A critical report was not acknowledged in time.
    AckTimeout {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: String,
        /// The report's `Transfer_Set_Time_Stamp`.
        time_stamp: i32,
    },
    /// The client refused a critical report (`Transfer_Report_NACK`).
    ReportNack {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: String,
    },
    /// Pending reports were dropped because they were older than `TLE`.
    ReportsExpired {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: String,
        /// The conditions whose reports were dropped.
        conditions: DsConditions,
    },
    /// Changes were dropped from an `AllChangesReported` queue that was full.
    ChangesDropped {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: String,
        /// Changes dropped so far on this transfer set.
        total: u64,
    },
    /// A client operated a device: the application performs the command.
    Operate {
        /// The association.
        association: u64,
        /// The device.
        device: DeviceId,
        /// Its name.
        name: String,
        /// The command or set-point.
        value: DeviceValue,
        /// The `Bilateral_Table_ID` of the operating peer.
        table_id: Option<String>,
    },
    /// A device set to [`DeviceAnswer::Negative`] refused a select or an operate.
    DeviceRefused {
        /// The association.
        association: u64,
        /// The device.
        device: DeviceId,
        /// Its name.
        name: String,
        /// Select or operate.
        request: DeviceRequest,
        /// The error answered.
        error: mms_pdu::mms::DataAccessError,
    },
    /// A device set to [`DeviceAnswer::None`] left a select or an operate without a
    /// response.
    DeviceIgnored {
        /// The association.
        association: u64,
        /// The device.
        device: DeviceId,
        /// Its name.
        name: String,
        /// Select or operate.
        request: DeviceRequest,
    },
    /// A device's selection timed out without an operate.
    SelectTimeout {
        /// The device.
        device: DeviceId,
        /// Its name.
        name: String,
        /// The `Bilateral_Table_ID` of the peer that had selected it.
        table_id: Option<String>,
    },
    /// A client set a device's tag.
    TagChanged {
        /// The association.
        association: u64,
        /// The device.
        device: DeviceId,
        /// The new tag.
        tag: TagState,
        /// Its reason.
        reason: String,
        /// The `Bilateral_Table_ID` of the tagging peer.
        table_id: Option<String>,
    },
    /// A client sent an information message.
    Message {
        /// The association.
        association: u64,
        /// Its header.
        header: InfoMessHeader,
        /// The message octets (`Size` of them).
        data: Vec<u8>,
    },
}

/// A misuse of the station's API, or a peer PDU the station cannot take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StationError {
    /// A name that is not an MMS identifier (at most 32 characters), or already taken.
    BadName {
        /// Which object.
        what: &'static str,
    },
    /// An unknown point, device, domain, data set member or association.
    Unknown {
        /// Which object.
        what: &'static str,
    },
    /// A value of another -802 type than the point's.
    WrongKind,
    /// An information message larger than every buffer of its scope.
    MessageTooLarge {
        /// Its size.
        size: usize,
    },
    /// A received PDU that is not what the station expects (unknown transfer set,
    /// malformed acknowledgement or message).
    Unexpected {
        /// What was wrong.
        what: &'static str,
    },
}

impl fmt::Display for StationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            StationError::BadName { what } => write!(f, "bad or duplicate name: {what}"),
            StationError::Unknown { what } => write!(f, "unknown {what}"),
            StationError::WrongKind => f.write_str("value of another type than the point's"),
            StationError::MessageTooLarge { size } => {
                write!(f, "no information buffer holds {size} octets")
            }
            StationError::Unexpected { what } => write!(f, "unexpected PDU: {what}"),
        }
    }
}

impl core::error::Error for StationError {}

/// The state of one DS transfer set, for the application and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferSetState {
    /// The association that obtained it from `Next_DSTransfer_Set`.
    pub owner: Option<u64>,
    /// Enabled (`Status` true).
    pub enabled: bool,
    /// Points changed since the last report (latest-value mode).
    pub changed: usize,
    /// Changes queued (`AllChangesReported`).
    pub queued: usize,
    /// Changes dropped from a full queue.
    pub dropped: u64,
}

/// The TASE.2 server station: see the [module documentation](self).
pub struct Tase2Station {
    inner: Mutex<Inner>,
    clock: Box<dyn Fn() -> Instant + Send + Sync>,
    identity: (String, String, String),
}

impl fmt::Debug for Tase2Station {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tase2Station").finish_non_exhaustive()
    }
}

impl Tase2Station {
    /// A station with no objects but the mandatory ones; `clock` tells the time of
    /// directory calls and updates (a manual clock in tests).
    pub fn new(config: StationConfig, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        let identity = (
            config.vendor.clone(),
            config.model.clone(),
            config.revision.clone(),
        );
        Tase2Station {
            inner: Mutex::new(Inner::new(config)),
            clock: Box::new(clock),
            identity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state, and `now` made monotonic (never before a time the station has seen: the
    /// engines require it, and the adapter's `now` and the clock may disagree slightly).
    fn at(&self, now: Instant) -> (MutexGuard<'_, Inner>, Instant) {
        let mut g = self.lock();
        let now = g.clamp(now);
        (g, now)
    }

    fn now(&self) -> Instant {
        (self.clock)()
    }

    /// Register an indication point.
    ///
    /// # Errors
    /// [`StationError::BadName`] for a name taken in its scope or not an MMS identifier;
    /// [`StationError::WrongKind`] for an initial value of another type.
    pub fn add_point(&self, point: PointConfig) -> Result<PointId, StationError> {
        self.lock().add_point(point)
    }

    /// The point called `name` in `domain`.
    #[must_use]
    pub fn point(&self, domain: &Domain, name: &str) -> Option<PointId> {
        self.lock().find_point(domain, name)
    }

    /// The current value of `point`.
    #[must_use]
    pub fn value(&self, point: PointId) -> Option<Value> {
        self.lock().point_value(point)
    }

    /// Set the value of `point`: every enabled transfer set whose data set holds it notes
    /// the change (cost: the transfer sets watching this point, nothing else).
    ///
    /// # Errors
    /// [`StationError::Unknown`] for an unknown point, [`StationError::WrongKind`] for a
    /// value of another -802 type.
    pub fn update(&self, point: PointId, value: Value) -> Result<(), StationError> {
        let (mut g, now) = self.at(self.now());
        g.update(now, point, value)
    }

    /// Register a device (block 5).
    ///
    /// # Errors
    /// [`StationError::BadName`] for a name (or its `_SBO`/`_TAG` variable) already taken.
    pub fn add_device(&self, device: DeviceConfig) -> Result<DeviceId, StationError> {
        self.lock().add_device(device)
    }

    /// The device called `name` in `domain`.
    #[must_use]
    pub fn device(&self, domain: &Domain, name: &str) -> Option<DeviceId> {
        self.lock().find_device(domain, name)
    }

    /// Register a server-defined data set.
    ///
    /// # Errors
    /// [`StationError::BadName`] for a taken name, [`StationError::Unknown`] for a member
    /// that is neither a point nor a special variable.
    pub fn add_data_set(&self, data_set: DataSetConfig) -> Result<(), StationError> {
        self.lock().add_data_set(data_set)
    }

    /// Register an information message buffer (and its scope's `Info_Mess_Header`).
    ///
    /// # Errors
    /// [`StationError::BadName`] for a buffer of that size already in the scope.
    pub fn add_message_buffer(&self, buffer: MessageBufferConfig) -> Result<(), StationError> {
        self.lock().add_message_buffer(buffer)
    }

    /// Register a bilateral table (its ICC domain and transfer sets come with it).
    ///
    /// # Errors
    /// [`StationError::BadName`] for a table id over 32 characters, a domain name that is
    /// not an identifier, or a second table for the same domain.
    pub fn add_bilateral_table(&self, table: BilateralTableConfig) -> Result<(), StationError> {
        self.lock().add_table(table)
    }

    /// Send an information message (block 4) from the buffers of `domain`: to every
    /// association that enabled `IM_Transfer_Set` and whose table may read the buffer.
    /// Returns the number of associations it goes to.
    ///
    /// # Errors
    /// [`StationError::MessageTooLarge`] when no buffer of `domain` holds `data`.
    pub fn send_message(
        &self,
        domain: &Domain,
        header: InfoMessHeader,
        data: &[u8],
    ) -> Result<usize, StationError> {
        self.lock().send_message(domain, header, data)
    }

    /// An unconfirmed PDU from the peer of `association`: `Transfer_Report_ACK` /
    /// `Transfer_Report_NACK` for a critical report, or an information message.
    ///
    /// # Errors
    /// [`StationError::Unexpected`] for a report the station does not understand (the
    /// adapter may log it; nothing changed).
    pub fn handle_unconfirmed(
        &self,
        association: u64,
        service: &UnconfirmedService<'_>,
    ) -> Result<(), StationError> {
        let (mut g, now) = self.at(self.now());
        g.handle_unconfirmed(now, association, service)
    }

    /// A local operator asks every enabled transfer set of `domain`'s ICC (or all, for
    /// `None`) that requested `OperatorRequest` for a report.
    pub fn operator_request(&self, icc: Option<&str>) {
        let (mut g, now) = self.at(self.now());
        g.request_reports(now, icc, false);
    }

    /// An application event (`OtherExternalEvent`) asks for reports, as
    /// [`operator_request`](Self::operator_request).
    pub fn external_event(&self, icc: Option<&str>) {
        let (mut g, now) = self.at(self.now());
        g.request_reports(now, icc, true);
    }

    /// When to call [`poll_transmit`](Self::poll_transmit) and
    /// [`poll_event`](Self::poll_event) next (`None`: only after an input).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.lock().poll_timeout()
    }

    /// The next PDU to send at `now`, written into `out` (cleared first): returns the
    /// association to send it on. Reports that fell due are built here.
    pub fn poll_transmit(&self, now: Instant, out: &mut Vec<u8>) -> Option<u64> {
        let (mut g, now) = self.at(now);
        g.poll_transmit(now, out)
    }

    /// The next event for the application.
    pub fn poll_event(&self) -> Option<StationEvent> {
        self.lock().poll_event()
    }

    /// The state of the transfer set `name` of ICC domain `icc`.
    #[must_use]
    pub fn transfer_set(&self, icc: &str, name: &str) -> Option<TransferSetState> {
        self.lock().transfer_set_state(icc, name)
    }
}
