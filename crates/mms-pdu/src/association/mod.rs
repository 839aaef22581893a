#![doc = include_str!("README.md")]

mod classify;
mod internals;
mod limits;
mod overflow;
mod recv;
mod send;
mod types;

use telecontrol_core::{Decode, Instant};

pub use types::{
    Addressing, AssocError, AssociateIndication, CloseReason, Config, Event, FailReason,
    Negotiated, ProtocolError, Refusal, Role,
};

use crate::cotp::TpduSize;
use crate::mms::{
    ConfirmedErrorPdu, ConfirmedRequest, ConfirmedResponse, ConfirmedServiceRequest,
    ConfirmedServiceResponse, ErrorClass, MmsPdu, RejectPdu, ServiceError, UnconfirmedService,
};

/// The smallest nesting level an association accepts (ISO 9506 TASE.2 profiles need 4).
pub const MIN_NESTING_LEVEL: i8 = 4;

/// Simple events waiting for `poll_event` (data events borrow the TSDU instead).
const QUEUE: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    AwaitCc,
    AwaitCn,
    /// Responder: a CN with data overflow was answered with OA; CDOs are gathered.
    AwaitCdo,
    /// Initiator: a CN with data overflow was sent; OA awaited before the CDOs.
    AwaitOa,
    AwaitAc,
    /// Responder: the AARQ was reported; `accept`/`refuse` expected.
    AwaitAnswer,
    Associated,
    /// We sent conclude-Request.
    Concluding,
    /// Conclude done: we send (if we concluded) or await the A-RELEASE.
    Concluded,
    /// We sent FN/RLRQ.
    Releasing,
    Closed,
}

impl State {
    const fn name(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::AwaitCc => "awaiting CC",
            State::AwaitCn => "awaiting CN",
            State::AwaitCdo => "awaiting CDO",
            State::AwaitOa => "awaiting OA",
            State::AwaitAc => "awaiting AC",
            State::AwaitAnswer => "awaiting accept/refuse",
            State::Associated => "associated",
            State::Concluding => "concluding",
            State::Concluded => "concluded",
            State::Releasing => "releasing",
            State::Closed => "closed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Free,
    Pending { id: u32, deadline: Instant },
    Failed { id: u32, reason: FailReason },
}

/// A data event whose PDU lies in the TSDU buffer at `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    /// The AARQ (the whole TSDU is the CN).
    Indication,
    /// An MMS PDU to report as a request, response, error or unconfirmed event.
    Mms { start: usize, end: usize },
}

/// Simple (non-borrowing) events.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Simple {
    Associated(Negotiated),
    RejectReceived(RejectPdu),
    RejectSent(RejectPdu),
    ConcludeIndication(bool),
    ConcludeConfirm(Option<ErrorClass>),
    Closed(CloseReason),
}

/// One MMS association over one TCP connection (ISO 9506-2 with ACSE, presentation,
/// session and COTP class 0 over RFC 1006), both as client and as server.
///
/// `BUF` sizes each of the four internal buffers (received stream, TSDU reassembly,
/// transmit queue, encoding scratch): at least the largest MMS PDU plus 64 octets of
/// headers, and one TPDU plus 4. `OUT` bounds the outstanding confirmed requests tracked in
/// each direction. See the module documentation for the driving rules.
#[derive(Debug)]
pub struct Association<'c, const BUF: usize, const OUT: usize> {
    config: Config<'c>,
    role: Role,
    state: State,
    deadline: Option<Instant>,
    rx: [u8; BUF],
    rx_len: usize,
    tsdu: [u8; BUF],
    tsdu_len: usize,
    /// The TSDU in `tsdu` is complete (handed out); the next DT starts a new one.
    tsdu_done: bool,
    tx: [u8; BUF],
    tx_len: usize,
    scratch: [u8; BUF],
    tpdu_size: TpduSize,
    local_ref: u16,
    peer_ref: u16,
    negotiated: Negotiated,
    acse_context: i64,
    context_ok: [bool; classify::MAX_CONTEXTS],
    context_count: usize,
    next_invoke_id: u32,
    outgoing: [Slot; OUT],
    incoming: [Option<u32>; OUT],
    pending: Option<Pending>,
    queue: [Option<Simple>; QUEUE],
    /// Responder: where the connect user data (the CP) lies in `tsdu` once complete.
    connect_data: (usize, usize),
    /// Responder, data overflow: octets of connect user data gathered at `tsdu[..gathered]`
    /// (each CDO is reassembled behind them).
    gathered: usize,
    /// Initiator, data overflow: the connect user data not yet sent, at `scratch[range]`.
    unsent: (usize, usize),
    /// Since when queued output waits with no octet taken (see `limits`).
    stall_since: Option<Instant>,
    /// `poll_transmit` handed out octets since the last look at the clock.
    tx_taken: bool,
    /// When octets were last received (for the idle timeout).
    last_rx: Option<Instant>,
}

