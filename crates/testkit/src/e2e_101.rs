//! What the 101 end-to-end tests of both adapters share: the slaves' points, the line
//! settings and the request script a master runs against each slave (interrogation,
//! select-before-operate, clock synchronisation) with what each must end in.
//!
//! Not a module of the testkit library (it needs the adapters' session crates): each
//! adapter's `tests/e2e101.rs` includes it with
//! `#[path = "../../testkit/src/e2e_101.rs"] mod e2e_101;`.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use iec101_session::runner::{LineConfig, LineEvent, Role};
use iec104_session::shared::{Database, Request};
use station::asdu::{Cause, CommonAddress, Cp56Time2a, Ioa, Qoi, Qu, Quality, Sco, Siq, Value};
use station::{CommandMode, ExecuteMode, Outcome, Point, RequestResult};

/// The longest any single expected thing may take.
pub const T: Duration = Duration::from_secs(10);

/// A slave's points: two single points (IOA 1 on, IOA 2 off) and a select-before-operate
/// single command at IOA 10.
pub fn db(ca: CommonAddress) -> Database {
    let db = Database::new();
    for (ioa, on) in [(1, true), (2, false)] {
        db.insert(Point::monitored(
            ca,
            Ioa::from(ioa),
            Value::MSpNa1(Siq::new(on, Quality::GOOD)),
        ));
    }
    db.insert(Point::controllable(
        ca,
        Ioa::from(10),
        CommandMode::SelectBeforeOperate,
    ));
    db
}

/// Line settings with a short link response time-out (a pty answers at once).
pub fn config(role: Role, ca: CommonAddress) -> LineConfig {
    let mut c = LineConfig::new(role);
    c.ca = ca;
    c.link.response_timeout = Duration::from_millis(300);
    c
}

/// A balanced station's role.
pub fn balanced(dir: bool, local_address: u16, remote_address: u16, outstation: bool) -> Role {
    Role::Balanced {
        dir,
        local_address,
        remote_address,
        outstation,
    }
}

/// One request of the script and how it must end.
pub struct Step {
    pub what: &'static str,
    pub request: Request,
    pub ok: fn(&RequestResult) -> bool,
}

/// Interrogation (ends terminated with the slave's 2 points), select-then-execute of the
/// command at IOA 10 (terminated: two calls of the slave's handler), clock synchronisation
/// (confirmed, or terminated).
pub fn script(ca: CommonAddress) -> [Step; 3] {
    [
        Step {
            what: "GI",
            request: Request::Interrogation {
                ca,
                qoi: Qoi::STATION,
            },
            ok: |r| (r.outcome, r.objects) == (Outcome::Terminated, 2),
        },
        Step {
            what: "SBO",
            request: Request::Command {
                ca,
                ioa: Ioa::from(10),
                value: Value::CScNa1(Sco::new(true, Qu::NONE, false)),
                mode: ExecuteMode::SelectThenExecute,
            },
            ok: |r| r.outcome == Outcome::Terminated,
        },
        Step {
            what: "clock sync",
            request: Request::ClockSync {
                ca,
                time: Cp56Time2a::from_unix_millis(1_700_000_000_000, 2000).unwrap(),
            },
            ok: |r| matches!(r.outcome, Outcome::Confirmed | Outcome::Terminated),
        },
    ]
}

/// A new value for a point of [`db`] (IOA 1 or 2), to be reported spontaneously.
pub fn single(on: bool) -> Value<'static> {
    Value::MSpNa1(Siq::new(on, Quality::GOOD))
}

/// Whether `e` is a spontaneous ASDU from link address `from`.
pub fn spontaneous(e: &LineEvent, from: u16) -> bool {
    matches!(e, LineEvent::Asdu(a, asdu) if *a == from
        && asdu.view().unwrap().header().cot.cause == Cause::SPONTANEOUS)
}
