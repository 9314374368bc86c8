//! The bounded local spool: every record lands here before it is shipped.
//!
//! One SQLite file (`spool.db`, WAL) with three tables:
//!
//! - `records`: records not yet assigned to a batch (JSON bodies).
//! - `batches`: batches built but not yet acknowledged, stored *encoded*
//!   (the exact request body). Building a batch moves its records into it in
//!   one transaction, so a batch that was sent once is re-sent with the same
//!   id and the same bytes until the collector acknowledges it, across
//!   restarts and crashes. The collector's dedup by batch id is then exact.
//! - `meta`: the epoch (random per spool file: a wiped spool starts a new
//!   one), the next sequence number, and the pending gap (records dropped
//!   because the spool was full, reported in the next batch).
//!
//! The bound (`max_spool_bytes`) counts record bodies plus stored batch
//! bodies. When a push goes over it, the oldest data is dropped: whole
//! unacknowledged batches first (they hold the oldest records), then the
//! oldest records. The loss is counted and reported as a [`Gap`]. (A
//! dropped batch may have reached the collector with its ack lost; the gap
//! then over-reports, never under-reports.)
//!
//! [`Spool`] is plain synchronous code over a `rusqlite::Connection`;
//! [`SpoolHandle`] runs it on its own thread and is what the async code and
//! the collectors hold.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};
use vigil_shared::wire::{Batch, BatchId, Gap, HostInfo, Record, PROTOCOL_VERSION};

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("spool file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode a record or batch: {0}")]
    Encode(String),
    #[error("record of {size} bytes is larger than a batch may be ({max} bytes); dropped")]
    RecordTooLarge { size: usize, max: usize },
    #[error("the spool is closed")]
    Closed,
}

/// Size limits of the spool and of the batches built from it.
#[derive(Clone, Copy, Debug)]
pub struct SpoolLimits {
    pub max_spool_bytes: u64,
    pub batch_max_records: usize,
    pub batch_max_bytes: usize,
}

/// A batch ready to send: its id and the exact body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingBatch {
    pub id: BatchId,
    pub body: Vec<u8>,
    pub records: u64,
}

/// Counters, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpoolStats {
    pub epoch: u64,
    pub records: u64,
    pub batches: u64,
    pub bytes: u64,
    /// Dropped records not yet reported in a batch.
    pub pending_gap: u64,
    /// Records dropped over the spool's life.
    pub dropped_total: u64,
}

/// The spool itself: synchronous, one connection.
pub struct Spool {
    conn: Connection,
    epoch: u64,
    bytes: u64,
    limits: SpoolLimits,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    body  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    seq         INTEGER PRIMARY KEY,
    body        BLOB NOT NULL,
    records     INTEGER NOT NULL,
    -- records lost before this batch and reported in it
    gap_records INTEGER NOT NULL,
    first_ts_ms INTEGER NOT NULL,
    last_ts_ms  INTEGER NOT NULL
);
";

