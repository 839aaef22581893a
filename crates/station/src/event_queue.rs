//! The buffer of spontaneous data (events) waiting for transmission and for the transport's
//! confirmation (104 §5.1: I frames stay unacknowledged until the peer confirms them).

use heapless::Deque;

use crate::frame::Frame;

/// What happens when an ASDU is queued and the buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OverflowPolicy {
    /// Refuse the new ASDU ([`crate::StationError::QueueFull`]); what is queued is kept.
    RefuseNewest,
    /// Discard the oldest queued ASDU (even one sent and awaiting confirmation) to make room.
    DropOldest,
}

/// When a transmitted event ASDU leaves the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventRelease {
    /// When the transport confirms delivery: the adapter calls
    /// [`crate::Outstation::acknowledge`] (104: the peer acknowledged the I frames; 101: the
    /// link confirmed the frames). Unconfirmed ASDUs go back to the front of the queue on
    /// [`crate::Outstation::requeue_unacknowledged`].
    OnAcknowledge,
    /// As soon as [`crate::Outstation::poll_transmit`] hands it out.
    OnTransmit,
}

/// How queueing an event ASDU went ([`crate::Outstation::queue_event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pushed {
    /// Queued; nothing lost.
    Queued,
    /// Queued after discarding the oldest ASDU ([`OverflowPolicy::DropOldest`]).
    DroppedOldest,
}

/// A queue of at most `N` ASDUs in two parts: the front `in_flight` entries were handed to
/// the transport and wait for its confirmation; the rest wait for transmission. Every entry
/// carries the transmit number it was sent under, so confirmations release exactly the
/// ASDUs they cover, in order.
#[derive(Debug)]
pub(crate) struct EventQueue<const N: usize> {
    entries: Deque<(u64, Frame), N>,
    in_flight: usize,
    policy: OverflowPolicy,
    overflows: u32,
}

impl<const N: usize> EventQueue<N> {
    pub(crate) const fn new(policy: OverflowPolicy) -> Self {
        EventQueue {
            entries: Deque::new(),
            in_flight: 0,
            policy,
            overflows: 0,
        }
    }

    /// Queue `frame` behind the others, applying the overflow policy.
    pub(crate) fn push(&mut self, frame: Frame) -> Result<Pushed, ()> {
        if !self.entries.is_full() {
            return self
                .entries
                .push_back((0, frame))
                .map(|()| Pushed::Queued)
                .map_err(|_| ());
        }
        self.overflows = self.overflows.saturating_add(1);
        match self.policy {
            OverflowPolicy::RefuseNewest => Err(()),
            OverflowPolicy::DropOldest => {
                if self.entries.pop_front().is_some() && self.in_flight > 0 {
                    self.in_flight = self.in_flight.saturating_sub(1);
                }
                self.entries
                    .push_back((0, frame))
                    .map(|()| Pushed::DroppedOldest)
                    .map_err(|_| ())
            }
        }
    }

    /// The next ASDU waiting for transmission, if any.
    pub(crate) fn peek_unsent(&self) -> Option<&Frame> {
        self.entries.iter().nth(self.in_flight).map(|(_, f)| f)
    }

    /// Mark the next unsent ASDU as sent under transmit number `tx`; with `release` it leaves
    /// the queue at once.
    pub(crate) fn mark_sent(&mut self, tx: u64, release: bool) {
        if release && self.in_flight == 0 {
            let _ = self.entries.pop_front();
            return;
        }
        if let Some((seq, _)) = self.entries.iter_mut().nth(self.in_flight) {
            *seq = tx;
            self.in_flight = self.in_flight.saturating_add(1);
        }
    }

    /// Release every in-flight ASDU sent under a transmit number below `acked`.
    pub(crate) fn release_below(&mut self, acked: u64) -> usize {
        let mut n = 0usize;
        while self.in_flight > 0 {
            match self.entries.front() {
                Some((seq, _)) if *seq < acked => {
                    let _ = self.entries.pop_front();
                    self.in_flight = self.in_flight.saturating_sub(1);
                    n = n.saturating_add(1);
                }
                _ => break,
            }
        }
        n
    }

    /// Put every in-flight ASDU back in front of the unsent ones, in their original order.
    pub(crate) fn requeue(&mut self) -> usize {
        core::mem::replace(&mut self.in_flight, 0)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight
    }

    pub(crate) fn overflows(&self) -> u32 {
        self.overflows
    }
}
