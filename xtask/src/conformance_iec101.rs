//! The IEC 101 oracle: the same ASDU samples, in FT1.2 frames carried over TCP (as behind a
//! terminal server), decoded by tshark's `iec60870_101` dissector (`-d tcp.port==2405,
//! iec60870_101`, field sizes set to the samples' 2/2/3 by preference) and by our
//! `telecontrol::decode::iec101`. Link fields, the ASDU header and every object must agree;
//! the ASDU dissector is the one the 104 oracle uses, so the same [`LIMITATIONS`] apply.
//!
//! tshark fields used (prefix `iec60870_101.`): `header`, `length`, `ctrlfield`, `ctrl_prm`,
//! `ctrl_fcb`, `ctrl_fcv`, `ctrl_dfc`, `ctrl_func_pri_to_sec`, `ctrl_func_sec_to_pri`,
//! `linkaddr`, `checksum`, `stopchar`; then the `iec60870_asdu.*` fields of the 104 oracle.
//!
//! [`LIMITATIONS`]: crate::conformance_iec104::LIMITATIONS

use crate::conformance_iec104::{self as iec104, Limit, Sample, Tally};
use crate::conformance_iec104_facts::{self as facts, Comparison};
use crate::conformance_tshark::{self as tshark, as_list};
use anyhow::{Result, bail};
use capture::TcpPcapWriter;
use iec101_link::{AddressSize, ControlField, Frame, PrimaryFunction, SecondaryFunction};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use telecontrol::decode::{Report, iec101};

const PORT: u16 = 2405;
const LINK_ADDRESS: u16 = 1;
const PREFS: [&str; 8] = [
    "-o",
    "iec60870_101.linkaddr_len:1 octet",
    "-o",
    "iec60870_101.cot_len:2 octet",
    "-o",
    "iec60870_101.asdu_addr_len:2 octet",
    "-o",
    "iec60870_101.asdu_ioa_len:3 octet",
];

fn encode(frame: &Frame<'_>) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; frame.encoded_len(AddressSize::One)];
    let n = frame
        .encode(AddressSize::One, &mut buf)
        .map_err(|e| anyhow::anyhow!("FT1.2 encode: {e}"))?;
    buf.truncate(n);
    Ok(buf)
}

fn primary(function: PrimaryFunction, fcb: bool, fcv: bool) -> u8 {
    ControlField::primary(function, fcb, fcv, false).encode()
}

fn secondary(function: SecondaryFunction) -> u8 {
    ControlField::secondary(function, false, false, false).encode()
}

/// Unbalanced transmission: reset of the remote link, then per sample either the primary
/// sends it (user data, confirmed: the secondary answers 0xE5) or the primary polls class 2
/// and the secondary answers with it (user data). FCB toggles on every FCV=1 request.
fn conversation(samples: &[Sample]) -> Result<Vec<(bool, Vec<u8>)>> {
    let fixed = |control| Frame::Fixed {
        control,
        address: LINK_ADDRESS,
    };
    let mut out = vec![
        (
            true,
            encode(&fixed(primary(
                PrimaryFunction::ResetRemoteLink,
                false,
                false,
            )))?,
        ),
        (false, encode(&fixed(secondary(SecondaryFunction::Ack)))?),
    ];
    let mut fcb = false;
    for s in samples {
        fcb = !fcb;
        if iec104::from_client(s.type_id) {
            let control = primary(PrimaryFunction::UserDataConfirmed, fcb, true);
            out.push((
                true,
                encode(&Frame::Variable {
                    control,
                    address: LINK_ADDRESS,
                    data: &s.asdu,
                })?,
            ));
            out.push((false, encode(&Frame::SingleAck)?));
        } else {
            let poll = primary(PrimaryFunction::RequestClass2, fcb, true);
            out.push((true, encode(&fixed(poll))?));
            out.push((
                false,
                encode(&Frame::Variable {
                    control: secondary(SecondaryFunction::UserData),
                    address: LINK_ADDRESS,
                    data: &s.asdu,
                })?,
            ));
        }
    }
    Ok(out)
}

/// The link layer: frame kind, control field bits and function, address, checksum.
fn link(cmp: &mut Comparison, r: &Report, t: &Value) {
    let get = |k: &str| {
        t.get(format!("iec60870_101.{k}"))
            .or_else(|| t.pointer(&format!("/iec60870_101.ctrlfield_tree/iec60870_101.{k}")))
            .map(as_list)
            .and_then(|l| l.first().and_then(|v| v.as_str()))
    };
    let Some(l) = &r.link else {
        cmp.fail("our decoder reports no link frame".into());
        return;
    };
    let start = match l.kind {
        "fixed" => 0x10,
        "variable" => 0x68,
        _ => 0xE5,
    };
    let int = |v: i64| Some(facts::Expect::Int(v));
    cmp.field("header", get("header"), int(start));
    if l.kind == "single_char" {
        return;
    }
    let bytes = telecontrol::decode::hex::parse(&r.raw).unwrap_or_default();
    let at = |back: usize| {
        bytes
            .len()
            .checked_sub(back)
            .and_then(|i| bytes.get(i))
            .map(|&b| i64::from(b))
    };
    cmp.field(
        "ctrlfield",
        get("ctrlfield"),
        l.control.map(|c| facts::Expect::Int(i64::from(c))),
    );
    cmp.field(
        "ctrl_prm",
        get("ctrl_prm"),
        l.prm.map(|b| facts::Expect::Int(i64::from(b))),
    );
    let code = l.function_code.map(|c| facts::Expect::Int(i64::from(c)));
    if l.prm == Some(true) {
        cmp.field(
            "ctrl_fcb",
            get("ctrl_fcb"),
            l.fcb_acd.map(|b| facts::Expect::Int(i64::from(b))),
        );
        cmp.field(
            "ctrl_fcv",
            get("ctrl_fcv"),
            l.fcv_dfc.map(|b| facts::Expect::Int(i64::from(b))),
        );
        cmp.field("ctrl_func_pri_to_sec", get("ctrl_func_pri_to_sec"), code);
    } else {
        cmp.field(
            "ctrl_dfc",
            get("ctrl_dfc"),
            l.fcv_dfc.map(|b| facts::Expect::Int(i64::from(b))),
        );
        cmp.field("ctrl_func_sec_to_pri", get("ctrl_func_sec_to_pri"), code);
    }
    cmp.field(
        "linkaddr",
        get("linkaddr"),
        l.address.map(|a| facts::Expect::Int(i64::from(a))),
    );
    cmp.field("checksum", get("checksum"), at(2).map(facts::Expect::Int));
    cmp.field("stopchar", get("stopchar"), at(1).map(facts::Expect::Int));
    if l.kind == "variable" {
        // L counts C, A and the user data: the frame minus 0x68 L L 0x68 and CS 0x16.
        let len = i64::try_from(bytes.len()).unwrap_or(0) - 6;
        cmp.field("length", get("length"), int(len));
    }
}

