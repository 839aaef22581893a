//! The station's state behind its mutex: the object registry (names per scope), points
//! with their reverse index to the transfer sets watching them, data sets, bilateral
//! tables and associations.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::string::String;
use std::vec::Vec;

use mms_pdu::mms::{Identifier, ObjectName};
use telecontrol_core::Instant;

use super::config::{
    BilateralTableConfig, DataSetConfig, DeviceConfig, Domain, MessageBufferConfig, PeerConfig,
    PointConfig, StationConfig,
};
use super::transfer::TransferSet;
use super::{DeviceId, PointId, StationError, StationEvent, TransferSetState};
use crate::objects::{
    BILATERAL_TABLE_ID, DS_CONDITIONS_DETECTED, EVENT_CODE_DETECTED, INFO_BUFF_PREFIX,
    INFO_MESS_HEADER, NEXT_DS_TRANSFER_SET, SBO_SUFFIX, SUPPORTED_FEATURES, TAG_SUFFIX,
    TASE2_VERSION, TRANSFER_SET_NAME, TRANSFER_SET_TIME_STAMP,
};
use crate::{AccessRights, DataFlags, Validity, Value, ValueKind};

pub(crate) use crate::client::{TRANSFER_REPORT_ACK, TRANSFER_REPORT_NACK};

/// Index of a scope: 0 is the VCC, then one per ICC domain.
pub(crate) type Dom = u32;
/// The VCC scope.
pub(crate) const VCC: Dom = 0;

/// A special variable of a transfer report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    Name,
    TimeStamp,
    Conditions,
    EventCode,
}

impl Special {
    fn from_name(n: &str) -> Option<Self> {
        Some(match n {
            TRANSFER_SET_NAME => Special::Name,
            TRANSFER_SET_TIME_STAMP => Special::TimeStamp,
            DS_CONDITIONS_DETECTED => Special::Conditions,
            EVENT_CODE_DETECTED => Special::EventCode,
            _ => return None,
        })
    }
}

/// What a name designates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Obj {
    Version,
    Features,
    TableId,
    NextTransferSet,
    Special(Special),
    ReportAck(bool),
    TransferSet(u16),
    Point(u32),
    Device(u32),
    Sbo(u32),
    Tag(u32),
    InfoHeader,
    InfoBuffer(u32),
}

