//! The IEC 104 oracle: every ASDU sample our encoder builds, carried in a 104 capture, is
//! decoded by tshark's `iec60870_104`/`iec60870_asdu` dissectors and by our decoder
//! (`telecontrol::decode`, the library behind `telecontrol decode 104 --pcap --json`); the
//! two must agree frame by frame on the APCI, the ASDU header and every information
//! object's address, value, quality and time tag.
//!
//! Where tshark 4.0 cannot say (it does not dissect some elements) or says it differently
//! (bit strings), the type is in [`LIMITATIONS`] with the reason and a weaker check that
//! still runs; nothing is skipped silently.

use crate::conformance_iec104_facts as facts;
use crate::conformance_tshark::{self as tshark, Packet, as_list};
use anyhow::{Result, bail};
use capture::TcpPcapWriter;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use telecontrol::decode::{Report, iec104};

/// How tshark 4.0 falls short for a type, and what is checked instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// tshark shows the first object's address and the octets after it as
    /// `iec60870_asdu.rawdata` without dissecting the elements: we check that address and
    /// that the raw octets are exactly ours from the first element to the end of the ASDU.
    RawData,
    /// tshark shows the BSI bitstring of 32 bits big-endian (`proto_tree_add_bits_item(..,
    /// ENC_BIG_ENDIAN)`) where IEC 60870-5-4 and our decoder read the four octets
    /// little-endian: we compare the value byte-swapped.
    BitstringBigEndian,
}

/// Known tshark 4.0 dissector limitations, each with its reason (like rustls's bogo config):
/// (type id, limit, reason).
pub const LIMITATIONS: &[(u8, Limit, &str)] = &[
    (
        7,
        Limit::BitstringBigEndian,
        "M_BO_NA_1: tshark shows BSI big-endian",
    ),
    (
        20,
        Limit::RawData,
        "M_PS_NA_1: tshark has no SCD dissector (raw data)",
    ),
    (
        33,
        Limit::BitstringBigEndian,
        "M_BO_TB_1: tshark shows BSI big-endian",
    ),
    (
        38,
        Limit::RawData,
        "M_EP_TD_1: SEP/CP16 not dissected (get_SEP is a todo)",
    ),
    (
        39,
        Limit::RawData,
        "M_EP_TE_1: SPE/QDP/CP16 not dissected (get_QDP is a todo)",
    ),
    (
        40,
        Limit::RawData,
        "M_EP_TF_1: OCI/QDP/CP16 not dissected (get_QDP is a todo)",
    ),
    (
        51,
        Limit::BitstringBigEndian,
        "C_BO_NA_1: tshark shows BSI big-endian",
    ),
    (
        64,
        Limit::BitstringBigEndian,
        "C_BO_TA_1: tshark shows BSI big-endian",
    ),
    (
        102,
        Limit::RawData,
        "C_RD_NA_1: no element; tshark shows the address at ASDU level",
    ),
    (
        107,
        Limit::RawData,
        "C_TS_TA_1: TSC and time tag not dissected in 4.0 (raw data)",
    ),
    (
        113,
        Limit::RawData,
        "P_AC_NA_1: QPA not dissected (raw data)",
    ),
    (
        120,
        Limit::RawData,
        "F_FR_NA_1: file transfer elements not dissected (raw data)",
    ),
    (
        121,
        Limit::RawData,
        "F_SR_NA_1: file transfer elements not dissected (raw data)",
    ),
    (
        122,
        Limit::RawData,
        "F_SC_NA_1: file transfer elements not dissected (raw data)",
    ),
    (
        123,
        Limit::RawData,
        "F_LS_NA_1: file transfer elements not dissected (raw data)",
    ),
    (
        124,
        Limit::RawData,
        "F_AF_NA_1: file transfer elements not dissected (raw data)",
    ),
    (
        125,
        Limit::RawData,
        "F_SG_NA_1: file transfer elements not dissected (raw data)",
    ),
    (
        126,
        Limit::RawData,
        "F_DR_TA_1: file transfer elements not dissected (raw data)",
    ),
    (
        127,
        Limit::RawData,
        "F_SC_NB_1: file transfer elements not dissected (raw data)",
    ),
];

