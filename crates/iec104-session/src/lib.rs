#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "std")]
pub mod admission;
#[cfg(feature = "std")]
pub mod conn;
mod master_link;
mod outstation_link;
#[cfg(feature = "std")]
pub mod registry;
#[cfg(feature = "std")]
pub mod shared;

pub use master_link::{MasterInput, MasterLink, MasterLinkEvent};
pub use outstation_link::{LinkEvent, LinkId, OutstationLink, StationGroup};
