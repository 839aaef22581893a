//! Fuzz bodies for `telecontrol-iec101-link`: the FT1.2 codec and stream decoder, and scripts
//! driving the primary, secondary and balanced machines.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::missing_panics_doc,
    clippy::panic
)]

use std::time::Duration;

use iec101_link::{
    AddressSize, Balanced, BalancedConfig, ControlField, Decoded, Frame, FrameDecoder, LinkConfig,
    MAX_FRAME_LEN, NoDataResponse, Primary, PrimaryConfig, Secondary, SecondaryConfig,
};
use telecontrol_core::Instant;

fn address_size(b: u8) -> AddressSize {
    match b % 3 {
        0 => AddressSize::None,
        1 => AddressSize::One,
        _ => AddressSize::Two,
    }
}

/// Every frame the decoder yields for `chunks`, re-encoded, plus the discarded total.
fn stream(a: AddressSize, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, u64) {
    let mut dec = FrameDecoder::new(a, None);
    let mut frames = Vec::new();
    for chunk in chunks {
        let mut rest = *chunk;
        let mut guard = 0usize;
        loop {
            let (n, ev) = dec.handle_input(Instant::ZERO, rest);
            assert!(n <= rest.len());
            let idle = n == 0 && ev.is_none();
            if let Some(Decoded::Frame(f)) = ev {
                let mut out = [0u8; MAX_FRAME_LEN];
                let len = f.encode(a, &mut out).expect("a decoded frame re-encodes");
                frames.push(out[..len].to_vec());
            }
            rest = &rest[n..];
            if idle {
                break;
            }
            guard += 1;
            assert!(guard < 10_000, "decoder does not make progress");
        }
    }
    (frames, dec.discarded_total())
}

/// `link_frame`: byte 0 picks the address size, byte 1 the chunk size; the rest is a line.
/// Frames decoded from the start round-trip; the stream decoder yields the same frames and
/// discards the same count however the line is chunked; control octets round-trip.
pub fn link_frame(data: &[u8]) {
    let (Some(&sel), Some(&chunk)) = (data.first(), data.get(1)) else {
        return;
    };
    let a = address_size(sel);
    let line = &data[2..];
    let mut rest = line;
    while !rest.is_empty() {
        match Frame::decode(rest, a) {
            Ok((f, used)) => {
                let mut out = [0u8; MAX_FRAME_LEN];
                let n = f.encode(a, &mut out).expect("re-encodes");
                assert_eq!(&out[..n], &rest[..used], "round trip");
                if let Some(c) = f.control()
                    && let Ok(cf) = ControlField::decode(c)
                {
                    assert_eq!(cf.encode(), c);
                }
                rest = &rest[used..];
            }
            Err(e) if e.is_incomplete() => break,
            Err(e) => {
                let _ = e.to_string();
                rest = &rest[1..];
            }
        }
    }
    let whole = stream(a, &[line]);
    let size = usize::from(chunk % 16).max(1);
    let chunks: Vec<&[u8]> = line.chunks(size).collect();
    assert_eq!(whole, stream(a, &chunks), "chunking changed the result");
}

fn link(sel: u8) -> LinkConfig {
    LinkConfig {
        address_size: if sel & 1 == 0 {
            AddressSize::One
        } else {
            AddressSize::Two
        },
        single_char_ack: sel & 2 == 0,
        response_timeout: Duration::from_millis(100),
        retries: sel >> 6,
        max_frame_len: if sel & 4 == 0 { MAX_FRAME_LEN } else { 40 },
        idle_timeout: (sel & 8 != 0).then(|| Duration::from_millis(5)),
    }
}

/// The surface every machine shares, so one script drives all three.
trait Machine {
    fn input(&mut self, now: Instant, bytes: &[u8]) -> usize;
    fn timeout(&mut self, now: Instant);
    fn transmit(&mut self, out: &mut [u8]) -> Option<usize>;
    fn events(&mut self) -> usize;
    fn deadline(&self) -> Option<Instant>;
    fn command(&mut self, op: u8, arg: &[u8]);
}

impl Machine for Primary<4, 4> {
    fn input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.handle_input(now, bytes)
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now);
    }
    fn transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.poll_transmit(out)
    }
    fn events(&mut self) -> usize {
        let mut n = 0;
        while let Some(e) = self.poll_event() {
            let _ = format!("{e:?}");
            n += 1;
        }
        n
    }
    fn deadline(&self) -> Option<Instant> {
        self.poll_timeout()
    }
    fn command(&mut self, op: u8, arg: &[u8]) {
        let addr = u16::from(arg.first().copied().unwrap_or(0) % 5);
        match op % 3 {
            0 => drop(self.add_secondary(addr)),
            1 => drop(self.send_user_data(addr, arg)),
            _ => drop(self.send_broadcast(arg)),
        }
    }
}

impl Machine for Secondary<4, 4> {
    fn input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.handle_input(now, bytes)
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now);
    }
    fn transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.poll_transmit(out)
    }
    fn events(&mut self) -> usize {
        let mut n = 0;
        while let Some(e) = self.poll_event() {
            let _ = format!("{e:?}");
            n += 1;
        }
        n
    }
    fn deadline(&self) -> Option<Instant> {
        self.poll_timeout()
    }
    fn command(&mut self, op: u8, arg: &[u8]) {
        match op % 3 {
            0 => drop(self.queue_class1(arg)),
            1 => drop(self.queue_class2(arg)),
            _ => self.set_busy(arg.first().is_some_and(|b| b & 1 == 1)),
        }
    }
}

