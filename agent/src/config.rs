//! The agent's configuration file (TOML).
//!
//! Every key has a default, so the agent runs without a file once enrolled:
//! the collector URL and the identity come from the state directory.
//! Unknown keys are rejected; every error names the file and the key.
//! `packaging/agent.toml` documents each key.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Smallest allowed `max_spool_bytes` (1 MiB).
pub const MIN_SPOOL_BYTES: u64 = 1024 * 1024;

/// The whole agent config file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentConfig {
    /// Collector URL (`https://host:8444`). Default: the URL given at
    /// enrollment, from the state directory.
    pub server: Option<String>,
    /// Seconds between metric collections. Default 10.
    pub interval_seconds: u64,
    /// Seconds between inventories (logged-in users, top processes).
    /// Default 60.
    pub inventory_interval_seconds: u64,
    /// Longest one collector source may take before its result is skipped
    /// (a hung NFS mount stalls only itself). Default 5.
    pub collector_timeout_seconds: u64,
    /// Upper bound of the local spool's content, in bytes. When full, the
    /// oldest records are dropped and reported to the collector as a gap.
    /// Default 67108864 (64 MiB); at least 1 MiB.
    pub max_spool_bytes: u64,
    pub privacy: PrivacyConfig,
    pub inventory: InventoryConfig,
    pub ship: ShipConfig,
    /// Configuration-file change monitoring (`[files]`).
    pub files: crate::collect::files::FilesConfig,
    /// Redaction settings: custom patterns and an allowlist (`[redact]`).
    pub redact: vigil_shared::redact::RedactConfig,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            server: None,
            interval_seconds: 10,
            inventory_interval_seconds: 60,
            collector_timeout_seconds: 5,
            max_spool_bytes: 64 * 1024 * 1024,
            privacy: PrivacyConfig::default(),
            inventory: InventoryConfig::default(),
            ship: ShipConfig::default(),
            files: Default::default(),
            redact: Default::default(),
        }
    }
}

/// What happens to personal data at the source (`[privacy]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// `collect` | `pseudonymize` | `drop`. Default `pseudonymize`.
    pub usernames: UsernamePolicy,
    /// `redact` | `drop` | `collect`. Default `redact`.
    pub cmdlines: CmdlinePolicy,
}

/// How usernames (session owners, process owners) leave the host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsernamePolicy {
    /// Sent as they are (personal data; the collector encrypts it).
    Collect,
    /// Replaced by a keyed token, stable per user on this host.
    #[default]
    Pseudonymize,
    /// Not sent at all.
    Drop,
}

/// How process command lines leave the host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmdlinePolicy {
    /// Passed through the redaction engine (secrets, PII become tokens).
    #[default]
    Redact,
    /// Not sent.
    Drop,
    /// Sent as they are.
    Collect,
}

/// `[inventory]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InventoryConfig {
    /// Whether inventories are taken at all. Default `true`.
    pub enabled: bool,
    /// How many processes to report by CPU and by memory each (the union
    /// is sent). Default 10; 1 to 100.
    pub top_processes: usize,
}

impl Default for InventoryConfig {
    fn default() -> Self {
        InventoryConfig {
            enabled: true,
            top_processes: 10,
        }
    }
}

/// `[ship]`: batching and delivery to the collector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShipConfig {
    /// Most records per batch. Default 500.
    pub batch_max_records: usize,
    /// Most uncompressed record bytes per batch. Default 4194304 (4 MiB).
    pub batch_max_bytes: usize,
    /// Seconds between looks at the spool when it is empty. Default 5.
    pub flush_interval_seconds: u64,
    /// Longest one request may take. Default 30.
    pub request_timeout_seconds: u64,
    /// First retry delay after a failure. Default 1.
    pub backoff_initial_seconds: u64,
    /// Longest retry delay (also caps a collector's Retry-After). Default 60.
    pub backoff_max_seconds: u64,
    /// On shutdown, how long an in-flight request may take to finish before
    /// it is abandoned (its batch stays spooled). Default 5.
    pub shutdown_grace_seconds: u64,
}

