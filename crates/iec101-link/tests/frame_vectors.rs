//! Byte vectors for every FT1.2 frame kind (IEC 60870-5-1 clause 6.2.4.2), malformed cases,
//! and the stream decoder's resynchronisation.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use core::time::Duration;
use telecontrol_core::{EncodeError, Instant};
use telecontrol_iec101_link::{
    AddressSize, ControlField, Decoded, Frame, FrameDecoder, FrameError, PrimaryFunction,
    SecondaryFunction, idle_timeout_for_baud,
};

fn enc(f: &Frame<'_>, a: AddressSize) -> Vec<u8> {
    let mut buf = [0u8; 300];
    let n = f.encode(a, &mut buf).unwrap();
    assert_eq!(n, f.encoded_len(a));
    buf[..n].to_vec()
}

#[test]
fn fixed_frame_vectors_all_address_sizes() {
    // Request status of link (0x49) to station 1.
    let f = Frame::Fixed {
        control: 0x49,
        address: 1,
    };
    assert_eq!(enc(&f, AddressSize::One), [0x10, 0x49, 0x01, 0x4A, 0x16]);
    assert_eq!(
        Frame::decode(&[0x10, 0x49, 0x01, 0x4A, 0x16], AddressSize::One),
        Ok((f, 5))
    );
    // Two-octet address 0x1234: little-endian, checksum 0x49+0x34+0x12 = 0x8F.
    let f = Frame::Fixed {
        control: 0x49,
        address: 0x1234,
    };
    let bytes = [0x10, 0x49, 0x34, 0x12, 0x8F, 0x16];
    assert_eq!(enc(&f, AddressSize::Two), bytes);
    assert_eq!(Frame::decode(&bytes, AddressSize::Two), Ok((f, 6)));
    // No address field (balanced): ACK with DIR = 1.
    let f = Frame::Fixed {
        control: 0x80,
        address: 0,
    };
    assert_eq!(enc(&f, AddressSize::None), [0x10, 0x80, 0x80, 0x16]);
    assert_eq!(
        Frame::decode(&[0x10, 0x80, 0x80, 0x16, 0xFF], AddressSize::None),
        Ok((f, 4))
    );
}

#[test]
fn variable_frame_vectors() {
    // User data confirmed, FCB=1 (0x73), address 5, ASDU C_IC_NA_1 common address 1.
    let asdu = [0x64, 0x01, 0x06, 0x01, 0x00, 0x00, 0x14];
    let f = Frame::Variable {
        control: 0x73,
        address: 5,
        data: &asdu,
    };
    let cs = [0x73u8, 0x05]
        .iter()
        .chain(asdu.iter())
        .fold(0u8, |a, b| a.wrapping_add(*b));
    let mut expected = vec![0x68, 9, 9, 0x68, 0x73, 0x05];
    expected.extend_from_slice(&asdu);
    expected.extend_from_slice(&[cs, 0x16]);
    assert_eq!(cs, 0xF8);
    assert_eq!(enc(&f, AddressSize::One), expected);
    assert_eq!(Frame::decode(&expected, AddressSize::One), Ok((f, 15)));
    // Two-octet address, user data response with ACD (0x28).
    let f = Frame::Variable {
        control: 0x28,
        address: 0x0102,
        data: &[0xAA],
    };
    assert_eq!(
        enc(&f, AddressSize::Two),
        [0x68, 4, 4, 0x68, 0x28, 0x02, 0x01, 0xAA, 0xD5, 0x16]
    );
    // Empty user data is representable (L = 1 + address).
    let f = Frame::Variable {
        control: 0x08,
        address: 3,
        data: &[],
    };
    let b = enc(&f, AddressSize::One);
    assert_eq!(b, [0x68, 2, 2, 0x68, 0x08, 0x03, 0x0B, 0x16]);
    assert_eq!(Frame::decode(&b, AddressSize::One), Ok((f, 8)));
    // Maximum: L = 255.
    let data = [0x11u8; 252];
    let f = Frame::Variable {
        control: 0x53,
        address: 0xFFFF,
        data: &data,
    };
    let b = enc(&f, AddressSize::Two);
    assert_eq!(b.len(), 261);
    assert_eq!((b[1], b[2]), (255, 255));
    assert_eq!(Frame::decode(&b, AddressSize::Two), Ok((f, 261)));
}

#[test]
fn single_character() {
    assert_eq!(enc(&Frame::SingleAck, AddressSize::One), [0xE5]);
    assert_eq!(
        Frame::decode(&[0xE5, 0x10], AddressSize::Two),
        Ok((Frame::SingleAck, 1))
    );
    // 0xA2 is not used by IEC 60870-5-101.
    assert_eq!(
        Frame::decode(&[0xA2], AddressSize::One),
        Err(FrameError::BadStart {
            offset: 0,
            value: 0xA2
        })
    );
}

