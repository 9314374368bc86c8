//! Applying one agent batch, exactly once.

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
pub fn apply(
    conn: &Connection,
    cache: &mut WriterCache,
    sealer: &Sealer,
    agent: &AgentId,
    batch: &Batch,
) -> Result<IngestOutcome, StoreError> {
    let seen: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM batches WHERE agent_id = ?1 AND epoch = ?2 AND seq = ?3")?
        .query_row(
            params![agent.as_str(), batch.id.epoch as i64, batch.id.seq as i64],
            |r| r.get(0),
        )
        .optional()?;
    if seen.is_some() {
        return Ok(IngestOutcome {
            status: Some(AckStatus::Duplicate),
            ..IngestOutcome::default()
        });
    }
    let now = now_ms();
    conn.prepare_cached(
        "INSERT INTO batches (agent_id, epoch, seq, committed_ms) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        agent.as_str(),
        batch.id.epoch as i64,
        batch.id.seq as i64,
        now
    ])?;
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
    let mut insert_sample = conn.prepare_cached(
        "INSERT OR IGNORE INTO samples (series_id, ts_ms, value) VALUES (?1, ?2, ?3)",
    )?;
    for record in &batch.records {
        match record {
            Record::Metrics(m) => {
                for s in &m.samples {
                    if !s.value.is_finite() {
                        continue;
                    }
                    let id = series_id(conn, cache, agent, &s.name, &s.labels)?;
                    out.samples += insert_sample.execute(params![id, m.ts_ms, s.value])? as u64;
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
        .and_then(|list| list.iter().find(|(l, _)| l == labels));
    if let Some((_, id)) = cached {
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
        .push((labels.clone(), id));
    Ok(id)
}