impl Default for ShipConfig {
    fn default() -> Self {
        ShipConfig {
            batch_max_records: 500,
            batch_max_bytes: 4 * 1024 * 1024,
            flush_interval_seconds: 5,
            request_timeout_seconds: 30,
            backoff_initial_seconds: 1,
            backoff_max_seconds: 60,
            shutdown_grace_seconds: 5,
        }
    }
}

/// A config that could not be loaded; names the file and, when known, the key.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: key `{key}`: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl AgentConfig {
    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<AgentConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            key: None,
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates config text; `file` is only used in errors.
    pub fn parse(text: &str, file: &Path) -> Result<AgentConfig, ConfigError> {
        let cfg: AgentConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().to_owned();
            let key = key_of_error(text, e.span(), &message);
            ConfigError {
                file: file.to_path_buf(),
                key,
                message,
            }
        })?;
        cfg.validate().map_err(|(key, message)| ConfigError {
            file: file.to_path_buf(),
            key: Some(key.to_owned()),
            message,
        })?;
        Ok(cfg)
    }

    /// Checks ranges and forms; returns the offending key and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(server) = &self.server {
            if !server.starts_with("https://") {
                return Err(("server", "must be an https:// URL".into()));
            }
            if crate::http::Target::parse(server).is_err() {
                return Err(("server", "is not a valid URL".into()));
            }
        }
        let range = |key, v: u64, lo: u64, hi: u64| {
            if v < lo || v > hi {
                Err((key, format!("must be between {lo} and {hi}, got {v}")))
            } else {
                Ok(())
            }
        };
        range("interval_seconds", self.interval_seconds, 1, 3600)?;
        range(
            "inventory_interval_seconds",
            self.inventory_interval_seconds,
            1,
            86_400,
        )?;
        range(
            "collector_timeout_seconds",
            self.collector_timeout_seconds,
            1,
            600,
        )?;
        range(
            "max_spool_bytes",
            self.max_spool_bytes,
            MIN_SPOOL_BYTES,
            u64::MAX / 2,
        )?;
        range(
            "inventory.top_processes",
            self.inventory.top_processes as u64,
            1,
            100,
        )?;
        let s = &self.ship;
        range(
            "ship.batch_max_records",
            s.batch_max_records as u64,
            1,
            100_000,
        )?;
        range(
            "ship.batch_max_bytes",
            s.batch_max_bytes as u64,
            64 * 1024,
            (vigil_shared::wire::MAX_BATCH_DECODED_BYTES / 2) as u64,
        )?;
        range(
            "ship.flush_interval_seconds",
            s.flush_interval_seconds,
            1,
            3600,
        )?;
        range(
            "ship.request_timeout_seconds",
            s.request_timeout_seconds,
            1,
            3600,
        )?;
        range(
            "ship.backoff_initial_seconds",
            s.backoff_initial_seconds,
            1,
            3600,
        )?;
        range(
            "ship.backoff_max_seconds",
            s.backoff_max_seconds,
            s.backoff_initial_seconds,
            86_400,
        )?;
        range(
            "ship.shutdown_grace_seconds",
            s.shutdown_grace_seconds,
            0,
            600,
        )?;
        self.files
            .validate()
            .map_err(|e| ("files", e.to_string()))?;
        vigil_shared::redact::Redactor::new(
            vigil_shared::redact::ScopeKey::from_bytes([0; 32]),
            &self.redact,
        )
        .map_err(|e| ("redact", e.to_string()))?;
        Ok(())
    }
}

