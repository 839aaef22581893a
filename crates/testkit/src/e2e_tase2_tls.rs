//! Secure ICCP end to end: TASE.2 / MMS over TLS (IEC 62351-4 / -3) and the MMS servers'
//! connection admission, written once and run against each runtime on 127.0.0.1 with
//! ephemeral ports and certificates, keys and a CRL made at run time (rcgen, the
//! `test-pki` feature of telecontrol-tls).
//!
//! Not a module of the testkit library (it needs the adapters): each adapter's
//! `tests/tls_mms.rs` includes it with `#[path = "../../testkit/src/e2e_tase2_tls.rs"]` and
//! implements [`TlsRuntime`]. Every wait is bounded ([`LIMIT`], generous) and ends as soon
//! as what is awaited is seen; outcomes are asserted, speed never.
#![allow(
    dead_code,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mms_pdu::driver::MmsServerConfig;
use tase2_transfer_sets::client::{PointName, Tase2ClientConfig};
use tase2_transfer_sets::station::{
    BilateralTableConfig, Domain, PointConfig, PointId, StationConfig, Tase2Station,
};
use tase2_transfer_sets::{AccessRights, DataFlags, DataRealQ, Value, ValueKind};
use telecontrol_core::admission::AdmissionStats;
use telecontrol_tls::rustls::ProtocolVersion;
use telecontrol_tls::test_pki::{self, Ca, Leaf, Validity};
use telecontrol_tls::{TlsConfig, TlsConnectError, TlsRefusal, TlsSession, TlsStats, TlsVersions};

/// Longest wait for anything in these scenarios.
pub const LIMIT: Duration = Duration::from_secs(10);
/// The handshake time-out of the servers here (short, so the silent peer is dropped soon;
/// the test only waits for it, bounded by [`LIMIT`]).
pub const HANDSHAKE: Duration = Duration::from_millis(300);
/// The value of `V_REAL` the clients read.
pub const V_REAL: f32 = 42.5;

/// Why a client call failed, runtime-neutral (the error's `Debug` text).
pub type Fail = String;

/// A runtime under test.
pub trait TlsRuntime {
    type Server;
    type Client;
    /// A station telling time with the runtime's clock.
    fn new_station(&self, config: StationConfig) -> Arc<Tase2Station>;
    /// `Tase2Server::bind_tls` on 127.0.0.1, ephemeral port.
    fn serve_tls(
        &self,
        station: Arc<Tase2Station>,
        config: MmsServerConfig,
        tls: &TlsConfig,
    ) -> Self::Server;
    /// `Tase2Server::bind` (plain TCP) on 127.0.0.1, ephemeral port.
    fn serve_plain(&self, station: Arc<Tase2Station>, config: MmsServerConfig) -> Self::Server;
    fn addr(&self, server: &Self::Server) -> SocketAddr;
    fn tls_stats(&self, server: &Self::Server) -> TlsStats;
    /// The client's `tls_session()` and `tls_stats()`.
    fn client_tls(&self, client: &Self::Client) -> (Option<TlsSession>, Option<TlsStats>);
    fn admission_stats(&self, server: &Self::Server) -> AdmissionStats;
    fn stop(&self, server: Self::Server);
    /// `Tase2Client::connect_tls` with server name `localhost`.
    fn connect_tls(
        &self,
        addr: SocketAddr,
        config: Tase2ClientConfig,
        tls: &TlsConfig,
    ) -> Result<Self::Client, TlsConnectError<Fail>>;
    /// `Tase2Client::connect` (plain TCP).
    fn connect_plain(
        &self,
        addr: SocketAddr,
        config: Tase2ClientConfig,
    ) -> Result<Self::Client, Fail>;
    /// Read one RealQ point.
    fn read(&self, client: &mut Self::Client, point: &PointName) -> Result<Value, Fail>;
    fn conclude(&self, client: Self::Client);
}

/// The PKI: a CA with a server certificate, a good, an expired and a revoked client, a CRL
/// revoking the revoked one; a second CA; a self-signed stranger.
pub struct Pki {
    pub ca: Ca,
    pub crl: String,
    pub server: Leaf,
    pub client: Leaf,
    pub expired: Leaf,
    pub revoked: Leaf,
    pub other_ca: Ca,
    pub stranger: Leaf,
}

