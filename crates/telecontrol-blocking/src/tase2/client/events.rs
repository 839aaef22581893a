//! What the server sends on its own: reports (acknowledged when critical), messages,
//! acknowledgements for our station, the end of the association.

use std::time::Duration;

use mms_pdu::mms::MmsPdu;
use tase2_transfer_sets::client::{Received, Tase2Message, Tase2Report};
use telecontrol_core::Decode;

use super::Tase2Client;
use super::{Tase2ClientError, Tase2ClientEvent};
use crate::mms::{MmsError, MmsEvent};

impl Tase2Client {
    pub(super) fn send_pdu(&self, pdu: &[u8]) -> Result<(), Tase2ClientError> {
        match MmsPdu::decode(pdu) {
            Ok(MmsPdu::Unconfirmed(svc)) => Ok(self.mms.send_unconfirmed(svc)?),
            _ => Err(Tase2ClientError::Mms(MmsError::UnexpectedAnswer)),
        }
    }

    fn handle(&mut self, ev: MmsEvent) -> Tase2ClientEvent {
        match ev {
            MmsEvent::Unconfirmed(pdu) => match self.tracker.handle_unconfirmed(&pdu) {
                Ok(Received::Report { report, ack }) => {
                    if let Some(ack) = ack
                        && self.send_pdu(&ack).is_ok()
                    {
                        self.acknowledged = self.acknowledged.saturating_add(1);
                    }
                    Tase2ClientEvent::Report(report)
                }
                Ok(Received::Message(m)) => Tase2ClientEvent::Message(m),
                _ => {
                    // Acknowledgements of our own station's reports.
                    if let (Some(s), Ok(MmsPdu::Unconfirmed(svc))) =
                        (&self.serving, MmsPdu::decode(&pdu))
                    {
                        let _ = s
                            .station
                            .handle_unconfirmed(self.mms.association().id(), &svc);
                        s.wake();
                    }
                    Tase2ClientEvent::Other(pdu)
                }
            },
            MmsEvent::Closed(r) => Tase2ClientEvent::Closed(r),
        }
    }

    fn receive(&mut self, timeout: Option<Duration>) -> Option<Tase2ClientEvent> {
        let ev = match timeout {
            Some(t) => self.mms.next_event_timeout(t)?,
            None => self.mms.next_event()?,
        };
        Some(self.handle(ev))
    }

    /// The next event the server sent (reports arrive typed, critical ones already
    /// acknowledged); `None` once the association is gone.
    pub fn next_event(&mut self) -> Option<Tase2ClientEvent> {
        match self.queued.pop_front() {
            Some(e) => Some(e),
            None => self.receive(None),
        }
    }

    /// As [`next_event`](Self::next_event), waiting at most `timeout` (`None`: nothing
    /// came in time, or the association is gone).
    pub fn next_event_timeout(&mut self, timeout: Duration) -> Option<Tase2ClientEvent> {
        match self.queued.pop_front() {
            Some(e) => Some(e),
            None => self.receive(Some(timeout)),
        }
    }

    fn next_matching(
        &mut self,
        pick: fn(&Tase2ClientEvent) -> bool,
        timeout: Option<Duration>,
    ) -> Option<Tase2ClientEvent> {
        if let Some(i) = self.queued.iter().position(pick) {
            return self.queued.remove(i);
        }
        let start = std::time::Instant::now();
        loop {
            let left = match timeout {
                Some(t) => Some(t.checked_sub(start.elapsed())?),
                None => None,
            };
            let e = self.receive(left)?;
            if pick(&e) {
                return Some(e);
            }
            let closed = matches!(e, Tase2ClientEvent::Closed(_));
            self.queued.push_back(e);
            if closed {
                return None;
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
        match self.next_matching(|e| matches!(e, Tase2ClientEvent::Report(_)), timeout)? {
            Tase2ClientEvent::Report(r) => Some(r),
            _ => None,
        }
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
        match self.next_matching(|e| matches!(e, Tase2ClientEvent::Message(_)), timeout)? {
            Tase2ClientEvent::Message(m) => Some(m),
            _ => None,
        }
    }
}
