//! `telecontrol mms server` and `telecontrol mms client`, as built, against each other on
//! 127.0.0.1 (ephemeral port). Every child is killed when its guard drops.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

mod support;
use support::{BIN, Guard};

fn server() -> (Guard, String) {
    let mut child = Command::new(BIN)
        .args([
            "mms",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--duration",
            "30",
            "--report-ms",
            "100",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_owned();
    (guard, addr)
}

/// Run the client with a bound on its time; (exit success, stdout, stderr).
fn client(addr: &str, args: &[&str]) -> (bool, String, String) {
    let child = Command::new(BIN)
        .args(["mms", "client", addr])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("client finished in time")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn mms_cli_server_and_browser() {
    let (_server, addr) = server();

    let (ok, out, _) = client(&addr, &["identify"]);
    assert!(ok);
    assert!(out.contains("vendor \"telecontrol\""), "{out}");

    let (ok, out, _) = client(&addr, &["list"]);
    assert!(ok);
    for want in [
        "variable Vendor",
        "domain SAMPLE",
        "variable SAMPLE/Float1",
        "variable SAMPLE/Struct1",
        "list SAMPLE/DS1",
    ] {
        assert!(out.lines().any(|l| l == want), "{want} missing in {out}");
    }

    // Typed writes from GetVariableAccessAttributes, read back.
    for (name, value, shown) in [
        ("SAMPLE/Setpoint", "12.5", "12.5"),
        ("SAMPLE/Counter", "-3", "-3"),
        ("SAMPLE/Bool1", "true", "true"),
        ("SAMPLE/Bits1", "00000001", "b'00000001'"),
        ("SAMPLE/Text1", "abc", "\"abc\""),
        ("Mode", "4", "4"),
    ] {
        let (ok, _, err) = client(&addr, &["write", name, value]);
        assert!(ok, "{name}: {err}");
        let (ok, out, _) = client(&addr, &["read", name]);
        assert!(ok);
        assert_eq!(out.trim(), format!("{name} = {shown}"));
    }
    // A read-only variable, a value of the wrong form, an unknown name.
    let (ok, _, err) = client(&addr, &["write", "SAMPLE/Float1", "1"]);
    assert!(!ok && err.contains("ObjectAccessDenied"), "{err}");
    let (ok, _, _) = client(&addr, &["write", "SAMPLE/Counter", "x"]);
    assert!(!ok);
    let (ok, out, _) = client(&addr, &["read", "SAMPLE/None"]);
    assert!(ok && out.contains("failure ObjectNonExistent"), "{out}");

    // The structure, and the periodic InformationReports of SAMPLE/DS1.
    let (ok, out, _) = client(&addr, &["read", "SAMPLE/Struct1"]);
    assert!(ok && out.contains("{"), "{out}");
    let (ok, out, _) = client(&addr, &["watch", "1"]);
    assert!(ok);
    assert!(
        out.lines().filter(|l| l.starts_with("report ")).count() >= 3,
        "{out}"
    );
}
