//! The controlling station (master): issues requests and commands, tracks their
//! confirmation and termination with timeouts (101 §7.4, 104 §7), and classifies what the
//! controlled station sends.

mod types;

use asdu::{
    AsduBuilder, AsduError, AsduView, Cause, CommonAddress, Cot, Cp16Time2a, Cp56Time2a, Fbp, Ioa,
    Qcc, Qoi, Qrp, Tsc, TypeId, Value,
};
use heapless::Deque;
use telecontrol_core::Instant;

use crate::StationError;
use crate::config::{MasterConfig, Profile};
use crate::database::{CounterScope, Scope};

pub use types::{
    Completion, DataKind, ExecuteMode, Outcome, Received, RequestId, RequestResult, with_select,
};
use types::{command_select, is_command};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Queued,
    Sent,
    Confirmed,
}

#[derive(Clone, Copy, Debug)]
struct Request {
    id: RequestId,
    ca: CommonAddress,
    ioa: Ioa,
    value: Value<'static>,
    cause: Cause,
    completion: Completion,
    state: State,
    deadline: Instant,
    then_execute: bool,
    objects: u32,
}

impl Request {
    fn type_id(&self) -> TypeId {
        self.value.type_id()
    }

    fn has_termination(&self) -> bool {
        let t = self.type_id();
        self.cause == Cause::ACTIVATION
            && (matches!(t, TypeId::CIcNa1 | TypeId::CCiNa1)
                || (is_command(t) && !command_select(&self.value)))
    }
}

/// The controlling station of 101 §7.4 / 104 §7: see the crate documentation, "Driving this
/// core". At most `R`
/// requests are outstanding at once.
#[derive(Debug)]
pub struct Master<const R: usize = 8> {
    config: MasterConfig,
    requests: heapless::Vec<Request, R>,
    results: Deque<RequestResult, R>,
    next_id: u32,
}

