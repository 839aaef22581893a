//! Runtime-independent owned helpers both adapters share (feature `std`): the shared point
//! [`Database`], owned [`ReceivedAsdu`]s, reconnect [`Backoff`], the client-side
//! [`Request`] vocabulary and the [`CommandHandler`] the server asks.

extern crate std;

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use std::vec::Vec;

use station::asdu::{
    AsduError, AsduParams, AsduView, Bcr, Cause, Coi, CommonAddress, Cp56Time2a, Header,
    InfoObject, Ioa, Qcc, Qoi, Qrp, Tsc, TypeId, Value,
};
use station::{
    CommandMode, CommandRequest, Completion, CounterScope, DataKind, ExecuteMode, Point,
    PointDatabase, Scope,
};

/// The server's points, shared by every connection and the application: a sorted map behind
/// an `RwLock` held only for one lookup or one update (never while a handler runs). Cloning
/// shares the same points.
#[derive(Clone, Debug, Default)]
pub struct Database {
    points: Arc<RwLock<BTreeMap<(CommonAddress, Ioa), Point>>>,
}

impl Database {
    /// An empty database.
    #[must_use]
    pub fn new() -> Self {
        Database::default()
    }

    /// Add or replace a point.
    pub fn insert(&self, point: Point) {
        let mut map = self.points.write().unwrap_or_else(PoisonError::into_inner);
        map.insert((point.ca, point.ioa), point);
    }

    /// Set the value of an existing point; returns the previous value, `None` if there is no
    /// such point (nothing is changed then).
    pub fn set_value(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Option<Option<Value<'static>>> {
        let mut map = self.points.write().unwrap_or_else(PoisonError::into_inner);
        let p = map.get_mut(&(ca, ioa))?;
        Some(p.value.replace(value))
    }

    /// A copy of the point.
    #[must_use]
    pub fn point(&self, ca: CommonAddress, ioa: Ioa) -> Option<Point> {
        let map = self.points.read().unwrap_or_else(PoisonError::into_inner);
        map.get(&(ca, ioa)).copied()
    }

    /// Number of points.
    #[must_use]
    pub fn len(&self) -> usize {
        self.points
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// True without points.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn find_after<T>(
        &self,
        ca: CommonAddress,
        after: Option<Ioa>,
        mut f: impl FnMut(&Point) -> Option<T>,
    ) -> Option<T> {
        use core::ops::Bound;
        let map = self.points.read().unwrap_or_else(PoisonError::into_inner);
        let start = match after {
            Some(a) => Bound::Excluded((ca, a)),
            None => Bound::Included((ca, Ioa::IRRELEVANT)),
        };
        map.range((start, Bound::Unbounded))
            .take_while(|((c, _), _)| *c == ca)
            .find_map(|(_, p)| f(p))
    }
}

fn is_counter(v: &Value<'_>) -> Option<Bcr> {
    match *v {
        Value::MItNa1(b) | Value::MItTa1(b, _) | Value::MItTb1(b, _) => Some(b),
        _ => None,
    }
}

fn bit16(bits: u16, n: u8) -> bool {
    n >= 1
        && bits
            & 1u16
                .checked_shl(u32::from(n).saturating_sub(1))
                .unwrap_or(0)
            != 0
}

impl PointDatabase for Database {
    fn next_point(
        &self,
        ca: CommonAddress,
        scope: Scope,
        after: Option<Ioa>,
    ) -> Option<InfoObject<'_>> {
        self.find_after(ca, after, |p| {
            let member = match scope {
                Scope::Station => p.in_station,
                Scope::Group(n) => bit16(p.groups, n),
            };
            let v = p.value?;
            (member && is_counter(&v).is_none()).then_some(InfoObject::new(p.ioa, v))
        })
    }

    fn read_point(&self, ca: CommonAddress, ioa: Ioa) -> Option<InfoObject<'_>> {
        let p = self.point(ca, ioa)?;
        p.value.map(|v| InfoObject::new(p.ioa, v))
    }

    fn next_counter(
        &self,
        ca: CommonAddress,
        scope: CounterScope,
        after: Option<Ioa>,
    ) -> Option<(Ioa, Bcr)> {
        self.find_after(ca, after, |p| {
            let bcr = is_counter(&p.value?)?;
            let member = match scope {
                CounterScope::General => true,
                CounterScope::Group(n) => bit16(u16::from(p.counter_groups), n),
            };
            member.then_some((p.ioa, bcr))
        })
    }

    fn command_mode(&self, ca: CommonAddress, ioa: Ioa, _type_id: TypeId) -> Option<CommandMode> {
        self.point(ca, ioa)?.command
    }
}

