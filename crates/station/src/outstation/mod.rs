//! The controlled station (outstation): answers the requests of 101 §7.4 / 104 §7 from a
//! [`PointDatabase`], buffers spontaneous data, and asks the application about commands.

mod command;
mod dispatch;
mod interrogation;

use asdu::{
    AsduBuilder, AsduError, AsduView, Cause, Coi, CommonAddress, Cot, Cp16Time2a, Cp56Time2a,
    InfoObject, Ioa, Qrp, TypeId, Value,
};
use heapless::Deque;
use telecontrol_core::Instant;

use crate::StationError;
use crate::config::{OriginatorHandling, OutstationConfig, Profile};
use crate::database::PointDatabase;
use crate::event_queue::{EventQueue, EventRelease, Pushed};
use crate::frame::{Frame, MAX_ASDU_LEN};

use command::{Armed, PendingCommand};
use interrogation::Job;

/// Confirmations and other answers waiting for [`Outstation::poll_transmit`].
pub const RESPONSE_CAPACITY: usize = 16;
/// Events waiting for [`Outstation::poll_event`].
pub const APP_EVENT_CAPACITY: usize = 16;
/// Commands waiting for the application's answer or termination, and armed selects.
pub const COMMAND_CAPACITY: usize = 4;

/// The data classes of an unbalanced 101 link (101 §7.4.2, 60870-5-2 §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataClass {
    /// Class 1: confirmations, terminations, other answers, buffered events.
    Class1,
    /// Class 2: interrogated data and counters.
    Class2,
}

/// Identifies a command the application must answer ([`Outstation::answer_command`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommandHandle(pub u32);

/// What a command asks for (101 §7.2.6.4 S/E).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandAction {
    /// S/E = 1: select. On acceptance the point stays armed for the select timeout.
    Select,
    /// S/E = 0 after a matching select.
    Execute,
    /// S/E = 0 without select (direct execute), or a bitstring command.
    DirectExecute,
    /// A parameter of measured values or parameter activation (P_ME_*, P_AC_NA_1).
    Parameter,
}

/// A command or parameter the application must decide on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CommandRequest {
    /// Pass to [`Outstation::answer_command`] and [`Outstation::terminate_command`].
    pub handle: CommandHandle,
    /// Common address.
    pub ca: CommonAddress,
    /// Information object address.
    pub ioa: Ioa,
    /// Select, execute, direct execute or parameter.
    pub action: CommandAction,
    /// The command's element set (with its time tag, if any).
    pub value: Value<'static>,
    /// Originator address of the request.
    pub originator: u8,
    /// T bit of the request.
    pub test: bool,
}

/// The application's decision on a [`CommandRequest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandAnswer {
    /// Positive activation confirmation; for an execute the termination follows with
    /// [`Outstation::terminate_command`].
    Accept,
    /// Positive confirmation and, for an execute, the termination at once.
    AcceptAndTerminate,
    /// Negative activation confirmation.
    Reject,
}

/// What the application must know (poll with [`Outstation::poll_event`]): the requests of
/// 101 §7.4 that the application carries out, and the station's own reports.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A command or parameter to decide on.
    Command(CommandRequest),
    /// The master deactivated a command before the application answered (no answer needed).
    CommandCancelled(CommandHandle),
    /// A select expired (or was deactivated) without an execute.
    SelectReleased {
        /// Common address.
        ca: CommonAddress,
        /// Information object address.
        ioa: Ioa,
    },
    /// Clock synchronisation (C_CS_NA_1); the outstation's own clock for the command age
    /// check is already set.
    ClockSync {
        /// The request's common address (possibly broadcast).
        ca: CommonAddress,
        /// The time.
        time: Cp56Time2a,
    },
    /// Reset process (C_RP_NA_1), once per served common address.
    ResetProcess {
        /// Common address.
        ca: CommonAddress,
        /// Qualifier.
        qrp: Qrp,
    },
    /// Delay acquisition (C_CD_NA_1, 101 only): cause 6 (measure) or 3 (the delay to apply).
    DelayAcquisition {
        /// Common address.
        ca: CommonAddress,
        /// The delay or the sender's time.
        delay: Cp16Time2a,
        /// Cause of transmission.
        cause: Cause,
    },
    /// The event buffer overflowed; `total` ASDUs refused or dropped so far.
    EventOverflow {
        /// Overflows since start.
        total: u32,
    },
    /// An answer was lost because the response queue was full (the driver did not poll);
    /// `total` so far.
    ResponseOverflow {
        /// Lost answers since start.
        total: u32,
    },
    /// An ASDU that could not be decoded far enough to answer (wrong length, bad element).
    Malformed(AsduError),
}

