//! The receiving half of [`Connection`]: I, S and U frames from the peer (IEC 60870-5-104
//! clauses 5.3 and 5.5).

use telecontrol_core::Instant;

use super::{Connection, EventKind};
use crate::config::Role;
use crate::event::{CloseReason, DtState};
use crate::frame::{Apci, Seq, UFunction};

impl<const K: usize> Connection<K> {
    pub(super) fn may_receive_i(&self) -> bool {
        match self.role {
            Role::Controlling => matches!(self.state, DtState::Started | DtState::StopPending),
            Role::Controlled => self.state == DtState::Started,
        }
    }

    pub(super) fn on_frame(&mut self, now: Instant, apci: Apci, asdu_len: usize) {
        self.t3_deadline = Some(now.saturating_add(self.config.t3()));
        match apci {
            Apci::I { send_seq, recv_seq } => {
                if !self.may_receive_i() {
                    let state = self.state;
                    return self.close_with(CloseReason::IFrameWhileStopped { send_seq, state });
                }
                if send_seq != self.recv_seq {
                    let expected = self.recv_seq;
                    return self.close_with(CloseReason::BadSendSeq { send_seq, expected });
                }
                if !self.on_ack(recv_seq) {
                    return;
                }
                self.recv_seq = self.recv_seq.next();
                self.recv_unacked = self.recv_unacked.saturating_add(1);
                if self.t2_deadline.is_none() {
                    self.t2_deadline = Some(now.saturating_add(self.config.t2()));
                }
                if self.recv_unacked >= self.config.w() || self.state == DtState::StopPending {
                    self.ack_due = true;
                }
                self.rx_asdu_len = asdu_len;
                self.push_event(EventKind::Asdu);
            }
            Apci::S { recv_seq } => {
                self.on_ack(recv_seq);
            }
            Apci::U(function) => self.on_u(function),
        }
    }

    /// Apply a received N(R); false if it closed the connection.
    pub(super) fn on_ack(&mut self, recv_seq: Seq) -> bool {
        let count = self.ack_base.distance_to(recv_seq);
        if count > self.sent {
            self.close_with(CloseReason::BadRecvSeq {
                recv_seq,
                oldest: self.ack_base,
                next: self.send_seq(),
            });
            return false;
        }
        if count == 0 {
            return true;
        }
        for _ in 0..count {
            self.window.pop_front();
        }
        self.sent = self.sent.saturating_sub(count);
        self.ack_base = recv_seq;
        self.push_event(EventKind::Acknowledged(count));
        if self.role == Role::Controlled && self.state == DtState::StopPending && self.sent == 0 {
            self.stop_confirmed();
        }
        true
    }

    /// Controlled station: every sent I frame is acknowledged; confirm STOPDT.
    pub(super) fn stop_confirmed(&mut self) {
        self.push_con(UFunction::StopDtCon);
        self.state = DtState::Stopped;
        self.push_event(EventKind::Stopped);
    }

    pub(super) fn on_u(&mut self, function: UFunction) {
        let state = self.state;
        let controlled = self.role == Role::Controlled;
        match function {
            UFunction::TestFrAct => self.push_con(UFunction::TestFrCon),
            UFunction::TestFrCon => {
                // Unsolicited confirmations of a harmless test are ignored.
                if self.testfr_deadline.is_some() && !self.testfr_out {
                    self.testfr_deadline = None;
                    self.push_event(EventKind::TestConfirmed);
                }
            }
            UFunction::StartDtAct if controlled => {
                self.push_con(UFunction::StartDtCon);
                if state == DtState::Stopped {
                    self.push_event(EventKind::Started);
                }
                self.state = DtState::Started;
            }
            UFunction::StopDtAct if controlled => {
                // Acknowledge everything received before confirming (transmit_one sends
                // this S frame ahead of STOPDT con).
                self.ack_due |= self.recv_unacked > 0;
                match state {
                    DtState::Started if self.sent == 0 => self.stop_confirmed(),
                    DtState::Started => self.state = DtState::StopPending,
                    DtState::Stopped => self.push_con(UFunction::StopDtCon),
                    DtState::StartPending | DtState::StopPending => {}
                }
            }
            UFunction::StartDtCon | UFunction::StopDtCon
                if !controlled && self.act_out.is_none() && self.awaits(function) =>
            {
                self.act_awaiting = None;
                if function == UFunction::StartDtCon {
                    self.state = DtState::Started;
                    self.push_event(EventKind::Started);
                } else {
                    self.state = DtState::Stopped;
                    self.push_event(EventKind::Stopped);
                }
            }
            _ => self.close_with(CloseReason::UnexpectedU { function, state }),
        }
    }

    pub(super) fn awaits(&self, con: UFunction) -> bool {
        self.act_awaiting
            .is_some_and(|(act, _)| act.confirmation() == con)
    }
}
