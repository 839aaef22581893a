//! A client whose application stops reading its events holds a bounded number of them and
//! loses none (`testkit/src/client_backpressure.rs`), on tokio.
#![allow(clippy::unwrap_used)]

use telecontrol_tokio::{
    Client, ClientConfig, CommandAnswer, CommandRequest, Database, Point, Server, ServerConfig,
};

#[path = "../../testkit/src/client_backpressure.rs"]
mod common;
use common::{CA, HELD, ioa, value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_holds_a_bounded_number_of_events() {
    let db = Database::new();
    db.insert(Point::monitored(CA, ioa(), value(0)));
    let handler = |_: &CommandRequest| CommandAnswer::AcceptAndTerminate;
    let addr = "127.0.0.1:0".parse().unwrap();
    let server = Server::bind(addr, ServerConfig::new(CA), db, handler)
        .await
        .unwrap();
    let config = ClientConfig {
        events: HELD,
        ..ClientConfig::default()
    };
    let (client, mut events) = Client::connect(server.local_addr(), config);
    let rt = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        common::run(&mut |v| server.update(CA, ioa(), v), &mut |d| {
            rt.block_on(async { tokio::time::timeout(d, events.recv()).await.ok()? })
        });
    });
    client.shutdown().await;
    server.shutdown().await;
}
