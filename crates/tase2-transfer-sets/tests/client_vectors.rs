//! Byte vectors and scenarios of the client procedures (IEC 60870-6-503): the PDUs the
//! client sends encode to exactly these BER octets (hand-assembled from ISO 9506-2 and
//! IEC 60870-6-802), and the interpreters turn servers' answers into typed values or the
//! typed error.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use mms_pdu::mms::{
    AccessResult, ConfirmedRequest, ConfirmedServiceRequest, ConfirmedServiceResponse, Data,
    DataAccessError, InformationReport, MmsPdu, ObjectName, ReadResponse, SeqOf,
    UnconfirmedService, VariableAccessSpecification, VariableListItem, WriteResult,
};
use telecontrol_core::{Decode, Encode};
use telecontrol_tase2_transfer_sets::client::*;
use telecontrol_tase2_transfer_sets::objects::{SBO_SUFFIX, Scope, TAG_SUFFIX};
use telecontrol_tase2_transfer_sets::*;

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn ascii(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x} ")).collect()
}

fn encode(pdu: &MmsPdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; pdu.encoded_len()];
    let n = pdu.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn request(service: ConfirmedServiceRequest<'_>) -> Vec<u8> {
    encode(&MmsPdu::ConfirmedRequest(ConfirmedRequest::new(1, service)))
}

fn read_response<'a>(results: &'a [AccessResult<'a>]) -> ConfirmedServiceResponse<'a> {
    ConfirmedServiceResponse::Read(ReadResponse {
        variable_access_specification: None,
        results: SeqOf::from_slice(results),
    })
}

const TS: Tase2Name<'static> = Tase2Name {
    scope: Scope::Icc,
    domain: "ICC1",
    name: "DSTS_1",
};

#[test]
fn the_acknowledgement_of_a_critical_report_is_these_octets() {
    let mut st = AckStorage::default();
    let ack = report_ack(TS, Some(1000), &mut st).unwrap();
    let wire = format!(
        "a3 63 a0 61 a0 46 \
         30 1f a0 1d a1 1b 1a 04 {icc}1a 13 {ack}\
         30 23 a0 21 a1 1f 1a 04 {icc}1a 17 {tsts}\
         a0 17 a2 11 86 01 01 8a 04 {icc}8a 06 {ts}85 02 03 e8",
        icc = ascii("ICC1"),
        ack = ascii("Transfer_Report_ACK"),
        tsts = ascii("Transfer_Set_Time_Stamp"),
        ts = ascii("DSTS_1"),
    );
    let pdu = MmsPdu::Unconfirmed(ack);
    assert_eq!(encode(&pdu), hex(&wire));

    // A server reads it back.
    let bytes = hex(&wire);
    let MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) =
        MmsPdu::decode(&bytes).unwrap()
    else {
        panic!("not a report")
    };
    assert_eq!(classify_report(&ir), ReportClass::TransferReportAck);
    assert_eq!(
        ReportAck::from_report(&ir).unwrap(),
        Some(ReportAck {
            nack: false,
            transfer_set: TS,
            time_stamp: Some(1000)
        })
    );
}

#[test]
fn the_negative_acknowledgement_names_the_transfer_set_only() {
    let mut st = AckStorage::default();
    let nack = report_nack(TS, &mut st).unwrap();
    let wire = format!(
        "a3 3b a0 39 a0 22 \
         30 20 a0 1e a1 1c 1a 04 {icc}1a 14 {nack}\
         a0 13 a2 11 86 01 01 8a 04 {icc}8a 06 {ts}",
        icc = ascii("ICC1"),
        nack = ascii("Transfer_Report_NACK"),
        ts = ascii("DSTS_1"),
    );
    let bytes = encode(&MmsPdu::Unconfirmed(nack));
    assert_eq!(bytes, hex(&wire));
    let MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) =
        MmsPdu::decode(&bytes).unwrap()
    else {
        panic!("not a report")
    };
    assert_eq!(classify_report(&ir), ReportClass::TransferReportNack);
    let back = ReportAck::from_report(&ir).unwrap().unwrap();
    assert!(back.nack);
    assert_eq!(back.time_stamp, None);
}

