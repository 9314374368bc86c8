//! The agent ↔ collector wire protocol.
//!
//! Every type here crosses a process boundary, so every type here is
//! versioned by [`PROTOCOL_VERSION`]. Batches travel as zstd-compressed JSON
//! (`application/vnd.vigil.batch+zstd`); enrollment and renewal are plain
//! JSON. Changing a field's meaning needs a new protocol version; adding an
//! optional field does not.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u16 = 1;

/// Agent listener routes.
pub const PATH_ENROLL: &str = "/v1/agent/enroll";
pub const PATH_RENEW: &str = "/v1/agent/renew";
pub const PATH_INGEST: &str = "/v1/agent/ingest";
pub const PATH_SUPPORT_BUNDLE: &str = "/v1/agent/support-bundles";

/// Content type of an ingest body.
pub const BATCH_CONTENT_TYPE: &str = "application/vnd.vigil.batch+zstd";

/// Largest compressed ingest body the collector accepts.
pub const MAX_BATCH_COMPRESSED_BYTES: usize = 8 * 1024 * 1024;
/// Largest decompressed ingest body the collector accepts (zip-bomb guard).
pub const MAX_BATCH_DECODED_BYTES: usize = 64 * 1024 * 1024;

/// An agent's identity: 32 lowercase hex digits, the CN and SAN of its
/// client certificate.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgentId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("an agent id is 32 lowercase hex digits")]
pub struct InvalidAgentId;

impl AgentId {
    /// Builds an id from 16 random bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        AgentId(hex::encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AgentId {
    type Err = InvalidAgentId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(AgentId(s.to_owned()))
        } else {
            Err(InvalidAgentId)
        }
    }
}

impl TryFrom<String> for AgentId {
    type Error = InvalidAgentId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AgentId> for String {
    fn from(id: AgentId) -> String {
        id.0
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `POST /v1/agent/enroll` (no client certificate needed).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub version: u16,
    /// Single-use enrollment token.
    pub token: String,
    /// PKCS#10 certificate signing request, PEM. Its subject is ignored: the
    /// collector assigns the agent id.
    pub csr_pem: String,
    pub host: HostInfo,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollResponse {
    pub agent_id: AgentId,
    pub cert_pem: String,
    /// The collector CA, PEM: the trust anchor for every later connection.
    pub ca_pem: String,
    pub not_after_ms: i64,
}

/// `POST /v1/agent/renew` (client certificate required): a new CSR for the
/// same identity, answered with a fresh certificate.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    pub version: u16,
    pub csr_pem: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewResponse {
    pub cert_pem: String,
    pub not_after_ms: i64,
}

/// Identifies a batch for deduplication. The agent id comes from the client
/// certificate, never from the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchId {
    /// Random per spool: a wiped or restored spool starts a new epoch.
    pub epoch: u64,
    /// Strictly increasing within an epoch, at most [`MAX_BATCH_SEQ`]
    /// (the collector stores it as a signed 64-bit integer and orders by it).
    pub seq: u64,
}

/// The highest batch sequence the collector accepts.
pub const MAX_BATCH_SEQ: u64 = i64::MAX as u64;

/// Just enough of a batch to read its version before decoding the rest.
#[derive(Deserialize)]
pub struct VersionProbe {
    pub version: u16,
}

/// `POST /v1/agent/ingest`, body zstd(JSON(Batch)).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub version: u16,
    pub id: BatchId,
    pub host: HostInfo,
    pub records: Vec<Record>,
    /// Records the agent had to drop (spool full) since the last batch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
}

impl Batch {
    /// Encodes a batch for the wire: JSON, then zstd.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let json = serde_json::to_vec(self).map_err(|e| WireError::Malformed(e.to_string()))?;
        zstd::bulk::compress(&json, 3).map_err(|e| WireError::Compression(e.to_string()))
    }

    /// Decodes a wire body, checking the version before the rest.
    pub fn decode(body: &[u8]) -> Result<Batch, WireError> {
        let json = decompress_limited(body, MAX_BATCH_DECODED_BYTES)?;
        let probe: VersionProbe = serde_json::from_slice(&json)
            .map_err(|e| WireError::Malformed(format!("no protocol version: {e}")))?;
        if probe.version != PROTOCOL_VERSION {
            return Err(WireError::UnsupportedVersion(probe.version));
        }
        let batch: Batch =
            serde_json::from_slice(&json).map_err(|e| WireError::Malformed(e.to_string()))?;
        if batch.id.seq > MAX_BATCH_SEQ {
            return Err(WireError::Malformed(format!(
                "batch sequence {} is above {MAX_BATCH_SEQ}",
                batch.id.seq
            )));
        }
        Ok(batch)
    }

    pub fn sample_count(&self) -> usize {
        self.records
            .iter()
            .map(|r| match r {
                Record::Metrics(m) => m.samples.len(),
                _ => 0,
            })
            .sum()
    }
}

