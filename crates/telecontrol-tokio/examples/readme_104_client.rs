//! README example: a 104 client (controlling station): interrogation, a command, values.
use telecontrol_tokio::asdu::{CommonAddress, Ioa, Qu, Sco, Value};
use telecontrol_tokio::{Client, ClientConfig, ClientEvent, ExecuteMode};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ca = CommonAddress(1);
    let (client, mut events) = Client::connect("127.0.0.1:2404".parse()?, ClientConfig::default());
    while events.recv().await != Some(ClientEvent::Started) {} // reconnects by itself
    client.general_interrogation(ca).await?;
    // Close the breaker: select, then execute, complete at ACTTERM.
    let close = Value::CScNa1(Sco::new(true, Qu::NONE, false));
    let done = client
        .command(
            ca,
            Ioa::new(1100).ok_or("ioa")?,
            close,
            ExecuteMode::SelectThenExecute,
        )
        .await?;
    println!("command: {:?}", done.outcome);
    while let Some(ClientEvent::Asdu(asdu)) = events.recv().await {
        for object in asdu.objects() {
            println!("{:?} {} = {}", asdu.kind, object.ioa, object.value);
        }
    }
    client.shutdown().await;
    Ok(())
}
