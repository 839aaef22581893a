//! The station as an MMS [`Directory`]: associations judged against the bilateral tables,
//! names and types per scope, reads and writes of every TASE.2 object, and client-defined
//! data sets (IEC 60870-6-503 clauses 7 and 8).

use core::ops::Bound;
use std::string::String;
use std::vec::Vec;

use mms_pdu::acse::SourceDiagnostic;
use mms_pdu::association::{AssociateIndication, Refusal};
use mms_pdu::mms::{
    AlternateAccess, Data, DataAccessError, Element, ErrorClass, IdentifyResponse, ObjectClass,
    ObjectName, ObjectScope, TypeSpecification,
};
use mms_pdu::server::{Directory, OBJECT_ATTRIBUTE_INCONSISTENT, OBJECT_EXISTS, OBJECT_UNDEFINED};
use telecontrol_core::{Instant, Writer};

use super::config::{ControlMode, DeviceConfig};
use super::inner::{Association, Dom, Inner, ListScope, Member, Obj, VCC};
use super::{DeviceId, StationError, StationEvent, Tase2Station, types};
use crate::control::{ControlEvent, DeviceControl};
use crate::objects::IM_TRANSFER_SET;
use crate::{
    AccessRights, DeviceKind, DeviceValue, DsTransferSetComponent, Scope, TagValue, Tase2Name,
};

/// `access` error `object-access-denied`.
const ACCESS_DENIED: ErrorClass = ErrorClass::Access(3);

/// A registered device and its control engine.
pub(crate) struct Device {
    pub(crate) dom: Dom,
    pub(crate) name: String,
    pub(crate) kind: DeviceKind,
    pub(crate) control: DeviceControl,
    /// Enabled transfer sets whose data set holds `<dev>_TAG`.
    pub(crate) watchers: Vec<super::inner::Watch>,
}

impl Device {
    pub(crate) fn new(dom: Dom, d: &DeviceConfig) -> Result<Self, StationError> {
        let (sbo, select_timeout) = match d.mode {
            ControlMode::SelectBeforeOperate { select_timeout } => (true, select_timeout),
            ControlMode::Direct => (false, core::time::Duration::ZERO),
        };
        let control = DeviceControl::new(crate::control::DeviceConfig {
            kind: d.kind,
            sbo,
            select_timeout,
            check_back_id: d.check_back_id,
        })
        .map_err(|_| StationError::BadName {
            what: "device configuration",
        })?;
        Ok(Device {
            dom,
            name: d.name.clone(),
            kind: d.kind,
            control,
            watchers: Vec::new(),
        })
    }
}

impl Inner {
    pub(crate) fn devices_timeout(&self) -> Option<Instant> {
        self.devices
            .iter()
            .filter_map(|d| d.control.poll_timeout())
            .min()
    }

    /// Disarm selections whose timeout has come.
    pub(crate) fn devices_due(&mut self, now: Instant) {
        for (i, d) in self.devices.iter_mut().enumerate() {
            if d.control.poll_timeout().is_some_and(|t| t <= now)
                && let Some(ControlEvent::SelectExpired { owner }) = d.control.handle_timeout(now)
            {
                self.events.push_back(StationEvent::SelectTimeout {
                    device: DeviceId(u32::try_from(i).unwrap_or(u32::MAX)),
                    name: d.name.clone(),
                    table_id: self
                        .tables
                        .get(usize::from(owner))
                        .map(|t| t.table_id.clone()),
                });
            }
        }
    }

    /// The control owner of `association`: its bilateral table.
    fn owner(&self, association: u64) -> Option<u16> {
        let t = self.associations.get(&association)?.table?;
        u16::try_from(t).ok()
    }

    /// May `association` see object `obj` called `name` in scope `dom` at all?
    fn visible(&self, association: u64, dom: Dom, obj: Obj, name: &str) -> bool {
        if dom != VCC && Some(dom) != self.icc_of(association) {
            return false;
        }
        match obj {
            Obj::Point(_) | Obj::InfoBuffer(_) => {
                self.rights(association, dom, name) != AccessRights::NONE
            }
            // The header goes with the buffers: visible with any of its scope's.
            Obj::InfoHeader => usize::try_from(dom)
                .ok()
                .and_then(|d| self.names.get(d))
                .is_some_and(|names| {
                    names.iter().any(|(n, o)| {
                        matches!(o, Obj::InfoBuffer(_))
                            && self.rights(association, dom, n) != AccessRights::NONE
                    })
                }),
            Obj::Device(i) | Obj::Sbo(i) | Obj::Tag(i) => self
                .device(i)
                .is_some_and(|d| self.rights(association, dom, &d.name) != AccessRights::NONE),
            _ => true,
        }
    }

