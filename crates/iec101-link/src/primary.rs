//! Unbalanced transmission, primary (controlling) station: IEC 60870-5-2 clause 5.1 and
//! IEC 60870-5-101 clause 7.2, polling many secondaries on one half-duplex line.
//!
//! The built-in scheduler walks the secondaries round-robin, one request at a time (never two
//! outstanding on the line):
//!
//! - a secondary whose link is down gets *request status of link* (9), then *reset of remote
//!   link* (0); the ACK brings its link up ([`PrimaryEvent::LinkUp`]);
//! - a secondary whose link is up gets *request class 2* (11), or *request class 1* (10)
//!   while its last response had ACD set (up to `class1_burst` in a row before moving on);
//! - queued user data goes out as SEND/CONFIRM (3) to a secondary whose link is up and whose
//!   last response did not set DFC, alternating with polls so polling never starves;
//!   broadcast user data goes out as SEND/NO REPLY (4) to the all-ones address;
//! - a request without a valid reply is repeated (same FCB) up to `retries` times after
//!   `response_timeout`; then the secondary is declared failed and retried only after a
//!   back-off doubling from `backoff_min` to `backoff_max`, so a dead secondary costs the
//!   healthy ones one timeout sequence per back-off period, not one per cycle.

use core::time::Duration;

use heapless::{Deque, Vec};
use telecontrol_core::Instant;

use crate::config::{AsduBuf, ConfigError, LinkError, LinkStats, RxBuf, TxBuf, asdu_buf, count};
use crate::control::{ControlField, PrimaryFunction, SecondaryFunction};
use crate::decoder::{Decoded, FrameDecoder};
use crate::frame::{Frame, FrameError};
use crate::primary_types::{DataClass, PrimaryConfig, PrimaryEvent, SecondaryInfo};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Down,
    StatusOk,
    Up,
}

#[derive(Clone, Copy, Debug)]
struct Station {
    address: u16,
    phase: Phase,
    next_fcb: bool,
    acd: bool,
    dfc: bool,
    retry_at: Instant,
    backoff: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Request {
    Status,
    Reset,
    UserData,
    Class(DataClass),
}

#[derive(Clone, Copy, Debug)]
enum Line {
    Idle,
    Waiting {
        station: usize,
        request: Request,
        deadline: Instant,
        retries_left: u8,
    },
}

#[derive(Clone, Copy, Debug)]
enum Raw {
    LinkUp(u16),
    LinkDown(u16),
    NoResponse(u16),
    UserData(u16, DataClass),
    Confirmed(u16),
    Refused(u16),
    BroadcastSent,
    Unavailable(u16, SecondaryFunction),
    Discarded(usize, FrameError),
}

/// An unbalanced primary polling up to `N` secondaries, with a shared queue of `Q` ASDUs to
/// send.
#[derive(Clone, Debug)]
pub struct Primary<const N: usize, const Q: usize> {
    cfg: PrimaryConfig,
    decoder: FrameDecoder,
    stations: Vec<Station, N>,
    queue: Vec<(u16, AsduBuf), Q>,
    line: Line,
    last_pick: Option<usize>,
    stay: bool,
    burst: u8,
    last_was_user_data: bool,
    last_now: Instant,
    tx: TxBuf,
    request: TxBuf,
    rx: RxBuf,
    events: Deque<Raw, 8>,
    stats: LinkStats,
}

impl<const N: usize, const Q: usize> Primary<N, Q> {
    /// A primary with no secondaries yet.
    ///
    /// # Errors
    /// [`ConfigError`] if the link parameters are invalid, the address field is empty,
    /// `backoff_min` is zero or above `backoff_max`, or `class1_burst` is 0.
    pub fn new(cfg: PrimaryConfig) -> Result<Self, ConfigError> {
        cfg.link.validate()?;
        cfg.link.check_unbalanced_address(0)?;
        if cfg.backoff_min.is_zero() || cfg.backoff_min > cfg.backoff_max {
            return Err(ConfigError::Timing {
                field: "backoff_min",
            });
        }
        if cfg.class1_burst == 0 {
            return Err(ConfigError::Timing {
                field: "class1_burst",
            });
        }
        Ok(Primary {
            decoder: FrameDecoder::new(cfg.link.address_size, cfg.link.idle_timeout),
            cfg,
            stations: Vec::new(),
            queue: Vec::new(),
            line: Line::Idle,
            last_pick: None,
            stay: false,
            burst: 0,
            last_was_user_data: false,
            last_now: Instant::ZERO,
            tx: TxBuf::new(),
            request: TxBuf::new(),
            rx: RxBuf::new(),
            events: Deque::new(),
            stats: LinkStats::default(),
        })
    }

