//! Fuzz bodies for the OSI layers of `telecontrol-mms-pdu`: the BER reader, and TPKT → COTP
//! → session → presentation → ACSE.
#![allow(clippy::expect_used, clippy::panic, clippy::missing_panics_doc)]

use mms_pdu::acse::Apdu;
use mms_pdu::ber::{self, BerReader};
use mms_pdu::cotp::{Reassembler, Tpdu};
use mms_pdu::presentation::Ppdu;
use mms_pdu::session::Spdu;
use mms_pdu::stack::peel;
use mms_pdu::tpkt::{self, Framing, Tpkt};
use telecontrol_core::{Decode, Encode};

/// `ber_reader`: walk every element of `data` through arbitrary nesting (an explicit stack;
/// the reader's depth limit bounds it), applying every value decoder; a TLV's offsets and
/// lengths stay inside the input; nothing panics.
pub fn ber_reader(data: &[u8]) {
    let mut stack = vec![BerReader::new(data)];
    while let Some(mut r) = stack.pop() {
        let Ok(t) = r.read_tlv() else {
            continue;
        };
        let end = t.offset + t.encoded().len();
        assert!(end <= data.len());
        assert_eq!(data.get(t.offset..end), Some(t.encoded()));
        assert!(t.header_len + t.value.len() <= t.encoded().len());
        let _ = (t.as_bool(), t.as_i64(), t.as_u64(), t.as_i32(), t.as_u32());
        let _ = (
            t.as_bit_string().map(|b| (b.len(), b.bit(3))),
            t.as_visible_str(),
        );
        if let Ok(oid) = t.as_oid() {
            let _ = oid.arcs().count();
            let _ = oid.to_string();
        }
        if t.is_minimal() && !t.tag.constructed {
            let mut out = vec![0u8; ber::tlv_len(t.tag, t.value.len())];
            let mut w = telecontrol_core::Writer::new(&mut out);
            ber::write_tlv(&mut w, t.tag, t.value).expect("fits");
            assert_eq!(out, t.encoded(), "minimal TLV re-encodes identically");
        }
        stack.push(r);
        if t.tag.constructed {
            stack.push(t.reader());
        }
    }
    let _ = ber::all_minimal(data);
}

fn encode<T: Encode>(v: &T) -> Option<Vec<u8>> {
    let mut out = vec![0u8; v.encoded_len()];
    v.encode(&mut out).ok().map(|n| {
        assert_eq!(n, out.len(), "encoded_len agrees");
        out
    })
}

/// Every layer of a peeled TSDU re-encodes to something that decodes to the same value.
fn check_tsdu(tsdu: &[u8]) {
    let Ok(p) = peel(tsdu) else {
        return;
    };
    if let Some(b) = encode(&p.spdu) {
        assert_eq!(Spdu::decode(&b), Ok(p.spdu), "session round trip");
    }
    if let Some(ppdu) = p.ppdu
        && let Some(b) = encode(&ppdu)
    {
        assert_eq!(
            Ppdu::decode_for(p.spdu.si(), &b),
            Ok(ppdu),
            "presentation round trip"
        );
    }
    if let Some(apdu) = p.acse
        && let Some(b) = encode(&apdu)
    {
        assert_eq!(Apdu::decode(&b), Ok(apdu), "ACSE round trip");
    }
    if let Some(mms) = p.mms {
        ber_reader(mms);
        // The way back: framed as DT segments of 128 octets, it reassembles to the same PDU.
        let ctx = p.context_id.unwrap_or(3);
        let size = mms_pdu::cotp::TpduSize::S128;
        let mut out = vec![0u8; mms_pdu::stack::mms_data_len(mms.len(), ctx, size)];
        let n = mms_pdu::stack::encode_mms_data(mms, ctx, size, &mut out).expect("sized");
        assert_eq!(n, out.len());
        let mut rest = &out[..];
        let mut r = Reassembler::new(vec![0u8; out.len()]);
        let mut back = None;
        while let Ok(Framing::Complete { tpkt, consumed }) = tpkt::next_frame(rest, 8192) {
            if let Ok(Tpdu::Data(dt)) = Tpdu::decode(tpkt.payload)
                && let Ok(Some(tsdu)) = r.push(&dt)
            {
                back = peel(tsdu).ok().and_then(|q| q.mms.map(<[u8]>::to_vec));
            }
            rest = rest.get(consumed..).unwrap_or(&[]);
        }
        // In P-DATA an APPLICATION-class value is ACSE by definition (MMS PDUs are
        // context-specific): a value found inside an AARQ/AARE with such a tag does not come
        // back as MMS, and need not.
        if mms.first().is_some_and(|t| t & 0xC0 != 0x40) {
            assert_eq!(back.as_deref(), Some(mms), "encode_mms_data round trip");
        }
    }
}

/// `osi_stack`: split `data` into TPKTs, decode each TPDU (re-encoding it to the same value),
/// reassemble DT segments in a 4 KiB buffer and peel every TSDU; then peel `data` itself as
/// a TSDU so the upper layers see arbitrary bytes too. Nothing panics.
pub fn osi_stack(data: &[u8]) {
    let mut rest = data;
    let mut reassembler = Reassembler::new([0u8; 4096]);
    loop {
        match tpkt::next_frame(rest, 8192) {
            Ok(Framing::Complete { tpkt, consumed }) => {
                assert!(consumed >= tpkt::MIN_LEN && consumed <= rest.len());
                let again = rest.get(..consumed).expect("consumed within input");
                assert_eq!(Tpkt::decode(again), Ok(tpkt));
                rest = rest.get(consumed..).unwrap_or(&[]);
                let Ok(tpdu) = Tpdu::decode(tpkt.payload) else {
                    continue;
                };
                if let Some(b) = encode(&tpdu) {
                    assert_eq!(Tpdu::decode(&b), Ok(tpdu), "COTP round trip");
                }
                if let Tpdu::Data(dt) = tpdu
                    && let Ok(Some(tsdu)) = reassembler.push(&dt)
                {
                    check_tsdu(tsdu);
                }
            }
            Ok(Framing::Incomplete { .. }) => break,
            Err(e) => {
                let _ = e.to_string();
                break;
            }
        }
    }
    check_tsdu(data);
}