impl Spool {
    /// Opens or creates the spool file (0600).
    pub fn open(path: &Path, limits: SpoolLimits) -> Result<Spool, SpoolError> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|source| SpoolError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Records not yet acknowledged are the only copy: fsync each commit.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // The spool holds a few batches in normal operation: a small page
        // cache (KiB) keeps the agent's footprint down.
        conn.pragma_update(None, "cache_size", -64)?;
        conn.execute_batch(SCHEMA)?;
        let epoch = match get_meta(&conn, "epoch")? {
            Some(e) => e as u64,
            None => {
                // Positive i64, so it round-trips through SQLite's INTEGER.
                let e = rand::rngs::OsRng.next_u64() >> 1;
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('epoch', ?1), ('next_seq', 1)",
                    params![e as i64],
                )?;
                e
            }
        };
        let bytes: i64 = conn.query_row(
            "SELECT (SELECT COALESCE(SUM(length(body)), 0) FROM records)
                  + (SELECT COALESCE(SUM(length(body)), 0) FROM batches)",
            [],
            |r| r.get(0),
        )?;
        Ok(Spool {
            conn,
            epoch,
            bytes: bytes as u64,
            limits,
        })
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Stores one record, dropping the oldest data if the spool is full.
    pub fn push(&mut self, record: &Record) -> Result<(), SpoolError> {
        let body = serde_json::to_vec(record).map_err(|e| SpoolError::Encode(e.to_string()))?;
        let ts = record_ts(record);
        if body.len() > self.limits.batch_max_bytes {
            let tx = self.conn.transaction()?;
            add_gap(&tx, 1, ts, ts)?;
            tx.commit()?;
            return Err(SpoolError::RecordTooLarge {
                size: body.len(),
                max: self.limits.batch_max_bytes,
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO records (ts_ms, body) VALUES (?1, ?2)",
            params![ts, body],
        )?;
        let mut bytes = self.bytes + body.len() as u64;
        while bytes > self.limits.max_spool_bytes {
            match drop_oldest(&tx)? {
                Some(freed) => bytes -= freed,
                None => break,
            }
        }
        tx.commit()?;
        self.bytes = bytes;
        Ok(())
    }

    /// The batch to send next: the oldest unacknowledged one if any (same id,
    /// same bytes as before), else a new one built from the oldest records
    /// and the pending gap. `None` when there is nothing to send.
    pub fn next_batch(&mut self, host: &HostInfo) -> Result<Option<PendingBatch>, SpoolError> {
        if let Some(b) = self
            .conn
            .query_row(
                "SELECT seq, body, records FROM batches ORDER BY seq LIMIT 1",
                [],
                |r| {
                    Ok(PendingBatch {
                        id: BatchId {
                            epoch: self.epoch,
                            seq: r.get::<_, i64>(0)? as u64,
                        },
                        body: r.get(1)?,
                        records: r.get::<_, i64>(2)? as u64,
                    })
                },
            )
            .optional()?
        {
            return Ok(Some(b));
        }
        self.build_batch(host)
    }

    fn build_batch(&mut self, host: &HostInfo) -> Result<Option<PendingBatch>, SpoolError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut records = Vec::new();
        let mut used = 0usize;
        let mut last_id = None;
        let mut freed = 0u64;
        let mut first_ts = i64::MAX;
        let mut last_ts = i64::MIN;
        let mut corrupt = 0u64;
        {
            let mut stmt =
                tx.prepare("SELECT id, ts_ms, body FROM records ORDER BY id LIMIT ?1")?;
            let mut rows = stmt.query(params![self.limits.batch_max_records as i64])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                let ts: i64 = row.get(1)?;
                let body: Vec<u8> = row.get(2)?;
                if used + body.len() > self.limits.batch_max_bytes && !records.is_empty() {
                    break;
                }
                used += body.len();
                freed += body.len() as u64;
                last_id = Some(id);
                first_ts = first_ts.min(ts);
                last_ts = last_ts.max(ts);
                match serde_json::from_slice::<Record>(&body) {
                    Ok(r) => records.push(r),
                    // Written by this code, so only a damaged file or a
                    // downgrade gets here: count it as lost, don't stall.
                    Err(_) => corrupt += 1,
                }
            }
        }
        if corrupt > 0 {
            add_gap(&tx, corrupt, first_ts, last_ts)?;
        }
        let gap = take_gap(&tx)?;
        if last_id.is_none() && gap.is_none() {
            return Ok(None);
        }
        let seq = get_meta(&tx, "next_seq")?.unwrap_or(1) as u64;
        let id = BatchId {
            epoch: self.epoch,
            seq,
        };
        let gaps: Vec<Gap> = gap.iter().cloned().collect();
        let gap_records = gap.as_ref().map_or(0, |g| g.records_dropped);
        if let Some(g) = &gap {
            first_ts = first_ts.min(g.first_ts_ms);
            last_ts = last_ts.max(g.last_ts_ms);
        }
        let batch = Batch {
            version: PROTOCOL_VERSION,
            id,
            host: host.clone(),
            records,
            gaps,
        };
        let body = batch
            .encode()
            .map_err(|e| SpoolError::Encode(e.to_string()))?;
        if let Some(last) = last_id {
            tx.execute("DELETE FROM records WHERE id <= ?1", params![last])?;
        }
        let count = batch.records.len() as u64;
        tx.execute(
            "INSERT INTO batches (seq, body, records, gap_records, first_ts_ms, last_ts_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                seq as i64,
                body,
                count as i64,
                gap_records as i64,
                first_ts,
                last_ts
            ],
        )?;
        set_meta(&tx, "next_seq", seq as i64 + 1)?;
        tx.commit()?;
        self.bytes = self.bytes - freed + body.len() as u64;
        Ok(Some(PendingBatch {
            id,
            body,
            records: count,
        }))
    }

    /// The collector acknowledged `id` (committed or duplicate): forget it.
    /// Returns whether a batch was removed.
    pub fn ack(&mut self, id: BatchId) -> Result<bool, SpoolError> {
        if id.epoch != self.epoch {
            return Ok(false);
        }
        let len: Option<i64> = self
            .conn
            .query_row(
                "DELETE FROM batches WHERE seq = ?1 RETURNING length(body)",
                params![id.seq as i64],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(len) = len {
            self.bytes -= len as u64;
        }
        Ok(len.is_some())
    }

    /// Gives up on a batch the collector will never accept (e.g. rejected as
    /// malformed): its records are counted as a gap reported later.
    pub fn reject(&mut self, id: BatchId) -> Result<(), SpoolError> {
        if id.epoch != self.epoch {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        let freed = drop_batch(&tx, Some(id.seq as i64))?;
        tx.commit()?;
        if let Some(freed) = freed {
            self.bytes -= freed;
        }
        Ok(())
    }

    pub fn stats(&self) -> Result<SpoolStats, SpoolError> {
        let count = |sql: &str| -> Result<u64, rusqlite::Error> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|v| v as u64)
        };
        Ok(SpoolStats {
            epoch: self.epoch,
            records: count("SELECT COUNT(*) FROM records")?,
            batches: count("SELECT COUNT(*) FROM batches")?,
            bytes: self.bytes,
            pending_gap: get_meta(&self.conn, "gap_records")?.unwrap_or(0) as u64,
            dropped_total: get_meta(&self.conn, "dropped_total")?.unwrap_or(0) as u64,
        })
    }

    /// Checkpoints the WAL into the main file; called on clean shutdown.
    pub fn close(self) -> Result<(), SpoolError> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        self.conn.close().map_err(|(_, e)| SpoolError::Sqlite(e))
    }
}