    /// Add a secondary to the poll cycle; its link start-up begins at once.
    ///
    /// # Errors
    /// [`LinkError::InvalidAddress`] for the broadcast address, an address that does not fit
    /// or one already added; [`LinkError::CapacityExceeded`] when `N` are configured.
    pub fn add_secondary(&mut self, address: u16) -> Result<(), LinkError> {
        if self.cfg.link.check_unbalanced_address(address).is_err()
            || self.index_of(address).is_some()
        {
            return Err(LinkError::InvalidAddress { address });
        }
        self.stations
            .push(Station {
                address,
                phase: Phase::Down,
                next_fcb: false,
                acd: false,
                dfc: false,
                retry_at: Instant::ZERO,
                backoff: self.cfg.backoff_min,
            })
            .map_err(|_| LinkError::CapacityExceeded)?;
        self.schedule(self.last_now);
        Ok(())
    }

    /// Queue an ASDU for a secondary (SEND/CONFIRM, sent once its link is up and DFC clear).
    ///
    /// # Errors
    /// [`LinkError::UnknownSecondary`], [`LinkError::TooLong`] or [`LinkError::QueueFull`]
    /// (the ASDU is not queued).
    pub fn send_user_data(&mut self, address: u16, asdu: &[u8]) -> Result<(), LinkError> {
        if self.index_of(address).is_none() {
            return Err(LinkError::UnknownSecondary { address });
        }
        self.enqueue(address, asdu)
    }

    /// Queue an ASDU for every secondary: SEND/NO REPLY to the broadcast address.
    ///
    /// # Errors
    /// [`LinkError::TooLong`] or [`LinkError::QueueFull`].
    pub fn send_broadcast(&mut self, asdu: &[u8]) -> Result<(), LinkError> {
        self.enqueue(self.cfg.link.address_size.max_address(), asdu)
    }

    fn enqueue(&mut self, address: u16, asdu: &[u8]) -> Result<(), LinkError> {
        let item = asdu_buf(asdu, &self.cfg.link)?;
        if self.queue.push((address, item)).is_err() {
            self.stats.queue_overflows = self.stats.queue_overflows.saturating_add(1);
            return Err(LinkError::QueueFull);
        }
        self.schedule(self.last_now);
        Ok(())
    }

    /// The link state of a secondary.
    #[must_use]
    pub fn secondary(&self, address: u16) -> Option<SecondaryInfo> {
        let s = self.stations.get(self.index_of(address)?)?;
        Some(SecondaryInfo {
            address,
            link_up: s.phase == Phase::Up,
            acd: s.acd,
            dfc: s.dfc,
        })
    }

    /// ASDUs waiting in the send queue.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Counters.
    #[must_use]
    pub const fn stats(&self) -> &LinkStats {
        &self.stats
    }

    fn index_of(&self, address: u16) -> Option<usize> {
        self.stations.iter().position(|s| s.address == address)
    }

    fn push(&mut self, ev: Raw) {
        if self.events.is_full() {
            self.events.pop_front();
            self.stats.events_dropped = self.stats.events_dropped.saturating_add(1);
        }
        let _ = self.events.push_back(ev);
    }

