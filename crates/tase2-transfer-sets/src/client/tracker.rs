//! (feature `std`) What a client adapter keeps between calls: the data sets it defined with
//! their point types, the transfer sets it started, and the turning of received
//! unconfirmed PDUs into owned, typed [`Tase2Report`]s and [`Tase2Message`]s, with the
//! acknowledgement of critical reports encoded and ready to send. Both adapters
//! (tokio, blocking) drive their `Tase2Client` through this one type.

extern crate std;

use std::collections::HashMap;
use std::string::{String, ToString};
use std::vec::Vec;

use mms_pdu::mms::{
    DataAccessError, MmsPdu, ObjectName, SeqOf, UnconfirmedService, VariableListItem,
};
use telecontrol_core::{Decode, Encode};

use super::{
    AckStorage, ClientError, InfoMessage, ReportClass, ReportHeader, classify_report, report_ack,
    report_nack,
};
use crate::objects::{
    DS_CONDITIONS_DETECTED, DsConditions, Scope, TRANSFER_SET_NAME, TRANSFER_SET_TIME_STAMP,
    Tase2Name,
};
use crate::{
    DsTransferSet, InfoMessHeader, ReportItem, ReportKind, TagState, TransferReport, Value,
    ValueKind,
};

/// An owned MMS object name: domain-specific (`domain` set) or VMD-specific.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointName {
    /// The domain (ICC), `None` for VMD scope.
    pub domain: Option<String>,
    /// The item.
    pub item: String,
}

impl PointName {
    /// A VMD-specific name.
    #[must_use]
    pub fn vmd(item: &str) -> Self {
        PointName {
            domain: None,
            item: item.to_string(),
        }
    }

    /// A name in the ICC domain `domain`.
    #[must_use]
    pub fn icc(domain: &str, item: &str) -> Self {
        PointName {
            domain: Some(domain.to_string()),
            item: item.to_string(),
        }
    }

    /// Copy of an MMS name (aa-specific names are kept as VMD ones).
    #[must_use]
    pub fn of(name: &ObjectName<'_>) -> Self {
        PointName {
            domain: name.domain_id().map(|d| d.as_str().to_string()),
            item: name.item().as_str().to_string(),
        }
    }

    /// The MMS name.
    ///
    /// # Errors
    /// [`ClientError::BadName`] if a part is not an MMS identifier.
    pub fn object_name(&self) -> Result<ObjectName<'_>, ClientError> {
        match &self.domain {
            Some(d) => ObjectName::domain(d, &self.item),
            None => ObjectName::vmd(&self.item),
        }
        .ok_or(ClientError::BadName { what: "point name" })
    }

    fn of_tase2(n: &Tase2Name<'_>) -> Self {
        match n.scope {
            Scope::Vmd => PointName::vmd(n.name),
            Scope::Icc => PointName::icc(n.domain, n.name),
        }
    }
}

impl core::fmt::Display for PointName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.domain {
            Some(d) => write!(f, "{d}/{}", self.item),
            None => f.write_str(&self.item),
        }
    }
}

/// One point of a received report.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    /// The value, typed by the kind the data set definition gave (or the only kind its
    /// shape fits).
    Value(Value),
    /// The server could not read the point.
    Failure(DataAccessError),
    /// A value whose type is not known and whose shape fits no single -802 type, or that
    /// does not have the shape of its declared type.
    Untyped,
}

/// A received transfer report, owned and typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Tase2Report {
    /// Named list (integrity / interval) or list of variables (RBE).
    pub kind: ReportKind,
    /// The data set, for a named-list report.
    pub data_set: Option<PointName>,
    /// `Transfer_Set_Name`.
    pub transfer_set: Option<PointName>,
    /// `Transfer_Set_Time_Stamp`.
    pub time_stamp: Option<i32>,
    /// `DSConditions_Detected`.
    pub conditions: Option<DsConditions>,
    /// `Event_Code_Detected`.
    pub event_code: Option<i16>,
    /// The points, in report order (special variables left out).
    pub values: Vec<(PointName, Reading)>,
    /// The transfer set is critical: an acknowledgement was produced.
    pub critical: bool,
}

/// A received information message, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tase2Message {
    /// `Info_Mess_Header`.
    pub header: InfoMessHeader,
    /// The ICC domain of the message (`None`: VMD scope).
    pub domain: Option<String>,
    /// The buffer variable (`Info_Buff_<n>`).
    pub buffer: String,
    /// The message octets (`Size` of them).
    pub text: Vec<u8>,
}

