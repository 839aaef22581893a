//! TASE.2 critical reports through a fault-injecting proxy: our tokio [`Tase2Server`]
//! reports changes of its points by exception on a critical DS transfer set while our tokio
//! [`Tase2Client`] receives them through `testkit`'s `FaultProxy`, which drops connections,
//! truncates mid-PDU, delays, stalls, re-segments and coalesces. The client acknowledges
//! every critical report (its `ReportTracker`); after each loss it reconnects, defines its
//! data set again and re-enables a transfer set (the station released the old ones with the
//! association).
//!
//! No bit corruption or duplication: MMS has no checksum of its own (it relies on TCP's),
//! so a flipped bit inside a value is a well-formed report with another value, and a flipped
//! bit in an acknowledgement's time stamp a well-formed acknowledgement of another report:
//! the proxy would create data no real TCP path delivers, and the run could not tell a
//! fault of ours from one it made.
//!
//! What "all acknowledged" means across a reconnect (the station's rule, from
//! `station/directory.rs` `release`): a critical report awaits its `Transfer_Report_ACK` on
//! the association it was sent on only. When that association ends, its transfer sets are
//! disabled and reset: the reports still awaited are dropped with them — not sent again on
//! the next association and not reported (no `AckTimeout`). The values they carried are not
//! lost to the client: the points keep them, and the next association's transfer set
//! reports them (integrity every second). Asserted:
//! 1. the station raised no `AckTimeout` and no `ReportNack`: every critical report on an
//!    association that lived `critical_ack_timeout` after sending it was acknowledged;
//! 2. the client acknowledged every critical report it received, except ones whose
//!    acknowledgement could not be sent because the association had already closed under
//!    it: at most 4 per lost association (the station holds further reports while 4 await
//!    their acknowledgement);
//! 3. the last value of every point reaches the client through the faults, and again on a
//!    clean association made directly after the run, which stays up past the acknowledgement
//!    timeout without an `AckTimeout`;
//! 4. values only increase per point, across reconnects too (the station's values only
//!    increase); nothing but a sequence number of its point arrives;
//! 5. every association ended (`Released` for each `Associated`), every transfer set of the
//!    ICC is free again; no task panicked; no wait hung (every one bounded); resident memory
//!    after the run and after shutdown within 8 MiB of the figure after a warm-up.
//!
//! `TASE2_FAULT_EVENTS` (default 4 000), `TASE2_FAULT_PER_MS` (changes per millisecond,
//! default 1) and `TASE2_FAULT_SEED` set the run; `cargo xtask soak` runs it in release with
//! 1 000 000 changes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::print_stdout,
    clippy::too_many_lines,
    missing_docs,
    dead_code
)]

#[path = "../../testkit/src/proxy.rs"]
mod proxy;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use proxy::{FaultCounts, FaultPlan, FaultProxy, FaultTarget};
use tase2_transfer_sets::client::{PointName, Reading, TransferSetOptions};
use tase2_transfer_sets::station::{
    BilateralTableConfig, Domain, PeerConfig, PointConfig, PointId, StationConfig, StationEvent,
    Tase2Station,
};
use tase2_transfer_sets::{AccessRights, DataFlags, DataRealQ, DsConditions, Value, ValueKind};
use telecontrol_tokio::mms::MmsServerConfig;
use telecontrol_tokio::mms::mms_pdu::association::{Addressing, Config};
use telecontrol_tokio::mms::mms_pdu::ber::Oid;
use telecontrol_tokio::tase2::{
    Tase2Client, Tase2ClientConfig, Tase2ClientEvent, Tase2Server, tase2_transfer_sets,
};
use tokio::sync::watch;

const PEER_OID: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x01];
const ICC: &str = "ICC1";
const POINTS: usize = 8;
const ACK_TIMEOUT: Duration = Duration::from_secs(3);
/// Critical reports the station lets await their acknowledgement per transfer set.
const OUTSTANDING: u64 = 4;
/// The longest a single step (connect, a request, the next report) may take.
const STEP: Duration = Duration::from_secs(5);

