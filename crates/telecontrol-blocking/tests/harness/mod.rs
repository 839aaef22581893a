//! The blocking (mio) runtime behind the shared scenarios' traits.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::net::SocketAddr;
use std::time::Duration;

use iec104_session::shared::{
    ClientConfig, ClientError, ClientEvent, Database, Request, ServerConfig, UpdateError,
};
use station::asdu::{CommonAddress, Ioa, Value};
use station::{Completion, RequestResult};
use telecontrol_blocking::{Client, ClientEvents, Server};

use crate::e2e_104::{ClientRuntime, DataTransferRuntime, Recorder, STEP, ServerRuntime, Updater};

/// Threads and mio: no runtime object needed.
pub struct Blocking;

impl ServerRuntime for Blocking {
    type Server = Server;

    fn start(
        &self,
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: Recorder,
    ) -> std::io::Result<Server> {
        Server::bind(addr, config, db, handler)
    }

    fn addr(&self, server: &Server) -> SocketAddr {
        server.local_addr()
    }

    fn update(
        &self,
        server: &Server,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> Result<(), UpdateError> {
        server.update(ca, ioa, value)
    }

    fn connections(&self, server: &Server) -> usize {
        server.connection_count()
    }

    fn updater(&self, server: &Server) -> Updater {
        let h = server.handle();
        std::sync::Arc::new(move |ca, ioa, v| h.update(ca, ioa, v))
    }

    fn stop(&self, server: Server) {
        server.shutdown();
    }
}

impl ClientRuntime for Blocking {
    type Client = (Client, ClientEvents);

    fn start(&self, addr: SocketAddr, config: ClientConfig) -> Self::Client {
        Client::connect(addr, config).unwrap()
    }

    fn next_event(&self, client: &mut Self::Client, timeout: Duration) -> Option<ClientEvent> {
        client.1.recv_timeout(timeout)
    }

    fn request(
        &self,
        client: &Self::Client,
        request: Request,
        completion: Completion,
    ) -> Result<RequestResult, ClientError> {
        client.0.request_timeout(request, completion, STEP)
    }

    fn stop(&self, client: Self::Client) {
        client.0.shutdown();
    }
}

impl DataTransferRuntime for Blocking {
    fn start_standby(&self, addr: SocketAddr, config: ClientConfig) -> Self::Client {
        Client::connect_standby(addr, config).unwrap()
    }

    /// Bounded by the client itself: t1 supervises the act, a lost connection answers.
    fn data_transfer(&self, client: &Self::Client, start: bool) -> Result<(), ClientError> {
        if start {
            client.0.start_data_transfer()
        } else {
            client.0.stop_data_transfer()
        }
    }
}
