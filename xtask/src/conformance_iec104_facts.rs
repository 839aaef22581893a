//! Field-by-field comparison of one APDU: our decoder's report (its JSON) against tshark's
//! `iec60870_104` and `iec60870_asdu` layers.
//!
//! tshark fields used (prefix `iec60870_104.`): `type` (0 I, 1 S, 3 U), `tx`, `rx`, `utype`,
//! `apdulen`; (prefix `iec60870_asdu.`): `typeid`, `sq`, `numix`, `causetx`, `nega`, `test`,
//! `oa`, `addr`, and per object subtree `ioa`, `siq.*`, `diq.*`, `qds.*`, `vti.*`,
//! `bitstring`, `normval`, `scalval`, `float`, `bcr.*`, `sco.*`, `dco.*`, `rco.*`, `qos.*`,
//! `qpm.*`, `coi_r`, `coi_i`, `qoi`, `rqt`, `frz`, `qrp`, `cp56time.*`; `rawdata` for the
//! types tshark does not dissect.

use crate::conformance_tshark::{as_list, find_str};
use serde_json::Value;
use telecontrol::decode::{Report, hex};

/// tshark fields that repeat information compared through their sub-fields (the whole
/// octet of a qualifier, the formatted time string) or that our decoder does not report
/// (CP56Time2a's GEN bit, RES1, which 104 leaves unused).
const IGNORED: &[&str] = &[
    "siq",
    "diq",
    "qds",
    "vti",
    "qos",
    "sco",
    "dco",
    "rco",
    "qpm",
    "coi",
    "qcc",
    "bcr",
    "cp56time",
    "cp56time.gen",
];

/// What we expect tshark to show.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// An integer (tshark's decimal or `0x` hex).
    Int(i64),
    /// A float, equal to within tshark's 6 significant digits.
    Num(f64),
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Int(i) => write!(f, "{i}"),
            Expect::Num(x) => write!(f, "{x}"),
        }
    }
}

