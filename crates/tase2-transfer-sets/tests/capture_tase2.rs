//! Golden vector: every TASE.2 object of the real multi-vendor ICCP capture
//! (`/work/shared/captures/iccp-switchover-real.pcap`; TSDUs cut by mms-pdu's test glue)
//! fits the typed model: DS transfer set writes, reads of the mandatory objects,
//! DefineNamedVariableList data sets, and the InformationReports (named-list and RBE) with
//! every data value typed as an -802 `Data_*` type and re-encoded to the same MMS value.
//! Anything that does not fit is listed with its frame and fails the test unless it is in
//! `EXPLAINED` with a reason (and every `EXPLAINED` entry must still occur).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::single_match,
    missing_docs
)]

extern crate mms_pdu as telecontrol_mms_pdu;

#[path = "../../mms-pdu/tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, HashMap};

use capture::Flow;
use telecontrol_core::Decode;
use telecontrol_mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, Data, MmsPdu, ObjectName,
    UnconfirmedService, VariableAccessSpecification, VariableListItem, VariableSpecification,
};
use telecontrol_mms_pdu::stack::peel;
use telecontrol_tase2_transfer_sets::objects::{
    BILATERAL_TABLE_ID, IM_TRANSFER_SET, NEXT_DS_TRANSFER_SET, SUPPORTED_FEATURES, TASE2_VERSION,
};
use telecontrol_tase2_transfer_sets::{
    ComponentValue, DeviceKind, DeviceValue, DsTransferSet, DsTransferSetComponent, ReportItem,
    ReportKind, SupportedFeatures, Tase2Name, Tase2Version, TransferReport, Value, ValueKind,
};

/// Frames that do not fit the model, each with the reason.
const EXPLAINED: &[(u64, &str)] = &[];

type Conn = (Flow, Flow);

fn conn(f: &Flow) -> Conn {
    let r = f.reverse();
    if format!("{f:?}") < format!("{r:?}") {
        (*f, r)
    } else {
        (r, *f)
    }
}

fn key(n: &ObjectName<'_>) -> String {
    match n {
        ObjectName::VmdSpecific(i) => format!("vmd:{}", i.as_str()),
        ObjectName::DomainSpecific { domain, item } => {
            format!("{}/{}", domain.as_str(), item.as_str())
        }
        ObjectName::AaSpecific(i) => format!("aa:{}", i.as_str()),
    }
}

fn names<'a>(v: &VariableAccessSpecification<'a>) -> Vec<(ObjectName<'a>, bool)> {
    match v {
        VariableAccessSpecification::ListOfVariable(l) => l
            .iter()
            .filter_map(|i| match i.specification {
                VariableSpecification::Name(n) => Some((n, i.alternate_access.is_some())),
                _ => None,
            })
            .collect(),
        VariableAccessSpecification::VariableListName(n) => vec![(*n, false)],
    }
}

#[derive(Default)]
struct Tally {
    counts: BTreeMap<String, usize>,
    misfits: Vec<(u64, String)>,
}

impl Tally {
    fn add(&mut self, k: impl Into<String>) {
        *self.counts.entry(k.into()).or_default() += 1;
    }
    fn misfit(&mut self, frame: u64, what: String) {
        self.misfits.push((frame, what));
    }
    /// Type a point value by its shape (a unique -802 type), check it re-encodes to the
    /// same MMS value, count it under `prefix`.
    fn point(&mut self, frame: u64, prefix: &str, d: &Data<'_>) {
        let kinds: Vec<ValueKind> = ValueKind::candidates(d).collect();
        match kinds.as_slice() {
            [k] => {
                let v = Value::decode(*k, d).unwrap();
                let (mut ts, mut fields) = ([Data::Boolean(false); 2], [Data::Boolean(false); 4]);
                if v.to_data(&mut ts, &mut fields) != *d {
                    self.misfit(frame, format!("{} does not re-encode: {d:?}", k.name()));
                }
                self.add(format!("{prefix} {}", k.name()));
                // Quality (and state) as the model reads it, for the summary.
                if let Some(f) = v.flags() {
                    if matches!(k, ValueKind::StateQTimeTagExtended) {
                        self.add(format!("  flags of states: state {:?}", f.state()));
                    }
                    self.add(format!(
                        "  flags of {}: {:?} {:?}{}{}",
                        k.name(),
                        f.validity(),
                        f.current_source(),
                        if f.abnormal() { " abnormal" } else { "" },
                        if f.time_stamp_invalid() {
                            " time-stamp-invalid"
                        } else {
                            ""
                        }
                    ));
                }
            }
            [] => self.misfit(frame, format!("{prefix}: no -802 type has the shape {d:?}")),
            many => self.misfit(frame, format!("{prefix}: ambiguous {many:?} for {d:?}")),
        }
    }
}

