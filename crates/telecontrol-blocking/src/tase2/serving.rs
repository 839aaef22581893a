//! The station side shared by [`Tase2Server`](super::Tase2Server) and a serving
//! [`Tase2Client`](super::Tase2Client): the station as an MMS directory that wakes its pump,
//! and (for a client) the pump thread of the one association it serves.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use mms_pdu::association::{AssociateIndication, Refusal};
use mms_pdu::mms::{
    AlternateAccess, Data, DataAccessError, ErrorClass, IdentifyResponse, ObjectClass, ObjectName,
    ObjectScope, StatusResponse,
};
use mms_pdu::server::Directory;
use tase2_transfer_sets::station::{StationEvent, Tase2Station};
use telecontrol_core::Writer;

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

/// A client association's server role: the station and the thread pumping its reports
/// and messages onto the association.
pub(crate) struct Serving {
    pub(crate) station: Arc<Tase2Station>,
    wake: Mutex<mpsc::Sender<()>>,
    stop: Arc<AtomicBool>,
    pub(crate) events: mpsc::Receiver<StationEvent>,
    pump: Option<JoinHandle<()>>,
}

impl Serving {
    /// The waker to give [`Woken`] and the receiving end for [`Serving::start`].
    pub(crate) fn waker() -> (mpsc::Sender<()>, mpsc::Receiver<()>) {
        mpsc::channel()
    }

    /// Pump `station`'s PDUs for `association` (those for other associations are
    /// dropped: the station serves this association only) and its events.
    ///
    /// # Errors
    /// The thread could not be started.
    pub(crate) fn start(
        association: MmsAssociation,
        station: Arc<Tase2Station>,
        wake: mpsc::Sender<()>,
        woken: mpsc::Receiver<()>,
    ) -> std::io::Result<Self> {
        let (tx, events) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let pump = {
            let (station, stop) = (Arc::clone(&station), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("tase2-serve".into())
                .spawn(move || pump(&association, &station, &stop, &woken, &tx))?
        };
        Ok(Serving {
            station,
            wake: Mutex::new(wake),
            stop,
            events,
            pump: Some(pump),
        })
    }

    pub(crate) fn wake(&self) {
        if let Ok(w) = self.wake.lock() {
            let _ = w.send(());
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake();
        if let Some(t) = self.pump.take() {
            let _ = t.join();
        }
    }
}

fn pump(
    association: &MmsAssociation,
    station: &Tase2Station,
    stop: &AtomicBool,
    woken: &mpsc::Receiver<()>,
    events: &mpsc::Sender<StationEvent>,
) {
    let now = clock();
    let mut out = Vec::new();
    while !stop.load(Ordering::SeqCst) {
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
        let woke = match station.poll_timeout() {
            Some(d) => !matches!(
                woken.recv_timeout(d.saturating_duration_since(now())),
                Err(mpsc::RecvTimeoutError::Disconnected)
            ),
            None => woken.recv().is_ok(),
        };
        if !woke {
            return;
        }
        while woken.try_recv().is_ok() {}
    }
}
