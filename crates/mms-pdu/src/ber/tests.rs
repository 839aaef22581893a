#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

extern crate std;

use std::string::ToString;
use std::vec;
use std::vec::Vec;

use proptest::prelude::*;
use telecontrol_core::Writer;

use super::*;

fn encode_with(len: usize, f: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    let mut w = Writer::new(&mut buf);
    f(&mut w);
    assert_eq!(w.position(), len, "length function disagrees with writer");
    buf
}

#[test]
fn tags_short_and_high_number_forms() {
    let cases: &[(Tag, &[u8])] = &[
        (Tag::INTEGER, &[0x02]),
        (Tag::SEQUENCE, &[0x30]),
        (Tag::application(0, true), &[0x60]),
        (Tag::context(3, false), &[0x83]),
        (Tag::private(30, true), &[0xFE]),
        (Tag::context(31, false), &[0x9F, 0x1F]),
        (Tag::application(127, true), &[0x7F, 0x7F]),
        (Tag::context(128, true), &[0xBF, 0x81, 0x00]),
        (
            Tag::universal(u32::MAX, false),
            &[0x1F, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F],
        ),
    ];
    for (tag, bytes) in cases {
        assert_eq!(tag.encoded_len(), bytes.len(), "{tag}");
        let out = encode_with(bytes.len(), |w| write_tag(w, *tag).unwrap());
        assert_eq!(&out, bytes, "{tag}");
        let mut input = bytes.to_vec();
        input.push(0x00);
        let tlv = BerReader::new(&input).read_tlv().unwrap();
        assert_eq!(tlv.tag, *tag);
    }
}

#[test]
fn tag_beyond_u32_is_rejected() {
    let input = [0x1F, 0x90, 0x80, 0x80, 0x80, 0x00, 0x00];
    assert_eq!(
        BerReader::new_at(&input, 10).read_tlv(),
        Err(BerError::TagTooLarge { offset: 10 })
    );
}

#[test]
fn lengths_short_long_and_rejected() {
    let cases: &[(usize, &[u8])] = &[
        (0, &[0x00]),
        (127, &[0x7F]),
        (128, &[0x81, 0x80]),
        (255, &[0x81, 0xFF]),
        (256, &[0x82, 0x01, 0x00]),
        (0x01_0000, &[0x83, 0x01, 0x00, 0x00]),
    ];
    for (n, bytes) in cases {
        assert_eq!(length_len(*n), bytes.len());
        let out = encode_with(bytes.len(), |w| write_length(w, *n).unwrap());
        assert_eq!(&out, bytes);
    }
    // Non-minimal long form is accepted on decode.
    let input = [0x04, 0x82, 0x00, 0x02, 0xAA, 0xBB];
    let tlv = BerReader::new(&input).read_tlv().unwrap();
    assert_eq!(tlv.value, &[0xAA, 0xBB]);
    assert_eq!(tlv.header_len, 4);
    assert!(!tlv.is_minimal());
    // Five length octets, and the reserved 0xFF.
    let input = [0x04, 0x85, 0, 0, 0, 0, 1, 0];
    assert_eq!(
        BerReader::new(&input).read_tlv(),
        Err(BerError::LengthTooLong { offset: 1 })
    );
    assert_eq!(
        BerReader::new(&[0x04, 0xFF]).read_tlv(),
        Err(BerError::LengthTooLong { offset: 1 })
    );
    // Contents past the end.
    assert_eq!(
        BerReader::new_at(&[0x04, 0x03, 1, 2], 5).read_tlv(),
        Err(BerError::Truncated { offset: 5 })
    );
    assert_eq!(
        BerReader::new(&[0x04, 0x82, 0x01]).read_tlv(),
        Err(BerError::Truncated { offset: 0 })
    );
}

#[test]
fn nested_readers_report_absolute_offsets() {
    // SEQUENCE { [0] { INTEGER 5 }, BOOLEAN TRUE } after 3 octets of prefix.
    let input = [0x30, 0x08, 0xA0, 0x03, 0x02, 0x01, 0x05, 0x01, 0x01, 0xFF];
    let mut r = BerReader::new_at(&input, 3);
    let seq = r.expect(Tag::SEQUENCE).unwrap();
    assert!(r.is_empty());
    assert_eq!((seq.offset, seq.header_len), (3, 2));
    let mut inner = seq.reader();
    assert_eq!(inner.position(), 5);
    assert_eq!(inner.peek_tag(), Ok(Some(Tag::context(0, true))));
    assert_eq!(inner.read_optional(Tag::context(1, true)), Ok(None));
    let c0 = inner.read_optional(Tag::context(0, true)).unwrap().unwrap();
    let int = c0.reader().expect(Tag::INTEGER).unwrap();
    assert_eq!(int.offset, 7);
    assert_eq!(int.as_i64(), Ok(5));
    assert_eq!(
        inner.expect(Tag::INTEGER),
        Err(BerError::UnexpectedTag {
            offset: 10,
            found: Tag::BOOLEAN
        })
    );
    assert!(inner.read_tlv().unwrap().as_bool().unwrap());
    assert_eq!(inner.peek_tag(), Ok(None));
    assert_eq!(
        inner.expect(Tag::NULL),
        Err(BerError::MissingElement {
            offset: 13,
            expected: Tag::NULL
        })
    );
    assert_eq!(inner.finish(), Ok(()));
    assert_eq!(seq.encoded(), &input[..]);
}

