//! Applying one agent batch, exactly once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::LazyLock;

use rusqlite::{params, Connection, OptionalExtension};
use vigil_shared::wire::{AckStatus, AgentId, Batch, Record};

use super::{now_ms, Labels, StoreError, WriterCache};
use crate::seal::Sealer;

/// What one ingest stored, for the collector's own counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestOutcome {
    pub status: Option<AckStatus>,
    pub samples: u64,
    pub changes: u64,
    pub records_dropped: u64,
}

/// Stores `batch` unless this agent already committed the same batch id.
///
/// Agents ship their spool oldest first, one batch at a time, and move on
/// only once a batch is acknowledged or refused for good; so within one
/// spool epoch a batch at or below the highest sequence committed is one
/// already stored (or one the agent gave up on), and the collector keeps
/// only that highest sequence per agent and epoch.
pub fn apply(
    conn: &Connection,
    cache: &mut WriterCache,
    sealer: &Sealer,
    agent: &AgentId,
    batch: &Batch,
) -> Result<IngestOutcome, StoreError> {
    let (epoch, seq) = (batch.id.epoch as i64, batch.id.seq as i64);
    let committed: Option<i64> = conn
        .prepare_cached("SELECT seq FROM batch_marks WHERE agent_id = ?1 AND epoch = ?2")?
        .query_row(params![agent.as_str(), epoch], |r| r.get(0))
        .optional()?;
    if committed.is_some_and(|c| seq <= c) {
        return Ok(IngestOutcome {
            status: Some(AckStatus::Duplicate),
            ..IngestOutcome::default()
        });
    }
    let now = now_ms();
    conn.prepare_cached(
        "INSERT INTO batch_marks (agent_id, epoch, seq, committed_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (agent_id, epoch) DO UPDATE SET seq = excluded.seq, committed_ms = excluded.committed_ms",
    )?
    .execute(params![agent.as_str(), epoch, seq, now])?;
    conn.prepare_cached(
        "UPDATE agents SET hostname = ?1, os = ?2, kernel = ?3, agent_version = ?4, last_seen_ms = ?5
         WHERE id = ?6",
    )?
    .execute(params![
        batch.host.hostname,
        batch.host.os,
        batch.host.kernel,
        batch.host.agent_version,
        now,
        agent.as_str()
    ])?;

    let mut out = IngestOutcome {
        status: Some(AckStatus::Committed),
        ..IngestOutcome::default()
    };
    let mut staged = Vec::new();
    for record in &batch.records {
        match record {
            Record::Metrics(m) => {
                for s in &m.samples {
                    if s.value.is_finite() {
                        let id = series_id(conn, cache, agent, &s.name, &s.labels)?;
                        staged.push((id, m.ts_ms, s.value));
                    }
                }
            }
            Record::Inventory(inv) => {
                let json =
                    serde_json::to_vec(inv).map_err(|e| StoreError::Conflict(e.to_string()))?;
                let sealed = sealer.seal(inventory_context(agent).as_bytes(), &json)?;
                conn.prepare_cached(
                    "INSERT INTO inventory (agent_id, ts_ms, sealed) VALUES (?1, ?2, ?3)
                     ON CONFLICT (agent_id) DO UPDATE SET ts_ms = excluded.ts_ms, sealed = excluded.sealed
                     WHERE excluded.ts_ms >= inventory.ts_ms",
                )?
                .execute(params![agent.as_str(), inv.ts_ms, sealed.as_bytes()])?;
            }
            Record::FileChange(c) => {
                let meta = |m: &Option<vigil_shared::wire::FileMeta>| {
                    m.as_ref().and_then(|m| serde_json::to_string(m).ok())
                };
                conn.prepare_cached(
                    "INSERT INTO file_changes
                     (agent_id, ts_ms, received_ms, path, kind, detection, old_meta, new_meta, renamed_from, diff)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    agent.as_str(),
                    c.ts_ms,
                    now,
                    c.path,
                    c.kind.as_str(),
                    match c.detection {
                        vigil_shared::wire::Detection::Realtime => "realtime",
                        vigil_shared::wire::Detection::Rescan => "rescan",
                    },
                    meta(&c.old),
                    meta(&c.new),
                    c.renamed_from,
                    c.diff
                ])?;
                out.changes += 1;
            }
        }
    }
    insert_rows(conn, &STAGE[cache.staging], &staged)?;
    out.samples = staged.len() as u64;
    cache.staged_samples += out.samples;
    for g in &batch.gaps {
        conn.prepare_cached(
            "INSERT INTO gaps (agent_id, records_dropped, first_ts_ms, last_ts_ms, reported_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            agent.as_str(),
            g.records_dropped as i64,
            g.first_ts_ms,
            g.last_ts_ms,
            now
        ])?;
        out.records_dropped += g.records_dropped;
    }
    Ok(out)
}

/// Rows per multi-row insert statement: one statement step per this many
/// samples instead of one per sample.
const INSERT_ROWS: usize = 32;

