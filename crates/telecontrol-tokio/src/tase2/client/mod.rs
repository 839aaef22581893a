//! [`Tase2Client`]: the TASE.2 client procedures (IEC 60870-6-503) over an [`MmsClient`],
//! each built and interpreted by the sans-IO client core
//! ([`tase2_transfer_sets::client`]); received reports are typed and critical ones
//! acknowledged by the core's [`ReportTracker`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use mms_pdu::association::CloseReason;
use mms_pdu::mms::{
    ConfirmedServiceRequest, ConfirmedServiceResponse, Data, ObjectClass, ObjectName, ObjectScope,
};
use tase2_transfer_sets::client::{
    self as core, ClientError, ComponentStorage, DeviceTag, Expectation, IdentityStorage,
    PLACEHOLDER_ITEM, PLACEHOLDER_NAME, PeerCheck, PointName, ReportTracker, Suffixed,
    TransferSetOptions, TransferSetStorage, WriteStorage,
};
use tase2_transfer_sets::objects::{SBO_SUFFIX, Scope, TAG_SUFFIX, Tase2Name};
use tase2_transfer_sets::station::{StationError, StationEvent, Tase2Station};
use tase2_transfer_sets::{
    ComponentValue, DeviceValue, DsTransferSetComponent, InfoMessHeader, TagState, TagValue, Value,
    ValueKind,
};
use tokio::net::ToSocketAddrs;
use tokio::sync::Notify;

use super::serving::{Serving, Woken};
use crate::mms::{MmsAssociation, MmsClient, MmsError, Response};

mod events;
mod types;

pub use types::{Tase2ClientConfig, Tase2ClientError, Tase2ClientEvent};

/// A TASE.2 client on one association.
#[derive(Debug)]
pub struct Tase2Client {
    mms: MmsClient,
    icc: String,
    peer: PeerCheck,
    tracker: ReportTracker,
    queued: VecDeque<Tase2ClientEvent>,
    acknowledged: u64,
    serving: Option<Serving>,
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving").finish_non_exhaustive()
    }
}