#[test]
fn enabling_information_messages_writes_the_aa_specific_boolean() {
    let mut st = WriteStorage::default();
    let bytes = request(im_transfer_set_request(true, &mut st));
    // write [5] { listOfVariable [0] { { name [0] { aa-specific [2] "IM_Transfer_Set" } } },
    //             listOfData [0] { boolean [3] TRUE } }
    let wire = format!(
        "a0 21 02 01 01 a5 1c a0 15 30 13 a0 11 82 0f {im}a0 03 83 01 ff",
        im = ascii("IM_Transfer_Set")
    );
    assert_eq!(bytes, hex(&wire));
}

#[test]
fn select_reads_the_sbo_variable_in_the_device_scope() {
    let dev = ObjectName::domain("ICC1", "BRK_1").unwrap();
    let sbo = Suffixed::new("BRK_1", SBO_SUFFIX).unwrap();
    assert_eq!(sbo.as_str(), "BRK_1_SBO");
    let name = sbo.in_scope_of(&dev).unwrap();
    let mut items = [PLACEHOLDER_ITEM];
    let bytes = request(select_request(name, &mut items));
    // read [4] { variableAccessSpecification [1] { listOfVariable [0] {
    //   { name [0] { domain-specific [1] { "ICC1", "BRK_1_SBO" } } } } } }
    let wire = format!(
        "a0 20 02 01 01 a4 1b a1 19 a0 17 30 15 a0 13 a1 11 1a 04 {icc}1a 09 {sbo}",
        icc = ascii("ICC1"),
        sbo = ascii("BRK_1_SBO")
    );
    assert_eq!(bytes, hex(&wire));

    // Armed: CheckBackID 7. Refused: object-access-denied.
    let ok = [AccessResult::Success(Data::Integer(7))];
    assert_eq!(select_response(&read_response(&ok)), Ok(7));
    let refused = [AccessResult::Failure(DataAccessError::ObjectAccessDenied)];
    assert_eq!(
        select_response(&read_response(&refused)),
        Err(ClientError::Access {
            index: 0,
            error: DataAccessError::ObjectAccessDenied
        })
    );
    assert!(Suffixed::new("A_DEVICE_NAME_OF_TWENTY_NINE_C", TAG_SUFFIX).is_err());
}

fn identity<'a>(
    version: Data<'a>,
    features: Data<'a>,
    id: Data<'a>,
    expect: &Expectation<'_>,
) -> Result<PeerCheck, ClientError> {
    let results = [
        AccessResult::Success(version),
        AccessResult::Success(features),
        AccessResult::Success(id),
    ];
    check_identity(&read_response(&results), expect)
}

#[test]
fn the_association_check_reads_three_objects_and_checks_each() {
    let mut st = IdentityStorage::default();
    let bytes = request(identity_request("ICC1", &mut st).unwrap());
    let wire = format!(
        "a0 54 02 01 01 a4 4f a1 4d a0 4b \
         30 11 a0 0f 80 0d {v}\
         30 16 a0 14 80 12 {f}\
         30 1e a0 1c a1 1a 1a 04 {icc}1a 12 {b}",
        v = ascii("TASE2_Version"),
        f = ascii("Supported_Features"),
        icc = ascii("ICC1"),
        b = ascii("Bilateral_Table_ID"),
    );
    assert_eq!(bytes, hex(&wire));

    let (mut vf, mut ff) = ([Data::Boolean(false); 2], [0u8; 2]);
    let v2000 = Tase2Version::EDITION_2000_08.to_data(&mut vf);
    let blocks = SupportedFeatures::new(&[1, 2, 4, 5], 12);
    let features = blocks.to_data(&mut ff);
    let id = Data::VisibleString(b"TABLE_7");
    let expect = Expectation {
        table_id: Some("TABLE_7"),
        blocks: &[1, 2, 5],
        ..Expectation::new("ICC1")
    };
    let ok = identity(v2000, features, id, &expect).unwrap();
    assert_eq!(ok.version, Tase2Version::EDITION_2000_08);
    assert_eq!(ok.features, blocks);
    assert_eq!(ok.table_id.as_str(), "TABLE_7");

    let other_id = identity(v2000, features, Data::VisibleString(b"OLD"), &expect);
    assert_eq!(
        other_id,
        Err(ClientError::TableId {
            found: TableId::new("OLD").unwrap()
        })
    );
    let no_block3 = Expectation {
        blocks: &[1, 3],
        ..expect
    };
    assert_eq!(
        identity(v2000, features, id, &no_block3),
        Err(ClientError::Feature { block: 3 })
    );
    let mut v = [Data::Boolean(false); 2];
    let v1996 = Tase2Version::EDITION_1996_08.to_data(&mut v);
    let only_2000 = Expectation {
        versions: &[Tase2Version::EDITION_2000_08],
        ..expect
    };
    assert_eq!(
        identity(v1996, features, id, &only_2000),
        Err(ClientError::Version {
            found: Tase2Version::EDITION_1996_08
        })
    );
    // The server denies the ICC object: the error names the third variable.
    let denied = [
        AccessResult::Success(v2000),
        AccessResult::Success(features),
        AccessResult::Failure(DataAccessError::ObjectAccessDenied),
    ];
    assert_eq!(
        check_identity(&read_response(&denied), &expect),
        Err(ClientError::Access {
            index: 2,
            error: DataAccessError::ObjectAccessDenied
        })
    );
    assert_eq!(
        check_identity(&ConfirmedServiceResponse::DefineNamedVariableList, &expect),
        Err(ClientError::UnexpectedResponse { expected: "Read" })
    );
}

