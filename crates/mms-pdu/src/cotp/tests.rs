#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;

fn round_trip(bytes: &[u8]) -> Tpdu<'_> {
    let t = Tpdu::decode(bytes).unwrap();
    let mut out = [0u8; 64];
    let n = t.encode(&mut out).unwrap();
    assert_eq!(&out[..n], bytes);
    t
}

#[test]
fn capture_vectors() {
    // CR without TPDU size (frame 7), CC with 1024 (frame 8).
    let cr = [
        0x0e, 0xe0, 0x00, 0x00, 0x09, 0x34, 0x00, 0xc1, 0x02, 0x00, 0x60, 0xc2, 0x02, 0x00, 0x05,
    ];
    let Tpdu::ConnectionRequest(c) = round_trip(&cr) else {
        panic!("not CR")
    };
    assert_eq!((c.dst_ref, c.src_ref, c.class_options), (0, 0x0934, 0));
    assert_eq!(c.tpdu_size, None);
    assert_eq!(c.calling_tsap, Some(&[0x00, 0x60][..]));
    assert_eq!(c.called_tsap, Some(&[0x00, 0x05][..]));
    assert_eq!(
        negotiate_tpdu_size(c.tpdu_size, TpduSize::S8192),
        TpduSize::S128
    );
    let cc = [
        0x11, 0xd0, 0x09, 0x34, 0x01, 0x3c, 0x00, 0xc1, 0x02, 0x00, 0x60, 0xc2, 0x02, 0x00, 0x05,
        0xc0, 0x01, 0x0a,
    ];
    let Tpdu::ConnectionConfirm(c) = round_trip(&cc) else {
        panic!("not CC")
    };
    assert_eq!(c.tpdu_size.map(TpduSize::octets), Some(1024));
    assert_eq!(
        negotiate_tpdu_size(Some(TpduSize::S8192), TpduSize::S8192),
        TpduSize::S2048
    );

    // DR with four octets that are no parameters (frame 910).
    let dr = [
        0x0a, 0x80, 0x05, 0x04, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
    ];
    let Tpdu::DisconnectRequest(d) = round_trip(&dr) else {
        panic!("not DR")
    };
    assert_eq!((d.dst_ref, d.reason), (0x0504, 3));
    assert!(d.lenient);
    let Tpdu::DisconnectRequest(d) = round_trip(&[0x06, 0x80, 0, 1, 0, 2, 128]) else {
        panic!("not DR")
    };
    assert!(!d.lenient);

    let dt = [0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00];
    assert_eq!(
        round_trip(&dt),
        Tpdu::Data(Data {
            eot: true,
            number: 0,
            user_data: &dt[3..]
        })
    );
    round_trip(&[0x05, 0xc0, 0x00, 0x01, 0x00, 0x02]);
    round_trip(&[0x08, 0x70, 0x00, 0x01, 0x02, 0xc1, 0x02, 0xAA, 0xBB]);
}

#[test]
fn malformed() {
    assert_eq!(Tpdu::decode(&[]), Err(CotpError::Truncated { offset: 0 }));
    assert_eq!(
        Tpdu::decode(&[0x05, 0xf0, 0x80]),
        Err(CotpError::BadLengthIndicator { li: 5 })
    );
    assert_eq!(
        Tpdu::decode(&[0x03, 0xf0, 0x80, 0x00]),
        Err(CotpError::BadLengthIndicator { li: 3 })
    );
    assert_eq!(
        Tpdu::decode(&[0x01, 0x60]),
        Err(CotpError::UnknownTpdu { code: 0x60 })
    );
    assert_eq!(
        Tpdu::decode(&[0x09, 0xe0, 0, 0, 0, 1, 0, 0xc0, 0x01, 0x0e]),
        Err(CotpError::BadParameter {
            offset: 7,
            code: 0xc0
        })
    );
    assert_eq!(
        Tpdu::decode(&[0x08, 0xe0, 0, 0, 0, 1, 0, 0xc1, 0x05]),
        Err(CotpError::Truncated { offset: 7 })
    );
    assert_eq!(
        Tpdu::decode(&[0x05, 0xe0, 0, 0, 0, 1]),
        Err(CotpError::BadLengthIndicator { li: 5 })
    );
}

#[test]
fn unknown_parameters_kept_in_one_run() {
    // C6 (additional option selection) before C0: kept, re-encoded after the known ones.
    let cr = [
        0x0f, 0xe0, 0, 0, 0, 1, 0, 0xc6, 0x01, 0x01, 0xc0, 0x01, 0x0a, 0xc1, 0x01, 0x01,
    ];
    let Ok(Tpdu::ConnectionRequest(c)) = Tpdu::decode(&cr) else {
        panic!("CR")
    };
    assert_eq!(c.other_parameters, &[0xc6, 0x01, 0x01]);
    assert_eq!(c.tpdu_size, Some(TpduSize::S1024));
    let mut out = [0u8; 32];
    let n = Tpdu::ConnectionRequest(c).encode(&mut out).unwrap();
    assert_eq!(Tpdu::decode(&out[..n]), Ok(Tpdu::ConnectionRequest(c)));
    // Unknown, known, unknown: cannot be kept.
    let split = [
        0x10, 0xe0, 0, 0, 0, 1, 0, 0xc6, 0x01, 0x01, 0xc0, 0x01, 0x0a, 0xf0, 0x02, 0x00, 0x08,
    ];
    assert_eq!(
        Tpdu::decode(&split),
        Err(CotpError::BadParameter {
            offset: 13,
            code: 0xf0
        })
    );
    assert_eq!(
        Tpdu::decode(&[0xff, 0xf0]),
        Err(CotpError::BadLengthIndicator { li: 255 })
    );
}

#[test]
fn reassembly() {
    let mut r = Reassembler::new([0u8; 8]);
    let seg = |eot, d: &'static [u8]| Data {
        eot,
        number: 0,
        user_data: d,
    };
    assert_eq!(r.push(&seg(false, b"abc")), Ok(None));
    assert_eq!(r.pending(), 3);
    assert_eq!(r.push(&seg(true, b"defgh")), Ok(Some(&b"abcdefgh"[..])));
    assert_eq!(r.pending(), 0);
    assert_eq!(r.push(&seg(true, b"xy")), Ok(Some(&b"xy"[..])));
    assert_eq!(r.push(&seg(false, b"12345")), Ok(None));
    assert_eq!(
        r.push(&seg(true, b"6789")),
        Err(CotpError::TsduTooLong { max: 8 })
    );
    assert_eq!(r.pending(), 0);
    let mut storage = [0u8; 4];
    let mut r = Reassembler::new(&mut storage[..]);
    assert_eq!(r.push(&seg(true, b"ok")), Ok(Some(&b"ok"[..])));
}