impl<'c, const BUF: usize, const OUT: usize> Association<'c, BUF, OUT> {
    /// A new association in `role`; the initiator starts with [`connect`](Self::connect),
    /// the responder waits for the peer's COTP CR.
    ///
    /// # Errors
    /// [`AssocError::Config`] if the nesting level is below [`MIN_NESTING_LEVEL`], the PDU
    /// size is not positive or does not fit `BUF` with its headers, `BUF` cannot hold a
    /// TPDU, or `OUT` or `max_outstanding` is 0.
    pub fn new(role: Role, config: Config<'c>) -> Result<Self, AssocError> {
        if config.nesting_level < MIN_NESTING_LEVEL {
            return Err(AssocError::Config("nesting_level"));
        }
        let pdu = usize::try_from(config.max_pdu_size).unwrap_or(0);
        if pdu == 0 || pdu.saturating_add(send::HEADROOM) > BUF {
            return Err(AssocError::Config("max_pdu_size"));
        }
        if config
            .tpdu_size
            .octets()
            .saturating_add(crate::tpkt::HEADER_LEN)
            > BUF
        {
            return Err(AssocError::Config("tpdu_size"));
        }
        if OUT == 0 || config.max_outstanding < 1 {
            return Err(AssocError::Config("max_outstanding"));
        }
        Ok(Association {
            config,
            role,
            state: State::Idle,
            deadline: None,
            rx: [0; BUF],
            rx_len: 0,
            tsdu: [0; BUF],
            tsdu_len: 0,
            tsdu_done: false,
            tx: [0; BUF],
            tx_len: 0,
            scratch: [0; BUF],
            tpdu_size: TpduSize::S128,
            local_ref: 1,
            peer_ref: 0,
            negotiated: Negotiated {
                tpdu_size: TpduSize::S128,
                max_pdu_size: config.max_pdu_size,
                max_outstanding_calling: 1,
                max_outstanding_called: 1,
                nesting_level: config.nesting_level,
                mms_context: send::MMS_CONTEXT,
            },
            acse_context: send::ACSE_CONTEXT,
            context_ok: [false; classify::MAX_CONTEXTS],
            context_count: 0,
            next_invoke_id: 1,
            outgoing: [Slot::Free; OUT],
            incoming: [None; OUT],
            pending: None,
            queue: [None; QUEUE],
            connect_data: (0, 0),
            gathered: 0,
            unsent: (0, 0),
            stall_since: None,
            tx_taken: false,
            last_rx: None,
        })
    }

    /// This end's role.
    pub const fn role(&self) -> Role {
        self.role
    }

    /// Whether confirmed and unconfirmed services may be used.
    pub fn is_associated(&self) -> bool {
        self.state == State::Associated
    }

    /// Whether the association has ended (the driver closes the TCP connection once
    /// `poll_transmit` is drained).
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The negotiated parameters (meaningful once associated).
    pub const fn negotiated(&self) -> Negotiated {
        self.negotiated
    }

