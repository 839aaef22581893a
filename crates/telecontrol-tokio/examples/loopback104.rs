//! Loopback measurements of the 104 adapters (docs/benchmarks.md, "104 adapters"):
//!
//! - values per second from our server to our client over 127.0.0.1, k = 12, w = 8, one
//!   value per ASDU and 30 values per ASDU, tokio ↔ tokio and blocking ↔ blocking;
//! - resident memory per idle connection (STARTDT done) on one tokio server, with the idle
//!   clients in a child process so both ends fit the per-process descriptor limit.
//!
//! `cargo run --release -p telecontrol-tokio --example loopback104 [-- VALUES CONNECTIONS]`
//!
//! Two more modes, one end each, for the comparison with c104 that `cargo xtask bench
//! loopback104` runs (xtask/peers/c104_bench.py is the other end):
//!
//! - `--serve VALUES`: our tokio server on an ephemeral port (prints `ready ADDR`) queues
//!   VALUES M_ME_NC_1 values (one per ASDU) as fast as its event buffer takes them, after the
//!   first connection, and stops when the buffer is empty again;
//! - `--count ADDR VALUES`: our tokio client counts the values it receives from ADDR until
//!   VALUES arrived or none came for 3 s, and prints `received N seconds S rate R` (S from
//!   the first value received to the last).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use telecontrol_tokio::asdu::Cause;
use telecontrol_tokio::{ClientConfig, ClientEvent, DataKind, ServerConfig};

#[path = "common/loopback.rs"]
mod loopback;
use loopback::{CA, database, produce, reject};

fn tokio_throughput(values: usize, batch: usize) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let server =
            telecontrol_tokio::Server::bind(any, ServerConfig::new(CA), database(), reject)
                .await
                .unwrap();
        let (client, mut events) =
            telecontrol_tokio::Client::connect(server.local_addr(), ClientConfig::default());
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
        let rate = got as f64 / start.elapsed().as_secs_f64();
        producer.join().unwrap();
        client.shutdown().await;
        server.shutdown().await;
        rate
    })
}

fn blocking_throughput(values: usize, batch: usize) -> f64 {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server =
        telecontrol_blocking::Server::bind(any, ServerConfig::new(CA), database(), reject).unwrap();
    let (client, events) =
        telecontrol_blocking::Client::connect(server.local_addr(), ClientConfig::default())
            .unwrap();
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
    let rate = got as f64 / start.elapsed().as_secs_f64();
    producer.join().unwrap();
    client.shutdown();
    server.shutdown();
    rate
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Child: open `n` connections, start data transfer on each, report, wait for stdin to close.
fn idle_clients(addr: SocketAddr, n: usize) {
    let mut socks = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(&[0x68, 0x04, 0x07, 0x00, 0x00, 0x00]).unwrap();
        let mut con = [0u8; 6];
        s.read_exact(&mut con).unwrap();
        assert_eq!(con, [0x68, 0x04, 0x0B, 0x00, 0x00, 0x00], "STARTDT con");
        socks.push(s);
    }
    println!("ready {}", socks.len());
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

fn memory_per_connection(n: usize) -> (u64, u64, f64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let mut config = ServerConfig::new(CA);
        config.max_connections = n + 10;
        config.max_per_address = n + 10; // every idle client comes from 127.0.0.1
        let server = telecontrol_tokio::Server::bind(any, config, database(), reject)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let before = rss_kib();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--idle-clients",
                &server.local_addr().to_string(),
                &n.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        tokio::task::block_in_place(|| out.read_line(&mut line).unwrap());
        assert!(line.starts_with("ready"), "child: {line}");
        while server.connection_count() < n {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rss_kib();
        drop(child.stdin.take()); // the child exits when its stdin closes
        let _ = tokio::task::block_in_place(|| child.wait());
        server.shutdown().await;
        (before, after, (after - before) as f64 * 1024.0 / n as f64)
    })
}

/// `--serve VALUES`: our server for a c104 client.
fn serve(values: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let config = ServerConfig::new(CA);
        let server = telecontrol_tokio::Server::bind(any, config, database(), reject)
            .await
            .unwrap();
        println!("ready {}", server.local_addr());
        std::io::stdout().flush().unwrap();
        while server.connection_count() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let h = server.handle();
        let producer = produce(values, 1, move |o| {
            h.queue_event(CA, Cause::SPONTANEOUS, o).is_ok()
        });
        tokio::task::block_in_place(|| producer.join().unwrap());
        // Let the last ASDUs leave (the client counts them) before closing.
        let end = Instant::now() + Duration::from_secs(30);
        while server.connection_count() > 0 && Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.shutdown().await;
    });
}

/// `--count ADDR VALUES`: our client against any 104 server.
fn count(addr: SocketAddr, values: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, mut events) =
            telecontrol_tokio::Client::connect(addr, ClientConfig::default());
        let mut n = 0usize;
        let (mut first, mut last) = (None, Instant::now());
        loop {
            let wait = if n == 0 { 60 } else { 3 };
            let Ok(e) = tokio::time::timeout(Duration::from_secs(wait), events.recv()).await else {
                break;
            };
            match e {
                Some(ClientEvent::Asdu(a)) if a.kind == DataKind::Spontaneous => {
                    let now = Instant::now();
                    first.get_or_insert(now);
                    last = now;
                    n += usize::from(a.header.count);
                    if n >= values {
                        break;
                    }
                }
                Some(_) => {}
                None => break,
            }
        }
        let secs = first.map_or(0.0, |f| (last - f).as_secs_f64());
        let rate = if secs > 0.0 {
            (n - 1) as f64 / secs
        } else {
            0.0
        };
        println!("received {n} seconds {secs:.3} rate {rate:.0}");
        client.shutdown().await;
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match arg(1) {
        "--idle-clients" => return idle_clients(arg(2).parse().unwrap(), arg(3).parse().unwrap()),
        "--serve" => return serve(arg(2).parse().unwrap()),
        "--count" => return count(arg(2).parse().unwrap(), arg(3).parse().unwrap()),
        _ => {}
    }
    let values: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let conns: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    println!("104 loopback, k = 12, w = 8, {values} values per run");
    for batch in [1, 30] {
        let t = tokio_throughput(values, batch);
        let b = blocking_throughput(values, batch);
        println!(
            "  {batch:>2} value(s)/ASDU: tokio {t:>10.0} values/s, blocking {b:>10.0} values/s"
        );
    }
    println!(
        "  per connection, fixed parts: outstation with {}-ASDU event buffer {} bytes, \
         APCI link {} bytes",
        iec104_session::shared::EVENT_BUFFER,
        std::mem::size_of::<iec104_session::shared::ServerGroup>(),
        std::mem::size_of::<iec104_session::OutstationLink>(),
    );
    for n in [1_000, conns] {
        let (before, after, per) = memory_per_connection(n);
        println!(
            "  {n} idle connections: RSS {before} KiB -> {after} KiB, {per:.0} bytes per connection"
        );
    }
}
