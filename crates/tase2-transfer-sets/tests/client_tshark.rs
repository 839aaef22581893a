//! An independent decoder reads what the client core builds: every request and
//! unconfirmed PDU of the client procedures (association check, discovery, reads, data
//! set define/delete, Next_DSTransfer_Set, transfer set writes whole and by component,
//! select/operate, tags, IM_Transfer_Set, Transfer_Report_ACK/NACK, an information
//! message) is framed after the real association set-up of the ICCP capture's TCP
//! stream 1, written as a pcap and dissected by tshark: each must be recognised as the
//! PDU kind and service we built, with no malformed packet and no error-level expert info.
//!
//! Skipped, with a notice, when `tshark` is not installed (outside CI; under CI it fails).

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

extern crate mms_pdu as telecontrol_mms_pdu;

#[path = "../../mms-pdu/tests/common/mod.rs"]
mod common;

use std::process::Command;

use capture::TcpPcapWriter;
use telecontrol_core::Encode;
use telecontrol_mms_pdu::mms::{
    ConfirmedRequest, ConfirmedServiceRequest, Data, MmsPdu, ObjectClass, ObjectName, ObjectScope,
    UnconfirmedService,
};
use telecontrol_mms_pdu::stack::peel;
use telecontrol_tase2_transfer_sets::client::*;
use telecontrol_tase2_transfer_sets::objects::{SBO_SUFFIX, Scope, TAG_SUFFIX};
use telecontrol_tase2_transfer_sets::*;

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend_from_slice(&[0x81, n as u8]);
    } else {
        v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

/// TPKT + COTP DT (EOT) + session GT/DT + presentation user data (context `ctx`).
fn frame(ctx: u8, mms: &[u8]) -> Vec<u8> {
    let pdv = tlv(0x30, &[&[0x02, 0x01, ctx][..], &tlv(0xA0, mms)].concat());
    let tsdu = [&[0x01, 0x00, 0x01, 0x00][..], &tlv(0x61, &pdv)].concat();
    let cotp = [&[0x02, 0xF0, 0x80][..], &tsdu].concat();
    let len = (cotp.len() + 4) as u16;
    [&[0x03, 0x00][..], &len.to_be_bytes(), &cotp].concat()
}

fn enc(p: &MmsPdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; p.encoded_len()];
    let n = p.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn req(id: u32, s: ConfirmedServiceRequest<'_>) -> Vec<u8> {
    enc(&MmsPdu::ConfirmedRequest(ConfirmedRequest::new(id, s)))
}

fn unconfirmed(s: UnconfirmedService<'_>) -> Vec<u8> {
    enc(&MmsPdu::Unconfirmed(s))
}

/// The encoded client PDUs with the service tshark must name: confirmed service number
/// (GetNameList 1, Read 4, Write 5, DefineNamedVariableList 11, DeleteNamedVariableList
/// 13) or `None` for an unconfirmed InformationReport.
fn client_pdus() -> Vec<(&'static str, Vec<u8>, Option<&'static str>)> {
    let mut v = Vec::new();
    let mut st = IdentityStorage::default();
    v.push((
        "association check",
        req(1, identity_request("ICC1", &mut st).unwrap()),
        Some("4"),
    ));
    v.push((
        "discovery",
        req(
            2,
            name_list_request(ObjectClass::NamedVariable, ObjectScope::Vmd, Some("V_A")).unwrap(),
        ),
        Some("1"),
    ));
    let points = [
        ObjectName::vmd("V_REAL").unwrap(),
        ObjectName::domain("ICC1", "I1_DISC").unwrap(),
    ];
    let mut items = [PLACEHOLDER_ITEM; 2];
    v.push((
        "read points",
        req(3, read_request(&points, &mut items).unwrap()),
        Some("4"),
    ));
    let members = [
        ObjectName::domain("ICC1", "Transfer_Set_Name").unwrap(),
        ObjectName::domain("ICC1", "Transfer_Set_Time_Stamp").unwrap(),
        points[0],
        points[1],
    ];
    let ds = ObjectName::domain("ICC1", "DS_1").unwrap();
    let mut items = [PLACEHOLDER_ITEM; 4];
    v.push((
        "define data set",
        req(
            4,
            define_data_set_request(ds, &members, &mut items).unwrap(),
        ),
        Some("11"),
    ));
    let mut items = [PLACEHOLDER_ITEM];
    v.push((
        "Next_DSTransfer_Set",
        req(5, next_transfer_set_request("ICC1", &mut items).unwrap()),
        Some("4"),
    ));
    let ts_name = ObjectName::domain("ICC1", "DSTransferSet0001").unwrap();
    let ts = DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Icc,
            domain: "ICC1",
            name: "DS_1",
        },
        start_time: 0,
        interval: 0,
        tle: 60,
        buffer_time: 2,
        integrity_check: 60,
        ds_conditions_requested: DsConditions(
            DsConditions::OBJECT_CHANGE | DsConditions::INTEGRITY_TIMEOUT,
        ),
        block_data: false,
        critical: true,
        rbe: true,
        all_changes_reported: false,
        status: true,
        event_code_requested: Some(0),
    };
    let mut st = TransferSetStorage::default();
    v.push((
        "start transfer set",
        req(6, write_transfer_set_request(ts_name, &ts, &mut st)),
        Some("5"),
    ));
    let mut st = ComponentStorage::default();
    v.push((
        "stop by component",
        req(
            7,
            write_component_request(
                ts_name,
                DsTransferSetComponent::Status,
                ComponentValue::Boolean(false),
                &mut st,
            )
            .unwrap(),
        ),
        Some("5"),
    ));
    let dev = ObjectName::domain("ICC1", "BRK1").unwrap();
    let sbo = Suffixed::new("BRK1", SBO_SUFFIX).unwrap();
    let mut items = [PLACEHOLDER_ITEM];
    v.push((
        "select",
        req(
            8,
            select_request(sbo.in_scope_of(&dev).unwrap(), &mut items),
        ),
        Some("4"),
    ));
    let mut st = WriteStorage::default();
    v.push((
        "operate",
        req(9, operate_request(dev, DeviceValue::Command(1), &mut st)),
        Some("5"),
    ));
    let tag = Suffixed::new("BRK1", TAG_SUFFIX).unwrap();
    let mut items = [PLACEHOLDER_ITEM];
    v.push((
        "tag read",
        req(
            10,
            tag_read_request(tag.in_scope_of(&dev).unwrap(), &mut items),
        ),
        Some("4"),
    ));
    let value = TagValue {
        tag: TagState::OpenAndCloseInhibit,
        armed_for_execution: false,
        reason: "work on line",
    };
    let mut fields = [Data::Boolean(false); 2];
    let mut st = WriteStorage::default();
    v.push((
        "tag write",
        req(
            11,
            tag_write_request(tag.in_scope_of(&dev).unwrap(), &value, &mut fields, &mut st),
        ),
        Some("5"),
    ));
    let mut st = WriteStorage::default();
    v.push((
        "IM_Transfer_Set",
        req(12, im_transfer_set_request(true, &mut st)),
        Some("5"),
    ));
    let mut names = [PLACEHOLDER_NAME];
    v.push((
        "delete data set",
        req(13, delete_data_set_request(ds, &mut names)),
        Some("13"),
    ));
    let t = Tase2Name {
        scope: Scope::Icc,
        domain: "ICC1",
        name: "DSTransferSet0001",
    };
    let mut st = AckStorage::default();
    v.push((
        "Transfer_Report_ACK",
        unconfirmed(report_ack(t, Some(1_763_780_000), &mut st).unwrap()),
        None,
    ));
    let mut st = AckStorage::default();
    v.push((
        "Transfer_Report_NACK",
        unconfirmed(report_nack(t, &mut st).unwrap()),
        None,
    ));
    let buffer = info_buffer_name(64).unwrap();
    let header = InfoMessHeader {
        info_reference: 1,
        local_reference: 2,
        message_id: 3,
        size: 0,
    };
    let mut st = MessageStorage::default();
    v.push((
        "information message",
        unconfirmed(
            message_report(
                Scope::Icc,
                "ICC1",
                &buffer,
                header,
                b"switching order",
                &mut st,
            )
            .unwrap(),
        ),
        None,
    ));
    v
}

