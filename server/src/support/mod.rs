//! Support bundles on the collector: reading an upload ([`bundle`]), the
//! quarantine decision, sealing for storage, and the retention job
//! ([`retention`]).
//!
//! Everything personal in a bundle (the consent record with the local
//! user and original paths, every file) is sealed with a context that
//! binds it to the bundle id, the file index and the variant, so a sealed
//! file moved to another bundle or slot does not open.

pub mod bundle;
pub mod retention;

use rand::RngCore;
use vigil_shared::redact::{RedactConfig, Redactor, ScopeKey, Tables};
use vigil_shared::wire::{AgentId, SupportManifest, SupportVariant};

use crate::seal::{SealError, SealedValue, Sealer};
use crate::store::support::{BundleStatus, NewBundle, NewFile};
use bundle::{Bundle, Screening};

/// A new random bundle id: 32 lowercase hex digits.
pub fn new_bundle_id() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Whether `s` looks like a bundle id (anything else is a 404).
pub fn is_bundle_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Seal context of the manifest (consent, original paths).
pub fn manifest_context(bundle_id: &str) -> Vec<u8> {
    format!("support_bundles.manifest:{bundle_id}").into_bytes()
}

/// Seal context of one file of one bundle in one variant.
pub fn file_context(bundle_id: &str, index: u32, variant: SupportVariant) -> Vec<u8> {
    format!(
        "support_files.sealed:{bundle_id}:{index}:{}",
        variant.as_str()
    )
    .into_bytes()
}

/// The collector's re-scan engine. The key only scopes tokens nobody
/// keeps (the output is discarded), so a random one is right. Built per
/// upload and dropped after it: a bulk run, so fast tables.
pub fn screening_redactor(config: &RedactConfig) -> Result<Redactor, String> {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    Redactor::with_tables(ScopeKey::from_bytes(key), config, Tables::Fast)
        .map_err(|e| e.to_string())
}

/// Screens and seals a parsed bundle for storage. CPU-heavy: run it off
/// the async runtime.
pub fn prepare(
    sealer: &Sealer,
    redactor: &Redactor,
    agent: &AgentId,
    bundle: Bundle,
    received_ms: i64,
) -> Result<NewBundle, SealError> {
    let id = new_bundle_id();
    let (status, findings) = match bundle::screen(redactor, &bundle) {
        Screening::Clean => (BundleStatus::Visible, Default::default()),
        Screening::Quarantine(counts) => (BundleStatus::Quarantined, counts),
    };
    let Bundle { manifest, files } = bundle;
    let manifest_json = serde_json::to_vec(&manifest).map_err(|_| SealError::Malformed)?;
    let sealed_manifest = sealer.seal(&manifest_context(&id), &manifest_json)?;
    let mut sealed = Vec::with_capacity(files.len() * 2);
    let mut has_raw = false;
    for (f, meta) in files.into_iter().zip(&manifest.files) {
        let i = meta.index;
        sealed.push(NewFile {
            index: i,
            variant: SupportVariant::Redacted,
            size: f.redacted.len() as u64,
            sealed: sealer.seal(&file_context(&id, i, SupportVariant::Redacted), &f.redacted)?,
        });
        if let Some(raw) = f.raw {
            has_raw = true;
            sealed.push(NewFile {
                index: i,
                variant: SupportVariant::Raw,
                size: raw.len() as u64,
                sealed: sealer.seal(&file_context(&id, i, SupportVariant::Raw), &raw)?,
            });
        }
    }
    Ok(NewBundle {
        id,
        agent_id: agent.to_string(),
        received_ms,
        status,
        findings,
        file_count: manifest.files.len() as u32,
        has_raw,
        manifest: sealed_manifest,
        files: sealed,
    })
}

/// Opens a stored manifest.
pub fn open_manifest(
    sealer: &Sealer,
    bundle_id: &str,
    sealed: &SealedValue,
) -> Result<SupportManifest, SealError> {
    let bytes = sealer.open(&manifest_context(bundle_id), sealed)?;
    serde_json::from_slice(&bytes).map_err(|_| SealError::Malformed)
}
