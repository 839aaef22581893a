//! Fuzz body for the command-line decoders of `telecontrol` (`telecontrol decode 104|101|mms`):
//! the hex parser, the stream splitter with resynchronisation, the per-protocol reports and
//! their JSON and text renderings, on bytes, on hex text and on TCP chunks.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::missing_panics_doc
)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use asdu::AsduParams;
use capture::{Chunk, Flow};
use iec101_link::AddressSize;
use telecontrol::decode::{hex, iec101, iec104, mms};

/// The reports' offsets ascend and each report's `raw` octets are the input's at its offset.
fn check_raw(input: &[u8], pieces: impl Iterator<Item = (usize, String)>) {
    let mut last: Option<usize> = None;
    for (offset, raw) in pieces {
        let bytes = hex::parse(&raw).expect("raw is hex");
        assert!(
            last.is_none_or(|l| offset > l),
            "offsets ascend: {offset} after {last:?}"
        );
        last = Some(offset);
        assert_eq!(
            input.get(offset..offset + bytes.len()),
            Some(&bytes[..]),
            "raw octets at offset {offset}"
        );
    }
}

/// `cli_decode`: byte 0 picks the protocol (0: 104, 1: 101, 2: MMS; bits 2–4 the 101 link
/// address and ASDU sizes), bit 7 hex text instead of octets, bits 5–6 a chunk size for the
/// TCP path. Nothing panics; every report renders as JSON and as a tree; on octets, report
/// offsets ascend and each report's raw octets are the input's at that offset; hex
/// formatting parses back to the same octets.
pub fn cli_decode(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let bytes: Vec<u8> = if sel & 0x80 != 0 {
        match hex::parse(&String::from_utf8_lossy(rest)) {
            Ok(b) => b,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        }
    } else {
        rest.to_vec()
    };
    assert_eq!(
        hex::parse(&hex::format(&bytes)).expect("own hex parses"),
        bytes
    );
    let params = iec101::Params101 {
        link_address: match sel >> 2 & 3 {
            0 => AddressSize::One,
            1 => AddressSize::Two,
            _ => AddressSize::None,
        },
        asdu: if sel & 0x10 == 0 {
            AsduParams::IEC101_COMPACT
        } else {
            AsduParams::IEC101_WIDE
        },
    };
    let size = [1usize, 7, 64, 1 << 20][usize::from(sel >> 5 & 3)];
    let flow = Flow {
        src: IpAddr::V4(Ipv4Addr::LOCALHOST),
        src_port: 40000,
        dst: IpAddr::V4(Ipv4Addr::LOCALHOST),
        dst_port: 2404,
    };
    let chunks: Vec<Chunk> = bytes
        .chunks(size)
        .enumerate()
        .map(|(i, c)| Chunk {
            frame: i as u64 + 1,
            timestamp: Duration::from_millis(i as u64),
            flow,
            data: c.to_vec(),
        })
        .collect();
    match sel & 3 {
        0 | 3 => {
            let reports = iec104::decode_bytes(&bytes, Some(1));
            for r in &reports {
                let _ = (r.to_json_line(), r.to_tree(), r.is_malformed());
            }
            check_raw(&bytes, reports.into_iter().map(|r| (r.offset, r.raw)));
            for r in iec104::decode_chunks(&chunks, 2404) {
                let _ = (r.to_json_line(), r.to_tree());
            }
        }
        1 => {
            let reports = iec101::decode_bytes(&bytes, Some(1), params);
            for r in &reports {
                let _ = (r.to_json_line(), r.to_tree(), r.is_malformed());
            }
            check_raw(&bytes, reports.into_iter().map(|r| (r.offset, r.raw)));
            for r in iec101::decode_chunks(&chunks, 2404, params) {
                let _ = (r.to_json_line(), r.to_tree());
            }
        }
        _ => {
            let reports = mms::decode_bytes(&bytes, Some(1));
            for r in &reports {
                let _ = (r.to_json_line(), r.to_tree(), r.is_malformed());
            }
            check_raw(&bytes, reports.into_iter().map(|r| (r.offset, r.raw)));
            for r in mms::decode_chunks(&chunks, 2404) {
                let _ = (r.to_json_line(), r.to_tree());
            }
        }
    }
}

/// `config_toml`: byte 0 picks the parser (0: the gateway's, 1: the 104 simulator's station
/// file, 2: its TLS section); the rest is the file's text (lossy UTF-8). Nothing panics; an
/// error renders, names the file and points at a line of the text (1-based, at most one
/// past the last line).
pub fn config_toml(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let path = std::path::Path::new("fuzz.toml");
    let error = match sel % 3 {
        0 => telecontrol::gateway::config::parse(path, &text).err(),
        1 => telecontrol::sim104::config::parse(path, &text).err(),
        _ => telecontrol::sim104::config::parse_tls(path, &text).err(),
    };
    if let Some(e) = error {
        assert!(e.to_string().starts_with("fuzz.toml"));
        if let Some(line) = e.line {
            assert!(
                (1..=text.lines().count() + 1).contains(&line),
                "line {line} outside the text"
            );
        }
    }
}
