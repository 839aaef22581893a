//! Secure ICCP for `telecontrol tase2 server|client`: TASE.2 / MMS over TLS (IEC 62351-4 /
//! -3; port 3782 by convention) from the shared `--tls-*` options and the server config's
//! `[tls]` table ([`crate::tls`], the same form as `104`'s).
//!
//! ```text
//! telecontrol tase2 server --bind 0.0.0.0:3782 --tls-cert s.pem --tls-key s.key --tls-ca ca.pem
//! telecontrol tase2 client 127.0.0.1:3782 --tls-cert c.pem --tls-key c.key --tls-ca ca.pem
//! ```

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use tase2_transfer_sets::station::Tase2Station;
use telecontrol_tokio::mms::MmsServerConfig;
use telecontrol_tokio::tase2::{Tase2Client, Tase2ClientConfig, Tase2Server};
use telecontrol_tokio::{TlsConfig, TlsSession};

use super::config::ServerFile;
use crate::tls::TlsArgs;

/// The server's TLS settings: the options win over the config's `[tls]` table; `None`
/// without either.
///
/// # Errors
/// An invalid `[tls]` table (with its line), or TLS files that cannot be used.
pub fn server_config(
    args: &TlsArgs,
    file: Option<(&Path, &ServerFile)>,
) -> anyhow::Result<Option<TlsConfig>> {
    if let Some(c) = args.config().context("TLS")? {
        return Ok(Some(c));
    }
    let Some((path, raw)) = file.and_then(|(p, f)| f.tls.as_ref().map(|t| (p, t))) else {
        return Ok(None);
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let files = raw.check(dir).map_err(|(span, field, reason)| {
        let line = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.get(..span.start).map(|b| b.lines().count().max(1)))
            .unwrap_or(0);
        anyhow!("{}:{line}: {field}: {reason}", path.display())
    })?;
    files.load().map(Some).context("TLS")
}

/// Bind the server, over TLS when `tls` is given.
///
/// # Errors
/// As [`Tase2Server::bind`] / [`Tase2Server::bind_tls`].
pub async fn bind(
    addr: SocketAddr,
    config: MmsServerConfig,
    station: Arc<Tase2Station>,
    tls: Option<&TlsConfig>,
) -> std::io::Result<Tase2Server> {
    match tls {
        Some(t) => Tase2Server::bind_tls(addr, config, station, t).await,
        None => Tase2Server::bind(addr, config, station).await,
    }
}

/// Connect, associate and check the server, over TLS with `--tls-cert` (the server's
/// certificate checked against `server_name`, default the host of `addr`).
///
/// # Errors
/// The TLS options, the TLS handshake (the reason), or the association and checks.
pub async fn connect(
    addr: &str,
    config: Tase2ClientConfig,
    args: &TlsArgs,
    server_name: Option<&str>,
) -> anyhow::Result<Tase2Client> {
    let Some(tls) = args.config().context("TLS")? else {
        return Ok(Tase2Client::connect(addr, config).await?);
    };
    let name = crate::tls::server_name(server_name, addr).map_err(|e| anyhow!("TLS: {e}"))?;
    Tase2Client::connect_tls(addr, config, &tls, name)
        .await
        .map_err(|e| anyhow!("{e}"))
}

/// What the client's connection negotiated, for the `--json` start line (`null` over plain
/// TCP): `version`, `cipher_suite` (rustls' names), `resumed`, `peer_fingerprint` (SHA-256 of
/// the server's certificate, hex). Each run is a new process with a new session store, so
/// `resumed` is false here; a program that reconnects with one `TlsConfig` resumes.
#[must_use]
pub fn session_json(session: Option<&TlsSession>) -> serde_json::Value {
    session.map_or(serde_json::Value::Null, |s| {
        serde_json::json!({
            "version": format!("{:?}", s.version),
            "cipher_suite": format!("{:?}", s.cipher_suite),
            "resumed": s.resumed,
            "peer_fingerprint": s.peer_fingerprint.map(|f| f.to_string()),
        })
    })
}

/// Log what the client's connection negotiated (info: shown by default when piped, with -v
/// on a terminal).
pub fn log_session(session: Option<&TlsSession>) {
    if let Some(s) = session {
        let server = s
            .peer_fingerprint
            .map(|f| f.to_string())
            .unwrap_or_default();
        tracing::info!(
            version = ?s.version,
            cipher_suite = ?s.cipher_suite,
            resumed = s.resumed,
            %server,
            "TLS session"
        );
    }
}
