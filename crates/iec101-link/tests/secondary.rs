//! Scenario tests of the unbalanced secondary (IEC 60870-5-2 clause 5.1, 101 clause 7.2),
//! asserting exact bytes on the line and exact events.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;
use common::*;
use telecontrol_core::Instant;
use telecontrol_iec101_link::{
    AddressSize, FrameError, LinkConfig, LinkError, NoDataResponse, PrimaryFunction, Secondary,
    SecondaryConfig, SecondaryEvent,
};

const A: AddressSize = AddressSize::One;
const ADDR: u16 = 7;

fn slave(no_data: NoDataResponse) -> Secondary<4, 4> {
    Secondary::new(SecondaryConfig {
        link: LinkConfig::default(),
        address: ADDR,
        no_data,
    })
    .unwrap()
}

/// Feed one request, return the response bytes (empty if none) and the events.
fn exchange(s: &mut Secondary<4, 4>, req: &[u8]) -> (Vec<u8>, Vec<String>) {
    let mut rest = req;
    let mut out = Vec::new();
    let mut events = Vec::new();
    loop {
        let n = s.handle_input(Instant::ZERO, rest);
        rest = &rest[n..];
        let mut buf = [0u8; 300];
        let mut progressed = n > 0;
        if let Some(len) = s.poll_transmit(&mut buf) {
            out.extend_from_slice(&buf[..len]);
            progressed = true;
        }
        while let Some(e) = s.poll_event() {
            events.push(format!("{e:?}"));
            progressed = true;
        }
        if !progressed && rest.is_empty() {
            break;
        }
    }
    (out, events)
}

fn started(no_data: NoDataResponse) -> Secondary<4, 4> {
    let mut s = slave(no_data);
    let (r, _) = exchange(&mut s, &fixed(A, 0x49, ADDR));
    assert_eq!(r, fixed(A, 0x0B, ADDR));
    let (r, e) = exchange(&mut s, &fixed(A, 0x40, ADDR));
    assert_eq!(r, E5);
    assert_eq!(e, ["LinkReset"]);
    s
}

#[test]
fn link_start_up() {
    let mut s = slave(NoDataResponse::SingleChar);
    assert!(!s.is_link_reset());
    // Before the reset, a poll is refused: link service not functioning.
    let (r, _) = exchange(&mut s, &fixed(A, 0x7B, ADDR));
    assert_eq!(r, fixed(A, 0x0E, ADDR));
    // Request status of link -> status of link; reset of remote link -> ACK (0xE5).
    let (r, _) = exchange(&mut s, &fixed(A, 0x49, ADDR));
    assert_eq!(r, [0x10, 0x0B, 0x07, 0x12, 0x16]);
    let (r, e) = exchange(&mut s, &fixed(A, 0x40, ADDR));
    assert_eq!(r, E5);
    assert_eq!(e, ["LinkReset"]);
    assert!(s.is_link_reset());
    // Reset of user process -> ACK and event.
    let (r, e) = exchange(&mut s, &fixed(A, 0x41, ADDR));
    assert_eq!(r, E5);
    assert_eq!(e, ["UserProcessReset"]);
}

#[test]
fn fixed_ack_when_single_char_not_allowed() {
    let link = LinkConfig {
        single_char_ack: false,
        ..LinkConfig::default()
    };
    let mut s: Secondary<4, 4> = Secondary::new(SecondaryConfig {
        link,
        address: ADDR,
        no_data: NoDataResponse::SingleChar,
    })
    .unwrap();
    let (r, _) = exchange(&mut s, &fixed(A, 0x40, ADDR));
    assert_eq!(r, fixed(A, 0x00, ADDR));
    let (r, _) = exchange(&mut s, &fixed(A, 0x7B, ADDR));
    assert_eq!(
        r,
        fixed(A, 0x09, ADDR),
        "no 0xE5 when single characters are off"
    );
}