impl Pki {
    pub fn new() -> Pki {
        let mut ca = Ca::new("telecontrol ICCP test CA").unwrap();
        let server = ca.issue("iccp server", Validity::Valid).unwrap();
        let client = ca.issue("iccp client", Validity::Valid).unwrap();
        let expired = ca.issue("expired client", Validity::Expired).unwrap();
        let revoked = ca.issue("revoked client", Validity::Valid).unwrap();
        let crl = ca.crl(&[&revoked]).unwrap();
        let other_ca = Ca::new("another CA").unwrap();
        let stranger = test_pki::self_signed("stranger").unwrap();
        Pki {
            ca,
            crl,
            server,
            client,
            expired,
            revoked,
            other_ca,
            stranger,
        }
    }

    /// `leaf`'s certificate and key, trusting this PKI's CA with its CRL.
    pub fn config(&self, leaf: &Leaf) -> TlsConfig {
        leaf.tls_config()
            .unwrap()
            .with_ca_pem(self.ca.pem().as_bytes())
            .unwrap()
            .with_crl_pem(self.crl.as_bytes())
            .unwrap()
    }

    /// The server's settings, with the short handshake time-out.
    pub fn server_config(&self) -> TlsConfig {
        let mut c = self.config(&self.server);
        c.handshake_timeout = HANDSHAKE;
        c
    }
}

/// An open station with `V_REAL` (RealQ) readable by every peer (its table for peers no
/// table names).
pub fn station<T: TlsRuntime>(rt: &T) -> Arc<Tase2Station> {
    let st = rt.new_station(StationConfig {
        open: true,
        ..StationConfig::default()
    });
    let p: PointId = st
        .add_point(PointConfig {
            domain: Domain::Vcc,
            name: "V_REAL".into(),
            kind: ValueKind::RealQ,
            initial: None,
        })
        .unwrap();
    st.update(
        p,
        Value::RealQ(DataRealQ {
            value: V_REAL,
            flags: DataFlags::GOOD,
        }),
    )
    .unwrap();
    st.add_bilateral_table(BilateralTableConfig {
        peer: None,
        icc_domain: "ICC1".into(),
        table_id: "OPEN".into(),
        objects: vec![(Domain::Vcc, "V_REAL".into(), AccessRights::READ)],
        vcc_default: AccessRights::NONE,
        icc_default: AccessRights::NONE,
    })
    .unwrap();
    st
}

pub fn client_config() -> Tase2ClientConfig {
    let mut c = Tase2ClientConfig::new("ICC1");
    c.association.request_timeout = LIMIT;
    c.association.connect_timeout = LIMIT;
    c
}

fn v_real() -> PointName {
    PointName::vmd("V_REAL")
}