/// An ASDU received by a client, owned: the octets, the header and the master's
/// classification. [`ReceivedAsdu::view`] decodes it again (it decoded once already, so this
/// cannot fail for an ASDU built by the adapter) to iterate the typed objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedAsdu {
    /// Why it was sent (spontaneous, interrogated, confirmation of which request, ...).
    pub kind: DataKind,
    /// The decoded header.
    pub header: Header,
    /// The ASDU octets.
    pub bytes: Vec<u8>,
    params: AsduParams,
}

impl ReceivedAsdu {
    /// Copy a received ASDU.
    #[must_use]
    pub fn new(kind: DataKind, view: &AsduView<'_>, bytes: &[u8], params: AsduParams) -> Self {
        ReceivedAsdu {
            kind,
            header: view.header(),
            bytes: bytes.to_vec(),
            params,
        }
    }

    /// The decoded ASDU.
    ///
    /// # Errors
    /// The decode error; not for ASDUs the adapter delivered (they decoded on reception).
    pub fn view(&self) -> Result<AsduView<'_>, AsduError> {
        AsduView::decode(&self.params, &self.bytes)
    }

    /// The information objects (typed values borrowing the octets).
    #[must_use]
    pub fn objects(&self) -> Vec<InfoObject<'_>> {
        self.view()
            .map(|v| v.objects().collect())
            .unwrap_or_default()
    }

    /// The type identification.
    #[must_use]
    pub fn type_id(&self) -> TypeId {
        self.header.type_id
    }
}

/// Reconnect delays: `initial`, doubled after every failed attempt up to `max`, back to
/// `initial` after a connection reached data transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// First delay.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
    current: Duration,
}

impl Backoff {
    /// Delays from `initial` up to `max`.
    #[must_use]
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            current: initial,
        }
    }

    /// The delay before the next attempt (and double it for the one after).
    pub fn next_delay(&mut self) -> Duration {
        let d = self.current;
        self.current = self.current.saturating_mul(2).min(self.max);
        d
    }

    /// A connection succeeded: start again from `initial`.
    pub fn reset(&mut self) {
        self.current = self.initial;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(10))
    }
}

/// A request a client issues through its master (IEC 60870-5-101 §7.4, 104 §7): the same
/// vocabulary in both adapters.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// Station or group interrogation (C_IC_NA_1).
    Interrogation {
        /// Common address.
        ca: CommonAddress,
        /// QOI 20 (station) or 21–36.
        qoi: Qoi,
    },
    /// Counter interrogation (C_CI_NA_1).
    CounterInterrogation {
        /// Common address.
        ca: CommonAddress,
        /// Request and freeze qualifier.
        qcc: Qcc,
    },
    /// Clock synchronisation (C_CS_NA_1).
    ClockSync {
        /// Common address.
        ca: CommonAddress,
        /// The time to set.
        time: Cp56Time2a,
    },
    /// Read one object (C_RD_NA_1).
    Read {
        /// Common address.
        ca: CommonAddress,
        /// Object address.
        ioa: Ioa,
    },
    /// A process command (types 45–51, 58–64): single, double, regulating step, set-point,
    /// bitstring; `mode` chooses direct or select-before-operate.
    Command {
        /// Common address.
        ca: CommonAddress,
        /// Object address.
        ioa: Ioa,
        /// The command element set (its S/E bit is set from `mode`).
        value: Value<'static>,
        /// Direct, select only, execute only, or select then execute.
        mode: ExecuteMode,
    },
    /// Test command with time tag (C_TS_TA_1, 104 §8.6).
    #[doc(alias = "C_TS_TA_1")]
    Test {
        /// Common address.
        ca: CommonAddress,
        /// Test sequence counter.
        tsc: Tsc,
        /// The time tag to send.
        time: Cp56Time2a,
    },
    /// Reset process (C_RP_NA_1).
    #[doc(alias = "C_RP_NA_1")]
    ResetProcess {
        /// Common address.
        ca: CommonAddress,
        /// Qualifier: general reset or reset of the time-tagged event buffer.
        qrp: Qrp,
    },
    /// Parameter of measured values or parameter activation (P_ME_NA_1, P_ME_NB_1,
    /// P_ME_NC_1, P_AC_NA_1; types 110–113).
    #[doc(alias = "P_ME_NA_1")]
    #[doc(alias = "P_AC_NA_1")]
    Parameter {
        /// Common address.
        ca: CommonAddress,
        /// Object address.
        ioa: Ioa,
        /// The parameter element (types 110–113 only, else the master refuses it).
        value: Value<'static>,
    },
}

