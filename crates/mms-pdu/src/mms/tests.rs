//! Byte vectors: real PDUs from the multi-vendor ICCP capture (fields checked against
//! tshark 4.0's dissector) and hand-encoded ones for the PDUs the capture lacks.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

extern crate std;

use std::vec;
use std::vec::Vec;

use telecontrol_core::{Decode, Encode};

use super::*;
use crate::ber::BitString;

/// Hex to bytes, leaked so that decoded views can borrow them for the whole test.
fn hex(s: &str) -> &'static [u8] {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let v: Vec<u8> = s
        .chunks(2)
        .map(|c| u8::from_str_radix(core::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect();
    v.leak()
}

/// Decode, re-encode, and require the identical bytes.
fn round_trip(bytes: &[u8]) -> MmsPdu<'_> {
    let pdu = MmsPdu::decode(bytes).unwrap_or_else(|e| panic!("{e}"));
    let mut out = vec![0u8; pdu.encoded_len()];
    assert_eq!(pdu.encode(&mut out), Ok(bytes.len()));
    assert_eq!(out, bytes);
    pdu
}

fn id(s: &str) -> Identifier<'_> {
    Identifier::new(s).unwrap()
}

#[test]
fn initiate_request_from_capture() {
    let b = hex("a82580027d00810114820114830104a416800101810305fb00820c036e1d000000000064000198");
    let MmsPdu::InitiateRequest(p) = round_trip(b) else {
        panic!()
    };
    assert_eq!(p.local_detail, Some(32_000));
    assert_eq!(
        (
            p.max_serv_outstanding_calling,
            p.max_serv_outstanding_called
        ),
        (20, 20)
    );
    assert_eq!(p.data_structure_nesting_level, Some(4));
    assert_eq!(p.detail.version_number, 1);
    assert!(p.detail.parameter_cbb.bit(parameter_cbb::STR1));
    assert!(p.detail.parameter_cbb.bit(parameter_cbb::VLIS));
    assert!(!p.detail.parameter_cbb.bit(parameter_cbb::VSCA));
    let s = p.detail.services_supported;
    assert_eq!(s.len(), 85);
    for bit in [
        service_support::IDENTIFY,
        service_support::READ,
        service_support::WRITE,
    ] {
        assert!(s.bit(bit));
    }
    assert!(s.bit(service_support::INFORMATION_REPORT) && s.bit(service_support::CONCLUDE));
    assert!(p.detail.extension.is_empty());
}

#[test]
fn identify_from_capture() {
    let MmsPdu::ConfirmedRequest(r) = round_trip(hex("a0050201028200")) else {
        panic!()
    };
    assert_eq!(
        (r.invoke_id, r.service),
        (2, ConfirmedServiceRequest::Identify)
    );
    let b = hex("a11a02012ea21580075349454d454e53810553554e4f538203332e30");
    let MmsPdu::ConfirmedResponse(r) = round_trip(b) else {
        panic!()
    };
    let ConfirmedServiceResponse::Identify(i) = r.service else {
        panic!()
    };
    assert_eq!(
        (r.invoke_id, i.vendor, i.model, i.revision),
        (46, &b"SIEMENS"[..], &b"SUNOS"[..], &b"3.0"[..])
    );
}

#[test]
fn get_name_list_from_capture() {
    let b = hex("a01e020200eca118a003800102a111810f535441544b524146545f4c494e4541");
    let MmsPdu::ConfirmedRequest(r) = round_trip(b) else {
        panic!()
    };
    let ConfirmedServiceRequest::GetNameList(g) = r.service else {
        panic!()
    };
    assert_eq!(
        g.object_class,
        ExtendedObjectClass::Basic(ObjectClass::NamedVariableList)
    );
    assert_eq!(g.object_scope, ObjectScope::Domain(id("STATKRAFT_LINEA")));
    assert_eq!(g.continue_after, None);
    let MmsPdu::ConfirmedResponse(r) = round_trip(hex("a10b02025ac9a105a000810100")) else {
        panic!()
    };
    let ConfirmedServiceResponse::GetNameList(g) = r.service else {
        panic!()
    };
    assert_eq!(
        (r.invoke_id, g.identifiers.len(), g.more_follows()),
        (23241, 0, false)
    );
}