impl<const R: usize> Master<R> {
    /// A master with `config`.
    #[must_use]
    pub fn new(config: MasterConfig) -> Self {
        Master {
            config,
            requests: heapless::Vec::new(),
            results: Deque::new(),
            next_id: 1,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MasterConfig {
        &self.config
    }

    /// Requests not finished yet.
    pub fn outstanding(&self) -> usize {
        self.requests.len()
    }

    /// [`Master::submit`] of an activation without an object address (interrogations, clock
    /// sync, test, reset process, ...).
    fn activate(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        value: Value<'static>,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let (ioa, cause) = (Ioa::IRRELEVANT, Cause::ACTIVATION);
        self.submit(now, ca, ioa, value, cause, completion, false)
    }

    #[allow(clippy::too_many_arguments)] // private; every caller names its arguments
    fn submit(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
        cause: Cause,
        completion: Completion,
        then_execute: bool,
    ) -> Result<RequestId, StationError> {
        let t = value.type_id();
        if self.config.profile == Profile::Iec104 && !t.allowed_in_104() {
            return Err(StationError::InvalidType { type_id: t.code() });
        }
        if ca.0 > self.config.params.max_ca() {
            return Err(StationError::NotServed { ca });
        }
        if self
            .requests
            .iter()
            .any(|r| r.type_id() == t && r.ca == ca && r.ioa == ioa)
        {
            return Err(StationError::Busy { ioa: ioa.value() });
        }
        let id = RequestId(self.next_id);
        let req = Request {
            id,
            ca,
            ioa,
            value,
            cause,
            completion,
            state: State::Queued,
            deadline: now.saturating_add(self.config.confirmation_timeout),
            then_execute,
            objects: 0,
        };
        self.requests
            .push(req)
            .map_err(|_| StationError::QueueFull {
                queue: "request table",
            })?;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        Ok(id)
    }

    /// Station or group interrogation (C_IC_NA_1, 101 §7.4.5).
    ///
    /// # Errors
    /// [`StationError::QueueFull`] if `R` requests are outstanding; [`StationError::Busy`] if
    /// an interrogation of `ca` is; [`StationError::NotServed`] if `ca` does not fit.
    pub fn interrogate(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        qoi: Qoi,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let v = Value::CIcNa1(qoi);
        self.activate(now, ca, v, completion)
    }

    /// Counter interrogation (C_CI_NA_1, 101 §7.4.8).
    ///
    /// # Errors
    /// As [`Master::interrogate`].
    pub fn counter_interrogation(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        qcc: Qcc,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let v = Value::CCiNa1(qcc);
        self.activate(now, ca, v, completion)
    }

    /// Clock synchronisation (C_CS_NA_1, 101 §7.4.6).
    ///
    /// # Errors
    /// As [`Master::interrogate`].
    pub fn clock_sync(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        time: Cp56Time2a,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let v = Value::CCsNa1(time);
        self.activate(now, ca, v, completion)
    }

    /// Read one object (C_RD_NA_1, 101 §7.4.2); completes on the answer (cause 5).
    ///
    /// # Errors
    /// As [`Master::interrogate`].
    pub fn read(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        ioa: Ioa,
    ) -> Result<RequestId, StationError> {
        let c = Completion::OnConfirmation;
        self.submit(now, ca, ioa, Value::CRdNa1, Cause::REQUEST, c, false)
    }

    /// Test command: C_TS_TA_1 with `tsc` and `time` in 104, C_TS_NA_1 with FBP 0x55AA in
    /// 101 (101 §7.4.10, 104 §8.6).
    ///
    /// # Errors
    /// As [`Master::interrogate`].
    pub fn test(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        tsc: Tsc,
        time: Cp56Time2a,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let v = match self.config.profile {
            Profile::Iec104 => Value::CTsTa1(tsc, time),
            Profile::Iec101 => Value::CTsNa1(Fbp::STANDARD),
        };
        self.activate(now, ca, v, completion)
    }

    /// Reset process (C_RP_NA_1, 101 §7.4.1).
    ///
    /// # Errors
    /// As [`Master::interrogate`].
    pub fn reset_process(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        qrp: Qrp,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let v = Value::CRpNa1(qrp);
        self.activate(now, ca, v, completion)
    }

    /// Delay acquisition (C_CD_NA_1, 101 §7.4.12; 101 only).
    ///
    /// # Errors
    /// [`StationError::InvalidType`] in the 104 profile; else as [`Master::interrogate`].
    pub fn delay_acquisition(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        delay: Cp16Time2a,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let v = Value::CCdNa1(delay);
        self.activate(now, ca, v, completion)
    }

    /// A process command (types 45–51 and 58–64, 101 §7.4.7): `value` is the command
    /// element set (its S/E bit is set by `mode`).
    ///
    /// # Errors
    /// [`StationError::InvalidType`] if `value` is not a command or a bitstring command is
    /// to be selected; else as [`Master::interrogate`].
    pub fn command(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
        mode: ExecuteMode,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let t = value.type_id();
        let select = matches!(
            mode,
            ExecuteMode::SelectOnly | ExecuteMode::SelectThenExecute
        );
        let v =
            with_select(value, select).ok_or(StationError::InvalidType { type_id: t.code() })?;
        let then = mode == ExecuteMode::SelectThenExecute;
        self.submit(now, ca, ioa, v, Cause::ACTIVATION, completion, then)
    }

    /// Deactivate (cause 8) a selected command or a running interrogation: `value` names it
    /// as sent. Completes on the deactivation confirmation.
    ///
    /// # Errors
    /// [`StationError::InvalidType`] if `value` is neither a command nor C_IC_NA_1; else as
    /// [`Master::interrogate`].
    pub fn deactivate(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<RequestId, StationError> {
        let t = value.type_id();
        if !is_command(t) && t != TypeId::CIcNa1 {
            return Err(StationError::InvalidType { type_id: t.code() });
        }
        let c = Completion::OnConfirmation;
        self.submit(now, ca, ioa, value, Cause::DEACTIVATION, c, false)
    }

    /// Parameter of measured values or parameter activation (types 110–113, 101 §7.4.9).
    ///
    /// # Errors
    /// [`StationError::InvalidType`] for another type; else as [`Master::interrogate`].
    pub fn parameter(
        &mut self,
        now: Instant,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
        completion: Completion,
    ) -> Result<RequestId, StationError> {
        let t = value.type_id();
        if !matches!(t.code(), 110..=113) {
            return Err(StationError::InvalidType { type_id: t.code() });
        }
        self.submit(now, ca, ioa, value, Cause::ACTIVATION, completion, false)
    }

    /// Write the next request to send into `out` (at least the maximum ASDU length) and
    /// return its length.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        let i = self
            .requests
            .iter()
            .position(|r| r.state == State::Queued)?;
        let r = *self.requests.get(i)?;
        let params = self.config.params;
        let originator = if params.cot_size() == 2 {
            self.config.originator
        } else {
            0
        };
        let cot = Cot::new(r.cause).with_originator(originator);
        let mut b = AsduBuilder::new(&params, r.type_id(), cot, r.ca, false, out).ok()?;
        b.push(r.ioa, &r.value).ok()?;
        let n = b.len();
        let broadcast = r.ca.is_broadcast(&params);
        if r.completion == Completion::OnSend || broadcast {
            self.finish(i, Outcome::Sent);
        } else if let Some(slot) = self.requests.get_mut(i) {
            slot.state = State::Sent;
        }
        Some(n)
    }

    /// Handle one ASDU from the controlled station at `now`: confirmations and terminations
    /// advance the matching request; everything is returned classified.
    ///
    /// # Errors
    /// The [`AsduError`] if the ASDU does not decode.
    pub fn handle_input<'a>(
        &mut self,
        now: Instant,
        asdu: &'a [u8],
    ) -> Result<Received<'a>, AsduError> {
        self.handle_timeout(now);
        let view = AsduView::decode(&self.config.params, asdu)?;
        let h = view.header();
        let c = h.cot.cause.value();
        let kind = match c {
            1 => DataKind::Periodic,
            2 => DataKind::Background,
            3 => DataKind::Spontaneous,
            4 => DataKind::Initialised,
            5 if h.type_id == TypeId::CRdNa1 => DataKind::Confirmation(self.answer(now, &view)),
            5 => {
                self.answer(now, &view);
                DataKind::Requested
            }
            7 | 9 | 10 | 44..=47 => DataKind::Confirmation(self.answer(now, &view)),
            11 | 12 => DataKind::ReturnInformation { remote: c == 11 },
            20 => self.interrogated(&view, DataKind::Interrogated(Scope::Station)),
            21..=36 => {
                let scope = Scope::Group(c.saturating_sub(20));
                self.interrogated(&view, DataKind::Interrogated(scope))
            }
            37 => self.interrogated(&view, DataKind::Counters(CounterScope::General)),
            38..=41 => {
                let scope = CounterScope::Group(c.saturating_sub(37));
                self.interrogated(&view, DataKind::Counters(scope))
            }
            _ => DataKind::Other,
        };
        Ok(Received { kind, view })
    }

