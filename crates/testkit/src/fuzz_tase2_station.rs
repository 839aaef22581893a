//! Fuzz body for the TASE.2 server station (`telecontrol-tase2-transfer-sets`, feature
//! `std`): a script of associations, releases, MMS requests (typed from the script, or raw
//! PDUs from the input), point updates, time steps, acknowledgements, device operations and
//! messages, with the station's invariants checked after every time step.
#![allow(
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mms_pdu::association::AssociateIndication;
use mms_pdu::ber::{BitString, Oid};
use mms_pdu::mms::{
    AccessResult, AccessSelection, AlternateAccessItem, AlternateAccessSelection,
    ConfirmedServiceRequest, Data, ExtendedObjectClass, GetNameListRequest, Identifier,
    InformationReport, InitDetail, InitiateParams, MmsPdu, ObjectClass, ObjectName, ObjectScope,
    SeqOf, UnconfirmedService, VariableAccessSpecification, VariableListItem,
};
use mms_pdu::server::{Context, Directory, answer};
use tase2_transfer_sets::station::{
    BilateralTableConfig, ControlMode, DataSetConfig, DeviceConfig, Domain, MessageBufferConfig,
    PeerConfig, PointConfig, StationConfig, Tase2Station,
};
use tase2_transfer_sets::{
    AccessRights, DeviceKind, DsConditions, DsTransferSet, InfoMessHeader, Scope, TagState,
    TagValue, Tase2Name, TransferReport, Value, ValueKind,
};
use telecontrol_core::{Decode, Instant};

const KINDS: [ValueKind; 4] = [
    ValueKind::RealQ,
    ValueKind::StateQTimeTag,
    ValueKind::DiscreteQTimeTagExtended,
    ValueKind::RealExtended,
];

pub(crate) fn station(cfg: u8) -> (Tase2Station, Arc<AtomicU64>) {
    let clock = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&clock);
    let st = Tase2Station::new(
        StationConfig {
            open: cfg & 1 != 0,
            transfer_sets_per_icc: 3,
            max_pdu_size: 200 + usize::from(cfg >> 1) * 16,
            change_queue_limit: 4,
            critical_ack_timeout: Duration::from_secs(3),
            gmt_at_zero: 1_700_000_000,
            ..StationConfig::default()
        },
        move || Instant::from_micros(c.load(Ordering::SeqCst)),
    );
    let icc = Domain::icc("ICC1");
    for i in 0..8u8 {
        let domain = if i < 4 { Domain::Vcc } else { icc.clone() };
        let _ = st.add_point(PointConfig {
            domain,
            name: format!("P{i}"),
            kind: KINDS[usize::from(i % 4)],
            initial: None,
        });
    }
    let _ = st.add_device(DeviceConfig {
        domain: icc.clone(),
        name: "BRK".into(),
        kind: DeviceKind::Command,
        mode: ControlMode::SelectBeforeOperate {
            select_timeout: Duration::from_secs(2),
        },
        tagged: true,
        check_back_id: 5,
    });
    let _ = st.add_device(DeviceConfig {
        domain: icc.clone(),
        name: "SP".into(),
        kind: DeviceKind::RealSetPoint,
        mode: ControlMode::Direct,
        tagged: false,
        check_back_id: 0,
    });
    let special = |n: &str| (icc.clone(), n.to_owned());
    let _ = st.add_data_set(DataSetConfig {
        domain: Domain::Vcc,
        name: "VDS".into(),
        members: vec![
            special("Transfer_Set_Name"),
            special("Transfer_Set_Time_Stamp"),
            special("DSConditions_Detected"),
            (Domain::Vcc, "P0".into()),
            (Domain::Vcc, "P1".into()),
            (icc.clone(), "P4".into()),
            (icc.clone(), "BRK_TAG".into()),
        ],
    });
    let _ = st.add_message_buffer(MessageBufferConfig {
        domain: Domain::Vcc,
        size: 16,
    });
    let all = [
        AccessRights::READ,
        AccessRights::OPERATE,
        AccessRights::GET_TAG,
        AccessRights::SET_TAG,
    ]
    .iter()
    .fold(AccessRights::NONE, |a, b| a.union(*b));
    let _ = st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: None,
            password: None,
        }),
        icc_domain: "ICC1".into(),
        table_id: "T1".into(),
        objects: vec![(Domain::Vcc, "P3".into(), AccessRights::NONE)],
        vcc_default: AccessRights::READ,
        icc_default: all,
    });
    (st, clock)
}

