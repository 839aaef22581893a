//! [`Tase2Client`] on threads: the TASE.2 client procedures (IEC 60870-6-503) over an [`MmsClient`],
//! each built and interpreted by the sans-IO client core
//! ([`tase2_transfer_sets::client`]); received reports are typed and critical ones
//! acknowledged by the core's [`ReportTracker`].

use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;

use mms_pdu::association::CloseReason;
use mms_pdu::mms::{ObjectClass, ObjectScope};
use tase2_transfer_sets::client::{
    self as core, ClientError, ClientSession, DefineDataSet, DeleteDataSet, DeviceTag,
    IdentityCheck, Names, PeerCheck, PointName, Procedure, Read, ReadTag, ReadValue, ReportTracker,
    RequestStorage, Select, StartTransferSet, StopTransferSet, TransferSetOptions, Write,
};
use tase2_transfer_sets::station::{PointId, StationEvent, Tase2Station, WakingDirectory};
use tase2_transfer_sets::{
    ComponentValue, DeviceValue, DsTransferSetComponent, InfoMessHeader, TagState, Value, ValueKind,
};

use telecontrol_tls::pki_types::ServerName;
use telecontrol_tls::{TlsConfig, TlsConnectError};

use super::serving::Serving;
use crate::mms::{MmsAssociation, MmsClient, MmsError};

mod events;

use events::send_pdu;

pub use core::{Tase2ClientConfig, Tase2ClientError, Tase2ClientEvent};

/// A TASE.2 client on one association.
#[derive(Debug)]
pub struct Tase2Client {
    mms: MmsClient,
    session: ClientSession,
    serving: Option<Serving>,
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving").finish_non_exhaustive()
    }
}

/// Send `procedure`'s requests and hand it the answers until it is done.
fn run<P: Procedure>(mms: &MmsClient, mut procedure: P) -> Result<P::Output, Tase2ClientError> {
    let done = (|| {
        loop {
            let mut storage = RequestStorage::default();
            let r = mms.request(procedure.request(&mut storage)?)?;
            if let Some(out) = procedure.answer_response(&r)? {
                return Ok(out);
            }
        }
    })();
    procedure.settle(done)
}

