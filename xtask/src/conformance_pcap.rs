//! `--pcap` recordings in tshark.
//!
//! - The multi-connection writer (telecontrol-capture's `TcpFlows`): interleaved
//!   connections, FIN, RST and long one-way transfers are clean TCP for tshark.
//! - `telecontrol demo --pcap` (run through the library, as the binary does): tshark decodes
//!   every TASE.2 frame as TPKT/COTP/session/presentation/ACSE/MMS and every 104 frame as
//!   IEC 60870-5-104, with no malformed frame, no expert warning or error and no TCP
//!   analysis flag; the MMS services the demo uses (initiate, read, write,
//!   defineNamedVariableList, informationReport) are all there, counted against floors.
//! - The simulators' `--pcap` ([`conformance_pcap_sim`](crate::conformance_pcap_sim)).

use crate::conformance_tshark::{self as tshark, Packet, as_list};
use anyhow::{Context, Result, bail};
use capture::{Side, TcpFlows};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// Run the checks; artefacts `pcap-flows.pcap`, `demo-pcap.pcap`, `demo-pcap.txt` (the
/// counts and the tshark command) and `sim-*.pcap` under `out`.
pub fn check(out: &Path) -> Result<()> {
    flows(out)?;
    demo(out)?;
    crate::conformance_pcap_sim::check(out)
}

