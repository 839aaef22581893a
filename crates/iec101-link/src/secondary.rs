//! Unbalanced transmission, secondary (controlled) station: IEC 60870-5-2 clause 5.1 and
//! IEC 60870-5-101 clause 7.2 with class 1 / class 2 data (IEC 60870-5-101 clause 7.2.3).
//!
//! The secondary speaks only when addressed. It answers status requests, link resets, user
//! data (SEND/CONFIRM and broadcast SEND/NO REPLY) and class 1 / class 2 polls from its two
//! bounded queues, signals ACD while class 1 data waits and DFC while the application says it
//! is busy, and answers a repeated frame (FCV = 1 with the FCB of the previous one) by
//! sending its previous response again without delivering the user data twice.

use heapless::Deque;
use telecontrol_core::Instant;

use crate::config::{
    AsduBuf, ConfigError, LinkConfig, LinkError, LinkStats, RxBuf, TxBuf, asdu_buf, count,
};
use crate::control::{ControlField, PrimaryFunction, SecondaryFunction};
use crate::decoder::{Decoded, FrameDecoder};
use crate::frame::{Frame, FrameError};

/// How the secondary answers a poll when it has no data (IEC 60870-5-101 clause 7.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoDataResponse {
    /// The single character 0xE5 (only when [`LinkConfig::single_char_ack`] is set and no
    /// ACD/DFC bit must be signalled; otherwise a fixed frame with function code 9).
    SingleChar,
    /// Always a fixed frame with function code 9 (NACK: requested data not available).
    NackNoData,
}

/// Configuration of an unbalanced secondary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecondaryConfig {
    /// Link parameters (the address size must be 1 or 2 octets).
    pub link: LinkConfig,
    /// This station's link address (not the broadcast address).
    pub address: u16,
    /// The answer to a poll when no data waits.
    pub no_data: NoDataResponse,
}

/// What the application of a secondary must know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecondaryEvent<'a> {
    /// The primary reset the link (function 0): the frame count starts afresh.
    LinkReset,
    /// The primary requested a reset of the user process (function 1).
    UserProcessReset,
    /// User data (an ASDU) from the primary, delivered once.
    UserData {
        /// The ASDU.
        asdu: &'a [u8],
        /// True when sent to the broadcast address (SEND/NO REPLY).
        broadcast: bool,
    },
    /// A repeated frame was answered with the previous response.
    RepeatAnswered {
        /// The function of the repeated request.
        function: PrimaryFunction,
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
    LinkReset,
    UserProcessReset,
    UserData { broadcast: bool },
    RepeatAnswered(PrimaryFunction),
    Discarded(usize, FrameError),
}

/// An unbalanced secondary station with class 1 and class 2 queues of `C1` and `C2` ASDUs.
#[derive(Clone, Debug)]
pub struct Secondary<const C1: usize, const C2: usize> {
    cfg: SecondaryConfig,
    decoder: FrameDecoder,
    class1: Deque<AsduBuf, C1>,
    class2: Deque<AsduBuf, C2>,
    link_reset: bool,
    last_fcb: bool,
    has_last: bool,
    last: TxBuf,
    tx: TxBuf,
    rx: RxBuf,
    events: Deque<Raw, 4>,
    busy: bool,
    stats: LinkStats,
}

impl<const C1: usize, const C2: usize> Secondary<C1, C2> {
    /// A secondary in the "link not reset" state.
    ///
    /// # Errors
    /// [`ConfigError`] if the link parameters are invalid, the address field is empty, or the
    /// address is the broadcast address or does not fit.
    pub fn new(cfg: SecondaryConfig) -> Result<Self, ConfigError> {
        cfg.link.validate()?;
        cfg.link.check_unbalanced_address(cfg.address)?;
        Ok(Secondary {
            decoder: FrameDecoder::new(cfg.link.address_size, cfg.link.idle_timeout),
            cfg,
            class1: Deque::new(),
            class2: Deque::new(),
            link_reset: false,
            last_fcb: false,
            has_last: false,
            last: TxBuf::new(),
            tx: TxBuf::new(),
            rx: RxBuf::new(),
            events: Deque::new(),
            busy: false,
            stats: LinkStats::default(),
        })
    }

    /// Queue class 1 (high-priority) data; sets ACD in the next responses.
    ///
    /// # Errors
    /// [`LinkError::QueueFull`] (the ASDU is not queued) or [`LinkError::TooLong`].
    pub fn queue_class1(&mut self, asdu: &[u8]) -> Result<(), LinkError> {
        let item = asdu_buf(asdu, &self.cfg.link)?;
        self.class1.push_back(item).map_err(|_| {
            self.stats.queue_overflows = self.stats.queue_overflows.saturating_add(1);
            LinkError::QueueFull
        })
    }

