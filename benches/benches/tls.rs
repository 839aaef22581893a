//! TLS handshake cost (IEC 62351-3 as configured by telecontrol-tls), in memory, no sockets:
//! a rustls client and server connection pumped into each other until both finished, TLS 1.3
//! and 1.2, mutual authentication with ECDSA P-256 certificates from a CA, with a CRL; full
//! handshakes and resumed ones (the client config's session cache, the server's
//! session storage).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use telecontrol_tls::rustls::{self, ClientConnection, ServerConnection};
use telecontrol_tls::test_pki::{Ca, Validity};
use telecontrol_tls::{TlsConfig, TlsVersions};

/// Move records between the two until neither is handshaking; the kind of the client's.
fn handshake(
    client: &Arc<rustls::ClientConfig>,
    server: &Arc<rustls::ServerConfig>,
) -> Option<rustls::HandshakeKind> {
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut c = ClientConnection::new(Arc::clone(client), name).unwrap();
    let mut s = ServerConnection::new(Arc::clone(server)).unwrap();
    let mut buf = Vec::with_capacity(8192);
    while c.is_handshaking() || s.is_handshaking() {
        buf.clear();
        while c.wants_write() {
            c.write_tls(&mut buf).unwrap();
        }
        let mut r = buf.as_slice();
        while !r.is_empty() {
            s.read_tls(&mut r).unwrap();
        }
        s.process_new_packets().unwrap();
        buf.clear();
        while s.wants_write() {
            s.write_tls(&mut buf).unwrap();
        }
        let mut r = buf.as_slice();
        while !r.is_empty() {
            c.read_tls(&mut r).unwrap();
        }
        c.process_new_packets().unwrap();
    }
    // TLS 1.3 tickets arrive after the handshake: take them so the next one resumes.
    buf.clear();
    while s.wants_write() {
        s.write_tls(&mut buf).unwrap();
    }
    let mut r = buf.as_slice();
    while !r.is_empty() {
        c.read_tls(&mut r).unwrap();
    }
    c.process_new_packets().unwrap();
    c.handshake_kind()
}

fn configs(versions: TlsVersions) -> (TlsConfig, TlsConfig) {
    let mut ca = Ca::new("bench CA").unwrap();
    let server = ca.issue("server", Validity::Valid).unwrap();
    let client = ca.issue("client", Validity::Valid).unwrap();
    let other = ca.issue("revoked", Validity::Valid).unwrap();
    let crl = ca.crl(&[&other]).unwrap();
    let trust = |t: TlsConfig| {
        t.with_ca_pem(ca.pem().as_bytes())
            .unwrap()
            .with_crl_pem(crl.as_bytes())
            .unwrap()
            .with_versions(versions)
    };
    (
        trust(server.tls_config().unwrap()),
        trust(client.tls_config().unwrap()),
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("tls");
    g.throughput(Throughput::Elements(1));
    for (label, versions) in [
        ("tls13", TlsVersions::Tls13Only),
        ("tls12", TlsVersions::Tls12Only),
    ] {
        let (server, client) = configs(versions);
        let server = server.server_config().unwrap();
        // Resumption off on this client: every handshake is a full one.
        let mut full = (*client.client_config().unwrap()).clone();
        full.resumption = rustls::client::Resumption::disabled();
        let full = Arc::new(full);
        g.bench_function(format!("handshake_full/{label}"), |b| {
            b.iter(|| {
                let kind = handshake(black_box(&full), black_box(&server));
                assert_eq!(kind, Some(rustls::HandshakeKind::Full));
            });
        });
        let resuming = client.client_config().unwrap();
        handshake(&resuming, &server);
        g.bench_function(format!("handshake_resumed/{label}"), |b| {
            b.iter(|| {
                let kind = handshake(black_box(&resuming), black_box(&server));
                assert_eq!(kind, Some(rustls::HandshakeKind::Resumed));
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
