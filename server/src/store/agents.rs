//! Agents and enrollment tokens.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use vigil_shared::wire::{AgentId, HostInfo};

use super::{now_ms, StoreError};

/// Why an enrollment token was refused. Deliberately not shown to the
/// caller in detail (all are `invalid_token`), but audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRefusal {
    Unknown,
    Used,
    Expired,
}

impl TokenRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenRefusal::Unknown => "unknown",
            TokenRefusal::Used => "used",
            TokenRefusal::Expired => "expired",
        }
    }
}

pub fn insert_enrollment_token(
    conn: &Connection,
    token_hash: &[u8],
    expires_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO enrollment_tokens (token_hash, created_ms, expires_ms) VALUES (?1, ?2, ?3)",
        params![token_hash, now_ms(), expires_ms],
    )?;
    Ok(())
}

/// Marks a token used by `agent`, if it is known, unused and unexpired.
pub fn consume_enrollment_token(
    conn: &Connection,
    token_hash: &[u8],
    agent: &AgentId,
) -> Result<Result<(), TokenRefusal>, StoreError> {
    let row: Option<(i64, Option<i64>)> = conn
        .query_row(
            "SELECT expires_ms, used_ms FROM enrollment_tokens WHERE token_hash = ?1",
            [token_hash],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let now = now_ms();
    match row {
        None => Ok(Err(TokenRefusal::Unknown)),
        Some((_, Some(_))) => Ok(Err(TokenRefusal::Used)),
        Some((expires, None)) if expires <= now => Ok(Err(TokenRefusal::Expired)),
        Some(_) => {
            conn.execute(
                "UPDATE enrollment_tokens SET used_ms = ?1, used_by = ?2 WHERE token_hash = ?3",
                params![now, agent.as_str(), token_hash],
            )?;
            Ok(Ok(()))
        }
    }
}

pub fn insert_agent(
    conn: &Connection,
    id: &AgentId,
    host: &HostInfo,
    cert_not_after_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO agents (id, hostname, os, kernel, agent_version, enrolled_ms, cert_not_after_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id.as_str(),
            host.hostname,
            host.os,
            host.kernel,
            host.agent_version,
            now_ms(),
            cert_not_after_ms
        ],
    )?;
    Ok(())
}

pub fn set_cert_expiry(
    conn: &Connection,
    id: &AgentId,
    cert_not_after_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE agents SET cert_not_after_ms = ?1 WHERE id = ?2",
        params![cert_not_after_ms, id.as_str()],
    )?;
    Ok(())
}

/// Revokes an agent. Returns false if there is no such agent.
pub fn revoke(conn: &Connection, id: &AgentId) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE agents SET revoked_ms = COALESCE(revoked_ms, ?1) WHERE id = ?2",
        params![now_ms(), id.as_str()],
    )?;
    Ok(n > 0)
}

/// Ids of every revoked agent (loaded into memory at start).
pub fn revoked_ids(conn: &Connection) -> Result<Vec<AgentId>, StoreError> {
    let mut stmt = conn.prepare("SELECT id FROM agents WHERE revoked_ms IS NOT NULL")?;
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .filter_map(|r| r.ok().and_then(|s| s.parse().ok()))
        .collect();
    Ok(ids)
}

#[derive(Clone, Debug, Serialize)]
pub struct AgentRow {
    pub id: String,
    pub hostname: String,
    pub enrolled_ms: i64,
    pub cert_not_after_ms: i64,
    pub last_seen_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
}

pub fn list(conn: &Connection) -> Result<Vec<AgentRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, hostname, enrolled_ms, cert_not_after_ms, last_seen_ms, revoked_ms
         FROM agents ORDER BY enrolled_ms",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(AgentRow {
            id: r.get(0)?,
            hostname: r.get(1)?,
            enrolled_ms: r.get(2)?,
            cert_not_after_ms: r.get(3)?,
            last_seen_ms: r.get(4)?,
            revoked_ms: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
