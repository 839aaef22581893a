//! Internals shared by sending and receiving: state checks, limits, invoke ids, answers,
//! the simple event queue and closing.

use super::{AssocError, Association, CloseReason, FailReason, Role, Simple, Slot, State};
use crate::mms::MmsPdu;

impl<const BUF: usize, const OUT: usize> Association<'_, BUF, OUT> {
    pub(super) fn wrong_state(&self) -> AssocError {
        AssocError::WrongState {
            state: self.state.name(),
        }
    }

    /// Our (`ours == true`) or the peer's limit of outstanding requests.
    pub(super) fn limit(&self, ours: bool) -> usize {
        let n = &self.negotiated;
        let calling = ours == (self.role == Role::Initiator);
        let v = if calling {
            n.max_outstanding_calling
        } else {
            n.max_outstanding_called
        };
        usize::try_from(v).unwrap_or(0).min(OUT)
    }

    pub(super) fn fresh_invoke_id(&self) -> u32 {
        let mut id = self.next_invoke_id;
        while self
            .outgoing
            .iter()
            .any(|s| matches!(s, Slot::Pending { id: i, .. } if *i == id))
        {
            id = id.wrapping_add(1);
        }
        id
    }

    pub(super) fn answer(&mut self, invoke_id: u32, pdu: &MmsPdu<'_>) -> Result<(), AssocError> {
        if !matches!(self.state, State::Associated | State::Concluding) {
            return Err(self.wrong_state());
        }
        let Some(pos) = self.incoming.iter().position(|s| *s == Some(invoke_id)) else {
            return Err(AssocError::UnknownInvokeId(invoke_id));
        };
        self.send_mms(pdu)?;
        if let Some(s) = self.incoming.get_mut(pos) {
            *s = None;
        }
        Ok(())
    }

    pub(super) fn push(&mut self, e: Simple) {
        if let Some(slot) = self.queue.iter_mut().find(|s| s.is_none()) {
            *slot = Some(e);
        }
    }

    pub(super) fn queued(&self) -> usize {
        self.queue.iter().filter(|s| s.is_some()).count()
    }

    /// End the association: fail outstanding requests, forget peer requests, report.
    pub(super) fn close(&mut self, reason: CloseReason) {
        if self.state == State::Closed {
            return;
        }
        self.state = State::Closed;
        self.deadline = None;
        self.pending = None;
        for slot in &mut self.outgoing {
            if let Slot::Pending { id, .. } = *slot {
                *slot = Slot::Failed {
                    id,
                    reason: FailReason::Closed(reason),
                };
            }
        }
        self.incoming = [None; OUT];
        self.push(Simple::Closed(reason));
    }
}
