//! `telecontrol decode mms` on the real ICCP capture: every TPKT decodes, and the counts
//! per layer and per MMS PDU kind and service equal tshark 4.0's (the same figures as
//! `telecontrol-mms-pdu`'s capture tests). Plus hex input, malformed input and the binary's
//! JSON output and exit status.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use telecontrol::decode::mms::{self, MmsReport};

fn capture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/captures/iccp-switchover-real.pcap")
}

fn count<K: Ord>(items: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut m = BTreeMap::new();
    for k in items {
        *m.entry(k).or_default() += 1;
    }
    m
}

#[test]
fn real_capture_counts_match_tshark() {
    let reports = mms::decode_pcap(&capture(), mms::DEFAULT_PORT).unwrap();
    let bad: Vec<&MmsReport> = reports.iter().filter(|r| r.is_malformed()).collect();
    assert!(bad.is_empty(), "{:?}", bad.first());
    assert_eq!(reports.len(), 4935);
    let cotp = count(
        reports
            .iter()
            .filter_map(|r| r.cotp.as_ref().map(|c| c.kind)),
    );
    assert_eq!(
        cotp,
        [("CC", 9), ("CR", 11), ("DR", 2), ("DT", 4913)]
            .into_iter()
            .collect()
    );
    let session = count(reports.iter().filter_map(|r| r.session));
    assert_eq!(
        session,
        [("AC", 9), ("CN", 9), ("GT+DT", 2582)]
            .into_iter()
            .collect()
    );
    let pres = count(
        reports
            .iter()
            .filter_map(|r| r.presentation.as_ref().map(|p| p.kind)),
    );
    assert_eq!(
        pres,
        [("CP", 9), ("CPA", 9), ("TD", 2582)].into_iter().collect()
    );
    let acse = count(
        reports
            .iter()
            .filter_map(|r| r.acse.as_ref().map(|a| a.kind)),
    );
    assert_eq!(acse, [("AARE", 9), ("AARQ", 9)].into_iter().collect());
    let kinds = count(reports.iter().filter_map(|r| {
        r.mms.as_ref().map(|m| match m.service {
            Some(s) => format!("{} {s}", m.pdu),
            None => m.pdu.to_string(),
        })
    }));
    let expected: BTreeMap<String, usize> = [
        ("confirmed-RequestPDU getNameList", 4),
        ("confirmed-RequestPDU identify", 121),
        ("confirmed-RequestPDU read", 90),
        ("confirmed-RequestPDU write", 64),
        ("confirmed-RequestPDU defineNamedVariableList", 41),
        ("confirmed-RequestPDU deleteNamedVariableList", 23),
        ("confirmed-ResponsePDU getNameList", 4),
        ("confirmed-ResponsePDU identify", 121),
        ("confirmed-ResponsePDU read", 90),
        ("confirmed-ResponsePDU write", 63),
        ("confirmed-ResponsePDU defineNamedVariableList", 36),
        ("confirmed-ResponsePDU deleteNamedVariableList", 14),
        ("confirmed-ErrorPDU", 15),
        ("unconfirmed-PDU informationReport", 1896),
        ("initiate-RequestPDU", 9),
        ("initiate-ResponsePDU", 9),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(kinds, expected);
    // Object names: every Read, Write and InformationReport names at least one object, and
    // the capture's bilateral table query appears with its domain.
    for r in &reports {
        if let Some(m) = &r.mms
            && matches!(m.service, Some("read" | "write" | "informationReport"))
            && m.pdu != "confirmed-ResponsePDU"
        {
            assert!(!m.objects.is_empty(), "frame {:?}", r.frame);
        }
    }
    assert!(reports.iter().any(|r| r.frame == Some(28)
        && r.mms.as_ref().is_some_and(|m| m.service == Some("read")
            && m.invoke_id == Some(23240)
            && m.objects
                == [
                    "STATKRAFT_STATNETT_L/Bilateral_Table_ID",
                    "TASE2_Version",
                    "Supported_Features"
                ])));
    // The first AARQ: AE-qualifiers 60 (calling) and 117 (called), frame 11.
    let aarq = reports.iter().find(|r| r.frame == Some(11)).unwrap();
    let a = aarq.acse.as_ref().unwrap();
    assert_eq!(
        (a.kind, a.calling_ae_qualifier, a.called_ae_qualifier),
        ("AARQ", Some(60), Some(117))
    );
    assert_eq!(
        aarq.layers,
        ["tpkt", "cotp", "session", "presentation", "acse", "mms"]
    );
}

#[test]
fn hex_input_and_malformed_pdus() {
    // TPKT + DT + GT+DT + TD { PDV 3 { [0] { invokeID 1, identify } } }.
    let good = "03 00 00 1b 02 f0 80 01 00 01 00 61 0e 30 0c 02 01 03 a0 07 a0 05 02 01 01 82 00";
    let r = mms::decode_hex(good, Some(1)).unwrap();
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].input, Some(1));
    assert!(!r[0].is_malformed(), "{:?}", r[0]);
    let m = r[0].mms.as_ref().unwrap();
    assert_eq!(
        (m.pdu, m.service, m.invoke_id),
        ("confirmed-RequestPDU", Some("identify"), Some(1))
    );
    assert_eq!(r[0].session, Some("GT+DT"));
    let tree = r[0].to_tree();
    assert!(
        tree.contains("MMS confirmed-RequestPDU identify, invoke id 1"),
        "{tree}"
    );
    // The same frame with the MMS PDU cut short: malformed at the MMS octet.
    let bad = "03 00 00 1b 02 f0 80 01 00 01 00 61 0e 30 0c 02 01 03 a0 07 a0 05 02 03 01 82 00";
    let r = mms::decode_hex(bad, None).unwrap();
    let e = r[0].error.as_ref().unwrap();
    assert!(e.reason.starts_with("MMS"), "{e:?}");
    assert!(e.offset >= 20, "{e:?}");
    // Garbage before a valid CR: one malformed stretch, then the CR.
    let cr = "01 02 03 00 00 0b 06 e0 00 00 00 01 00";
    let r = mms::decode_hex(cr, None).unwrap();
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r[0].is_malformed() && r[0].offset == 0);
    assert_eq!(r[1].cotp.as_ref().unwrap().kind, "CR");
    assert_eq!(r[1].offset, 2);
    // A truncated TPKT at the end.
    let r = mms::decode_hex("03 00 00 20 02 f0", None).unwrap();
    assert!(r[0].is_malformed());
}

