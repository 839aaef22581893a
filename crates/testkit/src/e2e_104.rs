//! The end-to-end scenarios of the 104 adapters, written once and run against every runtime
//! (and mixed pairs) on 127.0.0.1 with ephemeral ports.
//!
//! Not a module of the testkit library (it needs the adapters' session crate): each adapter's
//! `tests/e2e.rs` includes it with `#[path = "../../testkit/src/e2e_104.rs"] mod e2e_104;` and
//! implements [`ServerRuntime`] and [`ClientRuntime`] for its `Server` and `Client`. Every wait
//! is bounded (`STEP`, generous); outcomes are asserted, speed never.
#![allow(
    dead_code,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use iec104_session::shared::{
    ClientConfig, ClientError, ClientEvent, CommandHandler, Database, Request, ReturnInfo,
    ServerConfig, UpdateError,
};
use station::asdu::{
    Bcr, Cause, CommonAddress, Cp56Time2a, Dpi, Frz, Ioa, Qcc, Qds, Qoi, Qos, Qu, Quality, Sco,
    Siq, Sva, TypeId, Value,
};
use station::{
    CommandAction, CommandAnswer, CommandMode, CommandRequest, Completion, DataKind, ExecuteMode,
    Outcome, Point, RequestResult, Scope,
};

#[path = "e2e_104_connections.rs"]
mod connections;
#[allow(unused_imports)] // each including test binary uses its own subset
pub use connections::{no_server, reconnect_after_restart, redundancy_switch_over, refusals};
#[path = "e2e_104_redundancy.rs"]
mod redundancy;
#[allow(unused_imports)] // each including test binary uses its own subset
pub use redundancy::{DataTransferRuntime, stop_and_start_data_transfer};
#[path = "e2e_104_requests.rs"]
mod requests;
#[allow(unused_imports)] // each including test binary uses its own subset
pub use requests::{end_of_initialisation, no_end_of_initialisation, parameters, test_and_reset};

/// The longest any single expected thing may take before a scenario fails.
pub const STEP: Duration = Duration::from_secs(10);
pub const CA: CommonAddress = CommonAddress(1);

