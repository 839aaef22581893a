//! The IEC 60870-5-104 connection procedure (clause 5): sequence numbers, the k and w windows,
//! timers t1-t3, STARTDT / STOPDT / TESTFR, as one sans-IO state machine for both roles.

use heapless::Deque;
use telecontrol_core::{Encode, Instant, earliest};

use crate::config::{ApciConfig, ConfigError, Role};
use crate::event::{CloseReason, CommandError, DtState, Event, InputError, SendError};
mod receive;

use crate::frame::{Apdu, FrameError, HEADER_LEN, MAX_APDU_LEN, MAX_ASDU_LEN, Seq, UFunction};

/// Room for events not yet polled. Input stops being consumed while fewer than
/// [`EVENT_RESERVE`] are free, so no event is ever dropped.
const EVENT_CAP: usize = 8;
/// One frame queues at most three events; a timeout or `close` one more.
const EVENT_RESERVE: usize = 4;
/// Room for confirmations (and STOPDT con) not yet transmitted; input stops while full.
const CON_CAP: usize = 8;

/// One IEC 60870-5-104 connection (clause 5), from TCP establishment to close, for either
/// [`Role`].
///
/// `K` is the storage for I frames sent and not yet acknowledged (each up to 249 octets); the
/// configured k must not exceed it. No method allocates, blocks or reads a clock; see the
/// crate documentation, "Driving this core", for the call order.
#[derive(Debug)]
pub struct Connection<const K: usize = 12> {
    config: ApciConfig,
    role: Role,
    /// The latest `now` given: the time stamp of frames written by `poll_transmit`.
    now: Instant,
    state: DtState,
    closed: Option<CloseReason>,

    /// Accepted ASDUs in N(S) order: the first `sent` were transmitted and are awaiting
    /// acknowledgement, the rest wait for transmission.
    window: Deque<Slot, K>,
    sent: u16,
    /// N(S) of `window`'s front: V(S) minus `sent`.
    ack_base: Seq,

    /// V(R): the N(S) expected next.
    recv_seq: Seq,
    /// I frames received since the last N(R) sent.
    recv_unacked: u16,
    ack_due: bool,
    t2_deadline: Option<Instant>,
    t3_deadline: Option<Instant>,

    /// STARTDT or STOPDT act to transmit.
    act_out: Option<UFunction>,
    /// The STARTDT or STOPDT act awaiting its con, and its t1 deadline.
    act_awaiting: Option<(UFunction, Instant)>,
    testfr_out: bool,
    testfr_deadline: Option<Instant>,
    cons: Deque<UFunction, CON_CAP>,

    /// Reassembly of one APDU; after an I frame its ASDU stays here until polled.
    rx: [u8; MAX_APDU_LEN],
    rx_len: usize,
    rx_asdu_len: usize,
    asdu_queued: bool,
    events: Deque<EventKind, EVENT_CAP>,
}

#[derive(Clone, Debug)]
struct Slot {
    data: [u8; MAX_ASDU_LEN],
    len: usize,
    sent_at: Instant,
}

impl Slot {
    fn asdu(&self) -> &[u8] {
        self.data.get(..self.len).unwrap_or(&[])
    }
}

#[derive(Clone, Copy, Debug)]
enum EventKind {
    Asdu,
    Started,
    Stopped,
    Acknowledged(u16),
    TestConfirmed,
    Closed(CloseReason),
}

impl<const K: usize> Connection<K> {
    /// A connection just established over TCP at `now`, in the stopped state with both
    /// sequence numbers 0 (clause 5.5); t3 starts.
    ///
    /// # Errors
    /// [`ConfigError::WindowExceedsCapacity`] if `config.k()` exceeds `K`.
    pub fn new(config: ApciConfig, role: Role, now: Instant) -> Result<Self, ConfigError> {
        if usize::from(config.k()) > K {
            return Err(ConfigError::WindowExceedsCapacity {
                k: config.k(),
                capacity: K,
            });
        }
        Ok(Connection {
            config,
            role,
            now,
            state: DtState::Stopped,
            closed: None,
            window: Deque::new(),
            sent: 0,
            ack_base: Seq::ZERO,
            recv_seq: Seq::ZERO,
            recv_unacked: 0,
            ack_due: false,
            t2_deadline: None,
            t3_deadline: Some(now.saturating_add(config.t3())),
            act_out: None,
            act_awaiting: None,
            testfr_out: false,
            testfr_deadline: None,
            cons: Deque::new(),
            rx: [0; MAX_APDU_LEN],
            rx_len: 0,
            rx_asdu_len: 0,
            asdu_queued: false,
            events: Deque::new(),
        })
    }

