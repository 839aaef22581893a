//! The events a TASE.2 client session puts aside while the application waits for another
//! kind are bounded: a server that floods the kind the application does not read cannot
//! grow the client's memory; the oldest go first and are counted, the newest and the end of
//! the association stay, in order.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::ops::ControlFlow;

use telecontrol_tase2_transfer_sets as tase2;

use mms_pdu::association::CloseReason;
use tase2::client::{ClientSession, PeerCheck, SET_ASIDE, TableId, Tase2ClientEvent};
use tase2::objects::{SupportedFeatures, Tase2Version};

fn session() -> ClientSession {
    let peer = PeerCheck {
        version: Tase2Version::EDITION_2000_08,
        features: SupportedFeatures::new(&[1], 12),
        table_id: TableId::new("T1").unwrap(),
    };
    ClientSession::new("ICC1".into(), peer, None)
}

/// An event the application does not wait for, numbered.
fn other(n: u32) -> Tase2ClientEvent {
    Tase2ClientEvent::Other(n.to_be_bytes().to_vec())
}

#[test]
fn events_put_aside_are_bounded_and_the_oldest_dropped_first() {
    let mut s = session();
    let extra = 1000u32;
    let total = u32::try_from(SET_ASIDE).unwrap() + extra;
    for n in 0..total {
        assert_eq!(
            s.sift(other(n), Tase2ClientEvent::is_report),
            ControlFlow::Continue(())
        );
    }
    assert_eq!(s.set_aside_dropped(), u64::from(extra));
    // The end of the association is kept too (it drops one more of the oldest).
    assert_eq!(
        s.sift(
            Tase2ClientEvent::Closed(CloseReason::Released),
            Tase2ClientEvent::is_report
        ),
        ControlFlow::Break(None)
    );
    assert_eq!(s.set_aside_dropped(), u64::from(extra) + 1);
    let mut kept = Vec::new();
    while let Some(e) = s.next_queued() {
        kept.push(e);
    }
    assert_eq!(kept.len(), SET_ASIDE);
    let first = extra + 1;
    for (i, e) in kept[..SET_ASIDE - 1].iter().enumerate() {
        assert_eq!(*e, other(first + u32::try_from(i).unwrap()));
    }
    assert_eq!(
        kept[SET_ASIDE - 1],
        Tase2ClientEvent::Closed(CloseReason::Released)
    );
}

#[test]
fn below_the_bound_nothing_is_dropped() {
    let mut s = session();
    for n in 0..u32::try_from(SET_ASIDE).unwrap() {
        let _ = s.sift(other(n), Tase2ClientEvent::is_message);
    }
    assert_eq!(s.set_aside_dropped(), 0);
    assert_eq!(s.take_queued(|e| *e == other(0)), Some(other(0)));
}
