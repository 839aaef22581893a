//! [`Tase2Server`] on threads: an [`MmsServer`] serving a [`Tase2Station`] (the station is
//! the MMS directory), a pump thread that sends the station's reports and messages on the
//! association each is for and forwards the station's events to the application, and a
//! receiver thread that owns the MMS server, hands the clients' unconfirmed PDUs (report
//! acknowledgements, information messages) to the station and keeps the pump's list of
//! open associations current. Neither thread polls: the pump sleeps until the station's
//! next deadline or a wake-up, the receiver until a client PDU, an association's close, a
//! new association or the shutdown (the MMS server's event channel carries all four).

use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use mms_pdu::mms::MmsPdu;
use tase2_transfer_sets::station::{
    Domain, PointId, StationConfig, StationError, StationEvent, Tase2Station, WakingDirectory,
};
use tase2_transfer_sets::{InfoMessHeader, Value};
use telecontrol_core::{Decode, Instant};

use mms_pdu::server::Directory;
use telecontrol_core::admission::AdmissionStats;
use telecontrol_tls::{TlsConfig, TlsStats};

use crate::mms::{
    MmsAssociation, MmsEvent, MmsServer, MmsServerConfig, Note, Notifier, ServerStats,
};

/// The station as an MMS directory that wakes the pump whenever it changed.
fn waking(
    station: &Arc<Tase2Station>,
) -> (
    mpsc::Sender<()>,
    mpsc::Receiver<()>,
    Arc<dyn Directory + Send + Sync>,
) {
    let (wake, woken) = mpsc::channel();
    let directory = Arc::new(WakingDirectory::new(Arc::clone(station), {
        let wake = Mutex::new(wake.clone());
        move || {
            if let Ok(w) = wake.lock() {
                let _ = w.send(());
            }
        }
    }));
    (wake, woken, directory)
}

/// The adapter's time base: microseconds since the first call in this process. A station
/// served by a [`Tase2Server`] must tell time with it ([`Tase2Server::new_station`] does).
pub fn clock() -> impl Fn() -> Instant + Send + Sync + Clone + 'static {
    || {
        let us = u64::try_from(origin().elapsed().as_micros()).unwrap_or(u64::MAX);
        Instant::from_micros(us)
    }
}

fn origin() -> std::time::Instant {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(std::time::Instant::now)
}

/// GMTBasedS (seconds since 1970 UTC) at the [`clock`]'s zero.
fn gmt_at_origin() -> i64 {
    let since_origin = origin().elapsed();
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| d.checked_sub(since_origin))
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

/// PDUs held for an association the pump does not know yet (just associated).
const PENDING_LIMIT: usize = 4096;

/// The open associations, and a condition signalled whenever they change.
#[derive(Default)]
struct Associations {
    open: Mutex<HashMap<u64, MmsAssociation>>,
    changed: Condvar,
}

impl Associations {
    fn get(&self, id: u64) -> Option<MmsAssociation> {
        self.open.lock().ok()?.get(&id).cloned()
    }
}

type Registry = Arc<Associations>;

/// A TASE.2 server on threads.
pub struct Tase2Server {
    station: Arc<Tase2Station>,
    registry: Registry,
    local_addr: SocketAddr,
    stats: ServerStats,
    wake: mpsc::Sender<()>,
    stop: Arc<AtomicBool>,
    /// Wakes the receiver thread (to see `stop`).
    receiver: Notifier,
    /// Times the receiver thread woke.
    receiver_wakeups: Arc<AtomicU64>,
    events: mpsc::Receiver<StationEvent>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Tase2Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tase2Server")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Tase2Server {
    /// A station telling time with this adapter's [`clock`], its `Transfer_Set_Time_Stamp`s
    /// in wall-clock seconds (`gmt_at_zero` set from the system time).
    #[must_use]
    pub fn new_station(mut config: StationConfig) -> Arc<Tase2Station> {
        config.gmt_at_zero = gmt_at_origin();
        Arc::new(Tase2Station::new(config, clock()))
    }

    /// Listen on `addr` and serve `station` (made by [`new_station`](Self::new_station)):
    /// peers are accepted or refused by its bilateral tables (and `config.authorize`
    /// first, if set), connections admitted under `config`'s limits.
    ///
    /// # Errors
    /// The bind error, or a thread that could not be started.
    pub fn bind(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        station: Arc<Tase2Station>,
    ) -> std::io::Result<Tase2Server> {
        let (wake, woken, directory) = waking(&station);
        let mms = MmsServer::bind(addr, config, directory)?;
        Tase2Server::start(mms, station, wake, woken)
    }