/// Both statements of a multi-row insert of `(series_id, ts_ms, value)`
/// rows into one table, built once.
struct RowInsert {
    /// `INSERT_ROWS` rows per statement.
    many: String,
    /// One row, for the rest.
    one: String,
}

impl RowInsert {
    fn new(insert: &str) -> Self {
        let cols = "(series_id, ts_ms, value)";
        RowInsert {
            many: format!(
                "{insert} {cols} VALUES {}",
                vec!["(?, ?, ?)"; INSERT_ROWS].join(", ")
            ),
            one: format!("{insert} {cols} VALUES (?1, ?2, ?3)"),
        }
    }
}

/// Inserts into each staging table.
static STAGE: LazyLock<[RowInsert; 2]> =
    LazyLock::new(|| STAGING.map(|t| RowInsert::new(&format!("INSERT INTO {t}"))));
/// Inserts of moved samples (the first value of a series and time stays).
static MOVE: LazyLock<RowInsert> =
    LazyLock::new(|| RowInsert::new("INSERT OR IGNORE INTO samples"));

/// Runs `insert` over `rows`, `INSERT_ROWS` per statement.
fn insert_rows(
    conn: &Connection,
    insert: &RowInsert,
    rows: &[(i64, i64, f64)],
) -> Result<(), StoreError> {
    let mut chunks = rows.chunks_exact(INSERT_ROWS);
    if chunks.len() > 0 {
        let mut many = conn.prepare_cached(&insert.many)?;
        for chunk in chunks.by_ref() {
            for (i, (series, ts, value)) in chunk.iter().enumerate() {
                many.raw_bind_parameter(3 * i + 1, series)?;
                many.raw_bind_parameter(3 * i + 2, ts)?;
                many.raw_bind_parameter(3 * i + 3, value)?;
            }
            many.raw_execute()?;
        }
    }
    let mut one = conn.prepare_cached(&insert.one)?;
    for (series, ts, value) in chunks.remainder() {
        one.execute(params![series, ts, value])?;
    }
    Ok(())
}

/// The two staging tables: one takes new samples while the other is
/// moved, then emptied whole (far cheaper than deleting moved rows one by
/// one, each overwritten under `secure_delete`).
pub const STAGING: [&str; 2] = ["samples_staged_0", "samples_staged_1"];

// Moving staged samples into `samples`, a slice at a time.
//
// Why staging: one group commit holds batches of many agents, one point
// per series each, so writing them straight into `samples` (ordered by
// series, then time) touched one leaf page per series per commit. Staged,
// a commit appends to the end of one table. A move switches new samples
// to the other staging table ([`begin_move`], on the writer), reads the
// one it takes (in arrival order, a sequential scan), sorts it by series
// and time in memory (stable: of two samples with the same series and
// time, the one that arrived first comes first and is kept, as when it was
// inserted directly) and inserts it into `samples` slice by slice, each
// series' points of the last seconds together on its own pages
// ([`move_staged`], on the store's mover thread); then the writer empties
// the table ([`end_move`]). `samples` lives in a file of its own (the
// store's `POINTS`), so the mover's transactions and the writer's group
// commits take different locks and run side by side. Queries read all
// three tables. Every step can be repeated (the inserts keep the first
// value of a series and time), so an interrupted move (a failed step, a
// restart) simply starts over.

/// Picks the staging table to move: the one not taking samples if a
/// previous move left rows in it; otherwise new samples switch to the
/// other table and the current one is taken. `None` if both are empty.
pub fn begin_move(conn: &Connection, cache: &mut WriterCache) -> Result<Option<usize>, StoreError> {
    let idle = 1 - cache.staging;
    if holds_rows(conn, idle)? {
        Ok(Some(idle))
    } else if holds_rows(conn, cache.staging)? {
        cache.staging = idle;
        Ok(Some(1 - idle))
    } else {
        Ok(None)
    }
}

/// Rows per step: a step touches at most this many pages of `samples`, so
/// it stays in the page cache and takes milliseconds.
const STEP_ROWS: usize = 8_192;

fn holds_rows(conn: &Connection, table: usize) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(&format!("SELECT EXISTS (SELECT 1 FROM {})", STAGING[table]))?
        .query_row([], |r| r.get(0))?)
}

