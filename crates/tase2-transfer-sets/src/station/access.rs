//! The station's answers to the MMS services on its objects (IEC 60870-6-503 clauses 7
//! and 8): names and types per scope and bilateral table, reads and writes of every TASE.2
//! object, and client-defined data sets (define, delete, attributes).

use core::ops::Bound;
use std::string::String;
use std::vec::Vec;

use mms_pdu::mms::{
    AlternateAccess, Data, DataAccessError, ErrorClass, ObjectClass, ObjectName, ObjectScope,
    TypeSpecification,
};
use mms_pdu::server::{OBJECT_ATTRIBUTE_INCONSISTENT, OBJECT_EXISTS, OBJECT_UNDEFINED};
use telecontrol_core::Instant;

use super::inner::{Dom, Inner, ListScope, Member, Obj, VCC};
use super::{DeviceId, StationEvent, types};
use crate::objects::IM_TRANSFER_SET;
use crate::{
    AccessRights, DeviceKind, DeviceValue, DsTransferSetComponent, Scope, TagValue, Tase2Name,
};

/// `access` error `object-access-denied`.
const ACCESS_DENIED: ErrorClass = ErrorClass::Access(3);
/// `resource` error `memory-unavailable` (ISO 9506-2 7.4.1.3).
const MEMORY_UNAVAILABLE: ErrorClass = ErrorClass::Resource(1);

/// What a name designates for one association: the single rule by which every service
/// on a named variable (Read, Write, GetVariableAccessAttributes, a data set member, the
/// device and tag variables) decides between refusing, answering "no such object", and
/// looking at the object's rights (IEC 60870-6-503 clause 7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lookup {
    /// A domain-specific name outside the association's ICC (another table's ICC, a domain
    /// that does not exist, or any domain for a peer without an ICC): refused before it
    /// is looked up.
    Foreign,
    /// Within the association's scopes, a name the station does not hold or one the
    /// association's bilateral table does not name: the two answer alike, so a peer cannot
    /// probe which names exist outside its table.
    Absent,
    /// An object the association may see (its table names it, or every peer sees it);
    /// each service then checks the right it needs.
    Found(Dom, Obj),
}

impl Inner {
    /// Whether `name` is in an MMS domain that is not the ICC of `association` (another
    /// table's ICC, or no domain at all).
    fn foreign(&self, association: u64, name: &ObjectName<'_>) -> bool {
        match name {
            ObjectName::DomainSpecific { domain, .. } => {
                self.icc_of(association).and_then(|d| self.domain_name(d)) != Some(domain.as_str())
            }
            ObjectName::VmdSpecific(_) | ObjectName::AaSpecific(_) => false,
        }
    }

    /// Look `name` up for `association` (see [`Lookup`]).
    pub(super) fn lookup(&self, association: u64, name: &ObjectName<'_>) -> Lookup {
        if self.foreign(association, name) {
            return Lookup::Foreign;
        }
        match self.resolve(name) {
            Some((dom, obj)) if self.visible(association, dom, obj, name.item().as_str()) => {
                Lookup::Found(dom, obj)
            }
            _ => Lookup::Absent,
        }
    }

    /// The data set (named variable list) `name` designates for `association`, by the
    /// rule of [`Lookup`]: `None` (answered as absent) for one outside its scopes, one that
    /// does not exist, and one with a member the association may not see (its member names
    /// would tell which objects exist outside the table).
    pub(super) fn lookup_list(&self, association: u64, name: &ObjectName<'_>) -> Option<usize> {
        let ix = self.find_list(association, name)?;
        self.list_visible(association, ix).then_some(ix)
    }

    /// May `association` see data set `ix` (its scope, and every member)?
    fn list_visible(&self, association: u64, ix: usize) -> bool {
        let Some(ds) = self.data_set(ix) else {
            return false;
        };
        let scope = match ds.scope {
            ListScope::Dom(d) => d == VCC || Some(d) == self.icc_of(association),
            ListScope::Aa(a) => a == association,
        };
        scope
            && ds.members.iter().all(|(d, n, m)| {
                let obj = match *m {
                    Member::Point(p) => Obj::Point(p),
                    Member::Tag(i) => Obj::Tag(i),
                    Member::Special(s) => Obj::Special(s),
                };
                self.visible(association, *d, obj, n)
            })
    }

    /// [`Self::lookup`] as Read and Write answer it: `object-access-denied` outside the
    /// association's ICC, `object-non-existent` for an absent or unnamed object.
    fn lookup_variable(
        &self,
        association: u64,
        name: &ObjectName<'_>,
    ) -> Result<(Dom, Obj), DataAccessError> {
        match self.lookup(association, name) {
            Lookup::Foreign => Err(DataAccessError::ObjectAccessDenied),
            Lookup::Absent => Err(DataAccessError::ObjectNonExistent),
            Lookup::Found(dom, obj) => Ok((dom, obj)),
        }
    }

