//! Balanced transmission: IEC 60870-5-2 clause 5.2 and IEC 60870-5-101 clause 7.2
//! (point-to-point, each station both primary and secondary).
//!
//! The primary half starts the link (request status of link 9 → status 11, reset of remote
//! link 0 → ACK), then sends queued user data as SEND/CONFIRM (3) with alternating FCB, and
//! the test function (2) when the link has been quiet for `test_interval`. A request without
//! an answer is repeated (same FCB) `retries` times after `response_timeout`; then the link is
//! declared failed and restarted after `restart_delay`. The secondary half answers the
//! remote primary, delivers its user data once (a repeated frame is answered with the stored
//! response) and sets DFC while the application says it is busy.
//!
//! DIR (bit 7) is set in every frame this station sends when [`BalancedConfig::dir`] is true
//! (station A, the controlling station, by convention); frames arriving with this station's
//! own DIR are echoes and ignored. Requests carry the remote station's address and answers
//! this station's own address, so a frame is accepted as a request when it carries
//! `local_address` and as an answer when it carries `remote_address`.

use core::time::Duration;

use heapless::Deque;
use telecontrol_core::{Instant, earliest};

use crate::config::{
    AsduBuf, ConfigError, LinkConfig, LinkError, LinkStats, RxBuf, TxBuf, asdu_buf, count,
};
use crate::control::{ControlField, PrimaryFunction, SecondaryFunction};
use crate::decoder::{Decoded, FrameDecoder};
use crate::frame::{Frame, FrameError};

/// Configuration of a balanced station.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BalancedConfig {
    /// Link parameters (any address size, 0 octets allowed).
    pub link: LinkConfig,
    /// The DIR bit this station sends (true for station A).
    pub dir: bool,
    /// This station's link address (expected in requests, sent in answers).
    pub local_address: u16,
    /// The remote station's link address (sent in requests, expected in answers).
    pub remote_address: u16,
    /// Wait after a link failure before the start-up is tried again.
    pub restart_delay: Duration,
    /// Send the test function after this long without a confirmed exchange (`None`: never).
    pub test_interval: Option<Duration>,
}

/// What the application of a balanced station must know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BalancedEvent<'a> {
    /// Our direction is up: the remote acknowledged our reset of its link.
    LinkUp,
    /// Our direction failed after the retries; it restarts after `restart_delay`.
    LinkDown,
    /// A start-up attempt got no answer.
    NoResponse,
    /// The remote station reset our link (its direction starts).
    RemoteReset,
    /// The remote station requested a reset of the user process.
    UserProcessReset,
    /// User data (an ASDU) from the remote station, delivered once.
    UserData {
        /// The ASDU.
        asdu: &'a [u8],
    },
    /// Our SEND/CONFIRM user data was acknowledged.
    UserDataConfirmed,
    /// Our user data was refused (NACK, busy); it stays queued until DFC clears.
    UserDataRefused,
    /// A repeated request was answered with the stored response.
    RepeatAnswered {
        /// The repeated function.
        function: PrimaryFunction,
    },
    /// The remote answered "link service not functioning / not implemented".
    ServiceUnavailable {
        /// Function 14 or 15.
        function: SecondaryFunction,
    },
    /// Octets dropped by the frame decoder.
    Discarded {
        /// How many.
        octets: usize,
        /// Why.
        reason: FrameError,
    },
}

