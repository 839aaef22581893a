//! `cargo xtask fuzz [--minutes N] [TARGET...]`: build every cargo-fuzz target once (nightly),
//! then run each for N minutes (per target, default 1), one libFuzzer process at a time, over
//! its corpus (`fuzz/corpus/NAME`, kept between runs) and its committed seeds
//! (`fuzz/seeds/NAME`). Crashes are written to `fuzz/artifacts/NAME/`, the whole libFuzzer
//! output to `fuzz/artifacts/NAME/libfuzzer.log`. At the end a summary table gives, per
//! target, executions, executions per second, coverage (`cov`/`ft` of libFuzzer's last status
//! line), corpus size and crashes; the command fails if any target crashed.
//!
//! The binaries are built once up front and run directly, so editing sources while a
//! campaign runs does not rebuild (or break) it. The build honours `CARGO_TARGET_DIR`
//! (default `fuzz/target`).

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{self, root};

/// What one target's run reported.
#[derive(Debug, Default)]
struct Outcome {
    name: String,
    execs: u64,
    exec_per_sec: u64,
    cov: u64,
    ft: u64,
    corpus: u64,
    crashes: Vec<String>,
    exit: Option<i32>,
}

pub fn run(args: &[&str]) -> Result<()> {
    let mut minutes = 1u64;
    let mut only: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--minutes" => {
                minutes = it
                    .next()
                    .and_then(|m| m.parse().ok())
                    .context("--minutes needs a whole number")?;
            }
            t => only.push(t),
        }
    }
    util::ensure_cargo_fuzz()?;
    let mut targets: Vec<String> = std::fs::read_dir(root().join("fuzz/fuzz_targets"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    targets.sort();
    for o in &only {
        if !targets.iter().any(|t| t == o) {
            bail!("no fuzz target {o} (fuzz/fuzz_targets/{o}.rs)");
        }
    }
    targets.retain(|t| only.is_empty() || only.contains(&t.as_str()));

    eprintln!("==> cargo +nightly fuzz build (all targets, release, debug assertions)");
    util::run_in(
        &root().join("fuzz"),
        "cargo",
        &["+nightly", "fuzz", "build"],
        &[],
    )?;
    let bin_dir = binary_dir(&targets)?;

    eprintln!(
        "==> {} targets, {minutes} min each ({} min in all)",
        targets.len(),
        minutes * targets.len() as u64
    );
    let mut outcomes = Vec::new();
    for t in &targets {
        eprintln!("==> fuzz {t} for {minutes} min");
        let o = run_one(&bin_dir.join(t), t, minutes * 60)?;
        eprintln!(
            "    {t}: {} execs ({}/s), cov {} ft {}, corpus {}, crashes {}",
            o.execs,
            o.exec_per_sec,
            o.cov,
            o.ft,
            o.corpus,
            o.crashes.len()
        );
        outcomes.push(o);
    }

    eprintln!("\nfuzz summary ({minutes} min per target):");
    eprintln!(
        "{:<20} {:>12} {:>8} {:>6} {:>7} {:>7} {:>7}",
        "target", "execs", "exec/s", "cov", "ft", "corpus", "crashes"
    );
    for o in &outcomes {
        eprintln!(
            "{:<20} {:>12} {:>8} {:>6} {:>7} {:>7} {:>7}",
            o.name,
            o.execs,
            o.exec_per_sec,
            o.cov,
            o.ft,
            o.corpus,
            o.crashes.len()
        );
    }
    let failed: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !o.crashes.is_empty() || o.exit != Some(0))
        .collect();
    if failed.is_empty() {
        eprintln!("no crash");
        return Ok(());
    }
    for o in &failed {
        eprintln!(
            "{}: exit {:?}, artifacts: {}",
            o.name,
            o.exit,
            if o.crashes.is_empty() {
                "none (see libfuzzer.log)".to_string()
            } else {
                o.crashes.join(", ")
            }
        );
    }
    bail!(
        "{} target(s) crashed: fix the bug and commit each crashing input as a seed in fuzz/seeds/NAME/",
        failed.len()
    )
}

