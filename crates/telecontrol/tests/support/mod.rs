//! What several CLI test binaries share: a child guard and a test PKI on disk.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Child;
use std::sync::mpsc;

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
