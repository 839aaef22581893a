//! Process helpers for xtask.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Run a program in `dir`, inheriting stdio; fail on a non-zero exit.
pub fn run_in(dir: &Path, prog: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    let status = Command::new(prog)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(dir)
        .status()
        .with_context(|| format!("cannot start {prog}"))?;
    if !status.success() {
        bail!("`{prog} {}` exited with {status}", args.join(" "));
    }
    Ok(())
}

/// Run cargo at the workspace root.
pub fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run_in(&root(), &cargo, args, envs)
}

/// True if `prog` runs.
pub fn have(prog: &str, arg: &str) -> bool {
    Command::new(prog)
        .arg(arg)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Install tshark with apt-get when it is missing (CI and fresh machines run as root).
pub fn ensure_tshark() -> Result<()> {
    if have("tshark", "--version") {
        return Ok(());
    }
    eprintln!("xtask: tshark missing, installing it with apt-get");
    let script = "export DEBIAN_FRONTEND=noninteractive; \
        echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections; \
        apt-get update -qq && apt-get install -y -qq tshark";
    run_in(&root(), "sh", &["-c", script], &[])?;
    if !have("tshark", "--version") {
        bail!("tshark still missing after apt-get");
    }
    Ok(())
}

#[allow(dead_code)] // used by the peer checks (c104, open61850) as they land
/// A Python virtual environment under `target/` with `packages` installed; returns its python.
pub fn ensure_venv(packages: &[&str]) -> Result<PathBuf> {
    let venv = root().join("target/conformance-venv");
    let py = venv.join("bin/python");
    if !py.exists() {
        run_in(
            &root(),
            "python3",
            &["-m", "venv", venv.to_str().unwrap_or("venv")],
            &[],
        )?;
    }
    let mut missing = Vec::new();
    for p in packages {
        let name = p.split(['=', '<', '>']).next().unwrap_or(p);
        let ok = Command::new(&py)
            .args(["-m", "pip", "show", "-q", name])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            missing.push(*p);
        }
    }
    if !missing.is_empty() {
        let mut args = vec!["-m", "pip", "install", "-q", "--disable-pip-version-check"];
        args.extend(missing.iter().copied());
        run_in(&root(), py.to_str().unwrap_or("python"), &args, &[])?;
    }
    Ok(py)
}

/// Install cargo-fuzz when missing.
pub fn ensure_cargo_fuzz() -> Result<()> {
    if have("cargo-fuzz", "--version") {
        return Ok(());
    }
    cargo(&["install", "cargo-fuzz", "--locked"], &[])
}
