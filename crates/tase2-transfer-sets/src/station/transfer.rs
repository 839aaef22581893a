//! DS transfer sets of the station (IEC 60870-6-503 clause 8.4): the value a client writes,
//! enabling through the timing engine ([`TransferSetRunner`]), change tracking fed by the
//! reverse index, and the transfer reports built when the engine says one is due.

use std::collections::VecDeque;
use std::string::String;
use std::vec::Vec;

use mms_pdu::mms::{Data, DataAccessError, ObjectName};
use telecontrol_core::Instant;

use super::encode::{self, Spec};
use super::inner::{Dom, Inner, ListScope, Member, Special, Watch};
use super::{StationEvent, TransferSetState};
use crate::schedule::{Contents, ReportDue, RunConfig, RunnerEvent, TransferSetRunner};
use crate::{
    AccessRights, ComponentValue, DsConditions, DsTransferSet, DsTransferSetComponent, Scope,
    Tase2Name, Value,
};

/// Critical reports a transfer set may have awaiting acknowledgement.
pub(crate) const CRITICAL: usize = 4;

/// The written value of a DS transfer set, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Written {
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
    event_code_requested: Option<i16>,
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
    written: Option<Written>,
    runner: TransferSetRunner<CRITICAL>,
    /// The data set reported while enabled.
    data_set: Option<usize>,
    /// Latest-value change tracking: a flag per data set member and the changed members.
    dirty: Vec<bool>,
    changed: Vec<u32>,
    /// `AllChangesReported` (RBE): every change in order.
    queue: VecDeque<(u32, Value)>,
    queue_changes: bool,
    /// Time stamps of critical reports sent, oldest first (a stamp-less ACK settles the
    /// oldest still awaited).
    sent: VecDeque<i32>,
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

    fn clear_changes(&mut self) {
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
    fn ts_label(&self, icc: Dom, ix: u16) -> String {
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

    /// Encode the report `due` of transfer set `ix` of `icc` into PDUs on the output queue.
    fn send_report(&mut self, now: Instant, icc: Dom, ix: u16, due: ReportDue) {
        let gmt = self.gmt(now);
        let Some(t) = self.ts(icc, ix) else {
            return;
        };
        let (Some(association), Some(ds)) = (t.owner, t.data_set.and_then(|d| self.data_set(d)))
        else {
            return;
        };
        let domain = self.domain_name(icc).unwrap_or("");
        let ts_name = Tase2Name {
            scope: Scope::Icc,
            domain,
            name: &t.name,
        };
        let event_code = t
            .written
            .as_ref()
            .and_then(|w| w.event_code_requested)
            .unwrap_or(0);
        let special = |s: Special, out: &mut Vec<u8>| match s {
            Special::Name => {
                let mut f = [Data::Boolean(false); 3];
                encode::append_data(ts_name.to_data(&mut f), out);
            }
            Special::TimeStamp => encode::append_data(Data::Integer(i64::from(gmt)), out),
            Special::Conditions => encode::append_data(due.conditions.to_data(), out),
            Special::EventCode => encode::append_data(Data::Integer(i64::from(event_code)), out),
        };
        let mut r = Report::default();
        for (d, name, m) in &ds.members {
            if let Member::Special(s) = m {
                encode::append_name(self.domain_name(*d), name, &mut r.special_names);
                special(*s, &mut r.special_results);
            }
        }
        // A point's or tag's current value (`given` for a queued change).
        let entry = |dom: Dom, name: &str, m: Member, given: Option<&Value>, r: &mut Report| {
            let (n0, r0) = (r.names.len(), r.results.len());
            match (m, given) {
                (Member::Point(_), Some(v)) => encode::append_value(v, &mut r.results),
                (Member::Point(p), None) => match self.point_ref(p) {
                    Some(p) => encode::append_value(&p.value, &mut r.results),
                    None => return,
                },
                (Member::Tag(i), _) => match self.device(i) {
                    Some(d) => {
                        let mut f = [Data::Boolean(false); 2];
                        encode::append_data(d.control.tag_value().to_data(&mut f), &mut r.results);
                    }
                    None => return,
                },
                (Member::Special(_), _) => return,
            }
            encode::append_name(self.domain_name(dom), name, &mut r.names);
            r.entries.push((n0..r.names.len(), r0..r.results.len()));
        };
        let member = |m: u32| ds.members.get(usize::try_from(m).ok()?);
        match due.contents {
            Contents::All => {
                for (d, name, m) in &ds.members {
                    entry(*d, name, *m, None, &mut r);
                }
            }
            Contents::Changed => {
                let queued = t.queue.iter().map(|(m, v)| (*m, Some(v)));
                let latest = t.changed.iter().map(|m| (*m, None));
                for (m, v) in queued.chain(latest) {
                    if let Some((d, name, member)) = member(m) {
                        entry(*d, name, *member, v, &mut r);
                    }
                }
            }
        }
        let list_name = match ds.scope {
            ListScope::Dom(d) => match self.domain_name(d) {
                Some(dn) => ObjectName::domain(dn, &ds.name),
                None => ObjectName::vmd(&ds.name),
            },
            ListScope::Aa(_) => None,
        };
        let mut pdus = Vec::new();
        let max = self.config.max_pdu_size;
        if due.contents == Contents::All
            && let Some(list) = list_name
            && r.fits_named(&list, max)
        {
            let mut results =
                Vec::with_capacity(r.special_results.len().saturating_add(r.results.len()));
            let mut si = SpecialCursor::default();
            let mut pi = r.entries.iter();
            for (_, _, m) in &ds.members {
                match m {
                    Member::Special(_) => si.copy(&r.special_results, &mut results),
                    Member::Point(_) | Member::Tag(_) => {
                        if let Some(e) = pi.next() {
                            results.extend_from_slice(r.results.get(e.1.clone()).unwrap_or(&[]));
                        }
                    }
                }
            }
            let mut pdu = Vec::new();
            encode::write_report(&Spec::Named(list), &results, &mut pdu);
            pdus.push(pdu);
        } else if !r.entries.is_empty() {
            r.split(max, &mut pdus);
        }
        let sent = !pdus.is_empty();
        self.out.extend(pdus.into_iter().map(|p| (association, p)));
        if let Some(t) = self.ts_mut(icc, ix) {
            if sent {
                // Critical sets await the acknowledgement of this time stamp; a full
                // acknowledgement table was ruled out by `poll_report`.
                if t.runner.report_sent(now, gmt).is_ok()
                    && t.runner.config().is_some_and(|c| c.critical)
                {
                    t.sent.push_back(gmt);
                    if t.sent.len() > CRITICAL.saturating_mul(4) {
                        t.sent.pop_front();
                    }
                }
            }
            if due.clear_changes {
                t.clear_changes();
            }
        }
    }
}

/// A report's pre-encoded parts: the special variables (names and results), then each
/// point entry's ranges in `names` and `results`.
#[derive(Default)]
struct Report {
    special_names: Vec<u8>,
    special_results: Vec<u8>,
    names: Vec<u8>,
    results: Vec<u8>,
    entries: Vec<(core::ops::Range<usize>, core::ops::Range<usize>)>,
}

impl Report {
    fn fits_named(&self, list: &ObjectName<'_>, max: usize) -> bool {
        let spec_len = mms_pdu::ber::tlv_len(
            mms_pdu::ber::Tag::context(1, true),
            mms_pdu::mms::Element::element_len(list),
        );
        encode::report_len(
            spec_len,
            self.special_results
                .len()
                .saturating_add(self.results.len()),
        ) <= max
    }

    /// `listOfVariable` PDUs: the special variables, then as many points as fit.
    fn split(&self, max: usize, pdus: &mut Vec<Vec<u8>>) {
        let mut start = 0;
        let (mut names, mut results) = (Vec::new(), Vec::new());
        while start < self.entries.len() {
            let (mut nl, mut rl) = (self.special_names.len(), self.special_results.len());
            let mut end = start;
            while let Some((n, r)) = self.entries.get(end) {
                let (n2, r2) = (nl.saturating_add(n.len()), rl.saturating_add(r.len()));
                if end > start && encode::report_len(encode::list_of_variable_len(n2), r2) > max {
                    break;
                }
                (nl, rl, end) = (n2, r2, end.saturating_add(1));
            }
            let range = |a: usize, b: usize, r: bool| -> &[u8] {
                let (first, last) = (self.entries.get(a), self.entries.get(b.saturating_sub(1)));
                match (first, last, r) {
                    (Some(f), Some(l), false) => self.names.get(f.0.start..l.0.end),
                    (Some(f), Some(l), true) => self.results.get(f.1.start..l.1.end),
                    _ => None,
                }
                .unwrap_or(&[])
            };
            names.clear();
            names.extend_from_slice(&self.special_names);
            names.extend_from_slice(range(start, end, false));
            results.clear();
            results.extend_from_slice(&self.special_results);
            results.extend_from_slice(range(start, end, true));
            let mut pdu = Vec::new();
            encode::write_report(&Spec::List(&names), &results, &mut pdu);
            pdus.push(pdu);
            start = end;
        }
    }
}

/// Walks the encoded special results one element at a time.
#[derive(Default)]
struct SpecialCursor {
    pos: usize,
}

impl SpecialCursor {
    fn copy(&mut self, from: &[u8], to: &mut Vec<u8>) {
        let rest = from.get(self.pos..).unwrap_or(&[]);
        let mut r = mms_pdu::ber::BerReader::new(rest);
        if let Ok(tlv) = r.read_tlv() {
            let n = tlv.encoded().len();
            to.extend_from_slice(rest.get(..n).unwrap_or(&[]));
            self.pos = self.pos.saturating_add(n);
        }
    }
}
