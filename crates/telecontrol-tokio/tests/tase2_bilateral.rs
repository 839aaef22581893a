//! A slice of the bilateral-table matrix (crates/tase2-transfer-sets/tests/bilateral_matrix.rs)
//! end to end: the tokio `Tase2Client` against the tokio `Tase2Server` on 127.0.0.1, through
//! real TCP, ACSE and MMS. Unknown peers (another AP-title, the known AP-title with a wrong
//! password or AE-qualifier) are refused at association; a known peer is refused select
//! and operate on a device its table names without the operate right and on one of another
//! table's ICC (object-access-denied), gets object-non-existent for one its table does not
//! name exactly as for an absent one, while the device its table allows operates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;
use std::time::Duration;

use tase2_transfer_sets::client::{ClientError, PointName};
use tase2_transfer_sets::station::{
    BilateralTableConfig, ControlMode, DeviceConfig, Domain, PeerConfig, StationConfig,
    StationEvent, Tase2Station,
};
use tase2_transfer_sets::{AccessRights, DeviceKind, DeviceValue};
use telecontrol_tokio::mms::MmsServerConfig;
use telecontrol_tokio::mms::mms_pdu::association::{Addressing, CloseReason, Config};
use telecontrol_tokio::mms::mms_pdu::ber::Oid;
use telecontrol_tokio::mms::mms_pdu::driver::MmsError;
use telecontrol_tokio::mms::mms_pdu::mms::DataAccessError;
use telecontrol_tokio::tase2::{
    Tase2Client, Tase2ClientConfig, Tase2ClientError, Tase2Server, tase2_transfer_sets,
};

/// AP-title 1.3.9999.1 (encoded), the peer of table `KNOWN_T`.
const PEER_OID: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x01];
/// AP-title 1.3.9999.9: no table names it.
const STRANGER_OID: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x09];
const STEP: Duration = Duration::from_secs(10);

