//! Frame builders shared by the scenario tests.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]
#![allow(dead_code)]

use telecontrol_iec101_link::{AddressSize, Frame, MAX_FRAME_LEN};

pub fn fixed(a: AddressSize, control: u8, address: u16) -> Vec<u8> {
    let mut buf = [0u8; MAX_FRAME_LEN];
    let n = Frame::Fixed { control, address }
        .encode(a, &mut buf)
        .unwrap();
    buf[..n].to_vec()
}

pub fn var(a: AddressSize, control: u8, address: u16, data: &[u8]) -> Vec<u8> {
    let mut buf = [0u8; MAX_FRAME_LEN];
    let n = Frame::Variable {
        control,
        address,
        data,
    }
    .encode(a, &mut buf)
    .unwrap();
    buf[..n].to_vec()
}

pub const E5: [u8; 1] = [0xE5];

pub mod sim {
    //! A simulated half-duplex multidrop line: one primary, several secondaries, a manual
    //! clock, transmission time from the baud rate, loss injection, and a log of the line.

    use core::time::Duration;
    use telecontrol_core::Instant;
    use telecontrol_iec101_link::{Primary, Secondary};

    /// Line time of `n` octets at `baud` with `bits` per character, in µs (rounded up).
    pub fn tx_time(n: usize, baud: u32, bits: u32) -> Duration {
        Duration::from_micros((n as u64 * bits as u64 * 1_000_000).div_ceil(baud as u64))
    }

    /// The line log's label of secondary `i`: '0'..'9', then 'a'.. (never 'M').
    pub fn slave_label(i: usize) -> char {
        if i < 10 {
            char::from(b'0' + i as u8)
        } else {
            char::from(b'a' + (i - 10) as u8)
        }
    }

    pub struct Sim<const N: usize, const Q: usize> {
        pub master: Primary<N, Q>,
        pub slaves: Vec<Secondary<8, 8>>,
        pub alive: Vec<bool>,
        pub now: Instant,
        pub baud: u32,
        pub bits: u32,
        /// Time a secondary needs before it answers.
        pub turnaround: Duration,
        /// (time, 'M' or slave index as char, bytes)
        pub line: Vec<(Instant, char, Vec<u8>)>,
        pub master_events: Vec<(Instant, String)>,
        pub slave_events: Vec<(Instant, usize, String)>,
        /// Frames (counted from 0, both directions) to lose on the line.
        pub lose: Vec<usize>,
        /// Octets to put on the line before the next response.
        pub noise: Vec<u8>,
        /// Lose the next answer of this secondary (index), once.
        pub lose_next_answer_of: Option<usize>,
        frames: usize,
    }

    impl<const N: usize, const Q: usize> Sim<N, Q> {
        pub fn new(master: Primary<N, Q>, slaves: Vec<Secondary<8, 8>>) -> Self {
            let alive = vec![true; slaves.len()];
            Sim {
                master,
                slaves,
                alive,
                now: Instant::ZERO,
                baud: 9600,
                bits: 11,
                turnaround: Duration::ZERO,
                line: Vec::new(),
                master_events: Vec::new(),
                slave_events: Vec::new(),
                lose: Vec::new(),
                noise: Vec::new(),
                lose_next_answer_of: None,
                frames: 0,
            }
        }

        fn lost(&mut self) -> bool {
            let n = self.frames;
            self.frames += 1;
            self.lose.contains(&n)
        }

        fn drain_master(&mut self) {
            while let Some(e) = self.master.poll_event() {
                self.master_events.push((self.now, format!("{e:?}")));
            }
        }

        /// One step: a request and its answer, or a timer. False when nothing can happen.
        pub fn step(&mut self) -> bool {
            let mut buf = [0u8; 300];
            if let Some(n) = self.master.poll_transmit(&mut buf) {
                let req = buf[..n].to_vec();
                self.now = self.now + tx_time(n, self.baud, self.bits);
                self.line.push((self.now, 'M', req.clone()));
                if self.lost() {
                    return true;
                }
                let mut answer: Option<(usize, Vec<u8>)> = None;
                for i in 0..self.slaves.len() {
                    if !self.alive[i] {
                        continue;
                    }
                    let s = &mut self.slaves[i];
                    let mut rest = &req[..];
                    loop {
                        let k = s.handle_input(self.now, rest);
                        rest = &rest[k..];
                        let mut out = [0u8; 300];
                        let mut progressed = k > 0;
                        if let Some(m) = s.poll_transmit(&mut out) {
                            assert!(answer.is_none(), "two secondaries answered");
                            answer = Some((i, out[..m].to_vec()));
                            progressed = true;
                        }
                        while let Some(e) = s.poll_event() {
                            self.slave_events.push((self.now, i, format!("{e:?}")));
                            progressed = true;
                        }
                        if !progressed {
                            break;
                        }
                    }
                }
                self.drain_master();
                if let Some((i, resp)) = answer {
                    self.now = self.now + self.turnaround;
                    let mut wire = std::mem::take(&mut self.noise);
                    wire.extend_from_slice(&resp);
                    self.now = self.now + tx_time(wire.len(), self.baud, self.bits);
                    self.line.push((self.now, slave_label(i), wire.clone()));
                    if self.lost() || self.lose_next_answer_of == Some(i) {
                        self.lose_next_answer_of = None;
                        return true;
                    }
                    let mut rest = &wire[..];
                    loop {
                        let k = self.master.handle_input(self.now, rest);
                        rest = &rest[k..];
                        let before = self.master_events.len();
                        self.drain_master();
                        if k == 0 && self.master_events.len() == before {
                            break;
                        }
                    }
                }
                return true;
            }
            if let Some(t) = self.master.poll_timeout() {
                if t > self.now {
                    self.now = t;
                }
                self.master.handle_timeout(self.now);
                self.drain_master();
                return true;
            }
            false
        }

        /// Run until `until` (simulated time) or `max_steps`.
        pub fn run_until(&mut self, until: Instant, max_steps: usize) {
            for _ in 0..max_steps {
                if self.now >= until || !self.step() {
                    return;
                }
            }
            panic!(
                "simulation did not reach {until} in {max_steps} steps (now {})",
                self.now
            );
        }

        /// Requests the master sent (line entries from 'M').
        pub fn requests(&self) -> Vec<Vec<u8>> {
            self.line
                .iter()
                .filter(|(_, w, _)| *w == 'M')
                .map(|(_, _, b)| b.clone())
                .collect()
        }
    }
}
