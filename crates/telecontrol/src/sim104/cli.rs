//! The `telecontrol 104 ...` command line (clap) and its exit codes.

use super::client::{self, ClientOptions};
use super::points::{Answer, StationSpec, parse_termination};
use super::server::{self, ServerOptions};
use super::tls::TlsArgs;
use super::{CommandArg, config};
use crate::pcap::PcapArg;
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use telecontrol_tokio::Termination;
use telecontrol_tokio::telecontrol_tls::pki_types::ServerName;

const SERVER_EXAMPLES: &str = "\
Examples:
  telecontrol 104 server                                  # sample station on 0.0.0.0:2404
  telecontrol 104 server --bind 127.0.0.1:0 --json        # ephemeral port, JSON log
  telecontrol 104 server --config docs/examples/104-server.toml --duration 60
  telecontrol 104 server --answer 1200=negative --answer 1500=none --termination 1100=2000
  telecontrol 104 server --tls-cert s.pem --tls-key s.key --tls-ca ca.pem --tls-crl ca.crl

The sample station (CA 1): single 100/101, double 200/201, step 300/301, bitstring
400/401, normalized 500/501, scaled 600/601, float 700/701, integrated totals 800/801 (the
odd addresses change every tick, sent with CP56Time2a); commands (direct or
select-before-operate) 1100 single->100, 1200 double->200, 1300 step->300,
1500 normalized->500, 1600 scaled->600, 1700 float->700.

Exit status: 0 when stopped (Ctrl-C or --duration), 2 on a bad config or bind error.";

const CLIENT_EXAMPLES: &str = "\
Examples:
  telecontrol 104 client 127.0.0.1:2404 --gi --duration 5
  telecontrol 104 client 127.0.0.1:2404 --command single:1100:on --select --json
  telecontrol 104 client 127.0.0.1:2404 --command float:1700:12.5 --clock-sync --ci
  telecontrol 104 client 127.0.0.1:19998 --gi --tls-cert c.pem --tls-key c.key --tls-ca ca.pem

Commands are TYPE:IOA:VALUE with TYPE single|double (on/off), step (higher/lower),
normalized (-1..1), scaled (i16), float, or the mnemonic (C_SC_NA_1, ...).

Exit status: 0 if the connection reached data transfer, stayed up until --duration and
every request was confirmed positively; 1 otherwise (the reason is printed: connection
refused, negative confirmation, timeout); 2 on a usage error.";

/// `telecontrol 104 ...`.
#[derive(Subcommand, Debug)]
pub enum Sim104 {
    /// Serve a simulated controlled station until Ctrl-C (or --duration).
    #[command(after_help = SERVER_EXAMPLES)]
    Server(ServerArgs),
    /// Connect to a controlled station, interrogate, command and print what arrives.
    #[command(after_help = CLIENT_EXAMPLES)]
    Client(ClientArgs),
}

/// Whether the command shows a live table of received points (the client without
/// `--json`, when stdout is a terminal).
#[must_use]
pub fn draws_table(cmd: &Sim104) -> bool {
    matches!(cmd, Sim104::Client(a) if !a.json)
}

/// `telecontrol 104 server`.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address and port to listen on (port 0: ephemeral, printed at start).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:2404")]
    bind: SocketAddr,
    /// A TOML station description (default: the built-in sample).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Common address of the sample station (a config file sets its own).
    #[arg(long, value_name = "N", default_value_t = 1, conflicts_with = "config")]
    ca: u16,
    /// Stop after S seconds.
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Milliseconds between simulated changes.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    tick_ms: u64,
    /// Log as JSON lines on stdout.
    #[arg(long)]
    json: bool,
    /// For testing a master: how command point IOA answers — `positive` (default),
    /// `negative` (negative confirmation) or `none` (no answer at all). Repeatable.
    #[arg(long, value_name = "IOA=ANSWER", value_parser = parse_answer)]
    answer: Vec<(u32, Answer)>,
    /// For testing a master: when command point IOA terminates an accepted execute —
    /// `immediate` (default), `never`, or a delay in milliseconds. Repeatable.
    #[arg(long, value_name = "IOA=WHEN", value_parser = parse_actterm)]
    termination: Vec<(u32, Termination)>,
    #[command(flatten)]
    tls: TlsArgs,
    #[command(flatten)]
    pcap: PcapArg,
}

pub(crate) fn parse_answer(s: &str) -> Result<(u32, Answer), String> {
    let (ioa, a) = s.split_once('=').ok_or("IOA=ANSWER expected")?;
    let ioa = ioa.parse().map_err(|_| format!("{ioa:?} is not an IOA"))?;
    let a = Answer::parse(a).ok_or_else(|| format!("{a:?}: positive, negative or none"))?;
    Ok((ioa, a))
}

