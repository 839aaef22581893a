//! The 104 client's standby connection over TLS (IEC 60870-5-104 clause 10.3 with IEC
//! 62351-3) in both runtimes: `connect_standby_tls` completes the handshake and stays in
//! STOPDT (no data, requests refused) until `start_data_transfer`, after which the events
//! queued meanwhile and newer ones arrive; a refused certificate (by the server or by the
//! client) ends a standby connect exactly as it ends a started one: the same
//! `Disconnected` text and the same refusal counted in `tls_stats`. The sibling `tls.rs`
//! covers the started connection's refusals one by one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use iec104_session::shared::{
    ClientConfig, ClientError, ClientEvent, Database, RedundancyGroup, ServerConfig,
};
use station::asdu::{CommonAddress, Ioa, Qds, Quality, Value};
use station::{CommandAnswer, CommandRequest, DataKind, Point};
use telecontrol_tls::pki_types::ServerName;
use telecontrol_tls::test_pki::{self, Ca, Leaf, Validity};
use telecontrol_tls::{TlsConfig, TlsRefusal, TlsStats};

const CA: CommonAddress = CommonAddress(1);
/// A hang guard only: every outcome is decided by what happened.
const LIMIT: Duration = Duration::from_secs(30);
/// How long a standby connection is watched for (absent) data.
const QUIET: Duration = Duration::from_millis(300);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rt {
    Tokio,
    Blocking,
}

/// Started (`connect_tls`) or standby (`connect_standby_tls`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Started,
    Standby,
}

enum AnyServer {
    Tokio(telecontrol_tokio::Server),
    Blocking(telecontrol_blocking::Server),
}

enum AnyClient {
    Tokio(telecontrol_tokio::Client, telecontrol_tokio::ClientEvents),
    Blocking(
        telecontrol_blocking::Client,
        telecontrol_blocking::ClientEvents,
    ),
}

struct Harness {
    rt: tokio::runtime::Runtime,
    kind: Rt,
}

fn accept_all(_: &CommandRequest) -> CommandAnswer {
    CommandAnswer::AcceptAndTerminate
}

/// Measured values at IOA 300..305.
fn database() -> Database {
    let db = Database::new();
    for n in 0..5 {
        db.insert(Point::monitored(CA, Ioa::new(300 + n).unwrap(), float(0.5)));
    }
    db
}

fn float(v: f32) -> Value<'static> {
    Value::MMeNc1(v, Qds::new(Quality::GOOD))
}