/// A server runtime under test.
pub trait ServerRuntime {
    type Server;
    /// Bind `addr` (port 0: ephemeral) and start.
    fn start(
        &self,
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: Recorder,
    ) -> std::io::Result<Self::Server>;
    fn addr(&self, server: &Self::Server) -> SocketAddr;
    fn update(
        &self,
        server: &Self::Server,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<(), UpdateError>;
    fn connections(&self, server: &Self::Server) -> usize;
    /// A callable that updates a point of the running server (its `ServerHandle`).
    fn updater(&self, server: &Self::Server) -> Updater;
    /// Graceful shutdown; returns when every task/thread ended.
    fn stop(&self, server: Self::Server);
}

/// A client runtime under test.
pub trait ClientRuntime {
    type Client;
    fn start(&self, addr: SocketAddr, config: ClientConfig) -> Self::Client;
    /// The next event within `timeout`.
    fn next_event(&self, client: &mut Self::Client, timeout: Duration) -> Option<ClientEvent>;
    /// Submit and wait for the result (bounded by the runtime with [`STEP`]).
    fn request(
        &self,
        client: &Self::Client,
        request: Request,
        completion: Completion,
    ) -> Result<RequestResult, ClientError>;
    /// Graceful shutdown; returns when the client's task/thread ended.
    fn stop(&self, client: Self::Client);
}

/// Updates a point of a running server (from a handler, say).
pub type Updater =
    Arc<dyn Fn(CommonAddress, Ioa, Value<'static>) -> Result<(), UpdateError> + Send + Sync>;

/// The command handler of the scenarios: records what it saw, refuses point 800, accepts
/// everything else; with an
/// updater set, an execute also updates point 100 through the server (a handler calling back
/// into the adapter must not deadlock).
#[derive(Clone, Default)]
pub struct Recorder {
    pub commands: Arc<Mutex<Vec<(CommandAction, Ioa, TypeId)>>>,
    pub clock: Arc<Mutex<Vec<Cp56Time2a>>>,
    pub on_execute: Arc<Mutex<Option<Updater>>>,
    /// If set, an accepted execute of point 600 answers with return information for point
    /// 100 (on, cause 11).
    pub return_info: Arc<Mutex<bool>>,
    /// Reset process requests seen.
    pub resets: Arc<Mutex<Vec<(CommonAddress, station::asdu::Qrp)>>>,
}

impl CommandHandler for Recorder {
    fn command(&self, request: &CommandRequest) -> CommandAnswer {
        let t = request.value.type_id();
        self.commands
            .lock()
            .unwrap()
            .push((request.action, request.ioa, t));
        let updater = self.on_execute.lock().unwrap().clone();
        if let (Some(update), CommandAction::Execute | CommandAction::DirectExecute) =
            (updater, request.action)
        {
            let v = Value::MSpNa1(Siq::new(true, Quality::GOOD.with_substituted(true)));
            update(CA, ioa(100), v).unwrap();
        }
        if request.ioa == ioa(800) {
            return CommandAnswer::Reject;
        }
        CommandAnswer::AcceptAndTerminate
    }

    fn return_information(&self, request: &CommandRequest) -> Vec<ReturnInfo> {
        if !*self.return_info.lock().unwrap() || request.ioa != ioa(600) {
            return Vec::new();
        }
        let v = Value::MSpNa1(Siq::new(true, Quality::GOOD));
        vec![ReturnInfo::remote(ioa(100), v)]
    }

    fn clock_sync(&self, _ca: CommonAddress, time: Cp56Time2a) {
        self.clock.lock().unwrap().push(time);
    }

    fn reset_process(&self, ca: CommonAddress, qrp: station::asdu::Qrp) {
        self.resets.lock().unwrap().push((ca, qrp));
    }
}

fn ioa(v: u32) -> Ioa {
    Ioa::new(v).unwrap()
}

fn local() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
}

/// Points: 10 single points (100..), 5 doubles (200..), 5 floats (300..), 3 scaled (400..),
/// 4 counters (500..), controllable single 600 (SBO), set-point float 700 (SBO), double
/// command 800 (direct; the handler refuses it).
pub fn database() -> Database {
    let db = Database::new();
    for i in 0..10 {
        let v = Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD));
        db.insert(Point::monitored(CA, ioa(100 + i), v));
    }
    for i in 0..5 {
        let v = Value::MDpNa1(station::asdu::Diq::new(Dpi::On, Quality::GOOD));
        db.insert(Point::monitored(CA, ioa(200 + i), v));
    }
    for i in 0..5 {
        let v = Value::MMeNc1(i as f32 * 1.5, Qds::new(Quality::GOOD));
        db.insert(Point::monitored(CA, ioa(300 + i), v));
    }
    for i in 0..3 {
        let v = Value::MMeNb1(Sva(i as i16 * 100 - 50), Qds::new(Quality::GOOD));
        db.insert(Point::monitored(CA, ioa(400 + i), v));
    }
    for i in 0..4 {
        let v = Value::MItNa1(Bcr::new(1000 * i as i32 + 7, 0).unwrap());
        db.insert(Point::monitored(CA, ioa(500 + i), v));
    }
    db.insert(Point::controllable(
        CA,
        ioa(600),
        CommandMode::SelectBeforeOperate,
    ));
    db.insert(Point::controllable(
        CA,
        ioa(700),
        CommandMode::SelectBeforeOperate,
    ));
    db.insert(Point::controllable(CA, ioa(800), CommandMode::Direct));
    db
}

/// Objects a station interrogation returns from [`database`] (counters excluded).
pub const GI_OBJECTS: u32 = 10 + 5 + 5 + 3;

fn fast_client() -> ClientConfig {
    ClientConfig {
        backoff: iec104_session::shared::Backoff::new(
            Duration::from_millis(20),
            Duration::from_millis(200),
        ),
        ..ClientConfig::default()
    }
}

/// Wait for an event matching `pred`; returns it and the events seen before.
fn wait_for<C: ClientRuntime>(
    rt: &C,
    client: &mut C::Client,
    what: &str,
    mut pred: impl FnMut(&ClientEvent) -> bool,
) -> (ClientEvent, Vec<ClientEvent>) {
    let end = Instant::now() + STEP;
    let mut before = Vec::new();
    loop {
        let left = end.saturating_duration_since(Instant::now());
        let Some(e) = rt.next_event(client, left) else {
            panic!("no {what} within {STEP:?}; saw {before:?}");
        };
        if pred(&e) {
            return (e, before);
        }
        before.push(e);
    }
}

fn started<S: ServerRuntime, C: ClientRuntime>(
    srt: &S,
    crt: &C,
    config: ServerConfig,
    handler: Recorder,
) -> (S::Server, C::Client) {
    let server = srt.start(local(), config, database(), handler).unwrap();
    let mut client = crt.start(srt.addr(&server), fast_client());
    wait_for(crt, &mut client, "Started", |e| *e == ClientEvent::Started);
    (server, client)
}

