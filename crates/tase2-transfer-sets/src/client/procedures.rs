//! The client procedures as request / answer steps (feature `std`): what both runtime
//! adapters do between their await points (or blocking calls). An adapter runs a
//! [`Procedure`] by sending its [`request`](Procedure::request) (built over a fresh
//! [`RequestStorage`]), handing the answer to [`answer`](Procedure::answer) until that
//! gives the result ([`answer_response`](Procedure::answer_response)), and calling
//! [`failed`](Procedure::failed) if any step failed ([`settle`](Procedure::settle)).

use core::mem;
use std::borrow::Cow;
use std::string::String;
use std::vec::Vec;

use mms_pdu::driver::Response;
use mms_pdu::mms::{
    ConfirmedServiceRequest, ConfirmedServiceResponse, Data, ObjectClass, ObjectName, ObjectScope,
    VariableListItem,
};

use super::{
    ClientError, ClientSession, ComponentStorage, Expectation, IdentityStorage, PLACEHOLDER_ITEM,
    PLACEHOLDER_NAME, PeerCheck, PointName, ReportTracker, Tase2ClientConfig, Tase2ClientError,
    TransferSetOptions, TransferSetStorage, WriteStorage, service_response,
};
use crate::objects::{Scope, Tase2Name};
use crate::{Value, ValueKind};

/// One client procedure: one or more confirmed requests, each interpreted in turn.
pub trait Procedure {
    /// What it gives when done.
    type Output;

    /// The next request, built over `storage` (a fresh one for each request).
    ///
    /// # Errors
    /// [`ClientError::BadName`] for a name that is not an MMS identifier, and the errors
    /// of the request builders.
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError>;

    /// The answer to the last request: `Some` result when done, `None` to send the next
    /// request.
    ///
    /// # Errors
    /// The server's refusal or a malformed answer.
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<Self::Output>, ClientError>;

    /// A step failed (a request could not be built or sent, or its answer was an error):
    /// undo what the procedure noted on the way.
    fn failed(&mut self) {}

    /// [`answer`](Self::answer) of an MMS answer.
    ///
    /// # Errors
    /// [`MmsError::UnexpectedAnswer`](mms_pdu::driver::MmsError::UnexpectedAnswer) for an
    /// answer that is not a confirmed response; the errors of [`answer`](Self::answer).
    fn answer_response(
        &mut self,
        response: &Response,
    ) -> Result<Option<Self::Output>, Tase2ClientError> {
        Ok(self.answer(&service_response(response)?)?)
    }

    /// The procedure's result: `done` as it is, after [`failed`](Self::failed) if it is an
    /// error.
    ///
    /// # Errors
    /// `done`'s error.
    fn settle(
        &mut self,
        done: Result<Self::Output, Tase2ClientError>,
    ) -> Result<Self::Output, Tase2ClientError> {
        if done.is_err() {
            self.failed();
        }
        done
    }
}

/// Storage for any one request of a [`Procedure`].
#[derive(Clone, Debug)]
pub struct RequestStorage<'b> {
    pub(super) items: Vec<VariableListItem<'b>>,
    pub(super) one: [VariableListItem<'b>; 1],
    pub(super) names: [ObjectName<'b>; 1],
    pub(super) fields: [Data<'b>; 2],
    pub(super) identity: IdentityStorage<'b>,
    pub(super) write: WriteStorage<'b>,
    pub(super) transfer_set: TransferSetStorage<'b>,
    pub(super) component: ComponentStorage<'b>,
}

impl Default for RequestStorage<'_> {
    fn default() -> Self {
        RequestStorage {
            items: Vec::new(),
            one: [PLACEHOLDER_ITEM],
            names: [PLACEHOLDER_NAME],
            fields: [Data::Boolean(false); 2],
            identity: IdentityStorage::default(),
            write: WriteStorage::default(),
            transfer_set: TransferSetStorage::default(),
            component: ComponentStorage::default(),
        }
    }
}

/// The association check: read `TASE2_Version`, `Supported_Features` and
/// `Bilateral_Table_ID` and check them against the configuration.
#[derive(Debug)]
pub struct IdentityCheck<'a> {
    config: &'a Tase2ClientConfig,
}

impl<'a> IdentityCheck<'a> {
    /// The check of `config`.
    #[must_use]
    pub fn new(config: &'a Tase2ClientConfig) -> Self {
        IdentityCheck { config }
    }
}

impl Procedure for IdentityCheck<'_> {
    type Output = PeerCheck;
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        super::identity_request(&self.config.icc_domain, &mut storage.identity)
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<PeerCheck>, ClientError> {
        let c = self.config;
        let expect = Expectation {
            icc_domain: &c.icc_domain,
            table_id: c.table_id.as_deref(),
            versions: &c.versions,
            blocks: &c.blocks,
        };
        super::check_identity(answer, &expect).map(Some)
    }
}

