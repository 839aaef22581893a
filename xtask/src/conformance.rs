//! Conformance against independent implementations: tshark's dissectors and real peers.
//! Each check writes its artefacts under `target/conformance/`.
//!
//! - writer check ([`conformance_writer`]): a pcap written by our
//!   `TcpPcapWriter` is clean TCP for tshark (no analysis flags, checksums good);
//! - IEC 104 oracle ([`conformance_iec104`](crate::conformance_iec104)): every ASDU sample our
//!   encoder builds, in a 104 capture, decoded by tshark and by our decoder; the facts must
//!   agree frame by frame, except for the listed, reasoned tshark limitations;
//! - IEC 101 oracle ([`conformance_iec101`]): the same samples in FT1.2 frames over TCP,
//!   tshark's `iec60870_101` dissector against our 101 decoder;
//! - `--pcap` recordings ([`conformance_pcap`](crate::conformance_pcap)): the multi-connection
//!   writer is clean TCP, and `telecontrol demo --pcap` decodes as TASE.2 (TPKT … MMS) and
//!   104 with no malformed frame, the demo's MMS services counted against floors.

use crate::conformance_iec104::{self as iec104, Sample};
use crate::util::{ensure_tshark, root};
use crate::{conformance_iec101, conformance_tshark, conformance_writer};
use anyhow::Result;

pub fn run(smoke: bool) -> Result<()> {
    ensure_tshark()?;
    let out = root().join("target/conformance");
    std::fs::create_dir_all(&out)?;
    eprintln!("conformance: {}", conformance_tshark::version());
    conformance_writer::check(&out)?;
    crate::conformance_pcap::check(&out)?;
    let samples = samples();
    let missing: Vec<&str> = asdu::TypeId::ALL
        .iter()
        .filter(|t| t.allowed_in_104())
        .filter(|t| !samples.iter().any(|s| s.type_id == t.code()))
        .map(|t| t.mnemonic())
        .collect();
    if !missing.is_empty() {
        anyhow::bail!("no 104 sample for: {}", missing.join(", "));
    }
    iec104::check(&out, "iec104-every-type", &samples, None)?;
    conformance_iec101::check(&out, &samples)?;
    if !smoke {
        // The same APDUs cut into segments across APDU boundaries: tshark's reassembly
        // and ours must find the same APDUs in the same frames.
        iec104::check(&out, "iec104-coalesced", &samples, Some(97))?;
    }
    crate::conformance_c104::run(&out, smoke)?;
    crate::conformance_open61850::run(&out, smoke)?;
    Ok(())
}

/// Every ASDU type our encoder builds in the 104 profile (telecontrol-testkit).
fn samples() -> Vec<Sample> {
    testkit::asdu_samples::every_type_104()
        .into_iter()
        .map(|s| Sample {
            label: s.mnemonic.to_owned(),
            type_id: s.type_id.code(),
            asdu: s.asdu,
            sq: s.sq,
            cot: s.cot,
            ca: s.ca,
            ioas: s.ioas,
        })
        .collect()
}
