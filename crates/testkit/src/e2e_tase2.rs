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
use mms_pdu::mms::{DataAccessError, ObjectScope};
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
    AccessRights, DataDiscreteQTimeTag, DataFlags, DataRealQ, DeviceKind, DeviceValue,
    DsConditions, InfoMessHeader, ReportKind, TagState, Validity, Value, ValueKind,
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
/// `BRK1` (command, select before operate, tagged, CheckBackID 77) and `SP1` (real
/// set-point, direct); information buffers `Info_Buff_64` in the VCC and ICC1; the table
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

fn real(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

fn disc(v: i32, t: i32) -> Value {
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

fn reading<'a>(r: &'a Tase2Report, item: &str) -> Option<&'a Reading> {
    r.values
        .iter()
        .find(|(n, _)| n.item == item)
        .map(|(_, v)| v)
}

/// Association check: version, features and table id accepted; each mismatch gives its
/// typed error; a stranger and a wrong password are refused at association.
pub fn association_checks<T: Tase2Runtime>(rt: &T) {
    let (st, _) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    let addr = rt.addr(&server);

    let client = rt.connect(addr, setup()).unwrap();
    let peer = rt.peer(&client);
    assert_eq!(peer.version, Tase2Version::EDITION_2000_08);
    assert!([1, 2, 4, 5].iter().all(|b| peer.features.block(*b)));
    assert_eq!(peer.table_id.as_str(), TABLE_ID);
    await_event(
        rt,
        &mut server,
        "Associated",
        |e| matches!(e, StationEvent::Associated { table_id: Some(t), .. } if t == TABLE_ID),
    );
    rt.conclude(client);

    let other_table = ClientSetup {
        table_id: Some("ICC1_TABLE_V0".into()),
        ..setup()
    };
    match rt.connect(addr, other_table) {
        Err(Fail::Client(ClientError::TableId { found })) => assert_eq!(found.as_str(), TABLE_ID),
        other => panic!("table id mismatch not detected: {:?}", other.err()),
    }
    let block3 = ClientSetup {
        blocks: vec![1, 3],
        ..setup()
    };
    assert_eq!(
        rt.connect(addr, block3).err(),
        Some(Fail::Client(ClientError::Feature { block: 3 }))
    );
    let old = ClientSetup {
        versions: vec![Tase2Version::EDITION_1996_08],
        ..setup()
    };
    assert_eq!(
        rt.connect(addr, old).err(),
        Some(Fail::Client(ClientError::Version {
            found: Tase2Version::EDITION_2000_08
        }))
    );

    // Unknown peer: refused at association (no bilateral table names it).
    let mut stranger = setup();
    stranger.association.local.ap_title = Some(Oid::from_encoded(&STRANGER_OID));
    assert!(matches!(rt.connect(addr, stranger), Err(Fail::Mms(_))));
    await_event(
        rt,
        &mut server,
        "AssociationRefused",
        |e| matches!(e, StationEvent::AssociationRefused { ap_title: Some(t), .. } if t == "1.3.9999.9"),
    );
    let mut wrong_password = setup();
    wrong_password.association.password = Some(b"nope");
    assert!(matches!(
        rt.connect(addr, wrong_password),
        Err(Fail::Mms(_))
    ));
    rt.stop(server);
}

/// Reads typed by kind; objects outside the table are denied; discovery by GetNameList.
pub fn reads_allowed_and_denied<T: Tase2Runtime>(rt: &T) {
    let (st, p) = sample_station(rt, STEP);
    let server = rt.serve(st);
    rt.update(&server, p.v_real, real(231.5)).unwrap();
    rt.update(&server, p.i1_disc, disc(-4, 1_700_000_000))
        .unwrap();
    let state = Value::StateQ(DataFlags(0x80).with_validity(Validity::Suspect));
    rt.update(&server, p.i1_state, state).unwrap();
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();
    let got = rt
        .read(
            &mut client,
            &[
                (PointName::vmd("V_REAL"), ValueKind::RealQ),
                (
                    PointName::icc("ICC1", "I1_DISC"),
                    ValueKind::DiscreteQTimeTag,
                ),
                (PointName::icc("ICC1", "I1_STATE"), ValueKind::StateQ),
                (PointName::vmd("V_SECRET"), ValueKind::RealQ),
                (PointName::icc("ICC2", "I2_REAL"), ValueKind::Real),
            ],
        )
        .unwrap();
    assert_eq!(got[0], Ok(real(231.5)));
    assert_eq!(got[1], Ok(disc(-4, 1_700_000_000)));
    assert_eq!(got[2], Ok(state));
    assert_eq!(
        got[3],
        Err(ClientError::Access {
            index: 3,
            error: DataAccessError::ObjectAccessDenied
        })
    );
    assert!(matches!(got[4], Err(ClientError::Access { index: 4, .. })));

    let vmd = rt.names(&client, ObjectScope::Vmd).unwrap();
    assert!(vmd.iter().any(|n| n == "TASE2_Version"), "{vmd:?}");
    assert!(vmd.iter().any(|n| n == "V_REAL"), "{vmd:?}");
    assert!(!vmd.iter().any(|n| n == "V_SECRET"), "{vmd:?}");
    rt.conclude(client);
    rt.stop(server);
}

