//! The data directory: its layout, and `init`, which creates it whole or
//! not at all (everything is built in a sibling temp dir, then renamed).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};

use crate::audit::checkpoint::CheckpointFile;
use crate::audit::{AuditEntry, ChainKey, Outcome, CHAIN_KEY_LABEL};
use crate::auth::password::{self, Argon2Cost};
use crate::auth::Role;
use crate::pki::Pki;
use crate::seal::Sealer;
use crate::store::{self, audit::AuditKeys};

/// Paths inside a data directory.
#[derive(Clone, Debug)]
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub fn new(root: &Path) -> Self {
        DataDir {
            root: root.to_owned(),
        }
    }
    pub fn db(&self) -> PathBuf {
        self.root.join("vigil.db")
    }
    /// The audit trail's file (see [`store::open_rw`]).
    pub fn audit_db(&self) -> PathBuf {
        store::audit_path(&self.db())
    }
    pub fn key_file(&self) -> PathBuf {
        self.root.join("master.key")
    }
    pub fn pki(&self) -> PathBuf {
        self.root.join("pki")
    }

    /// Loads the key file of an initialized data directory.
    pub fn sealer(&self) -> anyhow::Result<Arc<Sealer>> {
        if !self.db().exists() {
            bail!(
                "{} is not an initialized data directory (run `vigil-server init --data-dir {}`)",
                self.root.display(),
                self.root.display()
            );
        }
        Ok(Arc::new(Sealer::load_key_file(&self.key_file())?))
    }

    pub fn chain_key(sealer: &Sealer) -> ChainKey {
        ChainKey(sealer.derive_key(CHAIN_KEY_LABEL))
    }

    pub fn checkpoint(&self, sealer: &Sealer) -> CheckpointFile {
        CheckpointFile::new(&self.root, Self::chain_key(sealer))
    }

    pub fn audit_keys(sealer: &Arc<Sealer>) -> AuditKeys {
        let chain = Self::chain_key(sealer);
        AuditKeys {
            linker: crate::audit::Linker::new(&chain),
            chain,
            sealer: sealer.clone(),
        }
    }
}

/// What `init` reports.
pub struct Initialized {
    pub ca_fingerprint: String,
    /// Set when init generated the password (printed once).
    pub generated_password: Option<String>,
}

pub struct InitOptions<'a> {
    pub admin_user: &'a str,
    pub admin_password: Option<String>,
    pub sans: &'a [String],
    pub argon2: Argon2Cost,
}

/// Creates a data directory. Refuses an existing non-empty one.
pub fn init(dir: &DataDir, opts: &InitOptions<'_>) -> anyhow::Result<Initialized> {
    if dir.root.exists()
        && fs::read_dir(&dir.root)
            .with_context(|| format!("reading {}", dir.root.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} already exists and is not empty; refusing to overwrite a data directory",
            dir.root.display()
        );
    }
    let parent = dir
        .root
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".vigil-init-")
        .tempdir_in(parent)
        .with_context(|| format!("creating a staging directory in {}", parent.display()))?;
    let stage = DataDir::new(staging.path());
    fs::set_permissions(&stage.root, fs::Permissions::from_mode(0o700))?;

    let (password, generated) = match &opts.admin_password {
        Some(p) => (p.clone(), None),
        None => {
            let p = crate::auth::token::generate("");
            (p.clone(), Some(p))
        }
    };
    password::check_policy(&password).context("admin password")?;

    let sealer = Arc::new(Sealer::create_key_file(&stage.key_file())?);
    fs::create_dir(stage.pki())?;
    fs::set_permissions(stage.pki(), fs::Permissions::from_mode(0o700))?;
    let pki = Pki::create(&stage.pki(), &sealer, opts.sans)?;

    let mut conn = store::open_rw(&stage.db())?;
    let hash = password::hash(&password, opts.argon2)?;
    let keys = DataDir::audit_keys(&sealer);
    let tx = conn.transaction()?;
    let id = store::users::insert_user(&tx, opts.admin_user, &hash, Role::Admin.as_str())?;
    let head = store::audit::append(
        &tx,
        &keys,
        &AuditEntry {
            actor: "cli".into(),
            role: "local",
            source: None,
            action: "init",
            target: format!("user:{id}"),
            outcome: Outcome::Ok,
            request_id: String::new(),
        },
    )?;
    tx.commit()?;
    drop(conn);
    stage.checkpoint(&sealer).advance(&head)?;

    // Move into place. An empty existing directory is replaced.
    if dir.root.exists() {
        fs::remove_dir(&dir.root)
            .with_context(|| format!("replacing empty {}", dir.root.display()))?;
    }
    let staged = staging.keep();
    fs::rename(&staged, &dir.root)
        .with_context(|| format!("moving the new data directory to {}", dir.root.display()))?;
    Ok(Initialized {
        ca_fingerprint: pki.ca_fingerprint(),
        generated_password: generated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Argon2Cost {
        Argon2Cost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn init_creates_everything_and_refuses_twice() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(&tmp.path().join("data"));
        let opts = InitOptions {
            admin_user: "admin",
            admin_password: None,
            sans: &["localhost".into()],
            argon2: fast(),
        };
        let out = init(&dir, &opts).unwrap();
        assert_eq!(out.ca_fingerprint.len(), 64);
        let pw = out.generated_password.unwrap();
        assert!(pw.len() >= 20);
        let mode = fs::metadata(&dir.root).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let before: Vec<_> = fs::read_dir(&dir.root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let db_before = fs::read(dir.db()).unwrap();
        assert!(init(&dir, &opts).is_err());
        let after: Vec<_> = fs::read_dir(&dir.root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(before, after);
        assert_eq!(db_before, fs::read(dir.db()).unwrap());
        // The password is not on disk in clear.
        for entry in fs::read_dir(&dir.root).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                let bytes = fs::read(&p).unwrap();
                assert!(!bytes.windows(pw.len()).any(|w| w == pw.as_bytes()));
            }
        }
        let conn = rusqlite::Connection::open(dir.db()).unwrap();
        let av: i64 = conn
            .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
            .unwrap();
        assert_eq!(av, 2, "incremental auto_vacuum");
    }

    #[test]
    fn weak_password_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(&tmp.path().join("data"));
        let opts = InitOptions {
            admin_user: "admin",
            admin_password: Some("short".into()),
            sans: &[],
            argon2: fast(),
        };
        assert!(init(&dir, &opts).is_err());
        assert!(!dir.root.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    }
}
