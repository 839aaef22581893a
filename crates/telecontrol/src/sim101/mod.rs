//! IEC 60870-5-101 simulators on the tokio adapter: `telecontrol 101 master` (polls slaves
//! on one line, interrogates each and prints what it receives in the `decode --json`
//! schema), `101 slave` (serves the built-in sample station of `104 server`) and
//! `101 balanced` (both at once on a point-to-point line), over a serial port or a TCP
//! terminal server.

pub mod cli;

use crate::decode::Report;
use crate::decode::iec101::{Params101, decode_bytes};
use crate::sim104::display::Display;
use crate::sim104::now_cp56;
use crate::sim104::points::{Answer, CommandPoint, Monitor, StationSpec, apply_command, ioa};
use anyhow::{Context, Result, bail};
use asdu::{AsduParams, CommonAddress, Qoi};
use iec101_link::{AddressSize, ControlField, Frame, MAX_FRAME_LEN, SecondaryFunction};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use telecontrol_tokio::iec101::{
    self, Balanced, LineConfig, LineEvent, LineEvents, Master, Parity, Role, SerialSettings, Slave,
};
use telecontrol_tokio::{
    CommandAction, CommandAnswer, CommandRequest, Database, Outcome, Request, Termination,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

/// Where the line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Port {
    /// A serial device.
    Serial(String),
    /// Connect to a terminal server.
    TcpConnect(std::net::SocketAddr),
    /// Accept one connection (the other end of a 101-over-TCP link).
    TcpListen(std::net::SocketAddr),
}

/// What the three commands share.
#[derive(Clone, Debug)]
pub struct Options {
    /// The line.
    pub port: Port,
    /// Serial settings (ignored over TCP).
    pub serial: SerialSettings,
    /// Our link address (slave, balanced).
    pub link_address: u16,
    /// The remote link address (balanced).
    pub remote_address: u16,
    /// Link address field size.
    pub link_address_size: AddressSize,
    /// ASDU field sizes.
    pub params: AsduParams,
    /// Slaves to poll (master).
    pub slaves: Vec<u16>,
    /// Common address of the station (slave) and of the requests (master, balanced).
    pub ca: u16,
    /// JSON lines on stdout.
    pub json: bool,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Time between simulated changes (slave).
    pub tick: Duration,
    /// Command points answering otherwise than positively.
    pub answers: Vec<(u32, Answer)>,
    /// Command points terminating executes late or never.
    pub terminations: Vec<(u32, Termination)>,
    /// How the slave's link layer answers.
    pub link: LinkMode,
}

/// How a slave simulator's link layer answers the master (for testing masters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LinkMode {
    /// As the standard says.
    #[default]
    Normal,
    /// User data refused with NACK, link busy (DFC set); link status and reset answered.
    Busy,
    /// Nothing ever answered (the master's link times out).
    Silent,
}

/// A stream whose writes vanish: a slave that hears everything and answers nothing.
struct Muted<S>(S);

impl<S: AsyncRead + Unpin> AsyncRead for Muted<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: Unpin> AsyncWrite for Muted<S> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Where a command's output goes (shared by its tasks and its command handler).
type Out = Arc<Mutex<Display>>;

fn log(out: &Mutex<Display>, v: &serde_json::Value, text: &str) {
    out.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .message(v, text);
}

/// JSON lines, or text lines (the slave shows no table: it receives no values).
fn lines(json: bool) -> Out {
    Arc::new(Mutex::new(if json {
        Display::Json
    } else {
        Display::Lines
    }))
}

/// The report of an ASDU received from link address `from`, in the `decode --json` schema:
/// the variable frame that carried it (re-encoded: the adapter hands over ASDUs) decoded by
/// `decode 101`.
#[must_use]
pub fn asdu_report(asdu: &[u8], from: u16, size: AddressSize, params: AsduParams) -> Report {
    let control =
        ControlField::secondary(SecondaryFunction::UserData, false, false, false).encode();
    let frame = Frame::Variable {
        control,
        address: from,
        data: asdu,
    };
    let mut buf = [0u8; MAX_FRAME_LEN];
    let n = frame.encode(size, &mut buf).unwrap_or(0);
    let p = Params101 {
        link_address: size,
        asdu: params,
    };
    decode_bytes(buf.get(..n).unwrap_or(&[]), None, p)
        .into_iter()
        .next()
        .unwrap_or_default()
}

