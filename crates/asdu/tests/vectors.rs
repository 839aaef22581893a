//! Byte vectors for every type identification, worked out by hand from the layouts of
//! IEC 60870-5-101 §7.3 (and 104 §8 for C_TS_TA_1 / F_SC_NB_1), decoded and re-encoded
//! byte-identically.
//!
//! Conventions: 104 header = TI, VSQ, COT, originator, CA (2, little endian); 101 compact
//! header = TI, VSQ, COT, CA (1). IOA little endian, 3 octets (104) or 2 (101 compact).
//!
//! This file: control direction, system commands, parameters, file transfer, raw types,
//! malformed input; tests/vectors_monitor.rs: the monitor direction.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::*;
use telecontrol_asdu::*;

#[test]
fn control_direction() {
    // act (6), originator 0, CA 1, IOA 0x0F4240 (1 000 000).
    let h = |ti: u8, cot: u8| vec![ti, 0x01, cot, 0x00, 0x01, 0x00, 0x40, 0x42, 0x0F];
    let a = 1_000_000;
    check(
        P104,
        &cat(&[&h(45, 6), &[0x81]]),
        &[(a, Value::CScNa1(Sco::new(true, Qu::NONE, true)))],
    );
    check(
        P104,
        &cat(&[&h(46, 6), &[0x06]]),
        &[(a, Value::CDcNa1(Dco::new(Dpi::On, Qu::SHORT_PULSE, false)))],
    );
    check(
        P104,
        &cat(&[&h(47, 6), &[0x01]]),
        &[(a, Value::CRcNa1(Rco::new(Rcs::Lower, Qu::NONE, false)))],
    );
    check(
        P104,
        &cat(&[&h(48, 6), &[0x00, 0x40, 0x00]]),
        &[(a, Value::CSeNa1(Nva(16384), Qos::new(0, false).unwrap()))],
    );
    check(
        P104,
        &cat(&[&h(49, 6), &[0x64, 0x00, 0x80]]),
        &[(a, Value::CSeNb1(Sva(100), Qos::new(0, true).unwrap()))],
    );
    // 10.0 = 0x41200000.
    check(
        P104,
        &cat(&[&h(50, 6), &[0x00, 0x00, 0x20, 0x41, 0x00]]),
        &[(a, Value::CSeNc1(10.0, Qos::new(0, false).unwrap()))],
    );
    check(
        P104,
        &cat(&[&h(51, 6), &[0x0F, 0, 0, 0]]),
        &[(a, Value::CBoNa1(Bsi(15)))],
    );
    check(
        P104,
        &cat(&[&h(58, 6), &[0x00], &T56]),
        &[(a, Value::CScTa1(Sco::new(false, Qu::NONE, false), t56()))],
    );
    // actcon (7).
    check(
        P104,
        &cat(&[&h(59, 7), &[0x01], &T56]),
        &[(a, Value::CDcTa1(Dco::new(Dpi::Off, Qu::NONE, false), t56()))],
    );
    check(
        P104,
        &cat(&[&h(60, 6), &[0x82], &T56]),
        &[(
            a,
            Value::CRcTa1(Rco::new(Rcs::Higher, Qu::NONE, true), t56()),
        )],
    );
    check(
        P104,
        &cat(&[&h(61, 6), &[0x00, 0xC0, 0x00], &T56]),
        &[(
            a,
            Value::CSeTa1(Nva(-16384), Qos::new(0, false).unwrap(), t56()),
        )],
    );
    check(
        P104,
        &cat(&[&h(62, 6), &[0x9C, 0xFF, 0x00], &T56]),
        &[(
            a,
            Value::CSeTb1(Sva(-100), Qos::new(0, false).unwrap(), t56()),
        )],
    );
    check(
        P104,
        &cat(&[&h(63, 6), &[0x00, 0x00, 0x80, 0xBF, 0x00], &T56]),
        &[(a, Value::CSeTc1(-1.0, Qos::new(0, false).unwrap(), t56()))],
    );
    check(
        P104,
        &cat(&[&h(64, 6), &[0x01, 0, 0, 0], &T56]),
        &[(a, Value::CBoTa1(Bsi(1), t56()))],
    );
}