pub fn limit(type_id: u8) -> Option<(Limit, &'static str)> {
    LIMITATIONS
        .iter()
        .find(|(t, _, _)| *t == type_id)
        .map(|(_, l, r)| (*l, *r))
}

/// One ASDU to carry, and the facts its encoder says decoding must give (telecontrol-testkit's
/// `asdu_samples`): our decoder is held to them too.
pub struct Sample {
    pub label: String,
    pub asdu: Vec<u8>,
    pub type_id: u8,
    pub sq: bool,
    pub cot: u8,
    pub ca: u16,
    pub ioas: Vec<u32>,
}

/// Our decoder against the encoder's own facts, sample by sample (the I frames carry the
/// samples in order).
fn encoder_facts(samples: &[Sample], ours: &[Report]) -> Vec<String> {
    let asdus = ours.iter().filter(|r| r.apci == Some("I"));
    let mut failures = Vec::new();
    for (s, r) in samples.iter().zip(asdus) {
        let Some(a) = &r.asdu else {
            failures.push(format!("{}: our decoder has no ASDU", s.label));
            continue;
        };
        let ioas: Vec<u32> = a.objects.iter().map(|o| o.ioa).collect();
        let got = (a.type_id, a.type_name.as_str(), a.sq, a.cot, a.ca, &ioas);
        let want = (s.type_id, s.label.as_str(), s.sq, s.cot, s.ca, &s.ioas);
        if got != want {
            failures.push(format!(
                "{}: our decoder gives (type, mnemonic, sq, cot, ca, ioas) {got:?}, the encoder says {want:?}",
                s.label
            ));
        }
    }
    failures
}

pub const CLIENT: [u8; 4] = [192, 0, 2, 10];
pub const SERVER: [u8; 4] = [192, 0, 2, 20];
const PORT: u16 = 2404;

fn u_frame(control: u8) -> Vec<u8> {
    vec![0x68, 0x04, control, 0x00, 0x00, 0x00]
}

fn s_frame(recv_seq: u16) -> Vec<u8> {
    let [a, b] = (recv_seq << 1).to_le_bytes();
    vec![0x68, 0x04, 0x01, 0x00, a, b]
}

fn i_frame(send_seq: u16, recv_seq: u16, asdu: &[u8]) -> Result<Vec<u8>> {
    let Ok(len) = u8::try_from(asdu.len() + 4) else {
        bail!("ASDU of {} octets does not fit an APDU", asdu.len());
    };
    let [s0, s1] = (send_seq << 1).to_le_bytes();
    let [r0, r1] = (recv_seq << 1).to_le_bytes();
    let mut f = vec![0x68, len, s0, s1, r0, r1];
    f.extend_from_slice(asdu);
    Ok(f)
}

/// Control-direction types travel from the client, the others from the server.
pub fn from_client(type_id: u8) -> bool {
    matches!(type_id, 45..=69 | 100..=113 | 122 | 124 | 127)
}

/// The APDU conversation: STARTDT, every sample as an I frame (consecutive N(S) per
/// direction, N(R) acknowledging the peer), an S frame from the client after every 8 I
/// frames it received, then TESTFR and STOPDT. Returns (from_client, APDU) in order.
fn conversation(samples: &[Sample]) -> Result<Vec<(bool, Vec<u8>)>> {
    let mut out = vec![(true, u_frame(0x07)), (false, u_frame(0x0B))];
    let (mut c_sent, mut s_sent) = (0u16, 0u16);
    for s in samples {
        let t = s.asdu.first().copied().unwrap_or(0);
        if from_client(t) {
            out.push((true, i_frame(c_sent, s_sent, &s.asdu)?));
            c_sent += 1;
        } else {
            out.push((false, i_frame(s_sent, c_sent, &s.asdu)?));
            s_sent += 1;
            if s_sent % 8 == 0 {
                out.push((true, s_frame(s_sent)));
            }
        }
    }
    out.push((true, s_frame(s_sent)));
    out.push((false, s_frame(c_sent)));
    for c in [0x43, 0x83, 0x13, 0x23] {
        // TESTFR act/con, STOPDT act/con
        out.push((c == 0x43 || c == 0x13, u_frame(c)));
    }
    Ok(out)
}

