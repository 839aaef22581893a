//! tshark 4.0 dissects what the OSI layers encode: a whole association built with this
//! crate (CR/CC with TPDU size and TSAPs, CN+CP+AARQ with password authentication, AC+CPA+AARE,
//! GT+DT data in one DT and in two DT segments, FN+RLRQ, DN+RLRE, AB+ARU+ABRT, DR), written
//! as a pcap with `capture::TcpPcapWriter`; every TPKT must come out as the COTP, session,
//! presentation and ACSE kinds we meant, with no malformed packet and no expert error.
//! Skipped, with a notice, when `tshark` is not installed (outside CI; under CI it fails).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::process::Command;

use capture::TcpPcapWriter;
use telecontrol_core::Encode;
use telecontrol_mms_pdu::acse::{self, Aare, Aarq, AbortApdu, Apdu, External, ReleaseApdu};
use telecontrol_mms_pdu::ber::{BitString, SeqOf};
use telecontrol_mms_pdu::cotp::{self, Connect, Data, Disconnect, Tpdu, TpduSize};
use telecontrol_mms_pdu::presentation::{
    ACSE_ABSTRACT_SYNTAX, AbortUserPpdu, AcceptPpdu, BER_TRANSFER_SYNTAX, ConnectPpdu,
    ContextDefinition, ContextResult, MMS_ABSTRACT_SYNTAX, Pdv, PdvValue, Ppdu, UserData,
};
use telecontrol_mms_pdu::session::{
    ConnectAccept, DataTransfer, REQUIREMENT_DUPLEX, Release, Spdu, VERSION_2,
};
use telecontrol_mms_pdu::tpkt::Tpkt;

fn enc<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    v.encode(&mut out).unwrap();
    out
}

fn tpkt(tpdu: &Tpdu<'_>) -> Vec<u8> {
    enc(&Tpkt::new(&enc(tpdu)))
}

fn dt(tsdu: &[u8], eot: bool) -> Vec<u8> {
    tpkt(&Tpdu::Data(Data {
        eot,
        number: 0,
        user_data: tsdu,
    }))
}

fn pdv(ctx: i64, value: &[u8]) -> [Pdv<'_>; 1] {
    [Pdv {
        transfer_syntax: None,
        context_id: ctx,
        value: PdvValue::SingleAsn1Type(value),
    }]
}

// MMS initiate request/response and an Identify request of the capture's peers.
const INITIATE_REQ: &str =
    "a82580027d00810114820114830104a416800101810305fb00820c036e1d000000000064000198";
const INITIATE_RSP: &str =
    "a92580027d00810105820105830104a416800101810305fb00820c036e1c000000000064000198";
