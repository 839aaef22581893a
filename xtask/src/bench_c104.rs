//! The c104 half of `cargo xtask bench loopback104`: values per second over 127.0.0.1 with
//! k = 12, w = 8, one M_ME_NC_1 value per ASDU, for every pairing of c104 2.2.1 (Python
//! bindings of lib60870-C; `xtask/peers/c104_bench.py`) and our tokio adapter (the
//! `loopback104` example's `--serve` / `--count` modes), plus the c104 server's own send loop
//! with no client. Printed as one table; docs/benchmarks.md ("104 adapters") records it.
//!
//! Every child runs under a guard that kills it on drop; every wait has a time limit.

use crate::util::{cargo, ensure_venv, root};
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills and reaps the child when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What one pairing measured.
struct Row {
    pairing: &'static str,
    sent: String,
    received: String,
    rate: String,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn spawn(cmd: &mut Command) -> Result<(Guard, BufReader<ChildStdout>)> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start a benchmark peer")?;
    let out = BufReader::new(child.stdout.take().context("no stdout")?);
    Ok((Guard(child), out))
}

/// The next stdout line (the peers print one line per step; they time out themselves).
fn line(out: &mut BufReader<ChildStdout>, what: &str) -> Result<String> {
    let mut l = String::new();
    if out.read_line(&mut l)? == 0 {
        bail!("{what}: ended without output");
    }
    Ok(l.trim().to_owned())
}

fn json(l: &str) -> Result<Value> {
    serde_json::from_str(l).with_context(|| format!("not JSON: {l}"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(0.0)
}

fn per_s(x: f64) -> String {
    format!("{x:.0}/s")
}

/// The c104 server's send rate and how many of its transmits returned false.
fn sender(v: &Value) -> String {
    format!(
        "{} ({:.0} transmits false)",
        per_s(num(v, "send_rate")),
        num(v, "refused")
    )
}

/// Our client's `received N seconds S rate R` line.
fn ours(l: &str) -> Result<(f64, f64)> {
    let w: Vec<&str> = l.split_whitespace().collect();
    match w.as_slice() {
        ["received", n, "seconds", _, "rate", r] => Ok((n.parse()?, r.parse()?)),
        _ => bail!("unexpected output of loopback104 --count: {l}"),
    }
}

fn wait_exit(mut g: Guard, limit: Duration) -> Result<()> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if g.0.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("a benchmark peer did not end within {limit:?}")
}

/// Run the four measurements with `values` values each and print the table.
pub fn run(values: usize) -> Result<()> {
    cargo(
        &[
            "build",
            "-q",
            "--release",
            "-p",
            "telecontrol-tokio",
            "--example",
            "loopback104",
        ],
        &[],
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root().join("target"), |d| root().join(d));
    let ex = target.join("release/examples/loopback104");
    let py = ensure_venv(&["c104==2.2.1"])?;
    let script = root().join("xtask/peers/c104_bench.py");
    let n = values.to_string();
    let c104 = |mode: &str, port: u16, extra: &[&str]| {
        let mut c = Command::new(&py);
        c.arg(&script)
            .args([mode, "--port", &port.to_string(), "--values", &n])
            .args(extra);
        c
    };
    let limit = Duration::from_secs(300);
    let mut rows = Vec::new();

    // The c104 server's send loop alone: no client, every transmit finds no connection.
    let (g, mut out) = spawn(&mut c104("server", free_port()?, &["--alone"]))?;
    line(&mut out, "c104 server")?;
    let s = json(&line(&mut out, "c104 server")?)?;
    wait_exit(g, limit)?;
    rows.push(Row {
        pairing: "c104 server, no client (Python loop: set value + transmit)",
        sent: sender(&s),
        received: "–".into(),
        rate: "–".into(),
    });

    // c104 server → c104 client, and c104 server → our tokio client.
    for ours_client in [false, true] {
        let port = free_port()?;
        let (srv, mut sout) = spawn(&mut c104("server", port, &[]))?;
        line(&mut sout, "c104 server")?;
        let (got, rate) = if ours_client {
            let addr = format!("127.0.0.1:{port}");
            let (g, mut cout) = spawn(Command::new(&ex).args(["--count", &addr, &n]))?;
            let r = ours(&line(&mut cout, "our client")?)?;
            wait_exit(g, limit)?;
            r
        } else {
            let (g, mut cout) = spawn(&mut c104("client", port, &[]))?;
            line(&mut cout, "c104 client")?;
            let c = json(&line(&mut cout, "c104 client")?)?;
            wait_exit(g, limit)?;
            (num(&c, "received"), num(&c, "rate"))
        };
        let s = json(&line(&mut sout, "c104 server")?)?;
        wait_exit(srv, limit)?;
        rows.push(Row {
            pairing: if ours_client {
                "c104 server → our tokio client"
            } else {
                "c104 server → c104 client"
            },
            sent: sender(&s),
            received: format!("{got:.0} of {values}"),
            rate: per_s(rate),
        });
    }

    // Our tokio server → c104 client.
    let (srv, mut sout) = spawn(Command::new(&ex).args(["--serve", &n]))?;
    let ready = line(&mut sout, "our server")?;
    let port = ready
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .with_context(|| format!("unexpected output of loopback104 --serve: {ready}"))?;
    let (g, mut cout) = spawn(&mut c104("client", port, &[]))?;
    line(&mut cout, "c104 client")?;
    let c = json(&line(&mut cout, "c104 client")?)?;
    wait_exit(g, limit)?;
    wait_exit(srv, limit)?;
    rows.push(Row {
        pairing: "our tokio server → c104 client",
        sent: "–".into(),
        received: format!("{:.0} of {values}", num(&c, "received")),
        rate: per_s(num(&c, "rate")),
    });

    print_table(&rows, values, &ex);
    Ok(())
}

fn print_table(rows: &[Row], values: usize, ex: &Path) {
    println!(
        "\n104 loopback with c104 2.2.1, k = 12, w = 8, 1 M_ME_NC_1 value per ASDU, \
         {values} values per run ({})",
        ex.display()
    );
    println!("| pairing | sender's loop | values received | received values/s |");
    println!("|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} |",
            r.pairing, r.sent, r.received, r.rate
        );
    }
}
