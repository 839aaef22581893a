//! The tokio runtime behind the shared scenarios' traits.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::net::SocketAddr;
use std::time::Duration;

use iec104_session::shared::{
    ClientConfig, ClientError, ClientEvent, Database, Request, ServerConfig, UpdateError,
};
use station::asdu::{CommonAddress, Ioa, Value};
use station::{Completion, RequestResult};
use telecontrol_tokio::{Client, ClientEvents, Server};

use crate::e2e_104::{ClientRuntime, DataTransferRuntime, Recorder, STEP, ServerRuntime, Updater};

/// Runs every call on one multi-thread runtime.
pub struct Tokio {
    pub rt: tokio::runtime::Runtime,
}

impl Tokio {
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        Tokio { rt }
    }
}

impl Tokio {
    /// After a scenario stopped everything it started: every task of the runtime has ended
    /// (graceful shutdown leaves nothing behind).
    pub fn assert_all_tasks_ended(&self) {
        let end = std::time::Instant::now() + STEP;
        loop {
            let alive = self.rt.metrics().num_alive_tasks();
            if alive == 0 {
                return;
            }
            assert!(std::time::Instant::now() < end, "{alive} tasks still alive");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl ServerRuntime for Tokio {
    type Server = Server;

    fn start(
        &self,
        addr: SocketAddr,
        config: ServerConfig,
        db: Database,
        handler: Recorder,
    ) -> std::io::Result<Server> {
        self.rt.block_on(Server::bind(addr, config, db, handler))
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
        self.rt
            .block_on(async { tokio::time::timeout(STEP, server.shutdown()).await })
            .expect("server shutdown within STEP");
    }
}

impl ClientRuntime for Tokio {
    type Client = (Client, ClientEvents);

    fn start(&self, addr: SocketAddr, config: ClientConfig) -> Self::Client {
        let _guard = self.rt.enter();
        Client::connect(addr, config)
    }

    fn next_event(&self, client: &mut Self::Client, timeout: Duration) -> Option<ClientEvent> {
        self.rt
            .block_on(async { tokio::time::timeout(timeout, client.1.recv()).await })
            .ok()
            .flatten()
    }

    fn request(
        &self,
        client: &Self::Client,
        request: Request,
        completion: Completion,
    ) -> Result<RequestResult, ClientError> {
        self.rt
            .block_on(async {
                tokio::time::timeout(STEP, client.0.request(request, completion)).await
            })
            .unwrap_or(Err(ClientError::TimedOut))
    }

    fn stop(&self, client: Self::Client) {
        self.rt
            .block_on(async { tokio::time::timeout(STEP, client.0.shutdown()).await })
            .expect("client shutdown within STEP");
    }
}

impl DataTransferRuntime for Tokio {
    fn start_standby(&self, addr: SocketAddr, config: ClientConfig) -> Self::Client {
        let _guard = self.rt.enter();
        Client::connect_standby(addr, config)
    }

    fn data_transfer(&self, client: &Self::Client, start: bool) -> Result<(), ClientError> {
        self.rt.block_on(async {
            let c = &client.0;
            let r = if start {
                tokio::time::timeout(STEP, c.start_data_transfer()).await
            } else {
                tokio::time::timeout(STEP, c.stop_data_transfer()).await
            };
            r.unwrap_or(Err(ClientError::TimedOut))
        })
    }
}
