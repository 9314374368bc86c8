//! Reading an uploaded support bundle, within limits, and the quarantine
//! decision. Pure: bytes in, typed bundle or a named refusal out.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{self, Read};

use vigil_shared::redact::{Redactor, Report};
use vigil_shared::wire::{
    SupportManifest, SupportVariant, MAX_SUPPORT_CONSENT_BYTES, PROTOCOL_VERSION,
    SUPPORT_MANIFEST_ENTRY,
};

/// How much a bundle may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of the decompressed tar stream, headers included.
    pub max_decoded_bytes: u64,
    pub max_files: usize,
}

/// Largest zstd window the decoder allocates (2^27 = 128 MiB, the zstd
/// default limit, stated here so it cannot drift upwards).
const MAX_WINDOW_LOG: u32 = 27;
/// Longest ticket reference and path, bytes.
const MAX_TICKET_BYTES: usize = 128;
const MAX_PATH_BYTES: usize = 4096;
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("support bundle exceeds {0} bytes decompressed")]
    TooLarge(u64),
    #[error("support bundle is malformed: {0}")]
    Malformed(String),
    #[error("support bundle carries no consent: {0}")]
    NoConsent(&'static str),
    #[error("protocol version {0} is not supported (this collector speaks {PROTOCOL_VERSION})")]
    UnsupportedVersion(u16),
}

fn malformed(m: impl Into<String>) -> BundleError {
    BundleError::Malformed(m.into())
}

/// One file of a parsed bundle.
#[derive(Debug)]
pub struct BundleFile {
    pub redacted: Vec<u8>,
    pub raw: Option<Vec<u8>>,
}

/// A bundle that passed every structural check.
#[derive(Debug)]
pub struct Bundle {
    pub manifest: SupportManifest,
    /// In manifest order: `files[i]` is index `i`.
    pub files: Vec<BundleFile>,
}

/// Counts the bytes read through it and stops at the limit, remembering
/// that it did (the tar reader turns our error into its own).
struct Limited<'a, R> {
    inner: R,
    remaining: u64,
    hit: &'a Cell<bool>,
}

impl<R: Read> Read for Limited<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // Allow a clean EOF exactly at the limit; anything more is over.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.hit.set(true);
                    Err(io::Error::other("decoded size limit"))
                }
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Decompresses and reads a bundle; every limit is checked while reading,
/// so a zip bomb stops at the limit instead of filling memory.
pub fn parse(body: &[u8], limits: &Limits) -> Result<Bundle, BundleError> {
    let hit = Cell::new(false);
    let result = parse_inner(body, limits, &hit);
    if hit.get() {
        return Err(BundleError::TooLarge(limits.max_decoded_bytes));
    }
    result
}

fn parse_inner(body: &[u8], limits: &Limits, hit: &Cell<bool>) -> Result<Bundle, BundleError> {
    let mut decoder =
        zstd::stream::read::Decoder::new(body).map_err(|e| malformed(format!("zstd: {e}")))?;
    decoder
        .window_log_max(MAX_WINDOW_LOG)
        .map_err(|e| malformed(format!("zstd: {e}")))?;
    let limited = Limited {
        inner: decoder,
        remaining: limits.max_decoded_bytes,
        hit,
    };
    let mut archive = tar::Archive::new(limited);
    let mut manifest_bytes: Option<Vec<u8>> = None;
    let mut entries: BTreeMap<(SupportVariant, u32), Vec<u8>> = BTreeMap::new();
    let tar_err = |e: io::Error| malformed(format!("tar: {e}"));
    for entry in archive.entries().map_err(tar_err)? {
        let mut entry = entry.map_err(tar_err)?;
        if !entry.header().entry_type().is_file() {
            return Err(malformed("only regular files are allowed"));
        }
        let name = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| malformed("entry name is not UTF-8"))?;
        let declared = entry.size();
        if declared > limits.max_decoded_bytes {
            hit.set(true);
            return Err(BundleError::TooLarge(limits.max_decoded_bytes));
        }
        if name == SUPPORT_MANIFEST_ENTRY {
            if manifest_bytes.is_some() {
                return Err(malformed("manifest.json appears twice"));
            }
            if declared > MAX_MANIFEST_BYTES {
                return Err(malformed("manifest.json is too large"));
            }
            manifest_bytes = Some(read_entry(&mut entry, declared)?);
            continue;
        }
        let key = entry_key(&name)?;
        if key.1 as usize >= limits.max_files {
            return Err(malformed(format!(
                "more than {} files in one bundle",
                limits.max_files
            )));
        }
        if entries.contains_key(&key) {
            return Err(malformed(format!("entry {name} appears twice")));
        }
        let data = read_entry(&mut entry, declared)?;
        entries.insert(key, data);
    }
    let manifest_bytes = manifest_bytes.ok_or_else(|| malformed("no manifest.json"))?;
    let manifest = parse_manifest(&manifest_bytes, limits)?;
    let mut files = Vec::with_capacity(manifest.files.len());
    for f in &manifest.files {
        let redacted = entries
            .remove(&(SupportVariant::Redacted, f.index))
            .ok_or_else(|| malformed(format!("file {} has no redacted entry", f.index)))?;
        let raw = entries.remove(&(SupportVariant::Raw, f.index));
        if raw.is_some() != f.has_raw {
            return Err(malformed(format!(
                "file {}: raw entry and manifest disagree",
                f.index
            )));
        }
        files.push(BundleFile { redacted, raw });
    }
    if let Some(((variant, index), _)) = entries.into_iter().next() {
        return Err(malformed(format!(
            "entry {} is not in the manifest",
            variant.entry_name(index)
        )));
    }
    Ok(Bundle { manifest, files })
}

