//! Byte vectors for every frame kind and every malformed case (IEC 60870-5-104 clause 5.1),
//! and property tests of the codec.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use telecontrol_core::{Decode, Encode, EncodeError};
use telecontrol_iec104_apci::{
    Apci, Apdu, Format, FrameError, MAX_APDU_LEN, MAX_ASDU_LEN, Seq, UFunction,
};

fn seq(v: u16) -> Seq {
    Seq::new(v).unwrap()
}

fn encode(apdu: &Apdu<'_>) -> Vec<u8> {
    let mut buf = [0u8; MAX_APDU_LEN];
    let n = apdu.encode(&mut buf).unwrap();
    assert_eq!(n, apdu.encoded_len());
    buf[..n].to_vec()
}

/// Encodes to `bytes` and decodes back from them, with and without trailing stream octets.
fn vector(apdu: Apdu<'_>, bytes: &[u8]) {
    assert_eq!(encode(&apdu), bytes, "encode {apdu}");
    assert_eq!(
        Apdu::decode(bytes),
        Ok((apdu, bytes.len())),
        "decode {apdu}"
    );
    let mut stream = bytes.to_vec();
    stream.extend_from_slice(&[0x68, 0x04]);
    assert_eq!(Apdu::decode(&stream), Ok((apdu, bytes.len())));
    assert_eq!(<Apdu<'_> as Decode<'_>>::decode(bytes), Ok(apdu));
}

#[test]
fn u_frame_vectors() {
    let cases = [
        (UFunction::StartDtAct, 0x07),
        (UFunction::StartDtCon, 0x0B),
        (UFunction::StopDtAct, 0x13),
        (UFunction::StopDtCon, 0x23),
        (UFunction::TestFrAct, 0x43),
        (UFunction::TestFrCon, 0x83),
    ];
    for (f, octet) in cases {
        vector(Apdu::u(f), &[0x68, 0x04, octet, 0x00, 0x00, 0x00]);
        assert!(!f.confirmation().is_act());
    }
    assert_eq!(UFunction::StartDtAct.confirmation(), UFunction::StartDtCon);
    assert_eq!(UFunction::StopDtAct.confirmation(), UFunction::StopDtCon);
    assert_eq!(UFunction::TestFrAct.confirmation(), UFunction::TestFrCon);
}

#[test]
fn s_frame_vectors() {
    vector(Apdu::s(seq(0)), &[0x68, 0x04, 0x01, 0x00, 0x00, 0x00]);
    vector(Apdu::s(seq(1)), &[0x68, 0x04, 0x01, 0x00, 0x02, 0x00]);
    vector(Apdu::s(seq(128)), &[0x68, 0x04, 0x01, 0x00, 0x00, 0x01]);
    vector(Apdu::s(seq(32767)), &[0x68, 0x04, 0x01, 0x00, 0xFE, 0xFF]);
}

#[test]
fn i_frame_vectors() {
    // C_IC_NA_1 station interrogation, CA 1, as in the standard's examples.
    let asdu = [0x64, 0x01, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x14];
    let mut bytes = vec![0x68, 0x0E, 0x00, 0x00, 0x00, 0x00];
    bytes.extend_from_slice(&asdu);
    vector(Apdu::i(seq(0), seq(0), &asdu), &bytes);

    let mut bytes = vec![0x68, 0x0E, 0x02, 0x00, 0x06, 0x00];
    bytes.extend_from_slice(&asdu);
    vector(Apdu::i(seq(1), seq(3), &asdu), &bytes);

    // 15-bit values: 0x3FFF = 16383 and the wrap edges.
    vector(
        Apdu::i(seq(16383), seq(32767), &[0xAA]),
        &[0x68, 0x05, 0xFE, 0x7F, 0xFE, 0xFF, 0xAA],
    );
    vector(
        Apdu::i(seq(32767), seq(128), &[0x01]),
        &[0x68, 0x05, 0xFE, 0xFF, 0x00, 0x01, 0x01],
    );

    // The largest I frame: 249 ASDU octets, length 253, 255 octets in all.
    let big = [0x5Au8; MAX_ASDU_LEN];
    let mut bytes = vec![0x68, 0xFD, 0x0A, 0x00, 0x0C, 0x00];
    bytes.extend_from_slice(&big);
    assert_eq!(bytes.len(), MAX_APDU_LEN);
    vector(Apdu::i(seq(5), seq(6), &big), &bytes);
}

