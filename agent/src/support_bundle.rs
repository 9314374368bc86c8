//! `vigil-agent support-bundle`: collect chosen log files, redact them,
//! pack them and upload them to the collector over the agent's mTLS
//! channel, with the operator's consent recorded in the bundle.
//!
//! - No consent, no bundle: without `--consent` nothing is read or sent.
//! - Every bundle is redacted under a fresh random [`ScopeKey`], so tokens
//!   in one bundle cannot be linked to tokens in another (or to the
//!   agent's own redaction key).
//! - Original paths are personal data (`/home/alice/...`): they travel only
//!   inside the bundle's manifest; entries are named by index
//!   (`redacted/0`), and nothing here logs a path.
//! - Unredacted copies (`raw/N`) are added only with
//!   `--include-unredacted`; the collector shows them to support only
//!   under an admin's time-limited grant.
//! - The bundle is built in memory and never written to disk.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use globset::{GlobBuilder, GlobMatcher};
use rand::RngCore;
use vigil_shared::redact::{RedactConfig, Redactor, Report, ScopeKey, Tables};
use vigil_shared::wire::{
    SupportConsent, SupportFile, SupportManifest, SupportUploadAck, SupportVariant,
    MAX_SUPPORT_BUNDLE_COMPRESSED_BYTES, MAX_SUPPORT_BUNDLE_DECODED_BYTES,
    MAX_SUPPORT_BUNDLE_FILES, MAX_SUPPORT_CONSENT_BYTES, PATH_SUPPORT_BUNDLE, PROTOCOL_VERSION,
    SUPPORT_BUNDLE_CONTENT_TYPE, SUPPORT_MANIFEST_ENTRY,
};

use crate::enroll::{error_body, normalize_server};
use crate::http::HttpsClient;
use crate::state::{now_ms, StateDir};
use crate::tls;

/// What `vigil-agent support-bundle` was asked to do.
#[derive(Clone, Debug)]
pub struct SupportBundleOptions {
    pub state_dir: PathBuf,
    /// Files or globs (`/var/log/app/*.log`, `/var/log/**/*.log`).
    pub include: Vec<String>,
    /// The operator's consent statement; `None` refuses.
    pub consent: Option<String>,
    pub ticket: Option<String>,
    /// Also send the files unredacted (needs consent too).
    pub include_unredacted: bool,
    pub redact: RedactConfig,
}

/// Shown when `--consent` is missing.
pub const NO_CONSENT: &str = "refusing to build a support bundle without consent: \
the chosen log files may contain personal data (user names, addresses, \
e-mail). They are redacted before they leave this host, but sending them \
still needs the agreement of whoever is responsible for this host. Pass \
--consent \"TEXT\" (e.g. --consent \"Ticket 123: agreed to share app logs\"); \
the text, your local user name, the time and the list of files are recorded \
with the bundle. Nothing was read or sent.";

/// Largest single file collected (the whole bundle has its own limit).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// How deep a `**` walk goes below the literal prefix of a glob.
const MAX_WALK_DEPTH: usize = 16;
const MAX_TICKET_BYTES: usize = 128;
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// The checked consent: refuses before anything is read.
fn check_consent(opts: &SupportBundleOptions) -> anyhow::Result<String> {
    let Some(text) = opts.consent.as_deref().map(str::trim) else {
        bail!(NO_CONSENT);
    };
    if text.is_empty() {
        bail!(NO_CONSENT);
    }
    if text.len() > MAX_SUPPORT_CONSENT_BYTES {
        bail!("--consent is longer than {MAX_SUPPORT_CONSENT_BYTES} bytes");
    }
    if opts
        .ticket
        .as_ref()
        .is_some_and(|t| t.len() > MAX_TICKET_BYTES)
    {
        bail!("--ticket is longer than {MAX_TICKET_BYTES} bytes");
    }
    Ok(text.to_owned())
}

/// The local user running the command.
fn os_user() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(u)) => u.name,
        _ => format!("uid:{uid}"),
    }
}

fn has_glob_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// Expands `--include` arguments to a sorted, deduplicated list of
/// regular files. A literal path must exist; a glob must match at least
/// one file. Symlinks found while walking are not followed.
pub fn expand(include: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = BTreeSet::new();
    for pattern in include {
        let before = out.len();
        if !has_glob_meta(pattern) {
            let p = PathBuf::from(pattern);
            let meta = fs::metadata(&p).with_context(|| format!("cannot read {pattern}"))?;
            if !meta.is_file() {
                bail!("{pattern} is not a regular file");
            }
            out.insert(p);
            continue;
        }
        let matcher = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .with_context(|| format!("invalid glob {pattern:?}"))?
            .compile_matcher();
        // Walk from the longest literal directory prefix.
        let mut root = PathBuf::new();
        for c in Path::new(pattern).components() {
            let s = c.as_os_str().to_string_lossy();
            if has_glob_meta(&s) {
                break;
            }
            root.push(c);
        }
        if root.as_os_str().is_empty() {
            root.push(".");
        }
        walk(&root, &matcher, 0, &mut out);
        if out.len() == before {
            bail!("--include {pattern:?} matches no file");
        }
    }
    if out.len() > MAX_SUPPORT_BUNDLE_FILES {
        bail!(
            "{} files selected; a bundle holds at most {MAX_SUPPORT_BUNDLE_FILES}",
            out.len()
        );
    }
    Ok(out.into_iter().collect())
}

