//! One valid value of every type identification, for tests that loop over all types.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use telecontrol_asdu::*;

/// A valid element set of type `t` (`None` for raw types).
pub fn sample(t: TypeId) -> Option<Value<'static>> {
    use TypeId as T;
    use Value as V;
    let g = Quality::GOOD;
    let qds = Qds::new(g.with_overflow(true));
    let qdp = Qdp::new(g.with_elapsed_time_invalid(true));
    let t56 = Cp56Time2a::new(24, 3, 15, 13, 45, 30_250)
        .unwrap()
        .with_day_of_week(5)
        .unwrap();
    let t24 = Cp24Time2a::new(45, 30_250).unwrap();
    let t16 = Cp16Time2a::new(1234).unwrap();
    let siq = Siq::new(true, g);
    let diq = Diq::new(Dpi::On, g);
    let vti = Vti::new(-5, true).unwrap();
    let bcr = Bcr::new(123_456, 7).unwrap();
    let sep = Sep::new(Dpi::Off, g);
    let spe = Spe::from_u8(0x03);
    let oci = Oci::from_u8(0x01);
    let sco = Sco::new(true, Qu::NONE, false);
    let dco = Dco::new(Dpi::On, Qu::SHORT_PULSE, true);
    let rco = Rco::new(Rcs::Higher, Qu::NONE, false);
    let qos = Qos::new(0, false).unwrap();
    let qpm = Qpm::new(Qpm::THRESHOLD, false, false).unwrap();
    Some(match t {
        T::MSpNa1 => V::MSpNa1(siq),
        T::MSpTa1 => V::MSpTa1(siq, t24),
        T::MDpNa1 => V::MDpNa1(diq),
        T::MDpTa1 => V::MDpTa1(diq, t24),
        T::MStNa1 => V::MStNa1(vti, qds),
        T::MStTa1 => V::MStTa1(vti, qds, t24),
        T::MBoNa1 => V::MBoNa1(Bsi(0xDEAD_BEEF), qds),
        T::MBoTa1 => V::MBoTa1(Bsi(1), qds, t24),
        T::MMeNa1 => V::MMeNa1(Nva(1000), qds),
        T::MMeTa1 => V::MMeTa1(Nva(-1000), qds, t24),
        T::MMeNb1 => V::MMeNb1(Sva(42), qds),
        T::MMeTb1 => V::MMeTb1(Sva(-42), qds, t24),
        T::MMeNc1 => V::MMeNc1(1.25, qds),
        T::MMeTc1 => V::MMeTc1(-1.25, qds, t24),
        T::MItNa1 => V::MItNa1(bcr),
        T::MItTa1 => V::MItTa1(bcr, t24),
        T::MEpTa1 => V::MEpTa1(sep, t16, t24),
        T::MEpTb1 => V::MEpTb1(spe, qdp, t16, t24),
        T::MEpTc1 => V::MEpTc1(oci, qdp, t16, t24),
        T::MPsNa1 => V::MPsNa1(Scd::new(0xF0F0, 0x0101), qds),
        T::MMeNd1 => V::MMeNd1(Nva(-1)),
        T::MSpTb1 => V::MSpTb1(siq, t56),
        T::MDpTb1 => V::MDpTb1(diq, t56),
        T::MStTb1 => V::MStTb1(vti, qds, t56),
        T::MBoTb1 => V::MBoTb1(Bsi(2), qds, t56),
        T::MMeTd1 => V::MMeTd1(Nva(3), qds, t56),
        T::MMeTe1 => V::MMeTe1(Sva(4), qds, t56),
        T::MMeTf1 => V::MMeTf1(5.5, qds, t56),
        T::MItTb1 => V::MItTb1(bcr, t56),
        T::MEpTd1 => V::MEpTd1(sep, t16, t56),
        T::MEpTe1 => V::MEpTe1(spe, qdp, t16, t56),
        T::MEpTf1 => V::MEpTf1(oci, qdp, t16, t56),
        T::CScNa1 => V::CScNa1(sco),
        T::CDcNa1 => V::CDcNa1(dco),
        T::CRcNa1 => V::CRcNa1(rco),
        T::CSeNa1 => V::CSeNa1(Nva(5), qos),
        T::CSeNb1 => V::CSeNb1(Sva(6), qos),
        T::CSeNc1 => V::CSeNc1(7.5, qos),
        T::CBoNa1 => V::CBoNa1(Bsi(8)),
        T::CScTa1 => V::CScTa1(sco, t56),
        T::CDcTa1 => V::CDcTa1(dco, t56),
        T::CRcTa1 => V::CRcTa1(rco, t56),
        T::CSeTa1 => V::CSeTa1(Nva(9), qos, t56),
        T::CSeTb1 => V::CSeTb1(Sva(10), qos, t56),
        T::CSeTc1 => V::CSeTc1(11.5, qos, t56),
        T::CBoTa1 => V::CBoTa1(Bsi(12), t56),
        T::MEiNa1 => V::MEiNa1(Coi::new(Coi::POWER_ON, false).unwrap()),
        T::CIcNa1 => V::CIcNa1(Qoi::STATION),
        T::CCiNa1 => V::CCiNa1(Qcc::new(Qcc::GENERAL, Frz::Read).unwrap()),
        T::CRdNa1 => V::CRdNa1,
        T::CCsNa1 => V::CCsNa1(t56),
        T::CTsNa1 => V::CTsNa1(Fbp::STANDARD),
        T::CRpNa1 => V::CRpNa1(Qrp::GENERAL),
        T::CCdNa1 => V::CCdNa1(t16),
        T::CTsTa1 => V::CTsTa1(Tsc(77), t56),
        T::PMeNa1 => V::PMeNa1(Nva(100), qpm),
        T::PMeNb1 => V::PMeNb1(Sva(100), qpm),
        T::PMeNc1 => V::PMeNc1(0.5, qpm),
        T::PAcNa1 => V::PAcNa1(Qpa::OBJECT),
        T::FFrNa1 => V::FFrNa1(Nof(1), Lof::new(4096).unwrap(), Frq::new(0, false).unwrap()),
        T::FSrNa1 => V::FSrNa1(
            Nof(1),
            Nos(1),
            Los::new(1024).unwrap(),
            Srq::new(0, false).unwrap(),
        ),
        T::FScNa1 => V::FScNa1(Nof(1), Nos(0), Scq::new(Scq::SELECT_FILE, 0).unwrap()),
        T::FLsNa1 => V::FLsNa1(Nof(1), Nos(1), Lsq::FILE, Chs(0x10)),
        T::FAfNa1 => V::FAfNa1(Nof(1), Nos(1), Afq::new(Afq::FILE_OK, 0).unwrap()),
        T::FSgNa1 => V::FSgNa1(Nof(1), Nos(1), Segment::new(&[1, 2, 3, 4, 5]).unwrap()),
        T::FDrTa1 => V::FDrTa1(
            Nof(1),
            Lof::new(4096).unwrap(),
            Sof::new(0, true, false, false).unwrap(),
            t56,
        ),
        T::FScNb1 => V::FScNb1(Nof(1), t56, t56),
        _ => return None,
    })
}