/// Discovery: every name of `class` in `scope` (GetNameList, following `moreFollows` while
/// each answer ends in a name not gathered before).
#[derive(Debug)]
pub struct Names<'a> {
    class: ObjectClass,
    scope: ObjectScope<'a>,
    names: Vec<String>,
}

impl<'a> Names<'a> {
    /// The names of `class` in `scope`.
    #[must_use]
    pub fn new(class: ObjectClass, scope: ObjectScope<'a>) -> Self {
        Names {
            class,
            scope,
            names: Vec::new(),
        }
    }
}

impl Procedure for Names<'_> {
    type Output = Vec<String>;
    fn request<'b>(
        &'b self,
        _: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        let last = self.names.last().map(String::as_str);
        super::name_list_request(self.class, self.scope, last)
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<Vec<String>>, ClientError> {
        let (list, more) = super::name_list_response(answer)?;
        // Progress: the answer's last name is one not gathered before (a server that
        // repeats itself with `moreFollows` would otherwise be asked for ever).
        let progress = list
            .iter()
            .last()
            .is_some_and(|last| !self.names.iter().any(|n| n == last.as_str()));
        self.names
            .extend(list.iter().map(|i| String::from(i.as_str())));
        Ok((!more || !progress).then(|| mem::take(&mut self.names)))
    }
}

/// Read points, each typed by its -802 kind (remembered by the session's tracker); one
/// result per point (`ClientError::Access` for a point the server refuses).
#[derive(Debug)]
pub struct Read<'a> {
    session: &'a mut ClientSession,
    points: Cow<'a, [(PointName, ValueKind)]>,
}

impl<'a> Read<'a> {
    /// The read of `points`.
    pub fn new(session: &'a mut ClientSession, points: &'a [(PointName, ValueKind)]) -> Self {
        Read {
            session,
            points: Cow::Borrowed(points),
        }
    }
}

impl Procedure for Read<'_> {
    type Output = Vec<Result<Value, ClientError>>;
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        let names = object_names(self.points.iter().map(|(p, _)| p))?;
        storage.items.resize(names.len(), PLACEHOLDER_ITEM);
        super::read_request(&names, &mut storage.items)
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<Self::Output>, ClientError> {
        let results = super::read_results(answer, self.points.len())?;
        for (p, k) in self.points.iter() {
            self.session.tracker.add_point(p.clone(), *k);
        }
        Ok(Some(
            results
                .iter()
                .zip(self.points.iter())
                .enumerate()
                .map(|(i, (res, (_, kind)))| super::typed_value(&res, i, *kind))
                .collect(),
        ))
    }
}

/// Read one point (as [`Read`]; the point's own error is the procedure's).
#[derive(Debug)]
pub struct ReadValue<'a>(Read<'a>);

impl<'a> ReadValue<'a> {
    /// The read of `point` as `kind`.
    pub fn new(session: &'a mut ClientSession, point: &PointName, kind: ValueKind) -> Self {
        ReadValue(Read {
            session,
            points: Cow::Owned(std::vec![(point.clone(), kind)]),
        })
    }
}

impl Procedure for ReadValue<'_> {
    type Output = Value;
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        self.0.request(storage)
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<Value>, ClientError> {
        let mut values = self.0.answer(answer)?.unwrap_or_default();
        values
            .pop()
            .ok_or(ClientError::ResultCount {
                expected: 1,
                found: 0,
            })?
            .map(Some)
    }
}

/// Define an ICC data set: `Transfer_Set_Name`, `Transfer_Set_Time_Stamp`,
/// `DSConditions_Detected`, then the points (their kinds remembered for reports); gives
/// its name.
#[derive(Debug)]
pub struct DefineDataSet<'a> {
    session: &'a mut ClientSession,
    name: PointName,
    members: Vec<PointName>,
    points: &'a [(PointName, ValueKind)],
}

impl<'a> DefineDataSet<'a> {
    /// The definition of the ICC data set `name` of `points`.
    pub fn new(
        session: &'a mut ClientSession,
        name: &str,
        points: &'a [(PointName, ValueKind)],
    ) -> Self {
        let members = ReportTracker::data_set_members(&session.icc, points);
        DefineDataSet {
            name: session.icc(name),
            session,
            members,
            points,
        }
    }
}

impl Procedure for DefineDataSet<'_> {
    type Output = PointName;
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        let names = object_names(self.members.iter())?;
        storage.items.resize(names.len(), PLACEHOLDER_ITEM);
        super::define_data_set_request(self.name.object_name()?, &names, &mut storage.items)
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<PointName>, ClientError> {
        super::define_data_set_response(answer)?;
        let members = mem::take(&mut self.members);
        self.session
            .tracker
            .add_data_set(self.name.clone(), members, self.points);
        Ok(Some(self.name.clone()))
    }
}

/// Delete an ICC data set; gives whether the server deleted it.
#[derive(Debug)]
pub struct DeleteDataSet<'a> {
    session: &'a mut ClientSession,
    name: PointName,
}

impl<'a> DeleteDataSet<'a> {
    /// The deletion of the ICC data set `name`.
    pub fn new(session: &'a mut ClientSession, name: &str) -> Self {
        DeleteDataSet {
            name: session.icc(name),
            session,
        }
    }
}

