//! The bare-metal example of docs/guide.md (docs/examples/bare_metal_104.rs) against a 104
//! master made of the APCI core: STARTDT, a direct breaker command (ACTCON, ACTTERM, the
//! output driven), and the new position reported spontaneously. No heap is used by the loop.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod example {
    include!("../../../docs/examples/bare_metal_104.rs");
}

use iec104_apci::{ApciConfig, Connection, DtState, Event, MAX_APDU_LEN, Role};
use station::asdu::{AsduBuilder, AsduParams, AsduView, Cause, Cot, Ioa, Qu, Sco, TypeId, Value};
use telecontrol_core::Instant;

/// The board: a clock that advances 1 ms per reading, a breaker, and the wire to a master
/// that runs a script as the loop turns.
struct Board {
    us: u64,
    closed: bool,
    operated: Vec<bool>,
    master: Connection,
    commanded: bool,
    /// Type, cause, address and (single points) the position of each ASDU received.
    received: Vec<(TypeId, Cause, u32, Option<bool>)>,
    turns: u32,
}

impl Board {
    fn now(&self) -> Instant {
        Instant::from_micros(self.us)
    }
}

impl example::Board for Board {
    fn micros(&mut self) -> u64 {
        self.us += 1_000;
        self.us
    }

    fn receive(&mut self, buf: &mut [u8]) -> usize {
        self.turns += 1;
        let now = self.now();
        if self.turns == 1 {
            self.master.start_dt(now).unwrap();
        }
        if self.master.state() == DtState::Started && !self.commanded {
            self.commanded = true;
            let mut asdu = [0u8; 32];
            let mut b = AsduBuilder::new(
                &AsduParams::IEC104,
                TypeId::CScNa1,
                Cot::new(Cause::ACTIVATION),
                example::CA,
                false,
                &mut asdu,
            )
            .unwrap();
            let close = Value::CScNa1(Sco::new(true, Qu::NONE, false));
            b.push(Ioa::new(example::BREAKER_COMMAND).unwrap(), &close)
                .unwrap();
            let n = b.len();
            self.master.send_asdu(now, &asdu[..n]).unwrap();
        }
        // The breaker follows its output one turn later.
        if let Some(&c) = self.operated.last() {
            self.closed = c;
        }
        let mut out = [0u8; MAX_APDU_LEN];
        let mut n = 0;
        while n + MAX_APDU_LEN <= buf.len() {
            let Some(m) = self.master.poll_transmit(&mut out) else {
                break;
            };
            buf[n..n + m].copy_from_slice(&out[..m]);
            n += m;
        }
        n
    }

    fn send(&mut self, bytes: &[u8]) {
        let now = self.now();
        let mut rest = bytes;
        while !rest.is_empty() {
            let used = self.master.handle_input(now, rest).unwrap();
            rest = &rest[used..];
            while let Some(e) = self.master.poll_event() {
                if let Event::Asdu(a) = e {
                    let v = AsduView::decode(&AsduParams::IEC104, a).unwrap();
                    let o = v.objects().next().unwrap();
                    let spi = match o.value {
                        Value::MSpNa1(s) => Some(s.spi()),
                        _ => None,
                    };
                    self.received
                        .push((v.type_id(), v.cot().cause, o.ioa.value(), spi));
                }
            }
            if used == 0 {
                break;
            }
        }
    }

    fn breaker_closed(&mut self) -> bool {
        self.closed
    }

    fn operate_breaker(&mut self, close: bool) {
        self.operated.push(close);
    }
}

#[test]
fn the_bare_metal_loop_serves_a_master() {
    let mut board = Board {
        us: 0,
        closed: false,
        operated: Vec::with_capacity(8),
        master: Connection::new(ApciConfig::DEFAULT, Role::Controlling, Instant::ZERO).unwrap(),
        commanded: false,
        received: Vec::with_capacity(16),
        turns: 0,
    };
    let info = allocation_counter::measure(|| {
        assert!(example::serve(&mut board, 50), "the connection stayed open");
    });
    assert_eq!(
        board.operated,
        [true],
        "the breaker output was driven once, to close"
    );
    assert_eq!(
        board.received,
        [
            (
                TypeId::CScNa1,
                Cause::ACTIVATION_CON,
                example::BREAKER_COMMAND,
                None
            ),
            (
                TypeId::CScNa1,
                Cause::ACTIVATION_TERM,
                example::BREAKER_COMMAND,
                None
            ),
            (
                TypeId::MSpNa1,
                Cause::SPONTANEOUS,
                example::BREAKER,
                Some(true)
            ),
        ]
    );
    // Neither the loop nor the board (its vectors were reserved) allocated.
    assert_eq!(info.count_total, 0);
}
