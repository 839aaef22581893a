//! What the association sends, checked against two independent references:
//! - the set-up our initiator sends has the layer structure of the real ICCP capture's
//!   set-up (both decoded with `stack::peel` and compared layer by layer);
//! - tshark 4.0 dissects a pcap of a whole association (set-up, Identify, Read, Write,
//!   InformationReport both ways, a Reject, conclude, release) with no malformed frame and
//!   no expert error, and names every PDU as we built it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod association_pair;
mod common;

use std::process::Command;

use association_pair::{Pair, Side};
use capture::TcpPcapWriter;
use telecontrol_core::Decode;
use telecontrol_mms_pdu::acse::Apdu;
use telecontrol_mms_pdu::association::{Addressing, Config};
use telecontrol_mms_pdu::ber::Oid;
use telecontrol_mms_pdu::cotp::Tpdu;
use telecontrol_mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, Data, IdentifyResponse,
    InformationReport, MmsPdu, ObjectName, ReadRequest, ReadResponse, SeqOf, UnconfirmedService,
    VariableAccessSpecification, VariableListItem, VariableSpecification, WriteRequest,
    WriteResult,
};
use telecontrol_mms_pdu::presentation::Ppdu;
use telecontrol_mms_pdu::session::Spdu;
use telecontrol_mms_pdu::stack::{encode_mms_data, peel};
use telecontrol_mms_pdu::tpkt;

/// The addresses of the capture's first association (calling AE 60, called AE 117).
fn iccp_config() -> Config<'static> {
    let mut c = Config::DEFAULT;
    c.local = Addressing {
        ap_title: Some(Oid::from_encoded(&[0x2B, 0xCE, 0x0F, 0x2F, 0x3C])),
        ae_qualifier: Some(60),
        p_selector: &[0, 0, 0, 0x60],
        s_selector: &[0, 0x60],
        t_selector: &[0, 0x60],
    };
    c.peer = Addressing {
        ap_title: Some(Oid::from_encoded(&[0x2B, 0xCE, 0x0F, 0x75])),
        ae_qualifier: Some(117),
        p_selector: &[0, 0, 0, 5],
        s_selector: &[0, 5],
        t_selector: &[0, 5],
    };
    c.max_pdu_size = 8000;
    c
}

/// Split a direction's octets into TPKT payloads.
fn tpdus(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Ok(tpkt::Framing::Complete { tpkt, consumed }) = tpkt::next_frame(rest, 65535) {
        out.push(tpkt.payload.to_vec());
        rest = &rest[consumed..];
    }
    assert!(rest.is_empty());
    out
}

/// A structural fingerprint of a CN TSDU: which parameters each layer carries.
fn fingerprint(tsdu: &[u8]) -> Vec<String> {
    let p = peel(tsdu).unwrap();
    let mut f = Vec::new();
    let Spdu::Connect(cn) = p.spdu else {
        panic!("not CN")
    };
    f.push(format!(
        "CN options={} version={:?} requirements={:?} calling={} called={}",
        cn.protocol_options.is_some(),
        cn.version_number,
        cn.session_requirements,
        cn.calling_selector.is_some(),
        cn.called_selector.is_some()
    ));
    let Some(Ppdu::Connect(cp)) = p.ppdu else {
        panic!("not CP")
    };
    let contexts: Vec<String> = cp
        .context_list
        .unwrap()
        .iter()
        .map(|c| format!("{}={}", c.id, c.abstract_syntax))
        .collect();
    f.push(format!(
        "CP calling={} called={} contexts={contexts:?} requirements={}",
        cp.calling_selector.is_some(),
        cp.called_selector.is_some(),
        cp.presentation_requirements.is_some()
    ));
    let Some(Apdu::AssociateRequest(aarq)) = p.acse else {
        panic!("not AARQ")
    };
    f.push(format!(
        "AARQ version={} context={} called=({},{}) calling=({},{}) mms-context={:?}",
        aarq.protocol_version.is_some(),
        aarq.application_context,
        aarq.called_ap_title.is_some(),
        aarq.called_ae_qualifier.is_some(),
        aarq.calling_ap_title.is_some(),
        aarq.calling_ae_qualifier.is_some(),
        p.context_id
    ));
    let Ok(MmsPdu::InitiateRequest(init)) = MmsPdu::decode(p.mms.unwrap()) else {
        panic!("not Initiate")
    };
    f.push(format!(
        "Initiate detail={} nesting={} version={} cbb-bits={} services-bits={}",
        init.local_detail.is_some(),
        init.data_structure_nesting_level.is_some(),
        init.detail.version_number,
        init.detail.parameter_cbb.len(),
        init.detail.services_supported.len()
    ));
    f
}

