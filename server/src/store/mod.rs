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
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// Hashed with aHash (randomly keyed, so an agent cannot pick colliding
    /// labels): SipHash was a tenth of the writer's time with 800,000
    /// series (docs/benchmarks.md).
    pub series: SeriesCache<String, SeriesCache<String, SeriesCache<Labels, i64>>>,
    /// The audit head written by this transaction, for the checkpoint.
    pub audit_head: Option<crate::audit::checkpoint::Head>,
    /// Samples staged since the last move began ([`ingest::begin_move`];
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

/// One level of [`WriterCache::series`].
pub type SeriesCache<K, V> = HashMap<K, V, ahash::RandomState>;

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

/// The per-series sample file, beside the database file.
pub fn samples_path(db: &Path) -> PathBuf {
    db.with_file_name("samples.db")
}

/// The name the database file is attached under on every connection.
pub(crate) const DATA: &str = "data";
/// The name the sample file is attached under on every connection.
pub(crate) const POINTS: &str = "points";

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
///
/// The per-series samples live in a third file, attached as [`POINTS`]:
/// only the store's mover thread writes it (store::ingest), beside the
/// writer's group commits.
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
        let mut points = Connection::open_with_flags(samples_path(path), flags)?;
        schema::configure_connection(&points)?;
        schema::configure_file(&points, "main", DATA_CACHE_KIB)?;
        schema::migrate(&mut points, schema::SAMPLES_MIGRATIONS)?;
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
    schema::configure_file(&conn, POINTS, DATA_CACHE_KIB)?;
    schema::move_audit_table(&mut conn, DATA)?;
    schema::move_samples_table(&conn, DATA, POINTS)?;
    Ok(conn)
}

/// Page cache of the database file per connection (samples, users, ...).
const DATA_CACHE_KIB: u32 = 65_536;
/// Page cache of the audit file: appends touch the chain's last pages.
const AUDIT_CACHE_KIB: u32 = 4_096;

/// Attaches the database file as [`DATA`] and the sample file as
/// [`POINTS`], in that order.
fn attach_data(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    attach(conn, path, DATA)?;
    attach(conn, &samples_path(path), POINTS)
}

fn attach(conn: &Connection, path: &Path, name: &str) -> Result<(), StoreError> {
    let file = path
        .to_str()
        .ok_or_else(|| StoreError::Schema(format!("{} is not UTF-8", path.display())))?;
    conn.execute(&format!("ATTACH DATABASE ?1 AS {name}"), [file])?;
    Ok(())
}

/// Whether the database file still holds the audit table (a data
/// directory written before the audit file existed).
fn holds_audit_table(path: &Path) -> Result<bool, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    schema::has_table(&conn, "main", "audit")
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
        // The writer's transactions begin IMMEDIATE, which takes the write
        // lock of every attached file: the sample file is the mover's.
        conn.execute_batch(&format!("DETACH DATABASE {POINTS}"))?;
        let moves = Moves::start(path)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(4096);
        thread::Builder::new()
            .name("vigil-store-writer".into())
            .spawn(move || writer_loop(conn, rx, checkpoint, moves))
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

    /// Makes every committed write durable (relaxed ones included) and moves
    /// the audit checkpoint to the chain's head: an empty durable commit.
    /// The collector calls it last when it stops, so the records of its last
    /// second of reads are neither left to the OS nor past the checkpoint.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.write(|_, _| Ok(())).await
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
    mut moves: Moves,
) {
    let mut cache = WriterCache::default();
    let mut last_durable = std::time::Instant::now();
    let mut synchronous_full = true;
    // Whatever a previous run staged is moved first (counted as a full
    // load, so the move begins now).
    cache.staged_samples = COMPACT_SAMPLES;
    moves.tick(&conn, &mut cache);
    loop {
        let wait = moves.wait(&cache);
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
                moves.tick(&conn, &mut cache);
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
        moves.tick(&conn, &mut cache);
    }
    moves.stop();
}

/// Staged samples that start a move into `samples` ([`ingest::begin_move`]):
/// enough that each series gets dozens of points per move.
const COMPACT_SAMPLES: u64 = 524_288;
/// Longest a staged sample waits for a move to begin.
const COMPACT_AGE: std::time::Duration = std::time::Duration::from_secs(4);