/// Wait (bounded) until `what` holds of the server's TLS counters.
fn await_tls<T: TlsRuntime>(
    rt: &T,
    server: &T::Server,
    label: &str,
    what: impl Fn(&TlsStats) -> bool,
) -> TlsStats {
    let start = Instant::now();
    loop {
        let s = rt.tls_stats(server);
        if what(&s) {
            return s;
        }
        assert!(start.elapsed() < LIMIT, "{label}: not seen; {s:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A valid client associates over TLS, passes the TASE.2 checks and reads `V_REAL`; the
/// server counts one full handshake and no refusal.
pub fn valid_peer_reads_point<T: TlsRuntime>(rt: &T) {
    let pki = Pki::new();
    let server = rt.serve_tls(
        station(rt),
        MmsServerConfig::default(),
        &pki.server_config(),
    );
    let addr = rt.addr(&server);
    let mut client = rt
        .connect_tls(addr, client_config(), &pki.config(&pki.client))
        .unwrap();
    match rt.read(&mut client, &v_real()).unwrap() {
        Value::RealQ(r) => assert_eq!(r.value, V_REAL),
        other => panic!("V_REAL read as {other:?}"),
    }
    rt.conclude(client);
    let s = rt.tls_stats(&server);
    assert_eq!(s.full_handshakes, 1, "{s:?}");
    assert_eq!(s.refused_total(), 0, "{s:?}");
    rt.stop(server);
}

/// What a client's connection negotiated: a client restricted to TLS 1.3 reports TLS 1.3,
/// a TLS 1.3 cipher suite, a full handshake and the server certificate's fingerprint; one
/// restricted to TLS 1.2 reports TLS 1.2 (so the report is the connection's, not a
/// constant); a client over plain TCP reports none.
pub fn client_tls_session<T: TlsRuntime>(rt: &T) {
    let pki = Pki::new();
    let server = rt.serve_tls(
        station(rt),
        MmsServerConfig::default(),
        &pki.server_config(),
    );
    let addr = rt.addr(&server);
    let tls13 = pki
        .config(&pki.client)
        .with_versions(TlsVersions::Tls13Only);
    let client = rt.connect_tls(addr, client_config(), &tls13).unwrap();
    let (session, stats) = rt.client_tls(&client);
    let session = session.expect("a TLS client reports its session");
    assert_eq!(session.version, ProtocolVersion::TLSv1_3, "{session:?}");
    assert!(
        format!("{:?}", session.cipher_suite).starts_with("TLS13_"),
        "{session:?}"
    );
    assert!(!session.resumed, "{session:?}");
    assert_eq!(session.peer_fingerprint, Some(pki.server.fingerprint()));
    let stats = stats.expect("a TLS client reports its handshake");
    assert_eq!((stats.full_handshakes, stats.resumed_handshakes), (1, 0));
    assert_eq!(stats.refused_total(), 0);
    rt.conclude(client);

    let tls12 = pki
        .config(&pki.client)
        .with_versions(TlsVersions::Tls12Only);
    let client = rt.connect_tls(addr, client_config(), &tls12).unwrap();
    let session = rt.client_tls(&client).0.expect("TLS 1.2 session");
    assert_eq!(session.version, ProtocolVersion::TLSv1_2, "{session:?}");
    assert!(
        format!("{:?}", session.cipher_suite).starts_with("TLS_ECDHE_"),
        "{session:?}"
    );
    assert_eq!(session.peer_fingerprint, Some(pki.server.fingerprint()));
    rt.conclude(client);
    rt.stop(server);

    let plain = rt.serve_plain(station(rt), MmsServerConfig::default());
    let client = rt.connect_plain(rt.addr(&plain), client_config()).unwrap();
    assert_eq!(rt.client_tls(&client), (None, None));
    rt.conclude(client);
    rt.stop(plain);
}

/// `tls` with `leaf`'s certificate and key instead of its own: everything else, the session
/// store included, is `tls`'s (as a control centre would switch certificates in a copy).
fn as_identity(tls: &TlsConfig, leaf: &Leaf) -> TlsConfig {
    let own = leaf.tls_config().unwrap();
    TlsConfig {
        cert_chain: own.cert_chain,
        key: own.key,
        ..tls.clone()
    }
}

/// Connect with `tls`, read `V_REAL`, conclude; the session the client reported.
fn connect_and_read<T: TlsRuntime>(rt: &T, addr: SocketAddr, tls: &TlsConfig) -> TlsSession {
    let mut client = rt.connect_tls(addr, client_config(), tls).unwrap();
    let (session, stats) = rt.client_tls(&client);
    let session = session.expect("a TLS client reports its session");
    let stats = stats.expect("a TLS client reports its handshake");
    assert_eq!(stats, session.stats(), "{session:?}");
    match rt.read(&mut client, &v_real()).unwrap() {
        Value::RealQ(r) => assert_eq!(r.value, V_REAL),
        other => panic!("V_REAL read as {other:?}"),
    }
    rt.conclude(client);
    session
}

/// Session resumption across separate connects (IEC 62351-3), TLS 1.3 and 1.2: a second
/// `connect_tls` with the same `TlsConfig`, and one with a clone of it, resume (client and
/// server count a resumed handshake); a copy with another client certificate (sharing the
/// session store) makes a full handshake and is authenticated as itself: a second valid
/// client is accepted with a full handshake, and the revoked client's certificate is refused
/// as revoked, not let in on the first client's session.
pub fn sessions_resume_per_identity<T: TlsRuntime>(rt: &T) {
    let mut pki = Pki::new();
    let second = pki.ca.issue("iccp client 2", Validity::Valid).unwrap();
    let server = rt.serve_tls(
        station(rt),
        MmsServerConfig::default(),
        &pki.server_config(),
    );
    let addr = rt.addr(&server);
    for versions in [TlsVersions::Tls13Only, TlsVersions::Tls12Only] {
        let tls = pki.config(&pki.client).with_versions(versions);
        let before = rt.tls_stats(&server);
        let (full, resumed) = (before.full_handshakes, before.resumed_handshakes);

        let first = connect_and_read(rt, addr, &tls);
        assert!(!first.resumed, "{versions:?}: first connect {first:?}");
        assert_eq!(first.peer_fingerprint, Some(pki.server.fingerprint()));
        let again = connect_and_read(rt, addr, &tls);
        assert!(again.resumed, "{versions:?}: same TlsConfig {again:?}");
        assert_eq!(again.version, first.version);
        let cloned = connect_and_read(rt, addr, &tls.clone());
        assert!(cloned.resumed, "{versions:?}: a clone {cloned:?}");
        await_tls(rt, &server, "one full, two resumed", |s| {
            (s.full_handshakes, s.resumed_handshakes) == (full + 1, resumed + 2)
        });

        // Another identity in a copy sharing the store: a full handshake, as itself.
        let other = connect_and_read(rt, addr, &as_identity(&tls, &second));
        assert!(!other.resumed, "{versions:?}: another identity {other:?}");
        await_tls(rt, &server, "another identity: a full handshake", |s| {
            (s.full_handshakes, s.resumed_handshakes) == (full + 2, resumed + 2)
        });
        refused_client(
            rt,
            &server,
            &as_identity(&tls, &pki.revoked),
            TlsRefusal::Revoked,
        );
        // The first identity still resumes its own session.
        let own = connect_and_read(rt, addr, &tls);
        assert!(
            own.resumed,
            "{versions:?}: back to the first identity {own:?}"
        );
        let s = await_tls(rt, &server, "resumed again", |s| {
            s.resumed_handshakes == resumed + 3
        });
        assert_eq!(s.full_handshakes, full + 2, "{s:?}");
    }
    rt.stop(server);
}

/// A client certificate the server must refuse: the client gets a typed TLS refusal, the
/// server counts `reason`.
fn refused_client<T: TlsRuntime>(rt: &T, server: &T::Server, tls: &TlsConfig, reason: TlsRefusal) {
    let addr = rt.addr(server);
    let before = rt.tls_stats(server).refused(reason);
    match rt.connect_tls(addr, client_config(), tls) {
        Err(TlsConnectError::Refused(_)) => {}
        Err(other) => panic!("{reason:?}: not a TLS refusal: {other:?}"),
        Ok(c) => {
            rt.conclude(c);
            panic!("{reason:?}: the server accepted the client");
        }
    }
    await_tls(rt, server, &format!("{reason:?}"), |s| {
        s.refused(reason) == before + 1
    });
}

/// An unknown (self-signed), an expired and a revoked client certificate, a server of
/// another CA, plain TCP on the TLS port and a silent TCP peer: each refused, the client with
/// a typed error, the server counting the reason.
pub fn refusals<T: TlsRuntime>(rt: &T) {
    let pki = Pki::new();
    let server = rt.serve_tls(
        station(rt),
        MmsServerConfig::default(),
        &pki.server_config(),
    );
    let addr = rt.addr(&server);

    refused_client(
        rt,
        &server,
        &pki.config(&pki.stranger),
        TlsRefusal::UnknownIssuer,
    );
    refused_client(rt, &server, &pki.config(&pki.expired), TlsRefusal::Expired);
    refused_client(rt, &server, &pki.config(&pki.revoked), TlsRefusal::Revoked);

    // The client trusts another CA only: it refuses the server's certificate itself.
    let before = rt.tls_stats(&server).refused_total();
    let wrong_ca = pki
        .client
        .tls_config()
        .unwrap()
        .with_ca_pem(pki.other_ca.pem().as_bytes())
        .unwrap();
    match rt.connect_tls(addr, client_config(), &wrong_ca) {
        Err(TlsConnectError::Refused(r)) => assert_eq!(r, TlsRefusal::UnknownIssuer),
        Err(other) => panic!("wrong CA: not a TLS refusal: {other:?}"),
        Ok(c) => {
            rt.conclude(c);
            panic!("wrong CA: the client accepted the server");
        }
    }
    // The server hears the client's alert (or the close) and counts it too.
    await_tls(rt, &server, "wrong CA", |s| s.refused_total() == before + 1);

    // Plain MMS on the TLS port.
    let before = rt.tls_stats(&server).refused(TlsRefusal::NotTls);
    match rt.connect_plain(addr, client_config()) {
        Err(_) => {}
        Ok(c) => {
            rt.conclude(c);
            panic!("plain TCP associated on the TLS port");
        }
    }
    await_tls(rt, &server, "plain TCP", |s| {
        s.refused(TlsRefusal::NotTls) == before + 1
    });

    // A peer that opens TCP and says nothing is dropped after the handshake time-out.
    let mut silent = TcpStream::connect(addr).unwrap();
    silent.set_read_timeout(Some(LIMIT)).unwrap();
    let mut buf = [0u8; 64];
    // The server closes (EOF or reset) without sending anything: no read succeeds with
    // octets, and the read ends well before LIMIT (a timeout would be an error of kind
    // WouldBlock / TimedOut).
    match silent.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => panic!("the server sent {n} octets to a silent peer"),
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the silent peer was not dropped: {e}"
        ),
    }
    let s = await_tls(rt, &server, "silent peer", |s| {
        s.refused(TlsRefusal::Timeout) == 1
    });
    assert_eq!(s.full_handshakes, 0, "{s:?}");
    rt.stop(server);
}

/// Admission: with one connection per address allowed, the second from 127.0.0.1 is closed
/// at accept and counted; once the first ends, a new one is admitted. An allow-list without
/// 127.0.0.1 closes every connection at accept.
pub fn admission_per_address<T: TlsRuntime>(rt: &T) {
    let pki = Pki::new();
    let config = MmsServerConfig {
        max_per_address: 1,
        ..MmsServerConfig::default()
    };
    let server = rt.serve_tls(station(rt), config, &pki.server_config());
    let addr = rt.addr(&server);
    let tls = pki.config(&pki.client);
    let first = rt.connect_tls(addr, client_config(), &tls).unwrap();
    match rt.connect_tls(addr, client_config(), &tls) {
        Err(_) => {}
        Ok(c) => {
            rt.conclude(c);
            panic!("a second connection from the address was admitted");
        }
    }
    let a = rt.admission_stats(&server);
    assert_eq!(a.too_many_from_address, 1, "{a:?}");
    assert_eq!((a.too_many, a.not_allowed), (0, 0), "{a:?}");
    // Closed at accept, before TLS: no handshake was attempted.
    assert_eq!(rt.tls_stats(&server).refused_total(), 0);
    rt.conclude(first);
    // The first place is freed when its connection task ends: retry, bounded.
    let start = Instant::now();
    let mut again = loop {
        match rt.connect_tls(addr, client_config(), &tls) {
            Ok(c) => break c,
            Err(e) => assert!(start.elapsed() < LIMIT, "not admitted again: {e:?}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(matches!(
        rt.read(&mut again, &v_real()),
        Ok(Value::RealQ(_))
    ));
    rt.conclude(again);
    rt.stop(server);

    // An allow-list without 127.0.0.1: closed at accept, counted as not allowed.
    let config = MmsServerConfig {
        allow: Some(vec!["192.0.2.1".parse().unwrap()]),
        ..MmsServerConfig::default()
    };
    let server = rt.serve_tls(station(rt), config, &pki.server_config());
    let addr = rt.addr(&server);
    match rt.connect_tls(addr, client_config(), &tls) {
        Err(_) => {}
        Ok(c) => {
            rt.conclude(c);
            panic!("an address not on the allow-list was admitted");
        }
    }
    let a = rt.admission_stats(&server);
    assert_eq!(
        (a.not_allowed, a.too_many, a.too_many_from_address),
        (1, 0, 0),
        "{a:?}"
    );
    rt.stop(server);
}
