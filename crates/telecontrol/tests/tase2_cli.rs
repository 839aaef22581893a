//! `telecontrol tase2 server` (built-in sample) and `telecontrol tase2 client`, as built,
//! against each other on 127.0.0.1 (ephemeral port): association check, data set,
//! critical RBE + integrity transfer set with JSON reports, select/operate, a message
//! each way; a stranger and a wrong table id fail. Every child is killed when its guard
//! drops; every wait is bounded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod support;
use support::{line_with as server_line, tase2_client as client, tase2_server as server_with};

/// The built-in sample server.
fn server() -> (support::Guard, String, std::sync::mpsc::Receiver<String>) {
    server_with::<&str>(&[])
}

#[test]
fn tase2_cli_client_against_sample_server() {
    let (_server, addr, lines) = server();
    let (ok, out, err) = client(
        &addr,
        &[
            "--duration",
            "2",
            "--json",
            "--rbe",
            "--integrity",
            "1",
            "--critical",
            "--operate",
            "BRK_1",
            "1",
            "--message",
            "hello from B",
        ],
    );
    assert!(ok, "client failed: {err}\n{out}");
    let json: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let assoc = &json[0]["associated"];
    assert_eq!(assoc["table_id"], "SAMPLE_TABLE_V1");
    assert_eq!(assoc["version"], serde_json::json!([2000, 8]));
    assert_eq!(assoc["blocks"], serde_json::json!([1, 2, 4, 5]));
    assert_eq!(assoc["tls"], serde_json::Value::Null, "plain TCP");
    assert!(json.iter().any(|j| j["operated"] == "ICC1/BRK_1"), "{out}");
    let reports: Vec<_> = json.iter().filter(|j| j.get("report").is_some()).collect();
    assert!(!reports.is_empty(), "{out}");
    assert!(reports.iter().all(|r| r["critical"] == true));
    // An integrity report carries every point of the data set, typed.
    let full = reports
        .iter()
        .find(|r| r["report"] == "named-list")
        .expect("integrity report");
    let values = full["values"].as_object().unwrap();
    assert_eq!(values.len(), 18, "{full}");
    assert_eq!(values["V_RealQ"]["type"], "Data_RealQ");
    assert!(values["V_RealQ"]["value"].is_number());
    assert_eq!(
        values["V_StateQTimeTagExtended"]["type"],
        "Data_StateQTimeTagExtended"
    );
    assert!(values["ICC1/I_BREAKER"]["flags"]["state"].is_string());
    // The sample server's periodic message reached the client that enabled messages.
    assert!(json.iter().any(|j| j.get("message").is_some()), "{out}");

    let op = server_line(&lines, "\"operate\"");
    assert!(
        op.contains("BRK_1") && op.contains("SAMPLE_TABLE_V1"),
        "{op}"
    );
    let msg = server_line(&lines, "hello from B");
    assert!(msg.contains("\"message\""), "{msg}");

    // A stranger is refused; a table id mismatch fails the check.
    let (ok, _, err) = client(&addr, &["--duration", "1", "--ap-title", "1.3.9999.7"]);
    assert!(!ok);
    assert!(err.contains("not associated"), "{err}");
    let (ok, _, err) = client(&addr, &["--duration", "1", "--table-id", "OTHER"]);
    assert!(!ok);
    assert!(err.contains("Bilateral_Table_ID"), "{err}");
}

const CONFIG: &str = r#"
[[point]]
domain = "VCC"
name = "FEEDER_P"
kind = "RealQTimeTag"

[[point]]
domain = "CC_B"
name = "BUS_STATE"
kind = "StateQ"

[[device]]
domain = "CC_B"
name = "SP_1"
kind = "real"
select_timeout_s = 10
check_back_id = 9

[[buffer]]
domain = "CC_B"
size = 128

[[table]]
icc = "CC_B"
id = "B_TABLE_3"
ap_title = "1.3.9999.1"
ae_qualifier = 12
vcc_default = ["read"]
icc_default = ["read"]
objects = [{ name = "CC_B/SP_1", rights = ["operate"] }]
"#;

#[test]
fn tase2_cli_server_from_a_toml_file() {
    let path = std::env::temp_dir().join(format!("tase2_cli_{}.toml", std::process::id()));
    std::fs::write(&path, CONFIG).unwrap();
    let (_server, addr, lines) = server_with(&["--config", path.to_str().unwrap()]);
    let (ok, out, err) = client(
        &addr,
        &[
            "--duration",
            "2",
            "--json",
            "--rbe",
            "--integrity",
            "1",
            "--icc",
            "CC_B",
            "--table-id",
            "B_TABLE_3",
            "--point",
            "FEEDER_P=RealQTimeTag",
            "--point",
            "CC_B/BUS_STATE=StateQ",
            "--operate",
            "SP_1",
            "42.5",
        ],
    );
    let _ = std::fs::remove_file(&path);
    assert!(ok, "client failed: {err}\n{out}");
    assert!(out.contains("\"operated\":\"CC_B/SP_1\""), "{out}");
    let report: serde_json::Value = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|j| j["report"] == "named-list")
        .expect("integrity report");
    assert_eq!(report["values"]["FEEDER_P"]["type"], "Data_RealQTimeTag");
    assert_eq!(report["values"]["CC_B/BUS_STATE"]["type"], "Data_StateQ");
    let op = server_line(&lines, "\"operate\"");
    assert!(op.contains("SP_1") && op.contains("B_TABLE_3"), "{op}");
}
