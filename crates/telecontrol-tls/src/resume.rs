//! The client's TLS session store for resumption across separate connects (IEC 62351-3 asks
//! for session resumption), shared by a [`TlsConfig`](crate::TlsConfig) and its clones and
//! kept apart per client identity and trust.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rustls::ClientConfig;

use crate::TlsConfig;

/// The TLS sessions a client may resume, shared by a [`TlsConfig`] and its clones (cloning
/// this shares the store; [`ClientSessions::new`] or [`Default`] makes a new, empty one).
/// [`TlsConfig::client_config`] returns the rustls configuration kept here for its settings,
/// with its in-memory session cache, so a second connect made with the same `TlsConfig` (or a
/// clone) resumes the first one's session (TLS 1.3 ticket or TLS 1.2 session ID), in any
/// adapter and for any protocol. The server side does not use it (its cache is its
/// `ServerConfig`'s).
///
/// **Keying rule.** A resumed session carries the authentication of the handshake that made
/// it: in TLS 1.3 the server takes the client to be the certificate it saw then, and the
/// client does not verify the server's certificate again. So a session is only offered by a
/// configuration built from the same
/// - own identity: the own certificate chain (end-entity certificate first) and key,
/// - trust: the CA certificates, the fingerprint allow-list and the CRLs (a CRL that now
///   revokes the server, or a narrower allow-list, must lead to a full handshake),
/// - TLS versions
///
/// as the one that made it. The store keeps one rustls client configuration, and with it one
/// session cache, per such key (the SHA-256 of the fields above, each item tagged and
/// length-prefixed, in order); a configuration whose identity or trust changed (another client
/// certificate set in a clone, a CA added) gets its own configuration with an empty cache and
/// makes a full handshake, authenticated as itself. rustls checks the same on its side: it
/// only resumes a session with the very certificate verifier and client certificate objects
/// that made it. Within a cache, sessions are kept per server name. The handshake time-out is
/// not part of the key (the adapters apply it).
///
/// **Bound.** At most [`ClientSessions::IDENTITIES`] keys (the least recently used one is
/// dropped when another is needed; a client holding its configuration keeps it until it
/// ends), each with sessions for at most [`ClientSessions::SERVERS`] server names and up to 8
/// TLS 1.3 tickets per server name (rustls' own limit).
#[derive(Clone, Default)]
pub struct ClientSessions {
    configs: Arc<Mutex<Configs>>,
}

/// The SHA-256 of a configuration's identity, trust and versions (see [`ClientSessions`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct SessionKey([u8; 32]);

/// TLS 1.3 tickets rustls keeps per server name in a `ClientSessionMemoryCache`.
const TICKETS_PER_SERVER: usize = 8;

type Configs = Vec<(SessionKey, Arc<ClientConfig>)>;

impl ClientSessions {
    /// How many identity/trust keys the store keeps a configuration and session cache for.
    pub const IDENTITIES: usize = 4;
    /// How many server names each key's cache keeps sessions for.
    pub const SERVERS: usize = 16;

    /// A new, empty store (not shared with any other).
    #[must_use]
    pub fn new() -> Self {
        ClientSessions::default()
    }

    /// Forget every stored session: the next connect of every configuration sharing this
    /// store makes a full handshake.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many identity/trust keys have a configuration and cache now (at most
    /// [`ClientSessions::IDENTITIES`]).
    #[must_use]
    pub fn identities(&self) -> usize {
        self.lock().len()
    }

    /// The configuration kept for `key`, or the one `build` makes (then kept, with a bounded
    /// session cache, dropping the least recently used key when full); marked most recently
    /// used. Nothing is kept when `build` fails.
    pub(crate) fn config<E>(
        &self,
        key: SessionKey,
        build: impl FnOnce() -> Result<ClientConfig, E>,
    ) -> Result<Arc<ClientConfig>, E> {
        let mut configs = self.lock();
        let config = match configs.iter().position(|(k, _)| *k == key) {
            Some(i) => configs.remove(i).1,
            None => {
                let mut config = build()?;
                config.resumption = rustls::client::Resumption::in_memory_sessions(
                    ClientSessions::SERVERS.saturating_mul(TICKETS_PER_SERVER),
                );
                Arc::new(config)
            }
        };
        while configs.len() >= ClientSessions::IDENTITIES {
            configs.remove(0);
        }
        configs.push((key, Arc::clone(&config)));
        Ok(config)
    }

    fn lock(&self) -> MutexGuard<'_, Configs> {
        // The list stays consistent even if a holder panicked: every change is one push or
        // remove.
        self.configs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl core::fmt::Debug for ClientSessions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientSessions")
            .field("identities", &self.identities())
            .finish_non_exhaustive()
    }
}

