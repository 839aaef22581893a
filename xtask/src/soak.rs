//! `cargo xtask soak [--events N] [--seed S]`: the fault-proxy run of
//! `crates/telecontrol-tokio/tests/fault_proxy.rs` in release with many events (1 000 000 by
//! default). The test prints events sent, received, lost, duplicates, reconnects, the faults
//! injected by kind, the peak RSS (VmHWM) of the test process and the wall time, and fails on
//! any loss.

use anyhow::Result;

use crate::util::cargo;

/// Run the soak.
pub fn run(args: &[&str]) -> Result<()> {
    let mut events = String::from("1000000");
    let mut seed: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--events" => events = it.next().map_or(events, |n| (*n).to_string()),
            "--seed" => seed = it.next().map(|s| (*s).to_string()),
            other => anyhow::bail!("soak: unknown argument {other}"),
        }
    }
    let mut envs = vec![("FAULT_PROXY_EVENTS", events.as_str())];
    if let Some(s) = seed.as_deref() {
        envs.push(("FAULT_PROXY_SEED", s));
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
    )
}