#[test]
fn next_transfer_set_and_its_start_and_stop() {
    let mut items = [PLACEHOLDER_ITEM];
    let bytes = request(next_transfer_set_request("ICC1", &mut items).unwrap());
    let wire = format!(
        "a0 2a 02 01 01 a4 25 a1 23 a0 21 30 1f a0 1d a1 1b 1a 04 {icc}1a 13 {n}",
        icc = ascii("ICC1"),
        n = ascii("Next_DSTransfer_Set")
    );
    assert_eq!(bytes, hex(&wire));

    let mut f = [Data::Boolean(false); 3];
    let answer = [AccessResult::Success(TS.to_data(&mut f))];
    assert_eq!(next_transfer_set_response(&read_response(&answer)), Ok(TS));
    let none_free = [AccessResult::Failure(
        DataAccessError::TemporarilyUnavailable,
    )];
    assert_eq!(
        next_transfer_set_response(&read_response(&none_free)),
        Err(ClientError::Access {
            index: 0,
            error: DataAccessError::TemporarilyUnavailable
        })
    );

    // Start: the whole transfer set with Status true; the server reads the same set.
    let ts = DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Icc,
            domain: "ICC1",
            name: "DS_1",
        },
        start_time: 0,
        interval: 10,
        tle: 60,
        buffer_time: 0,
        integrity_check: 60,
        ds_conditions_requested: DsConditions(
            DsConditions::INTEGRITY_TIMEOUT | DsConditions::OBJECT_CHANGE,
        ),
        block_data: false,
        critical: true,
        rbe: true,
        all_changes_reported: false,
        status: true,
        event_code_requested: Some(0),
    };
    let name = ObjectName::domain("ICC1", "DSTS_1").unwrap();
    let mut st = TransferSetStorage::default();
    let bytes = request(write_transfer_set_request(name, &ts, &mut st));
    let MmsPdu::ConfirmedRequest(req) = MmsPdu::decode(&bytes).unwrap() else {
        panic!()
    };
    let ConfirmedServiceRequest::Write(w) = req.service else {
        panic!()
    };
    assert_eq!(w.data.len(), 1);
    let written = DsTransferSet::from_data(&w.data.iter().next().unwrap()).unwrap();
    assert_eq!(written, ts);

    // Stop by component: Status false through alternate access.
    let mut st = ComponentStorage::default();
    let stop = write_component_request(
        name,
        DsTransferSetComponent::Status,
        ComponentValue::Boolean(false),
        &mut st,
    )
    .unwrap();
    let bytes = request(stop);
    // write { listOfVariable { { name { ICC1 / DSTS_1 },
    //   alternateAccess [5] { unnamed selectAccess component [1] "Status" } } },
    //   listOfData { boolean FALSE } }
    let wire = format!(
        "a0 2a 02 01 01 a5 25 a0 1e 30 1c a0 10 a1 0e 1a 04 {icc}1a 06 {ts}\
         a5 08 81 06 {status}a0 03 83 01 00",
        icc = ascii("ICC1"),
        ts = ascii("DSTS_1"),
        status = ascii("Status")
    );
    assert_eq!(bytes, hex(&wire));
    let MmsPdu::ConfirmedRequest(req) = MmsPdu::decode(&bytes).unwrap() else {
        panic!()
    };
    let ConfirmedServiceRequest::Write(w) = req.service else {
        panic!()
    };
    let VariableAccessSpecification::ListOfVariable(items) = w.variable_access_specification else {
        panic!()
    };
    let item: VariableListItem<'_> = items.iter().next().unwrap();
    assert_eq!(
        DsTransferSetComponent::from_alternate_access(&item.alternate_access.unwrap()),
        Some(DsTransferSetComponent::Status)
    );
    let mut st = ComponentStorage::default();
    assert!(
        write_component_request(
            name,
            DsTransferSetComponent::Interval,
            ComponentValue::Boolean(true),
            &mut st
        )
        .is_err()
    );

    // Enabling an enabled set is refused: object-attribute-inconsistent.
    let refused = [WriteResult::Failure(
        DataAccessError::ObjectAttributeInconsistent,
    )];
    assert_eq!(
        write_response(
            &ConfirmedServiceResponse::Write(SeqOf::from_slice(&refused)),
            1
        ),
        Err(ClientError::Access {
            index: 0,
            error: DataAccessError::ObjectAttributeInconsistent
        })
    );
    let ok = [WriteResult::Success];
    assert_eq!(
        write_response(&ConfirmedServiceResponse::Write(SeqOf::from_slice(&ok)), 1),
        Ok(())
    );
}