const IDENTIFY_REQ: &str = "a00502010182 00";

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// (TPKT bytes, from client, what we sent, what tshark's Info column must contain).
fn association() -> Vec<(Vec<u8>, bool, &'static str, &'static str)> {
    let mut out = Vec::new();
    let connect = Connect {
        dst_ref: 0,
        src_ref: 0x0042,
        class_options: 0,
        credit: 0,
        tpdu_size: Some(TpduSize::S1024),
        calling_tsap: Some(&[0x00, 0x01]),
        called_tsap: Some(&[0x00, 0x01]),
        other_parameters: &[],
        user_data: &[],
    };
    out.push((
        tpkt(&Tpdu::ConnectionRequest(connect)),
        true,
        "CR",
        "CR TPDU",
    ));
    let cc = Connect {
        dst_ref: 0x0042,
        src_ref: 0x0007,
        tpdu_size: Some(cotp::negotiate_tpdu_size(
            connect.tpdu_size,
            TpduSize::S2048,
        )),
        ..connect
    };
    out.push((tpkt(&Tpdu::ConnectionConfirm(cc)), false, "CC", "CC TPDU"));

    // CN + CP + AARQ (password) + initiate.
    let init_req = hex(INITIATE_REQ);
    let mut aarq = Aarq::new(acse::MMS_APPLICATION_CONTEXT);
    aarq.called_ae_qualifier = Some(12);
    aarq.sender_requirements = BitString::new(&[0x80], 7);
    aarq.mechanism_name = Some(acse::PASSWORD_MECHANISM);
    aarq.authentication_value = Some(acse::AuthenticationValue::CharString(b"secret"));
    aarq.user_information = Some(External::single(3, &init_req));
    let aarq = enc(&Apdu::AssociateRequest(aarq));
    let ber = [BER_TRANSFER_SYNTAX];
    let defs = [
        ContextDefinition {
            id: 1,
            abstract_syntax: ACSE_ABSTRACT_SYNTAX,
            transfer_syntaxes: SeqOf::from_slice(&ber),
        },
        ContextDefinition {
            id: 3,
            abstract_syntax: MMS_ABSTRACT_SYNTAX,
            transfer_syntaxes: SeqOf::from_slice(&ber),
        },
    ];
    let p = pdv(1, &aarq);
    let cp = enc(&ConnectPpdu {
        calling_selector: Some(&[0, 0, 0, 1]),
        called_selector: Some(&[0, 0, 0, 1]),
        context_list: Some(SeqOf::from_slice(&defs)),
        user_data: Some(UserData::Fully(SeqOf::from_slice(&p))),
        ..ConnectPpdu::default()
    });
    let cn = enc(&Spdu::Connect(ConnectAccept {
        protocol_options: Some(0),
        version_number: Some(VERSION_2),
        session_requirements: Some(REQUIREMENT_DUPLEX),
        calling_selector: Some(&[0, 1]),
        called_selector: Some(&[0, 1]),
        user_data: Some(&cp),
        ..ConnectAccept::default()
    }));
    out.push((dt(&cn, true), true, "CN AARQ", "initiate-RequestPDU"));

    // AC + CPA + AARE + initiate response.
    let init_rsp = hex(INITIATE_RSP);
    let mut aare = Aare::new(
        acse::MMS_APPLICATION_CONTEXT,
        0,
        acse::SourceDiagnostic::ServiceUser(0),
    );
    aare.responding_ae_qualifier = Some(12);
    aare.user_information = Some(External::single(3, &init_rsp));
    let aare = enc(&Apdu::AssociateResponse(aare));
    let results = [
        ContextResult {
            result: 0,
            transfer_syntax: Some(BER_TRANSFER_SYNTAX),
            provider_reason: None,
        },
        ContextResult {
            result: 0,
            transfer_syntax: Some(BER_TRANSFER_SYNTAX),
            provider_reason: None,
        },
    ];
    let p = pdv(1, &aare);
    let cpa = enc(&AcceptPpdu {
        responding_selector: Some(&[0, 0, 0, 1]),
        result_list: Some(SeqOf::from_slice(&results)),
        user_data: Some(UserData::Fully(SeqOf::from_slice(&p))),
        ..AcceptPpdu::default()
    });
    let ac = enc(&Spdu::Accept(ConnectAccept {
        protocol_options: Some(0),
        version_number: Some(VERSION_2),
        session_requirements: Some(REQUIREMENT_DUPLEX),
        user_data: Some(&cpa),
        ..ConnectAccept::default()
    }));
    out.push((dt(&ac, true), false, "AC AARE", "initiate-ResponsePDU"));

    // Data: one DT, then the same TSDU in two segments.
    let identify = hex(IDENTIFY_REQ);
    let p = pdv(3, &identify);
    let td = enc(&Ppdu::Data(UserData::Fully(SeqOf::from_slice(&p))));
    let data = enc(&Spdu::Data(DataTransfer::new(&td)));
    out.push((dt(&data, true), true, "DT", "confirmed-RequestPDU"));
    let (a, b) = data.split_at(data.len() / 2);
    out.push((dt(a, false), true, "DT segment", "COTP fragment"));
    out.push((dt(b, true), true, "DT", "confirmed-RequestPDU"));

    // Release: FN + RLRQ, DN + RLRE.
    let rlrq = enc(&Apdu::ReleaseRequest(ReleaseApdu {
        reason: Some(0),
        user_information: None,
    }));
    let p = pdv(1, &rlrq);
    let ud = enc(&UserData::Fully(SeqOf::from_slice(&p)));
    let fin = enc(&Spdu::Finish(Release {
        transport_disconnect: None,
        reflect: None,
        user_data: Some(&ud),
    }));
    out.push((dt(&fin, true), true, "FN RLRQ", "Release-Request"));
    let rlre = enc(&Apdu::ReleaseResponse(ReleaseApdu {
        reason: Some(0),
        user_information: None,
    }));
    let p = pdv(1, &rlre);
    let ud = enc(&UserData::Fully(SeqOf::from_slice(&p)));
    let dn = enc(&Spdu::Disconnect(Release {
        transport_disconnect: None,
        reflect: None,
        user_data: Some(&ud),
    }));
    out.push((dt(&dn, true), false, "DN RLRE", "Release-Response"));

    // Abort: AB + ARU + ABRT, then DR.
    let abrt = enc(&Apdu::Abort(AbortApdu {
        source: 0,
        diagnostic: None,
        user_information: None,
    }));
    let p = pdv(1, &abrt);
    let aru = enc(&AbortUserPpdu {
        context_id_list: None,
        user_data: Some(UserData::Fully(SeqOf::from_slice(&p))),
    });
    let ab = enc(&Spdu::Abort(Release {
        transport_disconnect: Some(1),
        reflect: None,
        user_data: Some(&aru),
    }));
    out.push((dt(&ab, true), true, "AB ABRT", "Abort (service-user)"));
    out.push((
        tpkt(&Tpdu::DisconnectRequest(Disconnect {
            dst_ref: 0x0007,
            src_ref: 0x0042,
            reason: 128,
            variable: &[],
            user_data: &[],
            lenient: false,
        })),
        true,
        "DR",
        "DR TPDU",
    ));
    out
}

