//! The client core allocates nothing: a counting allocator (allocation-counter, per
//! thread) watches every request builder encoding into a stack buffer, the answer
//! interpreters on decoded answers, and the report side (classification, report header,
//! acknowledgement built and encoded, information message decoded and built).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use mms_pdu::mms::{
    AccessResult, ConfirmedRequest, ConfirmedServiceResponse, Data, MmsPdu, ObjectClass,
    ObjectName, ObjectScope, ReadResponse, SeqOf, UnconfirmedService,
};
use telecontrol_core::{Decode, Encode};
use telecontrol_tase2_transfer_sets::client::*;
use telecontrol_tase2_transfer_sets::objects::{SBO_SUFFIX, Scope};
use telecontrol_tase2_transfer_sets::*;

fn put(pdu: &MmsPdu<'_>, buf: &mut [u8]) -> usize {
    pdu.encode(buf).unwrap()
}

#[test]
fn client_builders_and_interpreters_allocate_nothing() {
    let mut buf = [0u8; 1024];
    let mut ack_buf = [0u8; 256];
    let mut msg_buf = [0u8; 256];
    let info = allocation_counter::measure(|| {
        let req =
            |s, buf: &mut [u8]| put(&MmsPdu::ConfirmedRequest(ConfirmedRequest::new(1, s)), buf);
        let mut st = IdentityStorage::default();
        req(identity_request("ICC1", &mut st).unwrap(), &mut buf);
        req(
            name_list_request(ObjectClass::NamedVariable, ObjectScope::Vmd, None).unwrap(),
            &mut buf,
        );
        let names = [
            ObjectName::vmd("V_REAL").unwrap(),
            ObjectName::domain("ICC1", "Transfer_Set_Name").unwrap(),
        ];
        let mut items = [PLACEHOLDER_ITEM; 2];
        req(read_request(&names, &mut items).unwrap(), &mut buf);
        let mut items = [PLACEHOLDER_ITEM; 2];
        let ds = ObjectName::domain("ICC1", "DS_1").unwrap();
        req(
            define_data_set_request(ds, &names, &mut items).unwrap(),
            &mut buf,
        );
        let ts = Tase2Name {
            scope: Scope::Icc,
            domain: "ICC1",
            name: "DSTS_1",
        };
        let value = DsTransferSet {
            data_set_name: ts,
            start_time: 0,
            interval: 10,
            tle: 60,
            buffer_time: 0,
            integrity_check: 60,
            ds_conditions_requested: DsConditions(DsConditions::OBJECT_CHANGE),
            block_data: false,
            critical: true,
            rbe: true,
            all_changes_reported: false,
            status: true,
            event_code_requested: Some(0),
        };
        let ts_name = ObjectName::domain("ICC1", "DSTS_1").unwrap();
        let mut st = TransferSetStorage::default();
        req(
            write_transfer_set_request(ts_name, &value, &mut st),
            &mut buf,
        );
        let mut st = ComponentStorage::default();
        req(
            write_component_request(
                ts_name,
                DsTransferSetComponent::Status,
                ComponentValue::Boolean(false),
                &mut st,
            )
            .unwrap(),
            &mut buf,
        );
        let dev = ObjectName::domain("ICC1", "BRK1").unwrap();
        let sbo = Suffixed::new("BRK1", SBO_SUFFIX).unwrap();
        let mut items = [PLACEHOLDER_ITEM];
        req(
            select_request(sbo.in_scope_of(&dev).unwrap(), &mut items),
            &mut buf,
        );
        let mut st = WriteStorage::default();
        req(
            operate_request(dev, DeviceValue::Command(1), &mut st),
            &mut buf,
        );
        let mut st = WriteStorage::default();
        req(im_transfer_set_request(true, &mut st), &mut buf);

        // Answers.
        let mut vf = [Data::Boolean(false); 2];
        let mut ff = [0u8; 2];
        let results = [
            AccessResult::Success(Tase2Version::EDITION_2000_08.to_data(&mut vf)),
            AccessResult::Success(SupportedFeatures::new(&[1, 2, 4, 5], 12).to_data(&mut ff)),
            AccessResult::Success(Data::VisibleString(b"T1")),
        ];
        let answer = ConfirmedServiceResponse::Read(ReadResponse {
            variable_access_specification: None,
            results: SeqOf::from_slice(&results),
        });
        check_identity(&answer, &Expectation::new("ICC1")).unwrap();
        let one = [AccessResult::Success(Data::Integer(7))];
        let answer = ConfirmedServiceResponse::Read(ReadResponse {
            variable_access_specification: None,
            results: SeqOf::from_slice(&one),
        });
        assert_eq!(select_response(&answer), Ok(7));

        // A critical report acknowledged; a message received and one sent.
        let mut st = AckStorage::default();
        let n = put(
            &MmsPdu::Unconfirmed(report_ack(ts, Some(1_800_000_000), &mut st).unwrap()),
            &mut ack_buf,
        );
        let Ok(MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir))) =
            MmsPdu::decode(&ack_buf[..n])
        else {
            unreachable!()
        };
        assert_eq!(classify_report(&ir), ReportClass::TransferReportAck);
        assert!(ReportAck::from_report(&ir).unwrap().is_some());
        let buffer = info_buffer_name(64).unwrap();
        let header = InfoMessHeader::default();
        let mut st = MessageStorage::default();
        let n = put(
            &MmsPdu::Unconfirmed(
                message_report(Scope::Icc, "ICC1", &buffer, header, b"hello", &mut st).unwrap(),
            ),
            &mut msg_buf,
        );
        let Ok(MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir))) =
            MmsPdu::decode(&msg_buf[..n])
        else {
            unreachable!()
        };
        assert_eq!(
            InfoMessage::from_report(&ir).unwrap().unwrap().text,
            b"hello"
        );
        let report = TransferReport::new(&ir, None).unwrap();
        let _ = ReportHeader::of(&report);
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    // The counter sees allocations (the measurement is not vacuous).
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
}