pub(crate) fn parse_actterm(s: &str) -> Result<(u32, Termination), String> {
    let (ioa, t) = s.split_once('=').ok_or("IOA=WHEN expected")?;
    let ioa = ioa.parse().map_err(|_| format!("{ioa:?} is not an IOA"))?;
    let t =
        parse_termination(t).ok_or_else(|| format!("{t:?}: immediate, never or milliseconds"))?;
    Ok((ioa, t))
}

/// `telecontrol 104 client`.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// The server.
    #[arg(value_name = "ADDR:PORT")]
    addr: SocketAddr,
    /// Common address of the requests.
    #[arg(long, value_name = "N", default_value_t = 1)]
    ca: u16,
    /// Station interrogation after data transfer started.
    #[arg(long)]
    gi: bool,
    /// Counter interrogation (general request).
    #[arg(long)]
    ci: bool,
    /// Clock synchronisation with the system time (UTC).
    #[arg(long)]
    clock_sync: bool,
    /// A command TYPE:IOA:VALUE (repeatable, sent in order).
    #[arg(long, value_name = "TYPE:IOA:VALUE")]
    command: Vec<CommandArg>,
    /// Select before operate for the commands.
    #[arg(long, requires = "command")]
    select: bool,
    /// Exit (0 if all went well) S seconds after the start; default: at Ctrl-C.
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Seconds to wait for data transfer and for each answer.
    #[arg(long, value_name = "S", default_value_t = 15.0)]
    timeout: f64,
    /// Received ASDUs as JSON lines (the `decode 104 --json` schema).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    tls: TlsArgs,
    #[command(flatten)]
    pcap: PcapArg,
    /// TLS: the name the server's certificate must carry (with --tls-ca); default: the
    /// server's IP address.
    #[arg(long, value_name = "NAME", requires = "tls_cert")]
    tls_server_name: Option<String>,
}

fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

/// Run a `104` subcommand.
#[must_use]
pub fn run(cmd: Sim104) -> ExitCode {
    match cmd {
        Sim104::Server(a) => {
            let (mut station, tls_files) = match &a.config {
                Some(path) => match config::load_with_tls(path) {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("telecontrol: {e}");
                        return ExitCode::from(2);
                    }
                },
                None => (StationSpec::sample(a.ca), None),
            };
            for (ioa, answer) in &a.answer {
                let Some(c) = station.commands.iter_mut().find(|c| c.ioa == *ioa) else {
                    eprintln!("telecontrol: --answer: no command point {ioa}");
                    return ExitCode::from(2);
                };
                c.answer = *answer;
            }
            for (ioa, t) in &a.termination {
                let Some(c) = station.commands.iter_mut().find(|c| c.ioa == *ioa) else {
                    eprintln!("telecontrol: --termination: no command point {ioa}");
                    return ExitCode::from(2);
                };
                c.termination = *t;
            }
            // The options win over the config's [tls] table.
            let tls = match (a.tls.config(), tls_files) {
                (Ok(Some(t)), _) => Ok(Some(t)),
                (Ok(None), Some(files)) => files.load().map(Some),
                (Ok(None), None) => Ok(None),
                (Err(e), _) => Err(e),
            };
            let tls = match tls {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("telecontrol: TLS: {e}");
                    return ExitCode::from(2);
                }
            };
            let (bind, _pcap) = match a.pcap.server(a.bind) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let opts = ServerOptions {
                bind,
                station,
                duration: a.duration.map(seconds),
                tick: Duration::from_millis(a.tick_ms.max(10)),
                json: a.json,
            };
            match server::run_tls(opts, tls) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("telecontrol: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        Sim104::Client(a) => {
            let tls = match a.tls.config() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("telecontrol: TLS: {e}");
                    return ExitCode::from(2);
                }
            };
            let name = match &a.tls_server_name {
                Some(n) => ServerName::try_from(n.clone()),
                None => Ok(ServerName::from(a.addr.ip())),
            };
            let Ok(name) = name else {
                eprintln!(
                    "telecontrol: TLS: {:?} is not a valid server name",
                    a.tls_server_name
                );
                return ExitCode::from(2);
            };
            let tls = tls.map(|t| (t, name));
            let (addr, _pcap) = match a.pcap.client(a.addr) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let opts = ClientOptions {
                addr,
                ca: a.ca,
                gi: a.gi,
                counter_interrogation: a.ci,
                clock_sync: a.clock_sync,
                commands: a.command,
                select: a.select,
                duration: a.duration.map(seconds),
                timeout: seconds(a.timeout),
                json: a.json,
            };
            match client::run_tls(opts, tls) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("telecontrol: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
