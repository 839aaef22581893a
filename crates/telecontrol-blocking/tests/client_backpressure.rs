//! A client whose application stops reading its events holds a bounded number of them and
//! loses none (`testkit/src/client_backpressure.rs`), on the blocking adapter.
#![allow(clippy::unwrap_used)]

use telecontrol_blocking::{
    Client, ClientConfig, CommandAnswer, CommandRequest, Database, Point, Server, ServerConfig,
};

#[path = "../../testkit/src/client_backpressure.rs"]
mod common;
use common::{CA, HELD, ioa, value};

#[test]
fn a_client_that_stops_reading_holds_a_bounded_number_of_events() {
    let db = Database::new();
    db.insert(Point::monitored(CA, ioa(), value(0)));
    let handler = |_: &CommandRequest| CommandAnswer::AcceptAndTerminate;
    let addr = "127.0.0.1:0".parse().unwrap();
    let server = Server::bind(addr, ServerConfig::new(CA), db, handler).unwrap();
    let config = ClientConfig {
        events: HELD,
        ..ClientConfig::default()
    };
    let (client, events) = Client::connect(server.local_addr(), config).unwrap();
    common::run(&mut |v| server.update(CA, ioa(), v), &mut |d| {
        events.recv_timeout(d)
    });
    client.shutdown();
    server.shutdown();
}