impl Tase2Client {
    /// Connect, associate, read `TASE2_Version`, `Supported_Features` and
    /// `Bilateral_Table_ID` and check them; the association is aborted if they do not
    /// match.
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`] if the association fails (a server without a bilateral
    /// table for us refuses it), [`Tase2ClientError::Client`] with
    /// [`ClientError::Version`], [`ClientError::Feature`], [`ClientError::TableId`] or
    /// [`ClientError::Access`] when the check fails.
    pub fn connect(
        addr: impl ToSocketAddrs,
        config: Tase2ClientConfig,
    ) -> Result<Tase2Client, Tase2ClientError> {
        let mms = MmsClient::connect(addr, config.association)?;
        Self::check(mms, config, None)
    }

    /// As [`connect`](Self::connect), over TLS (secure ICCP, IEC 62351-4 / -3; by
    /// convention port 3782): as [`MmsClient::connect_tls`], then the TASE.2 checks.
    ///
    /// # Errors
    /// [`TlsConnectError::Config`] and [`TlsConnectError::Refused`] as
    /// [`MmsClient::connect_tls`]; [`TlsConnectError::Protocol`] with the errors of
    /// [`connect`](Self::connect).
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        config: Tase2ClientConfig,
        tls: &TlsConfig,
        server_name: ServerName<'static>,
    ) -> Result<Tase2Client, TlsConnectError<Tase2ClientError>> {
        let mms = MmsClient::connect_tls(addr, config.association, tls, server_name)
            .map_err(|e| e.map(Tase2ClientError::Mms))?;
        Self::check(mms, config, None).map_err(TlsConnectError::Protocol)
    }

    /// As [`connect`](Self::connect), and serve the peer on the same association from our
    /// own `station` (client and server roles on one association, as control centres
    /// do): the peer's requests are answered under our bilateral table `table_id`
    /// (`None`: as an anonymous peer of an open station), its acknowledgements reach the
    /// station, and the station's reports and messages for this association are sent.
    /// The station must serve this association only (no [`Tase2Server`](super::Tase2Server)
    /// on it); its events come from [`next_station_event`](Self::next_station_event).
    ///
    /// # Errors
    /// As [`connect`](Self::connect); [`Tase2ClientError::Station`] for an unknown
    /// `table_id`.
    pub fn connect_serving(
        addr: impl ToSocketAddrs,
        config: Tase2ClientConfig,
        station: Arc<Tase2Station>,
        table_id: Option<&str>,
    ) -> Result<Tase2Client, Tase2ClientError> {
        let (wake, woken) = Serving::waker();
        let directory = Arc::new(WakingDirectory::new(Arc::clone(&station), {
            let wake = std::sync::Mutex::new(wake.clone());
            move || {
                if let Ok(w) = wake.lock() {
                    let _ = w.send(());
                }
            }
        }));
        let mms = MmsClient::connect_serving(addr, config.association, Some(directory.clone()))?;
        if let Err(e) = station.attach(mms.association().id(), table_id) {
            mms.abort();
            return Err(Tase2ClientError::Station(e));
        }
        let serving = Serving::start(mms.association().clone(), station, wake, woken)
            .map_err(|e| Tase2ClientError::Mms(MmsError::Io(e.kind())))?;
        Self::check(mms, config, Some((directory, serving)))
    }

    /// Our station, when serving ([`connect_serving`](Self::connect_serving)).
    #[must_use]
    pub fn station(&self) -> Option<&Arc<Tase2Station>> {
        self.session.station()
    }

    /// Update a point of our station (when serving); its reports go out at once.
    ///
    /// # Errors
    /// [`Tase2ClientError::Station`]: not serving, unknown point or wrong type.
    pub fn update(&self, point: PointId, value: Value) -> Result<(), Tase2ClientError> {
        self.session.update(point, value)
    }

    /// The next event of our station (when serving), waiting at most `timeout`; `None`
    /// when not serving, nothing came in time, or the association is gone.
    pub fn next_station_event(&mut self, timeout: Duration) -> Option<StationEvent> {
        self.serving.as_mut()?.events.recv_timeout(timeout).ok()
    }

    fn check(
        mms: MmsClient,
        config: Tase2ClientConfig,
        serving: Option<(Arc<WakingDirectory>, Serving)>,
    ) -> Result<Tase2Client, Tase2ClientError> {
        match run(&mms, IdentityCheck::new(&config)) {
            Ok(peer) => {
                let (directory, serving) = serving.unzip();
                Ok(Tase2Client {
                    session: ClientSession::new(config.icc_domain, peer, directory),
                    mms,
                    serving,
                })
            }
            Err(e) => {
                mms.abort();
                Err(e)
            }
        }
    }

    /// What the association check found (version, features, table id).
    #[must_use]
    pub fn peer(&self) -> &PeerCheck {
        self.session.peer()
    }

    /// Our ICC domain.
    #[must_use]
    pub fn icc_domain(&self) -> &str {
        self.session.icc_domain()
    }

    /// The MMS association (for services this type does not wrap).
    #[must_use]
    pub fn association(&self) -> &MmsAssociation {
        self.mms.association()
    }

    /// What the TLS connection negotiated, as [`MmsClient::tls_session`]; `None` over plain
    /// TCP.
    #[must_use]
    pub fn tls_session(&self) -> Option<telecontrol_tls::TlsSession> {
        self.mms.tls_session()
    }

    /// This client's TLS handshake in the servers' stats type, as
    /// [`MmsClient::tls_stats`]; `None` over plain TCP.
    #[must_use]
    pub fn tls_stats(&self) -> Option<telecontrol_tls::TlsStats> {
        self.mms.tls_stats()
    }

    /// The client's memory of data sets, point types and transfer sets.
    #[must_use]
    pub fn tracker(&self) -> &ReportTracker {
        self.session.tracker()
    }

    /// Critical reports acknowledged so far.
    #[must_use]
    pub fn acknowledged(&self) -> u64 {
        self.session.acknowledged()
    }

    /// Events dropped because `next_report` / `next_message` put aside
    /// [`SET_ASIDE`](tase2_transfer_sets::client::SET_ASIDE) events of other kinds while
    /// waiting (read them with `next_event`, or wait for them too, to lose none).
    #[must_use]
    pub fn set_aside_dropped(&self) -> u64 {
        self.session.set_aside_dropped()
    }

    /// A name in our ICC domain.
    #[must_use]
    pub fn icc(&self, item: &str) -> PointName {
        self.session.icc(item)
    }

    /// Discovery: every name of `class` in `scope` (GetNameList, following `moreFollows`).
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`] (e.g. a ServiceError for an unknown domain).
    pub fn names(
        &self,
        class: ObjectClass,
        scope: ObjectScope<'_>,
    ) -> Result<Vec<String>, Tase2ClientError> {
        run(&self.mms, Names::new(class, scope))
    }

    /// Read points, each typed by its -802 kind (remembered for later reports); one result
    /// per point (`ClientError::Access` for a point the server refuses).
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`], or [`Tase2ClientError::Client`] for a malformed answer.
    pub fn read(
        &mut self,
        points: &[(PointName, ValueKind)],
    ) -> Result<Vec<Result<Value, ClientError>>, Tase2ClientError> {
        run(&self.mms, Read::new(&mut self.session, points))
    }

    /// Read one point.
    ///
    /// # Errors
    /// As [`read`](Self::read), and the point's own error.
    pub fn read_value(
        &mut self,
        point: &PointName,
        kind: ValueKind,
    ) -> Result<Value, Tase2ClientError> {
        run(&self.mms, ReadValue::new(&mut self.session, point, kind))
    }

    /// Define the ICC data set `name`: `Transfer_Set_Name`, `Transfer_Set_Time_Stamp`,
    /// `DSConditions_Detected`, then `points` (their kinds remembered for reports).
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`] with the server's ServiceError (a member not in the
    /// bilateral table: `object-attribute-inconsistent` / access), or a bad name.
    pub fn define_data_set(
        &mut self,
        name: &str,
        points: &[(PointName, ValueKind)],
    ) -> Result<PointName, Tase2ClientError> {
        run(
            &self.mms,
            DefineDataSet::new(&mut self.session, name, points),
        )
    }

    /// Delete the ICC data set `name`; whether the server deleted it.
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`], [`Tase2ClientError::Client`].
    pub fn delete_data_set(&mut self, name: &str) -> Result<bool, Tase2ClientError> {
        run(&self.mms, DeleteDataSet::new(&mut self.session, name))
    }

    /// Get a transfer set (`Next_DSTransfer_Set`) and start it on the ICC data set
    /// `data_set` with `options` (a whole write with `Status` true); its name.
    ///
    /// # Errors
    /// [`ClientError::Access`] (`temporarily-unavailable`: none free; a refused write),
    /// [`Tase2ClientError::Mms`].
    pub fn start_transfer_set(
        &mut self,
        data_set: &str,
        options: TransferSetOptions,
    ) -> Result<PointName, Tase2ClientError> {
        let start = StartTransferSet::new(&mut self.session, data_set, options);
        run(&self.mms, start)
    }

    /// Stop a transfer set this client started (its whole value written again with
    /// `Status` false).
    ///
    /// # Errors
    /// [`ClientError::BadName`] for a transfer set this client did not start; as
    /// [`start_transfer_set`](Self::start_transfer_set).
    pub fn stop_transfer_set(&mut self, ts: &PointName) -> Result<(), Tase2ClientError> {
        run(&self.mms, StopTransferSet::new(&mut self.session, ts)?)
    }

    /// Write one component of a transfer set (MMS alternate access).
    ///
    /// # Errors
    /// [`ClientError::Value`] for a value of another type; the server's refusal.
    pub fn write_transfer_set_component(
        &self,
        ts: &PointName,
        component: DsTransferSetComponent,
        value: ComponentValue<'_>,
    ) -> Result<(), Tase2ClientError> {
        run(&self.mms, Write::component(ts, component, value))
    }

    /// Select a device for operation: Read of `<dev>_SBO`; its CheckBackID.
    ///
    /// # Errors
    /// [`ClientError::Access`] when the server refuses (already selected, tagged, no
    /// right).
    pub fn select(&self, device: &PointName) -> Result<i16, Tase2ClientError> {
        run(&self.mms, Select::new(device)?)
    }

    /// Operate a device (Write of its value; after [`select`](Self::select) for an SBO
    /// device).
    ///
    /// # Errors
    /// [`ClientError::Access`] when refused (not selected, select timed out, tagged, no
    /// right).
    pub fn operate(&self, device: &PointName, value: DeviceValue) -> Result<(), Tase2ClientError> {
        run(&self.mms, Write::operate(device, value))
    }

    /// Read a device's tag (`<dev>_TAG`).
    ///
    /// # Errors
    /// [`ClientError::Access`] without the get-tag right.
    pub fn tag(&self, device: &PointName) -> Result<DeviceTag, Tase2ClientError> {
        run(&self.mms, ReadTag::new(device)?)
    }

    /// Set a device's tag (Write of `<dev>_TAG`).
    ///
    /// # Errors
    /// [`ClientError::Access`] without the set-tag right, or while another table's tag
    /// holds.
    pub fn set_tag(
        &self,
        device: &PointName,
        tag: TagState,
        reason: &str,
    ) -> Result<(), Tase2ClientError> {
        run(&self.mms, Write::tag(device, tag, reason)?)
    }

    /// Enable or disable information messages on this association (`IM_Transfer_Set`).
    ///
    /// # Errors
    /// The server's refusal; [`Tase2ClientError::Mms`].
    pub fn enable_messages(&self, enable: bool) -> Result<(), Tase2ClientError> {
        run(&self.mms, Write::messages(enable))
    }

    /// Send an information message to the server, in our ICC domain (`icc` true) or VMD
    /// scope; `header.size` is set to the text's length.
    ///
    /// # Errors
    /// [`ClientError::MessageSize`] for an oversized text; [`Tase2ClientError::Mms`] if it
    /// cannot be queued.
    pub fn send_message(
        &self,
        icc: bool,
        header: InfoMessHeader,
        text: &[u8],
    ) -> Result<(), Tase2ClientError> {
        let pdu = self.session.message(icc, header, text)?;
        send_pdu(&self.mms, &pdu)
    }

    /// Conclude the association (bounded by `timeout`).
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`] if the release did not complete.
    pub fn conclude(self, timeout: Duration) -> Result<CloseReason, Tase2ClientError> {
        Ok(self.mms.conclude(timeout)?)
    }
}
