//! The `gateway` and `demo` subcommands.

use super::config;
use super::run::{Gateway, GatewayEvent};
use crate::demo::{self, DemoOptions, value_parts, value_text};
use crate::live::LiveTable;
use crate::pcap::{PcapArg, PcapGuard};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// `telecontrol demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Seconds of live values before the control round trip.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub live: u64,
    /// JSON lines on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Record the TASE.2 (control centre ↔ gateway) and IEC 104 (gateway ↔ RTU) traffic in
    /// this pcap file (Wireshark: decode the TASE.2 port as TPKT).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
}

/// `telecontrol gateway`.
#[derive(Args, Debug)]
pub struct GatewayArgs {
    /// The gateway configuration (TOML; see docs/examples/gateway.toml).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Stop after this many seconds (default: at Ctrl-C).
    #[arg(long, value_name = "S")]
    pub duration: Option<u64>,
    /// JSON lines on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Record the TASE.2 connections and the TCP links to the outstations in this pcap file.
    #[command(flatten)]
    pub pcap: PcapArg,
}

/// Run `demo`: exit 0 when the whole round trip worked.
#[must_use]
pub fn run_demo(args: &DemoArgs) -> ExitCode {
    match demo::run(DemoOptions {
        live: Duration::from_secs(args.live),
        json: args.json,
        pcap: args.pcap.clone(),
    }) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("telecontrol demo: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Run `gateway --config FILE` until Ctrl-C or the duration.
#[must_use]
pub fn run_gateway(args: &GatewayArgs) -> ExitCode {
    let mut cfg = match config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("telecontrol gateway: {e}");
            return ExitCode::from(2);
        }
    };
    let _pcap = match args.pcap.start() {
        Ok(None) => None,
        Ok(Some(mut c)) => match crate::pcap::relay_gateway(&mut c, &mut cfg) {
            Ok(()) => Some(PcapGuard::new(c)),
            Err(e) => {
                eprintln!("telecontrol gateway: --pcap: {e:#}");
                return ExitCode::from(1);
            }
        },
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("telecontrol gateway: tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let json = args.json;
    let duration = args.duration.map(Duration::from_secs);
    runtime.block_on(async move {
        let mut gw = match Gateway::start(cfg).await {
            Ok(g) => g,
            Err(e) => {
                eprintln!("telecontrol gateway: {e:#}");
                return ExitCode::from(1);
            }
        };
        let addr = gw.local_addr();
        if json {
            println!(
                "{}",
                serde_json::json!({"event": "listening", "tase2": addr.to_string()})
            );
        } else {
            println!("TASE.2 server on {addr}");
        }
        let stop = async {
            match duration {
                Some(d) => tokio::time::sleep(d).await,
                None => {
                    if tokio::signal::ctrl_c().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
        };
        tokio::pin!(stop);
        // On a terminal (and without --json) the points are a table updated in place.
        let mut table = Some(LiveTable::stdout()).filter(|t| !json && t.is_live());
        loop {
            tokio::select! {
                () = &mut stop => break,
                e = gw.next_event() => {
                    let Some(e) = e else { break };
                    match (&e, table.as_mut()) {
                        (GatewayEvent::Point { point, value }, Some(t)) => {
                            let (v, q) = value_parts(value);
                            t.update(point, &v, q.as_deref().unwrap_or(""), "");
                        }
                        (_, Some(t)) => t.line(&event_text(&e).1),
                        _ => print_event(&e, json),
                    }
                }
            }
        }
        let s = gw.stats();
        let line = serde_json::json!({
            "event": "stopped",
            "rtu_asdus": s.asdus.load(Ordering::Relaxed),
            "updates": s.updates.load(Ordering::Relaxed),
            "operations": s.operations.load(Ordering::Relaxed),
            "commands_ok": s.commands_ok.load(Ordering::Relaxed),
            "commands_failed": s.commands_failed.load(Ordering::Relaxed),
        });
        if json {
            println!("{line}");
        } else {
            println!("stopped: {line}");
        }
        gw.stop().await;
        ExitCode::SUCCESS
    })
}

fn print_event(e: &GatewayEvent, json: bool) {
    let (v, text) = event_text(e);
    if json {
        println!("{v}");
    } else {
        println!("{text}");
    }
}

/// An event as a JSON line and as text.
fn event_text(e: &GatewayEvent) -> (serde_json::Value, String) {
    match e {
        GatewayEvent::Point { point, value } => (
            serde_json::json!({"event": "point", "point": point, "value": value_text(value)}),
            format!("{point} = {}", value_text(value)),
        ),
        GatewayEvent::RtuUp(n) => (
            serde_json::json!({"event": "rtu_up", "rtu": n}),
            format!("{n}: data transfer started"),
        ),
        GatewayEvent::RtuDown(n, why) => (
            serde_json::json!({"event": "rtu_down", "rtu": n, "reason": why}),
            format!("{n}: connection lost ({why})"),
        ),
        GatewayEvent::PeerAssociated(t) => (
            serde_json::json!({"event": "associated", "table": t}),
            format!(
                "control centre associated (table {})",
                t.as_deref().unwrap_or("-")
            ),
        ),
        GatewayEvent::Operate { device, rtu, ioa } => (
            serde_json::json!({"event": "operate", "device": device, "rtu": rtu, "ioa": ioa}),
            format!("{device}: operate → {rtu} IOA {ioa}"),
        ),
        GatewayEvent::CommandDone { device, result } => match result {
            Ok(()) => (
                serde_json::json!({"event": "command_done", "device": device, "ok": true}),
                format!("{device}: the RTU completed the command"),
            ),
            Err(why) => (
                serde_json::json!({"event": "command_done", "device": device, "ok": false, "reason": why}),
                format!("{device}: command failed: {why}"),
            ),
        },
    }
}