/// Where `cargo fuzz build` put the binaries: `<target dir>/<host triple>/release`.
fn binary_dir(targets: &[String]) -> Result<PathBuf> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("fuzz/target"));
    let first = targets.first().context("no fuzz target")?;
    for e in std::fs::read_dir(&target_dir)
        .with_context(|| format!("no fuzz build in {}", target_dir.display()))?
        .flatten()
    {
        let dir = e.path().join("release");
        if dir.join(first).is_file() {
            return Ok(dir);
        }
    }
    bail!(
        "no fuzz binary {first} under {}/*/release",
        target_dir.display()
    )
}

/// Run one target's binary for `secs` seconds; parse its final statistics.
fn run_one(bin: &Path, name: &str, secs: u64) -> Result<Outcome> {
    let corpus = root().join("fuzz/corpus").join(name);
    let seeds = root().join("fuzz/seeds").join(name);
    let artifacts = root().join("fuzz/artifacts").join(name);
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(&artifacts)?;
    let before = crash_files(&artifacts);
    let mut log = std::fs::File::create(artifacts.join("libfuzzer.log"))?;
    let mut child = Command::new(bin)
        .arg(&corpus)
        .arg(&seeds)
        .arg(format!("-max_total_time={secs}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-timeout=10")
        .arg("-rss_limit_mb=2048")
        .arg("-print_final_stats=1")
        .current_dir(root().join("fuzz"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let mut o = Outcome {
        name: name.to_string(),
        ..Outcome::default()
    };
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines() {
            let line = line?;
            writeln!(log, "{line}")?;
            parse_line(&line, &mut o);
            let loud = ["ERROR", "SUMMARY", "panicked", "Test unit written", "DONE"];
            if loud.iter().any(|w| line.contains(w)) || line.contains("pulse") {
                eprintln!("    {line}");
            }
        }
    }
    o.exit = child.wait()?.code();
    o.crashes = crash_files(&artifacts)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    Ok(o)
}

/// Update `o` from one line of libFuzzer output (status lines and `-print_final_stats`).
fn parse_line(line: &str, o: &mut Outcome) {
    let num = |key: &str| -> Option<u64> {
        let rest = line.split(key).nth(1)?;
        rest.split_whitespace().next()?.parse().ok()
    };
    if line.starts_with('#') {
        if let Some(v) = num(" cov: ") {
            o.cov = v;
        }
        if let Some(v) = num(" ft: ") {
            o.ft = v;
        }
        if let Some(c) = line
            .split(" corp: ")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|n| n.parse().ok())
        {
            o.corpus = c;
        }
    }
    if let Some(v) = num("stat::number_of_executed_units: ") {
        o.execs = v;
    }
    if let Some(v) = num("stat::average_exec_per_sec: ") {
        o.exec_per_sec = v;
    }
}

/// The crash, timeout, leak and out-of-memory inputs libFuzzer wrote to `dir`.
fn crash_files(dir: &Path) -> Vec<String> {
    let prefixes = ["crash-", "timeout-", "leak-", "oom-", "slow-unit-"];
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| prefixes.iter().any(|p| n.starts_with(p)))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_statistics_are_parsed() {
        let mut o = Outcome::default();
        for l in [
            "#2\tINITED cov: 17 ft: 18 corp: 1/1b exec/s: 0 rss: 30Mb",
            "#8192\tpulse  cov: 120 ft: 300 corp: 40/1200b lim: 80 exec/s: 4096 rss: 40Mb",
            "#90000\tDONE   cov: 131 ft: 412 corp: 57/2031b lim: 200 exec/s: 1500 rss: 52Mb",
            "stat::number_of_executed_units: 90000",
            "stat::average_exec_per_sec:     1500",
        ] {
            parse_line(l, &mut o);
        }
        assert_eq!((o.cov, o.ft, o.corpus), (131, 412, 57));
        assert_eq!((o.execs, o.exec_per_sec), (90000, 1500));
    }
}
