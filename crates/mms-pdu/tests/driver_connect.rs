//! `driver::Link::connect` tells its `done` exactly when it returned `Ok`: a connect refused
//! because the link is already closed (an abort whose close was not yet drained) drops
//! `done` untold, rather than telling it the close later (found by the `mms_driver` fuzz
//! target, seed `crash_connect_refused_then_told`).
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use telecontrol_mms_pdu::association::{Config, Role};
use telecontrol_mms_pdu::driver::Link;

#[test]
fn a_refused_connect_never_tells_done() {
    let link = Link::new(Role::Initiator, Config::DEFAULT).unwrap();
    link.abort();
    let told = Arc::new(AtomicUsize::new(0));
    let t = Arc::clone(&told);
    let r = link.connect(Box::new(move |_| {
        t.fetch_add(1, Ordering::SeqCst);
    }));
    assert!(r.is_err(), "{r:?}");
    link.transport_closed();
    link.timeout();
    assert!(link.closed().is_some());
    assert_eq!(told.load(Ordering::SeqCst), 0);
}

#[test]
fn an_accepted_connect_tells_done_once() {
    let link = Link::new(Role::Initiator, Config::DEFAULT).unwrap();
    let told = Arc::new(AtomicUsize::new(0));
    let t = Arc::clone(&told);
    link.connect(Box::new(move |r| {
        assert!(r.is_err());
        t.fetch_add(1, Ordering::SeqCst);
    }))
    .unwrap();
    link.transport_closed();
    link.transport_closed();
    assert_eq!(told.load(Ordering::SeqCst), 1);
}