#[test]
fn our_setup_has_the_structure_of_the_real_capture() {
    // The real set-up of TCP stream 1: frame 7 (CR) and 11 (CN/CP/AARQ/Initiate).
    let tpkts = common::capture_tpkts();
    let real_cr = tpkts.iter().find(|t| t.frame == 7).unwrap();
    let real_cn = tpkts.iter().find(|t| t.frame == 11).unwrap();
    let Tpdu::Data(real_dt) = Tpdu::decode(&real_cn.bytes[4..]).unwrap() else {
        panic!()
    };
    assert!(real_dt.eot);

    let mut p = Pair::new(iccp_config(), Config::DEFAULT);
    p.connect();
    assert!(p.client.is_associated());
    let ours = tpdus(&p.sent_by(true));
    // COTP: a CR with both TSAPs, like the capture's (ours also proposes a TPDU size,
    // which the capture's initiators leave at the default 128).
    let (Tpdu::ConnectionRequest(real), Tpdu::ConnectionRequest(our)) = (
        Tpdu::decode(&real_cr.bytes[4..]).unwrap(),
        Tpdu::decode(&ours[0]).unwrap(),
    ) else {
        panic!("CR expected")
    };
    assert_eq!((real.dst_ref, our.dst_ref), (0, 0));
    assert_eq!(real.class_options, our.class_options);
    assert_eq!(
        (real.calling_tsap, real.called_tsap),
        (our.calling_tsap, our.called_tsap)
    );
    assert!(real.tpdu_size.is_none() && our.tpdu_size.is_some());
    // The CN TSDU: every layer carries the same parameters.
    let Tpdu::Data(our_dt) = Tpdu::decode(&ours[1]).unwrap() else {
        panic!()
    };
    assert!(our_dt.eot);
    let real_f = fingerprint(real_dt.user_data);
    let our_f = fingerprint(our_dt.user_data);
    assert_eq!(our_f, real_f);
    println!("{}", our_f.join("\n"));
}

const ITEMS: [VariableListItem<'static>; 1] = [VariableListItem {
    specification: VariableSpecification::Name(
        match ObjectName::domain("ICC1", "Bilateral_Table_ID") {
            Some(n) => n,
            None => panic!(),
        },
    ),
    alternate_access: None,
}];

