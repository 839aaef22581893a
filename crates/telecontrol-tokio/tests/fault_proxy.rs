//! The 104 server→client event stream through a fault-injecting proxy: our tokio [`Server`]
//! queues spontaneous events (a monotonic sequence number per point, on points of three
//! types) while two of our tokio [`Client`]s — one redundancy group of the server (IEC
//! 60870-5-104 clause 10.3), one started, one standby — receive them through `testkit`'s
//! `FaultProxy`, which drops connections, truncates mid-frame, delays, stalls, re-segments,
//! reorders across reconnects (an old connection's last client octets reach the server after
//! the new connection's first ones) and corrupts or duplicates APCI octets. Every
//! `FAULT_PROXY_SWITCH_EVERY` (default 1 000) new events the test switches the group over:
//! STOPDT on the active client, then STARTDT on the standby one. The server keeps the group's
//! events across reconnects and switch-overs, so nothing accepted may be lost.
//!
//! Checked per point: every accepted event arrives, new ones in order; a number arrives again
//! only on a later connection than its first arrival (the re-send of unacknowledged events
//! after a reconnect or a switch-over), and within one connection the numbers of a point only
//! increase. Corruption and duplication touch only the APCI octets: 104 has no checksum of its
//! own, so a flipped bit in a value would be a valid frame with a different value, which the
//! proxy does not create. A value that is not a sequence number of its point, of the wrong type
//! or at an unknown address is counted in `bad_values` and fails the run — never hidden.
//! Memory: the resident set after everything shut down must be back within
//! [`RSS_BOUND_KIB`] of its value after the warm-up.
//!
//! `FAULT_PROXY_EVENTS` (default 20 000) and `FAULT_PROXY_SEED` set the run; `cargo xtask
//! soak` runs it in release with 1 000 000 events.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::print_stdout,
    missing_docs,
    dead_code
)]

#[path = "../../testkit/src/proxy.rs"]
mod proxy;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proxy::{FaultCounts, FaultPlan, FaultProxy, FaultTarget};
use telecontrol_tokio::asdu::{Bcr, CommonAddress, Ioa, Qds, Quality, Sva, Value};
use telecontrol_tokio::{
    ApciConfig, Backoff, Client, ClientConfig, ClientError, ClientEvent, ClientEvents,
    CommandAnswer, CommandRequest, DataKind, Database, Point, RedundancyGroup, Server,
    ServerConfig, UpdateError,
};

const CA: CommonAddress = CommonAddress(1);
/// Points the events rotate over; point `p` has type `p % 3` (float, counter, scaled).
const POINTS: u64 = 6;
const IOA_BASE: u32 = 1000;

fn value(p: u64, seq: u64) -> Value<'static> {
    let good = Qds::new(Quality::GOOD);
    match p % 3 {
        0 => Value::MMeNc1(seq as f32, good),
        1 => Value::MItNa1(Bcr::new(seq as i32, (seq % 32) as u8).unwrap()),
        _ => Value::MMeNb1(Sva(seq as u16 as i16), good),
    }
}

/// The sequence number in `v` for point `p`, given the next new one (`expected`): scaled
/// values carry only the low 16 bits, taken as the nearest number to `expected`.
fn seq_of(p: u64, v: &Value<'_>, expected: u64) -> Option<u64> {
    match (p % 3, v) {
        (0, Value::MMeNc1(f, _)) if f.fract() == 0.0 && *f >= 0.0 => Some(*f as u64),
        (1, Value::MItNa1(b)) if b.counter() >= 0 => {
            let s = b.counter() as u64;
            (u64::from(b.sequence()) == s % 32).then_some(s)
        }
        (2, Value::MMeNb1(Sva(x), _)) => {
            let delta = i64::from(x.wrapping_sub(expected as u16 as i16));
            u64::try_from(expected as i64 + delta).ok()
        }
        _ => None,
    }
}