fn read_entry(entry: &mut impl Read, declared: u64) -> Result<Vec<u8>, BundleError> {
    let mut data = Vec::with_capacity(usize::try_from(declared.min(1 << 20)).unwrap_or(0));
    entry
        .read_to_end(&mut data)
        .map_err(|e| malformed(format!("tar: {e}")))?;
    if data.len() as u64 != declared {
        return Err(malformed("truncated entry"));
    }
    Ok(data)
}

/// `redacted/N` or `raw/N`, N a plain decimal index.
fn entry_key(name: &str) -> Result<(SupportVariant, u32), BundleError> {
    let bad = || malformed("unexpected entry (want manifest.json, redacted/N, raw/N)");
    let (dir, n) = name.split_once('/').ok_or_else(bad)?;
    let variant = match dir {
        "redacted" => SupportVariant::Redacted,
        "raw" => SupportVariant::Raw,
        _ => return Err(bad()),
    };
    if n.is_empty() || n.len() > 6 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if n.len() > 1 && n.starts_with('0') {
        return Err(bad());
    }
    Ok((variant, n.parse().map_err(|_| bad())?))
}

fn parse_manifest(bytes: &[u8], limits: &Limits) -> Result<SupportManifest, BundleError> {
    #[derive(serde::Deserialize)]
    struct Probe {
        version: u16,
    }
    let probe: Probe = serde_json::from_slice(bytes)
        .map_err(|e| malformed(format!("manifest has no protocol version: {e}")))?;
    if probe.version != PROTOCOL_VERSION {
        return Err(BundleError::UnsupportedVersion(probe.version));
    }
    let m: SupportManifest =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("manifest: {e}")))?;
    let c = &m.consent;
    if c.text.trim().is_empty() {
        return Err(BundleError::NoConsent("the consent text is empty"));
    }
    if c.text.len() > MAX_SUPPORT_CONSENT_BYTES {
        return Err(malformed(format!(
            "consent text exceeds {MAX_SUPPORT_CONSENT_BYTES} bytes"
        )));
    }
    if c.os_user.trim().is_empty() {
        return Err(BundleError::NoConsent("the consenting user is not named"));
    }
    if c.ticket
        .as_ref()
        .is_some_and(|t| t.len() > MAX_TICKET_BYTES)
    {
        return Err(malformed(format!(
            "ticket exceeds {MAX_TICKET_BYTES} bytes"
        )));
    }
    if m.files.is_empty() {
        return Err(malformed("the bundle holds no files"));
    }
    if m.files.len() > limits.max_files {
        return Err(malformed(format!(
            "more than {} files in one bundle",
            limits.max_files
        )));
    }
    for (i, f) in m.files.iter().enumerate() {
        if f.index as usize != i {
            return Err(malformed("file indexes must be 0, 1, 2, ... in order"));
        }
        if f.path.len() > MAX_PATH_BYTES || f.display_path.len() > MAX_PATH_BYTES {
            return Err(malformed(format!("file {i}: path too long")));
        }
        if f.has_raw && !c.include_unredacted {
            return Err(BundleError::NoConsent(
                "an unredacted file without consent to send unredacted files",
            ));
        }
    }
    Ok(m)
}

/// The collector's verdict on a bundle's redacted parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screening {
    /// Nothing found: support may see it.
    Clean,
    /// Something the agent should have redacted is still there: admins
    /// review it first. Counts per kind, never the values.
    Quarantine(BTreeMap<String, u64>),
}

