//! An ASDU, decoded by the `asdu` crate's checked view, as an [`AsduReport`].
//!
//! Value representation per element (the JSON schema of `objects[].value`):
//! single points: boolean; double points: `"intermediate"`, `"off"`, `"on"`,
//! `"indeterminate"`; normalized values: a number in \[-1, 1); scaled values and bitstrings:
//! integers; short floats: numbers; step positions, counters, protection events, commands,
//! qualifiers and file-transfer elements: objects with one key per field.

use super::hex;
use super::report::{AsduReport, ObjectReport};
use asdu::{
    AsduError, AsduParams, AsduView, Bcr, Cp16Time2a, Cp24Time2a, Cp56Time2a, Dpi, Frz, Nva, Oci,
    Qos, Qpm, Quality, Rcs, Spe, TimeTag, Value as Element, Vti,
};
use serde_json::{Map, Value, json};

/// The year base for CP56Time2a's two-digit year in the ISO-8601 rendering.
pub const YEAR_BASE: u16 = 2000;

/// Decode `bytes` as one ASDU with `params`.
///
/// # Errors
/// The offset (from the ASDU's first octet) and the reason if the ASDU is malformed.
pub(crate) fn report(bytes: &[u8], params: AsduParams) -> Result<AsduReport, (usize, String)> {
    let view = AsduView::decode(&params, bytes).map_err(|e| (error_offset(&e), e.to_string()))?;
    let h = view.header();
    let cause = h.cot.cause;
    let objects = view
        .objects()
        .map(|o| ObjectReport {
            ioa: o.ioa.value(),
            value: value(&o.value),
            quality: o.quality().map(|q| quality(q, &o.value)),
            time: o.time_tag().map(|t| match t {
                TimeTag::Cp24(t) => cp24(t),
                TimeTag::Cp56(t) => cp56(t),
            }),
        })
        .collect();
    Ok(AsduReport {
        type_id: h.type_id.code(),
        type_name: h.type_id.mnemonic().to_owned(),
        sq: h.sq,
        count: h.count,
        cot: cause.value(),
        cause: cause.name().map_or_else(
            || {
                if cause.value() >= 48 {
                    "private".to_owned()
                } else {
                    "reserved".to_owned()
                }
            },
            str::to_owned,
        ),
        negative: h.cot.negative,
        test: h.cot.test,
        oa: h.cot.originator,
        ca: h.ca.0,
        objects,
    })
}

fn error_offset(e: &AsduError) -> usize {
    match *e {
        AsduError::Truncated { offset, .. }
        | AsduError::UnknownTypeId { offset, .. }
        | AsduError::BadCount { offset, .. }
        | AsduError::LengthMismatch { offset, .. }
        | AsduError::BadCot { offset, .. }
        | AsduError::InvalidElement { offset, .. }
        | AsduError::IoaOverflow { offset, .. } => offset,
        _ => 0,
    }
}

/// A float as JSON with its shortest decimal form (an f32 widened to f64 would print
/// 0.1 as 0.10000000149011612).
fn float(v: f32) -> Value {
    format!("{v}")
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn normalized(v: Nva) -> Value {
    float(v.to_f32())
}

fn dpi(d: Dpi) -> &'static str {
    match d {
        Dpi::Intermediate => "intermediate",
        Dpi::Off => "off",
        Dpi::On => "on",
        Dpi::Indeterminate => "indeterminate",
    }
}

fn vti(v: Vti) -> Value {
    json!({"value": v.value(), "transient": v.transient()})
}

fn bcr(b: Bcr) -> Value {
    json!({"counter": b.counter(), "sequence": b.sequence(), "carry": b.carry(),
           "adjusted": b.adjusted(), "invalid": b.invalid()})
}

fn ms(t: Cp16Time2a) -> u16 {
    t.millis()
}

fn spe(s: Spe) -> Value {
    json!({"general": s.general_start(), "l1": s.start_l1(), "l2": s.start_l2(),
           "l3": s.start_l3(), "earth": s.start_earth(), "reverse": s.start_reverse()})
}

fn oci(o: Oci) -> Value {
    json!({"general": o.general(), "l1": o.l1(), "l2": o.l2(), "l3": o.l3()})
}

