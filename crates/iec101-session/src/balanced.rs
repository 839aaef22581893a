//! A balanced link joined with an optional outstation and a master (IEC 60870-5-101 clause
//! 7.2, balanced transmission, with clause 7.4).

use iec101_link::{Balanced, BalancedConfig, BalancedEvent, ConfigError, FrameError, LinkStats};
use station::asdu::AsduError;
use station::{Master, MasterConfig, Outstation, PointDatabase, Received, RequestResult};
use telecontrol_core::{Instant, earliest};

/// What the balanced session delivers, in order.
#[derive(Debug)]
#[non_exhaustive]
pub enum BalancedInput<'a> {
    /// Our direction is up (the remote acknowledged our link reset).
    LinkUp,
    /// Our direction failed; it restarts after the configured delay. Unconfirmed ASDUs stay
    /// in the link and go again once it is up.
    LinkDown,
    /// The remote station reset our link (its direction starts).
    RemoteReset,
    /// An ASDU in monitor direction (or a confirmation), classified by the master.
    Data {
        /// The master's classification and the decoded ASDU (borrows the session).
        received: Received<'a>,
        /// The ASDU's octets.
        bytes: &'a [u8],
    },
    /// An ASDU for the master that does not decode.
    Malformed {
        /// Why.
        error: AsduError,
    },
    /// A request of the master finished.
    Result {
        /// The outcome.
        result: RequestResult,
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
enum Pending {
    LinkUp,
    LinkDown,
    RemoteReset,
    Data,
    Discarded(usize, FrameError),
}

/// A balanced (point-to-point) 101 station: its link ([`Balanced`] with a send queue of `Q`
/// ASDUs), an optional [`Outstation`] (controlled station role) and a [`Master`]
/// (controlling role) with `R` outstanding requests; a station can play both roles at once.
///
/// Received ASDUs with cause activation (6) or deactivation (8) go to the outstation (if
/// any), all others to the master. Station and master output goes out as SEND/CONFIRM user
/// data while our direction is up; each confirmation (`UserDataConfirmed`, in queue order)
/// of a station ASDU is reported with [`Outstation::acknowledge`].
#[derive(Debug)]
pub struct BalancedSession<D: PointDatabase, const N: usize, const Q: usize, const R: usize = 8> {
    link: Balanced<Q>,
    config: BalancedConfig,
    station: Option<Outstation<D, N>>,
    master: Master<R>,
    /// For each ASDU in the link's queue, in order: true if the outstation produced it.
    origins: heapless::Deque<bool, Q>,
    pending: heapless::Deque<Pending, 16>,
    rx: heapless::Vec<u8, 255>,
}

impl<D: PointDatabase, const N: usize, const Q: usize, const R: usize> BalancedSession<D, N, Q, R> {
    /// A session whose link starts its start-up at the first `poll_transmit`.
    ///
    /// # Errors
    /// The link's [`ConfigError`].
    pub fn new(
        config: BalancedConfig,
        station: Option<Outstation<D, N>>,
        master: MasterConfig,
    ) -> Result<Self, ConfigError> {
        Ok(BalancedSession {
            link: Balanced::new(config)?,
            config,
            station,
            master: Master::new(master),
            origins: heapless::Deque::new(),
            pending: heapless::Deque::new(),
            rx: heapless::Vec::new(),
        })
    }

    /// The outstation, if this station has one.
    pub fn station_mut(&mut self) -> Option<&mut Outstation<D, N>> {
        self.station.as_mut()
    }

    /// The master (issue requests here, then [`fill`](Self::fill)).
    pub fn master_mut(&mut self) -> &mut Master<R> {
        &mut self.master
    }

    /// True while our direction of the link is up.
    #[must_use]
    pub fn is_link_up(&self) -> bool {
        self.link.is_link_up()
    }

    /// Link counters.
    #[must_use]
    pub fn link_stats(&self) -> &LinkStats {
        self.link.stats()
    }

    /// Move station output, then master requests, into the link while our direction is up
    /// and its queue has room.
    pub fn fill(&mut self) {
        if !self.link.is_link_up() {
            return;
        }
        let mut buf = [0u8; 255];
        while self.origins.len() < Q {
            let (n, from_station) = if let Some(n) = self
                .station
                .as_mut()
                .and_then(|s| s.poll_transmit(&mut buf))
            {
                (n, true)
            } else if let Some(n) = self.master.poll_transmit(&mut buf) {
                (n, false)
            } else {
                break;
            };
            match self.link.send_user_data(buf.get(..n).unwrap_or(&[])) {
                Ok(()) => {
                    let _ = self.origins.push_back(from_station);
                }
                Err(_) => {
                    // Too long for the configured frame: dropped; keep the count aligned.
                    if from_station && let Some(s) = self.station.as_mut() {
                        s.acknowledge(1);
                    }
                }
            }
        }
    }

    /// Feed octets read from the line at `now`; returns how many were consumed (0 while a
    /// received ASDU waits in [`poll_input`](Self::poll_input)). Drain
    /// [`poll_transmit`](Self::poll_transmit) and [`poll_input`](Self::poll_input), then call
    /// again with the rest.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        if self.pending.iter().any(|p| matches!(p, Pending::Data)) {
            return 0;
        }
        let n = self.link.handle_input(now, bytes);
        self.drain_link(now);
        n
    }

    fn drain_link(&mut self, now: Instant) {
        while let Some(ev) = self.link.poll_event() {
            let p = match ev {
                BalancedEvent::LinkUp => Pending::LinkUp,
                BalancedEvent::LinkDown => Pending::LinkDown,
                BalancedEvent::RemoteReset => Pending::RemoteReset,
                BalancedEvent::UserData { asdu } => {
                    let cause = asdu.get(2).map(|c| c & 0x3F);
                    if let (Some(6 | 8), Some(station)) = (cause, self.station.as_mut()) {
                        station.handle_input(now, asdu);
                        continue;
                    }
                    self.rx.clear();
                    let _ = self
                        .rx
                        .extend_from_slice(asdu.get(..asdu.len().min(255)).unwrap_or(&[]));
                    Pending::Data
                }
                BalancedEvent::UserDataConfirmed => {
                    if self.origins.pop_front() == Some(true)
                        && let Some(s) = self.station.as_mut()
                    {
                        s.acknowledge(1);
                    }
                    continue;
                }
                BalancedEvent::Discarded { octets, reason } => Pending::Discarded(octets, reason),
                _ => continue,
            };
            if self.pending.is_full() {
                self.pending.pop_front();
            }
            let _ = self.pending.push_back(p);
        }
    }

    /// The next frame to write to the line (`out` at least
    /// [`iec101_link::MAX_FRAME_LEN`] octets).
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.fill();
        self.link.poll_transmit(out)
    }

    /// The next input for the application (link events, ASDUs for the master, finished
    /// requests). `now` is the time the ASDU is handled at.
    pub fn poll_input(&mut self, now: Instant) -> Option<BalancedInput<'_>> {
        if let Some(p) = self.pending.pop_front() {
            return Some(match p {
                Pending::LinkUp => BalancedInput::LinkUp,
                Pending::LinkDown => BalancedInput::LinkDown,
                Pending::RemoteReset => BalancedInput::RemoteReset,
                Pending::Discarded(octets, reason) => BalancedInput::Discarded { octets, reason },
                Pending::Data => match self.master.handle_input(now, &self.rx) {
                    Ok(received) => BalancedInput::Data {
                        received,
                        bytes: &self.rx,
                    },
                    Err(error) => BalancedInput::Malformed { error },
                },
            });
        }
        self.master
            .poll_event()
            .map(|result| BalancedInput::Result { result })
    }

    /// When to call [`handle_timeout`](Self::handle_timeout).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let t = earliest(self.link.poll_timeout(), self.master.poll_timeout());
        earliest(t, self.station.as_ref().and_then(Outstation::poll_timeout))
    }

    /// Let the timers of the link, the master and the outstation expire at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.link.handle_timeout(now);
        self.drain_link(now);
        self.master.handle_timeout(now);
        if let Some(s) = self.station.as_mut() {
            s.handle_timeout(now);
        }
    }

    /// The line or connection is gone: the link starts afresh, its queue is dropped, the
    /// outstation requeues unconfirmed events ([`Outstation::connection_lost`]). Returns how
    /// many event ASDUs were requeued.
    pub fn connection_lost(&mut self) -> usize {
        if let Ok(link) = Balanced::new(self.config) {
            self.link = link;
        }
        self.origins.clear();
        self.pending.clear();
        self.station.as_mut().map_or(0, Outstation::connection_lost)
    }
}
