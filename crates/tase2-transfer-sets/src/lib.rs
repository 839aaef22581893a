#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(any(test, feature = "std"))]
extern crate std;

pub use mms_pdu;

mod bilateral;
pub mod client;
pub mod control;
mod device;
mod error;
mod flags;
pub mod objects;
mod prim;
mod report;
pub mod schedule;
#[cfg(feature = "std")]
pub mod station;
mod transfer_set;
mod value;

pub use bilateral::{AccessRights, BilateralTable, ObjectRights, PeerIdentity};
pub use control::{ControlError, ControlEvent, DeviceConfig, DeviceControl, TagStatus};
pub use device::{
    DeviceKind, DeviceValue, InfoMessHeader, TagState, TagValue, info_buffer, info_buffer_size,
};
pub use error::Tase2Error;
pub use flags::{CurrentSource, DataFlags, State, Validity};
pub use objects::{DsConditions, Scope, SupportedFeatures, Tase2Name, Tase2Version};
pub use report::{Entries, ReportEntry, ReportItem, ReportKind, TransferReport};
pub use schedule::{
    Contents, ReportDue, RunConfig, RunnerEvent, RunnerStats, ScheduleError, TransferSetRunner,
};
pub use transfer_set::{ComponentValue, DsTransferSet, DsTransferSetComponent};
pub use value::{
    DataDiscreteExtended, DataDiscreteQ, DataDiscreteQTimeTag, DataDiscreteQTimeTagExtended,
    DataRealExtended, DataRealQ, DataRealQTimeTag, DataRealQTimeTagExtended, DataStateExtended,
    DataStateQTimeTag, DataStateQTimeTagExtended, Extended, PointValue, Quality, TimeStampExtended,
    TimeTagged, Value, ValueKind,
};
