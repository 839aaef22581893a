//! Decoding and encoding the OSI layers allocates nothing: the whole ICCP capture is framed,
//! decoded, reassembled, peeled and re-encoded inside `allocation_counter::measure`, with
//! every buffer allocated before.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod common;

use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::ber::{self, BerReader, SeqOf};
use telecontrol_mms_pdu::cotp::TpduSize;
use telecontrol_mms_pdu::cotp::{Reassembler, Tpdu};
use telecontrol_mms_pdu::presentation::{
    ACSE_ABSTRACT_SYNTAX, BER_TRANSFER_SYNTAX, ConnectPpdu, ContextDefinition, MMS_ABSTRACT_SYNTAX,
    Pdv, PdvValue, Ppdu, UserData,
};
use telecontrol_mms_pdu::session::{ConnectAccept, Spdu};
use telecontrol_mms_pdu::stack::{encode_mms_data, peel};
use telecontrol_mms_pdu::tpkt::{self, Framing, Tpkt};
use telecontrol_mms_pdu::{acse, cotp};

#[derive(Default)]
struct Tally {
    tpkts: usize,
    tsdus: usize,
    mms: usize,
    elements: usize,
    encoded: usize,
}

/// Walk every TLV of an MMS PDU (recursion bounded by the reader's depth limit).
fn walk(r: BerReader<'_>, n: &mut usize) {
    let mut r = r;
    while let Ok(t) = r.read_tlv() {
        *n += 1;
        if t.tag.constructed {
            walk(t.reader(), n);
        }
    }
}

fn run(stream: &[u8], storage: &mut [u8], out: &mut [u8]) -> Tally {
    let mut tally = Tally::default();
    let mut rest = stream;
    let mut reassembler = Reassembler::new(storage);
    while let Ok(Framing::Complete { tpkt, consumed }) = tpkt::next_frame(rest, tpkt::MAX_LEN) {
        rest = rest.get(consumed..).unwrap();
        tally.tpkts += 1;
        tally.encoded += tpkt.encode(out).unwrap();
        let tpdu = Tpdu::decode(tpkt.payload).unwrap();
        tally.encoded += tpdu.encode(out).unwrap();
        let Tpdu::Data(dt) = tpdu else { continue };
        let Some(tsdu) = reassembler.push(&dt).unwrap() else {
            continue;
        };
        tally.tsdus += 1;
        let p = peel(tsdu).unwrap();
        tally.encoded += p.spdu.encode(out).unwrap();
        if let Some(ppdu) = p.ppdu {
            tally.encoded += ppdu.encode(out).unwrap();
            if let Ppdu::Connect(cp) = ppdu {
                for c in cp.context_list.unwrap().iter() {
                    tally.elements += c.transfer_syntaxes.iter().count();
                }
            }
        }
        if let Some(apdu) = p.acse {
            tally.encoded += apdu.encode(out).unwrap();
        }
        if let Some(mms) = p.mms {
            tally.mms += 1;
            walk(BerReader::new(mms), &mut tally.elements);
            let ctx = p.context_id.unwrap();
            tally.encoded += encode_mms_data(mms, ctx, TpduSize::S1024, out).unwrap();
            ber::all_minimal(mms).unwrap();
        }
    }
    assert!(rest.is_empty());
    tally
}

/// The README example's CN, built and decoded without allocation.
fn build_connect(out: &mut [u8]) -> usize {
    let initiate = [0xa8, 0x03, 0x80, 0x01, 0x05];
    let mut aarq = acse::Aarq::new(acse::MMS_APPLICATION_CONTEXT);
    aarq.user_information = Some(acse::External::single(3, &initiate));
    let mut aarq_buf = [0u8; 64];
    let n = acse::Apdu::AssociateRequest(aarq)
        .encode(&mut aarq_buf)
        .unwrap();
    let ber = [BER_TRANSFER_SYNTAX];
    let contexts = [
        ContextDefinition {
            id: 1,
            abstract_syntax: ACSE_ABSTRACT_SYNTAX,
            transfer_syntaxes: SeqOf::from_slice(&ber),
        },
        ContextDefinition {
            id: 3,
            abstract_syntax: MMS_ABSTRACT_SYNTAX,
            transfer_syntaxes: SeqOf::from_slice(&ber),
        },
    ];
    let pdv = [Pdv {
        transfer_syntax: None,
        context_id: 1,
        value: PdvValue::SingleAsn1Type(aarq_buf.get(..n).unwrap()),
    }];
    let cp = ConnectPpdu {
        context_list: Some(SeqOf::from_slice(&contexts)),
        user_data: Some(UserData::Fully(SeqOf::from_slice(&pdv))),
        ..ConnectPpdu::default()
    };
    let mut cp_buf = [0u8; 160];
    let n = cp.encode(&mut cp_buf).unwrap();
    let cn = Spdu::Connect(ConnectAccept {
        user_data: Some(cp_buf.get(..n).unwrap()),
        ..ConnectAccept::default()
    });
    let mut cn_buf = [0u8; 200];
    let n = cn.encode(&mut cn_buf).unwrap();
    let dt = Tpdu::Data(cotp::Data {
        eot: true,
        number: 0,
        user_data: cn_buf.get(..n).unwrap(),
    });
    let mut dt_buf = [0u8; 210];
    let n = dt.encode(&mut dt_buf).unwrap();
    let len = Tpkt::new(dt_buf.get(..n).unwrap()).encode(out).unwrap();
    let Ok(Framing::Complete { tpkt, .. }) = tpkt::next_frame(out.get(..len).unwrap(), 4096) else {
        panic!("frame")
    };
    let Ok(Tpdu::Data(dt)) = Tpdu::decode(tpkt.payload) else {
        panic!("DT")
    };
    assert_eq!(peel(dt.user_data).unwrap().mms, Some(&initiate[..]));
    len
}

#[test]
fn osi_layers_do_not_allocate() {
    // One TPKT stream per direction (DT segments of different directions interleave).
    let tpkts = common::capture_tpkts();
    let mut flows: Vec<_> = tpkts.iter().map(|t| t.flow).collect();
    flows.sort();
    flows.dedup();
    let streams: Vec<Vec<u8>> = flows
        .iter()
        .map(|f| {
            tpkts
                .iter()
                .filter(|t| t.flow == *f)
                .flat_map(|t| t.bytes.iter().copied())
                .collect()
        })
        .collect();
    let mut storage = vec![0u8; 65536];
    let mut out = vec![0u8; 65536];
    let mut frame = vec![0u8; 512];

    let mut totals = Tally::default();
    let mut built = 0;
    let info = allocation_counter::measure(|| {
        for s in &streams {
            let t = run(s, &mut storage, &mut out);
            totals.tpkts += t.tpkts;
            totals.tsdus += t.tsdus;
            totals.mms += t.mms;
            totals.elements += t.elements;
            totals.encoded += t.encoded;
        }
        built = build_connect(&mut frame);
    });
    assert_eq!(info.count_total, 0, "allocations in the OSI layers");
    // The work was done.
    assert_eq!(totals.tpkts, 4935);
    assert_eq!(totals.tsdus, 2600);
    assert_eq!(totals.mms, 2600);
    assert!(totals.elements > 50_000 && totals.encoded > 1_000_000);
    assert!(built > 60, "{built}");
    // The counter works.
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
}
