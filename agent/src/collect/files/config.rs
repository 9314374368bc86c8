//! The `[files]` section of the agent config, and its compiled form.

use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

/// Ignored in addition to [`FilesConfig::ignore`]: editor swap and backup
/// files, lock files, and files the system rewrites on its own.
pub const DEFAULT_IGNORE: &[&str] = &[
    "*.swp",
    "*.swo",
    "*.swx",
    "*~",
    ".#*",
    "#*#",
    "4913",
    "*.lock",
    "*.lck",
    ".pwd.lock",
    "*.dpkg-new",
    "*.dpkg-tmp",
    "/etc/mtab",
    "/etc/adjtime",
    "/etc/ld.so.cache",
    "/etc/.updated",
];

/// Tracked by hash and metadata only, never content-stored or diffed, in
/// addition to [`FilesConfig::secret_paths`]. Any file whose content holds a
/// PEM private key block is treated the same way, whatever its name.
pub const DEFAULT_SECRET_PATHS: &[&str] = &[
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/security/opasswd",
    "/etc/ssh/ssh_host_*_key",
    "*/ssl/private/*",
    "*.key",
    "*.keytab",
    "*.p12",
    "*.pfx",
    "*.jks",
    "/etc/ppp/*-secrets",
    "/etc/ipsec.secrets",
    "/etc/NetworkManager/system-connections/*",
    "/etc/wireguard/*",
];

/// Configuration-change monitoring settings (`[files]` in the agent config).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilesConfig {
    /// Whether the config watch runs at all. Default `true`.
    pub enabled: bool,
    /// Watched roots, absolute, each recursive. Default `["/etc"]`.
    pub paths: Vec<PathBuf>,
    /// Globs to ignore, added to [`DEFAULT_IGNORE`]. A pattern without `/`
    /// matches the file name, one with `/` the whole path (where `*` also
    /// crosses `/`). Default `[]`.
    pub ignore: Vec<String>,
    /// Globs of files tracked by hash and metadata only, added to
    /// [`DEFAULT_SECRET_PATHS`]; same matching rules as `ignore`.
    /// Default `[]`.
    pub secret_paths: Vec<String>,
    /// Text files up to this size are content-tracked (redacted) and
    /// diffed; larger ones by hash only. Default 262144 (256 KiB).
    pub max_diff_bytes: u64,
    /// Full reconciliation against the baseline, besides the one at
    /// start-up. Default `10m`; at least `1s`.
    #[serde(with = "humantime_serde")]
    pub rescan_interval: Duration,
    /// Quiet time per path before a realtime change is reported, so an
    /// editor's save sequence becomes one change. Default `500ms`; at most
    /// `1m`.
    #[serde(with = "humantime_serde")]
    pub debounce: Duration,
    /// Most directories watched in realtime (one inotify watch each); the
    /// rest are covered by the rescan. `0` disables realtime watching.
    /// Default 8192.
    pub max_watches: usize,
}

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig {
            enabled: true,
            paths: vec![PathBuf::from("/etc")],
            ignore: Vec::new(),
            secret_paths: Vec::new(),
            max_diff_bytes: 256 * 1024,
            rescan_interval: Duration::from_secs(600),
            debounce: Duration::from_millis(500),
            max_watches: 8192,
        }
    }
}

/// A `[files]` setting that cannot be used, named by its key.
#[derive(Debug, thiserror::Error)]
pub enum FilesConfigError {
    #[error("files.{key}: invalid glob `{pattern}`: {source}")]
    Glob {
        key: &'static str,
        pattern: String,
        source: globset::Error,
    },
    #[error("files.paths: `{0}` is not an absolute path")]
    RelativePath(PathBuf),
    #[error("files.paths: no path to watch")]
    NoPaths,
    #[error("files.rescan_interval: must be at least 1s")]
    RescanTooShort,
    #[error("files.debounce: must be at most 1m")]
    DebounceTooLong,
}

impl FilesConfig {
    /// Checks the settings (globs compile, paths absolute, durations in
    /// range), so a config loader can fail before anything starts.
    pub fn validate(&self) -> Result<(), FilesConfigError> {
        Compiled::new(self).map(drop)
    }
}

/// Glob patterns split by what they match against.
pub(crate) struct PathMatcher {
    by_name: GlobSet,
    by_path: GlobSet,
}

impl PathMatcher {
    pub(crate) fn new<'a>(
        key: &'static str,
        patterns: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, FilesConfigError> {
        let mut by_name = GlobSetBuilder::new();
        let mut by_path = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(false)
                .backslash_escape(true)
                .build()
                .map_err(|source| FilesConfigError::Glob {
                    key,
                    pattern: pattern.to_owned(),
                    source,
                })?;
            if pattern.contains('/') {
                by_path.add(glob);
            } else {
                by_name.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|source| FilesConfigError::Glob {
                key,
                pattern: String::from("(set)"),
                source,
            })
        };
        Ok(PathMatcher {
            by_name: build(by_name)?,
            by_path: build(by_path)?,
        })
    }

    pub(crate) fn is_match(&self, path: &Path) -> bool {
        self.by_path.is_match(path)
            || path
                .file_name()
                .is_some_and(|name| self.by_name.is_match(Path::new(name)))
    }
}

/// The settings in the form the engine uses them.
pub(crate) struct Compiled {
    /// Deduplicated, none nested in another.
    pub(crate) roots: Vec<PathBuf>,
    pub(crate) ignore: PathMatcher,
    pub(crate) secret: PathMatcher,
    pub(crate) max_diff_bytes: u64,
    pub(crate) rescan_interval: Duration,
    pub(crate) debounce: Duration,
    pub(crate) max_watches: usize,
}

impl Compiled {
    pub(crate) fn new(cfg: &FilesConfig) -> Result<Self, FilesConfigError> {
        if cfg.paths.is_empty() {
            return Err(FilesConfigError::NoPaths);
        }
        let mut roots: Vec<PathBuf> = Vec::new();
        for p in &cfg.paths {
            if !p.is_absolute() {
                return Err(FilesConfigError::RelativePath(p.clone()));
            }
            // `components()` drops `.` and trailing slashes.
            roots.push(p.components().collect());
        }
        roots.sort();
        roots.dedup();
        let nested: Vec<bool> = roots
            .iter()
            .map(|r| roots.iter().any(|o| o != r && r.starts_with(o)))
            .collect();
        let roots = roots
            .into_iter()
            .zip(nested)
            .filter_map(|(r, nested)| (!nested).then_some(r))
            .collect();
        if cfg.rescan_interval < Duration::from_secs(1) {
            return Err(FilesConfigError::RescanTooShort);
        }
        if cfg.debounce > Duration::from_secs(60) {
            return Err(FilesConfigError::DebounceTooLong);
        }
        let ignore = PathMatcher::new(
            "ignore",
            DEFAULT_IGNORE
                .iter()
                .copied()
                .chain(cfg.ignore.iter().map(String::as_str)),
        )?;
        let secret = PathMatcher::new(
            "secret_paths",
            DEFAULT_SECRET_PATHS
                .iter()
                .copied()
                .chain(cfg.secret_paths.iter().map(String::as_str)),
        )?;
        Ok(Compiled {
            roots,
            ignore,
            secret,
            max_diff_bytes: cfg.max_diff_bytes,
            rescan_interval: cfg.rescan_interval,
            debounce: cfg.debounce,
            max_watches: cfg.max_watches,
        })
    }

    /// Whether `path` is inside one of the watched roots.
    pub(crate) fn in_scope(&self, path: &Path) -> bool {
        self.roots.iter().any(|r| path.starts_with(r))
    }
}
