//! The redaction engine: pure, line-preserving, keyed tokens.
//!
//! [`Redactor`] finds personal data and secrets in text and replaces each
//! value with a token `[KIND:hhhhhhhh]` (see [`token`]): the kind plus a
//! short HMAC of the normalized value under a [`ScopeKey`]. Everything else
//! on the line stays as it was, and there is exactly one output line per
//! input line, so diffs, line numbers and log structure survive.
//!
//! Layout, one file per concern:
//! - `token.rs`: [`token::Kind`], the token format, [`token::token`].
//! - `detect.rs`: shaped values (e-mail, IPs, MAC, phone, card, IBAN, SSN,
//!   AWS keys, JWT, bearer/vendor tokens, `scheme://user:pass@`).
//! - `secrets.rs`: values of password/secret/token/key assignments.
//! - `users.rs`: user names where system logs put them.
//! - `names.rs`: person names after a context cue, and host names that
//!   embed one (bundled `first_names.txt`).
//! - `ssid.rs`: family names in home Wi-Fi network names.
//! - `beside.rs`: the login written just before a found secret.
//! - `alias.rs`: other forms of a person found on the line (`Lars
//!   Eriksson (lars.e)`).
//! - `seen.rs`: the logins, host names and full names found on earlier
//!   lines of the same stream, wherever they stand later.
//! - `pem.rs`: private key blocks across lines ([`pem::PemState`]).
//! - `table.rs`: CSV/TSV rows and space-aligned command output redacted by
//!   what their header names a column,
//!   and SQL insert tuples by their column list.
//! - `checks.rs`: Luhn, IBAN mod 97, SSN rules, shape checks.
//!
//! Speed: each detector group runs only when a cheap byte test passes ('@'
//! present, a digit present, a literal prefix found); a line without
//! findings is returned borrowed, without allocation; bulk text goes
//! through [`LineRedactor::redact_lines_of`], which runs each detector
//! over a few dozen lines at a time.
//!
//! Bytes: [`Redactor::redact_bytes`] and [`LineRedactor::redact_line_bytes`]
//! take arbitrary bytes. Detectors work on ASCII structure, so invalid UTF-8
//! sequences pass through unchanged (never replaced, never a panic); only
//! the matched values are replaced by ASCII tokens.
//!
//! Idempotence: tokens match no detector, findings that overlap an existing
//! token are dropped, and a line is re-scanned after redaction until nothing
//! more is found, so redacting redacted text changes nothing.

/// A substring searcher for the fixed `needle`, built on first use and
/// kept for the life of the process: building one per line costs more than
/// the search.
macro_rules! finder {
    ($needle:expr) => {{
        static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
            std::sync::OnceLock::new();
        FINDER.get_or_init(|| memchr::memmem::Finder::new($needle))
    }};
}

mod accounts;
mod alias;
mod beside;
mod checks;
mod detect;
mod finding;
mod hl7;
mod names;
pub mod pem;
mod prefilter;
mod secrets;
mod seen;
mod ssid;
mod table;
pub mod token;
mod users;
mod word_hash;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

use finding::{Finding, Label};
use pem::PemState;
use prefilter::{Hints, Prefilter};
use table::Table;
use token::Kind;

/// What a stream carries from one line to the next: whether a private key
/// block is open, and the header of the CSV/TSV table the lines are rows of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamState {
    pem: PemState,
    table: Option<Table>,
}

/// The key that scopes redaction tokens: equal values give equal tokens
/// under one key, and nothing links tokens across keys.
#[derive(Clone)]
pub struct ScopeKey([u8; 32]);

impl ScopeKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        ScopeKey(bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for ScopeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScopeKey(..)")
    }
}

