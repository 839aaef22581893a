//! Receiving: TPKT framing, COTP, reassembly, then one action per TSDU and per MMS PDU.
//! Classification is done by pure functions over the received octets; the association
//! then acts on the small `Copy` result (so no decoded view outlives its buffer).

use telecontrol_core::{Decode, Instant};

use super::classify::{MmsAction, TsduAction, classify_mms, classify_tsdu};
use super::{
    AssocError, Association, CloseReason, Pending, ProtocolError, QUEUE, Refusal, Role, Simple,
    Slot, State,
};
use crate::cotp::{CotpError, Tpdu, TpduSize};
use crate::mms::{
    CancelError, ConfirmedRequestReject, ConfirmedResponseReject, ErrorClass, MmsPdu,
    PduErrorReject, RejectPdu, RejectReason, ServiceError,
};
use crate::tpkt::{self, Framing};

/// Longest transport selector echoed in CC.
const MAX_TSAP: usize = 32;

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
        self.watch(now);
        if !bytes.is_empty() {
            self.last_rx = Some(now);
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
    pub(super) fn fail(&mut self, e: ProtocolError) {
        match self.state {
            // No session yet (the AC was not sent): disconnect the transport.
            State::Idle
            | State::AwaitCc
            | State::AwaitCn
            | State::AwaitCdo
            | State::AwaitAnswer => {
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
                match self.send_cn() {
                    Ok(overflow) => {
                        self.state = if overflow {
                            State::AwaitOa
                        } else {
                            State::AwaitAc
                        };
                        self.deadline = Some(now.saturating_add(self.config.connect_timeout));
                    }
                    // Our own AARQ cannot be sent (a password longer than the buffers).
                    Err(_) => {
                        let _ = self.send_dr(0);
                        self.close(CloseReason::LocalAbort);
                    }
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
                let (len, max) = (payload.len(), self.tpdu_size.octets());
                if len > max {
                    return self.fail(ProtocolError::TpduTooLong { len, max });
                }
                if self.tsdu_done {
                    // While CDOs are gathered, each is reassembled behind the data so far.
                    self.tsdu_len = if self.state == State::AwaitCdo {
                        self.gathered
                    } else {
                        0
                    };
                    self.tsdu_done = false;
                }
                let end = self.tsdu_len.saturating_add(dt.user_data.len());
                let Some(dst) = self.tsdu.get_mut(self.tsdu_len..end) else {
                    self.tsdu_len = 0;
                    if self.state == State::AwaitCdo {
                        return self.refuse_overlong();
                    }
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
        if self.state == State::AwaitCdo {
            return self.process_cdo(now);
        }
        let tsdu = self.tsdu.get(..self.tsdu_len).unwrap_or(&[]);
        let action = classify_tsdu(tsdu, self.state, self.negotiated.mms_context);
        self.apply(now, action);
    }

    /// Act on what a TSDU (or gathered connect user data) means.
    pub(super) fn apply(&mut self, now: Instant, action: TsduAction) {
        match action {
            TsduAction::Overflow { start, end } => self.start_gathering(now, start, end),
            TsduAction::OverflowAccept => self.send_overflow(now),
            TsduAction::Connect {
                acse,
                mms,
                ok,
                count,
                init,
                cp,
            } => {
                self.connect_data = cp;
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
        let max = usize::try_from(self.negotiated.max_pdu_size).unwrap_or(0);
        let action = oversized(classify_mms(pdu), pdu.len(), max);
        match action {
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

/// A PDU longer than the negotiated `localDetail` (ISO 9506-2 8.2.1.1.1) is not processed:
/// it is rejected like a malformed one of its kind (a request: confirmed-requestPDU other;
/// a response or error: confirmed-responsePDU other, failing our request; anything else:
/// pdu-error invalid-pdu).
fn oversized(action: MmsAction, len: usize, max: usize) -> MmsAction {
    if len <= max {
        return action;
    }
    match action {
        MmsAction::Request(id) => MmsAction::Reject(
            Some(id),
            RejectReason::ConfirmedRequest(ConfirmedRequestReject::Unspecified),
        ),
        MmsAction::Response(id) | MmsAction::Error(id) => MmsAction::Reject(
            Some(id),
            RejectReason::ConfirmedResponse(ConfirmedResponseReject::Unspecified),
        ),
        MmsAction::Reject(..) => action,
        _ => MmsAction::Reject(None, RejectReason::PduError(PduErrorReject::InvalidPdu)),
    }
}

fn copy_tsap(t: Option<&[u8]>, out: &mut [u8; MAX_TSAP]) -> Option<usize> {
    let t = t.unwrap_or(&[]);
    out.get_mut(..t.len())?.copy_from_slice(t);
    Some(t.len())
}