/// A device tag, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceTag {
    /// The tag.
    pub tag: TagState,
    /// Selected and waiting for the operate.
    pub armed_for_execution: bool,
    /// `Reason`.
    pub reason: String,
}

/// What an unconfirmed PDU from the server turned out to be.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Received {
    /// A transfer report; `ack` is the encoded acknowledgement (unconfirmed MMS PDU) to
    /// send for a critical one.
    Report {
        /// The report.
        report: Tase2Report,
        /// `Transfer_Report_ACK` / `NACK` to send on the same association.
        ack: Option<Vec<u8>>,
    },
    /// An information message.
    Message(Tase2Message),
    /// Something else (an acknowledgement for our own server role, an unknown data set's
    /// report, an UnsolicitedStatus): the PDU as received.
    Other(Vec<u8>),
}

/// How to run a DS transfer set (the members of `DSTransferSet` besides `DataSetName` and
/// `Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferSetOptions {
    /// `StartTime` (0: now).
    pub start_time: i32,
    /// `Interval` (s).
    pub interval: i32,
    /// `TLE` (s).
    pub tle: i32,
    /// `BufferTime` (s).
    pub buffer_time: i32,
    /// `IntegrityCheck` (s).
    pub integrity_check: i32,
    /// `DSConditionsRequested`.
    pub conditions: DsConditions,
    /// `BlockData`.
    pub block_data: bool,
    /// `Critical`.
    pub critical: bool,
    /// `RBE`.
    pub rbe: bool,
    /// `AllChangesReported`.
    pub all_changes_reported: bool,
    /// `EventCodeRequested` (`None`: the 12-member 1996-08 structure).
    pub event_code_requested: Option<i16>,
}

impl Default for TransferSetOptions {
    /// Report by exception on object change, integrity every 60 s, no buffering, not
    /// critical.
    fn default() -> Self {
        TransferSetOptions {
            start_time: 0,
            interval: 0,
            tle: 60,
            buffer_time: 0,
            integrity_check: 60,
            conditions: DsConditions(DsConditions::OBJECT_CHANGE | DsConditions::INTEGRITY_TIMEOUT),
            block_data: false,
            critical: false,
            rbe: true,
            all_changes_reported: false,
            event_code_requested: Some(0),
        }
    }
}

impl TransferSetOptions {
    /// The transfer set value reporting `data_set`, enabled or not.
    #[must_use]
    pub fn transfer_set<'a>(&self, data_set: Tase2Name<'a>, status: bool) -> DsTransferSet<'a> {
        DsTransferSet {
            data_set_name: data_set,
            start_time: self.start_time,
            interval: self.interval,
            tle: self.tle,
            buffer_time: self.buffer_time,
            integrity_check: self.integrity_check,
            ds_conditions_requested: self.conditions,
            block_data: self.block_data,
            critical: self.critical,
            rbe: self.rbe,
            all_changes_reported: self.all_changes_reported,
            status,
            event_code_requested: self.event_code_requested,
        }
    }
}

#[derive(Clone, Debug)]
struct DataSet {
    members: Vec<PointName>,
}

#[derive(Clone, Debug)]
struct TransferSet {
    data_set: PointName,
    options: TransferSetOptions,
}

/// The client's memory of its data sets and transfer sets.
#[derive(Clone, Debug, Default)]
pub struct ReportTracker {
    kinds: HashMap<PointName, ValueKind>,
    data_sets: HashMap<PointName, DataSet>,
    transfer_sets: HashMap<PointName, TransferSet>,
}

/// The special variables a client puts first in its ICC data sets (as deployed clients
/// do): `Transfer_Set_Name`, `Transfer_Set_Time_Stamp`, `DSConditions_Detected`.
pub const DATA_SET_HEADER: [&str; 3] = [
    TRANSFER_SET_NAME,
    TRANSFER_SET_TIME_STAMP,
    DS_CONDITIONS_DETECTED,
];

impl ReportTracker {
    /// Nothing known yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Remember that `point` has the -802 type `kind` (reads and reports decode it so).
    pub fn add_point(&mut self, point: PointName, kind: ValueKind) {
        self.kinds.insert(point, kind);
    }

