//! Time: the association's timers (`handle_timeout`, `poll_timeout`) and the limits
//! against a broken or hostile peer that need the clock: the responder's wait for the CR,
//! the send stall (queued output that the peer does not take) and the idle timeout of an
//! established association.
//!
//! The send stall clock looks at the transmit queue whenever the association is told the
//! time (`handle_input`, `handle_timeout`, `request`, `accept`, [`note_time`]): octets
//! queued that no `poll_transmit` took since the previous look start it (or keep it
//! running); a take restarts it, an empty queue stops it. So a driver that moves octets to
//! the socket only as far as the socket takes them (and keeps a bounded buffer of its own)
//! closes an association whose peer stopped reading after `send_stall_timeout`, and never
//! one whose peer reads, however much is queued.
//!
//! [`note_time`]: Association::note_time

use telecontrol_core::{Instant, earliest};

use super::{Association, CloseReason, FailReason, Role, Slot, State};

impl<const BUF: usize, const OUT: usize> Association<'_, BUF, OUT> {
    /// Time passed: fail requests past their timeout; close if the CR (responder), CC, AC,
    /// the conclude or the release answer is overdue, if queued output stalled longer than
    /// the send stall timeout ([`CloseReason::SlowPeer`]) or if an established association
    /// stayed silent longer than the idle timeout ([`CloseReason::Idle`]).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.watch(now);
        if self.check_limits(now) {
            return;
        }
        for slot in &mut self.outgoing {
            if let Slot::Pending { id, deadline } = *slot
                && deadline.is_due(now)
            {
                *slot = Slot::Failed {
                    id,
                    reason: FailReason::Timeout,
                };
            }
        }
        if let Some(d) = self.deadline
            && d.is_due(now)
        {
            self.deadline = None;
            if self.state == State::Idle {
                // Responder: not even a CR came; nothing to answer.
            } else if matches!(
                self.state,
                State::AwaitCc
                    | State::AwaitCn
                    | State::AwaitCdo
                    | State::AwaitOa
                    | State::AwaitAc
                    | State::AwaitAnswer
            ) {
                // No session yet: disconnect the transport.
                let _ = self.send_dr(0);
            } else {
                let _ = self.send_abort(0);
            }
            self.close(CloseReason::Timeout);
        }
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let limits = earliest(self.stall_deadline(), self.idle_deadline());
        let first = earliest(self.deadline, limits);
        self.outgoing.iter().fold(first, |acc, s| match s {
            Slot::Pending { deadline, .. } => earliest(acc, Some(*deadline)),
            _ => acc,
        })
    }

    /// Tell the association the time, with nothing else happening: starts the
    /// responder's connect timeout (the wait for the CR) on a fresh association, and looks
    /// at the transmit queue for the send stall (see [`Config::send_stall_timeout`]).
    /// Call it once when the TCP connection is accepted, and after queuing with a command
    /// that takes no `now` ([`respond`](Self::respond),
    /// [`send_unconfirmed`](Self::send_unconfirmed), ...) or taking octets with
    /// [`poll_transmit`](Self::poll_transmit); then [`poll_timeout`](Self::poll_timeout)
    /// includes these deadlines.
    ///
    /// [`Config::send_stall_timeout`]: super::Config::send_stall_timeout
    pub fn note_time(&mut self, now: Instant) {
        self.watch(now);
    }

    /// Octets waiting in the transmit queue (of `BUF`): what [`poll_transmit`] has yet to
    /// hand out. A driver that keeps PDUs of its own for later uses it to leave room for
    /// answers.
    ///
    /// [`poll_transmit`]: Self::poll_transmit
    #[must_use]
    pub fn transmit_queued(&self) -> usize {
        self.tx_len
    }

    /// The driver found that the octets it already took with
    /// [`poll_transmit`](Self::poll_transmit) did not reach the socket within the send
    /// stall timeout (its own write blocked): close with [`CloseReason::SlowPeer`],
    /// dropping the transmit queue (no abort can reach a peer that does not read).
    pub fn handle_send_stall(&mut self, _now: Instant) {
        if self.state == State::Closed {
            return;
        }
        let queued = self.tx_len;
        self.tx_len = 0;
        self.stall_since = None;
        self.close(CloseReason::SlowPeer { queued });
    }

    /// Look at the clock: the responder's CR timer, the send stall clock.
    pub(super) fn watch(&mut self, now: Instant) {
        if self.role == Role::Responder && self.state == State::Idle && self.deadline.is_none() {
            self.deadline = Some(now.saturating_add(self.config.connect_timeout));
        }
        if self.tx_len == 0 {
            self.stall_since = None;
        } else if self.tx_taken || self.stall_since.is_none() {
            self.stall_since = Some(now);
        }
        self.tx_taken = false;
    }

    /// When queued output will have stalled too long.
    pub(super) fn stall_deadline(&self) -> Option<Instant> {
        let limit = self.config.send_stall_timeout?;
        if self.state == State::Closed {
            return None;
        }
        Some(self.stall_since?.saturating_add(limit))
    }

    /// When an established association will have been silent too long.
    pub(super) fn idle_deadline(&self) -> Option<Instant> {
        let limit = self.config.idle_timeout?;
        if self.state != State::Associated {
            return None;
        }
        Some(self.last_rx?.saturating_add(limit))
    }

    /// Close on a stalled send or an idle association; whether it closed.
    pub(super) fn check_limits(&mut self, now: Instant) -> bool {
        if self.stall_deadline().is_some_and(|d| d.is_due(now)) && self.tx_len > 0 {
            self.handle_send_stall(now);
            return true;
        }
        if self.idle_deadline().is_some_and(|d| d.is_due(now)) {
            let _ = self.send_abort(0);
            self.close(CloseReason::Idle);
            return true;
        }
        false
    }
}
