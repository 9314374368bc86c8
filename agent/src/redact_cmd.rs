//! `vigil-agent redact`: redacts one file or stdin to a file or stdout,
//! line by line (buffered, streaming; PEM blocks followed across lines),
//! and optionally writes a JSON report of findings per kind (never values).
//!
//! The token key is random per invocation, so tokens correlate within one
//! output only, unless `--key-file` names a key (32 raw bytes, or 64 hex
//! digits) to correlate across runs.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Serialize;
use vigil_shared::redact::{RedactConfig, Redactor, Report, ScopeKey};

/// Parsed options of the command.
#[derive(Clone, Debug, Default)]
pub struct RedactOptions {
    /// Input file; `None` or `-` reads stdin.
    pub input: Option<PathBuf>,
    /// Output file; `None` or `-` writes stdout.
    pub output: Option<PathBuf>,
    /// Where to write the JSON report.
    pub report: Option<PathBuf>,
    /// A TOML file with [`RedactConfig`] keys (top level, or under a
    /// `[redact]` table).
    pub config: Option<PathBuf>,
    /// Key file: 32 raw bytes or 64 hex digits.
    pub key_file: Option<PathBuf>,
}

/// The JSON report: line count and findings per kind.
#[derive(Debug, Serialize)]
pub struct RedactSummary {
    pub lines: u64,
    pub counts: std::collections::BTreeMap<String, u64>,
}

const IO_BUFFER_BYTES: usize = 256 * 1024;

/// Runs the command. Errors name the file involved.
pub fn redact(opts: &RedactOptions) -> anyhow::Result<RedactSummary> {
    let config = match &opts.config {
        Some(path) => load_config(path)?,
        None => RedactConfig::default(),
    };
    let key = match &opts.key_file {
        Some(path) => load_key(path)?,
        None => ScopeKey::from_bytes(rand::random()),
    };
    let redactor = Redactor::new(key, &config).context("while building the redactor")?;

    let input: Box<dyn Read> = match dash_or(&opts.input) {
        Some(path) => {
            Box::new(File::open(path).with_context(|| format!("while opening {}", path.display()))?)
        }
        None => Box::new(io::stdin().lock()),
    };
    let output: Box<dyn Write> = match dash_or(&opts.output) {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("while creating {}", path.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let mut reader = BufReader::with_capacity(IO_BUFFER_BYTES, input);
    let mut writer = BufWriter::with_capacity(IO_BUFFER_BYTES, output);
    let (lines, report) = redact_stream(&redactor, &mut reader, &mut writer)?;
    writer.flush().context("while writing the output")?;

    let summary = RedactSummary {
        lines,
        counts: report.counts,
    };
    if let Some(path) = &opts.report {
        let json = serde_json::to_vec_pretty(&summary)?;
        std::fs::write(path, json)
            .with_context(|| format!("while writing the report {}", path.display()))?;
    }
    Ok(summary)
}

/// Redacts `reader` into `writer` line by line; returns lines and findings.
pub fn redact_stream(
    redactor: &Redactor,
    reader: &mut impl BufRead,
    writer: &mut impl Write,
) -> anyhow::Result<(u64, Report)> {
    let mut lines = redactor.line_redactor();
    let mut report = Report::default();
    let mut buf = Vec::with_capacity(4096);
    let mut count = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .context("while reading the input")?;
        if n == 0 {
            break;
        }
        count += 1;
        let (line, newline) = match buf.strip_suffix(b"\n") {
            Some(l) => (l, true),
            None => (buf.as_slice(), false),
        };
        let out = lines.redact_line_bytes(line, &mut report);
        writer.write_all(&out).context("while writing the output")?;
        if newline {
            writer
                .write_all(b"\n")
                .context("while writing the output")?;
        }
    }
    Ok((count, report))
}

fn dash_or(path: &Option<PathBuf>) -> Option<&Path> {
    path.as_deref().filter(|p| *p != Path::new("-"))
}

fn load_config(path: &Path) -> anyhow::Result<RedactConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("while reading the config {}", path.display()))?;
    let value: toml::Table =
        toml::from_str(&text).with_context(|| format!("in the config {}", path.display()))?;
    let table = match value.get("redact") {
        Some(toml::Value::Table(t)) => t.clone(),
        _ => value,
    };
    table
        .try_into()
        .with_context(|| format!("in the config {}", path.display()))
}

fn load_key(path: &Path) -> anyhow::Result<ScopeKey> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("while reading the key file {}", path.display()))?;
    if let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice()) {
        return Ok(ScopeKey::from_bytes(raw));
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut key = [0u8; 32];
    match hex::decode_to_slice(text.trim(), &mut key) {
        Ok(()) => Ok(ScopeKey::from_bytes(key)),
        Err(_) => bail!(
            "the key file {} must hold 32 raw bytes or 64 hex digits",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_and_keeps_lines() {
        let r = Redactor::new(ScopeKey::from_bytes([1; 32]), &RedactConfig::default()).unwrap();
        let input = b"mail bob@example.com\n\xff raw\n-----BEGIN PRIVATE KEY-----\nMIIBVQ\n-----END PRIVATE KEY-----\nlast";
        let mut out = Vec::new();
        let (lines, report) = redact_stream(&r, &mut &input[..], &mut out).unwrap();
        assert_eq!(lines, 6);
        assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 5);
        assert!(!out.windows(3).any(|w| w == b"bob"));
        assert!(out.windows(5).any(|w| w == b"\xff raw"));
        assert_eq!(report.counts.get("private_key"), Some(&3));
        assert!(out.ends_with(b"last"));
    }

    #[test]
    fn config_and_key_files() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("agent.toml");
        std::fs::write(&cfg, "[redact]\nallowlist = [\"support@example.com\"]\n").unwrap();
        assert_eq!(
            load_config(&cfg).unwrap().allowlist,
            vec!["support@example.com"]
        );
        std::fs::write(&cfg, "nope = 1\n").unwrap();
        assert!(load_config(&cfg).is_err());
        let key = dir.path().join("key");
        std::fs::write(&key, "ab".repeat(32)).unwrap();
        assert!(load_key(&key).is_ok());
        std::fs::write(&key, "short").unwrap();
        assert!(load_key(&key).is_err());
    }
}
