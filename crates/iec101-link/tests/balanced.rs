//! Scenario tests of balanced transmission (IEC 60870-5-2 clause 5.2, 101 clause 7.2): two
//! stations wired back to back with a manual clock, asserting exact bytes and events.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use common::*;
use core::time::Duration;
use telecontrol_core::Instant;
use telecontrol_iec101_link::{AddressSize, Balanced, BalancedConfig, LinkConfig, LinkError};

const A1: AddressSize = AddressSize::One;

fn cfg(dir: bool, local: u16, remote: u16) -> BalancedConfig {
    BalancedConfig {
        link: LinkConfig {
            response_timeout: Duration::from_millis(200),
            retries: 1,
            ..LinkConfig::default()
        },
        dir,
        local_address: local,
        remote_address: remote,
        restart_delay: Duration::from_secs(1),
        test_interval: None,
    }
}

struct Pair {
    st: [Balanced<4>; 2],
    now: Instant,
    /// (time, sender 'A'/'B', bytes)
    line: Vec<(Instant, char, Vec<u8>)>,
    events: Vec<(char, String)>,
    /// Frames (numbered from 0 in send order) lost on the line.
    lose: Vec<usize>,
    sent: usize,
    /// Disconnected: nothing arrives in either direction.
    cut: bool,
}

impl Pair {
    fn new(a: BalancedConfig, b: BalancedConfig) -> Self {
        Pair {
            st: [Balanced::new(a).unwrap(), Balanced::new(b).unwrap()],
            now: Instant::ZERO,
            line: Vec::new(),
            events: Vec::new(),
            lose: Vec::new(),
            sent: 0,
            cut: false,
        }
    }

    fn drain(&mut self) {
        for (i, name) in [(0, 'A'), (1, 'B')] {
            while let Some(e) = self.st[i].poll_event() {
                self.events.push((name, format!("{e:?}")));
            }
        }
    }

