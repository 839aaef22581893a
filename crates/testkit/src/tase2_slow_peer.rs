//! What the `tase2_slow_peer` tests of both adapters share: a station of [`POINTS`] real
//! points in `ICC1` readable by table `T1`, the client configuration of that table's peer,
//! and values.
//!
//! Not a module of the testkit library (it needs the adapters' TASE.2 crates): each adapter's
//! `tests/tase2_slow_peer.rs` includes it with
//! `#[path = "../../testkit/src/tase2_slow_peer.rs"] mod common;`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    missing_docs
)]

use std::sync::Arc;

use mms_pdu::association::{Addressing, Config};
use mms_pdu::ber::Oid;
use tase2_transfer_sets::client::{Reading, Tase2ClientConfig, Tase2Report};
use tase2_transfer_sets::objects::Tase2Version;
use tase2_transfer_sets::station::{
    BilateralTableConfig, Domain, PeerConfig, PointConfig, PointId, StationConfig, Tase2Station,
};
use tase2_transfer_sets::{AccessRights, DataFlags, DataRealQ, Value, ValueKind};

/// How many update rounds the tests run ahead of what the reading client has seen: the
/// station then never queues more than about `LAG` reports (≈ 3 KB each) for the reading
/// client, however slowly a loaded machine schedules it, so only the frozen client stalls.
pub const LAG: u32 = 16;

/// Points in the data sets: a report of all of them is about 3 KB.
pub const POINTS: usize = 250;

/// The name of point `i`.
pub fn point(i: usize) -> String {
    format!("P{i}")
}

/// The station (made by the adapter's `Tase2Server::new_station`) and its points.
pub fn station(
    new_station: fn(StationConfig) -> Arc<Tase2Station>,
) -> (Arc<Tase2Station>, Vec<PointId>) {
    let st = new_station(StationConfig::default());
    let icc = Domain::icc("ICC1");
    let points = (0..POINTS)
        .map(|i| {
            st.add_point(PointConfig {
                domain: icc.clone(),
                name: point(i),
                kind: ValueKind::RealQ,
                initial: None,
            })
            .unwrap()
        })
        .collect();
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: Some(12),
            password: None,
        }),
        icc_domain: "ICC1".into(),
        table_id: "T1".into(),
        objects: (0..POINTS)
            .map(|i| (icc.clone(), point(i), AccessRights::READ))
            .collect(),
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    (st, points)
}

/// The client of table `T1` (AP-title 1.3.9999.1, AE-qualifier 12).
pub fn client_config() -> Tase2ClientConfig {
    let mut association = Config::DEFAULT;
    association.local = Addressing {
        ap_title: Some(Oid::from_encoded(&[0x2B, 0xCE, 0x0F, 0x01])),
        ae_qualifier: Some(12),
        ..Addressing::DEFAULT
    };
    Tase2ClientConfig {
        association,
        icc_domain: "ICC1".into(),
        table_id: Some("T1".into()),
        versions: vec![Tase2Version::EDITION_2000_08],
        blocks: vec![1],
    }
}

/// A good real value.
pub fn real(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

/// The update round a report of the reading client shows: the highest value in it (the
/// tests write round `n` as the value `n` of every point), 0 when it has none.
pub fn round(report: &Tase2Report) -> u32 {
    report
        .values
        .iter()
        .filter_map(|(_, r)| match r {
            Reading::Value(Value::RealQ(v)) if v.value >= 0.0 => Some(v.value as u32),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}
