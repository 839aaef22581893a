//! The builder's limits: maximum length, 127 objects, sequences, type and size checks.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use telecontrol_asdu::*;

fn float(v: f32) -> Value<'static> {
    Value::MMeNc1(v, Qds::new(Quality::GOOD))
}

#[test]
fn fills_to_the_maximum_and_reports_full() {
    let p = AsduParams::IEC104;
    let mut buf = [0u8; 300];
    let spont = Cot::new(Cause::SPONTANEOUS);
    let mut b =
        AsduBuilder::new(&p, TypeId::MMeNc1, spont, CommonAddress(1), false, &mut buf).unwrap();
    // 6 + n × 8 ≤ 249 → 30 objects.
    let mut n = 0u32;
    loop {
        match b.push(Ioa::new(n).unwrap(), &float(n as f32)) {
            Ok(()) => n += 1,
            Err(AsduError::Full) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(n, 30);
    assert_eq!(b.len(), 246);
    let before = b.as_bytes().to_vec();
    assert_eq!(
        b.push(Ioa::new(99).unwrap(), &float(0.0)),
        Err(AsduError::Full)
    );
    assert_eq!(b.as_bytes(), &before[..], "a refused push changes nothing");
    let bytes = b.finish();
    let v = AsduView::decode(&p, bytes).unwrap();
    assert_eq!(v.count(), 30);
    assert_eq!(v.objects().last().unwrap().ioa, Ioa::new(29).unwrap());

    // SQ=1: 6 + 3 + n × 5 ≤ 249 → 48 elements.
    let mut buf = [0u8; 249];
    let mut b =
        AsduBuilder::new(&p, TypeId::MMeNc1, spont, CommonAddress(1), true, &mut buf).unwrap();
    let mut n = 0;
    while b.push(Ioa::new(500 + n).unwrap(), &float(1.0)).is_ok() {
        n += 1;
    }
    assert_eq!(n, 48);
    assert_eq!(AsduView::decode(&p, b.finish()).unwrap().count(), 48);

    // The caller's buffer limits too.
    let mut small = [0u8; 20];
    let mut b = AsduBuilder::new(
        &p,
        TypeId::MMeNc1,
        spont,
        CommonAddress(1),
        false,
        &mut small,
    )
    .unwrap();
    assert!(b.push(Ioa::new(1).unwrap(), &float(1.0)).is_ok());
    assert_eq!(
        b.push(Ioa::new(2).unwrap(), &float(1.0)),
        Err(AsduError::Full)
    );
    let mut tiny = [0u8; 5];
    assert!(matches!(
        AsduBuilder::new(
            &p,
            TypeId::MMeNc1,
            spont,
            CommonAddress(1),
            false,
            &mut tiny
        ),
        Err(AsduError::BufferTooSmall { .. })
    ));
}

#[test]
fn at_most_127_objects_and_one_segment() {
    let p = AsduParams::new(1, 1, 1, 255).unwrap();
    let mut buf = [0u8; 255];
    let act = Cot::new(Cause::REQUEST);
    // C_RD_NA_1 with 1-octet addresses: 4 + 127 = 131 octets, the 128th is refused.
    let mut b =
        AsduBuilder::new(&p, TypeId::CRdNa1, act, CommonAddress(1), false, &mut buf).unwrap();
    for i in 0..127u32 {
        b.push(Ioa::new(i).unwrap(), &Value::CRdNa1).unwrap();
    }
    assert_eq!(
        b.push(Ioa::new(200).unwrap(), &Value::CRdNa1),
        Err(AsduError::Full)
    );
    assert_eq!(AsduView::decode(&p, b.finish()).unwrap().count(), 127);

    let mut buf = [0u8; 255];
    let seg = Value::FSgNa1(Nof(1), Nos(1), Segment::new(&[1, 2, 3]).unwrap());
    let mut b = AsduBuilder::new(
        &p,
        TypeId::FSgNa1,
        Cot::new(Cause::FILE),
        CommonAddress(1),
        false,
        &mut buf,
    )
    .unwrap();
    b.push(Ioa::new(1).unwrap(), &seg).unwrap();
    assert_eq!(b.push(Ioa::new(1).unwrap(), &seg), Err(AsduError::Full));
}

#[test]
fn rejects_caller_mistakes() {
    let p = AsduParams::IEC101_COMPACT;
    let mut buf = [0u8; 255];
    let spont = Cot::new(Cause::SPONTANEOUS);
    let siq = Value::MSpNa1(Siq::new(true, Quality::GOOD));
    let mut b =
        AsduBuilder::new(&p, TypeId::MSpNa1, spont, CommonAddress(1), true, &mut buf).unwrap();
    assert_eq!(
        b.push(Ioa::new(1).unwrap(), &float(1.0)),
        Err(AsduError::TypeMismatch {
            expected: 1,
            found: 13
        })
    );
    assert_eq!(
        b.push(Ioa::new(0x1_0000).unwrap(), &siq),
        Err(AsduError::DoesNotFit {
            field: "information object address",
            value: 0x1_0000
        })
    );
    b.push(Ioa::new(10).unwrap(), &siq).unwrap();
    assert_eq!(
        b.push(Ioa::new(12).unwrap(), &siq),
        Err(AsduError::NotSequential {
            expected: 11,
            found: 12
        })
    );
    b.push(Ioa::new(11).unwrap(), &siq).unwrap();
    assert_eq!(b.finish(), &[1, 0x82, 3, 1, 10, 0, 0x01, 0x01]);

    // Originator address with a 1-octet COT; CA too large for 1 octet.
    let mut buf = [0u8; 255];
    assert!(matches!(
        AsduBuilder::new(
            &p,
            TypeId::MSpNa1,
            spont.with_originator(3),
            CommonAddress(1),
            false,
            &mut buf
        ),
        Err(AsduError::DoesNotFit {
            field: "originator address",
            ..
        })
    ));
    assert!(matches!(
        AsduBuilder::new(
            &p,
            TypeId::MSpNa1,
            spont,
            CommonAddress(256),
            false,
            &mut buf
        ),
        Err(AsduError::DoesNotFit {
            field: "common address",
            ..
        })
    ));
    // Raw objects of one ASDU must be equal in size.
    let t = RawTypeId::new(130).unwrap();
    let mut b =
        AsduBuilder::new(&p, TypeId::Raw(t), spont, CommonAddress(1), false, &mut buf).unwrap();
    b.push(Ioa::new(1).unwrap(), &Value::Raw(t, &[1, 2]))
        .unwrap();
    assert!(matches!(
        b.push(Ioa::new(2).unwrap(), &Value::Raw(t, &[1])),
        Err(AsduError::DoesNotFit { .. })
    ));
}

#[test]
fn a_sequence_ends_at_the_largest_address() {
    let p = AsduParams::IEC104;
    let mut buf = [0u8; 255];
    let spont = Cot::new(Cause::SPONTANEOUS);
    let siq = Value::MSpNa1(Siq::new(true, Quality::GOOD));
    let mut b =
        AsduBuilder::new(&p, TypeId::MSpNa1, spont, CommonAddress(1), true, &mut buf).unwrap();
    b.push(Ioa::new(0xFF_FFFE).unwrap(), &siq).unwrap();
    b.push(Ioa::new(0xFF_FFFF).unwrap(), &siq).unwrap();
    assert!(matches!(
        b.push(Ioa::new(0).unwrap(), &siq),
        Err(AsduError::DoesNotFit { .. })
    ));
    let bytes = b.finish();
    assert_eq!(bytes.len(), 6 + 3 + 2);
    let v = AsduView::decode(&p, bytes).unwrap();
    let ioas: Vec<u32> = v.objects().map(|o| o.ioa.value()).collect();
    assert_eq!(ioas, [0xFF_FFFE, 0xFF_FFFF]);
}
