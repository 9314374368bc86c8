//! What the agent knows about one path, and how it reads it from disk.
//!
//! Content is read once, hashed in full (SHA-256 of the real bytes), and
//! kept only in redacted form, only for text files within the size limit
//! that are not secret by name or by content.

use std::fs::{Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use sha2::{Digest, Sha256};
use vigil_shared::redact::{Redactor, Report};
use vigil_shared::wire::FileMeta;

use super::config::Compiled;

/// Bytes inspected for a NUL to call a file binary.
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

impl Kind {
    pub(crate) fn of(meta: &Metadata) -> Kind {
        let ft = meta.file_type();
        if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else {
            Kind::Other
        }
    }

    pub(crate) fn code(self) -> i64 {
        match self {
            Kind::File => 0,
            Kind::Dir => 1,
            Kind::Symlink => 2,
            Kind::Other => 3,
        }
    }

    pub(crate) fn from_code(code: i64) -> Kind {
        match code {
            0 => Kind::File,
            1 => Kind::Dir,
            2 => Kind::Symlink,
            _ => Kind::Other,
        }
    }

    pub(crate) fn wire_name(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink => "symlink",
            Kind::Other => "other",
        }
    }
}

/// What is kept of a file's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    /// Redacted text: what diffs are made of.
    Text(String),
    /// NUL byte in the first 8 KiB, or not UTF-8.
    Binary,
    /// Larger than `max_diff_bytes`.
    TooLarge,
    /// Secret by path or by content: hash and metadata only.
    Secret,
    /// Could not be read (permission denied or similar).
    Unreadable,
    /// Directories, symlinks, devices, sockets, FIFOs.
    None,
}

impl Content {
    pub(crate) fn code(&self) -> i64 {
        match self {
            Content::Text(_) => 0,
            Content::Binary => 1,
            Content::TooLarge => 2,
            Content::Secret => 3,
            Content::Unreadable => 4,
            Content::None => 5,
        }
    }

    pub(crate) fn from_code(code: i64, text: Option<String>) -> Content {
        match (code, text) {
            (0, Some(t)) => Content::Text(t),
            (1, _) => Content::Binary,
            (2, _) => Content::TooLarge,
            (3, _) => Content::Secret,
            (5, _) => Content::None,
            _ => Content::Unreadable,
        }
    }
}

/// One path's state, as stored in the baseline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) kind: Kind,
    pub(crate) size: u64,
    /// Permission bits including setuid, setgid and sticky.
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) mtime_ns: i64,
    /// Not reported; with `ino` it tells whether a file must be re-read.
    pub(crate) ctime_ns: i64,
    pub(crate) ino: u64,
    pub(crate) sha256: Option<[u8; 32]>,
    /// Symlinks only; never followed.
    pub(crate) link_target: Option<Vec<u8>>,
    pub(crate) content: Content,
}

fn nanos(secs: i64, nsecs: i64) -> i64 {
    secs.saturating_mul(1_000_000_000).saturating_add(nsecs)
}