#[derive(Clone, Copy, Debug)]
enum Raw {
    LinkUp,
    LinkDown,
    NoResponse,
    RemoteReset,
    UserProcessReset,
    UserData,
    Confirmed,
    Refused,
    Repeat(PrimaryFunction),
    Unavailable(SecondaryFunction),
    Discarded(usize, FrameError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Down,
    StatusOk,
    Up,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Request {
    Status,
    Reset,
    UserData,
    Test,
}

#[derive(Clone, Copy, Debug)]
struct Outstanding {
    request: Request,
    deadline: Instant,
    retries_left: u8,
}

/// A balanced station with a send queue of `Q` ASDUs.
#[derive(Clone, Debug)]
pub struct Balanced<const Q: usize> {
    cfg: BalancedConfig,
    decoder: FrameDecoder,
    // primary half
    phase: Phase,
    next_fcb: bool,
    remote_dfc: bool,
    outstanding: Option<Outstanding>,
    next_at: Instant,
    last_exchange: Instant,
    test_requested: bool,
    queue: Deque<AsduBuf, Q>,
    request: TxBuf,
    req_tx: TxBuf,
    // secondary half
    remote_reset: bool,
    last_fcb: bool,
    has_last: bool,
    last: TxBuf,
    resp_tx: TxBuf,
    busy: bool,
    // shared
    last_now: Instant,
    rx: RxBuf,
    events: Deque<Raw, 8>,
    stats: LinkStats,
}

impl<const Q: usize> Balanced<Q> {
    /// A balanced station; its link start-up begins at the first call with a time.
    ///
    /// # Errors
    /// [`ConfigError`] if the link parameters are invalid, an address does not fit the
    /// address field, or `test_interval` is zero.
    pub fn new(cfg: BalancedConfig) -> Result<Self, ConfigError> {
        cfg.link.validate()?;
        let max = cfg.link.address_size.max_address();
        for value in [cfg.local_address, cfg.remote_address] {
            if value > max {
                return Err(ConfigError::Address { value, max });
            }
        }
        if cfg.test_interval.is_some_and(|d| d.is_zero()) {
            return Err(ConfigError::Timing {
                field: "test_interval",
            });
        }
        Ok(Balanced {
            decoder: FrameDecoder::new(cfg.link.address_size, cfg.link.idle_timeout),
            cfg,
            phase: Phase::Down,
            next_fcb: false,
            remote_dfc: false,
            outstanding: None,
            next_at: Instant::ZERO,
            last_exchange: Instant::ZERO,
            test_requested: false,
            queue: Deque::new(),
            request: TxBuf::new(),
            req_tx: TxBuf::new(),
            remote_reset: false,
            last_fcb: false,
            has_last: false,
            last: TxBuf::new(),
            resp_tx: TxBuf::new(),
            busy: false,
            last_now: Instant::ZERO,
            rx: RxBuf::new(),
            events: Deque::new(),
            stats: LinkStats::default(),
        })
    }

    /// Queue an ASDU for the remote station (SEND/CONFIRM once the link is up).
    ///
    /// # Errors
    /// [`LinkError::TooLong`] or [`LinkError::QueueFull`] (the ASDU is not queued).
    pub fn send_user_data(&mut self, asdu: &[u8]) -> Result<(), LinkError> {
        let item = asdu_buf(asdu, &self.cfg.link)?;
        if self.queue.push_back(item).is_err() {
            self.stats.queue_overflows = self.stats.queue_overflows.saturating_add(1);
            return Err(LinkError::QueueFull);
        }
        self.schedule(self.last_now);
        Ok(())
    }

    /// Send the test function for link as soon as the line is free (link up only).
    pub fn send_test(&mut self) {
        self.test_requested = true;
        self.schedule(self.last_now);
    }

    /// Set data flow control: while busy, DFC is set in answers and user data is refused.
    pub fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
    }

    /// True when our direction is up (the remote acknowledged our reset).
    #[must_use]
    pub fn is_link_up(&self) -> bool {
        self.phase == Phase::Up
    }

    /// True once the remote station has reset our link.
    #[must_use]
    pub const fn is_remote_reset(&self) -> bool {
        self.remote_reset
    }

    /// ASDUs waiting to be sent.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Counters.
    #[must_use]
    pub const fn stats(&self) -> &LinkStats {
        &self.stats
    }

    fn push(&mut self, ev: Raw) {
        if self.events.is_full() {
            self.events.pop_front();
            self.stats.events_dropped = self.stats.events_dropped.saturating_add(1);
        }
        let _ = self.events.push_back(ev);
    }

    fn ignored(&mut self) {
        self.stats.frames_ignored = self.stats.frames_ignored.saturating_add(1);
    }

    /// Feed received octets; returns how many were consumed. Processing pauses (returns
    /// early, possibly 0) while an answer waits in [`poll_transmit`](Self::poll_transmit) or
    /// user data waits in [`poll_event`](Self::poll_event).
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        self.last_now = self.last_now.max(now);
        let mut consumed = 0usize;
        loop {
            if !self.resp_tx.is_empty() || self.events.iter().any(|e| matches!(e, Raw::UserData)) {
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
                    let (control, address, variable) = match frame {
                        Frame::SingleAck => (None, None, false),
                        Frame::Fixed { control, address } => (Some(control), Some(address), false),
                        Frame::Variable {
                            control,
                            address,
                            data,
                        } => {
                            self.rx.store(data);
                            (Some(control), Some(address), true)
                        }
                    };
                    match control.map(ControlField::decode) {
                        None => self.on_answer(now, None, false),
                        Some(Ok(ControlField::Primary {
                            dir,
                            fcb,
                            fcv,
                            function,
                        })) if dir != self.cfg.dir && address == Some(self.cfg.local_address) => {
                            self.on_request(fcb, fcv, function, variable);
                        }
                        Some(Ok(ControlField::Secondary {
                            dir, dfc, function, ..
                        })) if dir != self.cfg.dir
                            && address == Some(self.cfg.remote_address)
                            && !variable =>
                        {
                            self.on_answer(now, Some(function), dfc);
                        }
                        Some(Err(e)) if e.primary && address == Some(self.cfg.local_address) => {
                            self.respond(SecondaryFunction::NotImplemented);
                        }
                        _ => self.ignored(),
                    }
                }
            }
        }
        self.schedule(now);
        consumed
    }

    fn respond(&mut self, function: SecondaryFunction) {
        let a = self.cfg.link.address_size;
        let single =
            function == SecondaryFunction::Ack && self.cfg.link.single_char_ack && !self.busy;
        if single {
            self.resp_tx.set(&Frame::SingleAck, a);
        } else {
            let control =
                ControlField::secondary(function, false, self.busy, self.cfg.dir).encode();
            self.resp_tx.set(
                &Frame::Fixed {
                    control,
                    address: self.cfg.local_address,
                },
                a,
            );
        }
    }

    fn on_request(&mut self, fcb: bool, fcv: bool, function: PrimaryFunction, variable: bool) {
        let needs_data = matches!(
            function,
            PrimaryFunction::UserDataConfirmed | PrimaryFunction::UserDataNoReply
        );
        if needs_data != variable {
            return self.ignored();
        }
        match function {
            PrimaryFunction::ResetRemoteLink => {
                self.remote_reset = true;
                self.last_fcb = false;
                self.has_last = false;
                self.push(Raw::RemoteReset);
                self.respond(SecondaryFunction::Ack);
            }
            PrimaryFunction::RequestLinkStatus => self.respond(SecondaryFunction::LinkStatus),
            PrimaryFunction::RequestAccessDemand
            | PrimaryFunction::RequestClass1
            | PrimaryFunction::RequestClass2 => self.respond(SecondaryFunction::NotImplemented),
            PrimaryFunction::UserDataNoReply if self.remote_reset => self.push(Raw::UserData),
            PrimaryFunction::UserDataNoReply => self.ignored(),
            _ if !self.remote_reset => self.respond(SecondaryFunction::NotFunctioning),
            PrimaryFunction::ResetUserProcess => {
                self.push(Raw::UserProcessReset);
                self.respond(SecondaryFunction::Ack);
            }
            _ => {
                // Test function and user data confirmed: FCV = 1.
                if !fcv {
                    return self.ignored();
                }
                if self.has_last && fcb == self.last_fcb {
                    self.resp_tx.copy_from(&self.last);
                    self.stats.repeats_answered = self.stats.repeats_answered.saturating_add(1);
                    self.push(Raw::Repeat(function));
                    return;
                }
                if !self.has_last && fcb == self.last_fcb {
                    self.stats.fcb_errors = self.stats.fcb_errors.saturating_add(1);
                }
                self.last_fcb = fcb;
                if function == PrimaryFunction::UserDataConfirmed {
                    if self.busy {
                        self.respond(SecondaryFunction::Nack);
                    } else {
                        self.push(Raw::UserData);
                        self.respond(SecondaryFunction::Ack);
                    }
                } else {
                    self.respond(SecondaryFunction::Ack);
                }
                self.last.copy_from(&self.resp_tx);
                self.has_last = true;
            }
        }
    }

    /// An answer to our outstanding request (`function` `None`: the single character).
    fn on_answer(&mut self, now: Instant, function: Option<SecondaryFunction>, dfc: bool) {
        let Some(out) = self.outstanding else {
            return self.ignored();
        };
        if !self.req_tx.is_empty() {
            // The request has not left yet: this cannot be its answer.
            return self.ignored();
        }
        let ack = matches!(function, None | Some(SecondaryFunction::Ack));
        match (out.request, function) {
            (
                _,
                Some(f @ (SecondaryFunction::NotFunctioning | SecondaryFunction::NotImplemented)),
            ) => {
                self.push(Raw::Unavailable(f));
                self.outstanding = None;
                self.fail(now, self.cfg.restart_delay);
                return;
            }
            (Request::Status, Some(SecondaryFunction::LinkStatus)) => {
                if self.phase == Phase::Down {
                    self.phase = Phase::StatusOk;
                }
            }
            (Request::Reset, _) if ack => {
                self.phase = Phase::Up;
                self.next_fcb = true;
                self.push(Raw::LinkUp);
            }
            (Request::UserData, _) if ack => {
                self.queue.pop_front();
                self.next_fcb = !self.next_fcb;
                self.push(Raw::Confirmed);
            }
            (Request::UserData, Some(SecondaryFunction::Nack)) => {
                self.next_fcb = !self.next_fcb;
                self.push(Raw::Refused);
            }
            (Request::Test, _) if ack => self.next_fcb = !self.next_fcb,
            _ => return self.ignored(),
        }
        self.remote_dfc = dfc;
        self.outstanding = None;
        self.last_exchange = now;
        // While the remote is busy, ask its status again after one response timeout.
        self.next_at = if dfc {
            now.saturating_add(self.cfg.link.response_timeout)
        } else {
            now
        };
    }

    fn fail(&mut self, now: Instant, delay: Duration) {
        if self.phase == Phase::Up {
            self.push(Raw::LinkDown);
        }
        self.phase = Phase::Down;
        self.remote_dfc = false;
        self.next_at = now.saturating_add(delay);
    }

    /// Let timers expire at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.last_now = self.last_now.max(now);
        if let Some(Decoded::Discarded { octets, reason }) = self.decoder.handle_timeout(now) {
            self.stats.octets_discarded = self.stats.octets_discarded.saturating_add(count(octets));
            self.push(Raw::Discarded(octets, reason));
        }
        if let Some(out) = self.outstanding
            && out.deadline <= now
        {
            if out.retries_left > 0 {
                self.req_tx.copy_from(&self.request);
                self.stats.retransmissions = self.stats.retransmissions.saturating_add(1);
                self.outstanding = Some(Outstanding {
                    deadline: now.saturating_add(self.cfg.link.response_timeout),
                    retries_left: out.retries_left.saturating_sub(1),
                    ..out
                });
            } else {
                self.stats.link_failures = self.stats.link_failures.saturating_add(1);
                self.outstanding = None;
                self.req_tx.clear();
                self.push(Raw::NoResponse);
                self.fail(now, self.cfg.restart_delay);
            }
        }
        self.schedule(now);
    }

    /// The next frame to send (an answer first, then a request); copied into `out`, returns
    /// its length. A frame that does not fit `out` stays queued.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        let n = match self.resp_tx.take(out) {
            Some(n) => n,
            None => self.req_tx.take(out)?,
        };
        self.stats.frames_sent = self.stats.frames_sent.saturating_add(1);
        self.schedule(self.last_now);
        Some(n)
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<BalancedEvent<'_>> {
        Some(match self.events.pop_front()? {
            Raw::LinkUp => BalancedEvent::LinkUp,
            Raw::LinkDown => BalancedEvent::LinkDown,
            Raw::NoResponse => BalancedEvent::NoResponse,
            Raw::RemoteReset => BalancedEvent::RemoteReset,
            Raw::UserProcessReset => BalancedEvent::UserProcessReset,
            Raw::UserData => BalancedEvent::UserData {
                asdu: self.rx.bytes(),
            },
            Raw::Confirmed => BalancedEvent::UserDataConfirmed,
            Raw::Refused => BalancedEvent::UserDataRefused,
            Raw::Repeat(function) => BalancedEvent::RepeatAnswered { function },
            Raw::Unavailable(function) => BalancedEvent::ServiceUnavailable { function },
            Raw::Discarded(octets, reason) => BalancedEvent::Discarded { octets, reason },
        })
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called (may be now).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let primary = if let Some(out) = self.outstanding {
            Some(out.deadline)
        } else if !self.req_tx.is_empty() {
            None
        } else {
            self.next_request_at().map(|t| t.max(self.last_now))
        };
        earliest(primary, self.decoder.poll_timeout())
    }

    /// When the primary half has something to send, if it has.
    fn next_request_at(&self) -> Option<Instant> {
        match self.phase {
            Phase::Down | Phase::StatusOk => Some(self.next_at),
            Phase::Up if self.remote_dfc => Some(self.next_at),
            Phase::Up if !self.queue.is_empty() || self.test_requested => Some(self.next_at),
            Phase::Up => self
                .cfg
                .test_interval
                .map(|d| self.last_exchange.saturating_add(d).max(self.next_at)),
        }
    }

    fn schedule(&mut self, now: Instant) {
        if self.outstanding.is_some() || !self.req_tx.is_empty() {
            return;
        }
        let Some(at) = self.next_request_at() else {
            return;
        };
        if at > now {
            return;
        }
        let request = match self.phase {
            Phase::Down => Request::Status,
            Phase::StatusOk => Request::Reset,
            Phase::Up if self.remote_dfc => Request::Status,
            Phase::Up if !self.queue.is_empty() => Request::UserData,
            Phase::Up => {
                self.test_requested = false;
                Request::Test
            }
        };
        let function = match request {
            Request::Status => PrimaryFunction::RequestLinkStatus,
            Request::Reset => PrimaryFunction::ResetRemoteLink,
            Request::UserData => PrimaryFunction::UserDataConfirmed,
            Request::Test => PrimaryFunction::TestLink,
        };
        let fcv = function.uses_fcb();
        let control =
            ControlField::primary(function, fcv && self.next_fcb, fcv, self.cfg.dir).encode();
        let address = self.cfg.remote_address;
        let a = self.cfg.link.address_size;
        match (request, self.queue.front()) {
            (Request::UserData, Some(asdu)) => self.request.set(
                &Frame::Variable {
                    control,
                    address,
                    data: asdu,
                },
                a,
            ),
            _ => self.request.set(&Frame::Fixed { control, address }, a),
        }
        self.req_tx.copy_from(&self.request);
        self.outstanding = Some(Outstanding {
            request,
            deadline: now.saturating_add(self.cfg.link.response_timeout),
            retries_left: self.cfg.link.retries,
        });
    }
}
