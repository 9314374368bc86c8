//! Everything a request handler may reach, built once at start-up.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use vigil_shared::wire::AgentId;

use crate::audit::AuditEntry;
use crate::config::ServerConfig;
use crate::pki::Pki;
use crate::seal::Sealer;
use crate::store::audit::AuditKeys;
use crate::store::{Durability, Store, StoreError};

/// Where audit records for reads and refusals go. Changes write their
/// record in their own transaction (see handlers); this is for the rest.
pub trait AuditSink: Send + Sync {
    fn append(
        &self,
        entry: AuditEntry,
    ) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>;
}

/// The real sink: one record in the store's next group commit, relaxed
/// (see [`Durability::Relaxed`]): these records change no state, and an
/// fsync per read would cap the API at the disk's sync rate.
pub struct StoreAuditSink {
    pub store: Store,
    pub keys: Arc<AuditKeys>,
}

impl AuditSink for StoreAuditSink {
    fn append(
        &self,
        entry: AuditEntry,
    ) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>> {
        let store = self.store.clone();
        let keys = self.keys.clone();
        Box::pin(async move {
            store
                .write_with(Durability::Relaxed, move |tx, cache| {
                    crate::store::audit::append_tracked(tx, cache, &keys, &entry)?;
                    Ok(())
                })
                .await
        })
    }
}

/// The collector's own counters, exposed at `/metrics`.
#[derive(Default)]
pub struct Counters {
    pub batches_committed: AtomicU64,
    pub batches_duplicate: AtomicU64,
    pub samples: AtomicU64,
    pub changes: AtomicU64,
    pub agent_records_dropped: AtomicU64,
    pub rejects_malformed: AtomicU64,
    pub rejects_too_large: AtomicU64,
    pub rejects_version: AtomicU64,
    pub rejects_auth: AtomicU64,
    pub rejects_overload: AtomicU64,
    pub enrollments: AtomicU64,
    pub renewals: AtomicU64,
    pub ingest_in_flight: AtomicU64,
}

impl Counters {
    pub fn inc(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }
}

pub struct Inner {
    pub data_dir: std::path::PathBuf,
    pub store: Store,
    pub sealer: Arc<Sealer>,
    pub audit_keys: Arc<AuditKeys>,
    pub audit: Arc<dyn AuditSink>,
    pub pki: Pki,
    pub config: ServerConfig,
    /// Revoked agents, loaded at start and updated on revocation; checked
    /// on every agent request after the TLS handshake.
    pub revoked: RwLock<HashSet<AgentId>>,
    pub counters: Counters,
    /// Verified against when a username does not exist (equal timing).
    pub dummy_hash: String,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub fn is_revoked(&self, id: &AgentId) -> bool {
        self.revoked.read().map(|r| r.contains(id)).unwrap_or(true)
    }
}