/// Counters of the outstation's queues.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stats {
    /// Event ASDUs stored (unsent and in flight).
    pub events_queued: usize,
    /// Event ASDUs sent and awaiting confirmation.
    pub events_in_flight: usize,
    /// Event ASDUs refused or dropped by the overflow policy.
    pub event_overflows: u32,
    /// Answers lost to a full response queue.
    pub responses_lost: u32,
    /// Application events lost to a full event queue.
    pub app_events_lost: u32,
}

/// The controlled station of 101 §7.4 / 104 §7 (station initialisation, interrogation,
/// clock synchronisation, command transmission, counters, parameters, test, read): see the
/// crate documentation, "Driving this core".
///
/// `D` is the application's [`PointDatabase`]; `N` the capacity of the event buffer in ASDUs.
#[derive(Debug)]
pub struct Outstation<D, const N: usize> {
    config: OutstationConfig,
    db: D,
    responses: Deque<Frame, RESPONSE_CAPACITY>,
    events: EventQueue<N>,
    app: Deque<Event, APP_EVENT_CAPACITY>,
    interrogation: Option<Job>,
    counters: Option<Job>,
    commands: heapless::Vec<PendingCommand, COMMAND_CAPACITY>,
    selects: heapless::Vec<Armed, COMMAND_CAPACITY>,
    next_handle: u32,
    transmitted: u64,
    acknowledged: u64,
    clock: Option<(Instant, u64)>,
    responses_lost: u32,
    app_events_lost: u32,
    reported_overflows: u32,
}

impl<D: PointDatabase, const N: usize> Outstation<D, N> {
    /// A station with `config` reading `db`.
    pub fn new(config: OutstationConfig, db: D) -> Self {
        let policy = config.overflow_policy;
        Outstation {
            config,
            db,
            responses: Deque::new(),
            events: EventQueue::new(policy),
            app: Deque::new(),
            interrogation: None,
            counters: None,
            commands: heapless::Vec::new(),
            selects: heapless::Vec::new(),
            next_handle: 1,
            transmitted: 0,
            acknowledged: 0,
            clock: None,
            responses_lost: 0,
            app_events_lost: 0,
            reported_overflows: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &OutstationConfig {
        &self.config
    }

    /// The database.
    pub fn database(&self) -> &D {
        &self.db
    }

    /// The database, to update values (then queue the change with [`Outstation::queue_event`]).
    pub fn database_mut(&mut self) -> &mut D {
        &mut self.db
    }

    /// Queue counters.
    pub fn stats(&self) -> Stats {
        Stats {
            events_queued: self.events.len(),
            events_in_flight: self.events.in_flight(),
            event_overflows: self.events.overflows(),
            responses_lost: self.responses_lost,
            app_events_lost: self.app_events_lost,
        }
    }

    /// Handle one ASDU from the controlling station, received at `now`. Never fails: a
    /// request the station cannot carry out gets a negative confirmation (causes 44–47 with
    /// P/N = 1 and the request mirrored), an undecodable one an [`Event::Malformed`].
    pub fn handle_input(&mut self, now: Instant, asdu: &[u8]) {
        self.handle_timeout(now);
        dispatch::handle(self, now, asdu);
    }

    /// Expire selects whose time is up. Call at [`Outstation::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        command::expire(self, now);
    }

    /// When [`Outstation::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.selects.iter().map(|s| s.deadline).min()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        let total = self.events.overflows();
        if total != self.reported_overflows {
            self.reported_overflows = total;
            return Some(Event::EventOverflow { total });
        }
        self.app.pop_front()
    }

