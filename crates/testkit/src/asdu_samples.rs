//! One encoded ASDU (IEC 104 parameters) of every type identification the 104 profile
//! allows, with realistic values (valid CP56 times with day of week, plausible measurements),
//! and the facts a dissector must report: type id, cause, common address, object addresses.
#![allow(
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing,
    clippy::panic
)]

use asdu::{
    Afq, AsduBuilder, AsduParams, Bcr, Bsi, Cause, Chs, Coi, CommonAddress, Cot, Cp16Time2a,
    Cp56Time2a, Dco, Diq, Dpi, Frq, Frz, Ioa, Lof, Los, Lsq, Nof, Nos, Nva, Oci, Qcc, Qdp, Qds,
    Qoi, Qos, Qpa, Qpm, Qrp, Qu, Quality, Rco, Rcs, Scd, Sco, Scq, Segment, Sep, Siq, Sof, Spe,
    Srq, Sva, Tsc, TypeId, Value, Vti,
};

/// One sample ASDU and what decoding it must give.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The type identification.
    pub type_id: TypeId,
    /// Its mnemonic, e.g. `"M_SP_NA_1"`.
    pub mnemonic: &'static str,
    /// The ASDU octets (IEC 104: COT 2, CA 2, IOA 3).
    pub asdu: Vec<u8>,
    /// SQ bit.
    pub sq: bool,
    /// Cause of transmission (1–63), P/N and T clear, originator 0.
    pub cot: u8,
    /// Common address.
    pub ca: u16,
    /// The information object addresses, in order (expanded for SQ=1).
    pub ioas: Vec<u32>,
    /// False for the types whose elements tshark 4.0 (Debian 12's 4.0.17) does not dissect:
    /// it prints the first address and then the rest as raw data (types 20, 38–40, 107, 113,
    /// 120–127). Such samples carry one object, so the address lists still agree.
    pub tshark_dissects_elements: bool,
}

/// Types whose elements tshark 4.0 shows as raw data after the first address.
pub const TSHARK_RAW_TYPES: &[u8] = &[
    20, 38, 39, 40, 107, 113, 120, 121, 122, 123, 124, 125, 126, 127,
];

const CA: u16 = 1;

/// 2024-03-15 (a Friday) 13:45:30.250 plus `ms` milliseconds, day of week filled in.
fn time(ms: u64) -> Cp56Time2a {
    // 2024-03-15T13:45:30.250 in milliseconds since 1970-01-01.
    let base = 1_710_510_330_250u64;
    Cp56Time2a::from_unix_millis(base + ms, 2000).expect("time within 2000–2099")
}

fn ioa(v: u32) -> Ioa {
    Ioa::new(v).expect("24-bit address")
}

