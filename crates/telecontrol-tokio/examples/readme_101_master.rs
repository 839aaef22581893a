//! README example: an unbalanced 101 master polling three slaves on a serial line.
use std::time::Duration;
use telecontrol_tokio::Request;
use telecontrol_tokio::asdu::{CommonAddress, Qoi};
use telecontrol_tokio::iec101::{LineConfig, LineEvent, Master, Role, SerialSettings};
use telecontrol_tokio::iec101::{open_serial, serial_config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/dev/ttyUSB0".into());
    let settings = SerialSettings::default(); // 9600 baud, 8E1
    let port = open_serial(&path, &settings)?;
    let config = serial_config(
        LineConfig::new(Role::Master {
            slaves: vec![1, 2, 3],
        }),
        &settings,
    );
    let (master, mut events) = Master::over(port, &config, settings.echo)?;
    let gi = Request::Interrogation {
        ca: CommonAddress(1),
        qoi: Qoi::STATION,
    };
    while let Some(event) = events.recv().await {
        match event {
            LineEvent::LinkUp(slave) => {
                let result = master.request(slave, gi, Duration::from_secs(10)).await?;
                println!("slave {slave}: interrogation {:?}", result.outcome);
            }
            LineEvent::Asdu(slave, asdu) => {
                for object in asdu.objects() {
                    println!("slave {slave}: {} = {}", object.ioa, object.value);
                }
            }
            _ => {}
        }
    }
    master.shutdown().await;
    Ok(())
}