#[test]
fn read_from_capture() {
    let b = hex(
        "a02d02013aa428a126a0243022a020a11e1a07474e4f5f53544b1a134e6578745f44535472616e736665725f536574",
    );
    let MmsPdu::ConfirmedRequest(r) = round_trip(b) else {
        panic!()
    };
    let ConfirmedServiceRequest::Read(read) = r.service else {
        panic!()
    };
    let VariableAccessSpecification::ListOfVariable(list) = read.variable_access_specification
    else {
        panic!()
    };
    let items: Vec<_> = list.iter().collect();
    assert_eq!(
        items,
        [VariableListItem::named(
            ObjectName::domain("GNO_STK", "Next_DSTransfer_Set").unwrap()
        )]
    );

    // failure object-non-existent, then {floating-point 49.9148, bit-string 00}
    let b = hex("a11702010da412a11080010aa20b8705084247a8f684020000");
    let MmsPdu::ConfirmedResponse(r) = round_trip(b) else {
        panic!()
    };
    let ConfirmedServiceResponse::Read(read) = r.service else {
        panic!()
    };
    let results: Vec<_> = read.results.iter().collect();
    assert_eq!(
        results[0],
        AccessResult::Failure(DataAccessError::ObjectNonExistent)
    );
    let AccessResult::Success(Data::Structure(s)) = results[1] else {
        panic!()
    };
    let fields: Vec<_> = s.iter().collect();
    let Data::FloatingPoint(FloatingPoint::Single(v)) = fields[0] else {
        panic!()
    };
    assert!((v - 49.914_997).abs() < 1e-4);
    assert_eq!(fields[1], Data::BitString(BitString::new(&[0], 0).unwrap()));
}

#[test]
fn write_from_capture() {
    let b = hex("a021020103a51ca0153013a011820f494d5f5472616e736665725f536574a003830101");
    let pdu = MmsPdu::decode(b).unwrap();
    let MmsPdu::ConfirmedRequest(r) = pdu else {
        panic!()
    };
    let ConfirmedServiceRequest::Write(wr) = r.service else {
        panic!()
    };
    let data: Vec<_> = wr.data.iter().collect();
    assert_eq!(data, [Data::Boolean(true)]);
    // The peer encoded TRUE as 0x01; the encoder writes 0xFF (X.690 11.1), nothing else changes.
    let mut out = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut out).unwrap();
    assert_eq!(out[..out.len() - 1], b[..b.len() - 1]);
    assert_eq!(out[out.len() - 1], 0xFF);

    let MmsPdu::ConfirmedResponse(r) = round_trip(hex("a10702011ea5028100")) else {
        panic!()
    };
    let ConfirmedServiceResponse::Write(results) = r.service else {
        panic!()
    };
    assert_eq!(results.iter().collect::<Vec<_>>(), [WriteResult::Success]);
}

#[test]
fn named_variable_lists_from_capture() {
    let b = hex("a025020131ad20a11ea11c1a07474e4f5f53544b1a11474c495452455f4e4554545f494e445f31");
    let MmsPdu::ConfirmedRequest(r) = round_trip(b) else {
        panic!()
    };
    let ConfirmedServiceRequest::DeleteNamedVariableList(d) = r.service else {
        panic!()
    };
    assert_eq!(d.scope, None);
    let names: Vec<_> = d.names.unwrap().iter().collect();
    assert_eq!(
        names,
        [ObjectName::domain("GNO_STK", "GLITRE_NETT_IND_1").unwrap()]
    );
    let MmsPdu::ConfirmedResponse(r) = round_trip(hex("a10b020107ad06800101810101")) else {
        panic!()
    };
    let want = DeleteNamedVariableListResponse {
        number_matched: 1,
        number_deleted: 1,
    };
    assert_eq!(
        r.service,
        ConfirmedServiceResponse::DeleteNamedVariableList(want)
    );
    let MmsPdu::ConfirmedResponse(r) = round_trip(hex("a1050201138b00")) else {
        panic!()
    };
    assert_eq!(r.service, ConfirmedServiceResponse::DefineNamedVariableList);
}

#[test]
fn confirmed_error_from_capture() {
    let MmsPdu::ConfirmedError(e) = round_trip(hex("a20a800103a205a003870100")) else {
        panic!()
    };
    assert_eq!(e.invoke_id, 3);
    assert_eq!(e.service_error, ServiceError::new(ErrorClass::Access(0)));
    let MmsPdu::ConfirmedError(e) = round_trip(hex("a20b80020551a205a003820101")) else {
        panic!()
    };
    assert_eq!(e.service_error.error_class, ErrorClass::Definition(1));
}

