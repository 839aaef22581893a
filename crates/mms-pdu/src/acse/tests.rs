#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

extern crate std;
use std::string::ToString;
use std::vec;
use std::vec::Vec;

use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn round_trip(bytes: &[u8]) -> Apdu<'_> {
    let apdu = Apdu::decode(bytes).unwrap();
    let mut out = vec![0u8; apdu.encoded_len()];
    assert_eq!(apdu.encode(&mut out), Ok(bytes.len()));
    assert_eq!(out, bytes);
    apdu
}

// AARQ and AARE of frames 11 and 24 of the ICCP capture.
const AARQ_HEX: &str = "605880020780a107060528ca220203a20606042bce0f75a303020175a60706052bce0f2f3ca70302013cbe2e282c020103a027a82580027d00810114820114830104a416800101810305fb00820c036e1d000000000064000198";
const AARE_HEX: &str = "615680020780a107060528ca220203a203020100a305a103020100a40606042bce0f75a503020175be2e282c020103a027a92580027d00810105820105830104a416800101810305fb00820c036e1c000000000064000198";

#[test]
fn capture_vectors() {
    let aarq = hex(AARQ_HEX);
    let apdu = round_trip(&aarq);
    let Apdu::AssociateRequest(a) = apdu else {
        panic!("not AARQ")
    };
    assert_eq!(a.application_context, MMS_APPLICATION_CONTEXT);
    assert_eq!(a.called_ap_title.unwrap().to_string(), "1.3.9999.117");
    assert_eq!(a.called_ae_qualifier, Some(117));
    assert_eq!(a.calling_ap_title.unwrap().to_string(), "1.3.9999.47.60");
    assert_eq!(a.calling_ae_qualifier, Some(60));
    assert_eq!(a.protocol_version.unwrap().len(), 1);
    let ext = a.user_information.unwrap();
    assert_eq!(ext.indirect_reference, Some(3));
    let mms = apdu.mms_pdu().unwrap();
    assert_eq!((mms[0], mms.len()), (0xa8, 0x27));
    assert_eq!(a.password(), None);

    let aare = hex(AARE_HEX);
    let apdu = round_trip(&aare);
    let Apdu::AssociateResponse(a) = apdu else {
        panic!("not AARE")
    };
    assert_eq!(a.result, 0);
    assert_eq!(
        a.result_source_diagnostic,
        Some(SourceDiagnostic::ServiceUser(0))
    );
    assert_eq!(a.responding_ap_title.unwrap().to_string(), "1.3.9999.117");
    assert_eq!(a.responding_ae_qualifier, Some(117));
    assert_eq!(apdu.mms_pdu().map(|m| m[0]), Some(0xa9));
}

#[test]
fn password_release_abort() {
    let init = [0xa8, 0x00];
    let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
    aarq.calling_ap_invocation_id = Some(7);
    aarq.sender_requirements = BitString::new(&[0x80], 7);
    aarq.mechanism_name = Some(PASSWORD_MECHANISM);
    aarq.authentication_value = Some(AuthenticationValue::CharString(b"secret"));
    aarq.implementation_information = Some(b"tc");
    aarq.user_information = Some(External::single(3, &init));
    let apdu = Apdu::AssociateRequest(aarq);
    let mut out = vec![0u8; apdu.encoded_len()];
    apdu.encode(&mut out).unwrap();
    let back = round_trip(&out);
    assert_eq!(back, apdu);
    let Apdu::AssociateRequest(b) = back else {
        panic!()
    };
    assert_eq!(b.password(), Some(&b"secret"[..]));
    assert_eq!(back.mms_pdu(), Some(&init[..]));

    let rej = Aare::new(
        MMS_APPLICATION_CONTEXT,
        1,
        SourceDiagnostic::ServiceProvider(2),
    );
    let apdu = Apdu::AssociateResponse(rej);
    let mut out = vec![0u8; apdu.encoded_len()];
    apdu.encode(&mut out).unwrap();
    assert_eq!(out, hex("6115a107060528ca220203a203020101a305a203020102"));
    round_trip(&out);

    assert_eq!(
        round_trip(&hex("6203800100")),
        Apdu::ReleaseRequest(ReleaseApdu {
            reason: Some(0),
            user_information: None
        })
    );
    round_trip(&hex("6300"));
    assert_eq!(
        round_trip(&hex("6406800101810101")),
        Apdu::Abort(AbortApdu {
            source: 1,
            diagnostic: Some(1),
            user_information: None
        })
    );
}

#[test]
fn malformed() {
    assert!(matches!(
        Apdu::decode(&hex("6000")),
        Err(AcseError::Ber(BerError::MissingElement { offset: 2, .. }))
    ));
    assert!(matches!(
        Apdu::decode(&hex("6500")),
        Err(AcseError::Ber(BerError::UnexpectedTag { offset: 0, .. }))
    ));
    // AP-title form 1 (a Name, SEQUENCE).
    assert_eq!(
        Apdu::decode(&hex("600da107060528ca220203a2023000")),
        Err(AcseError::Unsupported {
            offset: 13,
            field: "AP-title form 1"
        })
    );
    // Two EXTERNALs.
    assert!(matches!(
        Apdu::decode(&hex("6300be0a2803a0010028 03a00100"
            .replace(' ', "")
            .as_str())),
        Err(AcseError::Ber(BerError::TrailingData { .. }))
    ));
    assert_eq!(
        Apdu::decode(&hex("630cbe0a2803a00100 2803a00100"
            .replace(' ', "")
            .as_str())),
        Err(AcseError::Unsupported {
            offset: 9,
            field: "more than one EXTERNAL in user-information"
        })
    );
    assert!(Apdu::decode(&hex("6403800101")).is_ok());
    assert!(
        Apdu::decode(&hex("6403810101")).is_err(),
        "abort-source missing"
    );
}
