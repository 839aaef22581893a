//! An independent decoder reads what the MMS encoder writes: PDUs of every kind built with
//! the typed model are framed (TPKT, COTP DT, session GT+DT, presentation fully-encoded
//! data) after the real association set-up of the ICCP capture's TCP stream 1 (COTP CR/CC,
//! AARQ/AARE with the MMS Initiate, which tell tshark the presentation context), written as
//! a pcap, and dissected by tshark 4.0: every PDU must be recognised as the kind and service
//! we built, with no malformed packet and no error-level expert info.
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

mod common;

use std::process::Command;

use capture::TcpPcapWriter;
use telecontrol_core::Encode;
use telecontrol_mms_pdu::ber::{BitString, Oid};
use telecontrol_mms_pdu::mms::*;
use telecontrol_mms_pdu::stack::peel;

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
    p.encode(&mut out).unwrap();
    out
}

fn name(d: &'static str, i: &'static str) -> ObjectName<'static> {
    ObjectName::domain(d, i).unwrap()
}

#[test]
fn tshark_dissects_every_encoded_pdu() {
    if Command::new("tshark").arg("-v").output().is_err() {
        // CI (`.ci/run`) installs tshark, so there a missing tshark is a failure.
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
    // The MMS presentation context of this association, from its first DT (frame 25).
    let ctx = common::capture_tsdus()
        .into_iter()
        .find(|t| t.frame == 25)
        .map(|t| peel(&t.bytes).unwrap().context_id.unwrap())
        .unwrap() as u8;

    // Values of every Data kind.
    let q = [0x40u8];
    let bits = BitString::new(&q, 2).unwrap();
    let inner = [Data::Integer(-5), Data::Unsigned(300)];
    let arr = [Data::Boolean(true), Data::Boolean(false)];
    let oid = [0x28, 0xCA, 0x22, 0x02, 0x01];
    let values = [
        Data::Structure(SeqOf::from_slice(&inner)),
        Data::Array(SeqOf::from_slice(&arr)),
        Data::BitString(bits),
        Data::FloatingPoint(FloatingPoint::Single(50.25)),
        Data::FloatingPoint(FloatingPoint::Double(-1.5e300)),
        Data::OctetString(b"\x01\x02"),
        Data::VisibleString(b"STATKRAFT"),
        Data::GeneralizedTime(b"20261122031500Z"),
        Data::BinaryTime(BinaryTime {
            millis: 3_600_000,
            days: Some(15_300),
        }),
        Data::BinaryTime(BinaryTime {
            millis: 42,
            days: None,
        }),
        Data::Bcd(1234),
        Data::BooleanArray(bits),
        Data::ObjId(Oid::from_encoded(&oid)),
        Data::MmsString("Ålesund".as_bytes()),
        Data::UtcTime(UtcTime::new(1_763_780_000, 0x80_0000, 0x0A)),
    ];
    let results: Vec<AccessResult<'_>> = values
        .iter()
        .map(|d| AccessResult::Success(*d))
        .chain([AccessResult::Failure(DataAccessError::ObjectNonExistent)])
        .collect();
    let alt = [AlternateAccessItem::Unnamed(
        AlternateAccessSelection::SelectAccess(AccessSelection::Component(
            Identifier::new("mag").unwrap(),
        )),
    )];
    let vars = [
        VariableListItem::named(name("ICC1", "Bilateral_Table_ID")),
        VariableListItem {
            specification: VariableSpecification::Name(name("ICC1", "MV_1")),
            alternate_access: Some(SeqOf::from_slice(&alt)),
        },
    ];
    let vlist = VariableAccessSpecification::ListOfVariable(SeqOf::from_slice(&vars));
    let dset = VariableAccessSpecification::VariableListName(name("ICC1", "DS_1"));
    let ids = [
        Identifier::new("DS_1").unwrap(),
        Identifier::new("DS_2").unwrap(),
    ];
    let names = [name("ICC1", "DS_1")];
    let wres = [
        WriteResult::Success,
        WriteResult::Failure(DataAccessError::ObjectAccessDenied),
    ];
    let comps = [
        StructComponent {
            name: Identifier::new("Value"),
            component_type: TypeSpecification::Description(TypeDescription::Integer(32)),
        },
        StructComponent {
            name: Identifier::new("Flags"),
            component_type: TypeSpecification::Description(TypeDescription::BitString(8)),
        },
    ];
    let elem = TypeSpecification::Description(TypeDescription::Structure {
        packed: None,
        components: SeqOf::from_slice(&comps),
    });
    let req = |i: u32, s| MmsPdu::ConfirmedRequest(ConfirmedRequest::new(i, s));
    let resp = |i: u32, s| {
        MmsPdu::ConfirmedResponse(ConfirmedResponse {
            invoke_id: i,
            service: s,
        })
    };
    let error = ServiceError::new(ErrorClass::Definition(1));

    // (pdu, from client, tshark Info must contain, service number field expected)
    let cases: Vec<(MmsPdu<'_>, bool, &str, Option<&str>)> = vec![
        (
            req(1, ConfirmedServiceRequest::Identify),
            true,
            "confirmed-RequestPDU",
            Some("2"),
        ),
        (
            req(2, ConfirmedServiceRequest::Status(false)),
            true,
            "confirmed-RequestPDU",
            Some("0"),
        ),
        (
            req(
                3,
                ConfirmedServiceRequest::GetNameList(GetNameListRequest {
                    object_class: ExtendedObjectClass::Basic(ObjectClass::NamedVariableList),
                    object_scope: ObjectScope::Domain(Identifier::new("ICC1").unwrap()),
                    continue_after: Identifier::new("DS_0"),
                }),
            ),
            true,
            "confirmed-RequestPDU",
            Some("1"),
        ),
        (
            req(
                4,
                ConfirmedServiceRequest::Read(ReadRequest {
                    specification_with_result: Some(true),
                    variable_access_specification: vlist,
                }),
            ),
            true,
            "confirmed-RequestPDU",
            Some("4"),
        ),
        (
            req(
                5,
                ConfirmedServiceRequest::Write(WriteRequest {
                    variable_access_specification: vlist,
                    data: SeqOf::from_slice(&values[..2]),
                }),
            ),
            true,
            "confirmed-RequestPDU",
            Some("5"),
        ),
        (
            req(
                6,
                ConfirmedServiceRequest::GetVariableAccessAttributes(
                    GetVariableAccessAttributesRequest::Name(name("ICC1", "MV_1")),
                ),
            ),
            true,
            "confirmed-RequestPDU",
            Some("6"),
        ),
        (
            req(
                7,
                ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
                    name: name("ICC1", "DS_1"),
                    variables: SeqOf::from_slice(&vars),
                }),
            ),
            true,
            "confirmed-RequestPDU",
            Some("11"),
        ),
        (
            req(
                8,
                ConfirmedServiceRequest::GetNamedVariableListAttributes(name("ICC1", "DS_1")),
            ),
            true,
            "confirmed-RequestPDU",
            Some("12"),
        ),
        (
            req(
                9,
                ConfirmedServiceRequest::DeleteNamedVariableList(DeleteNamedVariableListRequest {
                    scope: Some(DeleteScope::Specific),
                    names: Some(SeqOf::from_slice(&names)),
                    domain: None,
                }),
            ),
            true,
            "confirmed-RequestPDU",
            Some("13"),
        ),
        (
            resp(
                1,
                ConfirmedServiceResponse::Identify(IdentifyResponse {
                    vendor: b"telecontrol",
                    model: b"mms-pdu",
                    revision: b"0.1",
                    abstract_syntaxes: None,
                }),
            ),
            false,
            "confirmed-ResponsePDU",
            Some("2"),
        ),
        (
            resp(
                2,
                ConfirmedServiceResponse::Status(StatusResponse {
                    logical: VmdLogicalStatus::StateChangesAllowed,
                    physical: VmdPhysicalStatus::Operational,
                    local_detail: None,
                }),
            ),
            false,
            "confirmed-ResponsePDU",
            Some("0"),
        ),
        (
            resp(
                3,
                ConfirmedServiceResponse::GetNameList(GetNameListResponse {
                    identifiers: SeqOf::from_slice(&ids),
                    more_follows: Some(false),
                }),
            ),
            false,
            "confirmed-ResponsePDU",
            Some("1"),
        ),
        (
            resp(
                4,
                ConfirmedServiceResponse::Read(ReadResponse {
                    variable_access_specification: None,
                    results: SeqOf::from_slice(&results),
                }),
            ),
            false,
            "confirmed-ResponsePDU",
            Some("4"),
        ),
        (
            resp(5, ConfirmedServiceResponse::Write(SeqOf::from_slice(&wres))),
            false,
            "confirmed-ResponsePDU",
            Some("5"),
        ),
        (
            resp(
                6,
                ConfirmedServiceResponse::GetVariableAccessAttributes(
                    GetVariableAccessAttributesResponse {
                        mms_deletable: false,
                        address: None,
                        type_specification: TypeSpecification::Description(
                            TypeDescription::Array {
                                packed: None,
                                number_of_elements: 4,
                                element_type: Nested::new(&elem),
                            },
                        ),
                    },
                ),
            ),
            false,
            "confirmed-ResponsePDU",
            Some("6"),
        ),
        (
            resp(7, ConfirmedServiceResponse::DefineNamedVariableList),
            false,
            "confirmed-ResponsePDU",
            Some("11"),
        ),
        (
            resp(
                8,
                ConfirmedServiceResponse::GetNamedVariableListAttributes(
                    GetNamedVariableListAttributesResponse {
                        mms_deletable: true,
                        variables: SeqOf::from_slice(&vars),
                    },
                ),
            ),
            false,
            "confirmed-ResponsePDU",
            Some("12"),
        ),
        (
            resp(
                9,
                ConfirmedServiceResponse::DeleteNamedVariableList(
                    DeleteNamedVariableListResponse {
                        number_matched: 1,
                        number_deleted: 1,
                    },
                ),
            ),
            false,
            "confirmed-ResponsePDU",
            Some("13"),
        ),
        (
            MmsPdu::ConfirmedError(ConfirmedErrorPdu {
                invoke_id: 10,
                modifier_position: None,
                service_error: error,
            }),
            false,
            "confirmed-ErrorPDU",
            None,
        ),
        (
            MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
                variable_access_specification: dset,
                results: SeqOf::from_slice(&results),
            })),
            false,
            "unconfirmed-PDU",
            None,
        ),
        (
            MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
                variable_access_specification: vlist,
                results: SeqOf::from_slice(&results[..2]),
            })),
            false,
            "unconfirmed-PDU",
            None,
        ),
        (
            MmsPdu::Reject(RejectPdu {
                original_invoke_id: Some(11),
                reason: RejectReason::ConfirmedRequest(ConfirmedRequestReject::UnrecognizedService),
            }),
            false,
            "rejectPDU",
            None,
        ),
        (MmsPdu::CancelRequest(12), true, "cancel-RequestPDU", None),
        (
            MmsPdu::CancelResponse(12),
            false,
            "cancel-ResponsePDU",
            None,
        ),
        (
            MmsPdu::CancelError(CancelError {
                original_invoke_id: 12,
                service_error: ServiceError::new(ErrorClass::Cancel(2)),
            }),
            false,
            "cancel-ErrorPDU",
            None,
        ),
        (
            MmsPdu::ConcludeError(ServiceError::new(ErrorClass::Conclude(1))),
            false,
            "conclude-ErrorPDU",
            None,
        ),
        (MmsPdu::ConcludeRequest, true, "conclude-RequestPDU", None),
        (
            MmsPdu::ConcludeResponse,
            false,
            "conclude-ResponsePDU",
            None,
        ),
    ];

    let mut w = TcpPcapWriter::new([10, 0, 0, 1], 58_711, [10, 0, 0, 2], 102);
    for t in &setup {
        w.send(t.flow == client, &t.bytes);
    }
    for (pdu, from_client, _, _) in &cases {
        w.send(*from_client, &frame(ctx, &enc(pdu)));
    }
    let path = std::env::temp_dir().join(format!("mms_tshark_{}.pcap", std::process::id()));
    w.write_file(&path).unwrap();

    let out = Command::new("tshark")
        .args([
            "-r",
            path.to_str().unwrap(),
            "-Y",
            "mms",
            "-T",
            "fields",
            "-E",
            "separator=|",
        ])
        .args([
            "-e",
            "frame.number",
            "-e",
            "_ws.col.Info",
            "-e",
            "mms.confirmedServiceRequest",
        ])
        .args([
            "-e",
            "mms.confirmedServiceResponse",
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.severity",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    // Two set-up frames (initiate request and response), then ours in order.
    assert_eq!(rows.len(), 2 + cases.len(), "tshark output:\n{text}");
    for (row, (pdu, _, kind, service)) in rows[2..].iter().zip(&cases) {
        assert!(row[1].contains(kind), "{pdu:?}: tshark says {row:?}");
        if let Some(s) = service {
            let field = if row[2].is_empty() { row[3] } else { row[2] };
            assert_eq!(field, *s, "{pdu:?}: tshark says {row:?}");
        }
        assert!(row[4].is_empty(), "malformed: {row:?}");
        // Expert severities: 0x00800000 (error) and above are not allowed. tshark prints
        // them in decimal (8388608 is "error").
        for sev in row[5].split(',').filter(|s| !s.is_empty()) {
            let v = match sev.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16).unwrap(),
                None => sev.parse::<u32>().unwrap(),
            };
            assert!(v < 0x0080_0000, "expert error {sev}: {row:?}");
        }
    }
    if std::env::var_os("MMS_KEEP_PCAP").is_none() {
        let _ = std::fs::remove_file(&path);
    } else {
        eprintln!("kept {}", path.display());
    }
}
