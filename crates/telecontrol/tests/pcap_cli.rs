//! `--pcap FILE` on the networked commands, as built: each side records its own view of
//! the same connection, and both views carry the same addresses and the same octets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod support;
use support::{BIN, Guard, lines};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("telecontrol-pcap-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

/// Start a server command with `--pcap`; returns the guard, the relay's public address
/// (from the "pcap: listening on" line on stderr) and the stderr lines.
fn server_with_pcap(args: &[&str], pcap: &PathBuf) -> (Guard, SocketAddr, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--pcap")
        .arg(pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let guard = Guard(child);
    let rx = lines(stderr);
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("no pcap line");
        if let Some(rest) = line.strip_prefix("pcap: listening on ") {
            let addr = rest.split_whitespace().next().unwrap().parse().unwrap();
            return (guard, addr, rx);
        }
    }
}

/// Whitespace-separated arguments.
fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// Run a finished command; panics with its stderr unless it succeeded.
fn run_ok(args: &[&str], pcap: Option<&PathBuf>) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    if let Some(p) = pcap {
        cmd.arg("--pcap").arg(p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `decode PROTO [--json] --port PORT --pcap FILE`: must succeed; returns stdout.
fn decode(proto: &str, json: bool, port: u16, pcap: &PathBuf) -> String {
    let mut args = vec!["decode", proto];
    if json {
        args.push("--json");
    }
    let port = port.to_string();
    args.extend(["--port", port.as_str()]);
    String::from_utf8(run_ok(&args, Some(pcap)).stdout).unwrap()
}

/// Both files show the same connection(s) to `port`: same client ports, same octets.
fn same_view(a: &PathBuf, b: &PathBuf, port: u16) -> [usize; 2] {
    let (a_view, a_ports) = octets(a, port);
    let (b_view, b_ports) = octets(b, port);
    assert_eq!(a_ports, b_ports, "both sides see the same client ports");
    assert_eq!(a_view, b_view, "both sides see the same octets");
    a_view
}

/// Octets per direction (to `port`, from `port`) and the flows' client ports.
fn octets(pcap: &PathBuf, port: u16) -> ([usize; 2], Vec<u16>) {
    let chunks = capture::read_tcp(pcap).unwrap();
    let mut n = [0usize; 2];
    let mut clients = Vec::new();
    for c in &chunks {
        if c.flow.dst_port == port {
            n[0] += c.data.len();
            if !clients.contains(&c.flow.src_port) {
                clients.push(c.flow.src_port);
            }
        } else if c.flow.src_port == port {
            n[1] += c.data.len();
        }
    }
    (n, clients)
}

#[test]
fn iec104_server_and_client_record_the_same_connection() {
    let spcap = temp("104-server.pcap");
    let cpcap = temp("104-client.pcap");
    let (mut server, public, log) = server_with_pcap(
        &words("104 server --bind 127.0.0.1:0 --tick-ms 200 --duration 6"),
        &spcap,
    );
    let client = public.to_string();
    let out = run_ok(
        &["104", "client", &client, "--gi", "--duration", "2"],
        Some(&cpcap),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("frames written to"), "{stderr}");
    assert!(server.0.wait().unwrap().success());
    // Everything the server wrote before it exited (the reader ends at the pipe's end).
    let tail: Vec<String> = log.iter().collect();
    assert!(
        tail.iter().any(|l| l.contains("frames written to")),
        "{tail:?}"
    );

    assert_eq!(octets(&cpcap, public.port()).1.len(), 1);
    let view = same_view(&cpcap, &spcap, public.port());
    assert!(view[0] >= 12 && view[1] > 100, "{view:?}");
    // The tool's own decoder reads both files without a malformed frame.
    for p in [&spcap, &cpcap] {
        decode("104", false, public.port(), p);
    }
}

#[test]
fn a_bad_pcap_path_is_a_usage_error() {
    let out = Command::new(BIN)
        .args(["104", "client", "127.0.0.1:9"])
        .args(["--pcap", "/nonexistent-dir/x.pcap"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-dir/x.pcap"));
}

#[test]
fn demo_records_both_protocols() {
    let pcap = temp("demo.pcap");
    let out = run_ok(&["demo", "--live", "1", "--json"], Some(&pcap));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "pcap");
    assert!(last["frames"].as_u64().unwrap() > 20);
    let chunks = capture::read_tcp(&pcap).unwrap();
    // The first octets of each connection: TPKT (3) for TASE.2, 0x68 for 104.
    assert!(chunks.iter().any(|c| c.data.first() == Some(&0x03)));
    assert!(chunks.iter().any(|c| c.data.first() == Some(&0x68)));
}

#[test]
fn mms_server_and_client_record_the_same_connection() {
    let spcap = temp("mms-server.pcap");
    let cpcap = temp("mms-client.pcap");
    let (mut server, public, _log) = server_with_pcap(
        &words("mms server --bind 127.0.0.1:0 --duration 5 --report-ms 100"),
        &spcap,
    );
    let addr = public.to_string();
    // `--pcap` before the positional arguments here.
    let out = Command::new(BIN)
        .args(["mms", "client", "--pcap"])
        .arg(&cpcap)
        .args([&addr, "list"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.0.wait().unwrap().success());
    same_view(&cpcap, &spcap, public.port());
    let text = decode("mms", true, public.port(), &spcap);
    assert!(text.contains("initiate"), "{text}");
}

#[test]
fn iec101_over_tcp_records_and_a_serial_line_is_refused() {
    let spcap = temp("101-slave.pcap");
    let (mut slave, public, _log) = server_with_pcap(
        &words("101 slave --tcp-listen 127.0.0.1:0 --link-address 3 --tick-ms 200 --duration 5"),
        &spcap,
    );
    let addr = public.to_string();
    run_ok(
        &words(&format!(
            "101 master --tcp {addr} --slaves 3 --json --duration 2"
        )),
        None,
    );
    let _ = slave.0.wait();
    let (view, ports) = octets(&spcap, public.port());
    assert_eq!(ports.len(), 1);
    assert!(view[0] > 10 && view[1] > 10, "{view:?}");
    decode("101", true, public.port(), &spcap);

    let out = Command::new(BIN)
        .args(["101", "master", "--device", "/dev/null", "--pcap", "x.pcap"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pcap needs a TCP connection"));
}

/// The first JSON line of `child`'s stdout with `"event": event`.
fn json_event(child: &mut Child, event: &str) -> serde_json::Value {
    let rx = lines(child.stdout.take().unwrap());
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("no event line");
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
            && v["event"] == event
        {
            return v;
        }
    }
}

#[test]
fn gateway_records_tase2_and_104_and_tase2_client_records_its_side() {
    let mut rtu = Guard(
        Command::new(BIN)
            .args([
                "104",
                "server",
                "--bind",
                "127.0.0.1:0",
                "--json",
                "--tick-ms",
                "200",
            ])
            .args(["--duration", "60"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let rtu_addr = json_event(&mut rtu.0, "listening")["addr"]
        .as_str()
        .unwrap()
        .to_owned();
    let config = temp("gw.toml");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/gateway.toml"),
    )
    .unwrap()
    .replace("127.0.0.1:2404", &rtu_addr)
    .replace("127.0.0.1:10102", "127.0.0.1:0");
    std::fs::write(&config, text).unwrap();
    let gpcap = temp("gateway.pcap");
    let (mut gw, public, _log) = server_with_pcap(
        &[
            "gateway",
            "--config",
            config.to_str().unwrap(),
            "--duration",
            "6",
            "--json",
        ],
        &gpcap,
    );
    let cpcap = temp("tase2-client.pcap");
    let addr = public.to_string();
    run_ok(
        &words(&format!(
            "tase2 client {addr} --json --rbe --duration 2 --table-id CC_1 --point RTU1_KV=RealQTimeTagExtended"
        )),
        Some(&cpcap),
    );
    assert!(gw.0.wait().unwrap().success());

    // The control centre's connection, seen the same from both ends.
    same_view(&cpcap, &gpcap, public.port());
    // The gateway's file also has its 104 link to the RTU.
    let rtu_port: u16 = rtu_addr.rsplit(':').next().unwrap().parse().unwrap();
    let (rtu_view, _) = octets(&gpcap, rtu_port);
    assert!(rtu_view[0] >= 12 && rtu_view[1] > 100, "{rtu_view:?}");
    let text = decode("mms", true, public.port(), &gpcap);
    assert!(text.contains("informationReport"), "{text}");
}

#[test]
fn tase2_server_records_a_client() {
    let spcap = temp("tase2-server.pcap");
    let (mut server, public, _log) = server_with_pcap(
        &words("tase2 server --bind 127.0.0.1:0 --duration 5 --tick-ms 200"),
        &spcap,
    );
    let addr = public.to_string();
    run_ok(
        &["tase2", "client", &addr, "--rbe", "--duration", "2"],
        None,
    );
    assert!(server.0.wait().unwrap().success());
    let (view, ports) = octets(&spcap, public.port());
    assert_eq!(ports.len(), 1);
    assert!(view[0] > 100 && view[1] > 100, "{view:?}");
}

#[test]
fn ctrl_c_finishes_the_file() {
    let spcap = temp("104-ctrl-c.pcap");
    let (mut server, public, log) = server_with_pcap(
        &["104", "server", "--bind", "127.0.0.1:0", "--tick-ms", "100"],
        &spcap,
    );
    let addr = public.to_string();
    run_ok(&["104", "client", &addr, "--gi", "--duration", "1"], None);
    let kill = Command::new("kill")
        .args(["-INT", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert!(server.0.wait().unwrap().success());
    // Everything the server wrote before it exited (the reader ends at the pipe's end).
    let tail: Vec<String> = log.iter().collect();
    assert!(
        tail.iter().any(|l| l.contains("frames written to")),
        "{tail:?}"
    );
    // Handshake, data both ways and both FINs are in the file.
    let frames = capture::read_frames(&std::fs::read(&spcap).unwrap()).unwrap();
    assert!(frames.len() > 10);
    let (view, _) = octets(&spcap, public.port());
    assert!(view[0] >= 12 && view[1] > 100, "{view:?}");
}