pub(crate) struct Point {
    pub(crate) kind: ValueKind,
    pub(crate) value: Value,
    /// The enabled transfer sets whose data set holds this point: (ICC, transfer set,
    /// member position).
    pub(crate) watchers: Vec<Watch>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Watch {
    pub(crate) icc: Dom,
    pub(crate) ts: u16,
    pub(crate) member: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Member {
    Point(u32),
    Special(Special),
    /// A device's `<dev>_TAG`: tag changes are reported like point changes.
    Tag(u32),
}

/// Where a named variable list lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListScope {
    Dom(Dom),
    Aa(u64),
}

pub(crate) struct DataSet {
    pub(crate) scope: ListScope,
    pub(crate) name: String,
    /// Members with the (scope, name) they were defined with.
    pub(crate) members: Vec<(Dom, String, Member)>,
    /// Each member's name as an encoded `listOfVariable` entry, back to back (reports
    /// copy them), and where each ends.
    names: Vec<u8>,
    name_ends: Vec<usize>,
    /// The association that defined it (client-defined; deletable), `None` for the
    /// server's.
    pub(crate) owner: Option<u64>,
    /// Enabled transfer sets reporting it.
    pub(crate) in_use: u32,
}

impl DataSet {
    /// The encoded `listOfVariable` entry naming member `i`.
    pub(crate) fn member_name(&self, i: usize) -> &[u8] {
        let start = match i.checked_sub(1) {
            Some(p) => self.name_ends.get(p).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.name_ends.get(i).copied().unwrap_or(start);
        self.names.get(start..end).unwrap_or(&[])
    }
}

pub(crate) struct Table {
    pub(crate) peer: Option<PeerConfig>,
    pub(crate) icc: Dom,
    pub(crate) table_id: String,
    vcc: HashMap<String, AccessRights>,
    icc_rights: HashMap<String, AccessRights>,
    vcc_default: AccessRights,
    icc_default: AccessRights,
}

pub(crate) struct Association {
    /// The bilateral table, `None` for an open station's anonymous peer without one.
    pub(crate) table: Option<usize>,
    pub(crate) im_enabled: bool,
    /// Largest report PDU for this association: the station's maximum, lowered to the
    /// MMS PDU size the peer proposed in its Initiate request.
    pub(crate) max_pdu_size: usize,
}

pub(crate) struct Inner {
    pub(crate) config: StationConfig,
    /// Scope names: index 0 is the VCC ("").
    pub(crate) domains: Vec<String>,
    domain_ix: HashMap<String, Dom>,
    /// Names of each scope, sorted.
    pub(crate) names: Vec<BTreeMap<String, Obj>>,
    /// Named variable lists of each scope and of each association.
    pub(crate) lists: Vec<BTreeMap<String, usize>>,
    pub(crate) aa_lists: HashMap<u64, BTreeMap<String, usize>>,
    pub(crate) data_sets: Vec<Option<DataSet>>,
    pub(crate) points: Vec<Point>,
    pub(crate) devices: Vec<super::directory::Device>,
    pub(crate) tables: Vec<Table>,
    /// The table of each ICC scope.
    pub(crate) table_of: HashMap<Dom, usize>,
    /// Transfer sets per scope (empty for the VCC).
    pub(crate) transfer_sets: Vec<Vec<TransferSet>>,
    pub(crate) associations: HashMap<u64, Association>,
    pub(crate) out: VecDeque<(u64, Vec<u8>)>,
    pub(crate) events: VecDeque<StationEvent>,
    /// The latest time seen.
    last_now: Instant,
}

fn ident(name: &str, what: &'static str) -> Result<(), StationError> {
    Identifier::new(name)
        .map(|_| ())
        .ok_or(StationError::BadName { what })
}

impl Inner {
    pub(crate) fn new(config: StationConfig) -> Self {
        let mut vcc = BTreeMap::new();
        vcc.insert(TASE2_VERSION.into(), Obj::Version);
        vcc.insert(SUPPORTED_FEATURES.into(), Obj::Features);
        Inner {
            config,
            domains: std::vec![String::new()],
            domain_ix: HashMap::new(),
            names: std::vec![vcc],
            lists: std::vec![BTreeMap::new()],
            aa_lists: HashMap::new(),
            data_sets: Vec::new(),
            points: Vec::new(),
            devices: Vec::new(),
            tables: Vec::new(),
            table_of: HashMap::new(),
            transfer_sets: std::vec![Vec::new()],
            associations: HashMap::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            last_now: Instant::ZERO,
        }
    }

    /// `now`, or the latest time seen if that is later.
    pub(crate) fn clamp(&mut self, now: Instant) -> Instant {
        self.last_now = self.last_now.max(now);
        self.last_now
    }

