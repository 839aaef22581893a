//! Fuzz bodies for `telecontrol-iec104-apci`: the frame decoder and a two-connection script.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::missing_panics_doc
)]

use std::time::Duration;

use iec104_apci::{
    Apci, ApciConfig, Apdu, Connection, Event, FrameError, MAX_APDU_LEN, MAX_ASDU_LEN, Role,
};
use telecontrol_core::{Decode, Encode, Instant};

/// `apci_frame`: decode APDUs from the start of `data` one after another; every frame that
/// decodes re-encodes to the same octets, every error is typed, nothing panics.
pub fn apci_frame(data: &[u8]) {
    let mut rest = data;
    while !rest.is_empty() {
        match Apdu::decode(rest) {
            Ok((apdu, used)) => {
                assert!((6..=MAX_APDU_LEN).contains(&used));
                let mut out = [0u8; MAX_APDU_LEN];
                let n = apdu.encode(&mut out).expect("a decoded APDU re-encodes");
                assert_eq!(out.get(..n), rest.get(..used), "round trip");
                let exact = rest.get(..used).unwrap_or(&[]);
                assert_eq!(<Apdu<'_> as Decode<'_>>::decode(exact), Ok(apdu));
                let _ = apdu.to_string();
                rest = rest.get(used..).unwrap_or(&[]);
            }
            Err(FrameError::Incomplete { needed }) => {
                assert!(needed > 0);
                break;
            }
            Err(e) => {
                let _ = e.to_string();
                rest = rest.get(1..).unwrap_or(&[]);
            }
        }
    }
    if let Some(&[a, b, c, d]) = data.get(..4)
        && let Ok(apci) = Apci::from_control_octets([a, b, c, d], 0)
    {
        assert_eq!(apci.control_octets(), [a, b, c, d]);
    }
}

const CAP: usize = 16;

struct End {
    conn: Connection<CAP>,
    /// Octets written by `poll_transmit`, not yet delivered.
    pipe: Vec<u8>,
    /// ASDUs accepted by `send_asdu`, in order.
    accepted: Vec<Vec<u8>>,
    /// ASDUs received, in order.
    received: Vec<Vec<u8>>,
    closed_events: usize,
}

impl End {
    fn drain(&mut self, now: Instant, k: u16) {
        while let Some(e) = self.conn.poll_event() {
            assert_eq!(self.closed_events, 0, "an event after Closed");
            match e {
                Event::Asdu(a) => {
                    assert!((1..=MAX_ASDU_LEN).contains(&a.len()));
                    self.received.push(a.to_vec());
                }
                Event::Closed(r) => {
                    let _ = r.to_string();
                    self.closed_events += 1;
                }
                _ => {}
            }
        }
        let mut buf = [0u8; 2 * MAX_APDU_LEN];
        while let Some(n) = self.conn.poll_transmit(&mut buf) {
            let mut out = buf.get(..n).unwrap_or(&[]);
            while !out.is_empty() {
                let (_, used) = Apdu::decode(out).expect("the connection sends valid APDUs");
                out = out.get(used..).unwrap_or(&[]);
            }
            self.pipe.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        }
        assert!(self.conn.outstanding() <= usize::from(k), "outstanding > k");
        assert!(usize::from(self.conn.in_flight()) <= self.conn.outstanding());
        if let Some(at) = self.conn.poll_timeout() {
            assert!(!self.conn.is_closed());
            let _ = (at, now);
        }
        assert_eq!(self.conn.is_closed(), self.closed_events == 1);
    }

    fn input(&mut self, now: Instant, bytes: &[u8], k: u16) {
        let mut rest = bytes;
        let mut stalls = 0;
        while !rest.is_empty() {
            let Ok(n) = self.conn.handle_input(now, rest) else {
                return;
            };
            stalls = if n == 0 { stalls + 1 } else { 0 };
            assert!(stalls < 3, "handle_input makes no progress after draining");
            rest = rest.get(n..).unwrap_or(&[]);
            self.drain(now, k);
        }
        self.drain(now, k);
    }
}