impl Request {
    /// Submit to `master` at `now` with `completion`.
    ///
    /// # Errors
    /// The master's [`station::StationError`] (request table full, busy, invalid type).
    pub fn submit<const R: usize>(
        &self,
        master: &mut station::Master<R>,
        now: telecontrol_core::Instant,
        completion: Completion,
    ) -> Result<station::RequestId, station::StationError> {
        match *self {
            Request::Interrogation { ca, qoi } => master.interrogate(now, ca, qoi, completion),
            Request::CounterInterrogation { ca, qcc } => {
                master.counter_interrogation(now, ca, qcc, completion)
            }
            Request::ClockSync { ca, time } => master.clock_sync(now, ca, time, completion),
            Request::Read { ca, ioa } => master.read(now, ca, ioa),
            Request::Command {
                ca,
                ioa,
                value,
                mode,
            } => master.command(now, ca, ioa, value, mode, completion),
            Request::Test { ca, tsc, time } => master.test(now, ca, tsc, time, completion),
            Request::ResetProcess { ca, qrp } => master.reset_process(now, ca, qrp, completion),
            Request::Parameter { ca, ioa, value } => {
                master.parameter(now, ca, ioa, value, completion)
            }
        }
    }
}

/// What the server's application decides about a command (IEC 60870-5-101 §7.4.7).
pub use station::CommandAnswer;

/// The server application's handler for commands and clock synchronisation. The adapters
/// call it on a thread or task of their own **with no adapter lock held**: it may call back
/// into the server (update points, queue events) without deadlock.
pub trait CommandHandler: Send + Sync + 'static {
    /// A select, execute, direct execute or parameter for a point whose [`CommandMode`]
    /// allows it. Return the answer; with [`CommandAnswer::Accept`] for an execute the
    /// adapter sends the termination at once after the confirmation (use
    /// [`CommandAnswer::AcceptAndTerminate`] for the same in one step).
    fn command(&self, request: &CommandRequest) -> CommandAnswer;

    /// The return information of an execute (or direct execute) that [`Self::command`] just
    /// accepted, asked right after it, also with no lock held. If it is not empty the adapter
    /// sends, in this order and atomically under the group lock, the activation confirmation,
    /// these objects (one ASDU each, with their cause, usually 11 or 3) and the activation
    /// termination to the commanding connection (the order lib60870 and most masters expect:
    /// ACTCON, return information, ACTTERM), then queues the same objects as events for every
    /// other redundancy group or connection. The database is not touched: update it in the
    /// handler (e.g. with [`Database::set_value`]) before returning. Default: none, and the
    /// termination follows the confirmation at once.
    fn return_information(&self, request: &CommandRequest) -> Vec<ReturnInfo> {
        let _ = request;
        Vec::new()
    }

    /// Whether to answer `request` at all. `false` sends no confirmation: the master's own
    /// time-out decides, as with a station that lost the command (for commissioning tests
    /// of masters; the command keeps a slot of the station's bounded command table until the
    /// master deactivates it). Default: answer.
    fn answers(&self, request: &CommandRequest) -> bool {
        let _ = request;
        true
    }

    /// When an accepted execute is terminated (ACTTERM). Default: right after the
    /// confirmation and the return information.
    fn termination(&self, request: &CommandRequest) -> Termination {
        let _ = request;
        Termination::Immediate
    }

    /// Clock synchronisation was received (the station already confirmed it).
    fn clock_sync(&self, ca: CommonAddress, time: Cp56Time2a) {
        let _ = (ca, time);
    }

    /// Reset process (C_RP_NA_1) for served address `ca` (once per address for a broadcast)
    /// with qualifier `qrp` (general, or reset of the time-tagged event buffer: discard what
    /// the application holds). The station core has already confirmed it positively (it
    /// refuses other qualifiers itself), so this is a notification; carry out the reset.
    /// Default: nothing (the request is accepted and ignored).
    fn reset_process(&self, ca: CommonAddress, qrp: Qrp) {
        let _ = (ca, qrp);
    }
}

/// When the adapter sends the activation termination of an accepted execute (see
/// [`CommandHandler::termination`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Termination {
    /// Right after the confirmation (and the return information).
    #[default]
    Immediate,
    /// This long after the confirmation.
    After(core::time::Duration),
    /// Never: the master's own time-out decides.
    Never,
}

