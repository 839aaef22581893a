//! `MMSpdu` (ISO 9506-2 7.1): the outermost choice.

use telecontrol_core::{Decode, Encode, EncodeError, Writer};

use super::MmsError;
use super::confirmed::{ConfirmedErrorPdu, ConfirmedRequest, ConfirmedResponse};
use super::errors::{CancelError, RejectPdu, ServiceError};
use super::initiate::InitiateParams;
use super::prim::{Fields, RawElement, ctx, ctx_c, header, int, null, tlv, unexpected};
use super::services::StatusResponse;
use super::variables::InformationReport;
use crate::ber::{self, BerReader, Class, Tag, Tlv};

/// `UnconfirmedService` (ISO 9506-2 7.5).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum UnconfirmedService<'a> {
    /// `informationReport [0]`.
    InformationReport(InformationReport<'a>),
    /// `unsolicitedStatus [1]`.
    UnsolicitedStatus(StatusResponse<'a>),
    /// Another service (`eventNotification [2]`, ...), kept as received.
    Unsupported(RawElement<'a>),
}

impl<'a> UnconfirmedService<'a> {
    fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        if tlv.tag.class != Class::ContextSpecific {
            return Err(unexpected(tlv, "UnconfirmedService"));
        }
        match (tlv.tag.number, tlv.tag.constructed) {
            (0, true) => Ok(Self::InformationReport(InformationReport::decode(tlv)?)),
            (1, true) => Ok(Self::UnsolicitedStatus(StatusResponse::decode(tlv)?)),
            (0 | 1, false) => Err(unexpected(tlv, "UnconfirmedService")),
            _ => Ok(Self::Unsupported(RawElement::from_tlv(tlv))),
        }
    }

    fn tag(&self) -> Tag {
        match self {
            Self::InformationReport(_) => ctx_c(0),
            Self::UnsolicitedStatus(_) => ctx_c(1),
            Self::Unsupported(raw) => raw.tag,
        }
    }

    fn content_len(&self) -> usize {
        match self {
            Self::InformationReport(r) => r.content_len(),
            Self::UnsolicitedStatus(s) => s.content_len(),
            Self::Unsupported(raw) => raw.content.len(),
        }
    }

    /// Write the service element, whose contents length the caller computed.
    fn write(&self, w: &mut Writer<'_>, content_len: usize) -> Result<(), EncodeError> {
        header(w, self.tag(), content_len)?;
        match self {
            Self::InformationReport(r) => r.write_content(w),
            Self::UnsolicitedStatus(s) => s.write_content(w),
            Self::Unsupported(raw) => {
                w.write_bytes(raw.content)?;
                Ok(())
            }
        }
    }
}

/// `MMSpdu` (ISO 9506-2 7.1): one MMS PDU, as carried in a presentation data value.
///
/// There is no MMS abort PDU: an association is aborted with the ACSE A-ABORT.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MmsPdu<'a> {
    /// `confirmed-RequestPDU [0]`.
    ConfirmedRequest(ConfirmedRequest<'a>),
    /// `confirmed-ResponsePDU [1]`.
    ConfirmedResponse(ConfirmedResponse<'a>),
    /// `confirmed-ErrorPDU [2]`.
    ConfirmedError(ConfirmedErrorPdu<'a>),
    /// `unconfirmed-PDU [3]`.
    Unconfirmed(UnconfirmedService<'a>),
    /// `rejectPDU [4]`.
    Reject(RejectPdu),
    /// `cancel-RequestPDU [5]`: the invoke id to cancel.
    CancelRequest(u32),
    /// `cancel-ResponsePDU [6]`: the invoke id cancelled.
    CancelResponse(u32),
    /// `cancel-ErrorPDU [7]`.
    CancelError(CancelError<'a>),
    /// `initiate-RequestPDU [8]`.
    InitiateRequest(InitiateParams<'a>),
    /// `initiate-ResponsePDU [9]`.
    InitiateResponse(InitiateParams<'a>),
    /// `initiate-ErrorPDU [10]`.
    InitiateError(ServiceError<'a>),
    /// `conclude-RequestPDU [11]`.
    ConcludeRequest,
    /// `conclude-ResponsePDU [12]`.
    ConcludeResponse,
    /// `conclude-ErrorPDU [13]`.
    ConcludeError(ServiceError<'a>),
}

impl<'a> MmsPdu<'a> {
    /// Decode one PDU that fills `input`; offsets in errors count from `base`.
    ///
    /// # Errors
    /// [`MmsError`] with the offset of the first problem; trailing octets are an error.
    pub fn decode_at(input: &'a [u8], base: usize) -> Result<Self, MmsError> {
        let mut f = Fields::from_reader(BerReader::new_at(input, base));
        let tlv = f.any("MMSpdu")?;
        f.end()?;
        Self::decode_tlv(&tlv)
    }

    /// The invoke id of a confirmed request, response or error PDU, read without decoding
    /// the service: for answering a PDU that fails to decode with a Reject.
    #[must_use]
    pub fn peek_invoke_id(input: &[u8]) -> Option<u32> {
        let tlv = BerReader::new(input).read_tlv().ok()?;
        let first = tlv.reader().read_tlv().ok()?;
        let expected = match tlv.tag {
            t if t == ctx_c(0) || t == ctx_c(1) => Tag::INTEGER,
            t if t == ctx_c(2) => ctx(0),
            _ => return None,
        };
        if first.tag != expected {
            return None;
        }
        first.as_u32().ok()
    }

    fn decode_tlv(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let t = tlv.tag;
        if t.class != Class::ContextSpecific {
            return Err(MmsError::UnknownPdu {
                offset: tlv.offset,
                tag: t,
            });
        }
        let pdu = match (t.number, t.constructed) {
            (0, true) => MmsPdu::ConfirmedRequest(ConfirmedRequest::decode(tlv)?),
            (1, true) => MmsPdu::ConfirmedResponse(ConfirmedResponse::decode(tlv)?),
            (2, true) => MmsPdu::ConfirmedError(ConfirmedErrorPdu::decode(tlv)?),
            (3, true) => {
                let mut f = Fields::of(tlv, "Unconfirmed-PDU")?;
                let s = UnconfirmedService::decode(&f.any("unconfirmedService")?)?;
                f.end()?;
                MmsPdu::Unconfirmed(s)
            }
            (4, true) => MmsPdu::Reject(RejectPdu::decode(tlv)?),
            (5, false) => MmsPdu::CancelRequest(int(tlv, "Cancel-RequestPDU")?),
            (6, false) => MmsPdu::CancelResponse(int(tlv, "Cancel-ResponsePDU")?),
            (7, true) => MmsPdu::CancelError(CancelError::decode(tlv)?),
            (8, true) => MmsPdu::InitiateRequest(InitiateParams::decode(tlv)?),
            (9, true) => MmsPdu::InitiateResponse(InitiateParams::decode(tlv)?),
            (10, true) => MmsPdu::InitiateError(ServiceError::decode(tlv)?),
            (11, false) => {
                null(tlv, "Conclude-RequestPDU")?;
                MmsPdu::ConcludeRequest
            }
            (12, false) => {
                null(tlv, "Conclude-ResponsePDU")?;
                MmsPdu::ConcludeResponse
            }
            (13, true) => MmsPdu::ConcludeError(ServiceError::decode(tlv)?),
            _ => {
                return Err(MmsError::UnknownPdu {
                    offset: tlv.offset,
                    tag: t,
                });
            }
        };
        Ok(pdu)
    }

    /// The PDU's tag (`[0]`..`[13]`).
    #[must_use]
    pub const fn tag(&self) -> Tag {
        match self {
            MmsPdu::ConfirmedRequest(_) => ctx_c(0),
            MmsPdu::ConfirmedResponse(_) => ctx_c(1),
            MmsPdu::ConfirmedError(_) => ctx_c(2),
            MmsPdu::Unconfirmed(_) => ctx_c(3),
            MmsPdu::Reject(_) => ctx_c(4),
            MmsPdu::CancelRequest(_) => ctx(5),
            MmsPdu::CancelResponse(_) => ctx(6),
            MmsPdu::CancelError(_) => ctx_c(7),
            MmsPdu::InitiateRequest(_) => ctx_c(8),
            MmsPdu::InitiateResponse(_) => ctx_c(9),
            MmsPdu::InitiateError(_) => ctx_c(10),
            MmsPdu::ConcludeRequest => ctx(11),
            MmsPdu::ConcludeResponse => ctx(12),
            MmsPdu::ConcludeError(_) => ctx_c(13),
        }
    }

    /// The ASN.1 name of the PDU's choice (`"confirmed-RequestPDU"`, ...).
    #[must_use]
    pub const fn kind_name(&self) -> &'static str {
        match self {
            MmsPdu::ConfirmedRequest(_) => "confirmed-RequestPDU",
            MmsPdu::ConfirmedResponse(_) => "confirmed-ResponsePDU",
            MmsPdu::ConfirmedError(_) => "confirmed-ErrorPDU",
            MmsPdu::Unconfirmed(_) => "unconfirmed-PDU",
            MmsPdu::Reject(_) => "rejectPDU",
            MmsPdu::CancelRequest(_) => "cancel-RequestPDU",
            MmsPdu::CancelResponse(_) => "cancel-ResponsePDU",
            MmsPdu::CancelError(_) => "cancel-ErrorPDU",
            MmsPdu::InitiateRequest(_) => "initiate-RequestPDU",
            MmsPdu::InitiateResponse(_) => "initiate-ResponsePDU",
            MmsPdu::InitiateError(_) => "initiate-ErrorPDU",
            MmsPdu::ConcludeRequest => "conclude-RequestPDU",
            MmsPdu::ConcludeResponse => "conclude-ResponsePDU",
            MmsPdu::ConcludeError(_) => "conclude-ErrorPDU",
        }
    }

    /// The invoke id of a confirmed PDU.
    #[must_use]
    pub const fn invoke_id(&self) -> Option<u32> {
        match self {
            MmsPdu::ConfirmedRequest(r) => Some(r.invoke_id),
            MmsPdu::ConfirmedResponse(r) => Some(r.invoke_id),
            MmsPdu::ConfirmedError(e) => Some(e.invoke_id),
            _ => None,
        }
    }

    fn content_len(&self) -> usize {
        match self {
            MmsPdu::ConfirmedRequest(r) => r.content_len(),
            MmsPdu::ConfirmedResponse(r) => r.content_len(),
            MmsPdu::ConfirmedError(e) => e.content_len(),
            MmsPdu::Unconfirmed(s) => tlv(s.tag(), s.content_len()),
            MmsPdu::Reject(r) => r.content_len(),
            MmsPdu::CancelRequest(i) | MmsPdu::CancelResponse(i) => {
                ber::i64_content_len(i64::from(*i))
            }
            MmsPdu::CancelError(e) => e.content_len(),
            MmsPdu::InitiateRequest(p) | MmsPdu::InitiateResponse(p) => p.content_len(),
            MmsPdu::InitiateError(e) | MmsPdu::ConcludeError(e) => e.content_len(),
            MmsPdu::ConcludeRequest | MmsPdu::ConcludeResponse => 0,
        }
    }
}

impl<'a> Decode<'a> for MmsPdu<'a> {
    type Error = MmsError;

    fn decode(input: &'a [u8]) -> Result<Self, MmsError> {
        MmsPdu::decode_at(input, 0)
    }
}

impl MmsPdu<'_> {
    /// The contents length and, for an unconfirmed PDU, its service's contents length: one
    /// walk of the nested values (each length walk visits all of them).
    fn lengths(&self) -> (usize, usize) {
        match self {
            MmsPdu::Unconfirmed(s) => {
                let service_len = s.content_len();
                (tlv(s.tag(), service_len), service_len)
            }
            other => (other.content_len(), 0),
        }
    }

    /// Write the PDU with the lengths from [`lengths`](MmsPdu::lengths).
    fn write_with_len(
        &self,
        w: &mut Writer<'_>,
        (content_len, service_len): (usize, usize),
    ) -> Result<(), EncodeError> {
        header(w, self.tag(), content_len)?;
        match self {
            MmsPdu::ConfirmedRequest(r) => r.write_content(w),
            MmsPdu::ConfirmedResponse(r) => r.write_content(w),
            MmsPdu::ConfirmedError(e) => e.write_content(w),
            MmsPdu::Unconfirmed(s) => s.write(w, service_len),
            MmsPdu::Reject(r) => r.write_content(w),
            MmsPdu::CancelRequest(i) | MmsPdu::CancelResponse(i) => {
                ber::write_i64_content(w, i64::from(*i))?;
                Ok(())
            }
            MmsPdu::CancelError(e) => e.write_content(w),
            MmsPdu::InitiateRequest(p) | MmsPdu::InitiateResponse(p) => p.write_content(w),
            MmsPdu::InitiateError(e) | MmsPdu::ConcludeError(e) => e.write_content(w),
            MmsPdu::ConcludeRequest | MmsPdu::ConcludeResponse => Ok(()),
        }
    }
}

impl Encode for MmsPdu<'_> {
    fn encoded_len(&self) -> usize {
        tlv(self.tag(), self.content_len())
    }

    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.write_with_len(w, self.lengths())
    }

    /// As the provided method, with one length walk instead of two.
    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let lengths = self.lengths();
        let needed = tlv(self.tag(), lengths.0);
        let available = out.len();
        let dst = out
            .get_mut(..needed)
            .ok_or(EncodeError::BufferTooSmall { needed, available })?;
        let mut w = Writer::new(dst);
        self.write_with_len(&mut w, lengths)?;
        Ok(w.position())
    }
}
