//! Schema migrations, applied in order and recorded in `PRAGMA user_version`.

use rusqlite::Connection;

use super::StoreError;

/// Settings of the connection itself. `secure_delete` is per connection in
/// SQLite, so it is set on every open, not only by the first migration.
pub(super) fn configure_connection(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Samples of many series land on as many leaf pages per commit; a
    // checkpoint every 8192 WAL pages (32 MiB) instead of SQLite's 1000
    // copies each page into the database once for many commits, not once
    // per commit.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA wal_autocheckpoint = 8192;",
    )?;
    Ok(())
}

/// Settings of one database file of the connection (`schema` is `main` or
/// an attached name), with a page cache of `cache_kib`.
pub(super) fn configure_file(
    conn: &Connection,
    schema: &str,
    cache_kib: u32,
) -> Result<(), StoreError> {
    // auto_vacuum only takes effect on a database with no tables yet, and
    // must precede the switch to WAL; on an existing database it is a no-op.
    // Free pages are then reclaimable (erasure) without a rebuild. The WAL
    // file is cut back to 64 MiB after a checkpoint.
    conn.execute_batch(&format!(
        "PRAGMA {schema}.auto_vacuum = INCREMENTAL;
         PRAGMA {schema}.journal_mode = WAL;
         PRAGMA {schema}.synchronous = FULL;
         PRAGMA {schema}.secure_delete = ON;
         PRAGMA {schema}.cache_size = -{cache_kib};
         PRAGMA {schema}.journal_size_limit = 67108864;"
    ))?;
    Ok(())
}

/// The audit table and its append-only triggers: created by the database
/// file's migration 1 (history) and by the audit file's.
macro_rules! audit_table {
    () => {
        "CREATE TABLE audit (
         seq INTEGER PRIMARY KEY,
         time_ms INTEGER NOT NULL,
         actor TEXT NOT NULL,
         role TEXT NOT NULL,
         source BLOB,
         action TEXT NOT NULL,
         target TEXT NOT NULL,
         outcome TEXT NOT NULL,
         request_id TEXT NOT NULL,
         hash BLOB NOT NULL
     );
     CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
         BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
     CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
         BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;"
    };
}

/// The audit trail's own file. Its table starts out in the database file
/// (migration 1 there) and is moved by [`move_audit_table`].
pub(super) const AUDIT_MIGRATIONS: &[&str] = &[
    // 1: the record chain, append-only.
    audit_table!(),
];

/// Whether database `schema` of the connection has table `name`.
pub(super) fn has_table(conn: &Connection, schema: &str, name: &str) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(*) > 0 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?1"
        ),
        [name],
        |r| r.get(0),
    )?)
}

/// Moves records of a database file that still holds the audit table
/// (created by its migration 1, or written by an older collector) into the
/// audit file, and drops the table there, in one transaction. The audit
/// file is the connection's main database and commits first, so a crash in
/// between leaves the records in both files and the next open finishes the
/// move (the copy ignores records already present).
pub(super) fn move_audit_table(conn: &mut Connection, data: &str) -> Result<(), StoreError> {
    if has_table(conn, data, "audit")? {
        let tx = conn.transaction()?;
        tx.execute_batch(&format!(
            "INSERT OR IGNORE INTO main.audit SELECT * FROM {data}.audit;
             DROP TABLE {data}.audit;"
        ))?;
        tx.commit()?;
    }
    Ok(())
}

/// The sample file's migrations: the per-series points, ordered by series
/// and time (store::ingest moves them here from staging).
pub(super) const SAMPLES_MIGRATIONS: &[&str] = &[
    // 1: the table the database file held before this file existed.
    "CREATE TABLE samples (
         series_id INTEGER NOT NULL,
         ts_ms INTEGER NOT NULL,
         value REAL NOT NULL,
         PRIMARY KEY (series_id, ts_ms)
     ) WITHOUT ROWID;",
];

/// Moves the points of a database file that still holds `samples`
/// (created by its migration 1, or written by an older collector) into the
/// sample file attached as `points`, then drops the table there. Two
/// transactions, copy first: the files commit separately, so a crash in
/// between leaves the points in both and the next open finishes the move
/// (the copy ignores points already present).
pub(super) fn move_samples_table(
    conn: &Connection,
    data: &str,
    points: &str,
) -> Result<(), StoreError> {
    if has_table(conn, data, "samples")? {
        conn.execute_batch(&format!(
            "INSERT OR IGNORE INTO {points}.samples SELECT series_id, ts_ms, value FROM {data}.samples"
        ))?;
        conn.execute_batch(&format!("DROP TABLE {data}.samples"))?;
    }
    Ok(())
}

