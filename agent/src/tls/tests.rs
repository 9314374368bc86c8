//! The pinning verifier against a real rustls server on loopback.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
    der: CertificateDer<'static>,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, name.to_owned());
    let cert = params.self_signed(&key).unwrap();
    Ca {
        der: cert.der().clone(),
        cert,
        key,
    }
}

/// A server certificate for `localhost` signed by `issuer`.
fn leaf(issuer: &Ca) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &issuer.cert, &issuer.key).unwrap();
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// Serves TLS with `chain` on loopback; each connection echoes one byte.
async fn serve(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> u16 {
    let cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut b = [0u8; 1];
                    if tls.read_exact(&mut b).await.is_ok() {
                        let _ = tls.write_all(&b).await;
                        let _ = tls.flush().await;
                    }
                }
            });
        }
    });
    port
}

async fn connect(port: u16, pin: Fingerprint) -> Result<(), std::io::Error> {
    let cfg = enroll_client_config(pin).unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(b"x").await?;
    let mut b = [0u8; 1];
    tls.read_exact(&mut b).await?;
    assert_eq!(&b, b"x");
    Ok(())
}

fn mismatch_of(err: &std::io::Error) -> Option<&PinMismatch> {
    find_pin_mismatch(err)
}

#[tokio::test]
async fn right_pin_is_accepted() {
    let ca = ca("collector CA");
    let (cert, key) = leaf(&ca);
    let port = serve(vec![cert, ca.der.clone()], key).await;
    connect(port, Fingerprint::of(&ca.der)).await.unwrap();
}

#[tokio::test]
async fn wrong_pin_is_refused_showing_expected_and_got() {
    let ca_real = ca("collector CA");
    let ca_other = ca("someone else");
    let (cert, key) = leaf(&ca_real);
    let port = serve(vec![cert, ca_real.der.clone()], key).await;
    let pin = Fingerprint::of(&ca_other.der);
    let err = connect(port, pin).await.unwrap_err();
    let m = mismatch_of(&err).unwrap_or_else(|| panic!("not a pin mismatch: {err:?}"));
    let shown = m.to_string();
    assert!(shown.contains("fingerprint did not match"), "{shown}");
    assert!(shown.contains(&pin.to_string()), "{shown}");
    assert!(
        shown.contains(&Fingerprint::of(&ca_real.der).to_string()),
        "{shown}"
    );
}

#[tokio::test]
async fn pinned_ca_must_have_signed_the_leaf() {
    // The server shows the pinned CA but its leaf comes from another CA.
    let ca_pinned = ca("collector CA");
    let ca_rogue = ca("rogue");
    let (cert, key) = leaf(&ca_rogue);
    let port = serve(vec![cert, ca_pinned.der.clone()], key).await;
    let err = connect(port, Fingerprint::of(&ca_pinned.der))
        .await
        .unwrap_err();
    assert!(mismatch_of(&err).is_none(), "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}

#[tokio::test]
async fn leaf_only_chain_is_refused() {
    let ca = ca("collector CA");
    let (cert, key) = leaf(&ca);
    let port = serve(vec![cert], key).await;
    let err = connect(port, Fingerprint::of(&ca.der)).await.unwrap_err();
    assert!(mismatch_of(&err).is_some(), "{err}");
}

#[test]
fn fingerprints_parse_loosely() {
    let hex = "AB".repeat(32);
    let colons = vec!["ab"; 32].join(":");
    let a = Fingerprint::parse(&hex).unwrap();
    assert_eq!(a, Fingerprint::parse(&colons).unwrap());
    assert_eq!(a, Fingerprint::parse(&format!("sha256:{hex}")).unwrap());
    assert_eq!(a.to_string(), "ab".repeat(32));
    assert!(Fingerprint::parse("abcd").is_err());
    assert!(Fingerprint::parse(&"zz".repeat(32)).is_err());
}

#[test]
fn csr_and_validity() {
    let kc = new_key_and_csr().unwrap();
    assert!(kc.csr_pem.contains("CERTIFICATE REQUEST"));
    assert!(kc.key_pem.contains("PRIVATE KEY"));
    // Sign the CSR as the collector would and check what we can read back.
    let ca = ca("collector CA");
    let csr = rcgen::CertificateSigningRequestParams::from_pem(&kc.csr_pem).unwrap();
    let cert = csr.signed_by(&ca.cert, &ca.key).unwrap();
    assert!(cert_matches_key(&cert.pem(), &kc.public_key_der).unwrap());
    let other = new_key_and_csr().unwrap();
    assert!(!cert_matches_key(&cert.pem(), &other.public_key_der).unwrap());
    let v = cert_validity(&cert.pem()).unwrap();
    assert!(v.not_after_ms > v.not_before_ms);
    assert!(v.renew_at_ms() > v.not_before_ms && v.renew_at_ms() < v.not_after_ms);
}
