//! What one TLS connection negotiated, read from its rustls state once the handshake
//! completed: for a client to show or log what secures its connection.

use rustls::{CipherSuite, CommonState, HandshakeKind, ProtocolVersion};

use crate::{Fingerprint, TlsCounters, TlsStats};

/// What one TLS connection negotiated (a client's view of its connection to the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsSession {
    /// The protocol version (`ProtocolVersion::TLSv1_3` or `TLSv1_2`).
    pub version: ProtocolVersion,
    /// The cipher suite (e.g. `CipherSuite::TLS13_AES_256_GCM_SHA384`).
    pub cipher_suite: CipherSuite,
    /// Whether the handshake resumed an earlier session (abbreviated handshake).
    pub resumed: bool,
    /// The SHA-256 fingerprint of the peer's end-entity certificate (what an allow-list
    /// entry names); `None` if the peer presented none (a resumed TLS 1.2 session may not
    /// carry it).
    pub peer_fingerprint: Option<Fingerprint>,
}

impl TlsSession {
    /// What `connection` negotiated; `None` until its handshake completed.
    #[must_use]
    pub fn of(connection: &CommonState) -> Option<TlsSession> {
        if connection.is_handshaking() {
            return None;
        }
        Some(TlsSession {
            version: connection.protocol_version()?,
            cipher_suite: connection.negotiated_cipher_suite()?.suite(),
            resumed: connection.handshake_kind() == Some(HandshakeKind::Resumed),
            peer_fingerprint: connection
                .peer_certificates()
                .and_then(<[_]>::first)
                .map(|der| Fingerprint::of(der)),
        })
    }

    /// This one handshake as [`TlsStats`] (one full or one resumed handshake, nothing
    /// refused), the type servers count their handshakes in.
    #[must_use]
    pub fn stats(&self) -> TlsStats {
        let counters = TlsCounters::new();
        counters.handshake(Some(if self.resumed {
            HandshakeKind::Resumed
        } else {
            HandshakeKind::Full
        }));
        counters.stats()
    }
}