    /// Feed received octets. Returns how many were consumed; processing pauses (returns
    /// early, possibly 0) while received user data waits in [`poll_event`](Self::poll_event).
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.last_now = self.last_now.max(now);
        let mut consumed = 0usize;
        loop {
            if self.events.iter().any(|e| matches!(e, Raw::UserData(..))) {
                break;
            }
            let rest = bytes.get(consumed..).unwrap_or(&[]);
            let (n, decoded) = self.decoder.handle_input(now, rest);
            consumed = consumed.saturating_add(n);
            match decoded {
                None if n == 0 => break,
                None => {}
                Some(Decoded::Discarded { octets, reason }) => {
                    self.stats.octets_discarded =
                        self.stats.octets_discarded.saturating_add(count(octets));
                    self.push(Raw::Discarded(octets, reason));
                }
                Some(Decoded::Frame(frame)) => {
                    self.stats.frames_received = self.stats.frames_received.saturating_add(1);
                    let reply = match frame {
                        Frame::SingleAck => Some((None, None, false)),
                        Frame::Fixed { control, address } => {
                            Some((Some(control), Some(address), false))
                        }
                        Frame::Variable {
                            control,
                            address,
                            data,
                        } => {
                            self.rx.store(data);
                            Some((Some(control), Some(address), true))
                        }
                    };
                    if let Some((control, address, variable)) = reply {
                        self.on_reply(now, control, address, variable);
                    }
                }
            }
        }
        self.schedule(now);
        consumed
    }

    fn ignored(&mut self) {
        self.stats.frames_ignored = self.stats.frames_ignored.saturating_add(1);
    }

    fn on_reply(
        &mut self,
        now: Instant,
        control: Option<u8>,
        address: Option<u16>,
        variable: bool,
    ) {
        let Line::Waiting {
            station, request, ..
        } = self.line
        else {
            return self.ignored();
        };
        if !self.tx.is_empty() {
            // The request has not left yet: this cannot be its answer.
            return self.ignored();
        }
        let Some(st) = self.stations.get(station).copied() else {
            return self.ignored();
        };
        if address.is_some_and(|a| a != st.address) {
            return self.ignored();
        }
        // (function, acd, dfc); the single character means ACK / no data with ACD = DFC = 0.
        let (function, acd, dfc) = match control.map(ControlField::decode) {
            None => (None, false, false),
            Some(Ok(ControlField::Secondary {
                function, acd, dfc, ..
            })) => (Some(function), acd, dfc),
            // An echo of a request, or an undefined code: not an answer.
            Some(_) => return self.ignored(),
        };
        let addr = st.address;
        if variable && function != Some(SecondaryFunction::UserData) {
            return self.ignored();
        }
        let ok = match (request, function) {
            (
                _,
                Some(f @ (SecondaryFunction::NotFunctioning | SecondaryFunction::NotImplemented)),
            ) => {
                self.push(Raw::Unavailable(addr, f));
                let starting = matches!(request, Request::Status | Request::Reset);
                if starting || f == SecondaryFunction::NotFunctioning {
                    // The secondary lost its link state (restart at once) or refuses the
                    // start-up (retry after the back-off).
                    self.line = Line::Idle;
                    let delay = if starting { st.backoff } else { Duration::ZERO };
                    self.set_phase_down(station, now, st.phase == Phase::Up, delay);
                    return;
                }
                if request == Request::UserData
                    && let Some(i) = self.queue.iter().position(|(a, _)| *a == addr)
                {
                    self.queue.remove(i);
                    self.push(Raw::Refused(addr));
                }
                true
            }
            (Request::Status, Some(SecondaryFunction::LinkStatus)) => {
                self.update(station, |s| s.phase = Phase::StatusOk);
                self.stay = true;
                true
            }
            (Request::Reset, None | Some(SecondaryFunction::Ack)) => {
                let backoff = self.cfg.backoff_min;
                self.update(station, |s| {
                    s.phase = Phase::Up;
                    s.next_fcb = true;
                    s.backoff = backoff;
                });
                self.push(Raw::LinkUp(addr));
                true
            }
            (Request::UserData, None | Some(SecondaryFunction::Ack)) => {
                if let Some(i) = self.queue.iter().position(|(a, _)| *a == addr) {
                    self.queue.remove(i);
                }
                self.push(Raw::Confirmed(addr));
                true
            }
            (Request::UserData, Some(SecondaryFunction::Nack)) => {
                self.push(Raw::Refused(addr));
                true
            }
            (Request::Class(class), Some(SecondaryFunction::UserData)) if variable => {
                self.push(Raw::UserData(addr, class));
                true
            }
            (Request::Class(_), None | Some(SecondaryFunction::NackNoData)) => true,
            _ => false,
        };
        if !ok {
            return self.ignored();
        }
        let uses_fcb = matches!(request, Request::UserData | Request::Class(_));
        self.update(station, |s| {
            s.acd = acd;
            s.dfc = dfc;
            if uses_fcb {
                s.next_fcb = !s.next_fcb;
            }
        });
        if acd && st.phase == Phase::Up && self.burst < self.cfg.class1_burst {
            self.stay = true;
        }
        self.line = Line::Idle;
    }