fn walk(dir: &Path, matcher: &GlobMatcher, depth: usize, out: &mut BTreeSet<PathBuf>) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_file() && matcher.is_match(&path) {
            out.insert(path);
        } else if ft.is_dir() {
            walk(&path, matcher, depth + 1, out);
        }
    }
}

/// One collected file before packing.
struct Collected {
    meta: SupportFile,
    redacted: Vec<u8>,
    raw: Option<Vec<u8>>,
}

fn read_limited(path: &Path) -> anyhow::Result<Vec<u8>> {
    let f = fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut data = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut data)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if data.len() as u64 > MAX_FILE_BYTES {
        bail!(
            "{} is larger than {MAX_FILE_BYTES} bytes; pick a smaller file or a rotated part",
            path.display()
        );
    }
    Ok(data)
}

/// Absolute, lexically clean path for the manifest.
fn absolute(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_owned())
    };
    let mut clean = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// A built bundle: the compressed body and what it holds.
pub struct Built {
    pub body: Vec<u8>,
    pub manifest: SupportManifest,
}

/// Reads, redacts and packs the files. Pure apart from reading the files.
pub fn build(
    opts: &SupportBundleOptions,
    consent_text: String,
    files: &[PathBuf],
) -> anyhow::Result<Built> {
    // A fresh key per bundle: nothing links two bundles' tokens. A one-off
    // bulk run, so fast tables, as `vigil-agent redact` builds.
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let redactor = Redactor::with_tables(ScopeKey::from_bytes(key), &opts.redact, Tables::Fast)
        .context("while building the redaction engine")?;
    let mut collected = Vec::with_capacity(files.len());
    let mut total: u64 = 0;
    for (i, path) in files.iter().enumerate() {
        let raw = read_limited(path)?;
        let mut report = Report::default();
        let redacted = redactor.redact_bytes(&raw, &mut report);
        let path_text = absolute(path).to_string_lossy().into_owned();
        let display_path = redactor.redact_text(&path_text, &mut Report::default());
        total += redacted.len() as u64 + 1024;
        if opts.include_unredacted {
            total += raw.len() as u64 + 512;
        }
        if total > MAX_SUPPORT_BUNDLE_DECODED_BYTES as u64 {
            bail!(
                "the selected files exceed {MAX_SUPPORT_BUNDLE_DECODED_BYTES} bytes; select fewer"
            );
        }
        collected.push(Collected {
            meta: SupportFile {
                index: i as u32,
                path: path_text,
                display_path,
                size: raw.len() as u64,
                findings: report.counts,
                has_raw: opts.include_unredacted,
            },
            redacted,
            raw: opts.include_unredacted.then_some(raw),
        });
    }
    let manifest = SupportManifest {
        version: PROTOCOL_VERSION,
        consent: SupportConsent {
            os_user: os_user(),
            at_ms: now_ms(),
            text: consent_text,
            ticket: opts.ticket.clone(),
            include_unredacted: opts.include_unredacted,
        },
        files: collected.iter().map(|c| c.meta.clone()).collect(),
    };
    let body = pack(&manifest, &collected)?;
    if body.len() > MAX_SUPPORT_BUNDLE_COMPRESSED_BYTES {
        bail!(
            "the bundle is {} bytes compressed, more than the collector accepts \
             ({MAX_SUPPORT_BUNDLE_COMPRESSED_BYTES}); select fewer files",
            body.len()
        );
    }
    Ok(Built { body, manifest })
}

fn append(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) -> anyhow::Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o600);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, name, data)
        .context("while packing the bundle")
}

fn pack(manifest: &SupportManifest, files: &[Collected]) -> anyhow::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    let json = serde_json::to_vec(manifest).context("while encoding the manifest")?;
    append(&mut b, SUPPORT_MANIFEST_ENTRY, &json)?;
    for c in files {
        append(
            &mut b,
            &SupportVariant::Redacted.entry_name(c.meta.index),
            &c.redacted,
        )?;
        if let Some(raw) = &c.raw {
            append(&mut b, &SupportVariant::Raw.entry_name(c.meta.index), raw)?;
        }
    }
    let tar = b.into_inner().context("while packing the bundle")?;
    zstd::bulk::compress(&tar, 3).context("while compressing the bundle")
}

