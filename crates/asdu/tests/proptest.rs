//! Property tests: every type round-trips under random parameters, SQ and counts;
//! `encoded_len` agrees with what is written; arbitrary input never panics and whatever
//! decodes re-encodes to exactly the input.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic
)]

use proptest::prelude::*;
use telecontrol_asdu::*;
use telecontrol_core::Encode;

fn leak(v: Vec<u8>) -> &'static [u8] {
    Box::leak(v.into_boxed_slice())
}

fn cp56() -> impl Strategy<Value = Cp56Time2a> + Clone {
    (
        0..60_000u16,
        0..60u8,
        0..24u8,
        1..32u8,
        0..8u8,
        1..13u8,
        0..100u8,
        any::<u8>(),
    )
        .prop_map(|(ms, min, h, d, dow, mon, y, res)| {
            let [a, b] = ms.to_le_bytes();
            // Random IV, SU and reserved bits: they must survive the round trip.
            Cp56Time2a::from_bytes([
                a,
                b,
                min | (res & 0xC0),
                h | ((res << 2) & 0xE0),
                d | (dow << 5),
                mon | ((res << 4) & 0xF0),
                y | ((res << 3) & 0x80),
            ])
            .unwrap()
        })
}
fn cp24() -> impl Strategy<Value = Cp24Time2a> + Clone {
    (0..60_000u16, 0..60u8, any::<u8>()).prop_map(|(ms, min, res)| {
        let [a, b] = ms.to_le_bytes();
        Cp24Time2a::from_bytes([a, b, min | (res & 0xC0)]).unwrap()
    })
}
fn cp16() -> impl Strategy<Value = Cp16Time2a> + Clone {
    (0..60_000u16).prop_map(|v| Cp16Time2a::new(v).unwrap())
}
fn f() -> impl Strategy<Value = f32> + Clone {
    any::<u32>().prop_map(f32::from_bits)
}
fn byte<T: std::fmt::Debug>(m: fn(u8) -> T) -> impl Strategy<Value = T> + Clone {
    any::<u8>().prop_map(m)
}
fn bcr() -> impl Strategy<Value = Bcr> + Clone {
    (any::<i32>(), 0..32u8, any::<[bool; 3]>()).prop_map(|(c, s, [cy, ca, iv])| {
        Bcr::new(c, s)
            .unwrap()
            .with_carry(cy)
            .with_adjusted(ca)
            .with_invalid(iv)
    })
}
fn nva() -> impl Strategy<Value = Nva> + Clone {
    any::<i16>().prop_map(Nva)
}
fn sva() -> impl Strategy<Value = Sva> + Clone {
    any::<i16>().prop_map(Sva)
}
fn bsi() -> impl Strategy<Value = Bsi> + Clone {
    any::<u32>().prop_map(Bsi)
}
fn nof() -> impl Strategy<Value = Nof> + Clone {
    any::<u16>().prop_map(Nof)
}
fn nos() -> impl Strategy<Value = Nos> + Clone {
    any::<u8>().prop_map(Nos)
}
fn u24() -> impl Strategy<Value = u32> + Clone {
    0..=0xFF_FFFFu32
}

