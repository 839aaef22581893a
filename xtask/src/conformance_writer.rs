//! Our synthetic pcap writer (telecontrol-capture's `TcpPcapWriter`) against tshark's TCP
//! analysis: every other tshark check trusts these files, so they must be clean TCP.

use crate::conformance_tshark::{self as tshark, as_list};
use anyhow::{Result, bail};
use capture::TcpPcapWriter;
use std::path::Path;

/// An M_SP_NA_1 ASDU (type 1, one object, COT 3 spontaneous, CA 1, IOA 1, SPI on): fixed
/// bytes so this check depends on nothing but the writer.
const ASDU: [u8; 10] = [0x01, 0x01, 0x03, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01];

fn i_frame(send_seq: u16, recv_seq: u16) -> Vec<u8> {
    let [ns0, ns1] = (send_seq << 1).to_le_bytes();
    let [nr0, nr1] = (recv_seq << 1).to_le_bytes();
    // Length octet: 4 control octets + the 10-octet ASDU.
    let mut f = vec![0x68, 14, ns0, ns1, nr0, nr1];
    f.extend_from_slice(&ASDU);
    f
}

/// Write a conversation exercising what the writer must get right (handshake, data both
/// ways, several APDUs in one segment, one APDU split over two segments, a large segment)
/// and check tshark finds no TCP analysis flag, no checksum error, no expert warning, and
/// every byte and APDU we wrote.
pub fn check(out: &Path) -> Result<()> {
    let mut w = TcpPcapWriter::new([192, 0, 2, 1], 50_000, [192, 0, 2, 2], 2404);
    let mut sent = [0usize; 2]; // bytes client->server, server->client
    let mut apdus = 0usize;
    let mut send = |w: &mut TcpPcapWriter, from_client: bool, bytes: &[u8], n_apdus: usize| {
        w.send(from_client, bytes);
        sent[usize::from(!from_client)] += bytes.len();
        apdus += n_apdus;
    };
    send(&mut w, true, &[0x68, 0x04, 0x07, 0x00, 0x00, 0x00], 1); // STARTDT act
    send(&mut w, false, &[0x68, 0x04, 0x0B, 0x00, 0x00, 0x00], 1); // STARTDT con
    send(&mut w, false, &i_frame(0, 0), 1);
    let two = [i_frame(1, 0), i_frame(2, 0)].concat();
    send(&mut w, false, &two, 2);
    let split = i_frame(3, 0);
    let (a, b) = split.split_at(7);
    send(&mut w, false, a, 0);
    send(&mut w, false, b, 1);
    send(&mut w, true, &[0x68, 0x04, 0x01, 0x00, 0x08, 0x00], 1); // S, N(R)=4
    let big: Vec<u8> = (4..100).flat_map(|n| i_frame(n, 0)).collect();
    send(&mut w, false, &big, 96);
    send(&mut w, true, &[0x68, 0x04, 0x43, 0x00, 0x00, 0x00], 1); // TESTFR act
    send(&mut w, false, &[0x68, 0x04, 0x83, 0x00, 0x00, 0x00], 1); // TESTFR con
    let file = out.join("writer-check.pcap");
    w.write_file(&file)?;

    let packets = tshark::packets(&file, &[])?;
    let mut failures = Vec::new();
    let mut seen = [0usize; 2];
    let mut seen_apdus = 0usize;
    for p in &packets {
        for f in tshark::tcp_analysis_flags(&p.layers) {
            failures.push(format!("frame {}: {f}", p.number));
        }
        for f in tshark::problems(&p.layers) {
            failures.push(format!("frame {}: {f}", p.number));
        }
        let len: usize = tshark::find_str(&p.layers, "tcp.len")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let to_server = tshark::find_str(&p.layers, "tcp.dstport") == Some("2404");
        seen[usize::from(!to_server)] += len;
        seen_apdus += p.layers.get("iec60870_104").map_or(0, |v| as_list(v).len());
        let checksum_bad = ["ip.checksum.status", "tcp.checksum.status"]
            .iter()
            .any(|k| tshark::find_str(&p.layers, k).is_some_and(|s| s != "1"));
        if checksum_bad {
            failures.push(format!("frame {}: checksum not verified good", p.number));
        }
    }
    if seen != sent {
        failures.push(format!(
            "payload octets per direction: tshark {seen:?}, written {sent:?}"
        ));
    }
    if seen_apdus != apdus {
        failures.push(format!(
            "APDUs: tshark dissected {seen_apdus}, written {apdus}"
        ));
    }
    let last_completeness = packets
        .last()
        .and_then(|p| tshark::find_str(&p.layers, "tcp.completeness"))
        .map(str::to_owned);
    // SYN (1) + SYN-ACK (2) + ACK (4) + DATA (8); the conversation is not closed.
    if last_completeness.as_deref() != Some("15") {
        failures.push(format!(
            "tcp.completeness {last_completeness:?}, expected 15 (handshake + data)"
        ));
    }
    eprintln!(
        "writer check: {} frames, {} APDUs, {}+{} payload octets -> {}",
        packets.len(),
        seen_apdus,
        seen[0],
        seen[1],
        file.display()
    );
    if !failures.is_empty() {
        bail!(
            "tshark finds problems in a pcap written by TcpPcapWriter:\n  {}",
            failures.join("\n  ")
        );
    }
    Ok(())
}