/// Redaction settings. Embeddable in agent and collector TOML configs:
///
/// ```toml
/// [redact]
/// allowlist = ["support@example.com"]
/// hostname_names = true
/// hostname_device_words = ["rig"]
/// disabled_kinds = ["mac"]
///
/// [[redact.custom_patterns]]
/// name = "ticket"
/// regex = 'TICKET-[0-9]{6}'
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactConfig {
    /// Extra detectors. Default: none.
    pub custom_patterns: Vec<CustomPattern>,
    /// Exact values never redacted (compared as found, and lower-cased), e.g.
    /// the company's public support address. Default: empty.
    pub allowlist: Vec<String>,
    /// Redact host names that embed a person's name (`alice-laptop`,
    /// `jsmith-pc`). Default: true.
    pub hostname_names: bool,
    /// Extra words that mark a personal device in a host name (`rig`), on
    /// top of the built-in `laptop`, `pc`, `macbook`, ... Default: empty.
    pub hostname_device_words: Vec<String>,
    /// Built-in kinds to switch off, by name (`"mac"`, `"name"`). Default:
    /// none.
    pub disabled_kinds: Vec<Kind>,
}

impl Default for RedactConfig {
    fn default() -> Self {
        RedactConfig {
            custom_patterns: Vec::new(),
            allowlist: Vec::new(),
            hostname_names: true,
            hostname_device_words: Vec::new(),
            disabled_kinds: Vec::new(),
        }
    }
}

/// A named extra detector. If the regex has a capture group, only the first
/// group is redacted (`password_hint=(\S+)`); otherwise the whole match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPattern {
    /// Lowercase `[a-z][a-z0-9_]*`, at most 32 characters, not a built-in
    /// kind name. Reports count under this name; tokens carry it upper-cased.
    pub name: String,
    /// Rust `regex` syntax.
    pub regex: String,
}

/// Findings per kind; never the values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub counts: BTreeMap<String, u64>,
}

impl Report {
    /// All findings.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Adds another report's counts to this one.
    pub fn merge(&mut self, other: &Report) {
        for (k, v) in &other.counts {
            *self.counts.entry(k.clone()).or_default() += v;
        }
    }

    fn add(&mut self, kind: &str) {
        match self.counts.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.counts.insert(kind.to_owned(), 1);
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid redaction config: custom pattern name {name:?} must be lowercase [a-z][a-z0-9_]*, at most 32 characters, and not a built-in kind")]
    PatternName { name: String },
    #[error("invalid redaction config: custom pattern {name:?} is defined twice")]
    DuplicatePattern { name: String },
    #[error("invalid redaction config: custom pattern {name:?}: {error}")]
    PatternRegex { name: String, error: String },
}

#[derive(Clone)]
struct Custom {
    name: String,
    label: String,
    re: Regex,
}

/// How a [`Redactor`]'s tables trade memory for speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tables {
    /// The cue scan as a contiguous NFA (tens of KiB), and the user
    /// detector's lazy-DFA cache capped at 1 MiB: small, slower per byte,
    /// and on varied text much slower (the capped cache thrashes and the
    /// search falls back to the backtracker). For long-lived processes that
    /// redact a little now and then (the agent's config watch).
    #[default]
    Compact,
    /// The cue scan as a DFA (about 1 MiB more, held as long as the
    /// redactor) and no tighter cap on the user detector's cache than on
    /// the others: about a fifth faster on the bench corpus, 4-15x on
    /// varied text. For bulk runs (`vigil-agent redact`, support bundles,
    /// the collector's re-scan).
    Fast,
}

/// A compiled redaction engine. Build once, share freely (`Sync`).
#[derive(Clone)]
pub struct Redactor {
    key: ScopeKey,
    tokens: token::TokenWriter,
    structured: detect::Structured,
    secrets: secrets::Secrets,
    users: users::Users,
    names: names::Names,
    ssids: ssid::Ssids,
    prefilter: Prefilter,
    pem: pem::Pem,
    custom: Vec<Custom>,
    allow: HashSet<Vec<u8>>,
    disabled: Vec<Kind>,
}

/// Re-scans after redaction until nothing new is found (bounded).
const MAX_PASSES: usize = 3;

