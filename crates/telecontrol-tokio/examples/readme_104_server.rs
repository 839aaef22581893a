//! README example: a 104 server (controlled station) with a measurement and a breaker.
use std::time::Duration;
use telecontrol_tokio::asdu::{CommonAddress, Ioa, Qds, Quality, Value};
use telecontrol_tokio::{
    CommandAnswer, CommandMode, CommandRequest, Database, Point, Server, ServerConfig,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ca = CommonAddress(1);
    let (kv, breaker) = (Ioa::new(700).ok_or("ioa")?, Ioa::new(1100).ok_or("ioa")?);
    let db = Database::new();
    db.insert(Point::monitored(
        ca,
        kv,
        Value::MMeNc1(230.0, Qds::new(Quality::GOOD)),
    ));
    db.insert(Point::controllable(
        ca,
        breaker,
        CommandMode::SelectBeforeOperate,
    ));
    // Accept every command (a real station would drive its outputs here).
    let handler = |req: &CommandRequest| {
        println!("command {:?} on {}", req.value, req.ioa);
        CommandAnswer::AcceptAndTerminate
    };
    let server = Server::bind(
        "127.0.0.1:2404".parse()?,
        ServerConfig::new(ca),
        db,
        handler,
    )
    .await?;
    for i in 0..10u8 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let v = Value::MMeNc1(230.0 + f32::from(i), Qds::new(Quality::GOOD));
        server.update(ca, kv, v)?; // a spontaneous event to every connected client
    }
    server.shutdown().await;
    Ok(())
}