/// Write the conversation one APDU per segment, or (`coalesce`) each direction's run of
/// APDUs cut into segments of `coalesce` octets regardless of APDU boundaries.
fn write_pcap(path: &Path, apdus: &[(bool, Vec<u8>)], coalesce: Option<usize>) -> Result<()> {
    let mut w = TcpPcapWriter::new(CLIENT, 50_104, SERVER, PORT);
    match coalesce {
        None => {
            for (c, a) in apdus {
                w.send(*c, a);
            }
        }
        Some(size) => {
            let mut i = 0;
            while i < apdus.len() {
                let dir = apdus[i].0;
                let mut run = Vec::new();
                while i < apdus.len() && apdus[i].0 == dir {
                    run.extend_from_slice(&apdus[i].1);
                    i += 1;
                }
                for seg in run.chunks(size.max(1)) {
                    w.send(dir, seg);
                }
            }
        }
    }
    w.write_file(path)?;
    Ok(())
}

/// Per-type tally for the summary table.
#[derive(Default)]
pub struct Tally {
    pub name: String,
    pub frames: usize,
    pub objects: usize,
    pub fields: usize,
    pub failures: usize,
}

/// Run the oracle on `samples`; writes `NAME.pcap`, `NAME.tshark.json`, `NAME.ours.jsonl`
/// and `NAME.summary.txt` under `out`.
pub fn check(out: &Path, name: &str, samples: &[Sample], coalesce: Option<usize>) -> Result<()> {
    let apdus = conversation(samples)?;
    let pcap = out.join(format!("{name}.pcap"));
    write_pcap(&pcap, &apdus, coalesce)?;

    let ours = iec104::decode_pcap(&pcap, PORT)?;
    let ours_text: String = ours.iter().map(|r| r.to_json_line() + "\n").collect();
    std::fs::write(out.join(format!("{name}.ours.jsonl")), ours_text)?;
    let packets = tshark::packets(&pcap, &[])?;
    let dump: Vec<&Value> = packets.iter().map(|p| &p.layers).collect();
    std::fs::write(
        out.join(format!("{name}.tshark.json")),
        serde_json::to_string_pretty(&dump)?,
    )?;

    let mut failures: Vec<String> = Vec::new();
    let mut tallies: BTreeMap<u8, Tally> = BTreeMap::new();
    let mut apci_count = 0usize;

    // Our reports by frame, in order.
    let mut by_frame: BTreeMap<u64, Vec<&Report>> = BTreeMap::new();
    for r in &ours {
        if r.is_malformed() {
            failures.push(format!(
                "our decoder calls frame {:?} offset {} malformed: {:?}",
                r.frame, r.offset, r.error
            ));
        }
        by_frame.entry(r.frame.unwrap_or(0)).or_default().push(r);
    }
    failures.extend(encoder_facts(samples, &ours));
    let tshark_frames: BTreeMap<u64, &Packet> = packets.iter().map(|p| (p.number, p)).collect();
    for p in &packets {
        for problem in tshark::problems(&p.layers) {
            failures.push(format!("frame {}: tshark: {problem}", p.number));
        }
        for f in tshark::tcp_analysis_flags(&p.layers) {
            failures.push(format!("frame {}: tshark: {f}", p.number));
        }
    }
    if ours.len() != apdus.len() {
        failures.push(format!(
            "our decoder found {} APDUs, the capture carries {}",
            ours.len(),
            apdus.len()
        ));
    }

    let frames: std::collections::BTreeSet<u64> = by_frame
        .keys()
        .copied()
        .chain(
            packets
                .iter()
                .filter(|p| p.layers.get("iec60870_104").is_some())
                .map(|p| p.number),
        )
        .collect();
    for n in frames {
        let mine = by_frame.get(&n).cloned().unwrap_or_default();
        let Some(p) = tshark_frames.get(&n) else {
            failures.push(format!("frame {n}: not in tshark's output"));
            continue;
        };
        let t_apci = p.layers.get("iec60870_104").map_or_else(Vec::new, as_list);
        let mut t_asdu = p
            .layers
            .get("iec60870_asdu")
            .map_or_else(Vec::new, as_list)
            .into_iter();
        if t_apci.len() != mine.len() {
            failures.push(format!(
                "frame {n}: tshark dissects {} APDU(s), ours {}",
                t_apci.len(),
                mine.len()
            ));
            continue;
        }
        for (k, (r, ta)) in mine.iter().zip(&t_apci).enumerate() {
            let at = format!("frame {n} APDU {k}");
            apci_count += 1;
            let mut cmp = facts::Comparison::new(&at);
            facts::apci(&mut cmp, r, ta);
            facts::flow(&mut cmp, r, &p.layers);
            let Some(asdu) = &r.asdu else {
                failures.extend(cmp.failures);
                continue;
            };
            let tally = tallies.entry(asdu.type_id).or_insert_with(|| Tally {
                name: asdu.type_name.clone(),
                ..Tally::default()
            });
            tally.frames += 1;
            let Some(tsd) = t_asdu.next() else {
                cmp.fail("tshark shows no ASDU for this I frame".into());
                tally.failures += cmp.failures.len();
                failures.extend(cmp.failures);
                continue;
            };
            let ours_json = serde_json::to_value(r)?;
            facts::header(&mut cmp, &ours_json["asdu"], tsd);
            match limit(asdu.type_id) {
                Some((Limit::RawData, _)) => {
                    // After the APCI, to the end of the frame.
                    let len = r.raw.split_whitespace().count();
                    facts::raw_data(&mut cmp, r, tsd, 6..len);
                }
                lim => {
                    let swap = lim.is_some_and(|(l, _)| l == Limit::BitstringBigEndian);
                    facts::objects(&mut cmp, &ours_json["asdu"], tsd, swap);
                }
            }
            tally.objects += asdu.objects.len();
            tally.fields += cmp.compared;
            tally.failures += cmp.failures.len();
            failures.extend(cmp.failures);
        }
    }

    let summary = summary_table(name, &tallies, apci_count);
    std::fs::write(out.join(format!("{name}.summary.txt")), &summary)?;
    eprint!("{summary}");
    let missing: Vec<&str> = samples
        .iter()
        .filter(|s| s.asdu.first().is_none_or(|t| !tallies.contains_key(t)))
        .map(|s| s.label.as_str())
        .collect();
    if !missing.is_empty() {
        failures.push(format!(
            "types never compared: {} (not decoded by us)",
            missing.join(", ")
        ));
    }
    if !failures.is_empty() {
        bail!(
            "{name}: {} disagreement(s) between tshark and our decoder (artefacts in {}):\n  {}",
            failures.len(),
            out.display(),
            failures.join("\n  ")
        );
    }
    Ok(())
}

