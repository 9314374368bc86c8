//! `vigil-agent run`: the service.
//!
//! ```text
//! metrics loop ──┐
//! inventory loop ┼─ SpoolHandle::push ─► spool thread (SQLite) ─► ship loop ─► collector
//! (config watch) ┘                                                   ▲
//!                                    renew loop ── new HTTP client ──┘
//! ```
//!
//! All loops run in one task on the caller's runtime (a current-thread
//! runtime is enough); blocking work goes to the blocking pool or the spool
//! thread. On shutdown the loops stop, an in-flight send gets a grace
//! period, and the spool is checkpointed and closed. Un-acknowledged
//! batches stay in the spool and go out again, with the same id, next run.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use vigil_shared::redact::{Redactor, ScopeKey};
use vigil_shared::wire::Record;

use crate::collect::files::FilesConfig;
use crate::collect::inventory::{InventoryCollector, Privacy};
use crate::collect::metrics::MetricsCollector;
use crate::config::AgentConfig;
use crate::enroll::{host_info, normalize_server};
use crate::http::HttpsClient;
use crate::renew::{renew_loop, Renewer};
use crate::ship::ship_loop;
use crate::spool::{SpoolHandle, SpoolLimits, SpoolThread};
use crate::state::{now_ms, StateDir, SPOOL_FILE};
use crate::tls;

/// What `run` needs: the state directory, the loaded config and the CLI
/// overrides.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub state_dir: PathBuf,
    pub config: AgentConfig,
    /// `--interval-seconds`: overrides `interval_seconds`.
    pub interval_seconds: Option<u64>,
    /// `--watch PATH`: roots for the config-change watch.
    pub watch: Vec<PathBuf>,
}

/// A cloneable "stop now" signal fanned out from the caller's future.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// Resolves once shutdown was requested.
    pub fn wait(&self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let mut rx = self.0.clone();
        Box::pin(async move {
            // An error means the sender is gone: treat as shutdown.
            let _ = rx.wait_for(|stop| *stop).await;
        })
    }
}

/// Runs the agent until `shutdown` completes.
pub async fn run(
    opts: RunOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut cfg = opts.config;
    if let Some(i) = opts.interval_seconds {
        cfg.interval_seconds = i;
    }
    if !opts.watch.is_empty() {
        cfg.files.paths = opts.watch.clone();
    }
    cfg.validate()
        .map_err(|(key, msg)| anyhow::anyhow!("option `{key}` {msg}"))?;

    let dir = StateDir::new(&opts.state_dir);
    let identity = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || dir.load_identity())
            .await
            .context("while loading the state")??
    };
    let server = normalize_server(cfg.server.as_deref().unwrap_or(&identity.state.server))?;
    let request_timeout = Duration::from_secs(cfg.ship.request_timeout_seconds);
    let tls_cfg = tls::mtls_client_config(&identity.ca_pem, &identity.cert_pem, &identity.key_pem)
        .context("while loading the agent's TLS identity")?;
    let client = HttpsClient::new(tls_cfg, request_timeout);
    let (clients_tx, clients_rx) = watch::channel(client);

    let redact_key = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || dir.redact_key())
            .await
            .context("while loading the redaction key")??
    };
    let redactor = Arc::new(
        Redactor::new(ScopeKey::from_bytes(redact_key), &cfg.redact)
            .context("while setting up redaction")?,
    );

    let limits = SpoolLimits {
        max_spool_bytes: cfg.max_spool_bytes,
        batch_max_records: cfg.ship.batch_max_records,
        batch_max_bytes: cfg.ship.batch_max_bytes,
    };
    let spool_path = dir.path(SPOOL_FILE);
    let spool_thread = tokio::task::spawn_blocking(move || SpoolThread::start(&spool_path, limits))
        .await
        .context("while opening the spool")??;
    let spool = spool_thread.handle();

    let (stop_tx, stop_rx) = watch::channel(false);
    let stop = Shutdown(stop_rx);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });

    let host = host_info();
    tracing::info!(
        agent_id = %identity.state.agent_id,
        server = %server,
        interval_seconds = cfg.interval_seconds,
        "agent running"
    );

    let interval = Duration::from_secs(cfg.interval_seconds);
    let timeout = Duration::from_secs(cfg.collector_timeout_seconds);
    let privacy = Privacy {
        usernames: cfg.privacy.usernames,
        cmdlines: cfg.privacy.cmdlines,
        redactor: Arc::clone(&redactor),
    };
    let renewer = Renewer {
        dir: dir.clone(),
        server: server.clone(),
        ca_pem: identity.ca_pem.clone(),
        cert_pem: identity.cert_pem.clone(),
        request_timeout,
    };

    tokio::join!(
        metrics_loop(spool.clone(), interval, timeout, stop.wait()),
        inventory_loop(
            spool.clone(),
            &cfg,
            InventoryCollector::new(cfg.inventory.top_processes, privacy, timeout),
            stop.wait()
        ),
        ship_loop(
            spool.clone(),
            server.clone(),
            host,
            clients_rx,
            cfg.ship.clone(),
            stop.wait()
        ),
        renew_loop(renewer, clients_tx, interval, stop.wait()),
        files_loop(
            cfg.files.clone(),
            &opts.state_dir,
            Arc::clone(&redactor),
            spool.clone(),
            stop.wait()
        ),
    );

    drop(spool);
    spool_thread
        .close()
        .await
        .context("while closing the spool")?;
    tracing::info!("agent stopped");
    Ok(())
}

