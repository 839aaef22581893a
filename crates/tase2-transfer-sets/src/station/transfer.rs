//! DS transfer sets of the station (IEC 60870-6-503 clause 8.4): the value a client writes,
//! enabling through the timing engine ([`TransferSetRunner`]), change tracking fed by the
//! reverse index, and the transfer reports built when the engine says one is due.

use std::collections::VecDeque;
use std::string::String;
use std::vec::Vec;

use mms_pdu::mms::{Data, DataAccessError};
use telecontrol_core::Instant;

use super::encode;
use super::inner::{Dom, Inner, ListScope, Member, Watch};
use super::{StationEvent, TransferSetState};
use crate::schedule::{RunConfig, RunnerEvent, TransferSetRunner};
use crate::{
    AccessRights, ComponentValue, DsConditions, DsTransferSet, DsTransferSetComponent, Scope,
    Tase2Name, Value,
};

/// Critical reports a transfer set may have awaiting acknowledgement.
pub(crate) const CRITICAL: usize = 4;

/// The written value of a DS transfer set, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Written {
    ds_scope: Scope,
    ds_domain: String,
    ds_name: String,
    start_time: i32,
    interval: i32,
    tle: i32,
    buffer_time: i32,
    integrity_check: i32,
    conditions: DsConditions,
    block_data: bool,
    critical: bool,
    rbe: bool,
    all_changes_reported: bool,
    status: bool,
    pub(super) event_code_requested: Option<i16>,
}

impl Written {
    fn view(&self) -> DsTransferSet<'_> {
        DsTransferSet {
            data_set_name: Tase2Name {
                scope: self.ds_scope,
                domain: &self.ds_domain,
                name: &self.ds_name,
            },
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
            status: self.status,
            event_code_requested: self.event_code_requested,
        }
    }

    fn from_view(v: &DsTransferSet<'_>) -> Self {
        Written {
            ds_scope: v.data_set_name.scope,
            ds_domain: v.data_set_name.domain.into(),
            ds_name: v.data_set_name.name.into(),
            start_time: v.start_time,
            interval: v.interval,
            tle: v.tle,
            buffer_time: v.buffer_time,
            integrity_check: v.integrity_check,
            conditions: v.ds_conditions_requested,
            block_data: v.block_data,
            critical: v.critical,
            rbe: v.rbe,
            all_changes_reported: v.all_changes_reported,
            status: v.status,
            event_code_requested: v.event_code_requested,
        }
    }
}

/// One pre-instantiated DS transfer set of an ICC.
pub(crate) struct TransferSet {
    pub(crate) name: String,
    pub(crate) owner: Option<u64>,
    pub(super) written: Option<Written>,
    pub(super) runner: TransferSetRunner<CRITICAL>,
    /// The data set reported while enabled.
    pub(super) data_set: Option<usize>,
    /// Latest-value change tracking: a flag per data set member and the changed members.
    dirty: Vec<bool>,
    pub(super) changed: Vec<u32>,
    /// `AllChangesReported` (RBE): every change in order.
    pub(super) queue: VecDeque<(u32, Value)>,
    pub(super) queue_changes: bool,
    /// Time stamps of critical reports sent, oldest first (a stamp-less ACK settles the
    /// oldest still awaited).
    pub(super) sent: VecDeque<i32>,
    dropped: u64,
    drop_reported: bool,
}

impl TransferSet {
    pub(crate) fn new(i: u16) -> Self {
        TransferSet {
            name: std::format!("DSTransferSet{:04}", u32::from(i).saturating_add(1)),
            owner: None,
            written: None,
            runner: TransferSetRunner::new(),
            data_set: None,
            dirty: Vec::new(),
            changed: Vec::new(),
            queue: VecDeque::new(),
            queue_changes: false,
            sent: VecDeque::new(),
            dropped: 0,
            drop_reported: false,
        }
    }

    pub(crate) fn state(&self) -> TransferSetState {
        TransferSetState {
            owner: self.owner,
            enabled: self.runner.is_enabled(),
            changed: self.changed.len(),
            queued: self.queue.len(),
            dropped: self.dropped,
        }
    }

    /// `Transfer_Report_ACK`/`NACK` of the report stamped `stamp`, or without a stamp
    /// (the client's data set has no `Transfer_Set_Time_Stamp`) of the oldest report still
    /// awaited.
    pub(crate) fn acknowledge(
        &mut self,
        stamp: Option<i32>,
        positive: bool,
    ) -> Result<(), crate::schedule::ScheduleError> {
        match stamp {
            Some(s) => {
                self.runner.acknowledge(s, positive)?;
                if let Some(i) = self.sent.iter().position(|x| *x == s) {
                    self.sent.remove(i);
                }
                Ok(())
            }
            None => {
                while let Some(s) = self.sent.pop_front() {
                    if self.runner.acknowledge(s, positive).is_ok() {
                        return Ok(());
                    }
                }
                Err(crate::schedule::ScheduleError::NotEnabled)
            }
        }
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.runner.is_enabled()
    }

