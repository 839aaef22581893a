//! What the decoder says about one frame: the JSON schema (via serde) and the text tree.

use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// One decoded (or malformed) frame. Serialises to the JSON object `decode --json` prints.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// `"104"` or `"101"`.
    pub protocol: &'static str,
    /// The pcap frame number (1-based, as Wireshark counts) that completed this frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// The 1-based position of the hex argument (or stdin line) this frame came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<usize>,
    /// The TCP direction, `"src:port -> dst:port"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    /// `"client_to_server"` (towards the decoded port) or `"server_to_client"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    /// Offset of the frame's first octet in its input or TCP direction stream.
    pub offset: usize,
    /// The frame's octets, hex.
    pub raw: String,
    /// 104 only: `"I"`, `"S"` or `"U"` (absent if the control field is malformed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apci: Option<&'static str>,
    /// 104 I frames: N(S).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_seq: Option<u16>,
    /// 104 I and S frames: N(R).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recv_seq: Option<u16>,
    /// 104 U frames: `"STARTDT_ACT"`, `"STARTDT_CON"`, `"STOPDT_ACT"`, `"STOPDT_CON"`,
    /// `"TESTFR_ACT"` or `"TESTFR_CON"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<&'static str>,
    /// 101 only: the FT1.2 link frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkReport>,
    /// The ASDU of a 104 I frame or a 101 variable frame, when it decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asdu: Option<AsduReport>,
    /// Set when the frame (or its ASDU) is malformed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Malformed>,
}

/// Why a frame is malformed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Malformed {
    /// Offset of the offending octet in the input or stream (same origin as
    /// [`Report::offset`]).
    pub offset: usize,
    /// The decoder's reason.
    pub reason: String,
}

/// An FT1.2 frame of IEC 60870-5-101 (60870-5-1 §6.2.4.2, 101 §7.2.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkReport {
    /// `"fixed"`, `"variable"` or `"single_char"`.
    pub kind: &'static str,
    /// The control field octet (absent for the single character).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<u8>,
    /// PRM: true for a primary (initiating) station's frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prm: Option<bool>,
    /// DIR (balanced mode; the reserved bit in unbalanced mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<bool>,
    /// Primary: FCB; secondary: ACD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fcb_acd: Option<bool>,
    /// Primary: FCV; secondary: DFC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fcv_dfc: Option<bool>,
    /// The function code (0..=15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_code: Option<u8>,
    /// The function's name, if the code is defined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The link address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<u16>,
}

/// An ASDU (101 §7, 104 §9).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AsduReport {
    /// Type identification, numeric.
    pub type_id: u8,
    /// Its mnemonic, e.g. `"M_ME_NC_1"`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Structure qualifier: true for a sequence of elements.
    pub sq: bool,
    /// Number of information objects or elements.
    pub count: u8,
    /// Cause of transmission, numeric (1..=63).
    pub cot: u8,
    /// Its name, e.g. `"spontaneous"`.
    pub cause: String,
    /// P/N: negative confirmation.
    pub negative: bool,
    /// T: test.
    pub test: bool,
    /// Originator address (0 when the COT field has one octet).
    pub oa: u8,
    /// Common address of the ASDU.
    pub ca: u16,
    /// The information objects, in order (a sequence is expanded, one entry per element).
    pub objects: Vec<ObjectReport>,
}

/// One information object (or one element of a sequence).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectReport {
    /// Information object address.
    pub ioa: u32,
    /// The value: a number, boolean, string, or an object for structured elements.
    pub value: Value,
    /// The quality descriptor, for types that carry one: each flag as a boolean.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<Value>,
    /// The time tag, for types that carry one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Value>,
}

impl Report {
    /// True if the frame or its ASDU is malformed.
    #[must_use]
    pub fn is_malformed(&self) -> bool {
        self.error.is_some()
    }

