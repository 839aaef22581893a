//! The serial runner's echo filter (feature `std`): our own octets coming back on a
//! two-wire line are dropped, someone else's pass, and a line that never echoes cannot make
//! the filter grow beyond `ECHO_MAX` (found by the `iec101_runner` fuzz target: before, every
//! retransmission to a silent slave was remembered for ever).
#![cfg(feature = "std")]
#![allow(clippy::indexing_slicing, missing_docs)]

use telecontrol_iec101_session::iec101_link::MAX_FRAME_LEN;
use telecontrol_iec101_session::runner::{ECHO_MAX, EchoFilter};

#[test]
fn own_octets_are_dropped_others_pass() {
    let mut f = EchoFilter::default();
    f.sent(&[0x10, 0x49, 0x03, 0x4C, 0x16]);
    assert_eq!(f.filter(&[0x10, 0x49]), &[] as &[u8]);
    assert_eq!(f.pending(), 3);
    // The rest of the echo, then the peer's answer in the same read.
    assert_eq!(f.filter(&[0x03, 0x4C, 0x16, 0xE5]), &[0xE5]);
    assert_eq!(f.pending(), 0);
    // A differing octet ends the expectation.
    f.sent(&[1, 2, 3]);
    assert_eq!(f.filter(&[1, 9, 3]), &[9, 3]);
    assert_eq!(f.pending(), 0);
}

#[test]
fn a_line_without_echo_keeps_the_filter_bounded() {
    let mut f = EchoFilter::default();
    let frame = [0x5Au8; MAX_FRAME_LEN];
    for _ in 0..100 {
        f.sent(&frame);
        assert!(f.pending() <= ECHO_MAX, "{}", f.pending());
    }
    assert_eq!(f.pending(), ECHO_MAX);
    // The newest octets are the ones still expected.
    let mut g = EchoFilter::default();
    g.sent(&vec![1u8; ECHO_MAX]);
    g.sent(&[2, 3]);
    assert_eq!(g.pending(), ECHO_MAX);
    let mut echo = vec![1u8; ECHO_MAX - 2];
    echo.extend_from_slice(&[2, 3, 0xE5]);
    assert_eq!(g.filter(&echo), &[0xE5]);
}