/// Collect the values of spontaneous / interrogated ASDUs until `n` objects arrived.
fn collect_objects<C: ClientRuntime>(
    rt: &C,
    client: &mut C::Client,
    n: usize,
    keep: impl Fn(DataKind) -> bool,
) -> Vec<(Ioa, Value<'static>)> {
    let mut got = Vec::new();
    while got.len() < n {
        let (e, _) = wait_for(
            rt,
            client,
            "data",
            |e| matches!(e, ClientEvent::Asdu(a) if keep(a.kind)),
        );
        if let ClientEvent::Asdu(a) = e {
            for o in a.objects() {
                got.push((o.ioa, to_static(o.value)));
            }
        }
    }
    got
}

/// The monitor values the scenarios use, without the borrowed lifetime.
fn to_static(v: Value<'_>) -> Value<'static> {
    match v {
        Value::MSpNa1(s) => Value::MSpNa1(s),
        Value::MDpNa1(d) => Value::MDpNa1(d),
        Value::MMeNc1(f, q) => Value::MMeNc1(f, q),
        Value::MMeNb1(s, q) => Value::MMeNb1(s, q),
        Value::MItNa1(b) => Value::MItNa1(b),
        other => panic!("unexpected value {other:?}"),
    }
}

/// Connect + STARTDT, GI answered from the database (count and values).
pub fn connect_and_interrogate<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), Recorder::default());
    let gi = Request::Interrogation {
        ca: CA,
        qoi: Qoi::STATION,
    };
    let r = crt.request(&client, gi, Completion::OnTermination).unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    assert_eq!(r.objects, GI_OBJECTS);
    let got = collect_objects(crt, &mut client, GI_OBJECTS as usize, |k| {
        k == DataKind::Interrogated(Scope::Station)
    });
    let db = database();
    assert_eq!(got.len(), GI_OBJECTS as usize);
    for (a, v) in &got {
        assert_eq!(db.point(CA, *a).unwrap().value, Some(*v), "IOA {a}");
    }
    crt.stop(client);
    srt.stop(server);
}

/// Spontaneous events of several types arrive in the order they were produced.
pub fn spontaneous_in_order<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), Recorder::default());
    let mut sent = Vec::new();
    for i in 0..40u32 {
        let (a, v) = match i % 4 {
            0 => (
                100 + i % 10,
                Value::MSpNa1(Siq::new(i % 3 == 0, Quality::GOOD)),
            ),
            1 => (
                200 + i % 5,
                Value::MDpNa1(station::asdu::Diq::new(
                    if i % 3 == 0 { Dpi::Off } else { Dpi::On },
                    Quality::GOOD,
                )),
            ),
            2 => (
                300 + i % 5,
                Value::MMeNc1(i as f32 + 0.25, Qds::new(Quality::GOOD)),
            ),
            _ => (
                400 + i % 3,
                Value::MMeNb1(Sva(i as i16), Qds::new(Quality::GOOD)),
            ),
        };
        srt.update(&server, CA, ioa(a), v).unwrap();
        sent.push((ioa(a), v));
    }
    let got = collect_objects(crt, &mut client, sent.len(), |k| k == DataKind::Spontaneous);
    assert_eq!(got, sent);
    assert_eq!(
        srt.update(
            &server,
            CA,
            ioa(9999),
            Value::MSpNa1(Siq::new(true, Quality::GOOD))
        ),
        Err(UpdateError::UnknownPoint {
            ca: CA,
            ioa: ioa(9999)
        })
    );
    crt.stop(client);
    srt.stop(server);
}

/// Twenty clients at once, each with an outstation of its own: every one receives every
/// update, in order.
pub fn many_clients<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let server = srt
        .start(
            local(),
            ServerConfig::new(CA),
            database(),
            Recorder::default(),
        )
        .unwrap();
    let mut clients: Vec<_> = (0..20)
        .map(|_| crt.start(srt.addr(&server), fast_client()))
        .collect();
    for c in &mut clients {
        wait_for(crt, c, "Started", |e| *e == ClientEvent::Started);
    }
    assert_eq!(srt.connections(&server), 20);
    let mut sent = Vec::new();
    for i in 0..50u32 {
        let v = Value::MMeNc1(i as f32, Qds::new(Quality::GOOD));
        srt.update(&server, CA, ioa(300 + i % 5), v).unwrap();
        sent.push((ioa(300 + i % 5), v));
    }
    for c in &mut clients {
        let got = collect_objects(crt, c, sent.len(), |k| k == DataKind::Spontaneous);
        assert_eq!(got, sent);
    }
    for c in clients {
        crt.stop(c);
    }
    srt.stop(server);
}