impl Harness {
    fn new(kind: Rt) -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        Harness { rt, kind }
    }

    fn server(&self, tls: &TlsConfig) -> AnyServer {
        let local: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let mut config = ServerConfig::new(CA);
        config.end_of_initialisation = None;
        // The client's connections form a redundancy group (the standby's use): the group's
        // buffer holds updates from the start, also those made before the server side of
        // a TLS 1.3 handshake is through (the client is connected once it sent Finished).
        config.groups = vec![RedundancyGroup {
            clients: vec!["127.0.0.1".parse().unwrap()],
        }];
        match self.kind {
            Rt::Tokio => AnyServer::Tokio(
                self.rt
                    .block_on(telecontrol_tokio::Server::bind_tls(
                        local,
                        config,
                        database(),
                        accept_all,
                        tls,
                    ))
                    .unwrap(),
            ),
            Rt::Blocking => AnyServer::Blocking(
                telecontrol_blocking::Server::bind_tls(local, config, database(), accept_all, tls)
                    .unwrap(),
            ),
        }
    }

    fn client(&self, addr: SocketAddr, tls: &TlsConfig, mode: Mode) -> AnyClient {
        let config = ClientConfig {
            reconnect: false,
            ..ClientConfig::default()
        };
        let name = ServerName::try_from("localhost").unwrap();
        match (self.kind, mode) {
            (Rt::Tokio, Mode::Started) => {
                let _guard = self.rt.enter();
                let (c, e) =
                    telecontrol_tokio::Client::connect_tls(addr, config, tls, name).unwrap();
                AnyClient::Tokio(c, e)
            }
            (Rt::Tokio, Mode::Standby) => {
                let _guard = self.rt.enter();
                let (c, e) =
                    telecontrol_tokio::Client::connect_standby_tls(addr, config, tls, name)
                        .unwrap();
                AnyClient::Tokio(c, e)
            }
            (Rt::Blocking, Mode::Started) => {
                let (c, e) =
                    telecontrol_blocking::Client::connect_tls(addr, config, tls, name).unwrap();
                AnyClient::Blocking(c, e)
            }
            (Rt::Blocking, Mode::Standby) => {
                let (c, e) =
                    telecontrol_blocking::Client::connect_standby_tls(addr, config, tls, name)
                        .unwrap();
                AnyClient::Blocking(c, e)
            }
        }
    }

    fn next_event(&self, client: &mut AnyClient, wait: Duration) -> Option<ClientEvent> {
        match client {
            AnyClient::Tokio(_, e) => self
                .rt
                .block_on(async { tokio::time::timeout(wait, e.recv()).await.ok().flatten() }),
            AnyClient::Blocking(_, e) => e.recv_timeout(wait),
        }
    }

    /// The next event that `want` accepts (others are skipped); panics at the hang guard.
    fn wait_for(&self, client: &mut AnyClient, what: &str, want: impl Fn(&ClientEvent) -> bool) {
        let end = Instant::now() + LIMIT;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.next_event(client, left) {
                Some(e) if want(&e) => return,
                Some(_) => {}
                None => panic!("{:?}: no {what}", self.kind),
            }
        }
    }

    fn start_data_transfer(&self, client: &AnyClient) -> Result<(), ClientError> {
        match client {
            AnyClient::Tokio(c, _) => self.rt.block_on(c.start_data_transfer()),
            AnyClient::Blocking(c, _) => c.start_data_transfer(),
        }
    }

    fn interrogate(&self, client: &AnyClient) -> Result<(), ClientError> {
        match client {
            AnyClient::Tokio(c, _) => self.rt.block_on(c.general_interrogation(CA)).map(drop),
            AnyClient::Blocking(c, _) => c.general_interrogation(CA).map(drop),
        }
    }

    fn stats(client: &AnyClient) -> TlsStats {
        match client {
            AnyClient::Tokio(c, _) => c.tls_stats(),
            AnyClient::Blocking(c, _) => c.tls_stats(),
        }
    }

    fn stop(&self, client: AnyClient) {
        match client {
            AnyClient::Tokio(c, _) => self.rt.block_on(c.shutdown()),
            AnyClient::Blocking(c, _) => c.shutdown(),
        }
    }

    fn update(server: &AnyServer, n: u32) {
        let ioa = Ioa::new(300 + n).unwrap();
        match server {
            AnyServer::Tokio(s) => s.update(CA, ioa, float(n as f32)).unwrap(),
            AnyServer::Blocking(s) => s.update(CA, ioa, float(n as f32)).unwrap(),
        }
    }

    fn server_stats(server: &AnyServer) -> TlsStats {
        match server {
            AnyServer::Tokio(s) => s.tls_stats(),
            AnyServer::Blocking(s) => s.tls_stats(),
        }
    }

    fn addr(server: &AnyServer) -> SocketAddr {
        match server {
            AnyServer::Tokio(s) => s.local_addr(),
            AnyServer::Blocking(s) => s.local_addr(),
        }
    }

    fn shutdown(&self, server: AnyServer) {
        match server {
            AnyServer::Tokio(s) => self.rt.block_on(s.shutdown()),
            AnyServer::Blocking(s) => s.shutdown(),
        }
    }

    /// The spontaneous values received until `count` arrived (other events skipped).
    fn spontaneous(&self, client: &mut AnyClient, count: usize) -> Vec<(Ioa, f32)> {
        let mut got = Vec::new();
        let end = Instant::now() + LIMIT;
        while got.len() < count {
            let left = end.saturating_duration_since(Instant::now());
            match self.next_event(client, left) {
                Some(ClientEvent::Asdu(a)) if a.kind == DataKind::Spontaneous => {
                    for o in a.objects() {
                        let Value::MMeNc1(v, _) = o.value else {
                            panic!("{:?}: {o:?}", self.kind);
                        };
                        got.push((o.ioa, v));
                    }
                }
                Some(_) => {}
                None => panic!(
                    "{:?}: {} of {count} spontaneous values",
                    self.kind,
                    got.len()
                ),
            }
        }
        got
    }
}

/// `leaf`'s TLS configuration, trusting `ca`.
fn trusting(leaf: &Leaf, ca: &Ca) -> TlsConfig {
    leaf.tls_config()
        .unwrap()
        .with_ca_pem(ca.pem().as_bytes())
        .unwrap()
}

/// The expected spontaneous values for updates `from..to`.
fn values(from: u32, to: u32) -> Vec<(Ioa, f32)> {
    (from..to)
        .map(|n| (Ioa::new(300 + n).unwrap(), n as f32))
        .collect()
}

