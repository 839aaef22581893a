//! The `telecontrol decode` binary on hex inputs and on pcaps written with `TcpPcapWriter`:
//! tree and JSON output, malformed frames reported with offsets while the rest decodes,
//! exit codes.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the point

use capture::TcpPcapWriter;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_telecontrol"))
        .args(args)
        .output()
        .unwrap()
}

fn run_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_telecontrol"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A pcap file in the test's own temporary directory.
fn temp_pcap(name: &str, w: TcpPcapWriter) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("decode_cli-{name}.pcap"));
    w.write_file(&path).unwrap();
    path
}

const STARTDT_ACT: &str = "68 04 07 00 00 00";
const STARTDT_CON: [u8; 6] = [0x68, 0x04, 0x0B, 0x00, 0x00, 0x00];

#[test]
fn u_and_s_frames_as_tree_exit_zero() {
    let o = run(&["decode", "104", STARTDT_ACT, "68:04:01:00:0a:00"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = stdout(&o);
    assert!(text.contains("input 1, offset 0"), "{text}");
    assert!(text.contains("APCI U: STARTDT_ACT"), "{text}");
    assert!(text.contains("APCI S: N(R)=5"), "{text}");
    assert!(text.contains("2 frame(s), 0 malformed"), "{text}");
}

#[test]
fn json_has_apci_fields_and_concatenated_frames_split() {
    let o = run(&[
        "decode",
        "104",
        "--json",
        "680443000000 68048300000068040100feff",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json_lines(&o);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["apci"], "U");
    assert_eq!(v[0]["function"], "TESTFR_ACT");
    assert_eq!(v[1]["function"], "TESTFR_CON");
    assert_eq!(v[1]["offset"], 6);
    assert_eq!(v[2]["apci"], "S");
    assert_eq!(v[2]["recv_seq"], 32767);
    assert_eq!(v[2]["input"], 1);
    assert!(v[2].get("send_seq").is_none());
    assert!(v.iter().all(|r| r.get("error").is_none()));
}

#[test]
fn garbage_and_bad_frames_are_reported_with_offsets_and_decoding_goes_on() {
    // STARTDT act | 2 garbage octets | U frame with two function bits | TESTFR con | 68 04 (cut)
    let o = run(&[
        "decode",
        "104",
        "--json",
        "680407000000 ffff 680417000000 680483000000 6804",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json_lines(&o);
    assert_eq!(v.len(), 5, "{v:?}");
    assert_eq!(v[0]["function"], "STARTDT_ACT");
    assert_eq!(v[1]["offset"], 6);
    assert_eq!(v[1]["error"]["offset"], 6);
    assert!(
        v[1]["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("2 octet(s)")
    );
    // The bad U frame keeps its length: the next frame starts right after it.
    assert_eq!(v[2]["offset"], 8);
    assert_eq!(v[2]["error"]["offset"], 10);
    assert_eq!(v[2]["raw"], "68 04 17 00 00 00");
    assert_eq!(v[3]["function"], "TESTFR_CON");
    assert_eq!(v[3]["offset"], 14);
    assert_eq!(v[4]["offset"], 20);
    assert!(
        v[4]["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );

    let tree = stdout(&run(&["decode", "104", "ff 680407000000"]));
    assert!(
        tree.contains("MALFORMED at offset 0: 1 octet(s) before a start octet skipped"),
        "{tree}"
    );
    assert!(tree.contains("2 frame(s), 1 malformed"), "{tree}");
}

#[test]
fn bad_length_resynchronises_on_the_next_start_octet() {
    // Length 2 is below the minimum 4: framing is lost, the next 0x68 is a new frame.
    let o = run(&["decode", "104", "--json", "6802 0000 680407000000"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json_lines(&o);
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(v[0]["raw"], "68 02 00 00");
    assert_eq!(v[0]["error"]["offset"], 1);
    assert_eq!(v[1]["function"], "STARTDT_ACT");
    assert_eq!(v[1]["offset"], 4);
}

#[test]
fn text_that_is_not_hex_exits_two_and_others_still_decode() {
    let o = run(&["decode", "104", "--json", "68 0g", STARTDT_ACT]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("input 1") && err.contains("offset 4"), "{err}");
    let v = json_lines(&o);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["input"], 2);
}

#[test]
fn stdin_lines_are_inputs() {
    let o = run_stdin(
        &["decode", "104", "--json"],
        "68 04 07 00 00 00\n\n680443000000\n",
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json_lines(&o);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["input"], 2);
    assert_eq!(v[1]["function"], "TESTFR_ACT");
}

#[test]
fn pcap_streams_are_split_per_direction_with_frame_numbers() {
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 40_000, [10, 0, 0, 2], 2404);
    w.send(true, &[0x68, 0x04, 0x07, 0x00]); // frame 4: half of STARTDT act
    w.send(false, &STARTDT_CON[..3]); // frame 5: half of STARTDT con
    w.send(true, &[0x00, 0x00]); // frame 6 completes STARTDT act
    let mut two = STARTDT_CON[3..].to_vec();
    two.extend_from_slice(&[0x68, 0x04, 0x43, 0x00, 0x00, 0x00]);
    w.send(false, &two); // frame 7 completes STARTDT con and carries TESTFR act
    let path = temp_pcap("split", w);
    let o = run(&["decode", "104", "--json", "--pcap", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json_lines(&o);
    assert_eq!(v.len(), 3, "{v:?}");
    assert_eq!(v[0]["frame"], 6);
    assert_eq!(v[0]["function"], "STARTDT_ACT");
    assert_eq!(v[0]["direction"], "client_to_server");
    assert_eq!(v[0]["flow"], "10.0.0.1:40000 -> 10.0.0.2:2404");
    assert_eq!(v[1]["frame"], 7);
    assert_eq!(v[1]["function"], "STARTDT_CON");
    assert_eq!(v[1]["direction"], "server_to_client");
    assert_eq!(v[2]["frame"], 7);
    assert_eq!(v[2]["offset"], 6);
    assert_eq!(v[2]["function"], "TESTFR_ACT");

    let tree = stdout(&run(&["decode", "104", "--pcap", path.to_str().unwrap()]));
    assert!(
        tree.contains("frame 7, 10.0.0.2:2404 -> 10.0.0.1:40000, offset 6"),
        "{tree}"
    );
}

#[test]
fn pcap_garbage_in_one_direction_leaves_the_other_intact() {
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 40_001, [10, 0, 0, 2], 2404);
    w.send(
        true,
        &[0x68, 0x04, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03],
    );
    w.send(false, &STARTDT_CON);
    w.send(true, &[0x68, 0x04, 0x43, 0x00, 0x00, 0x00, 0x68, 0x04]);
    let path = temp_pcap("garbage", w);
    let o = run(&["decode", "104", "--json", "--pcap", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json_lines(&o);
    let summary: Vec<(Option<u64>, u64, bool)> = v
        .iter()
        .map(|r| {
            (
                r["frame"].as_u64(),
                r["offset"].as_u64().unwrap(),
                r.get("error").is_some(),
            )
        })
        .collect();
    // STARTDT act and 3 garbage octets (frame 4); STARTDT con; TESTFR act; the cut frame at
    // the end of the stream (no frame number).
    assert_eq!(
        summary,
        [
            (Some(4), 0, false),
            (Some(4), 6, true),
            (Some(5), 0, false),
            (Some(6), 9, false),
            (None, 15, true),
        ],
        "{v:?}"
    );
}

#[test]
fn pcap_port_option_selects_the_stream() {
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 40_002, [10, 0, 0, 2], 2405);
    w.send(true, &[0x68, 0x04, 0x07, 0x00, 0x00, 0x00]);
    let path = temp_pcap("port", w);
    let p = path.to_str().unwrap();
    let none = run(&["decode", "104", "--json", "--pcap", p]);
    assert_eq!(none.status.code(), Some(0));
    assert!(stdout(&none).is_empty());
    let v = json_lines(&run(&[
        "decode", "104", "--json", "--pcap", p, "--port", "2405",
    ]));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["direction"], "client_to_server");
}

#[test]
fn unreadable_capture_exits_two() {
    let o = run(&["decode", "104", "--pcap", "/nonexistent/x.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("decode_cli-not-a-pcap");
    std::fs::write(&path, b"hello world").unwrap();
    let o = run(&["decode", "104", "--pcap", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a readable pcap"));
}

#[test]
fn ft12_fixed_single_char_and_checksum_error() {
    // Request link status to address 1 | same with a wrong checksum | E5
    let o = run(&[
        "decode",
        "101",
        "--json",
        "10 49 01 4a 16",
        "10 49 01 4b 16 e5",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json_lines(&o);
    assert_eq!(v.len(), 3, "{v:?}");
    assert_eq!(v[0]["link"]["kind"], "fixed");
    assert_eq!(v[0]["link"]["prm"], true);
    assert_eq!(v[0]["link"]["function_code"], 9);
    assert_eq!(v[0]["link"]["address"], 1);
    assert_eq!(v[1]["error"]["offset"], 3);
    assert!(
        v[1]["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("checksum")
    );
    assert_eq!(v[2]["input"], 2);
    assert_eq!(v[2]["offset"], 5);
    assert_eq!(v[2]["link"]["kind"], "single_char");
    // Two-octet link address.
    let v = json_lines(&run(&[
        "decode",
        "101",
        "--json",
        "--link-address-size",
        "2",
        "10 0b 34 12 51 16",
    ]));
    assert_eq!(v[0]["link"]["address"], 0x1234);
    assert_eq!(v[0]["link"]["prm"], false);
    assert_eq!(v[0]["link"]["function_code"], 11);
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(
        run(&["decode", "104", "--port", "1"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["decode", "101", "--ioa-size", "4", "e5"])
            .status
            .code(),
        Some(2)
    );
    let help = stdout(&run(&["decode", "104", "--help"]));
    assert!(
        help.contains("Examples:") && help.contains("--pcap"),
        "{help}"
    );
}

#[test]
fn i_frame_asdu_as_json_with_quality_and_time() {
    // M_ME_NC_1 spont CA 1 IOA 100 1.5 (QDS IV) | M_SP_TB_1 spont test CA 258 IOA 101 ON, time
    let o = run(&[
        "decode",
        "104",
        "--json",
        "6812 0200 0000 0d01 0300 0100 640000 0000c03f 80",
        "6815 0400 0600 1e01 8305 0201 650000 01 e803 83 8a 0b 0b 15",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json_lines(&o);
    let a = &v[0]["asdu"];
    assert_eq!(v[0]["send_seq"], 1);
    assert_eq!(a["type_id"], 13);
    assert_eq!(a["type"], "M_ME_NC_1");
    assert_eq!(a["cot"], 3);
    assert_eq!(a["cause"], "spont");
    assert_eq!(a["ca"], 1);
    assert_eq!(a["objects"][0]["ioa"], 100);
    assert_eq!(a["objects"][0]["value"], 1.5);
    assert_eq!(a["objects"][0]["quality"]["iv"], true);
    assert_eq!(a["objects"][0]["quality"]["ov"], false);
    assert!(a["objects"][0].get("time").is_none());

    let b = &v[1]["asdu"];
    assert_eq!(
        (v[1]["send_seq"].as_u64(), v[1]["recv_seq"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(b["type"], "M_SP_TB_1");
    assert_eq!(b["test"], true);
    assert_eq!(b["oa"], 5);
    assert_eq!(b["ca"], 258);
    let obj = &b["objects"][0];
    assert_eq!(obj["value"], true);
    let t = &obj["time"];
    // ms 1000 (0x03e8), minute 3 with IV, hour 10 with SU, day 11, month 11, year 21
    assert_eq!(t["iso"], "2021-11-11T10:03:01.000");
    assert_eq!(t["iv"], true);
    assert_eq!(t["su"], true);
    assert_eq!(t["ms"], 1000);
    assert_eq!(t["raw"], "e8 03 83 8a 0b 0b 15");
}

#[test]
fn asdu_errors_carry_the_offset_in_the_input() {
    // C_IC_NA_1 with its QOI missing (length 13), then a good STARTDT act.
    let o = run(&[
        "decode",
        "104",
        "--json",
        "680d00000000 6401 0600 0100 000000 680407000000",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json_lines(&o);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["apci"], "I");
    assert!(v[0].get("asdu").is_none());
    // ASDU offset 6 (first object) + APCI header 6.
    assert_eq!(v[0]["error"]["offset"], 12);
    assert!(
        v[0]["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("ASDU:")
    );
    assert_eq!(v[1]["function"], "STARTDT_ACT");

    let tree = stdout(&run(&[
        "decode",
        "104",
        "680e00000000 6401 0600 0100 000000 14",
    ]));
    assert!(
        tree.contains("ASDU C_IC_NA_1 (100): SQ=0 count=1 COT=6 (act) OA=0 CA=1"),
        "{tree}"
    );
    assert!(tree.contains("IOA 0: qoi=20"), "{tree}");
}

#[test]
fn ft12_variable_frame_with_asdu_and_sizes() {
    // User data confirmed to link address 1: C_IC_NA_1 act, CA 1, IOA 0, QOI 20.
    let v = json_lines(&run(&[
        "decode",
        "101",
        "--json",
        "68 09 09 68 53 01 64 01 06 01 00 00 14 d4 16",
    ]));
    assert_eq!(v[0]["link"]["kind"], "variable");
    assert_eq!(v[0]["link"]["function_code"], 3);
    assert_eq!(v[0]["link"]["fcv_dfc"], true);
    assert_eq!(v[0]["asdu"]["type"], "C_IC_NA_1");
    assert_eq!(v[0]["asdu"]["objects"][0]["value"]["qoi"], 20);
    // The same ASDU with 2-octet COT (OA 7) and CA, 3-octet IOA: L = 1 + 1 + 10.
    let frame = "68 0c 0c 68 53 01 64 01 06 07 01 00 00 00 00 14 db 16";
    let v = json_lines(&run(&[
        "decode",
        "101",
        "--json",
        "--cot-size",
        "2",
        "--ca-size",
        "2",
        "--ioa-size",
        "3",
        frame,
    ]));
    assert!(v[0].get("error").is_none(), "{v:?}");
    assert_eq!(v[0]["asdu"]["oa"], 7);
    assert_eq!(v[0]["asdu"]["ca"], 1);
    // With the default sizes the same octets are a malformed ASDU, reported at its offset.
    let v = json_lines(&run(&["decode", "101", "--json", frame]));
    assert!(
        v[0]["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("ASDU:")
    );
    assert!(v[0]["error"]["offset"].as_u64().unwrap() >= 6);
}

#[test]
fn every_104_sample_decodes_from_a_pcap_to_its_encoder_facts() {
    let samples = testkit::asdu_samples::every_type_104();
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 40_003, [10, 0, 0, 2], 2404);
    for (n, s) in samples.iter().enumerate() {
        let [a, b] = u16::try_from(n << 1).unwrap().to_le_bytes();
        let mut apdu = vec![0x68, u8::try_from(s.asdu.len() + 4).unwrap(), a, b, 0, 0];
        apdu.extend_from_slice(&s.asdu);
        w.send(false, &apdu);
    }
    let path = temp_pcap("every-type", w);
    let o = run(&["decode", "104", "--json", "--pcap", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json_lines(&o);
    assert_eq!(v.len(), samples.len());
    for (n, (r, s)) in v.iter().zip(&samples).enumerate() {
        let a = &r["asdu"];
        assert_eq!(r["send_seq"], n, "{r}");
        assert_eq!(r["direction"], "server_to_client");
        assert_eq!(a["type"], s.mnemonic, "{r}");
        assert_eq!(a["type_id"], s.type_id.code());
        assert_eq!(a["sq"], s.sq);
        assert_eq!(a["cot"], s.cot);
        assert_eq!(a["ca"], s.ca);
        let ioas: Vec<u64> = a["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["ioa"].as_u64().unwrap())
            .collect();
        let want: Vec<u64> = s.ioas.iter().map(|&i| u64::from(i)).collect();
        assert_eq!(ioas, want, "{}", s.mnemonic);
    }
    // The tree names every type too.
    let tree = stdout(&run(&["decode", "104", "--pcap", path.to_str().unwrap()]));
    for s in &samples {
        assert!(
            tree.contains(&format!("ASDU {} (", s.mnemonic)),
            "{}",
            s.mnemonic
        );
    }
}

#[test]
fn ft12_over_tcp_from_a_pcap() {
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 40_004, [10, 0, 0, 2], 2405);
    w.send(true, &[0x10, 0x49, 0x01, 0x4a, 0x16]); // request link status
    w.send(false, &[0x10, 0x0b, 0x01]); // link status, first half
    w.send(false, &[0x0c, 0x16, 0xe5, 0xff]); // second half, E5, garbage
    w.send(
        true,
        &[
            0x68, 0x09, 0x09, 0x68, 0x53, 0x01, 0x64, 0x01, 0x06, 0x01, 0x00, 0x00, 0x14, 0xd4,
            0x16,
        ],
    );
    let path = temp_pcap("ft12", w);
    let p = path.to_str().unwrap();
    let o = run(&["decode", "101", "--json", "--pcap", p, "--port", "2405"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json_lines(&o);
    let kinds: Vec<(u64, &str, &str)> = v
        .iter()
        .map(|r| {
            (
                r["frame"].as_u64().unwrap(),
                r["direction"].as_str().unwrap(),
                r["link"]["kind"].as_str().unwrap_or("malformed"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (4, "client_to_server", "fixed"),
            (6, "server_to_client", "fixed"),
            (6, "server_to_client", "single_char"),
            (6, "server_to_client", "malformed"),
            (7, "client_to_server", "variable"),
        ]
    );
    assert_eq!(v[1]["link"]["function_code"], 11);
    assert_eq!(v[3]["offset"], 6);
    assert_eq!(v[4]["asdu"]["type"], "C_IC_NA_1");
    // --pcap needs --port for 101.
    assert_eq!(run(&["decode", "101", "--pcap", p]).status.code(), Some(2));
}
