//! Byte vectors for every type identification, worked out by hand from the layouts of
//! IEC 60870-5-101 §7.3 (and 104 §8 for C_TS_TA_1 / F_SC_NB_1), decoded and re-encoded
//! byte-identically.
//!
//! Conventions: 104 header = TI, VSQ, COT, originator, CA (2, little endian); 101 compact
//! header = TI, VSQ, COT, CA (1). IOA little endian, 3 octets (104) or 2 (101 compact).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use telecontrol_asdu::*;

const P104: AsduParams = AsduParams::IEC104;
const P101: AsduParams = AsduParams::IEC101_COMPACT;

/// CP56Time2a 2024-03-15 13:45:30.250 (101 §7.2.6.18): ms 30250 = 0x762A, min 45, h 13,
/// day 15, month 3, year 24.
const T56: [u8; 7] = [0x2A, 0x76, 0x2D, 0x0D, 0x0F, 0x03, 0x18];
/// CP56Time2a 2024-03-15 14:00:00.000.
const T56B: [u8; 7] = [0x00, 0x00, 0x00, 0x0E, 0x0F, 0x03, 0x18];
/// CP24Time2a minute 45, 30.250 s (101 §7.2.6.19).
const T24: [u8; 3] = [0x2A, 0x76, 0x2D];
/// CP16Time2a 1234 ms (101 §7.2.6.20).
const T16: [u8; 2] = [0xD2, 0x04];

fn t56() -> Cp56Time2a {
    Cp56Time2a::new(24, 3, 15, 13, 45, 30_250).unwrap()
}
fn t56b() -> Cp56Time2a {
    Cp56Time2a::new(24, 3, 15, 14, 0, 0).unwrap()
}
fn t24() -> Cp24Time2a {
    Cp24Time2a::new(45, 30_250).unwrap()
}
fn t16() -> Cp16Time2a {
    Cp16Time2a::new(1234).unwrap()
}
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}
const G: Quality = Quality::GOOD;

