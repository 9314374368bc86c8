//! The kernel's inotify, asked for changes only.
//!
//! Each watched directory gets a non-recursive watch for entries created,
//! deleted, moved, written or changed in their attributes, and for the
//! directory itself going away. Opens and reads are never asked for: a
//! watch on `/etc` that also reported opens would wake the agent every
//! time any program on the host starts (the dynamic loader opens
//! `/etc/ld.so.cache`).
//!
//! A reader thread turns kernel events into [`FsEvent`]s with full paths
//! and hands them to the engine's queue; it sleeps in `poll(2)` on the
//! inotify descriptor and on a pipe whose write end the [`Watcher`] holds,
//! so dropping the watcher wakes and ends it.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{self, PipeWriter, Read};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask, Watches};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::engine::{Msg, Shared, EVENT_QUEUE};

/// What the engine hears about a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FsEvent {
    /// A file (or any non-directory entry) appeared.
    Created(PathBuf),
    /// A directory appeared.
    CreatedDir(PathBuf),
    /// An entry was deleted, or a watched directory itself went away.
    Removed(PathBuf),
    /// An entry was moved out of a watched directory (or to a place we
    /// did not see).
    MovedAway(PathBuf),
    /// An entry was moved from one watched place to another.
    Renamed { from: PathBuf, to: PathBuf },
    /// Content or attributes changed, or an entry was moved in from an
    /// unwatched place.
    Changed(PathBuf),
    /// Events were lost (the kernel's queue or ours overflowed, or the
    /// watch failed): only a rescan can tell what changed.
    Lost,
}

/// Why a directory could not be watched.
#[derive(Debug)]
pub(crate) enum WatchError {
    /// The kernel's per-user watch limit (`fs.inotify.max_user_watches`).
    Limit,
    /// The directory is gone.
    NotFound,
    Io(io::Error),
}

const MASK: WatchMask = WatchMask::CREATE
    .union(WatchMask::DELETE)
    .union(WatchMask::MODIFY)
    .union(WatchMask::CLOSE_WRITE)
    .union(WatchMask::ATTRIB)
    .union(WatchMask::MOVED_FROM)
    .union(WatchMask::MOVED_TO)
    .union(WatchMask::DELETE_SELF)
    .union(WatchMask::MOVE_SELF);

/// Watched directories by descriptor and by path, shared between the
/// engine (which adds and removes) and the reader (which names events).
#[derive(Default)]
struct Table {
    paths: HashMap<WatchDescriptor, PathBuf>,
    descriptors: HashMap<PathBuf, WatchDescriptor>,
}

