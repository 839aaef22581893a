//! Fuzz body for `telecontrol-iec104-session`: the per-connection steps both adapters run
//! ([`ServerConn`] in its redundancy group with a command handler, [`ClientConn`] with its
//! waiting callers), wired by a line the script controls (carry, lose, corrupt, inject),
//! with time steps, requests, point updates, handler behaviours and reconnects.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::missing_panics_doc,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iec104_apci::{ApciConfig, Apdu};
use iec104_session::LinkId;
use iec104_session::conn::{ClientConn, Next, ServerConn};
use iec104_session::shared::{
    ClientConfig, CommandHandler, Database, Request, ReturnInfo, ServerConfig, ServerGroup,
    Termination, new_group, update_groups,
};
use station::asdu::{
    Cause, CommonAddress, Cp56Time2a, Dco, Dpi, Frz, Ioa, Qcc, Qoi, Qos, Qrp, Qu, Quality, Sco,
    Siq, Tsc, Value,
};
use station::{CommandAnswer, CommandMode, CommandRequest, ExecuteMode, Point};
use telecontrol_core::Instant;

const CA: CommonAddress = CommonAddress(1);

/// A master request from two script octets: `a` picks the service (low nibble), the object
/// and mode; `b` the qualifier or value. Also used by the 101 session body.
#[must_use]
pub fn request(a: u8, b: u8) -> Request {
    let ca = [CA, CommonAddress(0xFFFF), CommonAddress(2), CA][usize::from(a >> 4 & 3)];
    let ioa = Ioa::from([100u16, 101, 102, 1, 61, 7, 500, 0][usize::from(b & 7)]);
    let mode = [
        ExecuteMode::Direct,
        ExecuteMode::SelectOnly,
        ExecuteMode::ExecuteOnly,
        ExecuteMode::SelectThenExecute,
    ][usize::from(b >> 3 & 3)];
    let time = Cp56Time2a::new(
        b % 100,
        1 + b % 12,
        1 + b % 28,
        b % 24,
        b % 60,
        u16::from(b),
    )
    .expect("valid fields");
    match a % 10 {
        0 => Request::Interrogation {
            ca,
            qoi: Qoi::group(b % 20).unwrap_or(Qoi::STATION),
        },
        1 => Request::CounterInterrogation {
            ca,
            qcc: Qcc::new(
                b & 0x3F,
                [Frz::Read, Frz::Freeze, Frz::FreezeAndReset, Frz::Reset][usize::from(b >> 6)],
            )
            .expect("rqt < 64"),
        },
        2 => Request::ClockSync { ca, time },
        3 => Request::Read { ca, ioa },
        4 => Request::Command {
            ca,
            ioa,
            value: Value::CScNa1(Sco::new(b & 0x80 != 0, Qu::NONE, false)),
            mode,
        },
        5 => Request::Command {
            ca,
            ioa,
            value: Value::CDcNa1(Dco::new(
                if b & 0x80 != 0 { Dpi::On } else { Dpi::Off },
                Qu::SHORT_PULSE,
                false,
            )),
            mode,
        },
        6 => Request::Command {
            ca,
            ioa,
            value: Value::CSeNc1(f32::from(b) - 100.0, Qos::new(0, false).expect("ql 0")),
            mode,
        },
        7 => Request::Test {
            ca,
            tsc: Tsc(u16::from(b)),
            time,
        },
        8 => Request::ResetProcess {
            ca,
            qrp: if b & 1 == 0 {
                Qrp::GENERAL
            } else {
                Qrp::EVENT_BUFFER
            },
        },
        _ => Request::Interrogation {
            ca,
            qoi: Qoi::STATION,
        },
    }
}

/// A handler whose behaviour the script sets: bits 0–1 the answer (accept, accept and
/// terminate, reject), bit 2 return information, bit 3 no answer at all, bits 4–5 the
/// termination (immediate, after 2 s, never).
struct Handler(AtomicU8);