/// A standby TLS connection completes its handshake, then receives nothing (the server
/// queues its updates) and refuses requests; STARTDT switches it over: the queued updates
/// arrive in order, then newer ones, and requests work.
fn standby_then_start(kind: Rt) {
    let h = Harness::new(kind);
    let mut ca = Ca::new("standby test CA").unwrap();
    let server_leaf = ca.issue("server", Validity::Valid).unwrap();
    let client_leaf = ca.issue("client", Validity::Valid).unwrap();
    let server = h.server(&trusting(&server_leaf, &ca));
    let mut client = h.client(
        Harness::addr(&server),
        &trusting(&client_leaf, &ca),
        Mode::Standby,
    );
    h.wait_for(&mut client, "Connected", |e| {
        matches!(e, ClientEvent::Connected(_))
    });
    assert_eq!(Harness::stats(&client).full_handshakes, 1, "{kind:?}");
    for n in 0..3 {
        Harness::update(&server, n);
    }
    let end = Instant::now() + QUIET;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if let Some(e) = h.next_event(&mut client, left) {
            panic!("{kind:?}: a standby connection got {e:?}");
        }
    }
    assert_eq!(
        h.interrogate(&client),
        Err(ClientError::NotConnected),
        "{kind:?}"
    );

    assert_eq!(h.start_data_transfer(&client), Ok(()), "{kind:?}");
    h.wait_for(&mut client, "Started", |e| *e == ClientEvent::Started);
    assert_eq!(
        h.spontaneous(&mut client, 3),
        values(0, 3),
        "{kind:?}: queued"
    );
    for n in 3..5 {
        Harness::update(&server, n);
    }
    assert_eq!(
        h.spontaneous(&mut client, 2),
        values(3, 5),
        "{kind:?}: newer"
    );
    assert_eq!(h.interrogate(&client), Ok(()), "{kind:?}");
    let stats = Harness::stats(&client);
    assert_eq!(
        (stats.full_handshakes, stats.refused_total()),
        (1, 0),
        "{stats:?}"
    );
    h.stop(client);
    h.shutdown(server);
}

/// What one refused client saw: its `Disconnected` texts and its TLS counters.
fn refused_outcome(
    h: &Harness,
    addr: SocketAddr,
    tls: &TlsConfig,
    mode: Mode,
) -> (Vec<String>, TlsStats) {
    let mut client = h.client(addr, tls, mode);
    let mut texts = Vec::new();
    let end = Instant::now() + LIMIT;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match h.next_event(&mut client, left) {
            Some(ClientEvent::Disconnected(why)) => {
                texts.push(why);
                break;
            }
            Some(ClientEvent::Started | ClientEvent::Asdu(_)) => {
                panic!("{:?} {mode:?}: a refused client got data", h.kind)
            }
            Some(_) => {}
            None => panic!("{:?} {mode:?}: no Disconnected", h.kind),
        }
    }
    let stats = Harness::stats(&client);
    h.stop(client);
    (texts, stats)
}

/// A certificate refused by the server (a self-signed stranger) and a server certificate
/// refused by the client (another CA): the standby connect fails as the started one does.
fn refused_like_started(kind: Rt) {
    let h = Harness::new(kind);
    let mut ca = Ca::new("standby test CA").unwrap();
    let server_leaf = ca.issue("server", Validity::Valid).unwrap();
    let client_leaf = ca.issue("client", Validity::Valid).unwrap();
    let stranger = test_pki::self_signed("stranger").unwrap();
    let mut other_ca = Ca::new("another CA").unwrap();
    let other_server = other_ca.issue("other server", Validity::Valid).unwrap();

    // The server refuses the client's certificate.
    let server_tls = trusting(&server_leaf, &ca);
    let server = h.server(&server_tls);
    let addr = Harness::addr(&server);
    let tls = trusting(&stranger, &ca);
    let started = refused_outcome(&h, addr, &tls, Mode::Started);
    let standby = refused_outcome(&h, addr, &tls, Mode::Standby);
    assert_eq!(started.1.refused_total(), 1, "{kind:?}: {started:?}");
    assert!(started.0.iter().all(|t| t.contains("TLS")), "{started:?}");
    assert_eq!(standby, started, "{kind:?}: refused by the server");
    let end = Instant::now() + LIMIT;
    while Harness::server_stats(&server).refused(TlsRefusal::UnknownIssuer) < 2 {
        assert!(
            Instant::now() < end,
            "{kind:?}: the server counts both refusals"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    h.shutdown(server);

    // The client refuses the server's certificate.
    let server_tls = trusting(&other_server, &other_ca);
    let server = h.server(&server_tls);
    let addr = Harness::addr(&server);
    let tls = trusting(&client_leaf, &ca);
    let started = refused_outcome(&h, addr, &tls, Mode::Started);
    let standby = refused_outcome(&h, addr, &tls, Mode::Standby);
    assert_eq!(
        started.1.refused(TlsRefusal::UnknownIssuer),
        1,
        "{kind:?}: {started:?}"
    );
    assert_eq!(standby, started, "{kind:?}: refused by the client");
    h.shutdown(server);
}

macro_rules! both {
    ($($name:ident => $body:expr;)*) => {
        mod tokio_runtime {
            use super::*;
            $(#[test] fn $name() { $body(Rt::Tokio) })*
        }
        mod blocking_runtime {
            use super::*;
            $(#[test] fn $name() { $body(Rt::Blocking) })*
        }
    };
}

both! {
    standby_tls_stays_stopped_until_started => standby_then_start;
    standby_tls_refused_like_started => refused_like_started;
}
