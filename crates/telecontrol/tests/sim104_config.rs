//! The `104 server` config validation and the `104 client` command syntax, as a library.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;
use telecontrol::sim104::config::{ConfigError, parse};
use telecontrol::sim104::points::{CommandKind, Monitor};
use telecontrol::sim104::{CommandArg, asdu_report};

fn err(text: &str) -> ConfigError {
    parse(Path::new("s.toml"), text).unwrap_err()
}

#[test]
fn valid_config_with_defaults() {
    let s = parse(
        Path::new("s.toml"),
        "[[point]]\nioa = 5\ntype = \"M_ME_NC_1\"\nvalue = 2\n\
         [[command]]\nioa = 6\ntype = \"C_SE_NC_1\"\nstatus = 5\n",
    )
    .unwrap();
    assert_eq!(s.ca, 1);
    assert_eq!(s.points[0].value, Monitor::Float(2.0));
    assert!(!s.points[0].simulate);
    assert_eq!(s.commands[0].kind, CommandKind::Float);
}

#[test]
fn errors_name_line_and_field() {
    let e = err("ca = 0\n");
    assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("ca")));
    let e = err("[[point]]\nioa = 1\ntype = \"step\"\nvalue = 64\n");
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(4), Some("point[0].value"))
    );
    assert!(e.reason.contains("-64..=63"), "{e}");
    let e = err("[[point]]\nioa = 16777216\ntype = \"single\"\nvalue = true\n");
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(2), Some("point[0].ioa"))
    );
    let e = err("[[point]]\nioa = 1\ntype = \"single\"\nvalue = true\n\
         [[point]]\nioa = 1\ntype = \"single\"\nvalue = false\n");
    assert_eq!(e.line, Some(6));
    assert!(e.reason.contains("used twice"), "{e}");
    let e = err("[[command]]\nioa = 2\ntype = \"single\"\nmode = \"sometimes\"\nstatus = 1\n");
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(4), Some("command[0].mode"))
    );
    let e = err("[[command]]\nioa = 2\ntype = \"single\"\nstatus = 1\n");
    assert!(e.reason.contains("no [[point]] with ioa 1"), "{e}");
    // Unknown keys and syntax errors come from the TOML parser with their line.
    let e = err("[[point]]\nioa = 1\ntype = \"single\"\nvalue = true\ncolour = 3\n");
    assert_eq!(e.line, Some(5));
    assert_eq!(
        e.to_string().split(':').take(2).collect::<Vec<_>>(),
        ["s.toml", "5"]
    );
}

#[test]
fn command_arguments() {
    let c: CommandArg = "single:1100:on".parse().unwrap();
    assert_eq!((c.kind, c.ioa), (CommandKind::Single, 1100));
    let c: CommandArg = "C_SE_NB_1:7:-5".parse().unwrap();
    assert_eq!(c.kind, CommandKind::Scaled);
    assert!("step:1:sideways".parse::<CommandArg>().is_err());
    assert!("normalized:1:1.5".parse::<CommandArg>().is_err());
    assert!("single:0:on".parse::<CommandArg>().is_err());
    assert!("single:on".parse::<CommandArg>().is_err());
    assert!("valve:1:on".parse::<CommandArg>().is_err());
}

#[test]
fn received_asdu_report_uses_the_decode_schema() {
    // M_ME_NC_1, 1 object, spontaneous, CA 1, IOA 700 = 230.5.
    let asdu = [13, 1, 3, 0, 1, 0, 0xbc, 2, 0, 0, 0x80, 0x66, 0x43, 0];
    let r = asdu_report(&asdu);
    let a = r.asdu.as_ref().unwrap();
    assert_eq!(
        (a.type_name.as_str(), a.cause.as_str()),
        ("M_ME_NC_1", "spont")
    );
    assert_eq!(a.objects[0].ioa, 700);
    assert_eq!(a.objects[0].value, serde_json::json!(230.5));
    assert_eq!(r.raw, "0d 01 03 00 01 00 bc 02 00 00 80 66 43 00");
    // A truncated ASDU is reported malformed, offset within the ASDU.
    let r = asdu_report(&asdu[..8]);
    assert!(r.error.is_some() && r.asdu.is_none());
}