/// Re-scans everything support would see (redacted files, display paths,
/// consent text, ticket) with the collector's own engine: defence in depth
/// against an agent with an older engine, a different config, or a bug.
pub fn screen(redactor: &Redactor, bundle: &Bundle) -> Screening {
    let mut report = Report::default();
    for f in &bundle.files {
        let _ = redactor.redact_bytes(&f.redacted, &mut report);
    }
    for f in &bundle.manifest.files {
        let _ = redactor.redact_text(&f.display_path, &mut report);
    }
    let c = &bundle.manifest.consent;
    let _ = redactor.redact_text(&c.text, &mut report);
    if let Some(t) = &c.ticket {
        let _ = redactor.redact_text(t, &mut report);
    }
    if report.total() == 0 {
        Screening::Clean
    } else {
        Screening::Quarantine(report.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_shared::redact::{RedactConfig, ScopeKey};
    use vigil_shared::wire::{SupportConsent, SupportFile};

    const LIMITS: Limits = Limits {
        max_decoded_bytes: 1 << 20,
        max_files: 4,
    };

    fn manifest(files: usize, raw: bool) -> SupportManifest {
        SupportManifest {
            version: PROTOCOL_VERSION,
            consent: SupportConsent {
                os_user: "root".into(),
                at_ms: 1,
                text: "I agree to send these logs".into(),
                ticket: Some("T-1".into()),
                include_unredacted: raw,
            },
            files: (0..files)
                .map(|i| SupportFile {
                    index: i as u32,
                    path: format!("/var/log/app{i}.log"),
                    display_path: format!("/var/log/app{i}.log"),
                    size: 5,
                    findings: BTreeMap::new(),
                    has_raw: raw,
                })
                .collect(),
        }
    }

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o600);
            h.set_entry_type(tar::EntryType::Regular);
            // Raw name bytes: the builder itself refuses `..` (we test that
            // the reader does too).
            let field = &mut h.as_old_mut().name;
            field.fill(0);
            field[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn pack(m: &SupportManifest, extra: &[(&str, &[u8])]) -> Vec<u8> {
        let json = serde_json::to_vec(m).unwrap();
        let mut entries: Vec<(&str, &[u8])> = vec![(SUPPORT_MANIFEST_ENTRY, &json)];
        entries.extend_from_slice(extra);
        zstd::bulk::compress(&tar_of(&entries), 3).unwrap()
    }

    #[test]
    fn a_good_bundle_parses() {
        let body = pack(
            &manifest(2, true),
            &[
                ("redacted/0", b"hello"),
                ("raw/0", b"hello"),
                ("redacted/1", b"world"),
                ("raw/1", b"world"),
            ],
        );
        let b = parse(&body, &LIMITS).unwrap();
        assert_eq!(b.files.len(), 2);
        assert_eq!(b.files[1].redacted, b"world");
        assert_eq!(b.files[0].raw.as_deref(), Some(&b"hello"[..]));
    }

    #[test]
    fn decoded_size_is_capped_while_reading() {
        // 8 MiB of zeros compresses to a few hundred bytes: a small bomb.
        let big = vec![0u8; 8 << 20];
        let body = pack(&manifest(1, false), &[("redacted/0", &big)]);
        assert!(body.len() < 64 * 1024);
        assert_eq!(
            parse(&body, &LIMITS).unwrap_err(),
            BundleError::TooLarge(LIMITS.max_decoded_bytes)
        );
        // Just under the limit is fine.
        let ok = vec![b'x'; 512 * 1024];
        let body = pack(&manifest(1, false), &[("redacted/0", &ok)]);
        assert!(parse(&body, &LIMITS).is_ok());
    }

    #[test]
    fn structural_refusals() {
        let m = manifest(1, false);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"not zstd".to_vec(), "garbage"),
            (zstd::bulk::compress(b"not a tar", 1).unwrap(), "not tar"),
            (
                zstd::bulk::compress(&tar_of(&[("redacted/0", b"x")]), 1).unwrap(),
                "no manifest",
            ),
            (pack(&m, &[]), "missing file"),
            (
                pack(&m, &[("redacted/0", b"x"), ("redacted/1", b"y")]),
                "extra file",
            ),
            (
                pack(&m, &[("redacted/0", b"x"), ("raw/0", b"x")]),
                "raw not announced",
            ),
            (
                pack(&m, &[("redacted/0", b"x"), ("../etc/passwd", b"x")]),
                "traversal",
            ),
            (
                pack(&m, &[("redacted/0", b"x"), ("redacted/00", b"x")]),
                "leading zero",
            ),
            (pack(&manifest(5, false), &[]), "too many files"),
        ];
        for (body, what) in cases {
            assert!(
                matches!(parse(&body, &LIMITS), Err(BundleError::Malformed(_))),
                "{what}: {:?}",
                parse(&body, &LIMITS)
            );
        }
        let mut truncated = pack(&m, &[("redacted/0", b"x")]);
        truncated.truncate(truncated.len() / 2);
        assert!(parse(&truncated, &LIMITS).is_err());
    }

    #[test]
    fn consent_is_required() {
        let mut m = manifest(1, false);
        m.consent.text = "  ".into();
        assert!(matches!(
            parse(&pack(&m, &[("redacted/0", b"x")]), &LIMITS),
            Err(BundleError::NoConsent(_))
        ));
        // Raw files need the extra consent.
        let mut m = manifest(1, true);
        m.consent.include_unredacted = false;
        assert!(matches!(
            parse(&pack(&m, &[("redacted/0", b"x"), ("raw/0", b"x")]), &LIMITS),
            Err(BundleError::NoConsent(_))
        ));
        let mut m = manifest(1, false);
        m.version = 99;
        assert_eq!(
            parse(&pack(&m, &[("redacted/0", b"x")]), &LIMITS).unwrap_err(),
            BundleError::UnsupportedVersion(99)
        );
    }

    fn redactor(allow: &[&str]) -> Redactor {
        let config = RedactConfig {
            allowlist: allow.iter().map(|s| (*s).to_owned()).collect(),
            ..RedactConfig::default()
        };
        Redactor::new(ScopeKey::from_bytes([7; 32]), &config).unwrap()
    }

    fn bundle_with(text: &[u8]) -> Bundle {
        Bundle {
            manifest: manifest(1, false),
            files: vec![BundleFile {
                redacted: text.to_vec(),
                raw: None,
            }],
        }
    }

    #[test]
    fn quarantine_decision() {
        let r = redactor(&[]);
        assert_eq!(
            screen(&r, &bundle_with(b"service started\nall good\n")),
            Screening::Clean
        );
        // Already-redacted tokens are not findings.
        let token = r.token(vigil_shared::redact::token::Kind::Email, "a@b.example");
        let redacted = format!("mail from {token}\n");
        assert_eq!(
            screen(&r, &bundle_with(redacted.as_bytes())),
            Screening::Clean
        );
        match screen(&r, &bundle_with(b"mail from alice@example.com\n")) {
            Screening::Quarantine(counts) => assert_eq!(counts.get("email"), Some(&1)),
            Screening::Clean => panic!("an e-mail address must quarantine"),
        }
        // The collector's allowlist applies.
        let allowing = redactor(&["support@vendor.example"]);
        assert_eq!(
            screen(
                &allowing,
                &bundle_with(b"write to support@vendor.example\n")
            ),
            Screening::Clean
        );
        // Display paths and consent text are what support sees too.
        let mut b = bundle_with(b"ok\n");
        b.manifest.consent.text = "ok, call me at bob@example.org".into();
        assert!(matches!(screen(&r, &b), Screening::Quarantine(_)));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

            /// Any upload body is parsed or refused with an error, never a
            /// panic; what parses stays within the limits.
            #[test]
            fn arbitrary_bodies_are_refused_or_within_limits(
                body in prop::collection::vec(any::<u8>(), 0..2048),
            ) {
                if let Ok(b) = parse(&body, &LIMITS) {
                    prop_assert!(b.files.len() <= LIMITS.max_files);
                }
            }

            /// A valid bundle's tar stream with bytes changed or cut off:
            /// refused, or parsed within the limits with exactly the files
            /// its manifest lists.
            #[test]
            fn mutated_bundles_are_refused_or_consistent(
                edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
                cut in any::<prop::sample::Index>(),
                truncate in any::<bool>(),
            ) {
                let json = serde_json::to_vec(&manifest(2, true)).unwrap();
                let mut tar = tar_of(&[
                    (SUPPORT_MANIFEST_ENTRY, &json),
                    ("redacted/0", b"hello"),
                    ("raw/0", b"hello"),
                    ("redacted/1", b"world"),
                    ("raw/1", b"world"),
                ]);
                for (at, byte) in edits {
                    let i = at.index(tar.len());
                    tar[i] = byte;
                }
                if truncate {
                    tar.truncate(cut.index(tar.len()));
                }
                let body = zstd::bulk::compress(&tar, 3).unwrap();
                if let Ok(b) = parse(&body, &LIMITS) {
                    prop_assert!(b.files.len() <= LIMITS.max_files);
                    prop_assert_eq!(b.files.len(), b.manifest.files.len());
                }
            }
        }
    }
}
