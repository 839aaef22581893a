//! 104 over TLS (IEC 62351-3) in both runtimes, with certificates, keys and a CRL made at
//! run time (rcgen): a valid peer interrogates; sessions resume after a reconnect (TLS 1.3
//! and 1.2); an unknown, expired, revoked, wrong-CA or not-allowed certificate, none at all,
//! plain TCP and a silent peer are refused, each with its reason counted by the server.
//! Every scenario runs with the tokio server and client and with the blocking (mio) server
//! and client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    missing_docs
)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use iec104_session::shared::{Backoff, ClientConfig, ClientEvent, Database, ServerConfig};
use station::asdu::{CommonAddress, Ioa, Quality, Siq, Value};
use station::{CommandAnswer, CommandRequest, DataKind, Point};
use telecontrol_tls::pki_types::pem::PemObject;
use telecontrol_tls::pki_types::{CertificateDer, ServerName};
use telecontrol_tls::test_pki::{self, Ca, Leaf, Validity};
use telecontrol_tls::{TlsConfig, TlsRefusal, TlsStats, TlsVersions};

const CA: CommonAddress = CommonAddress(1);
const POINTS: u32 = 5;
/// Longest wait for anything in these tests.
const LIMIT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rt {
    Tokio,
    Blocking,
}

/// The test PKI: a CA with a server certificate, a good client, an expired and a revoked
/// client, a second good client (not on allow-lists), a CRL revoking the revoked one; a
/// second CA with a client and a server certificate; a self-signed stranger.
struct Pki {
    ca: Ca,
    crl: String,
    server: Leaf,
    client: Leaf,
    client2: Leaf,
    expired: Leaf,
    revoked: Leaf,
    other_ca: Ca,
    other_client: Leaf,
    other_server: Leaf,
    stranger: Leaf,
}

impl Pki {
    fn new() -> Pki {
        let mut ca = Ca::new("telecontrol test CA").unwrap();
        let server = ca.issue("server", Validity::Valid).unwrap();
        let client = ca.issue("client", Validity::Valid).unwrap();
        let client2 = ca.issue("client 2", Validity::Valid).unwrap();
        let expired = ca.issue("expired client", Validity::Expired).unwrap();
        let revoked = ca.issue("revoked client", Validity::Valid).unwrap();
        let crl = ca.crl(&[&revoked]).unwrap();
        let mut other_ca = Ca::new("another CA").unwrap();
        let other_client = other_ca.issue("other client", Validity::Valid).unwrap();
        let other_server = other_ca.issue("other server", Validity::Valid).unwrap();
        let stranger = test_pki::self_signed("stranger").unwrap();
        Pki {
            ca,
            crl,
            server,
            client,
            client2,
            expired,
            revoked,
            other_ca,
            other_client,
            other_server,
            stranger,
        }
    }

    /// `leaf`'s key and certificate, trusting `ca`, with this CA's CRL.
    fn config(&self, leaf: &Leaf, ca: &Ca) -> TlsConfig {
        leaf.tls_config()
            .unwrap()
            .with_ca_pem(ca.pem().as_bytes())
            .unwrap()
            .with_crl_pem(self.crl.as_bytes())
            .unwrap()
    }

    fn server_config(&self) -> TlsConfig {
        self.config(&self.server, &self.ca)
    }

    fn client_config(&self, leaf: &Leaf) -> TlsConfig {
        // The client of the other CA trusts the server (so that the server, not the client,
        // is the one to refuse).
        if std::ptr::eq(leaf, &self.other_client) {
            return leaf
                .tls_config()
                .unwrap()
                .with_ca_pem(self.other_ca.pem().as_bytes())
                .unwrap()
                .with_ca_pem(self.ca.pem().as_bytes())
                .unwrap();
        }
        self.config(leaf, &self.ca)
    }
}

