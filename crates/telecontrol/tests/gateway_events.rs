//! The gateway's event stream is bounded: an application that stops reading its events
//! loses only those (counted in `GatewayStats::events_dropped`), while the RTU's values keep
//! flowing into the TASE.2 station.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_precision_loss
)]

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;
use telecontrol::gateway::config::parse;
use telecontrol::gateway::run::{GATEWAY_EVENTS, Gateway, GatewayEvent};
use telecontrol_tokio::asdu::{CommonAddress, Ioa, Qds, Quality, Value};
use telecontrol_tokio::{
    CommandAnswer, CommandRequest, Database, Point, Server, ServerConfig, UpdateError,
};

const CA: CommonAddress = CommonAddress(1);

fn value(v: u32) -> Value<'static> {
    Value::MMeNc1(v as f32, Qds::new(Quality::GOOD))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_that_stops_reading_only_misses_events() {
    let ioa = Ioa::new(100).unwrap();
    let db = Database::new();
    db.insert(Point::monitored(CA, ioa, value(0)));
    let handler = |_: &CommandRequest| CommandAnswer::AcceptAndTerminate;
    let addr = "127.0.0.1:0".parse().unwrap();
    let rtu = Server::bind(addr, ServerConfig::new(CA), db, handler)
        .await
        .unwrap();
    let text = format!(
        "[tase2]\nbind = \"127.0.0.1:0\"\n\n[[rtu]]\nname = \"RTU1\"\naddress = \"{}\"\n\n\
         [[rtu.point]]\nioa = 100\nname = \"RTU1_MW\"\nkind = \"real\"\n",
        rtu.local_addr()
    );
    let config = parse(Path::new("gw-events.toml"), &text).unwrap();
    let mut gw = Gateway::start(config).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(e) = gw.next_event().await {
            if e == GatewayEvent::RtuUp("RTU1".into()) {
                return;
            }
        }
    })
    .await
    .expect("RTU link up");

    // Stop reading; the RTU sends more changes than the gateway holds events for.
    let n = u32::try_from(GATEWAY_EVENTS).unwrap() + 2000;
    for v in 1..=n {
        loop {
            match rtu.update(CA, ioa, value(v)) {
                Ok(()) => break,
                Err(UpdateError::Station(_)) => tokio::time::sleep(Duration::from_millis(1)).await,
                Err(e) => panic!("{e}"),
            }
        }
    }
    let stats = std::sync::Arc::clone(gw.stats());
    tokio::time::timeout(Duration::from_secs(60), async {
        while stats.updates.load(Ordering::Relaxed) < u64::from(n) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("every change reached the station");
    let dropped = stats.events_dropped.load(Ordering::Relaxed);
    assert!(dropped >= 2000, "{dropped} dropped");

    // What is held is there at once, and the stream goes on afterwards.
    let mut held = 0;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(200), gw.next_event()).await
    {
        held += 1;
    }
    assert!(
        (GATEWAY_EVENTS..GATEWAY_EVENTS + 10).contains(&held),
        "{held}"
    );
    rtu.update(CA, ioa, value(n + 1)).unwrap();
    let next = tokio::time::timeout(Duration::from_secs(30), gw.next_event())
        .await
        .expect("events flow again");
    assert!(matches!(next, Some(GatewayEvent::Point { .. })), "{next:?}");
    gw.stop().await;
    rtu.shutdown().await;
}