    fn value(&self, edition_2000: bool) -> Written {
        self.written.clone().unwrap_or(Written {
            ds_scope: Scope::Vmd,
            ds_domain: String::new(),
            ds_name: String::new(),
            start_time: 0,
            interval: 0,
            tle: 0,
            buffer_time: 0,
            integrity_check: 0,
            conditions: DsConditions(0),
            block_data: false,
            critical: false,
            rbe: false,
            all_changes_reported: false,
            status: false,
            event_code_requested: edition_2000.then_some(0),
        })
    }

    pub(super) fn clear_changes(&mut self) {
        for m in self.changed.drain(..) {
            if let Some(d) = usize::try_from(m).ok().and_then(|m| self.dirty.get_mut(m)) {
                *d = false;
            }
        }
        self.queue.clear();
        self.drop_reported = false;
    }

    fn stop(&mut self) {
        self.runner.disable();
        self.clear_changes();
        self.sent.clear();
    }
}

impl Inner {
    fn edition_2000(&self) -> bool {
        self.config.version.major >= 2000
    }

    pub(crate) fn ts(&self, icc: Dom, ts: u16) -> Option<&TransferSet> {
        self.transfer_sets
            .get(usize::try_from(icc).ok()?)?
            .get(usize::from(ts))
    }

    pub(crate) fn ts_mut(&mut self, icc: Dom, ts: u16) -> Option<&mut TransferSet> {
        self.transfer_sets
            .get_mut(usize::try_from(icc).ok()?)?
            .get_mut(usize::from(ts))
    }

    /// `Next_DSTransfer_Set` read by `association`: a free transfer set of its ICC, now
    /// owned by it.
    pub(crate) fn allocate_transfer_set(&mut self, association: u64) -> Option<(Dom, u16)> {
        let icc = self.icc_of(association)?;
        let sets = self.transfer_sets.get_mut(usize::try_from(icc).ok()?)?;
        let (i, ts) = sets
            .iter_mut()
            .enumerate()
            .find(|(_, t)| t.owner.is_none())?;
        ts.owner = Some(association);
        Some((icc, u16::try_from(i).ok()?))
    }

    /// Write the transfer set's value (read of the variable) into `out`.
    pub(crate) fn ts_data(&self, icc: Dom, ts: u16, out: &mut Vec<u8>) -> Option<()> {
        let t = self.ts(icc, ts)?;
        let w = t.value(self.edition_2000());
        let v = w.view();
        let mut name = [Data::Boolean(false); 3];
        let mut fields = [Data::Boolean(false); 13];
        encode::append(&v.to_data(&mut name, &mut fields), out);
        Some(())
    }

    /// A write of the whole transfer set (`component` `None`) or of one component.
    pub(crate) fn write_transfer_set(
        &mut self,
        now: Instant,
        association: u64,
        icc: Dom,
        ix: u16,
        component: Option<DsTransferSetComponent>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        let edition_2000 = self.edition_2000();
        let t = self.ts(icc, ix).ok_or(DataAccessError::ObjectNonExistent)?;
        if t.owner != Some(association) {
            return Err(DataAccessError::ObjectAccessDenied);
        }
        let enabled = t.is_enabled();
        let mut w = t.value(edition_2000);
        match component {
            None => {
                let v = DsTransferSet::from_data(value)
                    .map_err(|_| DataAccessError::TypeInconsistent)?;
                if enabled && v.status {
                    return Err(DataAccessError::ObjectAttributeInconsistent);
                }
                w = Written::from_view(&v);
            }
            Some(c) => {
                let v = ComponentValue::decode(c, value)
                    .map_err(|_| DataAccessError::TypeInconsistent)?;
                if enabled && c != DsTransferSetComponent::Status {
                    return Err(DataAccessError::ObjectAttributeInconsistent);
                }
                if enabled && v == ComponentValue::Boolean(true) {
                    return Err(DataAccessError::ObjectAttributeInconsistent);
                }
                if c == DsTransferSetComponent::EventCodeRequested && !edition_2000 {
                    return Err(DataAccessError::ObjectNonExistent);
                }
                let mut view = w.view();
                view.set(c, v)
                    .map_err(|_| DataAccessError::TypeInconsistent)?;
                w = Written::from_view(&view);
            }
        }
        if !edition_2000 {
            // 1996-08 has no EventCodeRequested: a 13-member write keeps 12.
            w.event_code_requested = None;
        }
        let enable = w.status;
        if enabled {
            self.disable_transfer_set(icc, ix);
        }
        if let Some(t) = self.ts_mut(icc, ix) {
            t.written = Some(Written { status: false, ..w });
        }
        if enable {
            self.enable_transfer_set(now, association, icc, ix)?;
        }
        Ok(())
    }

