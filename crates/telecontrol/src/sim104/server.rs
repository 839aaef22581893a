//! `telecontrol 104 server`: serve a [`StationSpec`] until Ctrl-C or for a while, change the
//! simulated points every tick (spontaneous events with CP56Time2a) and carry out commands
//! on the status points they drive (return information, cause 11, for single, double and
//! step points; spontaneous, cause 3, for the measured values set-points set), sent in the
//! order masters expect: ACTCON, the return information, ACTTERM.

use super::now_cp56;
use super::points::{Answer, CommandKind, CommandPoint, Monitor, StationSpec, apply_command, ioa};
use anyhow::{Context, Result};
use asdu::{Cause, CommonAddress, Cp56Time2a};
use serde_json::json;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;
use telecontrol_tokio::{
    CommandAction, CommandAnswer, CommandHandler, CommandRequest, Database, ReturnInfo, Server,
    ServerConfig, ServerHandle, Termination, TlsConfig,
};

/// What `104 server` runs.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Address to listen on (port 0: an ephemeral port, printed at start).
    pub bind: SocketAddr,
    /// The station.
    pub station: StationSpec,
    /// Stop after this long (else at Ctrl-C).
    pub duration: Option<Duration>,
    /// Interval of the simulated changes.
    pub tick: Duration,
    /// Log as JSON lines on stdout instead of tracing lines on stderr.
    pub json: bool,
}

/// Where the server's log goes.
#[derive(Clone, Copy, Debug)]
struct Log {
    json: bool,
}

impl Log {
    fn line(self, v: &serde_json::Value, text: &str) {
        if self.json {
            println!("{v}");
        } else {
            tracing::info!("{text}");
        }
    }
}

struct SimHandler {
    ca: CommonAddress,
    commands: Vec<CommandPoint>,
    state: Arc<Mutex<BTreeMap<u32, Monitor>>>,
    handle: Arc<OnceLock<ServerHandle>>,
    /// Return information of accepted executes, until the adapter asks for it.
    returns: Mutex<BTreeMap<(u32, u32), ReturnInfo>>,
    log: Log,
}

impl SimHandler {
    fn decide(&self, r: &CommandRequest) -> (CommandAnswer, String) {
        let Some(cp) = self.commands.iter().find(|c| c.ioa == r.ioa.value()) else {
            return (CommandAnswer::Reject, "no such command point".into());
        };
        if cp.answer == Answer::Negative {
            return (
                CommandAnswer::Reject,
                "configured to answer negatively".into(),
            );
        }
        if CommandKind::of(&r.value) != Some(cp.kind) {
            return (
                CommandAnswer::Reject,
                "wrong command type for the point".into(),
            );
        }
        match r.action {
            CommandAction::Select => (CommandAnswer::Accept, "selected".into()),
            CommandAction::Execute | CommandAction::DirectExecute => {
                let new = {
                    let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    let Some(old) = state.get(&cp.status).copied() else {
                        return (CommandAnswer::Reject, "status point missing".into());
                    };
                    let Some(new) = apply_command(old, &r.value) else {
                        return (CommandAnswer::Reject, "command not applicable".into());
                    };
                    state.insert(cp.status, new);
                    new
                };
                let Some(h) = self.handle.get() else {
                    return (CommandAnswer::Reject, "server not ready".into());
                };
                let value = new.value(now_cp56());
                let status = ioa(cp.status);
                h.database().set_value(self.ca, status, new.value(None));
                // Return information (cause 11) for status types; a set-point's measured
                // value reports its change as spontaneous (c104/lib60870 refuse cause 11
                // for M_ME_* as an invalid cause). Sent between ACTCON and ACTTERM by the
                // adapter (see `return_information`).
                let cause = match new {
                    Monitor::Single(_) | Monitor::Double(_) | Monitor::Step(_) => {
                        Cause::RETURN_REMOTE
                    }
                    _ => Cause::SPONTANEOUS,
                };
                let info = ReturnInfo {
                    cause,
                    ioa: status,
                    value,
                };
                self.returns
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert((r.handle.0, r.ioa.value()), info);
                let why = format!("executed: point {} is now {value}", cp.status);
                (CommandAnswer::Accept, why)
            }
            _ => (CommandAnswer::Reject, "not a command".into()),
        }
    }
}

impl CommandHandler for SimHandler {
    fn command(&self, r: &CommandRequest) -> CommandAnswer {
        let (answer, why) = self.decide(r);
        let action = match r.action {
            CommandAction::Select => "select",
            CommandAction::Execute => "execute",
            CommandAction::DirectExecute => "direct_execute",
            _ => "parameter",
        };
        let positive = answer != CommandAnswer::Reject;
        self.log.line(
            &json!({"event": "command", "ca": r.ca.0, "ioa": r.ioa.value(),
                    "type": r.value.type_id().mnemonic(), "action": action,
                    "value": r.value.to_string(), "positive": positive, "detail": why}),
            &format!(
                "command {} {action} IOA {} ({}): {} — {why}",
                r.value.type_id().mnemonic(),
                r.ioa.value(),
                r.value,
                if positive { "accepted" } else { "rejected" }
            ),
        );
        answer
    }