    /// The type remembered for `point`.
    #[must_use]
    pub fn kind(&self, point: &PointName) -> Option<ValueKind> {
        self.kinds.get(point).copied()
    }

    /// The member list of an ICC data set `name` of `points`: [`DATA_SET_HEADER`] in the
    /// ICC domain, then the points (their kinds remembered).
    #[must_use]
    pub fn data_set_members(icc_domain: &str, points: &[(PointName, ValueKind)]) -> Vec<PointName> {
        DATA_SET_HEADER
            .iter()
            .map(|s| PointName::icc(icc_domain, s))
            .chain(points.iter().map(|(p, _)| p.clone()))
            .collect()
    }

    /// Remember a defined data set and its members' kinds.
    pub fn add_data_set(
        &mut self,
        name: PointName,
        members: Vec<PointName>,
        points: &[(PointName, ValueKind)],
    ) {
        for (p, k) in points {
            self.kinds.insert(p.clone(), *k);
        }
        self.data_sets.insert(name, DataSet { members });
    }

    /// Forget a data set.
    pub fn remove_data_set(&mut self, name: &PointName) {
        self.data_sets.remove(name);
    }

    /// The members of a data set.
    #[must_use]
    pub fn members(&self, name: &PointName) -> Option<&[PointName]> {
        self.data_sets.get(name).map(|d| d.members.as_slice())
    }

    /// Remember a started transfer set.
    pub fn add_transfer_set(
        &mut self,
        name: PointName,
        data_set: PointName,
        options: TransferSetOptions,
    ) {
        self.transfer_sets
            .insert(name, TransferSet { data_set, options });
    }

    /// Forget a transfer set; its options if it was known.
    pub fn remove_transfer_set(&mut self, name: &PointName) -> Option<TransferSetOptions> {
        self.transfer_sets.remove(name).map(|t| t.options)
    }

    /// The data set and options of a started transfer set.
    #[must_use]
    pub fn transfer_set(&self, name: &PointName) -> Option<(&PointName, TransferSetOptions)> {
        self.transfer_sets
            .get(name)
            .map(|t| (&t.data_set, t.options))
    }

    fn reading(&self, name: &PointName, item: &ReportItem<'_>) -> Reading {
        match item {
            ReportItem::Failure(e) => Reading::Failure(*e),
            ReportItem::Point(d) => {
                let kind = self.kinds.get(name).copied().or_else(|| {
                    let mut c = ValueKind::candidates(d);
                    match (c.next(), c.next()) {
                        (Some(k), None) => Some(k),
                        _ => None,
                    }
                });
                kind.and_then(|k| Value::decode(k, d).ok())
                    .map_or(Reading::Untyped, Reading::Value)
            }
            _ => Reading::Untyped,
        }
    }

