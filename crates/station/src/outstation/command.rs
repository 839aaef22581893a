//! Commands and parameters: select and execute (101 §7.4.7, command transmission),
//! direct execute, deactivation, select timeout, command age.

use asdu::{
    AsduView, Cause, CommonAddress, Dco, InfoObject, Ioa, Qos, Rco, Sco, TimeTag, TypeId, Value,
};
use telecontrol_core::Instant;

use super::{
    CommandAction, CommandAnswer, CommandHandle, CommandRequest, Event, Outstation, dispatch,
};
use crate::StationError;
use crate::database::{CommandMode, PointDatabase};
use crate::frame::Frame;

/// A command handed to the application.
#[derive(Clone, Copy, Debug)]
pub(super) struct PendingCommand {
    handle: CommandHandle,
    request: Frame,
    ca: CommonAddress,
    ioa: Ioa,
    type_id: TypeId,
    action: CommandAction,
    key: Value<'static>,
    received: Instant,
    /// Accepted; waiting for the termination.
    executing: bool,
}

/// A confirmed select.
#[derive(Clone, Copy, Debug)]
pub(super) struct Armed {
    ca: CommonAddress,
    ioa: Ioa,
    type_id: TypeId,
    key: Value<'static>,
    pub(super) deadline: Instant,
}

/// S/E and the command with S/E cleared and without time tag (what select and execute must
/// agree on); `None` for parameters.
fn select_and_key(v: &Value<'_>) -> Option<(bool, Value<'static>)> {
    let plain_sco = |s: Sco| Sco::new(s.state(), s.qu(), false);
    let plain_dco = |d: Dco| Dco::new(d.state(), d.qu(), false);
    let plain_rco = |r: Rco| Rco::new(r.state(), r.qu(), false);
    let plain_qos = |q: Qos| Qos::new(q.ql(), false).unwrap_or_default();
    Some(match *v {
        Value::CScNa1(s) | Value::CScTa1(s, _) => (s.select(), Value::CScNa1(plain_sco(s))),
        Value::CDcNa1(d) | Value::CDcTa1(d, _) => (d.select(), Value::CDcNa1(plain_dco(d))),
        Value::CRcNa1(r) | Value::CRcTa1(r, _) => (r.select(), Value::CRcNa1(plain_rco(r))),
        Value::CSeNa1(n, q) | Value::CSeTa1(n, q, _) => {
            (q.select(), Value::CSeNa1(n, plain_qos(q)))
        }
        Value::CSeNb1(s, q) | Value::CSeTb1(s, q, _) => {
            (q.select(), Value::CSeNb1(s, plain_qos(q)))
        }
        Value::CSeNc1(f, q) | Value::CSeTc1(f, q, _) => {
            (q.select(), Value::CSeNc1(f, plain_qos(q)))
        }
        Value::CBoNa1(b) | Value::CBoTa1(b, _) => (false, Value::CBoNa1(b)),
        _ => return None,
    })
}

/// The value as `'static` (commands and parameters borrow nothing).
fn owned(v: &Value<'_>) -> Option<Value<'static>> {
    Some(match *v {
        Value::CScNa1(a) => Value::CScNa1(a),
        Value::CDcNa1(a) => Value::CDcNa1(a),
        Value::CRcNa1(a) => Value::CRcNa1(a),
        Value::CSeNa1(a, b) => Value::CSeNa1(a, b),
        Value::CSeNb1(a, b) => Value::CSeNb1(a, b),
        Value::CSeNc1(a, b) => Value::CSeNc1(a, b),
        Value::CBoNa1(a) => Value::CBoNa1(a),
        Value::CScTa1(a, t) => Value::CScTa1(a, t),
        Value::CDcTa1(a, t) => Value::CDcTa1(a, t),
        Value::CRcTa1(a, t) => Value::CRcTa1(a, t),
        Value::CSeTa1(a, b, t) => Value::CSeTa1(a, b, t),
        Value::CSeTb1(a, b, t) => Value::CSeTb1(a, b, t),
        Value::CSeTc1(a, b, t) => Value::CSeTc1(a, b, t),
        Value::CBoTa1(a, t) => Value::CBoTa1(a, t),
        Value::PMeNa1(a, b) => Value::PMeNa1(a, b),
        Value::PMeNb1(a, b) => Value::PMeNb1(a, b),
        Value::PMeNc1(a, b) => Value::PMeNc1(a, b),
        Value::PAcNa1(a) => Value::PAcNa1(a),
        _ => return None,
    })
}

pub(super) fn handle<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    now: Instant,
    bytes: &[u8],
    view: &AsduView<'_>,
    obj: InfoObject<'_>,
) {
    let h = view.header();
    let (ca, ioa, t) = (h.ca, obj.ioa, h.type_id);
    let negative = |st: &mut Outstation<D, N>| {
        st.mirror(bytes, dispatch::confirmation_of(h.cot.cause), true);
    };
    let Some(mode) = st.db.command_mode(ca, ioa, t) else {
        return st.mirror(bytes, Cause::UNKNOWN_IOA, true);
    };
    let Some(value) = owned(&obj.value) else {
        return negative(st);
    };
    let key = select_and_key(&value);
    if h.cot.cause == Cause::DEACTIVATION {
        return deactivate(st, bytes, ca, ioa, t);
    }
    if too_old(st, now, &obj) {
        return negative(st);
    }
    if st.commands.iter().any(|c| c.ca == ca && c.ioa == ioa) {
        return negative(st);
    }
    let (action, key) = match key {
        None => (CommandAction::Parameter, value),
        Some((true, key)) => {
            if mode == CommandMode::Direct {
                return negative(st);
            }
            (CommandAction::Select, key)
        }
        Some((false, key)) => {
            let armed = st
                .selects
                .iter()
                .position(|s| s.ca == ca && s.ioa == ioa && s.type_id == t && s.key == key);
            match (armed, mode) {
                (Some(i), CommandMode::SelectBeforeOperate | CommandMode::Any) => {
                    st.selects.swap_remove(i);
                    (CommandAction::Execute, key)
                }
                (_, CommandMode::SelectBeforeOperate) => return negative(st),
                _ => (CommandAction::DirectExecute, key),
            }
        }
    };
    let Some(request) = Frame::from_bytes(bytes) else {
        return negative(st);
    };
    let handle = CommandHandle(st.next_handle);
    let pending = PendingCommand {
        handle,
        request,
        ca,
        ioa,
        type_id: t,
        action,
        key,
        received: now,
        executing: false,
    };
    if st.commands.push(pending).is_err() {
        return negative(st);
    }
    st.next_handle = st.next_handle.wrapping_add(1).max(1);
    let event = Event::Command(CommandRequest {
        handle,
        ca,
        ioa,
        action,
        value,
        originator: h.cot.originator,
        test: h.cot.test,
    });
    if !st.notify(event) {
        st.commands.retain(|c| c.handle != handle);
        negative(st);
    }
}

