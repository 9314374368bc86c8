//! Audit records: append inside the caller's transaction, list, verify.

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{now_ms, StoreError};
use crate::audit::checkpoint::{CheckpointFile, Head};
use crate::audit::{self, AuditEntry, ChainKey, Source, StoredRecord, Verdict, Verifier};
use crate::seal::{SealedValue, Sealer};

/// What appending needs: the chain key and the sealer for source addresses.
pub struct AuditKeys {
    pub chain: ChainKey,
    /// The chain MAC keyed with `chain`, set up once for every append.
    pub linker: audit::Linker,
    pub sealer: std::sync::Arc<Sealer>,
}

/// The sealing context of a source address sealed for one record.
fn source_context(seq: i64) -> Vec<u8> {
    format!("audit.source:{seq}").into_bytes()
}

/// The sealing context of a source address sealed once for a connection.
const CONNECTION_SOURCE_CONTEXT: &[u8] = b"audit.source:connection";

/// Seals a client address once for all the records of one connection
/// ([`Source::Sealed`]).
pub fn seal_connection_source(sealer: &Sealer, addr: &str) -> Result<Source, StoreError> {
    Ok(Source::Sealed(
        sealer
            .seal(CONNECTION_SOURCE_CONTEXT, addr.as_bytes())?
            .into_bytes()
            .into(),
    ))
}

/// Opens a stored source address, sealed for its connection or (agent
/// requests, and records written before connections sealed once) for its
/// record.
fn open_source(sealer: &Sealer, seq: i64, sealed: &[u8]) -> Option<String> {
    let sealed = SealedValue::from_bytes(sealed.to_vec());
    sealer
        .open(CONNECTION_SOURCE_CONTEXT, &sealed)
        .or_else(|_| sealer.open(&source_context(seq), &sealed))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

/// The chain's last record (or the retention anchor, or genesis): the seq
/// and hash the next record links to. The hash is taken as stored: a
/// tampered one breaks the chain where `verify` will report it.
fn tip(conn: &Connection) -> Result<(i64, Vec<u8>), StoreError> {
    let last: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match last {
        Some(t) => t,
        None => anchor(conn)?
            .map(|(s, h)| (s, h.to_vec()))
            .unwrap_or((0, audit::GENESIS.to_vec())),
    })
}

/// Appends one record in the caller's transaction and returns the new head.
/// Callers run their change and this in one transaction: if this fails, the
/// change rolls back with it (fail closed).
pub fn append(conn: &Connection, keys: &AuditKeys, e: &AuditEntry) -> Result<Head, StoreError> {
    let (seq, hash) = tip(conn)?;
    let mut insert = insert_statement(conn)?;
    append_after(&mut insert, keys, seq, &hash, e)
}

fn insert_statement(conn: &Connection) -> Result<rusqlite::CachedStatement<'_>, StoreError> {
    Ok(conn.prepare_cached(
        "INSERT INTO audit (seq, time_ms, actor, role, source, action, target, outcome, request_id, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?)
}

fn append_after(
    insert: &mut rusqlite::Statement<'_>,
    keys: &AuditKeys,
    prev_seq: i64,
    prev_hash: &[u8],
    e: &AuditEntry,
) -> Result<Head, StoreError> {
    let seq = prev_seq + 1;
    let per_record;
    let source: Option<&[u8]> = match &e.source {
        Some(Source::Addr(addr)) => {
            per_record = keys
                .sealer
                .seal(&source_context(seq), addr.as_bytes())?
                .into_bytes();
            Some(&per_record)
        }
        Some(Source::Sealed(sealed)) => Some(sealed),
        None => None,
    };
    let time_ms = now_ms();
    let outcome = e.outcome.as_str();
    let hash = keys.linker.link_ref(
        prev_hash,
        &audit::RecordRef {
            seq,
            time_ms,
            actor: e.actor.as_bytes(),
            role: e.role.as_bytes(),
            source,
            action: e.action.as_bytes(),
            target: e.target.as_bytes(),
            outcome: outcome.as_bytes(),
            request_id: e.request_id.as_bytes(),
            hash: &[],
        },
    );
    insert
        .execute(params![
            seq,
            time_ms,
            e.actor,
            e.role,
            source,
            e.action,
            e.target,
            outcome,
            e.request_id,
            &hash[..]
        ])
        .map_err(|e| StoreError::Audit(format!("audit record not written: {e}")))?;
    Ok(Head { seq, hash })
}

/// Appends in the store writer's transaction and notes the new head, so
/// the writer moves the checkpoint once the commit is durable.
pub fn append_tracked(
    conn: &Connection,
    cache: &mut super::WriterCache,
    keys: &AuditKeys,
    e: &AuditEntry,
) -> Result<(), StoreError> {
    append_all_tracked(conn, cache, keys, [e])
}

/// As [`append_tracked`] for `entries` in order, looking the chain's tip up
/// once for all of them.
pub fn append_all_tracked<'a>(
    conn: &Connection,
    cache: &mut super::WriterCache,
    keys: &AuditKeys,
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<(), StoreError> {
    let (mut seq, mut hash) = tip(conn)?;
    let mut insert = insert_statement(conn)?;
    for e in entries {
        let head = append_after(&mut insert, keys, seq, &hash, e)?;
        seq = head.seq;
        hash.clear();
        hash.extend_from_slice(&head.hash);
        cache.audit_head = Some(head);
    }
    Ok(())
}

/// The anchor left by retention (none until retention removes records).
fn anchor(_conn: &Connection) -> Result<Option<(i64, [u8; 32])>, StoreError> {
    Ok(None)
}

fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRecord> {
    Ok(StoredRecord {
        seq: r.get(0)?,
        time_ms: r.get(1)?,
        actor: r.get(2)?,
        role: r.get(3)?,
        source: r.get(4)?,
        action: r.get(5)?,
        target: r.get(6)?,
        outcome: r.get(7)?,
        request_id: r.get(8)?,
        hash: r.get(9)?,
    })
}

const COLUMNS: &str =
    "seq, time_ms, actor, role, source, action, target, outcome, request_id, hash";

/// Walks the whole chain and the checkpoint.
pub fn verify(
    conn: &Connection,
    key: &ChainKey,
    checkpoint: &CheckpointFile,
) -> Result<Verdict, StoreError> {
    let cp = match checkpoint.read() {
        Ok(cp) => cp,
        Err(e) => {
            return Ok(Verdict::Broken {
                first_broken_seq: 0,
                reason: e.to_string(),
            })
        }
    };
    let mut v = Verifier::new(key, anchor(conn)?, cp);
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        // Each column must have the type it was written with; anything else
        // is tampering, reported at this record.
        let text = |i: usize| -> rusqlite::Result<Option<&[u8]>> {
            Ok(match row.get_ref(i)? {
                ValueRef::Text(t) => Some(t),
                _ => None,
            })
        };
        let blob = |i: usize| -> rusqlite::Result<Option<&[u8]>> {
            Ok(match row.get_ref(i)? {
                ValueRef::Blob(b) => Some(b),
                _ => None,
            })
        };
        let seq: i64 = row.get(0)?;
        let source = match row.get_ref(4)? {
            ValueRef::Null => Some(None),
            ValueRef::Blob(b) => Some(Some(b)),
            _ => None,
        };
        let fields = (|| {
            Some(audit::RecordRef {
                seq,
                time_ms: match row.get_ref(1).ok()? {
                    ValueRef::Integer(t) => t,
                    _ => return None,
                },
                actor: text(2).ok()??,
                role: text(3).ok()??,
                source: source?,
                action: text(5).ok()??,
                target: text(6).ok()??,
                outcome: text(7).ok()??,
                request_id: text(8).ok()??,
                hash: blob(9).ok()??,
            })
        })();
        let Some(r) = fields else {
            v.mark_broken(seq, "a field has the wrong type");
            break;
        };
        if !v.feed_ref(&r) {
            break;
        }
    }
    Ok(v.finish())
}

