//! Test utilities shared by the workspace's tests, fuzz targets and conformance runs.
//! Not published; may allocate and use std freely.
#![allow(missing_docs, clippy::arithmetic_side_effects)]

pub mod asdu_samples;
pub mod clock;
pub mod fuzz;
pub mod fuzz_admission;
pub mod fuzz_apci;
pub mod fuzz_asdu;
pub mod fuzz_assoc;
pub mod fuzz_capture;
pub mod fuzz_cli;
pub mod fuzz_link;
pub mod fuzz_mms;
pub mod fuzz_mms_driver;
pub mod fuzz_mms_server;
pub mod fuzz_osi;
pub mod fuzz_runner101;
pub mod fuzz_schedule;
pub mod fuzz_session101;
pub mod fuzz_session104;
pub mod fuzz_station;
pub mod fuzz_tase2;
pub mod fuzz_tase2_client;
pub mod fuzz_tase2_session;
pub mod fuzz_tase2_station;
pub mod fuzz_tase2_tracker;
pub mod proxy;