    /// The scope index of `d`, created (with the ICC's mandatory objects and transfer
    /// sets) on first use.
    fn dom(&mut self, d: &Domain) -> Result<Dom, StationError> {
        let Domain::Icc(name) = d else {
            return Ok(VCC);
        };
        if let Some(ix) = self.domain_ix.get(name) {
            return Ok(*ix);
        }
        ident(name, "ICC domain")?;
        let ix = Dom::try_from(self.domains.len()).map_err(|_| StationError::BadName {
            what: "too many domains",
        })?;
        let mut names = BTreeMap::new();
        names.insert(BILATERAL_TABLE_ID.into(), Obj::TableId);
        names.insert(NEXT_DS_TRANSFER_SET.into(), Obj::NextTransferSet);
        for (n, s) in [
            (TRANSFER_SET_NAME, Special::Name),
            (TRANSFER_SET_TIME_STAMP, Special::TimeStamp),
            (DS_CONDITIONS_DETECTED, Special::Conditions),
            (EVENT_CODE_DETECTED, Special::EventCode),
        ] {
            names.insert(n.into(), Obj::Special(s));
        }
        names.insert(TRANSFER_REPORT_ACK.into(), Obj::ReportAck(true));
        names.insert(TRANSFER_REPORT_NACK.into(), Obj::ReportAck(false));
        let mut sets = Vec::new();
        for i in 0..self.config.transfer_sets_per_icc {
            let ts = TransferSet::new(i);
            names.insert(ts.name.clone(), Obj::TransferSet(i));
            sets.push(ts);
        }
        self.domains.push(name.clone());
        self.domain_ix.insert(name.clone(), ix);
        self.names.push(names);
        self.lists.push(BTreeMap::new());
        self.transfer_sets.push(sets);
        Ok(ix)
    }

    /// The scope index of an existing domain.
    pub(crate) fn find_dom(&self, d: &Domain) -> Option<Dom> {
        match d {
            Domain::Vcc => Some(VCC),
            Domain::Icc(n) => self.domain_ix.get(n).copied(),
        }
    }

    /// The scope of an MMS domain name.
    pub(crate) fn dom_of(&self, domain: &str) -> Option<Dom> {
        self.domain_ix.get(domain).copied()
    }

    /// The scope and object an MMS name designates (not aa-specific).
    pub(crate) fn resolve(&self, name: &ObjectName<'_>) -> Option<(Dom, Obj)> {
        let (dom, item) = match name {
            ObjectName::VmdSpecific(i) => (VCC, i.as_str()),
            ObjectName::DomainSpecific { domain, item } => {
                (self.dom_of(domain.as_str())?, item.as_str())
            }
            ObjectName::AaSpecific(_) => return None,
        };
        let names = self.names.get(usize::try_from(dom).ok()?)?;
        names.get(item).map(|o| (dom, *o))
    }

    /// The MMS domain name of scope `dom` (`None` for the VCC).
    pub(crate) fn domain_name(&self, dom: Dom) -> Option<&str> {
        if dom == VCC {
            return None;
        }
        self.domains
            .get(usize::try_from(dom).ok()?)
            .map(String::as_str)
    }

    fn claim(&mut self, dom: Dom, name: &str, obj: Obj) -> Result<(), StationError> {
        ident(name, "object name")?;
        let names = usize::try_from(dom)
            .ok()
            .and_then(|d| self.names.get_mut(d))
            .ok_or(StationError::Unknown { what: "domain" })?;
        if names.contains_key(name) {
            return Err(StationError::BadName { what: "name taken" });
        }
        names.insert(name.into(), obj);
        Ok(())
    }

    pub(crate) fn add_point(&mut self, p: PointConfig) -> Result<PointId, StationError> {
        let dom = self.dom(&p.domain)?;
        let value = match p.initial {
            Some(v) if v.kind() != p.kind => return Err(StationError::WrongKind),
            Some(v) => v,
            None => initial_value(p.kind),
        };
        let id = u32::try_from(self.points.len()).map_err(|_| StationError::BadName {
            what: "too many points",
        })?;
        self.claim(dom, &p.name, Obj::Point(id))?;
        self.points.push(Point {
            kind: p.kind,
            value,
            watchers: Vec::new(),
        });
        Ok(PointId(id))
    }

    pub(crate) fn find_point(&self, d: &Domain, name: &str) -> Option<PointId> {
        let dom = self.find_dom(d)?;
        match self.names.get(usize::try_from(dom).ok()?)?.get(name)? {
            Obj::Point(p) => Some(PointId(*p)),
            _ => None,
        }
    }

    pub(crate) fn find_device(&self, d: &Domain, name: &str) -> Option<DeviceId> {
        let dom = self.find_dom(d)?;
        match self.names.get(usize::try_from(dom).ok()?)?.get(name)? {
            Obj::Device(i) => Some(DeviceId(*i)),
            _ => None,
        }
    }