#[test]
fn apci_encodes_control_octets_only() {
    let mut buf = [0u8; 4];
    let apci = Apci::I {
        send_seq: seq(2),
        recv_seq: seq(1),
    };
    assert_eq!(apci.encode(&mut buf), Ok(4));
    assert_eq!(buf, [0x04, 0x00, 0x02, 0x00]);
    assert_eq!(apci.format(), Format::I);
    assert_eq!(apci.to_string(), "I N(S)=2 N(R)=1");
    assert_eq!(Apci::S { recv_seq: seq(9) }.to_string(), "S N(R)=9");
    assert_eq!(Apci::U(UFunction::TestFrAct).to_string(), "U TESTFR act");
}

#[test]
fn incomplete_reports_what_is_missing() {
    assert_eq!(Apdu::decode(&[]), Err(FrameError::Incomplete { needed: 2 }));
    assert_eq!(
        Apdu::decode(&[0x68]),
        Err(FrameError::Incomplete { needed: 1 })
    );
    assert_eq!(
        Apdu::decode(&[0x68, 0x04]),
        Err(FrameError::Incomplete { needed: 4 })
    );
    assert_eq!(
        Apdu::decode(&[0x68, 0x04, 0x07, 0x00, 0x00]),
        Err(FrameError::Incomplete { needed: 1 })
    );
    assert_eq!(
        Apdu::decode(&[0x68, 0xFD, 0x00, 0x00, 0x00, 0x00]),
        Err(FrameError::Incomplete { needed: 249 })
    );
    assert!(FrameError::Incomplete { needed: 1 }.is_incomplete());
}

#[test]
fn malformed_vectors() {
    let cases: &[(&[u8], FrameError)] = &[
        // Start octet.
        (
            &[0x10],
            FrameError::BadStart {
                offset: 0,
                value: 0x10,
            },
        ),
        (
            &[0x00, 0x04, 0x07, 0, 0, 0],
            FrameError::BadStart {
                offset: 0,
                value: 0x00,
            },
        ),
        // Length octet out of range, reported before the rest arrives.
        (
            &[0x68, 0x00],
            FrameError::BadLength {
                offset: 1,
                value: 0,
            },
        ),
        (
            &[0x68, 0x03, 0x01, 0x00, 0x00],
            FrameError::BadLength {
                offset: 1,
                value: 3,
            },
        ),
        (
            &[0x68, 0xFE],
            FrameError::BadLength {
                offset: 1,
                value: 254,
            },
        ),
        (
            &[0x68, 0xFF],
            FrameError::BadLength {
                offset: 1,
                value: 255,
            },
        ),
        // I frame without ASDU.
        (
            &[0x68, 0x04, 0x00, 0x00, 0x00, 0x00],
            FrameError::MissingAsdu { offset: 1 },
        ),
        // I frame with bit 0 of the third control octet set.
        (
            &[0x68, 0x05, 0x00, 0x00, 0x01, 0x00, 0xAA],
            FrameError::BadControlField {
                offset: 4,
                value: 0x01,
            },
        ),
        // S frame: spare bits of octet 1, octet 2 non-zero, bit 0 of octet 3, ASDU octets.
        (
            &[0x68, 0x04, 0x05, 0x00, 0x00, 0x00],
            FrameError::BadControlField {
                offset: 2,
                value: 0x05,
            },
        ),
        (
            &[0x68, 0x04, 0x01, 0x01, 0x00, 0x00],
            FrameError::BadControlField {
                offset: 3,
                value: 0x01,
            },
        ),
        (
            &[0x68, 0x04, 0x01, 0x00, 0x03, 0x00],
            FrameError::BadControlField {
                offset: 4,
                value: 0x03,
            },
        ),
        (
            &[0x68, 0x05, 0x01, 0x00, 0x00, 0x00, 0xAA],
            FrameError::UnexpectedAsdu {
                offset: 1,
                format: Format::S,
                value: 5,
            },
        ),
        // U frame: no function, two functions, spare octets, ASDU octets.
        (
            &[0x68, 0x04, 0x03, 0x00, 0x00, 0x00],
            FrameError::BadUFunction {
                offset: 2,
                value: 0x03,
            },
        ),
        (
            &[0x68, 0x04, 0x0F, 0x00, 0x00, 0x00],
            FrameError::BadUFunction {
                offset: 2,
                value: 0x0F,
            },
        ),
        (
            &[0x68, 0x04, 0xC3, 0x00, 0x00, 0x00],
            FrameError::BadUFunction {
                offset: 2,
                value: 0xC3,
            },
        ),
        (
            &[0x68, 0x04, 0x07, 0x01, 0x00, 0x00],
            FrameError::BadControlField {
                offset: 3,
                value: 0x01,
            },
        ),
        (
            &[0x68, 0x04, 0x43, 0x00, 0x01, 0x00],
            FrameError::BadControlField {
                offset: 4,
                value: 0x01,
            },
        ),
        (
            &[0x68, 0x04, 0x83, 0x00, 0x00, 0x80],
            FrameError::BadControlField {
                offset: 5,
                value: 0x80,
            },
        ),
        (
            &[0x68, 0x06, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02],
            FrameError::UnexpectedAsdu {
                offset: 1,
                format: Format::U,
                value: 6,
            },
        ),
    ];
    for (bytes, err) in cases {
        assert_eq!(Apdu::decode(bytes), Err(*err), "{bytes:02x?}");
        assert!(!err.to_string().is_empty());
    }
    assert_eq!(
        <Apdu<'_> as Decode<'_>>::decode(&[0x68, 0x04, 0x43, 0, 0, 0, 0x68]),
        Err(FrameError::TrailingOctets { offset: 6 })
    );
}

