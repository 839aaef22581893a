//! Station, group and counter interrogation (101 §7.4.5 and §7.4.8): confirmation,
//! data one ASDU per [`super::Outstation::poll_transmit`] call, termination; per served
//! common address for a broadcast request.

use asdu::{
    AsduBuilder, AsduParams, AsduView, Cause, CommonAddress, Cot, Frz, Ioa, Qcc, Qoi, TypeId, Value,
};

use super::{Outstation, dispatch};
use crate::config::{MAX_COMMON_ADDRESSES, OriginatorHandling};
use crate::database::{CounterScope, PointDatabase, Scope, without_time_tag};
use crate::frame::Frame;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Points(Scope),
    Counters(CounterScope, bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Confirm,
    Data(Pass),
    Terminate,
}

/// Where the data phase stands: one pass over the addresses per type; `current` is the type
/// of this pass, `cursor` the last address examined in it, `done` the types already sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Pass {
    current: Option<TypeId>,
    cursor: Option<Ioa>,
    done: [u64; 4],
    /// Where the next pass starts: the cursor before the first object of another, unsent
    /// type met in this pass (`None`: none met, this is the last pass).
    resume: Option<Option<Ioa>>,
}

impl Pass {
    fn bit(t: TypeId) -> (usize, u64) {
        let c = t.code();
        (usize::from(c >> 6), 1u64 << (c & 63))
    }

    fn is_done(&self, t: TypeId) -> bool {
        let (i, b) = Pass::bit(t);
        self.done.get(i).is_some_and(|w| w & b != 0)
    }

    fn mark_done(&mut self, t: TypeId) {
        let (i, b) = Pass::bit(t);
        if let Some(w) = self.done.get_mut(i) {
            *w |= b;
        }
    }
}

/// A running interrogation: where it stands, resumed on every transmit.
#[derive(Clone, Debug)]
pub(super) struct Job {
    kind: Kind,
    request: Frame,
    ca: CommonAddress,
    cot: Cot,
    cas: heapless::Vec<CommonAddress, MAX_COMMON_ADDRESSES>,
    index: usize,
    phase: Phase,
}

/// C_IC_NA_1. A second interrogation while one runs is refused with a negative activation
/// confirmation; a deactivation stops the running one.
pub(super) fn interrogate<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    bytes: &[u8],
    view: &AsduView<'_>,
    qoi: Qoi,
) {
    let h = view.header();
    if h.cot.cause == Cause::DEACTIVATION {
        let running = st.interrogation.as_ref().is_some_and(|j| j.ca == h.ca);
        if running {
            st.interrogation = None;
        }
        return st.mirror(bytes, Cause::DEACTIVATION_CON, !running);
    }
    let (scope, cause) = if qoi == Qoi::STATION {
        (Scope::Station, Cause::INTERROGATED)
    } else {
        match qoi
            .group_number()
            .and_then(|n| Some((n, Cause::interrogated_by_group(n)?)))
        {
            Some((n, c)) => (Scope::Group(n), c),
            None => return st.mirror(bytes, Cause::ACTIVATION_CON, true),
        }
    };
    if st.interrogation.is_some() {
        return st.mirror(bytes, Cause::ACTIVATION_CON, true);
    }
    st.interrogation = job(st, bytes, view, Kind::Points(scope), cause);
}

/// C_CI_NA_1. FRZ = 0 reads (confirmation, counters with cause 37–41, termination); a freeze
/// or reset calls [`PointDatabase::freeze_counters`] and is confirmed and terminated without
/// data (the frozen values follow spontaneously or on a later read request).
pub(super) fn count<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    bytes: &[u8],
    view: &AsduView<'_>,
    qcc: Qcc,
) {
    let h = view.header();
    let (scope, cause) = match qcc.rqt() {
        Qcc::GENERAL => (CounterScope::General, Cause::COUNTER_REQUESTED),
        n => match Cause::counter_requested_by_group(n) {
            Some(c) => (CounterScope::Group(n), c),
            None => return st.mirror(bytes, Cause::ACTIVATION_CON, true),
        },
    };
    if st.counters.is_some() {
        return st.mirror(bytes, Cause::ACTIVATION_CON, true);
    }
    let read = qcc.frz() == Frz::Read;
    if !read {
        for ca in dispatch::served(st, h.ca) {
            st.db.freeze_counters(ca, qcc);
        }
    }
    st.counters = job(st, bytes, view, Kind::Counters(scope, read), cause);
}