#[test]
fn indefinite_lengths() {
    // SEQUENCE (indef) { [1] (indef) { NULL }, INTEGER 1 } EOC
    let input = [
        0x30, 0x80, 0xA1, 0x80, 0x05, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x00, 0x00, 0x04, 0x00,
    ];
    let mut r = BerReader::new(&input);
    let seq = r.read_tlv().unwrap();
    assert!(seq.is_indefinite());
    assert!(!seq.is_minimal());
    assert_eq!(seq.value, &input[2..11]);
    assert_eq!(seq.encoded(), &input[..13]);
    let mut inner = seq.reader();
    let c1 = inner.read_tlv().unwrap();
    assert_eq!(c1.value, &[0x05, 0x00]);
    assert_eq!(c1.reader().expect(Tag::NULL).unwrap().offset, 4);
    assert_eq!(inner.read_tlv().unwrap().as_i64(), Ok(1));
    assert!(inner.is_empty());
    assert_eq!(r.expect(Tag::OCTET_STRING).unwrap().offset, 13);

    // Indefinite on a primitive, missing end-of-contents, EOC with a length.
    assert_eq!(
        BerReader::new(&[0x04, 0x80, 0x00, 0x00]).read_tlv(),
        Err(BerError::IndefiniteInPrimitive { offset: 0 })
    );
    assert_eq!(
        BerReader::new(&[0x30, 0x80, 0x05, 0x00]).read_tlv(),
        Err(BerError::MissingEndOfContents { offset: 0 })
    );
    assert_eq!(
        BerReader::new(&[0x30, 0x80, 0x00, 0x01, 0x00]).read_tlv(),
        Err(BerError::BadValue {
            offset: 2,
            reason: "end-of-contents with a non-zero length"
        })
    );
}

#[test]
fn nesting_is_bounded() {
    // MAX_DEPTH + 2 nested indefinite SEQUENCEs: the scan stops.
    let n = MAX_DEPTH + 2;
    let mut input = Vec::new();
    for _ in 0..n {
        input.extend_from_slice(&[0x30, 0x80]);
    }
    for _ in 0..n {
        input.extend_from_slice(&[0x00, 0x00]);
    }
    assert!(matches!(
        BerReader::new(&input).read_tlv(),
        Err(BerError::TooDeep { .. })
    ));
    // Definite nesting walked with Tlv::reader stops at MAX_DEPTH too.
    let mut input = vec![0x05, 0x00];
    for _ in 0..MAX_DEPTH + 2 {
        let mut outer = vec![0x30, input.len() as u8];
        outer.extend_from_slice(&input);
        input = outer;
    }
    let mut r = BerReader::new(&input);
    let mut levels = 0;
    let err = loop {
        match r.read_tlv() {
            Ok(t) if t.tag == Tag::SEQUENCE => {
                r = t.reader();
                levels += 1;
            }
            Ok(_) => panic!("reached the leaf"),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, BerError::TooDeep { .. }));
    assert_eq!(levels, MAX_DEPTH + 1);
}

