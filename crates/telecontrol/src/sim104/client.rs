//! `telecontrol 104 client`: connect, start data transfer, run the requested procedures
//! (clock sync, interrogation, counter interrogation, commands) one after the other, print
//! every received ASDU, and report whether everything was confirmed positively.

use super::display::Display;
use super::{CommandArg, asdu_report, now_cp56, points::ioa};
use asdu::{CommonAddress, Frz, Qcc};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use telecontrol_tokio::telecontrol_tls::pki_types::ServerName;
use telecontrol_tokio::{
    Client, ClientConfig, ClientError, ClientEvent, Completion, ExecuteMode, Outcome, Request,
    RequestResult, TlsConfig,
};
use tokio::sync::watch;

/// What `104 client` does.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// The server.
    pub addr: SocketAddr,
    /// Common address of the requests.
    pub ca: u16,
    /// Station interrogation.
    pub gi: bool,
    /// Counter interrogation (general request, read).
    pub counter_interrogation: bool,
    /// Clock synchronisation with the system time.
    pub clock_sync: bool,
    /// Commands, sent in order.
    pub commands: Vec<CommandArg>,
    /// Select before operate for every command.
    pub select: bool,
    /// Keep printing until this long after the start (else until Ctrl-C).
    pub duration: Option<Duration>,
    /// How long to wait for data transfer to start and for each request.
    pub timeout: Duration,
    /// JSON lines (the `decode --json` schema) instead of the text tree.
    pub json: bool,
}

/// Why the client run failed: the reasons, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientFailure(pub Vec<String>);

impl std::fmt::Display for ClientFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("; "))
    }
}

impl std::error::Error for ClientFailure {}

/// Run the client on a new tokio runtime.
///
/// # Errors
/// [`ClientFailure`] with every reason: connection refused or lost, data transfer not
/// started in time, a negative confirmation, a request timed out.
pub fn run(opts: ClientOptions) -> Result<(), ClientFailure> {
    run_tls(opts, None)
}

/// As [`run`], over TLS (IEC 62351-3) when `tls` is given: the configuration and the name
/// the server's certificate must carry (with a CA).
///
/// # Errors
/// As [`run`]; a refused TLS handshake is a reason like any other.
pub fn run_tls(
    opts: ClientOptions,
    tls: Option<(TlsConfig, ServerName<'static>)>,
) -> Result<(), ClientFailure> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ClientFailure(vec![format!("tokio runtime: {e}")]))?;
    rt.block_on(session(opts, tls))
}

/// The connection state the printer task reports.
#[derive(Clone, Debug, PartialEq)]
enum Link {
    Connecting,
    Started,
    Lost(String),
}

async fn session(
    opts: ClientOptions,
    tls: Option<(TlsConfig, ServerName<'static>)>,
) -> Result<(), ClientFailure> {
    let start = tokio::time::Instant::now();
    let config = ClientConfig {
        reconnect: false,
        ..ClientConfig::default()
    };
    let (client, mut events) = match tls {
        None => Client::connect(opts.addr, config),
        Some((t, name)) => Client::connect_tls(opts.addr, config, &t, name)
            .map_err(|e| ClientFailure(vec![format!("TLS configuration: {e}")]))?,
    };
    let (link_tx, mut link) = watch::channel(Link::Connecting);
    let display = Arc::new(Mutex::new(Display::new(opts.json)));
    let shown = Arc::clone(&display);
    let printer = tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            match e {
                ClientEvent::Connected(a) => {
                    tracing::info!("connected to {a}");
                    above_table(&shown, &format!("connected to {a}"));
                }
                ClientEvent::Started => {
                    tracing::info!("data transfer started");
                    above_table(&shown, "data transfer started");
                    let _ = link_tx.send(Link::Started);
                }
                ClientEvent::Asdu(a) => {
                    let r = asdu_report(&a.bytes);
                    shown
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .asdu(&r, || r.to_tree());
                }
                ClientEvent::Disconnected(why) => {
                    let _ = link_tx.send(Link::Lost(why));
                }
                _ => {}
            }
        }
    });
    let mut failures = Vec::new();
    let started = tokio::time::timeout(opts.timeout, link.wait_for(|l| *l != Link::Connecting))
        .await
        .map(|r| r.map(|l| l.clone()));
    match started {
        Ok(Ok(Link::Started)) => {}
        Ok(Ok(Link::Lost(why))) => failures.push(why),
        Ok(Ok(Link::Connecting)) => {}
        Ok(Err(_)) => failures.push("client stopped before data transfer".into()),
        Err(_) => failures.push(format!(
            "no data transfer with {} within {:?} (STARTDT not confirmed)",
            opts.addr, opts.timeout
        )),
    }
    if failures.is_empty() {
        run_requests(&client, &opts, &display, &mut failures).await;
    }
    if failures.is_empty() {
        let until = opts.duration.map(|d| start + d);
        let lost = link.wait_for(|l| matches!(l, Link::Lost(_)));
        let end = async {
            match until {
                Some(t) => tokio::time::sleep_until(t).await,
                None => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        };
        tokio::select! {
            l = lost => {
                if let Ok(Link::Lost(why)) = l.map(|l| l.clone()) {
                    failures.push(format!("connection lost: {why}"));
                }
            }
            () = end => {}
        }
    }
    client.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ClientFailure(failures))
    }
}

