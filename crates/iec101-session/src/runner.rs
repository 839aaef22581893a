//! The owned, runtime-independent driver both serial adapters run (`std` feature): one of the
//! three sessions with the shared point database and command handler, an echo filter, the
//! serial settings, and the mapping of requests to their results. An adapter only reads the
//! port into [`Runner::handle_input`], writes [`Runner::take_output`], sleeps until
//! [`Runner::poll_timeout`] and forwards [`Runner::poll_event`].

extern crate std;

use std::boxed::Box;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use std::vec::Vec;

use iec101_link::{
    AddressSize, BalancedConfig, LinkConfig, MAX_FRAME_LEN, NoDataResponse, PrimaryConfig,
    SecondaryConfig, idle_timeout_for_baud,
};
use iec104_session::shared::{
    CommandHandler, Database, EVENT_BUFFER, ReceivedAsdu, Request, Termination,
};
use station::asdu::{AsduParams, CommonAddress};
use station::{
    CommandAnswer, CommandHandle, Completion, Event, MasterConfig, Outstation, OutstationConfig,
    RequestId, RequestResult, StationError,
};
use telecontrol_core::Instant;

use crate::{BalancedInput, BalancedSession, MasterInput, MasterSession, SlaveSession};

/// Secondaries one master line polls at most.
pub const MAX_SLAVES: usize = 32;
/// ASDUs the master's and the balanced link's send queues hold.
pub const LINK_QUEUE: usize = 16;

/// Serial parity (IEC 60870-5-101 uses even parity: FT1.2 integrity class I2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Parity {
    /// Even parity (the 101 default).
    #[default]
    Even,
    /// Odd parity.
    Odd,
    /// No parity bit.
    None,
}

/// Serial line settings: baud rate and parity; always 8 data bits and 1 stop bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SerialSettings {
    /// Baud rate.
    pub baud: u32,
    /// Parity.
    pub parity: Parity,
    /// Drop our own transmitted octets when a two-wire RS-485 line echoes them back.
    pub echo: bool,
    /// Added to the line idle time of the baud rate for OS and USB adapter delivery jitter.
    pub idle_jitter: Duration,
}

impl Default for SerialSettings {
    /// 9600 baud, 8E1, no echo, 20 ms jitter allowance.
    fn default() -> Self {
        SerialSettings {
            baud: 9600,
            parity: Parity::Even,
            echo: false,
            idle_jitter: Duration::from_millis(20),
        }
    }
}

impl SerialSettings {
    /// Bits per character on the line: start, 8 data, parity (if any), 1 stop.
    #[must_use]
    pub fn bits_per_char(&self) -> u8 {
        if self.parity == Parity::None { 10 } else { 11 }
    }

    /// The link's idle timeout for this line ([`idle_timeout_for_baud`] plus the jitter).
    #[must_use]
    pub fn idle_timeout(&self) -> Duration {
        idle_timeout_for_baud(self.baud, self.bits_per_char()).saturating_add(self.idle_jitter)
    }
}

/// Octets of our own transmission an [`EchoFilter`] waits for at most (eight frames of the
/// longest length): older ones are forgotten, so a line that does not echo (and brings no
/// other input) cannot make the filter grow for ever.
pub const ECHO_MAX: usize = 8 * MAX_FRAME_LEN;

/// Drops our own transmitted octets when a two-wire line echoes them back: written octets
/// are remembered (the last [`ECHO_MAX`]), and received octets equal to the next remembered
/// one are dropped. The first octet that differs ends the expectation (the line carries
/// someone else's data).
#[derive(Clone, Debug, Default)]
pub struct EchoFilter {
    expected: VecDeque<u8>,
}

impl EchoFilter {
    /// Remember octets written to the line (the last [`ECHO_MAX`] of all not yet echoed).
    pub fn sent(&mut self, bytes: &[u8]) {
        self.expected.extend(bytes.iter().copied());
        let over = self.expected.len().saturating_sub(ECHO_MAX);
        self.expected.drain(..over);
    }