    pub(crate) fn point_value(&self, p: PointId) -> Option<Value> {
        self.point_ref(p.0).map(|p| p.value)
    }

    pub(crate) fn point_ref(&self, p: u32) -> Option<&Point> {
        self.points.get(usize::try_from(p).ok()?)
    }

    pub(crate) fn update(
        &mut self,
        now: Instant,
        id: PointId,
        value: Value,
    ) -> Result<(), StationError> {
        let p = usize::try_from(id.0)
            .ok()
            .and_then(|i| self.points.get_mut(i))
            .ok_or(StationError::Unknown { what: "point" })?;
        if p.kind != value.kind() {
            return Err(StationError::WrongKind);
        }
        p.value = value;
        let watchers = core::mem::take(&mut p.watchers);
        for w in &watchers {
            self.note_change(now, *w, Some(value));
        }
        if let Some(p) = usize::try_from(id.0)
            .ok()
            .and_then(|i| self.points.get_mut(i))
        {
            p.watchers = watchers;
        }
        Ok(())
    }

    pub(crate) fn add_device(&mut self, d: DeviceConfig) -> Result<DeviceId, StationError> {
        let dom = self.dom(&d.domain)?;
        let id = u32::try_from(self.devices.len()).map_err(|_| StationError::BadName {
            what: "too many devices",
        })?;
        let sbo = std::format!("{}{SBO_SUFFIX}", d.name);
        let tag = std::format!("{}{TAG_SUFFIX}", d.name);
        let names = self
            .names
            .get(usize::try_from(dom).unwrap_or(usize::MAX))
            .ok_or(StationError::Unknown { what: "domain" })?;
        if names.contains_key(&d.name) || names.contains_key(&sbo) || names.contains_key(&tag) {
            return Err(StationError::BadName { what: "name taken" });
        }
        ident(&sbo, "device name")?;
        ident(&tag, "device name")?;
        self.claim(dom, &d.name, Obj::Device(id))?;
        let device = super::directory::Device::new(dom, &d)?;
        if matches!(d.mode, super::ControlMode::SelectBeforeOperate { .. }) {
            self.claim(dom, &sbo, Obj::Sbo(id))?;
        }
        if d.tagged {
            self.claim(dom, &tag, Obj::Tag(id))?;
        }
        self.devices.push(device);
        Ok(DeviceId(id))
    }

    /// The member `(dom, name)` of a data set defined in `scope`.
    pub(crate) fn member(&self, dom: Dom, name: &str) -> Option<Member> {
        match self.names.get(usize::try_from(dom).ok()?)?.get(name)? {
            Obj::Point(p) => Some(Member::Point(*p)),
            Obj::Special(s) => Some(Member::Special(*s)),
            Obj::Tag(i) => Some(Member::Tag(*i)),
            _ => Special::from_name(name).map(Member::Special),
        }
    }

    pub(crate) fn add_data_set(&mut self, d: DataSetConfig) -> Result<(), StationError> {
        let dom = self.dom(&d.domain)?;
        ident(&d.name, "data set name")?;
        let mut members = Vec::with_capacity(d.members.len());
        for (md, name) in d.members {
            let mdom = self.dom(&md)?;
            let m = self
                .member(mdom, &name)
                .ok_or(StationError::Unknown { what: "member" })?;
            members.push((mdom, name, m));
        }
        self.insert_list(ListScope::Dom(dom), d.name, members, None)
            .map(|_| ())
    }