#[test]
fn system_commands_and_parameters() {
    // IOA 0 for system commands (§7.3.4).
    let h = |ti: u8, cot: u8| vec![ti, 0x01, cot, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00];
    check(
        P104,
        &cat(&[&h(100, 6), &[0x14]]),
        &[(0, Value::CIcNa1(Qoi::STATION))],
    );
    check(
        P104,
        &cat(&[&h(101, 6), &[0x45]]),
        &[(0, Value::CCiNa1(Qcc::new(5, Frz::Freeze).unwrap()))],
    );
    // C_RD_NA_1: address only (req, 5), IOA 0x010203.
    check(
        P104,
        &[102, 0x01, 0x05, 0x00, 0x01, 0x00, 0x03, 0x02, 0x01],
        &[(0x01_0203, Value::CRdNa1)],
    );
    check(
        P104,
        &cat(&[&h(103, 6), &T56]),
        &[(0, Value::CCsNa1(t56()))],
    );
    check(
        P104,
        &cat(&[&h(105, 6), &[0x01]]),
        &[(0, Value::CRpNa1(Qrp::GENERAL))],
    );
    check(
        P104,
        &cat(&[&h(107, 6), &[0x34, 0x12], &T56]),
        &[(0, Value::CTsTa1(Tsc(0x1234), t56()))],
    );
    // 101 only: C_TS_NA_1 with FBP 0x55AA (octets AA 55), C_CD_NA_1 with 1234 ms.
    check(
        P101,
        &[104, 0x01, 0x06, 0x05, 0x00, 0x00, 0xAA, 0x55],
        &[(0, Value::CTsNa1(Fbp::STANDARD))],
    );
    check(
        P101,
        &cat(&[&[106, 0x01, 0x06, 0x05, 0x00, 0x00], &T16]),
        &[(0, Value::CCdNa1(t16()))],
    );
    assert!(!TypeId::CTsNa1.allowed_in_104() && !TypeId::CCdNa1.allowed_in_104());

    let h = |ti: u8| vec![ti, 0x01, 0x06, 0x00, 0x01, 0x00, 0x64, 0x00, 0x00];
    check(
        P104,
        &cat(&[&h(110), &[0x00, 0x10, 0x01]]),
        &[(
            100,
            Value::PMeNa1(Nva(4096), Qpm::new(Qpm::THRESHOLD, false, false).unwrap()),
        )],
    );
    check(
        P104,
        &cat(&[&h(111), &[0x0A, 0x00, 0x43]]),
        &[(
            100,
            Value::PMeNb1(Sva(10), Qpm::new(Qpm::LOW_LIMIT, true, false).unwrap()),
        )],
    );
    check(
        P104,
        &cat(&[&h(112), &[0x00, 0x00, 0x00, 0x3F, 0x84]]),
        &[(
            100,
            Value::PMeNc1(0.5, Qpm::new(Qpm::HIGH_LIMIT, false, true).unwrap()),
        )],
    );
    check(
        P104,
        &cat(&[&h(113), &[0x03]]),
        &[(100, Value::PAcNa1(Qpa::CYCLIC))],
    );
}

#[test]
fn file_transfer() {
    // file (13), IOA 0x000200.
    let h = |ti: u8, cot: u8| vec![ti, 0x01, cot, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00];
    let a = 0x200;
    check(
        P104,
        &cat(&[&h(120, 13), &[0x01, 0x00, 0x00, 0x10, 0x00, 0x00]]),
        &[(
            a,
            Value::FFrNa1(Nof(1), Lof::new(4096).unwrap(), Frq::new(0, false).unwrap()),
        )],
    );
    check(
        P104,
        &cat(&[&h(121, 13), &[0x01, 0x00, 0x01, 0x00, 0x04, 0x00, 0x80]]),
        &[(
            a,
            Value::FSrNa1(
                Nof(1),
                Nos(1),
                Los::new(1024).unwrap(),
                Srq::new(0, true).unwrap(),
            ),
        )],
    );
    check(
        P104,
        &cat(&[&h(122, 5), &[0x01, 0x00, 0x01, 0x06]]),
        &[(
            a,
            Value::FScNa1(Nof(1), Nos(1), Scq::new(Scq::REQUEST_SECTION, 0).unwrap()),
        )],
    );
    check(
        P104,
        &cat(&[&h(123, 13), &[0x01, 0x00, 0x01, 0x03, 0x5A]]),
        &[(a, Value::FLsNa1(Nof(1), Nos(1), Lsq::SECTION, Chs(0x5A)))],
    );
    check(
        P104,
        &cat(&[&h(124, 13), &[0x01, 0x00, 0x01, 0x03]]),
        &[(
            a,
            Value::FAfNa1(Nof(1), Nos(1), Afq::new(Afq::SECTION_OK, 0).unwrap()),
        )],
    );
    // F_SG_NA_1: NOF, NOS, LOS = 4, then 4 octets.
    let seg = [0xDE, 0xAD, 0xBE, 0xEF];
    check(
        P104,
        &cat(&[&h(125, 13), &[0x01, 0x00, 0x01, 0x04], &seg]),
        &[(
            a,
            Value::FSgNa1(Nof(1), Nos(1), Segment::new(&seg).unwrap()),
        )],
    );
    // F_DR_TA_1 (§7.3.6.7), SQ=1, 2 entries, req (5): file 1 of 4096 octets; file 2 of 512, LFD.
    check(
        P104,
        &cat(&[
            &[126, 0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00],
            &[0x01, 0x00, 0x00, 0x10, 0x00, 0x00],
            &T56,
            &[0x02, 0x00, 0x00, 0x02, 0x00, 0x20],
            &T56B,
        ]),
        &[
            (
                a,
                Value::FDrTa1(
                    Nof(1),
                    Lof::new(4096).unwrap(),
                    Sof::new(0, false, false, false).unwrap(),
                    t56(),
                ),
            ),
            (
                a + 1,
                Value::FDrTa1(
                    Nof(2),
                    Lof::new(512).unwrap(),
                    Sof::new(0, true, false, false).unwrap(),
                    t56b(),
                ),
            ),
        ],
    );
    // F_SC_NB_1 (104 §8): NOF, range start, range stop.
    check(
        P104,
        &cat(&[&h(127, 5), &[0x01, 0x00], &T56, &T56B]),
        &[(a, Value::FScNb1(Nof(1), t56(), t56b()))],
    );
}