fn parse_int(s: &str) -> Option<i64> {
    match s.strip_prefix("0x") {
        Some(h) => i64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

impl Expect {
    fn matches(&self, tshark: &str) -> bool {
        match self {
            Expect::Int(i) => parse_int(tshark) == Some(*i),
            Expect::Num(x) => tshark
                .parse::<f64>()
                .is_ok_and(|t| (t - x).abs() <= 1e-5 * x.abs().max(1.0)),
        }
    }
}

/// The failures found for one APDU, and how many fields were compared.
pub struct Comparison {
    at: String,
    pub failures: Vec<String>,
    pub compared: usize,
}

impl Comparison {
    pub fn new(at: &str) -> Self {
        Comparison {
            at: at.to_owned(),
            failures: Vec::new(),
            compared: 0,
        }
    }

    pub fn fail(&mut self, what: String) {
        self.failures.push(format!("{}: {what}", self.at));
    }

    /// Compare one field: `tshark` is its value in tshark's output (if present).
    pub fn field(&mut self, name: &str, tshark: Option<&str>, ours: Option<Expect>) {
        self.compared += 1;
        match (tshark, ours) {
            (Some(t), Some(o)) if o.matches(t) => {}
            (Some(t), Some(o)) => self.fail(format!("{name}: tshark {t}, ours {o}")),
            (None, Some(o)) => self.fail(format!("{name}: tshark has no value, ours {o}")),
            (Some(t), None) => self.fail(format!("{name}: tshark {t}, ours has no value")),
            (None, None) => self.fail(format!("{name}: neither side has a value")),
        }
    }
}

fn int(v: &Value) -> Option<Expect> {
    v.as_i64()
        .or_else(|| v.as_bool().map(i64::from))
        .map(Expect::Int)
}

fn num(v: &Value) -> Option<Expect> {
    v.as_f64().map(Expect::Num)
}

/// APCI: format, sequence numbers, U function, length.
pub fn apci(cmp: &mut Comparison, r: &Report, t: &Value) {
    let get = |k: &str| t.get(format!("iec60870_104.{k}")).and_then(Value::as_str);
    let format = match r.apci {
        Some("I") => 0,
        Some("S") => 1,
        Some("U") => 3,
        _ => -1,
    };
    cmp.field("apci format", get("type"), Some(Expect::Int(format)));
    let raw_len = i64::try_from(r.raw.split_whitespace().count()).unwrap_or(0);
    cmp.field("apdulen", get("apdulen"), Some(Expect::Int(raw_len - 2)));
    if let Some(ns) = r.send_seq {
        cmp.field("N(S)", get("tx"), Some(Expect::Int(i64::from(ns))));
    }
    if let Some(nr) = r.recv_seq {
        cmp.field("N(R)", get("rx"), Some(Expect::Int(i64::from(nr))));
    }
    if let Some(f) = r.function {
        let bit = match f {
            "STARTDT_ACT" => 0x01,
            "STARTDT_CON" => 0x02,
            "STOPDT_ACT" => 0x04,
            "STOPDT_CON" => 0x08,
            "TESTFR_ACT" => 0x10,
            _ => 0x20,
        };
        cmp.field("U function", get("utype"), Some(Expect::Int(bit)));
    }
}

/// The TCP direction.
pub fn flow(cmp: &mut Comparison, r: &Report, layers: &Value) {
    let t = format!(
        "{}:{} -> {}:{}",
        find_str(layers, "ip.src").unwrap_or("?"),
        find_str(layers, "tcp.srcport").unwrap_or("?"),
        find_str(layers, "ip.dst").unwrap_or("?"),
        find_str(layers, "tcp.dstport").unwrap_or("?"),
    );
    cmp.compared += 1;
    if r.flow.as_deref() != Some(t.as_str()) {
        cmp.fail(format!("flow: tshark {t}, ours {:?}", r.flow));
    }
}

/// The data unit identifier.
pub fn header(cmp: &mut Comparison, ours: &Value, t: &Value) {
    let get = |k: &str| t.get(format!("iec60870_asdu.{k}")).and_then(Value::as_str);
    for (tk, ok) in [
        ("typeid", "type_id"),
        ("sq", "sq"),
        ("numix", "count"),
        ("causetx", "cot"),
        ("nega", "negative"),
        ("test", "test"),
        ("oa", "oa"),
        ("addr", "ca"),
    ] {
        cmp.field(tk, get(tk), int(&ours[ok]));
    }
}

/// tshark's object subtrees (`"IOA: n"` keys, arrays when an address repeats), in order,
/// each flattened to (field without the `iec60870_asdu.` prefix, value).
fn tshark_objects(t: &Value) -> Vec<Vec<(String, String)>> {
    let Some(map) = t.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| k.starts_with("IOA"))
        .flat_map(|(_, v)| as_list(v))
        .map(|o| {
            let mut fields = Vec::new();
            flatten(o, &mut fields);
            fields
        })
        .collect()
}

fn flatten(v: &Value, out: &mut Vec<(String, String)>) {
    if let Some(m) = v.as_object() {
        for (k, x) in m {
            match x {
                Value::Object(_) => flatten(x, out),
                Value::String(s) => out.push((
                    k.strip_prefix("iec60870_asdu.").unwrap_or(k).to_owned(),
                    s.clone(),
                )),
                _ => {}
            }
        }
    }
}

fn dpi_code(v: &Value) -> Option<Expect> {
    let code = match v.as_str()? {
        "intermediate" => 0,
        "off" => 1,
        "on" => 2,
        "indeterminate" => 3,
        _ => return None,
    };
    Some(Expect::Int(code))
}

fn rcs_code(v: &Value) -> Option<Expect> {
    let code = match v.as_str()? {
        "not_permitted_0" => 0,
        "lower" => 1,
        "higher" => 2,
        "not_permitted_3" => 3,
        _ => return None,
    };
    Some(Expect::Int(code))
}

fn frz_code(v: &Value) -> Option<Expect> {
    let code = match v.as_str()? {
        "read" => 0,
        "freeze" => 1,
        "freeze_and_reset" => 2,
        "reset" => 3,
        _ => return None,
    };
    Some(Expect::Int(code))
}

/// A BSI value as tshark shows it: the four octets read big-endian.
fn bsi(v: &Value, swap: bool) -> Option<Expect> {
    let x = u32::try_from(v.as_u64()?).ok()?;
    Some(Expect::Int(i64::from(if swap {
        x.swap_bytes()
    } else {
        x
    })))
}

fn time_fields(out: &mut Vec<(String, Option<Expect>)>, t: &Value) {
    for (tk, ok) in [
        ("ms", "ms"),
        ("min", "minute"),
        ("hour", "hour"),
        ("day", "day"),
        ("dow", "dow"),
        ("month", "month"),
        ("year", "year"),
        ("iv", "iv"),
        ("su", "su"),
    ] {
        out.push((format!("cp56time.{tk}"), int(&t[ok])));
    }
}

/// What tshark should show for one of our objects of type `type_id`.
fn expected(type_id: i64, o: &Value, swap_bsi: bool) -> Vec<(String, Option<Expect>)> {
    let v = &o["value"];
    let mut e: Vec<(String, Option<Expect>)> = vec![("ioa".into(), int(&o["ioa"]))];
    let mut push = |k: &str, x: Option<Expect>| e.push((k.to_owned(), x));
    match type_id {
        1 | 2 | 30 => push("siq.spi", int(v)),
        3 | 4 | 31 => push("diq.dpi", dpi_code(v)),
        5 | 6 | 32 => {
            push("vti.v", int(&v["value"]));
            push("vti.t", int(&v["transient"]));
        }
        7 | 8 | 33 | 51 | 64 => push("bitstring", bsi(v, swap_bsi)),
        9 | 10 | 34 | 21 => push("normval", num(v)),
        11 | 12 | 35 => push("scalval", int(v)),
        13 | 14 | 36 => push("float", num(v)),
        15 | 16 | 37 => {
            push("bcr.count", int(&v["counter"]));
            push("bcr.sq", int(&v["sequence"]));
            push("bcr.cy", int(&v["carry"]));
            push("bcr.ca", int(&v["adjusted"]));
            push("bcr.iv", int(&v["invalid"]));
        }
        45 | 58 => {
            push("sco.on", int(&v["on"]));
            push("sco.qu", int(&v["qu"]));
            push("sco.se", int(&v["select"]));
        }
        46 | 59 => {
            push("dco.on", dpi_code(&v["state"]));
            push("dco.qu", int(&v["qu"]));
            push("dco.se", int(&v["select"]));
        }
        47 | 60 => {
            push("rco.up", rcs_code(&v["step"]));
            push("rco.qu", int(&v["qu"]));
            push("rco.se", int(&v["select"]));
        }
        48 | 61 | 110 => push("normval", num(&v["value"])),
        49 | 62 | 111 => push("scalval", int(&v["value"])),
        50 | 63 | 112 => push("float", num(&v["value"])),
        70 => {
            push("coi_r", int(&v["cause"]));
            push("coi_i", int(&v["after_parameter_change"]));
        }
        100 => push("qoi", int(&v["qoi"])),
        101 => {
            push("rqt", int(&v["rqt"]));
            push("frz", frz_code(&v["frz"]));
        }
        105 => push("qrp", int(&v["qrp"])),
        _ => {}
    }
    if matches!(type_id, 48..=50 | 61..=63) {
        push("qos.ql", int(&v["ql"]));
        push("qos.se", int(&v["select"]));
    }
    if matches!(type_id, 110..=112) {
        push("qpm.kpa", int(&v["kpa"]));
        push("qpm.lpc", int(&v["lpc"]));
        push("qpm.pop", int(&v["pop"]));
    }
    // Quality descriptors (a counter's IV is compared inside the BCR above).
    let descriptor = match type_id {
        1 | 2 | 30 => Some("siq"),
        3 | 4 | 31 => Some("diq"),
        15 | 16 | 37 => None,
        _ => Some("qds"),
    };
    if let (Some(d), Some(q)) = (descriptor, o["quality"].as_object()) {
        for (k, x) in q {
            push(&format!("{d}.{k}"), int(x));
        }
    }
    if o["time"].is_object() {
        time_fields(&mut e, &o["time"]);
    }
    if type_id == 103 {
        time_fields(&mut e, v);
    }
    e
}

/// Every object: address, value, quality, time; and no tshark field left unexplained.
pub fn objects(cmp: &mut Comparison, ours: &Value, t: &Value, swap_bsi: bool) {
    let type_id = ours["type_id"].as_i64().unwrap_or(-1);
    let mine = ours["objects"].as_array().cloned().unwrap_or_default();
    let theirs = tshark_objects(t);
    if mine.len() != theirs.len() {
        cmp.fail(format!(
            "objects: tshark {}, ours {}",
            theirs.len(),
            mine.len()
        ));
        return;
    }
    for (i, (o, tf)) in mine.iter().zip(&theirs).enumerate() {
        let exp = expected(type_id, o, swap_bsi);
        for (k, x) in &exp {
            let tv = tf.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str());
            cmp.field(&format!("object {i} {k}"), tv, x.clone());
        }
        for (f, v) in tf {
            if !IGNORED.contains(&f.as_str()) && !exp.iter().any(|(k, _)| k == f) {
                cmp.fail(format!(
                    "object {i}: tshark shows {f}={v}, which we do not compare"
                ));
            }
        }
    }
}

