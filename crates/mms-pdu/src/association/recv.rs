//! Receiving: TPKT framing, COTP, reassembly, then one action per TSDU and per MMS PDU.
//! Classification is done by pure functions over the received octets; the association
//! then acts on the small `Copy` result (so no decoded view outlives its buffer).

use telecontrol_core::{Decode, Instant};

use super::{
    AssocError, AssociateIndication, Association, CloseReason, Pending, ProtocolError, QUEUE,
    Refusal, Role, Simple, Slot, State,
};
use crate::acse::Apdu;
use crate::ber::{BerReader, Class};
use crate::cotp::{CotpError, Tpdu, TpduSize};
use crate::mms::{
    CancelError, ConfirmedRequestReject, ConfirmedResponseReject, ConfirmedServiceRequest,
    ErrorClass, InitiateParams, MmsPdu, PduErrorReject, RejectPdu, RejectReason, ServiceError,
    UnconfirmedService,
};
use crate::presentation::{ACSE_ABSTRACT_SYNTAX, MMS_ABSTRACT_SYNTAX, Ppdu};
use crate::session::Spdu;
use crate::stack::{self, Peeled};
use crate::tpkt::{self, Framing};

/// Presentation contexts a CP may propose.
pub(super) const MAX_CONTEXTS: usize = 8;

/// Longest transport selector echoed in CC.
const MAX_TSAP: usize = 32;

/// The Initiate numbers both directions negotiate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Init {
    local_detail: Option<i32>,
    calling: i16,
    called: i16,
    nesting: Option<i8>,
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
enum TsduAction {
    Connect {
        acse: i64,
        mms: i64,
        ok: [bool; MAX_CONTEXTS],
        count: usize,
        init: Init,
    },
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
enum MmsAction {
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
fn offset_in(outer: &[u8], inner: &[u8]) -> Option<usize> {
    let o = outer.as_ptr() as usize;
    let i = inner.as_ptr() as usize;
    let off = i.checked_sub(o)?;
    (off.checked_add(inner.len())? <= outer.len()).then_some(off)
}

/// The AARQ of a CN TSDU, for [`super::Event::AssociateIndication`].
pub(super) fn indication(tsdu: &[u8]) -> Option<AssociateIndication<'_>> {
    let p = stack::peel(tsdu).ok()?;
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

fn connect(p: &Peeled<'_>) -> TsduAction {
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
        },
        _ => TsduAction::Error(ProtocolError::Unexpected("AARQ without Initiate-Request")),
    }
}

