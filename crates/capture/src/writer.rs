//! A synthetic TCP conversation written as a pcap.
#![allow(clippy::indexing_slicing)] // `from` is 0 or 1, fixed by this module

use crate::flows::{Flags, Side, build_segment};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, TsResolution};
use std::time::Duration;

/// Writes one TCP conversation (Ethernet/IPv4) as a classic pcap file in memory.
///
/// The three-way handshake is written first; each [`send`](TcpPcapWriter::send) becomes one
/// segment with correct sequence and acknowledgement numbers, so dissectors see a clean stream.
pub struct TcpPcapWriter {
    frames: Vec<Vec<u8>>,
    ends: [([u8; 4], u16, u32); 2],
}

impl TcpPcapWriter {
    /// A conversation from `client:cport` to `server:sport`.
    #[must_use]
    pub fn new(client: [u8; 4], cport: u16, server: [u8; 4], sport: u16) -> Self {
        let mut w = TcpPcapWriter {
            frames: Vec::new(),
            ends: [(client, cport, 1_000), (server, sport, 5_000)],
        };
        w.segment(0, &[], true, false);
        w.segment(1, &[], true, true);
        w.ends[0].2 = w.ends[0].2.wrapping_add(1);
        w.ends[1].2 = w.ends[1].2.wrapping_add(1);
        w.segment(0, &[], false, true);
        w
    }

    fn segment(&mut self, from: usize, payload: &[u8], syn: bool, ack: bool) {
        let (src, sport, seq) = self.ends[from];
        let (dst, dport, peer_seq) = self.ends[1 - from];
        let side = if from == 0 {
            Side::Client
        } else {
            Side::Server
        };
        let mut flags = Flags::PSH;
        if syn {
            flags = flags | Flags::SYN;
        }
        if ack {
            flags = flags | Flags::ACK;
        }
        let mut frame = Vec::new();
        // Writing into a Vec cannot fail for want of room; a payload over the IPv4 limit can.
        let src = (std::net::SocketAddr::from((src, sport)), seq);
        let dst = (std::net::SocketAddr::from((dst, dport)), peer_seq);
        if build_segment(&mut frame, src, dst, side, flags, payload).is_ok() {
            self.frames.push(frame);
        }
        self.ends[from].2 = seq.wrapping_add(payload.len() as u32);
    }

    /// One segment from the client (`from_client`) or the server carrying `payload`
    /// (at most 65 000 octets).
    pub fn send(&mut self, from_client: bool, payload: &[u8]) {
        self.segment(usize::from(!from_client), payload, false, true);
    }

    /// The pcap file.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        let header = PcapHeader {
            version_major: 2,
            version_minor: 4,
            ts_correction: 0,
            ts_accuracy: 0,
            snaplen: 65_535,
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::MicroSecond,
            endianness: Endianness::Little,
        };
        let mut out = Vec::new();
        if let Ok(mut w) = PcapWriter::with_header(&mut out, header) {
            let mut t = Duration::from_secs(1_700_000_000);
            for f in &self.frames {
                // Writing into a Vec cannot fail.
                let _ = w.write_packet(&PcapPacket::new(t, f.len() as u32, f));
                t += Duration::from_millis(1);
            }
        }
        out
    }

    /// Write the pcap file to `path`.
    ///
    /// # Errors
    /// The I/O error if the file cannot be written.
    pub fn write_file(self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, self.into_bytes())
    }
}