/// Several connections written by `TcpFlows`: no TCP analysis flag, every payload octet
/// seen, the closed connection complete (handshake, data, FIN).
fn flows(out: &Path) -> Result<()> {
    let file = out.join("pcap-flows.pcap");
    let mut w = TcpFlows::new(std::io::BufWriter::new(std::fs::File::create(&file)?))?;
    let at = |ms: u64| Duration::from_secs(1_700_000_000) + Duration::from_millis(ms);
    let addr = |s: &str| -> SocketAddr { s.parse().unwrap_or_else(|_| ([0, 0, 0, 0], 0).into()) };
    let startdt = [0x68, 0x04, 0x07, 0x00, 0x00, 0x00];
    let con = [0x68, 0x04, 0x0B, 0x00, 0x00, 0x00];
    let a = w.open(at(0), addr("192.0.2.1:50001"), addr("192.0.2.2:2404"))?;
    let b = w.open(at(1), addr("192.0.2.3:50002"), addr("192.0.2.2:2404"))?;
    let c = w.open(
        at(2),
        addr("[2001:db8::1]:50003"),
        addr("[2001:db8::2]:2404"),
    )?;
    let mut sent = 0usize;
    for (flow, t) in [(a, 3), (b, 4), (c, 5)] {
        w.send(at(t), flow, Side::Client, &startdt)?;
        w.send(at(t + 1), flow, Side::Server, &con)?;
        sent += 12;
    }
    // 200 000 octets of S-frames one way: the writer must acknowledge before the window fills.
    let s_frames: Vec<u8> = (0..200_000 / 6)
        .flat_map(|_| [0x68, 0x04, 0x01, 0x00, 0x02, 0x00])
        .collect();
    w.send(at(10), c, Side::Server, &s_frames)?;
    sent += s_frames.len();
    w.close(at(11), a, Side::Client)?;
    w.close(at(12), a, Side::Server)?;
    w.reset(at(13), b, Side::Server)?;
    w.into_inner()?;

    let packets = tshark::packets(&file, &[])?;
    let mut failures = Vec::new();
    let mut seen = 0usize;
    let mut resets = 0;
    for p in &packets {
        // tshark marks every RST with an expert warning: expected once, for the reset we wrote.
        for f in flags_and_problems(p) {
            if f.ends_with("expert warning: Connection reset (RST)") {
                resets += 1;
            } else {
                failures.push(f);
            }
        }
        seen += tshark::find_str(&p.layers, "tcp.len")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
    }
    if resets != 1 {
        failures.push(format!("{resets} frames flagged as RST, 1 written"));
    }
    if seen != sent {
        failures.push(format!("payload octets: tshark {seen}, written {sent}"));
    }
    // The closed connection (stream 0): SYN, SYN-ACK, ACK, DATA, FIN = 1+2+4+8+16.
    let completeness = packets
        .iter()
        .rev()
        .find(|p| tshark::find_str(&p.layers, "tcp.stream") == Some("0"))
        .and_then(|p| tshark::find_str(&p.layers, "tcp.completeness"));
    if completeness != Some("31") {
        failures.push(format!(
            "closed connection: tcp.completeness {completeness:?}, expected 31"
        ));
    }
    eprintln!(
        "pcap flows check: {} frames, 3 connections, {seen} payload octets -> {}",
        packets.len(),
        file.display()
    );
    if !failures.is_empty() {
        bail!(
            "tshark finds problems in a pcap written by TcpFlows:\n  {}",
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// What tshark found in the demo's recording.
#[derive(Default)]
struct Counts {
    frames: usize,
    mms_frames: usize,
    iec104_frames: usize,
    /// MMS PDU kinds ("initiate request", "read response", ...) and how many.
    mms: BTreeMap<String, usize>,
    apdus: usize,
    asdus: usize,
    /// ASDU type identifiers and how many.
    asdu_types: BTreeMap<u64, usize>,
}

/// MMS confirmed services by the number tshark shows (ISO 9506-2 ConfirmedServiceRequest).
fn service_name(n: &str) -> String {
    match n {
        "1" => "getNameList".into(),
        "4" => "read".into(),
        "5" => "write".into(),
        "6" => "getVariableAccessAttributes".into(),
        "11" => "defineNamedVariableList".into(),
        "12" => "getNamedVariableListAttributes".into(),
        "13" => "deleteNamedVariableList".into(),
        other => format!("service {other}"),
    }
}

/// The least of each MMS PDU kind a 2-second demo must show.
const MMS_FLOORS: [(&str, usize); 10] = [
    ("initiate request", 1),
    ("initiate response", 1),
    ("read request", 3),
    ("read response", 3),
    ("write request", 2),
    ("write response", 2),
    ("defineNamedVariableList request", 1),
    ("defineNamedVariableList response", 1),
    ("informationReport", 3),
    ("conclude request", 1),
];

fn demo(out: &Path) -> Result<()> {
    let file = out.join("demo-pcap.pcap");
    let summary = telecontrol::demo::run(telecontrol::demo::DemoOptions {
        live: Duration::from_secs(2),
        json: true,
        pcap: Some(file.clone()),
    })
    .context("telecontrol demo --live 2 --pcap")?;
    let (mms_port, iec104_port) = ports(&file)?;
    let tpkt_ports = format!("tpkt.tcp.ports:102,{mms_port}");
    let decode_104 = format!("tcp.port=={iec104_port},iec60870_104");
    let packets = tshark::packets(&file, &["-o", &tpkt_ports, "-d", &decode_104])?;
    let mut failures = Vec::new();
    let mut counts = Counts {
        frames: packets.len(),
        ..Counts::default()
    };
    for p in &packets {
        failures.extend(flags_and_problems(p));
        let len: usize = tshark::find_str(&p.layers, "tcp.len")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if len == 0 {
            continue;
        }
        let ports = [
            tshark::find_str(&p.layers, "tcp.srcport"),
            tshark::find_str(&p.layers, "tcp.dstport"),
        ];
        let on = |port: u16| ports.contains(&Some(port.to_string().as_str()));
        if on(mms_port) {
            counts.mms_frames += 1;
            failures.extend(osi_layers(p));
            count_mms(&p.layers, &mut counts.mms);
        } else if on(iec104_port) {
            counts.iec104_frames += 1;
            let apdus = p.layers.get("iec60870_104").map_or(0, |v| as_list(v).len());
            if apdus == 0 {
                failures.push(format!(
                    "frame {}: 104 payload not decoded as IEC 60870-5-104",
                    p.number
                ));
            }
            counts.apdus += apdus;
            let asdus = p
                .layers
                .get("iec60870_asdu")
                .map(as_list)
                .unwrap_or_default();
            counts.asdus += asdus.len();
            for a in asdus {
                if let Some(t) = a
                    .get("iec60870_asdu.typeid")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                {
                    *counts.asdu_types.entry(t).or_default() += 1;
                }
            }
        } else {
            failures.push(format!(
                "frame {}: payload on an unexpected connection",
                p.number
            ));
        }
    }
    for (kind, floor) in MMS_FLOORS {
        let n = counts.mms.get(kind).copied().unwrap_or(0);
        if n < floor {
            failures.push(format!("MMS {kind}: {n} seen, at least {floor} expected"));
        }
    }
    // The 104 side: interrogation (100), measurements, and the command (45) with its
    // confirmation and termination.
    for (t, floor) in [(100u64, 3usize), (45, 4)] {
        let n = counts.asdu_types.get(&t).copied().unwrap_or(0);
        if n < floor {
            failures.push(format!(
                "104 ASDU type {t}: {n} seen, at least {floor} expected"
            ));
        }
    }
    if counts.asdus < 20 {
        failures.push(format!(
            "104 ASDUs: {} seen, at least 20 expected",
            counts.asdus
        ));
    }
    let report = report(&counts, &file, mms_port, iec104_port, summary.reports);
    std::fs::write(out.join("demo-pcap.txt"), &report)?;
    eprint!("{report}");
    if !failures.is_empty() {
        bail!(
            "tshark finds problems in `telecontrol demo --pcap`:\n  {}",
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// The TASE.2 (MMS) and 104 server ports: the destination of each connection's first
/// payload, told apart by its first octet (TPKT version 3, 104 start 0x68).
fn ports(file: &Path) -> Result<(u16, u16)> {
    let chunks = capture::read_tcp(file)?;
    let first = |start: u8| {
        chunks
            .iter()
            .find(|c| c.data.first() == Some(&start))
            .map(|c| c.flow.dst_port)
    };
    let mms = first(0x03).context("no TPKT connection in the demo's pcap")?;
    let iec104 = first(0x68).context("no 104 connection in the demo's pcap")?;
    Ok((mms, iec104))
}

pub(crate) fn flags_and_problems(p: &Packet) -> Vec<String> {
    tshark::tcp_analysis_flags(&p.layers)
        .into_iter()
        .chain(tshark::problems(&p.layers))
        .map(|f| format!("frame {}: {f}", p.number))
        .collect()
}

/// A TASE.2 data frame: TPKT and COTP always; a COTP data TPDU carries session,
/// presentation and ACSE or MMS.
pub(crate) fn osi_layers(p: &Packet) -> Vec<String> {
    let has = |l: &str| p.layers.get(l).is_some();
    let mut missing: Vec<&str> = ["tpkt", "cotp"].into_iter().filter(|l| !has(l)).collect();
    let data_tpdu = tshark::find_str(&p.layers, "cotp.type") == Some("0x0f");
    if data_tpdu {
        missing.extend(["ses", "pres"].into_iter().filter(|l| !has(l)));
        if !has("mms") && !has("acse") {
            missing.push("acse/mms");
        }
    }
    if missing.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "frame {}: not decoded as {}",
            p.number,
            missing.join(", ")
        )]
    }
}

fn count_mms(layers: &Value, counts: &mut BTreeMap<String, usize>) {
    let Some(mms) = layers.get("mms") else { return };
    let mut add = |k: String| *counts.entry(k).or_default() += 1;
    tshark::walk(mms, &mut |key, v| {
        let names: Vec<String> = as_list(v)
            .iter()
            .filter_map(|x| x.as_str())
            .map(str::to_owned)
            .collect();
        match key {
            "mms.initiate_RequestPDU_element" => add("initiate request".into()),
            "mms.initiate_ResponsePDU_element" => add("initiate response".into()),
            "mms.conclude_RequestPDU_element" => add("conclude request".into()),
            "mms.conclude_ResponsePDU_element" => add("conclude response".into()),
            "mms.informationReport_element" => add("informationReport".into()),
            "mms.confirmedServiceRequest" => names
                .iter()
                .for_each(|n| add(format!("{} request", service_name(n)))),
            "mms.confirmedServiceResponse" => names
                .iter()
                .for_each(|n| add(format!("{} response", service_name(n)))),
            _ => {}
        }
    });
}

fn report(c: &Counts, file: &Path, mms_port: u16, iec104_port: u16, reports: u64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "demo --pcap check: {} ({})",
        file.display(),
        tshark::version()
    );
    let _ = writeln!(
        s,
        "  tshark -r {} -o tpkt.tcp.ports:102,{mms_port} -d tcp.port=={iec104_port},iec60870_104",
        file.display()
    );
    let _ = writeln!(
        s,
        "  {} frames; {} TASE.2 data frames, {} IEC 104 data frames; 0 malformed, 0 expert warnings/errors, 0 TCP analysis flags",
        c.frames, c.mms_frames, c.iec104_frames
    );
    let mms: Vec<String> = c.mms.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(s, "  MMS PDUs: {}", mms.join(", "));
    let types: Vec<String> = c
        .asdu_types
        .iter()
        .map(|(t, n)| format!("type {t} ×{n}"))
        .collect();
    let _ = writeln!(
        s,
        "  IEC 104: {} APDUs, {} ASDUs ({})",
        c.apdus,
        c.asdus,
        types.join(", ")
    );
    let _ = writeln!(s, "  the control centre received {reports} reports");
    s
}