#[test]
fn integer_vectors() {
    let cases: &[(i64, &[u8])] = &[
        (0, &[0x00]),
        (127, &[0x7F]),
        (128, &[0x00, 0x80]),
        (256, &[0x01, 0x00]),
        (-1, &[0xFF]),
        (-128, &[0x80]),
        (-129, &[0xFF, 0x7F]),
        (i64::MAX, &[0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        (i64::MIN, &[0x80, 0, 0, 0, 0, 0, 0, 0]),
    ];
    for (v, bytes) in cases {
        assert_eq!(i64_content_len(*v), bytes.len(), "{v}");
        let out = encode_with(bytes.len(), |w| write_i64_content(w, *v).unwrap());
        assert_eq!(&out, bytes, "{v}");
        assert_eq!(decode_i64(bytes), Ok(*v));
    }
    assert_eq!(
        decode_i64(&[0x00, 0x00, 0x05]),
        Ok(5),
        "non-minimal accepted"
    );
    assert!(matches!(decode_i64(&[]), Err(BerError::BadValue { .. })));
    assert_eq!(
        decode_i64(&[0; 9]),
        Err(BerError::IntegerTooLarge { offset: 0 })
    );
    assert_eq!(decode_i32(&[0x80, 0, 0, 0]), Ok(i32::MIN));
    assert!(decode_i32(&[0x00, 0x80, 0, 0, 0]).is_err());

    let unsigned: &[(u64, &[u8])] = &[
        (0, &[0x00]),
        (0x80, &[0x00, 0x80]),
        (
            u64::MAX,
            &[0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        ),
    ];
    for (v, bytes) in unsigned {
        assert_eq!(u64_content_len(*v), bytes.len());
        let out = encode_with(bytes.len(), |w| write_u64_content(w, *v).unwrap());
        assert_eq!(&out, bytes);
        assert_eq!(decode_u64(bytes), Ok(*v));
    }
    assert!(matches!(
        decode_u64(&[0xFF]),
        Err(BerError::BadValue { .. })
    ));
    assert_eq!(
        decode_u64(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(BerError::IntegerTooLarge { offset: 0 })
    );
    assert_eq!(decode_u32(&[0x00, 0xFF, 0xFF, 0xFF, 0xFF]), Ok(u32::MAX));
    assert!(decode_u32(&[0x01, 0x00, 0, 0, 0]).is_err());

    let tlv_bytes = encode_with(i64_tlv_len(Tag::context(2, false), -300), |w| {
        write_i64(w, Tag::context(2, false), -300).unwrap();
    });
    assert_eq!(tlv_bytes, [0x82, 0x02, 0xFE, 0xD4]);
    let tlv_bytes = encode_with(u64_tlv_len(Tag::INTEGER, 200), |w| {
        write_u64(w, Tag::INTEGER, 200).unwrap();
    });
    assert_eq!(tlv_bytes, [0x02, 0x02, 0x00, 0xC8]);
}

#[test]
fn bool_bit_string_and_strings() {
    assert_eq!(decode_bool(&[0x00]), Ok(false));
    assert_eq!(decode_bool(&[0x01]), Ok(true));
    assert!(decode_bool(&[]).is_err());
    assert!(decode_bool(&[0, 0]).is_err());
    let out = encode_with(bool_tlv_len(Tag::BOOLEAN), |w| {
        write_bool(w, Tag::BOOLEAN, true).unwrap();
    });
    assert_eq!(out, [0x01, 0x01, 0xFF]);

    // MMS parameterSupportOptions as seen on the wire: 03 02 05 F1 → 11 bits.
    let bs = decode_bit_string(&[0x05, 0xF1, 0x00]).unwrap();
    assert_eq!(bs.len(), 11);
    assert!(bs.bit(0) && bs.bit(3) && !bs.bit(4) && bs.bit(7) && !bs.bit(8));
    assert!(!bs.bit(11) && !bs.bit(1000));
    assert_eq!(bs.content_len(), 3);
    let out = encode_with(3, |w| bs.write_content(w).unwrap());
    assert_eq!(out, [0x05, 0xF1, 0x00]);
    assert!(decode_bit_string(&[0x00]).unwrap().is_empty());
    assert!(decode_bit_string(&[]).is_err());
    assert!(decode_bit_string(&[0x08, 0xFF]).is_err());
    assert!(decode_bit_string(&[0x01]).is_err());

    assert_eq!(decode_visible_string(b"ICC1 Vcc"), Ok("ICC1 Vcc"));
    assert_eq!(
        decode_visible_string(b"ab\x07"),
        Err(BerError::BadValue {
            offset: 2,
            reason: "octet outside VisibleString"
        })
    );
    assert_eq!(decode_graphic_string(b"pw"), Ok("pw"));
    assert!(decode_graphic_string(&[0xFF]).is_err());
    let tlv = BerReader::new_at(&[0x1A, 0x02, b'a', 0x01], 4)
        .read_tlv()
        .unwrap();
    assert_eq!(
        tlv.as_visible_str(),
        Err(BerError::BadValue {
            offset: 7,
            reason: "octet outside VisibleString"
        })
    );
}

#[test]
fn object_identifiers() {
    const MMS: Oid<'static> = Oid::from_encoded(&[0x28, 0xCA, 0x22, 0x02, 0x01]);
    let mms = decode_oid(&[0x28, 0xCA, 0x22, 0x02, 0x01]).unwrap();
    assert_eq!(mms, MMS);
    assert_eq!(mms.to_string(), "1.0.9506.2.1");
    assert_eq!(mms.arcs().collect::<Vec<_>>(), [1, 0, 9506, 2, 1]);
    assert_eq!(
        decode_oid(&[0x52, 0x01, 0x00, 0x01]).unwrap().to_string(),
        "2.2.1.0.1"
    );
    assert_eq!(decode_oid(&[0x51, 0x01]).unwrap().to_string(), "2.1.1");
    assert_eq!(decode_oid(&[0x88, 0x37]).unwrap().to_string(), "2.999");
    assert_ne!(mms, decode_oid(&[0x51, 0x01]).unwrap());
    assert!(decode_oid(&[]).is_err());
    assert!(decode_oid(&[0x28, 0x80, 0x01]).is_err(), "non-minimal");
    assert!(decode_oid(&[0x28, 0x81]).is_err(), "open arc");
    assert!(
        decode_oid(&[
            0x28, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F
        ])
        .is_err()
    );
    assert!(
        decode_oid(&[
            0x28, 0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F
        ])
        .is_ok()
    );
    assert_eq!(
        BerReader::new_at(&[0x06, 0x00], 9)
            .read_tlv()
            .unwrap()
            .as_oid(),
        Err(BerError::BadValue {
            offset: 11,
            reason: "OBJECT IDENTIFIER with no contents"
        })
    );
}

#[test]
fn errors_display_and_shift() {
    let e = BerError::UnexpectedTag {
        offset: 4,
        found: Tag::context(1, true),
    };
    assert_eq!(e.to_string(), "unexpected BER tag [1]c at 4");
    assert_eq!(e.shifted(10).offset(), 14);
    assert_eq!(
        BerError::Truncated { offset: usize::MAX }
            .shifted(1)
            .offset(),
        usize::MAX
    );
}

fn any_tag() -> impl Strategy<Value = Tag> {
    (0u8..4, any::<bool>(), prop_oneof![0u32..31, any::<u32>()]).prop_map(|(c, k, n)| {
        let class = match c {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::ContextSpecific,
            _ => Class::Private,
        };
        Tag::new(class, k, n)
    })
}

proptest! {
    #[test]
    fn tlv_round_trip(tag in any_tag(), content in proptest::collection::vec(any::<u8>(), 0..400), base in 0usize..1000) {
        prop_assume!(tag != Tag::END_OF_CONTENTS);
        let len = tlv_len(tag, content.len());
        let bytes = encode_with(len, |w| write_tlv(w, tag, &content).unwrap());
        let mut r = BerReader::new_at(&bytes, base);
        let tlv = r.read_tlv().unwrap();
        prop_assert_eq!(tlv.tag, tag);
        prop_assert_eq!(tlv.value, &content[..]);
        prop_assert_eq!(tlv.offset, base);
        prop_assert_eq!(tlv.header_len, header_len(tag, content.len()));
        prop_assert!(tlv.is_minimal());
        prop_assert!(r.is_empty());
    }

    #[test]
    fn length_round_trip(n in prop_oneof![0usize..300, 0usize..=0xFFFF_FFFF]) {
        let bytes = encode_with(length_len(n), |w| write_length(w, n).unwrap());
        let mut hdr = vec![0x04];
        hdr.extend_from_slice(&bytes);
        let mut r = telecontrol_core::Reader::new(&hdr);
        prop_assert_eq!(read_header(&mut r, 0).unwrap(), (Tag::OCTET_STRING, Length::Definite(n)));
    }

    #[test]
    fn integer_round_trip(v in any::<i64>(), u in any::<u64>()) {
        let bytes = encode_with(i64_content_len(v), |w| write_i64_content(w, v).unwrap());
        prop_assert_eq!(decode_i64(&bytes), Ok(v));
        if let Ok(small) = i32::try_from(v) {
            prop_assert_eq!(decode_i32(&bytes), Ok(small));
        }
        let bytes = encode_with(u64_content_len(u), |w| write_u64_content(w, u).unwrap());
        prop_assert_eq!(decode_u64(&bytes), Ok(u));
        prop_assert_eq!(decode_i64(&bytes).ok(), i64::try_from(u).ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut stack = vec![BerReader::new(&input)];
        let mut steps = 0;
        while let Some(mut r) = stack.pop() {
            steps += 1;
            prop_assert!(steps < 10_000);
            if let Ok(t) = r.read_tlv() {
                let _ = (t.as_i64(), t.as_u64(), t.as_oid().map(|o| o.arcs().count()), t.as_bit_string(), t.as_visible_str());
                stack.push(r);
                if t.tag.constructed {
                    stack.push(t.reader());
                }
            }
        }
    }
}
