//! `104 server --answer IOA=negative|none` against `104 client`: the client reports the
//! negative confirmation and the missing confirmation and exits 1; the positive point works.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_telecontrol"))
}

fn run_bounded(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the client did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn configured_answers_reach_the_client() {
    let mut server = bin()
        .args([
            "104",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--json",
            "--duration",
            "60",
            "--answer",
            "1200=negative",
            "--answer",
            "1500=none",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    // Keep reading: a closed pipe would end the server at its next log line.
    let log = std::thread::spawn(move || out.lines().map_while(Result::ok).collect::<Vec<_>>());
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    let addr = v["addr"].as_str().unwrap().to_owned();
    let client = |command: &str| {
        let mut c = bin();
        c.args([
            "104",
            "client",
            &addr,
            "--command",
            command,
            "--timeout",
            "3",
            "--duration",
            "4",
        ]);
        run_bounded(c)
    };
    let (code, err) = client("double:1200:on");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("negative confirmation"), "{err}");
    let (code, err) = client("normalized:1500:0.5");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("timeout"), "{err}");
    let (code, err) = client("single:1100:on");
    assert_eq!(code, Some(0), "{err}");
    let _ = server.kill();
    let _ = server.wait();
    let log = log.join().unwrap();
    assert!(
        log.iter()
            .any(|l| l.contains("\"answered\":false") && l.contains("1500")),
        "the server logged the unanswered command: {log:?}"
    );
}

#[test]
fn a_bad_answer_option_is_a_usage_error() {
    let (code, err) = run_bounded({
        let mut c = bin();
        c.args(["104", "server", "--answer", "1200=maybe"]);
        c
    });
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = run_bounded({
        let mut c = bin();
        c.args([
            "104",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--termination",
            "4242=never",
        ]);
        c
    });
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no command point 4242"), "{err}");
}
