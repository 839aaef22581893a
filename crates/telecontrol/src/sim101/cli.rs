//! The `telecontrol 101 ...` command line (clap) and its exit codes.

use super::{LinkMode, Options, Port, parse_parity};
use crate::pcap::PcapArg;
use asdu::AsduParams;
use clap::{Args, Subcommand};
use iec101_link::AddressSize;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use telecontrol_tokio::iec101::SerialSettings;

const EXAMPLES: &str = "\
Examples:
  telecontrol 101 slave --device /dev/ttyUSB0 --baud 9600 --link-address 3
  telecontrol 101 master --device /dev/ttyUSB0 --slaves 1,2,3 --json --duration 30
  telecontrol 101 balanced --device /dev/ttyS1 --link-address 1 --remote-address 2
  telecontrol 101 master --tcp 10.0.0.5:4001 --slaves 3   # via a terminal server

The line is 8 data bits, 1 stop bit, even parity unless --parity says otherwise. The slave
(and the balanced station) serves the sample station of `telecontrol 104 server`. The
master interrogates every slave once its link is up and prints every ASDU it receives (in
the `decode --json` schema with --json).

Exit status: 0 when stopped (Ctrl-C or --duration) — for the master only if every slave
completed its interrogation; 1 otherwise; 2 on a usage error.";

/// `telecontrol 101 ...`.
#[derive(Subcommand, Debug)]
pub enum Sim101 {
    /// Unbalanced master: poll the slaves on the line, interrogate them, print what arrives.
    #[command(after_help = EXAMPLES)]
    Master(LineArgs),
    /// Unbalanced slave serving the sample station.
    #[command(after_help = EXAMPLES)]
    Slave(LineArgs),
    /// Balanced station: serves the sample station and interrogates the remote one.
    #[command(after_help = EXAMPLES)]
    Balanced(LineArgs),
}

/// Whether the command shows a live table of received points (master and balanced
/// without `--json`, when stdout is a terminal).
#[must_use]
pub fn draws_table(cmd: &Sim101) -> bool {
    matches!(cmd, Sim101::Master(a) | Sim101::Balanced(a) if !a.json)
}

fn parse_link(s: &str) -> Result<LinkMode, String> {
    match s {
        "normal" => Ok(LinkMode::Normal),
        "busy" => Ok(LinkMode::Busy),
        "silent" => Ok(LinkMode::Silent),
        other => Err(format!("{other:?}: normal, busy or silent")),
    }
}

/// The options of every `101` command.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("line").required(true).args(["device", "tcp", "tcp_listen"])))]
pub struct LineArgs {
    /// Serial device.
    #[arg(long, value_name = "PATH")]
    device: Option<String>,
    /// Connect to a terminal server instead of a serial port.
    #[arg(long, value_name = "ADDR:PORT")]
    tcp: Option<SocketAddr>,
    /// Accept one TCP connection (the other end of 101 over TCP).
    #[arg(long, value_name = "ADDR:PORT")]
    tcp_listen: Option<SocketAddr>,
    /// Baud rate.
    #[arg(long, value_name = "N", default_value_t = 9600)]
    baud: u32,
    /// Parity: even (the 101 default), odd or none.
    #[arg(long, value_name = "even|odd|none", default_value = "even", value_parser = parse_parity)]
    parity: telecontrol_tokio::iec101::Parity,
    /// Drop our own octets echoed back by a two-wire RS-485 line.
    #[arg(long)]
    echo: bool,
    /// Our link address (slave, balanced).
    #[arg(long, value_name = "A", default_value_t = 1)]
    link_address: u16,
    /// The remote station's link address (balanced).
    #[arg(long, value_name = "A", default_value_t = 2)]
    remote_address: u16,
    /// Link address field size in octets (0 only in balanced mode).
    #[arg(long, value_name = "0|1|2", default_value_t = 1)]
    link_address_size: u8,
    /// Cause of transmission size.
    #[arg(long, value_name = "1|2", default_value_t = 1)]
    cot_size: u8,
    /// Common address size.
    #[arg(long, value_name = "1|2", default_value_t = 1)]
    ca_size: u8,
    /// Information object address size.
    #[arg(long, value_name = "1|2|3", default_value_t = 2)]
    ioa_size: u8,
    /// Link addresses of the slaves to poll (master).
    #[arg(long, value_name = "A,B,C", value_delimiter = ',', default_value = "1")]
    slaves: Vec<u16>,
    /// Common address of the station and the requests.
    #[arg(long, value_name = "N", default_value_t = 1)]
    ca: u16,
    /// JSON lines on stdout.
    #[arg(long)]
    json: bool,
    /// Stop after S seconds.
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Milliseconds between simulated changes (slave, balanced).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    tick_ms: u64,
    /// For testing a master (slave, balanced): how command point IOA answers — `positive`
    /// (default), `negative` or `none`. Repeatable.
    #[arg(long, value_name = "IOA=ANSWER", value_parser = crate::sim104::cli::parse_answer)]
    answer: Vec<(u32, crate::sim104::points::Answer)>,
    /// For testing a master (slave, balanced): when command point IOA terminates an
    /// accepted execute — `immediate` (default), `never`, or a delay in ms. Repeatable.
    #[arg(long, value_name = "IOA=WHEN", value_parser = crate::sim104::cli::parse_actterm)]
    termination: Vec<(u32, telecontrol_tokio::Termination)>,
    /// For testing a master (slave): the link layer answers normally, refuses user data
    /// (`busy`: NACK with DFC, link busy; status and reset are answered) or ignores every
    /// request (`silent`: never answers).
    #[arg(long, value_name = "normal|busy|silent", default_value = "normal", value_parser = parse_link)]
    link: LinkMode,
    #[command(flatten)]
    pcap: PcapArg,
}