fn command(mut fields: Map<String, Value>, qu: u8, select: bool) -> Value {
    fields.insert("qu".into(), qu.into());
    fields.insert("select".into(), select.into());
    Value::Object(fields)
}

fn setpoint(v: Value, q: Qos) -> Value {
    json!({"value": v, "ql": q.ql(), "select": q.select()})
}

fn parameter(v: Value, q: Qpm) -> Value {
    json!({"value": v, "kpa": q.kpa(), "lpc": q.lpc(), "pop": q.pop()})
}

fn frz(f: Frz) -> &'static str {
    match f {
        Frz::Read => "read",
        Frz::Freeze => "freeze",
        Frz::FreezeAndReset => "freeze_and_reset",
        Frz::Reset => "reset",
    }
}

fn rcs(r: Rcs) -> &'static str {
    match r {
        Rcs::Lower => "lower",
        Rcs::Higher => "higher",
        Rcs::NotPermitted0 => "not_permitted_0",
        Rcs::NotPermitted3 => "not_permitted_3",
    }
}

/// The element set of one object, without its quality descriptor and time tag.
fn value(v: &Element<'_>) -> Value {
    use Element as E;
    match *v {
        E::MSpNa1(s) | E::MSpTa1(s, _) | E::MSpTb1(s, _) => s.spi().into(),
        E::MDpNa1(d) | E::MDpTa1(d, _) | E::MDpTb1(d, _) => dpi(d.dpi()).into(),
        E::MStNa1(v, _) | E::MStTa1(v, _, _) | E::MStTb1(v, _, _) => vti(v),
        E::MBoNa1(b, _) | E::MBoTa1(b, _, _) | E::MBoTb1(b, _, _) | E::CBoNa1(b) => b.0.into(),
        E::CBoTa1(b, _) => b.0.into(),
        E::MMeNa1(n, _) | E::MMeTa1(n, _, _) | E::MMeTd1(n, _, _) | E::MMeNd1(n) => normalized(n),
        E::MMeNb1(s, _) | E::MMeTb1(s, _, _) | E::MMeTe1(s, _, _) => s.0.into(),
        E::MMeNc1(f, _) | E::MMeTc1(f, _, _) | E::MMeTf1(f, _, _) => float(f),
        E::MItNa1(b) | E::MItTa1(b, _) | E::MItTb1(b, _) => bcr(b),
        E::MEpTa1(s, e, _) => json!({"event": dpi(s.event_state()), "elapsed_ms": ms(e)}),
        E::MEpTd1(s, e, _) => json!({"event": dpi(s.event_state()), "elapsed_ms": ms(e)}),
        E::MEpTb1(s, _, d, _) | E::MEpTe1(s, _, d, _) => {
            json!({"start": spe(s), "duration_ms": ms(d)})
        }
        E::MEpTc1(o, _, t, _) | E::MEpTf1(o, _, t, _) => {
            json!({"trip": oci(o), "operating_ms": ms(t)})
        }
        E::MPsNa1(s, _) => json!({"status": s.status(), "changed": s.changed()}),
        E::CScNa1(c) | E::CScTa1(c, _) => {
            let mut m = Map::new();
            m.insert("on".into(), c.state().into());
            command(m, c.qu().value(), c.select())
        }
        E::CDcNa1(c) | E::CDcTa1(c, _) => {
            let mut m = Map::new();
            m.insert("state".into(), dpi(c.state()).into());
            command(m, c.qu().value(), c.select())
        }
        E::CRcNa1(c) | E::CRcTa1(c, _) => {
            let mut m = Map::new();
            m.insert("step".into(), rcs(c.state()).into());
            command(m, c.qu().value(), c.select())
        }
        E::CSeNa1(n, q) | E::CSeTa1(n, q, _) => setpoint(normalized(n), q),
        E::CSeNb1(s, q) | E::CSeTb1(s, q, _) => setpoint(s.0.into(), q),
        E::CSeNc1(f, q) | E::CSeTc1(f, q, _) => setpoint(float(f), q),
        E::MEiNa1(c) => json!({"cause": c.cause(), "after_parameter_change":
                                 c.after_parameter_change()}),
        E::CIcNa1(q) => json!({"qoi": q.to_u8()}),
        E::CCiNa1(q) => json!({"rqt": q.rqt(), "frz": frz(q.frz())}),
        E::CRdNa1 => Value::Null,
        E::CCsNa1(t) => cp56(t),
        E::CTsNa1(f) => json!({"fbp": f.0}),
        E::CRpNa1(q) => json!({"qrp": q.to_u8()}),
        E::CCdNa1(d) => json!({"delay_ms": ms(d)}),
        E::CTsTa1(t, _) => json!({"tsc": t.0}),
        E::PMeNa1(n, q) => parameter(normalized(n), q),
        E::PMeNb1(s, q) => parameter(s.0.into(), q),
        E::PMeNc1(f, q) => parameter(float(f), q),
        E::PAcNa1(q) => json!({"qpa": q.to_u8()}),
        E::FFrNa1(n, l, f) => json!({"nof": n.0, "lof": l.value(), "frq": f.to_u8()}),
        E::FSrNa1(n, s, l, r) => {
            json!({"nof": n.0, "nos": s.0, "los": l.value(), "srq": r.to_u8()})
        }
        E::FScNa1(n, s, q) => json!({"nof": n.0, "nos": s.0, "scq": q.to_u8()}),
        E::FLsNa1(n, s, q, c) => {
            json!({"nof": n.0, "nos": s.0, "lsq": q.to_u8(), "chs": c.0})
        }
        E::FAfNa1(n, s, q) => json!({"nof": n.0, "nos": s.0, "afq": q.to_u8()}),
        E::FSgNa1(n, s, seg) => {
            json!({"nof": n.0, "nos": s.0, "segment": hex::format(seg.data())})
        }
        E::FDrTa1(n, l, s, _) => json!({"nof": n.0, "lof": l.value(), "sof": s.to_u8()}),
        E::FScNb1(n, start, stop) => json!({"nof": n.0, "start": cp56(start), "stop": cp56(stop)}),
        E::Raw(_, bytes) => json!({"raw": hex::format(bytes)}),
        _ => json!({"text": v.to_string()}),
    }
}