/// Random element sets of type `t` (not raw).
fn arb_value(t: TypeId) -> BoxedStrategy<Value<'static>> {
    use TypeId as T;
    use Value as V;
    let qds = || byte(Qds::from_u8);
    let qdp = || byte(Qdp::from_u8);
    let qos = || byte(Qos::from_u8);
    let qpm = || byte(Qpm::from_u8);
    match t {
        T::MSpNa1 => byte(Siq::from_u8).prop_map(V::MSpNa1).boxed(),
        T::MSpTa1 => (byte(Siq::from_u8), cp24())
            .prop_map(|(a, b)| V::MSpTa1(a, b))
            .boxed(),
        T::MDpNa1 => byte(Diq::from_u8).prop_map(V::MDpNa1).boxed(),
        T::MDpTa1 => (byte(Diq::from_u8), cp24())
            .prop_map(|(a, b)| V::MDpTa1(a, b))
            .boxed(),
        T::MStNa1 => (byte(Vti::from_u8), qds())
            .prop_map(|(a, b)| V::MStNa1(a, b))
            .boxed(),
        T::MStTa1 => (byte(Vti::from_u8), qds(), cp24())
            .prop_map(|(a, b, c)| V::MStTa1(a, b, c))
            .boxed(),
        T::MBoNa1 => (bsi(), qds()).prop_map(|(a, b)| V::MBoNa1(a, b)).boxed(),
        T::MBoTa1 => (bsi(), qds(), cp24())
            .prop_map(|(a, b, c)| V::MBoTa1(a, b, c))
            .boxed(),
        T::MMeNa1 => (nva(), qds()).prop_map(|(a, b)| V::MMeNa1(a, b)).boxed(),
        T::MMeTa1 => (nva(), qds(), cp24())
            .prop_map(|(a, b, c)| V::MMeTa1(a, b, c))
            .boxed(),
        T::MMeNb1 => (sva(), qds()).prop_map(|(a, b)| V::MMeNb1(a, b)).boxed(),
        T::MMeTb1 => (sva(), qds(), cp24())
            .prop_map(|(a, b, c)| V::MMeTb1(a, b, c))
            .boxed(),
        T::MMeNc1 => (f(), qds()).prop_map(|(a, b)| V::MMeNc1(a, b)).boxed(),
        T::MMeTc1 => (f(), qds(), cp24())
            .prop_map(|(a, b, c)| V::MMeTc1(a, b, c))
            .boxed(),
        T::MItNa1 => bcr().prop_map(V::MItNa1).boxed(),
        T::MItTa1 => (bcr(), cp24()).prop_map(|(a, b)| V::MItTa1(a, b)).boxed(),
        T::MEpTa1 => (byte(Sep::from_u8), cp16(), cp24())
            .prop_map(|(a, b, c)| V::MEpTa1(a, b, c))
            .boxed(),
        T::MEpTb1 => (byte(Spe::from_u8), qdp(), cp16(), cp24())
            .prop_map(|(a, b, c, d)| V::MEpTb1(a, b, c, d))
            .boxed(),
        T::MEpTc1 => (byte(Oci::from_u8), qdp(), cp16(), cp24())
            .prop_map(|(a, b, c, d)| V::MEpTc1(a, b, c, d))
            .boxed(),
        T::MPsNa1 => (any::<(u16, u16)>(), qds())
            .prop_map(|((s, c), q)| V::MPsNa1(Scd::new(s, c), q))
            .boxed(),
        T::MMeNd1 => nva().prop_map(V::MMeNd1).boxed(),
        T::MSpTb1 => (byte(Siq::from_u8), cp56())
            .prop_map(|(a, b)| V::MSpTb1(a, b))
            .boxed(),
        T::MDpTb1 => (byte(Diq::from_u8), cp56())
            .prop_map(|(a, b)| V::MDpTb1(a, b))
            .boxed(),
        T::MStTb1 => (byte(Vti::from_u8), qds(), cp56())
            .prop_map(|(a, b, c)| V::MStTb1(a, b, c))
            .boxed(),
        T::MBoTb1 => (bsi(), qds(), cp56())
            .prop_map(|(a, b, c)| V::MBoTb1(a, b, c))
            .boxed(),
        T::MMeTd1 => (nva(), qds(), cp56())
            .prop_map(|(a, b, c)| V::MMeTd1(a, b, c))
            .boxed(),
        T::MMeTe1 => (sva(), qds(), cp56())
            .prop_map(|(a, b, c)| V::MMeTe1(a, b, c))
            .boxed(),
        T::MMeTf1 => (f(), qds(), cp56())
            .prop_map(|(a, b, c)| V::MMeTf1(a, b, c))
            .boxed(),
        T::MItTb1 => (bcr(), cp56()).prop_map(|(a, b)| V::MItTb1(a, b)).boxed(),
        T::MEpTd1 => (byte(Sep::from_u8), cp16(), cp56())
            .prop_map(|(a, b, c)| V::MEpTd1(a, b, c))
            .boxed(),
        T::MEpTe1 => (byte(Spe::from_u8), qdp(), cp16(), cp56())
            .prop_map(|(a, b, c, d)| V::MEpTe1(a, b, c, d))
            .boxed(),
        T::MEpTf1 => (byte(Oci::from_u8), qdp(), cp16(), cp56())
            .prop_map(|(a, b, c, d)| V::MEpTf1(a, b, c, d))
            .boxed(),
        T::CScNa1 => byte(Sco::from_u8).prop_map(V::CScNa1).boxed(),
        T::CDcNa1 => byte(Dco::from_u8).prop_map(V::CDcNa1).boxed(),
        T::CRcNa1 => byte(Rco::from_u8).prop_map(V::CRcNa1).boxed(),
        T::CSeNa1 => (nva(), qos()).prop_map(|(a, b)| V::CSeNa1(a, b)).boxed(),
        T::CSeNb1 => (sva(), qos()).prop_map(|(a, b)| V::CSeNb1(a, b)).boxed(),
        T::CSeNc1 => (f(), qos()).prop_map(|(a, b)| V::CSeNc1(a, b)).boxed(),
        T::CBoNa1 => bsi().prop_map(V::CBoNa1).boxed(),
        T::CScTa1 => (byte(Sco::from_u8), cp56())
            .prop_map(|(a, b)| V::CScTa1(a, b))
            .boxed(),
        T::CDcTa1 => (byte(Dco::from_u8), cp56())
            .prop_map(|(a, b)| V::CDcTa1(a, b))
            .boxed(),
        T::CRcTa1 => (byte(Rco::from_u8), cp56())
            .prop_map(|(a, b)| V::CRcTa1(a, b))
            .boxed(),
        T::CSeTa1 => (nva(), qos(), cp56())
            .prop_map(|(a, b, c)| V::CSeTa1(a, b, c))
            .boxed(),
        T::CSeTb1 => (sva(), qos(), cp56())
            .prop_map(|(a, b, c)| V::CSeTb1(a, b, c))
            .boxed(),
        T::CSeTc1 => (f(), qos(), cp56())
            .prop_map(|(a, b, c)| V::CSeTc1(a, b, c))
            .boxed(),
        T::CBoTa1 => (bsi(), cp56()).prop_map(|(a, b)| V::CBoTa1(a, b)).boxed(),
        T::MEiNa1 => byte(Coi::from_u8).prop_map(V::MEiNa1).boxed(),
        T::CIcNa1 => byte(Qoi::from_u8).prop_map(V::CIcNa1).boxed(),
        T::CCiNa1 => byte(Qcc::from_u8).prop_map(V::CCiNa1).boxed(),
        T::CRdNa1 => Just(V::CRdNa1).boxed(),
        T::CCsNa1 => cp56().prop_map(V::CCsNa1).boxed(),
        T::CTsNa1 => any::<u16>().prop_map(|v| V::CTsNa1(Fbp(v))).boxed(),
        T::CRpNa1 => byte(Qrp::from_u8).prop_map(V::CRpNa1).boxed(),
        T::CCdNa1 => cp16().prop_map(V::CCdNa1).boxed(),
        T::CTsTa1 => (any::<u16>(), cp56())
            .prop_map(|(a, b)| V::CTsTa1(Tsc(a), b))
            .boxed(),
        T::PMeNa1 => (nva(), qpm()).prop_map(|(a, b)| V::PMeNa1(a, b)).boxed(),
        T::PMeNb1 => (sva(), qpm()).prop_map(|(a, b)| V::PMeNb1(a, b)).boxed(),
        T::PMeNc1 => (f(), qpm()).prop_map(|(a, b)| V::PMeNc1(a, b)).boxed(),
        T::PAcNa1 => byte(Qpa::from_u8).prop_map(V::PAcNa1).boxed(),
        T::FFrNa1 => (nof(), u24(), byte(Frq::from_u8))
            .prop_map(|(a, b, c)| V::FFrNa1(a, Lof::new(b).unwrap(), c))
            .boxed(),
        T::FSrNa1 => (nof(), nos(), u24(), byte(Srq::from_u8))
            .prop_map(|(a, b, c, d)| V::FSrNa1(a, b, Los::new(c).unwrap(), d))
            .boxed(),
        T::FScNa1 => (nof(), nos(), byte(Scq::from_u8))
            .prop_map(|(a, b, c)| V::FScNa1(a, b, c))
            .boxed(),
        T::FLsNa1 => (nof(), nos(), byte(Lsq::from_u8), any::<u8>())
            .prop_map(|(a, b, c, d)| V::FLsNa1(a, b, c, Chs(d)))
            .boxed(),
        T::FAfNa1 => (nof(), nos(), byte(Afq::from_u8))
            .prop_map(|(a, b, c)| V::FAfNa1(a, b, c))
            .boxed(),
        T::FSgNa1 => (
            nof(),
            nos(),
            proptest::collection::vec(any::<u8>(), 0..=200),
        )
            .prop_map(|(a, b, c)| V::FSgNa1(a, b, Segment::new(leak(c)).unwrap()))
            .boxed(),
        T::FDrTa1 => (nof(), u24(), byte(Sof::from_u8), cp56())
            .prop_map(|(a, b, c, d)| V::FDrTa1(a, Lof::new(b).unwrap(), c, d))
            .boxed(),
        T::FScNb1 => (nof(), cp56(), cp56())
            .prop_map(|(a, b, c)| V::FScNb1(a, b, c))
            .boxed(),
        other => panic!("no strategy for {other}"),
    }
}