/// Single and set-point commands with select-before-operate: the handler sees select then
/// execute, the client gets ACTCON (select, execute) and ACTTERM.
pub fn commands_with_sbo<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let handler = Recorder::default();
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), handler.clone());
    let single = Request::Command {
        ca: CA,
        ioa: ioa(600),
        value: Value::CScNa1(Sco::new(true, Qu::NONE, false)),
        mode: ExecuteMode::SelectThenExecute,
    };
    let r = crt
        .request(&client, single, Completion::OnTermination)
        .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    let setpoint = Request::Command {
        ca: CA,
        ioa: ioa(700),
        value: Value::CSeNc1(42.5, Qos::new(0, false).unwrap()),
        mode: ExecuteMode::SelectThenExecute,
    };
    let r = crt
        .request(&client, setpoint, Completion::OnTermination)
        .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    assert_eq!(
        *handler.commands.lock().unwrap(),
        [
            (CommandAction::Select, ioa(600), TypeId::CScNa1),
            (CommandAction::Execute, ioa(600), TypeId::CScNa1),
            (CommandAction::Select, ioa(700), TypeId::CSeNc1),
            (CommandAction::Execute, ioa(700), TypeId::CSeNc1),
        ]
    );
    // The confirmations as the client's stream saw them: per command ACTCON (select),
    // ACTCON (execute), ACTTERM.
    let mut causes = Vec::new();
    while causes.len() < 6 {
        let (e, _) = wait_for(
            crt,
            &mut client,
            "confirmation",
            |e| matches!(e, ClientEvent::Asdu(a) if matches!(a.kind, DataKind::Confirmation(_))),
        );
        if let ClientEvent::Asdu(a) = e {
            causes.push((a.type_id(), a.header.cot.cause, a.header.cot.negative));
        }
    }
    let con = Cause::ACTIVATION_CON;
    let term = Cause::ACTIVATION_TERM;
    let (sc, se) = (TypeId::CScNa1, TypeId::CSeNc1);
    assert_eq!(
        causes,
        [
            (sc, con, false),
            (sc, con, false),
            (sc, term, false),
            (se, con, false),
            (se, con, false),
            (se, term, false)
        ]
    );
    // An execute without select on an SBO point is refused without asking the handler.
    let direct = Request::Command {
        ca: CA,
        ioa: ioa(600),
        value: Value::CScNa1(Sco::new(false, Qu::NONE, false)),
        mode: ExecuteMode::Direct,
    };
    let r = crt
        .request(&client, direct, Completion::OnTermination)
        .unwrap();
    assert!(matches!(r.outcome, Outcome::Negative(_)), "{r:?}");
    assert_eq!(handler.commands.lock().unwrap().len(), 4);
    crt.stop(client);
    srt.stop(server);
}

/// A direct double command the handler refuses: the handler saw it, the client gets a
/// negative activation confirmation.
pub fn command_refused<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let handler = Recorder::default();
    let (server, client) = started(srt, crt, ServerConfig::new(CA), handler.clone());
    let dco = station::asdu::Dco::new(Dpi::On, Qu::NONE, false);
    let double = Request::Command {
        ca: CA,
        ioa: ioa(800),
        value: Value::CDcNa1(dco),
        mode: ExecuteMode::Direct,
    };
    let r = crt
        .request(&client, double, Completion::OnTermination)
        .unwrap();
    assert_eq!(r.outcome, Outcome::Negative(Cause::ACTIVATION_CON));
    assert_eq!(
        *handler.commands.lock().unwrap(),
        [(CommandAction::DirectExecute, ioa(800), TypeId::CDcNa1)]
    );
    crt.stop(client);
    srt.stop(server);
}

/// A handler that calls back into the server (updates a point while answering) neither
/// deadlocks nor loses the update: the client gets the termination and the event.
pub fn handler_calls_back<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let handler = Recorder::default();
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), handler.clone());
    *handler.on_execute.lock().unwrap() = Some(srt.updater(&server));
    let single = Request::Command {
        ca: CA,
        ioa: ioa(600),
        value: Value::CScNa1(Sco::new(true, Qu::NONE, false)),
        mode: ExecuteMode::SelectThenExecute,
    };
    let r = crt
        .request(&client, single, Completion::OnTermination)
        .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    let got = collect_objects(crt, &mut client, 1, |k| k == DataKind::Spontaneous);
    let v = Value::MSpNa1(Siq::new(true, Quality::GOOD.with_substituted(true)));
    assert_eq!(got, [(ioa(100), v)]);
    crt.stop(client);
    srt.stop(server);
}

