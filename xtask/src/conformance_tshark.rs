//! Running tshark and reading its JSON: packets, expert findings, TCP analysis flags.
//!
//! tshark is run as `tshark -r FILE -T json --no-duplicate-keys` with checksum validation on,
//! so repeated keys (several information objects, several APDUs in one segment) become
//! arrays instead of silently overwriting each other.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Expert severities as tshark prints them (epan/proto.h: PI_WARN, PI_ERROR).
const SEVERITY_WARN: u64 = 0x0060_0000;

/// One packet of tshark's JSON output.
pub struct Packet {
    /// Frame number (1-based).
    pub number: u64,
    /// `_source.layers`.
    pub layers: Value,
}

/// Decode `pcap` with tshark; `extra` are more tshark arguments (e.g. `-d
/// tcp.port==2405,iec60870_101` or `-o` preferences).
pub fn packets(pcap: &Path, extra: &[&str]) -> Result<Vec<Packet>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(pcap)
        .args(["-T", "json", "--no-duplicate-keys"])
        .args([
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
        ]);
    cmd.args(extra);
    let out = cmd.output().context("cannot start tshark")?;
    if !out.status.success() {
        bail!(
            "tshark failed on {}: {}",
            pcap.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json: Value = serde_json::from_slice(&out.stdout).context("tshark JSON")?;
    let Some(list) = json.as_array() else {
        bail!("tshark JSON is not an array");
    };
    let mut packets = Vec::with_capacity(list.len());
    for p in list {
        let layers = p
            .pointer("/_source/layers")
            .cloned()
            .context("tshark packet without _source.layers")?;
        let number = layers
            .pointer("/frame/frame.number")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .context("tshark packet without frame.number")?;
        packets.push(Packet { number, layers });
    }
    Ok(packets)
}

/// tshark's version line, for the reports.
pub fn version() -> String {
    Command::new("tshark")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "tshark (version unknown)".into())
}

/// `value` as a list: an array's items, or the value itself.
pub fn as_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    }
}

/// Every problem tshark found in a packet: malformed-packet markers and expert items of
/// severity warning or error, as readable strings.
pub fn problems(layers: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(layers, &mut |key, v| {
        if key == "_ws.malformed" {
            out.push("malformed packet".to_owned());
        } else if key == "_ws.expert" {
            for e in as_list(v) {
                let severity = e
                    .get("_ws.expert.severity")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0);
                if severity >= SEVERITY_WARN {
                    let msg = e
                        .get("_ws.expert.message")
                        .and_then(Value::as_str)
                        .unwrap_or("expert item without message");
                    let level = if severity > SEVERITY_WARN {
                        "error"
                    } else {
                        "warning"
                    };
                    out.push(format!("expert {level}: {msg}"));
                }
            }
        }
    });
    out.sort();
    out.dedup();
    out
}

/// The TCP analysis flags tshark set (retransmission, lost segment, ACKed unseen segment,
/// window problems, ...): the keys under `tcp.analysis.flags` and expert items inside it.
pub fn tcp_analysis_flags(layers: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(layers, &mut |key, v| {
        if key == "tcp.analysis.flags" {
            let mut inner = Vec::new();
            walk(v, &mut |k, _| {
                if k.starts_with("tcp.analysis.") || k == "_ws.expert.message" {
                    inner.push(k.to_owned());
                }
            });
            if let Some(m) = v
                .pointer("/_ws.expert/_ws.expert.message")
                .and_then(Value::as_str)
            {
                inner.push(m.to_owned());
            }
            out.push(format!("tcp.analysis.flags {}", inner.join(" ")));
        }
    });
    out
}

/// Call `f(key, value)` for every key of every object in `v`, depth first.
pub fn walk<'a>(v: &'a Value, f: &mut dyn FnMut(&'a str, &'a Value)) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                f(k, x);
                walk(x, f);
            }
        }
        Value::Array(a) => {
            for x in a {
                walk(x, f);
            }
        }
        _ => {}
    }
}

/// The first string found under `key` anywhere in `v`.
pub fn find_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    let mut found = None;
    walk(v, &mut |k, x| {
        if found.is_none() && k == key {
            found = as_list(x).first().and_then(|y| y.as_str());
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Layers as tshark 4.0 prints them for a retransmitted segment with a bad checksum.
    const RETRANSMISSION: &str = r#"{"tcp": {
        "tcp.checksum_tree": {"_ws.expert": {"tcp.checksum_bad.expert": "",
            "_ws.expert.message": "Bad checksum [should be 0x6fab]",
            "_ws.expert.severity": "8388608", "_ws.expert.group": "16777216"}},
        "tcp.analysis": {"tcp.analysis.bytes_in_flight": "6",
            "tcp.analysis.flags": {"_ws.expert": {"tcp.analysis.retransmission": "",
                "_ws.expert.message": "This frame is a (suspected) retransmission",
                "_ws.expert.severity": "4194304", "_ws.expert.group": "33554432"},
            "tcp.analysis.rto": "0.001000000"}}}}"#;

    /// A 104 segment tshark calls malformed (two exceptions: an array of markers).
    const MALFORMED: &str = r#"{"iec60870_104": {"iec60870_104.apdulen": "14"},
        "_ws.malformed": [{"_ws.expert": {"_ws.malformed.expert": "",
            "_ws.expert.message": "Malformed Packet (Exception occurred)",
            "_ws.expert.severity": "8388608", "_ws.expert.group": "117440512"},
            "_ws.malformed": "Malformed Packet"}]}"#;

    #[test]
    fn finds_flags_checksum_errors_and_malformed_markers() {
        let r: Value = serde_json::from_str(RETRANSMISSION).unwrap();
        assert_eq!(
            problems(&r),
            ["expert error: Bad checksum [should be 0x6fab]"]
        );
        let flags = tcp_analysis_flags(&r);
        assert_eq!(flags.len(), 1);
        assert!(
            flags[0].contains("tcp.analysis.retransmission"),
            "{flags:?}"
        );
        let m: Value = serde_json::from_str(MALFORMED).unwrap();
        assert_eq!(
            problems(&m),
            [
                "expert error: Malformed Packet (Exception occurred)",
                "malformed packet"
            ]
        );
        assert!(tcp_analysis_flags(&m).is_empty());
        assert_eq!(find_str(&m, "iec60870_104.apdulen"), Some("14"));
    }
}