    pub(crate) fn device(&self, i: u32) -> Option<&Device> {
        self.devices.get(usize::try_from(i).ok()?)
    }

    pub(crate) fn device_rights(&self, association: u64, i: u32) -> AccessRights {
        self.device(i).map_or(AccessRights::NONE, |d| {
            self.rights(association, d.dom, &d.name)
        })
    }

    fn associate(&mut self, association: u64, ind: &AssociateIndication<'_>) -> bool {
        let matched = self.tables.iter().position(|t| {
            t.peer.as_ref().is_some_and(|p| {
                ind.calling_ap_title
                    .is_some_and(|o| o.arcs().eq(p.ap_title.iter().copied()))
                    && p.ae_qualifier
                        .is_none_or(|q| ind.calling_ae_qualifier == Some(q))
                    && p.password
                        .as_deref()
                        .is_none_or(|pw| ind.password == Some(pw))
            })
        });
        let table = match (matched, self.config.open) {
            (Some(t), _) => Some(t),
            (None, true) => self.tables.iter().position(|t| t.peer.is_none()),
            (None, false) => {
                self.events.push_back(StationEvent::AssociationRefused {
                    association,
                    ap_title: ind.calling_ap_title.map(|o| std::format!("{o}")),
                });
                return false;
            }
        };
        self.associations.insert(
            association,
            Association {
                table,
                im_enabled: false,
            },
        );
        self.events.push_back(StationEvent::Associated {
            association,
            table_id: self.table_id(association),
        });
        true
    }

    /// Attach an association that was not announced by `associate` to a table.
    pub(crate) fn attach(
        &mut self,
        association: u64,
        table_id: Option<&str>,
    ) -> Result<(), StationError> {
        let table = match table_id {
            Some(id) => Some(self.tables.iter().position(|t| t.table_id == id).ok_or(
                StationError::Unknown {
                    what: "bilateral table",
                },
            )?),
            None => None,
        };
        self.associations.insert(
            association,
            Association {
                table,
                im_enabled: false,
            },
        );
        Ok(())
    }

    pub(crate) fn release(&mut self, association: u64) {
        let owner = self.owner(association);
        if self.associations.remove(&association).is_none() {
            return;
        }
        for icc in 0..self.transfer_sets.len() {
            let icc = Dom::try_from(icc).unwrap_or(VCC);
            let n = self
                .transfer_sets
                .get(usize::try_from(icc).unwrap_or(0))
                .map_or(0, Vec::len);
            for ix in 0..n {
                let ix = u16::try_from(ix).unwrap_or(u16::MAX);
                if self
                    .ts(icc, ix)
                    .is_some_and(|t| t.owner == Some(association))
                {
                    self.disable_transfer_set(icc, ix);
                    if let Some(t) = self.ts_mut(icc, ix) {
                        *t = super::transfer::TransferSet::new(ix);
                    }
                }
            }
        }
        let owned: Vec<usize> = self
            .data_sets
            .iter()
            .enumerate()
            .filter(|(_, d)| d.as_ref().is_some_and(|d| d.owner == Some(association)))
            .map(|(i, _)| i)
            .collect();
        for ix in owned {
            self.remove_list(ix);
        }
        self.aa_lists.remove(&association);
        let table_still_used = self
            .associations
            .values()
            .any(|a| a.table.and_then(|t| u16::try_from(t).ok()) == owner);
        if let (Some(owner), false) = (owner, table_still_used) {
            for d in &mut self.devices {
                d.control.cancel(owner);
            }
        }
        self.events
            .push_back(StationEvent::Released { association });
    }

    fn remove_list(&mut self, ix: usize) {
        let Some(ds) = self.data_sets.get_mut(ix).and_then(Option::take) else {
            return;
        };
        match ds.scope {
            ListScope::Dom(d) => {
                if let Some(m) = usize::try_from(d).ok().and_then(|d| self.lists.get_mut(d)) {
                    m.remove(&ds.name);
                }
            }
            ListScope::Aa(a) => {
                if let Some(m) = self.aa_lists.get_mut(&a) {
                    m.remove(&ds.name);
                }
            }
        }
    }

