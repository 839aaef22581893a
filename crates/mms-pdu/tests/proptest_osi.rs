//! Property tests of the OSI layers: every PDU built from arbitrary field values encodes to
//! exactly `encoded_len` octets and decodes back to itself; arbitrary bytes never make a
//! decoder panic.

#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::collapsible_if
)]

use proptest::collection::vec;
use proptest::prelude::*;
use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::acse::{
    Aare, Aarq, AbortApdu, Apdu, AuthenticationValue, External, ReleaseApdu, SourceDiagnostic,
};
use telecontrol_mms_pdu::ber::{BitString, Oid, SeqOf, decode_oid};
use telecontrol_mms_pdu::cotp::Reassembler;
use telecontrol_mms_pdu::cotp::{Connect, Data, Disconnect, ErrorTpdu, Tpdu, TpduSize};
use telecontrol_mms_pdu::presentation::{
    AbortProviderPpdu, AbortUserPpdu, AcceptPpdu, BER_TRANSFER_SYNTAX, ConnectPpdu,
    ContextDefinition, ContextResult, Pdv, PdvValue, Ppdu, RefusePpdu, UserData,
};
use telecontrol_mms_pdu::session::{ConnectAccept, DataTransfer, Refuse, Release, Spdu};
use telecontrol_mms_pdu::stack::{encode_mms_data, mms_data_len, peel};
use telecontrol_mms_pdu::tpkt::{self, Framing, Tpkt};

fn encode<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    assert_eq!(v.encode(&mut out), Ok(out.len()));
    out
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn opt_bytes(max: usize) -> impl Strategy<Value = Option<Vec<u8>>> {
    proptest::option::of(bytes(max))
}

/// Encoded contents of a valid OID (2 to 6 arcs).
fn oid_bytes() -> impl Strategy<Value = Vec<u8>> {
    (0u64..3, 0u64..40, vec(any::<u32>(), 0..5)).prop_map(|(a, b, rest)| {
        let mut out = Vec::new();
        let mut push = |mut v: u64| {
            let mut groups = vec![(v & 0x7F) as u8];
            v >>= 7;
            while v > 0 {
                groups.push((v & 0x7F) as u8 | 0x80);
                v >>= 7;
            }
            out.extend(groups.iter().rev());
        };
        push(a * 40 + b);
        for r in rest {
            push(u64::from(r));
        }
        out
    })
}

fn bits(b: &Option<(Vec<u8>, u8)>) -> Option<BitString<'_>> {
    b.as_ref()
        .and_then(|(v, u)| BitString::new(v, if v.is_empty() { 0 } else { *u }))
}

fn opt_bits() -> impl Strategy<Value = Option<(Vec<u8>, u8)>> {
    proptest::option::of((bytes(4), 0u8..8))
}