    /// Responder: the received connect user data (the presentation CP carrying the AARQ
    /// and the Initiate-Request; from the CN, or gathered from the CN and its CDOs) while
    /// the attempt it reported as [`Event::AssociateIndication`] awaits
    /// [`accept`](Self::accept) or [`refuse`](Self::refuse); `None` otherwise. A driver
    /// that decides without holding the association copies these octets and decodes them
    /// again with [`AssociateIndication::from_connect`].
    pub fn connect_data(&self) -> Option<&[u8]> {
        if self.state != State::AwaitAnswer {
            return None;
        }
        self.tsdu.get(self.connect_data.0..self.connect_data.1)
    }

    /// Our confirmed requests awaiting an answer.
    pub fn outstanding(&self) -> usize {
        self.outgoing
            .iter()
            .filter(|s| matches!(s, Slot::Pending { .. }))
            .count()
    }

    /// Initiator: send COTP CR (then, on CC, CN/CP/AARQ/Initiate-Request).
    ///
    /// # Errors
    /// [`AssocError::WrongState`] unless a new initiator.
    pub fn connect(&mut self, now: Instant) -> Result<(), AssocError> {
        if self.role != Role::Initiator || self.state != State::Idle {
            return Err(self.wrong_state());
        }
        self.send_cr()?;
        self.state = State::AwaitCc;
        self.deadline = Some(now.saturating_add(self.config.connect_timeout));
        Ok(())
    }

    /// Responder: accept the association reported by [`Event::AssociateIndication`]
    /// (AC + CPA + AARE accepted + Initiate-Response with the negotiated parameters).
    ///
    /// # Errors
    /// [`AssocError::WrongState`] unless an indication awaits an answer.
    pub fn accept(&mut self, now: Instant) -> Result<(), AssocError> {
        if self.state != State::AwaitAnswer {
            return Err(self.wrong_state());
        }
        self.pending = None;
        self.send_accept()?;
        self.state = State::Associated;
        self.deadline = None;
        self.last_rx = Some(now);
        self.watch(now);
        self.push(Simple::Associated(self.negotiated));
        Ok(())
    }

    /// Responder: refuse the association reported by [`Event::AssociateIndication`] in
    /// the way `how` says; the association is closed afterwards.
    ///
    /// # Errors
    /// [`AssocError::WrongState`] unless an indication awaits an answer.
    pub fn refuse(&mut self, _now: Instant, how: Refusal) -> Result<(), AssocError> {
        if self.state != State::AwaitAnswer {
            return Err(self.wrong_state());
        }
        self.pending = None;
        self.send_refusal(how)?;
        self.close(CloseReason::Refused(how));
        Ok(())
    }

    /// Send a confirmed request; returns its invoke id. The answer arrives as
    /// [`Event::Response`], [`Event::ServiceError`] or [`Event::RequestFailed`].
    ///
    /// # Errors
    /// [`AssocError::WrongState`] unless associated; [`AssocError::TooManyOutstanding`] at
    /// the negotiated maximum; [`AssocError::PduTooLarge`]; [`AssocError::TransmitFull`].
    pub fn request(
        &mut self,
        now: Instant,
        service: ConfirmedServiceRequest<'_>,
    ) -> Result<u32, AssocError> {
        if self.state != State::Associated {
            return Err(self.wrong_state());
        }
        let max = self.limit(true);
        if self.outstanding() >= max {
            return Err(AssocError::TooManyOutstanding { max });
        }
        // A slot whose failure is not yet polled is still taken.
        let Some(free) = self.outgoing.iter().position(|s| *s == Slot::Free) else {
            return Err(AssocError::TooManyOutstanding { max });
        };
        let id = self.fresh_invoke_id();
        let pdu = MmsPdu::ConfirmedRequest(ConfirmedRequest::new(id, service));
        self.send_mms(&pdu)?;
        let deadline = now.saturating_add(self.config.request_timeout);
        if let Some(slot) = self.outgoing.get_mut(free) {
            *slot = Slot::Pending { id, deadline };
        }
        self.next_invoke_id = id.wrapping_add(1);
        self.watch(now);
        Ok(id)
    }