    fn names(
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
                for k in lists
                    .range::<str, _>((lo, Bound::Unbounded))
                    .map(|(k, _)| k)
                {
                    if !out(k) {
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

    fn variable_type(
        &self,
        association: u64,
        name: &ObjectName<'_>,
    ) -> Option<TypeSpecification<'static>> {
        if name.item().as_str() == IM_TRANSFER_SET {
            return Some(types::BOOLEAN);
        }
        let (dom, obj) = self.resolve(name)?;
        if !self.visible(association, dom, obj, name.item().as_str()) {
            return None;
        }
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

    fn read(
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
        let (dom, obj) = self
            .resolve(name)
            .ok_or(DataAccessError::ObjectNonExistent)?;
        if dom != VCC && Some(dom) != self.icc_of(association) {
            return Err(DataAccessError::ObjectAccessDenied);
        }
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
        let (dom, obj) = self
            .resolve(name)
            .ok_or(DataAccessError::ObjectNonExistent)?;
        if dom != VCC && Some(dom) != self.icc_of(association) {
            return Err(DataAccessError::ObjectAccessDenied);
        }
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

    fn list_members(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        let ix = self.find_list(association, name).ok_or(OBJECT_UNDEFINED)?;
        let ds = self.data_set(ix).ok_or(OBJECT_UNDEFINED)?;
        if let ListScope::Dom(d) = ds.scope
            && d != VCC
            && Some(d) != self.icc_of(association)
        {
            return Err(OBJECT_UNDEFINED);
        }
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

    fn define_list(
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
        let mut list = Vec::with_capacity(members.len());
        for m in members {
            let (dom, obj) = self.resolve(m).ok_or(OBJECT_ATTRIBUTE_INCONSISTENT)?;
            let item = m.item().as_str();
            if dom != VCC && Some(dom) != self.icc_of(association) {
                return Err(ACCESS_DENIED);
            }
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

    fn delete_list(&mut self, association: u64, name: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        let ix = self.find_list(association, name).ok_or(OBJECT_UNDEFINED)?;
        let ds = self.data_set(ix).ok_or(OBJECT_UNDEFINED)?;
        if let ListScope::Dom(d) = ds.scope
            && d != VCC
            && Some(d) != self.icc_of(association)
        {
            return Err(OBJECT_UNDEFINED);
        }
        if ds.owner != Some(association) || ds.in_use > 0 {
            return Ok(false);
        }
        self.remove_list(ix);
        Ok(true)
    }
}

impl Tase2Station {
    /// A write with MMS alternate access (a DS transfer set written by component, ISO
    /// 9506-2 14.5): what [`Directory::write`] does when `alternate` is `None`.
    ///
    /// # Errors
    /// The `DataAccessError` to answer: `object-access-unsupported` for alternate access on
    /// anything but a transfer set component, else as [`Directory::write`].
    pub fn write_with_access(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        alternate: Option<&AlternateAccess<'_>>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        let now = self.now();
        self.lock().write(now, association, name, alternate, value)
    }

    /// Serve `association`, which the adapter initiated (no `associate` call), under the
    /// bilateral table `table_id` (`None`: as an anonymous peer).
    ///
    /// # Errors
    /// [`StationError::Unknown`] when no table has that id.
    pub fn attach(&self, association: u64, table_id: Option<&str>) -> Result<(), StationError> {
        self.lock().attach(association, table_id)
    }
}

fn put(out: &mut Writer<'_>, bytes: &[u8]) -> Result<(), DataAccessError> {
    out.write_bytes(bytes)
        .map_err(|_| DataAccessError::TemporarilyUnavailable)
}

impl Directory for Tase2Station {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: self.identity.0.as_bytes(),
            model: self.identity.1.as_bytes(),
            revision: self.identity.2.as_bytes(),
            abstract_syntaxes: None,
        }
    }

    fn associate(
        &self,
        association: u64,
        indication: &AssociateIndication<'_>,
    ) -> Result<(), Refusal> {
        if self.lock().associate(association, indication) {
            Ok(())
        } else {
            Err(Refusal::Acse {
                result: 1,
                diagnostic: Some(SourceDiagnostic::ServiceUser(3)),
            })
        }
    }

    fn released(&self, association: u64) {
        self.lock().release(association);
    }

    fn names(
        &self,
        association: u64,
        class: ObjectClass,
        scope: ObjectScope<'_>,
        after: Option<&str>,
        out: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        self.lock().names(association, class, scope, after, out)
    }

    fn variable_type(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        let t = self
            .lock()
            .variable_type(association, name)
            .ok_or(OBJECT_UNDEFINED)?;
        t.write_element(out)
            .map_err(|_| mms_pdu::server::CAPABILITY_UNAVAILABLE)?;
        Ok(false)
    }

    fn read(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        let now = self.now();
        let mut buf = Vec::new();
        self.lock().read(now, association, name, &mut buf)?;
        put(out, &buf)
    }

    fn write(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        self.write_with_access(association, name, None, value)
    }

    fn list_members(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        out: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        self.lock().list_members(association, name, out)
    }

    fn define_list(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        self.lock().define_list(association, name, members)
    }

    fn delete_list(&self, association: u64, name: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        self.lock().delete_list(association, name)
    }
}
