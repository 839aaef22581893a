//! The error of a client that connects over TLS and then runs a protocol on top.

use crate::{TlsError, TlsRefusal};

/// Why a connect over TLS failed: the TLS settings, the TLS handshake (or the server
/// refusing our certificate right after it), or the protocol carried over TLS (`E`: the TCP
/// connect, the MMS association, the TASE.2 checks, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsConnectError<E> {
    /// The [`TlsConfig`](crate::TlsConfig) cannot be turned into a rustls configuration.
    Config(TlsError),
    /// The TLS handshake failed, or the server closed the TLS connection with an error
    /// before its first application octet (a TLS 1.3 server refusing our certificate).
    Refused(TlsRefusal),
    /// The protocol over TLS failed.
    Protocol(E),
}

impl<E> TlsConnectError<E> {
    /// The same error with the protocol error mapped by `f`.
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> TlsConnectError<F> {
        match self {
            TlsConnectError::Config(e) => TlsConnectError::Config(e),
            TlsConnectError::Refused(r) => TlsConnectError::Refused(r),
            TlsConnectError::Protocol(e) => TlsConnectError::Protocol(f(e)),
        }
    }

    /// The TLS refusal, if that is what failed.
    #[must_use]
    pub fn refusal(&self) -> Option<TlsRefusal> {
        match self {
            TlsConnectError::Refused(r) => Some(*r),
            _ => None,
        }
    }
}

impl<E: core::fmt::Display> core::fmt::Display for TlsConnectError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TlsConnectError::Config(e) => write!(f, "TLS configuration: {e}"),
            TlsConnectError::Refused(r) => write!(f, "TLS refused: {r}"),
            TlsConnectError::Protocol(e) => e.fmt(f),
        }
    }
}

impl<E: core::fmt::Debug + core::fmt::Display> core::error::Error for TlsConnectError<E> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_and_display() {
        let e: TlsConnectError<u8> = TlsConnectError::Protocol(7);
        assert_eq!(e.map(u16::from), TlsConnectError::Protocol(7u16));
        let r: TlsConnectError<u8> = TlsConnectError::Refused(TlsRefusal::Revoked);
        assert_eq!(r.refusal(), Some(TlsRefusal::Revoked));
        assert_eq!(
            r.to_string(),
            "TLS refused: the peer's certificate is revoked"
        );
        assert_eq!(e.to_string(), "7");
    }
}