#[test]
fn tshark_dissects_a_whole_association() {
    if Command::new("tshark").arg("-v").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is required under CI"
        );
        eprintln!("tshark not installed: skipping");
        return;
    }
    let mut p = Pair::new(iccp_config(), Config::DEFAULT);
    p.connect();
    let now = p.now;
    let spec = VariableAccessSpecification::ListOfVariable(SeqOf::from_slice(&ITEMS));
    let a = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    let read = ReadRequest {
        specification_with_result: None,
        variable_access_specification: spec,
    };
    let b = p
        .client
        .request(now, ConfirmedServiceRequest::Read(read))
        .unwrap();
    let data = [Data::Integer(5)];
    let write = WriteRequest {
        variable_access_specification: spec,
        data: SeqOf::from_slice(&data),
    };
    let c = p
        .client
        .request(now, ConfirmedServiceRequest::Write(write))
        .unwrap();
    p.run();
    let identify = IdentifyResponse {
        vendor: b"telecontrol",
        model: b"association",
        revision: b"1",
        abstract_syntaxes: None,
    };
    p.server
        .respond(a, ConfirmedServiceResponse::Identify(identify))
        .unwrap();
    let values = [AccessResult::Success(Data::VisibleString(b"BLT-1"))];
    let response = ReadResponse {
        variable_access_specification: None,
        results: SeqOf::from_slice(&values),
    };
    p.server
        .respond(b, ConfirmedServiceResponse::Read(response))
        .unwrap();
    let ok = [WriteResult::Success];
    p.server
        .respond(c, ConfirmedServiceResponse::Write(SeqOf::from_slice(&ok)))
        .unwrap();
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "DS_1").unwrap(),
        ),
        results: SeqOf::from_slice(&values),
    });
    p.server.send_unconfirmed(report).unwrap();
    p.client.send_unconfirmed(report).unwrap();
    p.run();
    // A request for a service we do not model: the server answers with a Reject.
    let mut raw = [0u8; 64];
    let n = encode_mms_data(
        &[0xA0, 0x06, 0x02, 0x01, 0x63, 0x9F, 0x3F, 0x00],
        3,
        p.client.negotiated().tpdu_size,
        &mut raw,
    )
    .unwrap();
    p.wire.push((true, raw[..n].to_vec()));
    p.feed(Side::Server, &raw[..n]);
    p.run();
    p.client.conclude(now).unwrap();
    p.run();
    assert!(p.client.is_closed() && p.server.is_closed());

    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 50_102, [10, 0, 0, 2], 102);
    // One TCP segment per TPKT, so that tshark's Info column names each PDU.
    let mut segments = 0;
    for (from_client, bytes) in &p.wire {
        let mut rest = &bytes[..];
        while let Ok(tpkt::Framing::Complete { consumed, .. }) = tpkt::next_frame(rest, 65535) {
            w.send(*from_client, &rest[..consumed]);
            rest = &rest[consumed..];
            segments += 1;
        }
        assert!(rest.is_empty());
    }
    let path = std::env::temp_dir().join(format!("assoc_tshark_{}.pcap", std::process::id()));
    w.write_file(&path).unwrap();
    let out = Command::new("tshark")
        .args([
            "-r",
            path.to_str().unwrap(),
            "-Y",
            "tcp.len > 0",
            "-T",
            "fields",
        ])
        .args([
            "-E",
            "separator=|",
            "-e",
            "frame.number",
            "-e",
            "_ws.col.Protocol",
        ])
        .args([
            "-e",
            "_ws.col.Info",
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.severity",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    assert_eq!(rows.len(), segments, "tshark output:\n{text}");
    for row in &rows {
        assert!(row[3].is_empty(), "malformed: {row:?}\n{text}");
        for sev in row[4].split(',').filter(|s| !s.is_empty()) {
            let v = match sev.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16).unwrap(),
                None => sev.parse::<u32>().unwrap(),
            };
            assert!(v < 0x0080_0000, "expert error {sev}: {row:?}\n{text}");
        }
    }
    let info: Vec<&str> = rows.iter().map(|r| r[2]).collect();
    let expected = [
        "CR TPDU",
        "CC TPDU",
        "initiate-RequestPDU",
        "initiate-ResponsePDU",
        "confirmed-RequestPDU",
        "confirmed-ResponsePDU",
        "rejectPDU",
        "conclude-RequestPDU",
        "conclude-ResponsePDU",
        "Release-Request",
        "Release-Response",
    ];
    for e in expected {
        assert!(info.iter().any(|i| i.contains(e)), "no {e} in\n{text}");
    }
    let n = |k: &str| info.iter().filter(|i| i.contains(k)).count();
    assert_eq!(
        (
            n("confirmed-RequestPDU"),
            n("confirmed-ResponsePDU"),
            n("unconfirmed-PDU ICC1 DS_1")
        ),
        (4, 3, 2),
        "{text}"
    );
    if std::env::var_os("MMS_KEEP_PCAP").is_none() {
        let _ = std::fs::remove_file(&path);
    } else {
        eprintln!("kept {}", path.display());
    }
}
