//! What several CLI test binaries share: a child guard, pipe readers, the tase2 server and
//! client as built, and a test PKI on disk.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use telecontrol_tls::test_pki::{Ca, Validity};

/// Kills and reaps the child on drop.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The lines of a child's pipe, read on a thread until the pipe ends — also after the
/// receiver is dropped, so the child never writes into a closed pipe.
pub fn lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// The built tool.
pub const BIN: &str = env!("CARGO_BIN_EXE_telecontrol");
/// The longest one expected thing may take.
pub const STEP: Duration = Duration::from_secs(20);

/// `tase2 server --bind 127.0.0.1:0 --duration 60 --tick-ms 100 --json` and `extra`: the
/// guard, its address (from its first line) and its further stdout lines.
pub fn tase2_server<S: AsRef<OsStr>>(extra: &[S]) -> (Guard, String, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args([
            "tase2",
            "server",
            "--bind",
            "127.0.0.1:0",
            "--duration",
            "60",
        ])
        .args(["--tick-ms", "100", "--json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines(child.stdout.take().unwrap());
    let guard = Guard(child);
    let first = rx.recv_timeout(STEP).expect("address line");
    let addr = first
        .strip_prefix("listening on ")
        .expect("address line")
        .to_owned();
    (guard, addr, rx)
}

/// `tase2 client ADDR` with `args`, bounded by [`STEP`]: (exit success, stdout, stderr).
pub fn tase2_client<S: AsRef<OsStr>>(addr: &str, args: &[S]) -> (bool, String, String) {
    let child = Command::new(BIN)
        .args(["tase2", "client", addr])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx
        .recv_timeout(STEP)
        .expect("client finished in time")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The next line of `rx` containing `needle`, within [`STEP`].
pub fn line_with(rx: &mpsc::Receiver<String>, needle: &str) -> String {
    let end = Instant::now() + STEP;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) if l.contains(needle) => return l,
            Ok(_) => {}
            Err(_) => panic!("no line with {needle:?}"),
        }
    }
}

/// A directory with PEM files written by rcgen, removed on drop: `ca.pem`, `ca.crl`
/// (revoking `revoked`), and `NAME.pem` / `NAME.key` for `server`, `client` and `revoked`.
pub struct Pki {
    pub dir: PathBuf,
}

impl Pki {
    /// A new PKI in a fresh temporary directory (`name` keeps tests apart).
    pub fn new(name: &str) -> Pki {
        let dir =
            std::env::temp_dir().join(format!("telecontrol-pki-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ca = Ca::new("cli test CA").unwrap();
        let server = ca.issue("server", Validity::Valid).unwrap();
        let client = ca.issue("client", Validity::Valid).unwrap();
        let revoked = ca.issue("revoked", Validity::Valid).unwrap();
        let w = |f: &str, s: &str| std::fs::write(dir.join(f), s).unwrap();
        w("ca.pem", &ca.pem());
        w("ca.crl", &ca.crl(&[&revoked]).unwrap());
        for (n, l) in [
            ("server", &server),
            ("client", &client),
            ("revoked", &revoked),
        ] {
            w(&format!("{n}.pem"), &l.cert_pem);
            w(&format!("{n}.key"), &l.key_pem);
        }
        Pki { dir }
    }

    /// The path of file `f` in the directory.
    pub fn path(&self, f: &str) -> String {
        self.dir.join(f).to_str().unwrap().to_owned()
    }

    /// `--tls-cert NAME.pem --tls-key NAME.key --tls-ca ca.pem --tls-crl ca.crl`.
    pub fn args(&self, name: &str) -> Vec<String> {
        vec![
            "--tls-cert".into(),
            self.path(&format!("{name}.pem")),
            "--tls-key".into(),
            self.path(&format!("{name}.key")),
            "--tls-ca".into(),
            self.path("ca.pem"),
            "--tls-crl".into(),
            self.path("ca.crl"),
        ]
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
