//! Byte vectors for the monitor direction (types 1–21, 30–40, 70), worked out by hand from
//! the layouts of IEC 60870-5-101 §7.3.1 and §7.3.3, decoded and re-encoded byte-identically.
//! The rest of the types: tests/vectors.rs.
//!
//! Conventions: 104 header = TI, VSQ, COT, originator, CA (2, little endian); 101 compact
//! header = TI, VSQ, COT, CA (1). IOA little endian, 3 octets (104) or 2 (101 compact).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::*;
use telecontrol_asdu::*;

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
