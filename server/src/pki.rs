//! The collector's own certificate authority: made by `init`, it signs the
//! server certificate and every agent's client certificate.
//!
//! Private keys are stored sealed (see [`crate::seal`]); only the key file is
//! a clear secret on disk.

use std::fs;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use sha2::{Digest, Sha256};
use vigil_shared::wire::AgentId;

use crate::seal::{SealedValue, Sealer};

const CA_CERT: &str = "ca.crt";
const CA_KEY: &str = "ca.key.sealed";
const SERVER_CERT: &str = "server.crt";
const SERVER_KEY: &str = "server.key.sealed";
const SERVER_CERT_VALIDITY: Duration = Duration::from_secs(397 * 24 * 3600);
const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("certificate signing request is invalid: {0}")]
    BadCsr(String),
    #[error("TLS configuration failed: {0}")]
    Tls(#[from] rustls::Error),
    #[error("sealed key: {0}")]
    Seal(#[from] crate::seal::SealError),
}

/// The crypto provider for the whole workspace: ring.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// SHA-256 of a DER certificate as lowercase hex.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The collector CA and server identity, loaded from the data directory.
pub struct Pki {
    ca_cert_der: CertificateDer<'static>,
    ca_cert_pem: String,
    ca_key: KeyPair,
    ca_params: rcgen::Certificate,
    server_cert_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
}

fn file_err(path: &Path, e: impl ToString) -> PkiError {
    PkiError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn now_plus(d: Duration) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + d
}

fn random_serial() -> SerialNumber {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes[0] &= 0x7f; // positive
    SerialNumber::from_slice(&bytes)
}

fn seal_key(sealer: &Sealer, name: &str, key: &KeyPair) -> Result<Vec<u8>, PkiError> {
    Ok(sealer
        .seal(name.as_bytes(), key.serialized_der())?
        .into_bytes())
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), PkiError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| file_err(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| file_err(path, e))
}

fn parse_sans(sans: &[String]) -> Vec<SanType> {
    sans.iter()
        .filter_map(|s| match s.parse::<IpAddr>() {
            Ok(ip) => Some(SanType::IpAddress(ip)),
            Err(_) => s.clone().try_into().ok().map(SanType::DnsName),
        })
        .collect()
}

impl Pki {
    /// Makes a new CA and server certificate in `dir` (which must exist).
    pub fn create(dir: &Path, sealer: &Sealer, sans: &[String]) -> Result<Pki, PkiError> {
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut ca = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "Vigil");
        dn.push(DnType::CommonName, "Vigil collector CA");
        ca.distinguished_name = dn;
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.not_before = time::OffsetDateTime::now_utc() - Duration::from_secs(3600);
        ca.not_after = now_plus(CA_VALIDITY);
        ca.serial_number = Some(random_serial());
        let ca_cert = ca.self_signed(&ca_key)?;