#[test]
fn class_2_and_class_1_with_acd() {
    let mut s = started(NoDataResponse::SingleChar);
    // Nothing queued: class 2 poll answered with 0xE5.
    let (r, _) = exchange(&mut s, &fixed(A, 0x7B, ADDR));
    assert_eq!(r, E5);
    s.queue_class2(&[0x22]).unwrap();
    s.queue_class1(&[0x11, 0x01]).unwrap();
    s.queue_class1(&[0x11, 0x02]).unwrap();
    assert_eq!(s.queued(), (2, 1));
    // Class 2 poll (FCB=0): class 2 data with ACD set (class 1 waits).
    let (r, _) = exchange(&mut s, &fixed(A, 0x5B, ADDR));
    assert_eq!(r, var(A, 0x28, ADDR, &[0x22]));
    // Class 2 poll again, nothing left: NACK no data with ACD, never 0xE5.
    let (r, _) = exchange(&mut s, &fixed(A, 0x7B, ADDR));
    assert_eq!(r, [0x10, 0x29, 0x07, 0x30, 0x16]);
    // Class 1 polls: first still ACD (one more waits), then ACD clear.
    let (r, _) = exchange(&mut s, &fixed(A, 0x5A, ADDR));
    assert_eq!(r, var(A, 0x28, ADDR, &[0x11, 0x01]));
    let (r, _) = exchange(&mut s, &fixed(A, 0x7A, ADDR));
    assert_eq!(r, var(A, 0x08, ADDR, &[0x11, 0x02]));
    // Status of link reports ACD = 0 now.
    let (r, _) = exchange(&mut s, &fixed(A, 0x49, ADDR));
    assert_eq!(r, fixed(A, 0x0B, ADDR));
    // Access demand request answered with status too, ACD when class 1 waits.
    s.queue_class1(&[0x11]).unwrap();
    let (r, _) = exchange(&mut s, &fixed(A, 0x48, ADDR));
    assert_eq!(r, fixed(A, 0x2B, ADDR));
}

#[test]
fn no_data_as_nack_frame() {
    let mut s = started(NoDataResponse::NackNoData);
    let (r, _) = exchange(&mut s, &fixed(A, 0x7B, ADDR));
    assert_eq!(r, fixed(A, 0x09, ADDR));
}

#[test]
fn repeated_poll_resends_the_same_data_without_losing_any() {
    let mut s = started(NoDataResponse::SingleChar);
    s.queue_class2(&[0xA1]).unwrap();
    s.queue_class2(&[0xA2]).unwrap();
    let first = var(A, 0x08, ADDR, &[0xA1]);
    let (r, _) = exchange(&mut s, &fixed(A, 0x7B, ADDR));
    assert_eq!(r, first);
    // The response was lost; the primary repeats with the same FCB (1).
    let (r, e) = exchange(&mut s, &fixed(A, 0x7B, ADDR));
    assert_eq!(r, first);
    assert_eq!(
        e,
        [format!(
            "{:?}",
            SecondaryEvent::RepeatAnswered {
                function: PrimaryFunction::RequestClass2
            }
        )]
    );
    assert_eq!(s.queued(), (0, 1));
    // The next new poll (FCB toggled to 0) gets the next ASDU.
    let (r, _) = exchange(&mut s, &fixed(A, 0x5B, ADDR));
    assert_eq!(r, var(A, 0x08, ADDR, &[0xA2]));
    assert_eq!(s.stats().repeats_answered, 1);
}

#[test]
fn user_data_confirmed_delivered_once() {
    let mut s = started(NoDataResponse::SingleChar);
    let asdu = [0x64, 0x01, 0x06, 0x01, 0x00, 0x00, 0x14];
    let (r, e) = exchange(&mut s, &var(A, 0x73, ADDR, &asdu));
    assert_eq!(r, E5);
    assert_eq!(
        e,
        [format!(
            "{:?}",
            SecondaryEvent::UserData {
                asdu: &asdu,
                broadcast: false
            }
        )]
    );
    // Repeat (ACK lost): ACK again, no second delivery.
    let (r, e) = exchange(&mut s, &var(A, 0x73, ADDR, &asdu));
    assert_eq!(r, E5);
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("RepeatAnswered"));
    // Next frame with FCB toggled is new data.
    let (_, e) = exchange(&mut s, &var(A, 0x53, ADDR, &[0x01]));
    assert!(e[0].starts_with("UserData"));
}

#[test]
fn fcb_error_after_reset_is_counted_and_accepted() {
    let mut s = started(NoDataResponse::SingleChar);
    s.queue_class2(&[0x33]).unwrap();
    // After a reset the first FCV frame must carry FCB = 1; this one carries 0.
    let (r, _) = exchange(&mut s, &fixed(A, 0x5B, ADDR));
    assert_eq!(r, var(A, 0x08, ADDR, &[0x33]));
    assert_eq!(s.stats().fcb_errors, 1);
}

