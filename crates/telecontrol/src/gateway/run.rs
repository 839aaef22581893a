//! The gateway on tokio: a [`Tase2Server`] serving the [`Bridge`]'s station, one 104
//! [`Client`] per RTU, and one loop that applies what the RTUs send and forwards what the
//! control centres operate.
//!
//! Confirmations: a TASE.2 operate is answered by the station once its own checks pass
//! (bilateral table, select-before-operate, tag); the gateway then runs the 60870-5 command
//! (select-then-execute or direct, completing at ACTTERM). The RTU's answer comes back two
//! ways: the status point's change reaches the control centre through its transfer sets,
//! and a negative confirmation or a timeout is sent to the operating peer as an information
//! message (block 4) in its ICC (or VCC) scope, logged and counted.

use super::bridge::{Bridge, DeviceRoute};
use super::config::{GatewayConfig, Line101, RtuLink};
use crate::sim101::Port;
use anyhow::{Context, Result};
use asdu::Qoi;
use asdu::{CommonAddress, Ioa, Value as AsduValue};
use mms_pdu::association::Config;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tase2_transfer_sets::InfoMessHeader;
use tase2_transfer_sets::station::{Domain, StationConfig, StationEvent};
use telecontrol_tokio::iec101::{LineConfig, LineEvent, Master, Role, serial_config};
use telecontrol_tokio::mms::MmsServerConfig;
use telecontrol_tokio::tase2::Tase2Server;
use telecontrol_tokio::{Client, ClientConfig, ClientEvent, ExecuteMode, Outcome};
use telecontrol_tokio::{Completion, Request};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Counters of a running gateway.
#[derive(Debug, Default)]
pub struct GatewayStats {
    /// ASDUs received from the RTUs.
    pub asdus: AtomicU64,
    /// TASE.2 point updates made from them.
    pub updates: AtomicU64,
    /// TASE.2 operations received.
    pub operations: AtomicU64,
    /// 60870-5 commands the RTUs completed positively.
    pub commands_ok: AtomicU64,
    /// Commands refused, timed out or not forwarded.
    pub commands_failed: AtomicU64,
    /// TASE.2 associations accepted.
    pub associations: AtomicU64,
    /// Events for the application dropped because it had [`GATEWAY_EVENTS`] unread.
    pub events_dropped: AtomicU64,
}

/// Events the gateway holds for its application ([`Gateway::next_event`]); more are dropped
/// and counted ([`GatewayStats::events_dropped`]): they only tell what happened, the values
/// themselves are in the TASE.2 station.
pub const GATEWAY_EVENTS: usize = 4096;

/// RTU events queued for the gateway's loop; a full queue makes the RTU links wait
/// (back-pressure to the outstations, nothing dropped).
const RTU_INPUTS: usize = 1024;

/// What the gateway reports as it runs (for the CLI's output).
#[derive(Clone, Debug, PartialEq)]
pub enum GatewayEvent {
    /// An RTU connection started data transfer.
    RtuUp(String),
    /// An RTU connection was lost (the client reconnects).
    RtuDown(String, String),
    /// A control centre associated.
    PeerAssociated(Option<String>),
    /// An RTU object updated this TASE.2 point.
    Point {
        /// The TASE.2 point.
        point: String,
        /// Its new value.
        value: tase2_transfer_sets::Value,
    },
    /// A control centre operated a device; the 60870-5 command is on its way.
    Operate {
        /// The TASE.2 device.
        device: String,
        /// The RTU.
        rtu: String,
        /// The command's address.
        ioa: u32,
    },
    /// The RTU completed the command (`Ok`) or did not (`Err` with the reason).
    CommandDone {
        /// The TASE.2 device.
        device: String,
        /// The outcome.
        result: Result<(), String>,
    },
}

/// A running gateway.
#[derive(Debug)]
pub struct Gateway {
    local_addr: SocketAddr,
    stats: Arc<GatewayStats>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    events: mpsc::Receiver<GatewayEvent>,
}