    /// Answer the peer's request `invoke_id` with a response.
    ///
    /// # Errors
    /// [`AssocError::UnknownInvokeId`], [`AssocError::PduTooLarge`],
    /// [`AssocError::TransmitFull`], [`AssocError::WrongState`].
    pub fn respond(
        &mut self,
        invoke_id: u32,
        service: ConfirmedServiceResponse<'_>,
    ) -> Result<(), AssocError> {
        let pdu = MmsPdu::ConfirmedResponse(ConfirmedResponse { invoke_id, service });
        self.answer(invoke_id, &pdu)
    }

    /// Answer the peer's request `invoke_id` with a confirmed-ErrorPDU.
    ///
    /// # Errors
    /// As [`respond`](Self::respond).
    pub fn respond_error(
        &mut self,
        invoke_id: u32,
        error: ServiceError<'_>,
    ) -> Result<(), AssocError> {
        let pdu = MmsPdu::ConfirmedError(ConfirmedErrorPdu {
            invoke_id,
            modifier_position: None,
            service_error: error,
        });
        self.answer(invoke_id, &pdu)
    }

    /// Leave the peer's request `invoke_id` unanswered on purpose: nothing is sent, its
    /// invoke id is free again (the peer's request timeout fires on its side). For test
    /// servers that play a peer which never answers.
    ///
    /// # Errors
    /// [`AssocError::UnknownInvokeId`] unless the peer's request `invoke_id` is awaiting
    /// an answer.
    pub fn withhold(&mut self, invoke_id: u32) -> Result<(), AssocError> {
        let slot = self
            .incoming
            .iter_mut()
            .find(|s| **s == Some(invoke_id))
            .ok_or(AssocError::UnknownInvokeId(invoke_id))?;
        *slot = None;
        Ok(())
    }

    /// Send an unconfirmed PDU (InformationReport, UnsolicitedStatus).
    ///
    /// # Errors
    /// [`AssocError::WrongState`] unless associated; [`AssocError::PduTooLarge`];
    /// [`AssocError::TransmitFull`].
    pub fn send_unconfirmed(&mut self, service: UnconfirmedService<'_>) -> Result<(), AssocError> {
        if self.state != State::Associated {
            return Err(self.wrong_state());
        }
        self.send_mms(&MmsPdu::Unconfirmed(service))
    }

    /// Send an already encoded unconfirmed MMS PDU (InformationReport, UnsolicitedStatus)
    /// as it is: the octets are validated by decoding them, not encoded again (a report
    /// encoded once can go to many associations).
    ///
    /// # Errors
    /// [`AssocError::InvalidPdu`] unless `pdu` is exactly one well-formed
    /// unconfirmed-PDU; [`AssocError::WrongState`] unless associated;
    /// [`AssocError::PduTooLarge`]; [`AssocError::TransmitFull`].
    pub fn send_unconfirmed_pdu(&mut self, pdu: &[u8]) -> Result<(), AssocError> {
        if self.state != State::Associated {
            return Err(self.wrong_state());
        }
        match MmsPdu::decode(pdu) {
            Ok(MmsPdu::Unconfirmed(_)) => {}
            Ok(_) => return Err(AssocError::InvalidPdu("not an unconfirmed-PDU")),
            Err(_) => {
                return Err(AssocError::InvalidPdu(
                    "undecodable MMS PDU or octets after it",
                ));
            }
        }
        self.send_encoded_mms(pdu)
    }

    /// Send conclude-Request (ISO 9506-2 8.4). Refused while confirmed requests are
    /// outstanding in either direction. On conclude-Response the initiator of the conclude
    /// releases the association (FN + RLRQ) by itself.
    ///
    /// # Errors
    /// [`AssocError::RequestsOutstanding`], [`AssocError::WrongState`],
    /// [`AssocError::TransmitFull`].
    pub fn conclude(&mut self, now: Instant) -> Result<(), AssocError> {
        if self.state != State::Associated {
            return Err(self.wrong_state());
        }
        if self.outstanding() > 0 || self.incoming.iter().any(Option::is_some) {
            return Err(AssocError::RequestsOutstanding);
        }
        self.send_mms(&MmsPdu::ConcludeRequest)?;
        self.state = State::Concluding;
        self.deadline = Some(now.saturating_add(self.config.request_timeout));
        Ok(())
    }

