//! Support bundles: sealed files, quarantine state, time-limited grants
//! for raw access, and the retention purge.
//!
//! Every file and the manifest (consent, original paths) are stored
//! sealed; the columns in clear are ids, times, counts and the status.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use vigil_shared::wire::SupportVariant;

use super::StoreError;
use crate::seal::SealedValue;

/// Whether support may see a bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleStatus {
    /// Clean on the collector's re-scan, or released by an admin.
    Visible,
    /// The re-scan found something: admins only, until released.
    Quarantined,
}

impl BundleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BundleStatus::Visible => "visible",
            BundleStatus::Quarantined => "quarantined",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "visible" => Ok(BundleStatus::Visible),
            "quarantined" => Ok(BundleStatus::Quarantined),
            other => Err(StoreError::Schema(format!(
                "unknown support bundle status {other:?}"
            ))),
        }
    }
}

/// One sealed file of a new bundle.
pub struct NewFile {
    pub index: u32,
    pub variant: SupportVariant,
    pub size: u64,
    pub sealed: SealedValue,
}

/// A bundle ready to store (everything personal already sealed).
pub struct NewBundle {
    pub id: String,
    pub agent_id: String,
    pub received_ms: i64,
    pub status: BundleStatus,
    /// Findings of the collector's re-scan, per kind (counts only).
    pub findings: BTreeMap<String, u64>,
    pub file_count: u32,
    pub has_raw: bool,
    pub manifest: SealedValue,
    pub files: Vec<NewFile>,
}

/// A stored bundle, without its sealed parts.
#[derive(Clone, Debug, Serialize)]
pub struct BundleRow {
    pub id: String,
    pub agent_id: String,
    pub received_ms: i64,
    pub status: BundleStatus,
    pub findings: BTreeMap<String, u64>,
    pub file_count: u32,
    pub has_raw: bool,
    pub released_by: Option<i64>,
    pub released_ms: Option<i64>,
}

pub fn insert(conn: &Connection, b: &NewBundle) -> Result<(), StoreError> {
    let findings =
        serde_json::to_string(&b.findings).map_err(|e| StoreError::Schema(e.to_string()))?;
    conn.execute(
        "INSERT INTO support_bundles
             (id, agent_id, received_ms, status, findings, file_count, has_raw, manifest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            b.id,
            b.agent_id,
            b.received_ms,
            b.status.as_str(),
            findings,
            b.file_count,
            b.has_raw,
            b.manifest.as_bytes()
        ],
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO support_files (bundle_id, idx, variant, size, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for f in &b.files {
        stmt.execute(params![
            b.id,
            f.index,
            f.variant.as_str(),
            f.size as i64,
            f.sealed.as_bytes()
        ])?;
    }
    Ok(())
}

const COLUMNS: &str = "id, agent_id, received_ms, status, findings, file_count, has_raw, \
                       released_by, released_ms";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(BundleRow, String, String)> {
    Ok((
        BundleRow {
            id: r.get(0)?,
            agent_id: r.get(1)?,
            received_ms: r.get(2)?,
            status: BundleStatus::Visible,
            findings: BTreeMap::new(),
            file_count: r.get(5)?,
            has_raw: r.get(6)?,
            released_by: r.get(7)?,
            released_ms: r.get(8)?,
        },
        r.get(3)?,
        r.get(4)?,
    ))
}

fn finish((mut b, status, findings): (BundleRow, String, String)) -> Result<BundleRow, StoreError> {
    b.status = BundleStatus::parse(&status)?;
    b.findings = serde_json::from_str(&findings).map_err(|e| StoreError::Schema(e.to_string()))?;
    Ok(b)
}

/// All bundles, newest first.
pub fn list(conn: &Connection) -> Result<Vec<BundleRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM support_bundles ORDER BY received_ms DESC, id"
    ))?;
    let rows = stmt.query_map([], row)?;
    rows.map(|r| finish(r?)).collect()
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<BundleRow>, StoreError> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM support_bundles WHERE id = ?1"
        ))?
        .query_row([id], row)
        .optional()?;
    found.map(finish).transpose()
}

pub fn manifest(conn: &Connection, id: &str) -> Result<Option<SealedValue>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT manifest FROM support_bundles WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .map(SealedValue::from_bytes))
}

pub fn file(
    conn: &Connection,
    id: &str,
    index: u32,
    variant: SupportVariant,
) -> Result<Option<SealedValue>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT sealed FROM support_files WHERE bundle_id = ?1 AND idx = ?2 AND variant = ?3",
        )?
        .query_row(params![id, index, variant.as_str()], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .optional()?
        .map(SealedValue::from_bytes))
}

/// What releasing a bundle did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    Released,
    AlreadyVisible,
    NotFound,
}

pub fn release(conn: &Connection, id: &str, by: i64, now_ms: i64) -> Result<Release, StoreError> {
    let Some(b) = get(conn, id)? else {
        return Ok(Release::NotFound);
    };
    if b.status == BundleStatus::Visible {
        return Ok(Release::AlreadyVisible);
    }
    conn.execute(
        "UPDATE support_bundles SET status = 'visible', released_by = ?2, released_ms = ?3
         WHERE id = ?1",
        params![id, by, now_ms],
    )?;
    Ok(Release::Released)
}

/// The role of an active (not deleted, not disabled) user.
pub fn active_user_role(conn: &Connection, user_id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT role FROM users WHERE id = ?1 AND deleted_ms IS NULL AND disabled = 0",
        )?
        .query_row([user_id], |r| r.get(0))
        .optional()?)
}

