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
            "SELECT {USER_COLUMNS} FROM users WHERE username = ?1 AND deleted_ms IS NULL"
        ))?
        .query_row([username], user_row)
        .optional()?)
}

pub fn user_by_id(conn: &Connection, id: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = ?1 AND deleted_ms IS NULL"
        ))?
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
    pub fn as_str(self) -> &'static str {
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
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE deleted_ms IS NULL ORDER BY id"
    ))?;
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

/// Enabled admins (the last one can be neither deleted, disabled nor demoted).
pub fn count_active_admins(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND deleted_ms IS NULL",
        [],
        |r| r.get(0),
    )?)
}

/// Refuses a change that would leave no enabled admin.
pub fn ensure_not_last_admin(conn: &Connection, user: &UserRow) -> Result<(), StoreError> {
    if user.role == "admin" && !user.disabled && count_active_admins(conn)? <= 1 {
        return Err(StoreError::Conflict(
            "this is the last enabled admin; make another admin first".into(),
        ));
    }
    Ok(())
}

pub fn set_role(conn: &Connection, id: i64, role: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE users SET role = ?1 WHERE id = ?2",
        params![role, id],
    )?;
    Ok(())
}

pub fn set_disabled(conn: &Connection, id: i64, disabled: bool) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE users SET disabled = ?1 WHERE id = ?2",
        params![disabled, id],
    )?;
    Ok(())
}

pub fn set_password_hash(conn: &Connection, id: i64, hash: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE users SET password_hash = ?1, failed_logins = 0, locked_until_ms = NULL WHERE id = ?2",
        params![hash, id],
    )?;
    Ok(())
}

/// Revokes every live token (sessions and API tokens) of a user.
pub fn revoke_user_tokens(conn: &Connection, user_id: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE tokens SET revoked_ms = ?1 WHERE user_id = ?2 AND revoked_ms IS NULL",
        params![now_ms(), user_id],
    )?)
}

/// Deletes a user: the row stays (so audit records naming `user:<id>` keep
/// meaning one person and ids are never reused) but loses its name and
/// password hash; tokens are revoked, group memberships and pending role
/// requests end.
pub fn delete_user(conn: &Connection, id: i64) -> Result<(), StoreError> {
    revoke_user_tokens(conn, id)?;
    conn.execute("DELETE FROM user_groups WHERE user_id = ?1", [id])?;
    conn.execute(
        "UPDATE role_requests SET status = 'cancelled', decided_ms = ?1
         WHERE user_id = ?2 AND status = 'pending'",
        params![now_ms(), id],
    )?;
    conn.execute(
        "UPDATE users SET username = 'deleted:' || id, password_hash = '', disabled = 1,
             failed_logins = 0, locked_until_ms = NULL, deleted_ms = ?1 WHERE id = ?2",
        params![now_ms(), id],
    )?;
    Ok(())
}

// ---- two-person rule ----

/// What a pending request does when approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A new user created with a guarded role: approval enables the user.
    Create,
    /// An existing user's role change: approval sets the role.
    Grant,
}

impl RequestKind {
    fn as_str(self) -> &'static str {
        match self {
            RequestKind::Create => "create",
            RequestKind::Grant => "grant",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RoleRequest {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub kind: RequestKind,
    pub requested_by: i64,
    pub created_ms: i64,
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_ms: Option<i64>,
}

pub fn insert_role_request(
    conn: &Connection,
    user_id: i64,
    role: &str,
    kind: RequestKind,
    requested_by: i64,
) -> Result<i64, StoreError> {
    conn.execute(
        "UPDATE role_requests SET status = 'superseded', decided_ms = ?1
         WHERE user_id = ?2 AND status = 'pending'",
        params![now_ms(), user_id],
    )?;
    conn.execute(
        "INSERT INTO role_requests (user_id, role, kind, requested_by, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, role, kind.as_str(), requested_by, now_ms()],
    )?;
    Ok(conn.last_insert_rowid())
}

const REQUEST_COLUMNS: &str =
    "id, user_id, role, kind, requested_by, created_ms, status, decided_by, decided_ms";

fn request_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RoleRequest> {
    Ok(RoleRequest {
        id: r.get(0)?,
        user_id: r.get(1)?,
        role: r.get(2)?,
        kind: if r.get::<_, String>(3)? == "create" {
            RequestKind::Create
        } else {
            RequestKind::Grant
        },
        requested_by: r.get(4)?,
        created_ms: r.get(5)?,
        status: r.get(6)?,
        decided_by: r.get(7)?,
        decided_ms: r.get(8)?,
    })
}

pub fn list_role_requests(conn: &Connection) -> Result<Vec<RoleRequest>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {REQUEST_COLUMNS} FROM role_requests ORDER BY id DESC LIMIT 1000"
    ))?;
    let rows = stmt.query_map([], request_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn role_request(conn: &Connection, id: i64) -> Result<Option<RoleRequest>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {REQUEST_COLUMNS} FROM role_requests WHERE id = ?1"),
            [id],
            request_row,
        )
        .optional()?)
}

pub fn has_pending_create(conn: &Connection, user_id: i64) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM role_requests WHERE user_id = ?1 AND kind = 'create' AND status = 'pending'",
            [user_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Marks a pending request approved or rejected.
pub fn decide_role_request(
    conn: &Connection,
    id: i64,
    status: &str,
    decided_by: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE role_requests SET status = ?1, decided_by = ?2, decided_ms = ?3
         WHERE id = ?4 AND status = 'pending'",
        params![status, decided_by, now_ms(), id],
    )?;
    Ok(())
}

// ---- API tokens ----

/// The public id of a token: the first 8 bytes of its hash, in hex (the
/// hash of 256 random bits reveals nothing about the token).
pub fn token_id(token_hash: &[u8]) -> String {
    hex::encode(&token_hash[..token_hash.len().min(8)])
}

#[derive(Clone, Debug, Serialize)]
pub struct ApiTokenRow {
    pub id: String,
    pub user_id: i64,
    pub name: Option<String>,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub last_used_ms: i64,
    pub revoked: bool,
}

/// API tokens of `user` (or of everyone when `None`).
pub fn list_api_tokens(
    conn: &Connection,
    user: Option<i64>,
) -> Result<Vec<ApiTokenRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT token_hash, user_id, name, created_ms, expires_ms, last_used_ms, revoked_ms IS NOT NULL
         FROM tokens WHERE kind = 'api' AND (?1 IS NULL OR user_id = ?1) ORDER BY created_ms",
    )?;
    let rows = stmt.query_map([user], |r| {
        Ok(ApiTokenRow {
            id: token_id(&r.get::<_, Vec<u8>>(0)?),
            user_id: r.get(1)?,
            name: r.get(2)?,
            created_ms: r.get(3)?,
            expires_ms: r.get(4)?,
            last_used_ms: r.get(5)?,
            revoked: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes an API token by id, limited to `user`'s tokens unless `None`.
/// Returns false if no such live token.
pub fn revoke_api_token(
    conn: &Connection,
    id: &str,
    user: Option<i64>,
) -> Result<bool, StoreError> {
    let Ok(prefix) = hex::decode(id) else {
        return Ok(false);
    };
    if prefix.len() != 8 {
        return Ok(false);
    }
    Ok(conn.execute(
        "UPDATE tokens SET revoked_ms = ?1
         WHERE kind = 'api' AND substr(token_hash, 1, 8) = ?2 AND (?3 IS NULL OR user_id = ?3)
           AND revoked_ms IS NULL",
        params![now_ms(), prefix, user],
    )? > 0)
}
