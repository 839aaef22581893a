//! Peel the upper OSI layers from one COTP TSDU: session SPDU(s) → presentation PPDU →
//! ACSE APDU and/or the encoded MMS PDU, telling which layers were present.
//!
//! The presentation PPDU kind follows from the SPDU (see [`Ppdu::decode_for`]); inside the
//! PPDU's user data an `[APPLICATION n]` value is an ACSE APDU (whose user information
//! carries the MMS PDU) and a context-specific value is an MMS PDU itself. Offsets in errors
//! are relative to the layer's own octets (the TSDU for session, the session user data for
//! presentation, the PDV value for ACSE).
//!
//! The way back for data: [`encode_mms_data`] writes an MMS PDU as the TPKT frames of an
//! established association, segmented to the negotiated TPDU size.

use core::fmt;

use telecontrol_core::{Decode, Encode, EncodeError, Writer};

use crate::acse::{AcseError, Apdu};
use crate::ber::{BerReader, Class, SeqOf};
use crate::cotp::TpduSize;
use crate::presentation::{Pdv, PdvValue, Ppdu, PresentationError, UserData};
use crate::session::{SessionError, Spdu};

/// The layers found in one TSDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peeled<'a> {
    /// The session SPDU (GT+DT counts as one).
    pub spdu: Spdu<'a>,
    /// The presentation PPDU, if the SPDU had user data.
    pub ppdu: Option<Ppdu<'a>>,
    /// The ACSE APDU, if the presentation user data held one.
    pub acse: Option<Apdu<'a>>,
    /// The presentation context of the MMS PDU: the PDV's identifier, or the EXTERNAL's
    /// indirect reference inside ACSE.
    pub context_id: Option<i64>,
    /// The encoded MMS PDU (one whole TLV), if any.
    pub mms: Option<&'a [u8]>,
}

/// The layer that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StackError {
    /// The session SPDU.
    Session(SessionError),
    /// The presentation PPDU.
    Presentation(PresentationError),
    /// The ACSE APDU.
    Acse(AcseError),
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::Session(e) => write!(f, "session: {e}"),
            StackError::Presentation(e) => write!(f, "presentation: {e}"),
            StackError::Acse(e) => write!(f, "ACSE: {e}"),
        }
    }
}

impl core::error::Error for StackError {}

impl From<SessionError> for StackError {
    fn from(e: SessionError) -> Self {
        StackError::Session(e)
    }
}

impl From<PresentationError> for StackError {
    fn from(e: PresentationError) -> Self {
        StackError::Presentation(e)
    }
}

impl From<AcseError> for StackError {
    fn from(e: AcseError) -> Self {
        StackError::Acse(e)
    }
}

/// Decode session, presentation and ACSE from one reassembled TSDU.
///
/// # Errors
/// [`StackError`] naming the layer that failed.
pub fn peel(tsdu: &[u8]) -> Result<Peeled<'_>, StackError> {
    let spdu = Spdu::decode(tsdu)?;
    peel_user_data(spdu, spdu.user_data())
}

/// Decode presentation and ACSE from the session user data of `spdu` held elsewhere:
/// connect user data reassembled from a CN and its CDOs (X.225 data overflow).
///
/// # Errors
/// [`StackError`] naming the layer that failed.
pub fn peel_user_data<'a>(
    spdu: Spdu<'a>,
    user_data: Option<&'a [u8]>,
) -> Result<Peeled<'a>, StackError> {
    let mut out = Peeled {
        spdu,
        ppdu: None,
        acse: None,
        context_id: None,
        mms: None,
    };
    let Some(user_data) = user_data else {
        return Ok(out);
    };
    let ppdu = Ppdu::decode_for(spdu.si(), user_data)?;
    out.ppdu = Some(ppdu);
    let Some((ctx, value)) = ppdu.user_data().and_then(|u| u.single_value()) else {
        return Ok(out);
    };
    let mut r = BerReader::new(value);
    let tlv = r
        .read_tlv()
        .map_err(|e| StackError::Presentation(PresentationError::Ber(e)))?;
    r.finish()
        .map_err(|e| StackError::Presentation(PresentationError::Ber(e)))?;
    if tlv.tag.class == Class::Application {
        let apdu = Apdu::from_tlv(&tlv)?;
        out.acse = Some(apdu);
        if let Some(ext) = apdu.user_information() {
            out.context_id = ext.indirect_reference;
            out.mms = ext.single_value();
            if let Some(v) = out.mms {
                // The EXTERNAL's single-ASN1-type must hold exactly one value.
                let mut r = BerReader::new(v);
                r.read_tlv()
                    .and_then(|_| r.finish())
                    .map_err(|e| StackError::Acse(AcseError::Ber(e)))?;
            }
        }
    } else {
        out.context_id = Some(ctx);
        out.mms = Some(value);
    }
    Ok(out)
}