/// A random ASDU description: parameters, header, SQ and values.
#[derive(Debug, Clone)]
struct Case {
    params: AsduParams,
    type_id: TypeId,
    sq: bool,
    cot: Cot,
    ca: CommonAddress,
    objects: Vec<InfoObject<'static>>,
}

fn arb_raw(n: usize) -> BoxedStrategy<(TypeId, Vec<Value<'static>>)> {
    (prop_oneof![Just(41u8), 128..=255u8], 0..=6usize)
        .prop_flat_map(move |(code, len)| {
            let t = RawTypeId::new(code).unwrap();
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), len), n).prop_map(
                move |vs| {
                    (
                        TypeId::Raw(t),
                        vs.into_iter().map(|v| Value::Raw(t, leak(v))).collect(),
                    )
                },
            )
        })
        .boxed()
}

fn arb_case() -> impl Strategy<Value = Case> {
    let types = TypeId::ALL.len();
    (
        1..=2u8,
        1..=2u8,
        1..=3u8,
        0..=types,
        any::<bool>(),
        0..=12usize,
    )
        .prop_flat_map(move |(cs, cas, ios, ti, sq, n)| {
            let params = AsduParams::new(cs, cas, ios, 255).unwrap();
            let (ti, n) = match TypeId::ALL.get(ti) {
                Some(&TypeId::FSgNa1) => (Some(TypeId::FSgNa1), 1),
                Some(t) => (Some(*t), n),
                None => (None, n),
            };
            let values = match ti {
                Some(t) => proptest::collection::vec(arb_value(t), n)
                    .prop_map(move |v| (t, v))
                    .boxed(),
                None => arb_raw(n),
            };
            let max_ioa = params.max_ioa();
            let ioas = proptest::collection::vec(0..=max_ioa, n);
            let first = 0..=max_ioa.saturating_sub(n as u32);
            let cot = (1..=63u8, any::<bool>(), any::<bool>(), any::<u8>()).prop_map(
                move |(c, pn, t, oa)| Cot {
                    cause: Cause::new(c).unwrap(),
                    negative: pn,
                    test: t,
                    originator: if cs == 2 { oa } else { 0 },
                },
            );
            let ca = (0..=params.max_ca()).prop_map(CommonAddress);
            (values, ioas, first, cot, ca).prop_map(
                move |((type_id, values), ioas, first, cot, ca)| {
                    let objects = values
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let a = if sq { first + i as u32 } else { ioas[i] };
                            InfoObject::new(Ioa::new(a).unwrap(), v)
                        })
                        .collect();
                    Case {
                        params,
                        type_id,
                        sq,
                        cot,
                        ca,
                        objects,
                    }
                },
            )
        })
}

