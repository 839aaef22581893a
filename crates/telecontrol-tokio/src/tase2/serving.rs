//! The station side shared by [`Tase2Server`](super::Tase2Server) and a serving
//! [`Tase2Client`](super::Tase2Client): the station as an MMS directory that wakes its pump,
//! and (for a client) the pump of the one association it serves.

use std::sync::Arc;

use mms_pdu::association::{AssociateIndication, Refusal};
use mms_pdu::mms::{
    AlternateAccess, Data, DataAccessError, ErrorClass, IdentifyResponse, ObjectClass, ObjectName,
    ObjectScope, StatusResponse,
};
use mms_pdu::server::Directory;
use tase2_transfer_sets::station::{StationEvent, Tase2Station};
use telecontrol_core::Writer;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::clock;
use crate::mms::MmsAssociation;

/// The station seen as an MMS directory that wakes the pump after every call (a write may
/// enable a transfer set whose first report is due at once).
pub(crate) struct Woken {
    station: Arc<Tase2Station>,
    wake: Box<dyn Fn() + Send + Sync>,
}

impl Woken {
    pub(crate) fn new(station: Arc<Tase2Station>, wake: impl Fn() + Send + Sync + 'static) -> Self {
        Woken {
            station,
            wake: Box::new(wake),
        }
    }

    fn woke<T>(&self, t: T) -> T {
        (self.wake)();
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
        (self.wake)();
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
    fn write_part(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        access: &AlternateAccess<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        self.woke(self.station.write_part(association, name, access, value))
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

/// A client association's server role: the station and the task pumping its reports and
/// messages onto the association.
pub(crate) struct Serving {
    pub(crate) station: Arc<Tase2Station>,
    wake: Arc<Notify>,
    pub(crate) events: mpsc::UnboundedReceiver<StationEvent>,
    pump: JoinHandle<()>,
}

impl Serving {
    /// Pump `station`'s PDUs for `association` (those for other associations are
    /// dropped: the station serves this association only) and its events.
    pub(crate) fn start(
        association: MmsAssociation,
        station: Arc<Tase2Station>,
        wake: Arc<Notify>,
    ) -> Self {
        let (tx, events) = mpsc::unbounded_channel();
        let pump = tokio::spawn(pump(
            association,
            Arc::clone(&station),
            Arc::clone(&wake),
            tx,
        ));
        Serving {
            station,
            wake,
            events,
            pump,
        }
    }

    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

async fn pump(
    association: MmsAssociation,
    station: Arc<Tase2Station>,
    wake: Arc<Notify>,
    events: mpsc::UnboundedSender<StationEvent>,
) {
    let now = clock();
    let mut out = Vec::new();
    loop {
        while let Some(id) = station.poll_transmit(now(), &mut out) {
            if id == association.id() {
                let _ = association.send_unconfirmed_pdu(&out);
            }
        }
        while let Some(e) = station.poll_event() {
            let _ = events.send(e);
        }
        if association.is_closed() {
            return;
        }
        let sleep = station.poll_timeout().map(|d| {
            let wait = d.saturating_duration_since(now());
            let at = tokio::time::Instant::now();
            at.checked_add(wait).unwrap_or(at)
        });
        tokio::select! {
            () = wake.notified() => {}
            () = async {
                match sleep {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}