#[test]
fn every_tase2_object_of_the_capture_fits_the_model() {
    // (connection, data set) -> the DefineNamedVariableList PDU (its member list).
    let mut data_sets: HashMap<(Conn, String), Vec<u8>> = HashMap::new();
    // (direction of the request, invoke id) -> the Read request PDU.
    let mut reads: HashMap<(Flow, u32), Vec<u8>> = HashMap::new();
    let mut t = Tally::default();

    for tsdu in common::capture_tsdus() {
        let frame = tsdu.frame;
        let Some(bytes) = peel(&tsdu.bytes).unwrap().mms.map(<[u8]>::to_vec) else {
            continue;
        };
        let pdu = MmsPdu::decode(&bytes).unwrap();
        match pdu {
            MmsPdu::ConfirmedRequest(r) => match r.service {
                ConfirmedServiceRequest::DefineNamedVariableList(d) => {
                    t.add("DefineNamedVariableList");
                    *t.counts.entry("data set members".into()).or_default() += d.variables.len();
                    data_sets.insert((conn(&tsdu.flow), key(&d.name)), bytes.clone());
                }
                ConfirmedServiceRequest::Read(rd) => {
                    for (n, _) in names(&rd.variable_access_specification) {
                        match n.item().as_str() {
                            s @ (NEXT_DS_TRANSFER_SET | BILATERAL_TABLE_ID | TASE2_VERSION
                            | SUPPORTED_FEATURES) => t.add(format!("Read request {s}")),
                            _ => {}
                        }
                    }
                    reads.insert((tsdu.flow, r.invoke_id), bytes.clone());
                }
                ConfirmedServiceRequest::Write(w) => {
                    let targets = names(&w.variable_access_specification);
                    if targets.len() != w.data.len() {
                        t.misfit(
                            frame,
                            "write with names and values in different numbers".into(),
                        );
                        continue;
                    }
                    let items: Vec<VariableListItem<'_>> = match w.variable_access_specification {
                        VariableAccessSpecification::ListOfVariable(l) => l.iter().collect(),
                        VariableAccessSpecification::VariableListName(_) => {
                            t.misfit(frame, "write to a named variable list".into());
                            continue;
                        }
                    };
                    for (item, d) in items.iter().zip(w.data.iter()) {
                        write(frame, item, &d, &mut t);
                    }
                }
                _ => {}
            },
            MmsPdu::ConfirmedResponse(r) => {
                if let ConfirmedServiceResponse::Read(resp) = r.service {
                    let Some(req) = reads.remove(&(tsdu.flow.reverse(), r.invoke_id)) else {
                        t.misfit(frame, "read response without its request".into());
                        continue;
                    };
                    let req = MmsPdu::decode(&req).unwrap();
                    let MmsPdu::ConfirmedRequest(req) = req else {
                        unreachable!()
                    };
                    let ConfirmedServiceRequest::Read(rd) = req.service else {
                        unreachable!()
                    };
                    read_response(
                        frame,
                        &rd.variable_access_specification,
                        resp.results,
                        &data_sets,
                        &conn(&tsdu.flow),
                        &mut t,
                    );
                }
            }
            MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => {
                let members_pdu = match ir.variable_access_specification {
                    VariableAccessSpecification::VariableListName(n) => {
                        match data_sets.get(&(conn(&tsdu.flow), key(&n))) {
                            Some(b) => Some(b.clone()),
                            None => {
                                t.misfit(
                                    frame,
                                    format!(
                                        "report of data set {} not defined in the capture",
                                        key(&n)
                                    ),
                                );
                                continue;
                            }
                        }
                    }
                    VariableAccessSpecification::ListOfVariable(_) => None,
                };
                let define = members_pdu.as_deref().map(|b| MmsPdu::decode(b).unwrap());
                let members = define.as_ref().map(|p| match p {
                    MmsPdu::ConfirmedRequest(r) => match r.service {
                        ConfirmedServiceRequest::DefineNamedVariableList(d) => d.variables,
                        _ => unreachable!(),
                    },
                    _ => unreachable!(),
                });
                let report = match TransferReport::new(&ir, members) {
                    Ok(r) => r,
                    Err(e) => {
                        t.misfit(frame, format!("report: {e}"));
                        continue;
                    }
                };
                let kind = match report.kind() {
                    ReportKind::NamedList => "named-list",
                    ReportKind::ListOfVariable => "RBE",
                };
                let full = report.transfer_set_name().is_some();
                t.add(format!(
                    "InformationReport {kind}{}",
                    if full { "" } else { " (no special variables)" }
                ));
                for e in report.entries() {
                    match e {
                        Err(e) => t.misfit(frame, format!("report entry: {e}")),
                        Ok(e) => match e.item {
                            ReportItem::TransferSetName(_) => {
                                t.add(format!("{kind} special Transfer_Set_Name"))
                            }
                            ReportItem::TransferSetTimeStamp(_) => {
                                t.add(format!("{kind} special Transfer_Set_Time_Stamp"))
                            }
                            ReportItem::DsConditionsDetected(c) => {
                                t.add(format!("{kind} special DSConditions_Detected {:#04x}", c.0))
                            }
                            ReportItem::EventCodeDetected(_) => {
                                t.add(format!("{kind} special Event_Code_Detected"))
                            }
                            ReportItem::Failure(_) => t.add(format!("{kind} failure")),
                            ReportItem::Point(d) => t.point(frame, &format!("{kind} value"), &d),
                        },
                    }
                }
            }
            _ => {}
        }
    }

    println!("TASE.2 objects of the ICCP capture:");
    for (k, v) in &t.counts {
        println!("  {v:>7}  {k}");
    }
    let mut unexplained = Vec::new();
    for (frame, what) in &t.misfits {
        match EXPLAINED.iter().find(|(f, _)| f == frame) {
            Some((_, reason)) => println!("  explained frame {frame}: {what} ({reason})"),
            None => unexpl_push(&mut unexplained, *frame, what),
        }
    }
    for (f, _) in EXPLAINED {
        assert!(
            t.misfits.iter().any(|(m, _)| m == f),
            "EXPLAINED frame {f} no longer misfits"
        );
    }
    assert!(
        unexplained.is_empty(),
        "objects that do not fit the model:\n{}",
        unexplained.join("\n")
    );

    // Golden counts. tshark 4.0 agrees on the PDU counts: 1 896 InformationReports
    // (`-Y "mms.unconfirmedService == 0"`) and 64 Write requests (36 + 27 + 1).
    let c = |k: &str| t.counts.get(k).copied().unwrap_or(0);
    let sum = |p: &str| -> usize {
        t.counts
            .iter()
            .filter(|(k, _)| k.starts_with(p))
            .map(|(_, v)| v)
            .sum()
    };
    assert_eq!(c("Write DSTransferSet whole"), 36);
    assert_eq!(sum("Write DSTransferSet component"), 0);
    assert_eq!(sum("  DSTransferSet 13 members"), 36);
    assert_eq!(c("Write device real set-point"), 27);
    assert_eq!(c("Write IM_Transfer_Set"), 1);
    assert_eq!(c("DefineNamedVariableList"), 41);
    assert_eq!(c("Read response Next_DSTransfer_Set"), 36);
    assert_eq!(c("Read response Bilateral_Table_ID"), 18);
    assert_eq!(c("Read response TASE2_Version 2000-8"), 18);
    assert_eq!(sum("InformationReport named-list"), 1762);
    assert_eq!(sum("InformationReport RBE"), 134);
    assert_eq!(c("named-list value Data_RealQ"), 187_910);
    assert_eq!(c("named-list value Data_StateQTimeTagExtended"), 10_486);
    assert_eq!(c("RBE value Data_RealQ"), 158);
    assert_eq!(c("RBE value Data_StateQTimeTagExtended"), 18);
}

