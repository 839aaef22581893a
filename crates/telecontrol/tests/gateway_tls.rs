//! `gateway --config FILE` with a `[tase2.tls]` table: the gateway publishes its RTU's points
//! over secure ICCP (TASE.2 over TLS); a control centre with a certificate of the CA gets
//! reports, one without TLS does not; a bad table is reported with its line and field.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Stdio};
use std::time::Duration;

mod support;
use support::{Guard, Pki, lines};

const BIN: &str = env!("CARGO_BIN_EXE_telecontrol");
const STEP: Duration = Duration::from_secs(30);

/// The first JSON line of `child`'s stdout whose `event` is `event`.
fn event(child: &mut Guard, event: &str) -> serde_json::Value {
    let rx = lines(child.0.stdout.take().unwrap());
    loop {
        let line = rx
            .recv_timeout(STEP)
            .unwrap_or_else(|_| panic!("no {event:?} line"));
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
            && v["event"] == event
        {
            return v;
        }
    }
}

/// The sample gateway configuration for the RTU at `rtu`, on an ephemeral port, with `tls`
/// appended, written next to the PKI's files.
fn config(pki: &Pki, rtu: &str, tls: &str) -> String {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/gateway.toml"),
    )
    .unwrap()
    .replace("127.0.0.1:2404", rtu)
    .replace("127.0.0.1:10102", "127.0.0.1:0");
    let path = pki.path("gw.toml");
    std::fs::write(&path, format!("{text}\n{tls}")).unwrap();
    path
}

fn spawn(args: &[&str]) -> Guard {
    Guard(
        Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

const TLS: &str = "[tase2.tls]\ncert = \"server.pem\"\nkey = \"server.key\"\nca = \"ca.pem\"\ncrl = [\"ca.crl\"]\n";

#[test]
fn gateway_publishes_over_tls() {
    let pki = Pki::new("gateway-tls");
    let mut rtu = spawn(&["104", "server", "--bind", "127.0.0.1:0", "--json"]);
    let rtu_addr = event(&mut rtu, "listening")["addr"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = config(&pki, &rtu_addr, TLS);
    let mut gw = spawn(&["gateway", "--config", &path, "--json", "--duration", "60"]);
    let tase2 = event(&mut gw, "listening")["tase2"]
        .as_str()
        .unwrap()
        .to_owned();

    let client = |tls: &[String]| {
        Command::new(BIN)
            .args([
                "tase2",
                "client",
                &tase2,
                "--json",
                "--rbe",
                "--duration",
                "2",
            ])
            .args([
                "--table-id",
                "CC_1",
                "--point",
                "RTU1_KV=RealQTimeTagExtended",
            ])
            .args(tls)
            .output()
            .unwrap()
    };
    let out = client(&pki.args("client"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"report\""), "{stdout}");
    assert!(stdout.contains("RTU1_KV"), "{stdout}");

    // Plain TASE.2 on the secure port, and a revoked certificate, are refused.
    assert!(!client(&[]).status.success());
    let out = client(&pki.args("revoked"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TLS refused"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bad_tls_table_names_its_line_and_field() {
    let pki = Pki::new("gateway-tls-bad");
    let path = config(
        &pki,
        "127.0.0.1:2404",
        &TLS.replace("crl = [\"ca.crl\"]\n", "versions = \"1.4\"\n"),
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("versions"))
        .unwrap()
        + 1;
    let out = Command::new(BIN)
        .args(["gateway", "--config", &path, "--duration", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!(":{line}")), "{err}");
    assert!(err.contains("tase2.tls.versions"), "{err}");
}