pub fn summary_table(name: &str, tallies: &BTreeMap<u8, Tally>, frames: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n{name}: {frames} frames, {} ASDU types, tshark vs telecontrol decode",
        tallies.len()
    );
    let _ = writeln!(
        s,
        "{:>4}  {:<10} {:>6} {:>7} {:>6}  result",
        "type", "mnemonic", "frames", "objects", "fields"
    );
    for (t, y) in tallies {
        let result = match (y.failures, limit(*t)) {
            (0, None) => "ok".to_owned(),
            (0, Some((_, reason))) => format!("ok, known limitation: {reason}"),
            (n, _) => format!("FAIL ({n})"),
        };
        let _ = writeln!(
            s,
            "{t:>4}  {:<10} {:>6} {:>7} {:>6}  {result}",
            y.name, y.frames, y.objects, y.fields
        );
    }
    let objects: usize = tallies.values().map(|y| y.objects).sum();
    let fields: usize = tallies.values().map(|y| y.fields).sum();
    let failed = tallies.values().filter(|y| y.failures > 0).count();
    let limited = tallies.keys().filter(|t| limit(**t).is_some()).count();
    let _ = writeln!(
        s,
        "total: {objects} objects, {fields} fields compared in I frames; \
         {failed} type(s) failing; {limited} type(s) under a known tshark limitation"
    );
    s
}