/// The number of detectors [`Redactor::detect_one`] tells apart.
const DETECTORS: usize = 10;

/// How many lines [`LineRedactor::redact_lines_of`] takes detector by
/// detector: enough to keep each detector's tables hot, few enough that
/// the lines stay in cache too.
const RUN_LINES: usize = 64;

/// A line without its trailing `\r`.
fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

impl Redactor {
    /// The same engine with empty search caches: a clone. The compiled
    /// patterns are shared, not rebuilt; the lazy-DFA caches, which grow
    /// with the variety of text searched (a first scan of `/etc` leaves
    /// megabytes), start small again (a cloned regex gets its own cache
    /// pool), and the old ones go when `self` is dropped.
    pub fn with_fresh_caches(&self) -> Redactor {
        self.clone()
    }

    /// A redactor with compact cue tables ([`Tables::Compact`]).
    pub fn new(key: ScopeKey, config: &RedactConfig) -> Result<Self, ConfigError> {
        Self::with_tables(key, config, Tables::Compact)
    }

    /// A redactor whose cue tables are built as `tables` says: [`Tables::Fast`]
    /// for bulk runs, [`Tables::Compact`] (what [`Redactor::new`] builds) for
    /// long-lived processes. Output is the same either way.
    pub fn with_tables(
        key: ScopeKey,
        config: &RedactConfig,
        tables: Tables,
    ) -> Result<Self, ConfigError> {
        let mut custom = Vec::new();
        for p in &config.custom_patterns {
            let valid_name = !p.name.is_empty()
                && p.name.len() <= 32
                && p.name.starts_with(|c: char| c.is_ascii_lowercase())
                && p.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && p.name.parse::<Kind>().is_err();
            if !valid_name {
                return Err(ConfigError::PatternName {
                    name: p.name.clone(),
                });
            }
            if custom.iter().any(|c: &Custom| c.name == p.name) {
                return Err(ConfigError::DuplicatePattern {
                    name: p.name.clone(),
                });
            }
            let re = Regex::new(&p.regex).map_err(|e| ConfigError::PatternRegex {
                name: p.name.clone(),
                error: e.to_string(),
            })?;
            custom.push(Custom {
                name: p.name.clone(),
                label: p.name.to_ascii_uppercase(),
                re,
            });
        }
        let allow = config
            .allowlist
            .iter()
            .flat_map(|v| [v.as_bytes().to_vec(), v.to_lowercase().into_bytes()])
            .collect();
        let names = names::Names::new(config.hostname_names, &config.hostname_device_words);
        let prefilter = Prefilter::new(&prefilter::cue_groups(&names), tables);
        Ok(Redactor {
            tokens: token::TokenWriter::new(&key),
            key,
            structured: detect::Structured::new(),
            secrets: secrets::Secrets::new(),
            users: users::Users::new(tables),
            names,
            ssids: ssid::Ssids::new(),
            prefilter,
            pem: pem::Pem::new(),
            custom,
            allow,
            disabled: config.disabled_kinds.clone(),
        })
    }

    /// The token this redactor writes for `value` of `kind`.
    pub fn token(&self, kind: Kind, value: &str) -> String {
        token::token(kind, value, &self.key)
    }

