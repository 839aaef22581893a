//! Why a TLS handshake was refused, and per-reason counters.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use rustls::{CertificateError, Error, HandshakeKind};

use crate::verify::NOT_ALLOWED;

/// Why a TLS handshake (or a TLS connection before its first application octet) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsRefusal {
    /// The peer does not speak TLS (e.g. plain 104 octets on the TLS port).
    NotTls,
    /// The peer presented no certificate.
    NoCertificate,
    /// The peer's certificate chain leads to no trusted CA (an unknown certificate, or one
    /// issued by another CA).
    UnknownIssuer,
    /// The peer's certificate (or one of its chain) has expired.
    Expired,
    /// The peer's certificate is not valid yet.
    NotYetValid,
    /// The peer's certificate is revoked by a configured CRL.
    Revoked,
    /// No configured CRL covers the peer's certificate, or the CRL has expired.
    RevocationUnknown,
    /// The peer's certificate's fingerprint is not on the allow-list.
    NotAllowed,
    /// The server's certificate is not valid for the name the client asked for.
    NameMismatch,
    /// Another certificate problem (bad encoding, signature, unsupported algorithm, usage).
    BadCertificate,
    /// The peer refused us with a TLS alert (e.g. it does not trust our certificate).
    PeerAlert,
    /// No common TLS version or cipher suite.
    Incompatible,
    /// The handshake did not complete within the handshake time-out.
    Timeout,
    /// The peer closed or reset the connection during the handshake.
    Closed,
    /// Any other TLS or I/O error.
    Other,
}

impl TlsRefusal {
    /// Every reason, in counter order.
    pub const ALL: [TlsRefusal; 15] = [
        TlsRefusal::NotTls,
        TlsRefusal::NoCertificate,
        TlsRefusal::UnknownIssuer,
        TlsRefusal::Expired,
        TlsRefusal::NotYetValid,
        TlsRefusal::Revoked,
        TlsRefusal::RevocationUnknown,
        TlsRefusal::NotAllowed,
        TlsRefusal::NameMismatch,
        TlsRefusal::BadCertificate,
        TlsRefusal::PeerAlert,
        TlsRefusal::Incompatible,
        TlsRefusal::Timeout,
        TlsRefusal::Closed,
        TlsRefusal::Other,
    ];

    fn index(self) -> usize {
        TlsRefusal::ALL
            .iter()
            .position(|r| *r == self)
            .unwrap_or(TlsRefusal::ALL.len().saturating_sub(1))
    }

    /// The reason for a rustls error.
    #[must_use]
    pub fn of_rustls(error: &Error) -> TlsRefusal {
        match error {
            Error::InvalidMessage(_) | Error::InappropriateMessage { .. } => TlsRefusal::NotTls,
            Error::NoCertificatesPresented => TlsRefusal::NoCertificate,
            Error::InvalidCertificate(c) => match c {
                CertificateError::UnknownIssuer => TlsRefusal::UnknownIssuer,
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    TlsRefusal::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    TlsRefusal::NotYetValid
                }
                CertificateError::Revoked => TlsRefusal::Revoked,
                CertificateError::UnknownRevocationStatus
                | CertificateError::ExpiredRevocationList
                | CertificateError::ExpiredRevocationListContext { .. } => {
                    TlsRefusal::RevocationUnknown
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsRefusal::NameMismatch,
                c if *c == NOT_ALLOWED => TlsRefusal::NotAllowed,
                _ => TlsRefusal::BadCertificate,
            },
            Error::AlertReceived(_) => TlsRefusal::PeerAlert,
            Error::PeerIncompatible(_) => TlsRefusal::Incompatible,
            _ => TlsRefusal::Other,
        }
    }

    /// The reason for an I/O error from a TLS stream (tokio-rustls and the blocking adapter
    /// carry the rustls error inside the I/O error).
    #[must_use]
    pub fn of_io(error: &std::io::Error) -> TlsRefusal {
        if let Some(e) = error.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
            return TlsRefusal::of_rustls(e);
        }
        match error.kind() {
            std::io::ErrorKind::TimedOut => TlsRefusal::Timeout,
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe => TlsRefusal::Closed,
            _ => TlsRefusal::Other,
        }
    }
}

impl core::fmt::Display for TlsRefusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            TlsRefusal::NotTls => "the peer does not speak TLS",
            TlsRefusal::NoCertificate => "the peer presented no certificate",
            TlsRefusal::UnknownIssuer => "the peer's certificate is not issued by a trusted CA",
            TlsRefusal::Expired => "the peer's certificate has expired",
            TlsRefusal::NotYetValid => "the peer's certificate is not valid yet",
            TlsRefusal::Revoked => "the peer's certificate is revoked",
            TlsRefusal::RevocationUnknown => {
                "the revocation status of the peer's certificate is unknown"
            }
            TlsRefusal::NotAllowed => "the peer's certificate is not on the allow-list",
            TlsRefusal::NameMismatch => "the server's certificate does not match its name",
            TlsRefusal::BadCertificate => "the peer's certificate is unusable",
            TlsRefusal::PeerAlert => "the peer refused the handshake with an alert",
            TlsRefusal::Incompatible => "no common TLS version or cipher suite",
            TlsRefusal::Timeout => "the TLS handshake timed out",
            TlsRefusal::Closed => "the peer closed the connection during the TLS handshake",
            TlsRefusal::Other => "TLS error",
        })
    }
}

