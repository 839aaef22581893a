//! Devices set to answer negatively or not at all (testing a client): a refused select and
//! operate carry the configured `DataAccessError` and leave the device untouched; an
//! ignored one is withheld (`Directory::withhold`) before the station acts; a peer without
//! the operate right is still refused `object-access-denied`; back to positive, the engine
//! decides again.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod station_support;

use station_support::*;
use telecontrol_tase2_transfer_sets::mms_pdu::mms::{
    ConfirmedServiceRequest, Data, DataAccessError, ReadRequest, SeqOf,
    VariableAccessSpecification, VariableListItem, WriteRequest,
};
use telecontrol_tase2_transfer_sets::mms_pdu::server::Directory;
use telecontrol_tase2_transfer_sets::station::{
    DeviceAnswer, DeviceRequest, Domain, StationConfig, StationEvent,
};

#[test]
fn negative_devices_refuse_select_and_operate_with_the_configured_error() {
    let (st, _clock) = sample(StationConfig::default());
    icc1(&st, 1);
    while st.poll_event().is_some() {}
    let brk = st.device(&Domain::icc("ICC1"), "BRK1").unwrap();
    st.set_device_answer(brk, DeviceAnswer::REFUSED).unwrap();
    assert_eq!(
        read(&st, 1, dom("ICC1", "BRK1_SBO")),
        Err(DataAccessError::HardwareFault)
    );
    assert_eq!(
        st.poll_event(),
        Some(StationEvent::DeviceRefused {
            association: 1,
            device: brk,
            name: "BRK1".into(),
            request: DeviceRequest::Select,
            error: DataAccessError::HardwareFault,
        })
    );
    st.set_device_answer(
        brk,
        DeviceAnswer::Negative(DataAccessError::TemporarilyUnavailable),
    )
    .unwrap();
    assert_eq!(
        write(&st, 1, dom("ICC1", "BRK1"), Data::Integer(1)),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    assert!(matches!(
        st.poll_event(),
        Some(StationEvent::DeviceRefused {
            request: DeviceRequest::Operate,
            ..
        })
    ));
    // Nothing was armed or operated: back to positive, an operate without select is
    // refused by the engine, and a select is granted.
    st.set_device_answer(brk, DeviceAnswer::Positive).unwrap();
    assert_eq!(
        write(&st, 1, dom("ICC1", "BRK1"), Data::Integer(1)),
        Err(DataAccessError::ObjectAccessDenied)
    );
    assert_eq!(
        data(&read(&st, 1, dom("ICC1", "BRK1_SBO")).unwrap()),
        Data::Integer(77)
    );
    assert_eq!(st.poll_event(), None);
}

#[test]
fn peers_without_the_right_are_denied_not_refused() {
    let (st, _clock) = sample(StationConfig::default());
    // The ICC2 peer has no right on ICC1's devices.
    associate(&st, 2, &PEER2_OID, None, None).unwrap();
    while st.poll_event().is_some() {}
    let brk = st.device(&Domain::icc("ICC1"), "BRK1").unwrap();
    st.set_device_answer(brk, DeviceAnswer::REFUSED).unwrap();
    assert_eq!(
        read(&st, 2, dom("ICC1", "BRK1_SBO")),
        Err(DataAccessError::ObjectAccessDenied)
    );
    st.set_device_answer(brk, DeviceAnswer::None).unwrap();
    let items = [VariableListItem::named(dom("ICC1", "BRK1_SBO"))];
    let req = ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
    });
    assert!(!st.withhold(2, &req), "no right: answered (denied)");
    assert_eq!(st.poll_event(), None);
}

#[test]
fn ignoring_devices_have_their_requests_withheld() {
    let (st, _clock) = sample(StationConfig::default());
    icc1(&st, 1);
    while st.poll_event().is_some() {}
    let sp = st.device(&Domain::icc("ICC1"), "SP1").unwrap();
    let brk = st.device(&Domain::icc("ICC1"), "BRK1").unwrap();
    st.set_device_answer(sp, DeviceAnswer::None).unwrap();
    let items = [VariableListItem::named(dom("ICC1", "SP1"))];
    let values = [Data::Integer(3)];
    let operate = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        data: SeqOf::from_slice(&values),
    });
    assert!(st.withhold(1, &operate));
    assert_eq!(
        st.poll_event(),
        Some(StationEvent::DeviceIgnored {
            association: 1,
            device: sp,
            name: "SP1".into(),
            request: DeviceRequest::Operate,
        })
    );
    // A read of the device's name is not a select: answered.
    let read_sp = ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
    });
    assert!(!st.withhold(1, &read_sp));
    // Other devices answer as before.
    let sbo = [VariableListItem::named(dom("ICC1", "BRK1_SBO"))];
    let select = ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&sbo),
        ),
    });
    assert!(!st.withhold(1, &select));
    st.set_device_answer(brk, DeviceAnswer::None).unwrap();
    assert!(st.withhold(1, &select));
    assert!(matches!(
        st.poll_event(),
        Some(StationEvent::DeviceIgnored {
            request: DeviceRequest::Select,
            ..
        })
    ));
    assert_eq!(st.poll_event(), None);
}