fn sample(type_id: TypeId, cause: Cause, sq: bool, objects: &[(u32, Value<'_>)]) -> Sample {
    let p = AsduParams::IEC104;
    let mut buf = [0u8; 255];
    let mut b = AsduBuilder::new(
        &p,
        type_id,
        Cot::new(cause),
        CommonAddress(CA),
        sq,
        &mut buf,
    )
    .expect("header fits");
    for (a, v) in objects {
        b.push(ioa(*a), v).expect("sample object fits");
    }
    Sample {
        type_id,
        mnemonic: type_id.mnemonic(),
        asdu: b.finish().to_vec(),
        sq,
        cot: cause.value(),
        ca: CA,
        ioas: objects.iter().map(|(a, _)| *a).collect(),
        tshark_dissects_elements: !TSHARK_RAW_TYPES.contains(&type_id.code()),
    }
}

/// The element sets of `t` for a sample: three objects for monitor information, one for
/// commands, system and file types.
fn values(t: TypeId) -> Vec<Value<'static>> {
    use TypeId as T;
    use Value as V;
    let g = Quality::GOOD;
    let q = Qds::new(g);
    let qiv = Qds::new(g.with_invalid(true));
    let qdp = Qdp::new(g);
    let d = Cp16Time2a::new(250).expect("ms");
    let qos = Qos::new(0, false).expect("QL 0");
    let three = |f: &dyn Fn(usize) -> Value<'static>| (0..3).map(f).collect::<Vec<_>>();
    match t {
        T::MSpNa1 => three(&|i| V::MSpNa1(Siq::new(i % 2 == 0, g))),
        T::MDpNa1 => three(&|i| V::MDpNa1(Diq::new(if i == 1 { Dpi::Off } else { Dpi::On }, g))),
        T::MStNa1 => three(&|i| V::MStNa1(Vti::new(i as i8 * 5 - 3, i == 2).expect("VTI"), q)),
        T::MBoNa1 => three(&|i| V::MBoNa1(Bsi(0x0101_0101 << i), q)),
        T::MMeNa1 => three(&|i| V::MMeNa1(Nva::from_f32(0.25 * i as f32), q)),
        T::MMeNb1 => three(&|i| V::MMeNb1(Sva(1000 + i as i16), q)),
        T::MMeNc1 => three(&|i| V::MMeNc1(230.5 + i as f32, if i == 2 { qiv } else { q })),
        T::MItNa1 => three(&|i| V::MItNa1(Bcr::new(1000 * i as i32, i as u8).expect("BCR"))),
        T::MPsNa1 => three(&|i| V::MPsNa1(Scd::new(0x00FF << i, 0x0001), q)),
        T::MMeNd1 => three(&|i| V::MMeNd1(Nva::from_f32(-0.5 + 0.25 * i as f32))),
        T::MSpTb1 => three(&|i| V::MSpTb1(Siq::new(i != 1, g), time(i as u64 * 10))),
        T::MDpTb1 => three(&|i| V::MDpTb1(Diq::new(Dpi::On, g), time(i as u64 * 10))),
        T::MStTb1 => {
            three(&|i| V::MStTb1(Vti::new(i as i8, false).expect("VTI"), q, time(i as u64)))
        }
        T::MBoTb1 => three(&|i| V::MBoTb1(Bsi(0xA5A5_0000 | i as u32), q, time(i as u64))),
        T::MMeTd1 => three(&|i| V::MMeTd1(Nva::from_f32(0.1 * i as f32), q, time(i as u64))),
        T::MMeTe1 => three(&|i| V::MMeTe1(Sva(-200 + i as i16), q, time(i as u64))),
        T::MMeTf1 => three(&|i| V::MMeTf1(49.95 + 0.01 * i as f32, q, time(i as u64))),
        T::MItTb1 => {
            three(&|i| V::MItTb1(Bcr::new(5000 + i as i32, 1).expect("BCR"), time(i as u64)))
        }
        T::MEpTd1 => three(&|i| V::MEpTd1(Sep::new(Dpi::On, g), d, time(i as u64))),
        T::MEpTe1 => three(&|i| V::MEpTe1(Spe::from_u8(0x01 | (2 << i)), qdp, d, time(i as u64))),
        T::MEpTf1 => three(&|i| V::MEpTf1(Oci::from_u8(0x01 | (2 << i)), qdp, d, time(i as u64))),
        T::CScNa1 => vec![V::CScNa1(Sco::new(true, Qu::NONE, false))],
        T::CDcNa1 => vec![V::CDcNa1(Dco::new(Dpi::On, Qu::NONE, true))],
        T::CRcNa1 => vec![V::CRcNa1(Rco::new(Rcs::Higher, Qu::NONE, false))],
        T::CSeNa1 => vec![V::CSeNa1(Nva::from_f32(0.5), qos)],
        T::CSeNb1 => vec![V::CSeNb1(Sva(1234), qos)],
        T::CSeNc1 => vec![V::CSeNc1(12.75, qos)],
        T::CBoNa1 => vec![V::CBoNa1(Bsi(0x0000_FF00))],
        T::CScTa1 => vec![V::CScTa1(Sco::new(false, Qu::NONE, false), time(0))],
        T::CDcTa1 => vec![V::CDcTa1(Dco::new(Dpi::Off, Qu::NONE, false), time(0))],
        T::CRcTa1 => vec![V::CRcTa1(Rco::new(Rcs::Lower, Qu::NONE, false), time(0))],
        T::CSeTa1 => vec![V::CSeTa1(Nva::from_f32(-0.25), qos, time(0))],
        T::CSeTb1 => vec![V::CSeTb1(Sva(-1234), qos, time(0))],
        T::CSeTc1 => vec![V::CSeTc1(-7.5, qos, time(0))],
        T::CBoTa1 => vec![V::CBoTa1(Bsi(0x0F0F_0F0F), time(0))],
        T::MEiNa1 => vec![V::MEiNa1(Coi::new(Coi::POWER_ON, false).expect("COI"))],
        T::CIcNa1 => vec![V::CIcNa1(Qoi::STATION)],
        T::CCiNa1 => vec![V::CCiNa1(Qcc::new(Qcc::GENERAL, Frz::Read).expect("QCC"))],
        T::CRdNa1 => vec![V::CRdNa1],
        T::CCsNa1 => vec![V::CCsNa1(time(0))],
        T::CRpNa1 => vec![V::CRpNa1(Qrp::GENERAL)],
        T::CTsTa1 => vec![V::CTsTa1(Tsc(1), time(0))],
        T::PMeNa1 => vec![V::PMeNa1(
            Nva::from_f32(0.01),
            Qpm::new(Qpm::THRESHOLD, false, false).expect("QPM"),
        )],
        T::PMeNb1 => vec![V::PMeNb1(
            Sva(10),
            Qpm::new(Qpm::THRESHOLD, false, false).expect("QPM"),
        )],
        T::PMeNc1 => vec![V::PMeNc1(
            0.5,
            Qpm::new(Qpm::THRESHOLD, false, false).expect("QPM"),
        )],
        T::PAcNa1 => vec![V::PAcNa1(Qpa::OBJECT)],
        T::FFrNa1 => vec![V::FFrNa1(
            Nof(1),
            Lof::new(1000).expect("LOF"),
            Frq::new(0, false).expect("FRQ"),
        )],
        T::FSrNa1 => vec![V::FSrNa1(
            Nof(1),
            Nos(1),
            Los::new(1000).expect("LOS"),
            Srq::new(0, false).expect("SRQ"),
        )],
        T::FScNa1 => vec![V::FScNa1(
            Nof(1),
            Nos(0),
            Scq::new(Scq::SELECT_FILE, 0).expect("SCQ"),
        )],
        T::FLsNa1 => vec![V::FLsNa1(Nof(1), Nos(1), Lsq::SECTION, Chs::of(&SEGMENT))],
        T::FAfNa1 => vec![V::FAfNa1(
            Nof(1),
            Nos(1),
            Afq::new(Afq::SECTION_OK, 0).expect("AFQ"),
        )],
        T::FSgNa1 => vec![V::FSgNa1(
            Nof(1),
            Nos(1),
            Segment::new(&SEGMENT).expect("segment"),
        )],
        T::FDrTa1 => vec![V::FDrTa1(
            Nof(1),
            Lof::new(1000).expect("LOF"),
            Sof::new(0, true, false, false).expect("SOF"),
            time(0),
        )],
        T::FScNb1 => vec![V::FScNb1(Nof(1), time(0), time(3_600_000))],
        _ => Vec::new(),
    }
}

const SEGMENT: [u8; 8] = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80];