fn record_ts(record: &Record) -> i64 {
    match record {
        Record::Metrics(m) => m.ts_ms,
        Record::Inventory(i) => i.ts_ms,
        Record::FileChange(f) => f.ts_ms,
    }
}

fn get_meta(conn: &Connection, key: &str) -> Result<Option<i64>, rusqlite::Error> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
        r.get(0)
    })
    .optional()
}

fn set_meta(conn: &Connection, key: &str, value: i64) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Adds `n` lost records spanning `first..=last` to the pending gap.
fn add_gap(conn: &Connection, n: u64, first: i64, last: i64) -> Result<(), rusqlite::Error> {
    let count = get_meta(conn, "gap_records")?.unwrap_or(0);
    let (f, l) = if count == 0 {
        (first, last)
    } else {
        (
            get_meta(conn, "gap_first_ts")?.unwrap_or(first).min(first),
            get_meta(conn, "gap_last_ts")?.unwrap_or(last).max(last),
        )
    };
    set_meta(conn, "gap_records", count + n as i64)?;
    set_meta(conn, "gap_first_ts", f)?;
    set_meta(conn, "gap_last_ts", l)?;
    let total = get_meta(conn, "dropped_total")?.unwrap_or(0);
    set_meta(conn, "dropped_total", total + n as i64)
}

/// Takes the pending gap (resetting it), if any.
fn take_gap(conn: &Connection) -> Result<Option<Gap>, rusqlite::Error> {
    let count = get_meta(conn, "gap_records")?.unwrap_or(0);
    if count <= 0 {
        return Ok(None);
    }
    let gap = Gap {
        records_dropped: count as u64,
        first_ts_ms: get_meta(conn, "gap_first_ts")?.unwrap_or(0),
        last_ts_ms: get_meta(conn, "gap_last_ts")?.unwrap_or(0),
    };
    set_meta(conn, "gap_records", 0)?;
    Ok(Some(gap))
}

/// Drops the oldest data: the oldest unacknowledged batch (batches hold
/// older records than any unbatched one), else the oldest record. Returns
/// the bytes freed, `None` when the spool is empty.
fn drop_oldest(conn: &Connection) -> Result<Option<u64>, rusqlite::Error> {
    if let Some(freed) = drop_batch(conn, None)? {
        return Ok(Some(freed));
    }
    let oldest: Option<(i64, i64, i64)> = conn
        .query_row(
            "SELECT id, ts_ms, length(body) FROM records ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, ts, len)) = oldest else {
        return Ok(None);
    };
    conn.execute("DELETE FROM records WHERE id = ?1", params![id])?;
    add_gap(conn, 1, ts, ts)?;
    Ok(Some(len as u64))
}

