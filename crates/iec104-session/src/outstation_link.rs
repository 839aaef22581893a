//! A controlled station's side: [`OutstationLink`] (one 104 connection) joined to a
//! [`StationGroup`] (one [`Outstation`] shared by the redundant connections of a group,
//! IEC 60870-5-104 clause 10.3).

use heapless::Deque;
use iec104_apci::{ApciConfig, CloseReason, ConfigError, Connection, DtState, InputError, Role};
use station::{Outstation, PointDatabase};
use telecontrol_core::{Instant, earliest};

/// Identifies one connection inside a [`StationGroup`]; the adapter chooses it (unique per
/// group, e.g. a counter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkId(pub u64);

/// The outstation of a redundancy group and which of the group's connections is active.
///
/// Only the active connection (the last one whose STARTDT was confirmed) exchanges ASDUs with
/// the station; the others are standby (clause 10.3). When another connection becomes
/// active, every event ASDU sent on the old one and not yet acknowledged goes back to the
/// front of the event buffer in order ([`Outstation::connection_lost`]) and is sent on the new
/// one first: nothing is lost by a switch-over.
#[derive(Debug)]
pub struct StationGroup<D, const N: usize> {
    station: Outstation<D, N>,
    active: Option<LinkId>,
}

impl<D: PointDatabase, const N: usize> StationGroup<D, N> {
    /// A group serving `station`, no connection active.
    pub fn new(station: Outstation<D, N>) -> Self {
        StationGroup {
            station,
            active: None,
        }
    }

    /// The active connection.
    pub fn active(&self) -> Option<LinkId> {
        self.active
    }

    /// The station.
    pub fn station(&self) -> &Outstation<D, N> {
        &self.station
    }

    /// The station, to queue events, answer commands and poll its events.
    pub fn station_mut(&mut self) -> &mut Outstation<D, N> {
        &mut self.station
    }

    /// Make `id` the active connection; the previous active one, if any and different, is
    /// returned after its unacknowledged events were requeued.
    fn activate(&mut self, id: LinkId) -> Option<LinkId> {
        let previous = self.active.replace(id);
        match previous {
            Some(p) if p != id => {
                self.station.connection_lost();
                Some(p)
            }
            _ => None,
        }
    }

    /// `id` is no longer active (stopped, closed or dropped).
    fn deactivate(&mut self, id: LinkId) {
        if self.active == Some(id) {
            self.active = None;
            self.station.connection_lost();
        }
    }
}

/// What an [`OutstationLink`] reports to its driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkEvent {
    /// STARTDT confirmed: this connection is now the group's active one. `replaced` was the
    /// active one before (its driver must be woken: it closes itself on its next step).
    Activated {
        /// The connection that lost the active role.
        replaced: Option<LinkId>,
    },
    /// STOPDT confirmed: standby again.
    Deactivated,
    /// Another connection of the group became active: this one was closed.
    Replaced,
    /// The connection closed; drop the socket.
    Closed(CloseReason),
}

/// Room for [`LinkEvent`]s not yet polled.
const LINK_EVENTS: usize = 8;

/// One 104 connection of a controlled station. The driver owns the socket and clock and, for
/// every step, lends the group (under whatever lock it uses):
///
/// 1. `handle_input(now, bytes, group)` with received octets (then again with the rest),
///    `handle_timeout(now, group)` at `poll_timeout(group)`;
/// 2. drain `poll_event()` (activation, close) and the group's station events;
/// 3. `fill(now, group)` moves station output into the k window, then drain
///    `poll_transmit(out)` to the socket;
/// 4. when the socket closes or the connection is dropped, `release(group)`.
///
/// Received ASDUs go to the station, acknowledged I frames confirm the station's event
/// buffer ([`Outstation::acknowledge`]), and a close requeues what was not acknowledged.
#[derive(Debug)]
pub struct OutstationLink<const K: usize = 12> {
    id: LinkId,
    conn: Connection<K>,
    events: Deque<LinkEvent, LINK_EVENTS>,
    /// This link believes it is the group's active one.
    active: bool,
    released: bool,
}

impl<const K: usize> OutstationLink<K> {
    /// A connection accepted at `now`.
    ///
    /// # Errors
    /// [`ConfigError::WindowExceedsCapacity`] if `config.k()` exceeds `K`.
    pub fn new(id: LinkId, config: ApciConfig, now: Instant) -> Result<Self, ConfigError> {
        Ok(OutstationLink {
            id,
            conn: Connection::new(config, Role::Controlled, now)?,
            events: Deque::new(),
            active: false,
            released: false,
        })
    }

    /// This link's id.
    pub fn id(&self) -> LinkId {
        self.id
    }

