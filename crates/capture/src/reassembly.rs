//! TCP reassembly per direction.

use crate::RawFrame;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_file::DataLink;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::Duration;

/// One direction of a TCP conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flow {
    /// Sender address.
    pub src: IpAddr,
    /// Sender port.
    pub src_port: u16,
    /// Receiver address.
    pub dst: IpAddr,
    /// Receiver port.
    pub dst_port: u16,
}

impl Flow {
    /// The opposite direction.
    #[must_use]
    pub fn reverse(&self) -> Flow {
        Flow {
            src: self.dst,
            src_port: self.dst_port,
            dst: self.src,
            dst_port: self.src_port,
        }
    }
}

impl std::fmt::Display for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{} -> {}:{}",
            self.src, self.src_port, self.dst, self.dst_port
        )
    }
}

/// Bytes that became contiguous in one direction when a frame arrived.
#[derive(Clone, Debug)]
pub struct Chunk {
    /// The frame that completed these bytes.
    pub frame: u64,
    /// That frame's capture time.
    pub timestamp: Duration,
    /// The direction.
    pub flow: Flow,
    /// The in-order payload bytes.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct FlowState {
    next_seq: Option<u32>,
    pending: BTreeMap<u32, Vec<u8>>,
}

/// Reassembles TCP payload per direction from captured frames.
#[derive(Default)]
pub struct TcpReassembler {
    flows: HashMap<Flow, FlowState>,
}

/// Position of `seq` relative to `base`, modulo 2^32 (negative: before `base`).
fn seq_diff(seq: u32, base: u32) -> i64 {
    i64::from(seq.wrapping_sub(base) as i32)
}

impl TcpReassembler {
    /// Feed one captured frame; returns the chunks it completed (none if it is not TCP or
    /// carries no new in-order data).
    pub fn push_frame(&mut self, frame: &RawFrame) -> Vec<Chunk> {
        let parsed = match frame.link {
            DataLink::ETHERNET => SlicedPacket::from_ethernet(&frame.data),
            DataLink::LINUX_SLL => SlicedPacket::from_linux_sll(&frame.data),
            DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => SlicedPacket::from_ip(&frame.data),
            _ => return Vec::new(),
        };
        let Ok(packet) = parsed else {
            return Vec::new();
        };
        let (src, dst) = match &packet.net {
            Some(NetSlice::Ipv4(ip)) => (
                IpAddr::from(ip.header().source()),
                IpAddr::from(ip.header().destination()),
            ),
            Some(NetSlice::Ipv6(ip)) => (
                IpAddr::from(ip.header().source()),
                IpAddr::from(ip.header().destination()),
            ),
            None => return Vec::new(),
        };
        let Some(TransportSlice::Tcp(tcp)) = &packet.transport else {
            return Vec::new();
        };
        let flow = Flow {
            src,
            src_port: tcp.source_port(),
            dst,
            dst_port: tcp.destination_port(),
        };
        let mut seq = tcp.sequence_number();
        if tcp.syn() {
            seq = seq.wrapping_add(1);
        }
        let data = self.push(flow, seq, tcp.syn(), tcp.payload());
        if data.is_empty() {
            return Vec::new();
        }
        vec![Chunk {
            frame: frame.number,
            timestamp: frame.timestamp,
            flow,
            data,
        }]
    }

    /// Feed one segment's payload starting at sequence number `seq`; returns the bytes that
    /// became contiguous.
    pub fn push(&mut self, flow: Flow, seq: u32, syn: bool, payload: &[u8]) -> Vec<u8> {
        let state = self.flows.entry(flow).or_default();
        if syn {
            state.next_seq = Some(seq);
            state.pending.clear();
        }
        let next = *state.next_seq.get_or_insert(seq);
        if payload.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let d = seq_diff(seq, next);
        if d > 0 {
            // A gap: hold the segment until it fills (keep the longest at that position).
            let e = state.pending.entry(seq).or_default();
            if payload.len() > e.len() {
                *e = payload.to_vec();
            }
            return out;
        }
        let skip = usize::try_from(-d).unwrap_or(usize::MAX);
        if let Some(new) = payload.get(skip..) {
            out.extend_from_slice(new);
        }
        let mut next = next.wrapping_add(out.len() as u32);
        // Drain held segments that now fit.
        while let Some((&s, _)) = state.pending.iter().find(|(s, _)| seq_diff(**s, next) <= 0) {
            let held = state.pending.remove(&s).unwrap_or_default();
            let skip = usize::try_from(-seq_diff(s, next)).unwrap_or(usize::MAX);
            if let Some(new) = held.get(skip..) {
                out.extend_from_slice(new);
                next = next.wrapping_add(new.len() as u32);
            }
        }
        state.next_seq = Some(next);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> Flow {
        Flow {
            src: IpAddr::from([10, 0, 0, 1]),
            src_port: 1,
            dst: IpAddr::from([10, 0, 0, 2]),
            dst_port: 2404,
        }
    }

    #[test]
    fn in_order_retransmit_overlap_and_gap() {
        let mut r = TcpReassembler::default();
        let f = flow();
        assert_eq!(r.push(f, 100, true, b""), b"");
        assert_eq!(r.push(f, 100, false, b"abc"), b"abc");
        assert_eq!(r.push(f, 100, false, b"abc"), b"", "pure retransmission");
        assert_eq!(r.push(f, 102, false, b"cde"), b"de", "overlap trimmed");
        assert_eq!(r.push(f, 108, false, b"ij"), b"", "gap held");
        assert_eq!(
            r.push(f, 105, false, b"fgh"),
            b"fghij",
            "gap filled, held data released"
        );
        assert_eq!(
            r.push(f.reverse(), 7, false, b"zz"),
            b"zz",
            "other direction independent"
        );
    }

    #[test]
    fn sequence_wrap() {
        let mut r = TcpReassembler::default();
        let f = flow();
        assert_eq!(r.push(f, u32::MAX - 1, false, b"ab"), b"ab");
        assert_eq!(r.push(f, 0, false, b"cd"), b"cd");
        assert_eq!(r.push(f, 3, false, b"f"), b"");
        assert_eq!(r.push(f, 2, false, b"e"), b"ef");
    }
}