/// A message above the live table, unless the log line (info) already says it there.
fn above_table(display: &Mutex<Display>, text: &str) {
    if tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    if let Display::Table(t) = &mut *display.lock().unwrap_or_else(PoisonError::into_inner) {
        t.line(text);
    }
}

async fn run_requests(
    client: &Client,
    opts: &ClientOptions,
    display: &Mutex<Display>,
    failures: &mut Vec<String>,
) {
    let ca = CommonAddress(opts.ca);
    let mut steps: Vec<(String, Request, Completion)> = Vec::new();
    if opts.clock_sync {
        match now_cp56() {
            Some(time) => steps.push((
                "clock synchronisation".into(),
                Request::ClockSync { ca, time },
                Completion::OnConfirmation,
            )),
            None => failures.push("the system clock is outside 2000..=2099".into()),
        }
    }
    if opts.gi {
        steps.push((
            "station interrogation".into(),
            Request::Interrogation {
                ca,
                qoi: asdu::Qoi::STATION,
            },
            Completion::OnTermination,
        ));
    }
    if opts.counter_interrogation
        && let Some(qcc) = Qcc::new(Qcc::GENERAL, Frz::Read)
    {
        steps.push((
            "counter interrogation".into(),
            Request::CounterInterrogation { ca, qcc },
            Completion::OnTermination,
        ));
    }
    let mode = if opts.select {
        ExecuteMode::SelectThenExecute
    } else {
        ExecuteMode::Direct
    };
    for c in &opts.commands {
        steps.push((
            format!(
                "command {} IOA {}{}",
                c.value.type_id().mnemonic(),
                c.ioa,
                if opts.select {
                    " (select, execute)"
                } else {
                    ""
                }
            ),
            Request::Command {
                ca,
                ioa: ioa(c.ioa),
                value: c.value,
                mode,
            },
            Completion::OnConfirmation,
        ));
    }
    for (name, request, completion) in steps {
        let r = tokio::time::timeout(opts.timeout, client.request(request, completion)).await;
        let text = match judge(r) {
            Ok(r) => {
                tracing::info!("{name}: {:?} ({} objects)", r.outcome, r.objects);
                format!("{name}: {:?} ({} objects)", r.outcome, r.objects)
            }
            Err(why) => {
                tracing::error!("{name}: {why}");
                let text = format!("{name}: {why}");
                failures.push(text.clone());
                text
            }
        };
        // On a terminal the outcome stays under the table (the log line scrolls above).
        if let Display::Table(t) = &mut *display.lock().unwrap_or_else(PoisonError::into_inner) {
            t.status(&text);
        }
    }
}

fn judge(
    r: Result<Result<RequestResult, ClientError>, tokio::time::error::Elapsed>,
) -> Result<RequestResult, String> {
    match r {
        Err(_) => Err("timeout: no answer".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(r)) => match r.outcome {
            Outcome::Confirmed | Outcome::Terminated | Outcome::Sent => Ok(r),
            Outcome::Negative(c) => Err(format!(
                "negative confirmation (cause {} {})",
                c.value(),
                c.name().unwrap_or("?")
            )),
            Outcome::Timeout { confirmed: true } => Err("timeout: no termination".into()),
            Outcome::Timeout { confirmed: false } => Err("timeout: no confirmation".into()),
        },
    }
}
