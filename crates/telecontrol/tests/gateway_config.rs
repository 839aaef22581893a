//! The gateway configuration: the sample in docs/examples loads; errors name file, line and
//! field.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::Path;
use telecontrol::gateway::config::{load, parse};
use telecontrol::gateway::map::{CommandKind, PointKind};

#[test]
fn the_sample_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/gateway.toml");
    let c = load(&path).unwrap();
    assert_eq!(c.tase2.bind.port(), 10102);
    assert_eq!(c.tase2.peers[0].icc, "ICC1");
    assert_eq!(c.tase2.peers.len(), 1);
    assert_eq!(c.tase2.peers[0].ap_title, vec![1, 3, 9999, 1]);
    assert_eq!(c.rtus.len(), 1);
    let rtu = &c.rtus[0];
    assert_eq!(rtu.points.len(), 5);
    assert_eq!(rtu.points[0].kind, PointKind::State);
    assert_eq!(rtu.points[3].icc.as_deref(), Some("ICC1"));
    assert_eq!(rtu.points[0].icc, None);
    assert_eq!(rtu.devices.len(), 2);
    assert_eq!(rtu.devices[0].command, CommandKind::Single);
    assert!(rtu.devices[0].sbo && rtu.devices[0].rtu_select);
    assert!(!rtu.devices[1].sbo && !rtu.devices[1].rtu_select);
}

#[test]
fn errors_name_file_line_and_field() {
    let base = "[tase2]\nbind = \"127.0.0.1:10102\"\nopen_icc = \"ICC1\"\n";
    let cases = [
        (format!("{base}[[rtu]]\nname = \"A\"\naddress = \"nowhere\"\n"), 6, "rtu[0].address"),
        (
            format!("{base}[[rtu]]\nname = \"A\"\naddress = \"127.0.0.1:1\"\n[[rtu.point]]\nioa = 0\nname = \"P\"\nkind = \"real\"\n"),
            8,
            "rtu[0].point[0].ioa",
        ),
        (
            format!("{base}[[rtu]]\nname = \"A\"\naddress = \"127.0.0.1:1\"\n[[rtu.point]]\nioa = 1\nname = \"P\"\nkind = \"analog\"\n"),
            10,
            "rtu[0].point[0].kind",
        ),
        (
            format!("{base}[[rtu]]\nname = \"A\"\naddress = \"127.0.0.1:1\"\n[[rtu.point]]\nioa = 1\nname = \"1P\"\nkind = \"real\"\n"),
            9,
            "rtu[0].point[0].name",
        ),
        (
            format!("{base}[[rtu]]\nname = \"A\"\naddress = \"127.0.0.1:1\"\n[[rtu.point]]\nioa = 1\nname = \"P\"\nkind = \"real\"\n[[rtu.device]]\nioa = 1\nname = \"D\"\ncommand = \"single\"\n"),
            12,
            "rtu[0].device[0].ioa",
        ),
        (
            format!("{base}[[rtu]]\nname = \"A\"\naddress = \"127.0.0.1:1\"\n[[rtu.device]]\nioa = 2\nname = \"D\"\ncommand = \"step\"\n"),
            10,
            "rtu[0].device[0].command",
        ),
        (
            "[tase2]\nbind = \"127.0.0.1:10102\"\n[[tase2.peer]]\nap_title = \"x\"\nicc = \"ICC1\"\ntable_id = \"T\"\n".into(),
            4,
            "tase2.peer[0].ap_title",
        ),
    ];
    for (text, line, field) in cases {
        let e = parse(Path::new("gw.toml"), &text).unwrap_err();
        assert_eq!(e.line, Some(line), "{e}");
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert!(
            e.to_string()
                .starts_with(&format!("gw.toml:{line}: {field}: ")),
            "{e}"
        );
    }
    // Unknown fields and missing sections are TOML errors with a line.
    let e = parse(
        Path::new("gw.toml"),
        "[tase2]\nbind = \"127.0.0.1:1\"\nopen_icc = \"I\"\ncolour = 1\n",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(4), "{e}");
    // A scope that is no peer's domain.
    let text = format!(
        "{base}[[rtu]]\nname = \"A\"\naddress = \"127.0.0.1:1\"\n[[rtu.point]]\nioa = 1\nname = \"P\"\nkind = \"real\"\nscope = \"ICC9\"\n"
    );
    let e = parse(Path::new("gw.toml"), &text).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(11), Some("rtu[0].point[0].scope")),
        "{e}"
    );
    let e = parse(Path::new("gw.toml"), "").unwrap_err();
    assert!(e.reason.contains("tase2"), "{e}");
}

#[test]
fn the_tase2_send_queue_defaults_to_one_mebibyte_and_is_configurable() {
    let base = "[tase2]\nbind = \"127.0.0.1:10102\"\nopen_icc = \"ICC1\"\n";
    let c = parse(Path::new("gw.toml"), base).unwrap();
    assert_eq!(c.tase2.send_queue, 1024 * 1024);
    let c = parse(Path::new("gw.toml"), &format!("{base}send_queue = 16384\n")).unwrap();
    assert_eq!(c.tase2.send_queue, 16_384);
    let e = parse(Path::new("gw.toml"), &format!("{base}send_queue = -1\n")).unwrap_err();
    assert_eq!(e.line, Some(4), "{e}");
    assert_eq!(e.field.as_deref(), Some("tase2.send_queue"), "{e}");
    // The `tase2 server` file takes the same key at its top level.
    let dir = std::env::temp_dir().join(format!("tc-send-queue-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("server.toml");
    std::fs::write(&file, "send_queue = 32768\n").unwrap();
    let s = telecontrol::simtase2::config::ServerFile::load(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(s.send_queue, Some(32_768));
}
