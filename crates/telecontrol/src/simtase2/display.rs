//! What `tase2 client` shows: with `--json` one JSON object per event; on a terminal a
//! live table of the reported points (name, value, quality, time stamp) with messages
//! above it and the last device control step (selected, operated, refused, no answer) as
//! the status line under it; otherwise (a pipe, a file) the text lines, as before.

use serde_json::Value as Json;
use tase2_transfer_sets::Value;
use tase2_transfer_sets::client::{Reading, Tase2Message, Tase2Report};
use tase2_transfer_sets::station::{DeviceRequest, StationEvent};

use super::{message_line, report_line};
use crate::demo::value_parts;
use crate::live::LiveTable;

/// Where the client's output goes.
#[derive(Debug)]
pub struct ClientOut {
    json: bool,
    table: Option<LiveTable>,
}

impl ClientOut {
    /// JSON lines with `json`; else the live table when stdout is a terminal, else lines.
    #[must_use]
    pub fn new(json: bool) -> ClientOut {
        ClientOut::with_table(json, Some(LiveTable::stdout()).filter(LiveTable::is_live))
    }

    /// As [`new`](Self::new) with the given table (`None`: lines).
    #[must_use]
    pub fn with_table(json: bool, table: Option<LiveTable>) -> ClientOut {
        ClientOut {
            json,
            table: table.filter(|_| !json),
        }
    }

    /// A transfer report: its JSON line, its rows, or its text.
    pub fn report(&mut self, r: &Tase2Report) {
        let Some(t) = &mut self.table else {
            println!("{}", report_line(r, self.json));
            return;
        };
        for (name, reading) in &r.values {
            let (value, quality, time) = match reading {
                Reading::Value(v) => {
                    let (value, quality) = value_parts(v);
                    (value, quality.unwrap_or_else(|| "-".into()), time_text(v))
                }
                Reading::Failure(e) => ("-".into(), format!("{e:?}"), None),
                Reading::Untyped => ("?".into(), "-".into(), None),
            };
            t.update_timed(&name.to_string(), &value, &quality, time.as_deref(), "");
        }
    }

    /// An information message: above the table, or a line.
    pub fn message(&mut self, m: &Tase2Message) {
        match &mut self.table {
            Some(t) => t.line(&message_line(m, false)),
            None => println!("{}", message_line(m, self.json)),
        }
    }

    /// A step of the session: `json` as a JSON line (none: nothing in JSON), `text`
    /// above the table or as a line.
    pub fn say(&mut self, json: Option<Json>, text: &str) {
        match (&mut self.table, self.json) {
            (Some(t), _) => t.line(text),
            (None, true) => {
                if let Some(j) = json {
                    println!("{j}");
                }
            }
            (None, false) => println!("{text}"),
        }
    }

    /// A device control step (selected, operated, refused, no answer): the status line
    /// under the table, or as [`say`](Self::say).
    pub fn status(&mut self, json: Option<Json>, text: &str) {
        match &mut self.table {
            Some(t) => t.status(text),
            None => self.say(json, text),
        }
    }
}

/// A station event of `tase2 server` as one line of text.
#[must_use]
pub fn server_event_text(e: &StationEvent) -> String {
    let table = |t: &Option<String>| t.as_deref().unwrap_or("anonymous").to_owned();
    let request = |r: &DeviceRequest| match r {
        DeviceRequest::Select => "select",
        DeviceRequest::Operate => "operate",
    };
    match e {
        StationEvent::Associated {
            association,
            table_id,
        } => format!(
            "association {association}: associated (table {})",
            table(table_id)
        ),
        StationEvent::AssociationRefused {
            association,
            ap_title,
        } => format!(
            "association {association}: refused (AP-title {})",
            ap_title.as_deref().unwrap_or("none")
        ),
        StationEvent::Released { association } => format!("association {association}: ended"),
        StationEvent::TransferSetEnabled {
            association,
            transfer_set,
        } => format!("association {association}: transfer set {transfer_set} enabled"),
        StationEvent::TransferSetDisabled {
            association,
            transfer_set,
        } => format!("association {association}: transfer set {transfer_set} disabled"),
        StationEvent::Operate {
            association,
            name,
            value,
            table_id,
            ..
        } => format!(
            "association {association}: operate {name} with {value:?} (table {})",
            table(table_id)
        ),
        StationEvent::DeviceRefused {
            association,
            name,
            request: r,
            error,
            ..
        } => format!(
            "association {association}: {} of {name} refused: {} (answer = negative)",
            request(r),
            super::answers::refusal_name(*error)
        ),
        StationEvent::DeviceIgnored {
            association,
            name,
            request: r,
            ..
        } => format!(
            "association {association}: {} of {name} not answered (answer = none)",
            request(r)
        ),
        StationEvent::SelectTimeout { name, table_id, .. } => {
            format!("selection of {name} timed out (table {})", table(table_id))
        }
        StationEvent::TagChanged {
            association,
            device,
            tag,
            reason,
            ..
        } => {
            format!("association {association}: tag of device {device:?} set to {tag:?} ({reason})")
        }
        StationEvent::Message {
            association,
            header,
            data,
        } => format!(
            "association {association}: message {}: {}",
            header.message_id,
            String::from_utf8_lossy(data)
        ),
        other => format!("{other:?}"),
    }
}

