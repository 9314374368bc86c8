//! Configuration-file change monitoring.
//!
//! Watched roots (default `/etc`) are reconciled against a local baseline
//! (`baseline.db` in the state dir) at start-up and every
//! `rescan_interval`, and watched in realtime with inotify in between
//! (debounced per path). Both paths end in the same comparison, which
//! updates the baseline as it reports, so each change is reported once.
//!
//! Privacy: file content is kept and diffed only after redaction; files
//! secret by name ([`DEFAULT_SECRET_PATHS`]) or by content (a PEM private
//! key block) are tracked by hash and metadata only. Symlinks are recorded
//! with their target and never followed.
//!
//! All filesystem and SQLite work runs on one dedicated thread.

mod baseline;
mod config;
mod diff;
mod engine;
mod snapshot;
#[cfg(test)]
mod tests;
mod watcher;

use std::fs::{DirBuilder, OpenOptions};
use std::future::Future;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use vigil_shared::redact::Redactor;
use vigil_shared::wire::Record;

pub use config::{FilesConfig, FilesConfigError, DEFAULT_IGNORE, DEFAULT_SECRET_PATHS};

use engine::{Engine, Msg, Shared};

/// Runs the config watch until `shutdown` completes, handing each change to
/// `emit` (called from a blocking thread; it may block briefly). Returns
/// early with an error if the watch fails (e.g. the baseline cannot be
/// opened). With `enabled = false` it just waits for `shutdown`.
pub async fn watch<F, S>(
    cfg: FilesConfig,
    state_dir: &Path,
    redactor: Arc<Redactor>,
    emit: F,
    shutdown: S,
) -> anyhow::Result<()>
where
    F: Fn(Record) + Send + Sync + 'static,
    S: Future<Output = ()>,
{
    if !cfg.enabled {
        tracing::info!("config-change monitoring disabled");
        shutdown.await;
        return Ok(());
    }
    let mut handle = FileWatch::start(cfg, state_dir, redactor, emit)?;
    let exited = handle.exited.take();
    tokio::select! {
        () = shutdown => {}
        _ = async move {
            match exited {
                Some(rx) => { let _ = rx.await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
    tokio::task::spawn_blocking(move || handle.stop())
        .await
        .context("while stopping the config watch")?
}

/// Counters of a running watch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FilesStats {
    /// Full reconciliations finished, the start-up one included.
    pub scans_completed: u64,
    pub records_emitted: u64,
    /// Directories watched in realtime right now.
    pub watches: u64,
    /// `max_watches` (or the kernel's limit) was reached at some point.
    pub watch_budget_exhausted: bool,
    /// Paths that could not be read (each warned about once).
    pub unreadable_paths: u64,
    /// Paths with realtime events waiting for their quiet time.
    pub pending_paths: u64,
}

/// A running config watch on its own thread. Dropping it stops the thread.
pub struct FileWatch {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
    shared: Arc<Shared>,
    ready: Arc<(Mutex<Option<bool>>, Condvar)>,
    exited: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl FileWatch {
    /// Checks the config, then starts the watch thread, which opens the
    /// baseline, sets up watches and runs the start-up reconciliation
    /// (see [`FileWatch::wait_ready`]).
    pub fn start<F>(
        cfg: FilesConfig,
        state_dir: &Path,
        redactor: Arc<Redactor>,
        emit: F,
    ) -> anyhow::Result<FileWatch>
    where
        F: Fn(Record) + Send + Sync + 'static,
    {
        let compiled = config::Compiled::new(&cfg)?;
        let db_path = state_dir.join(baseline::FILE_NAME);
        let (tx, rx) = channel();
        let shared = Arc::new(Shared::default());
        let ready = Arc::new((Mutex::new(None), Condvar::new()));
        let (exit_tx, exit_rx) = tokio::sync::oneshot::channel::<()>();
        let watcher = if compiled.max_watches > 0 {
            Some(
                watcher::Watcher::start(tx.clone(), Arc::clone(&shared))
                    .context("while creating the inotify watcher")?,
            )
        } else {
            None
        };
        let state_dir = state_dir.to_path_buf();
        let thread_shared = Arc::clone(&shared);
        let thread_ready = Arc::clone(&ready);
        let thread = std::thread::Builder::new()
            .name("vigil-files".into())
            .spawn(move || {
                let _exit = exit_tx;
                let signal = |ok: bool| {
                    let (lock, cv) = &*thread_ready;
                    if let Ok(mut g) = lock.lock() {
                        *g = Some(ok);
                    }
                    cv.notify_all();
                };
                let result = (|| {
                    let db = open_baseline(&state_dir, &db_path)?;
                    let emit: engine::Emit = Arc::new(emit);
                    let mut engine =
                        Engine::new(compiled, db, &redactor, emit, thread_shared, watcher);
                    let started = Instant::now();
                    engine.start()?;
                    tracing::info!(
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "config watch ready"
                    );
                    signal(true);
                    engine.run(&rx)
                })();
                signal(false);
                if let Err(e) = &result {
                    tracing::error!(error = %format!("{e:#}"), "config watch stopped");
                }
                result
            })
            .context("while starting the config watch thread")?;
        Ok(FileWatch {
            tx,
            thread: Some(thread),
            shared,
            ready,
            exited: Some(exit_rx),
        })
    }

    /// Blocks until the start-up reconciliation is done (`true`), the
    /// watch failed (`false`), or `timeout` passed (`false`).
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (lock, cv) = &*self.ready;
        let Ok(mut state) = lock.lock() else {
            return false;
        };
        loop {
            if let Some(ok) = *state {
                return ok;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = match cv.wait_timeout(state, left) {
                Ok((s, _)) => s,
                Err(_) => return false,
            };
        }
    }

    /// Asks for a full reconciliation now (it runs on the watch thread).
    pub fn rescan_now(&self) {
        let _ = self.tx.send(Msg::Rescan);
    }

    pub fn stats(&self) -> FilesStats {
        let s = &self.shared;
        FilesStats {
            scans_completed: s.scans_completed.load(Ordering::Relaxed),
            records_emitted: s.records_emitted.load(Ordering::Relaxed),
            watches: s.watches.load(Ordering::Relaxed),
            watch_budget_exhausted: s.watch_budget_exhausted.load(Ordering::Relaxed),
            unreadable_paths: s.unreadable_paths.load(Ordering::Relaxed),
            pending_paths: s.pending_paths.load(Ordering::Relaxed),
        }
    }

    /// Stops the thread (blocking) and returns how it ended.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> anyhow::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let _ = self.tx.send(Msg::Stop);
        match thread.join() {
            Ok(result) => result,
            Err(_) => anyhow::bail!("the config watch thread panicked"),
        }
    }
}

impl Drop for FileWatch {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// Opens (creating if needed) the baseline, readable by the agent only.
fn open_baseline(state_dir: &Path, db_path: &Path) -> anyhow::Result<baseline::Baseline> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state_dir)
        .with_context(|| format!("while creating state dir {}", state_dir.display()))?;
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(db_path)
        .with_context(|| format!("while creating {}", db_path.display()))?;
    baseline::Baseline::open(db_path)
        .with_context(|| format!("while opening the file baseline {}", db_path.display()))
}
