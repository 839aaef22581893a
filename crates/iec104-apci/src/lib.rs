#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

pub mod frame;

pub use frame::{
    Apci, Apdu, Format, FrameError, HEADER_LEN, MAX_APDU_LEN, MAX_ASDU_LEN, Seq, UFunction,
};