    /// Store a data set; `Err` if the name is taken in its scope.
    pub(crate) fn insert_list(
        &mut self,
        scope: ListScope,
        name: String,
        members: Vec<(Dom, String, Member)>,
        owner: Option<u64>,
    ) -> Result<usize, StationError> {
        let taken = self.list_map(scope).is_some_and(|m| m.contains_key(&name));
        if taken {
            return Err(StationError::BadName { what: "data set" });
        }
        let mut names = Vec::new();
        let mut name_ends = Vec::with_capacity(members.len());
        for (d, n, _) in &members {
            super::encode::append_name(self.domain_name(*d), n, &mut names);
            name_ends.push(names.len());
        }
        let ds = DataSet {
            scope,
            name: name.clone(),
            members,
            names,
            name_ends,
            owner,
            in_use: 0,
        };
        let ix = match self.data_sets.iter().position(Option::is_none) {
            Some(free) => {
                if let Some(slot) = self.data_sets.get_mut(free) {
                    *slot = Some(ds);
                }
                free
            }
            None => {
                self.data_sets.push(Some(ds));
                self.data_sets.len().saturating_sub(1)
            }
        };
        match scope {
            ListScope::Dom(d) => {
                if let Some(m) = usize::try_from(d).ok().and_then(|d| self.lists.get_mut(d)) {
                    m.insert(name, ix);
                }
            }
            ListScope::Aa(a) => {
                self.aa_lists.entry(a).or_default().insert(name, ix);
            }
        }
        Ok(ix)
    }

    pub(crate) fn list_map(&self, scope: ListScope) -> Option<&BTreeMap<String, usize>> {
        match scope {
            ListScope::Dom(d) => self.lists.get(usize::try_from(d).ok()?),
            ListScope::Aa(a) => self.aa_lists.get(&a),
        }
    }

    /// The data set an MMS list name designates, for `association`.
    pub(crate) fn find_list(&self, association: u64, name: &ObjectName<'_>) -> Option<usize> {
        let (scope, item) = match name {
            ObjectName::VmdSpecific(i) => (ListScope::Dom(VCC), i.as_str()),
            ObjectName::DomainSpecific { domain, item } => {
                (ListScope::Dom(self.dom_of(domain.as_str())?), item.as_str())
            }
            ObjectName::AaSpecific(i) => (ListScope::Aa(association), i.as_str()),
        };
        self.list_map(scope)?.get(item).copied()
    }

    pub(crate) fn data_set(&self, ix: usize) -> Option<&DataSet> {
        self.data_sets.get(ix)?.as_ref()
    }

    pub(crate) fn add_message_buffer(
        &mut self,
        b: MessageBufferConfig,
    ) -> Result<(), StationError> {
        let dom = self.dom(&b.domain)?;
        let name = std::format!("{INFO_BUFF_PREFIX}{}", b.size);
        self.claim(dom, &name, Obj::InfoBuffer(b.size))?;
        let names = usize::try_from(dom)
            .ok()
            .and_then(|d| self.names.get_mut(d));
        if let Some(n) = names {
            n.entry(INFO_MESS_HEADER.into()).or_insert(Obj::InfoHeader);
        }
        Ok(())
    }

    pub(crate) fn add_table(&mut self, t: BilateralTableConfig) -> Result<(), StationError> {
        if t.table_id.len() > 32 {
            return Err(StationError::BadName {
                what: "Bilateral_Table_ID",
            });
        }
        let icc = self.dom(&Domain::Icc(t.icc_domain.clone()))?;
        if self.table_of.contains_key(&icc) {
            return Err(StationError::BadName {
                what: "a second table for the domain",
            });
        }
        let mut vcc = HashMap::new();
        let mut icc_rights = HashMap::new();
        for (d, name, rights) in t.objects {
            match d {
                Domain::Vcc => vcc.insert(name, rights),
                Domain::Icc(n) if n == t.icc_domain => icc_rights.insert(name, rights),
                Domain::Icc(_) => {
                    return Err(StationError::Unknown {
                        what: "table object of another domain",
                    });
                }
            };
        }
        self.table_of.insert(icc, self.tables.len());
        self.tables.push(Table {
            peer: t.peer,
            icc,
            table_id: t.table_id,
            vcc,
            icc_rights,
            vcc_default: t.vcc_default,
            icc_default: t.icc_default,
        });
        Ok(())
    }

