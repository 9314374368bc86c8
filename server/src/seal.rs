//! Sealing: the one way the collector encrypts secrets and personal data.
//!
//! The key file holds a 32-byte key-encryption key. [`Sealer::seal`] and
//! [`Sealer::open`] use XChaCha20-Poly1305 with a random 192-bit nonce; the
//! associated data binds a sealed value to where it lives (table, column,
//! row), so a value copied to another row or column does not open. Other
//! keys (audit chain key, blind-index key) are derived from the same root
//! with HMAC-SHA256 under distinct labels, so the key file is the only
//! secret to protect and back up.

use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// First byte of every sealed value: the format, so it can evolve.
const FORMAT_V1: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value does not open with this key and context")]
    Forged,
    #[error("value too large to seal")]
    TooLarge,
}

/// A value sealed by [`Sealer::seal`]: format byte, nonce, ciphertext+tag.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedValue(Vec<u8>);

impl SealedValue {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        SealedValue(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for SealedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedValue({} bytes)", self.0.len())
    }
}

/// Holds the root key. Cheap to clone behind an `Arc`; never printed.
pub struct Sealer {
    root: Zeroizing<[u8; KEY_LEN]>,
    aead: XChaCha20Poly1305,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    fn from_root(root: [u8; KEY_LEN]) -> Self {
        let root = Zeroizing::new(root);
        let aead = XChaCha20Poly1305::new((&*root).into());
        Sealer { root, aead }
    }

    /// Creates a new random key file (0600). Refuses to overwrite.
    pub fn create_key_file(path: &Path) -> Result<Sealer, SealError> {
        let mut root = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut root);
        let err = |reason: String| SealError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| err(e.to_string()))?;
        let encoded = Zeroizing::new(format!("{}\n", hex::encode(root)));
        file.write_all(encoded.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| err(e.to_string()))?;
        Ok(Sealer::from_root(root))
    }

    /// Loads the key file; refuses one readable by group or others.
    pub fn load_key_file(path: &Path) -> Result<Sealer, SealError> {
        let err = |reason: String| SealError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let meta = fs::metadata(path).map_err(|e| err(e.to_string()))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(err(
                "must not be accessible by group or others (chmod 600)".into()
            ));
        }
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| err(e.to_string()))?);
        let bytes = Zeroizing::new(
            hex::decode(text.trim()).map_err(|_| err("not a hex-encoded key".into()))?,
        );
        let root: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| err(format!("key must be {KEY_LEN} bytes")))?;
        Ok(Sealer::from_root(root))
    }

    /// A key for tests and benchmarks only.
    pub fn ephemeral() -> Sealer {
        let mut root = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut root);
        Sealer::from_root(root)
    }

    /// Seals `plaintext`, bound to `context` (e.g. `b"audit.source:42"`).
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<SealedValue, SealError> {
        // The thread's CSPRNG (ChaCha, seeded and regularly reseeded from
        // the OS): no system call per value, and 192-bit random nonces
        // do not repeat.
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| SealError::TooLarge)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(SealedValue(out))
    }

    /// Opens a value sealed with [`Sealer::seal`] under the same `context`.
    pub fn open(&self, context: &[u8], sealed: &SealedValue) -> Result<Vec<u8>, SealError> {
        let bytes = sealed.as_bytes();
        if bytes.len() < 1 + NONCE_LEN + 16 || bytes[0] != FORMAT_V1 {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = bytes[1..].split_at(NONCE_LEN);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| SealError::Forged)
    }

    /// A subkey for a purpose (`label`), derived with HMAC-SHA256.
    pub fn derive_key(&self, label: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.root)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"vigil derive v1\0");
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_context_binding() {
        let s = Sealer::ephemeral();
        let sealed = s.seal(b"users.name:1", b"alice").unwrap();
        assert_eq!(s.open(b"users.name:1", &sealed).unwrap(), b"alice");
        assert!(matches!(
            s.open(b"users.name:2", &sealed),
            Err(SealError::Forged)
        ));
        let other = Sealer::ephemeral();
        assert!(other.open(b"users.name:1", &sealed).is_err());
        assert!(!sealed.as_bytes().windows(5).any(|w| w == b"alice"));
    }

    #[test]
    fn tampered_and_truncated_values_are_refused() {
        let s = Sealer::ephemeral();
        let mut bytes = s.seal(b"c", b"secret value").unwrap().into_bytes();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(s
            .open(b"c", &SealedValue::from_bytes(bytes.clone()))
            .is_err());
        bytes.truncate(10);
        assert!(matches!(
            s.open(b"c", &SealedValue::from_bytes(bytes)),
            Err(SealError::Malformed)
        ));
    }

    #[test]
    fn key_file_round_trip_and_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let a = Sealer::create_key_file(&path).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let b = Sealer::load_key_file(&path).unwrap();
        assert_eq!(a.derive_key("x"), b.derive_key("x"));
        assert_ne!(a.derive_key("x"), a.derive_key("y"));
        assert!(Sealer::create_key_file(&path).is_err(), "never overwrites");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(Sealer::load_key_file(&path).is_err());
    }
}