#[test]
fn information_report_from_capture() {
    let b = hex(
        "a35ba059a11ea11c1a07474e4f5f53544b1a11474c495452455f4e4554545f4d45415f31a037a2158601018a07
         474e4f5f53544b8a0764735f7473313685046a16a179a20b87050841b30a3d84020000a20b87050841b23d70
         84020000",
    );
    let MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) = round_trip(b) else {
        panic!()
    };
    let VariableAccessSpecification::VariableListName(name) = ir.variable_access_specification
    else {
        panic!()
    };
    assert_eq!(
        name,
        ObjectName::domain("GNO_STK", "GLITRE_NETT_MEA_1").unwrap()
    );
    let r: Vec<_> = ir.results.iter().collect();
    assert_eq!(r.len(), 4);
    // TASE.2: {Transfer_Set_Name}, Transfer_Set_Time_Stamp, then the data set's values.
    let AccessResult::Success(Data::Structure(header)) = r[0] else {
        panic!()
    };
    assert_eq!(
        header.len(),
        3,
        "a nested list counts its elements on demand"
    );
    let h: Vec<_> = header.iter().collect();
    assert_eq!(
        h,
        [
            Data::Unsigned(1),
            Data::VisibleString(b"GNO_STK"),
            Data::VisibleString(b"ds_ts16")
        ]
    );
    assert_eq!(r[1], AccessResult::Success(Data::Integer(0x6a16_a179)));
    let AccessResult::Success(Data::Structure(v)) = r[3] else {
        panic!()
    };
    let Some(Data::FloatingPoint(f)) = v.iter().next() else {
        panic!()
    };
    assert!((f.to_f64() - 22.28).abs() < 1e-3);
}

#[test]
fn hand_encoded_pdus_round_trip() {
    // Conclude request/response, cancel, reject (invoke 7: invalid-argument).
    assert_eq!(round_trip(hex("8b00")), MmsPdu::ConcludeRequest);
    assert_eq!(round_trip(hex("8c00")), MmsPdu::ConcludeResponse);
    assert_eq!(round_trip(hex("850105")), MmsPdu::CancelRequest(5));
    assert_eq!(round_trip(hex("860105")), MmsPdu::CancelResponse(5));
    let MmsPdu::Reject(r) = round_trip(hex("a406800107810104")) else {
        panic!()
    };
    assert_eq!(r.original_invoke_id, Some(7));
    assert_eq!(
        r.reason,
        RejectReason::ConfirmedRequest(ConfirmedRequestReject::InvalidArgument)
    );
    // Cancel error: invoke 5, service error cancel [10] invoke-id-unknown (1).
    let MmsPdu::CancelError(c) = round_trip(hex("a70a800105a105a0038a0101")) else {
        panic!()
    };
    assert_eq!(c.service_error.error_class, ErrorClass::Cancel(1));
    // Initiate error: initiate [8] max-services-outstanding-calling-insufficient (3).
    let MmsPdu::InitiateError(e) = round_trip(hex("aa05a003880103")) else {
        panic!()
    };
    assert_eq!(e.error_class, ErrorClass::Initiate(3));
    // Conclude error with additional code and description.
    let MmsPdu::ConcludeError(e) = round_trip(hex("ad0ca0038901018101028202686b")) else {
        panic!()
    };
    assert_eq!(
        (e.additional_code, e.additional_description),
        (Some(2), Some(&b"hk"[..]))
    );
    // Status request (extended derivation false) and response with local detail.
    let MmsPdu::ConfirmedRequest(r) = round_trip(hex("a006020109800100")) else {
        panic!()
    };
    assert_eq!(r.service, ConfirmedServiceRequest::Status(false));
    let MmsPdu::ConfirmedResponse(r) = round_trip(hex("a10f020109a00a80010081010082020780")) else {
        panic!()
    };
    let ConfirmedServiceResponse::Status(s) = r.service else {
        panic!()
    };
    assert_eq!(
        (s.logical, s.physical),
        (
            VmdLogicalStatus::StateChangesAllowed,
            VmdPhysicalStatus::Operational
        )
    );
    assert!(s.local_detail.unwrap().bit(0));
}

#[test]
fn get_variable_access_attributes() {
    // Request: name [0] { domain-specific "D" "V" }.
    let b = hex("a00f020102a60aa008a1061a01441a0156");
    let MmsPdu::ConfirmedRequest(r) = round_trip(b) else {
        panic!()
    };
    let ConfirmedServiceRequest::GetVariableAccessAttributes(g) = r.service else {
        panic!()
    };
    assert_eq!(
        g,
        GetVariableAccessAttributesRequest::Name(ObjectName::domain("D", "V").unwrap())
    );
    // Response: deletable false, structure { Value: floating-point(32, 8),
    // Flags: bit-string 8, TimeStamp: binary-time false, Arr: array[3] of integer 16 }.
    let b = hex(
        "a154020102a64f800100a24aa248a1463011800556616c7565a108a706020120020108300c8005466c6167
         73a1038401083010800954696d655374616d70a1038c010030118003417272a10aa108810103a203850110",
    );
    let MmsPdu::ConfirmedResponse(r) = round_trip(b) else {
        panic!()
    };
    let ConfirmedServiceResponse::GetVariableAccessAttributes(a) = r.service else {
        panic!()
    };
    assert!(!a.mms_deletable);
    let TypeSpecification::Description(TypeDescription::Structure { packed, components }) =
        a.type_specification
    else {
        panic!()
    };
    assert_eq!(packed, None);
    let c: Vec<_> = components.iter().collect();
    assert_eq!(c.len(), 4);
    assert_eq!(c[0].name, Some(id("Value")));
    let want = TypeDescription::FloatingPoint {
        format_width: 32,
        exponent_width: 8,
    };
    assert_eq!(c[0].component_type, TypeSpecification::Description(want));
    assert_eq!(
        c[2].component_type,
        TypeSpecification::Description(TypeDescription::BinaryTime(false))
    );
    let TypeSpecification::Description(TypeDescription::Array {
        number_of_elements,
        element_type,
        ..
    }) = c[3].component_type
    else {
        panic!()
    };
    assert_eq!(number_of_elements, 3);
    assert_eq!(
        element_type.get(),
        Some(TypeSpecification::Description(TypeDescription::Integer(16)))
    );
}

