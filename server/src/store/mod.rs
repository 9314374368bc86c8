//! Storage: the only module that issues SQL.
//!
//! One writer thread owns the write connection. Write jobs queue on a
//! channel; the writer runs every job that is waiting in ONE transaction
//! (group commit: one fsync for many batches and audit records), each job
//! inside its own savepoint so a failing job rolls back alone. A job's result
//! is delivered only after the commit is durable. Reads run on a small pool
//! of read-only connections under `spawn_blocking`. Query functions are plain
//! sync functions over `&Connection`, testable without a runtime.

pub mod agents;
pub mod audit;
pub mod changes;
pub mod groups;
pub mod ingest;
pub mod metrics;
mod schema;
pub mod support;
pub mod users;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::{Connection, OpenFlags, Transaction};
use tokio::sync::oneshot;

use crate::audit::checkpoint::CheckpointFile;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database schema: {0}")]
    Schema(String),
    #[error("the storage writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("audit: {0}")]
    Audit(String),
    #[error("sealing: {0}")]
    Seal(#[from] crate::seal::SealError),
}

/// State the writer keeps between jobs (caches). Cleared whenever a job or
/// a commit fails, so it never outlives a rollback.
#[derive(Default)]
pub struct WriterCache {
    /// agent → name → labels → series id: looked up by borrowed keys, so
    /// the per-sample hot path allocates nothing (and hashes the labels
    /// once instead of comparing them with every series of the name).
    pub series: HashMap<String, HashMap<String, HashMap<Labels, i64>>>,
    /// The audit head written by this transaction, for the checkpoint.
    pub audit_head: Option<crate::audit::checkpoint::Head>,
    /// Samples staged since the last move began ([`ingest::Compaction`];
    /// an upper bound: a rolled-back job's samples stay counted).
    pub staged_samples: u64,
    /// The staging table samples go to now ([`ingest::STAGING`]).
    pub staging: usize,
}

impl WriterCache {
    /// Forgets what a rollback may have invalidated.
    fn reset(&mut self) {
        self.series.clear();
        self.audit_head = None;
    }
}

/// A series' labels, as on the wire.
pub type Labels = BTreeMap<String, String>;

pub(crate) type Completion = Box<dyn FnOnce(Option<&StoreError>) + Send>;
/// A writer job: runs in the group's transaction and returns what to run
/// once the commit is done (with the commit's error, if any).
pub(crate) type Work = Box<dyn FnOnce(&Transaction<'_>, &mut WriterCache) -> Completion + Send>;

/// How a write must reach the disk before its caller hears back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// fsync'd: survives power loss (`synchronous=FULL`). Changes and
    /// acknowledged ingest.
    Durable,
    /// Written to the database through the OS (survives a crash of the
    /// collector, not of the machine), fsync'd with the next durable commit
    /// and at most [`RELAXED_WINDOW`] later. Audit records of reads and
    /// refusals, which change no state.
    Relaxed,
}

/// Longest time relaxed commits may go without a durable one.
pub const RELAXED_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);

struct Job {
    work: Work,
    durability: Durability,
}

/// Cheap to clone; every clone talks to the same writer and pool.
#[derive(Clone)]
pub struct Store {
    jobs: std::sync::mpsc::SyncSender<Job>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// One permit per read connection: reads beyond that wait for a
    /// connection instead of opening (and parsing the schema into) a new one.
    read_slots: Arc<tokio::sync::Semaphore>,
    path: Arc<PathBuf>,
}

/// Largest number of queued jobs folded into one transaction.
const GROUP_COMMIT_MAX: usize = 512;

/// The audit trail's file, beside the database file.
pub fn audit_path(db: &Path) -> PathBuf {
    db.with_file_name("audit.db")
}

/// The name the database file is attached under on every connection.
pub(crate) const DATA: &str = "data";

/// Opens (and migrates) the database and its audit file for direct,
/// synchronous use: CLI commands and the writer thread.
///
/// The audit records live in a file of their own so that the commits of
/// read-only requests' records leave the database file, and with it every
/// reader's page cache, untouched. The audit file is the connection's main
/// database and the database file is attached as [`DATA`]: SQLite commits
/// the files of one transaction main first, so a crash between the two can
/// leave the record of a change that did not land, never a change without
/// its record. Unqualified table names resolve in either file.
pub fn open_rw(path: &Path) -> Result<Connection, StoreError> {
    let audit = audit_path(path);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    {
        let mut data = Connection::open_with_flags(path, flags)?;
        schema::configure_connection(&data)?;
        schema::configure_file(&data, "main", DATA_CACHE_KIB)?;
        schema::migrate(&mut data, schema::MIGRATIONS)?;
    }
    if !audit.exists() && !holds_audit_table(path)? {
        return Err(StoreError::Audit(format!(
            "the audit trail {} is missing (restore it from the backup it was taken with)",
            audit.display()
        )));
    }
    let mut conn = Connection::open_with_flags(&audit, flags)?;
    schema::configure_connection(&conn)?;
    schema::configure_file(&conn, "main", AUDIT_CACHE_KIB)?;
    schema::migrate(&mut conn, schema::AUDIT_MIGRATIONS)?;
    attach_data(&conn, path)?;
    schema::configure_file(&conn, DATA, DATA_CACHE_KIB)?;
    schema::move_audit_table(&mut conn, DATA)?;
    Ok(conn)
}