    /// Write the next ASDU to send into `out` and return its length; `out` must hold the
    /// configured maximum ASDU length (shorter buffers get `None` and nothing is lost).
    ///
    /// Order: confirmations and other answers, then buffered events, then interrogated data
    /// (one ASDU per call, resumed on the next call), then counter interrogation data.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.poll_transmit_class(out, None)
    }

    /// True if class 1 data waits: answers or buffered events (ACD of an unbalanced 101
    /// secondary link; 101 §7.4.2 assigns confirmations and events to class 1).
    pub fn has_class1(&self) -> bool {
        !self.responses.is_empty() || self.events.peek_unsent().is_some()
    }

    /// True if class 2 data waits: interrogated data or counters.
    pub fn has_class2(&self) -> bool {
        self.interrogation.is_some() || self.counters.is_some()
    }

    /// [`Outstation::poll_transmit`] restricted to one class for an unbalanced 101 link:
    /// [`DataClass::Class1`] gives answers and events, [`DataClass::Class2`] interrogation and
    /// counter interrogation data (confirmation, data, termination).
    pub fn poll_transmit_for(&mut self, out: &mut [u8], class: DataClass) -> Option<usize> {
        self.poll_transmit_class(out, Some(class))
    }

    fn poll_transmit_class(&mut self, out: &mut [u8], class: Option<DataClass>) -> Option<usize> {
        let max = usize::from(self.config.params.max_len());
        let out = out.get_mut(..max.min(MAX_ASDU_LEN))?;
        if out.len() < max {
            return None;
        }
        if class == Some(DataClass::Class2) {
            let n = interrogation::poll(self, true, out)
                .or_else(|| interrogation::poll(self, false, out))?;
            return Some(self.sent(n));
        }
        if let Some(f) = self.responses.pop_front() {
            let n = f.copy_to(out)?;
            return Some(self.sent(n));
        }
        if let Some(f) = self.events.peek_unsent() {
            let n = f.copy_to(out)?;
            let tx = self.transmitted;
            let release = self.config.event_release == EventRelease::OnTransmit;
            self.events.mark_sent(tx, release);
            return Some(self.sent(n));
        }
        if class == Some(DataClass::Class1) {
            return None;
        }
        if let Some(n) = interrogation::poll(self, true, out) {
            return Some(self.sent(n));
        }
        let n = interrogation::poll(self, false, out)?;
        Some(self.sent(n))
    }

    fn sent(&mut self, n: usize) -> usize {
        self.transmitted = self.transmitted.saturating_add(1);
        n
    }

    /// The transport confirmed delivery of the next `count` ASDUs handed out by
    /// [`Outstation::poll_transmit`], counted in the order they were handed out (104: the
    /// I frames the peer acknowledged; 101: the frames the link confirmed). Event ASDUs
    /// among them leave the buffer. Returns how many event ASDUs were released.
    pub fn acknowledge(&mut self, count: u64) -> usize {
        self.acknowledged = self
            .acknowledged
            .saturating_add(count)
            .min(self.transmitted);
        self.events.release_below(self.acknowledged)
    }

    /// The transport lost the ASDUs it had sent but not confirmed (a 104 connection closed, a
    /// 101 link reset): every unconfirmed event ASDU goes back to the front of the buffer in its
    /// original order, to be sent again first. Returns how many. Answers and interrogated data
    /// are not repeated: the master asks again after a reconnect.
    pub fn requeue_unacknowledged(&mut self) -> usize {
        self.acknowledged = self.transmitted;
        self.events.requeue()
    }

    /// The connection is gone: [`Outstation::requeue_unacknowledged`], and drop queued
    /// answers, running interrogations, armed selects and commands awaiting an answer (their
    /// handles become unknown).
    pub fn connection_lost(&mut self) -> usize {
        self.responses.clear();
        self.interrogation = None;
        self.counters = None;
        self.selects.clear();
        self.commands.clear();
        self.requeue_unacknowledged()
    }

    /// Queue spontaneous (or other monitor-direction) data: one ASDU of the objects' type
    /// with `cause` (usually [`Cause::SPONTANEOUS`], or return information 11/12 after a
    /// command), SQ = 0, originator 0.
    ///
    /// # Errors
    /// [`StationError::Empty`] without objects; [`StationError::NotServed`] for an address
    /// not served; [`StationError::InvalidType`] for a non-monitor type or one the profile
    /// forbids; [`StationError::Asdu`] if the objects differ in type or exceed the maximum
    /// length; [`StationError::QueueFull`] if the buffer is full under
    /// [`crate::OverflowPolicy::RefuseNewest`] (the overflow is also counted and reported as
    /// [`Event::EventOverflow`]).
    pub fn queue_event(
        &mut self,
        ca: CommonAddress,
        cause: Cause,
        objects: &[InfoObject<'_>],
    ) -> Result<Pushed, StationError> {
        let frame = self.monitor_frame(ca, cause, objects)?;
        self.events
            .push(frame)
            .map_err(|_| StationError::QueueFull {
                queue: "event buffer",
            })
    }

    /// Queue monitor-direction data among the answers instead of the event buffer: it is sent
    /// in order with the confirmations and terminations (ahead of buffered events), e.g. the
    /// return information (cause 11) of an execute between its confirmation
    /// ([`Outstation::answer_command`] with [`CommandAnswer::Accept`]) and its termination
    /// ([`Outstation::terminate_command`]). Like every answer it is not repeated after a
    /// connection loss.
    ///
    /// # Errors
    /// As [`Outstation::queue_event`], with [`StationError::QueueFull`] if the response queue
    /// is full.
    pub fn queue_response(
        &mut self,
        ca: CommonAddress,
        cause: Cause,
        objects: &[InfoObject<'_>],
    ) -> Result<(), StationError> {
        let frame = self.monitor_frame(ca, cause, objects)?;
        self.responses
            .push_back(frame)
            .map_err(|_| StationError::QueueFull {
                queue: "response queue",
            })
    }

    fn monitor_frame(
        &self,
        ca: CommonAddress,
        cause: Cause,
        objects: &[InfoObject<'_>],
    ) -> Result<Frame, StationError> {
        let first = objects.first().ok_or(StationError::Empty)?;
        let t = first.value.type_id();
        if !self.config.serves(ca) {
            return Err(StationError::NotServed { ca });
        }
        if !t.is_monitor() || (self.config.profile == Profile::Iec104 && !t.allowed_in_104()) {
            return Err(StationError::InvalidType { type_id: t.code() });
        }
        let mut buf = [0u8; MAX_ASDU_LEN];
        let mut b = AsduBuilder::new(&self.config.params, t, Cot::new(cause), ca, false, &mut buf)?;
        for o in objects {
            b.push_object(o)?;
        }
        Frame::from_bytes(b.finish()).ok_or(StationError::Asdu(AsduError::Full))
    }

    /// Queue end of initialisation (M_EI_NA_1, cause 4, 101 §7.4.1) for every served common
    /// address, ahead of buffered events. Call after start-up when the application is ready.
    ///
    /// # Errors
    /// [`StationError::QueueFull`] if the response queue cannot take them all (none is queued).
    pub fn end_of_initialisation(&mut self, coi: Coi) -> Result<(), StationError> {
        let n = self.config.common_addresses.len();
        if RESPONSE_CAPACITY.saturating_sub(self.responses.len()) < n {
            return Err(StationError::QueueFull {
                queue: "response queue",
            });
        }
        for i in 0..n {
            let Some(ca) = self.config.common_addresses.get(i).copied() else {
                break;
            };
            let mut buf = [0u8; 16];
            let cot = Cot::new(Cause::INITIALIZED);
            let mut b = AsduBuilder::new(
                &self.config.params,
                TypeId::MEiNa1,
                cot,
                ca,
                false,
                &mut buf,
            )?;
            b.push(Ioa::IRRELEVANT, &Value::MEiNa1(coi))?;
            let frame = Frame::from_bytes(b.finish()).ok_or(StationError::Asdu(AsduError::Full))?;
            if self.responses.push_back(frame).is_err() {
                return Err(StationError::QueueFull {
                    queue: "response queue",
                });
            }
        }
        Ok(())
    }

    /// Set the station's clock (for the command age check): at `now` the wall time is
    /// `unix_millis` (milliseconds since 1970 in the time zone CP56Time2a uses).
    pub fn set_clock(&mut self, now: Instant, unix_millis: u64) {
        self.clock = Some((now, unix_millis));
    }

    /// The wall time at `now`, if a clock was set.
    pub fn wall_clock(&self, now: Instant) -> Option<u64> {
        let (at, ms) = self.clock?;
        let elapsed =
            u64::try_from(now.saturating_duration_since(at).as_millis()).unwrap_or(u64::MAX);
        Some(ms.saturating_add(elapsed))
    }

    /// Answer the command `handle` (from [`Event::Command`]).
    ///
    /// # Errors
    /// [`StationError::UnknownHandle`] if no command with this handle awaits an answer.
    pub fn answer_command(
        &mut self,
        handle: CommandHandle,
        answer: CommandAnswer,
    ) -> Result<(), StationError> {
        command::answer(self, handle, answer)
    }

    /// Send the activation termination of the accepted execute `handle`.
    ///
    /// # Errors
    /// [`StationError::UnknownHandle`] if no accepted execute with this handle awaits its
    /// termination.
    pub fn terminate_command(&mut self, handle: CommandHandle) -> Result<(), StationError> {
        command::terminate(self, handle)
    }

    /// True if nothing waits for transmission (answers, events, interrogations).
    pub fn is_idle(&self) -> bool {
        self.responses.is_empty()
            && self.events.peek_unsent().is_none()
            && self.interrogation.is_none()
            && self.counters.is_none()
    }
}

impl<D, const N: usize> Outstation<D, N> {
    /// Queue `frame` as an answer, with the originator rule applied.
    fn respond(&mut self, mut frame: Frame) {
        if self.config.originator == OriginatorHandling::Zero {
            frame = frame.with_originator(&self.config.params, 0);
        }
        if self.responses.push_back(frame).is_err() {
            self.responses_lost = self.responses_lost.saturating_add(1);
            let total = self.responses_lost;
            self.notify(Event::ResponseOverflow { total });
        }
    }

    /// Mirror `request` with `cause` and P/N.
    fn mirror(&mut self, request: &[u8], cause: Cause, negative: bool) {
        if let Some(f) = Frame::mirror(request, cause, negative) {
            self.respond(f);
        }
    }

    fn notify(&mut self, e: Event) -> bool {
        if self.app.push_back(e).is_err() {
            self.app_events_lost = self.app_events_lost.saturating_add(1);
            return false;
        }
        true
    }

    fn decode<'a>(&self, bytes: &'a [u8]) -> Result<AsduView<'a>, AsduError> {
        AsduView::decode(&self.config.params, bytes)
    }
}
