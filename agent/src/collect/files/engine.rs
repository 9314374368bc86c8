//! The engine: one thread that owns the baseline, the watcher and the
//! pending realtime changes. Realtime events and rescans both end in
//! [`Engine::reconcile_path`], which compares the disk with the baseline,
//! reports the difference and updates the baseline; so a change is
//! reported once, whichever path saw it first.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tracing::{debug, info, warn};
use vigil_shared::redact::Redactor;
use vigil_shared::wire::{ChangeKind, Detection, FileChange, FileMeta, Record};

use super::baseline::Baseline;
use super::config::Compiled;
use super::diff;
use super::snapshot::{self, Captured, Content, Entry, Kind};
use super::watcher::{FsEvent, WatchError, Watcher};

/// Raw events queued between the watcher thread and the engine; beyond
/// this the engine schedules a rescan instead. The queue grows with what
/// is waiting (it is not allocated up front), so an idle watch holds none.
pub(crate) const EVENT_QUEUE: usize = 16 * 1024;

/// Redacted text after which the engine's search caches start over. The
/// lazy-DFA caches grow with the variety of text searched, and the heap
/// keeps what they grew to: renewed only after a whole first scan of
/// `/etc` they had grown by megabytes; renewed every 64 KiB of text, the
/// scan's peak stays near one renewal's worth (bench-footprint: 0.2-0.3
/// MiB less resident than renewing after 256 KiB or after the scan).
const RENEW_CACHES_AFTER: usize = 64 * 1024;

pub(crate) type Emit = Arc<dyn Fn(Record) + Send + Sync>;

pub(crate) enum Msg {
    Fs(FsEvent),
    Rescan,
    Stop,
}

/// Counters shared with [`super::FileWatch`].
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) scans_completed: AtomicU64,
    pub(crate) records_emitted: AtomicU64,
    pub(crate) watches: AtomicU64,
    pub(crate) watch_budget_exhausted: AtomicBool,
    pub(crate) unreadable_paths: AtomicU64,
    pub(crate) pending_paths: AtomicU64,
    /// Set by the watcher thread when the queue was full.
    pub(crate) overflowed: AtomicBool,
    /// Raw events sent and not yet taken by the engine.
    pub(crate) queued: AtomicUsize,
}

struct Pending {
    deadline: Instant,
    rename_from: Option<PathBuf>,
    /// A creation was seen, so a file created and removed within the
    /// debounce is still reported; with what it looked like, if it was
    /// still there when the event was handled.
    created: Option<Option<FileMeta>>,
}