/// Figures of one run.
#[derive(Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub sent: u64,
    pub received_new: u64,
    pub lost: u64,
    /// First gap: point, number expected, number received, connection number.
    pub first_loss: Option<(u64, u64, u64, u32)>,
    /// Numbers received again on a later connection (re-sends of unacknowledged events).
    pub duplicates: u64,
    /// Of those, the ones first received by the other client (re-sent after a switch-over).
    pub duplicates_other_client: u64,
    pub same_connection_duplicates: u64,
    pub order_errors: u64,
    pub bad_values: u64,
    pub other_asdus: u64,
    pub refused_retries: u64,
    pub connections: u64,
    pub reconnects: u64,
    /// Switch-overs: STOPDT on the active client, then STARTDT on the standby one.
    pub switch_overs: u64,
    /// STARTDT of a switch-over confirmed / refused for want of a connection (the next one
    /// starts on its own) / lost before its con.
    pub starts_confirmed: u64,
    pub starts_not_connected: u64,
    pub starts_lost: u64,
    pub disconnect_reasons: BTreeMap<String, u64>,
    pub faults: FaultCounts,
    pub complete: bool,
    pub ended_cleanly: bool,
    pub wall: Duration,
    /// VmRSS after the warm-up (the first 1 % of events, at least 1 000).
    pub rss_baseline_kib: u64,
    pub vm_hwm_kib: u64,
    /// VmRSS after server, clients, proxy and the runtime were shut down (set by the test).
    pub rss_after_kib: u64,
}

/// Per-point receive state.
struct PointRx {
    expected: u64,
    /// The last number received per client on its current connection.
    last_on_connection: [Option<u64>; CLIENTS],
    /// Connection number on which each sequence number first arrived.
    first_connection: Vec<u32>,
}

/// The two controlling-station connections of the redundancy group.
const CLIENTS: usize = 2;

/// The receiving side's checker over both clients' event streams.
struct Checker {
    points: Vec<PointRx>,
    /// Connections so far (numbered from 1) and the client of each.
    connection: u32,
    connection_client: Vec<usize>,
    current: [u32; CLIENTS],
}

impl Checker {
    fn new() -> Self {
        Checker {
            points: (0..POINTS)
                .map(|_| PointRx {
                    expected: 0,
                    last_on_connection: [None; CLIENTS],
                    first_connection: Vec::new(),
                })
                .collect(),
            connection: 0,
            connection_client: vec![usize::MAX],
            current: [0; CLIENTS],
        }
    }

    fn event(&mut self, report: &mut Report, client: usize, event: ClientEvent) {
        match event {
            ClientEvent::Connected(_) => {
                self.connection += 1;
                self.connection_client.push(client);
                self.current[client] = self.connection;
                report.connections += 1;
                for r in &mut self.points {
                    r.last_on_connection[client] = None;
                }
            }
            ClientEvent::Disconnected(why) => {
                let key: String = why.chars().take(40).collect();
                *report.disconnect_reasons.entry(key).or_default() += 1;
            }
            ClientEvent::Asdu(a) => {
                if a.kind != DataKind::Spontaneous {
                    report.other_asdus += 1;
                    return;
                }
                for o in a.objects() {
                    self.object(report, client, o.ioa.value(), &o.value);
                }
            }
            _ => {} // Started, and whatever later versions add
        }
    }

    fn object(&mut self, report: &mut Report, client: usize, ioa: u32, value: &Value<'_>) {
        let connection = self.current[client];
        let p = u64::from(ioa.wrapping_sub(IOA_BASE));
        let Some(r) = self.points.get_mut(p as usize) else {
            report.bad_values += 1;
            return;
        };
        let Some(s) = seq_of(p, value, r.expected) else {
            report.bad_values += 1;
            return;
        };
        if r.last_on_connection[client].is_some_and(|l| s <= l) {
            report.order_errors += 1;
        }
        r.last_on_connection[client] = Some(s);
        if s < r.expected {
            let first = r.first_connection[s as usize];
            if first == connection {
                report.same_connection_duplicates += 1;
            } else {
                report.duplicates += 1;
                if self.connection_client[first as usize] != client {
                    report.duplicates_other_client += 1;
                }
            }
            return;
        }
        if s > r.expected {
            report.lost += s - r.expected;
            if report.first_loss.is_none() {
                report.first_loss = Some((p, r.expected, s, connection));
            }
        }
        while r.first_connection.len() as u64 <= s {
            r.first_connection.push(connection);
        }
        r.expected = s + 1;
        report.received_new += 1;
    }

