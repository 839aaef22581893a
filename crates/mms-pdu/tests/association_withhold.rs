//! A request left unanswered on purpose (`Association::withhold`): nothing goes out, the
//! peer's request timeout fires, the invoke id is free again (conclude is possible, a new
//! request with the same id is taken), and an unknown id is refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod association_pair;

use core::time::Duration;

use association_pair::{Ev, Pair};
use telecontrol_mms_pdu::association::{AssocError, CloseReason, FailReason};
use telecontrol_mms_pdu::mms::ConfirmedServiceRequest;

#[test]
fn withheld_request_times_out_at_the_peer_and_frees_its_id() {
    let mut p = Pair::associated();
    let now = p.now;
    let id = p
        .client
        .request(now, ConfirmedServiceRequest::Identify)
        .unwrap();
    p.run();
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Ev::Request { id: i, .. } if *i == id))
    );
    // The server still owes an answer: it cannot conclude.
    p.server.conclude(now).unwrap_err();
    p.server.withhold(id).unwrap();
    // Withheld once: the id is no longer awaiting an answer.
    assert_eq!(p.server.withhold(id), Err(AssocError::UnknownInvokeId(id)));
    let sent_before = p.sent_by(false).len();
    p.run();
    assert_eq!(p.sent_by(false).len(), sent_before, "nothing was sent");
    p.advance(Duration::from_secs(30));
    assert!(p.client_events.contains(&Ev::Failed {
        id,
        reason: FailReason::Timeout
    }));
    assert!(p.client.is_associated() && p.server.is_associated());
    // Nothing is outstanding on either side any more: the association concludes.
    p.client_events.clear();
    p.server_events.clear();
    let now = p.now;
    p.client.conclude(now).unwrap();
    p.run();
    assert_eq!(
        p.server_events,
        vec![
            Ev::ConcludeIndication(true),
            Ev::Closed(CloseReason::Released)
        ]
    );
}
