//! `telecontrol tase2 server|client` over TLS (secure ICCP, IEC 62351-4 / -3), as built, on
//! 127.0.0.1 (ephemeral port), with certificates, keys and a CRL written by rcgen to a
//! temporary directory: the `--tls-*` options on both sides and the server config's `[tls]`
//! table; a valid client associates and receives reports, a revoked one and a plain-TCP one
//! fail. Every child is killed when its guard drops; every wait is bounded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    missing_docs
)]

use std::process::{Command, Stdio};

mod support;
use support::{BIN, Guard, Pki, tase2_client as client, tase2_server};

/// The server with `extra` arguments, and its address.
fn server(extra: &[String]) -> (Guard, String) {
    let (guard, addr, _lines) = tase2_server(extra);
    (guard, addr)
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

/// The associated line and at least one report, as JSON.
fn assert_reports(ok: bool, out: &str, err: &str, table: &str) {
    assert!(ok, "client failed: {err}\n{out}");
    let json: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(json[0]["associated"]["table_id"], table, "{out}");
    assert!(json.iter().any(|j| j.get("report").is_some()), "{out}");
}

#[test]
fn tase2_cli_over_tls_with_options() {
    let pki = Pki::new("t2-options");
    let (_server, addr) = server(&pki.args("server"));
    let mut args = strings(&["--duration", "2", "--json", "--rbe", "--integrity", "1"]);
    args.extend(pki.args("client"));
    let (ok, out, err) = client(&addr, &args);
    assert_reports(ok, &out, &err, "SAMPLE_TABLE_V1");
    // The start line tells what the connection negotiated (a new process: a full handshake).
    let start: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let tls = &start["associated"]["tls"];
    assert_eq!(tls["version"], "TLSv1_3", "{out}");
    assert!(
        tls["cipher_suite"].as_str().unwrap().starts_with("TLS13_"),
        "{out}"
    );
    assert_eq!(tls["resumed"], false, "{out}");
    // And logs it (info, on stderr when piped).
    assert!(
        err.contains("TLS session")
            && err.contains("version=TLSv1_3 ")
            && err.contains("resumed=false"),
        "{err}"
    );
    let server = telecontrol_tls::TlsConfig::from_pem_files(
        pki.path("server.pem").as_ref(),
        pki.path("server.key").as_ref(),
    )
    .unwrap();
    assert_eq!(
        tls["peer_fingerprint"],
        server.fingerprint().unwrap().to_string(),
        "{out}"
    );

    // A revoked client certificate: the server refuses it; the client says TLS.
    let mut args = strings(&["--duration", "1"]);
    args.extend(pki.args("revoked"));
    let (ok, _, err) = client(&addr, &args);
    assert!(!ok);
    assert!(err.contains("TLS refused"), "{err}");

    // Plain MMS on the TLS port fails.
    let (ok, _, err) = client(&addr, &strings(&["--duration", "1"]));
    assert!(!ok);
    assert!(err.contains("associate"), "{err}");
}

#[test]
fn tase2_cli_over_tls_from_the_config_table() {
    let pki = Pki::new("t2-table");
    let config = r#"
[[point]]
domain = "VCC"
name = "FEEDER_P"
kind = "RealQTimeTag"

[[table]]
icc = "CC_B"
id = "B_TABLE_TLS"
ap_title = "1.3.9999.1"
ae_qualifier = 12
vcc_default = ["read"]
icc_default = ["read"]

[tls]
cert = "server.pem"
key = "server.key"
ca = "ca.pem"
crl = ["ca.crl"]
handshake_timeout = 5
"#;
    let path = pki.dir.join("server.toml");
    std::fs::write(&path, config).unwrap();
    let (_server, addr) = server(&strings(&["--config", path.to_str().unwrap()]));
    let mut args = strings(&[
        "--duration",
        "2",
        "--json",
        "--integrity",
        "1",
        "--icc",
        "CC_B",
        "--table-id",
        "B_TABLE_TLS",
        "--point",
        "FEEDER_P=RealQTimeTag",
    ]);
    args.extend(pki.args("client"));
    let (ok, out, err) = client(&addr, &args);
    assert_reports(ok, &out, &err, "B_TABLE_TLS");
    // The table made the server speak TLS: plain TCP fails.
    let (ok, _, _) = client(
        &addr,
        &strings(&[
            "--duration",
            "1",
            "--icc",
            "CC_B",
            "--point",
            "FEEDER_P=RealQTimeTag",
        ]),
    );
    assert!(!ok);
}

#[test]
fn tase2_cli_tls_table_errors_name_the_line() {
    let pki = Pki::new("t2-errors");
    let path = pki.dir.join("bad.toml");
    std::fs::write(
        &path,
        "open = true\n\n[tls]\ncert = \"s.pem\"\nkey = \"s.key\"\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args([
            "tase2",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--duration",
            "5",
        ])
        .args(["--config", path.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:4: tls: needs `ca` and/or `allow`"),
        "{err}"
    );
}