pub(crate) struct Engine {
    cfg: Compiled,
    db: Baseline,
    /// The engine's own copy (shared patterns, its own search caches),
    /// renewed after every full scan and every [`RENEW_CACHES_AFTER`] bytes of
    /// text: see [`Redactor::with_fresh_caches`].
    redactor: Redactor,
    /// Text redacted since `redactor`'s caches were last renewed.
    redacted_bytes: usize,
    emit: Emit,
    shared: Arc<Shared>,
    watcher: Option<Watcher>,
    watched: HashSet<PathBuf>,
    /// Paths already warned about (once per path per process).
    warned: HashSet<PathBuf>,
    pending: HashMap<PathBuf, Pending>,
    /// No pending deadline is earlier than this.
    next_flush: Option<Instant>,
    next_rescan: Instant,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl Engine {
    pub(crate) fn new(
        cfg: Compiled,
        db: Baseline,
        redactor: &Redactor,
        emit: Emit,
        shared: Arc<Shared>,
        watcher: Option<Watcher>,
    ) -> Engine {
        let next_rescan = Instant::now() + cfg.rescan_interval;
        Engine {
            cfg,
            db,
            redactor: redactor.with_fresh_caches(),
            redacted_bytes: 0,
            emit,
            shared,
            watcher,
            watched: HashSet::new(),
            warned: HashSet::new(),
            pending: HashMap::new(),
            next_flush: None,
            next_rescan,
        }
    }

    /// Start-up: watches, then a full reconciliation (silent for roots the
    /// baseline has never seen).
    pub(crate) fn start(&mut self) -> anyhow::Result<()> {
        self.prune_old_roots()?;
        self.full_scan(Detection::Rescan)?;
        Ok(())
    }

    /// Runs until told to stop or the channel closes.
    pub(crate) fn run(&mut self, rx: &Receiver<Msg>) -> anyhow::Result<()> {
        loop {
            let now = Instant::now();
            let wake = self
                .next_flush
                .map_or(self.next_rescan, |f| f.min(self.next_rescan));
            let timeout = wake.saturating_duration_since(now);
            match rx.recv_timeout(timeout) {
                Ok(Msg::Fs(ev)) => {
                    self.shared.queued.fetch_sub(1, Ordering::AcqRel);
                    self.on_event(ev)
                }
                Ok(Msg::Rescan) => self.next_rescan = Instant::now(),
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if self.shared.overflowed.swap(false, Ordering::Relaxed) {
                warn!("file event queue overflowed; scheduling a rescan");
                self.rescan_soon();
            }
            let now = Instant::now();
            if self.next_flush.is_some_and(|f| f <= now) {
                self.flush(now)?;
            }
            if self.next_rescan <= now {
                self.full_scan(Detection::Rescan)?;
            }
        }
        self.db.commit()?;
        Ok(())
    }

    fn rescan_soon(&mut self) {
        let at = Instant::now() + self.cfg.debounce;
        self.next_rescan = self.next_rescan.min(at);
    }

    // ----- realtime -------------------------------------------------------

    fn on_event(&mut self, ev: FsEvent) {
        match ev {
            FsEvent::Lost => {
                warn!("file events were lost; scheduling a rescan");
                self.rescan_soon();
            }
            FsEvent::Renamed { from, to } => {
                self.moved_away(&from);
                let from = self.cfg.in_scope(&from).then_some(from);
                self.touch(&to, from);
            }
            FsEvent::MovedAway(p) => self.moved_away(&p),
            FsEvent::Removed(p) => {
                self.forget_watches(&p);
                self.touch(&p, None);
            }
            FsEvent::Created(p) => {
                self.touch(&p, None);
                self.note_created(&p);
            }
            FsEvent::CreatedDir(p) => {
                // Watch now, so files made inside during the debounce are
                // seen; the reconcile lists the directory anyway.
                if self.cfg.in_scope(&p) && !self.cfg.ignore.is_match(&p) {
                    self.ensure_watch(&p);
                }
                self.touch(&p, None);
            }
            FsEvent::Changed(p) => self.touch(&p, None),
        }
    }

    /// `path` was moved away: its watches go, and it is looked at again.
    fn moved_away(&mut self, path: &Path) {
        self.forget_watches(path);
        self.touch(path, None);
        // Moved, not created-and-deleted (an editor's temp file).
        if let Some(pending) = self.pending.get_mut(path) {
            pending.created = None;
        }
    }

    /// Notes a realtime event on `path`: it is looked at once quiet for the
    /// debounce time.
    fn touch(&mut self, path: &Path, rename_from: Option<PathBuf>) {
        if !self.cfg.in_scope(path) {
            return;
        }
        let deadline = Instant::now() + self.cfg.debounce;
        // The source of a pending rename waits for its destination.
        let linked = self
            .pending
            .get(path)
            .and_then(|p| p.rename_from.clone())
            .into_iter()
            .chain(rename_from.clone());
        for from in linked.collect::<Vec<_>>() {
            if let Some(p) = self.pending.get_mut(&from) {
                p.deadline = p.deadline.max(deadline);
            }
        }
        let entry = self.pending.entry(path.to_path_buf()).or_insert(Pending {
            deadline,
            rename_from: None,
            created: None,
        });
        entry.deadline = deadline;
        if rename_from.is_some() {
            entry.rename_from = rename_from;
        }
        self.next_flush = Some(self.next_flush.map_or(deadline, |f| f.min(deadline)));
        self.shared
            .pending_paths
            .store(self.pending.len() as u64, Ordering::Relaxed);
    }

    /// Remembers a new file as first seen (ignored and out-of-scope paths
    /// and files already tracked are not noted).
    fn note_created(&mut self, path: &Path) {
        if !self.cfg.in_scope(path) || self.cfg.ignore.is_match(path) {
            return;
        }
        let seen = std::fs::symlink_metadata(path)
            .ok()
            .map(|meta| self.capture(path, &meta, None).entry.to_wire());
        if let Some(pending) = self.pending.get_mut(path) {
            pending.created.get_or_insert(seen);
        }
    }

    /// A file created and gone again before its quiet time was over: it
    /// never reaches the baseline, so say both halves now.
    fn report_short_lived(&mut self, path: &Path, seen: Option<FileMeta>) -> anyhow::Result<()> {
        if std::fs::symlink_metadata(path).is_ok() || self.db.get(path)?.is_some() {
            return Ok(());
        }
        let ts_ms = now_ms();
        for (kind, old, new) in [
            (ChangeKind::Created, None, seen.clone()),
            (ChangeKind::Deleted, seen, None),
        ] {
            self.send(FileChange {
                ts_ms,
                path: display(path),
                kind,
                detection: Detection::Realtime,
                old,
                new,
                renamed_from: None,
                diff: None,
            });
        }
        Ok(())
    }

    /// Handles every pending path whose quiet time is over: renames first,
    /// so the source's baseline row moves before anything looks at it.
    fn flush(&mut self, now: Instant) -> anyhow::Result<()> {
        let mut due: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
        let mut short_lived: Vec<(PathBuf, Option<FileMeta>)> = Vec::new();
        self.pending.retain(|path, p| {
            if p.deadline <= now {
                due.push((path.clone(), p.rename_from.take()));
                if let Some(seen) = p.created.take() {
                    short_lived.push((path.clone(), seen));
                }
                false
            } else {
                true
            }
        });
        self.next_flush = self.pending.values().map(|p| p.deadline).min();
        due.sort();
        for (to, from) in &due {
            if let Some(from) = from {
                self.reconcile_rename(from, to)?;
            }
        }
        for (path, seen) in short_lived {
            self.report_short_lived(&path, seen)?;
        }
        for (path, _) in &due {
            self.reconcile_realtime(path)?;
        }
        self.db.commit()?;
        self.shared
            .pending_paths
            .store(self.pending.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    fn reconcile_realtime(&mut self, path: &Path) -> anyhow::Result<()> {
        let was_watched = self.watched.contains(path);
        let old_kind = self.db.get(path)?.map(|e| e.kind);
        let is_dir = self.reconcile_path(path, Detection::Realtime, false)?;
        // A directory that is new here (created, moved in, or was not a
        // directory) may already hold files no event told us about.
        if is_dir && (old_kind != Some(Kind::Dir) || !was_watched) {
            self.reconcile_tree_below(path, Detection::Realtime, false)?;
        }
        Ok(())
    }

    /// `from` was renamed to `to` (the kernel paired the two).
    fn reconcile_rename(&mut self, from: &Path, to: &Path) -> anyhow::Result<()> {
        let Some(old) = self.db.get(from)? else {
            // The source was never tracked (an editor's temp file): what
            // happened to `to` is a plain create or modify.
            return Ok(());
        };
        if self.cfg.ignore.is_match(to) || self.db.get(to)?.is_some() {
            // Replaced a tracked file (rename-over): `to` is reconciled as a
            // modification, the source's record goes quietly.
            if !self.cfg.ignore.is_match(to) {
                self.drop_tree(from)?;
            }
            return Ok(());
        }
        let Ok(meta) = std::fs::symlink_metadata(to) else {
            return Ok(());
        };
        let captured = self.capture(to, &meta, Some(&old));
        if let Some(e) = &captured.read_error {
            self.warn_unreadable(to, e);
        }
        let new = captured.entry;
        let path = display(to);
        let diff = match (old.text(), new.text()) {
            (Some(a), Some(b)) => diff::unified(&path, a, b),
            _ => None,
        };
        self.send(FileChange {
            ts_ms: now_ms(),
            path,
            kind: ChangeKind::Renamed,
            detection: Detection::Realtime,
            old: Some(old.to_wire()),
            new: Some(new.to_wire()),
            renamed_from: Some(display(from)),
            diff,
        });
        // Move the subtree's rows; the reconcile of `to` that follows
        // checks them against the disk.
        for child in self.db.descendants(from)? {
            if let (Some(e), Ok(rel)) = (self.db.get(&child)?, child.strip_prefix(from)) {
                self.db.put(&to.join(rel), &e)?;
            }
            self.db.delete(&child)?;
        }
        self.db.delete(from)?;
        self.db.put(to, &new)?;
        if new.kind == Kind::Dir {
            self.ensure_watch(to);
            self.reconcile_tree_below(to, Detection::Realtime, false)?;
        }
        Ok(())
    }

    // ----- reconciliation -------------------------------------------------

    fn full_scan(&mut self, detection: Detection) -> anyhow::Result<()> {
        let started = Instant::now();
        for root in self.cfg.roots.clone() {
            let silent = !self.db.root_known(&root)?;
            self.watch_root(&root);
            self.reconcile_path(&root, detection, silent)?;
            self.reconcile_tree_below(&root, detection, silent)?;
            if silent {
                self.db.set_root(&root, true)?;
            }
        }
        self.db.commit()?;
        // A scan redacts every changed file (every file, the first time):
        // let the search caches it grew go rather than keep them for good.
        self.renew_caches();
        self.next_rescan = Instant::now() + self.cfg.rescan_interval;
        self.shared.scans_completed.fetch_add(1, Ordering::Relaxed);
        debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "file rescan done"
        );
        Ok(())
    }

    /// Reconciles everything below `dir` (not `dir` itself), depth first,
    /// without recursion.
    fn reconcile_tree_below(
        &mut self,
        dir: &Path,
        detection: Detection,
        silent: bool,
    ) -> anyhow::Result<()> {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let mut on_disk: Vec<PathBuf> = match std::fs::read_dir(&d) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    // Unlistable: keep what the baseline knows below it.
                    self.warn_unreadable(&d, &e);
                    continue;
                }
            };
            on_disk.sort();
            let known: HashSet<PathBuf> = on_disk.iter().cloned().collect();
            for gone in self.db.children(&d)? {
                if !known.contains(&gone) {
                    self.reconcile_path(&gone, detection, silent)?;
                }
            }
            for child in on_disk.into_iter().rev() {
                if self.reconcile_path(&child, detection, silent)? {
                    stack.push(child);
                }
            }
        }
        Ok(())
    }