#[test]
fn control_fields_in_frames() {
    let c = ControlField::primary(PrimaryFunction::RequestClass2, true, true, false);
    let f = Frame::Fixed {
        control: c.encode(),
        address: 7,
    };
    assert_eq!(enc(&f, AddressSize::One), [0x10, 0x7B, 0x07, 0x82, 0x16]);
    let c = ControlField::secondary(SecondaryFunction::NackNoData, true, false, false);
    let f = Frame::Fixed {
        control: c.encode(),
        address: 7,
    };
    assert_eq!(enc(&f, AddressSize::One), [0x10, 0x29, 0x07, 0x30, 0x16]);
}

#[test]
fn malformed_frames() {
    let one = AddressSize::One;
    assert_eq!(
        Frame::decode(&[], one),
        Err(FrameError::Incomplete {
            available: 0,
            needed: 1
        })
    );
    assert_eq!(
        Frame::decode(&[0x10, 0x49, 0x01], one),
        Err(FrameError::Incomplete {
            available: 3,
            needed: 5
        })
    );
    assert_eq!(
        Frame::decode(&[0x10, 0x49, 0x01, 0x4B, 0x16], one),
        Err(FrameError::Checksum {
            offset: 3,
            expected: 0x4A,
            found: 0x4B
        })
    );
    assert_eq!(
        Frame::decode(&[0x10, 0x49, 0x01, 0x4A, 0x17], one),
        Err(FrameError::BadEnd {
            offset: 4,
            value: 0x17
        })
    );
    assert_eq!(
        Frame::decode(&[0x68, 3, 4, 0x68], one),
        Err(FrameError::LengthMismatch {
            offset: 2,
            first: 3,
            second: 4
        })
    );
    assert_eq!(
        Frame::decode(&[0x68, 3, 3, 0x69], one),
        Err(FrameError::BadSecondStart {
            offset: 3,
            value: 0x69
        })
    );
    assert_eq!(
        Frame::decode(&[0x68, 1, 1, 0x68, 0x08, 0x08, 0x16], one),
        Err(FrameError::LengthTooShort {
            offset: 1,
            value: 1
        })
    );
    assert_eq!(
        Frame::decode(&[0x68, 0, 0, 0x68], AddressSize::None),
        Err(FrameError::LengthTooShort {
            offset: 1,
            value: 0
        })
    );
    assert_eq!(
        Frame::decode(&[0x68, 3, 3, 0x68, 0x08, 0x01], one),
        Err(FrameError::Incomplete {
            available: 6,
            needed: 9
        })
    );
    assert_eq!(
        Frame::decode(&[0x68], one),
        Err(FrameError::Incomplete {
            available: 1,
            needed: 4
        })
    );
    assert!(
        FrameError::Incomplete {
            available: 0,
            needed: 1
        }
        .is_incomplete()
    );
}

#[test]
fn encode_rejects_what_cannot_be_sent() {
    let mut buf = [0u8; 300];
    assert_eq!(
        Frame::Fixed {
            control: 0x49,
            address: 256
        }
        .encode(AddressSize::One, &mut buf),
        Err(EncodeError::InvalidValue {
            field: "link address"
        })
    );
    assert_eq!(
        Frame::Fixed {
            control: 0x49,
            address: 1
        }
        .encode(AddressSize::None, &mut buf),
        Err(EncodeError::InvalidValue {
            field: "link address"
        })
    );
    let data = [0u8; 254];
    assert_eq!(
        Frame::Variable {
            control: 0x53,
            address: 1,
            data: &data
        }
        .encode(AddressSize::One, &mut buf),
        Err(EncodeError::InvalidValue {
            field: "user data length"
        })
    );
    let mut small = [0u8; 4];
    assert_eq!(
        Frame::Fixed {
            control: 0x49,
            address: 1
        }
        .encode(AddressSize::One, &mut small),
        Err(EncodeError::BufferTooSmall {
            needed: 5,
            available: 4
        })
    );
    assert_eq!(small, [0; 4]);
}

/// Drive a decoder over `chunks`, collecting frames (as bytes) and discards.
fn run(
    dec: &mut FrameDecoder,
    chunks: &[(u64, &[u8])],
) -> Vec<Result<Vec<u8>, (usize, FrameError)>> {
    let mut out = Vec::new();
    let a = AddressSize::One;
    for (t, chunk) in chunks {
        let mut rest: &[u8] = chunk;
        loop {
            let (n, ev) = dec.handle_input(Instant::from_micros(*t), rest);
            let done = n == 0 && ev.is_none();
            match ev {
                Some(Decoded::Frame(f)) => out.push(Ok(enc(&f, a))),
                Some(Decoded::Discarded { octets, reason }) => out.push(Err((octets, reason))),
                None => {}
            }
            rest = &rest[n..];
            if done {
                break;
            }
        }
    }
    out
}

