//! TLS (IEC 62351-3) for the simulators: the `--tls-*` options and the `[tls]` table of a
//! server's TOML config, both turned into a [`TlsConfig`]. One form for every protocol:
//! `telecontrol 104 server|client` (104 over TLS, port 19998 by convention) and
//! `telecontrol tase2 server|client` (secure ICCP, TASE.2 / MMS over TLS, IEC 62351-4,
//! port 3782 by convention).
//!
//! ```toml
//! [tls]
//! cert = "server.pem"          # own certificate chain (PEM), end entity first
//! key = "server.key"           # own private key (PEM: PKCS#8, PKCS#1 or SEC1)
//! ca = "ca.pem"                # trusted CA certificates (PEM); and/or `allow`
//! crl = ["ca.crl"]             # certificate revocation lists (PEM), optional
//! allow = ["3f1c…"]            # allowed peer certificates by SHA-256 (64 hex digits)
//! versions = "1.2+1.3"         # "1.2+1.3" (default), "1.3" or "1.2"
//! handshake_timeout = 10       # seconds, default 10
//! ```
//!
//! Relative paths are relative to the config file's directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::Deserialize;
use telecontrol_tokio::telecontrol_tls::TlsInput;
use telecontrol_tokio::telecontrol_tls::pki_types::ServerName;
use telecontrol_tokio::{Fingerprint, TlsConfig, TlsError, TlsVersions};
use toml::Spanned;

/// The `--tls-*` options of `104 server|client` and `tase2 server|client`.
#[derive(Args, Clone, Debug, Default)]
pub struct TlsArgs {
    /// TLS (IEC 62351-3): own certificate chain, PEM. Turns TLS on; needs --tls-key and
    /// --tls-ca and/or --tls-allow.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS: own private key, PEM.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// TLS: trusted CA certificates, PEM (the peer's chain must lead to one).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_ca: Option<PathBuf>,
    /// TLS: a certificate revocation list, PEM (repeatable; needs --tls-ca).
    #[arg(long, value_name = "FILE", requires = "tls_ca")]
    pub tls_crl: Vec<PathBuf>,
    /// TLS: allow the peer certificate with this SHA-256 fingerprint (64 hex digits,
    /// `:` separators allowed; repeatable). With --tls-ca both must pass.
    #[arg(long, value_name = "SHA256HEX", requires = "tls_cert")]
    pub tls_allow: Vec<Fingerprint>,
}

impl TlsArgs {
    /// The configuration, or `None` without `--tls-cert`.
    ///
    /// # Errors
    /// A file that cannot be read or holds no usable PEM item, or neither a CA nor an
    /// allow-list.
    pub fn config(&self) -> Result<Option<TlsConfig>, TlsError> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let files = TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
            ca: self.tls_ca.clone(),
            crl: self.tls_crl.clone(),
            allow: self.tls_allow.clone(),
            versions: TlsVersions::default(),
            handshake_timeout: None,
        };
        files.load().map(Some)
    }
}

/// The `[tls]` table of a server config, validated (files not read yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// Own certificate chain.
    pub cert: PathBuf,
    /// Own private key.
    pub key: PathBuf,
    /// Trusted CA certificates.
    pub ca: Option<PathBuf>,
    /// Certificate revocation lists.
    pub crl: Vec<PathBuf>,
    /// Allowed peer certificates.
    pub allow: Vec<Fingerprint>,
    /// TLS versions.
    pub versions: TlsVersions,
    /// Handshake time-out (default [`telecontrol_tokio::telecontrol_tls::DEFAULT_HANDSHAKE_TIMEOUT`]).
    pub handshake_timeout: Option<Duration>,
}

