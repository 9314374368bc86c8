//! TLS for the agent: CA pinning at enrollment, mTLS afterwards, key and
//! CSR generation, certificate validity.
//!
//! Enrollment trusts nothing but a SHA-256 fingerprint of the collector CA
//! (as `kubeadm join` does): [`PinnedCaVerifier`] requires the presented
//! chain to contain a certificate with that fingerprint, then verifies the
//! leaf against it with webpki. Afterwards the stored CA is the only root.

use std::fmt;
use std::sync::Arc;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

/// The crypto provider used everywhere in the agent.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A CA fingerprint: SHA-256 of the certificate's DER.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a CA fingerprint is 64 hex digits (SHA-256 of the CA certificate's DER; colons and case are ignored)")]
pub struct InvalidFingerprint;

impl Fingerprint {
    /// Parses hex, ignoring colons, whitespace and case, and an optional
    /// `sha256:` prefix.
    pub fn parse(s: &str) -> Result<Self, InvalidFingerprint> {
        let s = s.trim();
        let s = s
            .strip_prefix("sha256:")
            .or_else(|| s.strip_prefix("SHA256:"))
            .unwrap_or(s);
        let clean: String = s
            .chars()
            .filter(|c| *c != ':' && !c.is_whitespace())
            .collect();
        let bytes = hex::decode(clean.to_ascii_lowercase()).map_err(|_| InvalidFingerprint)?;
        Ok(Fingerprint(
            bytes.try_into().map_err(|_| InvalidFingerprint)?,
        ))
    }

    pub fn of(der: &[u8]) -> Self {
        Fingerprint(Sha256::digest(der).into())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// The presented chain holds no certificate with the pinned fingerprint.
#[derive(Debug, thiserror::Error)]
#[error("collector CA fingerprint did not match: expected sha256 {expected}, got {}", got_list(.got))]
pub struct PinMismatch {
    pub expected: Fingerprint,
    /// Fingerprints of the presented certificates, the leaf first.
    pub got: Vec<Fingerprint>,
}

fn got_list(got: &[Fingerprint]) -> String {
    match got {
        [] => "no certificate".into(),
        // The CA is normally the last certificate of the chain.
        [.., last] if got.len() == 1 => last.to_string(),
        _ => {
            let all: Vec<String> = got.iter().map(ToString::to_string).collect();
            format!("{} (leaf first)", all.join(", "))
        }
    }
}

/// Accepts a server whose chain contains the pinned CA and whose leaf
/// verifies against that CA (name, validity, signature) with webpki.
#[derive(Debug)]
pub struct PinnedCaVerifier {
    pin: Fingerprint,
    provider: Arc<CryptoProvider>,
}

impl PinnedCaVerifier {
    pub fn new(pin: Fingerprint) -> Self {
        PinnedCaVerifier {
            pin,
            provider: provider(),
        }
    }
}

impl ServerCertVerifier for PinnedCaVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = std::iter::once(end_entity).chain(intermediates);
        let Some(ca) = presented.clone().find(|c| Fingerprint::of(c) == self.pin) else {
            let mismatch = PinMismatch {
                expected: self.pin,
                got: presented.map(|c| Fingerprint::of(c)).collect(),
            };
            return Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(mismatch))),
            ));
        };
        let mut roots = RootCertStore::empty();
        roots.add(ca.clone().into_owned())?;
        let inner = WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::clone(&self.provider),
        )
        .build()
        .map_err(|e| rustls::Error::General(e.to_string()))?;
        inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Finds a [`PinMismatch`] anywhere in an error's source chain (the
/// handshake error arrives wrapped in an I/O error and the client's own).
pub fn find_pin_mismatch<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a PinMismatch> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(m) = e.downcast_ref::<PinMismatch>() {
            return Some(m);
        }
        if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))) =
            e.downcast_ref::<rustls::Error>()
        {
            if let Some(m) = other.0.downcast_ref::<PinMismatch>() {
                return Some(m);
            }
        }
        // io::Error::source() skips the wrapped error itself.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(m) = find_pin_mismatch(inner) {
                return Some(m);
            }
        }
        cur = e.source();
    }
    None
}

