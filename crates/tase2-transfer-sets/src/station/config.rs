//! What a [`Tase2Station`](super::Tase2Station) is built from: the station configuration
//! and the objects the application registers (points, devices, data sets, information
//! message buffers, bilateral tables). Plain owned data, so a CLI can fill it from a file.

use core::time::Duration;
use std::string::String;
use std::vec::Vec;

use crate::{AccessRights, DeviceKind, SupportedFeatures, Tase2Version, Value, ValueKind};

/// Where an object lives: the VCC (the MMS VMD) or one ICC (a bilateral table's MMS domain).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    /// VCC scope: a VMD-specific object, visible to every peer its table allows.
    Vcc,
    /// ICC scope: an object of this MMS domain, visible only to the peer whose bilateral
    /// table names this domain.
    Icc(String),
}

impl Domain {
    /// An ICC domain.
    #[must_use]
    pub fn icc(name: &str) -> Self {
        Domain::Icc(name.into())
    }
}

/// The station as a whole (IEC 60870-6-503 clause 7, the VCC).
#[derive(Clone, Debug, PartialEq)]
pub struct StationConfig {
    /// `TASE2_Version`: 2000-08 by default (1996-08 for peers that use it; then DS transfer
    /// sets have 12 members).
    pub version: Tase2Version,
    /// `Supported_Features`: blocks 1, 2, 4 and 5 by default.
    pub features: SupportedFeatures,
    /// Accept peers that no bilateral table names (with the table whose `peer` is `None`,
    /// or, without one, read access to VCC objects only).
    pub open: bool,
    /// DS transfer sets pre-instantiated in each ICC domain (`DSTransferSet0001`, ...).
    pub transfer_sets_per_icc: u16,
    /// How long a critical report waits for the client's `Transfer_Report_ACK`.
    pub critical_ack_timeout: Duration,
    /// Largest MMS PDU a report may take; larger reports are split. Each association
    /// lowers it to the PDU size its peer proposed; keep it at most the MMS server's own
    /// `max_pdu_size` (8 000 by default, as here).
    pub max_pdu_size: usize,
    /// Changes queued per transfer set with `AllChangesReported`; older ones are dropped
    /// (and counted) beyond it.
    pub change_queue_limit: usize,
    /// Data sets one association may define (ICC- and association-specific together);
    /// beyond it DefineNamedVariableList answers `resource` / `memory-unavailable`.
    pub data_sets_per_association: usize,
    /// GMTBasedS (seconds since 1970 UTC) at [`Instant::ZERO`](telecontrol_core::Instant):
    /// how `Transfer_Set_Time_Stamp` is derived from the station's clock.
    pub gmt_at_zero: i64,
    /// Identify answer: vendor.
    pub vendor: String,
    /// Identify answer: model.
    pub model: String,
    /// Identify answer: revision.
    pub revision: String,
}

impl Default for StationConfig {
    fn default() -> Self {
        StationConfig {
            version: Tase2Version::EDITION_2000_08,
            features: SupportedFeatures::new(&[1, 2, 4, 5], 12),
            open: false,
            transfer_sets_per_icc: 8,
            critical_ack_timeout: Duration::from_secs(30),
            max_pdu_size: 8_000,
            change_queue_limit: 10_000,
            data_sets_per_association: 64,
            gmt_at_zero: 0,
            vendor: "telecontrol".into(),
            model: "tase2-station".into(),
            revision: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// An indication point (IEC 60870-6-802 clause 5.1.1).
#[derive(Clone, Debug, PartialEq)]
pub struct PointConfig {
    /// VCC or ICC scope.
    pub domain: Domain,
    /// The MMS variable name.
    pub name: String,
    /// The -802 type.
    pub kind: ValueKind,
    /// The value before the first update (`None`: zero value, flags `NOTVALID`).
    pub initial: Option<Value>,
}

/// How a device is operated (IEC 60870-6-503 clause 8.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlMode {
    /// Select before operate: reading `<dev>_SBO` arms the device for `select_timeout`.
    SelectBeforeOperate {
        /// How long a select stays armed.
        select_timeout: Duration,
    },
    /// Direct operate: a write of `<dev>` operates.
    Direct,
}

/// A control device (block 5): a command, discrete or real set-point.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceConfig {
    /// VCC or ICC scope.
    pub domain: Domain,
    /// The MMS variable name of the device (`<dev>`; also `<dev>_SBO`, `<dev>_TAG`).
    pub name: String,
    /// Command, discrete or real set-point.
    pub kind: DeviceKind,
    /// Select before operate or direct.
    pub mode: ControlMode,
    /// Whether the device has a `<dev>_TAG` variable.
    pub tagged: bool,
    /// The `CheckBackID` a select returns.
    pub check_back_id: i16,
}

/// A server-defined data set (a named variable list, block 1).
#[derive(Clone, Debug, PartialEq)]
pub struct DataSetConfig {
    /// VCC or ICC scope.
    pub domain: Domain,
    /// The list's name.
    pub name: String,
    /// Members in order: points, or the special variables `Transfer_Set_Name`,
    /// `Transfer_Set_Time_Stamp`, `DSConditions_Detected`, `Event_Code_Detected`.
    pub members: Vec<(Domain, String)>,
}

/// An information message buffer `Info_Buff_<size>` (block 4), with the
/// `Info_Mess_Header` of its scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageBufferConfig {
    /// VCC or ICC scope.
    pub domain: Domain,
    /// Octets the buffer holds.
    pub size: u32,
}

/// How a peer identifies itself in its association request.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PeerConfig {
    /// Calling AP-title arcs (`[1, 3, 9999, 1]`).
    pub ap_title: Vec<u64>,
    /// Calling AE-qualifier, when checked.
    pub ae_qualifier: Option<i64>,
    /// ACSE password, when required.
    pub password: Option<Vec<u8>>,
}

/// A bilateral table (IEC 60870-6-503 clause 7.2), owned.
#[derive(Clone, Debug, PartialEq)]
pub struct BilateralTableConfig {
    /// The peer; `None` for the table an open station gives peers no table names.
    pub peer: Option<PeerConfig>,
    /// The ICC domain the peer uses.
    pub icc_domain: String,
    /// `Bilateral_Table_ID` (at most 32 characters).
    pub table_id: String,
    /// Rights per object: `(Domain::Vcc | Domain::Icc(icc_domain), name, rights)`.
    pub objects: Vec<(Domain, String, AccessRights)>,
    /// Rights on VCC objects the list does not name.
    pub vcc_default: AccessRights,
    /// Rights on objects of `icc_domain` the list does not name.
    pub icc_default: AccessRights,
}
