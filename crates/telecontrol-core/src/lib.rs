#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "std")]
pub mod admission;
mod codec;
mod io;
mod time;

pub use codec::{Decode, Encode, EncodeError};
pub use io::{ReadError, Reader, WriteError, Writer};
pub use time::{Instant, earliest};