/// The config-change watch: its own thread emits records straight into
/// the spool. A failure stops the watch, never the agent.
async fn files_loop(
    cfg: FilesConfig,
    state_dir: &Path,
    redactor: Arc<Redactor>,
    spool: SpoolHandle,
    shutdown: Pin<Box<dyn Future<Output = ()> + Send>>,
) {
    if !cfg.enabled {
        shutdown.await;
        return;
    }
    let emit = move |record: Record| {
        if let Err(e) = spool.push_blocking(record) {
            tracing::error!(error = %e, "cannot spool a config change");
        }
    };
    if let Err(error) = crate::collect::files::watch(cfg, state_dir, redactor, emit, shutdown).await
    {
        tracing::error!(error = %format!("{error:#}"), "config-change monitoring stopped");
    }
}

async fn push(spool: &SpoolHandle, record: Record, what: &str) {
    if let Err(e) = spool.push(record).await {
        tracing::error!(error = %e, what, "cannot spool a record");
    }
}

async fn metrics_loop(
    spool: SpoolHandle,
    interval: Duration,
    timeout: Duration,
    mut shutdown: Pin<Box<dyn Future<Output = ()> + Send>>,
) {
    let mut collector = MetricsCollector::new(timeout);
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticker.tick() => {}
        }
        let snapshot = tokio::select! {
            () = &mut shutdown => return,
            s = collector.collect(now_ms()) => s,
        };
        if !snapshot.samples.is_empty() {
            push(&spool, Record::Metrics(snapshot), "metrics").await;
        }
    }
}

async fn inventory_loop(
    spool: SpoolHandle,
    cfg: &AgentConfig,
    collector: InventoryCollector,
    mut shutdown: Pin<Box<dyn Future<Output = ()> + Send>>,
) {
    if !cfg.inventory.enabled {
        shutdown.await;
        return;
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(cfg.inventory_interval_seconds));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticker.tick() => {}
        }
        let inv = tokio::select! {
            () = &mut shutdown => return,
            i = collector.collect(now_ms()) => i,
        };
        match inv {
            Ok(inv) => push(&spool, Record::Inventory(inv), "inventory").await,
            Err(e) => tracing::warn!(error = %e, "inventory skipped"),
        }
    }
}