fn unexpl_push(v: &mut Vec<String>, frame: u64, what: &str) {
    v.push(format!("frame {frame}: {what}"));
}

fn write(frame: u64, item: &VariableListItem<'_>, d: &Data<'_>, t: &mut Tally) {
    let VariableSpecification::Name(n) = item.specification else {
        t.misfit(frame, "write to an unnamed variable".into());
        return;
    };
    if let Some(a) = item.alternate_access {
        match DsTransferSetComponent::from_alternate_access(&a) {
            Some(c) => match ComponentValue::decode(c, d) {
                Ok(_) => t.add(format!("Write DSTransferSet component {}", c.name())),
                Err(e) => t.misfit(frame, format!("component {}: {e}", c.name())),
            },
            None => t.misfit(frame, format!("write with alternate access {a:?}")),
        }
        return;
    }
    if n.item().as_str() == IM_TRANSFER_SET {
        match d {
            Data::Boolean(_) => t.add("Write IM_Transfer_Set"),
            _ => t.misfit(frame, "IM_Transfer_Set is not a boolean".into()),
        }
        return;
    }
    if let Ok(ts) = DsTransferSet::from_data(d) {
        let (mut name, mut fields) = ([Data::Boolean(false); 3], [Data::Boolean(false); 13]);
        if ts.to_data(&mut name, &mut fields) != *d {
            t.misfit(frame, "DS transfer set does not re-encode".into());
        }
        t.add("Write DSTransferSet whole");
        t.add(format!(
            "  DSTransferSet {} members, conditions {:#04x}, RBE {}, interval {} s, integrity {} s, buffer {} s",
            if ts.event_code_requested.is_some() { 13 } else { 12 },
            ts.ds_conditions_requested.0,
            ts.rbe,
            ts.interval,
            ts.integrity_check,
            ts.buffer_time
        ));
        return;
    }
    match DeviceValue::decode(DeviceKind::RealSetPoint, d) {
        Ok(v) if v.to_data() == *d => t.add("Write device real set-point"),
        _ => t.misfit(frame, format!("write of {}: {d:?}", key(&n))),
    }
}

