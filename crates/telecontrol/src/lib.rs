#![doc = include_str!("../README.md")]
#![allow(clippy::arithmetic_side_effects)]

pub mod decode;
pub mod demo;
pub mod gateway;
pub mod live;
pub mod pcap;
pub mod sim101;
pub mod sim104;
pub mod simmms;
pub mod simtase2;
pub mod tls;