    /// The part of `input` that is not our echo.
    pub fn filter<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        let mut skip = 0usize;
        for b in input {
            match self.expected.front() {
                Some(e) if e == b => {
                    self.expected.pop_front();
                    skip = skip.saturating_add(1);
                }
                Some(_) => {
                    self.expected.clear();
                    break;
                }
                None => break,
            }
        }
        input.get(skip..).unwrap_or(&[])
    }

    /// Octets still expected back.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.expected.len()
    }
}

/// The role on the line and its parameters.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Role {
    /// Unbalanced master polling these link addresses.
    Master {
        /// Link addresses of the slaves.
        slaves: Vec<u16>,
    },
    /// Unbalanced slave at this link address.
    Slave {
        /// Our link address.
        address: u16,
    },
    /// Balanced station.
    Balanced {
        /// DIR bit we send (true for station A, usually the controlling station).
        dir: bool,
        /// Our link address.
        local_address: u16,
        /// The remote's link address.
        remote_address: u16,
        /// Serve the outstation too (otherwise only the master runs).
        outstation: bool,
    },
}

/// Everything a 101 adapter needs besides the port.
#[derive(Clone, Debug)]
pub struct LineConfig {
    /// The role.
    pub role: Role,
    /// Link parameters; the idle timeout is set from [`SerialSettings::idle_timeout`] for a
    /// serial port by the adapters.
    pub link: LinkConfig,
    /// ASDU field sizes (cause, common address, object address).
    pub params: AsduParams,
    /// Common address served by the outstation (slave, balanced with outstation).
    pub ca: CommonAddress,
    /// How a master's requests complete.
    pub completion: Completion,
    /// Slave role: refuse user data with NACK, link busy (DFC set), for testing masters.
    pub link_busy: bool,
}

impl LineConfig {
    /// A configuration for `role` with 101 defaults: one-octet link addresses, compact ASDU
    /// parameters (1-octet cause and common address, 2-octet object address), common
    /// address 1.
    #[must_use]
    pub fn new(role: Role) -> Self {
        LineConfig {
            role,
            link: LinkConfig {
                address_size: AddressSize::One,
                response_timeout: Duration::from_millis(500),
                ..LinkConfig::default()
            },
            params: AsduParams::IEC101_COMPACT,
            ca: CommonAddress(1),
            completion: Completion::OnTermination,
            link_busy: false,
        }
    }
}

/// What the adapters' event streams deliver.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum LineEvent {
    /// The link to this address is up (balanced: our direction, address = remote).
    LinkUp(u16),
    /// The link to this address went down.
    LinkDown(u16),
    /// An ASDU from this address.
    Asdu(u16, ReceivedAsdu),
    /// A request finished.
    Result(u16, RequestResult),
    /// The master (slave role) reset the link.
    LinkReset,
}

type Outst = Outstation<Database, EVENT_BUFFER>;

enum Kind {
    Master(Box<MasterSession<MAX_SLAVES, LINK_QUEUE>>),
    Slave(Box<SlaveSession<Database, EVENT_BUFFER>>),
    Balanced(
        Box<BalancedSession<Database, EVENT_BUFFER, LINK_QUEUE>>,
        u16,
    ),
}

/// One line's session with its owned helpers.
pub struct Runner {
    kind: Kind,
    handler: Arc<dyn CommandHandler>,
    echo: Option<EchoFilter>,
    completion: Completion,
    params: AsduParams,
    events: VecDeque<LineEvent>,
    out: Vec<u8>,
    /// Accepted executes whose termination waits ([`Termination::After`]).
    terminations: Vec<(Instant, CommandHandle)>,
}

impl core::fmt::Debug for Runner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Runner")
            .field("events", &self.events.len())
            .finish()
    }
}

