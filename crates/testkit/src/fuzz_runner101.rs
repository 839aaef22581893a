//! Fuzz body for the 101 serial `Runner` (`telecontrol-iec101-session` `runner`, feature
//! `std`), the sans-IO driver both serial adapters run: a master and a slave (or two
//! balanced stations, one of them an outstation) on a line the script controls (carry,
//! lose, cut, corrupt, inject), with the echo of a two-wire RS-485 line delivered, lost or
//! delayed, master requests, spontaneous events, lost connections and time steps on a
//! manual clock.
//!
//! Checked: no panic; the clock handed to the runners never goes backwards; after
//! `handle_timeout(now)` no deadline is at or before `now`; the echo filter holds no more
//! than its bound (`ECHO_MAX`); every request the runner accepted ends with exactly one
//! `LineEvent::Result` once the line is healthy and time passes, and no result comes for an
//! id never handed out.
#![allow(
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use iec101_session::runner::{ECHO_MAX, LineConfig, LineEvent, Role, Runner};
use iec104_session::shared::Database;
use station::asdu::{CommonAddress, InfoObject, Ioa, Quality, Siq, Value};
use station::{CommandAnswer, CommandMode, CommandRequest, Point, RequestId};
use telecontrol_core::Instant;

use crate::fuzz_session104::request;

const CA: CommonAddress = CommonAddress(1);
const SLAVE: u16 = 3;
const MASTER: u16 = 1;

fn database() -> Database {
    let db = Database::new();
    for i in 0..4u16 {
        db.insert(Point::monitored(
            CA,
            Ioa::from(100 + i),
            Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD)),
        ));
    }
    db.insert(Point::controllable(
        CA,
        Ioa::from(61),
        CommandMode::SelectBeforeOperate,
    ));
    db.insert(Point::controllable(CA, Ioa::from(7), CommandMode::Direct));
    db
}

fn answer(r: &CommandRequest) -> CommandAnswer {
    match r.ioa.value() % 3 {
        0 => CommandAnswer::Reject,
        1 => CommandAnswer::AcceptAndTerminate,
        _ => CommandAnswer::Accept,
    }
}

/// One end of the line: its runner and what it sent that is still on the wire.
struct End {
    runner: Runner,
    /// Whether it filters its own echo (and the line echoes what it sends).
    echo: bool,
    /// Its own transmitted octets waiting to come back (the echo).
    echoed: Vec<u8>,
}

impl End {
    fn new(role: Role, echo: bool) -> Option<End> {
        let mut c = LineConfig::new(role);
        c.ca = CA;
        c.link.response_timeout = Duration::from_millis(300);
        let runner = Runner::new(&c, database(), Arc::new(answer), echo).ok()?;
        Some(End {
            runner,
            echo,
            echoed: Vec::new(),
        })
    }
}

/// Results by request id: the ones handed out, and the results seen.
#[derive(Default)]
struct Requests {
    results: HashMap<RequestId, usize>,
}

impl Requests {
    fn drain(&mut self, end: &mut End) {
        while let Some(e) = end.runner.poll_event() {
            if let LineEvent::Result(_, r) = e {
                let n = self
                    .results
                    .get_mut(&r.id)
                    .unwrap_or_else(|| panic!("result for an id never handed out: {r:?}"));
                *n += 1;
                assert_eq!(*n, 1, "request {:?} ended twice", r.id);
            }
        }
    }
}

/// Move `from`'s output to `to` (as `how` says) and its echo back to itself.
fn carry(from: &mut End, to: &mut End, how: u8, now: Instant) {
    let mut out = from.runner.take_output();
    if from.echo {
        from.echoed.extend_from_slice(&out);
    }
    match how % 8 {
        0 => out.clear(),
        1 => out.truncate(usize::from(how >> 3) % (out.len() + 1)),
        2 if !out.is_empty() => {
            let i = usize::from(how >> 3) % out.len();
            out[i] ^= 0x21;
        }
        _ => {}
    }
    to.runner.handle_input(now, &out);
}

/// Deliver (or lose) `end`'s echo.
fn echo(end: &mut End, deliver: bool, now: Instant) {
    let e = core::mem::take(&mut end.echoed);
    if deliver {
        end.runner.handle_input(now, &e);
    }
}

