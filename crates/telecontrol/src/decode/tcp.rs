//! Frames from the TCP streams of a capture: one stream splitter per direction.

use super::report::Report;
use super::stream::{Framing, Piece, StreamSplitter};
use capture::{Chunk, Flow};
use std::collections::BTreeMap;

/// Split every direction with `port` at either end into frames and report them in capture
/// order; a frame is reported with the number of the pcap frame that completed it, the
/// remains of a direction that ends inside a frame last (without a frame number).
pub(crate) fn decode_chunks(
    chunks: &[Chunk],
    port: u16,
    is_start: impl Fn(u8) -> bool + Copy,
    framer: impl Fn(&[u8]) -> Framing + Copy,
    report: impl Fn(Piece) -> Report,
) -> Vec<Report> {
    let mut streams: BTreeMap<Flow, StreamSplitter> = BTreeMap::new();
    let mut out = Vec::new();
    let mut progress = super::progress::Progress::new("decoding", chunks.len());
    for (i, c) in chunks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.flow.src_port == port || c.flow.dst_port == port)
    {
        progress.step(i);
        let pieces = streams
            .entry(c.flow)
            .or_default()
            .push(&c.data, is_start, framer);
        out.extend(
            pieces
                .into_iter()
                .map(|p| with_flow(report(p), &c.flow, Some(c.frame), port)),
        );
    }
    for (flow, mut s) in streams {
        let pieces = s.finish(is_start, framer);
        out.extend(
            pieces
                .into_iter()
                .map(|p| with_flow(report(p), &flow, None, port)),
        );
    }
    out
}

fn with_flow(mut r: Report, flow: &Flow, frame: Option<u64>, port: u16) -> Report {
    r.frame = frame;
    r.flow = Some(flow.to_string());
    r.direction = Some(if flow.dst_port == port {
        "client_to_server"
    } else {
        "server_to_client"
    });
    r
}
