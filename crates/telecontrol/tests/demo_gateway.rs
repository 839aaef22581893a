//! `telecontrol demo` end to end (RTU → gateway → TASE.2 client and the control round trip,
//! all on 127.0.0.1) and `telecontrol gateway` against the sample 104 station.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_telecontrol"))
}

/// Run `cmd` to its end, killing it after `limit`.
fn run_bounded(mut cmd: Command, limit: Duration) -> (Option<i32>, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "did not end within {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn demo_runs_the_round_trip_and_exits_zero() {
    let mut cmd = bin();
    cmd.args(["demo", "--live", "2", "--json"]);
    let (code, out, err) = run_bounded(cmd, Duration::from_secs(120));
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let event = |name: &'static str| lines.iter().filter(move |l| l["event"] == name);
    assert_eq!(event("associated").count(), 1);
    assert!(event("value").count() >= 5, "values arrived live:\n{out}");
    let forwarded: Vec<_> = event("forwarded").collect();
    assert_eq!(forwarded.len(), 1, "{out}");
    assert_eq!(forwarded[0]["ioa"], 1100);
    let rt: Vec<_> = event("round_trip").collect();
    assert_eq!(rt.len(), 1, "{out}");
    assert_eq!(rt[0]["state"], "ON/CLOSED");
    let summary = event("summary").next().expect("a summary");
    assert_eq!(summary["commands"], 1);
    assert!(summary["rtu_asdus"].as_u64().unwrap() > 0);
}

/// Read lines of `child`'s stdout on a thread until one parses as JSON with `event` ==
/// `want`; returns that line. The rest of the output keeps flowing to a sink.
fn wait_for_json(
    reader: BufReader<std::process::ChildStdout>,
    want: &'static str,
) -> (serde_json::Value, std::thread::JoinHandle<Vec<String>>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut sent = false;
        for line in reader.lines().map_while(Result::ok) {
            if !sent
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                && v["event"] == want
            {
                let _ = tx.send(v);
                sent = true;
            }
            seen.push(line);
        }
        seen
    });
    let v = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("no {want:?} line within 60 s"));
    (v, handle)
}

#[test]
fn gateway_forwards_values_and_commands_between_the_binaries() {
    // The sample 104 station on an ephemeral port; its first line says where.
    let mut rtu = bin()
        .args([
            "104",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--json",
            "--duration",
            "90",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (listening, rtu_log) =
        wait_for_json(BufReader::new(rtu.stdout.take().unwrap()), "listening");
    let rtu_addr = listening["addr"].as_str().unwrap().to_owned();

    // The sample gateway configuration, on ephemeral ports, the breaker in the peer's ICC
    // (where `tase2 client --operate` looks for devices).
    let dir = std::env::temp_dir().join(format!("telecontrol-gw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gw.toml");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/gateway.toml"),
    )
    .unwrap()
    .replace("127.0.0.1:2404", &rtu_addr)
    .replace("127.0.0.1:10102", "127.0.0.1:0")
    .replace(
        "select_timeout = 30\n",
        "select_timeout = 30\nscope = \"ICC1\"\n",
    );
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let mut gw = bin()
        .args([
            "gateway",
            "--config",
            path.to_str().unwrap(),
            "--duration",
            "30",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (listening, gw_log) = wait_for_json(BufReader::new(gw.stdout.take().unwrap()), "listening");
    let tase2 = listening["tase2"].as_str().unwrap().to_owned();

    // A control centre: reports of the breaker and the voltage, then close the breaker.
    let mut cc = bin();
    cc.args([
        "tase2",
        "client",
        &tase2,
        "--json",
        "--rbe",
        "--duration",
        "4",
        "--table-id",
        "CC_1",
        "--point",
        "RTU1_BRK1_POS=StateQTimeTagExtended",
        "--point",
        "RTU1_KV=RealQTimeTagExtended",
        "--operate",
        "RTU1_BRK1",
        "1",
    ]);
    let (code, out, err) = run_bounded(cc, Duration::from_secs(90));
    let _ = gw.kill();
    let _ = gw.wait();
    let _ = rtu.kill();
    let _ = rtu.wait();
    let gw_lines = gw_log.join().unwrap();
    let rtu_lines = rtu_log.join().unwrap();
    assert_eq!(
        code,
        Some(0),
        "client stdout:\n{out}\nstderr:\n{err}\ngateway:\n{}",
        gw_lines.join("\n")
    );
    // Values came through the gateway as reports (the voltage changes every tick).
    assert!(out.contains("RTU1_KV"), "{out}");
    // The operate went to the RTU as a 104 command and completed there.
    let gw_events: Vec<serde_json::Value> = gw_lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        gw_events
            .iter()
            .any(|e| e["event"] == "operate" && e["ioa"] == 1100),
        "{gw_lines:?}"
    );
    // The gateway shows the points it publishes as they change.
    assert!(
        gw_events
            .iter()
            .any(|e| e["event"] == "point" && e["point"] == "RTU1_KV"),
        "{gw_lines:?}"
    );
    assert!(
        gw_events
            .iter()
            .any(|e| e["event"] == "command_done" && e["ok"] == true),
        "{gw_lines:?}"
    );
    assert!(
        rtu_lines.iter().any(|l| l.contains("1100")),
        "the RTU logged the command: {rtu_lines:?}"
    );
    // And the breaker's new position came back to the control centre.
    assert!(
        out.lines()
            .any(|l| l.contains("RTU1_BRK1_POS") && l.to_ascii_lowercase().contains("closed")),
        "{out}"
    );
}

#[test]
fn gateway_rejects_a_bad_configuration_with_file_and_line() {
    let dir = std::env::temp_dir().join(format!("telecontrol-gwbad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[tase2]\nbind = \"127.0.0.1:0\"\n[[rtu]]\nname = \"A\"\naddress = \"x\"\n",
    )
    .unwrap();
    let mut cmd = bin();
    cmd.args(["gateway", "--config", path.to_str().unwrap()]);
    let (code, _out, err) = run_bounded(cmd, Duration::from_secs(30));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bad.toml:5: rtu[0].address:"), "{err}");
}