/// The cause a sample of type `t` is sent with.
fn cause(t: TypeId) -> Cause {
    match t.code() {
        1..=21 => Cause::INTERROGATED,
        30..=40 => Cause::SPONTANEOUS,
        70 => Cause::INITIALIZED,
        102 => Cause::REQUEST,
        126 => Cause::REQUEST,
        120..=127 => Cause::FILE,
        _ => Cause::ACTIVATION,
    }
}

/// One sample for every type identification of the 104 profile
/// ([`TypeId::allowed_in_104`]), in numeric order. Measured values without time tag
/// (9, 11, 13, 21) are sequences (SQ=1); the rest SQ=0. Monitor types carry three objects,
/// the others one, and so do the types in [`TSHARK_RAW_TYPES`].
pub fn every_type_104() -> Vec<Sample> {
    TypeId::ALL
        .iter()
        .filter(|t| t.allowed_in_104())
        .map(|&t| {
            let mut vs = values(t);
            assert!(!vs.is_empty(), "no sample values for {t}");
            if TSHARK_RAW_TYPES.contains(&t.code()) {
                vs.truncate(1);
            }
            let sq = matches!(
                t,
                TypeId::MMeNa1 | TypeId::MMeNb1 | TypeId::MMeNc1 | TypeId::MMeNd1
            );
            let base: u32 = match t.code() {
                100..=107 | 70 => 0,
                c => 1000 * u32::from(c),
            };
            let objects: Vec<(u32, Value<'_>)> = vs
                .into_iter()
                .enumerate()
                .map(|(i, v)| (base + if sq { i as u32 } else { 7 * i as u32 }, v))
                .collect();
            sample(t, cause(t), sq, &objects)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use asdu::AsduView;

    #[test]
    fn every_104_type_has_a_sample_that_decodes_to_its_facts() {
        let samples = every_type_104();
        let n104 = TypeId::ALL.iter().filter(|t| t.allowed_in_104()).count();
        assert_eq!(samples.len(), n104);
        assert_eq!(n104, 54);
        for s in &samples {
            let v = AsduView::decode(&AsduParams::IEC104, &s.asdu).expect(s.mnemonic);
            assert_eq!(v.type_id(), s.type_id);
            assert_eq!(v.sq(), s.sq);
            assert_eq!(v.cot().cause.value(), s.cot);
            assert_eq!(v.ca().0, s.ca);
            let ioas: Vec<u32> = v.objects().map(|o| o.ioa.value()).collect();
            assert_eq!(ioas, s.ioas, "{}", s.mnemonic);
            assert!(s.asdu.len() <= 249);
            if !s.tshark_dissects_elements {
                assert_eq!(s.ioas.len(), 1, "{}", s.mnemonic);
            }
        }
        // Times are real calendar times: Friday 15 March 2024.
        let t = time(0);
        assert_eq!(
            (t.year(), t.month(), t.day(), t.day_of_week()),
            (24, 3, 15, 5)
        );
        assert_eq!(
            (t.hour(), t.minute(), t.second(), t.millisecond()),
            (13, 45, 30, 250)
        );
    }
}