#[test]
fn a_data_set_is_defined_and_deleted_in_the_icc_domain() {
    let members = [
        ObjectName::domain("ICC1", "Transfer_Set_Name").unwrap(),
        ObjectName::vmd("P1").unwrap(),
    ];
    let name = ObjectName::domain("ICC1", "DS_1").unwrap();
    let mut items = [PLACEHOLDER_ITEM; 2];
    let bytes = request(define_data_set_request(name, &members, &mut items).unwrap());
    // defineNamedVariableList [11] { variableListName { ICC1 / DS_1 },
    //   listOfVariable [0] { { name { ICC1 / Transfer_Set_Name } }, { name { vmd P1 } } } }
    let wire = format!(
        "a0 3c 02 01 01 ab 37 a1 0c 1a 04 {icc}1a 04 {ds}\
         a0 27 30 1d a0 1b a1 19 1a 04 {icc}1a 11 {tsn}30 06 a0 04 80 02 {p}",
        icc = ascii("ICC1"),
        ds = ascii("DS_1"),
        tsn = ascii("Transfer_Set_Name"),
        p = ascii("P1")
    );
    assert_eq!(bytes, hex(&wire));
    let mut short = [PLACEHOLDER_ITEM; 1];
    assert_eq!(
        define_data_set_request(name, &members, &mut short).err(),
        Some(ClientError::Capacity { needed: 2 })
    );
    assert_eq!(
        define_data_set_response(&ConfirmedServiceResponse::DefineNamedVariableList),
        Ok(())
    );
    let mut names = [PLACEHOLDER_NAME];
    let bytes = request(delete_data_set_request(name, &mut names));
    let MmsPdu::ConfirmedRequest(req) = MmsPdu::decode(&bytes).unwrap() else {
        panic!()
    };
    let ConfirmedServiceRequest::DeleteNamedVariableList(d) = req.service else {
        panic!()
    };
    assert_eq!(d.names.unwrap().iter().next(), Some(name));
}

#[test]
fn read_values_are_typed_by_the_kind_the_client_knows() {
    let (mut ts, mut fields) = ([Data::Boolean(false); 2], [Data::Boolean(false); 4]);
    let v = Value::RealQ(DataRealQ {
        value: 50.25,
        flags: DataFlags::GOOD,
    });
    let results = [
        AccessResult::Success(v.to_data(&mut ts, &mut fields)),
        AccessResult::Failure(DataAccessError::ObjectAccessDenied),
    ];
    let resp = read_response(&results);
    let r = read_results(&resp, 2).unwrap();
    let mut it = r.iter();
    assert_eq!(typed_value(&it.next().unwrap(), 0, ValueKind::RealQ), Ok(v));
    assert_eq!(
        typed_value(&it.next().unwrap(), 1, ValueKind::RealQ),
        Err(ClientError::Access {
            index: 1,
            error: DataAccessError::ObjectAccessDenied
        })
    );
    assert!(matches!(
        typed_value(&results[0], 0, ValueKind::Discrete),
        Err(ClientError::Value(_))
    ));
    assert_eq!(
        read_results(&resp, 3).err(),
        Some(ClientError::ResultCount {
            expected: 3,
            found: 2
        })
    );
}

