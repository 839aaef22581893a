//! The gateway with an IEC 60870-5-101 outstation (101 over TCP, as through a terminal
//! server): its point published in TASE.2, and a TASE.2 operate carried out as a 101 command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mms_pdu::ber::Oid;
use std::path::Path;
use std::time::Duration;
use tase2_transfer_sets::client::PointName;
use tase2_transfer_sets::{DeviceValue, State, ValueKind};
use telecontrol::gateway::config::parse;
use telecontrol::gateway::run::{Gateway, GatewayEvent};
use telecontrol_tokio::asdu::{CommonAddress, Ioa, Quality, Siq, Value};
use telecontrol_tokio::iec101::{LineConfig, Role, Slave};
use telecontrol_tokio::tase2::{Tase2Client, Tase2ClientConfig};
use telecontrol_tokio::{CommandAnswer, CommandMode, CommandRequest, Database, Point};

const CA: CommonAddress = CommonAddress(1);

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within 30 s"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_101_outstation_behind_the_gateway() {
    // The outstation: slave at link address 3, a breaker position and its command.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rtu_addr = listener.local_addr().unwrap();
    let (cmd_tx, mut commands) = tokio::sync::mpsc::unbounded_channel();
    let slave = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let db = Database::new();
        let pos = Ioa::new(100).unwrap();
        db.insert(Point::monitored(
            CA,
            pos,
            Value::MSpNa1(Siq::new(false, Quality::GOOD)),
        ));
        db.insert(Point::controllable(
            CA,
            Ioa::new(1100).unwrap(),
            CommandMode::Any,
        ));
        let handler = move |r: &CommandRequest| {
            let _ = cmd_tx.send(r.value);
            CommandAnswer::AcceptAndTerminate
        };
        let config = LineConfig::new(Role::Slave { address: 3 });
        Slave::over(stream, &config, db, handler, false).unwrap()
    });

    let text = format!(
        r#"
[tase2]
bind = "127.0.0.1:0"

[[tase2.peer]]
ap_title = "1.3.9999.1"
ae_qualifier = 12
icc = "ICC1"
table_id = "CC_1"
operate = true

[[rtu]]
name = "RTU2"
protocol = "101"
tcp = "{rtu_addr}"
link_address = 3
ca = 1

[[rtu.point]]
ioa = 100
name = "RTU2_BRK_POS"
kind = "state"

[[rtu.device]]
ioa = 1100
name = "RTU2_BRK"
command = "single"
sbo = false
rtu_select = true
"#
    );
    let config = parse(Path::new("gw101.toml"), &text).unwrap();
    let mut gw = Gateway::start(config).await.unwrap();
    let (slave, _slave_events) = within("101 connection", slave).await.unwrap();
    within("101 link up", async {
        while let Some(e) = gw.next_event().await {
            if e == GatewayEvent::RtuUp("RTU2".into()) {
                return;
            }
        }
        panic!("the gateway stopped");
    })
    .await;

    let mut cc_config = Tase2ClientConfig::new("ICC1");
    cc_config.association.local.ap_title = Some(Oid::from_encoded(&[0x2B, 0xCE, 0x0F, 0x01]));
    cc_config.association.local.ae_qualifier = Some(12);
    let mut cc = within(
        "association",
        Tase2Client::connect(gw.local_addr(), cc_config),
    )
    .await
    .unwrap();
    let point = PointName::vmd("RTU2_BRK_POS");
    let state = |v: tase2_transfer_sets::Value| v.flags().map(|f| f.state());
    // The interrogation brings the position (OFF → TRIPPED).
    within("the position after the interrogation", async {
        loop {
            let v = cc
                .read_value(&point, ValueKind::StateQTimeTagExtended)
                .await
                .unwrap();
            if state(v) == Some(State::Tripped) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;

    // Operate: a 101 select + execute reaches the slave.
    cc.operate(&PointName::vmd("RTU2_BRK"), DeviceValue::Command(1))
        .await
        .unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        got.push(within("the 101 command", commands.recv()).await.unwrap());
    }
    assert!(
        got.iter()
            .all(|v| matches!(v, Value::CScNa1(s) if s.state())),
        "select then execute of ON: {got:?}"
    );
    within("the command's completion", async {
        while let Some(e) = gw.next_event().await {
            if let GatewayEvent::CommandDone { device, result } = e {
                assert_eq!(device, "RTU2_BRK");
                assert_eq!(result, Ok(()));
                return;
            }
        }
        panic!("the gateway stopped");
    })
    .await;

    // The breaker closes at the outstation: the change reaches TASE.2.
    slave
        .update(
            CA,
            Ioa::new(100).unwrap(),
            Value::MSpNa1(Siq::new(true, Quality::GOOD)),
        )
        .unwrap();
    within("the closed position", async {
        loop {
            let v = cc
                .read_value(&point, ValueKind::StateQTimeTagExtended)
                .await
                .unwrap();
            if state(v) == Some(State::Closed) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let _ = cc.conclude(Duration::from_secs(5)).await;
    gw.stop().await;
    slave.shutdown().await;
}
