//! The agent's state directory: identity, trust anchor, redaction key, spool.
//!
//! ```text
//! state.toml    collector URL, agent id (written last at enrollment: its
//!               presence means "enrolled")
//! agent.key     private key, PKCS#8 PEM, 0600, never leaves the host
//! agent.crt     client certificate, PEM, 0600
//! ca.crt        collector CA, PEM, 0600: the only trust anchor
//! redact.key    32 random bytes scoping redaction tokens, 0600
//! spool.db      the local spool (SQLite, WAL)
//! ```
//!
//! The directory is 0700. Every file is replaced atomically (temp file,
//! fsync, rename, fsync of the directory).

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use vigil_shared::wire::AgentId;

pub const STATE_FILE: &str = "state.toml";
pub const KEY_FILE: &str = "agent.key";
pub const CERT_FILE: &str = "agent.crt";
pub const CA_FILE: &str = "ca.crt";
pub const REDACT_KEY_FILE: &str = "redact.key";
pub const SPOOL_FILE: &str = "spool.db";

/// Suffix of a fully written, not yet installed renewal file.
const NEXT_SUFFIX: &str = ".next";

/// `state.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentState {
    /// Collector URL given at enrollment.
    pub server: String,
    pub agent_id: AgentId,
    /// SHA-256 of the collector CA (DER), lowercase hex, as pinned.
    pub ca_sha256: String,
    pub enrolled_at_ms: i64,
}

/// Paths inside one state directory.
#[derive(Clone, Debug)]
pub struct StateDir {
    root: PathBuf,
}

/// Everything `run` needs from the state directory.
pub struct Identity {
    pub state: AgentState,
    pub key_pem: String,
    pub cert_pem: String,
    pub ca_pem: String,
}

