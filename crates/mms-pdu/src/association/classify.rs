//! Pure classification of received octets: what a TSDU and an MMS PDU mean for the
//! association, as small `Copy` values (so no decoded view outlives its buffer).

use telecontrol_core::Decode;

use super::{AssociateIndication, ProtocolError, Refusal, State};
use crate::acse::Apdu;
use crate::ber::{BerReader, Class};
use crate::mms::{
    ConfirmedRequestReject, ConfirmedResponseReject, ConfirmedServiceRequest, ErrorClass,
    InitiateParams, MmsPdu, PduErrorReject, RejectPdu, RejectReason, UnconfirmedService,
};
use crate::presentation::{ACSE_ABSTRACT_SYNTAX, MMS_ABSTRACT_SYNTAX, Ppdu};
use crate::session::{ConnectAccept, Spdu};
use crate::stack::{self, Peeled};

/// Presentation contexts a CP may propose.
pub(super) const MAX_CONTEXTS: usize = 8;

/// The Initiate numbers both directions negotiate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Init {
    pub(super) local_detail: Option<i32>,
    pub(super) calling: i16,
    pub(super) called: i16,
    pub(super) nesting: Option<i8>,
}

impl Init {
    fn of(p: &InitiateParams<'_>) -> Self {
        Init {
            local_detail: p.local_detail,
            calling: p.max_serv_outstanding_calling,
            called: p.max_serv_outstanding_called,
            nesting: p.data_structure_nesting_level,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TsduAction {
    Connect {
        acse: i64,
        mms: i64,
        ok: [bool; MAX_CONTEXTS],
        count: usize,
        init: Init,
        /// Where the connect user data (the CP) lies in the TSDU buffer.
        cp: (usize, usize),
    },
    /// Responder: a CN with data overflow; its first part of the connect user data lies at
    /// `start..end` of the TSDU (X.225 data overflow: answer OA, gather the CDOs).
    Overflow {
        start: usize,
        end: usize,
    },
    /// Initiator: the OA inviting the CDOs.
    OverflowAccept,
    Accept(Init),
    Refused(Refusal),
    Data {
        start: usize,
        end: usize,
    },
    Finish,
    Disconnect,
    Abort,
    Error(ProtocolError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MmsAction {
    Reject(Option<u32>, RejectReason),
    Request(u32),
    Response(u32),
    Error(u32),
    Unconfirmed,
    RejectIn(RejectPdu),
    Cancel(u32),
    ConcludeRequest,
    ConcludeResponse,
    ConcludeError(ErrorClass),
}

/// Where `inner` starts within `outer` (both slices of the same buffer).
pub(super) fn offset_in(outer: &[u8], inner: &[u8]) -> Option<usize> {
    let o = outer.as_ptr() as usize;
    let i = inner.as_ptr() as usize;
    let off = i.checked_sub(o)?;
    (off.checked_add(inner.len())? <= outer.len()).then_some(off)
}

/// The CP of a connect user data, read as it came in a CN.
fn peel_connect(cp: &[u8]) -> Result<Peeled<'_>, crate::stack::StackError> {
    stack::peel_user_data(Spdu::Connect(ConnectAccept::default()), Some(cp))
}

/// The AARQ of a connect user data (the CP), for [`super::Event::AssociateIndication`].
pub(super) fn indication(cp: &[u8]) -> Option<AssociateIndication<'_>> {
    let p = peel_connect(cp).ok()?;
    let Some(Apdu::AssociateRequest(aarq)) = p.acse else {
        return None;
    };
    let MmsPdu::InitiateRequest(initiate) = MmsPdu::decode(p.mms?).ok()? else {
        return None;
    };
    Some(AssociateIndication {
        calling_ap_title: aarq.calling_ap_title,
        calling_ae_qualifier: aarq.calling_ae_qualifier,
        called_ap_title: aarq.called_ap_title,
        called_ae_qualifier: aarq.called_ae_qualifier,
        password: aarq.password(),
        initiate,
    })
}

/// AARE of an AC or RF: accepted with its Initiate-Response, or the refusal.
fn answer(p: &Peeled<'_>) -> TsduAction {
    let Some(Apdu::AssociateResponse(aare)) = p.acse else {
        return TsduAction::Error(ProtocolError::Unexpected("AC/RF without AARE"));
    };
    let mms = p.mms.and_then(|m| MmsPdu::decode(m).ok());
    match (aare.result, mms) {
        (0, Some(MmsPdu::InitiateResponse(init))) => TsduAction::Accept(Init::of(&init)),
        (0, _) => TsduAction::Error(ProtocolError::Unexpected("AARE without Initiate-Response")),
        (_, Some(MmsPdu::InitiateError(e))) => TsduAction::Refused(Refusal::Initiate {
            error_class: e.error_class,
        }),
        (result, _) => TsduAction::Refused(Refusal::Acse {
            result,
            diagnostic: aare.result_source_diagnostic,
        }),
    }
}

/// A complete connect user data `cp`, lying at `range` of the TSDU buffer (gathered from
/// a CN and its CDOs).
pub(super) fn classify_connect(cp: &[u8], range: (usize, usize)) -> TsduAction {
    match peel_connect(cp) {
        Ok(p) => connect(&p, range),
        Err(e) => TsduAction::Error(ProtocolError::Stack(e)),
    }
}

fn connect(p: &Peeled<'_>, range: (usize, usize)) -> TsduAction {
    let Some(Ppdu::Connect(cp)) = p.ppdu else {
        return TsduAction::Error(ProtocolError::Unexpected("CN without CP"));
    };
    let (mut acse, mut mms) = (None, None);
    let mut ok = [false; MAX_CONTEXTS];
    let mut count = 0usize;
    for def in cp.context_list.iter().flat_map(|l| l.iter()) {
        let Some(slot) = ok.get_mut(count) else {
            return TsduAction::Error(ProtocolError::Unexpected("more than 8 contexts"));
        };
        if def.abstract_syntax == ACSE_ABSTRACT_SYNTAX {
            acse = Some(def.id);
            *slot = true;
        } else if def.abstract_syntax == MMS_ABSTRACT_SYNTAX {
            mms = Some(def.id);
            *slot = true;
        }
        count = count.saturating_add(1);
    }
    let (Some(acse), Some(mms)) = (acse, mms) else {
        return TsduAction::Error(ProtocolError::Unexpected(
            "CP without ACSE and MMS contexts",
        ));
    };
    let Some(Apdu::AssociateRequest(_)) = p.acse else {
        return TsduAction::Error(ProtocolError::Unexpected("CP without AARQ"));
    };
    match p.mms.and_then(|m| MmsPdu::decode(m).ok()) {
        Some(MmsPdu::InitiateRequest(init)) if p.context_id == Some(mms) => TsduAction::Connect {
            acse,
            mms,
            ok,
            count,
            init: Init::of(&init),
            cp: range,
        },
        _ => TsduAction::Error(ProtocolError::Unexpected("AARQ without Initiate-Request")),
    }
}

pub(super) fn classify_tsdu(tsdu: &[u8], state: State, mms_context: i64) -> TsduAction {
    // The data overflow SPDUs come before the layers above are complete.
    match (Spdu::decode(tsdu), state) {
        (Ok(Spdu::Connect(cn)), State::AwaitCn) if cn.more_data_follows() => {
            let first = cn.extended_user_data.unwrap_or(&[]);
            return match offset_in(tsdu, first) {
                Some(start) => TsduAction::Overflow {
                    start,
                    end: start.saturating_add(first.len()),
                },
                None => TsduAction::Error(ProtocolError::Unexpected("CN user data")),
            };
        }
        (Ok(Spdu::OverflowAccept(_)), State::AwaitOa) => return TsduAction::OverflowAccept,
        _ => {}
    }
    let p = match stack::peel(tsdu) {
        Ok(p) => p,
        Err(e) => return TsduAction::Error(ProtocolError::Stack(e)),
    };
    match (p.spdu, state) {
        (Spdu::Connect(cn), State::AwaitCn) => {
            let cp = cn.user_data.or(cn.extended_user_data).unwrap_or(&[]);
            match offset_in(tsdu, cp) {
                Some(start) => connect(&p, (start, start.saturating_add(cp.len()))),
                None => TsduAction::Error(ProtocolError::Unexpected("CN without user data")),
            }
        }
        (Spdu::Accept(_), State::AwaitAc) => answer(&p),
        (Spdu::Refuse(rf), State::AwaitAc | State::AwaitOa) => match p.acse {
            Some(_) => answer(&p),
            None => TsduAction::Refused(Refusal::Session {
                reason: rf.reason_code().unwrap_or(0),
            }),
        },
        (
            Spdu::Data(_),
            State::Associated | State::Concluding | State::Concluded | State::Releasing,
        ) => match p.mms {
            Some(m) if p.context_id == Some(mms_context) && p.acse.is_none() => {
                match offset_in(tsdu, m) {
                    Some(start) => TsduAction::Data {
                        start,
                        end: start.saturating_add(m.len()),
                    },
                    None => TsduAction::Error(ProtocolError::Unexpected("data")),
                }
            }
            _ => TsduAction::Error(ProtocolError::Unexpected("data outside the MMS context")),
        },
        (Spdu::Finish(_), _) if matches!(p.acse, Some(Apdu::ReleaseRequest(_))) => {
            TsduAction::Finish
        }
        (Spdu::Disconnect(_), State::Releasing) => TsduAction::Disconnect,
        (Spdu::Abort(_) | Spdu::AbortAccept, _) => TsduAction::Abort,
        (spdu, _) => TsduAction::Error(ProtocolError::Unexpected(match spdu {
            Spdu::Connect(_) => "session CN",
            Spdu::Accept(_) => "session AC",
            Spdu::Refuse(_) => "session RF",
            Spdu::Finish(_) => "session FN",
            Spdu::Disconnect(_) => "session DN",
            Spdu::NotFinished(_) => "session NF",
            Spdu::OverflowAccept(_) => "session OA",
            Spdu::ConnectDataOverflow(_) => "session CDO",
            _ => "session data",
        })),
    }
}

/// The Reject for an MMS PDU that does not decode (ISO 9506-2 7.6).
fn reject_malformed(pdu: &[u8]) -> MmsAction {
    let id = MmsPdu::peek_invoke_id(pdu);
    let tag = match BerReader::new(pdu).peek_tag() {
        Ok(Some(t)) if t.class == Class::ContextSpecific => t,
        _ => return MmsAction::Reject(None, RejectReason::PduError(PduErrorReject::InvalidPdu)),
    };
    if tag.number > 13 {
        return MmsAction::Reject(None, RejectReason::PduError(PduErrorReject::UnknownPduType));
    }
    let reason = match (tag.number, id) {
        (0, Some(_)) => RejectReason::ConfirmedRequest(ConfirmedRequestReject::InvalidArgument),
        (1, Some(_)) => RejectReason::ConfirmedResponse(ConfirmedResponseReject::InvalidResult),
        (2, Some(_)) => RejectReason::ConfirmedError(3),
        (3, _) => RejectReason::Unconfirmed(2),
        // An Initiate PDU has no place on P-DATA, whatever its contents.
        (8..=10, _) => RejectReason::PduError(PduErrorReject::IllegalAcseMapping),
        _ => RejectReason::PduError(PduErrorReject::InvalidPdu),
    };
    MmsAction::Reject(id, reason)
}

pub(super) fn classify_mms(pdu: &[u8]) -> MmsAction {
    let decoded = match MmsPdu::decode(pdu) {
        Ok(d) => d,
        Err(_) => return reject_malformed(pdu),
    };
    let reject = |id, r| MmsAction::Reject(id, r);
    match decoded {
        MmsPdu::ConfirmedRequest(r) => match r.service {
            ConfirmedServiceRequest::Unsupported(_) => reject(
                Some(r.invoke_id),
                RejectReason::ConfirmedRequest(ConfirmedRequestReject::UnrecognizedService),
            ),
            _ => MmsAction::Request(r.invoke_id),
        },
        MmsPdu::ConfirmedResponse(r) => MmsAction::Response(r.invoke_id),
        MmsPdu::ConfirmedError(e) => MmsAction::Error(e.invoke_id),
        MmsPdu::Unconfirmed(UnconfirmedService::Unsupported(_)) => {
            reject(None, RejectReason::Unconfirmed(1))
        }
        MmsPdu::Unconfirmed(_) => MmsAction::Unconfirmed,
        MmsPdu::Reject(r) => MmsAction::RejectIn(r),
        MmsPdu::CancelRequest(id) => MmsAction::Cancel(id),
        MmsPdu::CancelResponse(id) => reject(Some(id), RejectReason::CancelResponse(1)),
        MmsPdu::CancelError(e) => reject(Some(e.original_invoke_id), RejectReason::CancelError(1)),
        MmsPdu::InitiateRequest(_) | MmsPdu::InitiateResponse(_) | MmsPdu::InitiateError(_) => {
            reject(
                None,
                RejectReason::PduError(PduErrorReject::IllegalAcseMapping),
            )
        }
        MmsPdu::ConcludeRequest => MmsAction::ConcludeRequest,
        MmsPdu::ConcludeResponse => MmsAction::ConcludeResponse,
        MmsPdu::ConcludeError(e) => MmsAction::ConcludeError(e.error_class),
    }
}
