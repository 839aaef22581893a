//! `telecontrol tase2 server` playing a peer for testing a client's device control, as
//! built, on 127.0.0.1: with docs/examples/tase2-server.toml one device answers
//! positively, one refuses (the client's operate fails with the refusal's
//! `DataAccessError`), one never answers (the client reports its request timeout); with
//! the built-in sample `--answer negative --refusal ...` refuses every device. The client's
//! text lines (not a terminal) and JSON lines are both checked. Every child is killed
//! when its guard drops; every wait is bounded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod support;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{BIN, line_with as server_line, tase2_client as client, tase2_server as server};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/tase2-server.toml"
);

#[test]
fn tase2_devices_answer_positive_negative_or_not_at_all() {
    let (_server, addr, lines) = server(&["--config", EXAMPLE]);
    // Report by exception: a report within a tick of the start, whatever the load.
    let point = ["--point", "V_MW=RealQ", "--rbe"];

    // Positive: selected and operated; the text lines (stdout is not a terminal).
    let (ok, out, err) = client(
        &addr,
        &[&point[..], &["--duration", "3", "--operate", "BRK_OK", "1"]].concat(),
    );
    assert!(ok, "positive operate failed: {err}\n{out}");
    assert!(
        out.contains("selected ICC1/BRK_OK (CheckBackID 1)"),
        "{out}"
    );
    assert!(
        out.contains("operated ICC1/BRK_OK with Command(1)"),
        "{out}"
    );
    assert!(out.contains("\n  V_MW = "), "report lines: {out}");
    let op = server_line(&lines, "\"operate\"");
    assert!(op.contains("BRK_OK"), "{op}");

    // Negative: the select is refused with the configured DataAccessError.
    let (ok, out, err) = client(
        &addr,
        &[
            &point[..],
            &["--duration", "3", "--operate", "BRK_REFUSING", "1"],
        ]
        .concat(),
    );
    assert!(!ok, "refused operate must fail: {out}");
    assert!(
        err.contains("select ICC1/BRK_REFUSING: refused by the server: hardware-fault"),
        "{err}"
    );
    assert!(
        out.contains("select ICC1/BRK_REFUSING failed: refused by the server: hardware-fault"),
        "{out}"
    );
    let refused = server_line(&lines, "\"refused\"");
    let j: serde_json::Value = serde_json::from_str(&refused).unwrap();
    assert_eq!(j["device"], "BRK_REFUSING");
    assert_eq!(j["request"], "select");
    assert_eq!(j["error"], "hardware-fault");

    // None: the operate of a direct device gets no response; the client's 1 s request
    // timeout fires. JSON lines on stdout name the failure.
    let started = Instant::now();
    let (ok, out, err) = client(
        &addr,
        &[
            &point[..],
            &[
                "--duration",
                "3",
                "--json",
                "--request-timeout",
                "1",
                "--operate",
                "SP_SILENT",
                "2.5",
            ],
        ]
        .concat(),
    );
    assert!(!ok, "unanswered operate must fail: {out}");
    assert!(
        err.contains("operate ICC1/SP_SILENT: timeout: no answer within 1 s"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let json: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let failed = json
        .iter()
        .find(|j| j.get("failed").is_some())
        .expect("a failure line");
    assert_eq!(failed["failed"], "operate");
    assert_eq!(failed["device"], "ICC1/SP_SILENT");
    assert_eq!(failed["reason"], "timeout: no answer within 1 s");
    let ignored = server_line(&lines, "\"not_answered\"");
    assert!(
        ignored.contains("SP_SILENT") && ignored.contains("\"operate\""),
        "{ignored}"
    );

    // The server still answers the next client (the withheld request freed its slot).
    let (ok, _, err) = client(
        &addr,
        &[&point[..], &["--duration", "3", "--operate", "BRK_OK", "0"]].concat(),
    );
    assert!(ok, "{err}");
}

#[test]
fn tase2_server_answer_flag_refuses_every_device() {
    let (_server, addr, lines) = server(&[
        "--answer",
        "negative",
        "--refusal",
        "temporarily-unavailable",
    ]);
    let (ok, _, err) = client(&addr, &["--duration", "2", "--operate", "SP_DISC", "3"]);
    assert!(!ok);
    assert!(
        err.contains("operate ICC1/SP_DISC: refused by the server: temporarily-unavailable"),
        "{err}"
    );
    let refused = server_line(&lines, "\"refused\"");
    assert!(
        refused.contains("\"operate\"") && refused.contains("SP_DISC"),
        "{refused}"
    );

    // A bad word is a usage error.
    let out = Command::new(BIN)
        .args(["tase2", "server", "--answer", "maybe", "--duration", "1"])
        .args(["--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not positive, negative or none"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
