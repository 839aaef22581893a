//! [`Tase2Server`]: an [`MmsServer`] serving a [`Tase2Station`] (the station is the MMS
//! directory), and a pump task that sends the station's reports and messages on the
//! association each is for, hands the clients' unconfirmed PDUs (report
//! acknowledgements, information messages) to the station, and forwards the station's
//! events to the application.

use std::net::SocketAddr;
use std::sync::Arc;

use std::collections::HashMap;
use std::sync::Mutex;

use mms_pdu::mms::MmsPdu;
use tase2_transfer_sets::station::{
    Domain, PointId, StationConfig, StationError, StationEvent, Tase2Station, WakingDirectory,
};
use tase2_transfer_sets::{InfoMessHeader, Value};
use telecontrol_core::{Decode, Instant};
use tokio::net::ToSocketAddrs;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::mms::{MmsAssociation, MmsEvent, MmsServer, MmsServerConfig, ServerStats};
use mms_pdu::server::Directory;
use telecontrol_core::admission::AdmissionStats;
use telecontrol_tls::{TlsConfig, TlsStats};

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

/// A TASE.2 server on the current tokio runtime.
pub struct Tase2Server {
    station: Arc<Tase2Station>,
    registry: Registry,
    local_addr: SocketAddr,
    stats: ServerStats,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    events: mpsc::UnboundedReceiver<StationEvent>,
    pump: JoinHandle<()>,
}

type Registry = Arc<Mutex<HashMap<u64, MmsAssociation>>>;

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
    /// The bind error.
    pub async fn bind(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        station: Arc<Tase2Station>,
    ) -> std::io::Result<Tase2Server> {
        let (wake, directory) = waking(&station);
        let mms = MmsServer::bind(addr, config, directory).await?;
        Ok(Tase2Server::start(mms, station, wake))
    }

    /// As [`bind`](Self::bind), accepting TLS connections only (secure ICCP, IEC 62351-4 /
    /// -3; by convention port 3782), as [`MmsServer::bind_tls`]: refused handshakes are
    /// counted in [`tls_stats`](Self::tls_stats).
    ///
    /// # Errors
    /// As [`MmsServer::bind_tls`].
    pub async fn bind_tls(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        station: Arc<Tase2Station>,
        tls: &TlsConfig,
    ) -> std::io::Result<Tase2Server> {
        let (wake, directory) = waking(&station);
        let mms = MmsServer::bind_tls(addr, config, directory, tls).await?;
        Ok(Tase2Server::start(mms, station, wake))
    }

    fn start(mms: MmsServer, station: Arc<Tase2Station>, wake: Arc<Notify>) -> Tase2Server {
        let local_addr = mms.local_addr();
        let stats = mms.stats();
        let stop = Arc::new(Notify::new());
        let (tx, events) = mpsc::unbounded_channel();
        let registry: Registry = Arc::default();
        let pump = tokio::spawn(pump(
            mms,
            Arc::clone(&registry),
            Arc::clone(&station),
            Arc::clone(&wake),
            Arc::clone(&stop),
            tx,
        ));
        Tase2Server {
            station,
            registry,
            local_addr,
            stats,
            wake,
            stop,
            events,
            pump,
        }
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
        self.registry.lock().ok()?.get(&id).cloned()
    }

    /// The address listened on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Let the pump look at the station now (after a direct change to it).
    pub fn wake(&self) {
        self.wake.notify_one();
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
    pub async fn next_event(&mut self) -> Option<StationEvent> {
        self.events.recv().await
    }

    /// Stop accepting, abort every association and end the pump.
    pub fn shutdown(&self) {
        self.stop.notify_one();
    }

    /// [`shutdown`](Self::shutdown), then wait until the pump has ended (every association
    /// aborted).
    pub async fn close(mut self) {
        self.shutdown();
        let _ = (&mut self.pump).await;
    }
}

impl Drop for Tase2Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The station as an MMS directory that wakes the pump whenever it changed.
fn waking(station: &Arc<Tase2Station>) -> (Arc<Notify>, Arc<dyn Directory + Send + Sync>) {
    let wake = Arc::new(Notify::new());
    let directory = Arc::new(WakingDirectory::new(Arc::clone(station), {
        let wake = Arc::clone(&wake);
        move || wake.notify_one()
    }));
    (wake, directory)
}

async fn pump(
    mut mms: MmsServer,
    registry: Registry,
    station: Arc<Tase2Station>,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    events: mpsc::UnboundedSender<StationEvent>,
) {
    let now = clock();
    let mut out = Vec::new();
    loop {
        if let Ok(mut r) = registry.lock() {
            let open = mms.associations();
            if r.len() != open.len() || open.iter().any(|a| !r.contains_key(&a.id())) {
                *r = open.into_iter().map(|a| (a.id(), a)).collect();
            }
        }
        let t = now();
        while let Some(id) = station.poll_transmit(t, &mut out) {
            if let Some(a) = mms.association(id)
                && let Err(e) = a.send_unconfirmed_pdu(&out)
            {
                tracing::warn!(association = id, len = out.len(), %e, "TASE.2 report not sent");
            }
        }
        while let Some(e) = station.poll_event() {
            let _ = events.send(e);
        }
        let sleep = station.poll_timeout().map(|d| {
            let wait = d.saturating_duration_since(now());
            let at = tokio::time::Instant::now();
            at.checked_add(wait).unwrap_or(at)
        });
        tokio::select! {
            ev = mms.next_event() => match ev {
                Some((id, MmsEvent::Unconfirmed(pdu))) => {
                    if let Ok(MmsPdu::Unconfirmed(svc)) = MmsPdu::decode(&pdu) {
                        let _ = station.handle_unconfirmed(id, &svc);
                    }
                }
                Some((_, MmsEvent::Closed(_))) => {}
                None => break,
            },
            () = wake.notified() => {}
            () = async {
                match sleep {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {}
            () = stop.notified() => break,
        }
    }
    mms.shutdown();
}