/// Deactivation (cause 8): releases an armed select or a command not yet answered.
fn deactivate<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    bytes: &[u8],
    ca: CommonAddress,
    ioa: Ioa,
    t: TypeId,
) {
    let before = st.selects.len();
    st.selects
        .retain(|s| !(s.ca == ca && s.ioa == ioa && s.type_id == t));
    let mut found = st.selects.len() != before;
    if found {
        st.notify(Event::SelectReleased { ca, ioa });
    }
    if let Some(i) = st
        .commands
        .iter()
        .position(|c| c.ca == ca && c.ioa == ioa && c.type_id == t && !c.executing)
    {
        let c = st.commands.swap_remove(i);
        st.notify(Event::CommandCancelled(c.handle));
        found = true;
    }
    st.mirror(bytes, Cause::DEACTIVATION_CON, !found);
}

fn too_old<D: PointDatabase, const N: usize>(
    st: &Outstation<D, N>,
    now: Instant,
    obj: &InfoObject<'_>,
) -> bool {
    let (Some(max), Some(TimeTag::Cp56(t))) = (st.config.max_command_age, obj.time_tag()) else {
        return false;
    };
    let (Some(wall), Some(sent)) = (st.wall_clock(now), t.to_unix_millis(st.config.year_base))
    else {
        return true;
    };
    let max = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    sent.saturating_add(max) < wall
}

pub(super) fn answer<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    handle: CommandHandle,
    answer: CommandAnswer,
) -> Result<(), StationError> {
    let i = st
        .commands
        .iter()
        .position(|c| c.handle == handle && !c.executing)
        .ok_or(StationError::UnknownHandle { handle: handle.0 })?;
    let c = st.commands.swap_remove(i);
    let req = c.request;
    if answer == CommandAnswer::Reject {
        st.mirror(req.as_bytes(), Cause::ACTIVATION_CON, true);
        return Ok(());
    }
    st.mirror(req.as_bytes(), Cause::ACTIVATION_CON, false);
    match c.action {
        CommandAction::Select => {
            let armed = Armed {
                ca: c.ca,
                ioa: c.ioa,
                type_id: c.type_id,
                key: c.key,
                deadline: c.received.saturating_add(st.config.select_timeout),
            };
            // A new select of the same point replaces the old one.
            st.selects.retain(|s| !(s.ca == c.ca && s.ioa == c.ioa));
            if st.selects.push(armed).is_err() {
                st.notify(Event::SelectReleased {
                    ca: c.ca,
                    ioa: c.ioa,
                });
            }
        }
        CommandAction::Parameter => {}
        CommandAction::Execute | CommandAction::DirectExecute => {
            if answer == CommandAnswer::AcceptAndTerminate {
                st.mirror(req.as_bytes(), Cause::ACTIVATION_TERM, false);
            } else {
                // Back in the table until the termination; room was just freed.
                let _ = st.commands.push(PendingCommand {
                    executing: true,
                    ..c
                });
            }
        }
    }
    Ok(())
}

pub(super) fn terminate<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    handle: CommandHandle,
) -> Result<(), StationError> {
    let i = st
        .commands
        .iter()
        .position(|c| c.handle == handle && c.executing)
        .ok_or(StationError::UnknownHandle { handle: handle.0 })?;
    let c = st.commands.swap_remove(i);
    st.mirror(c.request.as_bytes(), Cause::ACTIVATION_TERM, false);
    Ok(())
}

pub(super) fn expire<D, const N: usize>(st: &mut Outstation<D, N>, now: Instant) {
    while let Some(i) = st.selects.iter().position(|s| s.deadline <= now) {
        let s = st.selects.swap_remove(i);
        st.notify(Event::SelectReleased {
            ca: s.ca,
            ioa: s.ioa,
        });
    }
}