/// Types tshark does not dissect: the first address, and the raw octets after it up to
/// the end of the ASDU. `asdu` is the range of the ASDU in the frame's octets (IEC 104
/// field sizes: the first element starts 6 + 3 octets into it).
pub fn raw_data(cmp: &mut Comparison, r: &Report, t: &Value, asdu: std::ops::Range<usize>) {
    let first = r
        .asdu
        .as_ref()
        .and_then(|a| a.objects.first())
        .map(|o| Expect::Int(i64::from(o.ioa)));
    let tget = |k: &str| t.get(format!("iec60870_asdu.{k}")).and_then(Value::as_str);
    cmp.field("first ioa", tget("ioa"), first);
    // The data unit identifier (6) and the first address (3).
    let bytes = hex::parse(&r.raw).unwrap_or_default();
    let rest = bytes.get(asdu.start + 9..asdu.end).unwrap_or_default();
    let theirs = tget("rawdata")
        .map(|s| s.replace(':', ""))
        .unwrap_or_default();
    let mine: String = rest.iter().map(|b| format!("{b:02x}")).collect();
    cmp.compared += 1;
    if theirs != mine {
        cmp.fail(format!("rawdata: tshark {theirs:?}, ours {mine:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telecontrol::decode::iec104;

    /// M_ME_NC_1, spont, CA 1: IOA 100 = 1.5 with IV; tshark 4.0's layers for it.
    const APDU: &str = "68 12 02 00 00 00 0d 01 03 00 01 00 64 00 00 00 00 c0 3f 80";
    const TSHARK_ASDU: &str = r#"{
        "iec60870_asdu.typeid": "13", "iec60870_asdu.sq": "0", "iec60870_asdu.numix": "1",
        "iec60870_asdu.causetx": "3", "iec60870_asdu.nega": "0", "iec60870_asdu.test": "0",
        "iec60870_asdu.oa": "0", "iec60870_asdu.addr": "1",
        "IOA: 100": {"iec60870_asdu.ioa": "100", "iec60870_asdu.float": "1.5",
            "iec60870_asdu.qds": "0x80", "iec60870_asdu.qds_tree": {
                "iec60870_asdu.qds.ov": "0", "iec60870_asdu.qds.bl": "0",
                "iec60870_asdu.qds.sb": "0", "iec60870_asdu.qds.nt": "0",
                "iec60870_asdu.qds.iv": "1"}}}"#;
    const TSHARK_APCI: &str = r#"{"iec60870_104.apdulen": "18",
        "iec60870_104.type": "0x00000000", "iec60870_104.tx": "1", "iec60870_104.rx": "0"}"#;

    fn compare(tshark_asdu: &str) -> Comparison {
        let r = iec104::decode_hex(APDU, None).unwrap().remove(0);
        let ours = serde_json::to_value(&r).unwrap();
        let t: Value = serde_json::from_str(tshark_asdu).unwrap();
        let mut cmp = Comparison::new("test");
        apci(&mut cmp, &r, &serde_json::from_str(TSHARK_APCI).unwrap());
        header(&mut cmp, &ours["asdu"], &t);
        objects(&mut cmp, &ours["asdu"], &t, false);
        cmp
    }

    #[test]
    fn agreeing_layers_compare_every_field() {
        let cmp = compare(TSHARK_ASDU);
        assert_eq!(cmp.failures, Vec::<String>::new());
        // 4 APCI + 8 header + ioa, float, 5 quality flags
        assert_eq!(cmp.compared, 4 + 8 + 7);
    }

    #[test]
    fn disagreements_and_unexplained_fields_fail() {
        let cmp = compare(&TSHARK_ASDU.replace(r#"float": "1.5""#, r#"float": "1.25""#));
        assert_eq!(
            cmp.failures,
            ["test: object 0 float: tshark 1.25, ours 1.5"]
        );
        let cmp = compare(&TSHARK_ASDU.replace(
            r#""iec60870_asdu.qds": "0x80","#,
            r#""iec60870_asdu.qds": "0x80", "iec60870_asdu.extra": "7","#,
        ));
        assert_eq!(
            cmp.failures,
            ["test: object 0: tshark shows extra=7, which we do not compare"]
        );
        let cmp = compare(&TSHARK_ASDU.replace(r#"causetx": "3""#, r#"causetx": "20""#));
        assert_eq!(cmp.failures, ["test: causetx: tshark 20, ours 3"]);
    }

    #[test]
    fn bitstrings_compare_byte_swapped_only_when_told() {
        let o: Value = serde_json::from_str(r#"{"ioa": 1, "value": 305419896}"#).unwrap();
        let swapped = expected(7, &o, true);
        assert_eq!(
            swapped[1],
            ("bitstring".into(), Some(Expect::Int(0x7856_3412)))
        );
        assert!(Expect::Int(0x7856_3412).matches("0x78563412"));
        assert_eq!(expected(7, &o, false)[1].1, Some(Expect::Int(0x1234_5678)));
        assert!(Expect::Num(0.1).matches("0.100000"));
        assert!(!Expect::Num(0.1).matches("0.1001"));
    }
}
