//! Receiving transfer reports (IEC 60870-6-503 clause 8.4.5) and acknowledging critical
//! ones (clause 8.4.6): for a transfer set written with `Critical` true, the client
//! answers each report with an InformationReport (`listOfVariable`, ICC scope) of
//! `Transfer_Report_ACK` (the transfer set's object name) and `Transfer_Set_Time_Stamp`
//! (the report's time stamp, echoed); a report it cannot process is answered with
//! `Transfer_Report_NACK` (the transfer set's name only).

use mms_pdu::mms::{
    AccessResult, Data, InformationReport, ObjectName, SeqOf, UnconfirmedService,
    VariableAccessSpecification, VariableListItem, VariableSpecification,
};

use super::ClientError;
use super::requests::PLACEHOLDER_ITEM;
use crate::objects::{
    DsConditions, INFO_MESS_HEADER, TRANSFER_SET_TIME_STAMP, Tase2Name, gmt_based_s,
};
use crate::{ReportItem, TransferReport};

/// `Transfer_Report_ACK` (ICC scope): acknowledges a critical report.
pub const TRANSFER_REPORT_ACK: &str = "Transfer_Report_ACK";
/// `Transfer_Report_NACK` (ICC scope): a critical report that could not be processed.
pub const TRANSFER_REPORT_NACK: &str = "Transfer_Report_NACK";

/// What an InformationReport carries, from its first variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportClass {
    /// A transfer report: a named variable list (the data set), or a `listOfVariable`
    /// starting with anything but the names below (RBE: special variables, then points).
    Transfer,
    /// An information message: `Info_Mess_Header` then `Info_Buff_<n>`.
    InfoMessage,
    /// A client's `Transfer_Report_ACK` (a server receives it).
    TransferReportAck,
    /// A client's `Transfer_Report_NACK` (a server receives it).
    TransferReportNack,
    /// Empty, or naming its variables by address.
    Other,
}

/// Classify an InformationReport.
#[must_use]
pub fn classify_report(ir: &InformationReport<'_>) -> ReportClass {
    let first = match ir.variable_access_specification {
        VariableAccessSpecification::VariableListName(_) => return ReportClass::Transfer,
        VariableAccessSpecification::ListOfVariable(l) => l.iter().next(),
    };
    let Some(VariableListItem {
        specification: VariableSpecification::Name(n),
        ..
    }) = first
    else {
        return ReportClass::Other;
    };
    match n.item().as_str() {
        INFO_MESS_HEADER => ReportClass::InfoMessage,
        TRANSFER_REPORT_ACK => ReportClass::TransferReportAck,
        TRANSFER_REPORT_NACK => ReportClass::TransferReportNack,
        _ => ReportClass::Transfer,
    }
}

/// The special variables of a transfer report (those its data set includes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ReportHeader<'a> {
    /// `Transfer_Set_Name`.
    pub transfer_set: Option<Tase2Name<'a>>,
    /// `Transfer_Set_Time_Stamp` (GMTBasedS): echoed in the acknowledgement.
    pub time_stamp: Option<i32>,
    /// `DSConditions_Detected`.
    pub conditions: Option<DsConditions>,
    /// `Event_Code_Detected`.
    pub event_code: Option<i16>,
}

impl<'a> ReportHeader<'a> {
    /// Collect the special variables of `report`.
    ///
    /// # Errors
    /// [`ClientError::Value`] if a special variable has the wrong type or the report
    /// names a variable by address.
    pub fn of(report: &TransferReport<'a>) -> Result<Self, ClientError> {
        let mut h = ReportHeader::default();
        for e in report.entries() {
            match e?.item {
                ReportItem::TransferSetName(n) => h.transfer_set = Some(n),
                ReportItem::TransferSetTimeStamp(t) => h.time_stamp = Some(t),
                ReportItem::DsConditionsDetected(c) => h.conditions = Some(c),
                ReportItem::EventCodeDetected(c) => h.event_code = Some(c),
                ReportItem::Point(_) | ReportItem::Failure(_) => {}
            }
        }
        Ok(h)
    }
}

