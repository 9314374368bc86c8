//! `vigil-server` configuration: TOML, every key optional with a documented
//! default, unknown keys rejected. See `packaging/server.toml`.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::auth::password::Argon2Cost;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Admin API (HTTPS, bearer tokens). Default `127.0.0.1:8443`.
    pub admin_listen: SocketAddr,
    /// Agent listener (mTLS). Default `0.0.0.0:8444`: agents are remote.
    pub agent_listen: SocketAddr,
    /// Lifetime of agent client certificates. Default `30d`; agents renew
    /// after two thirds of it.
    #[serde(with = "humantime_serde")]
    pub agent_cert_validity: Duration,
    /// A host is `stale` when nothing arrived for this long. Default `60s`.
    #[serde(with = "humantime_serde")]
    pub host_stale_after: Duration,
    /// Largest ingest body (compressed). Default 8 MiB.
    pub max_batch_bytes: usize,
    /// Ingest requests in flight before the collector answers 503 with
    /// Retry-After. Default 256.
    pub max_ingest_in_flight: usize,
    /// Support bundles are deleted this long after upload. Default 259200
    /// (3 days).
    pub support_retention_seconds: u64,
    /// Largest support-bundle upload (compressed). Default 64 MiB.
    pub max_support_bundle_bytes: usize,
    /// Largest support bundle once decompressed (zip-bomb guard). Default
    /// 256 MiB.
    pub max_support_bundle_decoded_bytes: usize,
    /// The collector's own redaction settings for re-scanning support
    /// bundles (e.g. `allowlist`). Default: the engine's defaults.
    pub support_redact: vigil_shared::redact::RedactConfig,
    pub auth: AuthConfig,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Session lifetime after login. Default `12h`.
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// A session unused this long expires. Default `30m`.
    #[serde(with = "humantime_serde")]
    pub session_idle_timeout: Duration,
    /// Failed logins in a row that lock an account. Default 5.
    pub max_failed_logins: u32,
    /// How long a lockout lasts. Default `15m`.
    #[serde(with = "humantime_serde")]
    pub lockout: Duration,
    /// Argon2id cost for new password hashes.
    pub argon2: Argon2Cost,
    /// Two-person rule: once two or more admins exist, granting the admin
    /// or privacy_officer role creates a request another admin must
    /// approve. Default `true`.
    pub two_person_rule: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            agent_listen: SocketAddr::from(([0, 0, 0, 0], 8444)),
            agent_cert_validity: Duration::from_secs(30 * 24 * 3600),
            host_stale_after: Duration::from_secs(60),
            max_batch_bytes: vigil_shared::wire::MAX_BATCH_COMPRESSED_BYTES,
            max_ingest_in_flight: 256,
            support_retention_seconds: 3 * 24 * 3600,
            max_support_bundle_bytes: vigil_shared::wire::MAX_SUPPORT_BUNDLE_COMPRESSED_BYTES,
            max_support_bundle_decoded_bytes: vigil_shared::wire::MAX_SUPPORT_BUNDLE_DECODED_BYTES,
            support_redact: vigil_shared::redact::RedactConfig::default(),
            auth: AuthConfig::default(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_ttl: Duration::from_secs(12 * 3600),
            session_idle_timeout: Duration::from_secs(30 * 60),
            max_failed_logins: 5,
            lockout: Duration::from_secs(15 * 60),
            argon2: Argon2Cost::default(),
            two_person_rule: true,
        }
    }
}

impl ServerConfig {
    /// Loads a config file; errors name the file and the offending key.
    pub fn load(path: &Path) -> anyhow::Result<ServerConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<ServerConfig, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_defaults() {
        let c = ServerConfig::parse("").unwrap();
        assert_eq!(c.admin_listen.to_string(), "127.0.0.1:8443");
        assert_eq!(c.agent_listen.to_string(), "0.0.0.0:8444");
        assert_eq!(c.auth.max_failed_logins, 5);
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = ServerConfig::parse("admin_listn = \"x\"").unwrap_err();
        assert!(err.to_string().contains("admin_listn"), "{err}");
        let err = ServerConfig::parse("[auth]\nlockot = \"1m\"").unwrap_err();
        assert!(err.to_string().contains("lockot"), "{err}");
    }

    #[test]
    fn durations_use_humantime() {
        let c =
            ServerConfig::parse("agent_cert_validity = \"20s\"\n[auth]\nlockout = \"2m\"").unwrap();
        assert_eq!(c.agent_cert_validity, Duration::from_secs(20));
        assert_eq!(c.auth.lockout, Duration::from_secs(120));
    }
}
