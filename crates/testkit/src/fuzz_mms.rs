//! Fuzz body for the MMS PDUs of `telecontrol-mms-pdu` (ISO 9506-2).
#![allow(clippy::expect_used, clippy::panic, clippy::missing_panics_doc)]

use mms_pdu::ber::BerReader;
use mms_pdu::mms::{Data, Element, MmsPdu};
use telecontrol_core::{Decode, Encode};

/// `mms_pdu`: decode `data` as an MMS PDU. Nothing panics; a PDU that decodes walks every
/// lazy list (Debug), encodes into exactly `encoded_len()` octets, and that canonical
/// encoding decodes to the same value and re-encodes to itself. The first element is also
/// tried as a bare `Data`, and the invoke-id peek runs on everything.
pub fn mms_pdu(data: &[u8]) {
    let _ = MmsPdu::peek_invoke_id(data);
    if let Ok(tlv) = BerReader::new(data).read_tlv()
        && let Ok(d) = Data::decode_element(&tlv, true)
    {
        let _ = format!("{d:?}");
        let mut out = vec![0u8; d.encoded_len()];
        assert_eq!(d.encode(&mut out), Ok(out.len()));
    }
    let Ok(pdu) = MmsPdu::decode(data) else {
        return;
    };
    let _ = format!("{pdu:?}");
    let mut out = vec![0u8; pdu.encoded_len()];
    assert_eq!(
        pdu.encode(&mut out),
        Ok(out.len()),
        "encode fills encoded_len"
    );
    let again = MmsPdu::decode(&out).expect("the canonical re-encoding decodes");
    assert_eq!(again, pdu, "re-encoding keeps the value");
    let mut out2 = vec![0u8; again.encoded_len()];
    assert_eq!(again.encode(&mut out2), Ok(out2.len()));
    assert_eq!(out2, out, "the canonical encoding is a fixpoint");
}