fn answer(r: &Response) -> Result<ConfirmedServiceResponse<'_>, Tase2ClientError> {
    r.service()
        .ok_or(Tase2ClientError::Mms(MmsError::UnexpectedAnswer))
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
    pub async fn connect(
        addr: impl ToSocketAddrs,
        config: Tase2ClientConfig,
    ) -> Result<Tase2Client, Tase2ClientError> {
        let mms = MmsClient::connect(addr, config.association).await?;
        Self::check(mms, config).await
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
    pub async fn connect_serving(
        addr: impl ToSocketAddrs,
        config: Tase2ClientConfig,
        station: Arc<Tase2Station>,
        table_id: Option<&str>,
    ) -> Result<Tase2Client, Tase2ClientError> {
        let wake = Arc::new(Notify::new());
        let directory = Arc::new(Woken::new(Arc::clone(&station), {
            let wake = Arc::clone(&wake);
            move || wake.notify_one()
        }));
        let mms = MmsClient::connect_serving(addr, config.association, Some(directory)).await?;
        if let Err(e) = station.attach(mms.association().id(), table_id) {
            mms.abort();
            return Err(Tase2ClientError::Station(e));
        }
        let serving = Serving::start(mms.association().clone(), station, wake);
        let mut client = Self::check(mms, config).await?;
        client.serving = Some(serving);
        Ok(client)
    }

    /// Our station, when serving ([`connect_serving`](Self::connect_serving)).
    #[must_use]
    pub fn station(&self) -> Option<&Arc<Tase2Station>> {
        self.serving.as_ref().map(|s| &s.station)
    }

    /// Update a point of our station (when serving); its reports go out at once.
    ///
    /// # Errors
    /// [`Tase2ClientError::Station`]: not serving, unknown point or wrong type.
    pub fn update(
        &self,
        point: tase2_transfer_sets::station::PointId,
        value: Value,
    ) -> Result<(), Tase2ClientError> {
        let s = self
            .serving
            .as_ref()
            .ok_or(Tase2ClientError::Station(StationError::Unknown {
                what: "station",
            }))?;
        s.station
            .update(point, value)
            .map_err(Tase2ClientError::Station)?;
        s.wake();
        Ok(())
    }

    /// The next event of our station (when serving); `None` when not serving or once the
    /// association is gone.
    pub async fn next_station_event(&mut self) -> Option<StationEvent> {
        self.serving.as_mut()?.events.recv().await
    }

    async fn check(
        mms: MmsClient,
        config: Tase2ClientConfig,
    ) -> Result<Tase2Client, Tase2ClientError> {
        let checked = async {
            let mut st = IdentityStorage::default();
            let r = mms
                .request(core::identity_request(&config.icc_domain, &mut st)?)
                .await?;
            let expect = Expectation {
                icc_domain: &config.icc_domain,
                table_id: config.table_id.as_deref(),
                versions: &config.versions,
                blocks: &config.blocks,
            };
            Ok::<_, Tase2ClientError>(core::check_identity(&answer(&r)?, &expect)?)
        }
        .await;
        match checked {
            Ok(peer) => Ok(Tase2Client {
                mms,
                icc: config.icc_domain,
                peer,
                tracker: ReportTracker::new(),
                queued: VecDeque::new(),
                acknowledged: 0,
                serving: None,
            }),
            Err(e) => {
                mms.abort();
                Err(e)
            }
        }
    }

    /// What the association check found (version, features, table id).
    #[must_use]
    pub fn peer(&self) -> &PeerCheck {
        &self.peer
    }

    /// Our ICC domain.
    #[must_use]
    pub fn icc_domain(&self) -> &str {
        &self.icc
    }

    /// The MMS association (for services this type does not wrap).
    #[must_use]
    pub fn association(&self) -> &MmsAssociation {
        self.mms.association()
    }

    /// The client's memory of data sets, point types and transfer sets.
    #[must_use]
    pub fn tracker(&self) -> &ReportTracker {
        &self.tracker
    }

    /// Critical reports acknowledged so far.
    #[must_use]
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged
    }

    /// A name in our ICC domain.
    #[must_use]
    pub fn icc(&self, item: &str) -> PointName {
        PointName::icc(&self.icc, item)
    }

    async fn request(
        &self,
        req: ConfirmedServiceRequest<'_>,
    ) -> Result<Response, Tase2ClientError> {
        Ok(self.mms.request(req).await?)
    }

    /// Discovery: every name of `class` in `scope` (GetNameList, following `moreFollows`).
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`] (e.g. a ServiceError for an unknown domain).
    pub async fn names(
        &self,
        class: ObjectClass,
        scope: ObjectScope<'_>,
    ) -> Result<Vec<String>, Tase2ClientError> {
        let mut names: Vec<String> = Vec::new();
        loop {
            let last = names.last().cloned();
            let r = self
                .request(core::name_list_request(class, scope, last.as_deref())?)
                .await?;
            let (list, more) = core::name_list_response(&answer(&r)?)?;
            let before = names.len();
            names.extend(list.iter().map(|i| i.as_str().to_owned()));
            if !more || names.len() == before {
                return Ok(names);
            }
        }
    }

    /// Read points, each typed by its -802 kind (remembered for later reports); one result
    /// per point (`ClientError::Access` for a point the server refuses).
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`], or [`Tase2ClientError::Client`] for a malformed answer.
    pub async fn read(
        &mut self,
        points: &[(PointName, ValueKind)],
    ) -> Result<Vec<Result<Value, ClientError>>, Tase2ClientError> {
        let names: Vec<ObjectName<'_>> = points
            .iter()
            .map(|(p, _)| p.object_name())
            .collect::<Result<_, _>>()?;
        let mut items = vec![PLACEHOLDER_ITEM; names.len()];
        let r = self
            .request(core::read_request(&names, &mut items)?)
            .await?;
        let results = core::read_results(&answer(&r)?, names.len())?;
        for (p, k) in points {
            self.tracker.add_point(p.clone(), *k);
        }
        Ok(results
            .iter()
            .zip(points)
            .enumerate()
            .map(|(i, (res, (_, kind)))| core::typed_value(&res, i, *kind))
            .collect())
    }

    /// Read one point.
    ///
    /// # Errors
    /// As [`read`](Self::read), and the point's own error.
    pub async fn read_value(
        &mut self,
        point: &PointName,
        kind: ValueKind,
    ) -> Result<Value, Tase2ClientError> {
        let mut v = self.read(&[(point.clone(), kind)]).await?;
        Ok(v.pop().ok_or(ClientError::ResultCount {
            expected: 1,
            found: 0,
        })??)
    }

    /// Define the ICC data set `name`: `Transfer_Set_Name`, `Transfer_Set_Time_Stamp`,
    /// `DSConditions_Detected`, then `points` (their kinds remembered for reports).
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`] with the server's ServiceError (a member not in the
    /// bilateral table: `object-attribute-inconsistent` / access), or a bad name.
    pub async fn define_data_set(
        &mut self,
        name: &str,
        points: &[(PointName, ValueKind)],
    ) -> Result<PointName, Tase2ClientError> {
        let ds = self.icc(name);
        let members = ReportTracker::data_set_members(&self.icc, points);
        {
            let names: Vec<ObjectName<'_>> = members
                .iter()
                .map(PointName::object_name)
                .collect::<Result<_, _>>()?;
            let mut items = vec![PLACEHOLDER_ITEM; names.len()];
            let req = core::define_data_set_request(ds.object_name()?, &names, &mut items)?;
            let r = self.request(req).await?;
            core::define_data_set_response(&answer(&r)?)?;
        }
        self.tracker.add_data_set(ds.clone(), members, points);
        Ok(ds)
    }

    /// Delete the ICC data set `name`; whether the server deleted it.
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`], [`Tase2ClientError::Client`].
    pub async fn delete_data_set(&mut self, name: &str) -> Result<bool, Tase2ClientError> {
        let ds = self.icc(name);
        let deleted = {
            let mut st = [PLACEHOLDER_NAME];
            let r = self
                .request(core::delete_data_set_request(ds.object_name()?, &mut st))
                .await?;
            core::delete_data_set_response(&answer(&r)?)?
        };
        if deleted {
            self.tracker.remove_data_set(&ds);
        }
        Ok(deleted)
    }

    /// Get a transfer set (`Next_DSTransfer_Set`) and start it on the ICC data set
    /// `data_set` with `options` (a whole write with `Status` true); its name.
    ///
    /// # Errors
    /// [`ClientError::Access`] (`temporarily-unavailable`: none free; a refused write),
    /// [`Tase2ClientError::Mms`].
    pub async fn start_transfer_set(
        &mut self,
        data_set: &str,
        options: TransferSetOptions,
    ) -> Result<PointName, Tase2ClientError> {
        let ts = {
            let mut items = [PLACEHOLDER_ITEM];
            let r = self
                .request(core::next_transfer_set_request(&self.icc, &mut items)?)
                .await?;
            let name = core::next_transfer_set_response(&answer(&r)?)?;
            PointName::icc(name.domain, name.name)
        };
        let ds = self.icc(data_set);
        // Known before the write: the first report may come before its answer.
        self.tracker
            .add_transfer_set(ts.clone(), ds.clone(), options);
        let written = self.write_transfer_set(&ts, &ds, options, true).await;
        if let Err(e) = written {
            self.tracker.remove_transfer_set(&ts);
            return Err(e);
        }
        Ok(ts)
    }

    async fn write_transfer_set(
        &self,
        ts: &PointName,
        ds: &PointName,
        options: TransferSetOptions,
        status: bool,
    ) -> Result<(), Tase2ClientError> {
        let value = options.transfer_set(
            Tase2Name {
                scope: Scope::Icc,
                domain: ds.domain.as_deref().unwrap_or(&self.icc),
                name: &ds.item,
            },
            status,
        );
        let mut st = TransferSetStorage::default();
        let r = self
            .request(core::write_transfer_set_request(
                ts.object_name()?,
                &value,
                &mut st,
            ))
            .await?;
        Ok(core::write_response(&answer(&r)?, 1)?)
    }

    /// Stop a transfer set this client started (its whole value written again with
    /// `Status` false).
    ///
    /// # Errors
    /// [`ClientError::BadName`] for a transfer set this client did not start; as
    /// [`start_transfer_set`](Self::start_transfer_set).
    pub async fn stop_transfer_set(&mut self, ts: &PointName) -> Result<(), Tase2ClientError> {
        let (ds, options) = self
            .tracker
            .transfer_set(ts)
            .map(|(d, o)| (d.clone(), o))
            .ok_or(ClientError::BadName {
                what: "transfer set not started here",
            })?;
        self.write_transfer_set(ts, &ds, options, false).await?;
        self.tracker.remove_transfer_set(ts);
        Ok(())
    }

    /// Write one component of a transfer set (MMS alternate access).
    ///
    /// # Errors
    /// [`ClientError::Value`] for a value of another type; the server's refusal.
    pub async fn write_transfer_set_component(
        &self,
        ts: &PointName,
        component: DsTransferSetComponent,
        value: ComponentValue<'_>,
    ) -> Result<(), Tase2ClientError> {
        let mut st = ComponentStorage::default();
        let r = self
            .request(core::write_component_request(
                ts.object_name()?,
                component,
                value,
                &mut st,
            )?)
            .await?;
        Ok(core::write_response(&answer(&r)?, 1)?)
    }

    /// Select a device for operation: Read of `<dev>_SBO`; its CheckBackID.
    ///
    /// # Errors
    /// [`ClientError::Access`] when the server refuses (already selected, tagged, no
    /// right).
    pub async fn select(&self, device: &PointName) -> Result<i16, Tase2ClientError> {
        let sbo = Suffixed::new(&device.item, SBO_SUFFIX)?;
        let dev = device.object_name()?;
        let mut items = [PLACEHOLDER_ITEM];
        let r = self
            .request(core::select_request(sbo.in_scope_of(&dev)?, &mut items))
            .await?;
        Ok(core::select_response(&answer(&r)?)?)
    }

    /// Operate a device (Write of its value; after [`select`](Self::select) for an SBO
    /// device).
    ///
    /// # Errors
    /// [`ClientError::Access`] when refused (not selected, select timed out, tagged, no
    /// right).
    pub async fn operate(
        &self,
        device: &PointName,
        value: DeviceValue,
    ) -> Result<(), Tase2ClientError> {
        let mut st = WriteStorage::default();
        let r = self
            .request(core::operate_request(device.object_name()?, value, &mut st))
            .await?;
        Ok(core::write_response(&answer(&r)?, 1)?)
    }

    /// Read a device's tag (`<dev>_TAG`).
    ///
    /// # Errors
    /// [`ClientError::Access`] without the get-tag right.
    pub async fn tag(&self, device: &PointName) -> Result<DeviceTag, Tase2ClientError> {
        let tag = Suffixed::new(&device.item, TAG_SUFFIX)?;
        let dev = device.object_name()?;
        let mut items = [PLACEHOLDER_ITEM];
        let r = self
            .request(core::tag_read_request(tag.in_scope_of(&dev)?, &mut items))
            .await?;
        let t = core::tag_response(&answer(&r)?)?;
        Ok(DeviceTag {
            tag: t.tag,
            armed_for_execution: t.armed_for_execution,
            reason: t.reason.to_owned(),
        })
    }

    /// Set a device's tag (Write of `<dev>_TAG`).
    ///
    /// # Errors
    /// [`ClientError::Access`] without the set-tag right, or while another table's tag
    /// holds.
    pub async fn set_tag(
        &self,
        device: &PointName,
        tag: TagState,
        reason: &str,
    ) -> Result<(), Tase2ClientError> {
        let name = Suffixed::new(&device.item, TAG_SUFFIX)?;
        let dev = device.object_name()?;
        let value = TagValue {
            tag,
            armed_for_execution: false,
            reason,
        };
        let mut fields = [Data::Boolean(false); 2];
        let mut st = WriteStorage::default();
        let r = self
            .request(core::tag_write_request(
                name.in_scope_of(&dev)?,
                &value,
                &mut fields,
                &mut st,
            ))
            .await?;
        Ok(core::write_response(&answer(&r)?, 1)?)
    }

    /// Enable or disable information messages on this association (`IM_Transfer_Set`).
    ///
    /// # Errors
    /// The server's refusal; [`Tase2ClientError::Mms`].
    pub async fn enable_messages(&self, enable: bool) -> Result<(), Tase2ClientError> {
        let mut st = WriteStorage::default();
        let r = self
            .request(core::im_transfer_set_request(enable, &mut st))
            .await?;
        Ok(core::write_response(&answer(&r)?, 1)?)
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
        let pdu = core::encode_message(icc.then_some(self.icc.as_str()), header, text)?;
        self.send_pdu(&pdu)
    }

    /// Conclude the association (bounded by `timeout`).
    ///
    /// # Errors
    /// [`Tase2ClientError::Mms`] if the release did not complete.
    pub async fn conclude(self, timeout: Duration) -> Result<CloseReason, Tase2ClientError> {
        Ok(self.mms.conclude(timeout).await?)
    }
}
