#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

extern crate std;
use std::vec;
use std::vec::Vec;

use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn reencode<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    assert_eq!(v.encode(&mut out), Ok(out.len()));
    out
}

// CP-type of frame 11 of the ICCP capture (session user data of the CN).
const CP: &str = "3181a0a003800101a28198810400000060820400000005a423300f0201010604520100013004060251013010020103060528ca220201300406025101880206006161305f020101a05a605880020780a107060528ca220203a20606042bce0f75a303020175a60706052bce0f2f3ca70302013cbe2e282c020103a027a82580027d00810114820114830104a416800101810305fb00820c036e1d000000000064000198";
// CPA-PPDU of frame 24.
const CPA: &str = "318186a003800101a27f830400000005a51230078001008102510130078001008102510188020600615f305d020101a058615680020780a107060528ca220203a203020100a305a103020100a40606042bce0f75a503020175be2e282c020103a027a92580027d00810105820105830104a416800101810305fb00820c036e1c000000000064000198";

#[test]
fn connect_from_capture() {
    let bytes = hex(CP);
    let Ppdu::Connect(cp) = Ppdu::decode_for(crate::session::SI_CN, &bytes).unwrap() else {
        panic!("not CP")
    };
    assert_eq!(cp.calling_selector, Some(&[0, 0, 0, 0x60][..]));
    assert_eq!(cp.called_selector, Some(&[0, 0, 0, 5][..]));
    let list: Vec<_> = cp.context_list.unwrap().iter().collect();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0].id, list[0].abstract_syntax),
        (1, ACSE_ABSTRACT_SYNTAX)
    );
    assert_eq!(
        (list[1].id, list[1].abstract_syntax),
        (3, MMS_ABSTRACT_SYNTAX)
    );
    assert!(
        list.iter()
            .all(|c| c.transfer_syntaxes.iter().eq([BER_TRANSFER_SYNTAX]))
    );
    assert_eq!(cp.presentation_requirements.unwrap().len(), 2);
    let (ctx, aarq) = cp.user_data.unwrap().single_value().unwrap();
    assert_eq!(ctx, 1);
    assert_eq!(aarq.first(), Some(&0x60));
    assert_eq!(reencode(&cp), bytes);

    // Rebuild it from items: same bytes.
    let ber = [BER_TRANSFER_SYNTAX];
    let defs = [
        ContextDefinition {
            id: 1,
            abstract_syntax: ACSE_ABSTRACT_SYNTAX,
            transfer_syntaxes: SeqOf::from_slice(&ber),
        },
        ContextDefinition {
            id: 3,
            abstract_syntax: MMS_ABSTRACT_SYNTAX,
            transfer_syntaxes: SeqOf::from_slice(&ber),
        },
    ];
    let pdv = [Pdv {
        transfer_syntax: None,
        context_id: 1,
        value: PdvValue::SingleAsn1Type(aarq),
    }];
    let built = ConnectPpdu {
        calling_selector: Some(&[0, 0, 0, 0x60]),
        called_selector: Some(&[0, 0, 0, 5]),
        context_list: Some(SeqOf::from_slice(&defs)),
        presentation_requirements: BitString::new(&[0], 6),
        user_data: Some(UserData::Fully(SeqOf::from_slice(&pdv))),
        ..ConnectPpdu::default()
    };
    assert_eq!(built, cp);
    assert_eq!(reencode(&built), bytes);
}

#[test]
fn accept_from_capture() {
    let bytes = hex(CPA);
    let Ppdu::Accept(cpa) = Ppdu::decode_for(crate::session::SI_AC, &bytes).unwrap() else {
        panic!("not CPA")
    };
    assert_eq!(cpa.responding_selector, Some(&[0, 0, 0, 5][..]));
    let results: Vec<_> = cpa.result_list.unwrap().iter().collect();
    assert_eq!(results.len(), 2);
    assert!(
        results
            .iter()
            .all(|r| r.result == 0 && r.transfer_syntax == Some(BER_TRANSFER_SYNTAX))
    );
    assert_eq!(cpa.user_data.unwrap().single_value().unwrap().0, 1);
    assert_eq!(reencode(&cpa), bytes);
    assert_eq!(Ppdu::decode(&bytes), Ok(Ppdu::Accept(cpa)));
}

#[test]
fn data_refuse_and_aborts() {
    // TD: fully-encoded data with an MMS PDU in context 3.
    let td = hex("6109300702010 3a002a000".replace(' ', "").as_str());
    let ud = UserData::decode(&td).unwrap();
    assert_eq!(ud.single_value(), Some((3, &[0xa0, 0x00][..])));
    assert_eq!(reencode(&ud), td);
    assert_eq!(
        Ppdu::decode_for(crate::session::SI_DT, &td),
        Ok(Ppdu::Data(ud))
    );
    let simple = hex("4003010203");
    assert_eq!(UserData::decode(&simple), Ok(UserData::Simple(&[1, 2, 3])));

    let cpr = RefusePpdu {
        responding_selector: Some(&[1]),
        provider_reason: Some(3),
        ..RefusePpdu::default()
    };
    let bytes = reencode(&cpr);
    assert_eq!(bytes, hex("30068301018a0103"));
    assert_eq!(
        Ppdu::decode_for(crate::session::SI_RF, &bytes),
        Ok(Ppdu::Refuse(cpr))
    );

    let arp = AbortProviderPpdu {
        provider_reason: Some(1),
        event_identifier: None,
    };
    let bytes = reencode(&arp);
    assert_eq!(bytes, hex("3003800101"));
    assert_eq!(
        Ppdu::decode_for(crate::session::SI_AB, &bytes),
        Ok(Ppdu::AbortProvider(arp))
    );
    let pdv = [Pdv {
        transfer_syntax: None,
        context_id: 1,
        value: PdvValue::SingleAsn1Type(&[0x64, 0x03, 0x80, 0x01, 0x00]),
    }];
    let aru = AbortUserPpdu {
        context_id_list: None,
        user_data: Some(UserData::Fully(SeqOf::from_slice(&pdv))),
    };
    let bytes = reencode(&aru);
    assert_eq!(bytes, hex("a00e610c300a020101a0056403800100"));
    assert_eq!(
        Ppdu::decode_for(crate::session::SI_AB, &bytes),
        Ok(Ppdu::AbortUser(aru))
    );
}

#[test]
fn malformed() {
    // x410 mode.
    assert_eq!(
        ConnectPpdu::decode(&hex("3105a003800100")),
        Err(PresentationError::Unsupported {
            offset: 4,
            field: "mode-value (x410-1984 mode)"
        })
    );
    assert_eq!(
        ConnectPpdu::decode(&hex("3100")),
        Err(PresentationError::Missing {
            offset: 0,
            field: "mode-selector"
        })
    );
    assert!(matches!(
        UserData::decode(&hex("61053003020103")),
        Err(PresentationError::Ber(BerError::MissingElement { .. }))
    ));
    assert!(matches!(
        UserData::decode(&hex("6200")),
        Err(PresentationError::Ber(BerError::UnexpectedTag {
            offset: 0,
            ..
        }))
    ));
    assert!(matches!(
        UserData::decode(&hex("610030")),
        Err(PresentationError::Ber(BerError::TrailingData { offset: 2 }))
    ));
}
