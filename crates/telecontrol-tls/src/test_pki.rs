//! A throw-away PKI made at run time with rcgen (feature `test-pki`), for tests and examples:
//! a CA that issues end-entity certificates (valid, expired, not yet valid) for `localhost`
//! and `127.0.0.1` and signs CRLs. Keys are ECDSA P-256, made fresh on every run. Not for
//! production.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams,
    SerialNumber, date_time_ymd,
};
use rustls::pki_types::CertificateDer;

use crate::{Fingerprint, TlsConfig, TlsError};

/// Validity periods for issued certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Validity {
    /// 2020-01-01 to 2090-01-01.
    Valid,
    /// 2000-01-01 to 2001-01-01.
    Expired,
    /// 2080-01-01 to 2090-01-01.
    NotYetValid,
}

/// A certificate authority.
pub struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
    next_serial: u64,
}

impl core::fmt::Debug for Ca {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ca").finish_non_exhaustive()
    }
}

/// An end-entity certificate with its key.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PEM (PKCS#8).
    pub key_pem: String,
    /// The certificate, DER.
    pub der: CertificateDer<'static>,
    /// Its serial number.
    pub serial: u64,
}

impl Leaf {
    /// A [`TlsConfig`] with this certificate and key, no trust yet.
    ///
    /// # Errors
    /// As [`TlsConfig::from_pem`] (not expected).
    pub fn tls_config(&self) -> Result<TlsConfig, TlsError> {
        TlsConfig::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
    }

    /// The certificate's SHA-256 fingerprint.
    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.der)
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

impl Ca {
    /// A new self-signed CA named `common_name`.
    ///
    /// # Errors
    /// rcgen's error (not expected).
    pub fn new(common_name: &str) -> Result<Ca, rcgen::Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name(common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2090, 1, 1);
        params.key_identifier_method = KeyIdMethod::Sha256;
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            cert,
            key,
            next_serial: 1,
        })
    }

    /// The CA certificate, PEM.
    #[must_use]
    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// Issue a certificate for `localhost` and `127.0.0.1` named `common_name`.
    ///
    /// # Errors
    /// rcgen's error (not expected).
    pub fn issue(&mut self, common_name: &str, validity: Validity) -> Result<Leaf, rcgen::Error> {
        let key = KeyPair::generate()?;
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        params.distinguished_name = name(common_name);
        let (from, to) = match validity {
            Validity::Valid => ((2020, 1, 1), (2090, 1, 1)),
            Validity::Expired => ((2000, 1, 1), (2001, 1, 1)),
            Validity::NotYetValid => ((2080, 1, 1), (2090, 1, 1)),
        };
        params.not_before = date_time_ymd(from.0, from.1, from.2);
        params.not_after = date_time_ymd(to.0, to.1, to.2);
        let serial = self.next_serial;
        self.next_serial = serial.wrapping_add(1);
        params.serial_number = Some(SerialNumber::from(serial));
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        Ok(Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
            serial,
        })
    }

    /// A CRL of this CA revoking `revoked` (valid 2020–2090), PEM.
    ///
    /// # Errors
    /// rcgen's error (not expected).
    pub fn crl(&self, revoked: &[&Leaf]) -> Result<String, rcgen::Error> {
        let params = CertificateRevocationListParams {
            this_update: date_time_ymd(2020, 1, 1),
            next_update: date_time_ymd(2090, 1, 1),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|l| RevokedCertParams {
                    serial_number: SerialNumber::from(l.serial),
                    revocation_time: date_time_ymd(2021, 1, 1),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params.signed_by(&self.cert, &self.key)?.pem()
    }
}

/// A self-signed end-entity certificate (issued by no CA), valid 2020–2090.
///
/// # Errors
/// rcgen's error (not expected).
pub fn self_signed(common_name: &str) -> Result<Leaf, rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    params.distinguished_name = name(common_name);
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2090, 1, 1);
    let cert = params.self_signed(&key)?;
    Ok(Leaf {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        der: cert.der().clone(),
        serial: 0,
    })
}