/// How the loop reaches one outstation.
enum Link {
    /// Its own 104 client.
    Iec104(Arc<Client>),
    /// The slave at `address` on 101 line `line`.
    Iec101 { line: usize, address: u16 },
}

struct Rtu {
    name: String,
    ca: u16,
    link: Link,
}

/// The master of a 101 line while the line is open.
type MasterSlot = Arc<std::sync::Mutex<Option<Arc<Master>>>>;

/// What the RTU side tells the loop.
enum Input {
    Iec104(usize, ClientEvent),
    Iec101(usize, LineEvent),
    LineDown(usize, String),
}

fn slot_master(slot: &MasterSlot) -> Option<Arc<Master>> {
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Keep 101 line `index` open (reopened 5 s after it fails or closes) with a master polling
/// `slaves`; its events go to the loop.
async fn run_line(
    index: usize,
    line: Line101,
    slaves: Vec<u16>,
    slot: MasterSlot,
    tx: mpsc::Sender<Input>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let why = match crate::sim101::open(&line.port, &line.serial).await {
            Ok(stream) => {
                let mut config = LineConfig::new(Role::Master {
                    slaves: slaves.clone(),
                });
                config.link.address_size = line.link_address_size;
                config.params = line.params;
                if matches!(line.port, Port::Serial(_)) {
                    config = serial_config(config, &line.serial);
                }
                match Master::over(stream, &config, line.serial.echo) {
                    Ok((master, mut events)) => {
                        *slot
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) =
                            Some(Arc::new(master));
                        loop {
                            tokio::select! {
                                e = events.recv() => {
                                    let Some(e) = e else { break };
                                    if tx.send(Input::Iec101(index, e)).await.is_err() {
                                        return;
                                    }
                                }
                                _ = stopped.changed() => return,
                            }
                        }
                        slot.lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .take();
                        "the line closed".to_owned()
                    }
                    Err(e) => e.to_string(),
                }
            }
            Err(e) => format!("{e:#}"),
        };
        if tx.send(Input::LineDown(index, why)).await.is_err() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stopped.changed() => return,
        }
    }
}

impl Gateway {
    /// Start the gateway for `config` on the current tokio runtime.
    ///
    /// # Errors
    /// The TASE.2 listening address cannot be bound, or the station refuses a name.
    pub async fn start(config: GatewayConfig) -> Result<Gateway> {
        let bridge = Bridge::build(&config, StationConfig::default(), Tase2Server::new_station)
            .context("building the TASE.2 station")?;
        let tls = match &config.tase2.tls {
            Some(files) => Some(files.load().context("[tase2.tls]")?),
            None => None,
        };
        let server = crate::simtase2::tls::bind(
            config.tase2.bind,
            MmsServerConfig {
                association: Config {
                    send_queue: config.tase2.send_queue,
                    ..Config::DEFAULT
                },
                authorize: None,
                ..MmsServerConfig::default()
            },
            Arc::clone(bridge.station()),
            tls.as_ref(),
        )
        .await
        .with_context(|| format!("cannot listen on {}", config.tase2.bind))?;
        let local_addr = server.local_addr();
        let stats = Arc::new(GatewayStats::default());
        let (stop, stopped) = watch::channel(false);
        let (etx, events) = mpsc::channel(GATEWAY_EVENTS);
        let (rtu_tx, rtu_rx) = mpsc::channel(RTU_INPUTS);
        let mut rtus = Vec::new();
        let mut lines: Vec<(Line101, Vec<u16>)> = Vec::new();
        for r in &config.rtus {
            let link = match &r.link {
                RtuLink::Iec104(addr) => {
                    let (client, mut ev) = Client::connect(*addr, ClientConfig::default());
                    let tx = rtu_tx.clone();
                    let i = rtus.len();
                    tokio::spawn(async move {
                        while let Some(e) = ev.recv().await {
                            if tx.send(Input::Iec104(i, e)).await.is_err() {
                                break;
                            }
                        }
                    });
                    Link::Iec104(Arc::new(client))
                }
                RtuLink::Iec101 { line, link_address } => {
                    let index = match lines.iter().position(|(l, _)| l.port == line.port) {
                        Some(i) => i,
                        None => {
                            lines.push((line.clone(), Vec::new()));
                            lines.len() - 1
                        }
                    };
                    if let Some((_, slaves)) = lines.get_mut(index) {
                        slaves.push(*link_address);
                    }
                    Link::Iec101 {
                        line: index,
                        address: *link_address,
                    }
                }
            };
            rtus.push(Rtu {
                name: r.name.clone(),
                ca: r.ca,
                link,
            });
        }
        let mut masters = Vec::new();
        for (i, (line, slaves)) in lines.into_iter().enumerate() {
            let slot: MasterSlot = Arc::default();
            masters.push(Arc::clone(&slot));
            tokio::spawn(run_line(
                i,
                line,
                slaves,
                slot,
                rtu_tx.clone(),
                stop.subscribe(),
            ));
        }
        let periods: Vec<Option<Duration>> = config.rtus.iter().map(|r| r.interrogation).collect();
        let task = tokio::spawn(main_loop(
            Loop {
                bridge,
                server,
                rtus,
                masters,
                stats: Arc::clone(&stats),
                events: etx,
            },
            rtu_rx,
            periods,
            stopped,
        ));
        Ok(Gateway {
            local_addr,
            stats,
            stop,
            task,
            events,
        })
    }

