//! What the server sends on its own: reports (acknowledged when critical), messages,
//! acknowledgements for our station, the end of the association (kept and sorted by the
//! core's [`ClientSession`](tase2_transfer_sets::client::ClientSession)).

use std::ops::ControlFlow;

use tase2_transfer_sets::client::{Tase2Message, Tase2Report, unconfirmed_service};

use super::Tase2Client;
use super::{Tase2ClientError, Tase2ClientEvent};
use crate::mms::MmsClient;

/// Send an encoded unconfirmed PDU.
pub(super) fn send_pdu(mms: &MmsClient, pdu: &[u8]) -> Result<(), Tase2ClientError> {
    Ok(mms.send_unconfirmed(unconfirmed_service(pdu)?)?)
}

impl Tase2Client {
    async fn receive(&mut self) -> Option<Tase2ClientEvent> {
        let ev = self.mms.next_event().await?;
        let (mms, association) = (&self.mms, self.mms.association().id());
        Some(
            self.session
                .handle(association, ev, |ack| send_pdu(mms, ack).is_ok()),
        )
    }

    /// The next event the server sent (reports arrive typed, critical ones already
    /// acknowledged); `None` once the association is gone.
    pub async fn next_event(&mut self) -> Option<Tase2ClientEvent> {
        match self.session.next_queued() {
            Some(e) => Some(e),
            None => self.receive().await,
        }
    }

    async fn next_matching(
        &mut self,
        pick: fn(&Tase2ClientEvent) -> bool,
    ) -> Option<Tase2ClientEvent> {
        if let Some(e) = self.session.take_queued(pick) {
            return Some(e);
        }
        loop {
            let e = self.receive().await?;
            if let ControlFlow::Break(found) = self.session.sift(e, pick) {
                return found;
            }
        }
    }

    /// The next transfer report (other events are kept for
    /// [`next_event`](Self::next_event)); `None` once the association is gone.
    pub async fn next_report(&mut self) -> Option<Tase2Report> {
        let e = self.next_matching(Tase2ClientEvent::is_report).await?;
        e.into_report()
    }

    /// The next information message (other events are kept); `None` once the association
    /// is gone.
    pub async fn next_message(&mut self) -> Option<Tase2Message> {
        let e = self.next_matching(Tase2ClientEvent::is_message).await?;
        e.into_message()
    }
}
