#![doc = include_str!("../README.md")]
#![allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)]

mod flows;
mod reassembly;
mod writer;

pub use flows::{FlowId, MAX_SEGMENT, Side, TcpFlows};
pub use reassembly::{Chunk, Flow, TcpReassembler};
pub use writer::TcpPcapWriter;

use core::fmt;
use pcap_file::DataLink;
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use std::path::Path;
use std::time::Duration;

/// Why a capture could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The file is neither a valid pcap nor pcapng file.
    Format(String),
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Io(e) => write!(f, "cannot read capture: {e}"),
            CaptureError::Format(e) => write!(f, "not a readable pcap/pcapng file: {e}"),
        }
    }
}

impl std::error::Error for CaptureError {}

/// One captured link-layer frame.
#[derive(Clone, Debug)]
pub struct RawFrame {
    /// 1-based frame number, as Wireshark counts.
    pub number: u64,
    /// Capture time since the Unix epoch.
    pub timestamp: Duration,
    /// The frame's link type.
    pub link: DataLink,
    /// The frame's bytes from the link-layer header on.
    pub data: Vec<u8>,
}

/// Read every frame of a pcap or pcapng file held in memory.
///
/// # Errors
/// [`CaptureError::Format`] if the bytes are not a pcap or pcapng file.
pub fn read_frames(bytes: &[u8]) -> Result<Vec<RawFrame>, CaptureError> {
    let magic = bytes
        .get(..4)
        .ok_or_else(|| CaptureError::Format("file too short".into()))?;
    let mut frames = Vec::new();
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let mut reader =
            PcapNgReader::new(bytes).map_err(|e| CaptureError::Format(e.to_string()))?;
        let mut number = 0u64;
        while let Some(block) = reader.next_block() {
            let block = block.map_err(|e| CaptureError::Format(e.to_string()))?;
            let (iface, timestamp, data) = match block {
                Block::EnhancedPacket(p) => (p.interface_id, p.timestamp, p.data.into_owned()),
                Block::SimplePacket(p) => (0, Duration::ZERO, p.data.into_owned()),
                _ => continue,
            };
            number += 1;
            let link = reader
                .interfaces()
                .get(iface as usize)
                .map(|i| i.linktype)
                .unwrap_or(DataLink::ETHERNET);
            frames.push(RawFrame {
                number,
                timestamp,
                link,
                data,
            });
        }
    } else {
        let mut reader = PcapReader::new(bytes).map_err(|e| CaptureError::Format(e.to_string()))?;
        let link = reader.header().datalink;
        let mut number = 0u64;
        while let Some(packet) = reader.next_packet() {
            let packet = packet.map_err(|e| CaptureError::Format(e.to_string()))?;
            number += 1;
            frames.push(RawFrame {
                number,
                timestamp: packet.timestamp,
                link,
                data: packet.data.into_owned(),
            });
        }
    }
    Ok(frames)
}

/// Read a pcap/pcapng file and reassemble its TCP streams; see [`read_tcp_bytes`].
///
/// # Errors
/// [`CaptureError`] if the file cannot be read or parsed.
pub fn read_tcp(path: impl AsRef<Path>) -> Result<Vec<Chunk>, CaptureError> {
    let bytes = std::fs::read(path).map_err(CaptureError::Io)?;
    read_tcp_bytes(&bytes)
}

/// Reassemble the TCP streams of a pcap/pcapng file held in memory: the in-order payload of
/// each direction, as chunks in capture order. Frames that are not TCP are skipped.
///
/// # Errors
/// [`CaptureError::Format`] if the bytes are not a pcap or pcapng file.
pub fn read_tcp_bytes(bytes: &[u8]) -> Result<Vec<Chunk>, CaptureError> {
    let mut r = TcpReassembler::default();
    let mut out = Vec::new();
    for frame in read_frames(bytes)? {
        out.extend(r.push_frame(&frame));
    }
    Ok(out)
}
