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

fn round_trip(bytes: &[u8]) -> Spdu<'_> {
    let spdu = Spdu::decode(bytes).unwrap();
    let mut out = vec![0u8; spdu.encoded_len()];
    assert_eq!(spdu.encode(&mut out), Ok(bytes.len()));
    assert_eq!(out, bytes);
    spdu
}

#[test]
fn connect_and_accept_from_capture() {
    // Frame 11 (CN) with the user data shortened.
    let cn = hex("0d19050613010016010214020002330200603402000 5c103310100"
        .replace(' ', "")
        .as_str());
    let Spdu::Connect(c) = round_trip(&cn) else {
        panic!("not CN")
    };
    assert_eq!(c.protocol_options, Some(0));
    assert_eq!(c.version_number, Some(VERSION_2));
    assert_eq!(c.session_requirements, Some(REQUIREMENT_DUPLEX));
    assert_eq!(c.calling_selector, Some(&[0x00, 0x60][..]));
    assert_eq!(c.called_selector, Some(&[0x00, 0x05][..]));
    assert_eq!(c.user_data, Some(&[0x31, 0x01, 0x00][..]));

    let ac = hex("0e10050613010016010214020002c1023000");
    let Spdu::Accept(a) = round_trip(&ac) else {
        panic!("not AC")
    };
    assert_eq!(a.user_data, Some(&[0x30, 0x00][..]));
    assert_eq!(Spdu::Accept(a).user_data(), Some(&[0x30, 0x00][..]));
}

#[test]
fn data_transfer_forms() {
    let dt = hex("010001006103020100");
    let Spdu::Data(d) = round_trip(&dt) else {
        panic!("not DT")
    };
    assert_eq!(d, DataTransfer::new(&dt[4..]));
    let mut out = [0u8; 4];
    let mut w = Writer::new(&mut out);
    write_data_transfer_header(&mut w).unwrap();
    assert_eq!(out, [1, 0, 1, 0]);
    assert_eq!(data_transfer_header_len(), 4);
    // GT alone.
    let Spdu::Data(d) = round_trip(&[0x01, 0x00]) else {
        panic!("not GT")
    };
    assert_eq!(d.dt_parameters, None);
    assert_eq!(Spdu::Data(d).user_data(), None);
}

#[test]
fn release_refuse_abort() {
    let fin = hex("0906110101c10162");
    let Spdu::Finish(f) = round_trip(&fin) else {
        panic!("not FN")
    };
    assert_eq!(
        (f.transport_disconnect, f.user_data),
        (Some(1), Some(&[0x62][..]))
    );
    round_trip(&hex("0a03c10163"));
    round_trip(&hex("0803c10163"));
    let ab = hex("19061101033101aa");
    let Spdu::Abort(a) = round_trip(&ab) else {
        panic!("not AB")
    };
    assert_eq!(a.reflect, Some(&[0xaa][..]));
    assert_eq!(round_trip(&[0x1a, 0x00]), Spdu::AbortAccept);
    let rf = hex("0c0b1101011601023203023100");
    let Spdu::Refuse(r) = round_trip(&rf) else {
        panic!("not RF")
    };
    assert_eq!(r.reason_code(), Some(2));
    assert_eq!(r.user_data(), Some(&[0x31, 0x00][..]));
}

#[test]
fn long_li() {
    let payload = vec![0x55u8; 300];
    let spdu = Spdu::Finish(Release {
        transport_disconnect: None,
        reflect: None,
        user_data: Some(&payload),
    });
    let mut out = vec![0u8; spdu.encoded_len()];
    spdu.encode(&mut out).unwrap();
    assert_eq!(&out[..8], &[0x09, 0xFF, 0x01, 0x30, 0xC1, 0xFF, 0x01, 0x2C]);
    assert_eq!(Spdu::decode(&out), Ok(spdu));
}

#[test]
fn malformed() {
    assert_eq!(
        Spdu::decode(&[]),
        Err(SessionError::Truncated { offset: 0 })
    );
    assert_eq!(
        Spdu::decode(&[0x0d, 0x05, 0x14]),
        Err(SessionError::Truncated { offset: 0 })
    );
    assert_eq!(
        Spdu::decode(&[0x0d, 0x03, 0x14, 0x01, 0x02]),
        Err(SessionError::BadParameter {
            offset: 2,
            code: 0x14
        })
    );
    assert_eq!(
        Spdu::decode(&[0x0d, 0x02, 0x77, 0x00]),
        Err(SessionError::BadParameter {
            offset: 2,
            code: 0x77
        })
    );
    assert_eq!(
        Spdu::decode(&[0x0d, 0x03, 0x14, 0x05, 0x00]),
        Err(SessionError::Truncated { offset: 2 })
    );
    // A bad version number inside the connect/accept item: offset of the sub-parameter.
    assert_eq!(
        Spdu::decode(&[0x0d, 0x06, 0x05, 0x04, 0x16, 0x02, 0x02, 0x02]),
        Err(SessionError::BadParameter {
            offset: 4,
            code: 0x16
        })
    );
    assert_eq!(
        Spdu::decode(&[0x63, 0x00]),
        Err(SessionError::UnknownSpdu {
            offset: 0,
            si: 0x63
        })
    );
    assert_eq!(
        Spdu::decode(&[0x01, 0x00, 0x0d, 0x00]),
        Err(SessionError::UnknownSpdu {
            offset: 2,
            si: 0x0d
        })
    );
    assert_eq!(
        Spdu::decode(&[0x1a, 0x00, 0x00]),
        Err(SessionError::TrailingData { offset: 2 })
    );
}