    pub(super) fn names(
        &self,
        association: u64,
        class: ObjectClass,
        scope: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        let dom = match scope {
            ObjectScope::Vmd => VCC,
            ObjectScope::Domain(d) => {
                let dom = self.dom_of(d.as_str()).ok_or(OBJECT_UNDEFINED)?;
                if Some(dom) != self.icc_of(association) {
                    return Err(OBJECT_UNDEFINED);
                }
                dom
            }
            ObjectScope::Aa => {
                if class == ObjectClass::NamedVariable && after.is_none_or(|a| a < IM_TRANSFER_SET)
                {
                    out(IM_TRANSFER_SET);
                } else if class == ObjectClass::NamedVariableList
                    && let Some(m) = self.aa_lists.get(&association)
                {
                    let lo = after.map_or(Bound::Unbounded, Bound::Excluded);
                    for k in m.range::<str, _>((lo, Bound::Unbounded)).map(|(k, _)| k) {
                        if !out(k) {
                            break;
                        }
                    }
                }
                return Ok(());
            }
        };
        let lo = after.map_or(Bound::Unbounded, Bound::Excluded);
        let d = usize::try_from(dom).map_err(|_| OBJECT_UNDEFINED)?;
        match class {
            ObjectClass::NamedVariable => {
                let names = self.names.get(d).ok_or(OBJECT_UNDEFINED)?;
                for (k, obj) in names.range::<str, _>((lo, Bound::Unbounded)) {
                    if self.visible(association, dom, *obj, k) && !out(k) {
                        break;
                    }
                }
            }
            ObjectClass::NamedVariableList => {
                let lists = self.lists.get(d).ok_or(OBJECT_UNDEFINED)?;
                for (k, ix) in lists.range::<str, _>((lo, Bound::Unbounded)) {
                    if self.list_visible(association, *ix) && !out(k) {
                        break;
                    }
                }
            }
            ObjectClass::Domain if dom == VCC => {
                if let Some(icc) = self.icc_of(association).and_then(|d| self.domain_name(d))
                    && after.is_none_or(|a| a < icc)
                {
                    out(icc);
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn variable_type(
        &self,
        association: u64,
        name: &ObjectName<'_>,
    ) -> Option<TypeSpecification<'static>> {
        if name.item().as_str() == IM_TRANSFER_SET {
            return Some(types::BOOLEAN);
        }
        let Lookup::Found(_, obj) = self.lookup(association, name) else {
            return None;
        };
        let edition_2000 = self.config.version.major >= 2000;
        Some(match obj {
            Obj::Version => types::TASE2_VERSION,
            Obj::Features => types::features(self.config.features.len()),
            Obj::TableId => types::NAME32,
            Obj::NextTransferSet | Obj::ReportAck(_) => types::OBJECT_NAME,
            Obj::Special(s) => match s {
                super::inner::Special::Name => types::OBJECT_NAME,
                super::inner::Special::TimeStamp => types::I32,
                super::inner::Special::Conditions => types::DS_CONDITIONS,
                super::inner::Special::EventCode => types::I16,
            },
            Obj::TransferSet(_) => types::ds_transfer_set(edition_2000),
            Obj::Point(p) => types::point(self.point_ref(p)?.kind),
            Obj::Device(i) => match self.device(i)?.kind {
                DeviceKind::RealSetPoint => types::REAL,
                _ => types::I16,
            },
            Obj::Sbo(_) => types::I16,
            Obj::Tag(_) => types::TAG,
            Obj::InfoHeader => types::INFO_MESS_HEADER,
            Obj::InfoBuffer(n) => types::info_buffer(n),
        })
    }

    pub(super) fn read(
        &mut self,
        now: Instant,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), DataAccessError> {
        let a = self
            .associations
            .get(&association)
            .ok_or(DataAccessError::ObjectAccessDenied)?;
        if name.item().as_str() == IM_TRANSFER_SET {
            super::encode::append(&Data::Boolean(a.im_enabled), out);
            return Ok(());
        }
        let (dom, obj) = self.lookup_variable(association, name)?;
        let item = name.item().as_str();
        match obj {
            Obj::Version => {
                let mut f = [Data::Boolean(false); 2];
                super::encode::append(&self.config.version.to_data(&mut f), out);
            }
            Obj::Features => {
                let mut s = [0u8; 2];
                super::encode::append(&self.config.features.to_data(&mut s), out);
            }
            Obj::TableId => {
                let id = self.table(association).map_or("", |t| t.table_id.as_str());
                super::encode::append(&Data::VisibleString(id.as_bytes()), out);
            }
            Obj::NextTransferSet => {
                let (icc, ix) = self
                    .allocate_transfer_set(association)
                    .ok_or(DataAccessError::TemporarilyUnavailable)?;
                let t = self
                    .ts(icc, ix)
                    .ok_or(DataAccessError::TemporarilyUnavailable)?;
                let n = Tase2Name {
                    scope: Scope::Icc,
                    domain: self.domain_name(icc).unwrap_or(""),
                    name: &t.name,
                };
                let mut f = [Data::Boolean(false); 3];
                super::encode::append(&n.to_data(&mut f), out);
            }
            Obj::TransferSet(ix) => {
                self.ts_data(dom, ix, out)
                    .ok_or(DataAccessError::ObjectNonExistent)?;
            }
            Obj::Point(p) => {
                if !self
                    .rights(association, dom, item)
                    .allows(AccessRights::READ)
                {
                    return Err(DataAccessError::ObjectAccessDenied);
                }
                let p = self
                    .point_ref(p)
                    .ok_or(DataAccessError::ObjectNonExistent)?;
                super::encode::append_value(&p.value, out);
            }
            Obj::Sbo(i) => {
                if !self
                    .device_rights(association, i)
                    .allows(AccessRights::OPERATE)
                {
                    return Err(DataAccessError::ObjectAccessDenied);
                }
                let owner = self
                    .owner(association)
                    .ok_or(DataAccessError::ObjectAccessDenied)?;
                let d = usize::try_from(i)
                    .ok()
                    .and_then(|i| self.devices.get_mut(i))
                    .ok_or(DataAccessError::ObjectNonExistent)?;
                let id = d
                    .control
                    .select(now, owner)
                    .map_err(|e| e.data_access_error())?;
                super::encode::append(&DeviceValue::CheckBackId(id).to_data(), out);
            }
            Obj::Tag(i) => {
                if !self
                    .device_rights(association, i)
                    .allows(AccessRights::GET_TAG)
                {
                    return Err(DataAccessError::ObjectAccessDenied);
                }
                let d = self.device(i).ok_or(DataAccessError::ObjectNonExistent)?;
                let v = d.control.tag_value();
                let mut f = [Data::Boolean(false); 2];
                super::encode::append(&v.to_data(&mut f), out);
            }
            _ => return Err(DataAccessError::ObjectAccessDenied),
        }
        Ok(())
    }

    pub(crate) fn write(
        &mut self,
        now: Instant,
        association: u64,
        name: &ObjectName<'_>,
        alternate: Option<&AlternateAccess<'_>>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        if !self.associations.contains_key(&association) {
            return Err(DataAccessError::ObjectAccessDenied);
        }
        if name.item().as_str() == IM_TRANSFER_SET {
            let Data::Boolean(on) = *value else {
                return Err(DataAccessError::TypeInconsistent);
            };
            if let Some(a) = self.associations.get_mut(&association) {
                a.im_enabled = on;
            }
            return Ok(());
        }
        let (dom, obj) = self.lookup_variable(association, name)?;
        if let Some(a) = alternate {
            let Obj::TransferSet(ix) = obj else {
                return Err(DataAccessError::ObjectAccessUnsupported);
            };
            let c = DsTransferSetComponent::from_alternate_access(a)
                .ok_or(DataAccessError::ObjectAccessUnsupported)?;
            return self.write_transfer_set(now, association, dom, ix, Some(c), value);
        }
        match obj {
            Obj::TransferSet(ix) => self.write_transfer_set(now, association, dom, ix, None, value),
            // Some clients acknowledge with a confirmed Write of the transfer set's name
            // (no time stamp: the oldest awaited report is settled).
            Obj::ReportAck(positive) => {
                let t =
                    Tase2Name::from_data(value).map_err(|_| DataAccessError::TypeInconsistent)?;
                self.settle(association, t.domain, t.name, None, positive)
                    .map_err(|_| DataAccessError::ObjectValueInvalid)
            }
            Obj::Device(i) => {
                if !self
                    .device_rights(association, i)
                    .allows(AccessRights::OPERATE)
                {
                    return Err(DataAccessError::ObjectAccessDenied);
                }
                let owner = self
                    .owner(association)
                    .ok_or(DataAccessError::ObjectAccessDenied)?;
                let table_id = self.table_id(association);
                let d = usize::try_from(i)
                    .ok()
                    .and_then(|i| self.devices.get_mut(i))
                    .ok_or(DataAccessError::ObjectNonExistent)?;
                let v = DeviceValue::decode(d.kind, value)
                    .map_err(|_| DataAccessError::TypeInconsistent)?;
                d.control
                    .operate(now, owner, v)
                    .map_err(|e| e.data_access_error())?;
                let name = d.name.clone();
                self.events.push_back(StationEvent::Operate {
                    association,
                    device: DeviceId(i),
                    name,
                    value: v,
                    table_id,
                });
                Ok(())
            }
            Obj::Tag(i) => {
                if !self
                    .device_rights(association, i)
                    .allows(AccessRights::SET_TAG)
                {
                    return Err(DataAccessError::ObjectAccessDenied);
                }
                let owner = self
                    .owner(association)
                    .ok_or(DataAccessError::ObjectAccessDenied)?;
                let table_id = self.table_id(association);
                let t =
                    TagValue::from_data(value).map_err(|_| DataAccessError::TypeInconsistent)?;
                let d = usize::try_from(i)
                    .ok()
                    .and_then(|i| self.devices.get_mut(i))
                    .ok_or(DataAccessError::ObjectNonExistent)?;
                d.control
                    .set_tag(owner, t.tag, t.reason)
                    .map_err(|e| e.data_access_error())?;
                let watchers = core::mem::take(&mut d.watchers);
                for w in &watchers {
                    self.note_change(now, *w, None);
                }
                if let Some(d) = usize::try_from(i)
                    .ok()
                    .and_then(|i| self.devices.get_mut(i))
                {
                    d.watchers = watchers;
                }
                self.events.push_back(StationEvent::TagChanged {
                    association,
                    device: DeviceId(i),
                    tag: t.tag,
                    reason: t.reason.into(),
                    table_id,
                });
                Ok(())
            }
            _ => Err(DataAccessError::ObjectAccessDenied),
        }
    }

    pub(super) fn list_members(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        let ix = self
            .lookup_list(association, name)
            .ok_or(OBJECT_UNDEFINED)?;
        let ds = self.data_set(ix).ok_or(OBJECT_UNDEFINED)?;
        for (d, n, _) in &ds.members {
            let name = match self.domain_name(*d) {
                Some(dn) => ObjectName::domain(dn, n),
                None => ObjectName::vmd(n),
            };
            if let Some(name) = name {
                out(&name);
            }
        }
        Ok(ds.owner.is_some())
    }

    pub(super) fn define_list(
        &mut self,
        association: u64,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        if !self.associations.contains_key(&association) {
            return Err(ACCESS_DENIED);
        }
        let scope = match name {
            ObjectName::DomainSpecific { domain, .. } => {
                let d = self.dom_of(domain.as_str()).ok_or(OBJECT_UNDEFINED)?;
                if Some(d) != self.icc_of(association) {
                    return Err(ACCESS_DENIED);
                }
                ListScope::Dom(d)
            }
            ObjectName::AaSpecific(_) => ListScope::Aa(association),
            ObjectName::VmdSpecific(_) => return Err(ACCESS_DENIED),
        };
        if self.find_list(association, name).is_some() {
            return Err(OBJECT_EXISTS);
        }
        let defined = self
            .data_sets
            .iter()
            .flatten()
            .filter(|d| d.owner == Some(association))
            .count();
        if defined >= self.config.data_sets_per_association {
            return Err(MEMORY_UNAVAILABLE);
        }
        let mut list = Vec::with_capacity(members.len());
        for m in members {
            let (dom, obj) = match self.lookup(association, m) {
                Lookup::Foreign => return Err(ACCESS_DENIED),
                Lookup::Absent => return Err(OBJECT_ATTRIBUTE_INCONSISTENT),
                Lookup::Found(dom, obj) => (dom, obj),
            };
            let item = m.item().as_str();
            let member = match obj {
                Obj::Point(p) => {
                    if !self
                        .rights(association, dom, item)
                        .allows(AccessRights::READ)
                    {
                        return Err(ACCESS_DENIED);
                    }
                    Member::Point(p)
                }
                Obj::Special(s) => Member::Special(s),
                Obj::Tag(i) => {
                    if !self
                        .device_rights(association, i)
                        .allows(AccessRights::GET_TAG)
                    {
                        return Err(ACCESS_DENIED);
                    }
                    Member::Tag(i)
                }
                _ => return Err(OBJECT_ATTRIBUTE_INCONSISTENT),
            };
            list.push((dom, String::from(item), member));
        }
        self.insert_list(scope, name.item().as_str().into(), list, Some(association))
            .map(|_| ())
            .map_err(|_| OBJECT_EXISTS)
    }

    pub(super) fn delete_list(
        &mut self,
        association: u64,
        name: &ObjectName<'_>,
    ) -> Result<bool, ErrorClass> {
        let ix = self
            .lookup_list(association, name)
            .ok_or(OBJECT_UNDEFINED)?;
        let ds = self.data_set(ix).ok_or(OBJECT_UNDEFINED)?;
        if ds.owner != Some(association) || ds.in_use > 0 {
            return Ok(false);
        }
        self.remove_list(ix);
        Ok(true)
    }
}