#[test]
fn tshark_dissects_every_osi_pdu() {
    if Command::new("tshark").arg("-v").output().is_err() {
        // CI (`.ci/run`) installs tshark, so there a missing tshark is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is required under CI"
        );
        eprintln!("tshark not installed: skipping the independent-decoder check");
        return;
    }
    let cases = association();
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 40001, [10, 0, 0, 2], 102);
    for (bytes, from_client, _, _) in &cases {
        w.send(*from_client, bytes);
    }
    let path = std::env::temp_dir().join(format!("osi_tshark_{}.pcap", std::process::id()));
    w.write_file(&path).unwrap();
    let out = Command::new("tshark")
        .args(["-r", path.to_str().unwrap(), "-Y", "tpkt", "-T", "fields"])
        .args(["-E", "separator=|", "-e", "frame.number", "-e", "cotp.type"])
        .args(["-e", "ses.type", "-e", "acse", "-e", "_ws.col.Info"])
        .args([
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.severity",
            "-e",
            "acse.charstring",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    assert_eq!(rows.len(), cases.len(), "tshark output:\n{text}");
    for (row, (_, _, what, expect_info)) in rows.iter().zip(&cases) {
        let (cotp, ses, info) = (row[1], row[2], row[4]);
        let expect_cotp = match *what {
            "CR" => "0x0e",
            "CC" => "0x0d",
            "DR" => "0x08",
            _ => "0x0f",
        };
        assert_eq!(cotp, expect_cotp, "{what}: {row:?}");
        let expect_ses = match what.split(' ').next().unwrap() {
            "CN" => Some("13"),
            "AC" => Some("14"),
            "DT" if *what == "DT" => Some("1,1"),
            "FN" => Some("9"),
            "DN" => Some("10"),
            "AB" => Some("25"),
            _ => None,
        };
        if let Some(s) = expect_ses {
            assert_eq!(ses, s, "{what}: {row:?}");
        }
        assert!(info.contains(expect_info), "{what}: {row:?}");
        let has_acse = ["AARQ", "AARE", "RLRQ", "RLRE", "ABRT"]
            .iter()
            .any(|a| what.ends_with(a));
        assert_eq!(row[3] == "acse", has_acse, "{what}: {row:?}");
        if *what == "CN AARQ" {
            assert_eq!(row[7], "secret", "password: {row:?}");
        }
        assert!(row[5].is_empty(), "malformed: {row:?}");
        for sev in row[6].split(',').filter(|s| !s.is_empty()) {
            // tshark prints the severity in decimal (0x00800000 = 8388608 is "error").
            let v = match sev.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16).unwrap(),
                None => sev.parse::<u32>().unwrap(),
            };
            assert!(v < 0x0080_0000, "expert error {sev}: {row:?}");
        }
    }
    println!("{text}");
    if std::env::var_os("OSI_KEEP_PCAP").is_none() {
        let _ = std::fs::remove_file(&path);
    } else {
        eprintln!("kept {}", path.display());
    }
}