#[test]
fn tshark_dissects_every_client_pdu() {
    if Command::new("tshark").arg("-v").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is required under CI"
        );
        eprintln!("tshark not installed: skipping the independent-decoder check");
        return;
    }
    // The association set-up of TCP stream 1: frames 7 (CR), 8 (CC), 11 (AARQ), 24 (AARE).
    let setup: Vec<_> = common::capture_tpkts()
        .into_iter()
        .filter(|t| [7, 8, 11, 24].contains(&t.frame))
        .collect();
    assert_eq!(setup.len(), 4);
    let client = setup[0].flow;
    let ctx = common::capture_tsdus()
        .into_iter()
        .find(|t| t.frame == 25)
        .map(|t| peel(&t.bytes).unwrap().context_id.unwrap())
        .unwrap() as u8;
    let pdus = client_pdus();
    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 58_712, [10, 0, 0, 2], 102);
    for t in &setup {
        w.send(t.flow == client, &t.bytes);
    }
    for (_, pdu, _) in &pdus {
        w.send(true, &frame(ctx, pdu));
    }
    let path =
        std::env::temp_dir().join(format!("tase2_client_tshark_{}.pcap", std::process::id()));
    w.write_file(&path).unwrap();
    let out = Command::new("tshark")
        .args(["-r", path.to_str().unwrap(), "-Y", "mms", "-T", "fields"])
        .args(["-E", "separator=|", "-e", "_ws.col.Info"])
        .args([
            "-e",
            "mms.confirmedServiceRequest",
            "-e",
            "mms.unconfirmedService",
        ])
        .args(["-e", "_ws.malformed", "-e", "_ws.expert.severity"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    // Two set-up frames (initiate request and response), then ours in order.
    assert_eq!(rows.len(), 2 + pdus.len(), "tshark output:\n{text}");
    for (row, (what, _, service)) in rows[2..].iter().zip(&pdus) {
        match service {
            Some(s) => {
                assert!(row[0].contains("confirmed-RequestPDU"), "{what}: {row:?}");
                assert_eq!(row[1], *s, "{what}: {row:?}");
            }
            None => {
                assert!(row[0].contains("unconfirmed-PDU"), "{what}: {row:?}");
                assert_eq!(row[2], "0", "{what}: informationReport expected, {row:?}");
            }
        }
        assert!(row[3].is_empty(), "{what}: malformed: {row:?}");
        for sev in row[4].split(',').filter(|s| !s.is_empty()) {
            let v = match sev.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16).unwrap(),
                None => sev.parse::<u32>().unwrap(),
            };
            assert!(v < 0x0080_0000, "{what}: expert error {sev}: {row:?}");
        }
    }
}
