//! Users, sessions and API tokens. Passwords arrive here already hashed;
//! tokens only as SHA-256 hashes.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{now_ms, StoreError};

#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub failed_logins: i64,
    pub locked_until_ms: Option<i64>,
    pub disabled: bool,
}

const USER_COLUMNS: &str =
    "id, username, password_hash, role, failed_logins, locked_until_ms, disabled";

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        username: r.get(1)?,
        password_hash: r.get(2)?,
        role: r.get(3)?,
        failed_logins: r.get(4)?,
        locked_until_ms: r.get(5)?,
        disabled: r.get(6)?,
    })
}

pub fn insert_user(
    conn: &Connection,
    username: &str,
    password_hash: &str,
    role: &str,
) -> Result<i64, StoreError> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT id FROM users WHERE username = ?1",
            [username],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::Conflict("a user with this name exists".into()));
    }
    conn.execute(
        "INSERT INTO users (username, password_hash, role, created_ms) VALUES (?1, ?2, ?3, ?4)",
        params![username, password_hash, role, now_ms()],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn user_by_name(conn: &Connection, username: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = ?1"
        ))?
        .query_row([username], user_row)
        .optional()?)
}

pub fn user_by_id(conn: &Connection, id: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], user_row)
        .optional()?)
}

/// Counts a failed login; locks the account for `lockout_ms` once
/// `max_failures` is reached. Returns true if this failure locked it.
pub fn record_failed_login(
    conn: &Connection,
    id: i64,
    max_failures: u32,
    lockout_ms: i64,
) -> Result<bool, StoreError> {
    let failures: i64 = conn.query_row(
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?1 RETURNING failed_logins",
        [id],
        |r| r.get(0),
    )?;
    if failures >= i64::from(max_failures) {
        conn.execute(
            "UPDATE users SET locked_until_ms = ?1, failed_logins = 0 WHERE id = ?2",
            params![now_ms() + lockout_ms, id],
        )?;
        return Ok(true);
    }
    Ok(false)
}

pub fn reset_failed_logins(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Clears a lockout. Returns the user's id, or None if there is no such user.
pub fn unlock(conn: &Connection, username: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE username = ?1 RETURNING id",
            [username],
            |r| r.get(0),
        )
        .optional()?)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    Api,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
        }
    }
}

pub fn insert_token(
    conn: &Connection,
    token_hash: &[u8],
    user_id: i64,
    kind: TokenKind,
    name: Option<&str>,
    expires_ms: i64,
) -> Result<(), StoreError> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO tokens (token_hash, user_id, kind, name, created_ms, expires_ms, last_used_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
        params![token_hash, user_id, kind.as_str(), name, now, expires_ms],
    )?;
    Ok(())
}

/// A token as found by its hash.
#[derive(Clone, Debug)]
pub struct TokenRow {
    pub user_id: i64,
    pub role: String,
    pub kind: TokenKind,
    pub expires_ms: i64,
    pub last_used_ms: i64,
    pub revoked: bool,
    pub user_disabled: bool,
}

pub fn token(conn: &Connection, token_hash: &[u8]) -> Result<Option<TokenRow>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT t.user_id, u.role, t.kind, t.expires_ms, t.last_used_ms, t.revoked_ms IS NOT NULL, u.disabled
             FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1",
        )?
        .query_row([token_hash], |r| {
            Ok(TokenRow {
                user_id: r.get(0)?,
                role: r.get(1)?,
                kind: if r.get::<_, String>(2)? == "api" {
                    TokenKind::Api
                } else {
                    TokenKind::Session
                },
                expires_ms: r.get(3)?,
                last_used_ms: r.get(4)?,
                revoked: r.get(5)?,
                user_disabled: r.get(6)?,
            })
        })
        .optional()?)
}

/// Records use of a token (coarsely: at most every 10 s, to spare writes).
pub fn touch_token(conn: &Connection, token_hash: &[u8]) -> Result<(), StoreError> {
    let now = now_ms();
    conn.prepare_cached(
        "UPDATE tokens SET last_used_ms = ?1 WHERE token_hash = ?2 AND last_used_ms < ?1 - 10000",
    )?
    .execute(params![now, token_hash])?;
    Ok(())
}

pub fn revoke_token(conn: &Connection, token_hash: &[u8]) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE tokens SET revoked_ms = ?1 WHERE token_hash = ?2 AND revoked_ms IS NULL",
        params![now_ms(), token_hash],
    )? > 0)
}

#[derive(Clone, Debug, Serialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub locked: bool,
    pub disabled: bool,
}

pub fn list_users(conn: &Connection) -> Result<Vec<UserSummary>, StoreError> {
    let now = now_ms();
    let mut stmt = conn.prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))?;
    let rows = stmt.query_map([], user_row)?;
    let mut out = Vec::new();
    for r in rows {
        let u = r?;
        out.push(UserSummary {
            id: u.id,
            username: u.username,
            role: u.role,
            locked: u.locked_until_ms.is_some_and(|t| t > now),
            disabled: u.disabled,
        });
    }
    Ok(out)
}
