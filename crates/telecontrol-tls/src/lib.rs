#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod connect;
mod refusal;
mod resume;
mod session;
#[cfg(feature = "test-pki")]
pub mod test_pki;
mod verify;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use connect::TlsConnectError;
pub use refusal::{TlsCounters, TlsRefusal, TlsStats};
pub use resume::ClientSessions;
pub use rustls;
pub use rustls::pki_types;
pub use session::TlsSession;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

/// Default time a peer has to complete the TLS handshake after TCP connected.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

const TLS13_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
const TLS12_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

/// Which TLS versions a side offers and accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsVersions {
    /// TLS 1.2 and TLS 1.3 (IEC 62351-3 ed. 2 allows both); the default.
    #[default]
    Tls12And13,
    /// TLS 1.3 only.
    Tls13Only,
    /// TLS 1.2 only (for peers that do not speak 1.3; mainly for tests).
    Tls12Only,
}

/// The SHA-256 fingerprint of a DER-encoded end-entity certificate, as an allow-list entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of the DER certificate `der`.
    #[must_use]
    pub fn of(der: &[u8]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut out = [0u8; 32];
        for (o, i) in out.iter_mut().zip(digest.as_ref()) {
            *o = *i;
        }
        Fingerprint(out)
    }
}

impl core::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl core::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl core::str::FromStr for Fingerprint {
    type Err = TlsError;

    /// 64 hexadecimal digits, upper or lower case; `:` separators (as `openssl x509
    /// -fingerprint -sha256` prints them) are ignored.
    fn from_str(s: &str) -> Result<Self, TlsError> {
        let mut out = [0u8; 32];
        let mut digits = s.chars().filter(|c| *c != ':');
        for byte in &mut out {
            let hi = digits.next().and_then(|c| c.to_digit(16));
            let lo = digits.next().and_then(|c| c.to_digit(16));
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(TlsError::BadFingerprint);
            };
            *byte = u8::try_from(hi.wrapping_mul(16).wrapping_add(lo))
                .map_err(|_| TlsError::BadFingerprint)?;
        }
        if digits.next().is_some() {
            return Err(TlsError::BadFingerprint);
        }
        Ok(Fingerprint(out))
    }
}

/// Which input a [`TlsError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsInput {
    /// The own certificate chain.
    Certificate,
    /// The own private key.
    Key,
    /// The trusted CA certificates.
    Ca,
    /// A certificate revocation list.
    Crl,
}

impl core::fmt::Display for TlsInput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            TlsInput::Certificate => "certificate",
            TlsInput::Key => "private key",
            TlsInput::Ca => "CA certificates",
            TlsInput::Crl => "certificate revocation list",
        })
    }
}

/// Why a [`TlsConfig`] could not be loaded or turned into a rustls configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsError {
    /// Reading a file failed.
    Read {
        /// What the file should hold.
        input: TlsInput,
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
    },
    /// The PEM text holds no usable item of the expected kind, or is malformed.
    Pem {
        /// What the PEM should hold.
        input: TlsInput,
    },
    /// Neither trusted CA certificates nor an allow-list of fingerprints: any peer would do.
    NoTrust,
    /// rustls refused the input (a CA certificate it cannot use as a trust anchor, a CRL it
    /// cannot parse, a key that does not match the certificate or of an unsupported type).
    Rejected {
        /// The input refused.
        input: TlsInput,
    },
    /// An allow-list entry is not 64 hexadecimal digits.
    BadFingerprint,
}

impl core::fmt::Display for TlsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TlsError::Read { input, kind } => write!(f, "reading the {input}: {kind}"),
            TlsError::Pem { input } => write!(f, "no valid PEM {input} found"),
            TlsError::NoTrust => f.write_str(
                "no trusted CA certificates and no allowed fingerprints: every peer would be refused",
            ),
            TlsError::Rejected { input } => write!(f, "the {input} was rejected by rustls"),
            TlsError::BadFingerprint => {
                f.write_str("a fingerprint must be 64 hexadecimal digits (SHA-256)")
            }
        }
    }
}

impl core::error::Error for TlsError {}