    fn complete(&self, events: u64) -> bool {
        let per_point = |p: u64| events / POINTS + u64::from(p < events % POINTS);
        self.points
            .iter()
            .enumerate()
            .all(|(p, r)| r.expected == per_point(p as u64))
    }
}

fn plan(seed: u64) -> FaultPlan {
    let mut plan = FaultPlan {
        drop: 0.002,
        truncate: 0.002,
        corrupt: 0.003,
        duplicate: 0.001,
        delay: 0.02,
        max_delay: Duration::from_millis(3),
        stall: 0.001,
        max_stall: Duration::from_millis(200),
        split: 0.05,
        coalesce: 0.05,
        reorder: 0.001,
        max_reorder: Duration::from_millis(300),
        target: FaultTarget::Iec104Apci,
        ..FaultPlan::clean(seed)
    };
    // FAULT_PROXY_NO_CORRUPT=1: no corruption or duplication (to tell their effects apart).
    if std::env::var_os("FAULT_PROXY_NO_CORRUPT").is_some() {
        plan.corrupt = 0.0;
        plan.duplicate = 0.0;
    }
    // FAULT_PROXY_ALTER=up|down: corrupt and duplicate in one direction only.
    match std::env::var("FAULT_PROXY_ALTER").as_deref() {
        Ok("up") => plan.alter_downstream = false,
        Ok("down") => plan.alter_upstream = false,
        _ => {}
    }
    plan
}

/// A field of /proc/self/status in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Switch the redundancy group from client `from` to the other one: STOPDT on `from` (its
/// events before STOPDT con are in its stream when the stop returns; all of them are read
/// here, so no later event of the other client is checked before them), then STARTDT.
async fn switch_over(
    clients: &[Client; CLIENTS],
    rxs: &mut [ClientEvents; CLIENTS],
    from: usize,
    checker: &mut Checker,
    report: &mut Report,
) {
    let to = 1 - from;
    // Ok once stopped (confirmed, or the connection ended: the next one stays standby).
    let _ = clients[from].stop_data_transfer().await;
    while let Some(e) = rxs[from].try_recv() {
        checker.event(report, from, e);
    }
    report.switch_overs += 1;
    match clients[to].start_data_transfer().await {
        Ok(()) => report.starts_confirmed += 1,
        Err(ClientError::NotConnected) => report.starts_not_connected += 1,
        Err(_) => report.starts_lost += 1,
    }
}