/// A value's time stamp (UTC), for the kinds that carry one.
#[must_use]
pub fn time_text(v: &Value) -> Option<String> {
    let (s, ms) = match v {
        Value::RealQTimeTag(t) => (t.time_stamp, None),
        Value::StateQTimeTag(t) => (t.time_stamp, None),
        Value::DiscreteQTimeTag(t) => (t.time_stamp, None),
        Value::RealExtended(e) => (e.time_stamp, None),
        Value::StateExtended(e) => (e.time_stamp, None),
        Value::DiscreteExtended(e) => (e.time_stamp, None),
        Value::RealQTimeTagExtended(t) => {
            (t.time_stamp.gmt_based_s, Some(t.time_stamp.milliseconds))
        }
        Value::StateQTimeTagExtended(t) => {
            (t.time_stamp.gmt_based_s, Some(t.time_stamp.milliseconds))
        }
        Value::DiscreteQTimeTagExtended(t) => {
            (t.time_stamp.gmt_based_s, Some(t.time_stamp.milliseconds))
        }
        _ => return None,
    };
    let day = i64::from(s).rem_euclid(86_400);
    let hms = format!("{:02}:{:02}:{:02}", day / 3_600, day / 60 % 60, day % 60);
    Some(match ms {
        Some(ms) => format!("{hms}.{ms:03}"),
        None => hms,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tase2_transfer_sets::{DataFlags, TimeStampExtended, TimeTagged};

    #[test]
    fn server_events_read_as_sentences() {
        use tase2_transfer_sets::station::{
            ControlMode, DeviceConfig, Domain, StationConfig, Tase2Station,
        };
        let st = Tase2Station::new(StationConfig::default(), || telecontrol_core::Instant::ZERO);
        let device = st
            .add_device(DeviceConfig {
                domain: Domain::Vcc,
                name: "SP_SILENT".into(),
                kind: tase2_transfer_sets::DeviceKind::RealSetPoint,
                mode: ControlMode::Direct,
                tagged: false,
                check_back_id: 0,
            })
            .unwrap();
        let e = StationEvent::DeviceIgnored {
            association: 4,
            device,
            name: "SP_SILENT".into(),
            request: DeviceRequest::Operate,
        };
        assert_eq!(
            server_event_text(&e),
            "association 4: operate of SP_SILENT not answered (answer = none)"
        );
        let e = StationEvent::Operate {
            association: 4,
            device,
            name: "SP_SILENT".into(),
            value: tase2_transfer_sets::DeviceValue::RealSetPoint(2.5),
            table_id: Some("T1".into()),
        };
        assert_eq!(
            server_event_text(&e),
            "association 4: operate SP_SILENT with RealSetPoint(2.5) (table T1)"
        );
    }

    #[test]
    fn time_stamps_are_utc_times_of_day() {
        let v = Value::RealQTimeTag(TimeTagged {
            value: 1.0,
            time_stamp: 1_700_000_000,
            flags: DataFlags::GOOD,
        });
        assert_eq!(time_text(&v).as_deref(), Some("22:13:20"));
        let e = Value::DiscreteQTimeTagExtended(TimeTagged {
            value: 3,
            time_stamp: TimeStampExtended {
                gmt_based_s: 1_700_000_001,
                milliseconds: 7,
            },
            flags: DataFlags::GOOD,
        });
        assert_eq!(time_text(&e).as_deref(), Some("22:13:21.007"));
        assert_eq!(time_text(&Value::Real(1.0)), None);
    }
}