/// Why a runner could not be built or a request not submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunnerError {
    /// The link configuration was refused.
    Config(iec101_link::ConfigError),
    /// A slave address was refused by the link.
    Link(iec101_link::LinkError),
    /// The master refused the request.
    Station(StationError),
    /// No master for this address (not a configured slave, or a slave role).
    NoMaster(u16),
}

impl core::fmt::Display for RunnerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RunnerError::Config(e) => write!(f, "link configuration: {e}"),
            RunnerError::Link(e) => write!(f, "link: {e}"),
            RunnerError::Station(e) => write!(f, "request: {e}"),
            RunnerError::NoMaster(a) => write!(f, "no master for link address {a}"),
        }
    }
}

impl core::error::Error for RunnerError {}

impl Runner {
    /// A runner for `config` with the points of `db` (slave, balanced outstation) and the
    /// command `handler`; `echo` enables the [`EchoFilter`].
    ///
    /// # Errors
    /// [`RunnerError::Config`] or [`RunnerError::Link`] for a refused link configuration or
    /// slave address.
    pub fn new(
        config: &LineConfig,
        db: Database,
        handler: Arc<dyn CommandHandler>,
        echo: bool,
    ) -> Result<Self, RunnerError> {
        let station = || -> Outst {
            Outstation::new(OutstationConfig::new(config.params, config.ca), db.clone())
        };
        let mconf = MasterConfig::new(config.params);
        let kind = match &config.role {
            Role::Master { slaves } => {
                let mut m = MasterSession::new(
                    PrimaryConfig {
                        link: config.link,
                        ..PrimaryConfig::default()
                    },
                    mconf,
                )
                .map_err(RunnerError::Config)?;
                for a in slaves {
                    m.add_secondary(*a).map_err(RunnerError::Link)?;
                }
                Kind::Master(Box::new(m))
            }
            Role::Slave { address } => {
                let mut s = SlaveSession::new(
                    SecondaryConfig {
                        link: config.link,
                        address: *address,
                        no_data: NoDataResponse::SingleChar,
                    },
                    station(),
                )
                .map_err(RunnerError::Config)?;
                s.set_link_busy(config.link_busy);
                Kind::Slave(Box::new(s))
            }
            Role::Balanced {
                dir,
                local_address,
                remote_address,
                outstation,
            } => {
                let b = BalancedSession::new(
                    BalancedConfig {
                        link: config.link,
                        dir: *dir,
                        local_address: *local_address,
                        remote_address: *remote_address,
                        restart_delay: config.link.response_timeout.saturating_mul(2),
                        test_interval: None,
                    },
                    outstation.then(station),
                    mconf,
                )
                .map_err(RunnerError::Config)?;
                Kind::Balanced(Box::new(b), *remote_address)
            }
        };
        Ok(Runner {
            kind,
            handler,
            echo: echo.then(EchoFilter::default),
            completion: config.completion,
            params: config.params,
            events: VecDeque::new(),
            out: Vec::new(),
            terminations: Vec::new(),
        })
    }

    /// Submit `request` to the master of link `address` (balanced: any address) at `now`.
    ///
    /// # Errors
    /// [`RunnerError::NoMaster`] or the master's [`RunnerError::Station`].
    pub fn submit(
        &mut self,
        now: Instant,
        address: u16,
        request: &Request,
    ) -> Result<RequestId, RunnerError> {
        let completion = self.completion;
        let id = match &mut self.kind {
            Kind::Master(m) => {
                let master = m
                    .master_mut(address)
                    .ok_or(RunnerError::NoMaster(address))?;
                request
                    .submit(master, now, completion)
                    .map_err(RunnerError::Station)?
            }
            Kind::Balanced(b, _) => request
                .submit(b.master_mut(), now, completion)
                .map_err(RunnerError::Station)?,
            Kind::Slave(_) => return Err(RunnerError::NoMaster(address)),
        };
        self.pump(now);
        Ok(id)
    }

