//! Shared by the station tests: a manual clock, a sample station, and MMS requests served
//! through `mms_pdu::server::answer` over the station's `Directory`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::missing_panics_doc
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use telecontrol_core::{Decode, Encode, Instant, Writer};
use telecontrol_tase2_transfer_sets::mms_pdu::association::{AssociateIndication, Refusal};
use telecontrol_tase2_transfer_sets::mms_pdu::ber::{BerReader, BitString, Oid};
use telecontrol_tase2_transfer_sets::mms_pdu::mms::{
    AccessResult, AlternateAccess, ConfirmedErrorPdu, ConfirmedRequest, ConfirmedResponse,
    ConfirmedServiceRequest, ConfirmedServiceResponse, Data, DataAccessError,
    DefineNamedVariableListRequest, DeleteNamedVariableListRequest, Element, ErrorClass,
    ExtendedObjectClass, GetNameListRequest, InformationReport, InitDetail, InitiateParams, MmsPdu,
    ObjectClass, ObjectName, ObjectScope, ReadRequest, SeqOf, ServiceError, UnconfirmedService,
    VariableAccessSpecification, VariableListItem, VariableSpecification, WriteRequest,
    WriteResult,
};
use telecontrol_tase2_transfer_sets::mms_pdu::server::{Context, Directory, answer};
use telecontrol_tase2_transfer_sets::station::{
    BilateralTableConfig, ControlMode, DataSetConfig, DeviceConfig, Domain, MessageBufferConfig,
    PeerConfig, PointConfig, StationConfig, Tase2Station,
};
use telecontrol_tase2_transfer_sets::{AccessRights, DeviceKind, ValueKind};

/// A clock the test moves by hand.
#[derive(Clone, Default)]
pub struct Clock(Arc<AtomicU64>);

impl Clock {
    pub fn now(&self) -> Instant {
        Instant::from_micros(self.0.load(Ordering::SeqCst))
    }
    pub fn advance(&self, d: Duration) -> Instant {
        let us = u64::try_from(d.as_micros()).unwrap();
        Instant::from_micros(self.0.fetch_add(us, Ordering::SeqCst) + us)
    }
}

/// AP-title 1.3.9999.1 (encoded), AE-qualifier 12: the sample peer of table "ICC1".
pub const PEER_OID: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x01];
/// AP-title 1.3.9999.2: the peer of table "ICC2".
pub const PEER2_OID: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x02];
/// An AP-title no table names (1.3.9999.9).
pub const STRANGER_OID: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x09];

pub fn rights(bits: &[AccessRights]) -> AccessRights {
    bits.iter().fold(AccessRights::NONE, |a, b| a.union(*b))
}

/// The sample station: VCC points `V_REAL` (RealQ, readable by ICC1), `V_SECRET` (not in
/// any table), ICC1 points `I1_STATE` (StateQTimeTag) and `I1_DISC` (DiscreteQTimeTag),
/// ICC2 point `I2_REAL`; device `BRK1` (command, SBO 10 s) and `SP1` (real set-point,
/// direct) in ICC1; VCC data set `VCC_DS` (special variables + V_REAL); information buffers
/// `Info_Buff_64` (VCC); tables ICC1 (peer 1.3.9999.1 / 12, password "pw") and ICC2.
pub fn sample(config: StationConfig) -> (Arc<Tase2Station>, Clock) {
    let clock = Clock::default();
    let c = clock.clone();
    let st = Arc::new(Tase2Station::new(config, move || c.now()));
    let icc1 = Domain::icc("ICC1");
    for (d, n, k) in [
        (Domain::Vcc, "V_REAL", ValueKind::RealQ),
        (Domain::Vcc, "V_SECRET", ValueKind::RealQ),
        (icc1.clone(), "I1_STATE", ValueKind::StateQTimeTag),
        (icc1.clone(), "I1_DISC", ValueKind::DiscreteQTimeTag),
        (Domain::icc("ICC2"), "I2_REAL", ValueKind::Real),
    ] {
        st.add_point(PointConfig {
            domain: d,
            name: n.into(),
            kind: k,
            initial: None,
        })
        .unwrap();
    }
    st.add_device(DeviceConfig {
        domain: icc1.clone(),
        name: "BRK1".into(),
        kind: DeviceKind::Command,
        mode: ControlMode::SelectBeforeOperate {
            select_timeout: Duration::from_secs(10),
        },
        tagged: true,
        check_back_id: 77,
    })
    .unwrap();
    st.add_device(DeviceConfig {
        domain: icc1.clone(),
        name: "SP1".into(),
        kind: DeviceKind::RealSetPoint,
        mode: ControlMode::Direct,
        tagged: false,
        check_back_id: 0,
    })
    .unwrap();
    st.add_data_set(DataSetConfig {
        domain: Domain::Vcc,
        name: "VCC_DS".into(),
        members: vec![
            (icc1.clone(), "Transfer_Set_Name".into()),
            (icc1.clone(), "DSConditions_Detected".into()),
            (Domain::Vcc, "V_REAL".into()),
        ],
    })
    .unwrap();
    st.add_message_buffer(MessageBufferConfig {
        domain: Domain::Vcc,
        size: 64,
    })
    .unwrap();
    let all = rights(&[
        AccessRights::READ,
        AccessRights::OPERATE,
        AccessRights::GET_TAG,
        AccessRights::SET_TAG,
    ]);
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: Some(12),
            password: Some(b"pw".to_vec()),
        }),
        icc_domain: "ICC1".into(),
        table_id: "ICC1_TABLE_V1".into(),
        objects: vec![
            (Domain::Vcc, "V_REAL".into(), AccessRights::READ),
            (Domain::Vcc, "Info_Buff_64".into(), AccessRights::READ),
            (icc1.clone(), "I1_STATE".into(), AccessRights::READ),
            (icc1.clone(), "I1_DISC".into(), AccessRights::READ),
            (icc1.clone(), "BRK1".into(), all),
            (
                icc1,
                "SP1".into(),
                rights(&[AccessRights::OPERATE, AccessRights::GET_TAG]),
            ),
        ],
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 2],
            ae_qualifier: None,
            password: None,
        }),
        icc_domain: "ICC2".into(),
        table_id: "ICC2_TABLE".into(),
        objects: vec![(Domain::icc("ICC2"), "I2_REAL".into(), AccessRights::READ)],
        vcc_default: AccessRights::READ,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    (st, clock)
}

