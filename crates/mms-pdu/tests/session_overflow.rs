//! The session data overflow procedure (X.225 8.3.1.18, 8.3.15, 8.3.16): CN with data
//! overflow and extended user data, OVERFLOW ACCEPT, CONNECT DATA OVERFLOW.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use proptest::collection::vec;
use proptest::prelude::*;
use telecontrol_core::{Decode, Encode, EncodeError};
use telecontrol_mms_pdu::session::{
    ConnectAccept, ConnectDataOverflow, ENCLOSURE_END, MAX_EXTENDED_USER_DATA, OverflowAccept,
    SI_CDO, SI_OA, SessionError, Spdu,
};

fn encode(spdu: &Spdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; spdu.encoded_len()];
    assert_eq!(spdu.encode(&mut out), Ok(out.len()));
    out
}

#[test]
fn connect_with_data_overflow_and_extended_user_data() {
    let data = vec![0xABu8; 600];
    let mut bytes = vec![0x0D, 0xFF, 0x02, 0x6B];
    bytes.extend_from_slice(&[0x05, 0x06, 0x13, 0x01, 0x00, 0x16, 0x01, 0x02]);
    bytes.extend_from_slice(&[0x14, 0x02, 0x00, 0x02]);
    bytes.extend_from_slice(&[0x3C, 0x01, 0x01]);
    bytes.extend_from_slice(&[0xC2, 0xFF, 0x02, 0x58]);
    bytes.extend_from_slice(&data);
    let spdu = Spdu::decode(&bytes).unwrap();
    let Spdu::Connect(cn) = spdu else {
        panic!("not a CN: {spdu:?}")
    };
    assert_eq!(cn.data_overflow, Some(1));
    assert!(cn.more_data_follows());
    assert_eq!(cn.user_data, None);
    assert_eq!(cn.extended_user_data, Some(&data[..]));
    assert_eq!(spdu.user_data(), Some(&data[..]));
    assert_eq!(cn.version_number, Some(2));
    assert_eq!(encode(&spdu), bytes);
}

#[test]
fn overflow_accept_bytes() {
    let bytes = [
        0x10, 0x09, 0x15, 0x04, 0x00, 0x00, 0xFF, 0xFF, 0x16, 0x01, 0x02,
    ];
    let spdu = Spdu::decode(&bytes).unwrap();
    assert_eq!(
        spdu,
        Spdu::OverflowAccept(OverflowAccept {
            tsdu_max_size: Some(0xFFFF),
            version_number: Some(2),
        })
    );
    assert_eq!(spdu.si(), SI_OA);
    assert_eq!(spdu.user_data(), None);
    assert_eq!(encode(&spdu), bytes);
    assert_eq!(
        encode(&Spdu::OverflowAccept(OverflowAccept::default())),
        [0x10, 0x00]
    );
}

#[test]
fn connect_data_overflow_bytes() {
    let bytes = [0x0F, 0x08, 0x19, 0x01, 0x02, 0xC1, 0x03, 0xAA, 0xBB, 0xCC];
    let spdu = Spdu::decode(&bytes).unwrap();
    let Spdu::ConnectDataOverflow(cdo) = spdu else {
        panic!("not a CDO: {spdu:?}")
    };
    assert_eq!(cdo.enclosure, Some(ENCLOSURE_END));
    assert!(cdo.is_end());
    assert_eq!(spdu.si(), SI_CDO);
    assert_eq!(spdu.user_data(), Some(&[0xAA, 0xBB, 0xCC][..]));
    assert_eq!(encode(&spdu), bytes);
    let first = ConnectDataOverflow {
        enclosure: Some(0),
        user_data: Some(&[1]),
    };
    assert!(!first.is_end());
}

#[test]
fn malformed_overflow_spdus() {
    // OA with a user data PGI: not allowed.
    assert_eq!(
        Spdu::decode(&[0x10, 0x03, 0xC1, 0x01, 0x00]),
        Err(SessionError::BadParameter {
            offset: 2,
            code: 0xC1
        })
    );
    // OA TSDU maximum size of two octets.
    assert_eq!(
        Spdu::decode(&[0x10, 0x04, 0x15, 0x02, 0x00, 0x00]),
        Err(SessionError::BadParameter {
            offset: 2,
            code: 0x15
        })
    );
    // CDO enclosure item of two octets.
    assert_eq!(
        Spdu::decode(&[0x0F, 0x04, 0x19, 0x02, 0x02, 0x00]),
        Err(SessionError::BadParameter {
            offset: 2,
            code: 0x19
        })
    );
    // CDO user data running past the SPDU.
    assert_eq!(
        Spdu::decode(&[0x0F, 0x03, 0xC1, 0x05, 0x00]),
        Err(SessionError::Truncated { offset: 2 })
    );
    // Octets after the CDO.
    assert_eq!(
        Spdu::decode(&[0x0F, 0x00, 0x01]),
        Err(SessionError::TrailingData { offset: 2 })
    );
}

#[test]
fn extended_user_data_over_limit_is_refused() {
    let data = vec![0u8; MAX_EXTENDED_USER_DATA + 1];
    let cn = Spdu::Connect(ConnectAccept {
        data_overflow: Some(1),
        extended_user_data: Some(&data),
        ..ConnectAccept::default()
    });
    let mut out = vec![0u8; 11_000];
    assert!(matches!(
        cn.encode(&mut out),
        Err(EncodeError::InvalidValue { .. })
    ));
    let ok = Spdu::Connect(ConnectAccept {
        extended_user_data: Some(&data[..MAX_EXTENDED_USER_DATA]),
        ..ConnectAccept::default()
    });
    let bytes = encode(&ok);
    assert_eq!(Spdu::decode(&bytes), Ok(ok));
}

proptest! {
    #[test]
    fn overflow_spdus_round_trip(
        kind in 0u8..3,
        tsdu in proptest::option::of(any::<u32>()),
        version in proptest::option::of(any::<u8>()),
        enclosure in proptest::option::of(any::<u8>()),
        data in proptest::option::of(vec(any::<u8>(), 0..1200)),
    ) {
        let spdu = match kind {
            0 => Spdu::OverflowAccept(OverflowAccept { tsdu_max_size: tsdu, version_number: version }),
            1 => Spdu::ConnectDataOverflow(ConnectDataOverflow {
                enclosure,
                user_data: data.as_deref(),
            }),
            _ => Spdu::Connect(ConnectAccept {
                tsdu_max_size: tsdu,
                version_number: version,
                data_overflow: enclosure,
                extended_user_data: data.as_deref(),
                ..ConnectAccept::default()
            }),
        };
        let bytes = encode(&spdu);
        prop_assert_eq!(bytes.len(), spdu.encoded_len());
        prop_assert_eq!(Spdu::decode(&bytes), Ok(spdu));
    }

    #[test]
    fn arbitrary_overflow_bytes_never_panic(
        si in prop_oneof![Just(SI_OA), Just(SI_CDO), Just(13u8)],
        rest in vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = vec![si];
        bytes.extend_from_slice(&rest);
        if let Ok(spdu) = Spdu::decode(&bytes) {
            // Whatever decodes re-encodes without error.
            let mut out = vec![0u8; spdu.encoded_len()];
            prop_assert!(spdu.encode(&mut out).is_ok());
        }
    }
}
