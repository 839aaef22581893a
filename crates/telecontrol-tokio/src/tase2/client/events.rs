//! What the server sends on its own: reports (acknowledged when critical), messages,
//! acknowledgements for our station, the end of the association.

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

    async fn receive(&mut self) -> Option<Tase2ClientEvent> {
        let ev = self.mms.next_event().await?;
        Some(self.handle(ev))
    }

    /// The next event the server sent (reports arrive typed, critical ones already
    /// acknowledged); `None` once the association is gone.
    pub async fn next_event(&mut self) -> Option<Tase2ClientEvent> {
        match self.queued.pop_front() {
            Some(e) => Some(e),
            None => self.receive().await,
        }
    }

    async fn next_matching(
        &mut self,
        pick: fn(&Tase2ClientEvent) -> bool,
    ) -> Option<Tase2ClientEvent> {
        if let Some(i) = self.queued.iter().position(pick) {
            return self.queued.remove(i);
        }
        loop {
            let e = self.receive().await?;
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
    pub async fn next_report(&mut self) -> Option<Tase2Report> {
        match self
            .next_matching(|e| matches!(e, Tase2ClientEvent::Report(_)))
            .await?
        {
            Tase2ClientEvent::Report(r) => Some(r),
            _ => None,
        }
    }

    /// The next information message (other events are kept); `None` once the association
    /// is gone.
    pub async fn next_message(&mut self) -> Option<Tase2Message> {
        match self
            .next_matching(|e| matches!(e, Tase2ClientEvent::Message(_)))
            .await?
        {
            Tase2ClientEvent::Message(m) => Some(m),
            _ => None,
        }
    }
}