    fn update(&mut self, station: usize, f: impl FnOnce(&mut Station)) {
        if let Some(s) = self.stations.get_mut(station) {
            f(s);
        }
    }

    fn set_phase_down(&mut self, station: usize, now: Instant, was_up: bool, delay: Duration) {
        let max = self.cfg.backoff_max;
        let mut address = 0;
        self.update(station, |s| {
            s.phase = Phase::Down;
            s.acd = false;
            s.dfc = false;
            s.retry_at = now.saturating_add(delay);
            if !delay.is_zero() {
                s.backoff = s.backoff.saturating_mul(2).min(max);
            }
            address = s.address;
        });
        if was_up {
            self.push(Raw::LinkDown(address));
        }
        self.stay = false;
    }

    /// Let timers expire at `now`: repeat an unanswered request, declare a secondary failed
    /// after the retries, start the next request.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.last_now = self.last_now.max(now);
        if let Some(Decoded::Discarded { octets, reason }) = self.decoder.handle_timeout(now) {
            self.stats.octets_discarded = self.stats.octets_discarded.saturating_add(count(octets));
            self.push(Raw::Discarded(octets, reason));
        }
        if let Line::Waiting {
            station,
            request,
            deadline,
            retries_left,
        } = self.line
            && deadline <= now
        {
            if retries_left > 0 {
                self.tx.copy_from(&self.request);
                self.stats.retransmissions = self.stats.retransmissions.saturating_add(1);
                self.line = Line::Waiting {
                    station,
                    request,
                    deadline: now.saturating_add(self.cfg.link.response_timeout),
                    retries_left: retries_left.saturating_sub(1),
                };
            } else {
                self.stats.link_failures = self.stats.link_failures.saturating_add(1);
                self.line = Line::Idle;
                // A request the driver never drained must not leave after its failure.
                self.tx.clear();
                let Some(st) = self.stations.get(station).copied() else {
                    return;
                };
                self.push(Raw::NoResponse(st.address));
                self.set_phase_down(station, now, st.phase == Phase::Up, st.backoff);
            }
        }
        self.schedule(now);
    }

    /// The next request to put on the line; copied into `out`, returns its length. A frame
    /// that does not fit `out` stays queued (give at least [`crate::MAX_FRAME_LEN`] octets).
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        let n = self.tx.take(out)?;
        self.stats.frames_sent = self.stats.frames_sent.saturating_add(1);
        self.schedule(self.last_now);
        Some(n)
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<PrimaryEvent<'_>> {
        Some(match self.events.pop_front()? {
            Raw::LinkUp(address) => PrimaryEvent::LinkUp { address },
            Raw::LinkDown(address) => PrimaryEvent::LinkDown { address },
            Raw::NoResponse(address) => PrimaryEvent::NoResponse { address },
            Raw::UserData(address, class) => PrimaryEvent::UserData {
                address,
                class,
                asdu: self.rx.bytes(),
            },
            Raw::Confirmed(address) => PrimaryEvent::UserDataConfirmed { address },
            Raw::Refused(address) => PrimaryEvent::UserDataRefused { address },
            Raw::BroadcastSent => PrimaryEvent::BroadcastSent,
            Raw::Unavailable(address, function) => {
                PrimaryEvent::ServiceUnavailable { address, function }
            }
            Raw::Discarded(octets, reason) => PrimaryEvent::Discarded { octets, reason },
        })
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called: the response deadline
    /// while a request is outstanding; otherwise the moment the next secondary becomes due
    /// (which may be now) — `None` while a frame waits in `poll_transmit` or nothing is due.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let line = match self.line {
            Line::Waiting { deadline, .. } => Some(deadline),
            Line::Idle if !self.tx.is_empty() => None,
            Line::Idle => self
                .stations
                .iter()
                .map(|s| match s.phase {
                    Phase::Up | Phase::StatusOk => self.last_now,
                    Phase::Down => s.retry_at.max(self.last_now),
                })
                .min(),
        };
        telecontrol_core::earliest(line, self.decoder.poll_timeout())
    }

    fn eligible(&self, s: &Station, now: Instant) -> bool {
        s.phase != Phase::Down || s.retry_at <= now
    }

    /// Put the next request in `tx` if the line is free.
    fn schedule(&mut self, now: Instant) {
        if !matches!(self.line, Line::Idle) || !self.tx.is_empty() {
            return;
        }
        let a = self.cfg.link.address_size;
        let broadcast = a.max_address();
        if let Some(i) = self.queue.iter().position(|(addr, _)| *addr == broadcast) {
            let (_, asdu) = self.queue.remove(i);
            let control =
                ControlField::primary(PrimaryFunction::UserDataNoReply, false, false, false);
            self.tx.set(
                &Frame::Variable {
                    control: control.encode(),
                    address: broadcast,
                    data: &asdu,
                },
                a,
            );
            self.push(Raw::BroadcastSent);
            return;
        }
        // Queued user data for a ready secondary goes first, alternating with polls.
        if !self.last_was_user_data && !self.stay {
            let ready = self.queue.iter().find_map(|(addr, _)| {
                let i = self.index_of(*addr)?;
                let s = self.stations.get(i)?;
                (s.phase == Phase::Up && !s.dfc).then_some(i)
            });
            if let Some(i) = ready {
                self.last_was_user_data = true;
                return self.send_request(i, Request::UserData, now);
            }
        }
        self.last_was_user_data = false;
        let n = self.stations.len();
        let start = match (self.stay, self.last_pick) {
            (true, Some(i)) => i,
            (_, Some(i)) => i.saturating_add(1),
            (_, None) => 0,
        };
        if !self.stay {
            self.burst = 0;
        }
        self.stay = false;
        let pick = (0..n)
            .filter_map(|k| start.wrapping_add(k).checked_rem(n))
            .find(|&i| self.stations.get(i).is_some_and(|s| self.eligible(s, now)));
        let Some(i) = pick else { return };
        let Some(s) = self.stations.get(i).copied() else {
            return;
        };
        self.last_pick = Some(i);
        let request = match s.phase {
            Phase::Down => Request::Status,
            Phase::StatusOk => Request::Reset,
            Phase::Up if s.acd => Request::Class(DataClass::Class1),
            Phase::Up => Request::Class(DataClass::Class2),
        };
        if request == Request::Class(DataClass::Class1) {
            self.burst = self.burst.saturating_add(1);
        }
        self.send_request(i, request, now);
    }

    fn send_request(&mut self, i: usize, request: Request, now: Instant) {
        let Some(s) = self.stations.get(i).copied() else {
            return;
        };
        let a = self.cfg.link.address_size;
        let function = match request {
            Request::Status => PrimaryFunction::RequestLinkStatus,
            Request::Reset => PrimaryFunction::ResetRemoteLink,
            Request::UserData => PrimaryFunction::UserDataConfirmed,
            Request::Class(DataClass::Class1) => PrimaryFunction::RequestClass1,
            Request::Class(DataClass::Class2) => PrimaryFunction::RequestClass2,
        };
        let fcv = function.uses_fcb();
        let control = ControlField::primary(function, fcv && s.next_fcb, fcv, false).encode();
        if request == Request::UserData {
            let Some((_, asdu)) = self.queue.iter().find(|(addr, _)| *addr == s.address) else {
                return;
            };
            self.request.set(
                &Frame::Variable {
                    control,
                    address: s.address,
                    data: asdu,
                },
                a,
            );
        } else {
            self.request.set(
                &Frame::Fixed {
                    control,
                    address: s.address,
                },
                a,
            );
        }
        self.tx.copy_from(&self.request);
        self.line = Line::Waiting {
            station: i,
            request,
            deadline: now.saturating_add(self.cfg.link.response_timeout),
            retries_left: self.cfg.link.retries,
        };
    }
}
