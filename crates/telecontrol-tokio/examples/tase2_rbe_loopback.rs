//! Report-by-exception throughput over loopback (docs/benchmarks.md, "TASE.2 over
//! loopback"): a `Tase2Server` with 100 000 points in ten server-defined ICC data sets of
//! 10 000, a `Tase2Client` with one RBE transfer set per data set, and rounds in which 1 %
//! of the points (1 000, spread over every data set) change; each round ends when the
//! client has received every changed point. Prints changed points delivered per second,
//! end to end (update → report encoded → TCP → decoded and typed at the client).
//!
//! `cargo run --release -p telecontrol-tokio --example tase2_rbe_loopback [-- ROUNDS]`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::{Duration, Instant};

use telecontrol_tokio::mms::MmsServerConfig;
use telecontrol_tokio::mms::mms_pdu::association::Config;
use telecontrol_tokio::mms::mms_pdu::ber::Oid;
use telecontrol_tokio::tase2::tase2_transfer_sets::client::TransferSetOptions;
use telecontrol_tokio::tase2::tase2_transfer_sets::station::{
    BilateralTableConfig, DataSetConfig, Domain, PeerConfig, PointConfig, StationConfig,
};
use telecontrol_tokio::tase2::tase2_transfer_sets::{
    AccessRights, DataFlags, DataRealQ, DsConditions, Value, ValueKind,
};
use telecontrol_tokio::tase2::{Tase2Client, Tase2ClientConfig, Tase2ClientEvent, Tase2Server};

const POINTS: usize = 100_000;
const SETS: usize = 10;
const CHANGED: usize = POINTS / 100;

fn value(v: f32) -> Value {
    Value::RealQ(DataRealQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let station = Tase2Server::new_station(StationConfig {
        transfer_sets_per_icc: 16,
        max_pdu_size: 32_000,
        ..StationConfig::default()
    });
    let mut ids = Vec::with_capacity(POINTS);
    let setup = Instant::now();
    for i in 0..POINTS {
        let id = station
            .add_point(PointConfig {
                domain: Domain::Vcc,
                name: format!("P{i:06}"),
                kind: ValueKind::RealQ,
                initial: Some(value(0.0)),
            })
            .unwrap();
        ids.push(id);
    }
    station
        .add_bilateral_table(BilateralTableConfig {
            peer: Some(PeerConfig {
                ap_title: vec![1, 3, 9999, 1],
                ae_qualifier: Some(12),
                password: None,
            }),
            icc_domain: "ICC1".into(),
            table_id: "BENCH".into(),
            objects: Vec::new(),
            vcc_default: AccessRights::READ,
            icc_default: AccessRights::READ.union(AccessRights::WRITE),
        })
        .unwrap();
    for s in 0..SETS {
        let members = (s * POINTS / SETS..(s + 1) * POINTS / SETS)
            .map(|i| (Domain::Vcc, format!("P{i:06}")))
            .collect();
        station
            .add_data_set(DataSetConfig {
                domain: Domain::icc("ICC1"),
                name: format!("DS_{s}"),
                members,
            })
            .unwrap();
    }
    let config = MmsServerConfig {
        association: Config {
            max_pdu_size: 32_000,
            ..Config::DEFAULT
        },
        authorize: None,
        ..MmsServerConfig::default()
    };
    let server = Tase2Server::bind("127.0.0.1:0", config, station)
        .await
        .unwrap();
    let mut cc = Tase2ClientConfig::new("ICC1");
    cc.association.local.ap_title = Some(Oid::from_encoded(&[0x2B, 0xCE, 0x0F, 0x01]));
    cc.association.local.ae_qualifier = Some(12);
    cc.association.max_pdu_size = 32_000;
    let mut client = Tase2Client::connect(server.local_addr(), cc).await.unwrap();
    let options = TransferSetOptions {
        rbe: true,
        integrity_check: 0,
        buffer_time: 0,
        conditions: DsConditions(DsConditions::OBJECT_CHANGE),
        ..TransferSetOptions::default()
    };
    for s in 0..SETS {
        client
            .start_transfer_set(&format!("DS_{s}"), options)
            .await
            .unwrap();
    }
    println!(
        "{POINTS} points in {SETS} data sets, {SETS} RBE transfer sets, set up in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let mut delivered = 0usize;
    let mut reports = 0usize;
    let start = Instant::now();
    for round in 0..rounds {
        // 1 % of the points, spread evenly over the data sets, a new value each round.
        let stride = POINTS / CHANGED;
        for k in 0..CHANGED {
            let i = (k * stride + round) % POINTS;
            server.update(ids[i], value(round as f32 + 1.0)).unwrap();
        }
        let mut got = 0usize;
        while got < CHANGED {
            match tokio::time::timeout(Duration::from_secs(30), client.next_event()).await {
                Ok(Some(Tase2ClientEvent::Report(r))) => {
                    reports += 1;
                    got += r.values.len();
                }
                Ok(Some(Tase2ClientEvent::Closed(why))) => panic!("closed: {why:?}"),
                Ok(Some(_)) => {}
                Ok(None) => panic!("the client ended"),
                Err(_) => panic!("round {round}: only {got} of {CHANGED} changes in 30 s"),
            }
        }
        delivered += got;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{rounds} rounds of {CHANGED} changes: {delivered} changed points in {reports} reports, \
         {secs:.2} s: {:.0} changed points/s delivered ({:.1} ms per 1 % round)",
        delivered as f64 / secs,
        secs * 1000.0 / rounds as f64
    );
    let _ = client.conclude(Duration::from_secs(5)).await;
    server.close().await;
}