    /// The APCI connection (state, counters).
    pub fn connection(&self) -> &Connection<K> {
        &self.conn
    }

    /// True once the connection closed.
    pub fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    /// Feed received octets; returns how many were consumed (call again with the rest after
    /// draining events and output).
    ///
    /// # Errors
    /// [`InputError::Closed`] after the connection closed.
    pub fn handle_input<D: PointDatabase, const N: usize>(
        &mut self,
        now: Instant,
        bytes: &[u8],
        group: &mut StationGroup<D, N>,
    ) -> Result<usize, InputError> {
        self.check_replaced(group);
        let used = self.conn.handle_input(now, bytes)?;
        self.drain(now, group);
        Ok(used)
    }

    /// Run timers (t1, t2, t3 and the station's select expiry).
    pub fn handle_timeout<D: PointDatabase, const N: usize>(
        &mut self,
        now: Instant,
        group: &mut StationGroup<D, N>,
    ) {
        self.check_replaced(group);
        self.conn.handle_timeout(now);
        if self.active {
            group.station.handle_timeout(now);
        }
        self.drain(now, group);
    }

    /// When to call [`OutstationLink::handle_timeout`].
    pub fn poll_timeout<D: PointDatabase, const N: usize>(
        &self,
        group: &StationGroup<D, N>,
    ) -> Option<Instant> {
        let station = if self.active {
            group.station.poll_timeout()
        } else {
            None
        };
        earliest(self.conn.poll_timeout(), station)
    }

    /// Move station output (answers, events, interrogated data) into the connection while
    /// this link is active, data transfer is started and the k window has room.
    pub fn fill<D: PointDatabase, const N: usize>(
        &mut self,
        now: Instant,
        group: &mut StationGroup<D, N>,
    ) {
        self.check_replaced(group);
        if !self.active {
            return;
        }
        let k = usize::from(self.conn.config().k());
        let mut asdu = [0u8; station::MAX_ASDU_LEN];
        while self.conn.state() == DtState::Started && self.conn.outstanding() < k {
            let Some(n) = group.station.poll_transmit(&mut asdu) else {
                break;
            };
            let Some(bytes) = asdu.get(..n) else { break };
            // Within the window and started, only a close refuses: then `release` requeues.
            if self.conn.send_asdu(now, bytes).is_err() {
                break;
            }
        }
    }

    /// The next octets to write to the socket.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.conn.poll_transmit(out)
    }

    /// The next link event.
    pub fn poll_event(&mut self) -> Option<LinkEvent> {
        self.events.pop_front()
    }

    /// Close the connection (graceful shutdown); then drain output and `release`.
    pub fn close(&mut self) {
        self.conn.close();
        while self.conn.poll_event().is_some() {}
    }

    /// The socket is gone or the link is dropped: if it was active, the station requeues its
    /// unacknowledged events for the next active connection. Idempotent.
    pub fn release<D: PointDatabase, const N: usize>(&mut self, group: &mut StationGroup<D, N>) {
        if !self.released {
            self.released = true;
            if self.active {
                self.active = false;
                group.deactivate(self.id);
            }
        }
    }

    /// Another link took over: close this one (its in-flight events were already requeued).
    fn check_replaced<D: PointDatabase, const N: usize>(&mut self, group: &StationGroup<D, N>) {
        if self.active && group.active != Some(self.id) {
            self.active = false;
            self.conn.close();
            while self.conn.poll_event().is_some() {}
            self.push(LinkEvent::Replaced);
        }
    }

    fn drain<D: PointDatabase, const N: usize>(
        &mut self,
        now: Instant,
        group: &mut StationGroup<D, N>,
    ) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                iec104_apci::Event::Asdu(asdu) if self.active => {
                    group.station.handle_input(now, asdu);
                }
                iec104_apci::Event::Acknowledged { count } if self.active => {
                    group.station.acknowledge(u64::from(count));
                }
                iec104_apci::Event::Started => {
                    self.active = true;
                    let replaced = group.activate(self.id);
                    self.push(LinkEvent::Activated { replaced });
                }
                iec104_apci::Event::Stopped => {
                    if self.active {
                        self.active = false;
                        group.deactivate(self.id);
                    }
                    self.push(LinkEvent::Deactivated);
                }
                iec104_apci::Event::Closed(reason) => {
                    self.push(LinkEvent::Closed(reason));
                }
                _ => {}
            }
        }
        if self.conn.is_closed() {
            self.release(group);
        }
    }

    fn push(&mut self, event: LinkEvent) {
        if self.events.is_full() {
            let _ = self.events.pop_front();
        }
        let _ = self.events.push_back(event);
    }
}
