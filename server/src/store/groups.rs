//! Host groups: named sets of hosts (agent ids), and which users are
//! scoped to which groups. A user in no group sees every host.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{now_ms, StoreError};

#[derive(Clone, Debug, Serialize)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub hosts: Vec<String>,
    pub users: Vec<i64>,
}

pub fn create(conn: &Connection, name: &str) -> Result<i64, StoreError> {
    let exists = conn
        .query_row("SELECT 1 FROM host_groups WHERE name = ?1", [name], |_| {
            Ok(())
        })
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::Conflict(
            "a host group with this name exists".into(),
        ));
    }
    conn.execute(
        "INSERT INTO host_groups (name, created_ms) VALUES (?1, ?2)",
        params![name, now_ms()],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn exists(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM host_groups WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Deletes a group (its memberships go with it). False if there was none.
pub fn delete(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM host_groups WHERE id = ?1", [id])? > 0)
}

pub fn list(conn: &Connection) -> Result<Vec<GroupRow>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, name FROM host_groups ORDER BY name")?;
    let groups: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut hosts_q = conn.prepare_cached(
        "SELECT agent_id FROM host_group_members WHERE group_id = ?1 ORDER BY agent_id",
    )?;
    let mut users_q = conn
        .prepare_cached("SELECT user_id FROM user_groups WHERE group_id = ?1 ORDER BY user_id")?;
    let mut out = Vec::with_capacity(groups.len());
    for (id, name) in groups {
        let hosts = hosts_q
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let users = users_q
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        out.push(GroupRow {
            id,
            name,
            hosts,
            users,
        });
    }
    Ok(out)
}

/// Adds a host to a group; true if it was not yet a member.
pub fn add_host(conn: &Connection, group: i64, agent: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "INSERT OR IGNORE INTO host_group_members (group_id, agent_id) VALUES (?1, ?2)",
        params![group, agent],
    )? > 0)
}

pub fn remove_host(conn: &Connection, group: i64, agent: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM host_group_members WHERE group_id = ?1 AND agent_id = ?2",
        params![group, agent],
    )? > 0)
}

pub fn add_user(conn: &Connection, group: i64, user: i64) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "INSERT OR IGNORE INTO user_groups (user_id, group_id) VALUES (?1, ?2)",
        params![user, group],
    )? > 0)
}

pub fn remove_user(conn: &Connection, group: i64, user: i64) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM user_groups WHERE user_id = ?1 AND group_id = ?2",
        params![user, group],
    )? > 0)
}

/// The hosts a user may see: `None` if the user is in no group (all
/// hosts), else the union of the hosts of the user's groups.
pub fn user_scope(conn: &Connection, user: i64) -> Result<Option<BTreeSet<String>>, StoreError> {
    let in_any = conn
        .prepare_cached("SELECT 1 FROM user_groups WHERE user_id = ?1 LIMIT 1")?
        .query_row([user], |_| Ok(()))
        .optional()?;
    if in_any.is_none() {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT m.agent_id FROM user_groups u
         JOIN host_group_members m ON m.group_id = u.group_id WHERE u.user_id = ?1",
    )?;
    let hosts = stmt
        .query_map([user], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(hosts))
}