/// Decompresses a zstd stream, refusing more than `limit` bytes of output.
/// The buffer grows with the data (a bulk decoder would reserve `limit` up
/// front for every body).
pub fn decompress_limited(body: &[u8], limit: usize) -> Result<Vec<u8>, WireError> {
    use std::io::Read;
    let decoder = zstd::stream::read::Decoder::new(body)
        .map_err(|e| WireError::Compression(e.to_string()))?;
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
    decoder
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| WireError::Compression(e.to_string()))?;
    if out.len() > limit {
        return Err(WireError::Compression(format!(
            "decoded body exceeds {limit} bytes"
        )));
    }
    Ok(out)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("body is not valid zstd or exceeds {MAX_BATCH_DECODED_BYTES} bytes decoded: {0}")]
    Compression(String),
    #[error("batch is not valid protocol JSON: {0}")]
    Malformed(String),
    #[error("protocol version {0} is not supported (this collector speaks {PROTOCOL_VERSION})")]
    UnsupportedVersion(u16),
}

/// Static facts about the host, sent with every batch (small, and it keeps
/// the collector's view current after an upgrade).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostInfo {
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub agent_version: String,
}

/// One thing the agent observed. (Records are built once and moved into a
/// batch, so the size spread between variants costs nothing worth a Box.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Externally tagged (`{"metrics": {...}}`): serde decodes it without
// buffering each record first, which an internal tag would need.
#[serde(rename_all = "snake_case")]
pub enum Record {
    Metrics(MetricsSnapshot),
    Inventory(Inventory),
    FileChange(FileChange),
}

/// All samples of one collection pass, sharing one timestamp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSnapshot {
    pub ts_ms: i64,
    pub samples: Vec<Sample>,
}

/// One value of one series. Names follow `<area>_<what>_<unit>[_total]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    pub name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Logged-in users and top processes at one moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    pub ts_ms: i64,
    pub users: Vec<LoggedInUser>,
    pub processes: Vec<ProcessInfo>,
}

/// How a username was treated at the source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", content = "value", rename_all = "snake_case")]
pub enum UserName {
    /// The username as the host knows it (personal data).
    Clear(String),
    /// A redaction token: stable per user within the agent's key scope.
    Pseudonym(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedInUser {
    pub user: UserName,
    /// Terminal or session type (e.g. `pts/0`).
    #[serde(default)]
    pub terminal: Option<String>,
    /// Login time, ms since the epoch, when known.
    #[serde(default)]
    pub since_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessInfo {
    pub pid: u32,
    pub name: String,
    /// Owner; `None` when usernames are dropped or unknown.
    #[serde(default)]
    pub user: Option<UserName>,
    /// Command line after the agent's policy (redacted, dropped, collected).
    #[serde(default)]
    pub cmdline: Option<String>,
    pub cpu_percent: f32,
    pub memory_bytes: u64,
}

/// A configuration-file change (see the config watch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileChange {
    pub ts_ms: i64,
    pub path: String,
    pub kind: ChangeKind,
    pub detection: Detection,
    #[serde(default)]
    pub old: Option<FileMeta>,
    #[serde(default)]
    pub new: Option<FileMeta>,
    /// For renames: the path the file had before.
    #[serde(default)]
    pub renamed_from: Option<String>,
    /// Unified diff between the redacted old and new content (text files only).
    #[serde(default)]
    pub diff: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Modified,
    Metadata,
    Deleted,
    Renamed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Modified => "modified",
            ChangeKind::Metadata => "metadata",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Renamed => "renamed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detection {
    Realtime,
    Rescan,
}

/// What the agent knows about a file at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMeta {
    /// `file`, `dir`, `symlink` or `other`.
    pub file_type: String,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime_ms: i64,
    /// SHA-256 of the content, hex (regular files only).
    #[serde(default)]
    pub sha256: Option<String>,
    /// Where a symlink points (symlinks only; never followed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
}

/// Records lost at the agent before they could be shipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    pub records_dropped: u64,
    pub first_ts_ms: i64,
    pub last_ts_ms: i64,
}

/// The collector's answer to an ingest: sent only after a durable commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestAck {
    pub id: BatchId,
    pub status: AckStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    /// Stored now.
    Committed,
    /// Stored earlier; not stored again.
    Duplicate,
}

/// Error body on both listeners: a stable code and a human message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// Content type of a support-bundle upload: a tar archive, zstd-compressed.
pub const SUPPORT_BUNDLE_CONTENT_TYPE: &str = "application/vnd.vigil.support-bundle+tar+zstd";
/// The manifest entry of a support bundle (JSON [`SupportManifest`]).
pub const SUPPORT_MANIFEST_ENTRY: &str = "manifest.json";
/// Largest compressed support bundle the collector accepts by default.
pub const MAX_SUPPORT_BUNDLE_COMPRESSED_BYTES: usize = 64 * 1024 * 1024;
/// Largest decoded support bundle (tar stream) by default: zip-bomb guard.
pub const MAX_SUPPORT_BUNDLE_DECODED_BYTES: usize = 256 * 1024 * 1024;
/// Most files one support bundle may carry.
pub const MAX_SUPPORT_BUNDLE_FILES: usize = 1000;
/// Longest consent text, in bytes.
pub const MAX_SUPPORT_CONSENT_BYTES: usize = 4096;