/// One object of return information: sent between an execute's confirmation and its
/// termination (see [`CommandHandler::return_information`]), in the command's common address.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReturnInfo {
    /// Why it is sent: [`Cause::RETURN_REMOTE`] (11) for a status point the command changed,
    /// or [`Cause::SPONTANEOUS`] (3) where the peer refuses 11 for the type.
    pub cause: Cause,
    /// Object address.
    pub ioa: Ioa,
    /// The new value (a monitor-direction type, with its time tag if any).
    pub value: Value<'static>,
}

impl ReturnInfo {
    /// Return information (cause 11) for `ioa`.
    #[must_use]
    pub fn remote(ioa: Ioa, value: Value<'static>) -> Self {
        ReturnInfo {
            cause: Cause::RETURN_REMOTE,
            ioa,
            value,
        }
    }
}

/// Any `Fn(&CommandRequest) -> CommandAnswer` is a handler (clock sync ignored).
impl<F> CommandHandler for F
where
    F: Fn(&CommandRequest) -> CommandAnswer + Send + Sync + 'static,
{
    fn command(&self, request: &CommandRequest) -> CommandAnswer {
        self(request)
    }
}

/// A client's parameters, the same in both adapters.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// k, w, t0 (connect time-out), t1–t3.
    pub apci: iec104_apci::ApciConfig,
    /// ASDU parameters, originator, request time-outs.
    pub master: station::MasterConfig,
    /// Delays between reconnect attempts.
    pub backoff: Backoff,
    /// Reconnect after a lost connection or a failed attempt (else the client stops).
    pub reconnect: bool,
    /// Events held for the application before the connection waits for it to read
    /// (default [`CLIENT_EVENTS`]; at least 1).
    pub events: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            apci: iec104_apci::ApciConfig::DEFAULT,
            master: station::MasterConfig::new(AsduParams::IEC104),
            backoff: Backoff::default(),
            reconnect: true,
            events: CLIENT_EVENTS,
        }
    }
}

/// Connections from these addresses share one outstation and event buffer; one of them (the
/// last to send STARTDT) is active, the others standby (IEC 60870-5-104 clause 10.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedundancyGroup {
    /// Client addresses of the group's connections.
    pub clients: Vec<std::net::IpAddr>,
}

/// A server's parameters, the same in both adapters.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// k, w, t1–t3.
    pub apci: iec104_apci::ApciConfig,
    /// ASDU parameters, served common addresses, select timeout, event buffer policy.
    pub station: station::OutstationConfig,
    /// Most connections open at once; further ones are closed on accept.
    pub max_connections: usize,
    /// Most connections open at once from one client address (a misbehaving or hostile
    /// peer cannot take every place); further ones are closed on accept.
    pub max_per_address: usize,
    /// If set, only these client addresses are accepted.
    pub allow: Option<Vec<std::net::IpAddr>>,
    /// Redundancy groups. A connection from an address of no group gets an outstation (and
    /// event buffer) of its own for its lifetime.
    pub groups: Vec<RedundancyGroup>,
    /// End of initialisation (M_EI_NA_1, cause 4) sent for every served common address when
    /// data transfer starts for the first time after the server started, with this cause of
    /// initialisation; `None`: never sent. Default: local power on (COI 0).
    pub end_of_initialisation: Option<Coi>,
}

impl ServerConfig {
    /// Defaults for common address `ca`: standard APCI parameters, 100 connections (32 per
    /// client address), everyone allowed, no redundancy groups.
    #[must_use]
    pub fn new(ca: CommonAddress) -> Self {
        ServerConfig {
            apci: iec104_apci::ApciConfig::DEFAULT,
            station: station::OutstationConfig::new(AsduParams::IEC104, ca),
            max_connections: telecontrol_core::admission::DEFAULT_MAX_CONNECTIONS,
            max_per_address: telecontrol_core::admission::DEFAULT_MAX_PER_ADDRESS,
            allow: None,
            groups: Vec::new(),
            end_of_initialisation: Coi::new(Coi::POWER_ON, false),
        }
    }

    /// Whether `ip` may connect.
    #[must_use]
    pub fn allows(&self, ip: std::net::IpAddr) -> bool {
        self.allow.as_ref().is_none_or(|a| a.contains(&ip))
    }

    /// The redundancy group of `ip`, by index in [`ServerConfig::groups`].
    #[must_use]
    pub fn group_of(&self, ip: std::net::IpAddr) -> Option<usize> {
        self.groups.iter().position(|g| g.clients.contains(&ip))
    }
}

/// Event ASDUs buffered per outstation (per redundancy group, or per ungrouped connection).
pub const EVENT_BUFFER: usize = 128;