    /// The TASE.2 address listened on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> &Arc<GatewayStats> {
        &self.stats
    }

    /// The next gateway event; `None` once stopped.
    pub async fn next_event(&mut self) -> Option<GatewayEvent> {
        self.events.recv().await
    }

    /// Stop: close the RTU connections and the TASE.2 server, and wait for the end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

struct Loop {
    bridge: Bridge,
    server: Tase2Server,
    rtus: Vec<Rtu>,
    masters: Vec<MasterSlot>,
    stats: Arc<GatewayStats>,
    events: mpsc::Sender<GatewayEvent>,
}

/// Milliseconds since 1970 now.
fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Start a general interrogation of `rtu` (in a task of its own).
fn interrogate(l: &Loop, rtu: &Rtu) {
    let (ca, name) = (CommonAddress(rtu.ca), rtu.name.clone());
    match &rtu.link {
        Link::Iec104(client) => {
            let client = Arc::clone(client);
            tokio::spawn(async move {
                if let Err(e) = client.general_interrogation(ca).await {
                    tracing::warn!("{name}: general interrogation: {e}");
                }
            });
        }
        Link::Iec101 { line, address } => {
            let Some(master) = l.masters.get(*line).and_then(slot_master) else {
                return;
            };
            let address = *address;
            tokio::spawn(async move {
                let gi = Request::Interrogation {
                    ca,
                    qoi: Qoi::STATION,
                };
                if let Err(e) = master.request(address, gi, Duration::from_secs(30)).await {
                    tracing::warn!("{name}: general interrogation: {e}");
                }
            });
        }
    }
}

/// The outstation of 101 line `line` at link `address`.
fn rtu_of_line(l: &Loop, line: usize, address: u16) -> Option<usize> {
    l.rtus.iter().position(
        |r| matches!(r.link, Link::Iec101 { line: li, address: a } if li == line && a == address),
    )
}

/// Apply an ASDU of outstation `i`.
/// Hand `e` to the application, or count it dropped when it has not read the last
/// [`GATEWAY_EVENTS`].
fn emit(l: &Loop, e: GatewayEvent) {
    if l.events.try_send(e).is_err() {
        l.stats.events_dropped.fetch_add(1, Ordering::Relaxed);
    }
}

fn on_asdu(l: &Loop, i: usize, asdu: &telecontrol_tokio::ReceivedAsdu) {
    l.stats.asdus.fetch_add(1, Ordering::Relaxed);
    if let Ok(view) = asdu.view() {
        let updated = l.bridge.on_asdu(i, &view, unix_millis());
        if !updated.is_empty() {
            l.stats
                .updates
                .fetch_add(updated.len() as u64, Ordering::Relaxed);
            l.server.wake();
        }
        for (point, value) in updated {
            emit(
                l,
                GatewayEvent::Point {
                    point: point.to_owned(),
                    value,
                },
            );
        }
    }
}