/// The writer's side of moving staged samples into the sample file
/// ([`ingest::begin_move`]): it decides when a move begins, hands the table
/// to the mover thread, and empties the table once the mover has copied
/// it. The mover has its own connection, whose main database is the
/// sample file, so its transactions and the writer's group commits run at
/// the same time.
struct Moves {
    /// Tables to move, to the mover; closed (`None`) to stop it.
    requests: Option<std::sync::mpsc::Sender<usize>>,
    /// Each move's outcome, from the mover: `Ok(false)` if it was stopped.
    done: std::sync::mpsc::Receiver<Result<bool, StoreError>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
    /// The staging table the mover has, if any.
    moving: Option<usize>,
    last_begun: std::time::Instant,
    /// The database file, to start a new mover should this one stop.
    path: PathBuf,
}

/// Makes the mover thread of this database file panic at its next move
/// (tests of the restart).
#[cfg(test)]
static PANIC_NEXT_MOVE: Mutex<Option<PathBuf>> = Mutex::new(None);

impl Moves {
    /// Opens the mover's connection and starts its thread.
    fn start(path: &Path) -> Result<Moves, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(samples_path(path), flags)?;
        schema::configure_connection(&conn)?;
        schema::configure_file(&conn, "main", DATA_CACHE_KIB)?;
        attach(&conn, path, DATA)?;
        let (requests, tables) = std::sync::mpsc::channel::<usize>();
        let (done_tx, done) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let nice = crate::priority::process_nice();
        #[cfg(test)]
        let db = path.to_owned();
        let thread = thread::Builder::new()
            .name("vigil-store-mover".into())
            .spawn(move || {
                crate::priority::lower_this_thread(nice);
                for table in tables {
                    #[cfg(test)]
                    if PANIC_NEXT_MOVE
                        .lock()
                        .is_ok_and(|mut armed| armed.take_if(|p| *p == db).is_some())
                    {
                        panic!("mover panics as the test asked");
                    }
                    let outcome = ingest::move_staged(&conn, table, &stopping);
                    if done_tx.send(outcome).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| StoreError::Schema(format!("cannot start mover thread: {e}")))?;
        Ok(Moves {
            requests: Some(requests),
            done,
            stop,
            thread: Some(thread),
            moving: None,
            last_begun: std::time::Instant::now(),
            path: path.to_owned(),
        })
    }

    /// Starts a new mover if this one has stopped (a panic in a move):
    /// the table it had stays staged and is moved again, first.
    fn restart_if_stopped(&mut self, cache: &mut WriterCache) {
        let stopped =
            self.requests.is_some() && self.thread.as_ref().is_some_and(|t| t.is_finished());
        if !stopped {
            return;
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        tracing::error!("the store's mover thread stopped; starting a new one");
        self.moving = None;
        match Moves::start(&self.path) {
            Ok(fresh) => *self = fresh,
            Err(error) => {
                tracing::error!(%error, "the store's mover thread could not be restarted")
            }
        }
        // As at start-up: whatever is staged is moved first, now.
        cache.staged_samples = COMPACT_SAMPLES;
    }

    /// How long the writer may wait for a job before the next [`Moves::tick`].
    fn wait(&self, cache: &WriterCache) -> std::time::Duration {
        if self.moving.is_none() && cache.staged_samples > 0 {
            COMPACT_AGE
                .saturating_sub(self.last_begun.elapsed())
                .min(RELAXED_WINDOW)
        } else {
            RELAXED_WINDOW
        }
    }

    /// Between group commits: empties the table of a finished move, and
    /// begins a move when enough samples are staged or the oldest is old
    /// enough. A failed move is dropped; it starts over (each step can be
    /// repeated) after [`COMPACT_AGE`].
    fn tick(&mut self, conn: &Connection, cache: &mut WriterCache) {
        self.restart_if_stopped(cache);
        if let Some(table) = self.moving {
            let moved = match self.done.try_recv() {
                Err(std::sync::mpsc::TryRecvError::Empty) => return,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    Err(StoreError::Schema("the mover thread has stopped".into()))
                }
                Ok(outcome) => outcome,
            };
            self.moving = None;
            let emptied = moved.and_then(|complete| {
                if complete {
                    ingest::end_move(conn, table)
                } else {
                    Ok(())
                }
            });
            if let Err(error) = emptied {
                tracing::error!(%error, "staged samples not moved");
                self.last_begun = std::time::Instant::now();
                cache.staged_samples = cache.staged_samples.max(1);
                return;
            }
        }
        let due = cache.staged_samples >= COMPACT_SAMPLES
            || (cache.staged_samples > 0 && self.last_begun.elapsed() >= COMPACT_AGE);
        if !due {
            return;
        }
        self.last_begun = std::time::Instant::now();
        cache.staged_samples = 0;
        let Some(requests) = &self.requests else {
            return;
        };
        match ingest::begin_move(conn, cache) {
            Ok(Some(table)) => {
                if requests.send(table).is_ok() {
                    self.moving = Some(table);
                } else {
                    tracing::error!("the store's mover thread is gone; samples stay staged");
                }
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "staged samples not moved"),
        }
    }

    /// Stops the mover after its current step and waits for it. What it
    /// leaves staged is moved after the next start.
    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
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
        schema::has_table(conn, DATA, "audit").unwrap()
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
    fn samples_move_out_of_an_older_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        older_layout(&db, 1);
        {
            let conn = Connection::open(&db).unwrap();
            for ts in 0..3 {
                conn.execute(
                    "INSERT INTO samples (series_id, ts_ms, value) VALUES (1, ?1, 2.5)",
                    [ts],
                )
                .unwrap();
            }
        }
        // An interrupted move: the sample file already holds one point.
        {
            let mut points = Connection::open(samples_path(&db)).unwrap();
            schema::migrate(&mut points, schema::SAMPLES_MIGRATIONS).unwrap();
            points
                .execute("INSERT INTO samples VALUES (1, 0, 2.5)", [])
                .unwrap();
        }
        let conn = open_rw(&db).unwrap();
        let moved: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {POINTS}.samples"), [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(moved, 3);
        assert!(!schema::has_table(&conn, DATA, "samples").unwrap());
    }

