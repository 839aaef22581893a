//! The DS transfer set (IEC 60870-6-802 clause 5.1.4 `DSTransferSet`; IEC 60870-6-503
//! clause 8.4): 13 members in edition 2000-08, 12 in 1996-08 (no `EventCodeRequested`).
//! A client writes it whole, or one component at a time through MMS alternate access
//! with the component name.

use mms_pdu::mms::{
    AccessSelection, AlternateAccess, AlternateAccessItem, AlternateAccessSelection, Data, SeqOf,
};

use crate::Tase2Error;
use crate::objects::{DsConditions, Tase2Name};
use crate::prim::{bool_of, i16_of, i32_of};

/// A `DSTransferSet` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DsTransferSet<'a> {
    /// `DataSetName`: the data set to report.
    pub data_set_name: Tase2Name<'a>,
    /// `StartTime` (GMTBasedS): when to start; 0 = now.
    pub start_time: i32,
    /// `Interval` (seconds): the interval timeout.
    pub interval: i32,
    /// `TLE` (seconds): time limit for execution.
    pub tle: i32,
    /// `BufferTime` (seconds): how long to buffer changes before reporting.
    pub buffer_time: i32,
    /// `IntegrityCheck` (seconds): the integrity timeout.
    pub integrity_check: i32,
    /// `DSConditionsRequested`.
    pub ds_conditions_requested: DsConditions,
    /// `BlockData`: send the data set as one block (block 2 feature).
    pub block_data: bool,
    /// `Critical`: the client acknowledges reports.
    pub critical: bool,
    /// `RBE`: report by exception (only changed points).
    pub rbe: bool,
    /// `AllChangesReported`: report every change, not only the last.
    pub all_changes_reported: bool,
    /// `Status`: enabled.
    pub status: bool,
    /// `EventCodeRequested` (Integer16); `None` in the 12-member 1996-08 structure.
    pub event_code_requested: Option<i16>,
}

/// The components of a DS transfer set, in structure order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum DsTransferSetComponent {
    DataSetName,
    StartTime,
    Interval,
    Tle,
    BufferTime,
    IntegrityCheck,
    DsConditionsRequested,
    BlockData,
    Critical,
    Rbe,
    AllChangesReported,
    Status,
    EventCodeRequested,
}

impl DsTransferSetComponent {
    /// Every component in structure order.
    pub const ALL: [DsTransferSetComponent; 13] = [
        Self::DataSetName,
        Self::StartTime,
        Self::Interval,
        Self::Tle,
        Self::BufferTime,
        Self::IntegrityCheck,
        Self::DsConditionsRequested,
        Self::BlockData,
        Self::Critical,
        Self::Rbe,
        Self::AllChangesReported,
        Self::Status,
        Self::EventCodeRequested,
    ];

    /// The component name used in alternate access (`"DSConditionsRequested"`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::DataSetName => "DataSetName",
            Self::StartTime => "StartTime",
            Self::Interval => "Interval",
            Self::Tle => "TLE",
            Self::BufferTime => "BufferTime",
            Self::IntegrityCheck => "IntegrityCheck",
            Self::DsConditionsRequested => "DSConditionsRequested",
            Self::BlockData => "BlockData",
            Self::Critical => "Critical",
            Self::Rbe => "RBE",
            Self::AllChangesReported => "AllChangesReported",
            Self::Status => "Status",
            Self::EventCodeRequested => "EventCodeRequested",
        }
    }

    /// The component called `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The component an MMS alternate access selects: one step, `component` selection
    /// (named or unnamed form); `None` for anything else.
    #[must_use]
    pub fn from_alternate_access(a: &AlternateAccess<'_>) -> Option<Self> {
        let mut it = a.iter();
        let first = it.next()?;
        if it.next().is_some() {
            return None;
        }
        let sel = match first {
            AlternateAccessItem::Unnamed(s) => s,
            AlternateAccessItem::Named { access, .. } => access,
        };
        match sel {
            AlternateAccessSelection::SelectAccess(AccessSelection::Component(id)) => {
                Self::from_name(id.as_str())
            }
            _ => None,
        }
    }
}

/// One component's value, as written by component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComponentValue<'a> {
    /// `DataSetName`.
    Name(Tase2Name<'a>),
    /// `StartTime`, `Interval`, `TLE`, `BufferTime`, `IntegrityCheck`.
    Integer(i32),
    /// `EventCodeRequested`.
    EventCode(i16),
    /// `DSConditionsRequested`.
    Conditions(DsConditions),
    /// `BlockData`, `Critical`, `RBE`, `AllChangesReported`, `Status`.
    Boolean(bool),
}

impl<'a> ComponentValue<'a> {
    /// Decode `d` as the value of component `c`.
    ///
    /// # Errors
    /// [`Tase2Error`] when `d` does not have the component's type.
    pub fn decode(c: DsTransferSetComponent, d: &Data<'a>) -> Result<Self, Tase2Error> {
        use DsTransferSetComponent as C;
        let f = c.name();
        Ok(match c {
            C::DataSetName => ComponentValue::Name(Tase2Name::from_data(d)?),
            C::StartTime | C::Interval | C::Tle | C::BufferTime | C::IntegrityCheck => {
                ComponentValue::Integer(i32_of(d, f)?)
            }
            C::DsConditionsRequested => ComponentValue::Conditions(DsConditions::from_data(d)?),
            C::EventCodeRequested => ComponentValue::EventCode(i16_of(d, f)?),
            C::BlockData | C::Critical | C::Rbe | C::AllChangesReported | C::Status => {
                ComponentValue::Boolean(bool_of(d, f)?)
            }
        })
    }
}

