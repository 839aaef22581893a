//! 104 over TLS against plain TCP on 127.0.0.1 (docs/security.md, "TLS (IEC 62351-3)"):
//!
//! - connection set-up: a new client connects until data transfer starts (TCP, the TLS
//!   1.3 handshake with mutual authentication — ECDSA P-256 certificates from a CA, with a CRL
//!   — and STARTDT), median over CONNECTS connections;
//! - throughput: M_ME_NC_1 values from our server to our client, k = 12, w = 8, one value
//!   per ASDU and 30 per ASDU, as in the loopback104 example;
//!
//! for the tokio and the blocking adapters.
//!
//! `cargo run --release -p telecontrol-tokio --example tls104 [-- VALUES CONNECTS]`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::indexing_slicing,
    missing_docs
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use telecontrol_tls::pki_types::ServerName;
use telecontrol_tls::test_pki::{Ca, Validity};
use telecontrol_tokio::asdu::Cause;
use telecontrol_tokio::{ClientConfig, ClientEvent, ServerConfig, TlsConfig};

#[path = "common/loopback.rs"]
mod loopback;
use loopback::{CA, database, produce, reject};

/// Server and client TLS configurations from a fresh CA (with a CRL revoking nothing we use).
fn configs() -> (TlsConfig, TlsConfig) {
    let mut ca = Ca::new("bench CA").unwrap();
    let server = ca.issue("server", Validity::Valid).unwrap();
    let client = ca.issue("client", Validity::Valid).unwrap();
    let other = ca.issue("revoked", Validity::Valid).unwrap();
    let crl = ca.crl(&[&other]).unwrap();
    let with_trust = |t: TlsConfig| {
        t.with_ca_pem(ca.pem().as_bytes())
            .unwrap()
            .with_crl_pem(crl.as_bytes())
            .unwrap()
    };
    (
        with_trust(server.tls_config().unwrap()),
        with_trust(client.tls_config().unwrap()),
    )
}

fn name() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

struct Figures {
    setup_median: Duration,
    rate_1: f64,
    rate_30: f64,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn tokio_run(tls: Option<&(TlsConfig, TlsConfig)>, values: usize, connects: usize) -> Figures {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let config = ServerConfig::new(CA);
        let server = match tls {
            None => telecontrol_tokio::Server::bind(any, config, database(), reject).await,
            Some((s, _)) => {
                telecontrol_tokio::Server::bind_tls(any, config, database(), reject, s).await
            }
        }
        .unwrap();
        let addr = server.local_addr();
        let connect = || match tls {
            None => telecontrol_tokio::Client::connect(addr, ClientConfig::default()),
            Some((_, c)) => {
                telecontrol_tokio::Client::connect_tls(addr, ClientConfig::default(), c, name())
                    .unwrap()
            }
        };
        let mut setups = Vec::new();
        for _ in 0..connects {
            let t0 = Instant::now();
            let (client, mut events) = connect();
            while events.recv().await != Some(ClientEvent::Started) {}
            setups.push(t0.elapsed());
            client.shutdown().await;
        }
        let mut rates = Vec::new();
        for batch in [1, 30] {
            let (client, mut events) = connect();
            while events.recv().await != Some(ClientEvent::Started) {}
            let h = server.handle();
            let start = Instant::now();
            let producer = produce(values, batch, move |o| {
                h.queue_event(CA, Cause::SPONTANEOUS, o).is_ok()
            });
            let mut got = 0;
            while got < values / batch * batch {
                if let Some(ClientEvent::Asdu(a)) = events.recv().await {
                    got += usize::from(a.header.count);
                }
            }
            rates.push(got as f64 / start.elapsed().as_secs_f64());
            producer.join().unwrap();
            client.shutdown().await;
        }
        server.shutdown().await;
        Figures {
            setup_median: median(setups),
            rate_1: rates[0],
            rate_30: rates[1],
        }
    })
}

fn blocking_run(tls: Option<&(TlsConfig, TlsConfig)>, values: usize, connects: usize) -> Figures {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let config = ServerConfig::new(CA);
    let server = match tls {
        None => telecontrol_blocking::Server::bind(any, config, database(), reject),
        Some((s, _)) => telecontrol_blocking::Server::bind_tls(any, config, database(), reject, s),
    }
    .unwrap();
    let addr = server.local_addr();
    let connect = || match tls {
        None => telecontrol_blocking::Client::connect(addr, ClientConfig::default()).unwrap(),
        Some((_, c)) => {
            telecontrol_blocking::Client::connect_tls(addr, ClientConfig::default(), c, name())
                .unwrap()
        }
    };
    let mut setups = Vec::new();
    for _ in 0..connects {
        let t0 = Instant::now();
        let (client, events) = connect();
        while events.recv() != Some(ClientEvent::Started) {}
        setups.push(t0.elapsed());
        client.shutdown();
    }
    let mut rates = Vec::new();
    for batch in [1, 30] {
        let (client, events) = connect();
        while events.recv() != Some(ClientEvent::Started) {}
        let h = server.handle();
        let start = Instant::now();
        let producer = produce(values, batch, move |o| {
            h.queue_event(CA, Cause::SPONTANEOUS, o).is_ok()
        });
        let mut got = 0;
        while got < values / batch * batch {
            if let Some(ClientEvent::Asdu(a)) = events.recv() {
                got += usize::from(a.header.count);
            }
        }
        rates.push(got as f64 / start.elapsed().as_secs_f64());
        producer.join().unwrap();
        client.shutdown();
    }
    server.shutdown();
    Figures {
        setup_median: median(setups),
        rate_1: rates[0],
        rate_30: rates[1],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let values: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(120_000);
    let connects: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let tls = configs();
    println!(
        "104 loopback, plain TCP against TLS 1.3 (mutual, ECDSA P-256, CA + CRL), {values} values, \
         {connects} connections"
    );
    println!(
        "| runtime | transport | set-up to STARTDT con (median) | values/s, 1 per ASDU | values/s, 30 per ASDU |"
    );
    println!("|---|---|---|---|---|");
    for (runtime, plain, secure) in [
        (
            "tokio",
            tokio_run(None, values, connects),
            tokio_run(Some(&tls), values, connects),
        ),
        (
            "blocking",
            blocking_run(None, values, connects),
            blocking_run(Some(&tls), values, connects),
        ),
    ] {
        for (transport, f) in [("TCP", plain), ("TLS", secure)] {
            println!(
                "| {runtime} | {transport} | {:.0} µs | {:.0} | {:.0} |",
                f.setup_median.as_secs_f64() * 1e6,
                f.rate_1,
                f.rate_30
            );
        }
    }
}