#[test]
fn busy_sets_dfc_and_refuses_user_data() {
    let mut s = started(NoDataResponse::SingleChar);
    s.set_busy(true);
    let (r, e) = exchange(&mut s, &var(A, 0x73, ADDR, &[0x01]));
    assert_eq!(r, fixed(A, 0x11, ADDR), "NACK with DFC");
    assert!(e.is_empty());
    let (r, _) = exchange(&mut s, &fixed(A, 0x49, ADDR));
    assert_eq!(r, fixed(A, 0x1B, ADDR));
    s.set_busy(false);
    let (r, e) = exchange(&mut s, &var(A, 0x53, ADDR, &[0x02]));
    assert_eq!(r, E5);
    assert_eq!(e.len(), 1);
}

#[test]
fn broadcast_and_foreign_frames() {
    let mut s = started(NoDataResponse::SingleChar);
    // Broadcast SEND/NO REPLY: delivered, no answer.
    let (r, e) = exchange(&mut s, &var(A, 0x44, 0xFF, &[0x67]));
    assert!(r.is_empty());
    assert_eq!(
        e,
        [format!(
            "{:?}",
            SecondaryEvent::UserData {
                asdu: &[0x67],
                broadcast: true
            }
        )]
    );
    // A poll to another station, and another station's response: ignored.
    let (r, e) = exchange(&mut s, &fixed(A, 0x7B, 8));
    assert!(r.is_empty() && e.is_empty());
    let (r, _) = exchange(&mut s, &var(A, 0x08, 8, &[1, 2]));
    assert!(r.is_empty());
    let (r, _) = exchange(&mut s, &E5);
    assert!(r.is_empty());
    assert_eq!(s.stats().frames_ignored, 3);
    // Undefined primary function code: not implemented.
    let (r, _) = exchange(&mut s, &fixed(A, 0x4D, ADDR));
    assert_eq!(r, fixed(A, 0x0F, ADDR));
}

#[test]
fn garbage_then_request() {
    let mut s = started(NoDataResponse::SingleChar);
    let mut line = vec![0xFF, 0x00, 0x13];
    line.extend(fixed(A, 0x49, ADDR));
    let (r, e) = exchange(&mut s, &line);
    assert_eq!(r, fixed(A, 0x0B, ADDR));
    assert_eq!(
        e,
        [format!(
            "{:?}",
            SecondaryEvent::Discarded {
                octets: 3,
                reason: FrameError::BadStart {
                    offset: 0,
                    value: 0xFF
                }
            }
        )]
    );
    assert_eq!(s.stats().octets_discarded, 3);
}

#[test]
fn two_requests_in_one_read_are_processed_in_turn() {
    let mut s = started(NoDataResponse::SingleChar);
    let mut line = fixed(A, 0x49, ADDR);
    line.extend(fixed(A, 0x7B, ADDR));
    let n = s.handle_input(Instant::ZERO, &line);
    assert_eq!(n, 5, "stops after the first request that needs an answer");
    assert_eq!(
        s.handle_input(Instant::ZERO, &line[n..]),
        0,
        "response not drained yet"
    );
    let mut buf = [0u8; 300];
    assert_eq!(s.poll_transmit(&mut buf), Some(5));
    assert_eq!(s.handle_input(Instant::ZERO, &line[n..]), 5);
    assert_eq!(s.poll_transmit(&mut buf), Some(1));
    assert_eq!(buf[0], 0xE5);
}

#[test]
fn queues_and_config_are_checked() {
    let mut s = started(NoDataResponse::SingleChar);
    for i in 0..4 {
        s.queue_class1(&[i]).unwrap();
    }
    assert_eq!(s.queue_class1(&[9]), Err(LinkError::QueueFull));
    assert_eq!(s.stats().queue_overflows, 1);
    assert_eq!(
        s.queue_class2(&[0; 254]),
        Err(LinkError::TooLong { len: 254, max: 253 })
    );
    let bad = |address, link| {
        Secondary::<1, 1>::new(SecondaryConfig {
            link,
            address,
            no_data: NoDataResponse::SingleChar,
        })
        .is_err()
    };
    assert!(bad(255, LinkConfig::default()), "broadcast address");
    assert!(bad(
        1,
        LinkConfig {
            address_size: AddressSize::None,
            ..LinkConfig::default()
        }
    ));
    assert!(bad(
        1,
        LinkConfig {
            max_frame_len: 262,
            ..LinkConfig::default()
        }
    ));
    assert!(bad(
        1,
        LinkConfig {
            response_timeout: core::time::Duration::ZERO,
            ..LinkConfig::default()
        }
    ));
    assert!(!bad(254, LinkConfig::default()));
}