/// The outstation type the adapters run.
pub type ServerStation = station::Outstation<Database, EVENT_BUFFER>;

/// A redundancy group's state as the adapters share it.
pub type ServerGroup = crate::StationGroup<Database, EVENT_BUFFER>;

/// Build the group for `config` over `db`.
#[must_use]
pub fn new_group(config: &ServerConfig, db: &Database) -> ServerGroup {
    crate::StationGroup::new(station::Outstation::new(config.station.clone(), db.clone()))
}

/// A monotonic clock for the cores: microseconds since `origin`.
#[must_use]
pub fn instant_since(origin: std::time::Instant) -> telecontrol_core::Instant {
    let us = u64::try_from(origin.elapsed().as_micros()).unwrap_or(u64::MAX);
    telecontrol_core::Instant::from_micros(us)
}

/// How long from `now` until `deadline` (zero if due).
#[must_use]
pub fn until(now: telecontrol_core::Instant, deadline: telecontrol_core::Instant) -> Duration {
    deadline.saturating_duration_since(now)
}

/// Events a client holds for the application by default ([`ClientConfig::events`]) before
/// its connection waits for the application to read (back-pressure: the connection then
/// stops reading the server, whose unacknowledged I frames stay in its buffer and are re-sent
/// if it gives up on us). Bounds the client's memory against a flooding server or an
/// application that stops reading.
///
/// 4 096 ASDUs: a general interrogation of a large station fits (each ASDU carries many
/// objects), and the blocking adapter's channel, which allocates its slots at once, stays
/// small per client.
pub const CLIENT_EVENTS: usize = 4096;

/// What a client's event stream delivers, the same in both adapters.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// TCP connected (STARTDT act sent).
    Connected(std::net::SocketAddr),
    /// STARTDT confirmed: data transfer runs.
    Started,
    /// An ASDU from the server.
    Asdu(ReceivedAsdu),
    /// The connection ended or an attempt failed; the text says why. The client reconnects
    /// after its back-off unless it was told not to.
    Disconnected(std::string::String),
}

/// Why a client request did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// No connection in data transfer right now.
    NotConnected,
    /// The connection was lost before the request completed.
    ConnectionLost,
    /// The master refused the request (table full, busy point, invalid type).
    Refused(station::StationError),
    /// The client was shut down.
    Shutdown,
    /// The caller's own time limit passed first (the request may still complete).
    TimedOut,
}

impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ClientError::NotConnected => f.write_str("not connected"),
            ClientError::ConnectionLost => f.write_str("connection lost before completion"),
            ClientError::Refused(e) => write!(f, "request refused: {e}"),
            ClientError::Shutdown => f.write_str("client shut down"),
            ClientError::TimedOut => f.write_str("no result within the caller's time limit"),
        }
    }
}

impl core::error::Error for ClientError {}

/// Why a server update failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateError {
    /// No point at this address in the database.
    UnknownPoint {
        /// Common address.
        ca: CommonAddress,
        /// Object address.
        ioa: Ioa,
    },
    /// An outstation refused the event (buffer full under refuse-newest, invalid type).
    Station(station::StationError),
}

impl core::fmt::Display for UpdateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            UpdateError::UnknownPoint { ca, ioa } => write!(f, "no point CA={} IOA={ioa}", ca.0),
            UpdateError::Station(e) => write!(f, "event refused: {e}"),
        }
    }
}

impl core::error::Error for UpdateError {}

/// Set the point's value in `db` and queue it as a spontaneous event (cause 3) in every
/// group's outstation. Runs under each group's lock in turn, never two at once.
///
/// # Errors
/// [`UpdateError::UnknownPoint`] if the database has no such point; the last
/// [`UpdateError::Station`] if some outstation refused the event (the others still have it).
pub fn update_groups<'g>(
    db: &Database,
    groups: impl IntoIterator<Item = &'g std::sync::Mutex<ServerGroup>>,
    ca: CommonAddress,
    ioa: Ioa,
    value: Value<'static>,
) -> Result<(), UpdateError> {
    db.set_value(ca, ioa, value)
        .ok_or(UpdateError::UnknownPoint { ca, ioa })?;
    let cause = station::asdu::Cause::SPONTANEOUS;
    let mut result = Ok(());
    for g in groups {
        let mut g = g.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(e) = g
            .station_mut()
            .queue_event(ca, cause, &[InfoObject::new(ioa, value)])
        {
            result = Err(UpdateError::Station(e));
        }
    }
    result
}