/// Return information between confirmation and termination: the commanding client sees
/// ACTCON (select), ACTCON (execute), the status point with cause 11, then ACTTERM; a second
/// client (another outstation) gets the same object as an event.
pub fn return_information_order<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let handler = Recorder::default();
    *handler.return_info.lock().unwrap() = true;
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), handler.clone());
    let mut other = crt.start(srt.addr(&server), fast_client());
    wait_for(crt, &mut other, "Started", |e| *e == ClientEvent::Started);
    let single = Request::Command {
        ca: CA,
        ioa: ioa(600),
        value: Value::CScNa1(Sco::new(true, Qu::NONE, false)),
        mode: ExecuteMode::SelectThenExecute,
    };
    let r = crt
        .request(&client, single, Completion::OnTermination)
        .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let (e, _) = wait_for(
            crt,
            &mut client,
            "command answers",
            |e| matches!(e, ClientEvent::Asdu(a) if a.type_id() != TypeId::MEiNa1),
        );
        if let ClientEvent::Asdu(a) = e {
            seen.push((a.type_id(), a.header.cot.cause, a.header.cot.negative));
        }
    }
    let (sc, sp) = (TypeId::CScNa1, TypeId::MSpNa1);
    assert_eq!(
        seen,
        [
            (sc, Cause::ACTIVATION_CON, false),
            (sc, Cause::ACTIVATION_CON, false),
            (sp, Cause::RETURN_REMOTE, false),
            (sc, Cause::ACTIVATION_TERM, false),
        ]
    );
    let got = collect_objects(crt, &mut other, 1, |k| {
        k == DataKind::ReturnInformation { remote: true }
    });
    assert_eq!(
        got,
        [(ioa(100), Value::MSpNa1(Siq::new(true, Quality::GOOD)))]
    );
    crt.stop(other);
    crt.stop(client);
    srt.stop(server);
}

/// Read (C_RD_NA_1): the value comes back with cause 5 and the request completes.
pub fn read_point<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), Recorder::default());
    let r = crt
        .request(
            &client,
            Request::Read {
                ca: CA,
                ioa: ioa(302),
            },
            Completion::OnConfirmation,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Confirmed);
    let got = collect_objects(crt, &mut client, 1, |k| k == DataKind::Requested);
    assert_eq!(
        got,
        [(ioa(302), Value::MMeNc1(3.0, Qds::new(Quality::GOOD)))]
    );
    let r = crt
        .request(
            &client,
            Request::Read {
                ca: CA,
                ioa: ioa(9999),
            },
            Completion::OnConfirmation,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Negative(Cause::UNKNOWN_IOA));
    crt.stop(client);
    srt.stop(server);
}

/// Clock synchronisation reaches the handler and is confirmed.
pub fn clock_sync<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let handler = Recorder::default();
    let (server, client) = started(srt, crt, ServerConfig::new(CA), handler.clone());
    let time = Cp56Time2a::new(26, 11, 22, 4, 30, 12_345).unwrap();
    let r = crt
        .request(
            &client,
            Request::ClockSync { ca: CA, time },
            Completion::OnConfirmation,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Confirmed);
    assert_eq!(*handler.clock.lock().unwrap(), [time]);
    crt.stop(client);
    srt.stop(server);
}

/// Counter interrogation: every counter with its value, then the termination.
pub fn counter_interrogation<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), Recorder::default());
    let qcc = Qcc::new(Qcc::GENERAL, Frz::Read).unwrap();
    let r = crt
        .request(
            &client,
            Request::CounterInterrogation { ca: CA, qcc },
            Completion::OnTermination,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    assert_eq!(r.objects, 4);
    let got = collect_objects(crt, &mut client, 4, |k| matches!(k, DataKind::Counters(_)));
    let want: Vec<_> = (0..4)
        .map(|i| {
            (
                ioa(500 + i),
                Value::MItNa1(Bcr::new(1000 * i as i32 + 7, 0).unwrap()),
            )
        })
        .collect();
    assert_eq!(got, want);
    crt.stop(client);
    srt.stop(server);
}

/// Every scenario, for one server runtime and one client runtime.
pub fn all<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    connect_and_interrogate(srt, crt);
    spontaneous_in_order(srt, crt);
    many_clients(srt, crt);
    commands_with_sbo(srt, crt);
    command_refused(srt, crt);
    handler_calls_back(srt, crt);
    return_information_order(srt, crt);
    clock_sync(srt, crt);
    read_point(srt, crt);
    counter_interrogation(srt, crt);
    end_of_initialisation(srt, crt);
    no_end_of_initialisation(srt, crt);
    test_and_reset(srt, crt);
    parameters(srt, crt);
    refusals(srt, crt);
    redundancy_switch_over(srt, crt);
    reconnect_after_restart(srt, crt);
}