/// The objects through [`AsduView::typed`] with the view's own marker (empty for raw types);
/// every other marker yields `None`.
fn typed_values<'a>(view: &AsduView<'a>) -> Vec<(Ioa, Value<'a>)> {
    fn collect<'a, E: Element>(
        view: &AsduView<'a>,
        out: &mut Vec<(Ioa, Value<'a>)>,
        hits: &mut u32,
    ) {
        if let Some(it) = view.typed::<E>() {
            *hits += 1;
            out.extend(it.map(|(ioa, set)| (ioa, E::value(set))));
        }
    }
    macro_rules! all {
        ($($m:ident)*) => {{
            let mut out = Vec::new();
            let mut hits = 0;
            $( collect::<typed::$m>(view, &mut out, &mut hits); )*
            assert_eq!(hits, u32::from(!matches!(view.type_id(), TypeId::Raw(_) | TypeId::CRdNa1)));
            out
        }};
    }
    all!(MSpNa1 MSpTa1 MDpNa1 MDpTa1 MStNa1 MStTa1 MBoNa1 MBoTa1 MMeNa1 MMeTa1 MMeNb1 MMeTb1
        MMeNc1 MMeTc1 MItNa1 MItTa1 MEpTa1 MEpTb1 MEpTc1 MPsNa1 MMeNd1 MSpTb1 MDpTb1 MStTb1
        MBoTb1 MMeTd1 MMeTe1 MMeTf1 MItTb1 MEpTd1 MEpTe1 MEpTf1 CScNa1 CDcNa1 CRcNa1 CSeNa1
        CSeNb1 CSeNc1 CBoNa1 CScTa1 CDcTa1 CRcTa1 CSeTa1 CSeTb1 CSeTc1 CBoTa1 MEiNa1 CIcNa1
        CCiNa1 CCsNa1 CTsNa1 CRpNa1 CCdNa1 CTsTa1 PMeNa1 PMeNb1 PMeNc1 PAcNa1 FFrNa1 FSrNa1
        FScNa1 FLsNa1 FAfNa1 FSgNa1 FDrTa1 FScNb1)
}