    /// Feed octets received from TCP, in any chunking; returns how many were consumed.
    ///
    /// Consumption pauses after an I frame until its [`Event::Asdu`] is polled, and while
    /// events or confirmations pile up unpolled: drain [`poll_event`](Self::poll_event) and
    /// [`poll_transmit`](Self::poll_transmit), then call again with the rest. Protocol
    /// violations close the connection with an [`Event::Closed`]; the octets after them
    /// count as consumed.
    ///
    /// # Errors
    /// [`InputError::Closed`] if the connection was already closed.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, InputError> {
        if self.closed.is_some() {
            return Err(InputError::Closed);
        }
        let now = self.tick(now);
        let mut used = 0usize;
        while self.closed.is_none() {
            let frame = self.rx.get(..self.rx_len).unwrap_or(&[]);
            match Apdu::decode(frame) {
                Ok((apdu, _)) => {
                    let (apci, asdu_len) = (apdu.apci, apdu.asdu.len());
                    self.rx_len = 0;
                    self.on_frame(now, apci, asdu_len);
                }
                Err(FrameError::Incomplete { needed }) => {
                    if self.asdu_queued
                        || self.events.capacity().saturating_sub(self.events.len()) < EVENT_RESERVE
                        || self.cons.is_full()
                    {
                        break;
                    }
                    let rest = bytes.get(used..).unwrap_or(&[]);
                    let take = needed.min(rest.len());
                    let end = self.rx_len.saturating_add(take);
                    let (Some(dst), Some(src)) =
                        (self.rx.get_mut(self.rx_len..end), rest.get(..take))
                    else {
                        break;
                    };
                    if take == 0 {
                        break;
                    }
                    dst.copy_from_slice(src);
                    self.rx_len = end;
                    used = used.saturating_add(take);
                }
                Err(e) => {
                    self.rx_len = 0;
                    self.close_with(CloseReason::Malformed(e));
                }
            }
        }
        if self.closed.is_some() {
            used = bytes.len();
        }
        Ok(used)
    }

    /// Run the timers due at `now` (call at [`poll_timeout`](Self::poll_timeout) or later):
    /// t1 closes, t2 makes an S frame due, t3 sends TESTFR act.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed.is_some() {
            return;
        }
        let now = self.tick(now);
        if let Some(at) = self.t1_ack_deadline()
            && at.is_due(now)
        {
            self.close_with(CloseReason::AckTimeout {
                send_seq: self.ack_base,
            });
            return;
        }
        if let Some((function, at)) = self.act_awaiting
            && at.is_due(now)
        {
            self.close_with(CloseReason::ConTimeout { function });
            return;
        }
        if let Some(at) = self.testfr_deadline
            && at.is_due(now)
        {
            self.close_with(CloseReason::ConTimeout {
                function: UFunction::TestFrAct,
            });
            return;
        }
        if self.t2_deadline.is_some_and(|at| at.is_due(now)) {
            self.t2_deadline = None;
            self.ack_due = true;
        }
        if self.t3_deadline.is_some_and(|at| at.is_due(now)) {
            self.t3_deadline = None;
            if self.testfr_deadline.is_none() {
                self.testfr_out = true;
                self.testfr_deadline = Some(now.saturating_add(self.config.t1()));
            }
        }
    }

    /// Write the frames to send into `out`, as many whole frames as fit, and return the
    /// number of octets, or `None` if nothing is due. Give at least [`MAX_APDU_LEN`] octets
    /// so every frame fits; a frame that does not fit waits for the next call.
    ///
    /// Order: confirmations (an owed S frame goes before STOPDT con), TESTFR act,
    /// STARTDT/STOPDT act, I frames (each carrying the current N(R)), then an S frame if an
    /// acknowledgement is due and no I frame carried it.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        if self.closed.is_some() {
            return None;
        }
        let mut written = 0usize;
        while let Some(dst) = out.get_mut(written..) {
            let Some(n) = self.transmit_one(dst) else {
                break;
            };
            written = written.saturating_add(n);
        }
        (written > 0).then_some(written)
    }

    /// The next event, oldest first; `None` when there is none.
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        Some(match self.events.pop_front()? {
            EventKind::Asdu => {
                self.asdu_queued = false;
                let end = HEADER_LEN.saturating_add(self.rx_asdu_len);
                Event::Asdu(self.rx.get(HEADER_LEN..end).unwrap_or(&[]))
            }
            EventKind::Started => Event::Started,
            EventKind::Stopped => Event::Stopped,
            EventKind::Acknowledged(count) => Event::Acknowledged { count },
            EventKind::TestConfirmed => Event::TestConfirmed,
            EventKind::Closed(reason) => Event::Closed(reason),
        })
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed.is_some() {
            return None;
        }
        let t1 = earliest(
            self.t1_ack_deadline(),
            earliest(self.act_awaiting.map(|(_, at)| at), self.testfr_deadline),
        );
        earliest(t1, earliest(self.t2_deadline, self.t3_deadline))
    }

    /// Queue an ASDU for transmission in an I frame (clause 5.5). It counts against k from
    /// now until acknowledged.
    ///
    /// # Errors
    /// [`SendError`]: closed, not started, k frames outstanding, empty or over 249 octets.
    pub fn send_asdu(&mut self, now: Instant, asdu: &[u8]) -> Result<(), SendError> {
        if self.closed.is_some() {
            return Err(SendError::Closed);
        }
        if asdu.is_empty() {
            return Err(SendError::Empty);
        }
        if asdu.len() > MAX_ASDU_LEN {
            return Err(SendError::TooLong { len: asdu.len() });
        }
        if self.state != DtState::Started {
            return Err(SendError::NotStarted { state: self.state });
        }
        let k = self.config.k();
        if self.window.len() >= usize::from(k) {
            return Err(SendError::WindowFull { k });
        }
        let now = self.tick(now);
        let mut slot = Slot {
            data: [0; MAX_ASDU_LEN],
            len: asdu.len(),
            sent_at: now,
        };
        if let Some(dst) = slot.data.get_mut(..asdu.len()) {
            dst.copy_from_slice(asdu);
        }
        self.window
            .push_back(slot)
            .map_err(|_| SendError::WindowFull { k })
    }

    /// Controlling station: send STARTDT act (clause 5.3); [`Event::Started`] follows its con.
    ///
    /// # Errors
    /// [`CommandError`]: closed, controlled role, or not stopped.
    pub fn start_dt(&mut self, now: Instant) -> Result<(), CommandError> {
        self.startstop(now, DtState::Stopped, UFunction::StartDtAct)?;
        self.state = DtState::StartPending;
        Ok(())
    }

    /// Controlling station: send STOPDT act (clause 5.3); no new I frames are sent, received
    /// ones are acknowledged at once, and [`Event::Stopped`] follows the con.
    ///
    /// # Errors
    /// [`CommandError`]: closed, controlled role, or not started.
    pub fn stop_dt(&mut self, now: Instant) -> Result<(), CommandError> {
        self.startstop(now, DtState::Started, UFunction::StopDtAct)?;
        self.state = DtState::StopPending;
        self.ack_due = self.recv_unacked > 0;
        Ok(())
    }

    /// Send TESTFR act (clause 5.2), supervised by t1; [`Event::TestConfirmed`] follows.
    ///
    /// # Errors
    /// [`CommandError`]: closed, or a TESTFR act already awaits its con.
    pub fn test_frame(&mut self, now: Instant) -> Result<(), CommandError> {
        if self.closed.is_some() {
            return Err(CommandError::Closed);
        }
        if self.testfr_deadline.is_some() {
            return Err(CommandError::Pending {
                function: UFunction::TestFrAct,
            });
        }
        let now = self.tick(now);
        self.testfr_out = true;
        self.testfr_deadline = Some(now.saturating_add(self.config.t1()));
        Ok(())
    }

    /// Close the connection ([`CloseReason::Local`]): nothing more is sent; the driver closes
    /// TCP. Does nothing if already closed.
    pub fn close(&mut self) {
        if self.closed.is_none() {
            self.close_with(CloseReason::Local);
        }
    }

    /// The ASDUs accepted by [`send_asdu`](Self::send_asdu) and not acknowledged by the peer
    /// (sent or still queued), oldest first: after a close, what an upper layer may resend on
    /// the next connection.
    pub fn unacknowledged(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.window.iter().map(Slot::asdu)
    }

    /// ASDUs accepted and not acknowledged (never more than k).
    #[must_use]
    pub fn outstanding(&self) -> usize {
        self.window.len()
    }

    /// I frames transmitted and not acknowledged.
    #[must_use]
    pub fn in_flight(&self) -> u16 {
        self.sent
    }

    /// V(S): the N(S) of the next I frame to transmit.
    #[must_use]
    pub fn send_seq(&self) -> Seq {
        self.ack_base.wrapping_add(self.sent)
    }

    /// V(R): the N(S) expected in the next received I frame.
    #[must_use]
    pub fn recv_seq(&self) -> Seq {
        self.recv_seq
    }

    /// The data-transfer state.
    #[must_use]
    pub fn state(&self) -> DtState {
        self.state
    }

    /// This connection's role.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// The parameters in force.
    #[must_use]
    pub fn config(&self) -> &ApciConfig {
        &self.config
    }

    /// Why the connection closed, once it has.
    #[must_use]
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.closed
    }

    /// True once closed.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    /// Record `now`; returns the time to use: `now`, or the latest earlier time if `now`
    /// went backwards.
    fn tick(&mut self, now: Instant) -> Instant {
        self.now = self.now.max(now);
        self.now
    }

    fn t1_ack_deadline(&self) -> Option<Instant> {
        if self.sent == 0 {
            return None;
        }
        self.window
            .front()
            .map(|s| s.sent_at.saturating_add(self.config.t1()))
    }

    fn startstop(
        &mut self,
        now: Instant,
        required: DtState,
        act: UFunction,
    ) -> Result<(), CommandError> {
        if self.closed.is_some() {
            return Err(CommandError::Closed);
        }
        if self.role != Role::Controlling {
            return Err(CommandError::WrongRole { role: self.role });
        }
        if self.state != required {
            return Err(CommandError::InvalidState { state: self.state });
        }
        let now = self.tick(now);
        self.act_out = Some(act);
        self.act_awaiting = Some((act, now.saturating_add(self.config.t1())));
        Ok(())
    }

    fn close_with(&mut self, reason: CloseReason) {
        self.closed = Some(reason);
        self.act_out = None;
        self.act_awaiting = None;
        self.testfr_out = false;
        self.testfr_deadline = None;
        self.t2_deadline = None;
        self.t3_deadline = None;
        self.ack_due = false;
        self.cons.clear();
        self.push_event(EventKind::Closed(reason));
    }

    fn push_event(&mut self, kind: EventKind) {
        if matches!(kind, EventKind::Asdu) {
            self.asdu_queued = true;
        }
        // Cannot fail: input pauses while fewer than EVENT_RESERVE slots are free, a frame
        // queues at most three events, and only one Closed is ever queued.
        let pushed = self.events.push_back(kind);
        debug_assert!(pushed.is_ok(), "event queue overflow");
    }

    fn push_con(&mut self, function: UFunction) {
        // Cannot fail: input pauses while the queue is full and a frame queues at most one.
        let pushed = self.cons.push_back(function);
        debug_assert!(pushed.is_ok(), "confirmation queue overflow");
    }

    fn transmit_one(&mut self, dst: &mut [u8]) -> Option<usize> {
        let ack_owed = self.ack_due && self.recv_unacked > 0;
        if ack_owed && self.cons.front() == Some(&UFunction::StopDtCon) {
            // Every received I frame is acknowledged before data transfer stops.
            let n = Apdu::s(self.recv_seq).encode(dst).ok()?;
            self.acknowledged_all();
            return Some(n);
        }
        if let Some(&f) = self.cons.front() {
            let n = Apdu::u(f).encode(dst).ok()?;
            self.cons.pop_front();
            return Some(n);
        }
        if self.testfr_out {
            let n = Apdu::u(UFunction::TestFrAct).encode(dst).ok()?;
            self.testfr_out = false;
            return Some(n);
        }
        if let Some(act) = self.act_out {
            let n = Apdu::u(act).encode(dst).ok()?;
            self.act_out = None;
            return Some(n);
        }
        if self.state == DtState::Started && usize::from(self.sent) < self.window.len() {
            let send_seq = self.send_seq();
            let recv_seq = self.recv_seq;
            let now = self.now;
            let slot = self.window.iter_mut().nth(usize::from(self.sent))?;
            let n = Apdu::i(send_seq, recv_seq, slot.asdu()).encode(dst).ok()?;
            slot.sent_at = now;
            self.sent = self.sent.saturating_add(1);
            self.acknowledged_all();
            return Some(n);
        }
        if ack_owed {
            let n = Apdu::s(self.recv_seq).encode(dst).ok()?;
            self.acknowledged_all();
            return Some(n);
        }
        self.ack_due = false;
        None
    }

    /// An N(R) equal to V(R) went out.
    fn acknowledged_all(&mut self) {
        self.recv_unacked = 0;
        self.ack_due = false;
        self.t2_deadline = None;
    }
}