fn line_config(opts: &Options, role: Role) -> LineConfig {
    let mut c = LineConfig::new(role);
    c.link.address_size = opts.link_address_size;
    c.params = opts.params;
    c.ca = CommonAddress(opts.ca);
    c.link_busy = opts.link == LinkMode::Busy;
    if matches!(opts.port, Port::Serial(_)) {
        c = iec101::serial_config(c, &opts.serial);
    }
    c
}

pub(crate) type BoxedStream = Box<dyn AsyncStream>;

/// A stream the adapter can drive.
pub trait AsyncStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncStream for T {}

pub(crate) async fn open(port: &Port, serial: &SerialSettings) -> Result<BoxedStream> {
    Ok(match port {
        Port::Serial(path) => {
            Box::new(iec101::open_serial(path, serial).with_context(|| format!("opening {path}"))?)
        }
        Port::TcpConnect(a) => Box::new(
            tokio::net::TcpStream::connect(a)
                .await
                .with_context(|| format!("connecting to {a}"))?,
        ),
        Port::TcpListen(a) => {
            let l = tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("listening on {a}"))?;
            let (s, peer) = l.accept().await.context("accepting")?;
            tracing::info!("connection from {peer}");
            Box::new(s)
        }
    })
}

/// The sample station's command points carried out against a shared state; executed
/// commands are sent to the main loop, which updates the point (return information).
struct SimHandler {
    commands: Vec<CommandPoint>,
    state: Arc<Mutex<BTreeMap<u32, Monitor>>>,
    changed: mpsc::UnboundedSender<(u32, Monitor)>,
    out: Out,
}

impl telecontrol_tokio::CommandHandler for SimHandler {
    fn answers(&self, r: &CommandRequest) -> bool {
        let silent = self
            .commands
            .iter()
            .any(|c| c.ioa == r.ioa.value() && c.answer == Answer::None);
        if silent {
            log(
                &self.out,
                &json!({"event": "command", "ca": r.ca.0, "ioa": r.ioa.value(),
                        "type": r.value.type_id().mnemonic(), "answered": false}),
                &format!(
                    "command {} IOA {}: not answered (configured)",
                    r.value.type_id().mnemonic(),
                    r.ioa.value()
                ),
            );
        }
        !silent
    }

    fn termination(&self, r: &CommandRequest) -> Termination {
        self.commands
            .iter()
            .find(|c| c.ioa == r.ioa.value())
            .map_or(Termination::Immediate, |c| c.termination)
    }

    fn command(&self, r: &CommandRequest) -> CommandAnswer {
        let cp = self
            .commands
            .iter()
            .find(|c| c.ioa == r.ioa.value())
            .filter(|c| c.answer != Answer::Negative);
        let answer = match (cp, r.action) {
            (Some(_), CommandAction::Select) => CommandAnswer::Accept,
            (Some(cp), CommandAction::Execute | CommandAction::DirectExecute) => {
                let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                match s
                    .get(&cp.status)
                    .and_then(|old| apply_command(*old, &r.value))
                {
                    Some(new) => {
                        s.insert(cp.status, new);
                        let _ = self.changed.send((cp.status, new));
                        CommandAnswer::AcceptAndTerminate
                    }
                    None => CommandAnswer::Reject,
                }
            }
            _ => CommandAnswer::Reject,
        };
        let positive = answer != CommandAnswer::Reject;
        log(
            &self.out,
            &json!({"event": "command", "ca": r.ca.0, "ioa": r.ioa.value(),
                    "type": r.value.type_id().mnemonic(), "value": r.value.to_string(),
                    "positive": positive}),
            &format!(
                "command {} IOA {} ({}): {}",
                r.value.type_id().mnemonic(),
                r.ioa.value(),
                r.value,
                if positive { "accepted" } else { "rejected" }
            ),
        );
        answer
    }

    fn clock_sync(&self, ca: CommonAddress, time: asdu::Cp56Time2a) {
        log(
            &self.out,
            &json!({"event": "clock_sync", "ca": ca.0, "time": time.to_string()}),
            &format!("clock synchronisation for CA {}: {time}", ca.0),
        );
    }
}