/// Page cache of the database file per connection (samples, users, ...).
const DATA_CACHE_KIB: u32 = 65_536;
/// Page cache of the audit file: appends touch the chain's last pages.
const AUDIT_CACHE_KIB: u32 = 4_096;

fn attach_data(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let name = path
        .to_str()
        .ok_or_else(|| StoreError::Schema(format!("{} is not UTF-8", path.display())))?;
    conn.execute(&format!("ATTACH DATABASE ?1 AS {DATA}"), [name])?;
    Ok(())
}

/// Whether the database file still holds the audit table (a data
/// directory written before the audit file existed).
fn holds_audit_table(path: &Path) -> Result<bool, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'audit'",
        [],
        |r| r.get(0),
    )?)
}

/// Opens an existing database without creating it (CLI commands on a data
/// directory that must already exist).
pub fn open_existing(path: &Path) -> Result<Connection, StoreError> {
    if !path.exists() {
        return Err(StoreError::Schema(format!(
            "{} does not exist (run `vigil-server init` first)",
            path.display()
        )));
    }
    open_rw(path)
}

/// A read-only connection laid out as [`open_rw`]'s.
fn open_ro(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        audit_path(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    attach_data(&conn, path)?;
    Ok(conn)
}

/// Read connections (and reads running at once): enough to keep both the
/// cores and the disk busy while a long report runs beside short look-ups.
const READERS: usize = 8;

impl Store {
    /// Opens the database, migrates it and starts the writer thread, which
    /// advances `checkpoint` after every commit that appended audit records.
    pub fn open(path: &Path, checkpoint: CheckpointFile) -> Result<Store, StoreError> {
        let conn = open_rw(path)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(4096);
        thread::Builder::new()
            .name("vigil-store-writer".into())
            .spawn(move || writer_loop(conn, rx, checkpoint))
            .map_err(|e| StoreError::Schema(format!("cannot start writer thread: {e}")))?;
        Ok(Store {
            jobs: tx,
            readers: Arc::new(Mutex::new(Vec::new())),
            read_slots: Arc::new(tokio::sync::Semaphore::new(READERS)),
            path: Arc::new(path.to_owned()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in the writer's transaction; resolves after a durable commit.
    /// An `Err` from `f` rolls back everything `f` did, and only that.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>, &mut WriterCache) -> Result<T, StoreError> + Send + 'static,
    {
        self.write_with(Durability::Durable, f).await
    }

    /// As [`Store::write`], with the given durability.
    pub async fn write_with<T, F>(&self, durability: Durability, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>, &mut WriterCache) -> Result<T, StoreError> + Send + 'static,
    {
        let (done_tx, done_rx) = oneshot::channel::<Result<T, StoreError>>();
        let work: Work = Box::new(move |tx, cache| {
            let result = run_in_savepoint(tx, cache, f);
            Box::new(move |commit_err| {
                let _ = done_tx.send(settle(result, commit_err));
            })
        });
        self.enqueue(Job { work, durability }).await?;
        done_rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Queues a job. The channel is bounded: try without blocking first;
    /// only a full queue waits, and then off the runtime.
    async fn enqueue(&self, job: Job) -> Result<(), StoreError> {
        match self.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => Err(StoreError::WriterGone),
            Err(std::sync::mpsc::TrySendError::Full(job)) => {
                let jobs = self.jobs.clone();
                tokio::task::spawn_blocking(move || jobs.send(job))
                    .await
                    .map_err(|_| StoreError::WriterGone)?
                    .map_err(|_| StoreError::WriterGone)
            }
        }
    }

    /// Queues `work` for the writer's next transaction and returns at once;
    /// the job runs even if nobody awaits it. For callers that fan one job's
    /// result out to many waiters (the audit sink's batches).
    pub(crate) fn submit(&self, durability: Durability, work: Work) {
        let job = Job { work, durability };
        if let Err(std::sync::mpsc::TrySendError::Full(job)) = self.jobs.try_send(job) {
            let jobs = self.jobs.clone();
            // Dropped with the job if the writer is gone: its completion
            // never runs and the waiters see their channel closed.
            tokio::task::spawn_blocking(move || jobs.send(job));
        }
    }

    /// Runs a read query on a pooled read-only connection, off the runtime.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let slot = self
            .read_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::WriterGone)?;
        let readers = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let pooled = readers.lock().ok().and_then(|mut p| p.pop());
            let conn = match pooled {
                Some(c) => c,
                None => open_ro(&path)?,
            };
            let result = f(&conn);
            if let Ok(mut pool) = readers.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|_| StoreError::WriterGone)?
    }
}

/// A job's outcome once its commit is done: its own result, unless the
/// commit failed.
pub(crate) fn settle<T>(
    result: Result<T, StoreError>,
    commit_err: Option<&StoreError>,
) -> Result<T, StoreError> {
    match (result, commit_err) {
        (Ok(_), Some(e)) => Err(StoreError::Schema(format!("commit failed: {e}"))),
        (r, _) => r,
    }
}

pub(crate) fn run_in_savepoint<T, F>(
    tx: &Transaction<'_>,
    cache: &mut WriterCache,
    f: F,
) -> Result<T, StoreError>
where
    F: FnOnce(&Transaction<'_>, &mut WriterCache) -> Result<T, StoreError>,
{
    tx.prepare_cached("SAVEPOINT job")?.execute([])?;
    match f(tx, cache) {
        Ok(v) => {
            tx.prepare_cached("RELEASE job")?.execute([])?;
            Ok(v)
        }
        Err(e) => {
            cache.reset();
            tx.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

fn writer_loop(
    mut conn: Connection,
    rx: std::sync::mpsc::Receiver<Job>,
    checkpoint: CheckpointFile,
) {
    let mut cache = WriterCache::default();
    let mut last_durable = std::time::Instant::now();
    let mut synchronous_full = true;
    // Whatever a previous run staged is moved first.
    let mut moving = ingest::Compaction::start(&conn, &mut cache).unwrap_or_else(|error| {
        tracing::error!(%error, "staged samples not moved");
        None
    });
    let mut last_compact = std::time::Instant::now();
    loop {
        let wait = if moving.is_some() {
            std::time::Duration::ZERO
        } else if cache.staged_samples > 0 {
            COMPACT_AGE
                .saturating_sub(last_compact.elapsed())
                .min(RELAXED_WINDOW)
        } else {
            RELAXED_WINDOW
        };
        let first = match rx.recv_timeout(wait) {
            Ok(job) => job,
            Err(idle) => {
                // Idle (or shutting down) with relaxed records not yet
                // fsync'd: make them durable and move the checkpoint.
                if let Some(head) = cache.audit_head.take() {
                    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        Ok(()) => {
                            last_durable = std::time::Instant::now();
                            if let Err(error) = checkpoint.advance(&head) {
                                tracing::error!(%error, "audit checkpoint not advanced");
                            }
                        }
                        Err(error) => tracing::error!(%error, "WAL sync failed"),
                    }
                }
                if idle == std::sync::mpsc::RecvTimeoutError::Disconnected {
                    break;
                }
                compaction_step(&conn, &mut cache, &mut moving, &mut last_compact);
                continue;
            }
        };
        let mut pending = vec![first];
        while pending.len() < GROUP_COMMIT_MAX {
            match rx.try_recv() {
                Ok(j) => pending.push(j),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let jobs = pending.len();
        let durable = last_durable.elapsed() >= RELAXED_WINDOW
            || pending.iter().any(|j| j.durability == Durability::Durable);
        let mut completions = Vec::with_capacity(pending.len());
        let commit = (|| -> Result<(), StoreError> {
            if durable != synchronous_full {
                // Only outside a transaction; WAL mode keeps the order of
                // commits, so a durable commit also makes every earlier one so.
                let level = if durable { "FULL" } else { "NORMAL" };
                conn.pragma_update(None, "synchronous", level)?;
                conn.pragma_update(
                    Some(rusqlite::DatabaseName::Attached(DATA)),
                    "synchronous",
                    level,
                )?;
                synchronous_full = durable;
            }
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for job in pending.drain(..) {
                completions.push((job.work)(&tx, &mut cache));
            }
            tx.commit()?;
            Ok(())
        })();
        tracing::trace!(
            jobs,
            durable,
            micros = started.elapsed().as_micros() as u64,
            "group commit"
        );
        match &commit {
            Ok(()) if !durable => {
                // The checkpoint moves only past durable records, so it is
                // never ahead of the database after a power loss.
            }
            Ok(()) => {
                last_durable = std::time::Instant::now();
                if let Some(head) = cache.audit_head.take() {
                    if let Err(error) = checkpoint.advance(&head) {
                        // The records are committed and chained; only the
                        // tail-cut protection lags until the next advance.
                        tracing::error!(%error, "audit checkpoint not advanced");
                    }
                }
            }
            Err(e) => {
                cache.reset();
                tracing::error!(error = %e, "storage commit failed");
            }
        }
        // Jobs never started (the transaction could not begin) are dropped
        // with `pending`; their callers get `WriterGone`.
        drop(pending);
        let err = commit.err();
        for c in completions {
            c(err.as_ref());
        }
        compaction_step(&conn, &mut cache, &mut moving, &mut last_compact);
    }
}

/// Staged samples that start a move into `samples` ([`ingest::Compaction`]):
/// enough that each series gets dozens of points per move.
const COMPACT_SAMPLES: u64 = 524_288;
/// Longest a staged sample waits for a move to begin.
const COMPACT_AGE: std::time::Duration = std::time::Duration::from_secs(4);

/// Between group commits: begins a move of the staged samples when enough
/// are staged or the oldest is old enough, else runs the next step of the
/// move under way. A failed step drops the move; it starts over (each step
/// can be repeated) after [`COMPACT_AGE`].
fn compaction_step(
    conn: &Connection,
    cache: &mut WriterCache,
    moving: &mut Option<ingest::Compaction>,
    last_compact: &mut std::time::Instant,
) {
    if moving.is_none() {
        let due = cache.staged_samples >= COMPACT_SAMPLES
            || (cache.staged_samples > 0 && last_compact.elapsed() >= COMPACT_AGE);
        if !due {
            return;
        }
        *last_compact = std::time::Instant::now();
        cache.staged_samples = 0;
        match ingest::Compaction::start(conn, cache) {
            Ok(c) => *moving = c,
            Err(error) => tracing::error!(%error, "staged samples not moved"),
        }
        return;
    }
    let started = std::time::Instant::now();
    let step = moving.as_mut().map(|c| c.step(conn));
    tracing::trace!(
        micros = started.elapsed().as_micros() as u64,
        "staged samples step"
    );
    match step {
        Some(Ok(false)) => {}
        Some(Ok(true)) | None => *moving = None,
        Some(Err(error)) => {
            tracing::error!(%error, "staged samples not moved");
            *moving = None;
            *last_compact = std::time::Instant::now();
            cache.staged_samples = cache.staged_samples.max(1);
        }
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database file as collectors wrote it before the audit file: the
    /// audit table inside, holding `records` records.
    fn older_layout(path: &Path, records: i64) {
        let mut conn = Connection::open(path).unwrap();
        schema::configure_connection(&conn).unwrap();
        schema::configure_file(&conn, "main", DATA_CACHE_KIB).unwrap();
        schema::migrate(&mut conn, schema::MIGRATIONS).unwrap();
        for seq in 1..=records {
            conn.execute(
                "INSERT INTO audit (seq, time_ms, actor, role, action, target, outcome, request_id, hash)
                 VALUES (?1, 0, 'cli', 'local', 'init', '', 'ok', '', x'00')",
                [seq],
            )
            .unwrap();
        }
    }

    fn audit_count(conn: &Connection, schema: &str) -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {schema}.audit"), [], |r| {
            r.get(0)
        })
        .unwrap()
    }

    fn data_holds_audit(conn: &Connection) -> bool {
        conn.query_row(
            &format!("SELECT count(*) > 0 FROM {DATA}.sqlite_master WHERE name = 'audit'"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn audit_records_move_out_of_an_older_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        older_layout(&db, 3);
        let conn = open_rw(&db).unwrap();
        assert_eq!(audit_count(&conn, "main"), 3);
        assert!(!data_holds_audit(&conn));
        assert!(
            conn.execute("DELETE FROM audit", []).is_err(),
            "append-only"
        );
    }

    #[test]
    fn an_interrupted_move_finishes_without_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        older_layout(&db, 2);
        // The audit file committed its copy; the database file's drop did
        // not land.
        {
            let mut conn = Connection::open(audit_path(&db)).unwrap();
            schema::migrate(&mut conn, schema::AUDIT_MIGRATIONS).unwrap();
            attach_data(&conn, &db).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO main.audit SELECT * FROM {DATA}.audit"
            ))
            .unwrap();
        }
        let conn = open_rw(&db).unwrap();
        assert_eq!(audit_count(&conn, "main"), 2);
        assert!(!data_holds_audit(&conn));
    }

    #[test]
    fn a_missing_audit_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        drop(open_rw(&db).unwrap());
        std::fs::remove_file(audit_path(&db)).unwrap();
        let err = open_rw(&db).unwrap_err().to_string();
        assert!(
            err.contains("audit trail") && err.contains("missing"),
            "{err}"
        );
        assert!(!audit_path(&db).exists(), "nothing created");
    }
}