proptest! {
    #[test]
    fn tpkt_round_trip_and_framing(payload in vec(any::<u8>(), 3..2000), split in 0usize..2004) {
        let t = Tpkt::new(&payload);
        let bytes = encode(&t);
        prop_assert_eq!(Tpkt::decode(&bytes), Ok(t));
        let cut = split.min(bytes.len());
        match tpkt::next_frame(&bytes[..cut], tpkt::MAX_LEN).unwrap() {
            Framing::Complete { tpkt, consumed } => {
                prop_assert_eq!(consumed, bytes.len());
                prop_assert_eq!(tpkt, t);
            }
            Framing::Incomplete { needed } => {
                prop_assert!(cut < bytes.len());
                prop_assert!(needed == 4 || needed == bytes.len());
            }
        }
    }

    #[test]
    fn cotp_round_trip(
        kind in 0u8..6, r1 in any::<u16>(), r2 in any::<u16>(), b in any::<u8>(),
        size in proptest::option::of(7u8..=13), calling in opt_bytes(8), called in opt_bytes(8),
        data in bytes(64), eot in any::<bool>(), nr in 0u8..128,
    ) {
        let c = Connect {
            dst_ref: r1, src_ref: r2, class_options: b, credit: b & 0x0F,
            tpdu_size: size.and_then(TpduSize::from_code),
            calling_tsap: calling.as_deref(), called_tsap: called.as_deref(),
            other_parameters: &[], user_data: &data,
        };
        let tpdu = match kind {
            0 => Tpdu::ConnectionRequest(c),
            1 => Tpdu::ConnectionConfirm(c),
            2 => Tpdu::DisconnectRequest(Disconnect {
                dst_ref: r1, src_ref: r2, reason: b, variable: &[0xE0, 0x01, 0x07],
                user_data: &data, lenient: false,
            }),
            3 => Tpdu::DisconnectConfirm { dst_ref: r1, src_ref: r2 },
            4 => Tpdu::Data(Data { eot, number: nr, user_data: &data }),
            _ => Tpdu::Error(ErrorTpdu { dst_ref: r1, cause: b, invalid_tpdu: calling.as_deref() }),
        };
        let bytes = encode(&tpdu);
        prop_assert_eq!(Tpdu::decode(&bytes), Ok(tpdu));
    }

    #[test]
    fn session_round_trip(
        kind in 0u8..8, o in proptest::option::of(any::<u8>()), tsdu in proptest::option::of(any::<u32>()),
        req in proptest::option::of(any::<u16>()), s1 in opt_bytes(16), s2 in opt_bytes(16),
        ud in opt_bytes(600), info in bytes(300),
    ) {
        let ca = ConnectAccept {
            connection_identifier: s2.as_deref(), protocol_options: o, tsdu_max_size: tsdu,
            version_number: o, token_item: if kind == 1 { o } else { None },
            session_requirements: req, calling_selector: s1.as_deref(),
            called_selector: s2.as_deref(), data_overflow: None, user_data: ud.as_deref(),
            extended_user_data: None,
        };
        let rel = Release { transport_disconnect: o, reflect: s1.as_deref(), user_data: ud.as_deref() };
        let spdu = match kind {
            0 => Spdu::Connect(ca),
            1 => Spdu::Accept(ca),
            2 => Spdu::Refuse(Refuse {
                connection_identifier: s1.as_deref(), transport_disconnect: o,
                session_requirements: req, version_number: o, reason: ud.as_deref(),
            }),
            3 => Spdu::Finish(rel),
            4 => Spdu::Disconnect(rel),
            5 => Spdu::Abort(rel),
            6 => Spdu::AbortAccept,
            _ => Spdu::Data(DataTransfer::new(&info)),
        };
        let bytes = encode(&spdu);
        prop_assert_eq!(Spdu::decode(&bytes), Ok(spdu));
    }

    #[test]
    fn presentation_round_trip(
        kind in 0u8..6, sel in opt_bytes(8), sel2 in opt_bytes(8), ids in vec(any::<i64>(), 0..4),
        oids in vec(oid_bytes(), 1..4), value in bytes(40), pv in opt_bits(), n in proptest::option::of(any::<i64>()),
    ) {
        let ts: Vec<Oid<'_>> = oids.iter().map(|o| decode_oid(o).unwrap()).collect();
        let defs: Vec<ContextDefinition<'_>> = ids.iter().map(|&id| ContextDefinition {
            id, abstract_syntax: ts[0], transfer_syntaxes: SeqOf::from_slice(&ts),
        }).collect();
        let results: Vec<ContextResult<'_>> = ids.iter().map(|&r| ContextResult {
            result: r, transfer_syntax: Some(BER_TRANSFER_SYNTAX), provider_reason: n,
        }).collect();
        // The PDV value must be one TLV to survive as single-ASN1-type.
        let mut tlv = vec![0x04, value.len() as u8];
        tlv.extend_from_slice(&value);
        let pdvs = [
            Pdv { transfer_syntax: None, context_id: 3, value: PdvValue::SingleAsn1Type(&tlv) },
            Pdv { transfer_syntax: Some(ts[0]), context_id: 1, value: PdvValue::OctetAligned(&value) },
        ];
        let ud = Some(UserData::Fully(SeqOf::from_slice(&pdvs)));
        let ppdu = match kind {
            0 => Ppdu::Connect(ConnectPpdu {
                protocol_version: bits(&pv), calling_selector: sel.as_deref(),
                called_selector: sel2.as_deref(), context_list: Some(SeqOf::from_slice(&defs)),
                presentation_requirements: bits(&pv), user_data: ud, ..ConnectPpdu::default()
            }),
            1 => Ppdu::Accept(AcceptPpdu {
                responding_selector: sel.as_deref(), result_list: Some(SeqOf::from_slice(&results)),
                user_session_requirements: bits(&pv), user_data: ud, ..AcceptPpdu::default()
            }),
            2 => Ppdu::Refuse(RefusePpdu {
                responding_selector: sel.as_deref(), provider_reason: n,
                default_context_result: n, user_data: ud, ..RefusePpdu::default()
            }),
            3 => Ppdu::AbortUser(AbortUserPpdu { context_id_list: None, user_data: ud }),
            4 => Ppdu::AbortProvider(AbortProviderPpdu { provider_reason: n, event_identifier: n }),
            _ => Ppdu::Data(UserData::Fully(SeqOf::from_slice(&pdvs))),
        };
        let si = [13, 14, 12, 25, 25, 1][usize::from(kind)];
        let bytes = encode(&ppdu);
        prop_assert_eq!(Ppdu::decode_for(si, &bytes), Ok(ppdu));
    }

    #[test]
    fn acse_round_trip(
        kind in 0u8..5, o1 in oid_bytes(), o2 in proptest::option::of(oid_bytes()),
        n in proptest::option::of(any::<i64>()), m in any::<i64>(), pw in opt_bytes(12),
        mms in bytes(40), pv in opt_bits(),
    ) {
        let ctx = decode_oid(&o1).unwrap();
        let title = o2.as_deref().map(|o| decode_oid(o).unwrap());
        let mut tlv = vec![0xa8, mms.len() as u8];
        tlv.extend_from_slice(&mms);
        let ui = Some(External::single(3, &tlv));
        let auth = pw.as_deref().map(AuthenticationValue::CharString);
        let apdu = match kind {
            0 => Apdu::AssociateRequest(Aarq {
                protocol_version: bits(&pv), called_ap_title: title, called_ae_qualifier: n,
                called_ap_invocation_id: n, calling_ap_title: title, calling_ae_qualifier: n,
                calling_ae_invocation_id: n, mechanism_name: title, authentication_value: auth,
                user_information: ui, ..Aarq::new(ctx)
            }),
            1 => Apdu::AssociateResponse(Aare {
                responding_ap_title: title, responding_ae_qualifier: n,
                responding_ap_invocation_id: n, authentication_value: auth,
                implementation_information: pw.as_deref(), user_information: ui,
                ..Aare::new(ctx, m, SourceDiagnostic::ServiceProvider(m))
            }),
            2 => Apdu::ReleaseRequest(ReleaseApdu { reason: n, user_information: ui }),
            3 => Apdu::ReleaseResponse(ReleaseApdu { reason: n, user_information: None }),
            _ => Apdu::Abort(AbortApdu { source: m, diagnostic: n, user_information: ui }),
        };
        let bytes = encode(&apdu);
        prop_assert_eq!(Apdu::decode(&bytes), Ok(apdu));
    }

    #[test]
    fn mms_data_frames_reassemble(body in bytes(3000), code in 7u8..=11, ctx in 0i64..1000) {
        // An MMS PDU: [3] with a definite length around arbitrary contents.
        let mut pdu = vec![0xa3, 0x82, (body.len() >> 8) as u8, body.len() as u8];
        pdu.extend_from_slice(&body);
        let size = TpduSize::from_code(code).unwrap();
        let mut out = vec![0u8; mms_data_len(pdu.len(), ctx, size)];
        prop_assert_eq!(encode_mms_data(&pdu, ctx, size, &mut out), Ok(out.len()));
        let mut rest = &out[..];
        let mut r = Reassembler::new(vec![0u8; 4096]);
        let mut got = None;
        while let Ok(Framing::Complete { tpkt, consumed }) = tpkt::next_frame(rest, tpkt::MAX_LEN) {
            prop_assert!(tpkt.payload.len() <= size.octets());
            let Ok(Tpdu::Data(dt)) = Tpdu::decode(tpkt.payload) else { panic!("DT") };
            prop_assert!(got.is_none());
            if let Some(tsdu) = r.push(&dt).unwrap() {
                let p = peel(tsdu).unwrap();
                got = Some((p.context_id, p.mms.map(<[u8]>::to_vec)));
            }
            rest = &rest[consumed..];
        }
        prop_assert!(rest.is_empty());
        prop_assert_eq!(got, Some((Some(ctx), Some(pdu))));
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in bytes(300), si in any::<u8>()) {
        let _ = tpkt::next_frame(&input, 1000);
        let _ = Tpkt::decode(&input);
        let _ = Tpdu::decode(&input);
        let _ = Spdu::decode(&input);
        if let Ok(p) = Ppdu::decode_for(si, &input) {
            if let Some(UserData::Fully(l)) = p.user_data() {
                let _ = l.iter().count();
            }
        }
        let _ = Ppdu::decode(&input);
        let _ = Apdu::decode(&input);
        if let Ok(p) = peel(&input) {
            let _ = p.mms.map(<[u8]>::len);
        }
    }

    /// Arbitrary bytes behind valid lower-layer headers reach the upper decoders.
    #[test]
    fn arbitrary_user_data_never_panics(input in bytes(300), si in prop_oneof![Just(13u8), Just(14), Just(1)]) {
        let mut tsdu = vec![si, 0];
        if si == 1 {
            tsdu.extend_from_slice(&[1, 0]);
            tsdu.extend_from_slice(&input);
        } else if input.len() < 250 {
            tsdu[1] = input.len() as u8 + 2;
            tsdu.extend_from_slice(&[193, input.len() as u8]);
            tsdu.extend_from_slice(&input);
        }
        let _ = peel(&tsdu);
    }
}