fn database() -> Database {
    let db = Database::new();
    for i in 0..POINTS {
        let v = Value::MSpNa1(Siq::new(i % 2 == 0, Quality::GOOD));
        db.insert(Point::monitored(CA, Ioa::new(100 + i).unwrap(), v));
    }
    db
}

fn accept_all(_: &CommandRequest) -> CommandAnswer {
    CommandAnswer::AcceptAndTerminate
}

enum AnyServer {
    Tokio(telecontrol_tokio::Server),
    Blocking(telecontrol_blocking::Server),
}

impl AnyServer {
    fn addr(&self) -> SocketAddr {
        match self {
            AnyServer::Tokio(s) => s.local_addr(),
            AnyServer::Blocking(s) => s.local_addr(),
        }
    }

    fn stats(&self) -> TlsStats {
        match self {
            AnyServer::Tokio(s) => s.tls_stats(),
            AnyServer::Blocking(s) => s.tls_stats(),
        }
    }

    fn connections(&self) -> usize {
        match self {
            AnyServer::Tokio(s) => s.connection_count(),
            AnyServer::Blocking(s) => s.connection_count(),
        }
    }
}

/// What a client saw.
#[derive(Debug, Default)]
struct Outcome {
    /// Data transfer started this many times.
    started: usize,
    /// Objects received in interrogation answers.
    objects: usize,
    /// The texts of `Disconnected` events.
    disconnected: Vec<String>,
    stats: TlsStats,
}

struct Harness {
    rt: tokio::runtime::Runtime,
}

