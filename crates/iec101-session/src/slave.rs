//! An unbalanced secondary link joined with an outstation (IEC 60870-5-101 clause 7.2 with
//! clause 7.4).

use iec101_link::{
    ConfigError, Frame, LinkStats, MAX_FRAME_LEN, Secondary, SecondaryConfig, SecondaryEvent,
    SecondaryFunction,
};
use iec101_link::{ControlField, FrameError};
use station::{DataClass, Outstation, PointDatabase};
use telecontrol_core::{Instant, earliest};

/// Longest ASDU a 101 link can carry (a 255-octet frame body less control and address).
const ASDU_BUF: usize = 255;

/// What the slave session reports besides the outstation's own events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SlaveEvent {
    /// The master reset the link (function 0); unconfirmed events were requeued.
    LinkReset {
        /// Event ASDUs put back into the outstation's buffer.
        requeued: usize,
    },
    /// The master requested a reset of the user process (function 1).
    UserProcessReset,
    /// Octets dropped by the frame decoder.
    Discarded {
        /// How many.
        octets: usize,
        /// Why.
        reason: FrameError,
    },
    /// An ASDU of the outstation did not fit the link's maximum frame length; it was
    /// dropped (and counted as confirmed so the outstation's count stays aligned).
    AsduTooLong {
        /// Its length.
        len: usize,
    },
}

/// An unbalanced secondary (slave) link with its outstation: class 1 and class 2 polls are
/// answered from [`Outstation::poll_transmit_for`], user data goes to
/// [`Outstation::handle_input`], confirmed responses to [`Outstation::acknowledge`].
///
/// At most one station ASDU waits in the link at a time, so the link's responses leave in
/// the order the outstation handed them out. A response is confirmed when the master sends
/// its next FCV request with the FCB toggled (IEC 60870-5-2 clause 5.1.2): the session sees
/// that as a new (not repeated) answer of function 8, 9, 0 or the single character. A reset
/// of the link requeues what was sent but not confirmed.
#[derive(Debug)]
pub struct SlaveSession<D: PointDatabase, const N: usize> {
    link: Secondary<1, 1>,
    config: SecondaryConfig,
    station: Outstation<D, N>,
    in_link: bool,
    sent_unconfirmed: bool,
    round: Round,
    events: heapless::Deque<SlaveEvent, 8>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Round {
    repeat: bool,
    reset: bool,
    user_reset: bool,
    popped: bool,
}

impl<D: PointDatabase, const N: usize> SlaveSession<D, N> {
    /// A session with the link in the "not reset" state.
    ///
    /// # Errors
    /// The link's [`ConfigError`].
    pub fn new(config: SecondaryConfig, station: Outstation<D, N>) -> Result<Self, ConfigError> {
        Ok(SlaveSession {
            link: Secondary::new(config)?,
            config,
            station,
            in_link: false,
            sent_unconfirmed: false,
            round: Round::default(),
            events: heapless::Deque::new(),
        })
    }

    /// The outstation (read its events with [`Outstation::poll_event`], answer commands).
    pub fn station(&self) -> &Outstation<D, N> {
        &self.station
    }

    /// The outstation, mutable.
    pub fn station_mut(&mut self) -> &mut Outstation<D, N> {
        &mut self.station
    }

    /// Link counters.
    #[must_use]
    pub fn link_stats(&self) -> &LinkStats {
        self.link.stats()
    }

    /// True once the master has reset the link.
    #[must_use]
    pub fn is_link_reset(&self) -> bool {
        self.link.is_link_reset()
    }

    /// Feed octets read from the line at `now`; returns how many were consumed. Stops after a
    /// request that produced an answer: drain [`poll_transmit`](Self::poll_transmit) and
    /// [`poll_event`](Self::poll_event), then call again with the rest.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        let mut consumed = 0usize;
        loop {
            self.refill();
            let rest = bytes.get(consumed..).unwrap_or(&[]);
            let before = self.link.queued();
            let n = self.link.handle_input(now, rest);
            consumed = consumed.saturating_add(n);
            if self.link.queued() != before && self.in_link {
                self.in_link = false;
                self.round.popped = true;
            }
            while let Some(ev) = self.link.poll_event() {
                match ev {
                    SecondaryEvent::UserData { asdu, .. } => self.station.handle_input(now, asdu),
                    SecondaryEvent::LinkReset => self.round.reset = true,
                    SecondaryEvent::UserProcessReset => {
                        self.round.user_reset = true;
                        push(&mut self.events, SlaveEvent::UserProcessReset);
                    }
                    SecondaryEvent::RepeatAnswered { .. } => self.round.repeat = true,
                    SecondaryEvent::Discarded { octets, reason } => {
                        push(&mut self.events, SlaveEvent::Discarded { octets, reason });
                    }
                    _ => {}
                }
            }
            if self.round.reset {
                // Nothing sent before the reset counts as delivered.
                self.round.reset = false;
                let requeued = if self.sent_unconfirmed {
                    self.sent_unconfirmed = false;
                    self.station.requeue_unacknowledged()
                } else {
                    0
                };
                push(&mut self.events, SlaveEvent::LinkReset { requeued });
            }
            // The link consumes nothing while its answer waits in `poll_transmit`.
            if n == 0 {
                return consumed;
            }
        }
    }

