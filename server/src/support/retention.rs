//! The support-bundle retention job: deletes bundles older than
//! `support_retention_seconds`, audits what it deleted (`support.purge`,
//! actor `system`), and makes the erasure real on disk: rows deleted with
//! `secure_delete` on, free pages vacuumed, the WAL checkpointed and
//! truncated.

use std::future::Future;
use std::time::Duration;

use crate::audit::{AuditEntry, Outcome};
use crate::state::AppState;
use crate::store::{self, now_ms, support::PurgeCounts, StoreError};

/// How often the job runs for a retention period: a quarter of it, at most
/// a minute, at least a quarter second.
pub fn interval(retention: Duration) -> Duration {
    (retention / 4).clamp(Duration::from_millis(250), Duration::from_secs(60))
}

/// The audit target of a purge: counts only.
pub fn purge_target(c: &PurgeCounts) -> String {
    format!(
        "support_bundles:bundles={},files={},grants={}",
        c.bundles, c.files, c.grants
    )
}

/// Runs the purge every [`interval`] until `shutdown` resolves.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    let retention = Duration::from_secs(state.config.support_retention_seconds);
    let mut ticker = tokio::time::interval(interval(retention));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticker.tick() => {}
        }
        match purge_once(&state).await {
            Ok(c) if c.bundles > 0 => tracing::info!(
                bundles = c.bundles,
                files = c.files,
                grants = c.grants,
                "support bundles purged after retention"
            ),
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "support bundle purge failed"),
        }
    }
}

/// One purge pass: deletion and its audit record in one transaction.
pub async fn purge_once(state: &AppState) -> Result<PurgeCounts, StoreError> {
    let retention_ms = i64::try_from(state.config.support_retention_seconds)
        .unwrap_or(i64::MAX / 2_000)
        .saturating_mul(1000);
    let cutoff = now_ms().saturating_sub(retention_ms);
    let keys = state.audit_keys.clone();
    let counts = state
        .store
        .write(move |tx, cache| {
            let counts = store::support::purge_received_before(tx, cutoff)?;
            if counts.bundles > 0 {
                let e = AuditEntry {
                    actor: "system".into(),
                    role: "system",
                    source: None,
                    action: "support.purge",
                    target: purge_target(&counts),
                    outcome: Outcome::Ok,
                    request_id: String::new(),
                };
                store::audit::append_tracked(tx, cache, &keys, &e)?;
            }
            Ok(counts)
        })
        .await?;
    if counts.bundles > 0 {
        // Old page images may still sit in the WAL: copy back and truncate.
        let path = state.store.path().to_owned();
        let done =
            tokio::task::spawn_blocking(move || store::support::checkpoint_truncate(&path)).await;
        match done {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "WAL checkpoint after purge failed"),
            Err(error) => tracing::warn!(%error, "WAL checkpoint after purge failed"),
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_is_a_quarter_within_bounds() {
        assert_eq!(
            interval(Duration::from_secs(3 * 24 * 3600)),
            Duration::from_secs(60)
        );
        assert_eq!(interval(Duration::from_secs(2)), Duration::from_millis(500));
        assert_eq!(interval(Duration::ZERO), Duration::from_millis(250));
    }

    #[test]
    fn purge_target_holds_counts_only() {
        let t = purge_target(&PurgeCounts {
            bundles: 2,
            files: 5,
            grants: 1,
        });
        assert_eq!(t, "support_bundles:bundles=2,files=5,grants=1");
    }
}
