//! The driver's bounded send queue: unconfirmed PDUs (reports) that the association's
//! transmit queue has no room for wait here, in order, and move into the association as
//! the connection loop takes octets; a report is never dropped from a live association.
//! Reports leave room in the transmit queue for one answer of the negotiated PDU size, so
//! a peer's requests are still answered while reports stream.
//! When this queue would exceed its limit ([`Config::send_queue`], by default
//! [`SEND_QUEUE`] octets) the peer is not keeping up: the
//! association closes as [`CloseReason::SlowPeer`](crate::association::CloseReason) at
//! once (the send stall time-out catches a peer that stops reading before that).

extern crate std;

use std::collections::VecDeque;
use std::vec::Vec;

use telecontrol_core::{Decode, Instant};

use super::{Assoc, BUF};
use crate::association::{AssocError, Config};
use crate::mms::MmsPdu;
use crate::stack::mms_data_len;

/// The default of [`Config::send_queue`]: octets of unconfirmed PDUs one association
/// may hold beyond its own transmit queue (1 MiB).
pub const SEND_QUEUE: usize = Config::DEFAULT.send_queue;

/// Reports waiting for room in the association's transmit queue.
#[derive(Debug)]
pub(super) struct SendQueue {
    pdus: VecDeque<Vec<u8>>,
    octets: usize,
    /// Octets `pdus` may hold.
    limit: usize,
}

impl SendQueue {
    /// An empty queue of at most `limit` octets.
    pub(super) fn new(limit: usize) -> SendQueue {
        SendQueue {
            pdus: VecDeque::new(),
            octets: 0,
            limit,
        }
    }

    /// Octets the queue may hold.
    pub(super) fn limit(&self) -> usize {
        self.limit
    }

    /// Queue the encoded unconfirmed PDU `pdu` behind those waiting (or in the association
    /// directly when none wait and it has room).
    pub(super) fn send(
        &mut self,
        assoc: &mut Assoc,
        now: Instant,
        pdu: &[u8],
    ) -> Result<(), AssocError> {
        self.refill(assoc);
        if self.pdus.is_empty() && fits(assoc, pdu) {
            match assoc.send_unconfirmed_pdu(pdu) {
                Err(AssocError::TransmitFull { .. }) => {}
                other => return other,
            }
        } else {
            check(assoc, pdu)?;
        }
        let len = pdu.len();
        let total = self.octets.saturating_add(len);
        if total > self.limit {
            self.clear();
            assoc.handle_send_stall(now);
            return Err(AssocError::TransmitFull {
                needed: len,
                available: self.limit.saturating_sub(total.saturating_sub(len)),
            });
        }
        self.pdus.push_back(pdu.to_vec());
        self.octets = total;
        Ok(())
    }

    /// Move waiting PDUs into the association while it has room.
    pub(super) fn refill(&mut self, assoc: &mut Assoc) {
        while let Some(front) = self.pdus.front() {
            if !fits(assoc, front) {
                return;
            }
            match assoc.send_unconfirmed_pdu(front) {
                Ok(()) => {
                    self.octets = self.octets.saturating_sub(front.len());
                    self.pdus.pop_front();
                }
                Err(AssocError::TransmitFull { .. }) => return,
                // Closed (or no longer sendable): nothing waiting can go out.
                Err(_) => return self.clear(),
            }
        }
    }

    fn clear(&mut self) {
        self.pdus.clear();
        self.octets = 0;
    }
}

/// Whether `pdu` may go into the association's transmit queue now: it is empty, or `pdu`
/// fits with room left for one answer of the negotiated PDU size.
fn fits(assoc: &Assoc, pdu: &[u8]) -> bool {
    let queued = assoc.transmit_queued();
    if queued == 0 {
        return true;
    }
    let n = assoc.negotiated();
    let answer = usize::try_from(n.max_pdu_size).unwrap_or(0);
    let need = mms_data_len(pdu.len(), n.mms_context, n.tpdu_size).saturating_add(mms_data_len(
        answer,
        n.mms_context,
        n.tpdu_size,
    ));
    queued.saturating_add(need) <= BUF
}

/// What the association would refuse `pdu` for, other than a full transmit queue.
fn check(assoc: &Assoc, pdu: &[u8]) -> Result<(), AssocError> {
    if !assoc.is_associated() {
        // The association's own refusal (wrong state).
        return assoc_state_error(assoc);
    }
    if !matches!(MmsPdu::decode(pdu), Ok(MmsPdu::Unconfirmed(_))) {
        return Err(AssocError::InvalidPdu("not one unconfirmed-PDU"));
    }
    let max = usize::try_from(assoc.negotiated().max_pdu_size).unwrap_or(0);
    if pdu.len() > max {
        return Err(AssocError::PduTooLarge {
            len: pdu.len(),
            max,
        });
    }
    Ok(())
}

fn assoc_state_error(assoc: &Assoc) -> Result<(), AssocError> {
    Err(AssocError::WrongState {
        state: if assoc.is_closed() {
            "closed"
        } else {
            "not associated"
        },
    })
}