#[test]
fn encode_refuses_invalid_frames_and_small_buffers() {
    let mut buf = [0u8; MAX_APDU_LEN + 1];
    let too_big = [0u8; MAX_ASDU_LEN + 1];
    let invalid = Err(EncodeError::InvalidValue { field: "asdu" });
    assert_eq!(Apdu::i(seq(0), seq(0), &too_big).encode(&mut buf), invalid);
    assert_eq!(Apdu::i(seq(0), seq(0), &[]).encode(&mut buf), invalid);
    let s_with_data = Apdu {
        apci: Apci::S { recv_seq: seq(0) },
        asdu: &[1],
    };
    assert_eq!(s_with_data.encode(&mut buf), invalid);
    let mut small = [0u8; 5];
    assert_eq!(
        Apdu::u(UFunction::TestFrAct).encode(&mut small),
        Err(EncodeError::BufferTooSmall {
            needed: 6,
            available: 5
        })
    );
    assert_eq!(small, [0; 5]);
}

#[test]
fn seq_arithmetic_wraps_at_32768() {
    assert_eq!(Seq::new(32767), Some(Seq::MAX));
    assert_eq!(Seq::new(32768), None);
    assert_eq!(Seq::new(u16::MAX), None);
    assert_eq!(Seq::MAX.next(), Seq::ZERO);
    assert_eq!(seq(5).next().value(), 6);
    assert_eq!(Seq::MAX.wrapping_add(3), seq(2));
    assert_eq!(Seq::wrapping_from(32768 + 7), seq(7));
    assert_eq!(seq(32760).distance_to(seq(5)), 13);
    assert_eq!(seq(5).distance_to(seq(32760)), 32755);
    assert_eq!(seq(9).distance_to(seq(9)), 0);
    assert!(seq(2).is_within(seq(32766), 5));
    assert!(!seq(3).is_within(seq(32766), 5));
    assert!(!seq(0).is_within(seq(0), 0));
    assert_eq!(Seq::MAX.to_octets(), [0xFE, 0xFF]);
    assert_eq!(Seq::from_octets(0xFF, 0xFF), Seq::MAX);
}

fn arb_seq() -> impl Strategy<Value = Seq> {
    (0u16..32768).prop_map(seq)
}

fn arb_apci() -> impl Strategy<Value = Apci> {
    prop_oneof![
        (arb_seq(), arb_seq()).prop_map(|(send_seq, recv_seq)| Apci::I { send_seq, recv_seq }),
        arb_seq().prop_map(|recv_seq| Apci::S { recv_seq }),
        proptest::sample::select(UFunction::ALL.to_vec()).prop_map(Apci::U),
    ]
}

proptest! {
    #[test]
    fn round_trip(apci in arb_apci(), asdu in proptest::collection::vec(any::<u8>(), 1..=MAX_ASDU_LEN)) {
        let asdu: &[u8] = if apci.format() == Format::I { &asdu } else { &[] };
        let apdu = Apdu { apci, asdu };
        let bytes = encode(&apdu);
        prop_assert_eq!(bytes.len(), apdu.encoded_len());
        prop_assert_eq!(Apdu::decode(&bytes), Ok((apdu, bytes.len())));
        // Every strict prefix is incomplete, never malformed.
        for cut in 0..bytes.len() {
            prop_assert!(Apdu::decode(&bytes[..cut]).unwrap_err().is_incomplete());
        }
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        match Apdu::decode(&bytes) {
            Ok((apdu, used)) => {
                prop_assert!(used <= bytes.len());
                prop_assert_eq!(encode(&apdu), &bytes[..used]);
            }
            Err(FrameError::Incomplete { needed }) => prop_assert!(needed > 0),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn control_octets_either_parse_or_fail_typed(octets in any::<[u8; 4]>()) {
        if let Ok(apci) = Apci::from_control_octets(octets, 0) {
            prop_assert_eq!(apci.control_octets(), octets);
        }
    }
}