/// Ask `st` to associate `association` for a peer with this AP-title (encoded arcs),
/// proposing an MMS PDU size of 16 000.
pub fn associate(
    st: &Tase2Station,
    association: u64,
    ap_title: &[u8],
    ae: Option<i64>,
    password: Option<&[u8]>,
) -> Result<(), Refusal> {
    associate_proposing(st, association, ap_title, ae, password, 16_000)
}

/// As [`associate`], the peer proposing `max_pdu_size` in its Initiate request.
pub fn associate_proposing(
    st: &Tase2Station,
    association: u64,
    ap_title: &[u8],
    ae: Option<i64>,
    password: Option<&[u8]>,
    max_pdu_size: i32,
) -> Result<(), Refusal> {
    let bits = BitString::new(&[0u8], 0).unwrap();
    let ind = AssociateIndication {
        calling_ap_title: Some(Oid::from_encoded(ap_title)),
        calling_ae_qualifier: ae,
        called_ap_title: None,
        called_ae_qualifier: None,
        password,
        initiate: InitiateParams {
            local_detail: Some(max_pdu_size),
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
    st.associate(association, &ind)
}

/// The sample peer of ICC1, associated as `association`.
pub fn icc1(st: &Tase2Station, association: u64) {
    associate(st, association, &PEER_OID, Some(12), Some(b"pw")).unwrap();
}

/// Serve one confirmed request the way an adapter does, on the wire: the request is
/// encoded as an MMS PDU and decoded again, answered by `answer` over the station's
/// `Directory`, and the response (or confirmed-ErrorPDU) encoded and decoded again before
/// `f` sees it.
pub fn serve<R>(
    st: &Tase2Station,
    association: u64,
    max_pdu_size: usize,
    request: ConfirmedServiceRequest<'_>,
    f: impl FnOnce(Result<ConfirmedServiceResponse<'_>, ServiceError<'_>>) -> R,
) -> R {
    let back = answer_octets(st, association, max_pdu_size, request);
    match MmsPdu::decode(&back).unwrap() {
        MmsPdu::ConfirmedResponse(r) => {
            assert_eq!(r.invoke_id, 7);
            f(Ok(r.service))
        }
        MmsPdu::ConfirmedError(e) => f(Err(e.service_error)),
        other => panic!("{other:?}"),
    }
}

/// The encoded MMS PDU (confirmed response or confirmed-ErrorPDU, invoke id 7) the
/// station answers to `request`, octet for octet as an adapter sends it: the request is
/// encoded and decoded again first, as [`serve`] does.
pub fn answer_octets(
    st: &Tase2Station,
    association: u64,
    max_pdu_size: usize,
    request: ConfirmedServiceRequest<'_>,
) -> Vec<u8> {
    let pdu = MmsPdu::ConfirmedRequest(ConfirmedRequest {
        invoke_id: 7,
        modifiers: None,
        service: request,
    });
    let mut wire = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut wire).unwrap();
    let MmsPdu::ConfirmedRequest(decoded) = MmsPdu::decode(&wire).unwrap() else {
        panic!("not a request");
    };
    let mut scratch = vec![0u8; 64 * 1024];
    let ctx = Context {
        max_pdu_size,
        association,
    };
    let answer = match answer(st, &decoded.service, ctx, &mut scratch) {
        Ok(service) => MmsPdu::ConfirmedResponse(ConfirmedResponse {
            invoke_id: decoded.invoke_id,
            service,
        }),
        Err(service_error) => MmsPdu::ConfirmedError(ConfirmedErrorPdu {
            invoke_id: decoded.invoke_id,
            modifier_position: None,
            service_error,
        }),
    };
    let mut back = vec![0u8; answer.encoded_len()];
    answer.encode(&mut back).unwrap();
    back
}

pub fn vmd(n: &str) -> ObjectName<'_> {
    ObjectName::vmd(n).unwrap()
}