#[test]
fn raw_types_and_small_fields() {
    // Private type 200, SQ=0, 2 objects of 3 (IOA) + 2 octets.
    check(
        P104,
        &[
            200, 0x02, 0x03, 0x00, 0x01, 0x00, 1, 0, 0, 0xAA, 0xBB, 2, 0, 0, 0xCC, 0xDD,
        ],
        &[
            (1, Value::Raw(RawTypeId::new(200).unwrap(), &[0xAA, 0xBB])),
            (2, Value::Raw(RawTypeId::new(200).unwrap(), &[0xCC, 0xDD])),
        ],
    );
    // Type 41, SQ=1, 3 one-octet elements.
    let t41 = RawTypeId::new(41).unwrap();
    check(
        P104,
        &[41, 0x83, 0x03, 0x00, 0x01, 0x00, 7, 0, 0, 1, 2, 3],
        &[
            (7, Value::Raw(t41, &[1])),
            (8, Value::Raw(t41, &[2])),
            (9, Value::Raw(t41, &[3])),
        ],
    );
    // Uneven raw payload: a length mismatch.
    assert!(matches!(
        AsduView::decode(
            &P104,
            &[200, 0x02, 0x03, 0x00, 0x01, 0x00, 1, 0, 0, 0xAA, 2, 0, 0]
        ),
        Err(AsduError::LengthMismatch {
            offset: 6,
            expected: 6,
            actual: 7
        })
    ));
    // COT 2 / CA 1 / IOA 1, max 100: broadcast CA 0xFF, originator 7, negative + test.
    let p = AsduParams::new(2, 1, 1, 100).unwrap();
    let bytes = [100, 0x01, 0xC7, 0x07, 0xFF, 0x00, 0x14];
    check(p, &bytes, &[(0, Value::CIcNa1(Qoi::STATION))]);
    let v = AsduView::decode(&p, &bytes).unwrap();
    let cot = v.cot();
    assert_eq!(
        (cot.cause, cot.negative, cot.test, cot.originator),
        (Cause::ACTIVATION_CON, true, true, 7)
    );
    assert!(v.ca().is_broadcast(&p));
}