    /// Interpret one unconfirmed MMS PDU received from the server.
    ///
    /// # Errors
    /// [`ClientError::UnexpectedResponse`] if `pdu` is not an unconfirmed PDU; the errors
    /// of [`TransferReport::new`], [`ReportHeader::of`] and [`InfoMessage::from_report`]
    /// for a malformed report or message.
    pub fn handle_unconfirmed(&self, pdu: &[u8]) -> Result<Received, ClientError> {
        let not = ClientError::UnexpectedResponse {
            expected: "InformationReport",
        };
        let Ok(MmsPdu::Unconfirmed(svc)) = MmsPdu::decode(pdu) else {
            return Err(not);
        };
        let UnconfirmedService::InformationReport(ir) = svc else {
            return Ok(Received::Other(pdu.to_vec()));
        };
        match classify_report(&ir) {
            ReportClass::InfoMessage => {
                let m = InfoMessage::from_report(&ir)?.ok_or(not)?;
                Ok(Received::Message(Tase2Message {
                    header: m.header,
                    domain: m.header_name.domain_id().map(|d| d.as_str().to_string()),
                    buffer: m.buffer_name.item().as_str().to_string(),
                    text: m.text.to_vec(),
                }))
            }
            ReportClass::Transfer => {
                let (data_set, items) = match ir.variable_access_specification {
                    mms_pdu::mms::VariableAccessSpecification::VariableListName(n) => {
                        let name = PointName::of(&n);
                        let Some(members) = self.members(&name) else {
                            return Ok(Received::Other(pdu.to_vec()));
                        };
                        let names: Vec<ObjectName<'_>> = members
                            .iter()
                            .map(PointName::object_name)
                            .collect::<Result<_, _>>()?;
                        let items: Vec<VariableListItem<'_>> =
                            names.iter().map(|n| VariableListItem::named(*n)).collect();
                        (Some(name), Some((names, items)))
                    }
                    mms_pdu::mms::VariableAccessSpecification::ListOfVariable(_) => (None, None),
                };
                let list = items.as_ref().map(|(_, i)| SeqOf::from_slice(i.as_slice()));
                let report = TransferReport::new(&ir, list)?;
                let header = ReportHeader::of(&report)?;
                let mut values = Vec::new();
                for e in report.entries() {
                    let e = e?;
                    if matches!(e.item, ReportItem::Point(_) | ReportItem::Failure(_)) {
                        let name = PointName::of(&e.name);
                        let reading = self.reading(&name, &e.item);
                        values.push((name, reading));
                    }
                }
                let transfer_set = header
                    .transfer_set
                    .as_ref()
                    .map(PointName::of_tase2)
                    .or_else(|| {
                        let ds = data_set.as_ref()?;
                        self.transfer_sets
                            .iter()
                            .find(|(_, t)| &t.data_set == ds)
                            .map(|(n, _)| n.clone())
                    });
                let critical = transfer_set
                    .as_ref()
                    .and_then(|t| self.transfer_sets.get(t))
                    .is_some_and(|t| t.options.critical);
                let ack = match (&transfer_set, critical) {
                    (Some(t), true) => Some(encode_ack(t, header.time_stamp)?),
                    _ => None,
                };
                Ok(Received::Report {
                    report: Tase2Report {
                        kind: report.kind(),
                        data_set,
                        transfer_set,
                        time_stamp: header.time_stamp,
                        conditions: header.conditions,
                        event_code: header.event_code,
                        values,
                        critical,
                    },
                    ack,
                })
            }
            _ => Ok(Received::Other(pdu.to_vec())),
        }
    }
}

fn unconfirmed(svc: UnconfirmedService<'_>) -> Result<Vec<u8>, ClientError> {
    let pdu = MmsPdu::Unconfirmed(svc);
    let mut out = std::vec![0u8; pdu.encoded_len()];
    let n = pdu
        .encode(&mut out)
        .map_err(|_| ClientError::Capacity { needed: out.len() })?;
    out.truncate(n);
    Ok(out)
}

fn encode_ack(ts: &PointName, time_stamp: Option<i32>) -> Result<Vec<u8>, ClientError> {
    let name = Tase2Name {
        scope: if ts.domain.is_some() {
            Scope::Icc
        } else {
            Scope::Vmd
        },
        domain: ts.domain.as_deref().unwrap_or(""),
        name: &ts.item,
    };
    let mut st = AckStorage::default();
    unconfirmed(report_ack(name, time_stamp, &mut st)?)
}

/// The encoded `Transfer_Report_NACK` for the transfer set `ts`.
///
/// # Errors
/// [`ClientError::BadName`] for a transfer set outside an ICC domain.
pub fn encode_nack(ts: &PointName) -> Result<Vec<u8>, ClientError> {
    let name = Tase2Name {
        scope: Scope::Icc,
        domain: ts.domain.as_deref().unwrap_or(""),
        name: &ts.item,
    };
    let mut st = AckStorage::default();
    unconfirmed(report_nack(name, &mut st)?)
}

/// The encoded information message report `text` in `domain` (`None`: VMD scope), its
/// buffer `Info_Buff_<len>`.
///
/// # Errors
/// [`ClientError::MessageSize`] for a text longer than `u32::MAX` or `i32::MAX`,
/// [`ClientError::BadName`] for a domain that is not an identifier.
pub fn encode_message(
    domain: Option<&str>,
    header: InfoMessHeader,
    text: &[u8],
) -> Result<Vec<u8>, ClientError> {
    let size = u32::try_from(text.len()).map_err(|_| ClientError::MessageSize {
        size: header.size,
        buffer: text.len(),
    })?;
    let buffer = super::info_buffer_name(size)?;
    let (scope, icc) = match domain {
        Some(d) => (Scope::Icc, d),
        None => (Scope::Vmd, ""),
    };
    let mut st = super::MessageStorage::default();
    unconfirmed(super::message_report(
        scope, icc, &buffer, header, text, &mut st,
    )?)
}