    /// The data set a transfer set names, as `association` may use it.
    fn resolve_data_set(&self, association: u64, icc: Dom, w: &Written) -> Option<usize> {
        let scope = match w.ds_scope {
            Scope::Vmd => ListScope::Dom(super::inner::VCC),
            Scope::Icc => {
                if self.dom_of(&w.ds_domain) != Some(icc) {
                    return None;
                }
                ListScope::Dom(icc)
            }
        };
        let ix = *self.list_map(scope)?.get(&w.ds_name)?;
        let ds = self.data_set(ix)?;
        if ds.owner.is_some_and(|o| o != association) {
            return None;
        }
        let readable = ds.members.iter().all(|(d, name, m)| match m {
            Member::Point(_) => self
                .rights(association, *d, name)
                .allows(AccessRights::READ),
            Member::Tag(i) => self
                .device_rights(association, *i)
                .allows(AccessRights::GET_TAG),
            Member::Special(_) => true,
        });
        readable.then_some(ix)
    }

    fn enable_transfer_set(
        &mut self,
        now: Instant,
        association: u64,
        icc: Dom,
        ix: u16,
    ) -> Result<(), DataAccessError> {
        let inconsistent = DataAccessError::ObjectAttributeInconsistent;
        let w = self
            .ts(icc, ix)
            .and_then(|t| t.written.clone())
            .ok_or(inconsistent)?;
        let ds = self
            .resolve_data_set(association, icc, &w)
            .ok_or(inconsistent)?;
        let gmt = self.gmt(now);
        let cfg = RunConfig::from_transfer_set(
            &w.view(),
            now,
            i64::from(gmt),
            self.config.critical_ack_timeout,
        )
        .map_err(|e| e.data_access_error())?;
        let members: Vec<(u32, Member)> = self
            .data_set(ds)
            .map(|d| {
                d.members
                    .iter()
                    .enumerate()
                    .map(|(i, (_, _, m))| (u32::try_from(i).unwrap_or(u32::MAX), *m))
                    .collect()
            })
            .unwrap_or_default();
        let name = self.ts_label(icc, ix);
        let t = self.ts_mut(icc, ix).ok_or(inconsistent)?;
        t.runner
            .enable(now, cfg)
            .map_err(|e| e.data_access_error())?;
        t.data_set = Some(ds);
        t.dirty = std::vec![false; members.len()];
        t.changed.clear();
        t.queue.clear();
        t.queue_changes = w.rbe && w.all_changes_reported;
        t.written = Some(Written { status: true, ..w });
        for (member, m) in members {
            let watch = Watch {
                icc,
                ts: ix,
                member,
            };
            let watchers = match m {
                Member::Point(p) => usize::try_from(p)
                    .ok()
                    .and_then(|p| self.points.get_mut(p))
                    .map(|p| &mut p.watchers),
                Member::Tag(d) => usize::try_from(d)
                    .ok()
                    .and_then(|d| self.devices.get_mut(d))
                    .map(|d| &mut d.watchers),
                Member::Special(_) => None,
            };
            if let Some(w) = watchers {
                w.push(watch);
            }
        }
        if let Some(d) = self.data_sets.get_mut(ds).and_then(Option::as_mut) {
            d.in_use = d.in_use.saturating_add(1);
        }
        self.events.push_back(StationEvent::TransferSetEnabled {
            association,
            transfer_set: name,
        });
        Ok(())
    }

    /// Stop a transfer set: its runner, watchers and pending changes.
    pub(crate) fn disable_transfer_set(&mut self, icc: Dom, ix: u16) {
        let name = self.ts_label(icc, ix);
        let Some(t) = self.ts_mut(icc, ix) else {
            return;
        };
        if !t.runner.is_enabled() {
            return;
        }
        t.stop();
        let ds = t.data_set.take();
        if let Some(w) = t.written.as_mut() {
            w.status = false;
        }
        let owner = t.owner;
        let ds = ds.and_then(|d| self.data_sets.get_mut(d)?.as_mut().map(|s| (d, s)));
        if let Some((_, d)) = ds {
            d.in_use = d.in_use.saturating_sub(1);
            let watched: Vec<Member> = d.members.iter().map(|(_, _, m)| *m).collect();
            for m in watched {
                let watchers = match m {
                    Member::Point(p) => usize::try_from(p)
                        .ok()
                        .and_then(|p| self.points.get_mut(p))
                        .map(|p| &mut p.watchers),
                    Member::Tag(d) => usize::try_from(d)
                        .ok()
                        .and_then(|d| self.devices.get_mut(d))
                        .map(|d| &mut d.watchers),
                    Member::Special(_) => None,
                };
                if let Some(w) = watchers {
                    w.retain(|w| !(w.icc == icc && w.ts == ix));
                }
            }
        }
        if let Some(association) = owner {
            self.events.push_back(StationEvent::TransferSetDisabled {
                association,
                transfer_set: name,
            });
        }
    }

