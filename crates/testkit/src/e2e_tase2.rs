//! The end-to-end scenarios of the TASE.2 adapters (`Tase2Server`, `Tase2Client`), written
//! once and run against each runtime on 127.0.0.1 with ephemeral ports: our client against
//! our server through real TCP, MMS associations and the station's bilateral tables.
//!
//! Not a module of the testkit library (it needs the adapters): each adapter's
//! `tests/tase2_e2e.rs` includes it with `#[path = "../../testkit/src/e2e_tase2.rs"]` and
//! implements [`Tase2Runtime`]. Every wait is bounded (`STEP`, generous) and ends as soon
//! as what is awaited arrives; outcomes are asserted, speed never.
#![allow(
    dead_code,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mms_pdu::association::{Addressing, Config};
use mms_pdu::ber::Oid;
use mms_pdu::mms::ObjectScope;
use tase2_transfer_sets::client::{
    ClientError, DeviceTag, PeerCheck, PointName, Reading, Tase2Message, Tase2Report,
    TransferSetOptions,
};
use tase2_transfer_sets::objects::Tase2Version;
use tase2_transfer_sets::station::{
    BilateralTableConfig, ControlMode, DeviceConfig, Domain, MessageBufferConfig, PeerConfig,
    PointConfig, PointId, StationConfig, StationError, StationEvent, Tase2Station,
};
use tase2_transfer_sets::{
    AccessRights, ComponentValue, DataDiscreteQTimeTag, DataFlags, DataRealQ, DeviceKind,
    DeviceValue, DsTransferSetComponent, InfoMessHeader, TagState, Value, ValueKind,
};

#[path = "e2e_tase2_scenarios.rs"]
mod scenarios;
#[allow(unused_imports)] // each including test binary uses its own subset
pub use scenarios::{
    association_checks, both_roles_on_one_association, critical_reports_acknowledged,
    device_control, messages_both_ways, reads_allowed_and_denied, transfer_set_rbe_and_integrity,
};
#[path = "e2e_tase2_more.rs"]
mod more;
#[allow(unused_imports)] // each including test binary uses its own subset
pub use more::{
    client_against_1996_station, every_value_type_reported, set_points_operated,
    transfer_set_written_by_component,
};

/// The longest any single expected thing may take before a scenario fails.
pub const STEP: Duration = Duration::from_secs(10);

/// AP-title 1.3.9999.1 (encoded): the client identity the sample table names.
pub const PEER_OID: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x01];
/// AP-title 1.3.9999.9: no table names it.
pub const STRANGER_OID: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x09];
/// The sample table's id.
pub const TABLE_ID: &str = "ICC1_TABLE_V1";

/// What a client runtime's `Tase2ClientConfig` holds (both adapters have these fields).
#[derive(Clone, Debug)]
pub struct ClientSetup {
    pub association: Config<'static>,
    pub icc_domain: String,
    pub table_id: Option<String>,
    pub versions: Vec<Tase2Version>,
    pub blocks: Vec<u8>,
}

/// Why a client call failed, runtime-neutral.
#[derive(Clone, Debug, PartialEq)]
pub enum Fail {
    /// The MMS layer (its `Debug` text: association refused, ServiceError, ...).
    Mms(String),
    /// The TASE.2 procedure.
    Client(ClientError),
}

pub type R<T> = Result<T, Fail>;

/// A runtime under test: its server and client, driven synchronously.
pub trait Tase2Runtime {
    type Server;
    type Client;
    /// A station telling time with the runtime's clock.
    fn new_station(&self, config: StationConfig) -> Arc<Tase2Station>;
    /// Serve `station` on 127.0.0.1, ephemeral port.
    fn serve(&self, station: Arc<Tase2Station>) -> Self::Server;
    fn addr(&self, server: &Self::Server) -> SocketAddr;
    fn update(
        &self,
        server: &Self::Server,
        point: PointId,
        value: Value,
    ) -> Result<(), StationError>;
    fn server_message(
        &self,
        server: &Self::Server,
        domain: &Domain,
        header: InfoMessHeader,
        data: &[u8],
    ) -> Result<usize, StationError>;
    fn station_event(&self, server: &mut Self::Server, timeout: Duration) -> Option<StationEvent>;
    /// Shut down and wait for the pump to end.
    fn stop(&self, server: Self::Server);

