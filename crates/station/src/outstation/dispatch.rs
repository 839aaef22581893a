//! Checks every request in the order of 101 §7.2.3 (type 44, cause 45, common address 46,
//! object address 47) and hands it to its procedure.

use asdu::{AsduBuilder, AsduError, AsduView, Cause, CommonAddress, Cot, Fbp, Qrp, TypeId, Value};
use telecontrol_core::Instant;

use super::{Event, Outstation, command, interrogation};
use crate::config::Profile;
use crate::database::PointDatabase;
use crate::frame::{Frame, MAX_ASDU_LEN};

pub(super) fn handle<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    now: Instant,
    bytes: &[u8],
) {
    let params = st.config.params;
    let mirrorable =
        bytes.len() >= params.header_len() && bytes.len() <= usize::from(params.max_len());
    let view = match st.decode(bytes) {
        Ok(v) => v,
        Err(AsduError::UnknownTypeId { .. }) if mirrorable => {
            return st.mirror(bytes, Cause::UNKNOWN_TYPE, true);
        }
        Err(AsduError::BadCot { .. }) if mirrorable => {
            return st.mirror(bytes, Cause::UNKNOWN_CAUSE, true);
        }
        Err(e) => {
            st.notify(Event::Malformed(e));
            return;
        }
    };
    let h = view.header();
    let t = h.type_id;
    if !accepted_type(t, st) {
        return st.mirror(bytes, Cause::UNKNOWN_TYPE, true);
    }
    if !allowed_cause(t, h.cot.cause) {
        return st.mirror(bytes, Cause::UNKNOWN_CAUSE, true);
    }
    let broadcast = h.ca.is_broadcast(&params);
    if (broadcast && !broadcast_allowed(t)) || (!broadcast && !st.config.serves(h.ca)) {
        return st.mirror(bytes, Cause::UNKNOWN_CA, true);
    }
    let Some(obj) = view.objects().next().filter(|_| h.count == 1) else {
        return st.mirror(bytes, confirmation_of(h.cot.cause), true);
    };
    if is_system(t) && obj.ioa.value() != 0 {
        return st.mirror(bytes, Cause::UNKNOWN_IOA, true);
    }
    match obj.value {
        Value::CIcNa1(qoi) => interrogation::interrogate(st, bytes, &view, qoi),
        Value::CCiNa1(qcc) => interrogation::count(st, bytes, &view, qcc),
        Value::CRdNa1 => read(st, bytes, &view, obj.ioa),
        Value::CCsNa1(time) => {
            if time.invalid() {
                return st.mirror(bytes, Cause::ACTIVATION_CON, true);
            }
            if let Some(ms) = time.to_unix_millis(st.config.year_base) {
                st.set_clock(now, ms);
            }
            st.notify(Event::ClockSync { ca: h.ca, time });
            confirm_each(st, bytes, broadcast);
        }
        Value::CTsNa1(fbp) => st.mirror(bytes, Cause::ACTIVATION_CON, fbp != Fbp::STANDARD),
        Value::CTsTa1(..) => st.mirror(bytes, Cause::ACTIVATION_CON, false),
        Value::CRpNa1(qrp) => {
            if qrp != Qrp::GENERAL && qrp != Qrp::EVENT_BUFFER {
                return st.mirror(bytes, Cause::ACTIVATION_CON, true);
            }
            for ca in served(st, h.ca) {
                st.notify(Event::ResetProcess { ca, qrp });
            }
            confirm_each(st, bytes, broadcast);
        }
        Value::CCdNa1(delay) => {
            st.notify(Event::DelayAcquisition {
                ca: h.ca,
                delay,
                cause: h.cot.cause,
            });
            if h.cot.cause == Cause::ACTIVATION {
                st.mirror(bytes, Cause::ACTIVATION_CON, false);
            }
        }
        _ => command::handle(st, now, bytes, &view, obj),
    }
}

/// The addresses a request at `ca` covers: all served ones for broadcast, else `ca`.
pub(super) fn served<D, const N: usize>(
    st: &Outstation<D, N>,
    ca: CommonAddress,
) -> heapless::Vec<CommonAddress, { crate::config::MAX_COMMON_ADDRESSES }> {
    if ca.is_broadcast(&st.config.params) {
        st.config.common_addresses.clone()
    } else {
        let mut v = heapless::Vec::new();
        let _ = v.push(ca);
        v
    }
}