        let server_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "Vigil collector");
        params.distinguished_name = dn;
        params.subject_alt_names = parse_sans(sans);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = time::OffsetDateTime::now_utc() - Duration::from_secs(3600);
        params.not_after = now_plus(SERVER_CERT_VALIDITY);
        params.serial_number = Some(random_serial());
        params.use_authority_key_identifier_extension = true;
        let server_cert = params.signed_by(&server_key, &ca_cert, &ca_key)?;

        write_new(&dir.join(CA_CERT), ca_cert.pem().as_bytes())?;
        write_new(&dir.join(CA_KEY), &seal_key(sealer, CA_KEY, &ca_key)?)?;
        write_new(&dir.join(SERVER_CERT), server_cert.pem().as_bytes())?;
        write_new(
            &dir.join(SERVER_KEY),
            &seal_key(sealer, SERVER_KEY, &server_key)?,
        )?;
        Pki::load(dir, sealer)
    }

    pub fn load(dir: &Path, sealer: &Sealer) -> Result<Pki, PkiError> {
        let read = |name: &str| {
            let p = dir.join(name);
            fs::read(&p).map_err(|e| file_err(&p, e))
        };
        let open_key = |name: &str| -> Result<Vec<u8>, PkiError> {
            Ok(sealer.open(name.as_bytes(), &SealedValue::from_bytes(read(name)?))?)
        };
        let ca_pem =
            String::from_utf8(read(CA_CERT)?).map_err(|e| file_err(&dir.join(CA_CERT), e))?;
        let ca_cert_der = first_cert(&ca_pem)
            .ok_or_else(|| file_err(&dir.join(CA_CERT), "no certificate in PEM file"))?;
        let ca_key_der = open_key(CA_KEY)?;
        let ca_key = KeyPair::try_from(ca_key_der.as_slice())?;
        let ca_params = CertificateParams::from_ca_cert_pem(&ca_pem)?.self_signed(&ca_key)?;
        let server_pem = String::from_utf8(read(SERVER_CERT)?)
            .map_err(|e| file_err(&dir.join(SERVER_CERT), e))?;
        let server_cert_der = first_cert(&server_pem)
            .ok_or_else(|| file_err(&dir.join(SERVER_CERT), "no certificate in PEM file"))?;
        Ok(Pki {
            ca_cert_der,
            ca_cert_pem: ca_pem,
            ca_key,
            ca_params,
            server_cert_der,
            server_key_der: open_key(SERVER_KEY)?,
        })
    }

    pub fn ca_fingerprint(&self) -> String {
        fingerprint(&self.ca_cert_der)
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.ca_cert_der
    }

    /// Signs an agent's CSR. The CSR's subject is ignored: the certificate
    /// names `agent` (CN and DNS SAN) and is valid for `validity`.
    pub fn sign_agent_csr(
        &self,
        csr_pem: &str,
        agent: &AgentId,
        validity: Duration,
    ) -> Result<(String, i64), PkiError> {
        let mut csr = CertificateSigningRequestParams::from_pem(csr_pem)
            .map_err(|e| PkiError::BadCsr(e.to_string()))?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, agent.as_str());
        params.distinguished_name = dn;
        params.subject_alt_names = parse_sans(&[agent.to_string()]);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        // Backdated for clock skew, but never by more than a tenth of the
        // validity: agents renew two thirds into the window, which must lie
        // in the future for short-lived certificates too.
        let backdate = Duration::from_secs(300).min(validity / 10);
        params.not_before = time::OffsetDateTime::now_utc() - backdate;
        params.not_after = now_plus(validity);
        params.serial_number = Some(random_serial());
        params.use_authority_key_identifier_extension = true;
        let not_after_ms = (params.not_after.unix_timestamp_nanos() / 1_000_000) as i64;
        csr.params = params;
        let cert = csr.signed_by(&self.ca_params, &self.ca_key)?;
        Ok((cert.pem(), not_after_ms))
    }

    fn chain_and_key(&self) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        (
            vec![self.server_cert_der.clone(), self.ca_cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone())),
        )
    }

    /// TLS for the admin API: server-authenticated only.
    pub fn admin_tls(&self) -> Result<ServerConfig, PkiError> {
        let (chain, key) = self.chain_and_key();
        let mut cfg = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(cfg)
    }

    /// TLS for the agent listener: client certificates issued by our CA are
    /// verified when presented; routes other than enrollment require one.
    pub fn agent_tls(&self) -> Result<ServerConfig, PkiError> {
        let mut roots = RootCertStore::empty();
        roots.add(self.ca_cert_der.clone())?;
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .allow_unauthenticated()
            .build()
            .map_err(|e| PkiError::Tls(rustls::Error::General(e.to_string())))?;
        let (chain, key) = self.chain_and_key();
        let mut cfg = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)?;
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(cfg)
    }
}

fn first_cert(pem: &str) -> Option<CertificateDer<'static>> {
    rustls_pemfile::certs(&mut pem.as_bytes())
        .next()
        .and_then(Result::ok)
}

/// The agent id named by a verified client certificate (its CN).
pub fn agent_id_of(cert: &CertificateDer<'_>) -> Option<AgentId> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
    let cn = parsed.subject().iter_common_name().next()?.as_str().ok()?;
    cn.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_load_and_sign() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::ephemeral();
        let pki = Pki::create(
            dir.path(),
            &sealer,
            &["localhost".into(), "127.0.0.1".into()],
        )
        .unwrap();
        let again = Pki::load(dir.path(), &sealer).unwrap();
        assert_eq!(pki.ca_fingerprint(), again.ca_fingerprint());
        assert_eq!(pki.ca_fingerprint().len(), 64);
        // Private keys are sealed on disk.
        let raw = fs::read(dir.path().join(CA_KEY)).unwrap();
        assert!(KeyPair::try_from(raw.as_slice()).is_err());
        assert!(Pki::load(dir.path(), &Sealer::ephemeral()).is_err());

        let agent_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let csr = CertificateParams::default()
            .serialize_request(&agent_key)
            .unwrap()
            .pem()
            .unwrap();
        let id = AgentId::from_bytes([7; 16]);
        let (pem, not_after) = again
            .sign_agent_csr(&csr, &id, Duration::from_secs(60))
            .unwrap();
        assert!(not_after > 0);
        let der = first_cert(&pem).unwrap();
        assert_eq!(agent_id_of(&der), Some(id));
        assert!(matches!(
            again.sign_agent_csr(
                "garbage",
                &AgentId::from_bytes([1; 16]),
                Duration::from_secs(1)
            ),
            Err(PkiError::BadCsr(_))
        ));
        again.admin_tls().unwrap();
        again.agent_tls().unwrap();
    }
}