    fn connect(&self, addr: SocketAddr, setup: ClientSetup) -> R<Self::Client>;
    fn peer(&self, client: &Self::Client) -> PeerCheck;
    fn names(&self, client: &Self::Client, scope: ObjectScope<'_>) -> R<Vec<String>>;
    fn read(
        &self,
        client: &mut Self::Client,
        points: &[(PointName, ValueKind)],
    ) -> R<Vec<Result<Value, ClientError>>>;
    fn define_data_set(
        &self,
        client: &mut Self::Client,
        name: &str,
        points: &[(PointName, ValueKind)],
    ) -> R<PointName>;
    fn delete_data_set(&self, client: &mut Self::Client, name: &str) -> R<bool>;
    fn start_transfer_set(
        &self,
        client: &mut Self::Client,
        data_set: &str,
        options: TransferSetOptions,
    ) -> R<PointName>;
    fn stop_transfer_set(&self, client: &mut Self::Client, ts: &PointName) -> R<()>;
    /// Write one component of transfer set `ts` (`write_transfer_set_component`).
    fn write_component(
        &self,
        client: &Self::Client,
        ts: &PointName,
        component: DsTransferSetComponent,
        value: ComponentValue<'_>,
    ) -> R<()>;
    fn next_report(&self, client: &mut Self::Client, timeout: Duration) -> Option<Tase2Report>;
    fn next_message(&self, client: &mut Self::Client, timeout: Duration) -> Option<Tase2Message>;
    fn acknowledged(&self, client: &Self::Client) -> u64;
    fn select(&self, client: &Self::Client, device: &PointName) -> R<i16>;
    fn operate(&self, client: &Self::Client, device: &PointName, value: DeviceValue) -> R<()>;
    fn tag(&self, client: &Self::Client, device: &PointName) -> R<DeviceTag>;
    fn set_tag(
        &self,
        client: &Self::Client,
        device: &PointName,
        tag: TagState,
        reason: &str,
    ) -> R<()>;
    fn enable_messages(&self, client: &Self::Client, enable: bool) -> R<()>;
    fn client_message(
        &self,
        client: &Self::Client,
        icc: bool,
        header: InfoMessHeader,
        text: &[u8],
    ) -> R<()>;
    fn conclude(&self, client: Self::Client);

    /// Connect serving our own `station` on the same association.
    fn connect_serving(
        &self,
        addr: SocketAddr,
        setup: ClientSetup,
        station: Arc<Tase2Station>,
        table_id: Option<&str>,
    ) -> R<Self::Client>;
    /// The server, as a client on association `association`, reads the peer's points.
    fn server_read(
        &self,
        server: &Self::Server,
        association: u64,
        points: &[(PointName, ValueKind)],
    ) -> R<Vec<Result<Value, ClientError>>>;
}

/// The client identity of the sample table: AP-title 1.3.9999.1, AE-qualifier 12,
/// password "pw", ICC "ICC1", expecting table [`TABLE_ID`] and blocks 1, 2, 4, 5.
pub fn setup() -> ClientSetup {
    let mut association = Config::DEFAULT;
    association.local = Addressing {
        ap_title: Some(Oid::from_encoded(&PEER_OID)),
        ae_qualifier: Some(12),
        ..Addressing::DEFAULT
    };
    association.password = Some(b"pw");
    association.request_timeout = STEP;
    ClientSetup {
        association,
        icc_domain: "ICC1".into(),
        table_id: Some(TABLE_ID.into()),
        versions: vec![Tase2Version::EDITION_2000_08],
        blocks: vec![1, 2, 4, 5],
    }
}

/// The sample station's points.
pub struct Points {
    pub v_real: PointId,
    pub i1_disc: PointId,
    pub i1_state: PointId,
}

/// The sample VCC: `V_REAL` (RealQ, readable), `V_SECRET` (in no table), ICC1 points
/// `I1_DISC` (DiscreteQTimeTag) and `I1_STATE` (StateQ), ICC2 `I2_REAL`; ICC1 devices
/// `BRK1` (command, select before operate, tagged, CheckBackID 77), `BRK2` (command,
/// select timeout 0.5 s) and `SP1` (real set-point, direct); information buffers `Info_Buff_64` in the VCC and ICC1; the table
/// of [`setup`]'s identity, and one for ICC2.
pub fn sample_station<T: Tase2Runtime>(
    rt: &T,
    ack_timeout: Duration,
) -> (Arc<Tase2Station>, Points) {
    let st = rt.new_station(StationConfig {
        critical_ack_timeout: ack_timeout,
        ..StationConfig::default()
    });
    let icc1 = Domain::icc("ICC1");
    let point = |d: &Domain, n: &str, k| {
        st.add_point(PointConfig {
            domain: d.clone(),
            name: n.into(),
            kind: k,
            initial: None,
        })
        .unwrap()
    };
    let v_real = point(&Domain::Vcc, "V_REAL", ValueKind::RealQ);
    point(&Domain::Vcc, "V_SECRET", ValueKind::RealQ);
    let i1_disc = point(&icc1, "I1_DISC", ValueKind::DiscreteQTimeTag);
    let i1_state = point(&icc1, "I1_STATE", ValueKind::StateQ);
    point(&Domain::icc("ICC2"), "I2_REAL", ValueKind::Real);
    st.add_device(DeviceConfig {
        domain: icc1.clone(),
        name: "BRK1".into(),
        kind: DeviceKind::Command,
        mode: ControlMode::SelectBeforeOperate {
            select_timeout: Duration::from_secs(30),
        },
        tagged: true,
        check_back_id: 77,
    })
    .unwrap();
    st.add_device(DeviceConfig {
        domain: icc1.clone(),
        name: "BRK2".into(),
        kind: DeviceKind::Command,
        mode: ControlMode::SelectBeforeOperate {
            select_timeout: Duration::from_millis(500),
        },
        tagged: false,
        check_back_id: 78,
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
    for d in [Domain::Vcc, icc1.clone()] {
        st.add_message_buffer(MessageBufferConfig {
            domain: d,
            size: 64,
        })
        .unwrap();
    }
    let all = AccessRights::READ
        .union(AccessRights::OPERATE)
        .union(AccessRights::GET_TAG)
        .union(AccessRights::SET_TAG);
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: Some(12),
            password: Some(b"pw".to_vec()),
        }),
        icc_domain: "ICC1".into(),
        table_id: TABLE_ID.into(),
        objects: vec![
            (Domain::Vcc, "Info_Buff_64".into(), AccessRights::READ),
            (Domain::Vcc, "V_REAL".into(), AccessRights::READ),
            (icc1.clone(), "BRK1".into(), all),
            (icc1.clone(), "BRK2".into(), AccessRights::OPERATE),
            (icc1.clone(), "I1_DISC".into(), AccessRights::READ),
            (icc1.clone(), "I1_STATE".into(), AccessRights::READ),
            (icc1.clone(), "Info_Buff_64".into(), AccessRights::READ),
            (icc1, "SP1".into(), AccessRights::OPERATE),
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
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    (
        st,
        Points {
            v_real,
            i1_disc,
            i1_state,
        },
    )
}

pub fn real(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

pub fn disc(v: i32, t: i32) -> Value {
    Value::DiscreteQTimeTag(DataDiscreteQTimeTag {
        value: v,
        time_stamp: t,
        flags: DataFlags::GOOD,
    })
}

/// The next station event that `pick` accepts, skipping others, within [`STEP`].
pub fn await_event<T: Tase2Runtime>(
    rt: &T,
    server: &mut T::Server,
    what: &str,
    pick: impl Fn(&StationEvent) -> bool,
) -> StationEvent {
    let end = Instant::now() + STEP;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match rt.station_event(server, left) {
            Some(e) if pick(&e) => return e,
            Some(_) => {}
            None => panic!("no station event {what} within {STEP:?}"),
        }
    }
}

/// The next report that `pick` accepts, skipping others, within [`STEP`].
pub fn await_report<T: Tase2Runtime>(
    rt: &T,
    client: &mut T::Client,
    what: &str,
    pick: impl Fn(&Tase2Report) -> bool,
) -> Tase2Report {
    let end = Instant::now() + STEP;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match rt.next_report(client, left) {
            Some(r) if pick(&r) => return r,
            Some(_) => {}
            None => panic!("no report {what} within {STEP:?}"),
        }
    }
}

pub fn reading<'a>(r: &'a Tase2Report, item: &str) -> Option<&'a Reading> {
    r.values
        .iter()
        .find(|(n, _)| n.item == item)
        .map(|(_, v)| v)
}

/// Every scenario, in order (for a runtime's single-test entry).
pub fn all<T: Tase2Runtime>(rt: &T) {
    association_checks(rt);
    reads_allowed_and_denied(rt);
    transfer_set_rbe_and_integrity(rt);
    critical_reports_acknowledged(rt);
    device_control(rt);
    messages_both_ways(rt);
    both_roles_on_one_association(rt);
    client_against_1996_station(rt);
    transfer_set_written_by_component(rt);
    set_points_operated(rt);
    every_value_type_reported(rt);
}
