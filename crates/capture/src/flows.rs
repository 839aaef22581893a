//! Several TCP connections streamed into one classic pcap file as they happen.

use etherparse::PacketBuilder;
use pcap_file::pcap::PcapHeader;
use pcap_file::{DataLink, Endianness, TsResolution};
use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The largest payload written in one segment; longer payloads are split.
pub const MAX_SEGMENT: usize = 65_000;

/// The receive window every end advertises (no window scaling).
const WINDOW: u16 = 65_535;

/// Initial sequence numbers of the client and the server (as [`TcpPcapWriter`] uses).
///
/// [`TcpPcapWriter`]: crate::TcpPcapWriter
const ISN_CLIENT: u32 = 1_000;
const ISN_SERVER: u32 = 5_000;

/// One end of a recorded connection sends a segment: the end that opened it or the one that
/// accepted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The end that sent the SYN.
    Client,
    /// The end that answered with SYN-ACK.
    Server,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// A connection recorded by [`TcpFlows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowId(u64);

/// One end's addresses and send state.
#[derive(Clone, Copy, Debug)]
struct End {
    addr: SocketAddr,
    /// Next sequence number this end sends.
    seq: u32,
    /// Octets sent and not yet acknowledged by a segment of the other end.
    unacked: usize,
    fin: bool,
}

#[derive(Clone, Copy, Debug)]
struct Flow {
    client: End,
    server: End,
}

impl Flow {
    fn end(&mut self, side: Side) -> &mut End {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }
}

/// Records TCP connections (Ethernet, IPv4 or IPv6) into a classic pcap stream written as
/// the segments happen: several connections at once, each with its three-way handshake,
/// data both ways with consistent sequence and acknowledgement numbers, FIN or RST at the
/// end, and the caller's time stamps (kept non-decreasing).
///
/// Memory is bounded by the open connections (a few dozen octets each): frames go straight
/// to `W`, typically a [`std::io::BufWriter`] on a file. Wireshark's TCP analysis finds
/// nothing to flag: an end that has received close to a window of data without sending
/// anything gets a pure ACK written first, as a real stack would have sent.
#[derive(Debug)]
pub struct TcpFlows<W: Write> {
    out: W,
    flows: HashMap<FlowId, Flow>,
    next_id: u64,
    last: Duration,
    frame: Vec<u8>,
    frames: u64,
}

impl<W: Write> TcpFlows<W> {
    /// Write the pcap file header to `out`.
    ///
    /// # Errors
    /// The write error.
    pub fn new(mut out: W) -> io::Result<Self> {
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
        header.write_to(&mut out).map_err(io_error)?;
        Ok(TcpFlows {
            out,
            flows: HashMap::new(),
            next_id: 0,
            last: Duration::ZERO,
            frame: Vec::with_capacity(2_048),
            frames: 0,
        })
    }

    /// Frames written so far.
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Connections opened and not yet closed by both ends or reset.
    #[must_use]
    pub fn open_flows(&self) -> usize {
        self.flows.len()
    }

    /// A connection from `client` to `server` at `at` (time since the Unix epoch): SYN,
    /// SYN-ACK and ACK.
    ///
    /// # Errors
    /// The write error.
    pub fn open(
        &mut self,
        at: Duration,
        client: SocketAddr,
        server: SocketAddr,
    ) -> io::Result<FlowId> {
        let id = FlowId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        let end = |addr, seq| End {
            addr,
            seq,
            unacked: 0,
            fin: false,
        };
        let mut flow = Flow {
            client: end(client, ISN_CLIENT),
            server: end(server, ISN_SERVER),
        };
        self.segment(at, &mut flow, Side::Client, Flags::SYN, &[])?;
        self.segment(at, &mut flow, Side::Server, Flags::SYN | Flags::ACK, &[])?;
        self.segment(at, &mut flow, Side::Client, Flags::ACK, &[])?;
        self.flows.insert(id, flow);
        Ok(id)
    }

    /// `payload` sent by `from` on `flow` (split into segments of at most [`MAX_SEGMENT`]
    /// octets). Unknown or closed flows and empty payloads write nothing.
    ///
    /// # Errors
    /// The write error.
    pub fn send(
        &mut self,
        at: Duration,
        flow: FlowId,
        from: Side,
        payload: &[u8],
    ) -> io::Result<()> {
        let Some(mut f) = self.flows.get(&flow).copied() else {
            return Ok(());
        };
        let result = payload.chunks(MAX_SEGMENT).try_for_each(|chunk| {
            let receiver = from.other();
            let unacked = f.end(from).unacked;
            if unacked.saturating_add(chunk.len()) >= usize::from(WINDOW) {
                self.segment(at, &mut f, receiver, Flags::ACK, &[])?;
            }
            self.segment(at, &mut f, from, Flags::ACK | Flags::PSH, chunk)
        });
        self.flows.insert(flow, f);
        result
    }