/// Octets of TPKT plus class 0 DT header in front of each segment.
const FRAME_OVERHEAD: usize = 7;

/// Octets [`encode_mms_data`] writes for an MMS PDU of `mms_len` octets.
#[must_use]
pub fn mms_data_len(mms_len: usize, context_id: i64, tpdu_size: TpduSize) -> usize {
    let (tsdu, segments) = data_layout(mms_len, context_id, tpdu_size);
    tsdu.saturating_add(segments.saturating_mul(FRAME_OVERHEAD))
}

fn user_data_len(mms_len: usize, context_id: i64) -> usize {
    use crate::ber::{Tag, i64_tlv_len, tlv_len};
    let value = tlv_len(Tag::context(0, true), mms_len);
    let pdv = tlv_len(
        Tag::SEQUENCE,
        i64_tlv_len(Tag::INTEGER, context_id).saturating_add(value),
    );
    tlv_len(Tag::application(1, true), pdv)
}

/// (TSDU octets, number of DT segments).
fn data_layout(mms_len: usize, context_id: i64, tpdu_size: TpduSize) -> (usize, usize) {
    let tsdu = user_data_len(mms_len, context_id)
        .saturating_add(crate::session::data_transfer_header_len());
    // The TPDU size counts the DT header (3 octets) but not the TPKT header.
    let segment = tpdu_size.octets().saturating_sub(3).max(1);
    (tsdu, tsdu.div_ceil(segment).max(1))
}