    /// [`snapshot::capture`] with the engine's redactor, whose search
    /// caches are renewed after every [`RENEW_CACHES_AFTER`] bytes of text.
    fn capture(&mut self, path: &Path, meta: &std::fs::Metadata, prev: Option<&Entry>) -> Captured {
        let captured = snapshot::capture(path, meta, &self.cfg, &self.redactor, prev);
        if let Content::Text(text) = &captured.entry.content {
            self.redacted_bytes += text.len();
            if self.redacted_bytes >= RENEW_CACHES_AFTER {
                self.renew_caches();
            }
        }
        captured
    }

    fn renew_caches(&mut self) {
        self.redactor = self.redactor.with_fresh_caches();
        self.redacted_bytes = 0;
    }

    /// Compares `path` on disk with the baseline, reports the difference
    /// (unless `silent`), and updates the baseline. Returns whether `path`
    /// is a directory to descend into.
    fn reconcile_path(
        &mut self,
        path: &Path,
        detection: Detection,
        silent: bool,
    ) -> anyhow::Result<bool> {
        if self.cfg.ignore.is_match(path) {
            self.drop_tree(path)?;
            return Ok(false);
        }
        let old = self.db.get(path)?;
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(libc::ENOTDIR) =>
            {
                self.gone(path, old, detection, silent)?;
                return Ok(false);
            }
            Err(e) => {
                self.warn_unreadable(path, &e);
                return Ok(false);
            }
        };
        let captured = self.capture(path, &meta, old.as_ref());
        if let Some(e) = &captured.read_error {
            self.warn_unreadable(path, e);
        }
        let new = captured.entry;
        if old.as_ref().is_some_and(|o| o.kind == Kind::Dir) && new.kind != Kind::Dir {
            self.gone_below(path, detection, silent)?;
        }
        if !silent {
            if let Some(change) = diff::change(
                &display(path),
                old.as_ref(),
                Some(&new),
                detection,
                now_ms(),
            ) {
                self.send(change);
            }
        }
        if old.as_ref() != Some(&new) {
            self.db.put(path, &new)?;
        }
        if new.kind == Kind::Dir {
            self.ensure_watch(path);
            return Ok(true);
        }
        Ok(false)
    }

    /// `path` no longer exists: one Deleted for it and for each path the
    /// baseline knows below it.
    fn gone(
        &mut self,
        path: &Path,
        old: Option<Entry>,
        detection: Detection,
        silent: bool,
    ) -> anyhow::Result<()> {
        self.forget_watches(path);
        self.gone_below(path, detection, silent)?;
        if let Some(old) = old {
            if !silent {
                if let Some(c) = diff::change(&display(path), Some(&old), None, detection, now_ms())
                {
                    self.send(c);
                }
            }
            self.db.delete(path)?;
        }
        Ok(())
    }

    fn gone_below(&mut self, dir: &Path, detection: Detection, silent: bool) -> anyhow::Result<()> {
        for child in self.db.descendants(dir)? {
            if let Some(old) = self.db.get(&child)? {
                if !silent {
                    if let Some(c) =
                        diff::change(&display(&child), Some(&old), None, detection, now_ms())
                    {
                        self.send(c);
                    }
                }
            }
            self.db.delete(&child)?;
        }
        Ok(())
    }

    /// Forgets `path` and everything below it without reporting (it became
    /// ignored, or its record moved elsewhere).
    fn drop_tree(&mut self, path: &Path) -> anyhow::Result<()> {
        for child in self.db.descendants(path)? {
            self.db.delete(&child)?;
        }
        self.db.delete(path)?;
        Ok(())
    }

    /// Roots no longer configured: their records go (except what lies under
    /// a current root), so a root added again later starts a fresh baseline.
    fn prune_old_roots(&mut self) -> anyhow::Result<()> {
        for old in self.db.roots()? {
            if self.cfg.roots.contains(&old) {
                continue;
            }
            let keep = |p: &Path| self.cfg.in_scope(p);
            let doomed: Vec<PathBuf> = self
                .db
                .descendants(&old)?
                .into_iter()
                .chain(std::iter::once(old.clone()))
                .filter(|p| !keep(p))
                .collect();
            for p in doomed {
                self.db.delete(&p)?;
            }
            self.db.set_root(&old, false)?;
            info!(root = %old.display(), "no longer watched; baseline records dropped");
        }
        self.db.commit()?;
        Ok(())
    }

    fn send(&self, change: FileChange) {
        self.shared.records_emitted.fetch_add(1, Ordering::Relaxed);
        (self.emit)(Record::FileChange(change));
    }

    // ----- watches and warnings -------------------------------------------

    /// A root directory is watched itself; a root file through its parent,
    /// so an atomic replace (which makes a new inode) is still seen.
    fn watch_root(&mut self, root: &Path) {
        match std::fs::symlink_metadata(root) {
            Ok(m) if m.is_dir() => self.ensure_watch(root),
            _ => {
                if let Some(parent) = root.parent() {
                    self.ensure_watch(parent);
                }
            }
        }
    }

    fn ensure_watch(&mut self, dir: &Path) {
        let Some(watcher) = self.watcher.as_mut() else {
            return;
        };
        if self.watched.contains(dir) {
            return;
        }
        if self.watched.len() >= self.cfg.max_watches {
            self.budget_exhausted("max_watches");
            return;
        }
        match watcher.watch(dir) {
            Ok(()) => {
                self.watched.insert(dir.to_path_buf());
                self.shared
                    .watches
                    .store(self.watched.len() as u64, Ordering::Relaxed);
            }
            Err(WatchError::Limit) => self.budget_exhausted("the kernel's inotify watch limit"),
            Err(WatchError::NotFound) => {}
            Err(WatchError::Io(e)) => self.warn_unreadable(dir, &e),
        }
    }

    /// Drops our record of watches at and below `path` (the watcher already
    /// removed them when the kernel reported the delete or move).
    fn forget_watches(&mut self, path: &Path) {
        let before = self.watched.len();
        let gone: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|w| w.starts_with(path))
            .cloned()
            .collect();
        for w in gone {
            self.watched.remove(&w);
            if let Some(watcher) = self.watcher.as_mut() {
                watcher.unwatch(&w);
            }
        }
        if self.watched.len() != before {
            self.shared
                .watches
                .store(self.watched.len() as u64, Ordering::Relaxed);
        }
    }

    fn budget_exhausted(&mut self, which: &str) {
        if !self
            .shared
            .watch_budget_exhausted
            .swap(true, Ordering::Relaxed)
        {
            warn!(
                watches = self.watched.len(),
                limit = which,
                "watch budget exhausted: directories beyond it are checked by the periodic rescan only"
            );
        }
    }

    fn warn_unreadable(&mut self, path: &Path, error: &io::Error) {
        if self.warned.insert(path.to_path_buf()) {
            self.shared.unreadable_paths.fetch_add(1, Ordering::Relaxed);
            warn!(
                path = %path.display(),
                %error,
                "cannot read; tracked by metadata only where possible"
            );
        }
    }
}
