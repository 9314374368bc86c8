//! `vigil-agent enroll`: first contact with the collector.
//!
//! The collector CA is pinned by the SHA-256 fingerprint the operator
//! passes (`--ca-sha256`), the key pair is made here and never leaves the
//! host, and the single-use token buys a client certificate. Key,
//! certificate and CA land in the state directory (0600 files, 0700
//! directory); `state.toml` is written last and marks the agent enrolled.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use vigil_shared::wire::{
    AgentId, EnrollRequest, EnrollResponse, ErrorBody, HostInfo, PATH_ENROLL, PROTOCOL_VERSION,
};

use crate::http::HttpsClient;
use crate::state::{self, AgentState, StateDir};
use crate::tls::{self, Fingerprint};

/// What `enroll` needs; the CLI flags one to one.
#[derive(Clone, Debug)]
pub struct EnrollOptions {
    /// Collector agent listener, `https://host:8444`.
    pub server: String,
    /// Single-use enrollment token (never logged).
    pub token: String,
    /// SHA-256 of the collector CA's DER, hex (colons and case ignored).
    pub ca_sha256: String,
    pub state_dir: PathBuf,
    /// Replace an existing enrollment.
    pub force: bool,
}

/// Why an enrollment failed, for callers that map errors to exit codes.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("{0}")]
    PinMismatch(String),
    #[error("the collector refused the enrollment ({code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("{} is already enrolled as agent {agent_id}; pass --force to enroll again", dir.display())]
    AlreadyEnrolled { dir: PathBuf, agent_id: String },
}

/// Enrolls this host and returns its new agent id.
pub async fn enroll(opts: &EnrollOptions) -> anyhow::Result<AgentId> {
    let server = normalize_server(&opts.server)?;
    let pin = Fingerprint::parse(&opts.ca_sha256).context("invalid --ca-sha256")?;
    anyhow::ensure!(
        !opts.token.trim().is_empty(),
        "the enrollment token is empty"
    );
    let dir = StateDir::new(&opts.state_dir);
    if dir.is_enrolled() && !opts.force {
        let agent_id = dir
            .read_state()
            .map(|s| s.agent_id.to_string())
            .unwrap_or_else(|_| "(unreadable state)".into());
        return Err(EnrollError::AlreadyEnrolled {
            dir: opts.state_dir.clone(),
            agent_id,
        }
        .into());
    }
    dir.create()?;

    let kc = tls::new_key_and_csr().context("while generating the agent key")?;
    let request = EnrollRequest {
        version: PROTOCOL_VERSION,
        token: opts.token.trim().to_owned(),
        csr_pem: kc.csr_pem.clone(),
        host: host_info(),
    };
    let tls_config = tls::enroll_client_config(pin).context("while setting up TLS")?;
    let client = HttpsClient::new(tls_config, Duration::from_secs(30));
    let url = format!("{server}{PATH_ENROLL}");
    tracing::info!(server = %server, "enrolling");
    let response = match client.post_json(&url, &request).await {
        Ok(r) => r,
        Err(e) => {
            if let Some(m) = tls::find_pin_mismatch(&e) {
                return Err(EnrollError::PinMismatch(m.to_string()).into());
            }
            return Err(anyhow::Error::new(e).context(format!("while connecting to {server}")));
        }
    };
    let (status, body) = (response.status, response.body);
    if !status.is_success() {
        let (code, message) = error_body(&body);
        return Err(EnrollError::Refused {
            status: status.as_u16(),
            code,
            message,
        }
        .into());
    }
    let resp: EnrollResponse =
        serde_json::from_slice(&body).context("the collector's enrollment response is invalid")?;

    // The CA we are told to trust from now on must be the one we pinned.
    let got = tls::pem_fingerprint(&resp.ca_pem).context("the returned CA is invalid")?;
    if got != pin {
        return Err(EnrollError::PinMismatch(format!(
            "collector CA fingerprint did not match: expected sha256 {pin}, got {got} (in the enrollment response)"
        ))
        .into());
    }
    if !tls::cert_matches_key(&resp.cert_pem, &kc.public_key_der)
        .context("the returned certificate is invalid")?
    {
        bail!("the returned certificate is not for the key this agent generated");
    }
    // Make sure the pieces work together before storing them.
    tls::mtls_client_config(&resp.ca_pem, &resp.cert_pem, &kc.key_pem)?;

    state::write_atomic(&dir.path(state::KEY_FILE), kc.key_pem.as_bytes())?;
    state::write_atomic(&dir.path(state::CERT_FILE), resp.cert_pem.as_bytes())?;
    state::write_atomic(&dir.path(state::CA_FILE), resp.ca_pem.as_bytes())?;
    dir.redact_key()?;
    dir.write_state(&AgentState {
        server: server.clone(),
        agent_id: resp.agent_id.clone(),
        ca_sha256: pin.to_string(),
        enrolled_at_ms: state::now_ms(),
    })?;
    tracing::info!(agent_id = %resp.agent_id, not_after_ms = resp.not_after_ms, "enrolled");
    Ok(resp.agent_id)
}

