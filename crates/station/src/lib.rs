#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub use asdu;

mod config;
mod database;
mod error;
mod event_queue;
mod frame;
mod master;
mod outstation;

pub use config::{
    MAX_COMMON_ADDRESSES, MasterConfig, OriginatorHandling, OutstationConfig, Profile,
};
pub use database::{
    CommandMode, CounterScope, Point, PointDatabase, Scope, SliceDatabase, without_time_tag,
};
pub use error::StationError;
pub use event_queue::{EventRelease, OverflowPolicy, Pushed};
pub use frame::MAX_ASDU_LEN;
pub use master::{
    Completion, DataKind, ExecuteMode, Master, Outcome, Received, RequestId, RequestResult,
    with_select,
};
pub use outstation::{
    APP_EVENT_CAPACITY, COMMAND_CAPACITY, CommandAction, CommandAnswer, CommandHandle,
    CommandRequest, DataClass, Event, Outstation, RESPONSE_CAPACITY, Stats,
};
