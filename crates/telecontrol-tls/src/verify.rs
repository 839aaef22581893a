//! Peer certificate verifiers: rustls' WebPKI verifiers (CA chain, CRLs, validity period,
//! server name) combined with the fingerprint allow-list.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, RootCertStore,
    SignatureScheme,
};

use crate::{Fingerprint, TlsConfig, TlsError, TlsInput};

/// The error our allow-list check gives; [`crate::TlsRefusal::NotAllowed`] is recognised by
/// it (no rustls verifier of this crate gives it otherwise).
pub(crate) const NOT_ALLOWED: CertificateError = CertificateError::ApplicationVerificationFailure;

fn roots(config: &TlsConfig) -> Result<Option<Arc<RootCertStore>>, TlsError> {
    if config.ca.is_empty() {
        return Ok(None);
    }
    let mut store = RootCertStore::empty();
    for ca in &config.ca {
        store.add(ca.clone()).map_err(|_| TlsError::Rejected {
            input: TlsInput::Ca,
        })?;
    }
    Ok(Some(Arc::new(store)))
}

fn check_allowed(allow: &[Fingerprint], end_entity: &CertificateDer<'_>) -> Result<(), Error> {
    if allow.is_empty() || allow.contains(&Fingerprint::of(end_entity)) {
        Ok(())
    } else {
        Err(Error::InvalidCertificate(NOT_ALLOWED))
    }
}

/// Verifies client certificates (server side).
#[derive(Debug)]
struct ClientVerifier {
    webpki: Option<Arc<dyn ClientCertVerifier>>,
    allow: Vec<Fingerprint>,
    algorithms: WebPkiSupportedAlgorithms,
}

pub(crate) fn client_verifier(
    config: &TlsConfig,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
    let webpki = match roots(config)? {
        Some(roots) => Some(
            WebPkiClientVerifier::builder_with_provider(roots, Arc::clone(provider))
                .with_crls(config.crls.iter().cloned())
                .build()
                .map_err(|_| TlsError::Rejected {
                    input: TlsInput::Crl,
                })?,
        ),
        None if config.allow.is_empty() => return Err(TlsError::NoTrust),
        None => None,
    };
    Ok(Arc::new(ClientVerifier {
        webpki,
        allow: config.allow.clone(),
        algorithms: provider.signature_verification_algorithms,
    }))
}

impl ClientCertVerifier for ClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki.as_ref().map_or(&[], |w| w.root_hint_subjects())
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        if let Some(w) = &self.webpki {
            w.verify_client_cert(end_entity, intermediates, now)?;
        }
        check_allowed(&self.allow, end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Verifies server certificates (client side).
#[derive(Debug)]
struct ServerVerifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    allow: Vec<Fingerprint>,
    algorithms: WebPkiSupportedAlgorithms,
}

pub(crate) fn server_verifier(
    config: &TlsConfig,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
    let webpki = match roots(config)? {
        Some(roots) => Some(
            WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(provider))
                .with_crls(config.crls.iter().cloned())
                .build()
                .map_err(|_| TlsError::Rejected {
                    input: TlsInput::Crl,
                })?,
        ),
        None if config.allow.is_empty() => return Err(TlsError::NoTrust),
        None => None,
    };
    Ok(Arc::new(ServerVerifier {
        webpki,
        allow: config.allow.clone(),
        algorithms: provider.signature_verification_algorithms,
    }))
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if let Some(w) = &self.webpki {
            w.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        }
        check_allowed(&self.allow, end_entity)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
