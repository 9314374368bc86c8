//! Everything a request handler may reach, built once at start-up.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{oneshot, watch};

use vigil_shared::wire::AgentId;

use crate::audit::AuditEntry;
use crate::config::ServerConfig;
use crate::pki::Pki;
use crate::seal::Sealer;
use crate::store::audit::AuditKeys;
use crate::store::{self, run_in_savepoint, settle, Durability, Store, StoreError, Work};

/// Where audit records for reads and refusals go. Changes write their
/// record in their own transaction (see handlers); this is for the rest.
pub trait AuditSink: Send + Sync {
    fn append(
        &self,
        entry: AuditEntry,
    ) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>;
}

/// The real sink. Records queue here; the first record of an empty queue
/// starts a task that submits one writer job ([`StoreAuditSink::submit_batch`]),
/// which takes every record queued by the time it runs and appends them
/// all in one savepoint of the store's next group commit; each caller
/// hears back after that commit. Batching keeps the
/// cost per record to the record itself (one tip look-up, one savepoint,
/// one wake-up of the writer and one settled outcome per batch, not per
/// request).
///
/// Commits are relaxed (see [`Durability::Relaxed`]): these records change
/// no state, and an fsync per read would cap the API at the disk's sync rate.
pub struct StoreAuditSink {
    store: Store,
    keys: Arc<AuditKeys>,
    queue: Arc<Mutex<Option<Batch>>>,
}

/// Records waiting for the writer, and the outcome their callers wait for
/// (set once, after the commit that holds them; dropped unset if the
/// writer is gone).
struct Batch {
    entries: Vec<AuditEntry>,
    settled: Settled,
}

type Settled = watch::Sender<Option<Result<(), String>>>;

impl StoreAuditSink {
    pub fn new(store: Store, keys: Arc<AuditKeys>) -> StoreAuditSink {
        StoreAuditSink {
            store,
            keys,
            queue: Arc::default(),
        }
    }

    /// The writer job that drains the queue. Its completion hands the
    /// batch's outcome to `done`; the caller settles the batch from there.
    fn batch_job(&self, done: oneshot::Sender<(Settled, Result<(), String>)>) -> Work {
        let (queue, keys) = (self.queue.clone(), self.keys.clone());
        Box::new(move |tx, cache| {
            let batch = queue.lock().unwrap_or_else(|p| p.into_inner()).take();
            let Some(Batch { entries, settled }) = batch else {
                return Box::new(|_: Option<&StoreError>| {});
            };
            let result = run_in_savepoint(tx, cache, |tx, cache| {
                store::audit::append_all_tracked(tx, cache, &keys, &entries)
            });
            Box::new(move |commit_err| {
                let outcome = settle(result, commit_err).map_err(|e| e.to_string());
                if let Err((settled, outcome)) = done.send((settled, outcome)) {
                    settled.send_replace(Some(outcome));
                }
            })
        })
    }

    /// Submits the queued batch and settles it once committed. Runs as a
    /// task of its own, not in the caller's future: a caller that goes away
    /// must not strand the records queued behind its own.
    ///
    /// It first yields once, so the requests already runnable reach their
    /// audit step and join this batch: under load one commit takes dozens
    /// of records instead of a handful; with nothing else to run it submits
    /// at once. The writer thread wakes only this task; the batch's callers
    /// are woken from here, on the runtime, where a wake is a push onto a
    /// local run queue rather than a cross-thread signal per caller.
    async fn submit_batch(
        store: Store,
        job: Work,
        done: oneshot::Receiver<(Settled, Result<(), String>)>,
    ) {
        tokio::task::yield_now().await;
        store.submit(Durability::Relaxed, job);
        if let Ok((settled, outcome)) = done.await {
            settled.send_replace(Some(outcome));
        }
    }
}

impl AuditSink for StoreAuditSink {
    fn append(
        &self,
        entry: AuditEntry,
    ) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>> {
        let (mut settled, leader) = {
            let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            let leader = queue.is_none();
            let batch = queue.get_or_insert_with(|| Batch {
                entries: Vec::new(),
                settled: watch::channel(None).0,
            });
            batch.entries.push(entry);
            (batch.settled.subscribe(), leader)
        };
        if leader {
            let (done, settled_by) = oneshot::channel();
            let job = self.batch_job(done);
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    rt.spawn(Self::submit_batch(self.store.clone(), job, settled_by));
                }
                // Outside a runtime (no task to settle from): the writer's
                // completion settles the batch itself.
                Err(_) => self.store.submit(Durability::Relaxed, job),
            }
        }
        Box::pin(async move {
            let outcome = settled
                .wait_for(Option::is_some)
                .await
                .map_err(|_| StoreError::WriterGone)?
                .clone();
            match outcome {
                Some(Ok(())) => Ok(()),
                Some(Err(e)) => Err(StoreError::Audit(e)),
                None => Err(StoreError::WriterGone),
            }
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