impl Harness {
    fn new() -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        Harness { rt }
    }

    fn server(&self, rt: Rt, tls: &TlsConfig) -> AnyServer {
        let local: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let config = ServerConfig::new(CA);
        match rt {
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

    fn shutdown(&self, server: AnyServer) {
        match server {
            AnyServer::Tokio(s) => self.rt.block_on(s.shutdown()),
            AnyServer::Blocking(s) => s.shutdown(),
        }
    }

    /// Run a client of `addr` (TLS with `tls` unless `None`): it interrogates after each
    /// start; after the first start `between` runs (e.g. cutting the connection); it stops
    /// after `starts` starts or at its first disconnect if `starts` is 1.
    fn client(
        &self,
        rt: Rt,
        addr: SocketAddr,
        tls: Option<&TlsConfig>,
        starts: usize,
        between: &dyn Fn(),
    ) -> Outcome {
        let config = ClientConfig {
            reconnect: starts > 1,
            backoff: Backoff::new(Duration::from_millis(20), Duration::from_millis(100)),
            ..ClientConfig::default()
        };
        let name = ServerName::try_from("localhost").unwrap();
        match rt {
            Rt::Tokio => self.rt.block_on(async {
                let (client, mut events) = match tls {
                    Some(t) => {
                        telecontrol_tokio::Client::connect_tls(addr, config, t, name).unwrap()
                    }
                    None => telecontrol_tokio::Client::connect(addr, config),
                };
                let mut out = Outcome::default();
                let end = Instant::now() + LIMIT;
                while out.started < starts {
                    let left = end.saturating_duration_since(Instant::now());
                    let Ok(Some(e)) = tokio::time::timeout(left, events.recv()).await else {
                        break;
                    };
                    match e {
                        ClientEvent::Started => {
                            out.started += 1;
                            client.general_interrogation(CA).await.unwrap();
                            if out.started < starts {
                                between();
                            }
                        }
                        ClientEvent::Disconnected(why) => {
                            out.disconnected.push(why);
                            if starts == 1 {
                                break;
                            }
                        }
                        ClientEvent::Asdu(a) if matches!(a.kind, DataKind::Interrogated(_)) => {
                            out.objects += a.objects().len();
                        }
                        _ => {}
                    }
                }
                out.stats = client.tls_stats();
                client.shutdown().await;
                while let Some(e) = events.try_recv() {
                    if let ClientEvent::Asdu(a) = e
                        && matches!(a.kind, DataKind::Interrogated(_))
                    {
                        out.objects += a.objects().len();
                    }
                }
                out
            }),
            Rt::Blocking => {
                let (client, events) = match tls {
                    Some(t) => {
                        telecontrol_blocking::Client::connect_tls(addr, config, t, name).unwrap()
                    }
                    None => telecontrol_blocking::Client::connect(addr, config).unwrap(),
                };
                let mut out = Outcome::default();
                let end = Instant::now() + LIMIT;
                while out.started < starts {
                    let left = end.saturating_duration_since(Instant::now());
                    let Some(e) = events.recv_timeout(left) else {
                        break;
                    };
                    match e {
                        ClientEvent::Started => {
                            out.started += 1;
                            client.general_interrogation(CA).unwrap();
                            if out.started < starts {
                                between();
                            }
                        }
                        ClientEvent::Disconnected(why) => {
                            out.disconnected.push(why);
                            if starts == 1 {
                                break;
                            }
                        }
                        ClientEvent::Asdu(a) if matches!(a.kind, DataKind::Interrogated(_)) => {
                            out.objects += a.objects().len();
                        }
                        _ => {}
                    }
                }
                out.stats = client.tls_stats();
                client.shutdown();
                while let Some(e) = events.try_recv() {
                    if let ClientEvent::Asdu(a) = e
                        && matches!(a.kind, DataKind::Interrogated(_))
                    {
                        out.objects += a.objects().len();
                    }
                }
                out
            }
        }
    }
}

/// Wait (bounded) until `f` holds.
fn wait_until(what: &str, f: impl Fn() -> bool) {
    let end = Instant::now() + LIMIT;
    while !f() {
        assert!(Instant::now() < end, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A TCP relay on 127.0.0.1 whose connections can be cut, to make a client reconnect.
struct Relay {
    addr: SocketAddr,
    conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Relay {
    fn start(h: &Harness, target: SocketAddr) -> Relay {
        let listener =
            h.rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .unwrap();
        let addr = listener.local_addr().unwrap();
        let conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let c = Arc::clone(&conns);
        let accept = h.rt.spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                    continue;
                };
                let task = tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                c.lock().unwrap().push(task.abort_handle());
            }
        });
        Relay {
            addr,
            conns,
            accept,
        }
    }

    /// Drop every relayed connection now (both sides see the TCP connection end).
    fn cut(&self) {
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// A valid client interrogates over TLS; after the connection is cut it reconnects and the
/// session is resumed (client and server count a resumed handshake).
fn valid_peer_and_resumption(rt: Rt, versions: TlsVersions) {
    let h = Harness::new();
    let pki = Pki::new();
    let server = h.server(rt, &pki.server_config().with_versions(versions));
    let relay = Relay::start(&h, server.addr());
    let tls = pki.client_config(&pki.client).with_versions(versions);
    let out = h.client(rt, relay.addr, Some(&tls), 2, &|| relay.cut());
    assert_eq!(out.started, 2, "{rt:?} {versions:?}: {out:?}");
    assert_eq!(out.objects, 2 * POINTS as usize, "{out:?}");
    assert_eq!(out.stats.full_handshakes, 1, "{out:?}");
    assert_eq!(out.stats.resumed_handshakes, 1, "{out:?}");
    assert_eq!(out.stats.refused_total(), 0, "{out:?}");
    let s = server.stats();
    assert_eq!((s.full_handshakes, s.resumed_handshakes), (1, 1), "{s:?}");
    assert_eq!(s.refused_total(), 0, "{s:?}");
    drop(relay);
    h.shutdown(server);
}

/// A client with `leaf` (TLS unless `None`) never starts data transfer; the server counts
/// exactly one refusal, for `reason`. The client's texts are returned.
fn refused(rt: Rt, leaf: Option<&dyn Fn(&Pki) -> TlsConfig>, reason: TlsRefusal) -> Outcome {
    let h = Harness::new();
    let pki = Pki::new();
    let server = h.server(rt, &pki.server_config());
    let tls = leaf.map(|f| f(&pki));
    let out = h.client(rt, server.addr(), tls.as_ref(), 1, &|| {});
    assert_eq!(out.started, 0, "{rt:?} {reason:?}: {out:?}");
    assert_eq!(out.objects, 0);
    assert!(!out.disconnected.is_empty(), "{out:?}");
    wait_until("the server counted the refusal", || {
        server.stats().refused(reason) == 1
    });
    let s = server.stats();
    assert_eq!(s.refused_total(), 1, "{rt:?} {reason:?}: {s:?}");
    assert_eq!(s.full_handshakes + s.resumed_handshakes, 0, "{s:?}");
    wait_until("the refused connection is closed", || {
        server.connections() == 0
    });
    h.shutdown(server);
    out
}

/// The client's certificate is refused by the server: the client learns it from the
/// server's alert (TLS 1.3: after its side of the handshake) and counts the refusal too.
fn client_refused(rt: Rt, leaf: fn(&Pki) -> &Leaf, reason: TlsRefusal) {
    let out = refused(rt, Some(&|p: &Pki| p.client_config(leaf(p))), reason);
    assert!(
        out.disconnected.iter().any(|d| d.contains("TLS")),
        "{rt:?} {reason:?}: {out:?}"
    );
    assert_eq!(out.stats.refused_total(), 1, "{rt:?} {reason:?}: {out:?}");
}

fn unknown_certificate(rt: Rt) {
    client_refused(rt, |p| &p.stranger, TlsRefusal::UnknownIssuer);
}

fn expired_certificate(rt: Rt) {
    client_refused(rt, |p| &p.expired, TlsRefusal::Expired);
}

fn revoked_certificate(rt: Rt) {
    client_refused(rt, |p| &p.revoked, TlsRefusal::Revoked);
}

/// A client certificate from another CA is refused by the server; and a server certificate
/// from another CA is refused by the client (counted by the client as unknown issuer, by
/// the server as the client's alert).
fn wrong_ca(rt: Rt) {
    client_refused(rt, |p| &p.other_client, TlsRefusal::UnknownIssuer);

    let h = Harness::new();
    let pki = Pki::new();
    let server_tls = pki.config(&pki.other_server, &pki.other_ca);
    let server_tls = TlsConfig {
        crls: Vec::new(),
        ..server_tls
    };
    let server = h.server(rt, &server_tls);
    let tls = pki.client_config(&pki.client);
    let out = h.client(rt, server.addr(), Some(&tls), 1, &|| {});
    assert_eq!(out.started, 0, "{out:?}");
    assert_eq!(out.stats.refused(TlsRefusal::UnknownIssuer), 1, "{out:?}");
    assert!(
        out.disconnected
            .iter()
            .any(|d| d.contains("not issued by a trusted CA")),
        "{out:?}"
    );
    wait_until("the server counted the client's alert", || {
        server.stats().refused(TlsRefusal::PeerAlert) == 1
    });
    h.shutdown(server);
}

/// A server with an allow-list refuses a CA-valid client that is not on it, and accepts the
/// one that is; a client pinning the server's fingerprint (no CA) connects.
fn allow_list(rt: Rt) {
    let h = Harness::new();
    let pki = Pki::new();
    let server_tls = pki.server_config().with_allowed(pki.client.fingerprint());
    let server = h.server(rt, &server_tls);
    let out = h.client(
        rt,
        server.addr(),
        Some(&pki.client_config(&pki.client2)),
        1,
        &|| {},
    );
    assert_eq!(out.started, 0, "{out:?}");
    wait_until("the server counted the refusal", || {
        server.stats().refused(TlsRefusal::NotAllowed) == 1
    });
    // Pinned on both sides, no CA on the client.
    let pinned = pki
        .client
        .tls_config()
        .unwrap()
        .with_allowed(pki.server.fingerprint());
    let out = h.client(rt, server.addr(), Some(&pinned), 1, &|| {});
    assert_eq!(out.started, 1, "{out:?}");
    assert_eq!(out.objects, POINTS as usize, "{out:?}");
    // Pinned to another server: refused by the client.
    let wrong_pin = pki
        .client
        .tls_config()
        .unwrap()
        .with_allowed(pki.other_server.fingerprint());
    let out = h.client(rt, server.addr(), Some(&wrong_pin), 1, &|| {});
    assert_eq!(out.started, 0, "{out:?}");
    assert_eq!(out.stats.refused(TlsRefusal::NotAllowed), 1, "{out:?}");
    let s = server.stats();
    assert_eq!(s.full_handshakes, 1, "{s:?}");
    h.shutdown(server);
}

/// A TLS client that presents no certificate (plain rustls, trusting the CA): refused.
fn no_client_certificate(rt: Rt) {
    let h = Harness::new();
    let pki = Pki::new();
    let server = h.server(rt, &pki.server_config());
    let mut roots = telecontrol_tls::rustls::RootCertStore::empty();
    let ca = CertificateDer::from_pem_slice(pki.ca.pem().as_bytes()).unwrap();
    roots.add(ca).unwrap();
    let provider = Arc::new(telecontrol_tls::rustls::crypto::ring::default_provider());
    let config = telecontrol_tls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let addr = server.addr();
    let failed = h.rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        // TLS 1.3: the client's side of the handshake completes; the refusal is the alert.
        let Ok(mut tls) = connector.connect(name, tcp).await else {
            return true;
        };
        let mut buf = [0u8; 16];
        let r = tokio::time::timeout(LIMIT, tokio::io::AsyncReadExt::read(&mut tls, &mut buf))
            .await
            .unwrap();
        !matches!(r, Ok(n) if n > 0)
    });
    assert!(failed);
    wait_until("the server counted the refusal", || {
        server.stats().refused(TlsRefusal::NoCertificate) == 1
    });
    assert_eq!(server.stats().refused_total(), 1);
    h.shutdown(server);
}

/// A plain-TCP 104 client on the TLS port: the server refuses it as not TLS.
fn plain_tcp(rt: Rt) {
    refused(rt, None, TlsRefusal::NotTls);
}

/// A peer that opens TCP and says nothing is dropped at the handshake time-out.
fn silent_peer(rt: Rt) {
    let h = Harness::new();
    let pki = Pki::new();
    let mut tls = pki.server_config();
    tls.handshake_timeout = Duration::from_millis(200);
    let server = h.server(rt, &tls);
    let mut socket = std::net::TcpStream::connect(server.addr()).unwrap();
    socket.set_read_timeout(Some(LIMIT)).unwrap();
    let t0 = Instant::now();
    let mut buf = [0u8; 64];
    // The server closes (at most a TLS alert before): end of stream or a reset.
    let mut total = 0;
    while let Ok(n @ 1..) = std::io::Read::read(&mut socket, &mut buf) {
        total += n;
    }
    assert!(total <= 7, "{total} octets: no more than one alert record");
    assert!(
        t0.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t0.elapsed()
    );
    wait_until("the server counted the time-out", || {
        server.stats().refused(TlsRefusal::Timeout) == 1
    });
    assert_eq!(server.stats().refused_total(), 1);
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
    valid_peer_tls13_resumes => |rt| valid_peer_and_resumption(rt, TlsVersions::Tls13Only);
    valid_peer_tls12_resumes => |rt| valid_peer_and_resumption(rt, TlsVersions::Tls12Only);
    unknown_certificate_refused => unknown_certificate;
    expired_certificate_refused => expired_certificate;
    revoked_certificate_refused => revoked_certificate;
    wrong_ca_refused => wrong_ca;
    fingerprint_allow_list => allow_list;
    no_client_certificate_refused => no_client_certificate;
    plain_tcp_refused => plain_tcp;
    silent_peer_times_out => silent_peer;
}