impl StateDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Creates the directory (0700) if needed and tightens its mode.
    pub fn create(&self) -> anyhow::Result<()> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.root)
            .with_context(|| format!("while creating state dir {}", self.root.display()))?;
        fs::set_permissions(&self.root, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("while setting the mode of {}", self.root.display()))
    }

    pub fn is_enrolled(&self) -> bool {
        self.path(STATE_FILE).exists()
    }

    pub fn write_state(&self, state: &AgentState) -> anyhow::Result<()> {
        let text = toml::to_string(state).context("while encoding state.toml")?;
        write_atomic(&self.path(STATE_FILE), text.as_bytes())
    }

    pub fn read_state(&self) -> anyhow::Result<AgentState> {
        let path = self.path(STATE_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "{} is not enrolled (no {STATE_FILE}); run `vigil-agent enroll` first",
                self.root.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("while reading {}", path.display())),
        };
        toml::from_str(&text).with_context(|| format!("while parsing {}", path.display()))
    }

    /// Loads identity and trust anchor, finishing an interrupted renewal
    /// first.
    pub fn load_identity(&self) -> anyhow::Result<Identity> {
        let state = self.read_state()?;
        self.recover_renewal()?;
        let read = |name: &str| {
            let p = self.path(name);
            fs::read_to_string(&p).with_context(|| format!("while reading {}", p.display()))
        };
        Ok(Identity {
            state,
            key_pem: read(KEY_FILE)?,
            cert_pem: read(CERT_FILE)?,
            ca_pem: read(CA_FILE)?,
        })
    }

    /// Installs a renewed key and certificate. Both are first written in
    /// full as `*.next` (the certificate last), then renamed into place; a
    /// crash at any point leaves either the old pair or, via
    /// [`StateDir::recover_renewal`], the new one.
    pub fn install_renewed(&self, key_pem: &str, cert_pem: &str) -> anyhow::Result<()> {
        let key_next = self.path(&format!("{KEY_FILE}{NEXT_SUFFIX}"));
        let cert_next = self.path(&format!("{CERT_FILE}{NEXT_SUFFIX}"));
        write_atomic(&key_next, key_pem.as_bytes())?;
        write_atomic(&cert_next, cert_pem.as_bytes())?;
        self.recover_renewal()
    }

    /// Rolls a half-installed renewal forward (both `.next` files complete)
    /// or back (only the key was written).
    pub fn recover_renewal(&self) -> anyhow::Result<()> {
        let key_next = self.path(&format!("{KEY_FILE}{NEXT_SUFFIX}"));
        let cert_next = self.path(&format!("{CERT_FILE}{NEXT_SUFFIX}"));
        if cert_next.exists() {
            if key_next.exists() {
                rename_durable(&key_next, &self.path(KEY_FILE))?;
            }
            rename_durable(&cert_next, &self.path(CERT_FILE))?;
        } else if key_next.exists() {
            fs::remove_file(&key_next)
                .with_context(|| format!("while removing {}", key_next.display()))?;
        }
        Ok(())
    }

    /// The redaction scope key, generated on first use.
    pub fn redact_key(&self) -> anyhow::Result<[u8; 32]> {
        let path = self.path(REDACT_KEY_FILE);
        match fs::read(&path) {
            Ok(bytes) => bytes.as_slice().try_into().map_err(|_| {
                anyhow::anyhow!(
                    "{} must hold exactly 32 bytes, found {}",
                    path.display(),
                    bytes.len()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                write_atomic(&path, &key)?;
                Ok(key)
            }
            Err(e) => Err(e).with_context(|| format!("while reading {}", path.display())),
        }
    }
}

/// Writes `bytes` to `path` (mode 0600) atomically and durably.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} has no file name", path.display()))?;
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let _ = fs::remove_file(&tmp);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("while creating {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("while writing {}", tmp.display()))?;
    drop(f);
    rename_durable(&tmp, path)
}

fn rename_durable(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::rename(from, to)
        .with_context(|| format!("while renaming {} to {}", from.display(), to.display()))?;
    if let Some(dir) = to.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("while syncing {}", dir.display()))?;
    }
    Ok(())
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn files_are_private_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::new(dir.path().join("state"));
        sd.create().unwrap();
        assert_eq!(fs::metadata(sd.root()).unwrap().mode() & 0o777, 0o700);
        write_atomic(&sd.path(KEY_FILE), b"one").unwrap();
        write_atomic(&sd.path(KEY_FILE), b"two").unwrap();
        assert_eq!(fs::read(sd.path(KEY_FILE)).unwrap(), b"two");
        assert_eq!(
            fs::metadata(sd.path(KEY_FILE)).unwrap().mode() & 0o777,
            0o600
        );
        let names: Vec<_> = fs::read_dir(sd.root()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left behind");
    }

    #[test]
    fn redact_key_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::new(dir.path());
        let a = sd.redact_key().unwrap();
        let b = sd.redact_key().unwrap();
        assert_eq!(a, b);
        let mode = fs::metadata(sd.path(REDACT_KEY_FILE)).unwrap().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn renewal_rolls_forward_or_back() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::new(dir.path());
        write_atomic(&sd.path(KEY_FILE), b"old key").unwrap();
        write_atomic(&sd.path(CERT_FILE), b"old cert").unwrap();
        // Crash after the key was written but before the certificate.
        write_atomic(&sd.path("agent.key.next"), b"new key").unwrap();
        sd.recover_renewal().unwrap();
        assert_eq!(fs::read(sd.path(KEY_FILE)).unwrap(), b"old key");
        assert!(!sd.path("agent.key.next").exists());
        // Crash after both were written.
        write_atomic(&sd.path("agent.key.next"), b"new key").unwrap();
        write_atomic(&sd.path("agent.crt.next"), b"new cert").unwrap();
        sd.recover_renewal().unwrap();
        assert_eq!(fs::read(sd.path(KEY_FILE)).unwrap(), b"new key");
        assert_eq!(fs::read(sd.path(CERT_FILE)).unwrap(), b"new cert");
        sd.install_renewed("k3", "c3").unwrap();
        assert_eq!(fs::read(sd.path(KEY_FILE)).unwrap(), b"k3");
        assert_eq!(fs::read(sd.path(CERT_FILE)).unwrap(), b"c3");
    }

    #[test]
    fn not_enrolled_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let err = StateDir::new(dir.path()).read_state().unwrap_err();
        assert!(err.to_string().contains("vigil-agent enroll"), "{err}");
    }
}
