//! Property tests of the client procedures: what the client builds decodes back to what
//! it was built from (acknowledgements, information messages, transfer set writes by
//! whole and by component), and the interpreters never panic on arbitrary PDUs.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use mms_pdu::mms::{
    ConfirmedRequest, ConfirmedServiceRequest, MmsPdu, ObjectName, UnconfirmedService,
    VariableAccessSpecification,
};
use proptest::prelude::*;
use telecontrol_core::{Decode, Encode};
use telecontrol_tase2_transfer_sets::client::*;
use telecontrol_tase2_transfer_sets::objects::Scope;
use telecontrol_tase2_transfer_sets::*;

fn ident() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_$]{0,31}"
}

fn encode(pdu: &MmsPdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; pdu.encoded_len()];
    let n = pdu.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn report(bytes: &[u8]) -> mms_pdu::mms::InformationReport<'_> {
    match MmsPdu::decode(bytes).unwrap() {
        MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => ir,
        other => panic!("not a report: {other:?}"),
    }
}

proptest! {
    #[test]
    fn acknowledgements_round_trip(domain in ident(), name in ident(), ts in any::<i32>(), nack in any::<bool>()) {
        let t = Tase2Name { scope: Scope::Icc, domain: &domain, name: &name };
        let mut st = AckStorage::default();
        let svc = if nack { report_nack(t, &mut st) } else { report_ack(t, Some(ts), &mut st) }.unwrap();
        let bytes = encode(&MmsPdu::Unconfirmed(svc));
        let ir = report(&bytes);
        let back = ReportAck::from_report(&ir).unwrap().unwrap();
        prop_assert_eq!(back.nack, nack);
        prop_assert_eq!(back.transfer_set, t);
        prop_assert_eq!(back.time_stamp, if nack { None } else { Some(ts) });
    }

    #[test]
    fn information_messages_round_trip(
        text in proptest::collection::vec(any::<u8>(), 0..300),
        room in 0u32..400,
        icc in any::<bool>(),
        refs in any::<(i32, i32, i32)>(),
    ) {
        let buffer = info_buffer_name(room).unwrap();
        let header = InfoMessHeader { info_reference: refs.0, local_reference: refs.1, message_id: refs.2, size: 0 };
        let scope = if icc { Scope::Icc } else { Scope::Vmd };
        let mut st = MessageStorage::default();
        let r = message_report(scope, "ICC1", &buffer, header, &text, &mut st);
        if text.len() > room as usize {
            prop_assert!(matches!(r, Err(ClientError::MessageSize { .. })), "{:?}", r);
        } else {
            let bytes = encode(&MmsPdu::Unconfirmed(r.unwrap()));
            let ir = report(&bytes);
            prop_assert_eq!(classify_report(&ir), ReportClass::InfoMessage);
            let m = InfoMessage::from_report(&ir).unwrap().unwrap();
            prop_assert_eq!(m.text, &text[..]);
            prop_assert_eq!(m.header.message_id, refs.2);
            prop_assert_eq!(m.header.size as usize, text.len());
            prop_assert_eq!(m.header_name.domain_id().is_some(), icc);
        }
    }

    #[test]
    fn component_writes_name_their_component(
        which in 0usize..13,
        int in any::<i32>(),
        flag in any::<bool>(),
        cond in any::<u8>(),
    ) {
        let c = DsTransferSetComponent::ALL[which];
        use DsTransferSetComponent as C;
        let value = match c {
            C::DataSetName => ComponentValue::Name(Tase2Name { scope: Scope::Icc, domain: "ICC1", name: "DS_1" }),
            C::StartTime | C::Interval | C::Tle | C::BufferTime | C::IntegrityCheck => ComponentValue::Integer(int),
            C::EventCodeRequested => ComponentValue::EventCode(int as i16),
            C::DsConditionsRequested => ComponentValue::Conditions(DsConditions(cond & 0xF8)),
            _ => ComponentValue::Boolean(flag),
        };
        let name = ObjectName::domain("ICC1", "DSTS_3").unwrap();
        let mut st = ComponentStorage::default();
        let req = write_component_request(name, c, value, &mut st).unwrap();
        let bytes = encode(&MmsPdu::ConfirmedRequest(ConfirmedRequest::new(9, req)));
        let MmsPdu::ConfirmedRequest(r) = MmsPdu::decode(&bytes).unwrap() else { panic!() };
        let ConfirmedServiceRequest::Write(w) = r.service else { panic!() };
        let VariableAccessSpecification::ListOfVariable(items) = w.variable_access_specification else { panic!() };
        let item = items.iter().next().unwrap();
        prop_assert_eq!(DsTransferSetComponent::from_alternate_access(&item.alternate_access.unwrap()), Some(c));
        prop_assert_eq!(ComponentValue::decode(c, &w.data.iter().next().unwrap()).unwrap(), value);
    }

    #[test]
    fn interpreters_never_panic_on_arbitrary_pdus(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(pdu) = MmsPdu::decode(&bytes) {
            match pdu {
                MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => {
                    let _ = classify_report(&ir);
                    let _ = InfoMessage::from_report(&ir);
                    let _ = ReportAck::from_report(&ir);
                    if let Ok(r) = TransferReport::new(&ir, None) {
                        let _ = ReportHeader::of(&r);
                    }
                }
                MmsPdu::ConfirmedResponse(r) => {
                    let _ = check_identity(&r.service, &Expectation::new("ICC1"));
                    let _ = next_transfer_set_response(&r.service);
                    let _ = select_response(&r.service);
                    let _ = tag_response(&r.service);
                    let _ = write_response(&r.service, 1);
                    let _ = name_list_response(&r.service);
                }
                _ => {}
            }
        }
    }
}