    /// `from` closes its sending direction: FIN, and the other end's ACK. Once both ends
    /// have closed, the flow is forgotten.
    ///
    /// # Errors
    /// The write error.
    pub fn close(&mut self, at: Duration, flow: FlowId, from: Side) -> io::Result<()> {
        let Some(mut f) = self.flows.get(&flow).copied() else {
            return Ok(());
        };
        if f.end(from).fin {
            return Ok(());
        }
        self.segment(at, &mut f, from, Flags::FIN | Flags::ACK, &[])?;
        f.end(from).fin = true;
        self.segment(at, &mut f, from.other(), Flags::ACK, &[])?;
        if f.client.fin && f.server.fin {
            self.flows.remove(&flow);
        } else {
            self.flows.insert(flow, f);
        }
        Ok(())
    }

    /// `from` aborts the connection: RST. The flow is forgotten.
    ///
    /// # Errors
    /// The write error.
    pub fn reset(&mut self, at: Duration, flow: FlowId, from: Side) -> io::Result<()> {
        let Some(mut f) = self.flows.remove(&flow) else {
            return Ok(());
        };
        self.segment(at, &mut f, from, Flags::RST | Flags::ACK, &[])
    }

    /// Flush the underlying writer.
    ///
    /// # Errors
    /// The write error.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flush and return the underlying writer.
    ///
    /// # Errors
    /// The flush error.
    pub fn into_inner(self) -> io::Result<W> {
        let mut w = self.out;
        w.flush()?;
        Ok(w)
    }

    fn segment(
        &mut self,
        at: Duration,
        flow: &mut Flow,
        from: Side,
        flags: Flags,
        payload: &[u8],
    ) -> io::Result<()> {
        let src = *flow.end(from);
        let dst = *flow.end(from.other());
        build_segment(
            &mut self.frame,
            (src.addr, src.seq),
            (dst.addr, dst.seq),
            from,
            flags,
            payload,
        )?;
        self.last = self.last.max(at);
        // The classic record header (little endian, microseconds), then the frame.
        let len = u32::try_from(self.frame.len()).map_err(io::Error::other)?;
        let secs = u32::try_from(self.last.as_secs()).map_err(io::Error::other)?;
        let mut record = [0u8; 16];
        for (dst, v) in record
            .chunks_exact_mut(4)
            .zip([secs, self.last.subsec_micros(), len, len])
        {
            dst.copy_from_slice(&v.to_le_bytes());
        }
        self.out.write_all(&record)?;
        self.out.write_all(&self.frame)?;
        self.frames = self.frames.wrapping_add(1);
        // The segment's sequence space: its payload, plus one for SYN and FIN.
        let used = u32::try_from(payload.len()).map_err(io::Error::other)?;
        let used = used.wrapping_add(u32::from(flags.has(Flags::SYN) || flags.has(Flags::FIN)));
        let sender = flow.end(from);
        sender.seq = sender.seq.wrapping_add(used);
        sender.unacked = sender.unacked.saturating_add(payload.len());
        if flags.has(Flags::ACK) {
            flow.end(from.other()).unacked = 0;
        }
        Ok(())
    }
}

/// TCP header flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flags(u8);

impl Flags {
    pub(crate) const FIN: Flags = Flags(0x01);
    pub(crate) const SYN: Flags = Flags(0x02);
    pub(crate) const RST: Flags = Flags(0x04);
    pub(crate) const PSH: Flags = Flags(0x08);
    pub(crate) const ACK: Flags = Flags(0x10);

    pub(crate) fn has(self, f: Flags) -> bool {
        self.0 & f.0 == f.0
    }
}

impl core::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