impl CommandHandler for Handler {
    fn command(&self, _: &CommandRequest) -> CommandAnswer {
        [
            CommandAnswer::Accept,
            CommandAnswer::AcceptAndTerminate,
            CommandAnswer::Reject,
            CommandAnswer::Accept,
        ][usize::from(self.0.load(Ordering::Relaxed) & 3)]
    }
    fn return_information(&self, request: &CommandRequest) -> Vec<ReturnInfo> {
        if self.0.load(Ordering::Relaxed) & 4 == 0 {
            return Vec::new();
        }
        let v = Value::MSpNa1(Siq::new(true, Quality::GOOD));
        vec![
            ReturnInfo::remote(request.ioa, v),
            ReturnInfo {
                cause: Cause::SPONTANEOUS,
                ioa: Ioa::from(1),
                value: v,
            },
        ]
    }
    fn answers(&self, _: &CommandRequest) -> bool {
        self.0.load(Ordering::Relaxed) & 8 == 0
    }
    fn termination(&self, _: &CommandRequest) -> Termination {
        match self.0.load(Ordering::Relaxed) >> 4 & 3 {
            0 | 3 => Termination::Immediate,
            1 => Termination::After(Duration::from_secs(2)),
            _ => Termination::Never,
        }
    }
}

/// Every octet a step writes is a whole number of valid APDUs.
fn check_apdus(mut out: &[u8]) {
    while !out.is_empty() {
        let (_, used) = Apdu::decode(out).expect("a connection writes valid APDUs only");
        out = &out[used..];
    }
}

fn database() -> Database {
    let db = Database::new();
    for i in 0..8u16 {
        db.insert(Point::monitored(
            CA,
            Ioa::from(1 + i),
            Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD)),
        ));
    }
    db.insert(Point::controllable(CA, Ioa::from(100), CommandMode::Direct));
    db.insert(Point::controllable(
        CA,
        Ioa::from(101),
        CommandMode::SelectBeforeOperate,
    ));
    db.insert(Point::controllable(CA, Ioa::from(102), CommandMode::Any));
    db
}

