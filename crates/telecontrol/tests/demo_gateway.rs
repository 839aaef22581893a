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

#[test]
fn gateway_forwards_a_104_station_and_stops_after_its_duration() {
    // The sample 104 station on an ephemeral port; its first line says where.
    let mut rtu = bin()
        .args([
            "104",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--json",
            "--duration",
            "60",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(rtu.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let listening: serde_json::Value = serde_json::from_str(&first).unwrap();
    let rtu_addr = listening["addr"].as_str().unwrap().to_owned();

    let dir = std::env::temp_dir().join(format!("telecontrol-gw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gw.toml");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/gateway.toml"),
    )
    .unwrap()
    .replace("127.0.0.1:2404", &rtu_addr)
    .replace("127.0.0.1:10102", "127.0.0.1:0");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let mut cmd = bin();
    cmd.args([
        "gateway",
        "--config",
        path.to_str().unwrap(),
        "--duration",
        "3",
        "--json",
    ]);
    let (code, out, err) = run_bounded(cmd, Duration::from_secs(60));
    let _ = rtu.kill();
    let _ = rtu.wait();
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| l["event"] == "rtu_up"), "{out}");
    let stopped = lines
        .iter()
        .find(|l| l["event"] == "stopped")
        .expect("stopped line");
    assert!(stopped["updates"].as_u64().unwrap() > 0, "{out}");
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
