//! The client's report tracker (feature `std`): reports of its data sets become typed,
//! owned reports; critical ones come with the acknowledgement to send, echoing the
//! report's time stamp; information messages become owned messages.

#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use mms_pdu::mms::{
    AccessResult, Data, InformationReport, MmsPdu, ObjectName, SeqOf, UnconfirmedService,
    VariableAccessSpecification, VariableListItem,
};
use telecontrol_core::{Decode, Encode};
use telecontrol_tase2_transfer_sets::client::*;
use telecontrol_tase2_transfer_sets::objects::Scope;
use telecontrol_tase2_transfer_sets::*;

fn encode(pdu: &MmsPdu<'_>) -> Vec<u8> {
    let mut out = vec![0u8; pdu.encoded_len()];
    let n = pdu.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn a_critical_named_list_report_is_typed_and_acknowledged() {
    let mut t = ReportTracker::new();
    let points = [
        (PointName::icc("ICC1", "P_REAL"), ValueKind::RealQ),
        (PointName::vmd("P_DISC"), ValueKind::DiscreteQ),
    ];
    let ds = PointName::icc("ICC1", "DS_1");
    let members = ReportTracker::data_set_members("ICC1", &points);
    assert_eq!(members.len(), 5);
    t.add_data_set(ds.clone(), members, &points);
    let options = TransferSetOptions {
        critical: true,
        ..TransferSetOptions::default()
    };
    t.add_transfer_set(PointName::icc("ICC1", "DSTS_1"), ds.clone(), options);

    let ts = Tase2Name {
        scope: Scope::Icc,
        domain: "ICC1",
        name: "DSTS_1",
    };
    let mut nf = [Data::Boolean(false); 3];
    let (mut t1, mut f1, mut t2, mut f2) = (
        [Data::Boolean(false); 2],
        [Data::Boolean(false); 4],
        [Data::Boolean(false); 2],
        [Data::Boolean(false); 4],
    );
    let real = Value::RealQ(DataRealQ {
        value: 1.5,
        flags: DataFlags::GOOD,
    });
    // {integer, flags}: DiscreteQ or StateQTimeTag by shape; the data set says DiscreteQ.
    let disc = Value::DiscreteQ(DataDiscreteQ {
        value: 7,
        flags: DataFlags::GOOD,
    });
    let results = [
        AccessResult::Success(ts.to_data(&mut nf)),
        AccessResult::Success(Data::Integer(1_800_000_000)),
        AccessResult::Success(DsConditions(DsConditions::INTEGRITY_TIMEOUT).to_data()),
        AccessResult::Success(real.to_data(&mut t1, &mut f1)),
        AccessResult::Success(disc.to_data(&mut t2, &mut f2)),
    ];
    let pdu = encode(&MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(
        InformationReport {
            variable_access_specification: VariableAccessSpecification::VariableListName(
                ObjectName::domain("ICC1", "DS_1").unwrap(),
            ),
            results: SeqOf::from_slice(&results),
        },
    )));
    let Received::Report { report, ack } = t.handle_unconfirmed(&pdu).unwrap() else {
        panic!("not a report")
    };
    assert_eq!(report.kind, ReportKind::NamedList);
    assert_eq!(report.data_set, Some(ds));
    assert_eq!(report.transfer_set, Some(PointName::icc("ICC1", "DSTS_1")));
    assert_eq!(report.time_stamp, Some(1_800_000_000));
    assert!(report.critical);
    assert_eq!(
        report.values,
        vec![
            (points[0].0.clone(), Reading::Value(real)),
            (points[1].0.clone(), Reading::Value(disc)),
        ]
    );
    let ack = ack.unwrap();
    let MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) =
        MmsPdu::decode(&ack).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        ReportAck::from_report(&ir).unwrap(),
        Some(ReportAck {
            nack: false,
            transfer_set: ts,
            time_stamp: Some(1_800_000_000)
        })
    );

    // The same report of a data set the client does not know is not interpreted.
    let unknown = ReportTracker::new();
    assert!(matches!(
        unknown.handle_unconfirmed(&pdu).unwrap(),
        Received::Other(_)
    ));
}

#[test]
fn an_rbe_report_of_a_non_critical_set_is_not_acknowledged() {
    let mut t = ReportTracker::new();
    t.add_transfer_set(
        PointName::icc("ICC1", "DSTS_2"),
        PointName::icc("ICC1", "DS_2"),
        TransferSetOptions::default(),
    );
    let ts = Tase2Name {
        scope: Scope::Icc,
        domain: "ICC1",
        name: "DSTS_2",
    };
    let mut nf = [Data::Boolean(false); 3];
    let (mut t1, mut f1) = ([Data::Boolean(false); 2], [Data::Boolean(false); 4]);
    let names = [
        VariableListItem::named(ObjectName::domain("ICC1", "Transfer_Set_Name").unwrap()),
        VariableListItem::named(ObjectName::vmd("UNKNOWN_REAL").unwrap()),
    ];
    let results = [
        AccessResult::Success(ts.to_data(&mut nf)),
        AccessResult::Success(Value::Real(2.0).to_data(&mut t1, &mut f1)),
    ];
    let pdu = encode(&MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(
        InformationReport {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&names),
            ),
            results: SeqOf::from_slice(&results),
        },
    )));
    let Received::Report { report, ack } = t.handle_unconfirmed(&pdu).unwrap() else {
        panic!()
    };
    assert_eq!(ack, None);
    assert!(!report.critical);
    // No declared kind: the only -802 type of a single float is Data_Real.
    assert_eq!(
        report.values,
        vec![(
            PointName::vmd("UNKNOWN_REAL"),
            Reading::Value(Value::Real(2.0))
        )]
    );
}

#[test]
fn messages_are_encoded_and_received() {
    let header = InfoMessHeader {
        info_reference: 1,
        local_reference: 2,
        message_id: 3,
        size: 0,
    };
    let pdu = encode_message(Some("ICC1"), header, b"switching order 42").unwrap();
    let Received::Message(m) = ReportTracker::new().handle_unconfirmed(&pdu).unwrap() else {
        panic!()
    };
    assert_eq!(m.text, b"switching order 42");
    assert_eq!(m.domain.as_deref(), Some("ICC1"));
    assert_eq!(m.buffer, "Info_Buff_18");
    assert_eq!(m.header.size, 18);
    let nack = encode_nack(&PointName::icc("ICC1", "DSTS_9")).unwrap();
    assert!(matches!(
        ReportTracker::new().handle_unconfirmed(&nack).unwrap(),
        Received::Other(_)
    ));
}
