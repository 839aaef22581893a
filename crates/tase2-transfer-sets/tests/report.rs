//! Transfer report views: named-list reports need the data set's members, in the same
//! number as the values; special variables are recognised by name wherever they are.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use mms_pdu::mms::{
    AccessResult, Data, DataAccessError, InformationReport, ObjectName, SeqOf,
    VariableAccessSpecification, VariableListItem,
};
use telecontrol_tase2_transfer_sets::*;

fn item(n: &'static str) -> VariableListItem<'static> {
    VariableListItem::named(ObjectName::domain("ICC1", n).unwrap())
}

#[test]
fn a_named_list_report_is_paired_with_its_members() {
    let name = Tase2Name {
        scope: Scope::Icc,
        domain: "ICC1",
        name: "TS_1",
    };
    let mut nf = [Data::Boolean(false); 3];
    let point = Value::RealQ(Quality {
        value: 1.5,
        flags: DataFlags(0x20),
    });
    let (mut ts, mut f) = ([Data::Boolean(false); 2], [Data::Boolean(false); 4]);
    let results = [
        AccessResult::Success(name.to_data(&mut nf)),
        AccessResult::Success(Data::Integer(1_779_868_092)),
        AccessResult::Success(DsConditions(DsConditions::INTEGRITY_TIMEOUT).to_data()),
        AccessResult::Success(Data::Integer(-3)),
        AccessResult::Success(point.to_data(&mut ts, &mut f)),
        AccessResult::Failure(DataAccessError::ObjectNonExistent),
    ];
    let members = [
        item("Transfer_Set_Name"),
        item("Transfer_Set_Time_Stamp"),
        item("DSConditions_Detected"),
        item("Event_Code_Detected"),
        item("P1"),
        item("P2"),
    ];
    let ir = InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("ICC1", "DS_1").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    };
    assert_eq!(
        TransferReport::new(&ir, None),
        Err(Tase2Error::BadName {
            field: "data set members"
        })
    );
    assert!(matches!(
        TransferReport::new(&ir, Some(SeqOf::from_slice(&members[..5]))),
        Err(Tase2Error::MemberCount {
            expected: 5,
            found: 6,
            ..
        })
    ));
    let r = TransferReport::new(&ir, Some(SeqOf::from_slice(&members))).unwrap();
    assert_eq!(r.kind(), ReportKind::NamedList);
    assert_eq!(r.data_set(), ObjectName::domain("ICC1", "DS_1"));
    assert_eq!((r.len(), r.is_empty()), (6, false));
    assert_eq!(r.transfer_set_name(), Some(name));
    let items: Vec<ReportItem<'_>> = r.entries().map(|e| e.unwrap().item).collect();
    assert_eq!(items[0], ReportItem::TransferSetName(name));
    assert_eq!(items[1], ReportItem::TransferSetTimeStamp(1_779_868_092));
    assert_eq!(
        items[2],
        ReportItem::DsConditionsDetected(DsConditions(0x40))
    );
    assert_eq!(items[3], ReportItem::EventCodeDetected(-3));
    assert_eq!(
        items[5],
        ReportItem::Failure(DataAccessError::ObjectNonExistent)
    );
    let p = r.entries().nth(4).unwrap().unwrap();
    assert_eq!(p.name.item().as_str(), "P1");
    assert_eq!(p.value(ValueKind::RealQ), Some(Ok(point)));
    assert!(matches!(p.value(ValueKind::Real), Some(Err(_))));
    assert_eq!(
        r.entries().next().unwrap().unwrap().value(ValueKind::RealQ),
        None
    );
}

#[test]
fn a_special_variable_of_the_wrong_type_is_an_error_entry() {
    let results = [AccessResult::Success(Data::Boolean(true))];
    let names = [item("Transfer_Set_Time_Stamp")];
    let ir = InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&names),
        ),
        results: SeqOf::from_slice(&results),
    };
    let r = TransferReport::new(&ir, None).unwrap();
    assert_eq!(r.kind(), ReportKind::ListOfVariable);
    assert!(r.entries().next().unwrap().is_err());
    assert_eq!(r.transfer_set_name(), None);
}