impl<'a> DsTransferSet<'a> {
    /// Decode a whole transfer set (13 members, or 12 for edition 1996-08).
    ///
    /// # Errors
    /// [`Tase2Error`] for another member count or a member of the wrong type.
    pub fn from_data(d: &Data<'a>) -> Result<Self, Tase2Error> {
        const F: &str = "DSTransferSet";
        let s = crate::prim::structure(d, F)?;
        let mut m = [Data::Boolean(false); 13];
        let mut n: usize = 0;
        for e in s.iter() {
            let slot = m.get_mut(n).ok_or(Tase2Error::MemberCount {
                field: F,
                expected: 13,
                found: s.len(),
            })?;
            *slot = e;
            n = n.saturating_add(1);
        }
        if n != 12 && n != 13 {
            return Err(Tase2Error::MemberCount {
                field: F,
                expected: 13,
                found: n,
            });
        }
        let [
            name,
            start,
            interval,
            tle,
            buffer,
            integrity,
            cond,
            block,
            critical,
            rbe,
            all,
            status,
            event,
        ] = m;
        Ok(DsTransferSet {
            data_set_name: Tase2Name::from_data(&name)?,
            start_time: i32_of(&start, "StartTime")?,
            interval: i32_of(&interval, "Interval")?,
            tle: i32_of(&tle, "TLE")?,
            buffer_time: i32_of(&buffer, "BufferTime")?,
            integrity_check: i32_of(&integrity, "IntegrityCheck")?,
            ds_conditions_requested: DsConditions::from_data(&cond)?,
            block_data: bool_of(&block, "BlockData")?,
            critical: bool_of(&critical, "Critical")?,
            rbe: bool_of(&rbe, "RBE")?,
            all_changes_reported: bool_of(&all, "AllChangesReported")?,
            status: bool_of(&status, "Status")?,
            event_code_requested: if n == 13 {
                Some(i16_of(&event, "EventCodeRequested")?)
            } else {
                None
            },
        })
    }

    /// Apply a by-component write.
    ///
    /// # Errors
    /// [`Tase2Error::WrongType`] if `v` is not the type of `c`.
    pub fn set(
        &mut self,
        c: DsTransferSetComponent,
        v: ComponentValue<'a>,
    ) -> Result<(), Tase2Error> {
        use DsTransferSetComponent as C;
        match (c, v) {
            (C::DataSetName, ComponentValue::Name(n)) => self.data_set_name = n,
            (C::StartTime, ComponentValue::Integer(x)) => self.start_time = x,
            (C::Interval, ComponentValue::Integer(x)) => self.interval = x,
            (C::Tle, ComponentValue::Integer(x)) => self.tle = x,
            (C::BufferTime, ComponentValue::Integer(x)) => self.buffer_time = x,
            (C::IntegrityCheck, ComponentValue::Integer(x)) => self.integrity_check = x,
            (C::DsConditionsRequested, ComponentValue::Conditions(x)) => {
                self.ds_conditions_requested = x;
            }
            (C::BlockData, ComponentValue::Boolean(x)) => self.block_data = x,
            (C::Critical, ComponentValue::Boolean(x)) => self.critical = x,
            (C::Rbe, ComponentValue::Boolean(x)) => self.rbe = x,
            (C::AllChangesReported, ComponentValue::Boolean(x)) => self.all_changes_reported = x,
            (C::Status, ComponentValue::Boolean(x)) => self.status = x,
            (C::EventCodeRequested, ComponentValue::EventCode(x)) => {
                self.event_code_requested = Some(x);
            }
            _ => {
                return Err(Tase2Error::WrongType {
                    field: c.name(),
                    expected: "the component's type",
                });
            }
        }
        Ok(())
    }

    /// The MMS value: the data set name's members go into `name`, the 12 or 13 members
    /// into `fields`.
    #[must_use]
    pub fn to_data<'b>(
        &self,
        name: &'b mut [Data<'a>; 3],
        fields: &'b mut [Data<'b>; 13],
    ) -> Data<'b>
    where
        'a: 'b,
    {
        let int = |v: i32| Data::Integer(i64::from(v));
        *fields = [
            self.data_set_name.to_data(name),
            int(self.start_time),
            int(self.interval),
            int(self.tle),
            int(self.buffer_time),
            int(self.integrity_check),
            self.ds_conditions_requested.to_data(),
            Data::Boolean(self.block_data),
            Data::Boolean(self.critical),
            Data::Boolean(self.rbe),
            Data::Boolean(self.all_changes_reported),
            Data::Boolean(self.status),
            Data::Integer(i64::from(self.event_code_requested.unwrap_or(0))),
        ];
        let n = if self.event_code_requested.is_some() {
            13
        } else {
            12
        };
        let fields: &'b [Data<'b>; 13] = fields;
        Data::Structure(SeqOf::from_slice(fields.get(..n).unwrap_or(&[])))
    }
}