    /// Refuse user data with NACK (link busy, DFC set) while `busy`, for testing a master's
    /// handling of a refusing slave; link status and reset are still answered, the
    /// application data stays queued.
    pub fn set_link_busy(&mut self, busy: bool) {
        self.link.set_busy(busy);
    }

    /// The next frame to write to the line, copied into `out` (at least
    /// [`MAX_FRAME_LEN`] octets); returns its length.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        let n = self.link.poll_transmit(out)?;
        let round = core::mem::take(&mut self.round);
        let frame = out.get(..n).unwrap_or(&[]);
        if !round.repeat
            && !round.user_reset
            && self.sent_unconfirmed
            && answers_fcv_request(frame, self.config.link.address_size)
        {
            self.sent_unconfirmed = false;
            self.station.acknowledge(1);
        }
        if round.popped {
            self.sent_unconfirmed = true;
        }
        self.refill();
        Some(n)
    }

    /// Slave events (link resets, discarded octets).
    pub fn poll_event(&mut self) -> Option<SlaveEvent> {
        self.events.pop_front()
    }

    /// Move station output into the link if the link holds none: call after answering a
    /// command or queueing an event so the next answer already carries ACD.
    pub fn fill(&mut self) {
        self.refill();
    }

    fn refill(&mut self) {
        if self.in_link {
            return;
        }
        let class = if self.station.has_class1() {
            DataClass::Class1
        } else if self.station.has_class2() {
            DataClass::Class2
        } else {
            return;
        };
        let mut buf = [0u8; ASDU_BUF];
        let Some(n) = self.station.poll_transmit_for(&mut buf, class) else {
            return;
        };
        let asdu = buf.get(..n).unwrap_or(&[]);
        let queued = match class {
            DataClass::Class1 => self.link.queue_class1(asdu),
            DataClass::Class2 => self.link.queue_class2(asdu),
        };
        if queued.is_ok() {
            self.in_link = true;
        } else {
            self.station.acknowledge(1);
            push(&mut self.events, SlaveEvent::AsduTooLong { len: n });
        }
    }

    /// When to call [`handle_timeout`](Self::handle_timeout).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        earliest(self.link.poll_timeout(), self.station.poll_timeout())
    }

    /// Let the link's and the outstation's timers expire at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.link.handle_timeout(now);
        self.station.handle_timeout(now);
        while let Some(ev) = self.link.poll_event() {
            if let SecondaryEvent::Discarded { octets, reason } = ev {
                push(&mut self.events, SlaveEvent::Discarded { octets, reason });
            }
        }
        self.refill();
    }

    /// The line or connection is gone: the outstation forgets the association
    /// ([`Outstation::connection_lost`]) and the link starts afresh ("not reset").
    ///
    /// Returns how many event ASDUs were requeued.
    pub fn connection_lost(&mut self) -> usize {
        if let Ok(link) = Secondary::new(self.config) {
            self.link = link;
        }
        self.in_link = false;
        self.sent_unconfirmed = false;
        self.round = Round::default();
        self.station.connection_lost()
    }
}

/// True if `frame` (our own answer) is one a secondary gives only to a new FCV request:
/// user data, "no data", ACK, NACK or the single character (IEC 60870-5-2 clause 5.1.2).
fn answers_fcv_request(frame: &[u8], size: iec101_link::AddressSize) -> bool {
    let control = match Frame::decode(frame, size) {
        Ok((Frame::SingleAck, _)) => return true,
        Ok((Frame::Fixed { control, .. } | Frame::Variable { control, .. }, _)) => control,
        _ => return false,
    };
    matches!(
        ControlField::decode(control),
        Ok(ControlField::Secondary {
            function: SecondaryFunction::UserData
                | SecondaryFunction::NackNoData
                | SecondaryFunction::Ack
                | SecondaryFunction::Nack,
            ..
        })
    )
}

fn push<T, const M: usize>(q: &mut heapless::Deque<T, M>, ev: T) {
    if q.is_full() {
        q.pop_front();
    }
    let _ = q.push_back(ev);
}

const _: () = assert!(MAX_FRAME_LEN >= ASDU_BUF);
