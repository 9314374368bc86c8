//! The audit head checkpoint: `audit.head` in the data directory, beside
//! (not inside) the database. It names the newest sequence number and its
//! hash, with a MAC under the chain key so it cannot be rewritten to match a
//! truncated chain. Writers (the server and CLI commands) take an exclusive
//! `flock` and only ever move it forward.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::ChainKey;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: [u8; 32],
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    seq: i64,
    hash: String,
    mac: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("audit checkpoint {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("audit checkpoint {0} has been altered (its MAC does not check)")]
    Forged(String),
}

fn mac(key: &ChainKey, seq: i64, hash: &[u8; 32]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    m.update(b"vigil audit head v1\0");
    m.update(&seq.to_be_bytes());
    m.update(hash);
    m.finalize().into_bytes().into()
}

/// The checkpoint file of one data directory.
#[derive(Clone)]
pub struct CheckpointFile {
    path: PathBuf,
    key: ChainKey,
}

impl CheckpointFile {
    pub fn new(data_dir: &Path, key: ChainKey) -> Self {
        CheckpointFile {
            path: data_dir.join("audit.head"),
            key,
        }
    }

    fn io_err(&self, e: impl ToString) -> CheckpointError {
        CheckpointError::Io {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// Reads the checkpoint; `None` if there is none yet.
    pub fn read(&self) -> Result<Option<Head>, CheckpointError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_err(e)),
        };
        let forged = || CheckpointError::Forged(self.path.display().to_string());
        let disk: OnDisk = serde_json::from_str(&text).map_err(|_| forged())?;
        let hash: [u8; 32] = hex::decode(&disk.hash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(forged)?;
        let given = hex::decode(&disk.mac).map_err(|_| forged())?;
        let expected = mac(&self.key, disk.seq, &hash);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            given.as_slice(),
            expected.as_slice(),
        )) {
            return Err(forged());
        }
        Ok(Some(Head {
            seq: disk.seq,
            hash,
        }))
    }

    /// Moves the checkpoint forward to `head` (never backward).
    pub fn advance(&self, head: &Head) -> Result<(), CheckpointError> {
        let lock_path = self.path.with_extension("head.lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| self.io_err(e))?;
        let _guard = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| self.io_err(e))?;
        if let Ok(Some(current)) = self.read() {
            if current.seq >= head.seq {
                return Ok(());
            }
        }
        let disk = OnDisk {
            seq: head.seq,
            hash: hex::encode(head.hash),
            mac: hex::encode(mac(&self.key, head.seq, &head.hash)),
        };
        let tmp = self.path.with_extension("head.tmp");
        let mut f = fs::File::create(&tmp).map_err(|e| self.io_err(e))?;
        let body = serde_json::to_vec(&disk).map_err(|e| self.io_err(e))?;
        f.write_all(&body)
            .and_then(|()| f.sync_data())
            .map_err(|e| self.io_err(e))?;
        fs::rename(&tmp, &self.path).map_err(|e| self.io_err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_only_forward_and_detects_edits() {
        let dir = tempfile::tempdir().unwrap();
        let cp = CheckpointFile::new(dir.path(), ChainKey([1; 32]));
        assert_eq!(cp.read().unwrap(), None);
        let h5 = Head {
            seq: 5,
            hash: [5; 32],
        };
        cp.advance(&h5).unwrap();
        cp.advance(&Head {
            seq: 4,
            hash: [4; 32],
        })
        .unwrap();
        assert_eq!(cp.read().unwrap(), Some(h5));
        let text = fs::read_to_string(dir.path().join("audit.head")).unwrap();
        fs::write(
            dir.path().join("audit.head"),
            text.replace("\"seq\":5", "\"seq\":3"),
        )
        .unwrap();
        assert!(matches!(cp.read(), Err(CheckpointError::Forged(_))));
        let other = CheckpointFile::new(dir.path(), ChainKey([2; 32]));
        assert!(other.read().is_err());
    }
}