#[test]
fn malformed_inputs_are_typed_errors() {
    let ok = [45u8, 0x01, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x81];
    assert!(AsduView::decode(&P104, &ok).is_ok());
    let e = |b: &[u8]| AsduView::decode(&P104, b).unwrap_err();
    // Trailing octet and short payload.
    assert_eq!(
        e(&cat(&[&ok, &[0]])),
        AsduError::LengthMismatch {
            offset: 6,
            expected: 4,
            actual: 5
        }
    );
    assert_eq!(
        e(&ok[..9]),
        AsduError::LengthMismatch {
            offset: 6,
            expected: 4,
            actual: 3
        }
    );
    // Count 3 announced, one object present.
    let mut c = ok;
    c[1] = 3;
    assert_eq!(
        e(&c),
        AsduError::LengthMismatch {
            offset: 6,
            expected: 12,
            actual: 4
        }
    );
    // Count 0 with an object present.
    c[1] = 0;
    assert_eq!(
        e(&c),
        AsduError::LengthMismatch {
            offset: 6,
            expected: 0,
            actual: 4
        }
    );
    // Count 0 and nothing else: a valid empty ASDU (101 §7.2.2: 0 = no object).
    assert_eq!(
        AsduView::decode(&P104, &c[..6]).unwrap().objects().count(),
        0
    );
    // Undefined type ids.
    for ti in [
        0u8, 22, 29, 42, 44, 52, 57, 65, 69, 71, 99, 108, 109, 114, 119,
    ] {
        let mut b = ok;
        b[0] = ti;
        assert_eq!(
            e(&b),
            AsduError::UnknownTypeId {
                offset: 0,
                value: ti
            }
        );
    }
    // Cause 0.
    let mut b = ok;
    b[2] = 0x40;
    assert_eq!(
        e(&b),
        AsduError::BadCot {
            offset: 2,
            value: 0
        }
    );
    // Truncated header.
    assert_eq!(
        e(&ok[..4]),
        AsduError::Truncated {
            offset: 4,
            needed: 2,
            available: 0
        }
    );
    assert_eq!(
        e(&[]),
        AsduError::Truncated {
            offset: 0,
            needed: 1,
            available: 0
        }
    );
    // Minute 60 in a CP56 time tag: invalid element at its offset (9 + 1 + 2).
    let mut bad = cat(&[
        &[58, 0x01, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x81],
        &T56,
    ]);
    bad[12] = 60;
    assert_eq!(
        e(&bad),
        AsduError::InvalidElement {
            offset: 12,
            field: "CP56Time2a minutes",
            value: 60
        }
    );
    // SQ=1 running past IOA 0xFFFFFF.
    let over = [
        1u8, 0x82, 0x03, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x01,
    ];
    assert_eq!(
        e(&over),
        AsduError::IoaOverflow {
            offset: 6,
            value: 0xFF_FFFF
        }
    );
    // Segment ASDU with two objects; segment LOS beyond the input.
    let mut sg = vec![125u8, 0x02, 0x0D, 0x00, 0x01, 0x00, 0, 2, 0, 1, 0, 1];
    assert_eq!(
        e(&sg),
        AsduError::BadCount {
            offset: 1,
            value: 2
        }
    );
    sg[1] = 1;
    sg.push(5);
    sg.push(0xAA);
    assert_eq!(
        e(&sg),
        AsduError::LengthMismatch {
            offset: 6,
            expected: 12,
            actual: 8
        }
    );
    // Longer than the maximum.
    let long = AsduParams::IEC104.with_max_len(9).unwrap();
    assert_eq!(
        AsduView::decode(&long, &ok),
        Err(AsduError::TooLong { len: 10, max: 9 })
    );
}

#[test]
fn accessors_and_display() {
    let bytes = cat(&[
        &[30, 0x01, 0x03, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x91],
        &T56,
    ]);
    let v = AsduView::decode(&P104, &bytes).unwrap();
    let o = v.objects().next().unwrap();
    assert_eq!(o.time_tag(), Some(TimeTag::Cp56(t56())));
    let q = o.quality().unwrap();
    assert!(q.invalid() && q.blocked() && !q.not_topical());
    assert_eq!(
        o.to_string(),
        "IOA=5 siq=on (BL IV) time=24-03-15 13:45:30.250"
    );
    assert_eq!(
        v.header().to_string(),
        "M_SP_TB_1 SQ=0 n=1 COT=3 (spont) CA=1"
    );
    assert_eq!(v.payload().len(), 11);
    // The clock of C_CS_NA_1 is a value, not a time tag.
    assert_eq!(Value::CCsNa1(t56()).time_tag(), None);
    assert_eq!(
        Value::FDrTa1(Nof(1), Lof::new(1).unwrap(), Sof::default(), t56()).time_tag(),
        Some(TimeTag::Cp56(t56()))
    );
    assert_eq!(
        Value::MItNa1(Bcr::new(1, 0).unwrap().with_invalid(true)).quality(),
        Some(G.with_invalid(true))
    );
    assert_eq!(Value::CScNa1(Sco::default()).quality(), None);
}

#[test]
fn value_layouts_agree_with_the_type_table() {
    for t in TypeId::ALL {
        let v = common::sample(*t).unwrap();
        assert_eq!(v.type_id(), *t);
        if let Some(n) = t.element_size() {
            assert_eq!(v.encoded_len(), n, "{t}");
        }
        assert_eq!(v.time_tag().is_some(), t.has_time_tag(), "{t}");
        let kind = v.time_tag().map(|tag| match tag {
            TimeTag::Cp24(_) => TimeTagKind::Cp24,
            TimeTag::Cp56(_) => TimeTagKind::Cp56,
        });
        assert_eq!(kind, t.time_tag(), "{t}");
    }
}