// ---- Byte-vector helpers (tests/vectors*.rs) ----

pub const P104: AsduParams = AsduParams::IEC104;
pub const P101: AsduParams = AsduParams::IEC101_COMPACT;

/// CP56Time2a 2024-03-15 13:45:30.250 (101 §7.2.6.18): ms 30250 = 0x762A, min 45, h 13,
/// day 15, month 3, year 24.
pub const T56: [u8; 7] = [0x2A, 0x76, 0x2D, 0x0D, 0x0F, 0x03, 0x18];
/// CP56Time2a 2024-03-15 14:00:00.000.
pub const T56B: [u8; 7] = [0x00, 0x00, 0x00, 0x0E, 0x0F, 0x03, 0x18];
/// CP24Time2a minute 45, 30.250 s (101 §7.2.6.19).
pub const T24: [u8; 3] = [0x2A, 0x76, 0x2D];
/// CP16Time2a 1234 ms (101 §7.2.6.20).
pub const T16: [u8; 2] = [0xD2, 0x04];

pub fn t56() -> Cp56Time2a {
    Cp56Time2a::new(24, 3, 15, 13, 45, 30_250).unwrap()
}
pub fn t56b() -> Cp56Time2a {
    Cp56Time2a::new(24, 3, 15, 14, 0, 0).unwrap()
}
pub fn t24() -> Cp24Time2a {
    Cp24Time2a::new(45, 30_250).unwrap()
}
pub fn t16() -> Cp16Time2a {
    Cp16Time2a::new(1234).unwrap()
}
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}
pub const G: Quality = Quality::GOOD;

/// Decode `bytes`, compare the objects with `expected`, then rebuild the ASDU from the
/// header and the expected objects and compare the octets.
#[track_caller]
pub fn check(p: AsduParams, bytes: &[u8], expected: &[(u32, Value<'_>)]) {
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