/// TLS for enrollment: the pinned CA, no client certificate.
pub fn enroll_client_config(pin: Fingerprint) -> Result<ClientConfig, rustls::Error> {
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedCaVerifier::new(pin)))
        .with_no_client_auth())
}

/// mTLS for everything after enrollment: the stored CA as the only root,
/// the agent's certificate as client identity.
pub fn mtls_client_config(
    ca_pem: &str,
    cert_pem: &str,
    key_pem: &str,
) -> anyhow::Result<ClientConfig> {
    use anyhow::Context;
    let mut roots = RootCertStore::empty();
    for ca in parse_certs(ca_pem).context("while reading the collector CA")? {
        roots.add(ca).context("while adding the collector CA")?;
    }
    anyhow::ensure!(
        !roots.is_empty(),
        "the collector CA file holds no certificate"
    );
    let chain = parse_certs(cert_pem).context("while reading the agent certificate")?;
    anyhow::ensure!(
        !chain.is_empty(),
        "the agent certificate file holds no certificate"
    );
    let key = rustls_pemfile::private_key(&mut key_pem.as_bytes())
        .context("while reading the agent key")?
        .context("the agent key file holds no private key")?;
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .context("the agent key does not fit its certificate")
}

pub fn parse_certs(pem: &str) -> Result<Vec<CertificateDer<'static>>, std::io::Error> {
    rustls_pemfile::certs(&mut pem.as_bytes()).collect()
}

/// A fresh key pair and a CSR for it. The subject is a placeholder: the
/// collector assigns the identity.
pub struct KeyAndCsr {
    pub key_pem: String,
    pub csr_pem: String,
    pub public_key_der: Vec<u8>,
}

pub fn new_key_and_csr() -> anyhow::Result<KeyAndCsr> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "vigil-agent");
    params.distinguished_name = dn;
    let csr = params.serialize_request(&key)?;
    Ok(KeyAndCsr {
        key_pem: key.serialize_pem(),
        csr_pem: csr.pem()?,
        public_key_der: key.public_key_der(),
    })
}

/// Validity window of a certificate, ms since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    pub not_before_ms: i64,
    pub not_after_ms: i64,
}

impl Validity {
    /// When renewal is due: two thirds into the validity window.
    pub fn renew_at_ms(&self) -> i64 {
        self.not_before_ms + (self.not_after_ms - self.not_before_ms) * 2 / 3
    }
}

/// Reads the first certificate of a PEM: its validity and whether its
/// public key is `public_key_der` (when given).
pub fn cert_validity(cert_pem: &str) -> anyhow::Result<Validity> {
    let der = first_cert(cert_pem)?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| anyhow::anyhow!("certificate is not valid X.509: {e}"))?;
    let v = cert.validity();
    Ok(Validity {
        not_before_ms: v.not_before.timestamp() * 1000,
        not_after_ms: v.not_after.timestamp() * 1000,
    })
}

/// Checks that a certificate carries the given public key (SPKI DER).
pub fn cert_matches_key(cert_pem: &str, public_key_der: &[u8]) -> anyhow::Result<bool> {
    let der = first_cert(cert_pem)?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| anyhow::anyhow!("certificate is not valid X.509: {e}"))?;
    Ok(cert.public_key().raw == public_key_der)
}

fn first_cert(pem: &str) -> anyhow::Result<CertificateDer<'static>> {
    parse_certs(pem)?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no certificate in PEM"))
}

/// Fingerprint of the first certificate of a PEM.
pub fn pem_fingerprint(pem: &str) -> anyhow::Result<Fingerprint> {
    Ok(Fingerprint::of(&first_cert(pem)?))
}

#[cfg(test)]
mod tests;