/// Which form of a file a bundle entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportVariant {
    /// Passed through the redaction engine (always present).
    Redacted,
    /// The file as it was on disk (only with explicit consent).
    Raw,
}

impl SupportVariant {
    pub fn as_str(self) -> &'static str {
        match self {
            SupportVariant::Redacted => "redacted",
            SupportVariant::Raw => "raw",
        }
    }

    /// The tar entry name of file `index` in this form (`redacted/0`).
    /// Entries are named by index only: original paths are personal data
    /// and travel inside the manifest.
    pub fn entry_name(self, index: u32) -> String {
        format!("{}/{index}", self.as_str())
    }
}

/// `manifest.json` of a support bundle (`POST /v1/agent/support-bundles`,
/// body zstd(tar(manifest.json, redacted/N, raw/N))).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportManifest {
    pub version: u16,
    pub consent: SupportConsent,
    /// One entry per file, `index` 0, 1, 2, ... in order.
    pub files: Vec<SupportFile>,
}

/// Who agreed to what, recorded with the bundle (sealed at the collector).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportConsent {
    /// The local OS user who ran the command (personal data).
    pub os_user: String,
    /// When consent was given, ms since the epoch.
    pub at_ms: i64,
    /// The consent statement as given (`--consent`).
    pub text: String,
    /// Support ticket reference (`--ticket`).
    #[serde(default)]
    pub ticket: Option<String>,
    /// The operator also agreed to send files unredacted.
    pub include_unredacted: bool,
}

/// One collected file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportFile {
    pub index: u32,
    /// The original path (personal data: `/home/alice/...`).
    pub path: String,
    /// The path after redaction, for display.
    pub display_path: String,
    /// Size of the original file, bytes.
    pub size: u64,
    /// Findings per kind replaced by the agent (counts, never values).
    #[serde(default)]
    pub findings: BTreeMap<String, u64>,
    /// A `raw/N` entry exists (only with `include_unredacted`).
    pub has_raw: bool,
}

/// The collector's answer to a support-bundle upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportUploadAck {
    /// The bundle id (32 lowercase hex digits).
    pub id: String,
    /// The collector's own re-scan found something the agent missed: the
    /// bundle waits for an admin's review before support sees it.
    pub quarantined: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Batch {
        Batch {
            version: PROTOCOL_VERSION,
            id: BatchId { epoch: 7, seq: 1 },
            host: HostInfo {
                hostname: "h".into(),
                ..HostInfo::default()
            },
            records: vec![Record::Metrics(MetricsSnapshot {
                ts_ms: 1,
                samples: vec![Sample {
                    name: "cpu_usage_percent".into(),
                    labels: BTreeMap::from([("cpu".into(), "total".into())]),
                    value: 3.5,
                }],
            })],
            gaps: vec![],
        }
    }

    #[test]
    fn batch_round_trips() {
        let b = batch();
        let decoded = Batch::decode(&b.encode().unwrap()).unwrap();
        assert_eq!(decoded.id, b.id);
        assert_eq!(decoded.records, b.records);
        assert_eq!(decoded.sample_count(), 1);
    }

    #[test]
    fn unknown_version_is_named() {
        let mut b = batch();
        b.version = 99;
        let err = Batch::decode(&b.encode().unwrap()).unwrap_err();
        assert_eq!(err, WireError::UnsupportedVersion(99));
    }

    #[test]
    fn a_sequence_the_collector_cannot_order_is_malformed() {
        let mut b = batch();
        b.id.seq = MAX_BATCH_SEQ;
        assert_eq!(
            Batch::decode(&b.encode().unwrap()).unwrap().id.seq,
            MAX_BATCH_SEQ
        );
        b.id.seq = MAX_BATCH_SEQ + 1;
        assert!(matches!(
            Batch::decode(&b.encode().unwrap()),
            Err(WireError::Malformed(m)) if m.contains("sequence")
        ));
    }

    #[test]
    fn garbage_is_a_compression_error() {
        assert!(matches!(
            Batch::decode(b"definitely not zstd"),
            Err(WireError::Compression(_))
        ));
        let not_json = zstd::bulk::compress(b"{nope", 1).unwrap();
        assert!(matches!(
            Batch::decode(&not_json),
            Err(WireError::Malformed(_))
        ));
    }

    #[test]
    fn decoding_is_bounded() {
        let big = zstd::bulk::compress(&vec![b' '; 1 << 20], 3).unwrap();
        assert!(decompress_limited(&big, 1 << 20).is_ok());
        assert!(matches!(
            decompress_limited(&big, (1 << 20) - 1),
            Err(WireError::Compression(_))
        ));
    }

    #[test]
    fn agent_id_is_validated() {
        assert!("0123456789abcdef0123456789abcdef"
            .parse::<AgentId>()
            .is_ok());
        assert!("../etc".parse::<AgentId>().is_err());
        assert!("0123456789ABCDEF0123456789ABCDEF"
            .parse::<AgentId>()
            .is_err());
    }
}
