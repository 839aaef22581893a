//! [`Tase2Server`]: an [`MmsServer`] serving a [`Tase2Station`] (the station is the MMS
//! directory), and a pump task that sends the station's reports and messages on the
//! association each is for, hands the clients' unconfirmed PDUs (report
//! acknowledgements, information messages) to the station, and forwards the station's
//! events to the application.

use std::net::SocketAddr;
use std::sync::Arc;

use mms_pdu::association::{AssociateIndication, Refusal};
use mms_pdu::mms::{
    Data, DataAccessError, ErrorClass, IdentifyResponse, MmsPdu, ObjectClass, ObjectName,
    ObjectScope, StatusResponse,
};
use mms_pdu::server::Directory;
use tase2_transfer_sets::station::{
    Domain, PointId, StationConfig, StationError, StationEvent, Tase2Station,
};
use tase2_transfer_sets::{InfoMessHeader, Value};
use telecontrol_core::{Decode, Instant, Writer};
use tokio::net::ToSocketAddrs;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::mms::{MmsEvent, MmsServer, MmsServerConfig};

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

/// The station seen as an MMS directory that wakes the pump after every call (a write may
/// enable a transfer set whose first report is due at once).
struct Woken {
    station: Arc<Tase2Station>,
    wake: Arc<Notify>,
}

impl Woken {
    fn woke<T>(&self, t: T) -> T {
        self.wake.notify_one();
        t
    }
}

impl Directory for Woken {
    fn identify(&self) -> IdentifyResponse<'_> {
        self.station.identify()
    }
    fn associate(&self, association: u64, ind: &AssociateIndication<'_>) -> Result<(), Refusal> {
        self.woke(self.station.associate(association, ind))
    }
    fn released(&self, association: u64) {
        self.station.released(association);
        self.wake.notify_one();
    }
    fn status(&self) -> StatusResponse<'_> {
        self.station.status()
    }
    fn names(
        &self,
        association: u64,
        class: ObjectClass,
        scope: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        self.station.names(association, class, scope, after, out)
    }
    fn variable_type(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        self.station.variable_type(association, name, out)
    }
    fn read(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        self.woke(self.station.read(association, name, out))
    }
    fn write(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        self.woke(self.station.write(association, name, value))
    }
    fn list_members(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        self.station.list_members(association, name, out)
    }
    fn define_list(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        self.station.define_list(association, name, members)
    }
    fn delete_list(&self, association: u64, name: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        self.woke(self.station.delete_list(association, name))
    }
}

/// A TASE.2 server on the current tokio runtime.
pub struct Tase2Server {
    station: Arc<Tase2Station>,
    local_addr: SocketAddr,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    events: mpsc::UnboundedReceiver<StationEvent>,
    pump: JoinHandle<()>,
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
    /// first, if set).
    ///
    /// # Errors
    /// The bind error.
    pub async fn bind(
        addr: impl ToSocketAddrs,
        config: MmsServerConfig,
        station: Arc<Tase2Station>,
    ) -> std::io::Result<Tase2Server> {
        let wake = Arc::new(Notify::new());
        let directory = Arc::new(Woken {
            station: Arc::clone(&station),
            wake: Arc::clone(&wake),
        });
        let mms = MmsServer::bind(addr, config, directory).await?;
        let local_addr = mms.local_addr();
        let stop = Arc::new(Notify::new());
        let (tx, events) = mpsc::unbounded_channel();
        let pump = tokio::spawn(pump(
            mms,
            Arc::clone(&station),
            Arc::clone(&wake),
            Arc::clone(&stop),
            tx,
        ));
        Ok(Tase2Server {
            station,
            local_addr,
            wake,
            stop,
            events,
            pump,
        })
    }

    /// The station (register objects, read values, transfer set states); after changing
    /// it directly, call [`wake`](Self::wake).
    #[must_use]
    pub fn station(&self) -> &Arc<Tase2Station> {
        &self.station
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

async fn pump(
    mut mms: MmsServer,
    station: Arc<Tase2Station>,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    events: mpsc::UnboundedSender<StationEvent>,
) {
    let now = clock();
    let mut out = Vec::new();
    loop {
        let t = now();
        while let Some(id) = station.poll_transmit(t, &mut out) {
            if let Some(a) = mms.association(id) {
                let _ = a.send_unconfirmed_pdu(&out);
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