/// Checks the URL is https and strips a trailing slash.
pub(crate) fn normalize_server(server: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        server.starts_with("https://"),
        "the server URL must start with https:// (got {server:?})"
    );
    crate::http::Target::parse(server).with_context(|| format!("invalid server URL {server:?}"))?;
    Ok(server.trim_end_matches('/').to_owned())
}

/// The error code and message of an [`ErrorBody`], or placeholders.
pub(crate) fn error_body(body: &[u8]) -> (String, String) {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => (b.error.code, b.error.message),
        Err(_) => (
            "unknown".into(),
            String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        ),
    }
}

/// Static facts about this host: the host name and kernel release as the
/// kernel reports them (`/proc/sys/kernel/{hostname,osrelease}`), the
/// distribution from `/etc/os-release` (`/etc/lsb-release` as fallback),
/// e.g. `Linux (Debian GNU/Linux 12)`.
pub fn host_info() -> HostInfo {
    let kernel_value = |name: &str| {
        std::fs::read_to_string(format!("/proc/sys/kernel/{name}"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    HostInfo {
        hostname: kernel_value("hostname"),
        os: long_os_version(
            std::fs::read_to_string("/etc/os-release").ok().as_deref(),
            std::fs::read_to_string("/etc/lsb-release").ok().as_deref(),
        ),
        kernel: kernel_value("osrelease"),
        agent_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// `Linux (NAME VERSION_ID)` from os-release text, falling back to
/// lsb-release's `DISTRIB_ID`/`DISTRIB_RELEASE`; `Linux` alone when neither
/// says.
fn long_os_version(os_release: Option<&str>, lsb_release: Option<&str>) -> String {
    let find = |text: Option<&str>, key: &str| {
        text?
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.replace('"', ""))
    };
    let name = find(os_release, "NAME=").or_else(|| find(lsb_release, "DISTRIB_ID="));
    let version = find(os_release, "VERSION_ID=").or_else(|| find(lsb_release, "DISTRIB_RELEASE="));
    match (name, version) {
        (name, Some(v)) => format!("Linux ({} {v})", name.as_deref().unwrap_or("unknown")),
        (Some(n), None) => format!("Linux ({n})"),
        (None, None) => "Linux".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_version_text() {
        let os = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n";
        assert_eq!(
            long_os_version(Some(os), None),
            "Linux (Debian GNU/Linux 12)"
        );
        let lsb = "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n";
        assert_eq!(
            long_os_version(Some("NAME=Ubuntu\n"), Some(lsb)),
            "Linux (Ubuntu 22.04)"
        );
        assert_eq!(long_os_version(Some("NAME=Arch\n"), None), "Linux (Arch)");
        assert_eq!(long_os_version(None, None), "Linux");
        assert!(!host_info().hostname.is_empty());
    }

    #[test]
    fn server_urls() {
        assert_eq!(
            normalize_server("https://c:8444/").unwrap(),
            "https://c:8444"
        );
        assert!(normalize_server("http://c:8444").is_err());
        assert!(normalize_server("c:8444").is_err());
    }

    #[test]
    fn error_bodies() {
        let (c, m) = error_body(br#"{"error":{"code":"invalid_token","message":"used"}}"#);
        assert_eq!((c.as_str(), m.as_str()), ("invalid_token", "used"));
        let (c, _) = error_body(b"<html>");
        assert_eq!(c, "unknown");
    }

    #[tokio::test]
    async fn refuses_to_overwrite_an_enrollment() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::new(dir.path());
        sd.write_state(&AgentState {
            server: "https://c:8444".into(),
            agent_id: AgentId::from_bytes([7; 16]),
            ca_sha256: "00".repeat(32),
            enrolled_at_ms: 0,
        })
        .unwrap();
        let opts = EnrollOptions {
            server: "https://127.0.0.1:1".into(),
            token: "t".into(),
            ca_sha256: "00".repeat(32),
            state_dir: dir.path().to_path_buf(),
            force: false,
        };
        let err = enroll(&opts).await.unwrap_err();
        assert!(
            matches!(
                err.downcast_ref(),
                Some(EnrollError::AlreadyEnrolled { .. })
            ),
            "{err:#}"
        );
        assert!(err.to_string().contains("--force"));
    }
}