fn job<D, const N: usize>(
    st: &Outstation<D, N>,
    bytes: &[u8],
    view: &AsduView<'_>,
    kind: Kind,
    cause: Cause,
) -> Option<Job> {
    let h = view.header();
    let originator = match st.config.originator {
        OriginatorHandling::Mirror => h.cot.originator,
        OriginatorHandling::Zero => 0,
    };
    Some(Job {
        kind,
        request: Frame::from_bytes(bytes)?,
        ca: h.ca,
        cot: Cot {
            cause,
            negative: false,
            test: h.cot.test,
            originator,
        },
        cas: dispatch::served(st, h.ca),
        index: 0,
        phase: Phase::Confirm,
    })
}

/// The next ASDU of the interrogation (`points`) or counter interrogation job.
pub(super) fn poll<D: PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    points: bool,
    out: &mut [u8],
) -> Option<usize> {
    let mut job = if points {
        st.interrogation.take()?
    } else {
        st.counters.take()?
    };
    let params = st.config.params;
    loop {
        let ca = *job.cas.get(job.index)?;
        match job.phase {
            Phase::Confirm => {
                job.phase = match job.kind {
                    Kind::Counters(_, false) => Phase::Terminate,
                    _ => Phase::Data(Pass::default()),
                };
                let n = confirmation(st, &job, ca, Cause::ACTIVATION_CON, out);
                put_back(st, points, job);
                return n;
            }
            Phase::Data(mut pass) => {
                let built = match job.kind {
                    Kind::Points(scope) => build(&params, ca, job.cot, out, &mut pass, |a| {
                        st.db
                            .next_point(ca, scope, a)
                            .map(|o| (o.ioa, without_time_tag(&o.value)))
                    }),
                    Kind::Counters(scope, _) => build(&params, ca, job.cot, out, &mut pass, |a| {
                        st.db
                            .next_counter(ca, scope, a)
                            .map(|(ioa, bcr)| (ioa, Some(Value::MItNa1(bcr))))
                    }),
                };
                match built {
                    Some(n) => {
                        job.phase = Phase::Data(pass);
                        put_back(st, points, job);
                        return Some(n);
                    }
                    None => job.phase = Phase::Terminate,
                }
            }
            Phase::Terminate => {
                let n = confirmation(st, &job, ca, Cause::ACTIVATION_TERM, out);
                job.index = job.index.saturating_add(1);
                job.phase = Phase::Confirm;
                if job.index < job.cas.len() {
                    put_back(st, points, job);
                }
                return n;
            }
        }
    }
}

fn put_back<D, const N: usize>(st: &mut Outstation<D, N>, points: bool, job: Job) {
    if points {
        st.interrogation = Some(job);
    } else {
        st.counters = Some(job);
    }
}

fn confirmation<D, const N: usize>(
    st: &Outstation<D, N>,
    job: &Job,
    ca: CommonAddress,
    cause: Cause,
    out: &mut [u8],
) -> Option<usize> {
    let f = Frame::mirror(job.request.as_bytes(), cause, false)?.with_ca(&st.config.params, ca.0);
    let f = match st.config.originator {
        OriginatorHandling::Mirror => f,
        OriginatorHandling::Zero => f.with_originator(&st.config.params, 0),
    };
    f.copy_to(out)
}

/// The next ASDU of the interrogation: objects of the pass's type in ascending address order
/// (others are skipped and sent in their own pass); objects without an untimed form are
/// skipped. `None` when every type has been sent.
fn build<'d>(
    params: &AsduParams,
    ca: CommonAddress,
    cot: Cot,
    out: &mut [u8],
    pass: &mut Pass,
    mut next: impl FnMut(Option<Ioa>) -> Option<(Ioa, Option<Value<'d>>)>,
) -> Option<usize> {
    loop {
        let t = match pass.current {
            Some(t) => t,
            None => {
                let (t, start) = first_type_not_done(pass, &mut next)?;
                pass.current = Some(t);
                pass.cursor = start;
                t
            }
        };
        if let Some((n, last)) = build_one(params, ca, cot, out, t, pass, &mut next) {
            pass.cursor = Some(last);
            return Some(n);
        }
        pass.mark_done(t);
        pass.current = None;
        // No other type met in this pass: every type has been sent.
        pass.resume?;
    }
}