    /// A watched point changed (`value`), or a watched tag (`None`): O(1) for this
    /// transfer set.
    pub(crate) fn note_change(&mut self, now: Instant, w: Watch, value: Option<Value>) {
        let limit = self.config.change_queue_limit;
        let Some(t) = self.ts_mut(w.icc, w.ts) else {
            return;
        };
        if !t.runner.object_changed(now) {
            return;
        }
        if let (true, Some(value)) = (t.queue_changes, value) {
            t.queue.push_back((w.member, value));
            if t.queue.len() > limit {
                t.queue.pop_front();
                t.dropped = t.dropped.saturating_add(1);
                if !t.drop_reported {
                    t.drop_reported = true;
                    let (total, owner) = (t.dropped, t.owner);
                    let name = self.ts_label(w.icc, w.ts);
                    if let Some(association) = owner {
                        self.events.push_back(StationEvent::ChangesDropped {
                            association,
                            transfer_set: name,
                            total,
                        });
                    }
                }
            }
        } else if let Some(d) = usize::try_from(w.member)
            .ok()
            .and_then(|m| t.dirty.get_mut(m))
            && !*d
        {
            *d = true;
            t.changed.push(w.member);
        }
    }

    /// `ICC/DSTransferSet0001`, for events.
    pub(super) fn ts_label(&self, icc: Dom, ix: u16) -> String {
        std::format!(
            "{}/{}",
            self.domain_name(icc).unwrap_or(""),
            self.ts(icc, ix).map_or("", |t| t.name.as_str())
        )
    }

    /// `Transfer_Set_Time_Stamp` at `now`.
    pub(crate) fn gmt(&self, now: Instant) -> i32 {
        let s = i64::try_from(now.as_micros() / 1_000_000).unwrap_or(i64::MAX);
        let v = self.config.gmt_at_zero.saturating_add(s);
        i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
    }

    /// Operator request / external event for the enabled transfer sets of `icc` (or all).
    pub(crate) fn request_reports(&mut self, now: Instant, icc: Option<&str>, external: bool) {
        let only = icc.and_then(|n| self.dom_of(n));
        if icc.is_some() && only.is_none() {
            return;
        }
        for (d, sets) in self.transfer_sets.iter_mut().enumerate() {
            if only.is_some_and(|o| usize::try_from(o).ok() != Some(d)) {
                continue;
            }
            for t in sets.iter_mut().filter(|t| t.is_enabled()) {
                if external {
                    t.runner.external_event(now);
                } else {
                    t.runner.operator_request(now);
                }
            }
        }
    }

    /// The earliest deadline of every transfer set and device.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if !self.out.is_empty() {
            return Some(Instant::ZERO);
        }
        let mut t = None;
        for t2 in self
            .transfer_sets
            .iter()
            .flatten()
            .map(|t| t.runner.poll_timeout())
        {
            t = telecontrol_core::earliest(t, t2);
        }
        telecontrol_core::earliest(t, self.devices_timeout())
    }

    pub(crate) fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<u64> {
        if self.out.is_empty() {
            self.run_due(now);
        }
        let (a, pdu) = self.out.pop_front()?;
        out.clear();
        out.extend_from_slice(&pdu);
        Some(a)
    }

    /// Build every report due at `now`; collect engine events; expire selects.
    fn run_due(&mut self, now: Instant) {
        self.devices_due(now);
        let mut due = Vec::new();
        for (d, sets) in self.transfer_sets.iter().enumerate() {
            for (i, t) in sets.iter().enumerate() {
                if t.runner.poll_timeout().is_some_and(|x| x <= now) {
                    due.push((Dom::try_from(d).unwrap_or(0), u16::try_from(i).unwrap_or(0)));
                }
            }
        }
        for (icc, ix) in due {
            while let Some(r) = self.ts_mut(icc, ix).and_then(|t| t.runner.poll_report(now)) {
                self.send_report(now, icc, ix, r);
            }
            let transfer_set = self.ts_label(icc, ix);
            while let Some(t) = self.ts_mut(icc, ix) {
                let Some(e) = t.runner.poll_event(now) else {
                    break;
                };
                let Some(association) = t.owner else {
                    continue;
                };
                let transfer_set = transfer_set.clone();
                self.events.push_back(match e {
                    RunnerEvent::AckTimeout { time_stamp } => StationEvent::AckTimeout {
                        association,
                        transfer_set,
                        time_stamp,
                    },
                    RunnerEvent::Expired { conditions } => StationEvent::ReportsExpired {
                        association,
                        transfer_set,
                        conditions,
                    },
                });
            }
        }
    }
}