/// Decode `bytes`, compare the objects with `expected`, then rebuild the ASDU from the
/// header and the expected objects and compare the octets.
#[track_caller]
fn check(p: AsduParams, bytes: &[u8], expected: &[(u32, Value<'_>)]) {
    let v = AsduView::decode(&p, bytes).unwrap_or_else(|e| panic!("{bytes:02x?}: {e}"));
    let got: Vec<InfoObject<'_>> = v.objects().collect();
    let want: Vec<InfoObject<'_>> = expected
        .iter()
        .map(|(a, val)| InfoObject::new(Ioa::new(*a).unwrap(), *val))
        .collect();
    assert_eq!(got, want, "{}", v.type_id());
    assert_eq!(usize::from(v.count()), expected.len());
    for o in &want {
        assert_eq!(o.value.type_id(), v.type_id());
    }
    let mut buf = [0u8; 255];
    let mut b = AsduBuilder::new(&p, v.type_id(), v.cot(), v.ca(), v.sq(), &mut buf).unwrap();
    for o in &want {
        b.push_object(o).unwrap();
    }
    assert_eq!(b.finish(), bytes, "re-encoding {}", v.type_id());
    // The one-shot encoder agrees, and so does its encoded_len.
    let whole = Asdu {
        params: p,
        type_id: v.type_id(),
        sq: v.sq(),
        cot: v.cot(),
        ca: v.ca(),
        objects: &want,
    };
    let mut out = [0u8; 255];
    assert_eq!(telecontrol_core::Encode::encoded_len(&whole), bytes.len());
    let n = telecontrol_core::Encode::encode(&whole, &mut out).unwrap();
    assert_eq!(&out[..n], bytes);
}

#[test]
fn monitor_direction_without_time() {
    // M_SP_NA_1 (101 §7.3.1.1), SQ=0, 2 objects, spont, CA 1: IOA 1000 ON; 1001 OFF BL IV.
    check(
        P104,
        &[
            1, 0x02, 0x03, 0x00, 0x01, 0x00, 0xE8, 0x03, 0x00, 0x01, 0xE9, 0x03, 0x00, 0x90,
        ],
        &[
            (1000, Value::MSpNa1(Siq::new(true, G))),
            (
                1001,
                Value::MSpNa1(Siq::new(false, G.with_blocked(true).with_invalid(true))),
            ),
        ],
    );
    // M_DP_NA_1 (§7.3.1.3), SQ=1, 3 elements from IOA 256, inrogen (20): OFF, ON, 3+IV.
    check(
        P104,
        &[
            3, 0x83, 0x14, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x02, 0x83,
        ],
        &[
            (256, Value::MDpNa1(Diq::new(Dpi::Off, G))),
            (257, Value::MDpNa1(Diq::new(Dpi::On, G))),
            (
                258,
                Value::MDpNa1(Diq::new(Dpi::Indeterminate, G.with_invalid(true))),
            ),
        ],
    );
    // M_ST_NA_1 (§7.3.1.5): VTI −59 transient = 0x80 | (128 − 59), QDS good. Req (5).
    check(
        P104,
        &[
            5, 0x01, 0x05, 0x00, 0x01, 0x00, 0x0A, 0x00, 0x00, 0xC5, 0x00,
        ],
        &[(10, Value::MStNa1(Vti::new(-59, true).unwrap(), Qds::new(G)))],
    );
    // M_BO_NA_1 (§7.3.1.7): BSI 0x12345678 little endian.
    check(
        P104,
        &[
            7, 0x01, 0x03, 0x00, 0x01, 0x00, 0x0B, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12, 0x00,
        ],
        &[(11, Value::MBoNa1(Bsi(0x1234_5678), Qds::new(G)))],
    );
    // M_ME_NA_1 (§7.3.1.9), SQ=1, periodic: NVA 0.5 (0x4000) good; −0.5 (0xC000) OV.
    check(
        P104,
        &[
            9, 0x82, 0x01, 0x00, 0x01, 0x00, 0x64, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0xC0, 0x01,
        ],
        &[
            (100, Value::MMeNa1(Nva(16384), Qds::new(G))),
            (
                101,
                Value::MMeNa1(Nva(-16384), Qds::new(G.with_overflow(true))),
            ),
        ],
    );
    // M_ME_NB_1 (§7.3.1.11): SVA −1000 = 0xFC18.
    check(
        P104,
        &[
            11, 0x01, 0x03, 0x00, 0x01, 0x00, 0x65, 0x00, 0x00, 0x18, 0xFC, 0x00,
        ],
        &[(101, Value::MMeNb1(Sva(-1000), Qds::new(G)))],
    );
    // M_ME_NC_1 (§7.3.1.13), SQ=1: 1.5 = 0x3FC00000; −2.0 = 0xC0000000 IV; 100.25 = 0x42C88000.
    check(
        P104,
        &[
            13, 0x83, 0x03, 0x00, 0x01, 0x00, 0x10, 0x27, 0x00, //
            0x00, 0x00, 0xC0, 0x3F, 0x00, //
            0x00, 0x00, 0x00, 0xC0, 0x80, //
            0x00, 0x80, 0xC8, 0x42, 0x00,
        ],
        &[
            (10000, Value::MMeNc1(1.5, Qds::new(G))),
            (10001, Value::MMeNc1(-2.0, Qds::new(G.with_invalid(true)))),
            (10002, Value::MMeNc1(100.25, Qds::new(G))),
        ],
    );
    // M_IT_NA_1 (§7.3.1.15), reqcogen (37): counter 123456 = 0x0001E240, SQ 3, CY.
    check(
        P104,
        &[
            15, 0x01, 0x25, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x40, 0xE2, 0x01, 0x00, 0x23,
        ],
        &[(
            1,
            Value::MItNa1(Bcr::new(123_456, 3).unwrap().with_carry(true)),
        )],
    );
    // M_PS_NA_1 (§7.3.1.20): ST 0x1234, CD 0x8001.
    check(
        P104,
        &[
            20, 0x01, 0x14, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x34, 0x12, 0x01, 0x80, 0x00,
        ],
        &[(2, Value::MPsNa1(Scd::new(0x1234, 0x8001), Qds::new(G)))],
    );
    // M_ME_ND_1 (§7.3.1.21), SQ=1: NVA 0x2000, 0xE000, no QDS.
    check(
        P104,
        &[
            21, 0x82, 0x01, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x20, 0x00, 0xE0,
        ],
        &[
            (3, Value::MMeNd1(Nva(8192))),
            (4, Value::MMeNd1(Nva(-8192))),
        ],
    );
}

#[test]
fn monitor_direction_cp24_101_only() {
    // 101 compact parameters: COT 1, CA 1, IOA 2. IOA 16, spont, CA 5.
    let h = |ti: u8| vec![ti, 0x01, 0x03, 0x05, 0x10, 0x00];
    let on = Siq::new(true, G);
    check(
        P101,
        &cat(&[&h(2), &[0x01], &T24]),
        &[(16, Value::MSpTa1(on, t24()))],
    );
    check(
        P101,
        &cat(&[&h(4), &[0x02], &T24]),
        &[(16, Value::MDpTa1(Diq::new(Dpi::On, G), t24()))],
    );
    check(
        P101,
        &cat(&[&h(6), &[0x05, 0x01], &T24]),
        &[(
            16,
            Value::MStTa1(
                Vti::new(5, false).unwrap(),
                Qds::new(G.with_overflow(true)),
                t24(),
            ),
        )],
    );
    check(
        P101,
        &cat(&[&h(8), &[0x01, 0x00, 0x00, 0x80, 0x10], &T24]),
        &[(
            16,
            Value::MBoTa1(Bsi(0x8000_0001), Qds::new(G.with_blocked(true)), t24()),
        )],
    );
    check(
        P101,
        &cat(&[&h(10), &[0xFF, 0x7F, 0x00], &T24]),
        &[(16, Value::MMeTa1(Nva(i16::MAX), Qds::new(G), t24()))],
    );
    check(
        P101,
        &cat(&[&h(12), &[0xE8, 0x03, 0x40], &T24]),
        &[(
            16,
            Value::MMeTb1(Sva(1000), Qds::new(G.with_not_topical(true)), t24()),
        )],
    );
    check(
        P101,
        &cat(&[&h(14), &[0x00, 0x00, 0x80, 0x3F, 0x00], &T24]),
        &[(16, Value::MMeTc1(1.0, Qds::new(G), t24()))],
    );
    // BCR −1, SQ 31, CA, IV: 0x80 | 0x40 | 0x1F.
    check(
        P101,
        &cat(&[&h(16), &[0xFF, 0xFF, 0xFF, 0xFF, 0xDF], &T24]),
        &[(
            16,
            Value::MItTa1(
                Bcr::new(-1, 31)
                    .unwrap()
                    .with_adjusted(true)
                    .with_invalid(true),
                t24(),
            ),
        )],
    );
    // M_EP_TA_1 (§7.3.1.17): SEP ES=ON, EI; elapsed 1234 ms.
    check(
        P101,
        &cat(&[&h(17), &[0x0A], &T16, &T24]),
        &[(
            16,
            Value::MEpTa1(
                Sep::new(Dpi::On, G.with_elapsed_time_invalid(true)),
                t16(),
                t24(),
            ),
        )],
    );
    // M_EP_TB_1 (§7.3.1.18): SPE GS+SL1, QDP good, duration 1234 ms.
    check(
        P101,
        &cat(&[&h(18), &[0x03, 0x00], &T16, &T24]),
        &[(
            16,
            Value::MEpTb1(Spe::from_u8(0x03), Qdp::new(G), t16(), t24()),
        )],
    );
    // M_EP_TC_1 (§7.3.1.19): OCI GC+CL3, QDP IV, operating time 1234 ms.
    check(
        P101,
        &cat(&[&h(19), &[0x09, 0x80], &T16, &T24]),
        &[(
            16,
            Value::MEpTc1(
                Oci::from_u8(0x09),
                Qdp::new(G.with_invalid(true)),
                t16(),
                t24(),
            ),
        )],
    );
    // Every type above is refused by the 104 profile.
    for ti in [2, 4, 6, 8, 10, 12, 14, 16, 17, 18, 19] {
        assert!(!TypeId::from_u8(ti).unwrap().allowed_in_104());
    }
}

#[test]
fn monitor_direction_cp56() {
    let h = |ti: u8| vec![ti, 0x01, 0x03, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00];
    check(
        P104,
        &cat(&[&h(30), &[0x01], &T56]),
        &[(5, Value::MSpTb1(Siq::new(true, G), t56()))],
    );
    let iv = cat(&[&T56[..2], &[0xAD], &T56[3..]]);
    check(
        P104,
        &cat(&[&h(31), &[0x02], &iv]),
        &[(
            5,
            Value::MDpTb1(Diq::new(Dpi::On, G), t56().with_invalid(true)),
        )],
    );
    check(
        P104,
        &cat(&[&h(32), &[0x3F, 0x00], &T56]),
        &[(
            5,
            Value::MStTb1(Vti::new(63, false).unwrap(), Qds::new(G), t56()),
        )],
    );
    check(
        P104,
        &cat(&[&h(33), &[0xAA, 0x55, 0xAA, 0x55, 0x00], &T56]),
        &[(5, Value::MBoTb1(Bsi(0x55AA_55AA), Qds::new(G), t56()))],
    );
    check(
        P104,
        &cat(&[&h(34), &[0x00, 0x80, 0x00], &T56]),
        &[(5, Value::MMeTd1(Nva(i16::MIN), Qds::new(G), t56()))],
    );
    check(
        P104,
        &cat(&[&h(35), &[0x39, 0x30, 0x00], &T56]),
        &[(5, Value::MMeTe1(Sva(12345), Qds::new(G), t56()))],
    );
    // −200.0 = 0xC3480000.
    check(
        P104,
        &cat(&[&h(36), &[0x00, 0x00, 0x48, 0xC3, 0x00], &T56]),
        &[(5, Value::MMeTf1(-200.0, Qds::new(G), t56()))],
    );
    check(
        P104,
        &cat(&[&h(37), &[0x0A, 0x00, 0x00, 0x00, 0x01], &T56]),
        &[(5, Value::MItTb1(Bcr::new(10, 1).unwrap(), t56()))],
    );
    check(
        P104,
        &cat(&[&h(38), &[0x01], &T16, &T56]),
        &[(5, Value::MEpTd1(Sep::new(Dpi::Off, G), t16(), t56()))],
    );
    check(
        P104,
        &cat(&[&h(39), &[0x3F, 0x00], &T16, &T56]),
        &[(
            5,
            Value::MEpTe1(Spe::from_u8(0x3F), Qdp::new(G), t16(), t56()),
        )],
    );
    check(
        P104,
        &cat(&[&h(40), &[0x01, 0x00], &T16, &T56]),
        &[(
            5,
            Value::MEpTf1(Oci::from_u8(0x01), Qdp::new(G), t16(), t56()),
        )],
    );
    // End of initialization (§7.3.3.1): init (4), IOA 0, COI remote reset after change.
    check(
        P104,
        &[70, 0x01, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x82],
        &[(0, Value::MEiNa1(Coi::new(Coi::REMOTE_RESET, true).unwrap()))],
    );
}

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