    /// Redacts `text`, keeping one output line per input line (and the line
    /// endings as they were). PEM blocks are followed across lines.
    pub fn redact_text(&self, text: &str, report: &mut Report) -> String {
        let mut lines = self.line_redactor();
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&lines.redact_line(line, report));
        }
        out
    }

    /// [`Redactor::redact_text`] over bytes; invalid UTF-8 passes through.
    pub fn redact_bytes(&self, bytes: &[u8], report: &mut Report) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        self.line_redactor()
            .redact_lines_of(bytes, report, &mut out);
        out
    }

    /// A line-at-a-time redactor that carries the stream's state (open key
    /// blocks, table headers) between lines, for streams and large files.
    pub fn line_redactor(&self) -> LineRedactor<'_> {
        self.resume_line_redactor(StreamState::default())
    }

    /// A line redactor that continues a stream whose earlier part left
    /// `state` (see [`LineRedactor::state`]): lets a caller redact the
    /// blocks of one stream on several threads and redo a block whose
    /// assumed start state turns out wrong.
    pub fn resume_line_redactor(&self, state: StreamState) -> LineRedactor<'_> {
        LineRedactor {
            redactor: self,
            state,
            scratch: Scratch::default(),
            run: Run::default(),
            seen: seen::Seen::default(),
        }
    }

    fn redact_line<'l>(
        &self,
        state: &mut StreamState,
        scratch: &mut Scratch,
        seen: &mut seen::Seen,
        line: &'l [u8],
        report: &mut Report,
    ) -> Cow<'l, [u8]> {
        let mut findings = std::mem::take(&mut scratch.findings);
        findings.clear();
        let body = without_cr(line);
        let scan = self.prepare(state, body, &mut findings);
        if scan {
            self.prefilter.scan(body, &mut scratch.hints);
            self.detect(body, &scratch.hints, &mut findings);
        }
        let mut hints = std::mem::take(&mut scratch.hints);
        let out = self.finish(scratch, &mut hints, seen, line, scan, &mut findings, report);
        scratch.hints = hints;
        scratch.findings = findings;
        out
    }

    /// The line-state part of a line, before the detectors: steps the
    /// private key and table state, appends the findings they make, and
    /// says whether the detectors are to scan the line (not a whole line
    /// of a private key, nor a certificate's base64).
    fn prepare(&self, state: &mut StreamState, body: &[u8], findings: &mut Vec<Finding>) -> bool {
        let inside_public = state.pem == PemState::InsidePublic;
        let pem_spans = if state.pem != PemState::Outside || self.pem.has_begin(body) {
            self.pem.step(&mut state.pem, body)
        } else {
            Vec::new()
        };
        // A body line of a certificate or public key: base64 that the
        // detectors would only misread.
        let public_body = inside_public && state.pem == PemState::InsidePublic;
        let whole_line_key = pem_spans.len() == 1
            && pem_spans[0].0
                == body
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .unwrap_or(0)
            && pem_spans[0].1
                == body
                    .iter()
                    .rposition(|b| !b.is_ascii_whitespace())
                    .map_or(0, |p| p + 1);
        for (s, e) in &pem_spans {
            findings.push(Finding::new(*s, *e, Kind::PrivateKey));
        }
        // A table's header opens it, its rows are redacted by column, and
        // any other line closes it (and may open the next one).
        let row = state.table.as_ref().is_some_and(|t| t.row(body, findings));
        if !row {
            state.table = Table::from_header(body);
            table::sql_insert(body, findings);
        }
        !whole_line_key && !public_body
    }

    /// The rest of a line once its detectors ran (`scanned`: over it, with
    /// `hints` its cue scan): who was found on the lines before, the
    /// tokens, and the re-scans that make redaction idempotent.
    // The line's own buffers (`hints`, `findings`) are borrowed apart
    // from the shared `scratch`, as a run keeps one of each per line.
    #[allow(clippy::too_many_arguments)]
    fn finish<'l>(
        &self,
        scratch: &mut Scratch,
        hints: &mut Hints,
        seen: &mut seen::Seen,
        line: &'l [u8],
        mut scanned: bool,
        findings: &mut Vec<Finding>,
        report: &mut Report,
    ) -> Cow<'l, [u8]> {
        let body = without_cr(line);
        if scanned {
            // Who was found on the lines before.
            seen.find(body, findings);
        }
        let first = if findings.is_empty() {
            None
        } else {
            self.apply(body, findings, scratch, report)
        };
        let Some(mut out) = first else {
            return Cow::Borrowed(line);
        };
        seen.record(body, findings);
        // A dropped (overlapping) finding can leave something behind, and a
        // token can change the context of its neighbours: re-scan until
        // nothing changes, which is what makes redaction idempotent.
        for _ in 1..MAX_PASSES {
            findings.clear();
            if self.pem.has_begin(&out) {
                // Inline markers left over after an overlap; the line state
                // was already updated by the first pass.
                let mut inline = PemState::Outside;
                for (s, e) in self.pem.step(&mut inline, &out) {
                    findings.push(Finding::new(s, e, Kind::PrivateKey));
                }
            }
            if scanned {
                self.prefilter.rescan(&out, &scratch.edits, hints);
            } else {
                self.prefilter.scan(&out, hints);
                scanned = true;
            }
            self.detect(&out, hints, findings);
            if findings.is_empty() {
                break;
            }
            match self.apply(&out, findings, scratch, report) {
                Some(next) => {
                    seen.record(&out, findings);
                    out = next;
                }
                None => break,
            }
        }
        if line.len() > body.len() {
            out.push(b'\r');
        }
        Cow::Owned(out)
    }

    /// [`Redactor::redact_line`] over a run of lines, with the same output:
    /// the line state first, line by line, then each detector over all the
    /// lines it scans (its tables stay in the CPU's caches), then the rest
    /// line by line.
    fn redact_run<'l>(
        &self,
        state: &mut StreamState,
        run: &mut Run,
        seen: &mut seen::Seen,
        lines: &[&'l [u8]],
        report: &mut Report,
        out: &mut Vec<Cow<'l, [u8]>>,
    ) {
        let n = lines.len();
        if run.findings.len() < n {
            run.findings.resize_with(n, Vec::new);
            run.hints.resize_with(n, Hints::default);
        }
        run.scan.clear();
        for (line, findings) in lines.iter().zip(&mut run.findings) {
            findings.clear();
            run.scan
                .push(self.prepare(state, without_cr(line), findings));
        }
        for ((line, hints), scan) in lines.iter().zip(&mut run.hints).zip(&run.scan) {
            if *scan {
                self.prefilter.scan(without_cr(line), hints);
            }
        }
        for d in 0..DETECTORS {
            for (((line, hints), findings), scan) in lines
                .iter()
                .zip(&run.hints)
                .zip(&mut run.findings)
                .zip(&run.scan)
            {
                if *scan {
                    self.detect_one(d, without_cr(line), hints, findings);
                }
            }
        }
        for (((line, hints), findings), scan) in lines
            .iter()
            .zip(&mut run.hints)
            .zip(&mut run.findings)
            .zip(&run.scan)
        {
            let done = self.finish(&mut run.scratch, hints, seen, line, *scan, findings, report);
            out.push(done);
        }
    }

    /// Appends the findings of `line`, given its cue scan `hints`.
    fn detect(&self, line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
        for d in 0..DETECTORS {
            self.detect_one(d, line, hints, out);
        }
    }

    /// Appends the findings of detector `d` (of [`DETECTORS`], in a fixed
    /// order) on `line`.
    fn detect_one(&self, d: usize, line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
        match d {
            0 => self.structured.find(line, hints, out),
            1 => self.secrets.find(line, hints, out),
            2 => self.users.find(line, hints, out),
            3 => users::dotted_logins(line, out),
            4 => users::compact_logins(line, out),
            5 => accounts::find(line, out),
            6 => hl7::find(line, hints, out),
            7 => self.names.find(line, hints, out),
            8 => self.ssids.find(line, hints, out),
            _ => self.custom_patterns(line, out),
        }
    }

    fn custom_patterns(&self, line: &[u8], out: &mut Vec<Finding>) {
        for (i, c) in self.custom.iter().enumerate() {
            let mut locs = c.re.capture_locations();
            let mut at = 0;
            while at <= line.len() {
                let Some(m) = c.re.captures_read_at(&mut locs, line, at) else {
                    break;
                };
                let (s, e) = locs.get(1).unwrap_or((m.start(), m.end()));
                if e > s {
                    out.push(Finding {
                        start: s,
                        end: e,
                        label: Label::Custom(i),
                        speaker: false,
                    });
                }
                at = if m.end() > m.start() {
                    m.end()
                } else {
                    m.end() + 1
                };
            }
        }
    }

    /// Resolves overlaps and writes tokens; `None` if nothing is left to do.
    fn apply(
        &self,
        line: &[u8],
        findings: &mut Vec<Finding>,
        scratch: &mut Scratch,
        report: &mut Report,
    ) -> Option<Vec<u8>> {
        let tokens = &mut scratch.tokens;
        tokens.clear();
        if memchr::memchr(b'[', line).is_some() {
            token::token_spans(line, tokens);
        }
        findings.retain(|f| {
            f.end > f.start
                && f.end <= line.len()
                // A key block line is replaced whole, tokens inside or not.
                && (f.kind() == Some(Kind::PrivateKey)
                    || !tokens.iter().any(|(s, e)| f.start < *e && *s < f.end))
                && self.wanted(line, f)
        });
        // The same user, person or password elsewhere on the line goes too.
        let extra = &mut scratch.extra;
        extra.clear();
        for f in findings.iter() {
            let len = f.end - f.start;
            match f.kind() {
                // A user of four characters or more is theirs wherever it
                // stands as a word of its own: a directory (`/share/alice/`),
                // part of a longer name (`ldap-dkarimov`, `<ehernandez@build-03>`).
                Some(kind @ (Kind::Username | Kind::Name)) if len >= 3 => {
                    same_word_elsewhere(line, f, kind == Kind::Username && len >= 4, extra);
                }
                // A password said twice (`your password is blue-river-4417.
                // Use blue-river-4417 to log in`): only values shaped like a
                // chosen password, since a found value that is a word may
                // also be its key's name elsewhere (`password => 'password'`).
                Some(Kind::Secret) if secrets::password_shaped(&line[f.start..f.end]) => {
                    same_word_elsewhere(line, f, true, extra);
                }
                _ => {}
            }
        }
        // `luis.ortega (luis.ortega@example.com)`: the address's mailbox
        // standing alone is the person's login, where nothing else was
        // found (a name that starts with it stays a name).
        let names_and_users = extra.len();
        for f in findings.iter() {
            if let Some(local) = mailbox_login(line, f) {
                // Only as a word of its own: a list's mailbox is also its
                // archive's directory (`/archives/xslt/`).
                same_word_elsewhere(line, &local, false, extra);
            }
        }
        // The same person's other logins and names (`Lars Eriksson (lars.e)`).
        alias::find(line, findings, extra);
        // The account of a found password (`htpasswd … selin SECRET`).
        beside::find(line, findings, extra);
        let mut logins = extra.split_off(names_and_users);
        logins.retain(|x| {
            !findings.iter().any(|f| x.start < f.end && f.start < x.end) && self.wanted(line, x)
        });
        extra.append(&mut logins);
        extra.retain(|f: &Finding| !tokens.iter().any(|(s, e)| f.start < *e && *s < f.end));
        findings.append(extra);
        if findings.is_empty() {
            return None;
        }
        // A login inside a person's longer name (`david` remembered from
        // `/home/david/`, then `David Necas`): the name goes whole, or its
        // surname would stay.
        // (Collecting none allocates nothing.)
        let names: Vec<(usize, usize)> = findings
            .iter()
            .filter(|f| f.kind() == Some(Kind::Name))
            .map(|f| (f.start, f.end))
            .collect();
        if !names.is_empty() {
            findings.retain(|f| {
                f.kind() != Some(Kind::Username)
                    || !names
                        .iter()
                        .any(|&(s, e)| s <= f.start && f.end <= e && e - s > f.end - f.start)
            });
        }
        // Highest priority first (then longest, then leftmost); a finding that
        // overlaps one already taken is dropped (its rest is re-scanned).
        findings.sort_by(|a, b| {
            b.priority()
                .cmp(&a.priority())
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.start.cmp(&b.start))
        });
        // In place: keep a finding if it overlaps none kept before it.
        let mut kept = 0;
        for i in 0..findings.len() {
            let f = findings[i];
            if !findings[..kept]
                .iter()
                .any(|t| f.start < t.end && t.start < f.end)
            {
                findings[kept] = f;
                kept += 1;
            }
        }
        findings.truncate(kept);
        findings.sort_by_key(|f| f.start);
        let edits = &mut scratch.edits;
        edits.clear();
        let mut out = Vec::with_capacity(line.len() + 16 * findings.len());
        let mut pos = 0;
        for f in findings.iter() {
            if f.start < pos {
                continue;
            }
            out.extend_from_slice(&line[pos..f.start]);
            let value = String::from_utf8_lossy(&line[f.start..f.end]);
            let at = out.len();
            match f.label {
                Label::Kind(kind) => {
                    report.add(kind.name());
                    let normal = kind.normalized(&value);
                    self.tokens
                        .write(kind.label_str(), normal.as_bytes(), &mut out);
                }
                Label::Custom(i) => match self.custom.get(i) {
                    Some(c) => {
                        report.add(&c.name);
                        self.tokens.write(&c.label, value.as_bytes(), &mut out);
                    }
                    None => continue,
                },
            }
            edits.push(prefilter::Edit {
                old: (f.start, f.end),
                new: (at, out.len()),
            });
            pos = f.end;
        }
        out.extend_from_slice(&line[pos..]);
        Some(out)
    }

    /// A finding of a kind that is switched on, whose value is not on the
    /// allowlist.
    fn wanted(&self, line: &[u8], f: &Finding) -> bool {
        !f.kind().is_some_and(|k| self.disabled.contains(&k))
            && !self.allowed(&line[f.start..f.end])
    }

    fn allowed(&self, value: &[u8]) -> bool {
        !self.allow.is_empty()
            && (self.allow.contains(value) || self.allow.contains(&value.to_ascii_lowercase()))
    }
}