struct Sim {
    db: Database,
    changed: mpsc::UnboundedReceiver<(u32, Monitor)>,
    state: Arc<Mutex<BTreeMap<u32, Monitor>>>,
    moving: Vec<u32>,
}

fn sample(opts: &Options, out: &Out) -> (Sim, SimHandler) {
    let mut spec = StationSpec::sample(opts.ca);
    for c in &mut spec.commands {
        if let Some((_, a)) = opts.answers.iter().rev().find(|(i, _)| *i == c.ioa) {
            c.answer = *a;
        }
        if let Some((_, t)) = opts.terminations.iter().rev().find(|(i, _)| *i == c.ioa) {
            c.termination = *t;
        }
    }
    let db = Database::new();
    for p in spec.database_points() {
        db.insert(p);
    }
    let state = Arc::new(Mutex::new(
        spec.points.iter().map(|p| (p.ioa, p.value)).collect(),
    ));
    let (tx, rx) = mpsc::unbounded_channel();
    let handler = SimHandler {
        commands: spec.commands.clone(),
        state: Arc::clone(&state),
        changed: tx,
        out: Arc::clone(out),
    };
    let sim = Sim {
        db,
        changed: rx,
        state,
        moving: spec
            .points
            .iter()
            .filter(|p| p.simulate)
            .map(|p| p.ioa)
            .collect(),
    };
    (sim, handler)
}

/// Print one line event; returns the GI outcome if it was a result.
fn print_event(out: &Mutex<Display>, opts: &Options, ev: &LineEvent) {
    match ev {
        LineEvent::Asdu(from, asdu) => {
            let r = asdu_report(&asdu.bytes, *from, opts.link_address_size, opts.params);
            out.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .asdu(&r, || {
                    format!(
                        "from {from}: {}",
                        asdu.view()
                            .map(|v| v.to_string())
                            .unwrap_or_else(|e| e.to_string())
                    )
                });
        }
        LineEvent::LinkUp(a) => log(
            out,
            &json!({"event": "link_up", "address": a}),
            &format!("link {a} up"),
        ),
        LineEvent::LinkDown(a) => log(
            out,
            &json!({"event": "link_down", "address": a}),
            &format!("link {a} down"),
        ),
        _ => {}
    }
}

async fn stop_after(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `telecontrol 101 master`: poll the slaves, interrogate each once its link is up, print
/// what arrives. Fails unless every slave's interrogation terminated.
///
/// # Errors
/// The port could not be opened, or some slave never completed its interrogation.
pub async fn master(opts: Options) -> Result<()> {
    let stream = open(&opts.port, &opts.serial).await?;
    let config = line_config(
        &opts,
        Role::Master {
            slaves: opts.slaves.clone(),
        },
    );
    let (m, mut events) = Master::over(stream, &config, opts.serial.echo)?;
    let m = Arc::new(m);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(u16, Result<Outcome, String>)>();
    let mut ok = BTreeMap::new();
    let stop = stop_after(opts.duration);
    tokio::pin!(stop);
    let ca = CommonAddress(opts.ca);
    let out = Mutex::new(Display::new(opts.json));
    loop {
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else { break };
                print_event(&out, &opts, &ev);
                if let LineEvent::LinkUp(a) = ev && !ok.contains_key(&a) {
                    ok.insert(a, None);
                    let (m, tx) = (Arc::clone(&m), done_tx.clone());
                    tokio::spawn(async move {
                        let r = m.request(a, Request::Interrogation { ca, qoi: Qoi::STATION }, Duration::from_secs(30)).await;
                        let _ = tx.send((a, r.map(|r| r.outcome).map_err(|e| e.to_string())));
                    });
                }
            }
            Some((a, r)) = done_rx.recv() => {
                let text = format!("{r:?}");
                out.lock().unwrap_or_else(PoisonError::into_inner).status(
                    &json!({"event": "interrogation", "address": a, "outcome": text}),
                    &format!("interrogation of {a}: {text}"),
                );
                ok.insert(a, Some(matches!(r, Ok(Outcome::Terminated))));
            }
            () = &mut stop => break,
        }
    }
    drop(done_rx);
    let m = Arc::try_unwrap(m).ok();
    if let Some(m) = m {
        m.shutdown().await;
    }
    let failed: Vec<u16> = opts
        .slaves
        .iter()
        .copied()
        .filter(|a| ok.get(a) != Some(&Some(true)))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("no completed interrogation from link address(es) {failed:?}")
    }
}

