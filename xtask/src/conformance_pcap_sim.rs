//! Every simulator pair with `--pcap` on both sides (the built binary): 104 server/client,
//! MMS server/client, TASE.2 server/client, 101 slave/master over TCP. Each of the eight
//! files decodes in tshark with the protocol's dissector on every data frame, no malformed
//! frame, no expert warning or error and no TCP analysis flag.

use crate::conformance_pcap::{flags_and_problems, osi_layers};
use crate::conformance_tshark as tshark;
use crate::util::{cargo, root};
use anyhow::{Context, Result, bail, ensure};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The dissector a recording is checked with.
#[derive(Clone, Copy)]
enum Proto {
    Iec104,
    Mms,
    Iec101,
}

struct Case {
    name: &'static str,
    server: &'static [&'static str],
    /// `{}` is replaced by the server's address.
    client: &'static [&'static str],
    proto: Proto,
}

const CASES: [Case; 4] = [
    Case {
        name: "104",
        server: &[
            "104",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--tick-ms",
            "200",
            "--duration",
            "5",
        ],
        client: &["104", "client", "{}", "--gi", "--duration", "2"],
        proto: Proto::Iec104,
    },
    Case {
        name: "mms",
        server: &[
            "mms",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--report-ms",
            "200",
            "--duration",
            "5",
        ],
        client: &["mms", "client", "{}", "watch", "1"],
        proto: Proto::Mms,
    },
    Case {
        name: "tase2",
        server: &[
            "tase2",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--tick-ms",
            "200",
            "--duration",
            "6",
        ],
        client: &["tase2", "client", "{}", "--rbe", "--duration", "2"],
        proto: Proto::Mms,
    },
    Case {
        name: "101",
        server: &[
            "101",
            "slave",
            "--tcp-listen",
            "127.0.0.1:0",
            "--link-address",
            "3",
            "--tick-ms",
            "200",
            "--duration",
            "5",
        ],
        client: &[
            "101",
            "master",
            "--tcp",
            "{}",
            "--slaves",
            "3",
            "--duration",
            "2",
        ],
        proto: Proto::Iec101,
    },
];

/// Kills and reaps the child on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn check(out: &Path) -> Result<()> {
    cargo(&["build", "-q", "-p", "telecontrol"], &[])?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root().join("target"), |d| root().join(d));
    let bin = target.join("debug/telecontrol");
    ensure!(bin.exists(), "{} missing after the build", bin.display());
    let mut failures = Vec::new();
    for case in &CASES {
        let spcap = out.join(format!("sim-{}-server.pcap", case.name));
        let cpcap = out.join(format!("sim-{}-client.pcap", case.name));
        let port = run_pair(&bin, case, &spcap, &cpcap)?;
        for file in [&spcap, &cpcap] {
            let (frames, data) = check_file(file, port, case.proto, &mut failures)?;
            eprintln!(
                "pcap {} {}: {frames} frames, {data} data frames decoded -> {}",
                case.name,
                if file == &spcap { "server" } else { "client" },
                file.display()
            );
        }
    }
    if !failures.is_empty() {
        bail!(
            "tshark finds problems in the simulators' --pcap files:\n  {}",
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// Run the server with `--pcap`, then the client with `--pcap` against the relay's
/// address; returns the server's (public) port.
fn run_pair(bin: &Path, case: &Case, spcap: &Path, cpcap: &Path) -> Result<u16> {
    let mut child = Command::new(bin)
        .args(case.server)
        .arg("--pcap")
        .arg(spcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let stderr = child.stderr.take().context("server stderr")?;
    let mut server = Guard(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .with_context(|| format!("{} server: no 'pcap: listening on' line", case.name))?;
        if let Some(rest) = line.strip_prefix("pcap: listening on ") {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        }
    };
    let port: u16 = addr
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .context("relay port")?;
    let args: Vec<String> = case
        .client
        .iter()
        .map(|a| {
            if *a == "{}" {
                addr.clone()
            } else {
                (*a).to_owned()
            }
        })
        .collect();
    // `--pcap` right after the subcommand: `mms client` takes trailing words as its action.
    let (cmd, rest) = args.split_at(2.min(args.len()));
    let out = Command::new(bin)
        .args(cmd)
        .arg("--pcap")
        .arg(cpcap)
        .args(rest)
        .output()?;
    ensure!(
        out.status.success(),
        "{} client failed: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let status = server.0.wait()?;
    ensure!(
        status.success(),
        "{} server exited with {status}",
        case.name
    );
    Ok(port)
}

/// tshark on one recording: (frames, data frames); problems go to `failures`.
fn check_file(
    file: &Path,
    port: u16,
    proto: Proto,
    failures: &mut Vec<String>,
) -> Result<(usize, usize)> {
    let (opt, value, layer) = match proto {
        Proto::Iec104 => (
            "-d",
            format!("tcp.port=={port},iec60870_104"),
            "iec60870_104",
        ),
        Proto::Iec101 => (
            "-d",
            format!("tcp.port=={port},iec60870_101"),
            "iec60870_101",
        ),
        Proto::Mms => ("-o", format!("tpkt.tcp.ports:102,{port}"), "tpkt"),
    };
    let packets = tshark::packets(file, &[opt, &value])?;
    let mut data = 0;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    for p in &packets {
        failures.extend(
            flags_and_problems(p)
                .into_iter()
                .map(|f| format!("{name}: {f}")),
        );
        let len: usize = tshark::find_str(&p.layers, "tcp.len")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if len == 0 {
            continue;
        }
        data += 1;
        if p.layers.get(layer).is_none() {
            failures.push(format!(
                "{name}: frame {}: not decoded as {layer}",
                p.number
            ));
        }
        if matches!(proto, Proto::Mms) {
            failures.extend(osi_layers(p).into_iter().map(|f| format!("{name}: {f}")));
        }
    }
    if data == 0 {
        failures.push(format!("{name}: no data frame"));
    }
    Ok((packets.len(), data))
}
