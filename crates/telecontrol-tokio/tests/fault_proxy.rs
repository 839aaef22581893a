//! The 104 server→client event stream through a fault-injecting proxy: our tokio [`Server`]
//! queues spontaneous events (a monotonic sequence number per point, on points of three
//! types) while our tokio [`Client`] receives them through `testkit`'s `FaultProxy`, which
//! drops connections, truncates mid-frame, delays, stalls, re-segments and corrupts or
//! duplicates APCI octets. The server keeps the client's events across reconnects (a
//! redundancy group of 127.0.0.1), so nothing accepted may be lost.
//!
//! Checked per point: every accepted event arrives, new ones in order; a number arrives again
//! only on a later connection than its first arrival (the re-send of unacknowledged events
//! after a reconnect), and within one connection the numbers of a point only increase.
//! Corruption and duplication touch only the APCI octets: 104 has no checksum of its own, so
//! a flipped bit in a value would be a valid frame with a different value, which the proxy
//! does not create. A value that is not a sequence number of its point, of the wrong type or
//! at an unknown address is counted in `bad_values` and fails the run — never hidden.
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
    Backoff, Client, ClientConfig, ClientEvent, CommandAnswer, CommandRequest, DataKind, Database,
    Point, RedundancyGroup, Server, ServerConfig, UpdateError,
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
    pub duplicates: u64,
    pub same_connection_duplicates: u64,
    pub order_errors: u64,
    pub bad_values: u64,
    pub other_asdus: u64,
    pub refused_retries: u64,
    pub connections: u64,
    pub reconnects: u64,
    pub disconnect_reasons: BTreeMap<String, u64>,
    pub faults: FaultCounts,
    pub complete: bool,
    pub ended_cleanly: bool,
    pub wall: Duration,
    pub vm_hwm_kib: u64,
}

/// Per-point receive state.
struct PointRx {
    expected: u64,
    last_on_connection: Option<u64>,
    /// Connection number on which each sequence number first arrived.
    first_connection: Vec<u32>,
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

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Stream `events` events through the proxy under seed `seed`.
pub async fn run(events: u64, seed: u64) -> Report {
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
    let client_config = ClientConfig {
        backoff: Backoff::new(Duration::from_millis(10), Duration::from_millis(200)),
        ..ClientConfig::default()
    };
    let (client, mut rx) = Client::connect(proxy.local_addr(), client_config);

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

    let mut points: Vec<PointRx> = (0..POINTS)
        .map(|_| PointRx {
            expected: 0,
            last_on_connection: None,
            first_connection: Vec::new(),
        })
        .collect();
    let per_point = |p: u64| events / POINTS + u64::from(p < events % POINTS);
    let deadline = start + Duration::from_secs(120) + Duration::from_millis(2 * events);
    let mut connection = 0u32;
    while points
        .iter()
        .enumerate()
        .any(|(p, r)| r.expected < per_point(p as u64))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Some(event)) = tokio::time::timeout(left, rx.recv()).await else {
            break; // time is up or the client ended: reported as incomplete
        };
        match event {
            ClientEvent::Connected(_) => {
                connection += 1;
                report.connections += 1;
                points.iter_mut().for_each(|r| r.last_on_connection = None);
            }
            ClientEvent::Disconnected(why) => {
                let key: String = why.chars().take(40).collect();
                *report.disconnect_reasons.entry(key).or_default() += 1;
            }
            ClientEvent::Asdu(a) => {
                if a.kind != DataKind::Spontaneous {
                    report.other_asdus += 1;
                    continue;
                }
                for o in a.objects() {
                    let p = u64::from(o.ioa.value().wrapping_sub(IOA_BASE));
                    let Some(r) = points.get_mut(p as usize) else {
                        report.bad_values += 1;
                        continue;
                    };
                    let Some(s) = seq_of(p, &o.value, r.expected) else {
                        report.bad_values += 1;
                        continue;
                    };
                    if r.last_on_connection.is_some_and(|l| s <= l) {
                        report.order_errors += 1;
                    }
                    r.last_on_connection = Some(s);
                    if s < r.expected {
                        if r.first_connection[s as usize] == connection {
                            report.same_connection_duplicates += 1;
                        } else {
                            report.duplicates += 1;
                        }
                        continue;
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
            }
            _ => {} // Started, and whatever later versions add
        }
    }
    report.complete = points
        .iter()
        .enumerate()
        .all(|(p, r)| r.expected == per_point(p as u64));
    report.sent = events;
    report.reconnects = report.connections.saturating_sub(1);
    // Shut everything down, each step bounded.
    let bound = Duration::from_secs(20);
    let producer_done = tokio::time::timeout(bound, producer).await;
    report.refused_retries = producer_done
        .as_ref()
        .ok()
        .and_then(|r| r.as_ref().ok())
        .copied()
        .unwrap_or(0);
    let client_done = tokio::time::timeout(bound, client.shutdown()).await.is_ok();
    let server_done = tokio::time::timeout(bound, server.shutdown()).await.is_ok();
    let faults = tokio::time::timeout(bound, proxy.shutdown()).await;
    report.ended_cleanly =
        producer_done.is_ok_and(|r| r.is_ok()) && client_done && server_done && faults.is_ok();
    report.faults = faults.unwrap_or_default();
    report.wall = start.elapsed();
    report.vm_hwm_kib = vm_hwm_kib();
    report
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

#[test]
fn event_stream_survives_faults_without_loss() {
    let events = env_u64("FAULT_PROXY_EVENTS", 20_000);
    let seed = env_u64("FAULT_PROXY_SEED", 0x5EED_0104);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let r = rt.block_on(run(events, seed));
    let f = &r.faults;
    println!(
        "fault_proxy seed {:#x}: events sent {}, received {} new + {} duplicates (re-sends after \
         a reconnect), lost {}, same-connection duplicates {}, order errors {}, bad values {}, \
         other ASDUs {}, buffer-full retries {}, connections {} (reconnects {}), complete {}, \
         ended cleanly {}, wall {:.1} s, peak RSS (VmHWM) {} KiB",
        r.seed,
        r.sent,
        r.received_new,
        r.duplicates,
        r.lost,
        r.same_connection_duplicates,
        r.order_errors,
        r.bad_values,
        r.other_asdus,
        r.refused_retries,
        r.connections,
        r.reconnects,
        r.complete,
        r.ended_cleanly,
        r.wall.as_secs_f64(),
        r.vm_hwm_kib
    );
    println!(
        "faults: proxy connections {}, octets {}, drops {}, truncations {}, corruptions {}, \
         duplications {}, delays {}, stalls {}, splits {}, coalesces {}; connections with a \
         corruption or duplication closed by a peer {}, by the proxy first {}, open at \
         shutdown {}",
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
    if events >= 20_000 {
        assert!(r.reconnects > 0, "{f:?}");
        assert!(f.drops > 0 && f.truncations > 0, "{f:?}");
        assert!(f.splits > 0 && f.coalesces > 0 && f.delays > 0, "{f:?}");
        if std::env::var_os("FAULT_PROXY_NO_CORRUPT").is_none() {
            assert!(f.corruptions > 0, "{f:?}");
            assert!(
                f.corrupted_closed_by_peer > 0,
                "no corruption made a peer close: {f:?}"
            );
        }
    }
}
