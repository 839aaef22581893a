//! README example: a TASE.2 server (VCC) with one point, one device and a bilateral table.
use std::time::Duration;
use telecontrol_tokio::mms::MmsServerConfig;
use telecontrol_tokio::tase2::Tase2Server;
use telecontrol_tokio::tase2::tase2_transfer_sets::station::*;
use telecontrol_tokio::tase2::tase2_transfer_sets::{AccessRights, DataFlags, DeviceKind};
use telecontrol_tokio::tase2::tase2_transfer_sets::{DataRealQ, Value, ValueKind};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let station = Tase2Server::new_station(StationConfig::default());
    let kv = station.add_point(PointConfig {
        domain: Domain::Vcc,
        name: "BUS_A_KV".into(),
        kind: ValueKind::RealQ,
        initial: None,
    })?;
    station.add_device(DeviceConfig {
        domain: Domain::Vcc,
        name: "BRK_1".into(),
        kind: DeviceKind::Command,
        tagged: true,
        mode: ControlMode::SelectBeforeOperate {
            select_timeout: Duration::from_secs(30),
        },
        check_back_id: 1,
    })?;
    let all = AccessRights::READ.union(AccessRights::OPERATE);
    station.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: Some(12),
            password: None,
        }),
        icc_domain: "ICC1".into(),
        table_id: "CC_1".into(),
        objects: Vec::new(),
        vcc_default: all,
        icc_default: AccessRights::READ.union(AccessRights::WRITE),
    })?;
    let config = MmsServerConfig::default(); // limits, admission, time-outs: defaults
    let mut server = Tase2Server::bind("127.0.0.1:10102", config, station).await?;
    for i in 0..60u8 {
        let value = Value::RealQ(DataRealQ {
            value: 230.0 + f32::from(i),
            flags: DataFlags::GOOD,
        });
        server.update(kv, value)?; // reported to every transfer set that watches it
        if let Ok(Some(StationEvent::Operate { name, value, .. })) =
            tokio::time::timeout(Duration::from_secs(1), server.next_event()).await
        {
            println!("operate {name} = {value:?}"); // drive the real device here
        }
    }
    server.close().await;
    Ok(())
}
