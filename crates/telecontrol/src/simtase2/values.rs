//! Simulated point values of every -802 type, and their JSON form.

use serde_json::{Value as Json, json};
use tase2_transfer_sets::{
    CurrentSource, DataFlags, Extended, Quality, State, TimeStampExtended, TimeTagged, Validity,
    Value, ValueKind,
};

/// The value of a point of type `kind` at simulation step `step` (time `gmt`, seconds
/// since 1970 UTC): reals swing around 100, discretes count, states alternate between
/// closed and tripped, quality stays good except every seventh step (suspect), the COV
/// counter counts.
#[must_use]
pub fn simulated(kind: ValueKind, step: u64, gmt: i32) -> Value {
    let phase = (step % 60) as f32;
    let real = 100.0 + 10.0 * (phase / 60.0 * std::f32::consts::TAU).sin();
    let discrete = i32::try_from(step % 100_000).unwrap_or(0);
    let state = if step.is_multiple_of(2) {
        State::Closed
    } else {
        State::Tripped
    };
    let validity = if step.is_multiple_of(7) {
        Validity::Suspect
    } else {
        Validity::Valid
    };
    let flags = DataFlags::GOOD
        .with_validity(validity)
        .with_current_source(CurrentSource::Telemetered);
    let state_flags = flags.with_state(state);
    let ext = TimeStampExtended {
        gmt_based_s: gmt,
        milliseconds: i16::try_from(step % 1000).unwrap_or(0),
    };
    let cov = u16::try_from(step % 65_536).unwrap_or(0);
    match kind {
        ValueKind::Real => Value::Real(real),
        ValueKind::State => Value::State(DataFlags::GOOD.with_state(state)),
        ValueKind::Discrete => Value::Discrete(discrete),
        ValueKind::Flags => Value::Flags(flags),
        ValueKind::RealQ => Value::RealQ(Quality { value: real, flags }),
        ValueKind::StateQ => Value::StateQ(state_flags),
        ValueKind::DiscreteQ => Value::DiscreteQ(Quality {
            value: discrete,
            flags,
        }),
        ValueKind::RealQTimeTag => Value::RealQTimeTag(TimeTagged {
            value: real,
            time_stamp: gmt,
            flags,
        }),
        ValueKind::StateQTimeTag => Value::StateQTimeTag(TimeTagged {
            value: (),
            time_stamp: gmt,
            flags: state_flags,
        }),
        ValueKind::DiscreteQTimeTag => Value::DiscreteQTimeTag(TimeTagged {
            value: discrete,
            time_stamp: gmt,
            flags,
        }),
        ValueKind::RealExtended => Value::RealExtended(Extended {
            value: real,
            time_stamp: gmt,
            flags,
            cov,
        }),
        ValueKind::StateExtended => Value::StateExtended(Extended {
            value: (),
            time_stamp: gmt,
            flags: state_flags,
            cov,
        }),
        ValueKind::DiscreteExtended => Value::DiscreteExtended(Extended {
            value: discrete,
            time_stamp: gmt,
            flags,
            cov,
        }),
        ValueKind::RealQTimeTagExtended => Value::RealQTimeTagExtended(TimeTagged {
            value: real,
            time_stamp: ext,
            flags,
        }),
        ValueKind::StateQTimeTagExtended => Value::StateQTimeTagExtended(TimeTagged {
            value: (),
            time_stamp: ext,
            flags: state_flags,
        }),
        ValueKind::DiscreteQTimeTagExtended => Value::DiscreteQTimeTagExtended(TimeTagged {
            value: discrete,
            time_stamp: ext,
            flags,
        }),
    }
}

fn flags_json(f: DataFlags) -> Json {
    json!({
        "state": format!("{:?}", f.state()),
        "validity": format!("{:?}", f.validity()),
        "source": format!("{:?}", f.current_source()),
        "abnormal": f.abnormal(),
        "time_stamp_invalid": f.time_stamp_invalid(),
    })
}

fn ext_json(t: TimeStampExtended) -> Json {
    json!({ "s": t.gmt_based_s, "ms": t.milliseconds })
}

/// `{ "type": "Data_RealQ", "value": .., "time_stamp": .., "flags": {..}, "cov": .. }`
/// (members the type has).
#[must_use]
pub fn value_json(v: &Value) -> Json {
    let mut o = serde_json::Map::new();
    o.insert("type".into(), Json::from(v.kind().name()));
    let mut put = |k: &str, j: Json| {
        o.insert(k.into(), j);
    };
    match *v {
        Value::Real(x) => put("value", json!(x)),
        Value::Discrete(x) => put("value", json!(x)),
        Value::State(f) | Value::Flags(f) | Value::StateQ(f) => put("flags", flags_json(f)),
        Value::RealQ(q) => {
            put("value", json!(q.value));
            put("flags", flags_json(q.flags));
        }
        Value::DiscreteQ(q) => {
            put("value", json!(q.value));
            put("flags", flags_json(q.flags));
        }
        Value::RealQTimeTag(q) => {
            put("value", json!(q.value));
            put("time_stamp", json!(q.time_stamp));
            put("flags", flags_json(q.flags));
        }
        Value::StateQTimeTag(q) => {
            put("time_stamp", json!(q.time_stamp));
            put("flags", flags_json(q.flags));
        }
        Value::DiscreteQTimeTag(q) => {
            put("value", json!(q.value));
            put("time_stamp", json!(q.time_stamp));
            put("flags", flags_json(q.flags));
        }
        Value::RealExtended(q) => {
            put("value", json!(q.value));
            put("time_stamp", json!(q.time_stamp));
            put("flags", flags_json(q.flags));
            put("cov", json!(q.cov));
        }
        Value::StateExtended(q) => {
            put("time_stamp", json!(q.time_stamp));
            put("flags", flags_json(q.flags));
            put("cov", json!(q.cov));
        }
        Value::DiscreteExtended(q) => {
            put("value", json!(q.value));
            put("time_stamp", json!(q.time_stamp));
            put("flags", flags_json(q.flags));
            put("cov", json!(q.cov));
        }
        Value::RealQTimeTagExtended(q) => {
            put("value", json!(q.value));
            put("time_stamp", ext_json(q.time_stamp));
            put("flags", flags_json(q.flags));
        }
        Value::StateQTimeTagExtended(q) => {
            put("time_stamp", ext_json(q.time_stamp));
            put("flags", flags_json(q.flags));
        }
        Value::DiscreteQTimeTagExtended(q) => {
            put("value", json!(q.value));
            put("time_stamp", ext_json(q.time_stamp));
            put("flags", flags_json(q.flags));
        }
    }
    Json::Object(o)
}

/// A short text form: the value (if any), the state and the validity.
#[must_use]
pub fn value_text(v: &Value) -> String {
    let j = value_json(v);
    let mut s = String::new();
    if let Some(x) = j.get("value") {
        s.push_str(&x.to_string());
    }
    if let Some(f) = v.flags() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("{:?}/{:?}", f.state(), f.validity()));
    }
    s
}