/// Write an MMS PDU as it travels on an established association: presentation
/// fully-encoded data (one PDV in `context_id`, single-ASN1-type) behind GT+DT, split into
/// class 0 DT TPDUs of at most `tpdu_size` octets (EOT on the last), each in a TPKT.
/// Returns the octets written; `out` then holds consecutive TPKTs ready for the socket.
///
/// No scratch buffer is needed: the TSDU is encoded behind the room for the headers, then
/// the segments are moved forward into place.
///
/// # Errors
/// [`EncodeError::BufferTooSmall`] if `out` is shorter than [`mms_data_len`] (then `out`
/// is untouched).
pub fn encode_mms_data(
    mms_pdu: &[u8],
    context_id: i64,
    tpdu_size: TpduSize,
    out: &mut [u8],
) -> Result<usize, EncodeError> {
    let (tsdu_len, segments) = data_layout(mms_pdu.len(), context_id, tpdu_size);
    let headers = segments.saturating_mul(FRAME_OVERHEAD);
    let total = tsdu_len.saturating_add(headers);
    let available = out.len();
    let buf = out.get_mut(..total).ok_or(EncodeError::BufferTooSmall {
        needed: total,
        available,
    })?;
    // 1. The TSDU, behind the room for every header.
    {
        let mut w = Writer::new(buf.get_mut(headers..).unwrap_or(&mut []));
        crate::session::write_data_transfer_header(&mut w)?;
        let pdv = [Pdv {
            transfer_syntax: None,
            context_id,
            value: PdvValue::SingleAsn1Type(mms_pdu),
        }];
        UserData::Fully(SeqOf::from_slice(&pdv)).write_to(&mut w)?;
        debug_assert_eq!(w.position(), tsdu_len);
    }
    // 2. Segments forward (destination never after source), each behind its headers.
    let segment = tpdu_size.octets().saturating_sub(3).max(1);
    let mut src = headers;
    let mut dst = 0usize;
    let end = total;
    while src < end {
        let len = segment.min(end.saturating_sub(src));
        let last = src.saturating_add(len) >= end;
        buf.copy_within(
            src..src.saturating_add(len),
            dst.saturating_add(FRAME_OVERHEAD),
        );
        let frame_len = len.saturating_add(FRAME_OVERHEAD);
        let mut w = Writer::new(
            buf.get_mut(dst..dst.saturating_add(FRAME_OVERHEAD))
                .unwrap_or(&mut []),
        );
        crate::tpkt::write_header(&mut w, frame_len.saturating_sub(crate::tpkt::HEADER_LEN))?;
        crate::cotp::write_data_header(&mut w, last)?;
        src = src.saturating_add(len);
        dst = dst.saturating_add(frame_len);
    }
    Ok(total)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::session::DataTransfer;

    #[test]
    fn data_and_errors() {
        // GT + DT + fully-encoded data { PDV { 3, [0] { MMS PDU a0 00 } } }.
        let tsdu = [
            0x01, 0x00, 0x01, 0x00, 0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x03, 0xa0, 0x02, 0xa0,
            0x00,
        ];
        let p = peel(&tsdu).unwrap();
        assert!(matches!(p.spdu, Spdu::Data(DataTransfer { .. })));
        assert!(p.ppdu.is_some() && p.acse.is_none());
        assert_eq!((p.context_id, p.mms), (Some(3), Some(&[0xa0, 0x00][..])));
        assert!(matches!(peel(&[0x01]), Err(StackError::Session(_))));
        assert!(matches!(
            peel(&[0x01, 0x00, 0x01, 0x00, 0x61]),
            Err(StackError::Presentation(_))
        ));
        let abort_accept = peel(&[0x1a, 0x00]).unwrap();
        assert_eq!(abort_accept.ppdu, None);
    }

    #[test]
    fn mms_in_acse_must_be_one_value() {
        use crate::acse::{Aarq, External, MMS_APPLICATION_CONTEXT};
        use crate::session::ConnectAccept;
        let check = |mms: &[u8]| {
            let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
            aarq.user_information = Some(External::single(3, mms));
            let mut a = [0u8; 64];
            let n = Apdu::AssociateRequest(aarq).encode(&mut a).unwrap();
            let pdv = [Pdv {
                transfer_syntax: None,
                context_id: 1,
                value: PdvValue::SingleAsn1Type(&a[..n]),
            }];
            let cp = crate::presentation::ConnectPpdu {
                user_data: Some(UserData::Fully(SeqOf::from_slice(&pdv))),
                ..Default::default()
            };
            let mut c = [0u8; 128];
            let n = cp.encode(&mut c).unwrap();
            let cn = Spdu::Connect(ConnectAccept {
                user_data: Some(&c[..n]),
                ..ConnectAccept::default()
            });
            let mut t = [0u8; 160];
            let n = cn.encode(&mut t).unwrap();
            peel(&t[..n]).map(|p| p.mms.map(<[u8]>::len))
        };
        assert_eq!(check(&[0xa8, 0x00]), Ok(Some(2)));
        assert!(matches!(
            check(&[0xa8, 0x05]),
            Err(StackError::Acse(AcseError::Ber(_)))
        ));
        assert!(matches!(
            check(&[0xa8, 0x00, 0x00]),
            Err(StackError::Acse(AcseError::Ber(_)))
        ));
    }

    #[test]
    fn mms_data_frames() {
        use crate::cotp::{Reassembler, Tpdu};
        use crate::tpkt::{Framing, MAX_LEN, next_frame};

        // One frame: TPKT, DT, GT+DT, TD { PDV { 3, [0] { a0 00 } } }.
        let mut out = [0u8; 64];
        let n = encode_mms_data(&[0xa0, 0x00], 3, TpduSize::S1024, &mut out).unwrap();
        assert_eq!(n, mms_data_len(2, 3, TpduSize::S1024));
        assert_eq!(
            &out[..n],
            &[
                0x03, 0x00, 0x00, 0x16, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x09, 0x30,
                0x07, 0x02, 0x01, 0x03, 0xa0, 0x02, 0xa0, 0x00
            ][..]
        );
        assert!(matches!(
            encode_mms_data(&[0xa0, 0x00], 3, TpduSize::S1024, &mut out[..21]),
            Err(EncodeError::BufferTooSmall {
                needed: 22,
                available: 21
            })
        ));

        // 1 000 octets in 128-octet TPDUs: 9 frames that reassemble to the same PDU.
        let mut pdu = [0x55u8; 1000];
        pdu[..4].copy_from_slice(&[0xa3, 0x82, 0x03, 0xe4]);
        let mut out = [0u8; 1200];
        let n = encode_mms_data(&pdu, 3, TpduSize::S128, &mut out).unwrap();
        assert_eq!(n, mms_data_len(1000, 3, TpduSize::S128));
        let mut rest = &out[..n];
        let mut r = Reassembler::new([0u8; 2048]);
        let mut frames = 0;
        let mut got = None;
        while let Ok(Framing::Complete { tpkt, consumed }) = next_frame(rest, MAX_LEN) {
            frames += 1;
            assert!(tpkt.payload.len() <= 128);
            let Ok(Tpdu::Data(dt)) = Tpdu::decode(tpkt.payload) else {
                panic!("DT")
            };
            if let Some(tsdu) = r.push(&dt).unwrap() {
                let p = peel(tsdu).unwrap();
                got = Some((p.context_id, p.mms.unwrap() == &pdu[..]));
            }
            rest = &rest[consumed..];
        }
        assert!(rest.is_empty());
        assert_eq!(frames, 9);
        assert_eq!(got, Some((Some(3), true)));
    }
}