fn lock(table: &Mutex<Table>) -> MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct Watcher {
    watches: Watches,
    table: Arc<Mutex<Table>>,
    /// Dropped first: its closing wakes the reader, which then ends.
    stop: Option<PipeWriter>,
    reader: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Starts the reader thread, which sends every event to `tx`.
    pub(crate) fn start(tx: Sender<Msg>, shared: Arc<Shared>) -> io::Result<Watcher> {
        let inotify = Inotify::init()?;
        let watches = inotify.watches();
        let table = Arc::new(Mutex::new(Table::default()));
        let (stop_rx, stop_tx) = io::pipe()?;
        let reader_table = Arc::clone(&table);
        let reader = std::thread::Builder::new()
            .name("vigil-inotify".into())
            .spawn(move || read_loop(inotify, stop_rx, &reader_table, &tx, &shared))?;
        Ok(Watcher {
            watches,
            table,
            stop: Some(stop_tx),
            reader: Some(reader),
        })
    }

    /// Watches `dir` (not its subdirectories).
    pub(crate) fn watch(&mut self, dir: &Path) -> Result<(), WatchError> {
        // Held across the add, so the reader never sees an event of a
        // descriptor it cannot name yet.
        let mut table = lock(&self.table);
        match self.watches.add(dir, MASK) {
            Ok(wd) => {
                table.paths.insert(wd.clone(), dir.to_path_buf());
                if let Some(old) = table.descriptors.insert(dir.to_path_buf(), wd.clone()) {
                    if old != wd {
                        table.paths.remove(&old);
                    }
                }
                Ok(())
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => Err(WatchError::Limit),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(WatchError::NotFound),
            Err(e) => Err(WatchError::Io(e)),
        }
    }

    /// Stops watching `dir`, if it is watched. The kernel may have removed
    /// the watch already (the directory was deleted); that is not an error.
    pub(crate) fn unwatch(&mut self, dir: &Path) {
        let mut table = lock(&self.table);
        if let Some(wd) = table.descriptors.remove(dir) {
            table.paths.remove(&wd);
            let _ = self.watches.remove(wd);
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

fn read_loop(
    mut inotify: Inotify,
    mut stop: io::PipeReader,
    table: &Mutex<Table>,
    tx: &Sender<Msg>,
    shared: &Shared,
) {
    // Large enough for dozens of events per read (each is 16 bytes plus
    // its name).
    let mut buffer = vec![0u8; 16 * 1024];
    // Queues an event, or notes the overflow when the queue is full (the
    // engine then rescans); false once the engine is gone.
    let send = |ev: FsEvent| {
        if shared.queued.fetch_add(1, Ordering::AcqRel) >= EVENT_QUEUE {
            shared.queued.fetch_sub(1, Ordering::AcqRel);
            shared.overflowed.store(true, Ordering::Relaxed);
            return true;
        }
        // Disconnected: the engine is gone.
        tx.send(Msg::Fs(ev)).is_ok()
    };
    loop {
        let mut fds = [
            PollFd::new(inotify.as_fd(), PollFlags::POLLIN),
            PollFd::new(stop.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => {
                tracing::error!(error = %e, "file watch stopped");
                send(FsEvent::Lost);
                return;
            }
        }
        if fds[1].any().unwrap_or(true) {
            // The watcher was dropped (the pipe closed).
            let _ = stop.read(&mut [0u8; 1]);
            return;
        }
        let events = match inotify.read_events(&mut buffer) {
            Ok(events) => events,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::error!(error = %e, "file watch stopped");
                send(FsEvent::Lost);
                return;
            }
        };
        let mut named = Vec::new();
        {
            let mut table = lock(table);
            for ev in events {
                if ev.mask.contains(EventMask::Q_OVERFLOW) {
                    named.push((ev.mask, 0, None));
                    continue;
                }
                let Some(dir) = table.paths.get(&ev.wd).cloned() else {
                    continue;
                };
                if ev.mask.contains(EventMask::IGNORED) {
                    // The kernel dropped the watch (directory deleted, or
                    // unwatched): forget the descriptor.
                    table.paths.remove(&ev.wd);
                    if table.descriptors.get(&dir) == Some(&ev.wd) {
                        table.descriptors.remove(&dir);
                    }
                    continue;
                }
                let path = match ev.name {
                    Some(name) => join(&dir, name),
                    None => dir,
                };
                named.push((ev.mask, ev.cookie, Some(path)));
            }
        }
        for ev in translate(named) {
            if !send(ev) {
                return;
            }
        }
    }
}

fn join(dir: &Path, name: &OsStr) -> PathBuf {
    let mut p = dir.to_path_buf();
    p.push(name);
    p
}

/// Kernel events (mask, rename cookie, full path) to engine events, in
/// order. A move within the watched tree arrives as a `MOVED_FROM` and a
/// `MOVED_TO` with the same cookie, next to each other; they become one
/// [`FsEvent::Renamed`]. Unpaired halves (one side unwatched, or the pair
/// split across two reads) stay what they are.
fn translate(events: Vec<(EventMask, u32, Option<PathBuf>)>) -> Vec<FsEvent> {
    let mut out = Vec::with_capacity(events.len());
    let mut moved_from: Option<(u32, PathBuf)> = None;
    for (mask, cookie, path) in events {
        let Some(path) = path else {
            out.extend(moved_from.take().map(|(_, p)| FsEvent::MovedAway(p)));
            out.push(FsEvent::Lost);
            continue;
        };
        if mask.contains(EventMask::MOVED_TO) {
            match moved_from.take() {
                Some((c, from)) if c == cookie => out.push(FsEvent::Renamed { from, to: path }),
                other => {
                    out.extend(other.map(|(_, p)| FsEvent::MovedAway(p)));
                    out.push(FsEvent::Changed(path));
                }
            }
            continue;
        }
        out.extend(moved_from.take().map(|(_, p)| FsEvent::MovedAway(p)));
        if mask.contains(EventMask::MOVED_FROM) {
            moved_from = Some((cookie, path));
        } else if mask.contains(EventMask::CREATE) {
            out.push(if mask.contains(EventMask::ISDIR) {
                FsEvent::CreatedDir(path)
            } else {
                FsEvent::Created(path)
            });
        } else if mask.intersects(EventMask::DELETE | EventMask::DELETE_SELF) {
            out.push(FsEvent::Removed(path));
        } else {
            // MODIFY, CLOSE_WRITE, ATTRIB, MOVE_SELF.
            out.push(FsEvent::Changed(path));
        }
    }
    out.extend(moved_from.map(|(_, p)| FsEvent::MovedAway(p)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<PathBuf> {
        Some(PathBuf::from(s))
    }

    #[test]
    fn moves_pair_by_cookie_and_unpaired_halves_stay_apart() {
        let events = vec![
            (EventMask::MOVED_FROM, 7, p("/etc/a")),
            (EventMask::MOVED_TO, 7, p("/etc/b")),
            (EventMask::MOVED_FROM, 8, p("/etc/c")),
            (EventMask::MOVED_TO, 9, p("/etc/d")),
            (EventMask::MOVED_FROM, 10, p("/etc/e")),
        ];
        assert_eq!(
            translate(events),
            vec![
                FsEvent::Renamed {
                    from: "/etc/a".into(),
                    to: "/etc/b".into()
                },
                FsEvent::MovedAway("/etc/c".into()),
                FsEvent::Changed("/etc/d".into()),
                FsEvent::MovedAway("/etc/e".into()),
            ]
        );
    }

    #[test]
    fn kinds_map_as_the_engine_expects() {
        let events = vec![
            (EventMask::CREATE, 0, p("/etc/f")),
            (EventMask::CREATE | EventMask::ISDIR, 0, p("/etc/d")),
            (EventMask::DELETE, 0, p("/etc/f")),
            (EventMask::DELETE_SELF, 0, p("/etc/d")),
            (EventMask::CLOSE_WRITE, 0, p("/etc/g")),
            (EventMask::ATTRIB, 0, p("/etc/g")),
            (EventMask::MOVED_FROM, 3, p("/etc/h")),
            (EventMask::Q_OVERFLOW, 0, None),
        ];
        assert_eq!(
            translate(events),
            vec![
                FsEvent::Created("/etc/f".into()),
                FsEvent::CreatedDir("/etc/d".into()),
                FsEvent::Removed("/etc/f".into()),
                FsEvent::Removed("/etc/d".into()),
                FsEvent::Changed("/etc/g".into()),
                FsEvent::Changed("/etc/g".into()),
                FsEvent::MovedAway("/etc/h".into()),
                FsEvent::Lost,
            ]
        );
    }

    /// Reading a watched file must not wake the engine; writing must.
    #[test]
    fn reads_are_not_reported_writes_are() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.conf");
        std::fs::write(&file, "a=1\n").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut w = Watcher::start(tx, Arc::new(Shared::default())).unwrap();
        w.watch(dir.path()).unwrap();
        for _ in 0..20 {
            std::fs::read(&file).unwrap();
        }
        std::fs::write(&file, "a=2\n").unwrap();
        let first = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("an event for the write");
        let Msg::Fs(first) = first else {
            panic!("not a file event")
        };
        assert_eq!(first, FsEvent::Changed(file.clone()));
        drop(w);
        // Everything that arrived is about the write, none about the reads.
        while let Ok(Msg::Fs(ev)) = rx.try_recv() {
            assert_eq!(ev, FsEvent::Changed(file.clone()));
        }
    }
}