pub(crate) fn associate(st: &Tase2Station, a: u64, known: bool) {
    let bits = BitString::new(&[0u8], 0).unwrap_or_else(|| panic!("bit string"));
    let title: &[u8] = if known {
        &[0x2B, 0xCE, 0x0F, 0x01]
    } else {
        &[0x2B, 0xCE, 0x0F, 0x09]
    };
    let ind = AssociateIndication {
        calling_ap_title: Some(Oid::from_encoded(title)),
        calling_ae_qualifier: None,
        called_ap_title: None,
        called_ae_qualifier: None,
        password: None,
        initiate: InitiateParams {
            local_detail: Some(8_000),
            max_serv_outstanding_calling: 5,
            max_serv_outstanding_called: 5,
            data_structure_nesting_level: Some(5),
            detail: InitDetail {
                version_number: 1,
                parameter_cbb: bits,
                services_supported: bits,
                extension: &[],
            },
        },
    };
    let _ = st.associate(a, &ind);
}

fn serve(st: &Tase2Station, a: u64, req: &ConfirmedServiceRequest<'_>) {
    let mut scratch = vec![0u8; 16 * 1024];
    let ctx = Context {
        max_pdu_size: 8_000,
        association: a,
    };
    let _ = answer(st, req, ctx, &mut scratch);
}

fn read(st: &Tase2Station, a: u64, name: ObjectName<'_>) {
    let items = [VariableListItem::named(name)];
    serve(
        st,
        a,
        &ConfirmedServiceRequest::Read(mms_pdu::mms::ReadRequest {
            specification_with_result: None,
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&items),
            ),
        }),
    );
}

fn write(st: &Tase2Station, a: u64, name: ObjectName<'_>, value: Data<'_>) {
    let items = [VariableListItem::named(name)];
    let data = [value];
    serve(
        st,
        a,
        &ConfirmedServiceRequest::Write(mms_pdu::mms::WriteRequest {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&items),
            ),
            data: SeqOf::from_slice(&data),
        }),
    );
}

fn name<'a>(domain: &'a str, item: &'a str) -> ObjectName<'a> {
    ObjectName::domain(domain, item).unwrap_or_else(|| panic!("name"))
}

/// A client's InformationReport of `names` = `values`, handed to the station.
fn send(st: &Tase2Station, a: u64, names: &[ObjectName<'_>], values: &[Data<'_>]) {
    let items: Vec<VariableListItem<'_>> =
        names.iter().map(|n| VariableListItem::named(*n)).collect();
    let results: Vec<AccessResult<'_>> = values.iter().map(|v| AccessResult::Success(*v)).collect();
    let svc = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        results: SeqOf::from_slice(&results),
    });
    let _ = st.handle_unconfirmed(a, &svc);
}

