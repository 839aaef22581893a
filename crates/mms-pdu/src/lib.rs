#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

pub mod ber;
pub mod mms;
pub mod cotp;
pub mod session;
pub mod tpkt;
pub mod presentation;
pub mod acse;
pub mod stack;
