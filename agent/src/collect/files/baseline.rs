//! The local baseline: what every watched path looked like when last seen,
//! in SQLite (`baseline.db` in the agent state dir). Holds redacted content
//! only. Plain sync functions over one connection, used from the engine's
//! own thread.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use super::snapshot::{Content, Entry, Kind};

/// File name of the baseline database in the state dir.
pub(crate) const FILE_NAME: &str = "baseline.db";

/// Uncommitted writes after which the open transaction is committed.
const COMMIT_EVERY: usize = 2000;

pub(crate) struct Baseline {
    conn: Connection,
    in_tx: bool,
    dirty: usize,
}

fn bytes(p: &Path) -> &[u8] {
    p.as_os_str().as_bytes()
}

fn path_of(b: Vec<u8>) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(&b))
}

/// Key range `[lo, hi)` of everything strictly below `dir`.
fn subtree_range(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let mut lo = bytes(dir).to_vec();
    if lo.last() != Some(&b'/') {
        lo.push(b'/');
    }
    let mut hi = lo.clone();
    if let Some(last) = hi.last_mut() {
        *last = b'/' + 1;
    }
    (lo, hi)
}

fn row_to_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let sha: Option<Vec<u8>> = row.get("sha256")?;
    let content_kind: i64 = row.get("content_kind")?;
    let content: Option<String> = row.get("content")?;
    Ok(Entry {
        kind: Kind::from_code(row.get("kind")?),
        size: row.get::<_, i64>("size")? as u64,
        mode: row.get("mode")?,
        uid: row.get("uid")?,
        gid: row.get("gid")?,
        mtime_ns: row.get("mtime_ns")?,
        ctime_ns: row.get("ctime_ns")?,
        ino: row.get::<_, i64>("ino")? as u64,
        sha256: sha.and_then(|s| <[u8; 32]>::try_from(s.as_slice()).ok()),
        link_target: row.get("link_target")?,
        content: Content::from_code(content_kind, content),
    })
}

impl Baseline {
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Baseline> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Small page cache (KiB): footprint is a feature. A rescan reads
        // each row once, so a bigger cache buys little; misses are served
        // from the OS page cache.
        conn.pragma_update(None, "cache_size", -64)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS entries (
                path BLOB PRIMARY KEY,
                parent BLOB NOT NULL,
                kind INTEGER NOT NULL,
                size INTEGER NOT NULL,
                mode INTEGER NOT NULL,
                uid INTEGER NOT NULL,
                gid INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL,
                ctime_ns INTEGER NOT NULL,
                ino INTEGER NOT NULL,
                sha256 BLOB,
                link_target BLOB,
                content_kind INTEGER NOT NULL,
                content TEXT
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS entries_parent ON entries(parent);
            CREATE TABLE IF NOT EXISTS roots (path BLOB PRIMARY KEY) WITHOUT ROWID;",
        )?;
        Ok(Baseline {
            conn,
            in_tx: false,
            dirty: 0,
        })
    }

    fn begin(&mut self) -> rusqlite::Result<()> {
        if !self.in_tx {
            self.conn.execute_batch("BEGIN")?;
            self.in_tx = true;
        }
        Ok(())
    }

    fn wrote(&mut self) -> rusqlite::Result<()> {
        self.dirty += 1;
        if self.dirty >= COMMIT_EVERY {
            self.commit()?;
        }
        Ok(())
    }

    /// Makes every write so far durable.
    pub(crate) fn commit(&mut self) -> rusqlite::Result<()> {
        if self.in_tx {
            self.conn.execute_batch("COMMIT")?;
            self.in_tx = false;
        }
        self.dirty = 0;
        Ok(())
    }

    pub(crate) fn get(&self, path: &Path) -> rusqlite::Result<Option<Entry>> {
        self.conn
            .prepare_cached("SELECT * FROM entries WHERE path = ?1")?
            .query_row([bytes(path)], row_to_entry)
            .optional()
    }

    pub(crate) fn put(&mut self, path: &Path, e: &Entry) -> rusqlite::Result<()> {
        self.begin()?;
        let parent = path.parent().map(bytes).unwrap_or_default();
        let (content_kind, content) = (e.content.code(), e.text());
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO entries (path, parent, kind, size, mode, uid, gid,
                    mtime_ns, ctime_ns, ino, sha256, link_target, content_kind, content)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                bytes(path),
                parent,
                e.kind.code(),
                e.size as i64,
                e.mode,
                e.uid,
                e.gid,
                e.mtime_ns,
                e.ctime_ns,
                e.ino as i64,
                e.sha256.as_ref().map(|s| s.as_slice()),
                e.link_target,
                content_kind,
                content,
            ])?;
        self.wrote()
    }

    pub(crate) fn delete(&mut self, path: &Path) -> rusqlite::Result<()> {
        self.begin()?;
        self.conn
            .prepare_cached("DELETE FROM entries WHERE path = ?1")?
            .execute([bytes(path)])?;
        self.wrote()
    }

    /// Paths recorded directly inside `dir`.
    pub(crate) fn children(&self, dir: &Path) -> rusqlite::Result<Vec<PathBuf>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path FROM entries WHERE parent = ?1")?;
        let rows = stmt.query_map([bytes(dir)], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|r| r.map(path_of)).collect()
    }

    /// Paths recorded anywhere below `dir`, deepest first.
    pub(crate) fn descendants(&self, dir: &Path) -> rusqlite::Result<Vec<PathBuf>> {
        let (lo, hi) = subtree_range(dir);
        let mut stmt = self.conn.prepare_cached(
            "SELECT path FROM entries WHERE path >= ?1 AND path < ?2 ORDER BY path DESC",
        )?;
        let rows = stmt.query_map([lo, hi], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|r| r.map(path_of)).collect()
    }

    pub(crate) fn root_known(&self, root: &Path) -> rusqlite::Result<bool> {
        self.conn
            .prepare_cached("SELECT 1 FROM roots WHERE path = ?1")?
            .query_row([bytes(root)], |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
    }

    pub(crate) fn roots(&self) -> rusqlite::Result<Vec<PathBuf>> {
        let mut stmt = self.conn.prepare_cached("SELECT path FROM roots")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|r| r.map(path_of)).collect()
    }

    pub(crate) fn set_root(&mut self, root: &Path, known: bool) -> rusqlite::Result<()> {
        self.begin()?;
        let sql = if known {
            "INSERT OR IGNORE INTO roots (path) VALUES (?1)"
        } else {
            "DELETE FROM roots WHERE path = ?1"
        };
        self.conn.prepare_cached(sql)?.execute([bytes(root)])?;
        self.wrote()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtree_range_covers_children_only() {
        let (lo, hi) = subtree_range(Path::new("/etc/ssh"));
        assert_eq!(lo, b"/etc/ssh/");
        assert_eq!(hi, b"/etc/ssh0");
        let inside = b"/etc/ssh/sshd_config".as_slice();
        let sibling = b"/etc/ssh.d".as_slice();
        assert!(inside >= lo.as_slice() && inside < hi.as_slice());
        assert!(!(sibling >= lo.as_slice() && sibling < hi.as_slice()));
        let (lo, _) = subtree_range(Path::new("/"));
        assert_eq!(lo, b"/");
    }
}