impl LineArgs {
    fn options(self) -> Result<Options, String> {
        let port = match (self.device, self.tcp, self.tcp_listen) {
            (Some(d), _, _) => Port::Serial(d),
            (_, Some(a), _) => Port::TcpConnect(a),
            (_, _, Some(a)) => Port::TcpListen(a),
            _ => return Err("one of --device, --tcp, --tcp-listen is required".into()),
        };
        let link_address_size = match self.link_address_size {
            0 => AddressSize::None,
            1 => AddressSize::One,
            2 => AddressSize::Two,
            n => return Err(format!("--link-address-size {n} is not 0, 1 or 2")),
        };
        let max = u8::try_from(246usize.saturating_sub(usize::from(self.link_address_size)))
            .unwrap_or(u8::MAX)
            .min(249);
        let params = AsduParams::new(self.cot_size, self.ca_size, self.ioa_size, max)
            .map_err(|e| format!("ASDU sizes: {e}"))?;
        let duration = match self.duration {
            Some(s) if s.is_finite() && s >= 0.0 => Some(Duration::from_secs_f64(s)),
            Some(s) => return Err(format!("--duration {s} is not a positive number")),
            None => None,
        };
        Ok(Options {
            port,
            serial: SerialSettings {
                baud: self.baud,
                parity: self.parity,
                echo: self.echo,
                ..SerialSettings::default()
            },
            link_address: self.link_address,
            remote_address: self.remote_address,
            link_address_size,
            params,
            slaves: self.slaves,
            ca: self.ca,
            json: self.json,
            duration,
            tick: Duration::from_millis(self.tick_ms.max(1)),
            answers: self.answer,
            terminations: self.termination,
            link: self.link,
        })
    }
}

/// Run a `101` command.
pub fn run(cmd: Sim101) -> ExitCode {
    let (which, args) = match cmd {
        Sim101::Master(a) => (0, a),
        Sim101::Slave(a) => (1, a),
        Sim101::Balanced(a) => (2, a),
    };
    let pcap = args.pcap.clone();
    let mut opts = match args.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // --pcap: a recording relay in front of the TCP connection; a serial line cannot be.
    let relayed = match &opts.port {
        Port::Serial(_) => pcap.refuse_serial().map(|()| None),
        Port::TcpConnect(a) => pcap.client(*a).map(|(r, g)| Some((Port::TcpConnect(r), g))),
        Port::TcpListen(a) => pcap.server(*a).map(|(r, g)| Some((Port::TcpListen(r), g))),
    };
    let _pcap = match relayed {
        Ok(Some((port, guard))) => {
            opts.port = port;
            Some(guard)
        }
        Ok(None) => None,
        Err(code) => return code,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let r = rt.block_on(async move {
        match which {
            0 => super::master(opts).await,
            1 => super::slave(opts).await,
            _ => super::balanced(opts).await,
        }
    });
    rt.shutdown_timeout(Duration::from_secs(1));
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