#[test]
fn alternate_access_and_named_list_attributes() {
    // GetNamedVariableListAttributes request [12] { vmd-specific "L" }.
    let MmsPdu::ConfirmedRequest(r) = round_trip(hex("a008020104ac038001 4c")) else {
        panic!()
    };
    assert_eq!(
        r.service,
        ConfirmedServiceRequest::GetNamedVariableListAttributes(ObjectName::vmd("L").unwrap())
    );
    // Response: deletable true, one variable "V" with alternate access: component "q",
    // then selectAlternateAccess(index 2, { allElements }).
    let b = hex("a11f020104ac1a8001ffa11530 13 a003 8001 56 a50c 8101 71 a007 8101 02 30 02 8400");
    let MmsPdu::ConfirmedResponse(r) = round_trip(b) else {
        panic!()
    };
    let ConfirmedServiceResponse::GetNamedVariableListAttributes(g) = r.service else {
        panic!()
    };
    assert!(g.mms_deletable);
    let v: Vec<_> = g.variables.iter().collect();
    assert_eq!(
        v[0].specification,
        VariableSpecification::Name(ObjectName::vmd("V").unwrap())
    );
    let alt: Vec<_> = v[0].alternate_access.unwrap().iter().collect();
    assert_eq!(
        alt[0],
        AlternateAccessItem::Unnamed(AlternateAccessSelection::SelectAccess(
            AccessSelection::Component(id("q"))
        ))
    );
    let AlternateAccessItem::Unnamed(AlternateAccessSelection::SelectAlternateAccess {
        selection,
        alternate_access,
    }) = alt[1]
    else {
        panic!()
    };
    assert_eq!(selection, AccessSelection::Index(2));
    let inner: Vec<_> = alternate_access.iter().collect();
    assert_eq!(
        inner,
        [AlternateAccessItem::Unnamed(
            AlternateAccessSelection::SelectAccess(AccessSelection::AllElements)
        )]
    );
}

#[test]
fn unsupported_services_keep_the_invoke_id() {
    // fileOpen [72] request: context tag 72 in the high-tag form.
    let b = hex("a00902012abf4803800141");
    let MmsPdu::ConfirmedRequest(r) = round_trip(b) else {
        panic!()
    };
    assert_eq!(r.invoke_id, 42);
    let ConfirmedServiceRequest::Unsupported(raw) = r.service else {
        panic!()
    };
    assert_eq!((raw.tag.number, raw.content), (72, &[0x80, 0x01, 0x41][..]));
    // A malformed known service still gives its invoke id to a Reject.
    let bad = hex("a00702012aa4028000");
    assert!(MmsPdu::decode(bad).is_err());
    assert_eq!(MmsPdu::peek_invoke_id(bad), Some(42));
}

#[test]
fn errors_carry_offsets() {
    // Unknown PDU tag [14].
    let e = MmsPdu::decode(hex("ae00")).unwrap_err();
    assert!(matches!(e, MmsError::UnknownPdu { offset: 0, .. }));
    // Data with the reserved tag [8] (REAL) inside an InformationReport at offset 14.
    let e = MmsPdu::decode(hex("a30ea00ca1058003 414243 a003 880100")).unwrap_err();
    assert_eq!(e.offset(), 13);
    // Truncated.
    assert!(MmsPdu::decode(hex("a00502010282")).is_err());
    // Trailing octets.
    assert!(MmsPdu::decode(hex("8b0000")).is_err());
}

#[test]
fn encode_checks_buffer() {
    let pdu = MmsPdu::CancelRequest(300);
    let mut small = [0u8; 3];
    assert!(pdu.encode(&mut small).is_err());
    assert_eq!(small, [0, 0, 0]);
    let mut buf = [0u8; 4];
    assert_eq!(pdu.encode(&mut buf), Ok(4));
    assert_eq!(buf, [0x85, 0x02, 0x01, 0x2C]);
}