pub fn insert_grant(
    conn: &Connection,
    bundle_id: &str,
    user_id: i64,
    granted_by: i64,
    now_ms: i64,
    expires_ms: i64,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO support_grants (bundle_id, user_id, granted_by, created_ms, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![bundle_id, user_id, granted_by, now_ms, expires_ms],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The latest expiry among `user_id`'s grants on a bundle that are still
/// valid at `now_ms`.
pub fn active_grant(
    conn: &Connection,
    bundle_id: &str,
    user_id: i64,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT max(expires_ms) FROM support_grants
             WHERE bundle_id = ?1 AND user_id = ?2 AND expires_ms > ?3",
        )?
        .query_row(params![bundle_id, user_id, now_ms], |r| r.get(0))?)
}

/// What one purge deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    pub bundles: u64,
    pub files: u64,
    pub grants: u64,
}

/// Deletes every bundle received at or before `cutoff_ms`, with its files
/// and grants, then returns the freed pages to the file system
/// (`secure_delete` has already zeroed them).
pub fn purge_received_before(conn: &Connection, cutoff_ms: i64) -> Result<PurgeCounts, StoreError> {
    let sub = "SELECT id FROM support_bundles WHERE received_ms <= ?1";
    let grants = conn.execute(
        &format!("DELETE FROM support_grants WHERE bundle_id IN ({sub})"),
        [cutoff_ms],
    )?;
    let files = conn.execute(
        &format!("DELETE FROM support_files WHERE bundle_id IN ({sub})"),
        [cutoff_ms],
    )?;
    let bundles = conn.execute(
        "DELETE FROM support_bundles WHERE received_ms <= ?1",
        [cutoff_ms],
    )?;
    let counts = PurgeCounts {
        bundles: bundles as u64,
        files: files as u64,
        grants: grants as u64,
    };
    if counts.bundles > 0 {
        incremental_vacuum(conn)?;
    }
    Ok(counts)
}

/// `PRAGMA incremental_vacuum` of the database file, stepped to the end
/// (each step may free a page; stopping early would leave free pages in
/// the file).
fn incremental_vacuum(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(&format!("PRAGMA {}.incremental_vacuum", super::DATA))?;
    let mut rows = stmt.query([])?;
    while rows.next()?.is_some() {}
    Ok(())
}

/// Copies the WAL back into the database and truncates it, from a
/// connection of its own (a checkpoint cannot run inside the writer's
/// transaction). Readers still holding old pages make it partial; the next
/// purge or SQLite's own checkpoints finish the job.
pub fn checkpoint_truncate(path: &std::path::Path) -> Result<(), StoreError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch("PRAGMA secure_delete = ON;")?;
    let _busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::Sealer;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::open_rw(&dir.path().join("t.db")).unwrap();
        (dir, conn)
    }

    fn bundle(id: &str, received_ms: i64, status: BundleStatus) -> NewBundle {
        let s = Sealer::ephemeral();
        NewBundle {
            id: id.into(),
            agent_id: "a".into(),
            received_ms,
            status,
            findings: BTreeMap::from([("email".into(), 1)]),
            file_count: 1,
            has_raw: true,
            manifest: s.seal(b"m", b"{}").unwrap(),
            files: vec![
                NewFile {
                    index: 0,
                    variant: SupportVariant::Redacted,
                    size: 3,
                    sealed: s.seal(b"f", b"abc").unwrap(),
                },
                NewFile {
                    index: 0,
                    variant: SupportVariant::Raw,
                    size: 3,
                    sealed: s.seal(b"f", b"abc").unwrap(),
                },
            ],
        }
    }

    #[test]
    fn insert_list_release_grant_and_purge() {
        let (_d, c) = db();
        c.execute(
            "INSERT INTO users (id, username, password_hash, role, created_ms)
             VALUES (5, 'sup', 'x', 'support', 0)",
            [],
        )
        .unwrap();
        insert(&c, &bundle("old", 1_000, BundleStatus::Quarantined)).unwrap();
        insert(&c, &bundle("new", 5_000, BundleStatus::Visible)).unwrap();
        let all = list(&c).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].id, "new");
        assert_eq!(all[1].status, BundleStatus::Quarantined);
        assert_eq!(all[1].findings.get("email"), Some(&1));
        assert!(file(&c, "old", 0, SupportVariant::Raw).unwrap().is_some());
        assert!(file(&c, "old", 1, SupportVariant::Raw).unwrap().is_none());

        assert_eq!(release(&c, "old", 1, 2_000).unwrap(), Release::Released);
        assert_eq!(
            release(&c, "old", 1, 2_000).unwrap(),
            Release::AlreadyVisible
        );
        assert_eq!(release(&c, "nope", 1, 2_000).unwrap(), Release::NotFound);

        insert_grant(&c, "old", 5, 1, 2_000, 3_000).unwrap();
        assert_eq!(active_grant(&c, "old", 5, 2_999).unwrap(), Some(3_000));
        assert_eq!(active_grant(&c, "old", 5, 3_000).unwrap(), None);
        assert_eq!(active_grant(&c, "new", 5, 2_000).unwrap(), None);
        assert_eq!(active_user_role(&c, 5).unwrap().as_deref(), Some("support"));

        let counts = purge_received_before(&c, 1_000).unwrap();
        assert_eq!(
            counts,
            PurgeCounts {
                bundles: 1,
                files: 2,
                grants: 1
            }
        );
        assert!(get(&c, "old").unwrap().is_none());
        assert!(get(&c, "new").unwrap().is_some());
        assert_eq!(
            purge_received_before(&c, 1_000).unwrap(),
            PurgeCounts::default()
        );
    }
}