fn data_set_points() -> Vec<(PointName, ValueKind)> {
    vec![
        (PointName::vmd("V_REAL"), ValueKind::RealQ),
        (
            PointName::icc("ICC1", "I1_DISC"),
            ValueKind::DiscreteQTimeTag,
        ),
    ]
}

/// An ICC data set, a transfer set reporting by exception with integrity reports: the
/// integrity report carries every point's current value, the RBE report only the point
/// that changed, with its new value; stopping the set is seen by the station; a data set
/// naming an object outside the table is refused.
pub fn transfer_set_rbe_and_integrity<T: Tase2Runtime>(rt: &T) {
    let (st, p) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    rt.update(&server, p.v_real, real(10.0)).unwrap();
    rt.update(&server, p.i1_disc, disc(1, 1_700_000_000))
        .unwrap();
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();

    assert!(matches!(
        rt.define_data_set(
            &mut client,
            "DS_BAD",
            &[(PointName::vmd("V_SECRET"), ValueKind::RealQ)]
        ),
        Err(Fail::Mms(_))
    ));
    let ds = rt
        .define_data_set(&mut client, "DS_1", &data_set_points())
        .unwrap();
    assert_eq!(ds, PointName::icc("ICC1", "DS_1"));
    let options = TransferSetOptions {
        rbe: true,
        integrity_check: 1,
        conditions: DsConditions(DsConditions::OBJECT_CHANGE | DsConditions::INTEGRITY_TIMEOUT),
        ..TransferSetOptions::default()
    };
    let ts = rt.start_transfer_set(&mut client, "DS_1", options).unwrap();
    assert_eq!(ts.domain.as_deref(), Some("ICC1"));
    await_event(
        rt,
        &mut server,
        "TransferSetEnabled",
        |e| matches!(e, StationEvent::TransferSetEnabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );

    // Integrity: the whole data set with the current values.
    let integrity = await_report(rt, &mut client, "integrity", |r| {
        r.kind == ReportKind::NamedList
            && r.conditions
                .is_some_and(|c| c.contains(DsConditions::INTEGRITY_TIMEOUT))
    });
    assert_eq!(integrity.data_set.as_ref(), Some(&ds));
    assert_eq!(integrity.transfer_set.as_ref(), Some(&ts));
    assert!(integrity.time_stamp.is_some());
    assert_eq!(
        reading(&integrity, "V_REAL"),
        Some(&Reading::Value(real(10.0)))
    );
    assert_eq!(
        reading(&integrity, "I1_DISC"),
        Some(&Reading::Value(disc(1, 1_700_000_000)))
    );

    // Report by exception: only the changed point, with its new value.
    rt.update(&server, p.i1_disc, disc(2, 1_700_000_005))
        .unwrap();
    let rbe = await_report(rt, &mut client, "RBE", |r| {
        r.kind == ReportKind::ListOfVariable
            && reading(r, "I1_DISC") == Some(&Reading::Value(disc(2, 1_700_000_005)))
    });
    assert_eq!(rbe.transfer_set.as_ref(), Some(&ts));
    assert!(reading(&rbe, "V_REAL").is_none(), "{rbe:?}");
    assert!(
        rbe.conditions
            .is_some_and(|c| c.contains(DsConditions::OBJECT_CHANGE))
    );
    assert!(!rbe.critical);
    assert_eq!(rt.acknowledged(&client), 0);

    rt.stop_transfer_set(&mut client, &ts).unwrap();
    await_event(
        rt,
        &mut server,
        "TransferSetDisabled",
        |e| matches!(e, StationEvent::TransferSetDisabled { transfer_set, .. } if transfer_set.ends_with(&ts.item)),
    );
    assert_eq!(rt.delete_data_set(&mut client, "DS_1"), Ok(true));
    rt.conclude(client);
    rt.stop(server);
}

/// A critical transfer set: every report is acknowledged by the client on its own
/// (`Transfer_Report_ACK` with the echoed time stamp), so the station raises no
/// acknowledgement timeout; later reports still flow.
pub fn critical_reports_acknowledged<T: Tase2Runtime>(rt: &T) {
    let ack_timeout = Duration::from_secs(2);
    let (st, p) = sample_station(rt, ack_timeout);
    let mut server = rt.serve(st);
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();
    rt.define_data_set(&mut client, "DS_C", &data_set_points())
        .unwrap();
    let options = TransferSetOptions {
        rbe: true,
        critical: true,
        integrity_check: 0,
        conditions: DsConditions(DsConditions::OBJECT_CHANGE),
        ..TransferSetOptions::default()
    };
    let ts = rt.start_transfer_set(&mut client, "DS_C", options).unwrap();
    for (i, v) in [1.0f32, 2.0, 3.0].into_iter().enumerate() {
        rt.update(&server, p.v_real, real(v)).unwrap();
        let r = await_report(rt, &mut client, "critical RBE", |r| {
            reading(r, "V_REAL") == Some(&Reading::Value(real(v)))
        });
        assert!(r.critical);
        assert_eq!(r.transfer_set.as_ref(), Some(&ts));
        assert!(rt.acknowledged(&client) > i as u64);
    }
    // Past the acknowledgement timeout: no AckTimeout for this association.
    let end = Instant::now() + ack_timeout * 2;
    while let Some(e) = rt.station_event(&mut server, end.saturating_duration_since(Instant::now()))
    {
        assert!(!matches!(e, StationEvent::AckTimeout { .. }), "{e:?}");
    }
    rt.conclude(client);
    rt.stop(server);
}

/// Select before operate, refusals, direct operate of a set-point, tags.
pub fn device_control<T: Tase2Runtime>(rt: &T) {
    let (st, _) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    let client = rt.connect(rt.addr(&server), setup()).unwrap();
    let brk = PointName::icc("ICC1", "BRK1");
    let denied = Fail::Client(ClientError::Access {
        index: 0,
        error: DataAccessError::ObjectAccessDenied,
    });

    // Operate unselected: refused. Select: CheckBackID; operate: the application hears it.
    assert_eq!(
        rt.operate(&client, &brk, DeviceValue::Command(1)).err(),
        Some(denied.clone())
    );
    assert_eq!(rt.select(&client, &brk), Ok(77));
    assert!(rt.tag(&client, &brk).unwrap().armed_for_execution);
    assert!(rt.select(&client, &brk).is_err(), "select while armed");
    rt.operate(&client, &brk, DeviceValue::Command(1)).unwrap();
    let e = await_event(rt, &mut server, "Operate BRK1", |e| {
        matches!(e, StationEvent::Operate { .. })
    });
    let StationEvent::Operate {
        name,
        value,
        table_id,
        ..
    } = e
    else {
        unreachable!()
    };
    assert_eq!((name.as_str(), value), ("BRK1", DeviceValue::Command(1)));
    assert_eq!(table_id.as_deref(), Some(TABLE_ID));
    assert_eq!(
        rt.operate(&client, &brk, DeviceValue::Command(0)).err(),
        Some(denied.clone())
    );

    // Tag: inhibits selection until cleared.
    rt.set_tag(&client, &brk, TagState::OpenAndCloseInhibit, "work on line")
        .unwrap();
    await_event(rt, &mut server, "TagChanged", |e| {
        matches!(e, StationEvent::TagChanged { .. })
    });
    let tag = rt.tag(&client, &brk).unwrap();
    assert_eq!(tag.tag, TagState::OpenAndCloseInhibit);
    assert_eq!(tag.reason, "work on line");
    assert!(rt.select(&client, &brk).is_err(), "select while tagged");
    rt.set_tag(&client, &brk, TagState::NoTag, "").unwrap();
    assert_eq!(rt.select(&client, &brk), Ok(77));

    // Direct operate of a real set-point; it has no _SBO and no tag right.
    let sp = PointName::icc("ICC1", "SP1");
    rt.operate(&client, &sp, DeviceValue::RealSetPoint(12.5))
        .unwrap();
    let e = await_event(
        rt,
        &mut server,
        "Operate SP1",
        |e| matches!(e, StationEvent::Operate { name, .. } if name == "SP1"),
    );
    assert!(
        matches!(e, StationEvent::Operate { value: DeviceValue::RealSetPoint(v), .. } if v == 12.5)
    );
    assert!(rt.select(&client, &sp).is_err());
    assert!(
        rt.set_tag(&client, &sp, TagState::CloseOnlyInhibit, "x")
            .is_err()
    );
    rt.conclude(client);
    rt.stop(server);
}

/// Information messages both ways: the server's reach a client that enabled them (and
/// only then); the client's reach the station's application.
pub fn messages_both_ways<T: Tase2Runtime>(rt: &T) {
    let (st, _) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    let mut client = rt.connect(rt.addr(&server), setup()).unwrap();
    let header = InfoMessHeader {
        info_reference: 7,
        local_reference: 8,
        message_id: 9,
        size: 0,
    };
    // Not enabled yet: nobody to send to.
    assert_eq!(
        rt.server_message(&server, &Domain::Vcc, header, b"early"),
        Ok(0)
    );
    rt.enable_messages(&client, true).unwrap();
    assert_eq!(
        rt.server_message(&server, &Domain::icc("ICC1"), header, b"switching order 42"),
        Ok(1)
    );
    let m = rt.next_message(&mut client, STEP).expect("message");
    assert_eq!(m.text, b"switching order 42");
    assert_eq!(m.header.message_id, 9);
    assert_eq!(m.domain.as_deref(), Some("ICC1"));

    rt.client_message(&client, true, header, b"ack from control centre B")
        .unwrap();
    let e = await_event(rt, &mut server, "Message", |e| {
        matches!(e, StationEvent::Message { .. })
    });
    let StationEvent::Message {
        header: h, data, ..
    } = e
    else {
        unreachable!()
    };
    assert_eq!(data, b"ack from control centre B");
    assert_eq!(h.size, 25);

    rt.enable_messages(&client, false).unwrap();
    assert_eq!(
        rt.server_message(&server, &Domain::Vcc, header, b"late"),
        Ok(0)
    );
    rt.conclude(client);
    rt.stop(server);
}

/// Client and server roles on one association: the client serves its own station; the
/// server reads the client's points over the association the client opened, while the
/// client's own requests keep working.
pub fn both_roles_on_one_association<T: Tase2Runtime>(rt: &T) {
    let (st, p) = sample_station(rt, STEP);
    let mut server = rt.serve(st);
    rt.update(&server, p.v_real, real(5.5)).unwrap();
    let ours = rt.new_station(StationConfig {
        open: true,
        ..StationConfig::default()
    });
    let c_real = ours
        .add_point(PointConfig {
            domain: Domain::Vcc,
            name: "C_REAL".into(),
            kind: ValueKind::RealQ,
            initial: None,
        })
        .unwrap();
    ours.update(c_real, real(-3.25)).unwrap();
    let mut client = rt
        .connect_serving(rt.addr(&server), setup(), Arc::clone(&ours), None)
        .unwrap();
    let StationEvent::Associated { association, .. } =
        await_event(rt, &mut server, "Associated", |e| {
            matches!(e, StationEvent::Associated { .. })
        })
    else {
        unreachable!()
    };
    let got = rt
        .server_read(
            &server,
            association,
            &[
                (PointName::vmd("C_REAL"), ValueKind::RealQ),
                (PointName::vmd("C_NOTHING"), ValueKind::RealQ),
            ],
        )
        .unwrap();
    assert_eq!(got[0], Ok(real(-3.25)));
    assert!(
        matches!(got[1], Err(ClientError::Access { index: 1, .. })),
        "{got:?}"
    );
    let mine = rt
        .read(&mut client, &[(PointName::vmd("V_REAL"), ValueKind::RealQ)])
        .unwrap();
    assert_eq!(mine[0], Ok(real(5.5)));
    rt.conclude(client);
    rt.stop(server);
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
}
