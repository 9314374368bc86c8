//! Local administration commands that work on the data directory directly
//! (the host's operator, not the API). Each one is audited like an API
//! request, with actor `cli`, in the same transaction as its change.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use rusqlite::TransactionBehavior;

use crate::audit::{AuditEntry, Outcome, Verdict};
use crate::auth::token;
use crate::datadir::DataDir;
use crate::pki::Pki;
use crate::store::{self, now_ms};

fn cli_entry(action: &'static str, target: String, outcome: Outcome) -> AuditEntry {
    AuditEntry {
        actor: "cli".into(),
        role: "local",
        source: None,
        action,
        target,
        outcome,
        request_id: String::new(),
    }
}

/// Runs `f` and its audit record in one immediate transaction, then moves
/// the checkpoint forward. The chain never forks: the transaction holds
/// SQLite's write lock from the read of the head to the commit.
fn audited<T>(
    data_dir: &Path,
    action: &'static str,
    f: impl FnOnce(&rusqlite::Connection) -> anyhow::Result<(T, String, Outcome)>,
) -> anyhow::Result<T> {
    let dir = DataDir::new(data_dir);
    let sealer = dir.sealer()?;
    let keys = DataDir::audit_keys(&sealer);
    let mut conn = store::open_existing(&dir.db())?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (value, target, outcome) = f(&tx)?;
    let head = store::audit::append(&tx, &keys, &cli_entry(action, target, outcome))?;
    tx.commit()?;
    dir.checkpoint(&sealer).advance(&head)?;
    Ok(value)
}

/// `vigil-server token create`: a single-use enrollment token.
pub fn token_create(data_dir: &Path, ttl: Duration) -> anyhow::Result<(String, i64)> {
    let tok = token::generate("vge_");
    let th = token::hash(&tok);
    let expires_ms = now_ms() + ttl.as_millis() as i64;
    audited(data_dir, "enrollment_tokens.create", |c| {
        store::agents::insert_enrollment_token(c, &th, expires_ms)?;
        Ok(((), "enrollment_token".into(), Outcome::Ok))
    })?;
    Ok((tok, expires_ms))
}

/// `vigil-server ca-fingerprint`.
pub fn ca_fingerprint(data_dir: &Path) -> anyhow::Result<String> {
    let dir = DataDir::new(data_dir);
    let sealer = dir.sealer()?;
    let fp = Pki::load(&dir.pki(), &sealer)?.ca_fingerprint();
    audited(data_dir, "ca.fingerprint", |_| {
        Ok(((), String::new(), Outcome::Ok))
    })?;
    Ok(fp)
}

/// `vigil-server user unlock`: clears a lockout (so the last admin can
/// never be locked out for good).
pub fn user_unlock(data_dir: &Path, username: &str) -> anyhow::Result<()> {
    let found = audited(data_dir, "users.unlock", |c| {
        Ok(match store::users::unlock(c, username)? {
            Some(id) => (true, format!("user:{id}"), Outcome::Ok),
            None => (false, String::new(), Outcome::Error),
        })
    })?;
    if !found {
        bail!("no user with that name");
    }
    Ok(())
}

/// `vigil-server audit verify`: walks the chain and the checkpoint.
pub fn audit_verify(data_dir: &Path) -> anyhow::Result<Verdict> {
    let dir = DataDir::new(data_dir);
    let sealer = dir.sealer()?;
    let conn = store::open_existing(&dir.db()).context("opening the database")?;
    let verdict = store::audit::verify(
        &conn,
        &DataDir::chain_key(&sealer),
        &dir.checkpoint(&sealer),
    )?;
    drop(conn);
    // Recording the verification appends to the chain, so only an intact
    // chain is extended; a broken one is left exactly as found.
    if matches!(verdict, Verdict::Intact { .. }) {
        audited(data_dir, "audit.verify", |_| {
            Ok(((), String::new(), Outcome::Ok))
        })?;
    }
    Ok(verdict)
}
