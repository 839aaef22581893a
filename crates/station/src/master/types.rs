//! The master's public types: request identity, completion mode, execute mode, outcomes,
//! received data classification, and the S/E helper.

use asdu::{AsduView, Cause, CommonAddress, Dco, Ioa, Qos, Rco, Sco, TypeId, Value};

use crate::database::{CounterScope, Scope};

/// Identifies a request issued by the [`crate::Master`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(pub u32);

/// When a request counts as done, chosen per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Completion {
    /// As soon as [`crate::Master::poll_transmit`] hands it out.
    OnSend,
    /// On the activation (or deactivation) confirmation, or the read answer.
    OnConfirmation,
    /// On the activation termination, for requests that have one (interrogations and
    /// executed commands); others complete on their confirmation.
    OnTermination,
}

/// How a command (types 45–51, 58–64) is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecuteMode {
    /// S/E = 0, no select.
    Direct,
    /// S/E = 1 only: the request completes on the select's confirmation.
    SelectOnly,
    /// S/E = 0 after an earlier [`ExecuteMode::SelectOnly`].
    ExecuteOnly,
    /// Select, and on its positive confirmation the execute, tracked as one request.
    SelectThenExecute,
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Handed to the transport ([`Completion::OnSend`], or a broadcast request, which may get
    /// several answers or none).
    Sent,
    /// Positive confirmation (or the read answer).
    Confirmed,
    /// Positive termination.
    Terminated,
    /// Negative answer: the cause of the answer with P/N = 1 (7, 9, 10, or 44–47).
    Negative(Cause),
    /// No answer in time; `confirmed` tells whether the confirmation had come.
    Timeout {
        /// The confirmation had arrived; the termination did not.
        confirmed: bool,
    },
}

/// A finished request (poll with [`crate::Master::poll_event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestResult {
    /// The request.
    pub id: RequestId,
    /// Its type.
    pub type_id: TypeId,
    /// Its common address.
    pub ca: CommonAddress,
    /// Its information object address.
    pub ioa: Ioa,
    /// How it ended.
    pub outcome: Outcome,
    /// Information objects received for it (interrogations) before it ended.
    pub objects: u32,
}

/// Why the controlled station sent an ASDU (from its cause of transmission).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataKind {
    /// Cause 1.
    Periodic,
    /// Cause 2.
    Background,
    /// Cause 3.
    Spontaneous,
    /// Cause 4: end of initialisation (M_EI_NA_1).
    Initialised,
    /// Cause 5: answer to a read.
    Requested,
    /// Causes 20–36.
    Interrogated(Scope),
    /// Causes 37–41.
    Counters(CounterScope),
    /// Causes 11 (remote) and 12 (local): return information after a command.
    ReturnInformation {
        /// Caused by a remote command.
        remote: bool,
    },
    /// A confirmation or termination (7, 9, 10, 44–47), with the request it answers.
    Confirmation(Option<RequestId>),
    /// Anything else (file transfer, private causes).
    Other,
}

/// An ASDU from the controlled station, classified; `view` borrows the input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Received<'a> {
    /// Why it was sent.
    pub kind: DataKind,
    /// The ASDU.
    pub view: AsduView<'a>,
}

pub(super) fn is_command(t: TypeId) -> bool {
    matches!(t.code(), 45..=51 | 58..=64)
}

pub(super) fn command_select(v: &Value<'_>) -> bool {
    match v {
        Value::CScNa1(s) | Value::CScTa1(s, _) => s.select(),
        Value::CDcNa1(d) | Value::CDcTa1(d, _) => d.select(),
        Value::CRcNa1(r) | Value::CRcTa1(r, _) => r.select(),
        Value::CSeNa1(_, q)
        | Value::CSeNb1(_, q)
        | Value::CSeNc1(_, q)
        | Value::CSeTa1(_, q, _)
        | Value::CSeTb1(_, q, _)
        | Value::CSeTc1(_, q, _) => q.select(),
        _ => false,
    }
}

/// The command with S/E set to `select`; `None` if it is not a command or is a bitstring
/// (which has no S/E) and `select` is asked.
#[must_use]
pub fn with_select(v: Value<'static>, select: bool) -> Option<Value<'static>> {
    let sco = |s: Sco| Sco::new(s.state(), s.qu(), select);
    let dco = |d: Dco| Dco::new(d.state(), d.qu(), select);
    let rco = |r: Rco| Rco::new(r.state(), r.qu(), select);
    let qos = |q: Qos| Qos::new(q.ql(), select).unwrap_or_default();
    Some(match v {
        Value::CScNa1(s) => Value::CScNa1(sco(s)),
        Value::CScTa1(s, t) => Value::CScTa1(sco(s), t),
        Value::CDcNa1(d) => Value::CDcNa1(dco(d)),
        Value::CDcTa1(d, t) => Value::CDcTa1(dco(d), t),
        Value::CRcNa1(r) => Value::CRcNa1(rco(r)),
        Value::CRcTa1(r, t) => Value::CRcTa1(rco(r), t),
        Value::CSeNa1(n, q) => Value::CSeNa1(n, qos(q)),
        Value::CSeNb1(s, q) => Value::CSeNb1(s, qos(q)),
        Value::CSeNc1(f, q) => Value::CSeNc1(f, qos(q)),
        Value::CSeTa1(n, q, t) => Value::CSeTa1(n, qos(q), t),
        Value::CSeTb1(s, q, t) => Value::CSeTb1(s, qos(q), t),
        Value::CSeTc1(f, q, t) => Value::CSeTc1(f, qos(q), t),
        Value::CBoNa1(_) | Value::CBoTa1(..) if !select => v,
        _ => return None,
    })
}
