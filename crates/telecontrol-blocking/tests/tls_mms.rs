//! Secure ICCP on threads (mio): the shared scenarios of crates/testkit/src/e2e_tase2_tls.rs
//! (TASE.2 over TLS, refusals counted by reason, a silent peer dropped after the handshake
//! time-out, admission per address) with the blocking `Tase2Server::bind_tls` and
//! `Tase2Client::connect_tls`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../../testkit/src/e2e_tase2_tls.rs"]
mod e2e_tase2_tls;

use std::net::SocketAddr;
use std::sync::Arc;

use e2e_tase2_tls::{Fail, TlsRuntime};
use telecontrol_blocking::mms::MmsServerConfig;
use telecontrol_blocking::tase2::tase2_transfer_sets::client::{PointName, Tase2ClientConfig};
use telecontrol_blocking::tase2::tase2_transfer_sets::station::{StationConfig, Tase2Station};
use telecontrol_blocking::tase2::tase2_transfer_sets::{Value, ValueKind};
use telecontrol_blocking::tase2::{Tase2Client, Tase2Server};
use telecontrol_blocking::{TlsConfig, TlsConnectError, TlsStats};
use telecontrol_core::admission::AdmissionStats;
use telecontrol_tls::TlsSession;
use telecontrol_tls::pki_types::ServerName;

struct Blocking;

impl TlsRuntime for Blocking {
    type Server = Tase2Server;
    type Client = Tase2Client;

    fn new_station(&self, config: StationConfig) -> Arc<Tase2Station> {
        Tase2Server::new_station(config)
    }
    fn serve_tls(
        &self,
        station: Arc<Tase2Station>,
        config: MmsServerConfig,
        tls: &TlsConfig,
    ) -> Tase2Server {
        Tase2Server::bind_tls("127.0.0.1:0", config, station, tls).unwrap()
    }
    fn serve_plain(&self, station: Arc<Tase2Station>, config: MmsServerConfig) -> Tase2Server {
        Tase2Server::bind("127.0.0.1:0", config, station).unwrap()
    }
    fn client_tls(&self, client: &Tase2Client) -> (Option<TlsSession>, Option<TlsStats>) {
        (client.tls_session(), client.tls_stats())
    }
    fn addr(&self, server: &Tase2Server) -> SocketAddr {
        server.local_addr()
    }
    fn tls_stats(&self, server: &Tase2Server) -> TlsStats {
        server.tls_stats()
    }
    fn admission_stats(&self, server: &Tase2Server) -> AdmissionStats {
        server.admission_stats()
    }
    fn stop(&self, server: Tase2Server) {
        server.close();
    }
    fn connect_tls(
        &self,
        addr: SocketAddr,
        config: Tase2ClientConfig,
        tls: &TlsConfig,
    ) -> Result<Tase2Client, TlsConnectError<Fail>> {
        let name = ServerName::try_from("localhost").unwrap();
        Tase2Client::connect_tls(addr, config, tls, name).map_err(|e| e.map(|e| format!("{e:?}")))
    }
    fn connect_plain(
        &self,
        addr: SocketAddr,
        config: Tase2ClientConfig,
    ) -> Result<Tase2Client, Fail> {
        Tase2Client::connect(addr, config).map_err(|e| format!("{e:?}"))
    }
    fn read(&self, client: &mut Tase2Client, point: &PointName) -> Result<Value, Fail> {
        let points = [(point.clone(), ValueKind::RealQ)];
        let mut r = client.read(&points).map_err(|e| format!("{e:?}"))?;
        r.pop()
            .ok_or_else(|| "no result".to_owned())?
            .map_err(|e| format!("{e:?}"))
    }
    fn conclude(&self, client: Tase2Client) {
        let _ = client.conclude(e2e_tase2_tls::LIMIT);
    }
}

#[test]
fn blocking_tase2_tls_valid_peer_reads_point() {
    e2e_tase2_tls::valid_peer_reads_point(&Blocking);
}

#[test]
fn blocking_tase2_tls_refusals_counted() {
    e2e_tase2_tls::refusals(&Blocking);
}

#[test]
fn blocking_tase2_tls_admission_per_address() {
    e2e_tase2_tls::admission_per_address(&Blocking);
}

#[test]
fn blocking_tase2_tls_client_reports_its_session() {
    e2e_tase2_tls::client_tls_session(&Blocking);
}

#[test]
fn blocking_tase2_tls_sessions_resume_per_identity() {
    e2e_tase2_tls::sessions_resume_per_identity(&Blocking);
}