/// The quality flags the element's descriptor defines, each as a boolean: SIQ/DIQ: BL, SB,
/// NT, IV; QDS: OV too; QDP and SEP: EI too; BCR: IV only.
fn quality(q: Quality, v: &Element<'_>) -> Value {
    use Element as E;
    let mut m = Map::new();
    match v {
        E::MItNa1(..) | E::MItTa1(..) | E::MItTb1(..) => {
            m.insert("iv".into(), q.invalid().into());
            return Value::Object(m);
        }
        E::MSpNa1(..)
        | E::MSpTa1(..)
        | E::MSpTb1(..)
        | E::MDpNa1(..)
        | E::MDpTa1(..)
        | E::MDpTb1(..) => {}
        E::MEpTa1(..)
        | E::MEpTb1(..)
        | E::MEpTc1(..)
        | E::MEpTd1(..)
        | E::MEpTe1(..)
        | E::MEpTf1(..) => {
            m.insert("ei".into(), q.elapsed_time_invalid().into());
        }
        _ => {
            m.insert("ov".into(), q.overflow().into());
        }
    }
    m.insert("bl".into(), q.blocked().into());
    m.insert("sb".into(), q.substituted().into());
    m.insert("nt".into(), q.not_topical().into());
    m.insert("iv".into(), q.invalid().into());
    Value::Object(m)
}

/// CP56Time2a: ISO-8601 (year `YEAR_BASE` + yy, no zone: the standard leaves it to the
/// system) and the raw fields.
fn cp56(t: Cp56Time2a) -> Value {
    let iso = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        t.full_year(YEAR_BASE),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    );
    json!({
        "iso": iso,
        "year": t.year(), "month": t.month(), "day": t.day(), "dow": t.day_of_week(),
        "hour": t.hour(), "minute": t.minute(), "ms": t.millis(),
        "iv": t.invalid(), "su": t.summer_time(),
        "raw": hex::format(&t.to_bytes()),
    })
}

/// CP24Time2a: minutes and milliseconds only (`"xx:mm:ss.mmm"` as text).
fn cp24(t: Cp24Time2a) -> Value {
    let ms = t.millis();
    json!({
        "text": format!("xx:{:02}:{:02}.{:03}", t.minute(), ms / 1000, ms % 1000),
        "minute": t.minute(), "ms": ms, "iv": t.invalid(),
        "raw": hex::format(&t.to_bytes()),
    })
}