/// Filter for the audit report.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Return records with `seq` greater than this (pagination cursor).
    pub after_seq: i64,
    pub limit: u32,
}

/// One row of the audit report, source address opened.
#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub time: i64,
    pub actor: String,
    pub role: String,
    pub source: Option<String>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub request_id: String,
}

pub fn list(
    conn: &Connection,
    sealer: &Sealer,
    f: &AuditFilter,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM audit
         WHERE seq > ?1
           AND (?2 IS NULL OR actor = ?2)
           AND (?3 IS NULL OR action = ?3 OR action LIKE ?3 || '.%')
           AND (?4 IS NULL OR outcome = ?4)
           AND (?5 IS NULL OR time_ms >= ?5)
           AND (?6 IS NULL OR time_ms <= ?6)
         ORDER BY seq LIMIT ?7"
    ))?;
    let rows = stmt.query_map(
        params![
            f.after_seq,
            f.actor,
            f.action,
            f.outcome,
            f.from_ms,
            f.to_ms,
            f.limit
        ],
        row_to_record,
    )?;
    let mut out = Vec::new();
    for r in rows {
        let r = r?;
        let source = r
            .source
            .as_ref()
            .map(|s| open_source(sealer, r.seq, s).unwrap_or_else(|| "(unreadable)".into()));
        out.push(AuditRow {
            seq: r.seq,
            time: r.time_ms,
            actor: r.actor,
            role: r.role,
            source,
            action: r.action,
            target: r.target,
            outcome: r.outcome,
            request_id: r.request_id,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::audit::Outcome;
    use crate::datadir::DataDir;

    fn entry(source: Option<Source>) -> AuditEntry {
        AuditEntry {
            actor: "user:1".into(),
            role: "admin",
            source,
            action: "auth.me",
            target: "/v1/auth/me".into(),
            outcome: Outcome::Ok,
            request_id: "r".into(),
        }
    }

    #[test]
    fn sources_sealed_per_record_and_per_connection_both_open() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::open_rw(&dir.path().join("vigil.db")).unwrap();
        let sealer = Arc::new(Sealer::ephemeral());
        let keys = DataDir::audit_keys(&sealer);
        let connection = seal_connection_source(&sealer, "192.0.2.8").unwrap();
        for source in [
            Some(Source::Addr("192.0.2.7".into())),
            Some(connection.clone()),
            Some(connection),
            None,
        ] {
            append(&conn, &keys, &entry(source)).unwrap();
        }
        let filter = AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        };
        let sources: Vec<_> = list(&conn, &sealer, &filter)
            .unwrap()
            .into_iter()
            .map(|r| r.source)
            .collect();
        let addr = |a: &str| Some(a.to_owned());
        assert_eq!(
            sources,
            [
                addr("192.0.2.7"),
                addr("192.0.2.8"),
                addr("192.0.2.8"),
                None
            ]
        );
        // One connection's records share their sealed bytes; nothing else
        // about the address shows.
        let stored: Vec<Option<Vec<u8>>> = conn
            .prepare("SELECT source FROM audit ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(stored[1], stored[2]);
        assert_ne!(stored[0], stored[1]);
        assert!(stored[1]
            .as_deref()
            .is_some_and(|b| !b.windows(9).any(|w| w == b"192.0.2.8")));
    }
}