impl TlsFiles {
    /// Read the files into a [`TlsConfig`] and check it can make a rustls configuration.
    ///
    /// # Errors
    /// As [`TlsArgs::config`]; the error names the input.
    pub fn load(&self) -> Result<TlsConfig, TlsError> {
        let mut c = TlsConfig::from_pem_files(&self.cert, &self.key)?;
        if let Some(ca) = &self.ca {
            c = c.with_ca_pem_file(ca)?;
        }
        for crl in &self.crl {
            c = c.with_crl_pem_file(crl)?;
        }
        if !self.crl.is_empty() && self.ca.is_none() {
            return Err(TlsError::Rejected {
                input: TlsInput::Crl,
            });
        }
        for f in &self.allow {
            c = c.with_allowed(*f);
        }
        c = c.with_versions(self.versions);
        if let Some(t) = self.handshake_timeout {
            c.handshake_timeout = t;
        }
        // Fail now, not on the first connection.
        c.server_config()?;
        Ok(c)
    }
}

/// The `[tls]` table as written (see the module docs); [`RawTls::check`] validates it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    cert: Spanned<String>,
    key: Spanned<String>,
    ca: Option<Spanned<String>>,
    #[serde(default)]
    crl: Vec<Spanned<String>>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    versions: Option<Spanned<String>>,
    handshake_timeout: Option<Spanned<f64>>,
}

/// A `[tls]` field that is wrong: the span, the field, the reason.
pub type FieldError = (core::ops::Range<usize>, String, String);

impl RawTls {
    /// Validate, resolving paths against `dir` (the config file's directory).
    ///
    /// # Errors
    /// The wrong field: its span in the TOML text, its name and why.
    pub fn check(&self, dir: &Path) -> Result<TlsFiles, FieldError> {
        let path = |s: &Spanned<String>| dir.join(s.get_ref());
        let mut allow = Vec::new();
        for (i, a) in self.allow.iter().enumerate() {
            let f = a
                .get_ref()
                .parse::<Fingerprint>()
                .map_err(|e| (a.span(), format!("tls.allow[{i}]"), e.to_string()))?;
            allow.push(f);
        }
        let versions = match self.versions.as_ref().map(|v| (v, v.get_ref().as_str())) {
            None | Some((_, "1.2+1.3")) => TlsVersions::Tls12And13,
            Some((_, "1.3")) => TlsVersions::Tls13Only,
            Some((_, "1.2")) => TlsVersions::Tls12Only,
            Some((v, other)) => {
                return Err((
                    v.span(),
                    "tls.versions".into(),
                    format!("unknown versions {other:?} (\"1.2+1.3\", \"1.3\", \"1.2\")"),
                ));
            }
        };
        let handshake_timeout = match &self.handshake_timeout {
            None => None,
            Some(t) => Some(
                Duration::try_from_secs_f64(*t.get_ref())
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        (
                            t.span(),
                            "tls.handshake_timeout".into(),
                            "must be a positive number of seconds".into(),
                        )
                    })?,
            ),
        };
        if self.ca.is_none() && allow.is_empty() {
            return Err((
                self.cert.span(),
                "tls".into(),
                "needs `ca` and/or `allow`: with neither every peer would be refused".into(),
            ));
        }
        if let (None, Some(c)) = (&self.ca, self.crl.first()) {
            return Err((c.span(), "tls.crl".into(), "needs `ca`".into()));
        }
        Ok(TlsFiles {
            cert: path(&self.cert),
            key: path(&self.key),
            ca: self.ca.as_ref().map(path),
            crl: self.crl.iter().map(path).collect(),
            allow,
            versions,
            handshake_timeout,
        })
    }
}

/// The name a TLS client checks the server's certificate against (with a CA): `explicit`
/// (`--tls-server-name`), else the host of `addr` (`HOST:PORT`, an IP address or a DNS
/// name).
///
/// # Errors
/// Neither is a valid DNS name or IP address.
pub fn server_name(explicit: Option<&str>, addr: &str) -> Result<ServerName<'static>, String> {
    let host = match explicit {
        Some(n) => n,
        None => addr
            .rsplit_once(':')
            .map_or(addr, |(h, _)| h)
            .trim_start_matches('[')
            .trim_end_matches(']'),
    };
    ServerName::try_from(host.to_owned())
        .map_err(|_| format!("{host:?} is not a valid server name"))
}
