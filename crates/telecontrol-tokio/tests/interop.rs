//! The shared 104 end-to-end scenarios across runtimes: tokio client against the blocking
//! (mio) server, and blocking client against the tokio server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../telecontrol-blocking/tests/harness/mod.rs"]
mod blocking;
#[path = "../../testkit/src/e2e_104.rs"]
mod e2e_104;
mod harness;

use blocking::Blocking;
use harness::Tokio;

#[test]
fn tokio_client_blocking_server() {
    let t = Tokio::new();
    e2e_104::all(&Blocking, &t);
    t.assert_all_tasks_ended();
}

#[test]
fn blocking_client_tokio_server() {
    let t = Tokio::new();
    e2e_104::all(&t, &Blocking);
    t.assert_all_tasks_ended();
}
