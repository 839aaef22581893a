//! What the server sends on its own: reports (acknowledged when critical), messages,
//! acknowledgements for our station, the end of the association (kept and sorted by the
//! core's [`ClientSession`](tase2_transfer_sets::client::ClientSession)).

use std::ops::ControlFlow;
use std::time::Duration;

use tase2_transfer_sets::client::{Tase2Message, Tase2Report, unconfirmed_service};

use super::Tase2Client;
use super::{Tase2ClientError, Tase2ClientEvent};
use crate::mms::MmsClient;

/// Send an encoded unconfirmed PDU.
pub(super) fn send_pdu(mms: &MmsClient, pdu: &[u8]) -> Result<(), Tase2ClientError> {
    Ok(mms.send_unconfirmed(unconfirmed_service(pdu)?)?)
}

impl Tase2Client {
    fn receive(&mut self, timeout: Option<Duration>) -> Option<Tase2ClientEvent> {
        let ev = match timeout {
            Some(t) => self.mms.next_event_timeout(t)?,
            None => self.mms.next_event()?,
        };
        let (mms, association) = (&self.mms, self.mms.association().id());
        Some(
            self.session
                .handle(association, ev, |ack| send_pdu(mms, ack).is_ok()),
        )
    }

    /// The next event the server sent (reports arrive typed, critical ones already
    /// acknowledged); `None` once the association is gone.
    pub fn next_event(&mut self) -> Option<Tase2ClientEvent> {
        match self.session.next_queued() {
            Some(e) => Some(e),
            None => self.receive(None),
        }
    }

    /// As [`next_event`](Self::next_event), waiting at most `timeout` (`None`: nothing
    /// came in time, or the association is gone).
    pub fn next_event_timeout(&mut self, timeout: Duration) -> Option<Tase2ClientEvent> {
        match self.session.next_queued() {
            Some(e) => Some(e),
            None => self.receive(Some(timeout)),
        }
    }

    fn next_matching(
        &mut self,
        pick: fn(&Tase2ClientEvent) -> bool,
        timeout: Option<Duration>,
    ) -> Option<Tase2ClientEvent> {
        if let Some(e) = self.session.take_queued(pick) {
            return Some(e);
        }
        let start = std::time::Instant::now();
        loop {
            let left = match timeout {
                Some(t) => Some(t.checked_sub(start.elapsed())?),
                None => None,
            };
            let e = self.receive(left)?;
            if let ControlFlow::Break(found) = self.session.sift(e, pick) {
                return found;
            }
        }
    }

    /// The next transfer report (other events are kept for
    /// [`next_event`](Self::next_event)); `None` once the association is gone.
    pub fn next_report(&mut self) -> Option<Tase2Report> {
        self.report_within(None)
    }

    /// As [`next_report`](Self::next_report), waiting at most `timeout`.
    pub fn next_report_timeout(&mut self, timeout: Duration) -> Option<Tase2Report> {
        self.report_within(Some(timeout))
    }

    fn report_within(&mut self, timeout: Option<Duration>) -> Option<Tase2Report> {
        let e = self.next_matching(Tase2ClientEvent::is_report, timeout)?;
        e.into_report()
    }

    /// The next information message (other events are kept); `None` once the association
    /// is gone.
    pub fn next_message(&mut self) -> Option<Tase2Message> {
        self.message_within(None)
    }

    /// As [`next_message`](Self::next_message), waiting at most `timeout`.
    pub fn next_message_timeout(&mut self, timeout: Duration) -> Option<Tase2Message> {
        self.message_within(Some(timeout))
    }

    fn message_within(&mut self, timeout: Option<Duration>) -> Option<Tase2Message> {
        let e = self.next_matching(Tase2ClientEvent::is_message, timeout)?;
        e.into_message()
    }
}
