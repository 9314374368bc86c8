//! Hosts, series and range queries.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::ingest::STAGING;
use super::StoreError;

#[derive(Clone, Debug, Serialize)]
pub struct HostRow {
    pub id: String,
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub agent_version: String,
    pub enrolled_ms: i64,
    pub last_seen_ms: Option<i64>,
    pub revoked: bool,
}

const HOST_COLUMNS: &str =
    "id, hostname, os, kernel, agent_version, enrolled_ms, last_seen_ms, revoked_ms IS NOT NULL";

fn host_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HostRow> {
    Ok(HostRow {
        id: r.get(0)?,
        hostname: r.get(1)?,
        os: r.get(2)?,
        kernel: r.get(3)?,
        agent_version: r.get(4)?,
        enrolled_ms: r.get(5)?,
        last_seen_ms: r.get(6)?,
        revoked: r.get(7)?,
    })
}

pub fn hosts(conn: &Connection) -> Result<Vec<HostRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {HOST_COLUMNS} FROM agents ORDER BY hostname, id"
    ))?;
    let rows = stmt.query_map([], host_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn host(conn: &Connection, id: &str) -> Result<Option<HostRow>, StoreError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {HOST_COLUMNS} FROM agents WHERE id = ?1"))?
        .query_row([id], host_row)
        .optional()?)
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SeriesRow {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

pub fn series(conn: &Connection, host: &str) -> Result<Vec<SeriesRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, labels FROM series WHERE agent_id = ?1 ORDER BY name, labels",
    )?;
    let rows = stmt.query_map([host], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, labels) = row?;
        out.push(SeriesRow {
            name,
            labels: serde_json::from_str(&labels).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// How points in one step are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    #[default]
    Avg,
    Min,
    Max,
    Sum,
    Last,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SeriesPoints {
    pub labels: BTreeMap<String, String>,
    /// `[ts_ms, value]` pairs, ascending.
    pub points: Vec<(i64, f64)>,
}

/// A series' points within a time range: `samples`, then each staging
/// table ([`STAGING`]) in turn, ordered by time and, for one time, by
/// table and arrival.
static POINTS: LazyLock<String> = LazyLock::new(|| {
    let range = "WHERE series_id = ?1 AND ts_ms >= ?2 AND ts_ms <= ?3";
    let mut sql = format!("SELECT ts_ms, value, 0 AS staged, 0 AS id FROM samples {range}");
    for (i, table) in STAGING.iter().enumerate() {
        sql += &format!(
            " UNION ALL SELECT ts_ms, value, {}, id FROM {table} {range}",
            i + 1
        );
    }
    sql + " ORDER BY 1, 3, 4"
});

/// Points of every series named `name` on `host` within `[from, to]`,
/// optionally folded into buckets of `step_ms` (bucket start as timestamp).
pub fn range(
    conn: &Connection,
    host: &str,
    name: &str,
    from_ms: i64,
    to_ms: i64,
    step_ms: Option<i64>,
    agg: Aggregate,
) -> Result<Vec<SeriesPoints>, StoreError> {
    let mut series_stmt = conn.prepare_cached(
        "SELECT id, labels FROM series WHERE agent_id = ?1 AND name = ?2 ORDER BY labels",
    )?;
    let series: Vec<(i64, String)> = series_stmt
        .query_map(params![host, name], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    // Samples not yet moved out of staging (store::ingest::begin_move) are
    // read too; a time already stored keeps its stored value, as the move
    // will (two staged values for one time, which only a replayed spool
    // sends, show the first table's until the move settles it).
    let mut points_stmt = conn.prepare_cached(&POINTS)?;
    let mut out = Vec::with_capacity(series.len());
    for (id, labels) in series {
        let mut raw: Vec<(i64, f64)> = points_stmt
            .query_map(params![id, from_ms, to_ms], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        raw.dedup_by_key(|p| p.0);
        let points = match step_ms {
            Some(step) if step > 0 => bucket(&raw, from_ms, step, agg),
            _ => raw,
        };
        out.push(SeriesPoints {
            labels: serde_json::from_str(&labels).unwrap_or_default(),
            points,
        });
    }
    Ok(out)
}

/// Folds ascending points into buckets `[from + k*step, from + (k+1)*step)`.
pub fn bucket(
    points: &[(i64, f64)],
    from_ms: i64,
    step_ms: i64,
    agg: Aggregate,
) -> Vec<(i64, f64)> {
    let mut out: Vec<(i64, f64)> = Vec::new();
    let mut count = 0u32;
    for &(ts, v) in points {
        let start = from_ms + (ts - from_ms).div_euclid(step_ms) * step_ms;
        match out.last_mut() {
            Some((s, acc)) if *s == start => {
                count += 1;
                *acc = match agg {
                    Aggregate::Avg => *acc + (v - *acc) / f64::from(count),
                    Aggregate::Min => acc.min(v),
                    Aggregate::Max => acc.max(v),
                    Aggregate::Sum => *acc + v,
                    Aggregate::Last => v,
                };
            }
            _ => {
                out.push((start, v));
                count = 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_aggregate_per_step() {
        let pts = [(0, 1.0), (5, 3.0), (10, 10.0), (19, 20.0), (30, 7.0)];
        assert_eq!(
            bucket(&pts, 0, 10, Aggregate::Avg),
            vec![(0, 2.0), (10, 15.0), (30, 7.0)]
        );
        assert_eq!(
            bucket(&pts, 0, 10, Aggregate::Max),
            vec![(0, 3.0), (10, 20.0), (30, 7.0)]
        );
        assert_eq!(
            bucket(&pts, 0, 10, Aggregate::Sum),
            vec![(0, 4.0), (10, 30.0), (30, 7.0)]
        );
        assert_eq!(
            bucket(&pts, 0, 10, Aggregate::Last),
            vec![(0, 3.0), (10, 20.0), (30, 7.0)]
        );
        assert_eq!(
            bucket(&pts, 0, 10, Aggregate::Min),
            vec![(0, 1.0), (10, 10.0), (30, 7.0)]
        );
    }
}
