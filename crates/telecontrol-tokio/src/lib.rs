#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod client;
pub mod iec101;
pub mod mms;
mod server;
pub mod tase2;

pub use client::{Client, ClientEvents};
pub use server::{Server, ServerHandle};

pub use iec104_apci::ApciConfig;
pub use iec104_session::admission::{AdmissionStats, Refusal};
pub use iec104_session::shared::{
    Backoff, CLIENT_EVENTS, ClientConfig, ClientError, ClientEvent, CommandAnswer, CommandHandler,
    Database, ReceivedAsdu, RedundancyGroup, Request, ReturnInfo, ServerConfig, Termination,
    UpdateError,
};
pub use station::asdu;
pub use station::{
    self, CommandAction, CommandMode, CommandRequest, Completion, DataKind, ExecuteMode, Outcome,
    Point, RequestResult,
};
pub use telecontrol_tls::{
    self, Fingerprint, TlsConfig, TlsConnectError, TlsError, TlsRefusal, TlsSession, TlsStats,
    TlsVersions,
};
