//! An unbalanced primary link polling many secondaries, each with its own master
//! (IEC 60870-5-101 clause 7.2 with clause 7.4).

use iec101_link::{ConfigError, LinkError, LinkStats, Primary, PrimaryConfig, PrimaryEvent};
use iec101_link::{DataClass, FrameError, SecondaryInfo};
use station::asdu::AsduError;
use station::{Master, MasterConfig, Received, RequestResult};
use telecontrol_core::{Instant, earliest};

/// What the master session delivers, in order; every item names the secondary's link
/// address.
#[derive(Debug)]
#[non_exhaustive]
pub enum MasterInput<'a> {
    /// The secondary's link came up (reset and acknowledged).
    LinkUp {
        /// Link address.
        address: u16,
    },
    /// The secondary stopped answering; its requests time out in its master.
    LinkDown {
        /// Link address.
        address: u16,
    },
    /// An ASDU from the secondary, classified by its master.
    Data {
        /// Link address.
        address: u16,
        /// The class of the poll that fetched it.
        class: DataClass,
        /// The master's classification and the decoded ASDU (borrows the session).
        received: Received<'a>,
        /// The ASDU's octets.
        bytes: &'a [u8],
    },
    /// An ASDU from the secondary that does not decode.
    Malformed {
        /// Link address.
        address: u16,
        /// Why.
        error: AsduError,
    },
    /// A request of the secondary's master finished.
    Result {
        /// Link address.
        address: u16,
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

/// An unbalanced primary (master) on one line with up to `N` secondaries, each joined to its
/// own [`Master`] of `R` outstanding requests; the link's send queue holds `Q` ASDUs.
///
/// Requests are issued on [`master_mut`](Self::master_mut); [`fill`](Self::fill) moves them
/// into the link (SEND/CONFIRM to that secondary) while its queue has room. ASDUs fetched by
/// class 1 and class 2 polls go to the secondary's master and come back as [`MasterInput`].
#[derive(Debug)]
pub struct MasterSession<const N: usize, const Q: usize, const R: usize = 8> {
    link: Primary<N, Q>,
    masters: heapless::Vec<(u16, Master<R>), N>,
    config: MasterConfig,
    next_result: usize,
    pending: heapless::Deque<Pending, 16>,
    rx: heapless::Vec<u8, 255>,
}

/// A link event kept until the application drains it; `Data` refers to `rx`.
#[derive(Clone, Copy, Debug)]
enum Pending {
    LinkUp(u16),
    LinkDown(u16),
    Data(u16, DataClass),
    Discarded(usize, FrameError),
}

impl<const N: usize, const Q: usize, const R: usize> MasterSession<N, Q, R> {
    /// A session with no secondaries.
    ///
    /// # Errors
    /// The link's [`ConfigError`].
    pub fn new(link: PrimaryConfig, config: MasterConfig) -> Result<Self, ConfigError> {
        Ok(MasterSession {
            link: Primary::new(link)?,
            masters: heapless::Vec::new(),
            config,
            next_result: 0,
            pending: heapless::Deque::new(),
            rx: heapless::Vec::new(),
        })
    }

    /// Poll the secondary at link `address` and give it a master.
    ///
    /// # Errors
    /// The link's [`LinkError`] (capacity, invalid or duplicate address).
    pub fn add_secondary(&mut self, address: u16) -> Result<(), LinkError> {
        self.link.add_secondary(address)?;
        self.masters
            .push((address, Master::new(self.config)))
            .map_err(|_| LinkError::CapacityExceeded)
    }

    /// The master of the secondary at `address`.
    pub fn master_mut(&mut self, address: u16) -> Option<&mut Master<R>> {
        self.masters
            .iter_mut()
            .find(|(a, _)| *a == address)
            .map(|(_, m)| m)
    }

    /// The link state of the secondary at `address`.
    #[must_use]
    pub fn secondary(&self, address: u16) -> Option<SecondaryInfo> {
        self.link.secondary(address)
    }

    /// Link counters.
    #[must_use]
    pub fn link_stats(&self) -> &LinkStats {
        self.link.stats()
    }

    /// Move queued requests from every master into the link while its queue has room (a
    /// request whose secondary's link is down waits in the link until it is up).
    pub fn fill(&mut self) {
        let mut buf = [0u8; 255];
        for (address, master) in &mut self.masters {
            while self.link.queued() < Q {
                let Some(n) = master.poll_transmit(&mut buf) else {
                    break;
                };
                // The master's ASDUs fit a frame (both bounded by the ASDU parameters);
                // an error here can only be a frame length configured below the ASDU length.
                let _ = self
                    .link
                    .send_user_data(*address, buf.get(..n).unwrap_or(&[]));
            }
        }
    }

    /// Feed octets read from the line at `now`; returns how many were consumed (0 while a
    /// received ASDU waits in [`poll_input`](Self::poll_input)). Drain
    /// [`poll_transmit`](Self::poll_transmit) and [`poll_input`](Self::poll_input), then call
    /// again with the rest.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        if self.has_data() {
            return 0;
        }
        let n = self.link.handle_input(now, bytes);
        self.drain_link();
        n
    }

    fn has_data(&self) -> bool {
        self.pending.iter().any(|p| matches!(p, Pending::Data(..)))
    }

    fn drain_link(&mut self) {
        while let Some(ev) = self.link.poll_event() {
            let p = match ev {
                PrimaryEvent::LinkUp { address } => Pending::LinkUp(address),
                PrimaryEvent::LinkDown { address } => Pending::LinkDown(address),
                PrimaryEvent::UserData {
                    address,
                    class,
                    asdu,
                } => {
                    self.rx.clear();
                    // The link's user data never exceeds 255 octets.
                    let _ = self
                        .rx
                        .extend_from_slice(asdu.get(..asdu.len().min(255)).unwrap_or(&[]));
                    Pending::Data(address, class)
                }
                PrimaryEvent::Discarded { octets, reason } => Pending::Discarded(octets, reason),
                // Confirmations, refusals and the rest are link bookkeeping; the station
                // requests report their own outcome.
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

    /// The next input for the application: link events and ASDUs first, then finished
    /// requests of every master. `now` is the time the ASDU is handled at.
    pub fn poll_input(&mut self, now: Instant) -> Option<MasterInput<'_>> {
        while let Some(p) = self.pending.pop_front() {
            return Some(match p {
                Pending::LinkUp(address) => MasterInput::LinkUp { address },
                Pending::LinkDown(address) => MasterInput::LinkDown { address },
                Pending::Discarded(octets, reason) => MasterInput::Discarded { octets, reason },
                Pending::Data(address, class) => {
                    let Some(master) = self
                        .masters
                        .iter_mut()
                        .find(|(a, _)| *a == address)
                        .map(|(_, m)| m)
                    else {
                        continue;
                    };
                    match master.handle_input(now, &self.rx) {
                        Ok(received) => MasterInput::Data {
                            address,
                            class,
                            received,
                            bytes: &self.rx,
                        },
                        Err(error) => MasterInput::Malformed { address, error },
                    }
                }
            });
        }
        let count = self.masters.len();
        for _ in 0..count {
            let i = self.next_result.checked_rem(count).unwrap_or(0);
            self.next_result = self.next_result.wrapping_add(1);
            if let Some((address, master)) = self.masters.get_mut(i)
                && let Some(result) = master.poll_event()
            {
                return Some(MasterInput::Result {
                    address: *address,
                    result,
                });
            }
        }
        None
    }

    /// When to call [`handle_timeout`](Self::handle_timeout).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.masters
            .iter()
            .fold(self.link.poll_timeout(), |t, (_, m)| {
                earliest(t, m.poll_timeout())
            })
    }

    /// Let the link's and the masters' timers expire at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.link.handle_timeout(now);
        self.drain_link();
        for (_, m) in &mut self.masters {
            m.handle_timeout(now);
        }
    }
}