impl core::error::Error for TlsRefusal {}

/// Live TLS counters of one server or client; shared between its tasks or threads.
#[derive(Debug, Default)]
pub struct TlsCounters {
    full: AtomicU64,
    resumed: AtomicU64,
    refused: [AtomicU64; TlsRefusal::ALL.len()],
}

impl TlsCounters {
    /// Zero counters.
    #[must_use]
    pub fn new() -> Self {
        TlsCounters::default()
    }

    /// Count a completed handshake of `kind` (from `handshake_kind()` of the connection).
    pub fn handshake(&self, kind: Option<HandshakeKind>) {
        let c = if kind == Some(HandshakeKind::Resumed) {
            &self.resumed
        } else {
            &self.full
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Count a refusal for `reason`.
    pub fn refuse(&self, reason: TlsRefusal) {
        if let Some(c) = self.refused.get(reason.index()) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Classify `error` from the TLS stream with `peer`, count it and log it (`tracing`
    /// warning with the peer, the reason and rustls' own description); the reason.
    pub fn refuse_io(&self, peer: SocketAddr, error: &std::io::Error) -> TlsRefusal {
        let reason = TlsRefusal::of_io(error);
        self.refuse(reason);
        tracing::warn!(%peer, %reason, detail = %error, "TLS handshake refused");
        reason
    }

    /// A snapshot.
    #[must_use]
    pub fn stats(&self) -> TlsStats {
        let mut refused = [0u64; TlsRefusal::ALL.len()];
        for (o, c) in refused.iter_mut().zip(&self.refused) {
            *o = c.load(Ordering::Relaxed);
        }
        TlsStats {
            full_handshakes: self.full.load(Ordering::Relaxed),
            resumed_handshakes: self.resumed.load(Ordering::Relaxed),
            refused,
        }
    }
}

/// A snapshot of [`TlsCounters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsStats {
    /// Completed full handshakes.
    pub full_handshakes: u64,
    /// Completed resumed (abbreviated) handshakes.
    pub resumed_handshakes: u64,
    refused: [u64; TlsRefusal::ALL.len()],
}

impl TlsStats {
    /// Handshakes refused (or TLS connections failed before their first application octet)
    /// for `reason`.
    #[must_use]
    pub fn refused(&self, reason: TlsRefusal) -> u64 {
        self.refused.get(reason.index()).copied().unwrap_or(0)
    }

    /// Refusals for every reason together.
    #[must_use]
    pub fn refused_total(&self) -> u64 {
        self.refused.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }

    /// `(reason, count)` for every reason with a non-zero count.
    pub fn refusals(&self) -> impl Iterator<Item = (TlsRefusal, u64)> + '_ {
        TlsRefusal::ALL
            .iter()
            .zip(&self.refused)
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| (*r, *n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let cases = [
            (
                Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
                TlsRefusal::NotTls,
            ),
            (Error::NoCertificatesPresented, TlsRefusal::NoCertificate),
            (
                Error::InvalidCertificate(CertificateError::Revoked),
                TlsRefusal::Revoked,
            ),
            (
                Error::InvalidCertificate(NOT_ALLOWED),
                TlsRefusal::NotAllowed,
            ),
            (
                Error::AlertReceived(rustls::AlertDescription::BadCertificate),
                TlsRefusal::PeerAlert,
            ),
        ];
        for (e, r) in cases {
            assert_eq!(TlsRefusal::of_rustls(&e), r);
            let io = std::io::Error::new(std::io::ErrorKind::InvalidData, e);
            assert_eq!(TlsRefusal::of_io(&io), r);
        }
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert_eq!(TlsRefusal::of_io(&eof), TlsRefusal::Closed);
    }

    #[test]
    fn counters_per_reason() {
        let c = TlsCounters::new();
        c.refuse(TlsRefusal::Revoked);
        c.refuse(TlsRefusal::Revoked);
        c.refuse(TlsRefusal::Other);
        c.handshake(Some(HandshakeKind::Full));
        c.handshake(Some(HandshakeKind::Resumed));
        let s = c.stats();
        assert_eq!(s.refused(TlsRefusal::Revoked), 2);
        assert_eq!(s.refused(TlsRefusal::Other), 1);
        assert_eq!(s.refused(TlsRefusal::NotTls), 0);
        assert_eq!(s.refused_total(), 3);
        assert_eq!((s.full_handshakes, s.resumed_handshakes), (1, 1));
        assert_eq!(s.refusals().count(), 2);
        // Every reason has its own counter.
        for (i, r) in TlsRefusal::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
    }
}
