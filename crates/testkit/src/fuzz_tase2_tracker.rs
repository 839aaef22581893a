//! Fuzz body for the TASE.2 client's report tracker (`tase2_transfer_sets::client::
//! ReportTracker`, feature `std`): received unconfirmed PDUs turned into typed reports,
//! information messages and acknowledgements, against data sets, transfer sets and point
//! kinds registered from the input itself (so the named-list paths are reached without the
//! fuzzer having to guess names).
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::missing_panics_doc
)]

use mms_pdu::mms::{
    MmsPdu, ObjectName, UnconfirmedService, VariableAccessSpecification, VariableSpecification,
};
use tase2_transfer_sets::ValueKind;
use tase2_transfer_sets::client::{PointName, Received, ReportTracker, TransferSetOptions};
use telecontrol_core::Decode;

/// `tase2_tracker`: byte 0 configures the tracker (bits 0–3 where the point kinds start in
/// `ValueKind::ALL`, bit 4 register what the PDU names, bit 5 critical transfer sets, bit 6
/// an extra member so a named list's length is off by one); the rest is one unconfirmed PDU
/// as received. Nothing panics; a report's values never outnumber its results; an
/// acknowledgement is made only for a critical transfer set and decodes as an MMS PDU.
pub fn tase2_tracker(data: &[u8]) {
    let Some((&sel, pdu)) = data.split_first() else {
        return;
    };
    let kinds = ValueKind::ALL;
    let kind = |i: usize| kinds[(usize::from(sel & 15) + i) % kinds.len()];
    let mut tracker = ReportTracker::new();
    let mut results = usize::MAX;
    if let Ok(MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir))) = MmsPdu::decode(pdu)
    {
        results = ir.results.len();
        if sel & 0x10 != 0 {
            let options = TransferSetOptions {
                critical: sel & 0x20 != 0,
                ..TransferSetOptions::default()
            };
            match &ir.variable_access_specification {
                VariableAccessSpecification::VariableListName(n) => {
                    let ds = PointName::of(n);
                    let domain = n.domain_id().map_or("ICC1", |d| d.as_str());
                    let header = tase2_transfer_sets::client::DATA_SET_HEADER.len();
                    let extra = usize::from(sel & 0x40 != 0);
                    let points: Vec<(PointName, ValueKind)> =
                        (0..(results + extra).saturating_sub(header).min(300))
                            .map(|i| (PointName::icc(domain, &format!("P{i}")), kind(i)))
                            .collect();
                    let members = ReportTracker::data_set_members(domain, &points);
                    tracker.add_data_set(ds.clone(), members, &points);
                    tracker.add_transfer_set(PointName::icc(domain, "DSTS_1"), ds, options);
                }
                VariableAccessSpecification::ListOfVariable(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let VariableSpecification::Name(n) = item.specification {
                            tracker.add_point(PointName::of(&n), kind(i));
                            if let ObjectName::DomainSpecific { domain, .. } = n {
                                let ts = PointName::icc(domain.as_str(), "DSTS_1");
                                tracker.add_transfer_set(ts, PointName::of(&n), options);
                            }
                        }
                    }
                }
            }
        }
    }
    match tracker.handle_unconfirmed(pdu) {
        Ok(Received::Report { report, ack }) => {
            let _ = format!("{report:?}");
            assert!(report.values.len() <= results, "more values than results");
            if let Some(ack) = ack {
                assert!(
                    report.critical,
                    "an acknowledgement of a non-critical report"
                );
                MmsPdu::decode(&ack).expect("the acknowledgement decodes");
            }
        }
        Ok(other) => {
            let _ = format!("{other:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
