//! Frame decoders: bytes (from hex or captures) in, [`Report`]s out.
//!
//! - [`iec104`]: IEC 60870-5-104 APDUs from hex or from the TCP streams of a capture;
//! - [`iec101`]: IEC 60870-5-101 FT1.2 frames from hex;
//! - [`mms`]: MMS and the OSI upper layers (TPKT, COTP, session, presentation, ACSE) from
//!   hex or from the TCP streams of a capture;
//! - [`Report`]: what is said about each frame, as JSON ([`Report::to_json_line`]) or as a
//!   text tree ([`Report::to_tree`]).
//!
//! Every input is split into frames with resynchronisation: bytes that are not a frame are
//! reported as one malformed report (with the offset and the reason) and decoding goes on
//! at the next start octet.

mod asdu_report;
pub mod hex;
pub mod iec101;
pub mod iec104;
pub mod mms;
mod progress;
mod report;
mod stream;
mod tcp;

pub use report::{AsduReport, LinkReport, Malformed, ObjectReport, Report};
