//! Fuzz body for `telecontrol-iec101-session`: an unbalanced master polling a slave, or two
//! balanced stations, wired by a line the script controls (carry, lose, corrupt, inject),
//! with time steps, master requests, station answers and events, busy links and lost
//! connections; invariants checked after every step.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::missing_panics_doc,
    clippy::panic
)]

use std::time::Duration;

use iec101_link::{
    AddressSize, BalancedConfig, Frame, LinkConfig, MAX_FRAME_LEN, NoDataResponse, PrimaryConfig,
    SecondaryConfig,
};
use iec101_session::{BalancedSession, MasterSession, SlaveSession};
use station::asdu::{AsduParams, Bcr, Cause, CommonAddress, InfoObject, Ioa, Quality, Siq, Value};
use station::{
    CommandAnswer, CommandMode, Completion, Event, MasterConfig, Outstation, OutstationConfig,
    Point, SliceDatabase,
};
use telecontrol_core::Instant;

use crate::fuzz_session104::request;

const CA: CommonAddress = CommonAddress(1);
/// The slave's (and the remote balanced station's) link address.
const SLAVE: u16 = 3;
/// Octets a line holds before it drops the rest (a slow line).
const LINE_MAX: usize = 4096;

fn points() -> Vec<Point> {
    let mut v = Vec::new();
    for i in 0..12u16 {
        let mut p = Point::monitored(
            CA,
            Ioa::from(1 + i),
            Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD)),
        );
        p.groups = 1 << (i % 4);
        v.push(p);
    }
    for i in 0..2u16 {
        let bcr = Bcr::new(i32::from(i), 0).expect("sequence 0");
        v.push(Point::monitored(CA, Ioa::from(60 + i), Value::MItNa1(bcr)));
    }
    v.push(Point::controllable(CA, Ioa::from(100), CommandMode::Direct));
    v.push(Point::controllable(
        CA,
        Ioa::from(101),
        CommandMode::SelectBeforeOperate,
    ));
    v.push(Point::controllable(CA, Ioa::from(102), CommandMode::Any));
    v
}

/// The surface both sides of either pairing share, so one script drives them.
trait Side {
    fn input(&mut self, now: Instant, bytes: &[u8]) -> usize;
    fn timeout(&mut self, now: Instant);
    fn deadline(&self) -> Option<Instant>;
    fn transmit(&mut self, out: &mut [u8]) -> Option<usize>;
    /// Drain every event (session, master results, station commands); returns how many.
    fn events(&mut self, now: Instant, answer: u8) -> usize;
    /// A master request (if this side has a master) from two script octets.
    fn request(&mut self, now: Instant, a: u8, b: u8);
    /// A spontaneous event in the station (if any).
    fn event(&mut self, arg: u8);
    fn lost(&mut self);
    fn busy(&mut self, busy: bool);
}

fn answer_of(answer: u8) -> CommandAnswer {
    [
        CommandAnswer::Accept,
        CommandAnswer::AcceptAndTerminate,
        CommandAnswer::Reject,
    ][usize::from(answer % 3)]
}

fn station_events<D: station::PointDatabase, const N: usize>(
    st: &mut Outstation<D, N>,
    answer: u8,
) -> usize {
    let mut n = 0;
    while let Some(e) = st.poll_event() {
        n += 1;
        if let Event::Command(c) = e {
            let _ = st.answer_command(c.handle, answer_of(answer));
            if answer & 0x10 != 0 {
                let _ = st.terminate_command(c.handle);
            }
        }
    }
    n
}

fn spontaneous<D: station::PointDatabase, const N: usize>(st: &mut Outstation<D, N>, arg: u8) {
    let obj = [InfoObject::new(
        Ioa::from(1 + u16::from(arg % 16)),
        Value::MSpNa1(Siq::new(arg & 0x80 != 0, Quality::GOOD)),
    )];
    let _ = st.queue_event(CA, Cause::SPONTANEOUS, &obj);
}

type Station<'a> = Outstation<SliceDatabase<'a>, 8>;

impl Side for MasterSession<2, 4> {
    fn input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.handle_input(now, bytes)
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now);
    }
    fn deadline(&self) -> Option<Instant> {
        self.poll_timeout()
    }
    fn transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.poll_transmit(out)
    }
    fn events(&mut self, now: Instant, _: u8) -> usize {
        let mut n = 0;
        while let Some(e) = self.poll_input(now) {
            let _ = format!("{e:?}");
            n += 1;
        }
        n
    }
    fn request(&mut self, now: Instant, a: u8, b: u8) {
        if let Some(m) = self.master_mut(SLAVE) {
            let _ = request(a, b).submit(m, now, completion(a));
        }
    }
    fn event(&mut self, _: u8) {}
    fn lost(&mut self) {}
    fn busy(&mut self, _: bool) {}
}