    /// One frame from each side (if any), or a timer. False when nothing can happen.
    fn step(&mut self) -> bool {
        if self.step_frames() {
            return true;
        }
        let t = [self.st[0].poll_timeout(), self.st[1].poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(t) = t else { return false };
        if t > self.now {
            self.now = t;
        }
        self.st[0].handle_timeout(self.now);
        self.st[1].handle_timeout(self.now);
        self.drain();
        true
    }

    /// Every frame both sides have to send, delivered. False if there was none.
    fn step_frames(&mut self) -> bool {
        let mut moved = false;
        for (from, name) in [(0usize, 'A'), (1usize, 'B')] {
            let mut buf = [0u8; 300];
            while let Some(n) = self.st[from].poll_transmit(&mut buf) {
                moved = true;
                let frame = buf[..n].to_vec();
                self.line.push((self.now, name, frame.clone()));
                let lost = self.lose.contains(&self.sent) || self.cut;
                self.sent += 1;
                if lost {
                    continue;
                }
                let to = 1 - from;
                let mut rest = &frame[..];
                loop {
                    let k = self.st[to].handle_input(self.now, rest);
                    rest = &rest[k..];
                    self.drain();
                    if k == 0 {
                        break;
                    }
                }
                assert!(rest.is_empty() || self.st[to].poll_timeout().is_some());
            }
        }
        self.drain();
        moved
    }

    /// Run without letting time pass: until nothing is sent and no timer is due now.
    fn settle(&mut self) {
        for _ in 0..1000 {
            let due = [self.st[0].poll_timeout(), self.st[1].poll_timeout()]
                .into_iter()
                .flatten()
                .any(|t| t <= self.now);
            let before = self.line.len();
            if !self.step_frames() && !due {
                return;
            }
            if due && self.line.len() == before {
                self.st[0].handle_timeout(self.now);
                self.st[1].handle_timeout(self.now);
                self.drain();
            }
        }
        panic!("did not settle");
    }

    fn run(&mut self, steps: usize) {
        for _ in 0..steps {
            if !self.step() {
                return;
            }
        }
    }

    fn run_until(&mut self, t: Instant) {
        for _ in 0..100_000 {
            if self.now >= t || !self.step() {
                return;
            }
        }
        panic!(
            "stuck at {} {:?} {:?}",
            self.now,
            self.st[0].poll_timeout(),
            self.st[1].poll_timeout()
        );
    }

    fn frames(&self) -> Vec<(char, Vec<u8>)> {
        for (t, w, b) in &self.line {
            eprintln!("{t} {w} {b:02X?}");
        }
        self.line.iter().map(|(_, w, b)| (*w, b.clone())).collect()
    }

    fn ev(&self, who: char) -> Vec<String> {
        self.events
            .iter()
            .filter(|(w, _)| *w == who)
            .map(|(_, e)| e.clone())
            .collect()
    }
}

fn pair() -> Pair {
    Pair::new(cfg(true, 1, 2), cfg(false, 2, 1))
}

#[test]
fn start_up_in_both_directions() {
    let mut p = pair();
    p.settle();
    // Both primaries start at once; an answer always goes before this station's own
    // request, so B's status request follows its answers to A.
    let expected: Vec<(char, Vec<u8>)> = vec![
        // A (DIR = 1) requests the status of B's link; B answers with its own address,
        // then sends its own status request (a full-duplex line carries both).
        ('A', vec![0x10, 0xC9, 0x02, 0xCB, 0x16]),
        ('B', vec![0x10, 0x0B, 0x02, 0x0D, 0x16]),
        ('B', vec![0x10, 0x49, 0x01, 0x4A, 0x16]),
        // A answers first (DIR = 1, its own address), then resets B's link.
        ('A', vec![0x10, 0x8B, 0x01, 0x8C, 0x16]),
        ('A', fixed(A1, 0xC0, 2)),
        // B acknowledges with the single character, then resets A's link.
        ('B', E5.to_vec()),
        ('B', fixed(A1, 0x40, 1)),
        ('A', E5.to_vec()),
    ];
    assert_eq!(p.frames(), expected);
    assert_eq!(p.ev('A'), ["LinkUp", "RemoteReset"]);
    assert_eq!(p.ev('B'), ["RemoteReset", "LinkUp"]);
    assert!(p.st[0].is_link_up() && p.st[0].is_remote_reset());
    assert_eq!(
        p.st[0].poll_timeout(),
        None,
        "nothing to do, no test interval"
    );
}

#[test]
fn user_data_both_ways_with_fcb_toggling() {
    let mut p = pair();
    p.settle();
    p.line.clear();
    p.events.clear();
    p.st[0].send_user_data(&[0xA1]).unwrap();
    p.st[0].send_user_data(&[0xA2]).unwrap();
    p.st[1].send_user_data(&[0xB1]).unwrap();
    p.settle();
    let f = p.frames();
    assert_eq!(
        f[0],
        ('A', var(A1, 0xF3, 2, &[0xA1])),
        "first FCB after reset is 1"
    );
    assert_eq!(f[1], ('B', E5.to_vec()));
    assert_eq!(
        f[2],
        ('B', var(A1, 0x73, 1, &[0xB1])),
        "B's first FCB is 1 too"
    );
    assert_eq!(f[3], ('A', E5.to_vec()));
    assert_eq!(f[4], ('A', var(A1, 0xD3, 2, &[0xA2])), "FCB toggled");
    assert_eq!(f[5], ('B', E5.to_vec()));
    assert_eq!(f.len(), 6);
    assert_eq!(
        p.ev('B'),
        [
            "UserData { asdu: [161] }",
            "UserDataConfirmed",
            "UserData { asdu: [162] }"
        ]
    );
    assert_eq!(
        p.ev('A'),
        [
            "UserDataConfirmed",
            "UserData { asdu: [177] }",
            "UserDataConfirmed"
        ]
    );
}

#[test]
fn lost_ack_is_repeated_without_redelivery() {
    let mut p = pair();
    p.settle();
    p.events.clear();
    let base = p.sent;
    p.st[0].send_user_data(&[0x01]).unwrap();
    // Frame base: A's user data; base + 1: B's ACK -> lost.
    p.lose = vec![base + 1];
    p.run_until(Instant::from_secs(1));
    let from_a: Vec<Vec<u8>> = p
        .line
        .iter()
        .filter(|(_, w, _)| *w == 'A')
        .map(|(_, _, b)| b.clone())
        .collect();
    let n = from_a.len();
    assert_eq!(from_a[n - 1], from_a[n - 2], "same frame, same FCB");
    let times: Vec<Instant> = p
        .line
        .iter()
        .filter(|(_, w, _)| *w == 'A')
        .map(|(t, _, _)| *t)
        .collect();
    assert_eq!(
        times[n - 1] - times[n - 2],
        Duration::from_millis(200),
        "after the response timeout"
    );
    assert_eq!(
        p.ev('B'),
        [
            "UserData { asdu: [1] }",
            "RepeatAnswered { function: UserDataConfirmed }"
        ]
    );
    assert_eq!(p.ev('A'), ["UserDataConfirmed"]);
    assert_eq!(p.st[0].stats().retransmissions, 1);
}

#[test]
fn link_failure_then_restart() {
    let mut p = pair();
    p.settle();
    p.events.clear();
    p.cut = true;
    p.st[0].send_user_data(&[0x01]).unwrap();
    p.run_until(Instant::from_millis(500));
    // First try + 1 retry, 200 ms each, then failure.
    assert_eq!(p.ev('A'), ["NoResponse", "LinkDown"]);
    assert!(!p.st[0].is_link_up());
    assert_eq!(p.st[0].queued(), 1, "the data stays queued");
    // Restart after 1 s: status request again; the line is back.
    p.cut = false;
    p.run_until(Instant::from_secs(3));
    assert!(p.ev('A').contains(&"LinkUp".to_string()));
    assert!(p.ev('B').contains(&"UserData { asdu: [1] }".to_string()));
    assert_eq!(p.st[0].queued(), 0);
}

#[test]
fn test_function_when_quiet() {
    let mut a = cfg(true, 1, 2);
    a.test_interval = Some(Duration::from_secs(10));
    let mut p = Pair::new(a, cfg(false, 2, 1));
    p.settle();
    p.line.clear();
    p.run_until(Instant::from_secs(25));
    let f = p.frames();
    assert_eq!(f[0], ('A', fixed(A1, 0xF2, 2)), "test function, FCB 1, FCV");
    assert_eq!(f[1], ('B', E5.to_vec()));
    assert_eq!(f[2], ('A', fixed(A1, 0xD2, 2)), "FCB toggles");
    assert_eq!(p.line[0].0, Instant::from_secs(10));
    assert_eq!(p.line[2].0, Instant::from_secs(20));
    // On demand too.
    p.st[1].send_test();
    p.run(2);
    assert_eq!(p.line.last().unwrap().2, E5.to_vec());
    assert_eq!(p.line[p.line.len() - 2].2, fixed(A1, 0x72, 1));
}

#[test]
fn dfc_refuses_then_resumes() {
    let mut p = pair();
    p.settle();
    p.events.clear();
    p.line.clear();
    p.st[1].set_busy(true);
    p.st[0].send_user_data(&[0x05]).unwrap();
    p.run(2);
    assert_eq!(p.frames()[1], ('B', fixed(A1, 0x11, 2)), "NACK with DFC");
    assert_eq!(p.ev('A'), ["UserDataRefused"]);
    // While DFC is set, A asks the status after one response timeout instead of sending.
    p.run_until(p.now + Duration::from_millis(250));
    let f = p.frames();
    assert_eq!(f[2], ('A', fixed(A1, 0xC9, 2)));
    assert_eq!(f[3], ('B', fixed(A1, 0x1B, 2)));
    p.st[1].set_busy(false);
    p.run_until(p.now + Duration::from_millis(500));
    assert_eq!(p.ev('A'), ["UserDataRefused", "UserDataConfirmed"]);
    assert_eq!(p.ev('B'), ["UserData { asdu: [5] }"]);
}

#[test]
fn echoes_and_foreign_frames_are_ignored() {
    let mut p = pair();
    p.settle();
    let before = p.st[0].stats().frames_ignored;
    // A hears its own request (DIR = 1) echoed: ignored, no answer.
    let echo = fixed(A1, 0xC9, 2);
    assert_eq!(p.st[0].handle_input(p.now, &echo), 5);
    let mut buf = [0u8; 300];
    assert_eq!(p.st[0].poll_transmit(&mut buf), None);
    // A request for another address: ignored.
    assert_eq!(p.st[0].handle_input(p.now, &fixed(A1, 0x49, 7)), 5);
    // An unexpected single character: no request outstanding.
    assert_eq!(p.st[0].handle_input(p.now, &E5), 1);
    assert_eq!(p.st[0].stats().frames_ignored, before + 3);
    // Class polls are not used in balanced mode: not implemented.
    p.st[0].handle_input(p.now, &fixed(A1, 0x5B, 1));
    assert_eq!(p.st[0].poll_transmit(&mut buf), Some(5));
    assert_eq!(&buf[..5], &fixed(A1, 0x8F, 1)[..]);
}

#[test]
fn no_address_field_and_config_checks() {
    let c = |dir| BalancedConfig {
        link: LinkConfig {
            address_size: AddressSize::None,
            ..cfg(dir, 0, 0).link
        },
        ..cfg(dir, 0, 0)
    };
    let mut p = Pair::new(c(true), c(false));
    p.run(4);
    assert_eq!(p.frames()[0], ('A', vec![0x10, 0xC9, 0xC9, 0x16]));
    assert!(p.st[0].is_link_up() && p.st[1].is_link_up());
    assert!(Balanced::<1>::new(cfg(true, 256, 1)).is_err());
    assert!(
        Balanced::<1>::new(BalancedConfig {
            test_interval: Some(Duration::ZERO),
            ..cfg(true, 1, 2)
        })
        .is_err()
    );
    let mut b = Balanced::<1>::new(cfg(true, 1, 2)).unwrap();
    b.send_user_data(&[1]).unwrap();
    assert_eq!(b.send_user_data(&[2]), Err(LinkError::QueueFull));
}

#[test]
fn fcb_error_and_repeat_on_the_secondary_half() {
    // B's secondary half, driven by hand-written frames from A (DIR = 1, to address 2).
    let mut b = Balanced::<4>::new(cfg(false, 2, 1)).unwrap();
    let mut buf = [0u8; 300];
    let mut answer = |b: &mut Balanced<4>, req: &[u8]| {
        assert_eq!(b.handle_input(Instant::ZERO, req), req.len());
        let n = b.poll_transmit(&mut buf).unwrap();
        let mut ev = Vec::new();
        while let Some(e) = b.poll_event() {
            ev.push(format!("{e:?}"));
        }
        (buf[..n].to_vec(), ev)
    };
    // User data before the reset: link service not functioning.
    let (r, _) = answer(&mut b, &var(A1, 0xF3, 2, &[9]));
    assert_eq!(r, fixed(A1, 0x0E, 2));
    let (r, e) = answer(&mut b, &fixed(A1, 0xC0, 2));
    assert_eq!((r, e), (E5.to_vec(), vec!["RemoteReset".to_string()]));
    // First FCV frame after the reset with FCB = 0 (should be 1): accepted, counted.
    let (r, e) = answer(&mut b, &var(A1, 0xD3, 2, &[1]));
    assert_eq!(r, E5);
    assert_eq!(e, ["UserData { asdu: [1] }"]);
    assert_eq!(b.stats().fcb_errors, 1);
    // Same FCB again: a repeat, answered without delivery; the toggled FCB is new data.
    let (r, e) = answer(&mut b, &var(A1, 0xD3, 2, &[1]));
    assert_eq!(r, E5);
    assert_eq!(e, ["RepeatAnswered { function: UserDataConfirmed }"]);
    let (_, e) = answer(&mut b, &var(A1, 0xF3, 2, &[2]));
    assert_eq!(e, ["UserData { asdu: [2] }"]);
    // Test function with FCB toggled: ACK.
    let (r, _) = answer(&mut b, &fixed(A1, 0xD2, 2));
    assert_eq!(r, E5);
    assert_eq!(b.stats().repeats_answered, 1);
}