    /// Release the association with ACSE A-RELEASE (session FN + RLRQ); outstanding
    /// requests fail when the release completes.
    ///
    /// # Errors
    /// [`AssocError::WrongState`] unless associated or concluded;
    /// [`AssocError::TransmitFull`].
    pub fn release(&mut self, now: Instant) -> Result<(), AssocError> {
        if !matches!(self.state, State::Associated | State::Concluded) {
            return Err(self.wrong_state());
        }
        self.send_release(false)?;
        self.state = State::Releasing;
        self.deadline = Some(now.saturating_add(self.config.connect_timeout));
        Ok(())
    }

    /// Abort: ACSE ABRT in presentation ARU in session AB once the session exists, COTP
    /// DR before; every outstanding request fails with [`CloseReason::LocalAbort`].
    pub fn abort(&mut self, _now: Instant) {
        match self.state {
            State::Closed | State::Idle => {}
            State::AwaitCc | State::AwaitCn => {
                let _ = self.send_dr(0);
            }
            _ => {
                let _ = self.send_abort(0);
            }
        }
        self.close(CloseReason::LocalAbort);
    }

    /// The TCP connection closed (or failed): every outstanding request fails.
    pub fn handle_close(&mut self, _now: Instant) {
        if self.state != State::Closed {
            self.tx_len = 0;
            self.close(CloseReason::TransportClosed);
        }
    }

    /// Move queued octets (whole or partial TPKTs, in order) into `out`; `None` when
    /// nothing is queued.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        let n = self.tx_len.min(out.len());
        if n == 0 {
            return None;
        }
        let (dst, src) = (out.get_mut(..n)?, self.tx.get(..n)?);
        dst.copy_from_slice(src);
        self.tx.copy_within(n..self.tx_len, 0);
        self.tx_len = self.tx_len.saturating_sub(n);
        self.tx_taken = true;
        if self.tx_len == 0 {
            self.stall_since = None;
        }
        Some(n)
    }

    /// The next event: failed requests first, then state changes and rejects, then the PDU
    /// of the last TSDU. Drain it before calling `handle_input` again (that call consumes
    /// nothing while a PDU event waits).
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        for slot in &mut self.outgoing {
            if let Slot::Failed { id, reason } = *slot {
                *slot = Slot::Free;
                return Some(Event::RequestFailed {
                    invoke_id: id,
                    reason,
                });
            }
        }
        if let Some(first) = self.queue.first_mut().and_then(Option::take) {
            self.queue.rotate_left(1);
            return Some(match first {
                Simple::Associated(n) => Event::Associated(n),
                Simple::RejectReceived(r) => Event::RejectReceived(r),
                Simple::RejectSent(r) => Event::RejectSent(r),
                Simple::ConcludeIndication(accepted) => Event::ConcludeIndication { accepted },
                Simple::ConcludeConfirm(error) => Event::ConcludeConfirm { error },
                Simple::Closed(r) => Event::Closed(r),
            });
        }
        let pending = self.pending.take()?;
        match pending {
            Pending::Indication => {
                let (start, end) = self.connect_data;
                classify::indication(self.tsdu.get(start..end)?).map(Event::AssociateIndication)
            }
            Pending::Mms { start, end } => {
                let pdu = self.tsdu.get(start..end)?;
                match MmsPdu::decode(pdu).ok()? {
                    MmsPdu::ConfirmedRequest(request) => Some(Event::Request {
                        invoke_id: request.invoke_id,
                        request,
                        pdu,
                    }),
                    MmsPdu::ConfirmedResponse(response) => Some(Event::Response {
                        invoke_id: response.invoke_id,
                        response,
                        pdu,
                    }),
                    MmsPdu::ConfirmedError(e) => Some(Event::ServiceError {
                        invoke_id: e.invoke_id,
                        error: e.service_error,
                    }),
                    MmsPdu::Unconfirmed(service) => Some(Event::Unconfirmed { service, pdu }),
                    _ => None,
                }
            }
        }
    }
}