/// The first object of a type not sent yet, from where the last pass met one: its type and
/// the cursor before it.
fn first_type_not_done<'d>(
    pass: &mut Pass,
    next: &mut impl FnMut(Option<Ioa>) -> Option<(Ioa, Option<Value<'d>>)>,
) -> Option<(TypeId, Option<Ioa>)> {
    let mut cursor = pass.resume.take().unwrap_or(None);
    loop {
        let (ioa, v) = next(cursor)?;
        // A database must move forward; one that does not ends the interrogation rather
        // than looping.
        if cursor.is_some_and(|c| ioa <= c) {
            return None;
        }
        if let Some(t) = v.map(|v| v.type_id()).filter(|t| !pass.is_done(*t)) {
            return Some((t, cursor));
        }
        cursor = Some(ioa);
    }
}

/// One ASDU of type `t` from the objects after the pass's cursor; its length and the last
/// address examined, or `None` if no object of type `t` follows. SQ = 1 when a run of
/// consecutive addresses fills an SQ = 0 ASDU or ends the data (then it stops at the first
/// gap), else SQ = 0.
fn build_one<'d>(
    params: &AsduParams,
    ca: CommonAddress,
    cot: Cot,
    out: &mut [u8],
    t: TypeId,
    pass: &mut Pass,
    next: &mut impl FnMut(Option<Ioa>) -> Option<(Ioa, Option<Value<'d>>)>,
) -> Option<(usize, Ioa)> {
    let mut cursor = pass.cursor;
    let note = |pass: &mut Pass, before: Option<Ioa>, v: Option<TypeId>| {
        if pass.resume.is_none() && v.is_some_and(|o| o != t && !pass.is_done(o)) {
            pass.resume = Some(before);
        }
    };
    let (first_ioa, first) = loop {
        let (ioa, v) = next(cursor)?;
        if cursor.is_some_and(|c| ioa <= c) {
            return None;
        }
        note(pass, cursor, v.map(|v| v.type_id()));
        cursor = Some(ioa);
        if let Some(v) = v.filter(|v| v.type_id() == t) {
            break (ioa, v);
        }
    };
    let ioa_len = usize::from(params.ioa_size());
    let room = out.len().saturating_sub(params.header_len());
    let per_sq0 = room
        .checked_div(ioa_len.saturating_add(first.encoded_len()))
        .unwrap_or(0)
        .min(127);
    let mut run = 1usize;
    let mut prev = first_ioa;
    let ends = loop {
        if run >= per_sq0 {
            break false;
        }
        match next(Some(prev)) {
            Some((ioa, Some(v))) if Some(ioa) == prev.next() && v.type_id() == t => {
                run = run.saturating_add(1);
                prev = ioa;
            }
            Some(_) => break false,
            None => break true,
        }
    };
    let sq = run > 1 && (run >= per_sq0 || ends);
    let mut b = AsduBuilder::new(params, t, cot, ca, sq, out).ok()?;
    b.push(first_ioa, &first).ok()?;
    let mut last = first_ioa;
    while let Some((ioa, v)) = next(Some(last)) {
        if ioa <= last {
            break;
        }
        let other = v.map(|v| v.type_id()).filter(|o| *o != t);
        // Other types wait for their own pass; an SQ=1 run stops at the first gap.
        let taken = match v.filter(|v| v.type_id() == t) {
            Some(v) if !sq || Some(ioa) == last.next() => b.push(ioa, &v).is_ok(),
            Some(_) => false,
            None => !sq,
        };
        if !taken {
            break;
        }
        note(pass, Some(last), other);
        last = ioa;
    }
    Some((b.len(), last))
}