/// Positive activation confirmation, once per served address for a broadcast request.
fn confirm_each<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    bytes: &[u8],
    broadcast: bool,
) {
    let Some(f) = Frame::mirror(bytes, Cause::ACTIVATION_CON, false) else {
        return;
    };
    if !broadcast {
        return st.respond(f);
    }
    let params = st.config.params;
    for ca in st.config.common_addresses.clone() {
        st.respond(f.with_ca(&params, ca.0));
    }
}

fn read<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    bytes: &[u8],
    view: &AsduView<'_>,
    ioa: asdu::Ioa,
) {
    let h = view.header();
    let params = st.config.params;
    let mut buf = [0u8; MAX_ASDU_LEN];
    let built = st.db.read_point(h.ca, ioa).and_then(|o| {
        let cot = Cot {
            cause: Cause::REQUEST,
            ..h.cot
        };
        let mut b =
            AsduBuilder::new(&params, o.value.type_id(), cot, h.ca, false, &mut buf).ok()?;
        b.push(o.ioa, &o.value).ok()?;
        Frame::from_bytes(b.finish())
    });
    match built {
        Some(f) => st.respond(f),
        None => st.mirror(bytes, Cause::UNKNOWN_IOA, true),
    }
}

pub(super) fn is_command(t: TypeId) -> bool {
    matches!(t.code(), 45..=51 | 58..=64)
}

fn is_parameter(t: TypeId) -> bool {
    matches!(
        t,
        TypeId::PMeNa1 | TypeId::PMeNb1 | TypeId::PMeNc1 | TypeId::PAcNa1
    )
}

fn is_system(t: TypeId) -> bool {
    matches!(
        t,
        TypeId::CIcNa1
            | TypeId::CCiNa1
            | TypeId::CCsNa1
            | TypeId::CTsNa1
            | TypeId::CTsTa1
            | TypeId::CRpNa1
            | TypeId::CCdNa1
    )
}

fn accepted_type<D, const N: usize>(t: TypeId, st: &Outstation<D, N>) -> bool {
    let c = &st.config;
    let is104 = c.profile == Profile::Iec104;
    let known = is_command(t)
        || is_parameter(t)
        || matches!(
            t,
            TypeId::CIcNa1 | TypeId::CCiNa1 | TypeId::CRdNa1 | TypeId::CCsNa1 | TypeId::CRpNa1
        )
        || (t == TypeId::CTsTa1 && is104)
        || (t == TypeId::CTsNa1 && !is104)
        || (t == TypeId::CCdNa1 && !is104 && c.accept_delay_acquisition);
    known && (!is104 || t.allowed_in_104())
}

/// Causes allowed in the control direction per type (101 §7.2.3 and the type tables of §7.3).
fn allowed_cause(t: TypeId, c: Cause) -> bool {
    match t {
        TypeId::CIcNa1 => c == Cause::ACTIVATION || c == Cause::DEACTIVATION,
        TypeId::CRdNa1 => c == Cause::REQUEST,
        TypeId::CCdNa1 => c == Cause::ACTIVATION || c == Cause::SPONTANEOUS,
        t if is_command(t) => c == Cause::ACTIVATION || c == Cause::DEACTIVATION,
        _ => c == Cause::ACTIVATION,
    }
}

/// The broadcast (global) common address is allowed for these only (101 §7.2.4).
fn broadcast_allowed(t: TypeId) -> bool {
    matches!(
        t,
        TypeId::CIcNa1 | TypeId::CCiNa1 | TypeId::CCsNa1 | TypeId::CRpNa1
    )
}

/// The confirming cause of a request's cause: activation → 7, deactivation → 9, else same.
pub(super) fn confirmation_of(c: Cause) -> Cause {
    match c {
        Cause::ACTIVATION => Cause::ACTIVATION_CON,
        Cause::DEACTIVATION => Cause::DEACTIVATION_CON,
        other => other,
    }
}