fn value_bytes(v: &Value<'_>) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    let n = v.encode(&mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn every_type_round_trips(case in arb_case()) {
        let asdu = Asdu {
            params: case.params,
            type_id: case.type_id,
            sq: case.sq,
            cot: case.cot,
            ca: case.ca,
            objects: &case.objects,
        };
        let mut buf = [0xEEu8; 300];
        let len = asdu.encoded_len();
        let written = asdu.encode(&mut buf).unwrap();
        prop_assert_eq!(written, len);
        prop_assert!(buf[len..].iter().all(|b| *b == 0xEE), "wrote past encoded_len");
        let bytes = &buf[..len];

        let view = AsduView::decode(&case.params, bytes).unwrap();
        prop_assert_eq!(view.type_id(), case.type_id);
        prop_assert_eq!(view.sq(), case.sq);
        prop_assert_eq!(view.cot(), case.cot);
        prop_assert_eq!(view.ca(), case.ca);
        prop_assert_eq!(usize::from(view.count()), case.objects.len());
        let got: Vec<_> = view.objects().collect();
        prop_assert_eq!(got.len(), case.objects.len());
        for (g, w) in got.iter().zip(&case.objects) {
            prop_assert_eq!(g.ioa, w.ioa);
            // Compare encodings: bit-exact even for NaN floats.
            prop_assert_eq!(value_bytes(&g.value), value_bytes(&w.value));
        }

        // The typed iterator yields the same objects.
        let typed = typed_values(&view);
        if !matches!(case.type_id, TypeId::Raw(_) | TypeId::CRdNa1) {
            prop_assert_eq!(typed.len(), got.len());
        }
        for (t, g) in typed.iter().zip(&got) {
            prop_assert_eq!(t.0, g.ioa);
            prop_assert_eq!(value_bytes(&t.1), value_bytes(&g.value));
        }

        // The builder produces the same octets from the decoded objects.
        let mut again = [0u8; 255];
        let mut b = AsduBuilder::new(&case.params, view.type_id(), view.cot(), view.ca(), view.sq(), &mut again).unwrap();
        for o in &got {
            b.push_object(o).unwrap();
        }
        prop_assert_eq!(b.finish(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_decode_canonically(
        sizes in (1..=2u8, 1..=2u8, 1..=3u8),
        bytes in proptest::collection::vec(any::<u8>(), 0..=255),
    ) {
        let p = AsduParams::new(sizes.0, sizes.1, sizes.2, 255).unwrap();
        assert_canonical(&p, &bytes);
    }

    #[test]
    fn mutated_valid_asdus_never_panic(
        case in arb_case(),
        at in any::<usize>(),
        xor in 1..=255u8,
        cut in any::<bool>(),
    ) {
        let asdu = Asdu {
            params: case.params,
            type_id: case.type_id,
            sq: case.sq,
            cot: case.cot,
            ca: case.ca,
            objects: &case.objects,
        };
        let mut buf = vec![0u8; asdu.encoded_len()];
        asdu.encode(&mut buf).unwrap();
        let i = at % buf.len();
        if cut {
            buf.truncate(i);
        } else {
            buf[i] ^= xor;
        }
        assert_canonical(&case.params, &buf);
    }
}

/// Decoding never panics; if it succeeds, every object is yielded, the objects consume the
/// input exactly, and re-encoding reproduces the input.
fn assert_canonical(p: &AsduParams, bytes: &[u8]) {
    let Ok(view) = AsduView::decode(p, bytes) else {
        return;
    };
    let objects: Vec<_> = view.objects().collect();
    assert_eq!(objects.len(), usize::from(view.count()));
    if !matches!(view.type_id(), TypeId::Raw(_) | TypeId::CRdNa1) {
        let typed: Vec<_> = typed_values(&view)
            .into_iter()
            .map(|(ioa, _)| ioa)
            .collect();
        let general: Vec<_> = objects.iter().map(|o| o.ioa).collect();
        assert_eq!(typed, general);
    }
    let mut out = [0u8; 255];
    let mut b = AsduBuilder::new(
        p,
        view.type_id(),
        view.cot(),
        view.ca(),
        view.sq(),
        &mut out,
    )
    .unwrap();
    for o in &objects {
        b.push_object(o).unwrap();
    }
    assert_eq!(b.finish(), bytes);
}
