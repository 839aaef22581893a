#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

pub mod config;
pub mod connection;
pub mod event;
pub mod frame;

pub use config::{ApciConfig, ConfigError, MAX_WINDOW, Role, Timer};
pub use connection::Connection;
pub use event::{CloseReason, CommandError, DtState, Event, InputError, SendError};
pub use frame::{
    Apci, Apdu, Format, FrameError, HEADER_LEN, MAX_APDU_LEN, MAX_ASDU_LEN, Seq, UFunction,
};
