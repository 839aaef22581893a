//! Conformance against independent implementations: tshark's dissectors and real peers.
//! Each check writes its artefacts under `target/conformance/`.
//!
//! - writer check ([`conformance_writer`](crate::conformance_writer)): a pcap written by our
//!   `TcpPcapWriter` is clean TCP for tshark (no analysis flags, checksums good);
//! - IEC 104 oracle ([`conformance_iec104`](crate::conformance_iec104)): every ASDU sample our
//!   encoder builds, in a 104 capture, decoded by tshark and by our decoder; the facts must
//!   agree frame by frame, except for the listed, reasoned tshark limitations.

use crate::util::{ensure_tshark, root};
use crate::{conformance_tshark, conformance_writer};
use anyhow::Result;

pub fn run(smoke: bool) -> Result<()> {
    ensure_tshark()?;
    let out = root().join("target/conformance");
    std::fs::create_dir_all(&out)?;
    eprintln!("conformance: {}", conformance_tshark::version());
    conformance_writer::check(&out)?;
    let _ = smoke;
    Ok(())
}
