//! `telecontrol 104 server|client` over TLS (IEC 62351-3), as built, on 127.0.0.1, with
//! certificates, keys and a CRL written by rcgen to a temporary directory: the `--tls-*`
//! options and the config's `[tls]` table; a valid client interrogates, a revoked one and a
//! plain-TCP one fail with the reason, and the server's final line counts the refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read as _};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use telecontrol::sim104::config::parse_tls;

const BIN: &str = env!("CARGO_BIN_EXE_telecontrol");
const LIMIT: Duration = Duration::from_secs(30);

mod support;
use support::{Guard, Pki};

/// A running `104 server --json`: its address and its further log lines.
struct TestServer {
    guard: Guard,
    addr: String,
    log: mpsc::Receiver<String>,
}

fn server(args: &[String]) -> TestServer {
    let mut child = Command::new(BIN)
        .args(["104", "server", "--bind", "127.0.0.1:0", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(LIMIT).expect("no listening line");
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["event"], "listening", "{first}");
    assert_eq!(v["tls"], true, "{first}");
    TestServer {
        guard,
        addr: v["addr"].as_str().unwrap().to_owned(),
        log: rx,
    }
}

/// Run `telecontrol ARGS` to completion (killed after the limit).
fn run(args: &[String]) -> Output {
    let child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = Guard(child);
    let start = Instant::now();
    while guard.0.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < LIMIT, "still running after {LIMIT:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (mut out, mut err) = (Vec::new(), Vec::new());
    if let Some(mut s) = guard.0.stdout.take() {
        s.read_to_end(&mut out).unwrap();
    }
    if let Some(mut s) = guard.0.stderr.take() {
        s.read_to_end(&mut err).unwrap();
    }
    let status = guard.0.wait().unwrap();
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

fn client(addr: &str, extra: &[String]) -> Output {
    let mut args: Vec<String> = [
        "104",
        "client",
        addr,
        "--gi",
        "--json",
        "--timeout",
        "10",
        "--duration",
        "1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend_from_slice(extra);
    run(&args)
}

/// The server's lines until `event` (bounded).
fn wait_event(s: &TestServer, event: &str) -> Value {
    let end = Instant::now() + LIMIT;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        let line = s.log.recv_timeout(left).expect("server line");
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["event"] == event {
            return v;
        }
    }
}

#[test]
fn options_valid_revoked_and_plain_clients() {
    let pki = Pki::new("s104-opts");
    let mut args = pki.args("server");
    args.extend(["--duration".into(), "6".into()]);
    let s = server(&args);

    // A valid client (the server name defaults to its IP, in the certificate).
    let out = client(&s.addr, &pki.args("client"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let asdus = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(asdus >= 10, "{asdus} ASDUs: {stderr}");

    // A revoked client: refused, exit 1, the reason printed.
    let out = client(&s.addr, &pki.args("revoked"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("TLS"), "{stderr}");

    // Plain TCP on the TLS port.
    let out = client(&s.addr, &[]);
    assert_eq!(out.status.code(), Some(1));

    // The server's final count.
    let v = wait_event(&s, "tls");
    assert_eq!(v["handshakes"], 1, "{v}");
    assert_eq!(v["refused"]["Revoked"], 1, "{v}");
    assert_eq!(v["refused"]["NotTls"], 1, "{v}");
    assert_eq!(v["refused"].as_object().unwrap().len(), 2, "{v}");
    drop(s.guard);
}

#[test]
fn toml_tls_table() {
    let pki = Pki::new("s104-toml");
    // Relative paths: from the config file's directory.
    let config = pki.dir.join("station.toml");
    std::fs::write(
        &config,
        "ca = 1\n[[point]]\nioa = 1\ntype = \"single\"\nvalue = true\n\n\
         [tls]\ncert = \"server.pem\"\nkey = \"server.key\"\nca = \"ca.pem\"\n\
         crl = [\"ca.crl\"]\nversions = \"1.3\"\nhandshake_timeout = 5\n",
    )
    .unwrap();
    let s = server(&[
        "--config".into(),
        config.to_str().unwrap().into(),
        "--duration".into(),
        "3".into(),
    ]);
    let out = client(&s.addr, &pki.args("client"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = wait_event(&s, "tls");
    assert_eq!(v["handshakes"], 1, "{v}");
    drop(s.guard);

    // A config whose [tls] names a missing file: exit 2 with the reason.
    let bad = pki.dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[tls]\ncert = \"nope.pem\"\nkey = \"server.key\"\nca = \"ca.pem\"\n",
    )
    .unwrap();
    let out = run(&[
        "104".into(),
        "server".into(),
        "--bind".into(),
        "127.0.0.1:0".into(),
        "--config".into(),
        bad.to_str().unwrap().into(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reading the certificate"), "{stderr}");
}

#[test]
fn tls_table_errors_name_line_and_field() {
    let p = Path::new("/etc/s.toml");
    let err = |text: &str| parse_tls(p, text).unwrap_err();
    let e = err("[tls]\ncert = \"a\"\nkey = \"b\"\nallow = [\"00ff\"]\n");
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(4), Some("tls.allow[0]"))
    );
    let e = err("[tls]\ncert = \"a\"\nkey = \"b\"\n");
    assert!(e.reason.contains("`ca` and/or `allow`"), "{e}");
    let e = err("[tls]\ncert = \"a\"\nkey = \"b\"\nca = \"c\"\nversions = \"1.1\"\n");
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(5), Some("tls.versions"))
    );
    let e = err("[tls]\ncert = \"a\"\nkey = \"b\"\nca = \"c\"\ncolour = 1\n");
    assert_eq!(e.line, Some(5));
    let f = parse_tls(p, "[tls]\ncert = \"a\"\nkey = \"/k\"\nca = \"c\"\n")
        .unwrap()
        .unwrap();
    assert_eq!(f.cert, Path::new("/etc/a"));
    assert_eq!(f.key, Path::new("/k"));
    assert!(parse_tls(p, "ca = 1\n").unwrap().is_none());
}