async fn simulate(
    opts: &Options,
    out: &Mutex<Display>,
    sim: &mut Sim,
    update: impl Fn(u32, Monitor),
    events: &mut LineEvents,
) {
    let mut ticker = tokio::time::interval(opts.tick);
    ticker.tick().await;
    let stop = stop_after(opts.duration);
    tokio::pin!(stop);
    let mut tick = 0u64;
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                tick = tick.wrapping_add(1);
                for &p in &sim.moving {
                    let new = {
                        let mut s = sim.state.lock().unwrap_or_else(PoisonError::into_inner);
                        let Some(old) = s.get(&p).copied() else { continue };
                        let new = old.next(tick);
                        s.insert(p, new);
                        new
                    };
                    update(p, new);
                }
            }
            Some((p, new)) = sim.changed.recv() => update(p, new),
            ev = events.recv() => match ev {
                Some(ev) => print_event(out, opts, &ev),
                None => break,
            },
            () = &mut stop => break,
        }
    }
}

/// `telecontrol 101 slave`: serve the sample station.
///
/// # Errors
/// The port could not be opened.
pub async fn slave(opts: Options) -> Result<()> {
    let mut stream = open(&opts.port, &opts.serial).await?;
    if opts.link == LinkMode::Silent {
        stream = Box::new(Muted(stream));
    }
    let out = lines(opts.json);
    let (mut sim, handler) = sample(&opts, &out);
    let config = line_config(
        &opts,
        Role::Slave {
            address: opts.link_address,
        },
    );
    let (s, mut events) = Slave::over(stream, &config, sim.db.clone(), handler, opts.serial.echo)?;
    let ca = CommonAddress(opts.ca);
    simulate(
        &opts,
        &out,
        &mut sim,
        |p, m| {
            let _ = s.update(ca, ioa(p), m.value(now_cp56()));
        },
        &mut events,
    )
    .await;
    s.shutdown().await;
    Ok(())
}

/// `telecontrol 101 balanced`: serve the sample station and interrogate the remote one.
///
/// # Errors
/// The port could not be opened.
pub async fn balanced(opts: Options) -> Result<()> {
    let stream = open(&opts.port, &opts.serial).await?;
    let out: Out = Arc::new(Mutex::new(Display::new(opts.json)));
    let (mut sim, handler) = sample(&opts, &out);
    let role = Role::Balanced {
        dir: opts.link_address < opts.remote_address,
        local_address: opts.link_address,
        remote_address: opts.remote_address,
        outstation: true,
    };
    let config = line_config(&opts, role);
    let (b, mut events) =
        Balanced::over(stream, &config, sim.db.clone(), handler, opts.serial.echo)?;
    let b = Arc::new(b);
    let ca = CommonAddress(opts.ca);
    let gi = {
        let b = Arc::clone(&b);
        let out = Arc::clone(&out);
        tokio::spawn(async move {
            let r = b
                .request(
                    Request::Interrogation {
                        ca,
                        qoi: Qoi::STATION,
                    },
                    Duration::from_secs(30),
                )
                .await;
            let text = format!("{:?}", r.map(|r| r.outcome));
            out.lock().unwrap_or_else(PoisonError::into_inner).status(
                &json!({"event": "interrogation", "outcome": text}),
                &format!("interrogation: {text}"),
            );
        })
    };
    let upd = Arc::clone(&b);
    simulate(
        &opts,
        &out,
        &mut sim,
        |p, m| {
            let _ = upd.update(ca, ioa(p), m.value(now_cp56()));
        },
        &mut events,
    )
    .await;
    gi.abort();
    let _ = gi.await;
    drop(upd);
    if let Ok(b) = Arc::try_unwrap(b) {
        b.shutdown().await;
    }
    Ok(())
}

/// The parity named on the command line.
///
/// # Errors
/// An unknown name.
pub fn parse_parity(s: &str) -> Result<Parity, String> {
    match s {
        "even" => Ok(Parity::Even),
        "odd" => Ok(Parity::Odd),
        "none" => Ok(Parity::None),
        _ => Err(format!("{s:?} is not even, odd or none")),
    }
}