/// Run the 101 oracle on `samples`; artefacts `iec101-every-type.*` under `out`.
pub fn check(out: &Path, samples: &[Sample]) -> Result<()> {
    let name = "iec101-every-type";
    let frames = conversation(samples)?;
    let pcap = out.join(format!("{name}.pcap"));
    let mut w = TcpPcapWriter::new(iec104::CLIENT, 50_101, iec104::SERVER, PORT);
    for (c, f) in &frames {
        w.send(*c, f);
    }
    w.write_file(&pcap)?;

    let params = iec101::Params101 {
        link_address: AddressSize::One,
        asdu: asdu::AsduParams::new(2, 2, 3, 253).map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let ours = iec101::decode_pcap(&pcap, PORT, params)?;
    let ours_text: String = ours.iter().map(|r| r.to_json_line() + "\n").collect();
    std::fs::write(out.join(format!("{name}.ours.jsonl")), ours_text)?;
    let decode_as = format!("tcp.port=={PORT},iec60870_101");
    let mut args = vec!["-d", decode_as.as_str()];
    args.extend(PREFS);
    let packets = tshark::packets(&pcap, &args)?;
    let dump: Vec<&Value> = packets.iter().map(|p| &p.layers).collect();
    std::fs::write(
        out.join(format!("{name}.tshark.json")),
        serde_json::to_string_pretty(&dump)?,
    )?;

    let mut failures = Vec::new();
    if ours.len() != frames.len() {
        failures.push(format!(
            "our decoder found {} frames, the capture carries {}",
            ours.len(),
            frames.len()
        ));
    }
    let by_frame: BTreeMap<u64, &Report> = ours
        .iter()
        .filter_map(|r| r.frame.map(|f| (f, r)))
        .collect();
    let mut tallies: BTreeMap<u8, Tally> = BTreeMap::new();
    let mut seen = 0usize;
    for p in &packets {
        for problem in tshark::problems(&p.layers) {
            failures.push(format!("frame {}: tshark: {problem}", p.number));
        }
        let Some(t101) = p.layers.get("iec60870_101") else {
            continue;
        };
        seen += 1;
        let at = format!("frame {}", p.number);
        let Some(r) = by_frame.get(&p.number) else {
            failures.push(format!("{at}: tshark dissects a frame, ours has none"));
            continue;
        };
        if r.is_malformed() {
            failures.push(format!(
                "{at}: our decoder calls it malformed: {:?}",
                r.error
            ));
        }
        let mut cmp = Comparison::new(&at);
        link(&mut cmp, r, t101);
        if let Some(a) = &r.asdu {
            let tally = tallies.entry(a.type_id).or_insert_with(|| Tally {
                name: a.type_name.clone(),
                ..Tally::default()
            });
            tally.frames += 1;
            tally.objects += a.objects.len();
            match p.layers.get("iec60870_asdu") {
                None => cmp.fail("tshark shows no ASDU".into()),
                Some(tsd) => {
                    let ours_json = serde_json::to_value(r)?;
                    facts::header(&mut cmp, &ours_json["asdu"], tsd);
                    match iec104::limit(a.type_id) {
                        Some((Limit::RawData, _)) => {
                            // 0x68 L L 0x68 C A, then the ASDU up to CS 0x16.
                            let len = r.raw.split_whitespace().count();
                            facts::raw_data(&mut cmp, r, tsd, 6..len.saturating_sub(2));
                        }
                        lim => {
                            let swap = lim.is_some_and(|(l, _)| l == Limit::BitstringBigEndian);
                            facts::objects(&mut cmp, &ours_json["asdu"], tsd, swap);
                        }
                    }
                }
            }
            tally.fields += cmp.compared;
            tally.failures += cmp.failures.len();
        }
        failures.extend(cmp.failures);
    }
    if seen != frames.len() {
        failures.push(format!(
            "tshark dissected {seen} FT1.2 frames, the capture carries {}",
            frames.len()
        ));
    }
    let summary = iec104::summary_table(name, &tallies, frames.len());
    std::fs::write(out.join(format!("{name}.summary.txt")), &summary)?;
    eprint!("{summary}");
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
