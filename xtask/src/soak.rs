//! `cargo xtask soak [--events N] [--seed S] [--tase2-events N] [--tase2]`: the fault-proxy
//! run of `crates/telecontrol-tokio/tests/fault_proxy.rs` in release with many events (1 000 000 by
//! default). The test prints events sent, received, lost, duplicates, reconnects, the faults
//! injected by kind, the peak RSS (VmHWM) of the test process and the wall time, and fails on
//! any loss.
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
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--events" => events = it.next().map_or(events, |n| (*n).to_string()),
            "--seed" => seed = it.next().map(|s| (*s).to_string()),
            "--tase2-events" => {
                tase2_events = it.next().map_or(tase2_events, |n| (*n).to_string());
            }
            "--tase2" => only_tase2 = true,
            other => anyhow::bail!("soak: unknown argument {other}"),
        }
    }
    let mut envs = vec![("FAULT_PROXY_EVENTS", events.as_str())];
    if let Some(s) = seed.as_deref() {
        envs.push(("FAULT_PROXY_SEED", s));
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
