//! Configuration-file change events.

use rusqlite::{params, Connection};
use serde::Serialize;

use super::StoreError;

#[derive(Clone, Debug, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub host_id: String,
    pub path: String,
    pub kind: String,
    pub detection: String,
    /// When the agent detected the change (ms since the epoch).
    pub detected_at: i64,
    pub received_at: i64,
    pub old: Option<serde_json::Value>,
    pub new: Option<serde_json::Value>,
    pub renamed_from: Option<String>,
    pub diff: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct ChangeFilter {
    pub host: Option<String>,
    pub path: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Pagination cursor: only ids greater than this.
    pub after_id: i64,
    pub limit: u32,
    /// Host-group scope: only these hosts (`None`: every host).
    pub scope: Option<Vec<String>>,
}

pub fn list(conn: &Connection, f: &ChangeFilter) -> Result<Vec<ChangeRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, agent_id, path, kind, detection, ts_ms, received_ms, old_meta, new_meta, renamed_from, diff
         FROM file_changes
         WHERE id > ?1
           AND (?2 IS NULL OR agent_id = ?2)
           AND (?3 IS NULL OR path = ?3 OR path LIKE ?3 || '/%')
           AND (?4 IS NULL OR ts_ms >= ?4)
           AND (?5 IS NULL OR ts_ms <= ?5)
           AND (?7 IS NULL OR agent_id IN (SELECT value FROM json_each(?7)))
         ORDER BY id LIMIT ?6",
    )?;
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let scope = f
        .scope
        .as_ref()
        .map(|hosts| serde_json::Value::from(hosts.clone()).to_string());
    let rows = stmt.query_map(
        params![f.after_id, f.host, f.path, f.from_ms, f.to_ms, f.limit, scope],
        |r| {
            Ok(ChangeRow {
                id: r.get(0)?,
                host_id: r.get(1)?,
                path: r.get(2)?,
                kind: r.get(3)?,
                detection: r.get(4)?,
                detected_at: r.get(5)?,
                received_at: r.get(6)?,
                old: json(r.get(7)?),
                new: json(r.get(8)?),
                renamed_from: r.get(9)?,
                diff: r.get(10)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