/// `apci_connection`: a controlling and a controlled connection wired together, driven by a
/// script read from `data` (time jumps, partial deliveries, losses, injected octets,
/// commands). Checks: no panic, outstanding ≤ k, nothing after Closed, every transmitted
/// octet is a valid APDU, the receiver delivers a prefix of what the sender accepted (while
/// nothing was lost or injected), and `handle_timeout(now)` leaves no deadline at or before
/// `now`.
pub fn apci_connection(data: &[u8]) {
    let mut it = data.iter().copied();
    let mut next = move || it.next();
    let k = u16::from(next().unwrap_or(11) % CAP as u8) + 1;
    let w = u16::from(next().unwrap_or(7)) % k + 1;
    let t1 = u64::from(next().unwrap_or(14) % 30) + 2;
    let t2 = u64::from(next().unwrap_or(9)) % (t1 - 1) + 1;
    let t3 = u64::from(next().unwrap_or(19) % 60) + 1;
    let s = Duration::from_secs;
    let config = ApciConfig::new(k, w, s(30), s(t1), s(t2), s(t3)).expect("valid by construction");
    let mut now = Instant::ZERO;
    let new_end = |role| End {
        conn: Connection::new(config, role, Instant::ZERO).expect("k <= CAP"),
        pipe: Vec::new(),
        accepted: Vec::new(),
        received: Vec::new(),
        closed_events: 0,
    };
    let mut ends = [new_end(Role::Controlling), new_end(Role::Controlled)];
    let mut clean = [true, true]; // per direction: nothing lost or injected towards ends[i]
    let mut counter = 0u32;
    while let Some(op) = next() {
        let side = usize::from(op & 0x80 != 0);
        let other = 1 - side;
        match op & 0x0F {
            0 => {
                let ms = u64::from(next().unwrap_or(1)) * 250;
                now = now + Duration::from_millis(ms);
                for e in &mut ends {
                    e.conn.handle_timeout(now);
                    e.drain(now, k);
                    if let Some(at) = e.conn.poll_timeout() {
                        assert!(at > now, "a deadline left in the past");
                    }
                }
            }
            1 => {
                let at = telecontrol_core::earliest(
                    ends[0].conn.poll_timeout(),
                    ends[1].conn.poll_timeout(),
                );
                if let Some(at) = at {
                    now = now.max(at);
                }
                for e in &mut ends {
                    e.conn.handle_timeout(now);
                    e.drain(now, k);
                }
            }
            2 | 3 => {
                let len = usize::from(next().unwrap_or(1)) % (MAX_ASDU_LEN + 2);
                counter += 1;
                let mut asdu = counter.to_le_bytes().to_vec();
                asdu.resize(len, 0x5A);
                if ends[side].conn.send_asdu(now, &asdu).is_ok() {
                    ends[side].accepted.push(asdu);
                }
                ends[side].drain(now, k);
            }
            4 => {
                let _ = ends[side].conn.start_dt(now);
                ends[side].drain(now, k);
            }
            5 => {
                let _ = ends[side].conn.stop_dt(now);
                ends[side].drain(now, k);
            }
            6 => {
                let _ = ends[side].conn.test_frame(now);
                ends[side].drain(now, k);
            }
            7..=9 => {
                // Deliver part or all of side's pipe to the other end.
                let n = match op & 0x0F {
                    7 => usize::from(next().unwrap_or(0)),
                    _ => usize::MAX,
                };
                let pipe = std::mem::take(&mut ends[side].pipe);
                let cut = n.min(pipe.len());
                let (now_part, later) = pipe.split_at(cut);
                ends[side].pipe = later.to_vec();
                ends[other].input(now, now_part, k);
            }
            10 => {
                if !ends[side].pipe.is_empty() {
                    ends[side].pipe.clear();
                    clean[other] = false;
                }
            }
            11 => {
                let len = usize::from(next().unwrap_or(0) % 16);
                let bytes: Vec<u8> = (0..len).filter_map(|_| next()).collect();
                clean[side] = false;
                ends[side].input(now, &bytes, k);
            }
            12 => {
                ends[side].conn.close();
                ends[side].drain(now, k);
            }
            _ => {
                for e in &mut ends {
                    e.drain(now, k);
                }
            }
        }
        for i in 0..2 {
            if clean[i] {
                let sent = &ends[1 - i].accepted;
                let got = &ends[i].received;
                assert!(got.len() <= sent.len(), "received more than sent");
                assert_eq!(got.as_slice(), sent.get(..got.len()).unwrap_or(&[]));
            }
        }
    }
    for e in &ends {
        let kept: Vec<&[u8]> = e.conn.unacknowledged().collect();
        assert!(kept.len() <= e.accepted.len());
        let tail = e
            .accepted
            .get(e.accepted.len() - kept.len()..)
            .unwrap_or(&[]);
        assert!(kept.iter().zip(tail).all(|(a, b)| *a == b.as_slice()));
    }
}
