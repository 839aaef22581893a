//! The `telecontrol` command-line tool.
#![allow(clippy::arithmetic_side_effects)]

use clap::{ArgAction, Args, Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use telecontrol::decode::{Report, hex, iec101, iec104, mms};
use telecontrol::gateway::cli as gateway_cli;
use telecontrol::sim101::cli as sim101_cli;
use telecontrol::sim104::cli as sim104_cli;
use telecontrol::simmms;
use telecontrol::simtase2;

/// IEC 60870-5-101/104 and TASE.2/ICCP tool.
#[derive(Parser, Debug)]
#[command(name = "telecontrol", version, about, after_help = TOP_EXAMPLES)]
struct Cli {
    /// More log messages on stderr, one level per -v (up to trace).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
    /// Fewer log messages on stderr, one level per -q (down to none).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "verbose")]
    quiet: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run an RTU (104 server), the gateway (104 → TASE.2) and a control-centre TASE.2
    /// client on 127.0.0.1: live values, then a breaker control round trip. Ends by itself.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(gateway_cli::DemoArgs),
    /// Publish IEC 60870-5-104 outstations' points in a TASE.2 server and forward TASE.2
    /// device control back as 104 commands (configuration in TOML).
    #[command(after_help = GATEWAY_EXAMPLES)]
    Gateway(gateway_cli::GatewayArgs),
    /// Decode frames from hex or from a capture into a readable tree or JSON.
    #[command(subcommand, after_help = TOP_EXAMPLES)]
    Decode(Decode),
    /// IEC 60870-5-104 simulators: a controlled station (server) and a controlling station
    /// (client).
    #[command(name = "104", subcommand)]
    Sim104(sim104_cli::Sim104),
    /// IEC 60870-5-101 simulators on a serial line or a terminal server: an unbalanced master
    /// polling slaves, a slave serving the sample station, a balanced station.
    #[command(name = "101", subcommand)]
    Sim101(sim101_cli::Sim101),
    /// MMS: a server with a sample object directory, and a small MMS browser.
    #[command(subcommand)]
    Mms(simmms::SimMms),
    /// TASE.2 / ICCP: a VCC server (built-in sample or a TOML file) and a client that
    /// checks it, starts a transfer set and prints reports.
    #[command(subcommand)]
    Tase2(simtase2::SimTase2),
}

const DEMO_EXAMPLES: &str = "\
Examples:
  telecontrol demo
  telecontrol demo --live 10 --json
  telecontrol demo --pcap demo.pcap         # then: tshark -r demo.pcap -d tcp.port==PORT,tpkt

Exit status: 0 when the values arrived and the control round trip completed, 1 otherwise.";

const GATEWAY_EXAMPLES: &str = "\
Examples:
  telecontrol 104 server &                       # a sample RTU on 127.0.0.1:2404
  telecontrol gateway --config docs/examples/gateway.toml

Exit status: 0 after Ctrl-C or --duration, 1 if the gateway cannot start, 2 for a bad
configuration (the message names the file, line and field).";

const TOP_EXAMPLES: &str = "\
Examples:
  telecontrol decode 104 '68 04 07 00 00 00'
  telecontrol decode 104 --pcap station.pcap --json
  telecontrol decode 101 '10 49 01 4a 16'

See `telecontrol decode 104 --help`, `telecontrol decode 101 --help` and
`telecontrol decode mms --help`.";

const DECODE_104_EXAMPLES: &str = "\
Examples:
  telecontrol decode 104 '68 04 07 00 00 00'
  telecontrol decode 104 680e0000000001010300010001000001 --json
  telecontrol decode 104 --pcap station.pcapng --port 2404 --json | jq .asdu.type
  echo '68:04:43:00:00:00' | telecontrol decode 104

Exit status: 0 if every frame decoded, 1 if any frame was malformed, 2 on a usage error,
unreadable capture or text that is not hex.";

const DECODE_101_EXAMPLES: &str = "\
Examples:
  telecontrol decode 101 e5
  telecontrol decode 101 '10 49 01 4a 16'
  telecontrol decode 101 '68 09 09 68 53 01 64 01 06 01 00 00 14 d4 16' --json
  telecontrol decode 101 --link-address-size 2 --cot-size 2 --ca-size 2 --ioa-size 3 HEX
  telecontrol decode 101 --pcap terminal-server.pcap --port 2405 --json

The sizes are system parameters, not on the wire: they must match the link (defaults, as
Wireshark's: link address 1 octet, cause of transmission 1, common address 1, IOA 2 octets).

Exit status: 0 if every frame decoded, 1 if any frame was malformed, 2 on a usage error,
unreadable capture or text that is not hex.";

#[derive(Subcommand, Debug)]
enum Decode {
    /// IEC 60870-5-104 APDUs, from hex arguments, stdin lines or a pcap/pcapng capture.
    #[command(name = "104", after_help = DECODE_104_EXAMPLES)]
    Iec104(Decode104),
    /// IEC 60870-5-101 FT1.2 frames, from hex arguments, stdin lines or a capture of 101
    /// over TCP.
    #[command(name = "101", after_help = DECODE_101_EXAMPLES)]
    Iec101(Decode101),
    /// MMS (TASE.2/ICCP, IEC 61850) with TPKT, COTP, session, presentation and ACSE, from
    /// hex arguments, stdin lines or a pcap/pcapng capture.
    #[command(name = "mms", after_help = DECODE_MMS_EXAMPLES)]
    Mms(DecodeMms),
}

const DECODE_MMS_EXAMPLES: &str = "\
Examples:
  telecontrol decode mms '03 00 00 1b 02 f0 80 01 00 01 00 61 0e 30 0c 02 01 03 a0 07 a0 05 02 01 01 82 00'
  telecontrol decode mms --pcap iccp.pcap --json | jq -c 'select(.mms) | .mms'
  telecontrol decode mms --pcap iccp.pcap --port 102

Each TCP direction is split into TPKTs; COTP DT segments are joined until EOT and the TSDU
is decoded through session, presentation, ACSE and MMS.

Exit status: 0 if every PDU decoded, 1 if any was malformed, 2 on a usage error,
unreadable capture or text that is not hex.";

#[derive(Args, Debug)]
struct DecodeMms {
    /// Hex octets: one argument per input, each one or several concatenated TPKTs of one
    /// direction. Without HEX and --pcap, each stdin line is an input.
    #[arg(value_name = "HEX", conflicts_with = "pcap")]
    hex: Vec<String>,
    /// Read a pcap or pcapng capture and decode the TCP streams on --port.
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
    /// The TCP port of the MMS server in the capture.
    #[arg(long, value_name = "N", default_value_t = mms::DEFAULT_PORT, requires = "pcap")]
    port: u16,
    #[command(flatten)]
    output: Output,
}

#[derive(Args, Debug)]
struct Output {
    /// One JSON object per frame (JSON Lines) instead of the text tree.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct Decode104 {
    /// Hex octets: one argument per input, each one or several concatenated APDUs; spaces,
    /// ':', '-' and ',' allowed. Without HEX and --pcap, each stdin line is an input.
    #[arg(value_name = "HEX", conflicts_with = "pcap")]
    hex: Vec<String>,
    /// Read a pcap or pcapng capture and decode the TCP streams on --port.
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
    /// The TCP port of the 104 server in the capture.
    #[arg(long, value_name = "N", default_value_t = iec104::DEFAULT_PORT, requires = "pcap")]
    port: u16,
    #[command(flatten)]
    output: Output,
}

#[derive(Args, Debug)]
struct Decode101 {
    /// Hex octets: one argument per input, each one or several concatenated FT1.2 frames.
    /// Without HEX and --pcap, each stdin line is an input.
    #[arg(value_name = "HEX", conflicts_with = "pcap")]
    hex: Vec<String>,
    /// Read a pcap or pcapng capture of IEC 101 carried over TCP (e.g. a terminal server)
    /// and decode the TCP streams on --port.
    #[arg(long, value_name = "FILE", requires = "port")]
    pcap: Option<PathBuf>,
    /// The TCP port of the 101 link in the capture (no registered default).
    #[arg(long, value_name = "N", requires = "pcap")]
    port: Option<u16>,
    /// Octets of the link address field.
    #[arg(long, value_name = "0|1|2", default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=2))]
    link_address_size: u8,
    /// Octets of the cause of transmission (2: with originator address).
    #[arg(long, value_name = "1|2", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    cot_size: u8,
    /// Octets of the common address of the ASDU.
    #[arg(long, value_name = "1|2", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    ca_size: u8,
    /// Octets of the information object address.
    #[arg(long, value_name = "1|2|3", default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=3))]
    ioa_size: u8,
    #[command(flatten)]
    output: Output,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli);
    match cli.command {
        Command::Decode(Decode::Iec104(args)) => decode_104(args),
        Command::Decode(Decode::Iec101(args)) => decode_101(args),
        Command::Decode(Decode::Mms(args)) => decode_mms(args),
        Command::Sim104(cmd) => sim104_cli::run(cmd),
        Command::Sim101(cmd) => sim101_cli::run(cmd),
        Command::Mms(cmd) => simmms::run(cmd),
        Command::Tase2(cmd) => simtase2::run(cmd),
        Command::Demo(args) => gateway_cli::run_demo(&args),
        Command::Gateway(args) => gateway_cli::run_gateway(&args),
    }
}

/// Log messages (tracing) on stderr at the level of the command, moved by -v and -q.
///
/// By default: info for servers, the gateway and the simulators that print lines; warn
/// for the decoders, for the controlling simulators when they draw a live table on a
/// terminal (they show their own messages above it) and for the demo with a table; error
/// for the demo otherwise. Each -v raises and each -q lowers it one step. On a terminal
/// with a live table, log lines go above the table ([`telecontrol::live::log_writer`]).
fn init_tracing(cli: &Cli) {
    use tracing_subscriber::filter::LevelFilter;
    let table = std::io::stdout().is_terminal();
    let base: u8 = match &cli.command {
        Command::Decode(_) => 2,
        Command::Demo(d) if d.json || !table => 1,
        Command::Demo(_) => 2,
        c if table && draws_table(c) => 2,
        _ => 3,
    };
    let level = base
        .saturating_add(cli.verbose)
        .saturating_sub(cli.quiet)
        .min(5);
    let filter = match level {
        0 => LevelFilter::OFF,
        1 => LevelFilter::ERROR,
        2 => LevelFilter::WARN,
        3 => LevelFilter::INFO,
        4 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(telecontrol::live::log_writer)
        .with_max_level(filter)
        .with_target(false)
        .try_init();
}

/// Whether the command is a controlling simulator that shows a live table of received
/// points (without `--json`).
fn draws_table(c: &Command) -> bool {
    match c {
        Command::Sim104(c) => sim104_cli::draws_table(c),
        Command::Sim101(c) => sim101_cli::draws_table(c),
        Command::Tase2(c) => simtase2::draws_table(c),
        _ => false,
    }
}

fn decode_104(args: Decode104) -> ExitCode {
    if let Some(path) = &args.pcap {
        return match iec104::decode_pcap(path, args.port) {
            Ok(reports) => finish(&reports, args.output.json, false),
            Err(e) => {
                eprintln!("telecontrol: {}: {e}", path.display());
                ExitCode::from(2)
            }
        };
    }
    decode_inputs(args.hex, args.output.json, iec104::decode_hex)
}

fn decode_101(args: Decode101) -> ExitCode {
    let link_address = match args.link_address_size {
        0 => iec101_link::AddressSize::None,
        1 => iec101_link::AddressSize::One,
        _ => iec101_link::AddressSize::Two,
    };
    let asdu = match asdu::AsduParams::new(
        args.cot_size,
        args.ca_size,
        args.ioa_size,
        u8::try_from(link_address.max_user_data()).unwrap_or(u8::MAX),
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("telecontrol: {e}");
            return ExitCode::from(2);
        }
    };
    let params = iec101::Params101 { link_address, asdu };
    if let (Some(path), Some(port)) = (&args.pcap, args.port) {
        return match iec101::decode_pcap(path, port, params) {
            Ok(reports) => finish(&reports, args.output.json, false),
            Err(e) => {
                eprintln!("telecontrol: {}: {e}", path.display());
                ExitCode::from(2)
            }
        };
    }
    decode_inputs(args.hex, args.output.json, |text, input| {
        iec101::decode_hex(text, input, params)
    })
}

fn decode_mms(args: DecodeMms) -> ExitCode {
    let (reports, bad_hex) = if let Some(path) = &args.pcap {
        match mms::decode_pcap(path, args.port) {
            Ok(r) => (r, false),
            Err(e) => {
                eprintln!("telecontrol: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    } else {
        let mut reports = Vec::new();
        let mut bad_hex = false;
        for (i, text) in inputs(args.hex).iter().enumerate() {
            match mms::decode_hex(text, Some(i + 1)) {
                Ok(r) => reports.extend(r),
                Err(e) => {
                    eprintln!("telecontrol: input {}: {e}", i + 1);
                    bad_hex = true;
                }
            }
        }
        (reports, bad_hex)
    };
    let mut out = std::io::stdout().lock();
    let malformed = reports.iter().filter(|r| r.is_malformed()).count();
    let printed = reports.iter().try_for_each(|r| {
        if args.output.json {
            writeln!(out, "{}", r.to_json_line())
        } else {
            writeln!(out, "{}", r.to_tree())
        }
    });
    if !args.output.json && printed.is_ok() {
        let _ = writeln!(out, "{} TPKT(s), {malformed} malformed", reports.len());
    }
    if bad_hex {
        ExitCode::from(2)
    } else if malformed > 0 || printed.is_err() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The hex arguments, or the non-empty stdin lines without arguments.
fn inputs(hex_args: Vec<String>) -> Vec<String> {
    if hex_args.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .map_while(Result::ok)
            .filter(|l| !l.trim().is_empty())
            .collect()
    } else {
        hex_args
    }
}

/// Decode each hex argument (or stdin line) as one input.
fn decode_inputs(
    hex_args: Vec<String>,
    json: bool,
    decode: impl Fn(&str, Option<usize>) -> Result<Vec<Report>, hex::HexError>,
) -> ExitCode {
    let inputs: Vec<String> = if hex_args.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .map_while(Result::ok)
            .filter(|l| !l.trim().is_empty())
            .collect()
    } else {
        hex_args
    };
    let mut reports = Vec::new();
    let mut bad_hex = false;
    for (i, text) in inputs.iter().enumerate() {
        match decode(text, Some(i + 1)) {
            Ok(r) => reports.extend(r),
            Err(e) => {
                eprintln!("telecontrol: input {}: {e}", i + 1);
                bad_hex = true;
            }
        }
    }
    finish(&reports, json, bad_hex)
}

/// Print the reports; the exit code says whether all were well formed.
fn finish(reports: &[Report], json: bool, bad_input: bool) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let malformed = reports.iter().filter(|r| r.is_malformed()).count();
    let printed = reports.iter().try_for_each(|r| {
        if json {
            writeln!(out, "{}", r.to_json_line())
        } else {
            writeln!(out, "{}", r.to_tree())
        }
    });
    if !json && printed.is_ok() {
        let _ = writeln!(out, "{} frame(s), {malformed} malformed", reports.len());
    }
    if bad_input {
        ExitCode::from(2)
    } else if malformed > 0 || printed.is_err() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