/// `iec104_session`: byte 0 picks k (1–12) and t1; then per op octet (low nibble the op, high
/// bits its flags): `0 t` time += t × 100 ms and timeouts; `1`/`2` carry client→server /
/// server→client (0x10 lose, 0x20 flip a bit, 0x40 only half); `3 n bytes..` inject into the
/// server (0x10: the client); `4 a b` submit a request; `5 i v` update a point in the group;
/// `6` jump to the earliest deadline; `7 h` set the handler's behaviour; `8` reconnect (the
/// server connection released, a new pair in the same group, the old callers failed); `9`
/// close the client. Never panics; every written octet is a valid APDU, each caller gets
/// exactly one answer, and after `timeout(now)` no deadline is at or before `now`.
pub fn iec104_session(data: &[u8]) {
    let Some((&sel, mut s)) = data.split_first() else {
        return;
    };
    let k = 1 + u16::from(sel % 12);
    let apci = ApciConfig::new(
        k,
        k.min(1 + u16::from(sel >> 4)),
        Duration::from_secs(30),
        Duration::from_secs(1 + u64::from(sel >> 6)),
        Duration::from_millis(500),
        Duration::from_secs(5),
    )
    .expect("valid APCI parameters");
    let mut sc = ServerConfig::new(CA);
    sc.apci = apci;
    let db = database();
    let group: Arc<Mutex<ServerGroup>> = Arc::new(Mutex::new(new_group(&sc, &db)));
    let cc = ClientConfig {
        apci,
        ..ClientConfig::default()
    };
    let handler = Handler(AtomicU8::new(0));
    let mut now = Instant::from_secs(1);
    let mut id = 1u64;
    let mut server = ServerConn::new(LinkId(id), apci, Arc::clone(&group), now).expect("k ≤ 12");
    let mut server_open = true;
    let mut client: ClientConn<u32> = ClientConn::new(&cc, now).expect("k ≤ 12");
    let (mut up, mut down): (Vec<u8>, Vec<u8>) = (client.take_output(), Vec::new());
    check_apdus(&up);
    let (mut submitted, mut answered) = (0u32, 0u32);
    let mut events = Vec::new();
    let mut done = Vec::new();
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
            break;
        }
        let op = take(&mut s);
        let mut timed = false;
        match op % 10 {
            0 | 6 => {
                if op % 10 == 0 {
                    now = now + Duration::from_millis(u64::from(take(&mut s)) * 100);
                } else if let Some(t) = telecontrol_core::earliest(
                    client.deadline(),
                    server_open.then(|| server.deadline()).flatten(),
                ) {
                    now = now.max(t);
                }
                client.timeout(now, &mut events, &mut done);
                if server_open {
                    server.timeout(now);
                }
                timed = true;
            }
            1 | 2 => {
                let mut bytes = core::mem::take(if op % 10 == 1 { &mut up } else { &mut down });
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
                    if server_open {
                        server.input(now, &bytes);
                    }
                } else {
                    client.input(now, &bytes, &mut events, &mut done);
                }
            }
            3 => {
                let n = usize::from(take(&mut s)).min(s.len());
                let (bytes, rest) = s.split_at(n);
                s = rest;
                if op & 0x10 == 0 {
                    if server_open {
                        server.input(now, bytes);
                    }
                } else {
                    client.input(now, bytes, &mut events, &mut done);
                }
            }
            4 => {
                let r = request(take(&mut s), take(&mut s));
                let completion = [
                    station::Completion::OnSend,
                    station::Completion::OnConfirmation,
                    station::Completion::OnTermination,
                ][usize::from(op >> 4) % 3];
                submitted += 1;
                if client.submit(now, &r, completion, submitted).is_err() {
                    answered += 1;
                }
            }
            5 => {
                let i = take(&mut s);
                let v = take(&mut s);
                let value = Value::MSpNa1(Siq::new(v & 1 == 1, Quality::GOOD));
                let _ = update_groups(&db, [&*group], CA, Ioa::from(1 + u16::from(i % 10)), value);
                if server_open {
                    server.timeout(now);
                }
            }
            7 => handler.0.store(take(&mut s), Ordering::Relaxed),
            8 => {
                if server_open {
                    server.release();
                }
                answered += client
                    .fail_all(&iec104_session::shared::ClientError::ConnectionLost)
                    .len() as u32;
                id += 1;
                server = ServerConn::new(LinkId(id), apci, Arc::clone(&group), now).expect("k");
                server_open = true;
                client = ClientConn::new(&cc, now).expect("k ≤ 12");
                down.clear();
                up = client.take_output();
            }
            _ => client.close(),
        }
        // What the adapters do after every step: hand events to the handler, collect output.
        let mut guard = 0;
        while server_open && server.has_events() {
            guard += 1;
            assert!(guard < 100, "dispatch does not drain the events");
            if server.dispatch(now, &handler) == Next::Close {
                server.release();
                server_open = false;
            }
        }
        let _ = server.take_relay();
        let out = server.take_output();
        check_apdus(&out);
        if down.len() < 1 << 16 {
            down.extend_from_slice(&out);
        }
        let out = client.take_output();
        check_apdus(&out);
        if up.len() < 1 << 16 {
            up.extend_from_slice(&out);
        }
        answered += done.len() as u32;
        done.clear();
        events.clear();
        assert!(answered <= submitted, "a caller answered twice");
        if timed {
            if let Some(d) = client.deadline() {
                assert!(
                    client.is_closed() || d > now,
                    "client deadline at or before now"
                );
            }
            if server_open && let Some(d) = server.deadline() {
                assert!(d > now, "server deadline at or before now");
            }
        }
    }
    answered += client
        .fail_all(&iec104_session::shared::ClientError::ConnectionLost)
        .len() as u32;
    assert_eq!(answered, submitted, "every caller gets exactly one answer");
}