    /// As [`bind`](Self::bind), accepting TLS connections only (secure ICCP, IEC 62351-4 /
    /// -3; by convention port 3782), as [`MmsServer::bind_tls`]: refused handshakes are
    /// counted in [`tls_stats`](Self::tls_stats).
    ///
    /// # Errors
    /// As [`MmsServer::bind_tls`], or a thread that could not be started.
    pub fn bind_tls(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        station: Arc<Tase2Station>,
        tls: &TlsConfig,
    ) -> std::io::Result<Tase2Server> {
        let (wake, woken, directory) = waking(&station);
        let mms = MmsServer::bind_tls(addr, config, directory, tls)?;
        Tase2Server::start(mms, station, wake, woken)
    }

    /// TLS handshakes completed (full and resumed) and refused by reason; all zero for a
    /// server bound without TLS.
    #[must_use]
    pub fn tls_stats(&self) -> TlsStats {
        self.stats.tls()
    }

    /// Connections refused at accept (allow-list, server and per-address limits of the
    /// [`MmsServerConfig`]), by reason.
    #[must_use]
    pub fn admission_stats(&self) -> AdmissionStats {
        self.stats.admission()
    }

    fn start(
        mms: MmsServer,
        station: Arc<Tase2Station>,
        wake: mpsc::Sender<()>,
        woken: mpsc::Receiver<()>,
    ) -> std::io::Result<Tase2Server> {
        let stats = mms.stats();
        let local_addr = mms.local_addr();
        let stop = Arc::new(AtomicBool::new(false));
        let registry: Registry = Arc::default();
        let (tx, events) = mpsc::channel();
        // New associations wake the receiver from now on; those accepted before are in its
        // first look at the list.
        mms.watch();
        let notifier = mms.notifier();
        let receiver_wakeups = Arc::new(AtomicU64::new(0));
        let receiver = {
            let (station, registry, stop, wake, wakeups) = (
                Arc::clone(&station),
                Arc::clone(&registry),
                Arc::clone(&stop),
                wake.clone(),
                Arc::clone(&receiver_wakeups),
            );
            std::thread::Builder::new()
                .name("tase2-receive".into())
                .spawn(move || receive(&mms, &station, &registry, &stop, &wake, &wakeups))?
        };
        let pump = {
            let (station, stop, registry) = (
                Arc::clone(&station),
                Arc::clone(&stop),
                Arc::clone(&registry),
            );
            std::thread::Builder::new()
                .name("tase2-pump".into())
                .spawn(move || pump(&station, &registry, &stop, &woken, &tx))?
        };
        Ok(Tase2Server {
            station,
            registry,
            local_addr,
            stats,
            wake,
            stop,
            receiver: notifier,
            receiver_wakeups,
            events,
            threads: vec![receiver, pump],
        })
    }

    /// The station (register objects, read values, transfer set states); after changing
    /// it directly, call [`wake`](Self::wake).
    #[must_use]
    pub fn station(&self) -> &Arc<Tase2Station> {
        &self.station
    }

    /// The open association `id` (as station events name it): to send the peer requests
    /// of our own on it (the peer serving as well, client and server on one association).
    #[must_use]
    pub fn association(&self, id: u64) -> Option<MmsAssociation> {
        self.registry.get(id)
    }

    /// As [`association`](Self::association), waiting at most `timeout` for an
    /// association that was just accepted (the receiver thread adds it to the list as soon
    /// as the MMS server accepted the connection).
    #[must_use]
    pub fn association_timeout(&self, id: u64, timeout: Duration) -> Option<MmsAssociation> {
        let start = std::time::Instant::now();
        let mut open = self.registry.open.lock().ok()?;
        loop {
            if let Some(a) = open.get(&id) {
                return Some(a.clone());
            }
            let left = timeout.checked_sub(start.elapsed())?;
            open = self.registry.changed.wait_timeout(open, left).ok()?.0;
        }
    }