#[test]
fn decoder_resynchronises_after_garbage_and_counts() {
    let mut dec = FrameDecoder::new(AddressSize::One, None);
    let stream: &[u8] = &[0x00, 0xFF, 0xA2, 0x10, 0x49, 0x01, 0x4A, 0x16, 0xE5];
    let got = run(&mut dec, &[(0, stream)]);
    assert_eq!(
        got,
        vec![
            Err((
                3,
                FrameError::BadStart {
                    offset: 0,
                    value: 0x00
                }
            )),
            Ok(vec![0x10, 0x49, 0x01, 0x4A, 0x16]),
            Ok(vec![0xE5]),
        ]
    );
    assert_eq!(dec.discarded_total(), 3);
}

#[test]
fn decoder_recovers_a_frame_hidden_in_a_broken_one() {
    // A fixed frame whose end character is lost; the checksum position holds the start of
    // the next frame. The decoder drops only the broken start and finds the real frame.
    let mut dec = FrameDecoder::new(AddressSize::One, None);
    let stream: &[u8] = &[0x10, 0x49, 0x10, 0x0B, 0x01, 0x0C, 0x16];
    let got = run(&mut dec, &[(0, stream)]);
    assert_eq!(
        got,
        vec![
            Err((
                2,
                FrameError::Checksum {
                    offset: 3,
                    expected: 0x59,
                    found: 0x0B
                }
            )),
            Ok(vec![0x10, 0x0B, 0x01, 0x0C, 0x16]),
        ]
    );
    assert_eq!(dec.discarded_total(), 2);
}

#[test]
fn decoder_drops_partial_frame_after_idle_gap() {
    let idle = idle_timeout_for_baud(9600, 11);
    assert_eq!(idle, Duration::from_micros(4584)); // 44 bits at 9600 baud, rounded up
    let mut dec = FrameDecoder::new(AddressSize::One, Some(idle));
    let got = run(
        &mut dec,
        &[
            (1_000, &[0x10, 0x49]),
            (1_000 + 4_584, &[0x01]), // exactly at the limit: still the same frame
            (1_000 + 4_584 + 4_585, &[0x4A, 0x10, 0x0B, 0x01, 0x0C, 0x16]),
        ],
    );
    assert_eq!(
        got,
        vec![
            Err((3, FrameError::IdleTimeout { received: 3 })),
            Err((
                1,
                FrameError::BadStart {
                    offset: 0,
                    value: 0x4A
                }
            )),
            Ok(vec![0x10, 0x0B, 0x01, 0x0C, 0x16]),
        ]
    );
    // The proactive timer path.
    let mut dec = FrameDecoder::new(AddressSize::One, Some(idle));
    assert_eq!(
        dec.handle_input(Instant::from_micros(10), &[0x68, 0x03]).0,
        2
    );
    assert_eq!(dec.poll_timeout(), Some(Instant::from_micros(10 + 4_584)));
    assert_eq!(dec.handle_timeout(Instant::from_micros(10 + 4_584)), None);
    assert_eq!(
        dec.handle_timeout(Instant::from_micros(10 + 4_585)),
        Some(Decoded::Discarded {
            octets: 2,
            reason: FrameError::IdleTimeout { received: 2 }
        })
    );
    assert_eq!(dec.buffered(), 0);
    assert_eq!(dec.poll_timeout(), None);
    assert_eq!(idle_timeout_for_baud(0, 11), Duration::MAX);
    assert_eq!(
        idle_timeout_for_baud(1200, 11),
        Duration::from_micros(36_667)
    );
}

#[test]
fn decoder_byte_by_byte_equals_whole() {
    let stream: &[u8] = &[
        0x68, 0x04, 0x04, 0x68, 0x28, 0x05, 0xAA, 0xBB, 0x92, 0x16, 0x33, 0x10, 0x0B, 0x05, 0x10,
        0x16, 0xE5, 0x68, 0x02, 0x02, 0x68, 0x08, 0x03, 0x0B, 0x16,
    ];
    let mut a = FrameDecoder::new(AddressSize::One, None);
    let whole = run(&mut a, &[(0, stream)]);
    let mut b = FrameDecoder::new(AddressSize::One, None);
    let chunks: Vec<(u64, &[u8])> = stream.chunks(1).map(|c| (0, c)).collect();
    let split = run(&mut b, &chunks);
    // Discards may be split differently; frames and the total discarded count agree.
    let frames = |v: &Vec<Result<Vec<u8>, (usize, FrameError)>>| {
        v.iter().filter_map(|r| r.clone().ok()).collect::<Vec<_>>()
    };
    assert_eq!(frames(&whole), frames(&split));
    assert_eq!(frames(&whole).len(), 4);
    assert_eq!(a.discarded_total(), 1);
    assert_eq!(b.discarded_total(), 1);
}
