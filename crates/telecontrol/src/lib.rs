#![doc = include_str!("../README.md")]
#![allow(clippy::arithmetic_side_effects)]

pub mod decode;
pub mod sim104;