/// Build one Ethernet/IP/TCP frame into `frame` (cleared first): from `src` (address and
/// sequence number) to `dst` (address and the sequence number acknowledged when `flags`
/// has ACK). IPv4 when both addresses are IPv4 (or IPv4-mapped), IPv6 otherwise.
pub(crate) fn build_segment(
    frame: &mut Vec<u8>,
    src: (SocketAddr, u32),
    dst: (SocketAddr, u32),
    from: Side,
    flags: Flags,
    payload: &[u8],
) -> io::Result<()> {
    let mac = |n: u8| [0x02, 0, 0, 0, 0, n];
    let (smac, dmac) = match from {
        Side::Client => (mac(1), mac(2)),
        Side::Server => (mac(2), mac(1)),
    };
    let eth = PacketBuilder::ethernet2(smac, dmac);
    let ip = match (v4(src.0.ip()), v4(dst.0.ip())) {
        (Some(s), Some(d)) => eth.ipv4(s, d, 64),
        _ => eth.ipv6(v6(src.0.ip()), v6(dst.0.ip()), 64),
    };
    let mut b = ip.tcp(src.0.port(), dst.0.port(), src.1, WINDOW);
    if flags.has(Flags::SYN) {
        b = b.syn();
    }
    if flags.has(Flags::FIN) {
        b = b.fin();
    }
    if flags.has(Flags::RST) {
        b = b.rst();
    }
    if flags.has(Flags::PSH) && !payload.is_empty() {
        b = b.psh();
    }
    if flags.has(Flags::ACK) {
        b = b.ack(dst.1);
    }
    frame.clear();
    frame.reserve(b.size(payload.len()));
    b.write(frame, payload).map_err(io::Error::other)
}

fn io_error(e: pcap_file::PcapError) -> io::Error {
    match e {
        pcap_file::PcapError::IoError(e) => e,
        other => io::Error::other(other),
    }
}

fn v4(ip: IpAddr) -> Option<[u8; 4]> {
    match ip {
        IpAddr::V4(a) => Some(a.octets()),
        IpAddr::V6(a) => a.to_ipv4_mapped().map(|a| a.octets()),
    }
}

fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::type_complexity)]
mod tests {
    use super::*;
    use crate::{read_frames, read_tcp_bytes};
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};

    fn t(ms: u64) -> Duration {
        Duration::from_secs(1_700_000_000) + Duration::from_millis(ms)
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    /// (src port, dst port, seq, ack or None, SYN, FIN, RST, payload length) per frame.
    fn headers(pcap: &[u8]) -> Vec<(u16, u16, u32, Option<u32>, bool, bool, bool, usize)> {
        read_frames(pcap)
            .unwrap()
            .iter()
            .map(|f| {
                let p = SlicedPacket::from_ethernet(&f.data).unwrap();
                let Some(TransportSlice::Tcp(tcp)) = p.transport else {
                    panic!("not TCP")
                };
                (
                    tcp.source_port(),
                    tcp.destination_port(),
                    tcp.sequence_number(),
                    tcp.ack().then(|| tcp.acknowledgment_number()),
                    tcp.syn(),
                    tcp.fin(),
                    tcp.rst(),
                    tcp.payload().len(),
                )
            })
            .collect()
    }

    #[test]
    fn two_interleaved_flows_reassemble_with_their_own_addresses() {
        let mut w = TcpFlows::new(Vec::new()).unwrap();
        let a = w
            .open(t(0), addr("10.0.0.1:40000"), addr("10.0.0.2:102"))
            .unwrap();
        let b = w
            .open(t(1), addr("10.0.0.3:40001"), addr("10.0.0.4:2404"))
            .unwrap();
        w.send(t(2), a, Side::Client, b"hello").unwrap();
        w.send(t(3), b, Side::Client, b"104").unwrap();
        w.send(t(4), a, Side::Server, b"world").unwrap();
        w.close(t(5), a, Side::Client).unwrap();
        w.send(t(6), a, Side::Server, b"late").unwrap();
        w.close(t(7), a, Side::Server).unwrap();
        assert_eq!(w.open_flows(), 1);
        w.reset(t(8), b, Side::Server).unwrap();
        assert_eq!(w.open_flows(), 0);
        // Closed and reset flows write nothing more.
        w.send(t(9), b, Side::Client, b"gone").unwrap();
        let frames = w.frames();
        let pcap = w.into_inner().unwrap();
        assert_eq!(read_frames(&pcap).unwrap().len() as u64, frames);

        let chunks = read_tcp_bytes(&pcap).unwrap();
        let data: Vec<(u16, u16, &[u8])> = chunks
            .iter()
            .map(|c| (c.flow.src_port, c.flow.dst_port, c.data.as_slice()))
            .collect();
        assert_eq!(
            data,
            [
                (40000, 102, &b"hello"[..]),
                (40001, 2404, b"104"),
                (102, 40000, b"world"),
                (102, 40000, b"late"),
            ]
        );
        assert_eq!(chunks[1].flow.src, "10.0.0.3".parse::<IpAddr>().unwrap());
        assert_eq!(chunks[2].timestamp, t(4));
    }

    #[test]
    fn handshake_fin_and_rst_carry_consistent_numbers() {
        let mut w = TcpFlows::new(Vec::new()).unwrap();
        let c = addr("192.0.2.1:50000");
        let s = addr("192.0.2.2:102");
        let f = w.open(t(0), c, s).unwrap();
        w.send(t(1), f, Side::Client, &[1, 2, 3]).unwrap();
        w.close(t(2), f, Side::Server).unwrap();
        w.close(t(3), f, Side::Client).unwrap();
        let h = headers(&w.into_inner().unwrap());
        let (cp, sp) = (50000, 102);
        assert_eq!(
            h,
            [
                (cp, sp, 1000, None, true, false, false, 0),
                (sp, cp, 5000, Some(1001), true, false, false, 0),
                (cp, sp, 1001, Some(5001), false, false, false, 0),
                (cp, sp, 1001, Some(5001), false, false, false, 3),
                (sp, cp, 5001, Some(1004), false, true, false, 0),
                (cp, sp, 1004, Some(5002), false, false, false, 0),
                (cp, sp, 1004, Some(5002), false, true, false, 0),
                (sp, cp, 5002, Some(1005), false, false, false, 0),
            ]
        );

        let mut w = TcpFlows::new(Vec::new()).unwrap();
        let f = w.open(t(0), c, s).unwrap();
        w.send(t(1), f, Side::Server, &[9; 10]).unwrap();
        w.reset(t(2), f, Side::Client).unwrap();
        let h = headers(&w.into_inner().unwrap());
        assert_eq!(h[4], (cp, sp, 1001, Some(5011), false, false, true, 0));
    }

    #[test]
    fn long_one_way_data_is_split_and_acknowledged_before_the_window_fills() {
        let mut w = TcpFlows::new(Vec::new()).unwrap();
        let f = w
            .open(t(0), addr("10.0.0.1:40000"), addr("10.0.0.2:102"))
            .unwrap();
        let big = vec![0x55; 200_000];
        w.send(t(1), f, Side::Server, &big).unwrap();
        for _ in 0..20 {
            w.send(t(2), f, Side::Server, &[0xAA; 10_000]).unwrap();
        }
        let pcap = w.into_inner().unwrap();
        let h = headers(&pcap);
        let mut in_flight = 0usize;
        for (sport, _, _, _, _, _, _, len) in &h[3..] {
            if *sport == 102 {
                assert!(*len <= MAX_SEGMENT);
                in_flight += len;
                assert!(in_flight < usize::from(WINDOW), "window filled");
            } else {
                assert_eq!(*len, 0);
                in_flight = 0;
            }
        }
        let total: usize = read_tcp_bytes(&pcap)
            .unwrap()
            .iter()
            .map(|c| c.data.len())
            .sum();
        assert_eq!(total, 400_000);
    }

    #[test]
    fn ipv6_addresses_give_ipv6_frames_and_mapped_ones_ipv4() {
        let mut w = TcpFlows::new(Vec::new()).unwrap();
        let f = w
            .open(t(0), addr("[2001:db8::1]:40000"), addr("[2001:db8::2]:102"))
            .unwrap();
        w.send(t(1), f, Side::Client, b"v6").unwrap();
        let g = w
            .open(t(2), addr("[::ffff:10.0.0.1]:40001"), addr("10.0.0.2:102"))
            .unwrap();
        w.send(t(3), g, Side::Client, b"v4").unwrap();
        let frames = read_frames(&w.into_inner().unwrap()).unwrap();
        let is_v6: Vec<bool> = frames
            .iter()
            .map(|f| {
                matches!(
                    SlicedPacket::from_ethernet(&f.data).unwrap().net,
                    Some(NetSlice::Ipv6(_))
                )
            })
            .collect();
        assert_eq!(is_v6, [true, true, true, true, false, false, false, false]);
    }

    #[test]
    fn time_stamps_never_go_backwards() {
        let mut w = TcpFlows::new(Vec::new()).unwrap();
        let f = w
            .open(t(10), addr("10.0.0.1:1"), addr("10.0.0.2:2"))
            .unwrap();
        w.send(t(5), f, Side::Client, b"x").unwrap();
        let frames = read_frames(&w.into_inner().unwrap()).unwrap();
        assert!(frames.iter().all(|f| f.timestamp == t(10)));
    }
}
