//! A controlling station's side: [`MasterLink`], one 104 connection joined to a station
//! [`Master`].

use asdu::AsduError;
use iec104_apci::{
    ApciConfig, CloseReason, CommandError, ConfigError, Connection, DtState, InputError, Role,
};
use station::asdu;
use station::{Master, Received};
use telecontrol_core::{Instant, earliest};

/// What a [`MasterLink`] reports besides received ASDUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MasterLinkEvent {
    /// STARTDT confirmed: requests flow.
    Started,
    /// STOPDT confirmed.
    Stopped,
    /// The connection closed; drop the socket.
    Closed(CloseReason),
}

/// What [`MasterLink::handle_input`] hands its callback, in order of arrival.
#[derive(Debug)]
pub enum MasterInput<'a> {
    /// An ASDU: its octets and the master's classification (or the decode error).
    Asdu(&'a [u8], Result<Received<'a>, AsduError>),
    /// A state change (STARTDT/STOPDT confirmed, closed) between ASDUs.
    Event(MasterLinkEvent),
}

/// One 104 connection of a controlling station, joined to its [`Master`]: received ASDUs go
/// to the master (and, classified, to the caller), acknowledged data flows automatically, and
/// the master's requests enter the k window when it has room.
///
/// The driver loops: `handle_input(now, bytes, on_asdu)` (then again with the rest);
/// `handle_timeout(now)` at `poll_timeout()`; `fill(now)` then drain `poll_transmit(out)`;
/// drain `poll_event()` and `master_mut().poll_event()`. A new connection gets a new
/// `MasterLink` (requests of a lost connection time out or are failed by the adapter).
#[derive(Debug)]
pub struct MasterLink<const K: usize = 12, const R: usize = 8> {
    conn: Connection<K>,
    master: Master<R>,
    events: heapless::Deque<MasterLinkEvent, 4>,
}

impl<const K: usize, const R: usize> MasterLink<K, R> {
    /// A connection opened at `now` with `master`.
    ///
    /// # Errors
    /// [`ConfigError::WindowExceedsCapacity`] if `config.k()` exceeds `K`.
    pub fn new(config: ApciConfig, master: Master<R>, now: Instant) -> Result<Self, ConfigError> {
        Ok(MasterLink {
            conn: Connection::new(config, Role::Controlling, now)?,
            master,
            events: heapless::Deque::new(),
        })
    }

    /// The APCI connection.
    pub fn connection(&self) -> &Connection<K> {
        &self.conn
    }

    /// The master, to read its configuration.
    pub fn master(&self) -> &Master<R> {
        &self.master
    }

    /// The master, to issue requests and poll their results.
    pub fn master_mut(&mut self) -> &mut Master<R> {
        &mut self.master
    }

    /// Send STARTDT act.
    ///
    /// # Errors
    /// As [`Connection::start_dt`].
    pub fn start_dt(&mut self, now: Instant) -> Result<(), CommandError> {
        self.conn.start_dt(now)
    }

    /// Send STOPDT act.
    ///
    /// # Errors
    /// As [`Connection::stop_dt`].
    pub fn stop_dt(&mut self, now: Instant) -> Result<(), CommandError> {
        self.conn.stop_dt(now)
    }

    /// Close the connection.
    pub fn close(&mut self) {
        self.conn.close();
        self.drain_conn_events();
    }

    /// True once the connection closed.
    pub fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    /// Feed received octets; every received ASDU and state change is passed to `on_input` in
    /// order of arrival (an ASDU with the master's classification, or the decode error) before
    /// the next one is read. Returns how many octets were consumed.
    ///
    /// # Errors
    /// [`InputError::Closed`] after the connection closed.
    pub fn handle_input<F>(
        &mut self,
        now: Instant,
        bytes: &[u8],
        mut on_input: F,
    ) -> Result<usize, InputError>
    where
        F: FnMut(MasterInput<'_>),
    {
        let used = self.conn.handle_input(now, bytes)?;
        while let Some(event) = self.conn.poll_event() {
            match event {
                iec104_apci::Event::Asdu(asdu) => {
                    let received = self.master.handle_input(now, asdu);
                    on_input(MasterInput::Asdu(asdu, received));
                }
                other => {
                    if let Some(e) = link_event(other) {
                        on_input(MasterInput::Event(e));
                    }
                }
            }
        }
        Ok(used)
    }

    /// Run timers (t1–t3 and the master's request time-outs).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
        self.master.handle_timeout(now);
        self.drain_conn_events();
    }

    /// When to call [`MasterLink::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        earliest(self.conn.poll_timeout(), self.master.poll_timeout())
    }

    /// Move queued requests into the connection while data transfer is started and the k
    /// window has room.
    pub fn fill(&mut self, now: Instant) {
        let k = usize::from(self.conn.config().k());
        let mut asdu = [0u8; station::MAX_ASDU_LEN];
        while self.conn.state() == DtState::Started && self.conn.outstanding() < k {
            let Some(n) = self.master.poll_transmit(&mut asdu) else {
                break;
            };
            let Some(bytes) = asdu.get(..n) else { break };
            // Refused only after a close; the request then times out.
            if self.conn.send_asdu(now, bytes).is_err() {
                break;
            }
        }
        self.drain_conn_events();
    }

    /// The next octets to write to the socket.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.conn.poll_transmit(out)
    }

    /// The next link event.
    pub fn poll_event(&mut self) -> Option<MasterLinkEvent> {
        self.events.pop_front()
    }

    fn drain_conn_events(&mut self) {
        while let Some(event) = self.conn.poll_event() {
            push_event(&mut self.events, event);
        }
    }
}

fn link_event(event: iec104_apci::Event<'_>) -> Option<MasterLinkEvent> {
    Some(match event {
        iec104_apci::Event::Started => MasterLinkEvent::Started,
        iec104_apci::Event::Stopped => MasterLinkEvent::Stopped,
        iec104_apci::Event::Closed(reason) => MasterLinkEvent::Closed(reason),
        _ => return None,
    })
}

fn push_event(events: &mut heapless::Deque<MasterLinkEvent, 4>, event: iec104_apci::Event<'_>) {
    let Some(e) = link_event(event) else { return };
    if events.is_full() {
        let _ = events.pop_front();
    }
    let _ = events.push_back(e);
}
