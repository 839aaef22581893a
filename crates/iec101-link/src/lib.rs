#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

mod balanced;
mod config;
mod control;
mod frame;
mod primary;
mod secondary;

pub use balanced::{Balanced, BalancedConfig, BalancedEvent};
pub use config::{ConfigError, LinkConfig, LinkError, LinkStats, MIN_FRAME_LEN};
pub use control::{ControlError, ControlField, PrimaryFunction, SecondaryFunction};
pub use frame::{
    AddressSize, Decoded, END, Frame, FrameDecoder, FrameError, MAX_FRAME_LEN, SINGLE_ACK,
    START_FIXED, START_VARIABLE, checksum, idle_timeout_for_baud,
};
pub use primary::{DataClass, Primary, PrimaryConfig, PrimaryEvent, SecondaryInfo};
pub use secondary::{NoDataResponse, Secondary, SecondaryConfig, SecondaryEvent};