/// Copies staging table `table` into `samples`, [`STEP_ROWS`] per
/// transaction. Returns `false`, leaving the rest, as soon as `stop` is
/// set. `conn` writes only `samples`: the table itself is emptied by the
/// writer ([`end_move`]) once this returns `true`.
pub fn move_staged(conn: &Connection, table: usize, stop: &AtomicBool) -> Result<bool, StoreError> {
    let mut rows: Vec<(i64, i64, f64)> = conn
        .prepare_cached(&format!(
            "SELECT series_id, ts_ms, value FROM {} ORDER BY id",
            STAGING[table]
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows.sort_by_key(|&(series, ts, _)| (series, ts));
    for slice in rows.chunks(STEP_ROWS) {
        if stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let tx = conn.unchecked_transaction()?;
        insert_rows(&tx, &MOVE, slice)?;
        tx.commit()?;
    }
    Ok(true)
}

/// Empties staging table `table` after [`move_staged`] copied it.
pub fn end_move(conn: &Connection, table: usize) -> Result<(), StoreError> {
    conn.prepare_cached(&format!("DELETE FROM {}", STAGING[table]))?
        .execute([])?;
    Ok(())
}

/// Moves everything staged (both tables) on `conn`, all steps at once.
#[cfg(test)]
pub fn move_all(conn: &Connection, cache: &mut WriterCache) -> Result<(), StoreError> {
    while let Some(table) = begin_move(conn, cache)? {
        assert!(move_staged(conn, table, &AtomicBool::new(false))?);
        end_move(conn, table)?;
    }
    Ok(())
}

/// The sealing context of an agent's inventory snapshot.
pub fn inventory_context(agent: &AgentId) -> String {
    format!("inventory:{agent}")
}

fn series_id(
    conn: &Connection,
    cache: &mut WriterCache,
    agent: &AgentId,
    name: &str,
    labels: &Labels,
) -> Result<i64, StoreError> {
    let cached = cache
        .series
        .get(agent.as_str())
        .and_then(|names| names.get(name))
        .and_then(|by_labels| by_labels.get(labels));
    if let Some(id) = cached {
        return Ok(*id);
    }
    let labels_json =
        serde_json::to_string(labels).map_err(|e| StoreError::Conflict(e.to_string()))?;
    let existing: Option<i64> = conn
        .prepare_cached("SELECT id FROM series WHERE agent_id = ?1 AND name = ?2 AND labels = ?3")?
        .query_row(params![agent.as_str(), name, labels_json], |r| r.get(0))
        .optional()?;
    let id = match existing {
        Some(id) => id,
        None => {
            conn.prepare_cached("INSERT INTO series (agent_id, name, labels) VALUES (?1, ?2, ?3)")?
                .execute(params![agent.as_str(), name, labels_json])?;
            conn.last_insert_rowid()
        }
    };
    cache
        .series
        .entry(agent.as_str().to_owned())
        .or_default()
        .entry(name.to_owned())
        .or_default()
        .insert(labels.clone(), id);
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::{host, make_batch, series_shape};
    use crate::store::metrics::{self, Aggregate};

    fn cpu0(conn: &Connection, agent: &AgentId) -> Vec<(i64, f64)> {
        let series = metrics::range(
            conn,
            agent.as_str(),
            "cpu_usage_percent",
            0,
            i64::MAX,
            None,
            Aggregate::Avg,
        )
        .unwrap();
        series[0].points.clone()
    }

    fn staged(conn: &Connection) -> i64 {
        conn.query_row(
            "SELECT (SELECT count(*) FROM samples_staged_0) + (SELECT count(*) FROM samples_staged_1)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn staged_samples_are_read_before_and_after_the_move() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open_rw(&dir.path().join("vigil.db")).unwrap();
        let (sealer, mut cache) = (Sealer::ephemeral(), WriterCache::default());
        let agent = AgentId::from_bytes([7; 16]);
        crate::store::agents::insert_agent(&conn, &agent, &host(), i64::MAX).unwrap();
        // 70 series: two multi-row inserts and six single ones per batch.
        let shape = series_shape(70);
        for seq in 1..=3 {
            let out = apply(
                &conn,
                &mut cache,
                &sealer,
                &agent,
                &make_batch(&shape, 1, seq),
            )
            .unwrap();
            assert_eq!(out.samples, 70);
        }
        // The same times again under a new epoch (a restored spool) with
        // other values: the first values stay.
        let mut again = make_batch(&shape, 2, 2);
        if let Record::Metrics(m) = &mut again.records[0] {
            m.samples.iter_mut().for_each(|s| s.value = -1.0);
        }
        apply(&conn, &mut cache, &sealer, &agent, &again).unwrap();
        assert_eq!(cache.staged_samples, 280);

        let before = cpu0(&conn, &agent);
        let ts = |seq: i64| 1_700_000_000_000 + seq * 1000;
        assert_eq!(before, vec![(ts(1), 1.5), (ts(2), 3.0), (ts(3), 4.5)]);
        move_all(&conn, &mut cache).unwrap();
        assert_eq!(staged(&conn), 0);
        assert_eq!(cpu0(&conn, &agent), before);
        let stored: i64 = conn
            .query_row("SELECT count(*) FROM samples", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 210);

        // Staged again after the move: the stored value still wins.
        apply(
            &conn,
            &mut cache,
            &sealer,
            &agent,
            &make_batch(&shape, 3, 1),
        )
        .unwrap();
        assert_eq!(cpu0(&conn, &agent), before);
        // A restarted writer (fresh cache, new samples to table 0) first
        // moves what the other table still holds.
        assert_eq!(cache.staging, 1);
        move_all(&conn, &mut WriterCache::default()).unwrap();
        assert_eq!(staged(&conn), 0);
        assert_eq!(cpu0(&conn, &agent), before);
    }
}
