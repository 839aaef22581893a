//! The binary's human output, as built: `-v` / `-q` move the log level of any command;
//! `decode --pcap` shows progress on stderr only on a terminal; `104 client`, `101 master`
//! and `tase2 client` draw their live table (rows redrawn in place, request outcomes and
//! device control steps as the status line) on a terminal, and `104 client` prints text
//! when piped. The terminal is a pseudo-terminal made by `script` (util-linux).
//! Every child is bounded in time and killed when its guard drops.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use capture::TcpPcapWriter;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod support;
use support::{BIN, Guard};
const LIMIT: Duration = Duration::from_secs(60);

/// Run to completion, killed after `LIMIT`.
fn run(cmd: &mut Command) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("timed out");
        }
    }
}

/// `shell_command` on a pseudo-terminal: whether it succeeded, and what the terminal
/// showed (its stdout and stderr).
fn terminal(shell_command: &str) -> (bool, String) {
    let out = run(Command::new("script").args(["-qec", shell_command, "/dev/null"]));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// As [`terminal`], for a command that must succeed.
fn on_terminal(shell_command: &str) -> String {
    let (ok, shown) = terminal(shell_command);
    assert!(ok, "{shell_command}: {shown}");
    shown
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn verbose_and_quiet_move_the_log_level() {
    let server = |flags: &[&str]| {
        run(Command::new(BIN)
            .args([
                "104",
                "server",
                "--bind",
                "127.0.0.1:0",
                "--duration",
                "0.5",
            ])
            .args(flags))
    };
    // The 104 server logs at info by default.
    let plain = server(&[]);
    assert!(plain.status.success());
    assert!(
        stderr(&plain).contains("INFO listening on 127.0.0.1:"),
        "{}",
        stderr(&plain)
    );
    // -q: errors only; the flag goes before or after the subcommand.
    for o in [
        server(&["-q"]),
        run(Command::new(BIN).args([
            "-q",
            "104",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--duration",
            "0.5",
        ])),
    ] {
        assert!(o.status.success());
        assert!(!stderr(&o).contains("INFO"), "{}", stderr(&o));
    }
    // -v: debug messages appear (the adapter's accepted connection); not by default.
    for (flags, debug) in [(&[][..], false), (&["-v"][..], true)] {
        let mut child = Command::new(BIN)
            .args([
                "104",
                "server",
                "--bind",
                "127.0.0.1:0",
                "--json",
                "--duration",
                "3",
            ])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let v: Value = serde_json::from_str(&first).unwrap();
        let addr = v["addr"].as_str().unwrap().to_owned();
        let c = run(Command::new(BIN).args(["104", "client", &addr, "--duration", "0.5"]));
        assert!(c.status.success(), "{}", stderr(&c));
        let mut child = Guard(child);
        let log = {
            let (tx, rx) = mpsc::channel();
            let mut err = child.0.stderr.take().unwrap();
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = std::io::Read::read_to_string(&mut err, &mut s);
                let _ = tx.send(s);
            });
            rx.recv_timeout(LIMIT).unwrap()
        };
        assert_eq!(
            log.contains("DEBUG") && log.contains("104 connection accepted"),
            debug,
            "{flags:?}: {log}"
        );
    }
    // -v and -q together are a usage error.
    let both = run(Command::new(BIN).args(["-v", "-q", "decode", "104", "68 04 07 00 00 00"]));
    assert_eq!(both.status.code(), Some(2));
}

/// A capture of `n` TESTFR act frames, one TCP segment each.
fn big_pcap(n: usize) -> PathBuf {
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 40_000, [10, 0, 0, 2], 2404);
    for _ in 0..n {
        w.send(true, &[0x68, 0x04, 0x43, 0x00, 0x00, 0x00]);
    }
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_terminal-big.pcap");
    w.write_file(&path).unwrap();
    path
}

#[test]
fn decode_progress_only_on_a_terminal() {
    let path = big_pcap(5_000);
    let p = path.to_str().unwrap();
    // Piped: the frames and nothing on stderr.
    let o = run(Command::new(BIN).args(["decode", "104", "--pcap", p, "--json"]));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 5_000);
    assert_eq!(stderr(&o), "");
    // On a terminal (stdout to /dev/null): a progress line, then erased.
    let shown = on_terminal(&format!("{BIN} decode 104 --pcap {p} --json > /dev/null"));
    assert!(
        shown.contains("decoding:   0% (0/5000 TCP segments)"),
        "{shown:?}"
    );
    assert!(shown.ends_with("\r\x1b[K"), "{shown:?}");
}