    /// The table of `association`.
    pub(crate) fn table(&self, association: u64) -> Option<&Table> {
        let t = self.associations.get(&association)?.table?;
        self.tables.get(t)
    }

    /// The ICC scope of `association` (none for an anonymous peer).
    pub(crate) fn icc_of(&self, association: u64) -> Option<Dom> {
        self.table(association).map(|t| t.icc)
    }

    /// The rights of `association` on object `name` of scope `dom`.
    pub(crate) fn rights(&self, association: u64, dom: Dom, name: &str) -> AccessRights {
        let Some(a) = self.associations.get(&association) else {
            return AccessRights::NONE;
        };
        let Some(t) = a.table.and_then(|t| self.tables.get(t)) else {
            // An open station's peer without a table: VCC objects, read only.
            return if dom == VCC {
                AccessRights::READ
            } else {
                AccessRights::NONE
            };
        };
        if dom == VCC {
            t.vcc.get(name).copied().unwrap_or(t.vcc_default)
        } else if dom == t.icc {
            t.icc_rights.get(name).copied().unwrap_or(t.icc_default)
        } else {
            AccessRights::NONE
        }
    }

    pub(crate) fn transfer_set_state(&self, icc: &str, name: &str) -> Option<TransferSetState> {
        let dom = self.dom_of(icc)?;
        let sets = self.transfer_sets.get(usize::try_from(dom).ok()?)?;
        sets.iter().find(|t| t.name == name).map(TransferSet::state)
    }

    pub(crate) fn poll_event(&mut self) -> Option<StationEvent> {
        self.events.pop_front()
    }

    /// The table id of `association`, owned, for events.
    pub(crate) fn table_id(&self, association: u64) -> Option<String> {
        self.table(association).map(|t| t.table_id.clone())
    }
}

/// A point's value before its first update: zero, flags `NOTVALID`.
fn initial_value(kind: ValueKind) -> Value {
    let f = DataFlags::GOOD.with_validity(Validity::NotValid);
    match kind {
        ValueKind::Real => Value::Real(0.0),
        ValueKind::Discrete => Value::Discrete(0),
        ValueKind::State => Value::State(f),
        ValueKind::Flags => Value::Flags(f),
        ValueKind::StateQ => Value::StateQ(f),
        ValueKind::RealQ => Value::RealQ(crate::Quality {
            value: 0.0,
            flags: f,
        }),
        ValueKind::DiscreteQ => Value::DiscreteQ(crate::Quality { value: 0, flags: f }),
        ValueKind::RealQTimeTag => Value::RealQTimeTag(tagged(0.0, 0, f)),
        ValueKind::StateQTimeTag => Value::StateQTimeTag(tagged((), 0, f)),
        ValueKind::DiscreteQTimeTag => Value::DiscreteQTimeTag(tagged(0, 0, f)),
        ValueKind::RealExtended => Value::RealExtended(ext(0.0, f)),
        ValueKind::StateExtended => Value::StateExtended(ext((), f)),
        ValueKind::DiscreteExtended => Value::DiscreteExtended(ext(0, f)),
        ValueKind::RealQTimeTagExtended => {
            Value::RealQTimeTagExtended(tagged(0.0, Default::default(), f))
        }
        ValueKind::StateQTimeTagExtended => {
            Value::StateQTimeTagExtended(tagged((), Default::default(), f))
        }
        ValueKind::DiscreteQTimeTagExtended => {
            Value::DiscreteQTimeTagExtended(tagged(0, Default::default(), f))
        }
    }
}

fn tagged<V, T>(value: V, time_stamp: T, flags: DataFlags) -> crate::TimeTagged<V, T> {
    crate::TimeTagged {
        value,
        time_stamp,
        flags,
    }
}

fn ext<V>(value: V, flags: DataFlags) -> crate::Extended<V> {
    crate::Extended {
        value,
        time_stamp: 0,
        flags,
        cov: 0,
    }
}