    fn answers(&self, r: &CommandRequest) -> bool {
        let silent = self
            .commands
            .iter()
            .any(|c| c.ioa == r.ioa.value() && c.answer == Answer::None);
        if silent {
            self.log.line(
                &json!({"event": "command", "ca": r.ca.0, "ioa": r.ioa.value(),
                        "type": r.value.type_id().mnemonic(), "value": r.value.to_string(),
                        "answered": false, "detail": "configured not to answer"}),
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

    fn return_information(&self, r: &CommandRequest) -> Vec<ReturnInfo> {
        self.returns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(r.handle.0, r.ioa.value()))
            .into_iter()
            .collect()
    }

    fn clock_sync(&self, ca: CommonAddress, time: Cp56Time2a) {
        let iso = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
            time.full_year(super::YEAR_BASE),
            time.month(),
            time.day(),
            time.hour(),
            time.minute(),
            time.second(),
            time.millisecond()
        );
        self.log.line(
            &json!({"event": "clock_sync", "ca": ca.0, "time": iso}),
            &format!("clock synchronisation for CA {}: {iso}", ca.0),
        );
    }
}

/// Run the server on a new tokio runtime until Ctrl-C or the duration.
///
/// # Errors
/// The bind error, or a runtime that cannot start.
pub fn run(opts: ServerOptions) -> Result<()> {
    run_tls(opts, None)
}

/// As [`run`], over TLS (IEC 62351-3) when `tls` is given.
///
/// # Errors
/// As [`run`], or a TLS configuration rustls refuses.
pub fn run_tls(opts: ServerOptions, tls: Option<TlsConfig>) -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?
        .block_on(serve_tls(opts, None, tls))
}

/// Serve on the current tokio runtime until Ctrl-C or the duration; the bound address goes
/// to `ready` once listening (the demo runs the station in-process this way).
///
/// # Errors
/// The bind error.
pub async fn serve(
    opts: ServerOptions,
    ready: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
) -> Result<()> {
    serve_tls(opts, ready, None).await
}

/// As [`serve`], accepting TLS connections only (IEC 62351-3) when `tls` is given; the
/// refused handshakes are logged as they happen and counted at the end.
///
/// # Errors
/// As [`serve`], or a TLS configuration rustls refuses.
pub async fn serve_tls(
    opts: ServerOptions,
    ready: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
    tls: Option<TlsConfig>,
) -> Result<()> {
    let log = Log { json: opts.json };
    let ca = CommonAddress(opts.station.ca);
    let db = Database::new();
    for p in opts.station.database_points() {
        db.insert(p);
    }
    let state: BTreeMap<u32, Monitor> = opts
        .station
        .points
        .iter()
        .map(|p| (p.ioa, p.value))
        .collect();
    let state = Arc::new(Mutex::new(state));
    let cell = Arc::new(OnceLock::new());
    let handler = SimHandler {
        ca,
        commands: opts.station.commands.clone(),
        state: Arc::clone(&state),
        handle: Arc::clone(&cell),
        returns: Mutex::new(BTreeMap::new()),
        log,
    };
    let config = ServerConfig::new(ca);
    let server = match &tls {
        None => Server::bind(opts.bind, config, db, handler).await,
        Some(t) => Server::bind_tls(opts.bind, config, db, handler, t).await,
    }
    .with_context(|| format!("cannot listen on {}", opts.bind))?;
    let _ = cell.set(server.handle());
    let addr = server.local_addr();
    if let Some(r) = ready {
        let _ = r.send(addr);
    }
    log.line(
        &json!({"event": "listening", "addr": addr.to_string(), "ca": ca.0,
                "points": opts.station.points.len(), "commands": opts.station.commands.len(),
                "tls": tls.is_some()}),
        &format!(
            "listening on {addr}{}, CA {}, {} points, {} command points",
            if tls.is_some() { " (TLS)" } else { "" },
            ca.0,
            opts.station.points.len(),
            opts.station.commands.len()
        ),
    );
    let moving: Vec<u32> = opts
        .station
        .points
        .iter()
        .filter(|p| p.simulate)
        .map(|p| p.ioa)
        .collect();
    let mut ticker = tokio::time::interval(opts.tick);
    ticker.tick().await;
    let stop = async {
        match opts.duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stop);
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot wait for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    tokio::pin!(interrupt);
    let mut tick: u64 = 0;
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                tick = tick.wrapping_add(1);
                for &p in &moving {
                    let new = {
                        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
                        let Some(old) = s.get(&p).copied() else { continue };
                        let new = old.next(tick);
                        s.insert(p, new);
                        new
                    };
                    if let Err(e) = server.update(ca, ioa(p), new.value(now_cp56())) {
                        tracing::warn!("point {p}: {e}");
                    }
                }
            }
            () = &mut interrupt => break,
            () = &mut stop => break,
        }
    }
    if tls.is_some() {
        let st = server.tls_stats();
        let refused: serde_json::Map<String, serde_json::Value> = st
            .refusals()
            .map(|(r, n)| (format!("{r:?}"), json!(n)))
            .collect();
        let text: Vec<String> = st.refusals().map(|(r, n)| format!("{n} {r}")).collect();
        log.line(
            &json!({"event": "tls", "handshakes": st.full_handshakes,
                    "resumed": st.resumed_handshakes, "refused": refused}),
            &format!(
                "TLS: {} full handshakes, {} resumed, refused: {}",
                st.full_handshakes,
                st.resumed_handshakes,
                if text.is_empty() {
                    "none".to_owned()
                } else {
                    text.join(", ")
                }
            ),
        );
    }
    log.line(&json!({"event": "stopped"}), "stopping");
    server.shutdown().await;
    Ok(())
}
