//! The station as an MMS directory that wakes the adapter's pump after every call that
//! may make a PDU due (feature `std`): what a TASE.2 server adapter and a client serving
//! its own station on its association both give their MMS layer.

use core::fmt;
use std::boxed::Box;
use std::sync::Arc;
use std::vec::Vec;

use mms_pdu::association::{AssociateIndication, Refusal};
use mms_pdu::mms::{
    AlternateAccess, ConfirmedServiceRequest, Data, DataAccessError, ErrorClass, IdentifyResponse,
    MmsPdu, ObjectClass, ObjectName, ObjectScope, StatusResponse,
};
use mms_pdu::server::Directory;
use telecontrol_core::{Decode, Instant, Writer};

use super::{PointId, StationError, StationEvent, Tase2Station};
use crate::Value;

/// The station seen as an MMS directory that calls `wake` after every call that may make
/// a PDU due (a write may enable a transfer set whose first report is due at once; an
/// association's end stops its transfer sets): the adapter's pump then drains
/// [`Tase2Station::poll_transmit`] and [`Tase2Station::poll_event`] again.
pub struct WakingDirectory {
    station: Arc<Tase2Station>,
    wake: Box<dyn Fn() + Send + Sync>,
}

impl fmt::Debug for WakingDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakingDirectory").finish_non_exhaustive()
    }
}

impl WakingDirectory {
    /// `station`, waking the pump with `wake`.
    pub fn new(station: Arc<Tase2Station>, wake: impl Fn() + Send + Sync + 'static) -> Self {
        WakingDirectory {
            station,
            wake: Box::new(wake),
        }
    }

    /// The station.
    #[must_use]
    pub fn station(&self) -> &Arc<Tase2Station> {
        &self.station
    }

    /// Wake the pump.
    pub fn wake(&self) {
        (self.wake)();
    }

    fn woke<T>(&self, t: T) -> T {
        self.wake();
        t
    }

    /// [`Tase2Station::update`], then wake the pump (its reports go out at once).
    ///
    /// # Errors
    /// As [`Tase2Station::update`].
    pub fn update(&self, point: PointId, value: Value) -> Result<(), StationError> {
        self.station.update(point, value)?;
        self.wake();
        Ok(())
    }

    /// An encoded unconfirmed PDU the peer of `association` sent: to
    /// [`Tase2Station::handle_unconfirmed`] (report acknowledgements, messages), then
    /// wake the pump. Anything else, and what the station does not understand, is
    /// ignored.
    pub fn handle_pdu(&self, association: u64, pdu: &[u8]) {
        if let Ok(MmsPdu::Unconfirmed(svc)) = MmsPdu::decode(pdu) {
            let _ = self.station.handle_unconfirmed(association, &svc);
            self.wake();
        }
    }
}

impl Tase2Station {
    /// What a pump does for a station that serves the one association `association` (a
    /// client serving its own station): every PDU due at `now()` to `send` (those for
    /// other associations are dropped), built in `out`, then every event to `event`.
    /// Their errors are ignored (an association closing, an application that stopped
    /// listening).
    pub fn drain_for<A, B>(
        &self,
        association: u64,
        now: impl Fn() -> Instant,
        out: &mut Vec<u8>,
        mut send: impl FnMut(&[u8]) -> Result<(), A>,
        mut event: impl FnMut(StationEvent) -> Result<(), B>,
    ) {
        while let Some(id) = self.poll_transmit(now(), out) {
            if id == association {
                let _ = send(out);
            }
        }
        while let Some(e) = self.poll_event() {
            let _ = event(e);
        }
    }
}

impl Directory for WakingDirectory {
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
    fn withhold(&self, association: u64, request: &ConfirmedServiceRequest<'_>) -> bool {
        self.woke(self.station.withhold(association, request))
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