impl Side for SlaveSession<SliceDatabase<'_>, 8> {
    fn input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.handle_input(now, bytes)
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now);
    }
    fn deadline(&self) -> Option<Instant> {
        self.poll_timeout()
    }
    fn transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.poll_transmit(out)
    }
    fn events(&mut self, _: Instant, answer: u8) -> usize {
        let mut n = 0;
        while let Some(e) = self.poll_event() {
            let _ = format!("{e:?}");
            n += 1;
        }
        let s = station_events(self.station_mut(), answer);
        if s > 0 {
            self.fill();
        }
        n + s
    }
    fn request(&mut self, _: Instant, _: u8, _: u8) {}
    fn event(&mut self, arg: u8) {
        spontaneous(self.station_mut(), arg);
        self.fill();
    }
    fn lost(&mut self) {
        let _ = self.connection_lost();
    }
    fn busy(&mut self, busy: bool) {
        self.set_link_busy(busy);
    }
}

impl Side for BalancedSession<SliceDatabase<'_>, 8, 4> {
    fn input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.handle_input(now, bytes)
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now);
    }
    fn deadline(&self) -> Option<Instant> {
        self.poll_timeout()
    }
    fn transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.poll_transmit(out)
    }
    fn events(&mut self, now: Instant, answer: u8) -> usize {
        let mut n = 0;
        while let Some(e) = self.poll_input(now) {
            let _ = format!("{e:?}");
            n += 1;
        }
        let s = self
            .station_mut()
            .map_or(0, |st| station_events(st, answer));
        if s > 0 {
            self.fill();
        }
        n + s
    }
    fn request(&mut self, now: Instant, a: u8, b: u8) {
        let _ = request(a, b).submit(self.master_mut(), now, completion(a));
    }
    fn event(&mut self, arg: u8) {
        if let Some(st) = self.station_mut() {
            spontaneous(st, arg);
        }
        self.fill();
    }
    fn lost(&mut self) {
        let _ = self.connection_lost();
    }
    fn busy(&mut self, _: bool) {}
}

fn completion(a: u8) -> Completion {
    [
        Completion::OnSend,
        Completion::OnConfirmation,
        Completion::OnTermination,
        Completion::OnTermination,
    ][usize::from(a >> 6)]
}

/// Drain `s`'s output onto `line`, checking every output is exactly one valid frame.
fn drain<S: Side>(s: &mut S, a: AddressSize, max: usize, line: &mut Vec<u8>) -> usize {
    let mut out = [0u8; MAX_FRAME_LEN];
    let mut n = 0;
    while let Some(len) = s.transmit(&mut out) {
        assert!(len <= max, "frame of {len} > {max}");
        let (_, used) = Frame::decode(&out[..len], a).expect("sessions send valid frames");
        assert_eq!(used, len, "one frame per poll_transmit");
        if line.len() + len <= LINE_MAX {
            line.extend_from_slice(&out[..len]);
        }
        n += 1;
        if n > 64 {
            break;
        }
    }
    n
}

/// Feed `bytes` to `s`, draining in between; input must progress once drained.
fn feed<S: Side>(
    s: &mut S,
    now: Instant,
    mut bytes: &[u8],
    a: AddressSize,
    max: usize,
    back: &mut Vec<u8>,
    answer: u8,
) {
    let mut guard = 0usize;
    while !bytes.is_empty() {
        let n = s.input(now, bytes);
        assert!(n <= bytes.len());
        bytes = &bytes[n..];
        let drained = drain(s, a, max, back) + s.events(now, answer);
        if n == 0 && drained == 0 {
            panic!("handle_input made no progress with nothing to drain");
        }
        guard += 1;
        assert!(guard < 10_000);
    }
}