static PANICS: AtomicU64 = AtomicU64::new(0);

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn plan(seed: u64) -> FaultPlan {
    FaultPlan {
        drop: 0.004,
        truncate: 0.004,
        corrupt: 0.0,
        duplicate: 0.0,
        delay: 0.02,
        max_delay: Duration::from_millis(3),
        stall: 0.002,
        max_stall: Duration::from_millis(200),
        split: 0.05,
        coalesce: 0.05,
        target: FaultTarget::AnyOctet,
        ..FaultPlan::clean(seed)
    }
}

fn point_name(p: usize) -> String {
    format!("P{p}")
}

fn client_config() -> Tase2ClientConfig {
    let mut association = Config::DEFAULT;
    association.local = Addressing {
        ap_title: Some(Oid::from_encoded(&PEER_OID)),
        ae_qualifier: Some(12),
        ..Addressing::DEFAULT
    };
    association.password = Some(b"pw");
    association.request_timeout = STEP;
    let mut config = Tase2ClientConfig::new(ICC);
    config.association = association;
    config.table_id = Some("ICC1_T".into());
    config
}

fn station() -> (Arc<Tase2Station>, Vec<PointId>) {
    let st = Tase2Server::new_station(StationConfig {
        critical_ack_timeout: ACK_TIMEOUT,
        ..StationConfig::default()
    });
    let ids = (0..POINTS)
        .map(|p| {
            st.add_point(PointConfig {
                domain: Domain::icc(ICC),
                name: point_name(p),
                kind: ValueKind::RealQ,
                initial: None,
            })
            .unwrap()
        })
        .collect();
    st.add_bilateral_table(BilateralTableConfig {
        peer: Some(PeerConfig {
            ap_title: vec![1, 3, 9999, 1],
            ae_qualifier: Some(12),
            password: Some(b"pw".to_vec()),
        }),
        icc_domain: ICC.into(),
        table_id: "ICC1_T".into(),
        objects: (0..POINTS)
            .map(|p| (Domain::icc(ICC), point_name(p), AccessRights::READ))
            .collect(),
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    (st, ids)
}

fn options() -> TransferSetOptions {
    TransferSetOptions {
        rbe: true,
        critical: true,
        integrity_check: 1,
        conditions: DsConditions(DsConditions::OBJECT_CHANGE | DsConditions::INTEGRITY_TIMEOUT),
        ..TransferSetOptions::default()
    }
}

fn value(seq: u64) -> Value {
    Value::RealQ(DataRealQ {
        value: seq as f32,
        flags: DataFlags::GOOD,
    })
}

/// What the client saw.
#[derive(Debug, Default)]
struct ClientFigures {
    associations: u64,
    connect_failures: u64,
    setup_failures: u64,
    reports: u64,
    critical_reports: u64,
    acknowledged: u64,
    /// Critical reports whose acknowledgement could not be sent (association gone).
    unacknowledged: u64,
    /// Most of those on one association.
    unacknowledged_max: u64,
    /// Critical reports on the current association.
    association_critical: u64,
    values: u64,
    order_errors: u64,
    bad_values: u64,
    silent_timeouts: u64,
    close_reasons: BTreeMap<String, u64>,
    /// Last value seen per point (`-1`: none yet).
    last: Vec<i64>,
    final_seen: bool,
}

/// Check one report's values against what was seen; true when every point shows `target`.
fn take_report(
    f: &mut ClientFigures,
    values: &[(PointName, Reading)],
    target: Option<&[i64]>,
) -> bool {
    for (name, reading) in values {
        f.values += 1;
        let p = name
            .item
            .strip_prefix('P')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|p| *p < POINTS);
        let v = match reading {
            Reading::Value(Value::RealQ(DataRealQ { value, flags }))
                if *flags == DataFlags::GOOD =>
            {
                Some(*value as i64)
            }
            _ => None,
        };
        match (p, v) {
            (Some(p), Some(v)) if v >= 0 && v as usize % POINTS == p => {
                if v < f.last[p] {
                    f.order_errors += 1;
                }
                f.last[p] = f.last[p].max(v);
            }
            // The initial value of a point not yet changed: zero, flags NOTVALID.
            (Some(p), None) if f.last[p] < 0 => {}
            _ => f.bad_values += 1,
        }
    }
    target.is_some_and(|t| t == f.last.as_slice())
}

/// Associate, define the data set, start the critical transfer set.
async fn setup(addr: std::net::SocketAddr, f: &mut ClientFigures) -> Option<Tase2Client> {
    let connected = tokio::time::timeout(STEP, Tase2Client::connect(addr, client_config())).await;
    let Ok(Ok(mut client)) = connected else {
        f.connect_failures += 1;
        return None;
    };
    f.associations += 1;
    let points: Vec<(PointName, ValueKind)> = (0..POINTS)
        .map(|p| (PointName::icc(ICC, &point_name(p)), ValueKind::RealQ))
        .collect();
    let started = tokio::time::timeout(STEP, async {
        client.define_data_set("DS_FAULT", &points).await?;
        client.start_transfer_set("DS_FAULT", options()).await
    })
    .await;
    if matches!(started, Ok(Ok(_))) {
        Some(client)
    } else {
        f.setup_failures += 1;
        None
    }
}

/// One event of the client: counted and checked; `Some(ended)` when the association ended
/// (`true`) or every point shows `target` (`false`).
fn on_event(
    f: &mut ClientFigures,
    ev: Option<Tase2ClientEvent>,
    target: Option<&[i64]>,
) -> Option<bool> {
    match ev {
        Some(Tase2ClientEvent::Report(r)) => {
            f.reports += 1;
            if r.critical {
                f.critical_reports += 1;
                f.association_critical += 1;
            }
            if take_report(f, &r.values, target) {
                f.final_seen = true;
                return Some(false);
            }
            None
        }
        Some(Tase2ClientEvent::Closed(reason)) => {
            *f.close_reasons.entry(format!("{reason:?}")).or_default() += 1;
            Some(true)
        }
        Some(_) => None,
        None => {
            *f.close_reasons.entry("gone".into()).or_default() += 1;
            Some(true)
        }
    }
}

/// The books of one association, once it is over: its critical reports against the
/// acknowledgements the client sent on it.
fn close_books(f: &mut ClientFigures, client: &Tase2Client) {
    let acked = client.acknowledged();
    f.acknowledged += acked;
    let missing = f.association_critical.saturating_sub(acked);
    f.unacknowledged += missing;
    f.unacknowledged_max = f.unacknowledged_max.max(missing);
    f.association_critical = 0;
}

/// Receive reports on one association until it ends (`true`) or every point shows
/// `target` (`false`).
async fn receive(
    client: &mut Tase2Client,
    f: &mut ClientFigures,
    target: &watch::Receiver<Option<Vec<i64>>>,
) -> bool {
    loop {
        match tokio::time::timeout(STEP, client.next_event()).await {
            Ok(ev) => {
                let t = target.borrow().clone();
                if let Some(ended) = on_event(f, ev, t.as_deref()) {
                    return ended;
                }
            }
            Err(_) => {
                // Integrity reports come every second: silence for STEP is a hang.
                f.silent_timeouts += 1;
                return true;
            }
        }
    }
}

/// The client through the proxy: reconnect after every loss until the final values arrive.
async fn faulty_client(
    addr: std::net::SocketAddr,
    target: watch::Receiver<Option<Vec<i64>>>,
    deadline: Instant,
) -> ClientFigures {
    let mut f = ClientFigures {
        last: vec![-1; POINTS],
        ..ClientFigures::default()
    };
    while !f.final_seen && Instant::now() < deadline {
        let Some(mut client) = setup(addr, &mut f).await else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let ended = receive(&mut client, &mut f, &target).await;
        close_books(&mut f, &client);
        if !ended {
            let _ = tokio::time::timeout(STEP, client.conclude(STEP)).await;
        }
    }
    f
}

/// What the station told the application.
#[derive(Debug, Default)]
struct StationFigures {
    associated: u64,
    released: u64,
    refused: u64,
    enabled: u64,
    disabled: u64,
    ack_timeouts: u64,
    nacks: u64,
    expired: u64,
    other: u64,
}

impl StationFigures {
    fn take(&mut self, e: &StationEvent) {
        match e {
            StationEvent::Associated { .. } => self.associated += 1,
            StationEvent::Released { .. } => self.released += 1,
            StationEvent::AssociationRefused { .. } => self.refused += 1,
            StationEvent::TransferSetEnabled { .. } => self.enabled += 1,
            StationEvent::TransferSetDisabled { .. } => self.disabled += 1,
            StationEvent::AckTimeout { .. } => self.ack_timeouts += 1,
            StationEvent::ReportNack { .. } => self.nacks += 1,
            StationEvent::ReportsExpired { .. } => self.expired += 1,
            _ => self.other += 1,
        }
    }
}

#[derive(Debug)]
struct Run {
    seed: u64,
    changes: u64,
    client: ClientFigures,
    clean: ClientFigures,
    station: StationFigures,
    faults: FaultCounts,
    transfer_sets_free: bool,
    rss_warm_kib: u64,
    rss_run_kib: u64,
    wall: Duration,
}

async fn run(changes: u64, per_ms: u64, seed: u64, deadline: Instant) -> Run {
    let started = Instant::now();
    let (st, ids) = station();
    let mut server = Tase2Server::bind("127.0.0.1:0", MmsServerConfig::default(), st)
        .await
        .unwrap();
    let proxy = FaultProxy::start(server.local_addr(), plan(seed))
        .await
        .unwrap();
    let (target_tx, target_rx) = watch::channel(None);
    let client = tokio::spawn(faulty_client(
        proxy.local_addr(),
        target_rx.clone(),
        deadline,
    ));

    // Produce: change `per_ms` points per millisecond, point `seq % POINTS` to `seq`.
    let mut station = StationFigures::default();
    let warm_at = (changes / 10).max(1);
    let mut rss_warm_kib = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq = 0u64;
    let mut last = vec![-1i64; POINTS];
    while seq < changes {
        tokio::select! {
            _ = tick.tick() => {
                for _ in 0..per_ms.min(changes - seq) {
                    let p = (seq % POINTS as u64) as usize;
                    server.update(ids[p], value(seq)).unwrap();
                    last[p] = seq as i64;
                    seq += 1;
                }
                if seq >= warm_at && rss_warm_kib == 0 {
                    rss_warm_kib = rss_kib();
                }
            }
            Some(e) = server.next_event() => station.take(&e),
        }
        assert!(Instant::now() < deadline, "producer past the deadline");
    }
    target_tx.send(Some(last.clone())).unwrap();
    let mut client = client;
    let client = loop {
        tokio::select! {
            done = &mut client => break done.unwrap(),
            Some(e) = server.next_event() => station.take(&e),
        }
    };

    // A clean association straight to the server: the final values, and no acknowledgement
    // timeout while it stays up past `critical_ack_timeout`.
    let mut clean = ClientFigures {
        last: vec![-1; POINTS],
        ..ClientFigures::default()
    };
    let mut c = setup(server.local_addr(), &mut clean)
        .await
        .expect("clean association");
    let (_keep, clean_target) = watch::channel(Some(last.clone()));
    assert!(
        !receive(&mut c, &mut clean, &clean_target).await,
        "final values on the clean association"
    );
    let until = tokio::time::Instant::now() + ACK_TIMEOUT + Duration::from_secs(1);
    loop {
        tokio::select! {
            ev = tokio::time::timeout_at(until, c.next_event()) => match ev {
                Ok(ev) => assert_eq!(on_event(&mut clean, ev, None), None, "clean association lost"),
                Err(_) => break,
            },
            Some(e) = server.next_event() => station.take(&e),
        }
    }
    close_books(&mut clean, &c);
    c.conclude(STEP).await.unwrap();
    // Every association ends: wait for the station to see the last release.
    while station.released < station.associated {
        match tokio::time::timeout(STEP, server.next_event()).await {
            Ok(Some(e)) => station.take(&e),
            _ => break,
        }
    }
    let transfer_sets_free = (1..=8).all(|i| {
        server
            .station()
            .transfer_set(ICC, &format!("DSTransferSet{i:04}"))
            .is_some_and(|t| t.owner.is_none() && !t.enabled)
    });
    let rss_run_kib = rss_kib();
    let faults = proxy.shutdown().await;
    server.close().await;
    Run {
        seed,
        changes,
        client,
        clean,
        station,
        faults,
        transfer_sets_free,
        rss_warm_kib,
        rss_run_kib,
        wall: started.elapsed(),
    }
}

#[test]
fn critical_reports_acknowledged_through_faults() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    let changes = env_u64("TASE2_FAULT_EVENTS", 4_000);
    let per_ms = env_u64("TASE2_FAULT_PER_MS", 1).max(1);
    let seed = env_u64("TASE2_FAULT_SEED", 0x7A5E_2FA0);
    // Bounded: the production time, plus a minute to converge and check.
    let deadline =
        Instant::now() + Duration::from_millis(changes / per_ms) * 3 + Duration::from_secs(60);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let r = rt.block_on(run(changes, per_ms, seed, deadline));
    rt.shutdown_timeout(STEP);
    let rss_end_kib = rss_kib();
    println!("{r:#?}");
    println!(
        "RSS KiB: after warm-up {}, after the run {}, after shutdown {rss_end_kib}",
        r.rss_warm_kib, r.rss_run_kib
    );

    let c = &r.client;
    let s = &r.station;
    let f = &r.faults;
    println!(
        "TASE.2 fault run: seed {:#x}, {} changes, {} reports ({} critical), {} acknowledged, \
         {} not acknowledgeable (association gone), {} associations ({} reconnects, {} failed \
         connects, {} failed setups), AckTimeout {}, NACK {}; faults: {} drops, {} \
         truncations, {} delays, {} stalls, {} splits, {} coalesces over {} connections; \
         RSS KiB {} / {} / {rss_end_kib}; {:.1} s",
        r.seed,
        r.changes,
        c.reports,
        c.critical_reports,
        c.acknowledged,
        c.unacknowledged,
        c.associations,
        c.associations.saturating_sub(1),
        c.connect_failures,
        c.setup_failures,
        s.ack_timeouts,
        s.nacks,
        f.drops,
        f.truncations,
        f.delays,
        f.stalls,
        f.splits,
        f.coalesces,
        f.connections,
        r.rss_warm_kib,
        r.rss_run_kib,
        r.wall.as_secs_f64(),
    );
    assert!(
        c.final_seen,
        "final values reached the client through the faults"
    );
    assert!(r.clean.final_seen, "final values on the clean association");
    assert_eq!(
        s.ack_timeouts, 0,
        "every critical report acknowledged in time"
    );
    assert_eq!(s.nacks, 0);
    assert_eq!(c.acknowledged + c.unacknowledged, c.critical_reports);
    assert!(
        c.unacknowledged_max <= OUTSTANDING,
        "acknowledgements unsendable on one association: {}",
        c.unacknowledged_max
    );
    assert_eq!(c.critical_reports, c.reports, "every report critical");
    assert_eq!(r.clean.unacknowledged, 0, "clean association: all sent");
    assert_eq!(c.order_errors + r.clean.order_errors, 0);
    assert_eq!(c.bad_values + r.clean.bad_values, 0);
    assert_eq!(c.silent_timeouts + r.clean.silent_timeouts, 0, "no hang");
    assert_eq!(s.refused, 0);
    assert_eq!(s.released, s.associated, "every association ended");
    assert!(r.transfer_sets_free, "every transfer set free again");
    assert!(
        r.faults.drops + r.faults.truncations > 0,
        "the run lost connections: {:?}",
        r.faults
    );
    assert!(c.associations > 1, "the client reconnected");
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "no task panicked");
    let bound = 8 * 1024;
    assert!(
        r.rss_run_kib.saturating_sub(r.rss_warm_kib) < bound,
        "RSS after the run"
    );
    assert!(
        rss_end_kib.saturating_sub(r.rss_warm_kib) < bound,
        "RSS after shutdown"
    );
}