/// A running `104 server --json` and its address.
fn server_104() -> (Guard, String) {
    let mut child = Command::new(BIN)
        .args([
            "104",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--json",
            "--tick-ms",
            "200",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    // Keep reading: the server must not meet a closed pipe.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(LIMIT).unwrap();
    let v: Value = serde_json::from_str(&first).unwrap();
    (guard, v["addr"].as_str().unwrap().to_owned())
}

#[test]
fn client_104_draws_a_live_table_on_a_terminal_and_text_when_piped() {
    let (_server, addr) = server_104();
    let args = format!("104 client {addr} --gi --command single:1100:on --duration 2");
    let shown = on_terminal(&format!("{BIN} {args}"));
    // The table: a header, rows named CA/IOA, redrawn in place (cursor up, clear).
    assert!(shown.contains("POINT"), "{shown:?}");
    assert!(
        shown.contains("QUALITY") && shown.contains("UPDATES"),
        "{shown:?}"
    );
    assert!(shown.contains("1/100 "), "{shown:?}");
    assert!(shown.contains("A\r\x1b[J"), "{shown:?}");
    // The request outcomes as the status line; no text tree of each ASDU.
    assert!(
        shown.contains("station interrogation: Terminated"),
        "{shown:?}"
    );
    assert!(
        shown.contains("command C_SC_NA_1 IOA 1100: Confirmed"),
        "{shown:?}"
    );
    assert!(!shown.contains("raw:"), "{shown:?}");
    // The last screen: the header once more, then rows, the status line last.
    let last = shown.rsplit("\x1b[J").next().unwrap();
    assert!(last.starts_with("POINT"), "{last:?}");

    // -v: the log lines go above the table (erased, the line, drawn again), once each.
    let shown = on_terminal(&format!("{BIN} {args} -v"));
    assert_eq!(shown.matches("INFO connected to").count(), 1, "{shown:?}");
    let log = shown
        .find("INFO command C_SC_NA_1 IOA 1100: Confirmed")
        .expect("log line");
    assert!(
        shown[log..].contains("\nPOINT"),
        "table drawn again: {shown:?}"
    );
    let last = shown.rsplit("\x1b[J").next().unwrap();
    assert!(
        last.contains("POINT"),
        "the table is the last thing drawn: {last:?}"
    );

    // Piped: the decoder's text tree of every ASDU, no cursor moves.
    let o = run(Command::new(BIN).args(args.split(' ')));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("raw:") && text.contains("M_SP_NA_1"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "{text}");
}

/// A running `tase2 server --json` with the example answers file, and its address.
fn server_tase2() -> (Guard, String) {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/tase2-server.toml"
    );
    let mut child = Command::new(BIN)
        .args(["tase2", "server", "--bind", "127.0.0.1:0", "--json"])
        .args(["--tick-ms", "100", "--config", example])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(LIMIT).unwrap();
    let addr = first.strip_prefix("listening on ").unwrap().to_owned();
    (guard, addr)
}

#[test]
fn tase2_client_draws_a_live_table_with_device_control_as_the_status_line() {
    let (_server, addr) = server_tase2();
    let points = "--point V_MW=RealQ --point ICC1/I_BRK_POS=StateQTimeTag --rbe";
    let shown = on_terminal(&format!(
        "{BIN} tase2 client {addr} {points} --operate BRK_OK 1 --duration 2"
    ));
    assert!(
        shown.contains("POINT") && shown.contains("QUALITY"),
        "{shown:?}"
    );
    assert!(shown.contains("\nV_MW "), "{shown:?}");
    assert!(shown.contains("\nICC1/I_BRK_POS "), "{shown:?}");
    assert!(shown.contains("A\r\x1b[J"), "{shown:?}");
    assert!(
        shown.contains("operated ICC1/BRK_OK with Command(1)"),
        "{shown:?}"
    );
    // No report as text lines: the values are in the table.
    assert!(!shown.contains("report ICC1/"), "{shown:?}");

    // A refused select: the status line says why, and the client fails.
    let (ok, shown) = terminal(&format!(
        "{BIN} tase2 client {addr} {points} --operate BRK_REFUSING 1 --duration 2"
    ));
    assert!(!ok);
    assert!(
        shown.contains("select ICC1/BRK_REFUSING failed: refused by the server: hardware-fault"),
        "{shown:?}"
    );
}

/// A `101 slave` accepting one connection on a free port, and that address.
fn slave_101() -> (Guard, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let slave = Guard(
        Command::new(BIN)
            .args(["101", "slave", "--tcp-listen", &addr, "--link-address", "3"])
            .args(["--tick-ms", "200", "--duration", "20", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(500));
    (slave, addr)
}

#[test]
fn master_101_draws_a_live_table_on_a_terminal() {
    let (_slave, addr) = slave_101();
    let shown = on_terminal(&format!(
        "{BIN} 101 master --tcp {addr} --slaves 3 --duration 4"
    ));
    assert!(shown.contains("link 3 up"), "{shown:?}");
    assert!(
        shown.contains("POINT") && shown.contains("\n1/100 "),
        "{shown:?}"
    );
    assert!(shown.contains("A\r\x1b[J"), "{shown:?}");
    assert!(
        shown.contains("interrogation of 3: Ok(Terminated)"),
        "{shown:?}"
    );
    assert!(!shown.contains("from 3: "), "no ASDU lines: {shown:?}");

    // Piped: one text line per ASDU and per event, no cursor moves.
    let (_slave, addr) = slave_101();
    let o = run(Command::new(BIN).args([
        "101",
        "master",
        "--tcp",
        &addr,
        "--slaves",
        "3",
        "--duration",
        "3",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("link 3 up"), "{text}");
    assert!(text.contains("from 3: "), "{text}");
    assert!(
        text.contains("interrogation of 3: Ok(Terminated)"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "{text}");
}
