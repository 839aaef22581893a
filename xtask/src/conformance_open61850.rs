//! Interop with open61850 0.9.12 (a pure-Python MMS client), on 127.0.0.1: its client
//! (`xtask/peers/open61850_client.py`) against our `telecontrol mms server` (the sample
//! directory). The script associates, lists domains, variables and named variable lists,
//! reads and writes with VMD and domain scope, reads a structure's type and a list's
//! members, defines and deletes a named variable list, receives an InformationReport and
//! concludes; it exits 0 only if all worked.
//!
//! Not covered by open61850's client API, so done with its own helpers instead:
//! DefineNamedVariableList and DeleteNamedVariableList (built with its BER/PDU helpers and
//! sent with its generic `request`) and conclude (the conclude-Request sent on its
//! connection, the conclude-Response observed on its receive thread). open61850 never
//! sends an A-RELEASE after the conclude: it closes the TCP connection, which our server
//! handles as a transport close.
//!
//! Every child runs under a guard that kills it on drop; every wait has a time limit.

use crate::util::{cargo, ensure_venv, root};
use anyhow::{Context, Result, bail, ensure};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills and reaps the child when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run the interop check; the script's output goes to `out`.
pub fn run(out: &Path, smoke: bool) -> Result<()> {
    let started = Instant::now();
    cargo(&["build", "-q", "-p", "telecontrol"], &[])?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root().join("target"), |d| root().join(d));
    let bin = target.join("debug/telecontrol");
    ensure!(bin.exists(), "{} missing after the build", bin.display());
    let py = ensure_venv(&["open61850==0.9.12"])?;
    let script = root().join("xtask/peers/open61850_client.py");
    let runs = if smoke { 1 } else { 2 };
    for i in 1..=runs {
        once(&bin, &py, &script, out, i)?;
    }
    eprintln!(
        "conformance: open61850 0.9.12 MMS client against our mms server ({runs} run(s)) passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn once(bin: &Path, py: &Path, script: &Path, out: &Path, run: u32) -> Result<()> {
    let mut child = Command::new(bin)
        .args(["mms", "server", "--bind", "127.0.0.1:0", "--duration", "60"])
        .args(["--report-ms", "200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start telecontrol mms server")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let _server = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line of mms server: {line:?}"))?;
    let port = addr.rsplit(':').next().context("no port")?.to_owned();

    let client = Command::new(py)
        .arg(script)
        .args(["--port", &port])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start the open61850 client")?;
    let mut guard = Guard(client);
    let limit = Duration::from_secs(30);
    let start = Instant::now();
    let status = loop {
        if let Some(s) = guard.0.try_wait()? {
            break s;
        }
        if start.elapsed() > limit {
            bail!("open61850 client still running after {limit:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut report = String::new();
    for pipe in [
        guard
            .0
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read>),
        guard
            .0
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read>),
    ]
    .into_iter()
    .flatten()
    {
        for l in BufReader::new(pipe).lines().map_while(Result::ok) {
            report.push_str(&l);
            report.push('\n');
        }
    }
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join(format!("open61850-client-{run}.txt")), &report)?;
    ensure!(
        status.success(),
        "open61850 client against our mms server failed:\n{report}"
    );
    Ok(())
}
