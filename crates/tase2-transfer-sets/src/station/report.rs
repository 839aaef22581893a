//! Building a transfer report when the engine says one is due (IEC 60870-6-503 clause
//! 8.4.5): the special variables the data set holds, then the points (all of them, by data
//! set name, or the changed ones by variable name), split into as many `listOfVariable`
//! InformationReports as the maximum PDU size requires, each with the special variables
//! first.

use core::ops::Range;
use std::vec::Vec;

use mms_pdu::mms::{Data, ObjectName};
use telecontrol_core::Instant;

use super::encode::{self, Spec};
use super::inner::{DataSet, Dom, Inner, ListScope, Member, Special};
use super::transfer::CRITICAL;
use crate::schedule::{Contents, ReportDue};
use crate::{Scope, Tase2Name, Value};

impl Inner {
    /// Encode the report `due` of transfer set `ix` of `icc` into PDUs on the output queue.
    pub(super) fn send_report(&mut self, now: Instant, icc: Dom, ix: u16, due: ReportDue) {
        let gmt = self.gmt(now);
        let Some(t) = self.ts(icc, ix) else {
            return;
        };
        let (Some(association), Some(ds)) = (t.owner, t.data_set.and_then(|d| self.data_set(d)))
        else {
            return;
        };
        let ts_name = Tase2Name {
            scope: Scope::Icc,
            domain: self.domain_name(icc).unwrap_or(""),
            name: &t.name,
        };
        let event_code = t
            .written
            .as_ref()
            .and_then(|w| w.event_code_requested)
            .unwrap_or(0);
        let mut r = Report::default();
        for (i, (_, _, m)) in ds.members.iter().enumerate() {
            let Member::Special(s) = m else {
                continue;
            };
            r.special_names.extend_from_slice(ds.member_name(i));
            let out = &mut r.special_results;
            match s {
                Special::Name => {
                    let mut f = [Data::Boolean(false); 3];
                    encode::append_data(ts_name.to_data(&mut f), out);
                }
                Special::TimeStamp => encode::append_data(Data::Integer(i64::from(gmt)), out),
                Special::Conditions => encode::append_data(due.conditions.to_data(), out),
                Special::EventCode => {
                    encode::append_data(Data::Integer(i64::from(event_code)), out);
                }
            }
        }
        match due.contents {
            Contents::All => {
                for (i, (_, _, m)) in ds.members.iter().enumerate() {
                    self.entry(ds, i, *m, None, &mut r);
                }
            }
            Contents::Changed => {
                let queued = t.queue.iter().map(|(m, v)| (*m, Some(v)));
                let latest = t.changed.iter().map(|m| (*m, None));
                for (m, v) in queued.chain(latest) {
                    let i = usize::try_from(m).unwrap_or(usize::MAX);
                    if let Some((_, _, member)) = ds.members.get(i) {
                        self.entry(ds, i, *member, v, &mut r);
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
        let max = self
            .associations
            .get(&association)
            .map_or(self.config.max_pdu_size, |a| a.max_pdu_size);
        let mut pdus = Vec::new();
        match list_name {
            Some(list) if due.contents == Contents::All && r.fits_named(&list, max) => {
                pdus.push(r.named(ds, list));
            }
            _ if !r.entries.is_empty() => r.split(max, &mut pdus),
            _ => {}
        }
        let sent = !pdus.is_empty();
        self.out.extend(pdus.into_iter().map(|p| (association, p)));
        if let Some(t) = self.ts_mut(icc, ix) {
            // Critical sets await the acknowledgement of this time stamp (`poll_report`
            // hands out nothing while their acknowledgement table is full).
            if sent
                && t.runner.report_sent(now, gmt).is_ok()
                && t.runner.config().is_some_and(|c| c.critical)
            {
                t.sent.push_back(gmt);
                if t.sent.len() > CRITICAL.saturating_mul(4) {
                    t.sent.pop_front();
                }
            }
            if due.clear_changes {
                t.clear_changes();
            }
        }
    }

    /// Add member `i` (a point or tag; `given` for a queued change) to the report.
    fn entry(&self, ds: &DataSet, i: usize, m: Member, given: Option<&Value>, r: &mut Report) {
        let (n0, r0) = (r.names.len(), r.results.len());
        match (m, given) {
            (Member::Point(_), Some(v)) => encode::append_value(v, &mut r.results),
            (Member::Point(p), None) => match self.point_ref(p) {
                Some(p) => encode::append_value(&p.value, &mut r.results),
                None => return,
            },
            (Member::Tag(d), _) => match self.device(d) {
                Some(d) => {
                    let mut f = [Data::Boolean(false); 2];
                    let tag = d.control.tag_value();
                    encode::append_data(tag.to_data(&mut f), &mut r.results);
                }
                None => return,
            },
            (Member::Special(_), _) => return,
        }
        r.names.extend_from_slice(ds.member_name(i));
        r.entries.push((n0..r.names.len(), r0..r.results.len()));
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
    entries: Vec<(Range<usize>, Range<usize>)>,
}

impl Report {
    fn fits_named(&self, list: &ObjectName<'_>, max: usize) -> bool {
        let results = self
            .special_results
            .len()
            .saturating_add(self.results.len());
        encode::report_len(Spec::Named(*list).len(), results) <= max
    }

    /// One report naming the data set: every member's value in the data set's order.
    fn named(&self, ds: &DataSet, list: ObjectName<'_>) -> Vec<u8> {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(ds.members.len());
        let mut special = self.special_results.as_slice();
        let mut points = self.entries.iter();
        for (_, _, m) in &ds.members {
            match m {
                Member::Special(_) => {
                    let n = element_len(special);
                    let (first, rest) = special.split_at(n.min(special.len()));
                    parts.push(first);
                    special = rest;
                }
                Member::Point(_) | Member::Tag(_) => {
                    if let Some((_, r)) = points.next() {
                        parts.push(self.results.get(r.clone()).unwrap_or(&[]));
                    }
                }
            }
        }
        let mut pdu = Vec::new();
        encode::write_report(&Spec::Named(list), &parts, &mut pdu);
        pdu
    }

    /// `listOfVariable` PDUs: the special variables, then as many points as fit.
    fn split(&self, max: usize, pdus: &mut Vec<Vec<u8>>) {
        let mut start = 0;
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
            let (first, last) = (
                self.entries.get(start),
                self.entries.get(end.saturating_sub(1)),
            );
            let (names, results) = match (first, last) {
                (Some(f), Some(l)) => (
                    self.names.get(f.0.start..l.0.end).unwrap_or(&[]),
                    self.results.get(f.1.start..l.1.end).unwrap_or(&[]),
                ),
                _ => (&[][..], &[][..]),
            };
            let mut pdu = Vec::new();
            encode::write_report(
                &Spec::List(&[&self.special_names, names]),
                &[&self.special_results, results],
                &mut pdu,
            );
            pdus.push(pdu);
            start = end;
        }
    }
}

/// Octets of the first BER element of `b` (0 if none can be read).
fn element_len(b: &[u8]) -> usize {
    mms_pdu::ber::BerReader::new(b)
        .read_tlv()
        .map_or(0, |t| t.encoded().len())
}