impl Machine for Balanced<4> {
    fn input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.handle_input(now, bytes)
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now);
    }
    fn transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.poll_transmit(out)
    }
    fn events(&mut self) -> usize {
        let mut n = 0;
        while let Some(e) = self.poll_event() {
            let _ = format!("{e:?}");
            n += 1;
        }
        n
    }
    fn deadline(&self) -> Option<Instant> {
        self.poll_timeout()
    }
    fn command(&mut self, op: u8, arg: &[u8]) {
        match op % 3 {
            0 => drop(self.send_user_data(arg)),
            1 => self.send_test(),
            _ => self.set_busy(arg.first().is_some_and(|b| b & 1 == 1)),
        }
    }
}

/// Runs a script against `m`. Ops (one byte, then arguments):
/// `0 t`: time += t ms, then `handle_timeout`; `1 n bytes..`: input; `2 op n bytes..`: a
/// command; `3`: drain transmit, checking every output is one valid frame; `4`: jump to
/// `poll_timeout`; `5`: drain transmit and feed it back as input (echo / loopback).
fn run_script<M: Machine>(m: &mut M, a: AddressSize, half_duplex: bool, mut s: &[u8]) {
    let mut now = Instant::ZERO;
    let mut out = [0u8; MAX_FRAME_LEN];
    let take = |s: &mut &[u8]| -> Option<u8> {
        let (&b, rest) = s.split_first()?;
        *s = rest;
        Some(b)
    };
    let mut steps = 0usize;
    while let Some(op) = take(&mut s) {
        steps += 1;
        if steps > 2_000 {
            return;
        }
        match op % 6 {
            0 => {
                let t = take(&mut s).unwrap_or(0);
                now = now + Duration::from_millis(u64::from(t));
                m.timeout(now);
            }
            1 | 2 => {
                let cmd = if op % 6 == 2 { take(&mut s) } else { None };
                let n = usize::from(take(&mut s).unwrap_or(0)).min(s.len());
                let (bytes, rest) = s.split_at(n);
                s = rest;
                match cmd {
                    Some(c) => m.command(c, bytes),
                    None => feed(m, now, bytes),
                }
            }
            3 | 5 => {
                let mut sent: Vec<Vec<u8>> = Vec::new();
                while let Some(n) = m.transmit(&mut out) {
                    let (f, used) =
                        Frame::decode(&out[..n], a).expect("machines send valid frames");
                    assert_eq!(used, n, "one frame per poll_transmit");
                    if half_duplex {
                        // The primary never has two requests outstanding: a second frame in
                        // a row is possible only after a broadcast (no reply expected).
                        if let Some(prev) = sent.last() {
                            assert_eq!(prev.get(4), Some(&0x44), "two requests outstanding");
                        }
                    }
                    let _ = f;
                    sent.push(out[..n].to_vec());
                    if sent.len() > 8 {
                        break;
                    }
                }
                if op % 6 == 5 {
                    for f in sent {
                        feed(m, now, &f);
                    }
                }
            }
            _ => {
                if let Some(t) = m.deadline() {
                    now = now.max(t);
                    m.timeout(now);
                }
            }
        }
        m.events();
    }
}

/// Feed `bytes`, draining in between; the machine must consume everything once drained.
fn feed<M: Machine>(m: &mut M, now: Instant, mut bytes: &[u8]) {
    let mut out = [0u8; MAX_FRAME_LEN];
    let mut guard = 0usize;
    while !bytes.is_empty() {
        let n = m.input(now, bytes);
        assert!(n <= bytes.len());
        bytes = &bytes[n..];
        let drained = m.transmit(&mut out).is_some() as usize + m.events();
        if n == 0 && drained == 0 {
            panic!("handle_input made no progress with nothing to drain");
        }
        guard += 1;
        assert!(guard < 10_000);
    }
}

/// `link_machines`: byte 0 picks the machine (primary, secondary, balanced), byte 1 the link
/// parameters; the rest is a script (see `run_script`). Nothing may panic, every output is
/// one valid frame, the primary never has two requests outstanding, input always progresses.
pub fn link_machines(data: &[u8]) {
    let (Some(&which), Some(&sel)) = (data.first(), data.get(1)) else {
        return;
    };
    let script = &data[2..];
    let cfg = link(sel);
    let a = cfg.address_size;
    match which % 3 {
        0 => {
            let pc = PrimaryConfig {
                link: cfg,
                backoff_min: Duration::from_millis(200),
                backoff_max: Duration::from_secs(2),
                class1_burst: 2,
            };
            let mut m = Primary::<4, 4>::new(pc).expect("valid config");
            let _ = m.add_secondary(1);
            run_script(&mut m, a, true, script);
        }
        1 => {
            let no_data = if sel & 16 == 0 {
                NoDataResponse::SingleChar
            } else {
                NoDataResponse::NackNoData
            };
            let sc = SecondaryConfig {
                link: cfg,
                address: 1,
                no_data,
            };
            let mut m = Secondary::<4, 4>::new(sc).expect("valid config");
            run_script(&mut m, a, false, script);
        }
        _ => {
            let bc = BalancedConfig {
                link: cfg,
                dir: sel & 32 != 0,
                local_address: 1,
                remote_address: 2,
                restart_delay: Duration::from_millis(300),
                test_interval: (sel & 16 != 0).then(|| Duration::from_millis(500)),
            };
            let mut m = Balanced::<4>::new(bc).expect("valid config");
            run_script(&mut m, a, false, script);
        }
    }
}
