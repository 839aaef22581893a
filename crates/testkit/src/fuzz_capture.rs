//! Fuzz body for `telecontrol-capture`: the pcap/pcapng reader and TCP reassembly on arbitrary
//! files, and a synthetic conversation written by the crate's own writer and read back.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::missing_panics_doc
)]

use capture::{TcpPcapWriter, read_tcp_bytes};

/// `capture_pcap`: byte 0 bit 0 chooses the mode. Raw mode: the rest is a capture file
/// (pcap or pcapng) read and reassembled; nothing panics and every chunk is non-empty.
/// Writer mode: the rest is a conversation (per segment: a direction bit and length octet,
/// then the payload) written as a pcap by [`TcpPcapWriter`] and read back; each direction's
/// reassembled bytes equal what was sent, in order.
pub fn capture_pcap(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    if sel & 1 == 0 {
        if let Ok(chunks) = read_tcp_bytes(rest) {
            for c in &chunks {
                assert!(!c.data.is_empty(), "an empty chunk");
                let _ = c.flow.to_string();
            }
        }
        return;
    }
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 40000, [10, 0, 0, 2], 2404);
    let (mut up, mut down) = (Vec::new(), Vec::new());
    let mut s = rest;
    while let Some((&h, tail)) = s.split_first() {
        let n = usize::from(h & 0x7F).min(tail.len());
        let (payload, after) = tail.split_at(n);
        s = after;
        if payload.is_empty() {
            continue;
        }
        let from_client = h & 0x80 == 0;
        w.send(from_client, payload);
        if from_client { &mut up } else { &mut down }.extend_from_slice(payload);
    }
    let chunks = read_tcp_bytes(&w.into_bytes()).expect("own pcap reads back");
    let (mut got_up, mut got_down) = (Vec::new(), Vec::new());
    for c in chunks {
        if c.flow.dst_port == 2404 {
            &mut got_up
        } else {
            &mut got_down
        }
        .extend_from_slice(&c.data);
    }
    assert_eq!(got_up, up, "client→server bytes");
    assert_eq!(got_down, down, "server→client bytes");
}