pub fn dom<'a>(d: &'a str, n: &'a str) -> ObjectName<'a> {
    ObjectName::domain(d, n).unwrap()
}

/// Encode one element into a vector.
pub fn bytes<'a, E: Element<'a>>(e: &E) -> Vec<u8> {
    let mut v = vec![0u8; e.element_len()];
    e.write_element(&mut Writer::new(&mut v)).unwrap();
    v
}

/// Decode one `Data` element.
pub fn data(b: &[u8]) -> Data<'_> {
    Data::decode_element(&BerReader::new(b).read_tlv().unwrap(), true).unwrap()
}

/// Read one variable through `answer`: the encoded value, or the access error.
pub fn read(st: &Tase2Station, a: u64, name: ObjectName<'_>) -> Result<Vec<u8>, DataAccessError> {
    let items = [VariableListItem::named(name)];
    let req = ConfirmedServiceRequest::Read(ReadRequest {
        specification_with_result: None,
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
    });
    serve(st, a, 16_000, req, |r| {
        let Ok(ConfirmedServiceResponse::Read(r)) = r else {
            panic!("read not answered: {r:?}");
        };
        match r.results.iter().next().unwrap() {
            AccessResult::Success(d) => Ok(bytes(&d)),
            AccessResult::Failure(e) => Err(e),
        }
    })
}

/// Write one variable through `answer`.
pub fn write(
    st: &Tase2Station,
    a: u64,
    name: ObjectName<'_>,
    value: Data<'_>,
) -> Result<(), DataAccessError> {
    let items = [VariableListItem::named(name)];
    let values = [value];
    let req = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        data: SeqOf::from_slice(&values),
    });
    serve(st, a, 16_000, req, |r| {
        let Ok(ConfirmedServiceResponse::Write(r)) = r else {
            panic!("write not answered: {r:?}");
        };
        match r.iter().next().unwrap() {
            WriteResult::Success => Ok(()),
            WriteResult::Failure(e) => Err(e),
        }
    })
}

/// Write one component of a transfer set (MMS alternate access) through `answer`, on the
/// wire like [`write`].
pub fn write_component(
    st: &Tase2Station,
    a: u64,
    name: ObjectName<'_>,
    alternate: &AlternateAccess<'_>,
    value: Data<'_>,
) -> Result<(), DataAccessError> {
    let items = [VariableListItem {
        specification: VariableSpecification::Name(name),
        alternate_access: Some(*alternate),
    }];
    let values = [value];
    let req = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        data: SeqOf::from_slice(&values),
    });
    serve(st, a, 16_000, req, |r| {
        let Ok(ConfirmedServiceResponse::Write(r)) = r else {
            panic!("write not answered: {r:?}");
        };
        match r.iter().next().unwrap() {
            WriteResult::Success => Ok(()),
            WriteResult::Failure(e) => Err(e),
        }
    })
}