/// Finds the dotted key a TOML error points at: from the message for an
/// unknown field, else from the line under the error's span and the table
/// header above it.
fn key_of_error(text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> Option<String> {
    let span = span?;
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text.get(line_start..line_end)?.trim();
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    let name = if let Some(rest) = message.strip_prefix("unknown field `") {
        rest.split('`').next().map(str::to_owned)
    } else if line.starts_with('[') {
        // The error is about a whole table (e.g. an unknown section).
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned(),
        );
    } else {
        line.split('=').next().map(|k| k.trim().to_owned())
    }?;
    if line.starts_with('[') {
        // Unknown field reported at the table header: the table is the
        // parent of the field.
        let header = line.trim_matches(|c| c == '[' || c == ']').trim();
        return Some(format!("{header}.{name}"));
    }
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{name}"),
        _ => name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AgentConfig, ConfigError> {
        AgentConfig::parse(text, Path::new("agent.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(parse("").unwrap(), AgentConfig::default());
        assert_eq!(AgentConfig::default().interval_seconds, 10);
        assert_eq!(
            AgentConfig::default().privacy.usernames,
            UsernamePolicy::Pseudonymize
        );
        assert_eq!(
            AgentConfig::default().privacy.cmdlines,
            CmdlinePolicy::Redact
        );
    }

    #[test]
    fn example_config_parses_to_defaults() {
        // packaging/agent.toml documents every key with its default value;
        // uncommenting it must change nothing.
        let example = include_str!("../../packaging/agent.toml");
        let uncommented: String = example
            .lines()
            .map(|l| {
                let t = l.trim_start();
                if let Some(rest) = t.strip_prefix("# ") {
                    let looks_like_key = rest.starts_with('[')
                        || rest
                            .split_once(" = ")
                            .is_some_and(|(k, _)| !k.contains(' ') && !k.is_empty());
                    if looks_like_key {
                        return format!("{rest}\n");
                    }
                }
                if t.starts_with('#') {
                    return "\n".into();
                }
                format!("{l}\n")
            })
            .collect();
        let cfg = parse(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        let expected = AgentConfig {
            server: cfg.server.clone(),
            ..AgentConfig::default()
        };
        assert_eq!(cfg, expected);
    }

    #[test]
    fn values_are_read() {
        let cfg = parse(
            "interval_seconds = 3\n[privacy]\nusernames = \"drop\"\ncmdlines = \"collect\"\n[ship]\nbatch_max_records = 7\n",
        )
        .unwrap();
        assert_eq!(cfg.interval_seconds, 3);
        assert_eq!(cfg.privacy.usernames, UsernamePolicy::Drop);
        assert_eq!(cfg.privacy.cmdlines, CmdlinePolicy::Collect);
        assert_eq!(cfg.ship.batch_max_records, 7);
    }

    #[test]
    fn unknown_top_level_key_names_file_and_key() {
        let err = parse("interval_seconds = 3\nintervall = 5\n").unwrap_err();
        let shown = err.to_string();
        assert_eq!(err.key.as_deref(), Some("intervall"), "{shown}");
        assert!(shown.contains("agent.toml"), "{shown}");
        assert!(shown.contains("intervall"), "{shown}");
    }

    #[test]
    fn unknown_nested_key_names_its_table() {
        let err = parse("[privacy]\nusernames = \"drop\"\npasswords = \"collect\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("privacy.passwords"), "{err}");
        assert!(err
            .to_string()
            .starts_with("agent.toml: key `privacy.passwords`"));
    }

    #[test]
    fn bad_value_names_key() {
        let err = parse("[privacy]\nusernames = \"hash\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("privacy.usernames"), "{err}");
        let err = parse("interval_seconds = \"ten\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("interval_seconds"), "{err}");
    }

    #[test]
    fn out_of_range_names_key() {
        let err = parse("interval_seconds = 0\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("interval_seconds"));
        let err = parse("max_spool_bytes = 10\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("max_spool_bytes"));
        let err = parse("server = \"http://plain:8444\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("server"));
        let err = parse("[inventory]\ntop_processes = 1000\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("inventory.top_processes"));
    }

    #[test]
    fn missing_file_is_named() {
        let err = AgentConfig::load(Path::new("/nonexistent/agent.toml")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/agent.toml"));
    }
}
