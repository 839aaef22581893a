//! `cargo xtask soak [--events N] [--seed S] [--switch-every N] [--t2-ms MS] [--tase2-events N]
//! [--tase2]`: the fault-proxy run of `crates/telecontrol-tokio/tests/fault_proxy.rs` in
//! release with many events (1 000 000 by default) to two clients of one redundancy group,
//! switched over by STOPDT/STARTDT every `--switch-every` events (1 000; 0: never), the
//! clients' t2 `--t2-ms` (default the standard's 10 s). The test prints events sent, received,
//! lost, duplicates, reconnects, switch-overs, the faults injected by kind, the RSS after
//! warm-up, at its peak (VmHWM) and after shutdown, and the wall time; it fails on any loss or
//! memory not back within its bound.
//!
//! Then the TASE.2 run of `crates/telecontrol-tokio/tests/tase2_fault_proxy.rs`: critical
//! reports through the same proxy, 1 000 000 point changes by default (`--tase2-events N`),
//! 4 per millisecond; it prints reports, acknowledgements, reconnects, faults by kind and
//! the RSS after warm-up, run and shutdown. `--tase2` runs only that one.

use anyhow::Result;

use crate::util::cargo;

/// Run the soak.
pub fn run(args: &[&str]) -> Result<()> {
    let mut events = String::from("1000000");
    let mut seed: Option<String> = None;
    let mut tase2_events = String::from("1000000");
    let mut only_tase2 = false;
    let mut switch_every: Option<String> = None;
    let mut t2_ms: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--events" => events = it.next().map_or(events, |n| (*n).to_string()),
            "--seed" => seed = it.next().map(|s| (*s).to_string()),
            "--tase2-events" => {
                tase2_events = it.next().map_or(tase2_events, |n| (*n).to_string());
            }
            "--tase2" => only_tase2 = true,
            "--switch-every" => switch_every = it.next().map(|n| (*n).to_string()),
            "--t2-ms" => t2_ms = it.next().map(|n| (*n).to_string()),
            other => anyhow::bail!("soak: unknown argument {other}"),
        }
    }
    let mut envs = vec![("FAULT_PROXY_EVENTS", events.as_str())];
    if let Some(s) = seed.as_deref() {
        envs.push(("FAULT_PROXY_SEED", s));
    }
    if let Some(n) = switch_every.as_deref() {
        envs.push(("FAULT_PROXY_SWITCH_EVERY", n));
    }
    if let Some(t2) = t2_ms.as_deref() {
        envs.push(("FAULT_PROXY_T2_MS", t2));
    }
    if only_tase2 {
        return tase2(&tase2_events, seed.as_deref());
    }
    eprintln!("==> soak: {events} events through the fault proxy (release)");
    cargo(
        &[
            "test",
            "--release",
            "-p",
            "telecontrol-tokio",
            "--test",
            "fault_proxy",
            "--",
            "--nocapture",
            "event_stream",
        ],
        &envs,
    )?;
    tase2(&tase2_events, seed.as_deref())
}

/// The TASE.2 critical-report run through the fault proxy, in release.
fn tase2(changes: &str, seed: Option<&str>) -> Result<()> {
    let mut envs = vec![("TASE2_FAULT_EVENTS", changes), ("TASE2_FAULT_PER_MS", "4")];
    if let Some(s) = seed {
        envs.push(("TASE2_FAULT_SEED", s));
    }
    eprintln!(
        "==> soak: {changes} TASE.2 point changes, critical reports through the fault proxy (release)"
    );
    cargo(
        &[
            "test",
            "--release",
            "-p",
            "telecontrol-tokio",
            "--test",
            "tase2_fault_proxy",
            "--",
            "--nocapture",
            "critical_reports_acknowledged_through_faults",
        ],
        &envs,
    )
}
