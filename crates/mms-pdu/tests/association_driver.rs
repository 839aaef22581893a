//! What a driver that decides outside the association needs: the connect TSDU kept while
//! an attempt awaits accept/refuse (decoded again into the same indication), and an
//! already encoded unconfirmed PDU sent as it is.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod association_pair;

use association_pair::{Ev, Pair, Policy};
use telecontrol_core::Encode;
use telecontrol_mms_pdu::association::{AssocError, AssociateIndication, Config, Refusal};
use telecontrol_mms_pdu::mms::{
    AccessResult, Data, InformationReport, MmsPdu, ObjectName, SeqOf, UnconfirmedService,
    VariableAccessSpecification,
};

#[test]
fn connect_data_is_kept_until_answered() {
    let mut client = Config::DEFAULT;
    client.local.ae_qualifier = Some(21);
    client.password = Some(b"pw");
    let mut p = Pair::new(client, Config::DEFAULT);
    assert_eq!(p.server.connect_data(), None);
    p.policy = Policy::Hold;
    p.connect();
    assert!(matches!(p.server_events[..], [Ev::Indication { .. }]));
    let copy = p.server.connect_data().unwrap().to_vec();
    let ind = AssociateIndication::from_connect(&copy).unwrap();
    assert_eq!(ind.calling_ae_qualifier, Some(21));
    assert_eq!(ind.password, Some(&b"pw"[..]));
    assert_eq!(
        p.server_events[0],
        Ev::Indication {
            calling_ae: ind.calling_ae_qualifier,
            called_ae: ind.called_ae_qualifier,
            password: ind.password.map(<[u8]>::to_vec),
            local_detail: ind.initiate.local_detail,
        }
    );
    // Not a connect TSDU.
    assert_eq!(AssociateIndication::from_connect(&copy[1..]), None);
    assert_eq!(AssociateIndication::from_connect(&[]), None);
    // Answered later: the TSDU is no longer offered.
    let now = p.now;
    p.server.accept(now).unwrap();
    assert_eq!(p.server.connect_data(), None);
    p.run();
    assert!(p.client.is_associated() && p.server.is_associated());
}

#[test]
fn connect_data_gone_after_refusal() {
    let mut p = Pair::new(Config::DEFAULT, Config::DEFAULT);
    p.policy = Policy::Hold;
    p.connect();
    assert!(p.server.connect_data().is_some());
    let now = p.now;
    p.server
        .refuse(now, Refusal::Session { reason: 2 })
        .unwrap();
    assert_eq!(p.server.connect_data(), None);
}

fn report(values: &[AccessResult<'_>]) -> Vec<u8> {
    let pdu = MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("D", "DS1").unwrap(),
        ),
        results: SeqOf::from_slice(values),
    }));
    let mut out = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut out).unwrap();
    out
}

#[test]
fn encoded_unconfirmed_pdu_is_sent_as_it_is() {
    let mut p = Pair::new(Config::DEFAULT, Config::DEFAULT);
    let pdu = report(&[AccessResult::Success(Data::Integer(3))]);
    // Not yet associated.
    assert!(matches!(
        p.server.send_unconfirmed_pdu(&pdu),
        Err(AssocError::WrongState { .. })
    ));
    p.connect();
    p.client_events.clear();
    p.server.send_unconfirmed_pdu(&pdu).unwrap();
    p.run();
    assert_eq!(p.client_events, [Ev::Unconfirmed { pdu: pdu.clone() }]);
    // Both ways.
    p.client.send_unconfirmed_pdu(&pdu).unwrap();
    p.run();
    assert_eq!(
        p.server_events.last(),
        Some(&Ev::Unconfirmed { pdu: pdu.clone() })
    );

    // A confirmed PDU, garbage, a trailing octet, nothing: refused, nothing queued.
    let mut trailing = pdu.clone();
    trailing.push(0);
    let conclude_request = [0x8B, 0x00];
    for bad in [&conclude_request[..], &[0xFF, 0x01][..], &trailing, &[]] {
        assert!(
            matches!(
                p.server.send_unconfirmed_pdu(bad),
                Err(AssocError::InvalidPdu(_))
            ),
            "{bad:02X?}"
        );
    }
    let mut buf = [0u8; 64];
    assert_eq!(p.server.poll_transmit(&mut buf), None);

    // Larger than the negotiated PDU size.
    let many = vec![AccessResult::Success(Data::Integer(1)); 4000];
    let big = report(&many);
    assert!(big.len() > 8000);
    assert!(matches!(
        p.server.send_unconfirmed_pdu(&big),
        Err(AssocError::PduTooLarge { max: 8000, .. })
    ));
}
