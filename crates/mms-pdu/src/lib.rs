#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

pub mod acse;
pub mod association;
pub mod ber;
pub mod cotp;
#[cfg(feature = "std")]
pub mod driver;
pub mod mms;
pub mod presentation;
pub mod server;
pub mod session;
pub mod stack;
pub mod tpkt;