    /// Queue class 2 (cyclic / low-priority) data.
    ///
    /// # Errors
    /// [`LinkError::QueueFull`] (the ASDU is not queued) or [`LinkError::TooLong`].
    pub fn queue_class2(&mut self, asdu: &[u8]) -> Result<(), LinkError> {
        let item = asdu_buf(asdu, &self.cfg.link)?;
        self.class2.push_back(item).map_err(|_| {
            self.stats.queue_overflows = self.stats.queue_overflows.saturating_add(1);
            LinkError::QueueFull
        })
    }

    /// Set data flow control: while busy, DFC is set in responses and SEND/CONFIRM user
    /// data is refused with NACK (function 1) instead of being delivered.
    pub fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
    }

    /// ASDUs waiting in the class 1 and class 2 queues.
    #[must_use]
    pub fn queued(&self) -> (usize, usize) {
        (self.class1.len(), self.class2.len())
    }

    /// True once the primary has reset the link.
    #[must_use]
    pub const fn is_link_reset(&self) -> bool {
        self.link_reset
    }

    /// Counters.
    #[must_use]
    pub const fn stats(&self) -> &LinkStats {
        &self.stats
    }

    /// Feed received octets. Returns how many were consumed: processing stops after a frame
    /// that produced a response or a user data event, so drain
    /// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event), then
    /// call again with the rest. Returns 0 while a response or user data is undrained.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        let mut consumed = 0usize;
        loop {
            if !self.tx.is_empty() || self.has_pending_data() {
                return consumed;
            }
            let rest = bytes.get(consumed..).unwrap_or(&[]);
            let a = self.cfg.link.address_size;
            let (n, decoded) = self.decoder.handle_input(now, rest);
            consumed = consumed.saturating_add(n);
            match decoded {
                None => {
                    if n == 0 {
                        return consumed;
                    }
                }
                Some(Decoded::Discarded { octets, reason }) => {
                    self.stats.octets_discarded =
                        self.stats.octets_discarded.saturating_add(count(octets));
                    self.push(Raw::Discarded(octets, reason));
                }
                Some(Decoded::Frame(frame)) => {
                    self.stats.frames_received = self.stats.frames_received.saturating_add(1);
                    // Copy out what we need so the decoder borrow ends.
                    let (control, address, data) = match frame {
                        Frame::Fixed { control, address } => (control, address, None),
                        Frame::Variable {
                            control,
                            address,
                            data,
                        } => {
                            self.rx.store(data);
                            (control, address, Some(()))
                        }
                        Frame::SingleAck => {
                            self.ignored();
                            continue;
                        }
                    };
                    let broadcast = address == a.max_address();
                    if address != self.cfg.address && !broadcast {
                        self.ignored();
                        continue;
                    }
                    self.on_request(control, broadcast, data.is_some());
                }
            }
        }
    }

    fn has_pending_data(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Raw::UserData { .. }))
    }

    fn ignored(&mut self) {
        self.stats.frames_ignored = self.stats.frames_ignored.saturating_add(1);
    }

    fn push(&mut self, ev: Raw) {
        if self.events.is_full() {
            self.events.pop_front();
            self.stats.events_dropped = self.stats.events_dropped.saturating_add(1);
        }
        let _ = self.events.push_back(ev);
    }

    fn on_request(&mut self, control: u8, broadcast: bool, variable: bool) {
        let (fcb, fcv, function) = match ControlField::decode(control) {
            Ok(ControlField::Primary {
                fcb, fcv, function, ..
            }) => (fcb, fcv, function),
            // Another secondary's response on a shared line.
            Ok(ControlField::Secondary { .. }) => return self.ignored(),
            Err(_) => {
                if !broadcast {
                    self.respond_fixed(SecondaryFunction::NotImplemented);
                } else {
                    self.ignored();
                }
                return;
            }
        };
        if broadcast {
            if function == PrimaryFunction::UserDataNoReply && variable && self.link_reset {
                self.push(Raw::UserData { broadcast: true });
            } else {
                self.ignored();
            }
            return;
        }
        let needs_data = matches!(
            function,
            PrimaryFunction::UserDataConfirmed | PrimaryFunction::UserDataNoReply
        );
        if needs_data != variable {
            return self.ignored();
        }
        match function {
            PrimaryFunction::ResetRemoteLink => {
                self.link_reset = true;
                self.last_fcb = false;
                self.has_last = false;
                self.push(Raw::LinkReset);
                self.respond_ack();
            }
            PrimaryFunction::RequestLinkStatus | PrimaryFunction::RequestAccessDemand => {
                self.respond_fixed(SecondaryFunction::LinkStatus);
            }
            PrimaryFunction::TestLink => self.respond_fixed(SecondaryFunction::NotImplemented),
            PrimaryFunction::UserDataNoReply if self.link_reset => {
                self.push(Raw::UserData { broadcast: false });
            }
            PrimaryFunction::UserDataNoReply => self.ignored(),
            _ if !self.link_reset => self.respond_fixed(SecondaryFunction::NotFunctioning),
            PrimaryFunction::ResetUserProcess => {
                self.push(Raw::UserProcessReset);
                self.respond_ack();
            }
            _ => {
                // FCV = 1 functions: user data confirmed, class 1, class 2.
                if !fcv {
                    return self.ignored();
                }
                if self.has_last && fcb == self.last_fcb {
                    self.tx.copy_from(&self.last);
                    self.stats.repeats_answered = self.stats.repeats_answered.saturating_add(1);
                    self.push(Raw::RepeatAnswered(function));
                    return;
                }
                if !self.has_last && fcb == self.last_fcb {
                    // First frame after a reset must carry FCB = 1; accept and resynchronise.
                    self.stats.fcb_errors = self.stats.fcb_errors.saturating_add(1);
                }
                self.last_fcb = fcb;
                match function {
                    PrimaryFunction::UserDataConfirmed if self.busy => {
                        self.respond_fixed(SecondaryFunction::Nack);
                    }
                    PrimaryFunction::UserDataConfirmed => {
                        self.push(Raw::UserData { broadcast: false });
                        self.respond_ack();
                    }
                    PrimaryFunction::RequestClass1 => {
                        let item = self.class1.pop_front();
                        self.respond_data(item);
                    }
                    _ => {
                        let item = self.class2.pop_front();
                        self.respond_data(item);
                    }
                }
                self.last.copy_from(&self.tx);
                self.has_last = true;
            }
        }
    }

    fn acd(&self) -> bool {
        !self.class1.is_empty()
    }

    fn respond_fixed(&mut self, function: SecondaryFunction) {
        let control = ControlField::secondary(function, self.acd(), self.busy, false).encode();
        let frame = Frame::Fixed {
            control,
            address: self.cfg.address,
        };
        self.tx.set(&frame, self.cfg.link.address_size);
    }

    fn single_char_allowed(&self) -> bool {
        self.cfg.link.single_char_ack && !self.acd() && !self.busy
    }

    fn respond_ack(&mut self) {
        if self.single_char_allowed() {
            self.tx.set(&Frame::SingleAck, self.cfg.link.address_size);
        } else {
            self.respond_fixed(SecondaryFunction::Ack);
        }
    }

    fn respond_data(&mut self, item: Option<AsduBuf>) {
        match item {
            Some(asdu) => {
                let control = ControlField::secondary(
                    SecondaryFunction::UserData,
                    self.acd(),
                    self.busy,
                    false,
                )
                .encode();
                let frame = Frame::Variable {
                    control,
                    address: self.cfg.address,
                    data: &asdu,
                };
                self.tx.set(&frame, self.cfg.link.address_size);
            }
            None if self.cfg.no_data == NoDataResponse::SingleChar
                && self.single_char_allowed() =>
            {
                self.tx.set(&Frame::SingleAck, self.cfg.link.address_size);
            }
            None => self.respond_fixed(SecondaryFunction::NackNoData),
        }
    }

    /// The response to send, if any: copied into `out`, returns its length. A response that
    /// does not fit `out` stays queued (give at least [`crate::MAX_FRAME_LEN`] octets).
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        let n = self.tx.take(out)?;
        self.stats.frames_sent = self.stats.frames_sent.saturating_add(1);
        Some(n)
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<SecondaryEvent<'_>> {
        Some(match self.events.pop_front()? {
            Raw::LinkReset => SecondaryEvent::LinkReset,
            Raw::UserProcessReset => SecondaryEvent::UserProcessReset,
            Raw::UserData { broadcast } => SecondaryEvent::UserData {
                asdu: self.rx.bytes(),
                broadcast,
            },
            Raw::RepeatAnswered(function) => SecondaryEvent::RepeatAnswered { function },
            Raw::Discarded(octets, reason) => SecondaryEvent::Discarded { octets, reason },
        })
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called: only the frame
    /// decoder's idle timer runs in a secondary.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.decoder.poll_timeout()
    }

    /// Let timers expire at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(Decoded::Discarded { octets, reason }) = self.decoder.handle_timeout(now) {
            self.stats.octets_discarded = self.stats.octets_discarded.saturating_add(count(octets));
            self.push(Raw::Discarded(octets, reason));
        }
    }
}
