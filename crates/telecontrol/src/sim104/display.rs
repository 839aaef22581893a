//! What a controlling station shows (`104 client`, `101 master`, `101 balanced`): with
//! `--json` one JSON object per received ASDU (the `decode --json` schema); on a terminal a
//! live table of the monitored points (`CA/IOA`, value, quality, time tag) with the
//! confirmations and terminations of commands and other requests as the status line under
//! it; otherwise (a pipe, a file) the text of every ASDU, as before.

use crate::decode::Report;
use crate::decode::{AsduReport, ObjectReport};
use crate::live::LiveTable;
use serde_json::Value;

/// Last type identification of the monitor direction (process information, 1..=44).
const LAST_MONITOR_TYPE: u8 = 44;

/// Where received ASDUs go.
#[derive(Debug)]
pub enum Display {
    /// JSON lines.
    Json,
    /// A live table on a terminal.
    Table(LiveTable),
    /// Text lines.
    Lines,
}

impl Display {
    /// JSON with `json`, else the live table when stdout is a terminal, else lines.
    #[must_use]
    pub fn new(json: bool) -> Display {
        if json {
            return Display::Json;
        }
        let t = LiveTable::stdout();
        if t.is_live() {
            Display::Table(t)
        } else {
            Display::Lines
        }
    }

    /// One received ASDU: its JSON line, its rows of the table (or the status line for a
    /// confirmation or termination), or `text()` as lines.
    pub fn asdu(&mut self, report: &Report, text: impl FnOnce() -> String) {
        match self {
            Display::Json => println!("{}", report.to_json_line()),
            Display::Lines => {
                let t = text();
                print!("{t}");
                if !t.ends_with('\n') {
                    println!();
                }
            }
            Display::Table(t) => match &report.asdu {
                Some(a) if a.type_id <= LAST_MONITOR_TYPE => {
                    for o in &a.objects {
                        let (value, quality, time) = object_texts(o);
                        t.update_timed(
                            &format!("{}/{}", a.ca, o.ioa),
                            &value,
                            &quality,
                            time.as_deref(),
                            "",
                        );
                    }
                }
                Some(a) => t.status(&status_text(a)),
                None => t.line(&text()),
            },
        }
    }

    /// A message of the station (not an ASDU): above the table, or a line; with JSON the
    /// JSON object `json`.
    pub fn message(&mut self, json: &Value, text: &str) {
        match self {
            Display::Json => println!("{json}"),
            Display::Lines => println!("{text}"),
            Display::Table(t) => t.line(text),
        }
    }

    /// The outcome of a request (a command's confirmation or termination, an
    /// interrogation's end): the status line, or a line; with JSON the object `json`.
    pub fn status(&mut self, json: &Value, text: &str) {
        match self {
            Display::Json => println!("{json}"),
            Display::Lines => println!("{text}"),
            Display::Table(t) => t.status(text),
        }
    }
}

/// An ASDU that is not process information, in one line (the cause by its mnemonic):
/// `C_SC_NA_1 CA 1 IOA 2000: actcon (negative)`.
#[must_use]
pub fn status_text(a: &AsduReport) -> String {
    let ioa = a
        .objects
        .first()
        .map(|o| format!(" IOA {}", o.ioa))
        .unwrap_or_default();
    format!(
        "{} CA {}{ioa}: {}{}",
        a.type_name,
        a.ca,
        a.cause,
        if a.negative { " (negative)" } else { "" }
    )
}

/// An object's value, quality (the flags set, or `good`) and time tag as text.
#[must_use]
pub fn object_texts(o: &ObjectReport) -> (String, String, Option<String>) {
    let value = value_text(&o.value);
    let quality = match &o.quality {
        Some(Value::Object(m)) => {
            let set: Vec<String> = m
                .iter()
                .filter(|(_, v)| v.as_bool() == Some(true))
                .map(|(k, _)| k.to_ascii_uppercase())
                .collect();
            if set.is_empty() {
                "good".to_owned()
            } else {
                set.join(",")
            }
        }
        Some(other) => other.to_string(),
        None => "-".to_owned(),
    };
    let time = o.time.as_ref().and_then(|t| {
        t.get("iso")
            .or_else(|| t.get("text"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    (value, quality, time)
}

/// A value in a few characters: numbers and words as they are, booleans on/off, a step
/// position or counter by its number (`25 t` when transient, `14 #3` with its sequence),
/// other structures as `key=value` pairs.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "on".to_owned(),
        Value::Bool(false) => "off".to_owned(),
        Value::Object(m) => {
            if let Some(x) = m.get("value") {
                let transient = m.get("transient").and_then(Value::as_bool) == Some(true);
                format!("{}{}", value_text(x), if transient { " t" } else { "" })
            } else if let Some(c) = m.get("counter") {
                let seq = m
                    .get("sequence")
                    .map(|s| format!(" #{s}"))
                    .unwrap_or_default();
                format!("{c}{seq}")
            } else {
                m.iter()
                    .map(|(k, x)| format!("{k}={}", value_text(x)))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::sim104::asdu_report;

    #[test]
    fn measured_values_become_rows_with_quality_and_time() {
        // M_ME_TF_1 (36), spontaneous, CA 1, IOA 100 = 12.5, IV set, with a CP56 time.
        let asdu = [
            36, 1, 3, 0, 1, 0, 100, 0, 0, 0x00, 0x00, 0x48, 0x41, 0x80, 0xE8, 0x03, 0x00, 0x0C,
            0x01, 0x01, 0x1A,
        ];
        let r = asdu_report(&asdu);
        let a = r.asdu.as_ref().unwrap();
        assert_eq!(a.type_name, "M_ME_TF_1");
        let (value, quality, time) = object_texts(&a.objects[0]);
        assert_eq!(value, "12.5");
        assert_eq!(quality, "IV");
        assert_eq!(time.as_deref(), Some("2026-01-01T12:00:01.000"));
    }

    #[test]
    fn structured_values_are_short() {
        let v = serde_json::json!({"value": 25, "transient": true});
        assert_eq!(value_text(&v), "25 t");
        let c = serde_json::json!({"counter": 14, "sequence": 3, "carry": false});
        assert_eq!(value_text(&c), "14 #3");
        let p = serde_json::json!({"general": true, "l1": false});
        assert_eq!(value_text(&p), "general=on l1=off");
    }

    #[test]
    fn confirmations_are_one_status_line() {
        // C_SC_NA_1 (45), activation confirmation (7) negative, CA 1, IOA 2000, SCO on.
        let asdu = [45, 1, 0x47, 0, 1, 0, 0xD0, 0x07, 0, 1];
        let r = asdu_report(&asdu);
        assert_eq!(
            status_text(r.asdu.as_ref().unwrap()),
            "C_SC_NA_1 CA 1 IOA 2000: actcon (negative)"
        );
    }
}
