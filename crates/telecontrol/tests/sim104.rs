//! `telecontrol 104 server` and `telecontrol 104 client`, as built, against each other on
//! 127.0.0.1 (ephemeral ports). Every child is killed when its guard drops.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod support;
use support::{BIN, Guard};

/// A running `104 server --json`: its address and its log lines.
struct TestServer {
    _guard: Guard,
    addr: String,
    log: mpsc::Receiver<String>,
}

fn server(extra: &[&str]) -> TestServer {
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
        .args(extra)
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
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("no listening line");
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["event"], "listening", "{first}");
    TestServer {
        _guard: guard,
        addr: v["addr"].as_str().unwrap().to_owned(),
        log: rx,
    }
}

/// Run the client to completion (killed after `limit`).
fn client(args: &[&str], limit: Duration) -> Output {
    let child = Command::new(BIN)
        .args(["104", "client"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = Guard(child);
    let start = Instant::now();
    loop {
        if guard.0.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            start.elapsed() < limit,
            "client still running after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Reaped already; take the output from the pipes.
    let mut out = Vec::new();
    let mut err = Vec::new();
    use std::io::Read as _;
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

fn asdus(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|r| {
            assert_eq!(r["protocol"], "104");
            assert!(r.get("error").is_none(), "malformed: {r}");
            r["asdu"].clone()
        })
        .collect()
}

/// The value of object `ioa` in the first ASDU of `type_name` with `cause`.
fn value_of(asdus: &[Value], type_name: &str, cause: &str, ioa: u64) -> Option<Value> {
    asdus
        .iter()
        .filter(|a| a["type"] == type_name && a["cause"] == cause)
        .flat_map(|a| a["objects"].as_array().unwrap().iter())
        .find(|o| o["ioa"] == ioa)
        .map(|o| o["value"].clone())
}

fn positive(asdus: &[Value], type_name: &str, cause: &str) -> bool {
    asdus
        .iter()
        .any(|a| a["type"] == type_name && a["cause"] == cause && a["negative"] == false)
}

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn client_against_server_gi_commands_clock_sync() {
    let s = server(&[]);
    let out = client(
        &[
            &s.addr,
            "--json",
            "--gi",
            "--clock-sync",
            "--command",
            "single:1100:on",
            "--command",
            "float:1700:12.5",
            "--command",
            "step:1300:higher",
            "--command",
            "scaled:1600:-7",
            "--select",
            "--duration",
            "2",
        ],
        LIMIT,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "client failed: {stderr}");
    let a = asdus(&out);
    // Interrogated values of the sample.
    assert_eq!(
        value_of(&a, "M_SP_NA_1", "inrogen", 100),
        Some(Value::Bool(false))
    );
    assert_eq!(
        value_of(&a, "M_DP_NA_1", "inrogen", 200),
        Some("off".into())
    );
    assert_eq!(
        value_of(&a, "M_ME_NC_1", "inrogen", 700),
        Some(230.5.into())
    );
    assert_eq!(
        value_of(&a, "M_ME_NB_1", "inrogen", 600),
        Some((-100).into())
    );
    assert!(positive(&a, "C_IC_NA_1", "actterm"));
    // Clock sync confirmed.
    assert!(positive(&a, "C_CS_NA_1", "actcon"));
    // Select then execute, both confirmed; the status point follows.
    let sc: Vec<&Value> = a
        .iter()
        .filter(|x| x["type"] == "C_SC_NA_1" && x["cause"] == "actcon")
        .collect();
    assert_eq!(sc.len(), 2, "select and execute confirmations: {sc:?}");
    assert_eq!(sc[0]["objects"][0]["value"]["select"], true);
    assert_eq!(sc[1]["objects"][0]["value"]["select"], false);
    assert!(sc.iter().all(|x| x["negative"] == false));
    assert_eq!(
        value_of(&a, "M_SP_TB_1", "retrem", 100),
        Some(Value::Bool(true))
    );
    // The order masters expect: ACTCON, the return information, ACTTERM.
    let at = |t: &str, c: &str, ioa: u64| {
        a.iter()
            .rposition(|x| x["type"] == t && x["cause"] == c && x["objects"][0]["ioa"] == ioa)
            .unwrap_or_else(|| panic!("no {t} {c} {ioa}: {a:?}"))
    };
    let (con, ret, term) = (
        at("C_SC_NA_1", "actcon", 1100),
        at("M_SP_TB_1", "retrem", 100),
        at("C_SC_NA_1", "actterm", 1100),
    );
    assert!(con < ret && ret < term, "single: {con} {ret} {term}");
    let (con, ret, term) = (
        at("C_RC_NA_1", "actcon", 1300),
        at("M_ST_TB_1", "retrem", 300),
        at("C_RC_NA_1", "actterm", 1300),
    );
    assert!(con < ret && ret < term, "step: {con} {ret} {term}");
    // Set-point.
    assert!(positive(&a, "C_SE_NC_1", "actcon"));
    assert_eq!(value_of(&a, "M_ME_TF_1", "spont", 700), Some(12.5.into()));
    // Regulating step (return information) and scaled set-point (spontaneous new value).
    assert!(positive(&a, "C_RC_NA_1", "actcon") && positive(&a, "C_SE_NB_1", "actcon"));
    let step = value_of(&a, "M_ST_TB_1", "retrem", 300).unwrap();
    assert_eq!(step["value"], 1);
    assert_eq!(value_of(&a, "M_ME_TE_1", "spont", 600), Some((-7).into()));
    // Spontaneous events with CP56Time2a.
    let spont: Vec<&Value> = a.iter().filter(|x| x["cause"] == "spont").collect();
    assert!(spont.iter().any(|x| x["type"] == "M_ME_TF_1"), "{spont:?}");
    assert!(
        spont
            .iter()
            .all(|x| x["objects"][0]["time"]["iso"].is_string())
    );

    // A second client sees the changed status point in its interrogation.
    let out = client(&[&s.addr, "--json", "--gi", "--duration", "0.5"], LIMIT);
    assert!(out.status.success());
    let a = asdus(&out);
    assert_eq!(
        value_of(&a, "M_SP_NA_1", "inrogen", 100),
        Some(Value::Bool(true))
    );
    assert_eq!(value_of(&a, "M_ME_NC_1", "inrogen", 700), Some(12.5.into()));

    // The server logged the clock sync and the commands.
    let log: Vec<Value> = s
        .log
        .try_iter()
        .map(|l| serde_json::from_str(&l).unwrap())
        .collect();
    assert!(log.iter().any(|e| e["event"] == "clock_sync"), "{log:?}");
    assert!(
        log.iter()
            .any(|e| e["event"] == "command" && e["action"] == "select" && e["ioa"] == 1100)
    );
}

#[test]
fn negative_confirmation_fails_the_client() {
    let s = server(&[]);
    // 1700 takes float set-points, not single commands.
    let out = client(
        &[&s.addr, "--command", "single:1700:on", "--duration", "1"],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("negative confirmation"), "{stderr}");
}

#[test]
fn refused_connection_is_a_clear_failure() {
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = client(&[&format!("127.0.0.1:{port}"), "--gi"], LIMIT);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
}

#[test]
fn broken_config_names_file_line_and_field() {
    let dir = std::env::temp_dir().join(format!("sim104-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "ca = 3\n\n[[point]]\nioa = 10\ntype = \"single\"\nvalue = \"maybe\"\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["104", "server", "--bind", "127.0.0.1:0", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:6: point[0].value", path.display())),
        "{stderr}"
    );
    // A syntax error names its line too.
    std::fs::write(&path, "ca = 3\n[[point]\n").unwrap();
    let out = Command::new(BIN)
        .args(["104", "server", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2", path.display())),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sample_config_is_served() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/104-server.toml"
    );
    let spec = telecontrol::sim104::config::load(std::path::Path::new(file)).unwrap();
    assert_eq!(spec.ca, 7);
    assert_eq!(spec.commands.len(), 3);
    let s = server(&["--config", file]);
    let out = client(
        &[
            &s.addr,
            "--json",
            "--ca",
            "7",
            "--gi",
            "--ci",
            "--command",
            "double:2001:on",
            "--select",
            "--duration",
            "0.5",
        ],
        LIMIT,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = asdus(&out);
    assert_eq!(
        value_of(&a, "M_ME_NB_1", "inrogen", 1101),
        Some((-12).into())
    );
    assert_eq!(value_of(&a, "M_DP_TB_1", "retrem", 1001), Some("on".into()));
    let counter = value_of(&a, "M_IT_NA_1", "reqcogen", 1300).unwrap();
    assert!(counter["counter"].as_i64().unwrap() >= 123_456);
}
