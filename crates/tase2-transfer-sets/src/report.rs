//! Transfer reports (IEC 60870-6-503 clause 8.4.5, the `InformationReport` a server sends
//! for a DS transfer set): the special variables `Transfer_Set_Name`,
//! `Transfer_Set_Time_Stamp`, `DSConditions_Detected` and `Event_Code_Detected` (those the
//! data set includes), then the data set's points, either as the whole named variable list
//! (integrity/interval reports) or as a `listOfVariable` naming the changed points (RBE).
//!
//! A [`TransferReport`] pairs each value with its variable name without allocating: the
//! names come from the report itself (RBE) or from the data set member list the caller
//! kept from its `DefineNamedVariableList` (or `GetNamedVariableListAttributes`).

use mms_pdu::mms::{
    AccessResult, Data, DataAccessError, InformationReport, ObjectName, SeqIter, SeqOf,
    VariableAccessSpecification, VariableListItem, VariableSpecification,
};

use crate::objects::{
    DS_CONDITIONS_DETECTED, DsConditions, EVENT_CODE_DETECTED, TRANSFER_SET_NAME,
    TRANSFER_SET_TIME_STAMP, Tase2Name, event_code, gmt_based_s,
};
use crate::{Tase2Error, Value, ValueKind};

/// How the report names its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// `variableListName`: every member of the data set, in order.
    NamedList,
    /// `listOfVariable`: the changed points by name (report by exception).
    ListOfVariable,
}

/// One value of a report, special variables decoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReportItem<'a> {
    /// `Transfer_Set_Name`.
    TransferSetName(Tase2Name<'a>),
    /// `Transfer_Set_Time_Stamp` (GMTBasedS).
    TransferSetTimeStamp(i32),
    /// `DSConditions_Detected`.
    DsConditionsDetected(DsConditions),
    /// `Event_Code_Detected`.
    EventCodeDetected(i16),
    /// A data set point: decode with [`ReportEntry::value`].
    Point(Data<'a>),
    /// The server could not read this point.
    Failure(DataAccessError),
}

/// A report value with its variable name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportEntry<'a> {
    /// The variable (or data set member) name.
    pub name: ObjectName<'a>,
    /// The value.
    pub item: ReportItem<'a>,
}

impl ReportEntry<'_> {
    /// The point's value as the -802 type `kind`; `None` for special variables and
    /// failures.
    ///
    /// # Errors
    /// [`Tase2Error`] if the point does not have the shape of `kind`.
    pub fn value(&self, kind: ValueKind) -> Option<Result<Value, Tase2Error>> {
        match &self.item {
            ReportItem::Point(d) => Some(Value::decode(kind, d)),
            _ => None,
        }
    }
}

/// A typed view of a transfer report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransferReport<'a> {
    kind: ReportKind,
    data_set: Option<ObjectName<'a>>,
    names: SeqOf<'a, VariableListItem<'a>>,
    results: SeqOf<'a, AccessResult<'a>>,
}

impl<'a> TransferReport<'a> {
    /// View `ir` as a transfer report. For a named-list report `members` must be the data
    /// set's member list (ignored for a `listOfVariable` report).
    ///
    /// # Errors
    /// [`Tase2Error::BadName`] for a named-list report without `members`;
    /// [`Tase2Error::MemberCount`] when the names and values differ in number.
    pub fn new(
        ir: &InformationReport<'a>,
        members: Option<SeqOf<'a, VariableListItem<'a>>>,
    ) -> Result<Self, Tase2Error> {
        let (kind, data_set, names) = match ir.variable_access_specification {
            VariableAccessSpecification::ListOfVariable(l) => (ReportKind::ListOfVariable, None, l),
            VariableAccessSpecification::VariableListName(n) => (
                ReportKind::NamedList,
                Some(n),
                members.ok_or(Tase2Error::BadName {
                    field: "data set members",
                })?,
            ),
        };
        let (n, v) = (names.len(), ir.results.len());
        if n != v {
            return Err(Tase2Error::MemberCount {
                field: "InformationReport",
                expected: n,
                found: v,
            });
        }
        Ok(TransferReport {
            kind,
            data_set,
            names,
            results: ir.results,
        })
    }

    /// Named list or list of variables.
    #[must_use]
    pub const fn kind(&self) -> ReportKind {
        self.kind
    }

    /// The data set name of a named-list report.
    #[must_use]
    pub const fn data_set(&self) -> Option<ObjectName<'a>> {
        self.data_set
    }

    /// Number of values (special variables included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// True for a report without values.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// The values with their names, in order.
    #[must_use]
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            names: self.names.iter(),
            results: self.results.iter(),
        }
    }

    /// The `Transfer_Set_Name` this report carries, if any.
    #[must_use]
    pub fn transfer_set_name(&self) -> Option<Tase2Name<'a>> {
        self.entries().find_map(|e| match e {
            Ok(ReportEntry {
                item: ReportItem::TransferSetName(n),
                ..
            }) => Some(n),
            _ => None,
        })
    }
}

/// Iterator over a report's [`ReportEntry`]s.
pub struct Entries<'a> {
    names: SeqIter<'a, VariableListItem<'a>>,
    results: SeqIter<'a, AccessResult<'a>>,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<ReportEntry<'a>, Tase2Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.names.next()?;
        let result = self.results.next()?;
        Some(classify(item, result))
    }
}

fn classify<'a>(
    item: VariableListItem<'a>,
    result: AccessResult<'a>,
) -> Result<ReportEntry<'a>, Tase2Error> {
    let VariableSpecification::Name(name) = item.specification else {
        return Err(Tase2Error::BadName {
            field: "report variable",
        });
    };
    let d = match result {
        AccessResult::Failure(e) => {
            return Ok(ReportEntry {
                name,
                item: ReportItem::Failure(e),
            });
        }
        AccessResult::Success(d) => d,
    };
    let item = match name.item().as_str() {
        TRANSFER_SET_NAME => ReportItem::TransferSetName(Tase2Name::from_data(&d)?),
        TRANSFER_SET_TIME_STAMP => ReportItem::TransferSetTimeStamp(gmt_based_s(&d)?),
        DS_CONDITIONS_DETECTED => ReportItem::DsConditionsDetected(DsConditions::from_data(&d)?),
        EVENT_CODE_DETECTED => ReportItem::EventCodeDetected(event_code(&d)?),
        _ => ReportItem::Point(d),
    };
    Ok(ReportEntry { name, item })
}
