//! The real multi-vendor ICCP capture in ../shared/captures reassembles, and what we write
//! reads back segment by segment.
#![allow(clippy::cast_possible_truncation, clippy::arithmetic_side_effects)]

use std::path::PathBuf;
use telecontrol_capture::{TcpPcapWriter, read_frames, read_tcp};

fn capture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/captures/iccp-switchover-real.pcap")
}

#[test]
fn real_iccp_capture_reassembles() {
    let bytes = std::fs::read(capture()).expect("shared/captures is beside the repository");
    let frames = read_frames(&bytes).unwrap();
    assert_eq!(frames.len(), 7972, "the capture README counts 7 972 frames");
    let chunks = read_tcp(capture()).unwrap();
    let total: usize = chunks.iter().map(|c| c.data.len()).sum();
    let mut flows: Vec<_> = chunks.iter().map(|c| c.flow).collect();
    flows.sort();
    flows.dedup();
    // 11 TCP conversations (README); directions that carried data:
    assert!(
        flows.len() >= 11 && flows.len() <= 22,
        "{} directions",
        flows.len()
    );
    // Every chunk of port 102 starts a TPKT (version 3) or continues one: the first chunk of
    // each direction must start with a TPKT header.
    for f in &flows {
        let first = chunks.iter().find(|c| c.flow == *f).unwrap();
        assert_eq!(first.data[0], 3, "first payload of {f} is not TPKT");
    }
    assert!(total > 1_000_000, "{total} octets reassembled");
}

#[test]
fn written_pcap_reads_back() {
    let mut w = TcpPcapWriter::new([127, 0, 0, 1], 40000, [127, 0, 0, 1], 102);
    for i in 0..50u8 {
        w.send(i % 2 == 0, &[3, 0, 0, 7, 2, 0xf0, i]);
    }
    let chunks = telecontrol_capture::read_tcp_bytes(&w.into_bytes()).unwrap();
    assert_eq!(chunks.len(), 50);
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!(c.data, [3, 0, 0, 7, 2, 0xf0, i as u8]);
        assert_eq!(c.frame, i as u64 + 4, "three handshake frames come first");
    }
}
