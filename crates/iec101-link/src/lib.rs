#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

mod control;
mod frame;

pub use control::{ControlError, ControlField, PrimaryFunction, SecondaryFunction};
pub use frame::{
    AddressSize, Decoded, END, Frame, FrameDecoder, FrameError, MAX_FRAME_LEN, SINGLE_ACK,
    START_FIXED, START_VARIABLE, checksum, idle_timeout_for_baud,
};