/// Every name of `class` in `scope`, paging with `continueAfter` (small PDUs).
pub fn names(
    st: &Tase2Station,
    a: u64,
    class: ObjectClass,
    scope: ObjectScope<'_>,
) -> Result<Vec<String>, ErrorClass> {
    let mut all: Vec<String> = Vec::new();
    loop {
        let last = all.last().cloned();
        let req = ConfirmedServiceRequest::GetNameList(GetNameListRequest {
            object_class: ExtendedObjectClass::Basic(class),
            object_scope: scope,
            continue_after: last.as_deref().map(|l| {
                telecontrol_tase2_transfer_sets::mms_pdu::mms::Identifier::new(l).unwrap()
            }),
        });
        let page = serve(st, a, 200, req, |r| match r {
            Ok(ConfirmedServiceResponse::GetNameList(r)) => Ok((
                r.identifiers
                    .iter()
                    .map(|i| i.as_str().to_owned())
                    .collect::<Vec<_>>(),
                r.more_follows != Some(false),
            )),
            Err(e) => Err(e.error_class),
            Ok(other) => panic!("{other:?}"),
        });
        let (names, more) = page?;
        all.extend(names);
        if !more {
            return Ok(all);
        }
    }
}

/// GetVariableAccessAttributes through `answer`: the encoded type.
pub fn type_of(st: &Tase2Station, a: u64, name: ObjectName<'_>) -> Result<Vec<u8>, ErrorClass> {
    use telecontrol_tase2_transfer_sets::mms_pdu::mms::GetVariableAccessAttributesRequest;
    let req = ConfirmedServiceRequest::GetVariableAccessAttributes(
        GetVariableAccessAttributesRequest::Name(name),
    );
    serve(st, a, 16_000, req, |r| match r {
        Ok(ConfirmedServiceResponse::GetVariableAccessAttributes(r)) => {
            Ok(bytes(&r.type_specification))
        }
        Err(e) => Err(e.error_class),
        Ok(other) => panic!("{other:?}"),
    })
}

/// DefineNamedVariableList through `answer`.
pub fn define(
    st: &Tase2Station,
    a: u64,
    name: ObjectName<'_>,
    members: &[ObjectName<'_>],
) -> Result<(), ErrorClass> {
    let items: Vec<VariableListItem<'_>> = members
        .iter()
        .map(|m| VariableListItem::named(*m))
        .collect();
    let req = ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
        name,
        variables: SeqOf::from_slice(&items),
    });
    serve(st, a, 16_000, req, |r| match r {
        Ok(ConfirmedServiceResponse::DefineNamedVariableList) => Ok(()),
        Err(e) => Err(e.error_class),
        Ok(other) => panic!("{other:?}"),
    })
}

/// DeleteNamedVariableList through `answer`: (matched, deleted).
pub fn delete(st: &Tase2Station, a: u64, name: ObjectName<'_>) -> (u32, u32) {
    let names = [name];
    let req = ConfirmedServiceRequest::DeleteNamedVariableList(DeleteNamedVariableListRequest {
        scope: None,
        names: Some(SeqOf::from_slice(&names)),
        domain: None,
    });
    serve(st, a, 16_000, req, |r| {
        let Ok(ConfirmedServiceResponse::DeleteNamedVariableList(r)) = r else {
            panic!("delete not answered: {r:?}");
        };
        (r.number_matched, r.number_deleted)
    })
}

/// Every PDU the station has to send at `now`.
pub fn drain(st: &Tase2Station, now: Instant) -> Vec<(u64, Vec<u8>)> {
    let mut v = Vec::new();
    let mut out = Vec::new();
    while let Some(a) = st.poll_transmit(now, &mut out) {
        v.push((a, out.clone()));
    }
    v
}

/// The InformationReport of an encoded PDU.
pub fn report(pdu: &[u8]) -> InformationReport<'_> {
    match MmsPdu::decode(pdu).unwrap() {
        MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(ir)) => ir,
        other => panic!("not a report: {other:?}"),
    }
}

/// Encode an unconfirmed InformationReport of `names` = `values` (what a client sends).
pub fn client_report(names: &[ObjectName<'_>], values: &[Data<'_>]) -> Vec<u8> {
    let items: Vec<VariableListItem<'_>> =
        names.iter().map(|m| VariableListItem::named(*m)).collect();
    let results: Vec<AccessResult<'_>> = values.iter().map(|v| AccessResult::Success(*v)).collect();
    let pdu = MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(
            SeqOf::from_slice(&items),
        ),
        results: SeqOf::from_slice(&results),
    }));
    let mut buf = vec![0u8; pdu.encoded_len()];
    pdu.encode(&mut buf).unwrap();
    buf
}

/// Hand an encoded unconfirmed PDU to the station.
pub fn unconfirmed(
    st: &Tase2Station,
    a: u64,
    pdu: &[u8],
) -> Result<(), telecontrol_tase2_transfer_sets::station::StationError> {
    let MmsPdu::Unconfirmed(service) = MmsPdu::decode(pdu).unwrap() else {
        panic!("not unconfirmed");
    };
    st.handle_unconfirmed(a, &service)
}