/// The mailbox of an e-mail finding as a user finding, when it reads as a
/// person's login (four characters or more; not a role address such as
/// `admin@` or `customer.service@`, all of whose words are common or
/// organisation words).
fn mailbox_login(line: &[u8], f: &Finding) -> Option<Finding> {
    if f.kind() != Some(Kind::Email) {
        return None;
    }
    let at = f.start + memchr::memchr(b'@', &line[f.start..f.end])?;
    let local = &line[f.start..at];
    let login = local.len() >= 4
        && local.iter().all(|b| checks::is_login_byte(*b))
        && local
            .split(|b| !b.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .any(|w| {
                let lower = w.to_ascii_lowercase();
                !names::is_common_word(&lower) && !names::is_org_word(&lower)
            });
    login.then(|| Finding::new(f.start, at, Kind::Username))
}

/// Other whole-word occurrences of a finding's value (and, for names, of the
/// first name alone) on the same line. Shorter users, names, and
/// occurrences not `own_word`, count only where not a domain or path
/// component (`.`, `-`, `/` next to them).
fn same_word_elsewhere(line: &[u8], f: &Finding, own_word: bool, out: &mut Vec<Finding>) {
    let value = &line[f.start..f.end];
    let Some(kind) = f.kind() else { return };
    let first = if kind == Kind::Name {
        value
            .iter()
            .position(|b| *b == b' ')
            .filter(|sp| *sp >= 3)
            .map(|sp| &value[..sp])
    } else {
        None
    };
    for needle in std::iter::once(value).chain(first) {
        // Needles are short and lines hold few copies: a first-byte scan
        // is cheaper than building a substring searcher per finding.
        let Some(&lead) = needle.first() else {
            continue;
        };
        // Non-overlapping occurrences, leftmost first.
        let mut from = 0;
        for at in memchr::memchr_iter(lead, line) {
            if at < from || !line[at..].starts_with(needle) {
                continue;
            }
            let end = at + needle.len();
            from = end;
            if at == f.start {
                continue;
            }
            // Whole words only.
            let before_ok = at == 0
                || !(checks::is_word(line[at - 1])
                    || (!own_word && matches!(line[at - 1], b'/' | b'.' | b'-')));
            let after_ok = end >= line.len()
                || !(checks::is_word(line[end])
                    || (!own_word && matches!(line[end], b'.' | b'-' | b'@')));
            if before_ok && after_ok {
                out.push(Finding::new(at, end, kind));
            }
        }
    }
}

/// Buffers of [`Redactor::redact_run`], reused from run to run: per line
/// its findings, its cue scan and whether the detectors scan it.
#[derive(Default)]
struct Run {
    scratch: Scratch,
    findings: Vec<Vec<Finding>>,
    hints: Vec<Hints>,
    scan: Vec<bool>,
}

/// Buffers reused from line to line (a line with findings would otherwise
/// allocate a handful of small vectors per pass).
#[derive(Default)]
struct Scratch {
    hints: Hints,
    findings: Vec<Finding>,
    /// Spans of tokens already on the line.
    tokens: Vec<(usize, usize)>,
    /// Other occurrences of found users and names.
    extra: Vec<Finding>,
    /// The values the last `apply` replaced (for [`Prefilter::rescan`]).
    edits: Vec<prefilter::Edit>,
}

/// Redacts a stream line by line, carrying [`StreamState`] between lines
/// and remembering who was found (see `seen.rs`: later lines lose the same
/// logins, host names and full names wherever they stand).
pub struct LineRedactor<'r> {
    redactor: &'r Redactor,
    state: StreamState,
    scratch: Scratch,
    run: Run,
    seen: seen::Seen,
}