fn station() -> Arc<Tase2Station> {
    let st = Tase2Server::new_station(StationConfig::default());
    for (domain, name) in [
        (Domain::icc("KNOWN"), "BRK_OK"),
        (Domain::icc("KNOWN"), "BRK_NO_OPERATE"),
        (Domain::icc("KNOWN"), "BRK_UNNAMED"),
        (Domain::icc("OTHER"), "BRK_OTHER"),
    ] {
        st.add_device(DeviceConfig {
            domain,
            name: name.into(),
            kind: DeviceKind::Command,
            mode: ControlMode::SelectBeforeOperate {
                select_timeout: Duration::from_secs(30),
            },
            tagged: true,
            check_back_id: 5,
        })
        .unwrap();
    }
    let every = AccessRights::READ
        .union(AccessRights::OPERATE)
        .union(AccessRights::GET_TAG)
        .union(AccessRights::SET_TAG);
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: Some(12),
            password: Some(b"pw".to_vec()),
        }),
        icc_domain: "KNOWN".into(),
        table_id: "KNOWN_T".into(),
        objects: vec![
            (Domain::icc("KNOWN"), "BRK_OK".into(), AccessRights::OPERATE),
            (
                Domain::icc("KNOWN"),
                "BRK_NO_OPERATE".into(),
                AccessRights::GET_TAG.union(AccessRights::SET_TAG),
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
        icc_domain: "OTHER".into(),
        table_id: "OTHER_T".into(),
        objects: vec![(Domain::icc("OTHER"), "BRK_OTHER".into(), every)],
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    st
}

fn client_config(
    ap_title: &'static [u8],
    ae: Option<i64>,
    password: Option<&'static [u8]>,
) -> Tase2ClientConfig {
    let mut association = Config::DEFAULT;
    association.local = Addressing {
        ap_title: Some(Oid::from_encoded(ap_title)),
        ae_qualifier: ae,
        ..Addressing::DEFAULT
    };
    association.password = password;
    association.request_timeout = STEP;
    let mut config = Tase2ClientConfig::new("KNOWN");
    config.association = association;
    config.table_id = Some("KNOWN_T".into());
    config
}

async fn event(server: &mut Tase2Server) -> StationEvent {
    tokio::time::timeout(STEP, server.next_event())
        .await
        .expect("station event in time")
        .expect("server running")
}

#[test]
fn unknown_peers_are_refused_and_known_peers_kept_to_their_table() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let config = MmsServerConfig::default();
        let mut server = Tase2Server::bind("127.0.0.1:0", config, station())
            .await
            .unwrap();
        let addr = server.local_addr();

        // Unknown peers: refused at association, with the station's one diagnostic.
        for (what, oid, ae, pw, title) in [
            (
                "stranger",
                &STRANGER_OID,
                Some(12),
                Some(&b"pw"[..]),
                "1.3.9999.9",
            ),
            (
                "wrong password",
                &PEER_OID,
                Some(12),
                Some(&b"px"[..]),
                "1.3.9999.1",
            ),
            ("no password", &PEER_OID, Some(12), None, "1.3.9999.1"),
            (
                "wrong AE-qualifier",
                &PEER_OID,
                Some(13),
                Some(&b"pw"[..]),
                "1.3.9999.1",
            ),
        ] {
            let got = Tase2Client::connect(addr, client_config(oid, ae, pw)).await;
            match got {
                Err(Tase2ClientError::Mms(MmsError::NotAssociated(CloseReason::Refused(_)))) => {}
                other => panic!("{what}: not refused: {other:?}"),
            }
            match event(&mut server).await {
                StationEvent::AssociationRefused { ap_title, .. } => {
                    assert_eq!(ap_title.as_deref(), Some(title), "{what}");
                }
                other => panic!("{what}: {other:?}"),
            }
        }

        // The known peer: associated under its table.
        let client = Tase2Client::connect(addr, client_config(&PEER_OID, Some(12), Some(b"pw")))
            .await
            .unwrap();
        assert!(matches!(
            event(&mut server).await,
            StationEvent::Associated { table_id: Some(t), .. } if t == "KNOWN_T"
        ));
        let refused = |r: Result<_, Tase2ClientError>, want: DataAccessError| {
            matches!(
                r,
                Err(Tase2ClientError::Client(ClientError::Access { error, .. })) if error == want
            )
        };
        // Named without the operate right: refused (the peer sees the device). Not named
        // by the table: answered as a device that does not exist. Another ICC's: refused
        // before it is looked up.
        for (device, want) in [
            (
                PointName::icc("KNOWN", "BRK_NO_OPERATE"),
                DataAccessError::ObjectAccessDenied,
            ),
            (
                PointName::icc("KNOWN", "BRK_UNNAMED"),
                DataAccessError::ObjectNonExistent,
            ),
            (
                PointName::icc("KNOWN", "BRK_ABSENT"),
                DataAccessError::ObjectNonExistent,
            ),
            (
                PointName::icc("OTHER", "BRK_OTHER"),
                DataAccessError::ObjectAccessDenied,
            ),
        ] {
            let selected = client.select(&device).await;
            assert!(refused(selected.map(|_| ()), want), "select {device:?}");
            let operated = client.operate(&device, DeviceValue::Command(1)).await;
            assert!(refused(operated, want), "operate {device:?}");
        }
        // The device the table allows: selected and operated, the application hears it.
        let ok = PointName::icc("KNOWN", "BRK_OK");
        assert_eq!(client.select(&ok).await.unwrap(), 5);
        client.operate(&ok, DeviceValue::Command(1)).await.unwrap();
        match event(&mut server).await {
            StationEvent::Operate { name, table_id, .. } => {
                assert_eq!(name, "BRK_OK", "no Operate of a denied device came first");
                assert_eq!(table_id.as_deref(), Some("KNOWN_T"));
            }
            other => panic!("{other:?}"),
        }
        client.conclude(STEP).await.unwrap();
        server.close().await;
    });
}