fn timeout(end: &mut End, now: Instant) {
    end.runner.handle_timeout(now);
    if let Some(t) = end.runner.poll_timeout() {
        assert!(
            t > now,
            "deadline {t:?} not after now {now:?} after handle_timeout"
        );
    }
}

/// Run the 101 runner script `data`.
pub fn runner101(data: &[u8]) {
    let mut it = data.iter().copied();
    let Some(cfg) = it.next() else { return };
    let echo_on = cfg & 2 != 0;
    let (a, b) = if cfg & 1 == 0 {
        (
            End::new(
                Role::Master {
                    slaves: vec![SLAVE],
                },
                echo_on,
            ),
            End::new(Role::Slave { address: SLAVE }, cfg & 4 != 0),
        )
    } else {
        let role = |dir, local, remote, outstation| Role::Balanced {
            dir,
            local_address: local,
            remote_address: remote,
            outstation,
        };
        (
            End::new(role(true, MASTER, SLAVE, false), echo_on),
            End::new(role(false, SLAVE, MASTER, true), cfg & 4 != 0),
        )
    };
    let (Some(mut m), Some(mut s)) = (a, b) else {
        return;
    };
    let mut reqs = Requests::default();
    let mut now = Instant::from_micros(0);
    let mut steps = 0;
    while let (Some(op), Some(arg)) = (it.next(), it.next()) {
        steps += 1;
        if steps > 256 {
            break;
        }
        match op % 9 {
            0 => carry(&mut m, &mut s, arg, now),
            1 => carry(&mut s, &mut m, arg, now),
            2 => {
                echo(&mut m, arg & 1 != 0, now);
                echo(&mut s, arg & 2 != 0, now);
            }
            3 => {
                let b2 = it.next().unwrap_or(0);
                if let Ok(id) = m.runner.submit(now, SLAVE, &request(arg, b2)) {
                    assert!(
                        reqs.results.insert(id, 0).is_none(),
                        "id {id:?} handed out twice"
                    );
                }
            }
            4 => {
                let obj = [InfoObject {
                    ioa: Ioa::from(100 + u16::from(arg % 4)),
                    value: Value::MSpNa1(Siq::new(arg & 0x80 != 0, Quality::GOOD)),
                }];
                let _ = s.runner.queue_event(now, &obj, CA);
            }
            5 => {
                let before = now;
                now = now.saturating_add(Duration::from_millis(u64::from(arg) * 10));
                assert!(now >= before, "the clock went backwards");
                timeout(&mut m, now);
                timeout(&mut s, now);
            }
            6 => {
                if arg & 1 == 0 {
                    s.runner.connection_lost();
                    s.echoed.clear();
                } else {
                    m.runner.connection_lost();
                    m.echoed.clear();
                }
            }
            7 => {
                let len = usize::from(arg % 32);
                let raw: Vec<u8> = it.by_ref().take(len).collect();
                if arg & 0x80 == 0 {
                    s.runner.handle_input(now, &raw);
                } else {
                    m.runner.handle_input(now, &raw);
                }
            }
            _ => {
                // The echo arrives late, after the peer's answer was already fed.
                carry(&mut s, &mut m, 3, now);
                echo(&mut m, true, now);
            }
        }
        for end in [&mut m, &mut s] {
            assert!(
                end.runner.echo_pending() <= ECHO_MAX,
                "echo filter holds {} octets",
                end.runner.echo_pending()
            );
        }
        reqs.drain(&mut m);
        reqs.drain(&mut s);
    }
    // A healthy line from now on: every accepted request ends, exactly once.
    for _ in 0..600 {
        if reqs.results.values().all(|n| *n == 1) {
            break;
        }
        now = now.saturating_add(Duration::from_millis(500));
        timeout(&mut m, now);
        timeout(&mut s, now);
        for _ in 0..4 {
            carry(&mut m, &mut s, 3, now);
            echo(&mut m, true, now);
            carry(&mut s, &mut m, 3, now);
            echo(&mut s, true, now);
        }
        reqs.drain(&mut m);
        reqs.drain(&mut s);
    }
    for (id, n) in &reqs.results {
        assert_eq!(*n, 1, "request {id:?} ended {n} times");
    }
}