impl LineRedactor<'_> {
    /// Redacts one line (without its `\n`; a trailing `\r` is kept).
    /// Borrowed when nothing was found.
    pub fn redact_line<'l>(&mut self, line: &'l str, report: &mut Report) -> Cow<'l, str> {
        match self.redactor.redact_line(
            &mut self.state,
            &mut self.scratch,
            &mut self.seen,
            line.as_bytes(),
            report,
        ) {
            Cow::Borrowed(_) => Cow::Borrowed(line),
            Cow::Owned(bytes) => Cow::Owned(match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }),
        }
    }

    /// Redacts one line of bytes; invalid UTF-8 passes through unchanged.
    pub fn redact_line_bytes<'l>(&mut self, line: &'l [u8], report: &mut Report) -> Cow<'l, [u8]> {
        self.redactor.redact_line(
            &mut self.state,
            &mut self.scratch,
            &mut self.seen,
            line,
            report,
        )
    }

    /// Redacts `text`, lines separated by `\n`, and appends it to `out`
    /// with the same separators (a `\n` at the end of `text` ends an empty
    /// last line); returns the number of lines. The same output as
    /// [`LineRedactor::redact_line_bytes`] line by line, faster on bulk
    /// text: each detector runs over [`RUN_LINES`] lines at a time, so its
    /// tables stay in the CPU's caches.
    pub fn redact_lines_of(&mut self, text: &[u8], report: &mut Report, out: &mut Vec<u8>) -> u64 {
        let mut run = Vec::with_capacity(RUN_LINES);
        let mut done = Vec::with_capacity(RUN_LINES);
        let mut count = 0u64;
        let mut split = text.split(|b| *b == b'\n').peekable();
        while split.peek().is_some() {
            run.clear();
            run.extend(split.by_ref().take(RUN_LINES));
            done.clear();
            self.redactor.redact_run(
                &mut self.state,
                &mut self.run,
                &mut self.seen,
                &run,
                report,
                &mut done,
            );
            for line in &done {
                if count > 0 {
                    out.push(b'\n');
                }
                count += 1;
                out.extend_from_slice(line);
            }
        }
        count
    }

    /// The state after the last line: whether a private key block is open,
    /// and the header of the table it was a row of.
    pub fn state(&self) -> StreamState {
        self.state.clone()
    }
}

#[cfg(test)]
mod tests;