#[allow(clippy::too_many_lines)]
async fn main_loop(
    mut l: Loop,
    mut rtu_rx: mpsc::Receiver<Input>,
    periods: Vec<Option<Duration>>,
    mut stopped: watch::Receiver<bool>,
) {
    let (done_tx, mut done_rx) =
        mpsc::unbounded_channel::<(String, Option<Domain>, Result<(), String>)>();
    // One GI timer for all RTUs: the shortest period; each RTU is asked when its own is due.
    let tick = periods
        .iter()
        .flatten()
        .min()
        .copied()
        .unwrap_or(Duration::from_secs(3600));
    let mut ticker = tokio::time::interval(tick);
    ticker.tick().await;
    let mut last_gi: Vec<std::time::Instant> = vec![std::time::Instant::now(); l.rtus.len()];
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            ev = l.server.next_event() => {
                let Some(ev) = ev else { break };
                on_station_event(&l, ev, &done_tx);
            }
            Some(input) = rtu_rx.recv() => match input {
                Input::Iec104(i, ev) => {
                    let Some(rtu) = l.rtus.get(i) else { continue };
                    match ev {
                        ClientEvent::Started => {
                            tracing::info!("{}: data transfer started", rtu.name);
                            emit(&l, GatewayEvent::RtuUp(rtu.name.clone()));
                            if let Some(t) = last_gi.get_mut(i) {
                                *t = std::time::Instant::now();
                            }
                            interrogate(&l, rtu);
                        }
                        ClientEvent::Asdu(a) => on_asdu(&l, i, &a),
                        ClientEvent::Disconnected(why) => {
                            tracing::warn!("{}: {why}", rtu.name);
                            emit(&l, GatewayEvent::RtuDown(rtu.name.clone(), why));
                        }
                        _ => {}
                    }
                }
                Input::Iec101(line, ev) => match ev {
                    LineEvent::LinkUp(a) => {
                        let Some(i) = rtu_of_line(&l, line, a) else { continue };
                        let Some(rtu) = l.rtus.get(i) else { continue };
                        tracing::info!("{}: link up", rtu.name);
                        emit(&l, GatewayEvent::RtuUp(rtu.name.clone()));
                        if let Some(t) = last_gi.get_mut(i) {
                            *t = std::time::Instant::now();
                        }
                        interrogate(&l, rtu);
                    }
                    LineEvent::LinkDown(a) => {
                        let Some(rtu) = rtu_of_line(&l, line, a).and_then(|i| l.rtus.get(i)) else { continue };
                        emit(&l, GatewayEvent::RtuDown(rtu.name.clone(), "link down".into()));
                    }
                    LineEvent::Asdu(a, asdu) => {
                        if let Some(i) = rtu_of_line(&l, line, a) {
                            on_asdu(&l, i, &asdu);
                        }
                    }
                    _ => {}
                },
                Input::LineDown(line, why) => {
                    tracing::warn!("101 line {line}: {why} (reopening in 5 s)");
                    for rtu in l.rtus.iter().filter(|r| matches!(r.link, Link::Iec101 { line: li, .. } if li == line)) {
                        emit(&l, GatewayEvent::RtuDown(rtu.name.clone(), why.clone()));
                    }
                }
            },
            Some((device, domain, result)) = done_rx.recv() => {
                match &result {
                    Ok(()) => {
                        l.stats.commands_ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(why) => {
                        l.stats.commands_failed.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!("{device}: {why}");
                        if let Some(d) = domain {
                            let text = format!("{device}: operation failed at the RTU: {why}");
                            let bytes = text.as_bytes();
                            let header = InfoMessHeader {
                                info_reference: 1,
                                local_reference: 0,
                                message_id: i32::try_from(l.stats.commands_failed.load(Ordering::Relaxed)).unwrap_or(0),
                                size: i32::try_from(bytes.len()).unwrap_or(0),
                            };
                            if let Err(e) = l.server.send_message(&d, header, bytes) {
                                tracing::warn!("cannot tell the peer: {e}");
                            }
                        }
                    }
                }
                emit(&l, GatewayEvent::CommandDone { device, result });
            }
            _ = ticker.tick() => {
                for (i, rtu) in l.rtus.iter().enumerate() {
                    let (Some(Some(p)), Some(t)) = (periods.get(i), last_gi.get_mut(i)) else { continue };
                    if t.elapsed() >= *p {
                        *t = std::time::Instant::now();
                        interrogate(&l, rtu);
                    }
                }
            }
        }
    }
    l.server.close().await;
    for rtu in l.rtus {
        if let Link::Iec104(client) = rtu.link
            && let Ok(c) = Arc::try_unwrap(client)
        {
            c.shutdown().await;
        }
    }
    for slot in l.masters {
        let master = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(m) = master.and_then(|m| Arc::try_unwrap(m).ok()) {
            m.shutdown().await;
        }
    }
}

