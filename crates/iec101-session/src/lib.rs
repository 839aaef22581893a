#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

mod balanced;
mod master;
mod slave;

#[cfg(feature = "std")]
pub mod runner;

pub use balanced::{BalancedInput, BalancedSession};
pub use master::{MasterInput, MasterSession};
pub use slave::{SlaveEvent, SlaveSession};

pub use iec101_link;
pub use station;