/// The database file's migrations.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the pipeline.
    concat!(
        "CREATE TABLE agents (
         id TEXT PRIMARY KEY,
         hostname TEXT NOT NULL DEFAULT '',
         os TEXT NOT NULL DEFAULT '',
         kernel TEXT NOT NULL DEFAULT '',
         agent_version TEXT NOT NULL DEFAULT '',
         enrolled_ms INTEGER NOT NULL,
         cert_not_after_ms INTEGER NOT NULL,
         last_seen_ms INTEGER,
         revoked_ms INTEGER
     );
     CREATE TABLE enrollment_tokens (
         token_hash BLOB PRIMARY KEY,
         created_ms INTEGER NOT NULL,
         expires_ms INTEGER NOT NULL,
         used_ms INTEGER,
         used_by TEXT
     );
     CREATE TABLE batches (
         agent_id TEXT NOT NULL,
         epoch INTEGER NOT NULL,
         seq INTEGER NOT NULL,
         committed_ms INTEGER NOT NULL,
         PRIMARY KEY (agent_id, epoch, seq)
     ) WITHOUT ROWID;
     CREATE TABLE series (
         id INTEGER PRIMARY KEY,
         agent_id TEXT NOT NULL REFERENCES agents(id),
         name TEXT NOT NULL,
         labels TEXT NOT NULL,
         UNIQUE (agent_id, name, labels)
     );
     CREATE TABLE samples (
         series_id INTEGER NOT NULL,
         ts_ms INTEGER NOT NULL,
         value REAL NOT NULL,
         PRIMARY KEY (series_id, ts_ms)
     ) WITHOUT ROWID;
     CREATE TABLE gaps (
         id INTEGER PRIMARY KEY,
         agent_id TEXT NOT NULL,
         records_dropped INTEGER NOT NULL,
         first_ts_ms INTEGER NOT NULL,
         last_ts_ms INTEGER NOT NULL,
         reported_ms INTEGER NOT NULL
     );
     CREATE TABLE inventory (
         agent_id TEXT PRIMARY KEY,
         ts_ms INTEGER NOT NULL,
         sealed BLOB NOT NULL
     );
     CREATE TABLE file_changes (
         id INTEGER PRIMARY KEY,
         agent_id TEXT NOT NULL,
         ts_ms INTEGER NOT NULL,
         received_ms INTEGER NOT NULL,
         path TEXT NOT NULL,
         kind TEXT NOT NULL,
         detection TEXT NOT NULL,
         old_meta TEXT,
         new_meta TEXT,
         renamed_from TEXT,
         diff TEXT
     );
     CREATE INDEX file_changes_by_host ON file_changes (agent_id, ts_ms);
     CREATE INDEX file_changes_by_path ON file_changes (path, ts_ms);
     CREATE TABLE users (
         id INTEGER PRIMARY KEY,
         username TEXT NOT NULL UNIQUE,
         password_hash TEXT NOT NULL,
         role TEXT NOT NULL,
         created_ms INTEGER NOT NULL,
         failed_logins INTEGER NOT NULL DEFAULT 0,
         locked_until_ms INTEGER,
         disabled INTEGER NOT NULL DEFAULT 0
     );
     CREATE TABLE tokens (
         token_hash BLOB PRIMARY KEY,
         user_id INTEGER NOT NULL REFERENCES users(id),
         kind TEXT NOT NULL,
         name TEXT,
         created_ms INTEGER NOT NULL,
         expires_ms INTEGER NOT NULL,
         last_used_ms INTEGER NOT NULL,
         revoked_ms INTEGER
     );
     ",
        audit_table!()
    ),
    // 2: host groups, user scope, two-person rule, soft-deleted users.
    "CREATE TABLE host_groups (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         name TEXT NOT NULL UNIQUE,
         created_ms INTEGER NOT NULL
     );
     CREATE TABLE host_group_members (
         group_id INTEGER NOT NULL REFERENCES host_groups(id) ON DELETE CASCADE,
         agent_id TEXT NOT NULL,
         PRIMARY KEY (group_id, agent_id)
     ) WITHOUT ROWID;
     CREATE INDEX host_group_members_by_agent ON host_group_members (agent_id);
     CREATE TABLE user_groups (
         user_id INTEGER NOT NULL REFERENCES users(id),
         group_id INTEGER NOT NULL REFERENCES host_groups(id) ON DELETE CASCADE,
         PRIMARY KEY (user_id, group_id)
     ) WITHOUT ROWID;
     CREATE TABLE role_requests (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         user_id INTEGER NOT NULL REFERENCES users(id),
         role TEXT NOT NULL,
         kind TEXT NOT NULL,
         requested_by INTEGER NOT NULL,
         created_ms INTEGER NOT NULL,
         status TEXT NOT NULL DEFAULT 'pending',
         decided_by INTEGER,
         decided_ms INTEGER
     );
     CREATE INDEX tokens_by_user ON tokens (user_id);
     ALTER TABLE users ADD COLUMN deleted_ms INTEGER;",
    // 3: support bundles (sealed files, quarantine, time-limited raw grants).
    "CREATE TABLE support_bundles (
         id TEXT PRIMARY KEY,
         agent_id TEXT NOT NULL,
         received_ms INTEGER NOT NULL,
         status TEXT NOT NULL,
         findings TEXT NOT NULL,
         file_count INTEGER NOT NULL,
         has_raw INTEGER NOT NULL,
         manifest BLOB NOT NULL,
         released_by INTEGER,
         released_ms INTEGER
     );
     CREATE INDEX support_bundles_by_received ON support_bundles (received_ms);
     CREATE TABLE support_files (
         id INTEGER PRIMARY KEY,
         bundle_id TEXT NOT NULL REFERENCES support_bundles(id) ON DELETE CASCADE,
         idx INTEGER NOT NULL,
         variant TEXT NOT NULL,
         size INTEGER NOT NULL,
         sealed BLOB NOT NULL,
         UNIQUE (bundle_id, idx, variant)
     );
     CREATE TABLE support_grants (
         id INTEGER PRIMARY KEY,
         bundle_id TEXT NOT NULL REFERENCES support_bundles(id) ON DELETE CASCADE,
         user_id INTEGER NOT NULL REFERENCES users(id),
         granted_by INTEGER NOT NULL,
         created_ms INTEGER NOT NULL,
         expires_ms INTEGER NOT NULL
     );
     CREATE INDEX support_grants_by_bundle ON support_grants (bundle_id, user_id);",
    // 4: acknowledged samples land in one of these first, in arrival
    // order, and move into `samples` in series-sorted slices
    // (store::ingest::begin_move); the two take turns.
    "CREATE TABLE samples_staged_0 (
         id INTEGER PRIMARY KEY,
         series_id INTEGER NOT NULL,
         ts_ms INTEGER NOT NULL,
         value REAL NOT NULL
     );
     CREATE TABLE samples_staged_1 (
         id INTEGER PRIMARY KEY,
         series_id INTEGER NOT NULL,
         ts_ms INTEGER NOT NULL,
         value REAL NOT NULL
     );",
    // 5: batch ids are deduplicated by the highest sequence committed per
    // agent and spool epoch (agents ship their spool in order, one batch
    // at a time), one row per agent epoch instead of one per batch: at
    // 10,000 agents the per-batch table grew by 86 million rows a day.
    "CREATE TABLE batch_marks (
         agent_id TEXT NOT NULL,
         epoch INTEGER NOT NULL,
         seq INTEGER NOT NULL,
         committed_ms INTEGER NOT NULL,
         PRIMARY KEY (agent_id, epoch)
     ) WITHOUT ROWID;
     INSERT INTO batch_marks (agent_id, epoch, seq, committed_ms)
         SELECT agent_id, epoch, max(seq), max(committed_ms) FROM batches
         GROUP BY agent_id, epoch;
     DROP TABLE batches;",
];

/// Brings the connection's main database up to the newest of `migrations`.
pub(super) fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), StoreError> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > migrations.len() {
        return Err(StoreError::Schema(format!(
            "database schema version {current} is newer than this collector ({})",
            migrations.len()
        )));
    }
    for (i, sql) in migrations.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}
