//! Property tests of the FT1.2 codec and stream decoder.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use proptest::prelude::*;
use telecontrol_core::Instant;
use telecontrol_iec101_link::{AddressSize, Decoded, Frame, FrameDecoder, MAX_FRAME_LEN};

fn address_size() -> impl Strategy<Value = AddressSize> {
    prop_oneof![
        Just(AddressSize::None),
        Just(AddressSize::One),
        Just(AddressSize::Two)
    ]
}

/// (address size, kind, control, address, data)
fn frame_parts() -> impl Strategy<Value = (AddressSize, u8, u8, u16, Vec<u8>)> {
    address_size().prop_flat_map(|a| {
        (
            Just(a),
            0u8..3,
            any::<u8>(),
            0..=a.max_address(),
            proptest::collection::vec(any::<u8>(), 0..=a.max_user_data()),
        )
    })
}

fn make<'a>(kind: u8, control: u8, address: u16, data: &'a [u8]) -> Frame<'a> {
    match kind {
        0 => Frame::Fixed { control, address },
        1 => Frame::Variable {
            control,
            address,
            data,
        },
        _ => Frame::SingleAck,
    }
}

/// Feed `chunks` and return every frame re-encoded plus the discarded total.
fn frames_of(a: AddressSize, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, u64) {
    let mut dec = FrameDecoder::new(a, None);
    let mut out = Vec::new();
    for chunk in chunks {
        let mut rest: &[u8] = chunk;
        loop {
            let (n, ev) = dec.handle_input(Instant::ZERO, rest);
            let idle = n == 0 && ev.is_none();
            if let Some(Decoded::Frame(f)) = ev {
                let mut buf = [0u8; MAX_FRAME_LEN];
                let len = f.encode(a, &mut buf).unwrap();
                out.push(buf[..len].to_vec());
            }
            rest = &rest[n..];
            if idle {
                break;
            }
        }
    }
    (out, dec.discarded_total())
}

proptest! {
    #[test]
    fn round_trip((a, kind, control, address, data) in frame_parts()) {
        let f = make(kind, control, address, &data);
        let mut buf = [0u8; MAX_FRAME_LEN];
        let n = f.encode(a, &mut buf).unwrap();
        prop_assert_eq!(n, f.encoded_len(a));
        prop_assert_eq!(Frame::decode(&buf[..n], a), Ok((f, n)));
        // Every proper prefix is Incomplete, never an error or a different frame.
        for cut in 0..n {
            let e = Frame::decode(&buf[..cut], a).unwrap_err();
            prop_assert!(e.is_incomplete(), "prefix {} gave {:?}", cut, e);
        }
    }

    #[test]
    fn decode_arbitrary_bytes_never_panics(a in address_size(), bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok((f, n)) = Frame::decode(&bytes, a) {
            prop_assert!(n <= bytes.len());
            let mut buf = [0u8; MAX_FRAME_LEN];
            let m = f.encode(a, &mut buf).unwrap();
            prop_assert_eq!(&buf[..m], &bytes[..n]);
        }
        let (_, discarded) = frames_of(a, &[&bytes]);
        prop_assert!(discarded <= bytes.len() as u64);
    }

    #[test]
    fn chunking_does_not_change_frames(
        a in address_size(),
        frames in proptest::collection::vec((0u8..3, any::<u8>(), any::<u16>(), proptest::collection::vec(any::<u8>(), 0..40), proptest::collection::vec(any::<u8>(), 0..4)), 1..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        // A stream of valid frames separated by arbitrary noise.
        let mut stream = Vec::new();
        for (kind, control, address, data, noise) in &frames {
            stream.extend_from_slice(noise);
            let f = make(*kind, *control, address % (a.max_address().saturating_add(1)).max(1), data);
            let f = if a == AddressSize::Two { make(*kind, *control, *address, data) } else { f };
            let mut buf = [0u8; MAX_FRAME_LEN];
            let n = f.encode(a, &mut buf).unwrap();
            stream.extend_from_slice(&buf[..n]);
        }
        let (whole, d1) = frames_of(a, &[&stream]);
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks: Vec<&[u8]> = Vec::new();
        let mut prev = 0;
        for p in points {
            chunks.push(&stream[prev..p]);
            prev = p;
        }
        chunks.push(&stream[prev..]);
        let (split, d2) = frames_of(a, &chunks);
        prop_assert_eq!(whole, split);
        prop_assert_eq!(d1, d2);
    }
}