    /// Staged and moved rows, read the way queries read them.
    async fn staged_and_moved(store: &Store) -> (i64, i64) {
        store
            .read(|conn| {
                Ok(conn.query_row(
                    "SELECT (SELECT count(*) FROM samples_staged_0) + (SELECT count(*) FROM samples_staged_1),
                            (SELECT count(*) FROM samples)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await
            .unwrap()
    }

    /// A running store (writer and mover threads) over `db`, and a runtime
    /// to call it from.
    fn store_with_runtime(db: &Path) -> (Store, tokio::runtime::Runtime) {
        let key = crate::audit::ChainKey([3; 32]);
        let dir = db.parent().unwrap();
        let store = Store::open(db, CheckpointFile::new(dir, key)).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (store, rt)
    }

    /// Polls, with a deadline, until nothing is staged and `points` are in
    /// `samples`.
    async fn all_moved(store: &Store, points: i64) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match staged_and_moved(store).await {
                (0, moved) if moved == points => return,
                counts => assert!(
                    tokio::time::Instant::now() < deadline,
                    "not moved: {counts:?}"
                ),
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    #[test]
    fn the_mover_moves_what_the_writer_staged_and_a_restart_finishes_it() {
        use crate::bench::{host, make_batch, series_shape};
        use vigil_shared::wire::AgentId;

        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        let agent = AgentId::from_bytes([9; 16]);
        let shape = series_shape(50);
        // Staged by a writer that stopped before any move.
        {
            let conn = open_rw(&db).unwrap();
            agents::insert_agent(&conn, &agent, &host(), i64::MAX).unwrap();
            let (sealer, mut cache) = (crate::seal::Sealer::ephemeral(), WriterCache::default());
            for seq in 1..=4 {
                let batch = make_batch(&shape, 1, seq);
                ingest::apply(&conn, &mut cache, &sealer, &agent, &batch).unwrap();
            }
        }
        // The new writer hands them to the mover at once; poll for the move.
        let (store, rt) = store_with_runtime(&db);
        rt.block_on(async {
            all_moved(&store, 200).await;
        });
    }

    #[test]
    fn a_mover_that_panics_is_replaced_and_the_move_completes() {
        use crate::bench::{host, make_batch, series_shape};
        use vigil_shared::wire::AgentId;

        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        let agent = AgentId::from_bytes([5; 16]);
        {
            let conn = open_rw(&db).unwrap();
            agents::insert_agent(&conn, &agent, &host(), i64::MAX).unwrap();
        }
        *PANIC_NEXT_MOVE.lock().unwrap() = Some(db.clone());
        let (store, rt) = store_with_runtime(&db);
        rt.block_on(async {
            let shape = series_shape(20);
            for seq in 1..=3 {
                let batch = make_batch(&shape, 1, seq);
                let (sealer, agent) = (crate::seal::Sealer::ephemeral(), agent.clone());
                store
                    .write(move |tx, cache| ingest::apply(tx, cache, &sealer, &agent, &batch))
                    .await
                    .unwrap();
            }
            // The first move panics (within COMPACT_AGE); a new mover takes
            // the table over and moves every point.
            all_moved(&store, 60).await;
        });
        assert!(
            PANIC_NEXT_MOVE.lock().unwrap().is_none(),
            "the first mover never ran"
        );
    }

    #[test]
    fn batch_ids_dedup_by_the_highest_sequence_of_each_agent_epoch() {
        use crate::bench::{host, make_batch, series_shape};
        use vigil_shared::wire::{AckStatus, AgentId};

        let dir = tempfile::tempdir().unwrap();
        let conn = open_rw(&dir.path().join("vigil.db")).unwrap();
        let agent = AgentId::from_bytes([7; 16]);
        agents::insert_agent(&conn, &agent, &host(), i64::MAX).unwrap();
        let (sealer, mut cache) = (crate::seal::Sealer::ephemeral(), WriterCache::default());
        let shape = series_shape(10);
        let mut apply = |epoch, seq| {
            ingest::apply(
                &conn,
                &mut cache,
                &sealer,
                &agent,
                &make_batch(&shape, epoch, seq),
            )
            .unwrap()
            .status
        };
        let (stored, dup) = (Some(AckStatus::Committed), Some(AckStatus::Duplicate));
        assert_eq!(apply(1, 1), stored);
        assert_eq!(apply(1, 2), stored);
        assert_eq!(apply(1, 2), dup, "a retried batch");
        assert_eq!(apply(1, 1), dup, "an older batch of the same spool");
        assert_eq!(apply(1, 5), stored, "a gap in the sequence");
        assert_eq!(apply(2, 1), stored, "a new spool epoch starts over");
        assert_eq!(apply(1, 5), dup);
        let (marks, staged): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM batch_marks),
                        (SELECT count(*) FROM samples_staged_0) + (SELECT count(*) FROM samples_staged_1)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(marks, 2, "one row per agent epoch, not per batch");
        assert_eq!(staged, 4 * 10, "duplicates stored nothing");
    }

    #[test]
    fn per_batch_ids_of_an_older_database_become_marks() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        {
            let mut conn = Connection::open(&db).unwrap();
            schema::configure_connection(&conn).unwrap();
            schema::migrate(&mut conn, &schema::MIGRATIONS[..4]).unwrap();
            conn.execute_batch(
                "INSERT INTO batches VALUES ('a', 1, 1, 10), ('a', 1, 3, 30), ('a', 1, 2, 20),
                                            ('a', 2, 1, 40), ('b', 1, 9, 50);",
            )
            .unwrap();
        }
        let conn = open_rw(&db).unwrap();
        let marks: Vec<(String, i64, i64, i64)> = conn
            .prepare("SELECT agent_id, epoch, seq, committed_ms FROM batch_marks ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mark = |a: &str, e, s, t| (a.to_owned(), e, s, t);
        assert_eq!(
            marks,
            [
                mark("a", 1, 3, 30),
                mark("a", 2, 1, 40),
                mark("b", 1, 9, 50)
            ]
        );
        assert!(!schema::has_table(&conn, DATA, "batches").unwrap());
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