type Done = mpsc::UnboundedSender<(String, Option<Domain>, Result<(), String>)>;

fn on_station_event(l: &Loop, ev: StationEvent, done: &Done) {
    match ev {
        StationEvent::Associated { table_id, .. } => {
            l.stats.associations.fetch_add(1, Ordering::Relaxed);
            tracing::info!("control centre associated (table {table_id:?})");
            emit(l, GatewayEvent::PeerAssociated(table_id));
        }
        StationEvent::Operate { name, value, .. } => {
            l.stats.operations.fetch_add(1, Ordering::Relaxed);
            match l.bridge.route(&name, value) {
                Ok((route, command)) => forward(l, name, route, command, done),
                Err(e) => {
                    let _ = done.send((name, None, Err(e.to_string())));
                }
            }
        }
        other => tracing::debug!("station: {other:?}"),
    }
}

/// Where a command goes.
enum Target {
    Iec104(Arc<Client>),
    Iec101(Arc<Master>, u16),
}

fn forward(l: &Loop, device: String, route: DeviceRoute, command: AsduValue<'static>, done: &Done) {
    let Some(rtu) = l.rtus.get(route.rtu) else {
        let _ = done.send((device, None, Err("no such RTU".into())));
        return;
    };
    emit(
        l,
        GatewayEvent::Operate {
            device: device.clone(),
            rtu: rtu.name.clone(),
            ioa: route.ioa,
        },
    );
    let done = done.clone();
    let domain = Some(route.icc.as_deref().map_or(Domain::Vcc, Domain::icc));
    let mode = if route.select {
        ExecuteMode::SelectThenExecute
    } else {
        ExecuteMode::Direct
    };
    let ca = CommonAddress(route.ca);
    let ioa = Ioa::new(route.ioa).unwrap_or(Ioa::IRRELEVANT);
    let request = Request::Command {
        ca,
        ioa,
        value: command,
        mode,
    };
    let target = match &rtu.link {
        Link::Iec104(client) => Ok(Target::Iec104(Arc::clone(client))),
        Link::Iec101 { line, address } => l
            .masters
            .get(*line)
            .and_then(slot_master)
            .map(|m| Target::Iec101(m, *address))
            .ok_or_else(|| "the 101 line is down".to_owned()),
    };
    tokio::spawn(async move {
        let outcome = match target {
            Ok(Target::Iec104(client)) => client
                .request(request, Completion::OnTermination)
                .await
                .map_err(|e| e.to_string()),
            Ok(Target::Iec101(master, address)) => master
                .request(address, request, Duration::from_secs(30))
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let result = match outcome {
            Ok(r) if matches!(r.outcome, Outcome::Terminated | Outcome::Confirmed) => Ok(()),
            Ok(r) => Err(format!("{:?}", r.outcome)),
            Err(e) => Err(e),
        };
        let _ = done.send((device, domain, result));
    });
}
