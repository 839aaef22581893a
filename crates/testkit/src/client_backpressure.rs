//! The back-pressure scenario of the 104 clients of both adapters: an application that
//! stops reading its events. The connection holds at most `ClientConfig::events` (here
//! [`HELD`]) of them, then stops reading the server, whose event buffer fills and refuses
//! further updates (bounded memory on both sides). When the application reads again, every
//! accepted event arrives, in order (re-sends after a reconnect skipped).
//!
//! Not a module of the testkit library (it needs the adapters' session crate): each
//! adapter's `tests/client_backpressure.rs` includes it with
//! `#[path = "../../testkit/src/client_backpressure.rs"] mod common;`.
#![allow(
    dead_code,
    clippy::panic,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, Instant};

use iec104_session::shared::{ClientEvent, UpdateError};
use station::asdu::{CommonAddress, Ioa, Qds, Quality, Value};

pub const CA: CommonAddress = CommonAddress(1);
/// The point the events are of.
pub const IOA: u16 = 100;
/// Events the client may hold for the application.
pub const HELD: usize = 200;

/// Event `seq` (a float carrying the sequence number).
pub fn value(seq: u32) -> Value<'static> {
    Value::MMeNc1(seq as f32, Qds::new(Quality::GOOD))
}

/// The point's address.
pub fn ioa() -> Ioa {
    Ioa::from(IOA)
}

/// Run the scenario against a started client: `update` is the server's update of the
/// point, `next` the application's read of the next event within a time. The caller's
/// runtime must keep the server and the client running while this blocks.
pub fn run(
    update: &mut dyn FnMut(Value<'static>) -> Result<(), UpdateError>,
    next: &mut dyn FnMut(Duration) -> Option<ClientEvent>,
) {
    loop {
        match next(Duration::from_secs(10)) {
            Some(ClientEvent::Started) => break,
            Some(_) => {}
            None => panic!("no STARTDT con"),
        }
    }
    // The application stops reading: updates are accepted until the client's HELD events,
    // the window in flight and the server's event buffer are full, then refused.
    let mut accepted = 0u32;
    let mut refused_since: Option<Instant> = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match update(value(accepted + 1)) {
            Ok(()) => {
                accepted += 1;
                refused_since = None;
            }
            Err(UpdateError::Station(_)) => {
                let since = *refused_since.get_or_insert_with(Instant::now);
                // Refused for a while, with the client's stream full: a starved client
                // task on a loaded machine refuses for a while too, before it holds all.
                if since.elapsed() > Duration::from_secs(2) && accepted >= HELD as u32 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        refused_since.is_some(),
        "the server never refused: not bounded"
    );
    // Held by the client, in flight (k = 12) and buffered at the server (128 ASDUs of one
    // event each): far fewer than an unbounded client would have taken.
    assert!(
        (HELD as u32..HELD as u32 + 400).contains(&accepted),
        "{accepted} accepted"
    );

    // Reading again: everything arrives, in order.
    let mut last = 0u32;
    while last < accepted {
        let Some(e) = next(Duration::from_secs(30)) else {
            panic!("events stalled after {last} of {accepted}");
        };
        if let ClientEvent::Asdu(a) = e {
            for o in a.objects() {
                if let Value::MMeNc1(v, _) = o.value {
                    let seq = v as u32;
                    if seq > last {
                        assert_eq!(seq, last + 1, "event lost");
                        last = seq;
                    }
                }
            }
        }
    }
}
