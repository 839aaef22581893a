//! The ICCP capture (`/work/shared/captures/iccp-switchover-real.pcap`, see its README) cut
//! into TPKTs, TSDUs and MMS PDUs with this crate's own decoders, for the integration tests
//! of every layer (`mod common;` in a test file).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::PathBuf;

use capture::{Flow, read_tcp};
use telecontrol_core::Decode;
use telecontrol_mms_pdu::cotp::{Reassembler, Tpdu};
use telecontrol_mms_pdu::stack::peel;
use telecontrol_mms_pdu::tpkt::{self, Framing};

/// Path of the real ICCP capture.
pub fn capture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/captures/iccp-switchover-real.pcap")
}

/// One TPKT of the capture: the frame that completed it, its direction, its bytes.
pub struct CapturedTpkt {
    /// Frame number (1-based, as tshark).
    pub frame: u64,
    /// Direction.
    pub flow: Flow,
    /// The whole TPKT (header included).
    pub bytes: Vec<u8>,
}

/// Every TPKT of the capture, per direction in stream order, directions interleaved in
/// capture order. Panics if a stream is not TPKT framed.
pub fn capture_tpkts() -> Vec<CapturedTpkt> {
    let chunks = read_tcp(capture_path()).expect("read the ICCP capture");
    let mut pending: HashMap<Flow, Vec<u8>> = HashMap::new();
    let mut out = Vec::new();
    for chunk in chunks {
        let buf = pending.entry(chunk.flow).or_default();
        buf.extend_from_slice(&chunk.data);
        loop {
            match tpkt::next_frame(buf, tpkt::MAX_LEN) {
                Ok(Framing::Complete { consumed, .. }) => {
                    out.push(CapturedTpkt {
                        frame: chunk.frame,
                        flow: chunk.flow,
                        bytes: buf.drain(..consumed).collect(),
                    });
                }
                Ok(Framing::Incomplete { .. }) => break,
                Err(e) => panic!("frame {}: {} is not TPKT: {e}", chunk.frame, chunk.flow),
            }
        }
    }
    out
}

/// One reassembled TSDU: the frame of its last DT, its direction, its bytes.
pub struct CapturedTsdu {
    /// Frame number of the DT with EOT.
    pub frame: u64,
    /// Direction.
    pub flow: Flow,
    /// The TSDU (session SPDUs).
    pub bytes: Vec<u8>,
    /// The TPKTs that carried it, concatenated as on the wire.
    pub tpkts: Vec<u8>,
}

/// Every TSDU of the capture, DT segments joined with [`Reassembler`] (64 KiB per
/// direction).
pub fn capture_tsdus() -> Vec<CapturedTsdu> {
    let mut reassemblers: HashMap<Flow, Reassembler<Vec<u8>>> = HashMap::new();
    let mut wire: HashMap<Flow, Vec<u8>> = HashMap::new();
    let mut out = Vec::new();
    for t in capture_tpkts() {
        let tpkt = telecontrol_mms_pdu::tpkt::Tpkt::decode(&t.bytes).unwrap();
        if let Tpdu::Data(dt) = Tpdu::decode(tpkt.payload).unwrap() {
            let frames = wire.entry(t.flow).or_default();
            frames.extend_from_slice(&t.bytes);
            let r = reassemblers
                .entry(t.flow)
                .or_insert_with(|| Reassembler::new(vec![0u8; 65536]));
            if let Some(tsdu) = r.push(&dt).unwrap() {
                out.push(CapturedTsdu {
                    frame: t.frame,
                    flow: t.flow,
                    bytes: tsdu.to_vec(),
                    tpkts: std::mem::take(frames),
                });
            }
        }
    }
    out
}

/// Every MMS PDU of the capture (in ACSE user information or presentation data), with the
/// frame that completed its TSDU. Panics if a TSDU does not peel.
pub fn capture_mms_pdus() -> Vec<(u64, Vec<u8>)> {
    capture_tsdus()
        .iter()
        .filter_map(|t| {
            let p = peel(&t.bytes).unwrap_or_else(|e| panic!("frame {}: {e}", t.frame));
            p.mms.map(|m| (t.frame, m.to_vec()))
        })
        .collect()
}
