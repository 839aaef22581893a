//! Fuzz body for the TASE.2 object model of `telecontrol-tase2-transfer-sets`
//! (IEC 60870-6-802 on MMS).
#![allow(clippy::expect_used, clippy::panic, clippy::missing_panics_doc)]

use mms_pdu::ber::BerReader;
use mms_pdu::mms::{
    ConfirmedServiceRequest, Data, Element, MmsPdu, UnconfirmedService, VariableAccessSpecification,
};
use tase2_transfer_sets::{
    ComponentValue, DsTransferSet, DsTransferSetComponent, InfoMessHeader, ReportItem,
    SupportedFeatures, TagValue, Tase2Name, Tase2Version, TransferReport, Value, ValueKind,
};
use telecontrol_core::{Decode, Encode};

/// A value that decodes as `kind` re-encodes into exactly `encoded_len()` octets, and that
/// encoding decodes as `kind` again and re-encodes to itself.
fn value_round_trip(kind: ValueKind, d: &Data<'_>) {
    let Ok(v) = Value::decode(kind, d) else {
        return;
    };
    let mut out = vec![0u8; v.encoded_len()];
    assert_eq!(
        v.encode(&mut out),
        Ok(out.len()),
        "encode fills encoded_len"
    );
    let tlv = BerReader::new(&out)
        .read_tlv()
        .expect("own encoding is BER");
    let d2 = Data::decode_element(&tlv, true).expect("own encoding is Data");
    let v2 = Value::decode(kind, &d2).expect("own encoding decodes as the same kind");
    let mut out2 = vec![0u8; v2.encoded_len()];
    assert_eq!(v2.encode(&mut out2), Ok(out2.len()));
    assert_eq!(out2, out, "the encoding is a fixpoint");
}

fn objects(d: &Data<'_>) {
    for k in ValueKind::ALL {
        value_round_trip(k, d);
    }
    let _ = ValueKind::candidates(d).count();
    if let Ok(ts) = DsTransferSet::from_data(d) {
        let (mut n, mut f) = ([Data::Boolean(false); 3], [Data::Boolean(false); 13]);
        let e = ts.to_data(&mut n, &mut f);
        assert_eq!(
            DsTransferSet::from_data(&e),
            Ok(ts),
            "DS transfer set round trip"
        );
    }
    for c in DsTransferSetComponent::ALL {
        let _ = ComponentValue::decode(c, d);
    }
    let _ = Tase2Name::from_data(d);
    let _ = Tase2Version::from_data(d);
    let _ = SupportedFeatures::from_data(d);
    let _ = TagValue::from_data(d);
    let _ = InfoMessHeader::from_data(d);
}

/// `tase2_values`: `data` as a bare MMS `Data` tried as every -802 type and object, and as
/// an MMS PDU whose InformationReport is viewed as a transfer report (names paired with
/// values, every point typed) and whose Write values are tried as DS transfer sets. Nothing
/// panics; every typed value round-trips through its encoding.
pub fn tase2_values(data: &[u8]) {
    if let Ok(tlv) = BerReader::new(data).read_tlv()
        && let Ok(d) = Data::decode_element(&tlv, true)
    {
        objects(&d);
    }
    let Ok(pdu) = MmsPdu::decode(data) else {
        return;
    };
    match pdu {
        MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => {
            // A named-list report is viewed against its own values' count of names: the
            // listOfVariable form carries its names; the named form needs the data set.
            let members = match ir.variable_access_specification {
                VariableAccessSpecification::ListOfVariable(l) => Some(l),
                VariableAccessSpecification::VariableListName(_) => None,
            };
            if let Ok(report) = TransferReport::new(&ir, members) {
                let _ = report.transfer_set_name();
                for e in report.entries().flatten() {
                    if let ReportItem::Point(d) = e.item {
                        for k in ValueKind::candidates(&d) {
                            value_round_trip(k, &d);
                        }
                    }
                }
            }
        }
        MmsPdu::ConfirmedRequest(r) => {
            if let ConfirmedServiceRequest::Write(w) = r.service {
                for d in w.data.iter() {
                    objects(&d);
                }
            }
        }
        _ => {}
    }
}