fn classify_tsdu(tsdu: &[u8], state: State, mms_context: i64) -> TsduAction {
    let p = match stack::peel(tsdu) {
        Ok(p) => p,
        Err(e) => return TsduAction::Error(ProtocolError::Stack(e)),
    };
    match (p.spdu, state) {
        (Spdu::Connect(_), State::AwaitCn) => connect(&p),
        (Spdu::Accept(_), State::AwaitAc) => answer(&p),
        (Spdu::Refuse(rf), State::AwaitAc) => match p.acse {
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

fn classify_mms(pdu: &[u8]) -> MmsAction {
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

fn min_i16(a: i16, b: i16, cap: usize) -> i16 {
    a.min(b).min(i16::try_from(cap).unwrap_or(i16::MAX)).max(1)
}

impl<const BUF: usize, const OUT: usize> Association<'_, BUF, OUT> {
    /// Feed received TCP octets; returns how many were consumed. Processing stops after a
    /// TSDU whose PDU is reported by [`poll_event`](Self::poll_event) (the event borrows
    /// it): drain the events, then call again with the rest. Malformed input is answered
    /// as the standard says (MMS Reject, abort, disconnect) and reported as events.
    ///
    /// # Errors
    /// [`AssocError::WrongState`] once the association is closed.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, AssocError> {
        if self.state == State::Closed {
            return Err(self.wrong_state());
        }
        let mut consumed = 0usize;
        loop {
            if self.pending.is_some()
                || self.queued().saturating_add(2) > QUEUE
                || self.state == State::Closed
            {
                break;
            }
            let have = self.rx.get(..self.rx_len).unwrap_or(&[]);
            let needed = match tpkt::next_frame(have, BUF) {
                Ok(Framing::Complete { .. }) => {
                    self.process_frame(now);
                    continue;
                }
                Ok(Framing::Incomplete { needed }) => needed,
                Err(e) => {
                    self.rx_len = 0;
                    self.tx_len = 0;
                    self.close(CloseReason::Protocol(ProtocolError::Tpkt(e)));
                    break;
                }
            };
            let rest = bytes.get(consumed..).unwrap_or(&[]);
            let take = needed.saturating_sub(self.rx_len).min(rest.len());
            if take == 0 {
                break;
            }
            let end = self.rx_len.saturating_add(take);
            match (self.rx.get_mut(self.rx_len..end), rest.get(..take)) {
                (Some(dst), Some(src)) => dst.copy_from_slice(src),
                _ => break,
            }
            self.rx_len = end;
            consumed = consumed.saturating_add(take);
        }
        Ok(consumed)
    }

    /// A protocol error: abort (or disconnect before the session exists) and close.
    fn fail(&mut self, e: ProtocolError) {
        match self.state {
            State::Idle | State::AwaitCc | State::AwaitCn => {
                let _ = self.send_dr(0);
            }
            State::Closed => {}
            _ => {
                let _ = self.send_abort(1);
            }
        }
        self.close(CloseReason::Protocol(e));
    }

    fn process_frame(&mut self, now: Instant) {
        let frame_len = self.rx_len;
        self.rx_len = 0;
        let payload = self.rx.get(tpkt::HEADER_LEN..frame_len).unwrap_or(&[]);
        let tpdu = match Tpdu::decode(payload) {
            Ok(t) => t,
            Err(e) => return self.fail(ProtocolError::Cotp(e)),
        };
        match tpdu {
            Tpdu::ConnectionRequest(cr)
                if self.role == Role::Responder && self.state == State::Idle =>
            {
                let mut calling = [0u8; MAX_TSAP];
                let mut called = [0u8; MAX_TSAP];
                let cl = copy_tsap(cr.calling_tsap, &mut calling);
                let cd = copy_tsap(cr.called_tsap, &mut called);
                self.peer_ref = cr.src_ref;
                self.tpdu_size =
                    crate::cotp::negotiate_tpdu_size(cr.tpdu_size, self.config.tpdu_size);
                self.negotiated.tpdu_size = self.tpdu_size;
                let (Some(cl), Some(cd)) = (cl, cd) else {
                    return self.fail(ProtocolError::Unexpected("TSAP longer than 32"));
                };
                let sent = self.send_cc(
                    calling.get(..cl).unwrap_or(&[]),
                    called.get(..cd).unwrap_or(&[]),
                );
                if sent.is_ok() {
                    self.state = State::AwaitCn;
                    self.deadline = Some(now.saturating_add(self.config.connect_timeout));
                }
            }
            Tpdu::ConnectionConfirm(cc) if self.state == State::AwaitCc => {
                self.peer_ref = cc.src_ref;
                self.tpdu_size = cc
                    .tpdu_size
                    .unwrap_or(TpduSize::S128)
                    .min(self.config.tpdu_size);
                self.negotiated.tpdu_size = self.tpdu_size;
                if self.send_cn().is_ok() {
                    self.state = State::AwaitAc;
                    self.deadline = Some(now.saturating_add(self.config.connect_timeout));
                }
            }
            Tpdu::DisconnectRequest(dr) => {
                let reason = dr.reason;
                if matches!(self.state, State::AwaitCc | State::AwaitAc) {
                    self.close(CloseReason::Refused(Refusal::Transport { reason }));
                } else {
                    self.close(CloseReason::TransportDisconnect(reason));
                }
            }
            Tpdu::DisconnectConfirm { .. } => self.close(CloseReason::TransportDisconnect(0)),
            Tpdu::Data(dt) if !matches!(self.state, State::Idle | State::AwaitCc) => {
                if self.tsdu_done {
                    self.tsdu_len = 0;
                    self.tsdu_done = false;
                }
                let end = self.tsdu_len.saturating_add(dt.user_data.len());
                let Some(dst) = self.tsdu.get_mut(self.tsdu_len..end) else {
                    self.tsdu_len = 0;
                    return self.fail(ProtocolError::Cotp(CotpError::TsduTooLong { max: BUF }));
                };
                dst.copy_from_slice(dt.user_data);
                self.tsdu_len = end;
                if dt.eot {
                    self.tsdu_done = true;
                    self.process_tsdu(now);
                }
            }
            Tpdu::ConnectionRequest(_) => self.fail(ProtocolError::Unexpected("COTP CR")),
            Tpdu::ConnectionConfirm(_) => self.fail(ProtocolError::Unexpected("COTP CC")),
            Tpdu::Data(_) => self.fail(ProtocolError::Unexpected("COTP DT")),
            _ => self.fail(ProtocolError::Unexpected("COTP ER")),
        }
    }

    fn process_tsdu(&mut self, now: Instant) {
        let tsdu = self.tsdu.get(..self.tsdu_len).unwrap_or(&[]);
        match classify_tsdu(tsdu, self.state, self.negotiated.mms_context) {
            TsduAction::Connect {
                acse,
                mms,
                ok,
                count,
                init,
            } => {
                let c = self.config;
                self.acse_context = acse;
                self.context_ok = ok;
                self.context_count = count;
                let n = &mut self.negotiated;
                n.mms_context = mms;
                n.max_pdu_size = init
                    .local_detail
                    .filter(|d| *d > 0)
                    .map_or(c.max_pdu_size, |d| d.min(c.max_pdu_size));
                n.max_outstanding_calling = min_i16(init.calling, c.max_outstanding, OUT);
                n.max_outstanding_called = min_i16(init.called, c.max_outstanding, OUT);
                n.nesting_level = init
                    .nesting
                    .map_or(c.nesting_level, |v| v.min(c.nesting_level));
                self.state = State::AwaitAnswer;
                self.deadline = None;
                self.pending = Some(Pending::Indication);
            }
            TsduAction::Accept(init) => {
                let c = self.config;
                let n = &mut self.negotiated;
                n.max_pdu_size = init
                    .local_detail
                    .filter(|d| *d > 0)
                    .map_or(c.max_pdu_size, |d| d.min(c.max_pdu_size));
                n.max_outstanding_calling = init.calling.max(1);
                n.max_outstanding_called = init.called.max(1);
                n.nesting_level = init.nesting.unwrap_or(c.nesting_level);
                self.state = State::Associated;
                self.deadline = None;
                self.push(Simple::Associated(self.negotiated));
            }
            TsduAction::Refused(r) => self.close(CloseReason::Refused(r)),
            TsduAction::Data { start, end } => self.process_mms(now, start, end),
            TsduAction::Finish => {
                let _ = self.send_release(true);
                self.close(CloseReason::Released);
            }
            TsduAction::Disconnect => self.close(CloseReason::Released),
            TsduAction::Abort => self.close(CloseReason::PeerAbort),
            TsduAction::Error(e) => self.fail(e),
        }
    }

    fn reject(&mut self, original_invoke_id: Option<u32>, reason: RejectReason) {
        let r = RejectPdu {
            original_invoke_id,
            reason,
        };
        let _ = self.send_mms(&MmsPdu::Reject(r));
        self.push(Simple::RejectSent(r));
    }

    fn take_outgoing(&mut self, id: u32) -> bool {
        for slot in &mut self.outgoing {
            if matches!(slot, Slot::Pending { id: i, .. } if *i == id) {
                *slot = Slot::Free;
                return true;
            }
        }
        false
    }

    fn process_mms(&mut self, now: Instant, start: usize, end: usize) {
        let pdu = self.tsdu.get(start..end).unwrap_or(&[]);
        let serving = matches!(self.state, State::Associated | State::Concluding);
        match classify_mms(pdu) {
            MmsAction::Reject(id, reason) => {
                if let (
                    Some(id),
                    RejectReason::ConfirmedResponse(_) | RejectReason::ConfirmedError(_),
                ) = (id, reason)
                {
                    for slot in &mut self.outgoing {
                        if matches!(slot, Slot::Pending { id: i, .. } if *i == id) {
                            *slot = Slot::Failed {
                                id,
                                reason: super::FailReason::Rejected(reason),
                            };
                        }
                    }
                }
                self.reject(id, reason);
            }
            MmsAction::Request(id) => {
                let reason = if !serving {
                    Some(ConfirmedRequestReject::Unspecified)
                } else if self.incoming.contains(&Some(id)) {
                    Some(ConfirmedRequestReject::InvalidInvokeId)
                } else if self.incoming.iter().filter(|s| s.is_some()).count() >= self.limit(false)
                {
                    Some(ConfirmedRequestReject::MaxServOutstandingExceeded)
                } else {
                    None
                };
                match (reason, self.incoming.iter_mut().find(|s| s.is_none())) {
                    (None, Some(slot)) => {
                        *slot = Some(id);
                        self.pending = Some(Pending::Mms { start, end });
                    }
                    (r, _) => self.reject(
                        Some(id),
                        RejectReason::ConfirmedRequest(
                            r.unwrap_or(ConfirmedRequestReject::MaxServOutstandingExceeded),
                        ),
                    ),
                }
            }
            MmsAction::Response(id) => {
                if self.take_outgoing(id) {
                    self.pending = Some(Pending::Mms { start, end });
                } else {
                    self.reject(
                        Some(id),
                        RejectReason::ConfirmedResponse(ConfirmedResponseReject::InvalidInvokeId),
                    );
                }
            }
            MmsAction::Error(id) => {
                if self.take_outgoing(id) {
                    self.pending = Some(Pending::Mms { start, end });
                } else {
                    self.reject(Some(id), RejectReason::ConfirmedError(2));
                }
            }
            MmsAction::Unconfirmed => {
                if serving {
                    self.pending = Some(Pending::Mms { start, end });
                } else {
                    self.reject(None, RejectReason::PduError(PduErrorReject::InvalidPdu));
                }
            }
            MmsAction::RejectIn(r) => {
                if let Some(id) = r.original_invoke_id {
                    for slot in &mut self.outgoing {
                        if matches!(slot, Slot::Pending { id: i, .. } if *i == id) {
                            *slot = Slot::Failed {
                                id,
                                reason: super::FailReason::Rejected(r.reason),
                            };
                        }
                    }
                }
                self.push(Simple::RejectReceived(r));
            }
            MmsAction::Cancel(id) => {
                if self.incoming.contains(&Some(id)) {
                    // Cancel is not offered: cancel-not-possible (ISO 9506-2 7.4, class 10).
                    let _ = self.send_mms(&MmsPdu::CancelError(CancelError {
                        original_invoke_id: id,
                        service_error: ServiceError::new(ErrorClass::Cancel(2)),
                    }));
                } else {
                    self.reject(Some(id), RejectReason::CancelRequest(1));
                }
            }
            MmsAction::ConcludeRequest => {
                if self.state != State::Associated {
                    return self.reject(None, RejectReason::ConcludeRequest(1));
                }
                let busy = self.outstanding() > 0 || self.incoming.iter().any(Option::is_some);
                if busy {
                    // further-communication-required (conclude class, code 1).
                    let _ = self.send_mms(&MmsPdu::ConcludeError(ServiceError::new(
                        ErrorClass::Conclude(1),
                    )));
                } else {
                    let _ = self.send_mms(&MmsPdu::ConcludeResponse);
                    self.state = State::Concluded;
                    self.deadline = Some(now.saturating_add(self.config.connect_timeout));
                }
                self.push(Simple::ConcludeIndication(!busy));
            }
            MmsAction::ConcludeResponse => {
                if self.state != State::Concluding {
                    return self.reject(None, RejectReason::ConcludeResponse(1));
                }
                self.push(Simple::ConcludeConfirm(None));
                self.state = State::Concluded;
                if self.send_release(false).is_ok() {
                    self.state = State::Releasing;
                    self.deadline = Some(now.saturating_add(self.config.connect_timeout));
                }
            }
            MmsAction::ConcludeError(class) => {
                if self.state != State::Concluding {
                    return self.reject(None, RejectReason::ConcludeError(1));
                }
                self.state = State::Associated;
                self.deadline = None;
                self.push(Simple::ConcludeConfirm(Some(class)));
            }
        }
    }
}

fn copy_tsap(t: Option<&[u8]>, out: &mut [u8; MAX_TSAP]) -> Option<usize> {
    let t = t.unwrap_or(&[]);
    out.get_mut(..t.len())?.copy_from_slice(t);
    Some(t.len())
}
