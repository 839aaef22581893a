//! A master and an outstation wired together in memory with a manual clock.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use core::time::Duration;

use asdu::{
    AsduBuilder, AsduParams, Bcr, Cause, CommonAddress, Cot, Diq, Dpi, Ioa, Nva, Qds, Quality, Siq,
    TypeId, Value,
};
use telecontrol_core::Instant;
use telecontrol_station::{
    CommandAnswer, CommandMode, DataKind, Event, Master, MasterConfig, Outstation,
    OutstationConfig, Point, RequestResult, SliceDatabase,
};

pub const CA: CommonAddress = CommonAddress(1);

/// An ASDU built from one object.
pub fn asdu(
    p: &AsduParams,
    t: TypeId,
    cot: Cot,
    ca: CommonAddress,
    ioa: u32,
    v: Value<'_>,
) -> Vec<u8> {
    let mut buf = [0u8; 255];
    let mut b = AsduBuilder::new(p, t, cot, ca, false, &mut buf).unwrap();
    b.push(Ioa::new(ioa).unwrap(), &v).unwrap();
    b.finish().to_vec()
}

/// `n` single points from IOA 1000 (in station interrogation; every third also in group 2),
/// 10 measured values at 5000.., 4 counters at 6000.. (counter group 1 for the first two),
/// controllable points: 100 direct, 101 SBO, 102 any.
pub fn points(n: u32) -> Vec<Point> {
    let mut v = Vec::new();
    for i in 0..n {
        let mut p = Point::monitored(
            CA,
            Ioa::new(1000 + i).unwrap(),
            Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD)),
        );
        if i % 3 == 0 {
            p.groups = 1 << 1;
        }
        v.push(p);
    }
    for i in 0..10u32 {
        v.push(Point::monitored(
            CA,
            Ioa::new(5000 + i * 2).unwrap(),
            Value::MMeNa1(Nva(i as i16 * 100), Qds::new(Quality::GOOD)),
        ));
    }
    for i in 0..4u32 {
        let mut p = Point::monitored(
            CA,
            Ioa::new(6000 + i).unwrap(),
            Value::MItNa1(Bcr::new(i as i32 * 10, 0).unwrap()),
        );
        p.counter_groups = if i < 2 { 1 } else { 2 };
        v.push(p);
    }
    v.push(Point::monitored(
        CA,
        Ioa::new(7000).unwrap(),
        Value::MDpNa1(Diq::new(Dpi::On, Quality::GOOD)),
    ));
    v.push(Point::controllable(
        CA,
        Ioa::new(100).unwrap(),
        CommandMode::Direct,
    ));
    v.push(Point::controllable(
        CA,
        Ioa::new(101).unwrap(),
        CommandMode::SelectBeforeOperate,
    ));
    v.push(Point::controllable(
        CA,
        Ioa::new(102).unwrap(),
        CommandMode::Any,
    ));
    v
}

pub struct Pair<'p> {
    pub master: Master<8>,
    pub outstation: Outstation<SliceDatabase<'p>, 32>,
    pub now: Instant,
    /// Every ASDU the outstation sent, with the master's classification.
    pub received: Vec<(DataKind, Vec<u8>)>,
    pub events: Vec<Event>,
    pub results: Vec<RequestResult>,
    /// How the application answers commands: accept and terminate, by default.
    pub answer: Option<CommandAnswer>,
}

impl<'p> Pair<'p> {
    pub fn new(config: OutstationConfig, points: &'p mut [Point]) -> Self {
        let params = config.params;
        Pair {
            master: Master::new(MasterConfig::new(params)),
            outstation: Outstation::new(config, SliceDatabase::new(points)),
            now: Instant::from_secs(1),
            received: Vec::new(),
            events: Vec::new(),
            results: Vec::new(),
            answer: Some(CommandAnswer::AcceptAndTerminate),
        }
    }

    pub fn iec104(points: &'p mut [Point]) -> Self {
        Pair::new(OutstationConfig::new(AsduParams::IEC104, CA), points)
    }

    /// Move everything until both sides are quiet.
    pub fn run(&mut self) {
        let mut buf = [0u8; 255];
        loop {
            let mut moved = false;
            while let Some(n) = self.master.poll_transmit(&mut buf) {
                moved = true;
                self.outstation.handle_input(self.now, &buf[..n]);
            }
            while let Some(e) = self.outstation.poll_event() {
                moved = true;
                if let (Event::Command(c), Some(a)) = (&e, self.answer) {
                    self.outstation.answer_command(c.handle, a).unwrap();
                }
                self.events.push(e);
            }
            while let Some(n) = self.outstation.poll_transmit(&mut buf) {
                moved = true;
                assert!(n <= usize::from(self.outstation.config().params.max_len()));
                let r = self.master.handle_input(self.now, &buf[..n]).unwrap();
                self.received.push((r.kind, buf[..n].to_vec()));
                self.outstation.acknowledge(1);
            }
            while let Some(r) = self.master.poll_event() {
                moved = true;
                self.results.push(r);
            }
            if !moved {
                break;
            }
        }
    }

    pub fn advance(&mut self, d: Duration) {
        self.now = self.now.saturating_add(d);
        self.outstation.handle_timeout(self.now);
        self.master.handle_timeout(self.now);
        self.run();
    }

    /// Hand raw bytes to the outstation (none if empty) and collect what it answers (without
    /// the master).
    pub fn request(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        if !bytes.is_empty() {
            self.outstation.handle_input(self.now, bytes);
        }
        let mut out = Vec::new();
        let mut buf = [0u8; 255];
        while let Some(e) = self.outstation.poll_event() {
            if let (Event::Command(c), Some(a)) = (&e, self.answer) {
                self.outstation.answer_command(c.handle, a).unwrap();
            }
            self.events.push(e);
        }
        while let Some(n) = self.outstation.poll_transmit(&mut buf) {
            out.push(buf[..n].to_vec());
            self.outstation.acknowledge(1);
        }
        out
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }
}

/// The same ASDU with cause `cause` and P/N `neg`.
pub fn mirrored(req: &[u8], cause: Cause, neg: bool) -> Vec<u8> {
    let mut v = req.to_vec();
    v[2] = (v[2] & 0x80) | if neg { 0x40 } else { 0 } | cause.value();
    v
}