/// Stream `events` events through the proxy under seed `seed` to two clients of one
/// redundancy group, switching the active one every `switch_every` new events (0: never).
pub async fn run(events: u64, seed: u64, switch_every: u64) -> Report {
    let start = Instant::now();
    let mut report = Report {
        seed,
        ..Report::default()
    };
    let db = Database::new();
    for p in 0..POINTS {
        db.insert(Point::monitored(
            CA,
            Ioa::new(IOA_BASE + p as u32).unwrap(),
            value(p, 0),
        ));
    }
    let mut config = ServerConfig::new(CA);
    config.groups = vec![RedundancyGroup {
        clients: vec!["127.0.0.1".parse().unwrap()],
    }];
    let handler = |_: &CommandRequest| CommandAnswer::AcceptAndTerminate;
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, db, handler)
        .await
        .unwrap();
    let proxy = FaultProxy::start(server.local_addr(), plan(seed))
        .await
        .unwrap();
    let mut client_config = ClientConfig {
        backoff: Backoff::new(Duration::from_millis(10), Duration::from_millis(200)),
        ..ClientConfig::default()
    };
    // FAULT_PROXY_T2_MS: the clients' t2 (default the standard's 10 s). A corrupted length
    // octet can leave the server reading a frame that ends only with the client's next
    // octets, often the S frame sent when t2 expires: t2 bounds those stalls.
    if let Some(t2) = std::env::var("FAULT_PROXY_T2_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        let d = ApciConfig::DEFAULT;
        client_config.apci = ApciConfig::new(
            d.k(),
            d.w(),
            d.t0(),
            d.t1(),
            Duration::from_millis(t2),
            d.t3(),
        )
        .expect("t2 below t1");
    }
    let (a, rx_a) = Client::connect(proxy.local_addr(), client_config.clone());
    let (b, rx_b) = Client::connect_standby(proxy.local_addr(), client_config);
    let clients = [a, b];
    let mut rxs = [rx_a, rx_b];

    // The producer: event g is number g / POINTS of point g % POINTS; a refusal (buffer
    // full) is retried, so every event is accepted exactly once, in order.
    let handle = server.handle();
    let producer = tokio::spawn(async move {
        let mut retries = 0u64;
        for g in 0..events {
            let (p, s) = (g % POINTS, g / POINTS);
            let ioa = Ioa::new(IOA_BASE + p as u32).unwrap();
            loop {
                match handle.update(CA, ioa, value(p, s)) {
                    Ok(()) => break,
                    Err(UpdateError::Station(_)) => {
                        retries += 1;
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    Err(e) => panic!("update {g}: {e}"),
                }
            }
        }
        retries
    });

    let mut checker = Checker::new();
    let deadline = start + Duration::from_secs(120) + Duration::from_millis(2 * events);
    let warm_up = (events / 100).max(1000).min(events);
    let mut active = 0;
    let mut next_switch = switch_every;
    while !checker.complete(events) {
        if report.rss_baseline_kib == 0 && report.received_new >= warm_up {
            report.rss_baseline_kib = status_kib("VmRSS");
        }
        if switch_every > 0 && report.received_new >= next_switch {
            next_switch = report.received_new + switch_every;
            switch_over(&clients, &mut rxs, active, &mut checker, &mut report).await;
            active = 1 - active;
            continue;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let [rx0, rx1] = &mut rxs;
        let (client, event) = tokio::select! {
            e = rx0.recv() => (0, e),
            e = rx1.recv() => (1, e),
            () = tokio::time::sleep(left) => break, // time is up: reported as incomplete
        };
        let Some(event) = event else { break }; // a client ended: incomplete
        checker.event(&mut report, client, event);
    }
    report.complete = checker.complete(events);
    drop(checker);
    report.sent = events;
    report.reconnects = report.connections.saturating_sub(CLIENTS as u64);
    // Shut everything down, each step bounded.
    let bound = Duration::from_secs(20);
    let producer_done = tokio::time::timeout(bound, producer).await;
    report.refused_retries = producer_done
        .as_ref()
        .ok()
        .and_then(|r| r.as_ref().ok())
        .copied()
        .unwrap_or(0);
    let [a, b] = clients;
    drop(rxs);
    let a_done = tokio::time::timeout(bound, a.shutdown()).await.is_ok();
    let b_done = tokio::time::timeout(bound, b.shutdown()).await.is_ok();
    let server_done = tokio::time::timeout(bound, server.shutdown()).await.is_ok();
    let faults = tokio::time::timeout(bound, proxy.shutdown()).await;
    report.ended_cleanly =
        producer_done.is_ok_and(|r| r.is_ok()) && a_done && b_done && server_done && faults.is_ok();
    report.faults = faults.unwrap_or_default();
    report.wall = start.elapsed();
    report.vm_hwm_kib = status_kib("VmHWM");
    report
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// How far the resident set may stay above its post-warm-up baseline once everything was shut
/// down: 8 MiB (the allocator keeps some freed pages; a leak of a few octets per event would
/// exceed it at 1 000 000 events, one of a task or buffer per connection at ~1 000
/// connections).
const RSS_BOUND_KIB: u64 = 8 * 1024;

#[test]
fn event_stream_survives_faults_without_loss() {
    let events = env_u64("FAULT_PROXY_EVENTS", 20_000);
    let seed = env_u64("FAULT_PROXY_SEED", 0x5EED_0104);
    let switch_every = env_u64("FAULT_PROXY_SWITCH_EVERY", 1_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut r = rt.block_on(run(events, seed, switch_every));
    drop(rt);
    r.rss_after_kib = status_kib("VmRSS");
    let f = &r.faults;
    println!(
        "fault_proxy seed {:#x}: events sent {}, received {} new + {} duplicates (re-sends on a \
         later connection; {} of them first received by the other client), lost {}, \
         same-connection duplicates {}, order errors {}, bad values {}, other ASDUs {}, \
         buffer-full retries {}, connections {} (reconnects {}), switch-overs {} (STARTDT \
         confirmed {}, not connected {}, lost {}), complete {}, ended cleanly {}, wall {:.1} s",
        r.seed,
        r.sent,
        r.received_new,
        r.duplicates,
        r.duplicates_other_client,
        r.lost,
        r.same_connection_duplicates,
        r.order_errors,
        r.bad_values,
        r.other_asdus,
        r.refused_retries,
        r.connections,
        r.reconnects,
        r.switch_overs,
        r.starts_confirmed,
        r.starts_not_connected,
        r.starts_lost,
        r.complete,
        r.ended_cleanly,
        r.wall.as_secs_f64(),
    );
    println!(
        "memory: VmRSS after warm-up {} KiB, peak (VmHWM) {} KiB, VmRSS after shutdown {} KiB \
         (bound: baseline + {} KiB)",
        r.rss_baseline_kib, r.vm_hwm_kib, r.rss_after_kib, RSS_BOUND_KIB
    );
    println!(
        "faults: proxy connections {}, octets {}, drops {}, truncations {}, corruptions {}, \
         duplications {}, delays {}, stalls {}, splits {}, coalesces {}, reorders {} ({} \
         overtaken by a newer connection); connections with a corruption or duplication closed \
         by a peer {}, by the proxy first {}, open at shutdown {}",
        f.connections,
        f.octets,
        f.drops,
        f.truncations,
        f.corruptions,
        f.duplications,
        f.delays,
        f.stalls,
        f.splits,
        f.coalesces,
        f.reorders,
        f.reorders_overtaken,
        f.corrupted_closed_by_peer,
        f.corrupted_closed_by_proxy,
        f.corrupted_open_at_shutdown
    );
    println!("disconnect reasons: {:?}", r.disconnect_reasons);
    if let Some((p, want, got, c)) = r.first_loss {
        println!("first gap: point {p} expected {want} got {got} on connection {c}");
    }
    let seed = r.seed;
    assert_eq!(r.lost, 0, "seed {seed:#x}: events lost");
    assert_eq!(
        r.bad_values, 0,
        "seed {seed:#x}: values that are no sequence number"
    );
    assert_eq!(
        r.order_errors, 0,
        "seed {seed:#x}: out of order within a connection"
    );
    assert_eq!(
        r.same_connection_duplicates, 0,
        "seed {seed:#x}: duplicate without reconnect"
    );
    assert!(
        r.complete,
        "seed {seed:#x}: not every event arrived in time"
    );
    assert_eq!(r.received_new, r.sent);
    assert!(r.ended_cleanly, "seed {seed:#x}: a shutdown did not finish");
    assert!(
        r.rss_after_kib <= r.rss_baseline_kib + RSS_BOUND_KIB,
        "seed {seed:#x}: memory not back to its baseline"
    );
    if events >= 20_000 {
        assert!(r.reconnects > 0, "{f:?}");
        assert!(f.drops > 0 && f.truncations > 0 && f.reorders > 0, "{f:?}");
        assert!(f.splits > 0 && f.coalesces > 0 && f.delays > 0, "{f:?}");
        if let Some(due) = events.checked_div(switch_every) {
            assert!(r.switch_overs >= due / 2, "{r:?}");
        }
        if std::env::var_os("FAULT_PROXY_NO_CORRUPT").is_none() {
            assert!(f.corruptions > 0, "{f:?}");
            assert!(
                f.corrupted_closed_by_peer > 0,
                "no corruption made a peer close: {f:?}"
            );
        }
    }
}