/// TLS settings of one side (client or server) of a link, per IEC 62351-3: the own
/// certificate chain and key, what peers are trusted (a CA chain, an allow-list of end-entity
/// certificate fingerprints, or both: then both must pass), certificate revocation lists, the
/// TLS versions. Mutual authentication is always required: a server built from this asks for
/// and requires a client certificate.
///
/// The same value serves both runtimes and any protocol carried over TLS (104 on port 19998,
/// MMS/TASE.2 on 3782).
pub struct TlsConfig {
    /// The own certificate chain, end entity first.
    pub cert_chain: Vec<CertificateDer<'static>>,
    /// The own private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PrivateKeyDer<'static>,
    /// Trusted CA certificates (trust anchors). A peer's chain must lead to one of them.
    pub ca: Vec<CertificateDer<'static>>,
    /// Allowed peer end-entity certificates by SHA-256 fingerprint. Empty: no allow-list.
    pub allow: Vec<Fingerprint>,
    /// Certificate revocation lists, checked with [`TlsConfig::ca`] (ignored without CAs).
    /// When given, every certificate of a peer's chain below the trust anchor needs a CRL from
    /// its issuer here; a certificate whose revocation status is unknown is refused.
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    /// TLS versions; default 1.2 and 1.3.
    pub versions: TlsVersions,
    /// Time a peer has to complete the handshake; default [`DEFAULT_HANDSHAKE_TIMEOUT`].
    pub handshake_timeout: Duration,
    /// The client's sessions for resumption across connects, shared with every clone of
    /// this value and kept apart per own certificate chain and trust (see
    /// [`ClientSessions`] for the rule and the bound); a new, empty store by default.
    pub sessions: ClientSessions,
}

impl Clone for TlsConfig {
    fn clone(&self) -> Self {
        TlsConfig {
            cert_chain: self.cert_chain.clone(),
            key: self.key.clone_key(),
            ca: self.ca.clone(),
            allow: self.allow.clone(),
            crls: self.crls.clone(),
            versions: self.versions,
            handshake_timeout: self.handshake_timeout,
            sessions: self.sessions.clone(),
        }
    }
}

impl core::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("cert_chain", &self.cert_chain.len())
            .field("ca", &self.ca.len())
            .field("allow", &self.allow)
            .field("crls", &self.crls.len())
            .field("versions", &self.versions)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("sessions", &self.sessions)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path, input: TlsInput) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError::Read {
        input,
        kind: e.kind(),
    })
}

fn certs(pem: &[u8], input: TlsInput) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TlsError::Pem { input })?;
    if certs.is_empty() {
        return Err(TlsError::Pem { input });
    }
    Ok(certs)
}

impl TlsConfig {
    /// Own certificate chain (end entity first) and key, from memory; no trust yet (add CAs
    /// or fingerprints before use), TLS 1.2 and 1.3.
    #[must_use]
    pub fn new(cert_chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Self {
        TlsConfig {
            cert_chain,
            key,
            ca: Vec::new(),
            allow: Vec::new(),
            crls: Vec::new(),
            versions: TlsVersions::default(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            sessions: ClientSessions::new(),
        }
    }

    /// Own certificate chain and key from PEM text.
    ///
    /// # Errors
    /// [`TlsError::Pem`] if `cert_pem` holds no certificate or `key_pem` no private key.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, TlsError> {
        let chain = certs(cert_pem, TlsInput::Certificate)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| TlsError::Pem {
            input: TlsInput::Key,
        })?;
        Ok(TlsConfig::new(chain, key))
    }