#[test]
fn binary_prints_json_lines_and_exit_status() {
    let exe = env!("CARGO_BIN_EXE_telecontrol");
    let out = Command::new(exe)
        .args(["decode", "mms", "--json", "--pcap"])
        .arg(capture())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4935);
    let reports = lines
        .iter()
        .filter(|v| v["mms"]["service"] == "informationReport")
        .count();
    assert_eq!(reports, 1896);
    let out = Command::new(exe)
        .args(["decode", "mms", "03 00 00 07 02 f0 80 ff"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("MALFORMED"));
}

/// What `telecontrol-mms-pdu`'s association core sends, segmented into 128-octet TPDUs,
/// decodes with every layer and the segments joined.
#[test]
fn decodes_a_segmented_association_of_our_core() {
    use mms_pdu::association::{Association, Config, Event, Role};
    use mms_pdu::cotp::TpduSize;
    use mms_pdu::mms::{
        AccessResult, Data, InformationReport, ObjectName, SeqOf, UnconfirmedService,
        VariableAccessSpecification,
    };
    use telecontrol_core::Instant;

    type Assoc = Association<'static, 8192, 2>;
    fn pump(a: &mut Assoc, b: &mut Assoc, log: &mut Vec<u8>) {
        let now = Instant::ZERO;
        let mut wire = vec![0u8; 4096];
        while let Some(n) = a.poll_transmit(&mut wire) {
            log.extend_from_slice(&wire[..n]);
            let mut rest = &wire[..n];
            while let Ok(used) = b.handle_input(now, rest) {
                rest = &rest[used..];
                let mut accept = false;
                while let Some(e) = b.poll_event() {
                    accept |= matches!(e, Event::AssociateIndication(_));
                }
                if accept {
                    b.accept(now).unwrap();
                }
                if rest.is_empty() {
                    break;
                }
            }
        }
    }
    let mut config = Config::DEFAULT;
    config.tpdu_size = TpduSize::S128;
    let mut client = Box::new(Assoc::new(Role::Initiator, config).unwrap());
    let mut server = Box::new(Assoc::new(Role::Responder, Config::DEFAULT).unwrap());
    let (mut up, mut down) = (Vec::new(), Vec::new());
    client.connect(Instant::ZERO).unwrap();
    for _ in 0..3 {
        pump(&mut client, &mut server, &mut up);
        pump(&mut server, &mut client, &mut down);
    }
    assert!(client.is_associated());
    let text = [b'x'; 3000];
    let results = [AccessResult::Success(Data::VisibleString(&text))];
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "Big").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    });
    client.send_unconfirmed(report).unwrap();
    pump(&mut client, &mut server, &mut up);
    let reports = mms::decode_bytes(&up, None);
    assert!(reports.iter().all(|r| !r.is_malformed()), "{reports:?}");
    let kinds: Vec<Option<&str>> = reports
        .iter()
        .filter_map(|r| r.mms.as_ref().map(|m| m.service.or(Some(m.pdu))))
        .collect();
    assert_eq!(
        kinds,
        [Some("initiate-RequestPDU"), Some("informationReport")]
    );
    let last = reports.last().unwrap();
    let c = last.cotp.as_ref().unwrap();
    assert!(c.segments.unwrap() >= 24, "{c:?}");
    assert_eq!(last.mms.as_ref().unwrap().objects, ["ICC1/Big"]);
    // The server's direction: CC, then AC with the AARE and the Initiate-Response.
    let back = mms::decode_bytes(&down, None);
    assert_eq!(back[0].cotp.as_ref().unwrap().kind, "CC");
    // The AC does not fit one 128-octet TPDU: its first DT says so, the last has it all.
    assert_eq!(back[1].cotp.as_ref().unwrap().eot, Some(false));
    let aare = back.iter().find_map(|r| r.acse.as_ref()).unwrap();
    assert_eq!((aare.kind, aare.result), ("AARE", Some(0)));
    assert!(back.iter().all(|r| !r.is_malformed()));
}
