//! Random sessions of a master and an outstation with a manual clock, message loss and an
//! application that answers late, never or negatively: every request the master issues ends
//! in exactly one result, nothing stays outstanding, no ASDU exceeds the maximum length.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::HashMap;

use core::time::Duration;

use asdu::{
    AsduParams, Cp56Time2a, Dco, Dpi, Frz, Ioa, Qcc, Qoi, Qos, Qrp, Qu, Sco, Sva, Tsc, Value,
};
use common::{CA, points};
use proptest::prelude::*;
use telecontrol_core::Instant;
use telecontrol_station::{
    CommandAnswer, CommandHandle, Completion, Event, ExecuteMode, Master, MasterConfig, Outstation,
    OutstationConfig, RequestId, SliceDatabase,
};

#[derive(Clone, Debug)]
enum Op {
    Request(u8, u8, u8),
    Advance(u16),
    Answer(u8),
    Lose(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c)| Op::Request(a, b, c)),
        2 => any::<u16>().prop_map(Op::Advance),
        2 => any::<u8>().prop_map(Op::Answer),
        1 => any::<bool>().prop_map(Op::Lose),
    ]
}

struct Sim<'p> {
    m: Master<8>,
    o: Outstation<SliceDatabase<'p>, 8>,
    now: Instant,
    lose_every: Option<u32>,
    count: u32,
    pending: Vec<CommandHandle>,
    results: HashMap<u32, u32>,
}

impl Sim<'_> {
    fn deliver(&mut self) -> bool {
        self.count += 1;
        self.lose_every
            .is_none_or(|k| !self.count.is_multiple_of(k))
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 255];
        let max = usize::from(self.o.config().params.max_len());
        for _ in 0..1_000 {
            let mut moved = false;
            while let Some(n) = self.m.poll_transmit(&mut buf) {
                moved = true;
                assert!(n <= max);
                if self.deliver() {
                    self.o.handle_input(self.now, &buf[..n]);
                }
            }
            while let Some(e) = self.o.poll_event() {
                moved = true;
                if let Event::Command(c) = e {
                    self.pending.push(c.handle);
                }
            }
            while let Some(n) = self.o.poll_transmit(&mut buf) {
                moved = true;
                assert!(n <= max);
                if self.deliver() {
                    self.m.handle_input(self.now, &buf[..n]).unwrap();
                }
                self.o.acknowledge(1);
            }
            while let Some(r) = self.m.poll_event() {
                moved = true;
                *self.results.entry(r.id.0).or_default() += 1;
            }
            if !moved {
                return;
            }
        }
        panic!("no quiescence");
    }
}

fn request(sim: &mut Sim<'_>, kind: u8, a: u8, b: u8) -> Option<RequestId> {
    let now = sim.now;
    let completion = [
        Completion::OnSend,
        Completion::OnConfirmation,
        Completion::OnTermination,
    ][usize::from(b % 3)];
    let ioa = Ioa::new([100, 101, 102, 1000, 77][usize::from(a % 5)]).unwrap();
    let time = Cp56Time2a::new(26, 11, 22, 4, 0, 0).unwrap();
    let m = &mut sim.m;
    let r = match kind % 8 {
        0 => m.interrogate(
            now,
            CA,
            Qoi::group(a % 17).unwrap_or(Qoi::STATION),
            completion,
        ),
        1 => m.counter_interrogation(now, CA, Qcc::new(a % 6, Frz::Read).unwrap(), completion),
        2 => m.read(now, CA, ioa),
        3 => m.clock_sync(now, CA, time, completion),
        4 => m.test(now, CA, Tsc(u16::from(a)), time, completion),
        5 => m.reset_process(now, CA, Qrp::GENERAL, completion),
        _ => {
            let v = match a % 3 {
                0 => Value::CScNa1(Sco::new(true, Qu::NONE, false)),
                1 => Value::CDcNa1(Dco::new(Dpi::On, Qu::NONE, false)),
                _ => Value::CSeNb1(Sva(5), Qos::new(0, false).unwrap()),
            };
            let mode = [
                ExecuteMode::Direct,
                ExecuteMode::SelectOnly,
                ExecuteMode::ExecuteOnly,
                ExecuteMode::SelectThenExecute,
            ][usize::from(b % 4)];
            m.command(now, CA, ioa, v, mode, completion)
        }
    };
    r.ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_request_ends_exactly_once(ops in prop::collection::vec(op(), 1..40)) {
        let mut pts = points(150);
        let mut sim = Sim {
            m: Master::new(MasterConfig::new(AsduParams::IEC104)),
            o: Outstation::new(OutstationConfig::new(AsduParams::IEC104, CA), SliceDatabase::new(&mut pts)),
            now: Instant::from_secs(1),
            lose_every: None,
            count: 0,
            pending: Vec::new(),
            results: HashMap::new(),
        };
        let mut issued = Vec::new();
        for op in ops {
            match op {
                Op::Request(k, a, b) => {
                    if let Some(id) = request(&mut sim, k, a, b) {
                        issued.push(id.0);
                    }
                }
                Op::Advance(ms) => {
                    sim.now = sim.now.saturating_add(Duration::from_millis(u64::from(ms)));
                    sim.o.handle_timeout(sim.now);
                    sim.m.handle_timeout(sim.now);
                }
                Op::Answer(x) => {
                    if let Some(h) = sim.pending.pop() {
                        let a = [CommandAnswer::Accept, CommandAnswer::AcceptAndTerminate, CommandAnswer::Reject][usize::from(x % 3)];
                        let _ = sim.o.answer_command(h, a);
                        let _ = sim.o.terminate_command(h);
                    }
                }
                Op::Lose(on) => sim.lose_every = on.then_some(3),
            }
            sim.pump();
            prop_assert!(sim.m.outstanding() <= 8);
        }
        // Let every timer run out.
        sim.lose_every = None;
        for _ in 0..4 {
            sim.now = sim.now.saturating_add(Duration::from_secs(61));
            sim.o.handle_timeout(sim.now);
            sim.m.handle_timeout(sim.now);
            sim.pump();
        }
        prop_assert_eq!(sim.m.outstanding(), 0);
        prop_assert_eq!(sim.m.poll_timeout(), None);
        prop_assert_eq!(sim.o.poll_timeout(), None);
        for id in &issued {
            prop_assert_eq!(sim.results.get(id).copied(), Some(1), "request {}", id);
        }
        prop_assert_eq!(sim.results.len(), issued.len());
    }
}