    /// Own certificate chain and key from PEM files.
    ///
    /// # Errors
    /// [`TlsError::Read`] if a file cannot be read, else as [`TlsConfig::from_pem`].
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let c = read(cert, TlsInput::Certificate)?;
        let k = read(key, TlsInput::Key)?;
        TlsConfig::from_pem(&c, &k)
    }

    /// Add the CA certificates in `pem` to the trust anchors.
    ///
    /// # Errors
    /// [`TlsError::Pem`] if `pem` holds no certificate.
    pub fn with_ca_pem(mut self, pem: &[u8]) -> Result<Self, TlsError> {
        self.ca.extend(certs(pem, TlsInput::Ca)?);
        Ok(self)
    }

    /// Add the CA certificates in the PEM file `path` to the trust anchors.
    ///
    /// # Errors
    /// [`TlsError::Read`], or as [`TlsConfig::with_ca_pem`].
    pub fn with_ca_pem_file(self, path: &Path) -> Result<Self, TlsError> {
        let pem = read(path, TlsInput::Ca)?;
        self.with_ca_pem(&pem)
    }

    /// Add the certificate revocation lists in `pem`.
    ///
    /// # Errors
    /// [`TlsError::Pem`] if `pem` holds no CRL.
    pub fn with_crl_pem(mut self, pem: &[u8]) -> Result<Self, TlsError> {
        let input = TlsInput::Crl;
        let crls = CertificateRevocationListDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TlsError::Pem { input })?;
        if crls.is_empty() {
            return Err(TlsError::Pem { input });
        }
        self.crls.extend(crls);
        Ok(self)
    }

    /// Add the certificate revocation lists in the PEM file `path`.
    ///
    /// # Errors
    /// [`TlsError::Read`], or as [`TlsConfig::with_crl_pem`].
    pub fn with_crl_pem_file(self, path: &Path) -> Result<Self, TlsError> {
        let pem = read(path, TlsInput::Crl)?;
        self.with_crl_pem(&pem)
    }

    /// Allow the peer end-entity certificate with this fingerprint.
    #[must_use]
    pub fn with_allowed(mut self, fingerprint: Fingerprint) -> Self {
        self.allow.push(fingerprint);
        self
    }

    /// Offer and accept only `versions`.
    #[must_use]
    pub fn with_versions(mut self, versions: TlsVersions) -> Self {
        self.versions = versions;
        self
    }

    /// The fingerprint of the own end-entity certificate (to put on the peer's allow-list).
    #[must_use]
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        self.cert_chain.first().map(|c| Fingerprint::of(c))
    }

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    fn protocol_versions(&self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        match self.versions {
            TlsVersions::Tls12And13 => rustls::ALL_VERSIONS,
            TlsVersions::Tls13Only => TLS13_ONLY,
            TlsVersions::Tls12Only => TLS12_ONLY,
        }
    }

    /// The rustls server configuration: requires a client certificate, verified against the
    /// CAs (with the CRLs) and/or the allow-list; sessions resumable (rustls' in-memory
    /// session cache of 256 entries and TLS 1.3 tickets referring to it).
    ///
    /// # Errors
    /// [`TlsError::NoTrust`] without CAs and fingerprints; [`TlsError::Rejected`] if rustls
    /// refuses a CA, a CRL or the key.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let provider = TlsConfig::provider();
        let verifier = verify::client_verifier(self, &provider)?;
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(self.protocol_versions())
            .map_err(|_| TlsError::Rejected {
                input: TlsInput::Certificate,
            })?
            .with_client_cert_verifier(verifier)
            .with_single_cert(self.cert_chain.clone(), self.key.clone_key())
            .map_err(|_| TlsError::Rejected {
                input: TlsInput::Key,
            })?;
        Ok(Arc::new(config))
    }

    /// The rustls client configuration: presents the own certificate, verifies the server
    /// against the CAs (with the CRLs; the server name must match the certificate) and/or the
    /// allow-list (a pinned certificate needs no name match). Resumes sessions: the value is
    /// kept in [`TlsConfig::sessions`], the store shared with every clone, keyed by the own
    /// certificate chain and key, the CAs, allow-list and CRLs and the versions, so a later
    /// call with this value or a clone returns the same configuration with the same session
    /// cache (a later connect resumes), and one with another identity or trust gets its own
    /// and never takes another's sessions (see [`ClientSessions`]).
    ///
    /// # Errors
    /// As [`TlsConfig::server_config`].
    pub fn client_config(&self) -> Result<Arc<rustls::ClientConfig>, TlsError> {
        self.sessions
            .config(resume::SessionKey::of(self), || self.build_client())
    }

    /// A new rustls client configuration (no session store of ours yet).
    fn build_client(&self) -> Result<rustls::ClientConfig, TlsError> {
        let provider = TlsConfig::provider();
        let verifier = verify::server_verifier(self, &provider)?;
        rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(self.protocol_versions())
            .map_err(|_| TlsError::Rejected {
                input: TlsInput::Certificate,
            })?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_auth_cert(self.cert_chain.clone(), self.key.clone_key())
            .map_err(|_| TlsError::Rejected {
                input: TlsInput::Key,
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_hex_round_trip() {
        let f = Fingerprint::of(b"not a certificate");
        let text = f.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<Fingerprint>(), Ok(f));
        let colons: String = text
            .to_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|c| core::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(":");
        assert_eq!(colons.parse::<Fingerprint>(), Ok(f));
        assert_eq!("ab".parse::<Fingerprint>(), Err(TlsError::BadFingerprint));
        assert_eq!(
            format!("{text}00").parse::<Fingerprint>(),
            Err(TlsError::BadFingerprint)
        );
        let bad = text.replacen('0', "g", 1).replacen('1', "g", 1);
        if bad != text {
            assert_eq!(bad.parse::<Fingerprint>(), Err(TlsError::BadFingerprint));
        }
    }

    #[test]
    fn sha256_of_known_input() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            Fingerprint::of(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn pem_errors_are_typed() {
        assert_eq!(
            TlsConfig::from_pem(b"", b"").err(),
            Some(TlsError::Pem {
                input: TlsInput::Certificate
            })
        );
        let r = TlsConfig::from_pem_files(Path::new("/nonexistent/c.pem"), Path::new("k"));
        assert!(matches!(
            r,
            Err(TlsError::Read {
                input: TlsInput::Certificate,
                ..
            })
        ));
    }

    #[test]
    fn no_trust_is_refused() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let config =
            TlsConfig::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
        assert_eq!(config.server_config().err(), Some(TlsError::NoTrust));
        assert_eq!(config.client_config().err(), Some(TlsError::NoTrust));
        let pinned = config.clone().with_allowed(config.fingerprint().unwrap());
        assert!(pinned.server_config().is_ok());
        assert!(pinned.client_config().is_ok());
    }
}