impl Entry {
    fn from_stat(meta: &Metadata) -> Entry {
        Entry {
            kind: Kind::of(meta),
            size: meta.size(),
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            mtime_ns: nanos(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: nanos(meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            sha256: None,
            link_target: None,
            content: Content::None,
        }
    }

    /// Same inode, same stat: content can be assumed unchanged (ctime
    /// cannot be set from user space, unlike mtime).
    fn same_stat(&self, other: &Entry) -> bool {
        self.kind == other.kind
            && self.size == other.size
            && self.mode == other.mode
            && self.uid == other.uid
            && self.gid == other.gid
            && self.mtime_ns == other.mtime_ns
            && self.ctime_ns == other.ctime_ns
            && self.ino == other.ino
    }

    pub(crate) fn to_wire(&self) -> FileMeta {
        FileMeta {
            file_type: self.kind.wire_name().to_owned(),
            size: self.size,
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            mtime_ms: self.mtime_ns.div_euclid(1_000_000),
            sha256: self.sha256.map(hex::encode),
            link_target: self
                .link_target
                .as_ref()
                .map(|t| String::from_utf8_lossy(t).into_owned()),
        }
    }

    /// Text for diffing, if this entry keeps any.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.content {
            Content::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// The outcome of looking at a path that `lstat` found.
pub(crate) struct Captured {
    pub(crate) entry: Entry,
    /// Reading the content failed (permission denied and the like).
    pub(crate) read_error: Option<io::Error>,
}

/// Builds the entry for `path` from its `lstat` result, reading the content
/// only when the stat differs from `prev` (or `prev` lacks what the current
/// settings need).
pub(crate) fn capture(
    path: &Path,
    meta: &Metadata,
    cfg: &Compiled,
    redactor: &Redactor,
    prev: Option<&Entry>,
) -> Captured {
    let mut entry = Entry::from_stat(meta);
    match entry.kind {
        Kind::Dir | Kind::Other => {}
        Kind::Symlink => match std::fs::read_link(path) {
            Ok(target) => entry.link_target = Some(target.as_os_str().as_bytes().to_vec()),
            Err(e) => {
                return Captured {
                    entry,
                    read_error: Some(e),
                }
            }
        },
        Kind::File => {
            let secret = cfg.secret.is_match(path);
            if let Some(prev) = prev {
                let reusable = prev.same_stat(&entry)
                    && prev.sha256.is_some()
                    && (!secret || prev.content == Content::Secret);
                if reusable {
                    return Captured {
                        entry: prev.clone(),
                        read_error: None,
                    };
                }
            }
            match read_file(path, cfg.max_diff_bytes) {
                Ok((stat, sha, kept)) => {
                    // The opened file's own stat: consistent with the bytes read.
                    entry = Entry::from_stat(&stat);
                    entry.sha256 = Some(sha);
                    entry.content = classify(secret, kept, redactor);
                }
                Err(e) => {
                    entry.content = Content::Unreadable;
                    return Captured {
                        entry,
                        read_error: Some(e),
                    };
                }
            }
        }
    }
    Captured {
        entry,
        read_error: None,
    }
}

/// Reads a regular file without following a symlink or blocking on a FIFO
/// swapped in after `lstat`: its stat, SHA-256, and the bytes if they fit.
fn read_file(path: &Path, max_kept: u64) -> io::Result<(Metadata, [u8; 32], Option<Vec<u8>>)> {
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let stat = file.metadata()?;
    if !stat.is_file() {
        return Err(io::Error::other("no longer a regular file"));
    }
    let mut hasher = Sha256::new();
    // Sized once from the stat (no regrowing): fewer odd-sized heap blocks
    // left behind by a scan of thousands of files.
    let mut kept = Some(Vec::with_capacity(
        usize::try_from(stat.len().min(max_kept)).unwrap_or(0),
    ));
    let mut buf = [0u8; 16 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        total = total.saturating_add(n as u64);
        if total > max_kept {
            kept = None;
        } else if let Some(k) = kept.as_mut() {
            k.extend_from_slice(chunk);
        }
    }
    Ok((stat, hasher.finalize().into(), kept))
}

fn classify(secret_by_path: bool, kept: Option<Vec<u8>>, redactor: &Redactor) -> Content {
    if secret_by_path {
        return Content::Secret;
    }
    let Some(bytes) = kept else {
        return Content::TooLarge;
    };
    let head = bytes.get(..BINARY_SNIFF_BYTES).unwrap_or(&bytes);
    if head.contains(&0) {
        return Content::Binary;
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Content::Binary;
    };
    if holds_private_key(text) {
        return Content::Secret;
    }
    let mut report = Report::default();
    Content::Text(redactor.redact_text(text, &mut report))
}

/// A PEM (or PGP armored) private key block anywhere in the text.
pub(crate) fn holds_private_key(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim();
        line.starts_with("-----BEGIN") && line.contains("PRIVATE KEY")
    })
}