    /// Queue a spontaneous event for the outstation (after the point changed in the
    /// database). Returns false if this role has no outstation or it refused.
    pub fn queue_event(
        &mut self,
        now: Instant,
        objects: &[station::asdu::InfoObject<'_>],
        ca: CommonAddress,
    ) -> bool {
        let ok = match &mut self.kind {
            Kind::Slave(s) => s
                .station_mut()
                .queue_event(ca, station::asdu::Cause::SPONTANEOUS, objects)
                .is_ok(),
            Kind::Balanced(b, _) => b.station_mut().is_some_and(|s| {
                s.queue_event(ca, station::asdu::Cause::SPONTANEOUS, objects)
                    .is_ok()
            }),
            Kind::Master(_) => false,
        };
        self.pump(now);
        ok
    }

    /// Octets read from the port at `now`.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        let bytes = match &mut self.echo {
            Some(e) => e.filter(bytes),
            None => bytes,
        };
        let mut off = 0usize;
        let mut stalls = 0u8;
        while off < bytes.len() {
            let rest = bytes.get(off..).unwrap_or(&[]);
            let n = match &mut self.kind {
                Kind::Master(m) => m.handle_input(now, rest),
                Kind::Slave(s) => s.handle_input(now, rest),
                Kind::Balanced(b, _) => b.handle_input(now, rest),
            };
            off = off.saturating_add(n);
            self.pump(now);
            if n == 0 {
                stalls = stalls.saturating_add(1);
                if stalls > 2 {
                    break;
                }
            } else {
                stalls = 0;
            }
        }
    }

    /// Let timers expire at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        match &mut self.kind {
            Kind::Master(m) => m.handle_timeout(now),
            Kind::Slave(s) => s.handle_timeout(now),
            Kind::Balanced(b, _) => b.handle_timeout(now),
        }
        let (due, later): (Vec<_>, Vec<_>) =
            self.terminations.drain(..).partition(|(at, _)| *at <= now);
        self.terminations = later;
        let station = match &mut self.kind {
            Kind::Master(_) => None,
            Kind::Slave(s) => Some(s.station_mut()),
            Kind::Balanced(b, _) => b.station_mut(),
        };
        if let Some(st) = station {
            for (_, handle) in due {
                let _ = st.terminate_command(handle);
            }
        }
        self.pump(now);
    }

    /// When to call [`handle_timeout`](Self::handle_timeout).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let link = match &self.kind {
            Kind::Master(m) => m.poll_timeout(),
            Kind::Slave(s) => s.poll_timeout(),
            Kind::Balanced(b, _) => b.poll_timeout(),
        };
        let late = self.terminations.iter().map(|(at, _)| *at).min();
        telecontrol_core::earliest(link, late)
    }

    /// Octets to write to the port now (empty if none); the echo filter remembers them.
    pub fn take_output(&mut self) -> Vec<u8> {
        let out = core::mem::take(&mut self.out);
        if let Some(e) = &mut self.echo {
            e.sent(&out);
        }
        out
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }

    /// The port or connection was lost: restart the link, requeue unconfirmed events.
    pub fn connection_lost(&mut self) {
        match &mut self.kind {
            Kind::Slave(s) => {
                s.connection_lost();
            }
            Kind::Balanced(b, _) => {
                b.connection_lost();
            }
            Kind::Master(_) => {}
        }
        self.out.clear();
        if let Some(e) = &mut self.echo {
            *e = EchoFilter::default();
        }
    }

    /// Octets of our own transmission the echo filter still waits for (0 without echo).
    #[must_use]
    pub fn echo_pending(&self) -> usize {
        self.echo.as_ref().map_or(0, EchoFilter::pending)
    }

    /// Drain every session output: events, station commands, frames.
    fn pump(&mut self, now: Instant) {
        let mut buf = [0u8; MAX_FRAME_LEN];
        let params = self.params;
        loop {
            let mut progressed = false;
            match &mut self.kind {
                Kind::Master(m) => {
                    while let Some(input) = m.poll_input(now) {
                        progressed = true;
                        let ev = match input {
                            MasterInput::LinkUp { address } => LineEvent::LinkUp(address),
                            MasterInput::LinkDown { address } => LineEvent::LinkDown(address),
                            MasterInput::Data {
                                address,
                                received,
                                bytes,
                                ..
                            } => LineEvent::Asdu(
                                address,
                                ReceivedAsdu::new(received.kind, &received.view, bytes, params),
                            ),
                            MasterInput::Result { address, result } => {
                                LineEvent::Result(address, result)
                            }
                            _ => continue,
                        };
                        self.events.push_back(ev);
                    }
                    while let Some(n) = m.poll_transmit(&mut buf) {
                        progressed = true;
                        self.out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
                    }
                }
                Kind::Slave(s) => {
                    while let Some(ev) = s.poll_event() {
                        if let crate::SlaveEvent::LinkReset { .. } = ev {
                            self.events.push_back(LineEvent::LinkReset);
                        }
                    }
                    progressed |= serve(
                        s.station_mut(),
                        self.handler.as_ref(),
                        now,
                        &mut self.terminations,
                    );
                    s.fill();
                    while let Some(n) = s.poll_transmit(&mut buf) {
                        progressed = true;
                        self.out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
                    }
                }
                Kind::Balanced(b, remote) => {
                    let remote = *remote;
                    while let Some(input) = b.poll_input(now) {
                        progressed = true;
                        let ev = match input {
                            BalancedInput::LinkUp => LineEvent::LinkUp(remote),
                            BalancedInput::LinkDown => LineEvent::LinkDown(remote),
                            BalancedInput::Data { received, bytes } => LineEvent::Asdu(
                                remote,
                                ReceivedAsdu::new(received.kind, &received.view, bytes, params),
                            ),
                            BalancedInput::Result { result } => LineEvent::Result(remote, result),
                            _ => continue,
                        };
                        self.events.push_back(ev);
                    }
                    if let Some(s) = b.station_mut() {
                        progressed |= serve(s, self.handler.as_ref(), now, &mut self.terminations);
                    }
                    while let Some(n) = b.poll_transmit(&mut buf) {
                        progressed = true;
                        self.out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
                    }
                }
            }
            if !progressed {
                return;
            }
        }
    }
}

