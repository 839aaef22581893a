// A 104 outstation on bare metal: one TCP connection, a breaker, a hand-written loop, no
// heap, no std, no runtime. The board (its TCP/IP stack, timer and I/O pins) is a trait.
//
// docs/guide.md shows this file. It is compiled `#![no_std]` with no allocator by
// `cargo xtask nostd`, and run against a 104 master core by
// `cargo test -p telecontrol-iec104-session --test bare_metal`.
// (Included with `include!`, so it uses `//` comments and crate names the includer aliases:
// `iec104_apci`, `station`, `telecontrol_core`, `telecontrol_iec104_session`.)

use iec104_apci::{ApciConfig, MAX_APDU_LEN};
use station::asdu::{AsduParams, Cause, CommonAddress, InfoObject, Ioa, Quality, Siq, Value};
use station::{
    CommandAction, CommandAnswer, CommandMode, Event, Outstation, OutstationConfig, Point,
    SliceDatabase,
};
use telecontrol_core::Instant;
use telecontrol_iec104_session::{LinkId, OutstationLink, StationGroup};

/// What the board provides.
pub trait Board {
    /// A monotonic clock, in microseconds.
    fn micros(&mut self) -> u64;
    /// Received octets, copied into `buf`; 0 when none arrived (never blocks).
    fn receive(&mut self, buf: &mut [u8]) -> usize;
    /// Send every octet of `bytes`.
    fn send(&mut self, bytes: &[u8]);
    /// The breaker's position input.
    fn breaker_closed(&mut self) -> bool;
    /// Drive the breaker's close (`true`) or trip (`false`) output.
    fn operate_breaker(&mut self, close: bool);
}

/// Common address of the station.
pub const CA: CommonAddress = CommonAddress(1);
/// The breaker position (M_SP_NA_1).
pub const BREAKER: u32 = 100;
/// The breaker command (C_SC_NA_1, direct or select-before-operate).
pub const BREAKER_COMMAND: u32 = 1100;

/// Serve the connection for `steps` turns of the loop (a real board loops for ever); false
/// if the connection closed.
pub fn serve(board: &mut impl Board, steps: u32) -> bool {
    let breaker = Ioa::new(BREAKER).unwrap_or(Ioa::IRRELEVANT);
    let command = Ioa::new(BREAKER_COMMAND).unwrap_or(Ioa::IRRELEVANT);
    let mut closed = board.breaker_closed();
    let position = |c| Value::MSpNa1(Siq::new(c, Quality::GOOD));
    let mut points = [
        Point::monitored(CA, breaker, position(closed)),
        Point::controllable(CA, command, CommandMode::Any),
    ];
    // 16 events buffered while the master is away.
    let station: Outstation<_, 16> = Outstation::new(
        OutstationConfig::new(AsduParams::IEC104, CA),
        SliceDatabase::new(&mut points),
    );
    let mut group = StationGroup::new(station);
    let start = Instant::from_micros(board.micros());
    let Ok(mut link) = OutstationLink::<12>::new(LinkId(1), ApciConfig::DEFAULT, start) else {
        return false;
    };
    let mut rx = [0u8; 2 * MAX_APDU_LEN];
    let mut held = 0; // octets of an incomplete APDU kept from the last read
    let mut tx = [0u8; MAX_APDU_LEN];
    for _ in 0..steps {
        let now = Instant::from_micros(board.micros());
        // 1. Input: whatever arrived, APDU by APDU; keep a partial one for the next turn.
        if let Some(free) = rx.get_mut(held..) {
            held += board.receive(free);
        }
        let mut used = 0;
        while let Some(bytes) = rx.get(used..held).filter(|b| !b.is_empty()) {
            match link.handle_input(now, bytes, &mut group) {
                Ok(0) => break,
                Ok(n) => used += n,
                Err(_) => return false, // a protocol error closes the connection
            }
        }
        rx.copy_within(used..held, 0);
        held -= used;
        // 2. Commands: carry out executes on the breaker; a select needs no action.
        while let Some(event) = group.station_mut().poll_event() {
            let Event::Command(req) = event else { continue };
            let answer = match (req.ioa == command, req.action, req.value) {
                (true, CommandAction::Select, Value::CScNa1(_)) => CommandAnswer::Accept,
                (true, _, Value::CScNa1(sco)) => {
                    board.operate_breaker(sco.state());
                    CommandAnswer::AcceptAndTerminate
                }
                _ => CommandAnswer::Reject,
            };
            let _ = group.station_mut().answer_command(req.handle, answer);
        }
        // 3. The process: a new breaker position is a spontaneous event.
        let now_closed = board.breaker_closed();
        if now_closed != closed {
            closed = now_closed;
            let s = group.station_mut();
            s.database_mut().set_value(CA, breaker, position(closed));
            let event = [InfoObject::new(breaker, position(closed))];
            let _ = s.queue_event(CA, Cause::SPONTANEOUS, &event);
        }
        // 4. Timers (t1–t3, command timeouts).
        if link.poll_timeout(&group).is_some_and(|due| due <= now) {
            link.handle_timeout(now, &mut group);
        }
        // 5. Output: station data into the k window, then everything to the wire.
        link.fill(now, &mut group);
        while let Some(n) = link.poll_transmit(&mut tx) {
            board.send(tx.get(..n).unwrap_or(&[]));
        }
        if link.is_closed() {
            link.release(&mut group);
            return false;
        }
    }
    true
}
