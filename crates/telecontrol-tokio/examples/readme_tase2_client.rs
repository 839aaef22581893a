//! README example: a TASE.2 client: associate and check, a data set, report by exception,
//! select-before-operate.
use telecontrol_tokio::mms::mms_pdu::ber::Oid;
use telecontrol_tokio::tase2::tase2_transfer_sets::client::{PointName, TransferSetOptions};
use telecontrol_tokio::tase2::tase2_transfer_sets::{DeviceValue, ValueKind};
use telecontrol_tokio::tase2::{Tase2Client, Tase2ClientConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = Tase2ClientConfig::new("ICC1"); // our ICC domain at the server
    config.association.local.ap_title = Some(Oid::from_encoded(&[0x2B, 0xCE, 0x0F, 0x01])); // 1.3.9999.1
    config.association.local.ae_qualifier = Some(12);
    config.table_id = Some("CC_1".into());
    // Associates, then reads TASE2_Version, Supported_Features and Bilateral_Table_ID.
    let mut client = Tase2Client::connect("127.0.0.1:10102", config).await?;
    let points = [(PointName::vmd("BUS_A_KV"), ValueKind::RealQ)];
    client.define_data_set("DS_1", &points).await?;
    let options = TransferSetOptions {
        rbe: true,
        ..TransferSetOptions::default()
    };
    client.start_transfer_set("DS_1", options).await?;
    let breaker = PointName::vmd("BRK_1");
    let check_back = client.select(&breaker).await?; // arms BRK_1_SBO
    client.operate(&breaker, DeviceValue::Command(1)).await?;
    println!("operated BRK_1 (CheckBackID {check_back})");
    for _ in 0..10 {
        let Some(report) = client.next_report().await else {
            break;
        };
        for (point, reading) in &report.values {
            println!("{point}: {reading:?}"); // critical reports are acknowledged already
        }
    }
    client.conclude(std::time::Duration::from_secs(5)).await?;
    Ok(())
}