/// Run the handler for the outstation's events; true if there were any. Commands the
/// handler leaves unanswered get no confirmation; executes whose termination the handler
/// delays go to `terminations` (see [`CommandHandler::termination`]).
fn serve(
    s: &mut Outst,
    handler: &dyn CommandHandler,
    now: Instant,
    terminations: &mut Vec<(Instant, CommandHandle)>,
) -> bool {
    let mut any = false;
    while let Some(ev) = s.poll_event() {
        any = true;
        match ev {
            Event::Command(c) => {
                if !handler.answers(&c) {
                    continue;
                }
                let answer = handler.command(&c);
                let executes = matches!(
                    c.action,
                    station::CommandAction::Execute | station::CommandAction::DirectExecute
                );
                let termination = if executes && answer != CommandAnswer::Reject {
                    handler.termination(&c)
                } else {
                    Termination::Immediate
                };
                let answer = match (answer, executes, termination) {
                    (CommandAnswer::Reject, _, _) => CommandAnswer::Reject,
                    (_, true, Termination::Immediate) => CommandAnswer::AcceptAndTerminate,
                    (_, true, _) => CommandAnswer::Accept,
                    (a, false, _) => a,
                };
                if s.answer_command(c.handle, answer).is_ok()
                    && answer == CommandAnswer::Accept
                    && let Termination::After(d) = termination
                {
                    terminations.push((now.saturating_add(d), c.handle));
                }
            }
            Event::ClockSync { ca, time } => handler.clock_sync(ca, time),
            Event::ResetProcess { ca, qrp } => handler.reset_process(ca, qrp),
            _ => {}
        }
    }
    any
}