/// Drops one batch (the oldest when `seq` is `None`), carrying its records
/// and the gap it reported into the pending gap.
fn drop_batch(conn: &Connection, seq: Option<i64>) -> Result<Option<u64>, rusqlite::Error> {
    let row: Option<(i64, i64, i64, i64, i64, i64)> = conn
        .query_row(
            "SELECT seq, length(body), records, gap_records, first_ts_ms, last_ts_ms
             FROM batches WHERE (?1 IS NULL OR seq = ?1) ORDER BY seq LIMIT 1",
            params![seq],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((seq, len, records, gap_records, first, last)) = row else {
        return Ok(None);
    };
    conn.execute("DELETE FROM batches WHERE seq = ?1", params![seq])?;
    // The batch's own gap was counted in dropped_total when it happened;
    // re-add it to the pending gap without counting it twice.
    add_gap(conn, (records + gap_records) as u64, first, last)?;
    let total = get_meta(conn, "dropped_total")?.unwrap_or(0);
    set_meta(conn, "dropped_total", total - gap_records)?;
    Ok(Some(len as u64))
}

type Job = Box<dyn FnOnce(&mut Spool) + Send>;

enum Msg {
    Job(Job),
    Close(oneshot::Sender<Result<(), SpoolError>>),
}

/// A cheap, cloneable handle to the spool thread. Every collector pushes
/// its records through one of these.
#[derive(Clone)]
pub struct SpoolHandle {
    tx: mpsc::Sender<Msg>,
    /// Signalled after every stored record, so the shipper need not wait
    /// out its idle interval.
    pushed: std::sync::Arc<tokio::sync::Notify>,
}

/// Owns the spool thread; [`SpoolThread::close`] shuts it down cleanly.
pub struct SpoolThread {
    handle: SpoolHandle,
    join: Option<JoinHandle<()>>,
}

impl SpoolThread {
    /// Opens the spool (blocking; call from a blocking context or at
    /// start-up) and starts its thread.
    pub fn start(path: &Path, limits: SpoolLimits) -> Result<SpoolThread, SpoolError> {
        let mut spool = Spool::open(path, limits)?;
        let (tx, mut rx) = mpsc::channel::<Msg>(1024);
        let join = std::thread::Builder::new()
            .name("vigil-spool".into())
            .spawn(move || {
                while let Some(msg) = rx.blocking_recv() {
                    match msg {
                        Msg::Job(job) => job(&mut spool),
                        Msg::Close(done) => {
                            let _ = done.send(spool.close());
                            return;
                        }
                    }
                }
                if let Err(e) = spool.close() {
                    tracing::warn!(error = %e, "spool did not close cleanly");
                }
            })
            .map_err(|source| SpoolError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(SpoolThread {
            handle: SpoolHandle {
                tx,
                pushed: std::sync::Arc::new(tokio::sync::Notify::new()),
            },
            join: Some(join),
        })
    }

    pub fn handle(&self) -> SpoolHandle {
        self.handle.clone()
    }

    /// Finishes queued work, checkpoints and closes the database, and joins
    /// the thread. Handles still held elsewhere get [`SpoolError::Closed`].
    pub async fn close(mut self) -> Result<(), SpoolError> {
        let (done_tx, done_rx) = oneshot::channel();
        if self.handle.tx.send(Msg::Close(done_tx)).await.is_err() {
            return Err(SpoolError::Closed);
        }
        let result = done_rx.await.unwrap_or(Err(SpoolError::Closed));
        if let Some(join) = self.join.take() {
            let _ = tokio::task::spawn_blocking(move || join.join()).await;
        }
        result
    }
}

impl SpoolHandle {
    /// Runs `f` on the spool thread and returns its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R, SpoolError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Spool) -> R + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |s| {
            let _ = tx.send(f(s));
        });
        self.tx
            .send(Msg::Job(job))
            .await
            .map_err(|_| SpoolError::Closed)?;
        rx.await.map_err(|_| SpoolError::Closed)
    }

    /// Stores a record; returns once it is committed.
    pub async fn push(&self, record: Record) -> Result<(), SpoolError> {
        self.call(move |s| s.push(&record)).await??;
        self.pushed.notify_one();
        Ok(())
    }

    /// Resolves once a record was stored since the last call (a permit is
    /// kept if nobody was waiting, so no push is missed).
    pub async fn pushed(&self) {
        self.pushed.notified().await;
    }

    /// Stores a record from a plain (non-async) thread, e.g. the config
    /// watch's; blocks until committed. Must not be called on the runtime.
    pub fn push_blocking(&self, record: Record) -> Result<(), SpoolError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |s| {
            let _ = tx.send(s.push(&record));
        });
        self.tx
            .blocking_send(Msg::Job(job))
            .map_err(|_| SpoolError::Closed)?;
        rx.blocking_recv().map_err(|_| SpoolError::Closed)??;
        self.pushed.notify_one();
        Ok(())
    }

    pub async fn next_batch(&self, host: HostInfo) -> Result<Option<PendingBatch>, SpoolError> {
        self.call(move |s| s.next_batch(&host)).await?
    }

    pub async fn ack(&self, id: BatchId) -> Result<bool, SpoolError> {
        self.call(move |s| s.ack(id)).await?
    }

    pub async fn reject(&self, id: BatchId) -> Result<(), SpoolError> {
        self.call(move |s| s.reject(id)).await?
    }

    pub async fn stats(&self) -> Result<SpoolStats, SpoolError> {
        self.call(|s| s.stats()).await?
    }
}

#[cfg(test)]
mod tests;
