//! Golden vector: every TPKT, COTP, session, presentation and ACSE PDU of the real ICCP
//! capture decodes, re-encodes to the identical bytes, and the counts per PDU kind match
//! what tshark 4.0 reports for the same file:
//!
//! ```text
//! tshark -r iccp-switchover-real.pcap -T fields -e cotp.type   # 11 CR, 9 CC, 2 DR, 4913 DT
//! tshark -r iccp-switchover-real.pcap -T fields -e cotp.eot    # 2600 with EOT, 2313 without
//! tshark -r iccp-switchover-real.pcap -T fields -e ses.type    # 9 CN (13), 9 AC (14),
//!                                                             # 5164 GT/DT (1) = 2582 GT+DT
//! tshark -r iccp-switchover-real.pcap -Y acse -V | grep aarq   # 9 AARQ, 9 AARE
//! ```
//!
//! Each data TSDU's MMS PDU, framed again with `stack::encode_mms_data`, must also give the
//! very TPKTs (DT segmentation included) seen on the wire.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::BTreeMap;

use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::acse::Apdu;
use telecontrol_mms_pdu::ber;
use telecontrol_mms_pdu::cotp::Tpdu;
use telecontrol_mms_pdu::cotp::TpduSize;
use telecontrol_mms_pdu::presentation::Ppdu;
use telecontrol_mms_pdu::session::Spdu;
use telecontrol_mms_pdu::stack::{encode_mms_data, mms_data_len, peel};
use telecontrol_mms_pdu::tpkt::Tpkt;

fn reencode<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    let n = v.encode(&mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

/// Re-encode `v` (decoded from `original`): identical bytes unless `original` has
/// non-minimal BER, in which case the re-encoding must decode to the same value. Returns
/// whether the bytes were identical.
fn canonical_round_trip<T: Encode>(
    v: &T,
    original: &[u8],
    decodes_to_same: impl Fn(&[u8]) -> bool,
) -> bool {
    let out = reencode(v);
    if out == original {
        return true;
    }
    // Only a non-minimal original (indefinite or long-form lengths) may come back different,
    // and then it must decode to the same value.
    assert!(!ber::all_minimal(original).unwrap());
    assert!(decodes_to_same(&out));
    false
}

#[test]
fn every_pdu_of_the_capture_decodes_and_reencodes() {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut bump = |k: &'static str| *counts.entry(k).or_default() += 1;

    for t in common::capture_tpkts() {
        let tpkt = Tpkt::decode(&t.bytes).unwrap();
        assert_eq!(reencode(&tpkt), t.bytes, "frame {} TPKT", t.frame);
        bump("tpkt");
        let tpdu =
            Tpdu::decode(tpkt.payload).unwrap_or_else(|e| panic!("frame {}: COTP {e}", t.frame));
        assert_eq!(reencode(&tpdu), tpkt.payload, "frame {} COTP", t.frame);
        match tpdu {
            Tpdu::ConnectionRequest(_) => bump("cotp CR"),
            Tpdu::ConnectionConfirm(_) => bump("cotp CC"),
            Tpdu::DisconnectRequest(d) => {
                bump("cotp DR");
                if d.lenient {
                    bump("cotp DR lenient");
                }
            }
            Tpdu::Data(d) if d.eot => bump("cotp DT eot"),
            Tpdu::Data(_) => bump("cotp DT more"),
            _ => bump("cotp other"),
        }
    }

    for t in common::capture_tsdus() {
        let p = peel(&t.bytes).unwrap_or_else(|e| panic!("frame {}: {e}", t.frame));
        assert_eq!(reencode(&p.spdu), t.bytes, "frame {} session", t.frame);
        bump(match p.spdu {
            Spdu::Connect(_) => "ses CN",
            Spdu::Accept(_) => "ses AC",
            Spdu::Data(d) if d.dt_parameters.is_some() => "ses GT+DT",
            _ => "ses other",
        });
        let ppdu = p.ppdu.expect("every TSDU of the capture carries a PPDU");
        let ppdu_bytes = p.spdu.user_data().unwrap();
        if !canonical_round_trip(&ppdu, ppdu_bytes, |b| {
            Ppdu::decode_for(p.spdu.si(), b).ok() == Some(ppdu)
        }) {
            println!("frame {}: non-minimal BER in {ppdu:?}", t.frame);
            bump("pres non-minimal BER");
        }
        bump(match ppdu {
            Ppdu::Connect(_) => "pres CP",
            Ppdu::Accept(_) => "pres CPA",
            Ppdu::Data(_) => "pres TD",
            _ => "pres other",
        });
        if let Some(apdu) = p.acse {
            let (_, raw) = ppdu.user_data().unwrap().single_value().unwrap();
            assert_eq!(Apdu::decode(raw), Ok(apdu));
            if !canonical_round_trip(&apdu, raw, |b| Apdu::decode(b).ok() == Some(apdu)) {
                bump("acse non-minimal BER");
            }
            bump(match apdu {
                Apdu::AssociateRequest(_) => "acse AARQ",
                Apdu::AssociateResponse(_) => "acse AARE",
                _ => "acse other",
            });
        }
        if let Some(mms) = p.mms {
            bump("mms");
            // Data TSDUs: framing the MMS PDU again with the negotiated TPDU size (1024 in
            // every CC of the capture) gives the very TPKTs seen on the wire.
            if matches!(p.spdu, Spdu::Data(_)) {
                let ctx = p.context_id.unwrap();
                let mut out = vec![0u8; mms_data_len(mms.len(), ctx, TpduSize::S1024)];
                encode_mms_data(mms, ctx, TpduSize::S1024, &mut out).unwrap();
                if out == t.tpkts {
                    bump("mms data frames identical");
                } else {
                    // Only the peer's indefinite-length TDs differ.
                    assert!(!ber::all_minimal(ppdu_bytes).unwrap(), "frame {}", t.frame);
                }
            }
        }
    }

    println!("PDU counts in the ICCP capture: {counts:#?}");
    let expected: BTreeMap<&'static str, usize> = [
        ("tpkt", 4935),
        ("cotp CR", 11),
        ("cotp CC", 9),
        ("cotp DR", 2),
        ("cotp DR lenient", 2),
        ("cotp DT eot", 2600),
        ("cotp DT more", 2313),
        ("ses CN", 9),
        ("ses AC", 9),
        ("ses GT+DT", 2582),
        ("pres CP", 9),
        ("pres CPA", 9),
        ("pres TD", 2582),
        // One peer sends indefinite lengths (a CPA in frame 929, TD PPDUs in frames 943,
        // 956, 1010, 1045, 5278): decoded, re-encoded with definite lengths.
        ("pres non-minimal BER", 6),
        ("acse AARQ", 9),
        ("acse AARE", 9),
        ("mms", 2600),
        // Every GT+DT TSDU but the 5 indefinite-length TDs, re-framed by encode_mms_data,
        // segmentation included.
        ("mms data frames identical", 2577),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
}

#[test]
fn mms_pdus_are_whole_tlvs() {
    let pdus = common::capture_mms_pdus();
    assert_eq!(pdus.len(), 2600);
    for (frame, pdu) in &pdus {
        let mut r = telecontrol_mms_pdu::ber::BerReader::new(pdu);
        let tlv = r
            .read_tlv()
            .unwrap_or_else(|e| panic!("frame {frame}: {e}"));
        assert!(r.is_empty(), "frame {frame}");
        assert_eq!(
            tlv.tag.class,
            telecontrol_mms_pdu::ber::Class::ContextSpecific
        );
    }
}