fn read_response(
    frame: u64,
    spec: &VariableAccessSpecification<'_>,
    results: telecontrol_mms_pdu::mms::SeqOf<'_, AccessResult<'_>>,
    _data_sets: &HashMap<(Conn, String), Vec<u8>>,
    _conn: &Conn,
    t: &mut Tally,
) {
    let targets = names(spec);
    let named = matches!(spec, VariableAccessSpecification::VariableListName(_));
    if !named && targets.len() != results.len() {
        t.misfit(
            frame,
            "read response with a different number of results".into(),
        );
        return;
    }
    for (i, r) in results.iter().enumerate() {
        let d = match r {
            AccessResult::Failure(_) => {
                t.add("Read response failure");
                continue;
            }
            AccessResult::Success(d) => d,
        };
        let name = if named {
            ""
        } else {
            targets[i].0.item().as_str()
        };
        let ok = match name {
            NEXT_DS_TRANSFER_SET => Tase2Name::from_data(&d).map(|_| ()),
            BILATERAL_TABLE_ID => {
                telecontrol_tase2_transfer_sets::objects::bilateral_table_id(&d).map(|_| ())
            }
            TASE2_VERSION => Tase2Version::from_data(&d).map(|v| {
                t.add(format!(
                    "Read response TASE2_Version {}-{}",
                    v.major, v.minor
                ))
            }),
            SUPPORTED_FEATURES => SupportedFeatures::from_data(&d).map(|f| {
                let blocks: Vec<u8> = (1..=f.len()).filter(|b| f.block(*b)).collect();
                t.add(format!(
                    "Read response Supported_Features blocks {blocks:?}"
                ));
            }),
            _ => {
                t.point(frame, "Read response value", &d);
                continue;
            }
        };
        match ok {
            Ok(()) => t.add(format!("Read response {name}")),
            Err(e) => t.misfit(frame, format!("{name}: {e}")),
        }
    }
}