    /// The address listened on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Let the pump look at the station now (after a direct change to it).
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }

    /// Update a point's value; reports that fall due go out at once.
    ///
    /// # Errors
    /// As [`Tase2Station::update`].
    pub fn update(&self, point: PointId, value: Value) -> Result<(), StationError> {
        self.station.update(point, value)?;
        self.wake();
        Ok(())
    }

    /// Send an information message from the buffers of `domain` to every association that
    /// enabled messages and may read them; how many it goes to.
    ///
    /// # Errors
    /// As [`Tase2Station::send_message`].
    pub fn send_message(
        &self,
        domain: &Domain,
        header: InfoMessHeader,
        data: &[u8],
    ) -> Result<usize, StationError> {
        let n = self.station.send_message(domain, header, data)?;
        self.wake();
        Ok(n)
    }

    /// The next station event (associations, transfer sets, operates, tags, messages,
    /// acknowledgement timeouts); `None` after [`shutdown`](Self::shutdown).
    pub fn next_event(&self) -> Option<StationEvent> {
        self.events.recv().ok()
    }

    /// As [`next_event`](Self::next_event), waiting at most `timeout`.
    pub fn next_event_timeout(&self, timeout: Duration) -> Option<StationEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// How many times the receiver thread has woken: once per client PDU, association
    /// close, new association or shutdown, never on a timer (an idle server's count stays
    /// put). For diagnostics and tests.
    #[must_use]
    pub fn receiver_wakeups(&self) -> u64 {
        self.receiver_wakeups.load(Ordering::Relaxed)
    }

    /// Stop accepting, abort every association and end the threads (at once: both are
    /// woken).
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.receiver.notify();
        self.wake();
    }

    /// [`shutdown`](Self::shutdown), then wait until both threads have ended (every
    /// association aborted).
    pub fn close(mut self) {
        self.shutdown();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Tase2Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Own the MMS server: clients' unconfirmed PDUs go to the station, the open associations
/// to the registry; ends on `stop` (aborting every association). Sleeps in the MMS
/// server's event channel, which wakes it for every client PDU, close and new association
/// (the server is [`watch`](MmsServer::watch)ed) and for the shutdown's notifier; the list
/// is looked at after each wake-up, so a note lost to a full channel is made up by the
/// events that fill it.
fn receive(
    mms: &MmsServer,
    station: &Tase2Station,
    registry: &Associations,
    stop: &AtomicBool,
    wake: &mpsc::Sender<()>,
    wakeups: &AtomicU64,
) {
    refresh(mms, registry, wake);
    while !stop.load(Ordering::SeqCst) {
        let note = mms.next_note();
        wakeups.fetch_add(1, Ordering::Relaxed);
        refresh(mms, registry, wake);
        if let Note::Event(id, MmsEvent::Unconfirmed(pdu)) = note {
            if let Ok(MmsPdu::Unconfirmed(svc)) = MmsPdu::decode(&pdu) {
                let _ = station.handle_unconfirmed(id, &svc);
            }
            let _ = wake.send(());
        }
    }
    mms.shutdown();
    let _ = wake.send(());
}

/// Copy the MMS server's open associations into `registry` if they changed (and wake the
/// pump and [`Tase2Server::association_timeout`]).
fn refresh(mms: &MmsServer, registry: &Associations, wake: &mpsc::Sender<()>) {
    let open = mms.associations();
    if let Ok(mut r) = registry.open.lock()
        && (r.len() != open.len() || open.iter().any(|a| !r.contains_key(&a.id())))
    {
        *r = open.into_iter().map(|a| (a.id(), a)).collect();
        registry.changed.notify_all();
        let _ = wake.send(());
    }
}

/// Send what the station has to send, forward its events, and sleep until its next
/// deadline or a wake-up.
fn pump(
    station: &Tase2Station,
    registry: &Associations,
    stop: &AtomicBool,
    woken: &mpsc::Receiver<()>,
    events: &mpsc::Sender<StationEvent>,
) {
    let now = clock();
    let mut out = Vec::new();
    let mut pending: Vec<(u64, Vec<u8>)> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let known = |id: u64| registry.get(id);
        pending.retain(|(id, pdu)| match known(*id) {
            Some(a) => {
                if let Err(e) = a.send_unconfirmed_pdu(pdu) {
                    tracing::warn!(association = *id, len = pdu.len(), %e, "TASE.2 report not sent");
                }
                false
            }
            None => true,
        });
        while let Some(id) = station.poll_transmit(now(), &mut out) {
            match known(id) {
                Some(a) => {
                    if let Err(e) = a.send_unconfirmed_pdu(&out) {
                        tracing::warn!(association = id, len = out.len(), %e, "TASE.2 report not sent");
                    }
                }
                None if pending.len() < PENDING_LIMIT => pending.push((id, out.clone())),
                None => {}
            }
        }
        while let Some(e) = station.poll_event() {
            if let StationEvent::Released { association } = &e {
                pending.retain(|(id, _)| id != association);
            }
            let _ = events.send(e);
        }
        let woke = match station.poll_timeout() {
            Some(d) => {
                let wait = d.saturating_duration_since(now());
                match woken.recv_timeout(wait) {
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    _ => true,
                }
            }
            None => woken.recv().is_ok(),
        };
        if !woke {
            break;
        }
        while woken.try_recv().is_ok() {}
    }
}