/// Builds and uploads a bundle; returns the collector's acknowledgement
/// and the manifest that was sent.
pub async fn support_bundle(
    opts: &SupportBundleOptions,
) -> anyhow::Result<(SupportUploadAck, SupportManifest)> {
    let consent = check_consent(opts)?;
    if opts.include.is_empty() {
        bail!("name at least one file with --include PATH or --include GLOB");
    }
    let sd = StateDir::new(&opts.state_dir);
    let identity = sd.load_identity()?;
    let server = normalize_server(&identity.state.server)?;
    let files = expand(&opts.include)?;
    let o = opts.clone();
    let built = tokio::task::spawn_blocking(move || build(&o, consent, &files))
        .await
        .context("while building the bundle")??;
    let tls = tls::mtls_client_config(&identity.ca_pem, &identity.cert_pem, &identity.key_pem)?;
    let client = HttpsClient::new(tls, UPLOAD_TIMEOUT);
    let resp = client
        .post(
            &format!("{server}{PATH_SUPPORT_BUNDLE}"),
            SUPPORT_BUNDLE_CONTENT_TYPE,
            built.body.into(),
        )
        .await
        .context("while uploading the support bundle")?;
    let (status, body) = (resp.status, resp.body);
    if !status.is_success() {
        let (code, message) = error_body(&body);
        bail!("the collector refused the bundle ({status}, {code}): {message}");
    }
    let ack: SupportUploadAck = serde_json::from_slice(&body)
        .context("the collector's answer is not a support-bundle acknowledgement")?;
    tracing::info!(
        bundle = %ack.id,
        files = built.manifest.files.len(),
        quarantined = ack.quarantined,
        "support bundle uploaded"
    );
    Ok((ack, built.manifest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(consent: Option<&str>) -> SupportBundleOptions {
        SupportBundleOptions {
            state_dir: PathBuf::from("/nonexistent"),
            include: vec!["/nonexistent.log".into()],
            consent: consent.map(str::to_owned),
            ticket: None,
            include_unredacted: false,
            redact: RedactConfig::default(),
        }
    }

    #[test]
    fn consent_is_required_and_explained() {
        for c in [None, Some(""), Some("   ")] {
            let err = check_consent(&opts(c)).unwrap_err().to_string();
            assert!(err.contains("--consent"), "{err}");
            assert!(err.contains("Nothing was read or sent"), "{err}");
        }
        assert_eq!(check_consent(&opts(Some(" ok "))).unwrap(), "ok");
    }

    #[test]
    fn globs_expand_to_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a/b")).unwrap();
        fs::write(dir.path().join("a/one.log"), "1").unwrap();
        fs::write(dir.path().join("a/b/two.log"), "2").unwrap();
        fs::write(dir.path().join("a/skip.txt"), "x").unwrap();
        let root = dir.path().display();
        let flat = expand(&[format!("{root}/a/*.log")]).unwrap();
        assert_eq!(flat, vec![dir.path().join("a/one.log")]);
        let deep = expand(&[format!("{root}/a/**/*.log")]).unwrap();
        assert_eq!(deep.len(), 2);
        assert!(expand(&[format!("{root}/a/*.nothing")]).is_err());
        assert!(expand(&[format!("{root}/missing.log")]).is_err());
        assert!(expand(&[format!("{root}/a")]).is_err(), "a directory");
    }

    #[test]
    fn bundle_is_redacted_and_names_entries_by_index() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("app.log");
        fs::write(&log, "login from alice@example.com at 10.1.2.3\n").unwrap();
        let mut o = opts(Some("agreed"));
        o.include_unredacted = true;
        let built = build(&o, "agreed".into(), std::slice::from_ref(&log)).unwrap();
        let tar = zstd::bulk::decompress(&built.body, 1 << 20).unwrap();
        let mut archive = tar::Archive::new(&tar[..]);
        let mut names = Vec::new();
        let mut redacted = String::new();
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            let name = e.path().unwrap().display().to_string();
            if name == "redacted/0" {
                e.read_to_string(&mut redacted).unwrap();
            }
            names.push(name);
        }
        assert_eq!(names, ["manifest.json", "redacted/0", "raw/0"]);
        assert!(!redacted.contains("alice@example.com"), "{redacted}");
        assert!(!redacted.contains("10.1.2.3"), "{redacted}");
        assert_eq!(built.manifest.files[0].findings.get("email"), Some(&1));
        assert!(built.manifest.consent.include_unredacted);
        // Two bundles of the same file share no token.
        let again = build(&o, "agreed".into(), std::slice::from_ref(&log)).unwrap();
        assert_ne!(built.body, again.body);
    }
}
