//! Fuzz body for the TASE.2 client core (`tase2_transfer_sets::client`): every answer and
//! report interpreter on arbitrary MMS PDUs, never panicking; acknowledgements and
//! information messages it accepts are rebuilt by the client's own builders and must
//! decode to the same values.
#![allow(clippy::expect_used, clippy::panic, clippy::missing_panics_doc)]

use mms_pdu::mms::{MmsPdu, UnconfirmedService};
use tase2_transfer_sets::client::{
    AckStorage, Expectation, InfoMessage, MessageStorage, ReportAck, ReportClass, ReportHeader,
    check_identity, classify_report, info_buffer_name, message_report, name_list_response,
    next_transfer_set_response, read_results, report_ack, report_nack, select_response,
    tag_response, typed_value, write_response,
};
use tase2_transfer_sets::objects::Scope;
use tase2_transfer_sets::{TransferReport, ValueKind};
use telecontrol_core::{Decode, Encode};

fn encode(pdu: &MmsPdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; pdu.encoded_len()];
    let n = pdu.encode(&mut out).expect("encode fills encoded_len");
    out.truncate(n);
    out
}

fn report(bytes: &[u8]) -> mms_pdu::mms::InformationReport<'_> {
    match MmsPdu::decode(bytes) {
        Ok(MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir))) => ir,
        other => panic!("own report does not decode: {other:?}"),
    }
}

/// Interpret `data` as an MMS PDU the client receives.
pub fn tase2_client(data: &[u8]) {
    let Ok(pdu) = MmsPdu::decode(data) else {
        return;
    };
    match pdu {
        MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => {
            let class = classify_report(&ir);
            if let Ok(Some(m)) = InfoMessage::from_report(&ir) {
                assert_eq!(class, ReportClass::InfoMessage);
                assert_eq!(usize::try_from(m.header.size).ok(), Some(m.text.len()));
                // The client's own message of the same text comes back the same.
                let buffer = info_buffer_name(u32::try_from(m.text.len()).unwrap_or(u32::MAX))
                    .expect("a u32 buffer size always names a buffer");
                let mut st = MessageStorage::default();
                if let Ok(svc) = message_report(Scope::Vmd, "", &buffer, m.header, m.text, &mut st)
                {
                    let bytes = encode(&MmsPdu::Unconfirmed(svc));
                    let back = InfoMessage::from_report(&report(&bytes))
                        .expect("own message is valid")
                        .expect("own message is a message");
                    assert_eq!(back.text, m.text);
                    assert_eq!(back.header, m.header);
                }
            }
            if let Ok(Some(a)) = ReportAck::from_report(&ir) {
                let mut st = AckStorage::default();
                let rebuilt = if a.nack {
                    report_nack(a.transfer_set, &mut st)
                } else {
                    report_ack(a.transfer_set, a.time_stamp, &mut st)
                };
                if let Ok(svc) = rebuilt {
                    let bytes = encode(&MmsPdu::Unconfirmed(svc));
                    let back = ReportAck::from_report(&report(&bytes))
                        .expect("own acknowledgement is valid")
                        .expect("own acknowledgement is one");
                    assert_eq!(back.nack, a.nack);
                    assert_eq!(back.transfer_set, a.transfer_set);
                    if !a.nack {
                        assert_eq!(back.time_stamp, a.time_stamp);
                    }
                }
            }
            if let Ok(r) = TransferReport::new(&ir, None) {
                let _ = ReportHeader::of(&r);
            }
        }
        MmsPdu::ConfirmedResponse(r) => {
            let s = &r.service;
            let _ = check_identity(s, &Expectation::new("ICC1"));
            let _ = next_transfer_set_response(s);
            let _ = select_response(s);
            let _ = tag_response(s);
            let _ = write_response(s, 1);
            let _ = name_list_response(s);
            if let Ok(results) = read_results(s, None) {
                for (i, res) in results.iter().enumerate().take(16) {
                    for k in ValueKind::ALL {
                        let _ = typed_value(&res, i, k);
                    }
                }
            }
        }
        _ => {}
    }
}
