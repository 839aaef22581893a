//! The station as an MMS [`Directory`] (the trait glue over the answers in `access`),
//! associations judged against the bilateral tables and released with everything they
//! held, and the devices with their control engines.

use std::string::String;
use std::vec::Vec;

use mms_pdu::acse::SourceDiagnostic;
use mms_pdu::association::{AssociateIndication, Refusal};
use mms_pdu::mms::{
    AlternateAccess, ConfirmedServiceRequest, Data, DataAccessError, Element, ErrorClass,
    IdentifyResponse, ObjectClass, ObjectName, ObjectScope,
};
use mms_pdu::server::{Directory, OBJECT_UNDEFINED};
use telecontrol_core::{Instant, Writer};

use super::config::{ControlMode, DeviceConfig};
use super::inner::{Association, Dom, Inner, ListScope, Obj, VCC};
use super::{DeviceId, StationError, StationEvent, Tase2Station};
use crate::control::{ControlEvent, DeviceControl};
use crate::{AccessRights, DeviceKind};

/// A registered device and its control engine.
pub(crate) struct Device {
    pub(crate) dom: Dom,
    pub(crate) name: String,
    pub(crate) kind: DeviceKind,
    pub(crate) control: DeviceControl,
    /// Enabled transfer sets whose data set holds `<dev>_TAG`.
    pub(crate) watchers: Vec<super::inner::Watch>,
    /// How it answers selects and operates (testing a client).
    pub(crate) answer: super::DeviceAnswer,
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
            answer: super::DeviceAnswer::Positive,
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
    pub(super) fn owner(&self, association: u64) -> Option<u16> {
        let t = self.associations.get(&association)?.table?;
        u16::try_from(t).ok()
    }

    /// May `association` see object `obj` called `name` in scope `dom` at all?
    pub(super) fn visible(&self, association: u64, dom: Dom, obj: Obj, name: &str) -> bool {
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
        let proposed = ind
            .initiate
            .local_detail
            .and_then(|d| usize::try_from(d).ok())
            .filter(|d| *d > 0);
        let max_pdu_size = proposed.map_or(self.config.max_pdu_size, |p| {
            p.min(self.config.max_pdu_size)
        });
        self.associations.insert(
            association,
            Association {
                table,
                im_enabled: false,
                max_pdu_size,
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
                max_pdu_size: self.config.max_pdu_size,
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

    pub(super) fn remove_list(&mut self, ix: usize) {
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
        let (mut g, now) = self.at(self.now());
        if alternate.is_none()
            && let Some(refused) = g.refusal(association, name, true)
        {
            return Err(refused);
        }
        g.write(now, association, name, alternate, value)
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

    fn withhold(&self, association: u64, request: &ConfirmedServiceRequest<'_>) -> bool {
        self.lock().ignores(association, request)
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
        let mut buf = Vec::new();
        let (mut g, now) = self.at(self.now());
        if let Some(refused) = g.refusal(association, name, false) {
            return Err(refused);
        }
        g.read(now, association, name, &mut buf)?;
        drop(g);
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

    fn write_part(
        &self,
        association: u64,
        name: &ObjectName<'_>,
        access: &AlternateAccess<'_>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        self.write_with_access(association, name, Some(access), value)
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