impl Procedure for DeleteDataSet<'_> {
    type Output = bool;
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        let name = self.name.object_name()?;
        Ok(super::delete_data_set_request(name, &mut storage.names))
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<bool>, ClientError> {
        let deleted = super::delete_data_set_response(answer)?;
        if deleted {
            self.session.tracker.remove_data_set(&self.name);
        }
        Ok(Some(deleted))
    }
}

/// Get a transfer set (`Next_DSTransfer_Set`) and start it on an ICC data set (a whole
/// write with `Status` true); gives its name. The tracker knows it before the write (the
/// first report may come before its answer) and forgets it if the write fails.
#[derive(Debug)]
pub struct StartTransferSet<'a> {
    session: &'a mut ClientSession,
    data_set: &'a str,
    options: TransferSetOptions,
    transfer_set: Option<(PointName, PointName)>,
}

impl<'a> StartTransferSet<'a> {
    /// Start a transfer set on the ICC data set `data_set` with `options`.
    pub fn new(
        session: &'a mut ClientSession,
        data_set: &'a str,
        options: TransferSetOptions,
    ) -> Self {
        StartTransferSet {
            session,
            data_set,
            options,
            transfer_set: None,
        }
    }
}

impl Procedure for StartTransferSet<'_> {
    type Output = PointName;
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        let icc = &self.session.icc;
        match &self.transfer_set {
            None => super::next_transfer_set_request(icc, &mut storage.one),
            Some((ts, ds)) => transfer_set_write(ts, ds, icc, self.options, true, storage),
        }
    }
    fn answer(
        &mut self,
        answer: &ConfirmedServiceResponse<'_>,
    ) -> Result<Option<PointName>, ClientError> {
        if let Some((ts, _)) = &self.transfer_set {
            super::write_response(answer, 1)?;
            return Ok(Some(ts.clone()));
        }
        let name = super::next_transfer_set_response(answer)?;
        let ts = PointName::icc(name.domain, name.name);
        let ds = self.session.icc(self.data_set);
        self.session
            .tracker
            .add_transfer_set(ts.clone(), ds.clone(), self.options);
        self.transfer_set = Some((ts, ds));
        Ok(None)
    }
    fn failed(&mut self) {
        if let Some((ts, _)) = &self.transfer_set {
            self.session.tracker.remove_transfer_set(ts);
        }
    }
}

/// Stop a transfer set this client started (its whole value written again with `Status`
/// false).
#[derive(Debug)]
pub struct StopTransferSet<'a> {
    session: &'a mut ClientSession,
    transfer_set: &'a PointName,
    data_set: PointName,
    options: TransferSetOptions,
}

impl<'a> StopTransferSet<'a> {
    /// Stop `transfer_set`.
    ///
    /// # Errors
    /// [`ClientError::BadName`] for a transfer set this client did not start.
    pub fn new(
        session: &'a mut ClientSession,
        transfer_set: &'a PointName,
    ) -> Result<Self, ClientError> {
        let (data_set, options) = session
            .tracker
            .transfer_set(transfer_set)
            .map(|(d, o)| (d.clone(), o))
            .ok_or(ClientError::BadName {
                what: "transfer set not started here",
            })?;
        Ok(StopTransferSet {
            session,
            transfer_set,
            data_set,
            options,
        })
    }
}

impl Procedure for StopTransferSet<'_> {
    type Output = ();
    fn request<'b>(
        &'b self,
        storage: &'b mut RequestStorage<'b>,
    ) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
        let icc = &self.session.icc;
        transfer_set_write(
            self.transfer_set,
            &self.data_set,
            icc,
            self.options,
            false,
            storage,
        )
    }
    fn answer(&mut self, answer: &ConfirmedServiceResponse<'_>) -> Result<Option<()>, ClientError> {
        super::write_response(answer, 1)?;
        self.session.tracker.remove_transfer_set(self.transfer_set);
        Ok(Some(()))
    }
}

fn object_names<'b>(
    points: impl Iterator<Item = &'b PointName>,
) -> Result<Vec<ObjectName<'b>>, ClientError> {
    points.map(PointName::object_name).collect()
}

/// The whole write of the transfer set `ts` on the data set `ds` (in `icc` unless it
/// names its domain), `Status` = `status`.
fn transfer_set_write<'b>(
    ts: &'b PointName,
    ds: &'b PointName,
    icc: &'b str,
    options: TransferSetOptions,
    status: bool,
    storage: &'b mut RequestStorage<'b>,
) -> Result<ConfirmedServiceRequest<'b>, ClientError> {
    let value = options.transfer_set(
        Tase2Name {
            scope: Scope::Icc,
            domain: ds.domain.as_deref().unwrap_or(icc),
            name: &ds.item,
        },
        status,
    );
    let name = ts.object_name()?;
    Ok(super::write_transfer_set_request(
        name,
        &value,
        &mut storage.transfer_set,
    ))
}