/// Runs the script over sides `x` (the master or first balanced station) and `y`. Ops (one
/// octet: low nibble the op, high bits its flags), then operands:
/// `0 t`: time += t × 10 ms, timeouts on both; `1`/`2`: carry the line x→y / y→x (flag 0x10:
/// lose it, 0x20: flip a bit of it, 0x40: deliver only half); `3 n bytes..`: inject into x
/// (flag 0x10: into y); `4 a b`: a request of x's master (flag 0x10: of y's); `5 arg`: a
/// spontaneous event in y's station (flag 0x10: x's); `6`: a lost connection (x, or y with
/// 0x10); `7`: jump to the earlier deadline; `8 b`: y's link busy or not; `9 a`: how stations
/// answer commands from now on.
fn run<X: Side, Y: Side>(x: &mut X, y: &mut Y, a: AddressSize, max: usize, mut s: &[u8]) {
    let mut now = Instant::from_secs(1);
    let (mut xy, mut yx): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    let mut answer = 0u8;
    let take = |s: &mut &[u8]| -> u8 {
        let Some((&b, rest)) = s.split_first() else {
            return 0;
        };
        *s = rest;
        b
    };
    let mut steps = 0usize;
    while !s.is_empty() {
        steps += 1;
        if steps > 1_000 {
            return;
        }
        let op = take(&mut s);
        match op % 10 {
            0 | 7 => {
                if op % 10 == 0 {
                    now = now + Duration::from_millis(u64::from(take(&mut s)) * 10);
                } else if let Some(t) = telecontrol_core::earliest(x.deadline(), y.deadline()) {
                    now = now.max(t);
                }
                x.timeout(now);
                y.timeout(now);
                drain(x, a, max, &mut xy);
                drain(y, a, max, &mut yx);
                x.events(now, answer);
                y.events(now, answer);
                drain(x, a, max, &mut xy);
                drain(y, a, max, &mut yx);
                for d in [x.deadline(), y.deadline()].into_iter().flatten() {
                    assert!(d > now, "a deadline at or before now after handle_timeout");
                }
            }
            1 | 2 => {
                let mut bytes = if op % 10 == 1 {
                    core::mem::take(&mut xy)
                } else {
                    core::mem::take(&mut yx)
                };
                if op & 0x10 != 0 {
                    continue;
                }
                if op & 0x20 != 0 && !bytes.is_empty() {
                    let at = usize::from(take(&mut s)) % bytes.len();
                    bytes[at] ^= 1 << (op >> 5 & 7);
                }
                if op & 0x40 != 0 {
                    bytes.truncate(bytes.len() / 2);
                }
                if op % 10 == 1 {
                    feed(y, now, &bytes, a, max, &mut yx, answer);
                } else {
                    feed(x, now, &bytes, a, max, &mut xy, answer);
                }
            }
            3 => {
                let n = usize::from(take(&mut s)).min(s.len());
                let (bytes, rest) = s.split_at(n);
                s = rest;
                if op & 0x10 == 0 {
                    feed(x, now, bytes, a, max, &mut xy, answer);
                } else {
                    feed(y, now, bytes, a, max, &mut yx, answer);
                }
            }
            4 => {
                let (ra, rb) = (take(&mut s), take(&mut s));
                if op & 0x10 == 0 {
                    x.request(now, ra, rb);
                } else {
                    y.request(now, ra, rb);
                }
            }
            5 => {
                let arg = take(&mut s);
                if op & 0x10 == 0 {
                    y.event(arg);
                } else {
                    x.event(arg);
                }
            }
            6 => {
                if op & 0x10 == 0 {
                    x.lost();
                    xy.clear();
                } else {
                    y.lost();
                    yx.clear();
                }
            }
            8 => y.busy(take(&mut s) & 1 == 1),
            _ => answer = take(&mut s),
        }
        drain(x, a, max, &mut xy);
        drain(y, a, max, &mut yx);
        x.events(now, answer);
        y.events(now, answer);
    }
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
        retries: (sel >> 2) & 3,
        max_frame_len: if sel & 0x10 == 0 { MAX_FRAME_LEN } else { 60 },
        idle_timeout: None,
    }
}

/// `iec101_session`: byte 0 picks the pairing (bit 7: balanced) and the link parameters
/// (bits 0–4), bit 5 the ASDU field sizes (compact or wide); the rest is a script (see
/// `run`). Nothing panics, every output is exactly one valid FT1.2 frame within the maximum
/// length, input always progresses once output and events are drained, and after
/// `handle_timeout(now)` no deadline is at or before `now`.
pub fn iec101_session(data: &[u8]) {
    let Some((&sel, script)) = data.split_first() else {
        return;
    };
    let cfg = link(sel);
    let a = cfg.address_size;
    let max = cfg.max_frame_len;
    let params = if sel & 0x20 == 0 {
        AsduParams::IEC101_COMPACT
    } else {
        AsduParams::IEC101_WIDE
    };
    let mut pts = points();
    let station: Station<'_> = Outstation::new(
        OutstationConfig::new(params, CA),
        SliceDatabase::new(&mut pts),
    );
    if sel & 0x80 == 0 {
        let pc = PrimaryConfig {
            link: cfg,
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(2),
            class1_burst: 2,
        };
        let mut master =
            MasterSession::<2, 4>::new(pc, MasterConfig::new(params)).expect("valid config");
        master.add_secondary(SLAVE).expect("room");
        let sc = SecondaryConfig {
            link: cfg,
            address: SLAVE,
            no_data: if sel & 0x40 == 0 {
                NoDataResponse::SingleChar
            } else {
                NoDataResponse::NackNoData
            },
        };
        let mut slave = SlaveSession::new(sc, station).expect("valid config");
        run(&mut master, &mut slave, a, max, script);
    } else {
        let bc = |dir: bool, local: u16, remote: u16| BalancedConfig {
            link: cfg,
            dir,
            local_address: local,
            remote_address: remote,
            restart_delay: Duration::from_millis(300),
            test_interval: (sel & 0x40 != 0).then(|| Duration::from_millis(500)),
        };
        let mut pts2 = points();
        let other: Option<Station<'_>> = (sel & 0x40 != 0).then(|| {
            Outstation::new(
                OutstationConfig::new(params, CA),
                SliceDatabase::new(&mut pts2),
            )
        });
        let mut x: BalancedSession<_, 8, 4> =
            BalancedSession::new(bc(true, 1, SLAVE), other, MasterConfig::new(params))
                .expect("valid config");
        let mut y: BalancedSession<_, 8, 4> = BalancedSession::new(
            bc(false, SLAVE, 1),
            Some(station),
            MasterConfig::new(params),
        )
        .expect("valid config");
        run(&mut x, &mut y, a, max, script);
    }
}