    /// Count interrogated objects into the running interrogation of that address.
    fn interrogated(&mut self, view: &AsduView<'_>, kind: DataKind) -> DataKind {
        let t = match kind {
            DataKind::Counters(_) => TypeId::CCiNa1,
            _ => TypeId::CIcNa1,
        };
        let n = u32::from(view.count());
        if let Some(r) = self
            .requests
            .iter_mut()
            .find(|r| r.type_id() == t && r.ca == view.ca() && r.state != State::Queued)
        {
            r.objects = r.objects.saturating_add(n);
        }
        kind
    }

    /// Match a confirmation, termination or read answer to its request.
    fn answer(&mut self, now: Instant, view: &AsduView<'_>) -> Option<RequestId> {
        let h = view.header();
        let ioa = view.objects().next().map_or(Ioa::IRRELEVANT, |o| o.ioa);
        let cause = h.cot.cause;
        let i = self.requests.iter().position(|r| {
            r.state != State::Queued
                && r.ca == h.ca
                && r.ioa == ioa
                && (r.type_id() == h.type_id
                    || (r.type_id() == TypeId::CRdNa1 && cause == Cause::REQUEST))
        })?;
        let r = *self.requests.get(i)?;
        let id = r.id;
        if h.cot.negative || cause.value() >= 44 {
            self.finish(i, Outcome::Negative(cause));
            return Some(id);
        }
        match cause {
            Cause::ACTIVATION_CON if r.then_execute => {
                let execute = with_select(r.value, false).unwrap_or(r.value);
                if let Some(slot) = self.requests.get_mut(i) {
                    slot.value = execute;
                    slot.then_execute = false;
                    slot.state = State::Queued;
                    slot.deadline = now.saturating_add(self.config.confirmation_timeout);
                }
            }
            Cause::ACTIVATION_CON
                if r.has_termination() && r.completion == Completion::OnTermination =>
            {
                if let Some(slot) = self.requests.get_mut(i) {
                    slot.state = State::Confirmed;
                    slot.deadline = now.saturating_add(self.config.termination_timeout);
                }
            }
            // A termination also stands for a confirmation that was lost.
            Cause::ACTIVATION_TERM if r.has_termination() && !r.then_execute => {
                self.finish(i, Outcome::Terminated);
            }
            Cause::ACTIVATION_TERM => {}
            _ => self.finish(i, Outcome::Confirmed),
        }
        Some(id)
    }

    fn finish(&mut self, i: usize, outcome: Outcome) {
        if i >= self.requests.len() {
            return;
        }
        let r = self.requests.remove(i);
        let result = RequestResult {
            id: r.id,
            type_id: r.type_id(),
            ca: r.ca,
            ioa: r.ioa,
            outcome,
            objects: r.objects,
        };
        // The results deque has the capacity of the request table, and every result frees
        // a request slot; it only fills if the application never polls.
        if self.results.is_full() {
            let _ = self.results.pop_front();
        }
        let _ = self.results.push_back(result);
    }

    /// Time out requests whose deadline passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(i) = self.requests.iter().position(|r| r.deadline <= now) {
            let confirmed = self
                .requests
                .get(i)
                .is_some_and(|r| r.state == State::Confirmed);
            self.finish(i, Outcome::Timeout { confirmed });
        }
    }

    /// When [`Master::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.requests.iter().map(|r| r.deadline).min()
    }

    /// The next finished request.
    pub fn poll_event(&mut self) -> Option<RequestResult> {
        self.results.pop_front()
    }
}