impl SessionKey {
    /// The key of `config`: its own chain and key, CAs, allow-list, CRLs and versions.
    pub(crate) fn of(config: &TlsConfig) -> SessionKey {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        let mut item = |tag: u8, bytes: &[u8]| {
            ctx.update(&[tag]);
            ctx.update(&u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_be_bytes());
            ctx.update(bytes);
        };
        for c in &config.cert_chain {
            item(b'E', c);
        }
        item(b'K', config.key.secret_der());
        for c in &config.ca {
            item(b'C', c);
        }
        for f in &config.allow {
            item(b'A', &f.0);
        }
        for c in &config.crls {
            item(b'R', c);
        }
        item(
            b'V',
            match config.versions {
                crate::TlsVersions::Tls12And13 => "1.2,1.3".as_bytes(),
                crate::TlsVersions::Tls13Only => "1.3".as_bytes(),
                crate::TlsVersions::Tls12Only => "1.2".as_bytes(),
            },
        );
        let mut out = [0u8; 32];
        for (o, i) in out.iter_mut().zip(ctx.finish().as_ref()) {
            *o = *i;
        }
        SessionKey(out)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use crate::{Fingerprint, TlsError};

    fn config(name: &str) -> TlsConfig {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec![name.into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        TlsConfig::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap()
    }

    #[test]
    fn key_follows_identity_trust_and_versions() {
        let a = config("a").with_allowed(Fingerprint::of(b"server"));
        let b = config("b");
        let k = SessionKey::of(&a);
        assert_eq!(SessionKey::of(&a.clone()), k, "a clone has the same key");
        // The handshake time-out is not part of it, the versions are.
        let mut t = a.clone();
        t.handshake_timeout = core::time::Duration::from_secs(1);
        assert_eq!(SessionKey::of(&t), k);
        let v = a.clone().with_versions(crate::TlsVersions::Tls12Only);
        assert_ne!(SessionKey::of(&v), k);
        // Another client certificate (with its key), kept trust: another key.
        let other_identity = TlsConfig {
            cert_chain: b.cert_chain.clone(),
            key: b.key.clone_key(),
            ..a.clone()
        };
        assert_ne!(SessionKey::of(&other_identity), k);
        // Same identity, other trust: allow-list, CA, CRL each change the key.
        let mut more_allowed = a.clone().with_allowed(Fingerprint::of(b"another"));
        assert_ne!(SessionKey::of(&more_allowed), k);
        more_allowed.allow.clear();
        assert_ne!(SessionKey::of(&more_allowed), k, "no allow-list");
        let mut with_ca = a.clone();
        with_ca.ca.push(b.cert_chain[0].clone());
        assert_ne!(SessionKey::of(&with_ca), k);
        let mut with_crl = a.clone();
        with_crl.crls.push(b"not a CRL but bytes".to_vec().into());
        assert_ne!(SessionKey::of(&with_crl), k);
        // The tags keep fields apart: the same bytes as a CA or as an own certificate.
        let mut moved = a.clone();
        let own = moved.cert_chain.remove(0);
        moved.ca.push(own);
        assert_ne!(SessionKey::of(&moved), k);
    }

    fn kept(sessions: &ClientSessions, key: SessionKey) -> Arc<ClientConfig> {
        let build = || {
            config("kept")
                .with_allowed(Fingerprint([1; 32]))
                .build_client()
        };
        sessions.config(key, build).unwrap()
    }

    #[test]
    fn one_config_per_key_shared_by_clones_and_bounded() {
        let a = config("a").with_allowed(Fingerprint::of(b"server"));
        let sessions = a.sessions.clone();
        let first = a.client_config().unwrap();
        let again = a.clone().client_config().unwrap();
        assert!(Arc::ptr_eq(&first, &again), "a clone gets the same");
        assert_eq!(sessions.identities(), 1);
        let other = kept(&sessions, SessionKey([7; 32]));
        assert!(!Arc::ptr_eq(&first, &other), "another key, another config");
        let fresh = TlsConfig {
            sessions: ClientSessions::new(),
            ..a.clone()
        };
        assert!(
            !Arc::ptr_eq(&first, &fresh.client_config().unwrap()),
            "a new store shares nothing"
        );
        // A failed build keeps nothing.
        let failed = sessions.config(SessionKey([9; 32]), || Err(TlsError::NoTrust));
        assert_eq!(failed.err(), Some(TlsError::NoTrust));
        assert_eq!(sessions.identities(), 2);
        // Fill past the bound: the least recently used key goes, `a`'s stays (just used).
        for i in 0..ClientSessions::IDENTITIES {
            let _ = a.client_config().unwrap();
            let _ = kept(&sessions, SessionKey([u8::try_from(i).unwrap(); 32]));
        }
        assert_eq!(sessions.identities(), ClientSessions::IDENTITIES);
        assert!(Arc::ptr_eq(&first, &a.client_config().unwrap()));
        for i in 200..204 {
            let _ = kept(&sessions, SessionKey([i; 32]));
        }
        assert!(
            !Arc::ptr_eq(&first, &a.client_config().unwrap()),
            "dropped after four other keys"
        );
        sessions.clear();
        assert_eq!(sessions.identities(), 0);
    }

    /// One handshake in memory: whether it resumed, and the fingerprint of the client
    /// certificate the server took the client to be.
    fn handshake(
        client: Arc<rustls::ClientConfig>,
        server: &Arc<rustls::ServerConfig>,
    ) -> (bool, Option<Fingerprint>) {
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut c = rustls::Connection::from(rustls::ClientConnection::new(client, name).unwrap());
        let mut s =
            rustls::Connection::from(rustls::ServerConnection::new(Arc::clone(server)).unwrap());
        fn pump(from: &mut rustls::Connection, to: &mut rustls::Connection) -> usize {
            let mut buf = Vec::new();
            while from.wants_write() {
                from.write_tls(&mut buf).unwrap();
            }
            let mut rd = &buf[..];
            while !rd.is_empty() {
                to.read_tls(&mut rd).unwrap();
                to.process_new_packets().unwrap();
            }
            buf.len()
        }
        // Until nothing moves: the handshake, then the server's TLS 1.3 tickets.
        for _ in 0..16 {
            let moved = pump(&mut c, &mut s) + pump(&mut s, &mut c);
            if moved == 0 {
                break;
            }
        }
        assert!(!c.is_handshaking() && !s.is_handshaking());
        let resumed = c.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        assert_eq!(
            resumed,
            s.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
        );
        let seen = s
            .peer_certificates()
            .and_then(<[_]>::first)
            .map(|d| Fingerprint::of(d));
        (resumed, seen)
    }

    fn resumption_follows_the_rule(versions: crate::TlsVersions) {
        let server = config("localhost");
        let pin = server.fingerprint().unwrap();
        let a = config("a").with_allowed(pin);
        let b = config("b");
        let (fa, fb) = (a.fingerprint(), b.fingerprint());
        let server = server
            .with_allowed(fa.unwrap())
            .with_allowed(fb.unwrap())
            .with_versions(versions)
            .server_config()
            .unwrap();
        let a = a.with_versions(versions);

        assert_eq!(handshake(a.client_config().unwrap(), &server), (false, fa));
        // A later connect with the same value, or a clone, resumes as `a`.
        assert_eq!(handshake(a.client_config().unwrap(), &server), (true, fa));
        let clone = a.clone();
        assert_eq!(
            handshake(clone.client_config().unwrap(), &server),
            (true, fa)
        );

        // Another client certificate set in a clone (same store, same trust): a full
        // handshake, the server sees `b`.
        let as_b = TlsConfig {
            cert_chain: b.cert_chain.clone(),
            key: b.key.clone_key(),
            ..a.clone()
        };
        assert_eq!(
            handshake(as_b.client_config().unwrap(), &server),
            (false, fb)
        );
        assert_eq!(
            handshake(as_b.client_config().unwrap(), &server),
            (true, fb)
        );
        // Other trust (one more allowed server), same identity: full handshake.
        let wider = a.clone().with_allowed(Fingerprint::of(b"another server"));
        assert_eq!(
            handshake(wider.client_config().unwrap(), &server),
            (false, fa)
        );
        // `a` still resumes its own.
        assert_eq!(handshake(a.client_config().unwrap(), &server), (true, fa));
        // A new store (not a clone) shares nothing.
        let fresh = TlsConfig {
            sessions: ClientSessions::new(),
            ..a.clone()
        };
        assert_eq!(
            handshake(fresh.client_config().unwrap(), &server),
            (false, fa)
        );

        // The wider one got its own configuration (and cache): `a`, the wider one and the
        // identity `b` each have one.
        assert_eq!(a.sessions.identities(), 3);
    }

    #[test]
    fn tls13_resumes_per_identity_and_trust() {
        resumption_follows_the_rule(crate::TlsVersions::Tls13Only);
    }

    #[test]
    fn tls12_resumes_per_identity_and_trust() {
        resumption_follows_the_rule(crate::TlsVersions::Tls12Only);
    }
}
