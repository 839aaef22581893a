#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

mod balanced;
mod config;
mod control;
mod decoder;
mod frame;
mod primary;
mod primary_types;
mod secondary;

pub use balanced::{Balanced, BalancedConfig, BalancedEvent};
pub use config::{ConfigError, LinkConfig, LinkError, LinkStats, MIN_FRAME_LEN};
pub use control::{ControlError, ControlField, PrimaryFunction, SecondaryFunction};
pub use decoder::{Decoded, FrameDecoder, idle_timeout_for_baud};
pub use frame::{
    AddressSize, END, Frame, FrameError, MAX_FRAME_LEN, SINGLE_ACK, START_FIXED, START_VARIABLE,
    checksum,
};
pub use primary::Primary;
pub use primary_types::{DataClass, PrimaryConfig, PrimaryEvent, SecondaryInfo};
pub use secondary::{NoDataResponse, Secondary, SecondaryConfig, SecondaryEvent};