#[test]
fn an_information_message_goes_out_and_comes_back() {
    let buffer = info_buffer_name(64).unwrap();
    assert_eq!(buffer.as_str(), "Info_Buff_64");
    assert_eq!(info_buffer_name(0).unwrap().as_str(), "Info_Buff_0");
    assert_eq!(
        info_buffer_name(u32::MAX).unwrap().as_str(),
        "Info_Buff_4294967295"
    );
    let header = InfoMessHeader {
        info_reference: 3,
        local_reference: 4,
        message_id: 5,
        size: 0,
    };
    let mut st = MessageStorage::default();
    let report = message_report(Scope::Icc, "ICC1", &buffer, header, b"hello", &mut st).unwrap();
    let bytes = encode(&MmsPdu::Unconfirmed(report));
    let wire = format!(
        "a3 53 a0 51 a0 38 \
         30 1c a0 1a a1 18 1a 04 {icc}1a 10 {h}\
         30 18 a0 16 a1 14 1a 04 {icc}1a 0c {b}\
         a0 15 a2 0c 85 01 03 85 01 04 85 01 05 85 01 05 89 05 {text}",
        icc = ascii("ICC1"),
        h = ascii("Info_Mess_Header"),
        b = ascii("Info_Buff_64"),
        text = ascii("hello"),
    );
    assert_eq!(bytes, hex(&wire));
    let MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) =
        MmsPdu::decode(&bytes).unwrap()
    else {
        panic!()
    };
    assert_eq!(classify_report(&ir), ReportClass::InfoMessage);
    let m = InfoMessage::from_report(&ir).unwrap().unwrap();
    assert_eq!(m.text, b"hello");
    assert_eq!(m.header.size, 5);
    assert_eq!(m.header.message_id, 5);
    assert_eq!(m.buffer_name.item().as_str(), "Info_Buff_64");

    // Too long for its buffer: refused before sending.
    let small = info_buffer_name(4).unwrap();
    let mut st = MessageStorage::default();
    assert!(matches!(
        message_report(Scope::Vmd, "", &small, header, b"hello", &mut st),
        Err(ClientError::MessageSize { .. })
    ));

    // A received buffer shorter than its Size is refused.
    let names = [
        VariableListItem::named(ObjectName::vmd("Info_Mess_Header").unwrap()),
        VariableListItem::named(ObjectName::vmd("Info_Buff_8").unwrap()),
    ];
    let mut hf = [Data::Boolean(false); 4];
    let big = InfoMessHeader { size: 9, ..header };
    let results = [
        AccessResult::Success(big.to_data(&mut hf)),
        AccessResult::Success(Data::OctetString(b"12345678")),
    ];
    let ir = InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&names),
        ),
        results: SeqOf::from_slice(&results),
    };
    assert_eq!(
        InfoMessage::from_report(&ir),
        Err(ClientError::MessageSize { size: 9, buffer: 8 })
    );
}

#[test]
fn a_transfer_report_header_gives_what_the_acknowledgement_echoes() {
    let mut nf = [Data::Boolean(false); 3];
    let (mut ts, mut fields) = ([Data::Boolean(false); 2], [Data::Boolean(false); 4]);
    let point = Value::Discrete(42);
    let names = [
        VariableListItem::named(ObjectName::domain("ICC1", "Transfer_Set_Name").unwrap()),
        VariableListItem::named(ObjectName::domain("ICC1", "Transfer_Set_Time_Stamp").unwrap()),
        VariableListItem::named(ObjectName::domain("ICC1", "DSConditions_Detected").unwrap()),
        VariableListItem::named(ObjectName::vmd("P1").unwrap()),
    ];
    let results = [
        AccessResult::Success(TS.to_data(&mut nf)),
        AccessResult::Success(Data::Integer(1_700_000_000)),
        AccessResult::Success(DsConditions(DsConditions::OBJECT_CHANGE).to_data()),
        AccessResult::Success(point.to_data(&mut ts, &mut fields)),
    ];
    let ir = InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&names),
        ),
        results: SeqOf::from_slice(&results),
    };
    assert_eq!(classify_report(&ir), ReportClass::Transfer);
    let report = TransferReport::new(&ir, None).unwrap();
    let h = ReportHeader::of(&report).unwrap();
    assert_eq!(h.transfer_set, Some(TS));
    assert_eq!(h.time_stamp, Some(1_700_000_000));
    assert_eq!(
        h.conditions,
        Some(DsConditions(DsConditions::OBJECT_CHANGE))
    );
    assert_eq!(h.event_code, None);
}