    /// The JSON object, one line.
    #[must_use]
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The human-readable tree: a header line, then indented layers.
    #[must_use]
    pub fn to_tree(&self) -> String {
        let mut s = String::new();
        let mut head = Vec::new();
        if let Some(n) = self.frame {
            head.push(format!("frame {n}"));
        }
        if let Some(n) = self.input {
            head.push(format!("input {n}"));
        }
        if let Some(f) = &self.flow {
            head.push(f.clone());
        }
        head.push(format!("offset {}", self.offset));
        let _ = writeln!(s, "{}", head.join(", "));
        let _ = writeln!(s, "  raw: {}", self.raw);
        if let Some(apci) = self.apci {
            let _ = match (self.send_seq, self.recv_seq, self.function) {
                (Some(ns), Some(nr), _) => writeln!(s, "  APCI {apci}: N(S)={ns} N(R)={nr}"),
                (None, Some(nr), _) => writeln!(s, "  APCI {apci}: N(R)={nr}"),
                (_, _, Some(f)) => writeln!(s, "  APCI {apci}: {f}"),
                _ => writeln!(s, "  APCI {apci}"),
            };
        }
        if let Some(l) = &self.link {
            write_link(&mut s, l);
        }
        if let Some(a) = &self.asdu {
            write_asdu(&mut s, a);
        }
        if let Some(e) = &self.error {
            let _ = writeln!(s, "  MALFORMED at offset {}: {}", e.offset, e.reason);
        }
        s
    }
}

fn write_link(s: &mut String, l: &LinkReport) {
    let _ = write!(s, "  FT1.2 {}", l.kind);
    if let Some(c) = l.control {
        let _ = write!(s, ": control {c:#04x}");
    }
    if let Some(prm) = l.prm {
        let (a, b) = if prm { ("FCB", "FCV") } else { ("ACD", "DFC") };
        let _ = write!(
            s,
            " PRM={} DIR={} {a}={} {b}={}",
            u8::from(prm),
            u8::from(l.dir.unwrap_or(false)),
            u8::from(l.fcb_acd.unwrap_or(false)),
            u8::from(l.fcv_dfc.unwrap_or(false))
        );
    }
    match (l.function_code, &l.function) {
        (Some(fc), Some(name)) => {
            let _ = write!(s, " FC={fc} ({name})");
        }
        (Some(fc), None) => {
            let _ = write!(s, " FC={fc} (undefined)");
        }
        (None, Some(name)) => {
            let _ = write!(s, ": {name}");
        }
        (None, None) => {}
    }
    if let Some(a) = l.address {
        let _ = write!(s, " address {a}");
    }
    s.push('\n');
}

fn write_asdu(s: &mut String, a: &AsduReport) {
    let _ = writeln!(
        s,
        "  ASDU {} ({}): SQ={} count={} COT={} ({}){}{} OA={} CA={}",
        a.type_name,
        a.type_id,
        u8::from(a.sq),
        a.count,
        a.cot,
        a.cause,
        if a.negative { " negative" } else { "" },
        if a.test { " test" } else { "" },
        a.oa,
        a.ca
    );
    for o in &a.objects {
        let _ = write!(s, "    IOA {}: {}", o.ioa, compact(&o.value));
        if let Some(q) = &o.quality {
            let _ = write!(s, "  quality {}", flags(q));
        }
        if let Some(t) = &o.time {
            let iso = t
                .get("iso")
                .or_else(|| t.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            let _ = write!(s, "  time {iso}");
            if t.get("iv").and_then(Value::as_bool) == Some(true) {
                s.push_str(" (invalid)");
            }
        }
        s.push('\n');
    }
}

/// A JSON value on one line: strings without quotes, objects as `key=value` pairs.
fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        // A time: its ISO-8601 form.
        Value::Object(m) if m.get("iso").is_some_and(Value::is_string) => {
            m.get("iso").map(compact).unwrap_or_default()
        }
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| match x {
                Value::Object(inner) if !inner.contains_key("iso") => {
                    format!("{k}=({})", compact(x))
                }
                _ => format!("{k}={}", compact(x)),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// The set flags of a quality object, e.g. `IV,NT` or `good`.
fn flags(q: &Value) -> String {
    let Some(map) = q.as_object() else {
        return compact(q);
    };
    let set: Vec<String> = map
        .iter()
        .filter(|(_, v)| v.as_bool() == Some(true))
        .map(|(k, _)| k.to_uppercase())
        .collect();
    if set.is_empty() {
        "good".to_owned()
    } else {
        set.join(",")
    }
}
