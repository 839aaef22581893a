//! TASE.2 / ICCP (IEC 60870-6-503) on threads (no async runtime): [`Tase2Client`] over an
//! MMS client association and [`Tase2Server`] serving a `Tase2Station`, every procedure
//! built and interpreted by the sans-IO core in [`tase2_transfer_sets::client`].

mod client;
mod server;
mod serving;

/// The TASE.2 core this adapter drives.
pub use tase2_transfer_sets;

pub use client::{Tase2Client, Tase2ClientConfig, Tase2ClientError, Tase2ClientEvent};
pub use server::{Tase2Server, clock};