/// Storage for [`report_ack`] and [`report_nack`].
#[derive(Clone, Copy, Debug)]
pub struct AckStorage<'a> {
    items: [VariableListItem<'a>; 2],
    name: [Data<'a>; 3],
    results: [AccessResult<'a>; 2],
}

impl Default for AckStorage<'_> {
    fn default() -> Self {
        AckStorage {
            items: [PLACEHOLDER_ITEM; 2],
            name: [Data::Boolean(false); 3],
            results: [AccessResult::Success(Data::Boolean(false)); 2],
        }
    }
}

fn ack<'b>(
    variable: &'static str,
    transfer_set: Tase2Name<'b>,
    time_stamp: Option<i32>,
    storage: &'b mut AckStorage<'b>,
) -> Result<UnconfirmedService<'b>, ClientError> {
    let bad = ClientError::BadName {
        what: "transfer set domain",
    };
    let AckStorage {
        items,
        name,
        results,
    } = storage;
    let mut n: usize = 1;
    let value = transfer_set.to_data(name);
    let mut set = |i: usize, item: VariableListItem<'b>, r: AccessResult<'b>| {
        if let (Some(a), Some(b)) = (items.get_mut(i), results.get_mut(i)) {
            *a = item;
            *b = r;
        }
    };
    set(
        0,
        VariableListItem::named(ObjectName::domain(transfer_set.domain, variable).ok_or(bad)?),
        AccessResult::Success(value),
    );
    if let Some(t) = time_stamp {
        set(
            1,
            VariableListItem::named(
                ObjectName::domain(transfer_set.domain, TRANSFER_SET_TIME_STAMP).ok_or(bad)?,
            ),
            AccessResult::Success(Data::Integer(i64::from(t))),
        );
        n = 2;
    }
    let (items, results): (&'b [VariableListItem<'b>; 2], &'b [AccessResult<'b>; 2]) =
        (items, results);
    Ok(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(items.get(..n).unwrap_or_default()),
        ),
        results: SeqOf::from_slice(results.get(..n).unwrap_or_default()),
    }))
}

/// The acknowledgement of a critical report of `transfer_set` whose
/// `Transfer_Set_Time_Stamp` was `time_stamp`: `Transfer_Report_ACK` and
/// `Transfer_Set_Time_Stamp` in the transfer set's ICC domain (the time stamp left out
/// when the report carried none).
///
/// # Errors
/// [`ClientError::BadName`] if the transfer set's domain is not an MMS identifier.
pub fn report_ack<'b>(
    transfer_set: Tase2Name<'b>,
    time_stamp: Option<i32>,
    storage: &'b mut AckStorage<'b>,
) -> Result<UnconfirmedService<'b>, ClientError> {
    ack(TRANSFER_REPORT_ACK, transfer_set, time_stamp, storage)
}

/// The negative acknowledgement of a critical report of `transfer_set`:
/// `Transfer_Report_NACK` in the transfer set's ICC domain.
///
/// # Errors
/// [`ClientError::BadName`] if the transfer set's domain is not an MMS identifier.
pub fn report_nack<'b>(
    transfer_set: Tase2Name<'b>,
    storage: &'b mut AckStorage<'b>,
) -> Result<UnconfirmedService<'b>, ClientError> {
    ack(TRANSFER_REPORT_NACK, transfer_set, None, storage)
}

/// A received `Transfer_Report_ACK` / `NACK` (what a server reads from the client).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportAck<'a> {
    /// True for `Transfer_Report_NACK`.
    pub nack: bool,
    /// The transfer set acknowledged.
    pub transfer_set: Tase2Name<'a>,
    /// The echoed `Transfer_Set_Time_Stamp` (absent in a NACK).
    pub time_stamp: Option<i32>,
}

impl<'a> ReportAck<'a> {
    /// Decode an acknowledgement; `None` if `ir` is not one.
    ///
    /// # Errors
    /// [`ClientError::Value`] for values of the wrong type.
    pub fn from_report(ir: &InformationReport<'a>) -> Result<Option<Self>, ClientError> {
        let nack = match classify_report(ir) {
            ReportClass::TransferReportAck => false,
            ReportClass::TransferReportNack => true,
            _ => return Ok(None),
        };
        let mut results = ir.results.iter();
        let transfer_set = match results.next() {
            Some(AccessResult::Success(d)) => Tase2Name::from_data(&d)?,
            _ => return Ok(None),
        };
        let time_stamp = match results.next() {
            Some(AccessResult::Success(d)) => Some(gmt_based_s(&d)?),
            _ => None,
        };
        Ok(Some(ReportAck {
            nack,
            transfer_set,
            time_stamp,
        }))
    }
}