/// `tase2_station`: byte 0 configures the station (open, PDU size); then each step is an
/// opcode (low nibble) with its association (bits 4-5) and operands. Never panics; every
/// PDU the station sends decodes as a transfer report or information message and fits
/// the maximum PDU size; after draining at `now`, `poll_timeout` is later than `now`.
pub fn tase2_station(data: &[u8]) {
    let Some((&cfg, mut rest)) = data.split_first() else {
        return;
    };
    let (st, clock) = station(cfg);
    let max_pdu = 200 + usize::from(cfg >> 1) * 16;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (a, b) = rest.split_at_checked(n)?;
        rest = b;
        Some(a)
    };
    let mut out = Vec::new();
    while let Some(&[op]) = take(1) {
        let a = u64::from((op >> 4) & 3);
        match op & 0x0F {
            0 => associate(&st, a, op & 0x40 == 0),
            1 => st.released(a),
            2 => read(&st, a, name("ICC1", "Next_DSTransfer_Set")),
            3 => {
                let Some(b) = take(6) else { return };
                let ds = ["VDS", "IDS", "NOPE"][usize::from(b[0] % 3)];
                let scope = if ds == "VDS" { Scope::Vmd } else { Scope::Icc };
                let t = DsTransferSet {
                    data_set_name: Tase2Name {
                        scope,
                        domain: if scope == Scope::Vmd { "" } else { "ICC1" },
                        name: ds,
                    },
                    start_time: 0,
                    interval: i32::from(b[1] % 8),
                    tle: i32::from(b[5] % 4),
                    buffer_time: i32::from(b[2] % 4),
                    integrity_check: i32::from(b[3] % 16),
                    ds_conditions_requested: DsConditions(b[4] & 0xF8),
                    block_data: false,
                    critical: b[5] & 0x10 != 0,
                    rbe: b[5] & 0x20 != 0,
                    all_changes_reported: b[5] & 0x40 != 0,
                    status: b[5] & 0x80 != 0,
                    event_code_requested: Some(0),
                };
                let ts = format!("DSTransferSet000{}", 1 + b[0] / 3 % 3);
                let mut n = [Data::Boolean(false); 3];
                let mut f = [Data::Boolean(false); 13];
                write(&st, a, name("ICC1", &ts), t.to_data(&mut n, &mut f));
            }
            4 => {
                let Some(b) = take(2) else { return };
                let c = ["Status", "Interval", "RBE", "IntegrityCheck"][usize::from(b[0] % 4)];
                let items = [AlternateAccessItem::Unnamed(
                    AlternateAccessSelection::SelectAccess(AccessSelection::Component(
                        Identifier::new(c).unwrap_or_else(|| panic!("component")),
                    )),
                )];
                let v = if b[1] & 0x80 != 0 {
                    Data::Boolean(b[1] & 1 != 0)
                } else {
                    Data::Integer(i64::from(b[1]))
                };
                let ts = format!("DSTransferSet000{}", 1 + b[0] / 4 % 3);
                let _ = st.write_with_access(
                    a,
                    &name("ICC1", &ts),
                    Some(&SeqOf::from_slice(&items)),
                    &v,
                );
            }
            5 => {
                let Some(b) = take(2) else { return };
                let i = b[0] % 8;
                let domain = if i < 4 {
                    Domain::Vcc
                } else {
                    Domain::icc("ICC1")
                };
                if let Some(p) = st.point(&domain, &format!("P{i}"))
                    && let Some(v) = st.value(p)
                {
                    let v = match v {
                        Value::RealQ(mut q) => {
                            q.value = f32::from(b[1]);
                            Value::RealQ(q)
                        }
                        other => other,
                    };
                    let _ = st.update(p, v);
                    let _ = st.update(p, Value::Real(0.0)); // wrong kind: refused
                }
            }
            6 => {
                let Some(&[b]) = take(1) else { return };
                let now = Instant::from_micros(
                    clock.fetch_add(u64::from(b) * 100_000, Ordering::SeqCst)
                        + u64::from(b) * 100_000,
                );
                while let Some(_to) = st.poll_transmit(now, &mut out) {
                    assert!(out.len() <= max_pdu, "{} octets", out.len());
                    match MmsPdu::decode(&out) {
                        Ok(MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir))) => {
                            if let VariableAccessSpecification::ListOfVariable(_) =
                                ir.variable_access_specification
                            {
                                assert!(TransferReport::new(&ir, None).is_ok());
                            }
                        }
                        other => panic!("station sent {other:?}"),
                    }
                }
                assert!(
                    st.poll_timeout().is_none_or(|t| t > now),
                    "{:?} not after {now:?}",
                    st.poll_timeout()
                );
                while st.poll_event().is_some() {}
            }
            7 => {
                let Some(&[b]) = take(1) else { return };
                match b % 4 {
                    0 => read(&st, a, name("ICC1", "BRK_SBO")),
                    1 => write(
                        &st,
                        a,
                        name("ICC1", "BRK"),
                        Data::Integer(i64::from(b >> 7)),
                    ),
                    2 => {
                        let t = TagValue {
                            tag: [
                                TagState::NoTag,
                                TagState::OpenAndCloseInhibit,
                                TagState::CloseOnlyInhibit,
                            ][usize::from(b >> 6) % 3],
                            armed_for_execution: false,
                            reason: "f",
                        };
                        let mut f = [Data::Boolean(false); 2];
                        write(&st, a, name("ICC1", "BRK_TAG"), t.to_data(&mut f));
                    }
                    _ => write(
                        &st,
                        a,
                        name("ICC1", "SP"),
                        Data::FloatingPoint(mms_pdu::mms::FloatingPoint::Single(f32::from(b))),
                    ),
                }
            }
            8 => {
                let Some(&[b]) = take(1) else { return };
                let list = name("ICC1", "IDS");
                if b & 1 == 0 {
                    let members = [
                        name("ICC1", "Transfer_Set_Name"),
                        ObjectName::vmd(["P0", "P2", "P3", "NOPE"][usize::from(b >> 1) % 4])
                            .unwrap_or_else(|| panic!("name")),
                        name("ICC1", "P5"),
                    ];
                    let _ = st.define_list(a, &list, &members);
                } else {
                    let _ = st.delete_list(a, &list);
                }
            }
            9 => {
                let Some(b) = take(2) else { return };
                let ts = format!("DSTransferSet000{}", 1 + b[0] % 3);
                let n = Tase2Name {
                    scope: Scope::Icc,
                    domain: "ICC1",
                    name: &ts,
                };
                let mut f = [Data::Boolean(false); 3];
                let item = if b[0] & 0x80 == 0 {
                    "Transfer_Report_ACK"
                } else {
                    "Transfer_Report_NACK"
                };
                let now_s = 1_700_000_000 + clock.load(Ordering::SeqCst) / 1_000_000;
                let stamp = i64::try_from(now_s).unwrap_or(0) - i64::from(b[1] % 8);
                if b[0] & 0x40 == 0 {
                    send(
                        &st,
                        a,
                        &[name("ICC1", item), name("ICC1", "Transfer_Set_Time_Stamp")],
                        &[n.to_data(&mut f), Data::Integer(stamp)],
                    );
                } else {
                    send(&st, a, &[name("ICC1", item)], &[n.to_data(&mut f)]);
                }
            }
            10 => {
                let Some(b) = take(2) else { return };
                let header = InfoMessHeader {
                    info_reference: 1,
                    local_reference: 2,
                    message_id: i32::from(b[0]),
                    size: i32::from(b[1] % 24),
                };
                let body = [0x41u8; 20];
                let len = usize::from(b[0] % 20);
                if b[1] & 0x80 == 0 {
                    let _ = st.send_message(&Domain::Vcc, header, &body[..len]);
                } else {
                    let mut f = [Data::Boolean(false); 4];
                    let names = [
                        ObjectName::vmd("Info_Mess_Header").unwrap_or_else(|| panic!("name")),
                        ObjectName::vmd("Info_Buff_16").unwrap_or_else(|| panic!("name")),
                    ];
                    send(
                        &st,
                        a,
                        &names,
                        &[header.to_data(&mut f), Data::OctetString(&body[..len])],
                    );
                }
                let im = ObjectName::AaSpecific(
                    Identifier::new("IM_Transfer_Set").unwrap_or_else(|| panic!("name")),
                );
                write(&st, a, im, Data::Boolean(b[0] & 1 != 0));
            }
            11 => {
                let Some(&[n]) = take(1) else { return };
                let Some(raw) = take(usize::from(n)) else {
                    return;
                };
                match MmsPdu::decode(raw) {
                    Ok(MmsPdu::ConfirmedRequest(r)) => serve(&st, a, &r.service),
                    Ok(MmsPdu::Unconfirmed(s)) => {
                        let _ = st.handle_unconfirmed(a, &s);
                    }
                    _ => {}
                }
            }
            _ => {
                let scope = if op & 0x40 == 0 {
                    ObjectScope::Vmd
                } else {
                    ObjectScope::Domain(Identifier::new("ICC1").unwrap_or_else(|| panic!("id")))
                };
                let class = [
                    ObjectClass::NamedVariable,
                    ObjectClass::NamedVariableList,
                    ObjectClass::Domain,
                ][usize::from(op >> 7) + usize::from(op & 0x0F == 15)];
                serve(
                    &st,
                    a,
                    &ConfirmedServiceRequest::GetNameList(GetNameListRequest {
                        object_class: ExtendedObjectClass::Basic(class),
                        object_scope: scope,
                        continue_after: None,
                    }),
                );
            }
        }
    }
}
