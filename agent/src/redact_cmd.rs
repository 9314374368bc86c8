//! `vigil-agent redact`: redacts one file or stdin to a file or stdout,
//! line by line (buffered, streaming; PEM blocks followed across lines),
//! and optionally writes a JSON report of findings per kind (never values).
//!
//! The input is cut into blocks of whole lines (about 1 MiB); one worker
//! thread per core redacts blocks while the calling thread keeps reading
//! ahead and writes the results in order. Each block assumes no private
//! key block is open at its start; if the block before it ends inside one,
//! it is redone with the right state, so the output is the same as a
//! sequential run.
//!
//! The token key is random per invocation, so tokens correlate within one
//! output only, unless `--key-file` names a key (32 raw bytes, or 64 hex
//! digits) to correlate across runs.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};

use anyhow::{bail, Context};
use serde::Serialize;
use vigil_shared::redact::{RedactConfig, Redactor, Report, ScopeKey, StreamState, Tables};

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

/// Input is redacted in blocks of whole lines of about this size.
const BLOCK_BYTES: usize = 1024 * 1024;

/// At most this many blocks (threads) per batch.
const MAX_WORKERS: usize = 8;

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
    // A one-off bulk run: the faster cue tables are worth their memory.
    let redactor =
        Redactor::with_tables(key, &config, Tables::Fast).context("while building the redactor")?;

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
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_WORKERS);
    redact_blocks(redactor, reader, writer, BLOCK_BYTES, workers)
}

/// [`redact_stream`] with the block size and thread count given.
///
/// The calling thread reads blocks and writes results (the reader and
/// writer need not be `Send`); `workers` threads redact. Up to two blocks
/// per worker are in flight, so the workers never wait for the writer.
fn redact_blocks(
    redactor: &Redactor,
    reader: &mut impl BufRead,
    writer: &mut impl Write,
    block_bytes: usize,
    workers: usize,
) -> anyhow::Result<(u64, Report)> {
    if workers <= 1 {
        return redact_sequential(redactor, reader, writer, block_bytes);
    }
    let mut out = Output::default();
    let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(workers * 2);
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // Owned by this closure: an early return drops them, which stops
        // the workers before the scope joins them.
        let job_tx = job_tx;
        let (done_tx, done_rx) = mpsc::sync_channel::<Done>(workers * 2);
        for _ in 0..workers {
            let (job_rx, done_tx) = (&job_rx, done_tx.clone());
            scope.spawn(move || loop {
                let job = match job_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((seq, input)) = job else { return };
                // Every block but the first assumes no key block or table is
                // open at its start; the writer redoes it if that was wrong.
                let block = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    redact_block(redactor, &input, StreamState::default())
                }));
                if done_tx.send((seq, input, block)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut eof = false;
        let (mut sent, mut written) = (0u64, 0u64);
        let mut pending = std::collections::BTreeMap::new();
        loop {
            while !eof && sent - written < (workers * 2) as u64 {
                let mut block = Vec::with_capacity(block_bytes + 64 * 1024);
                eof = read_block(reader, &mut block, block_bytes)
                    .context("while reading the input")?;
                if block.is_empty() {
                    break;
                }
                if job_tx.send((sent, block)).is_err() {
                    bail!("a redaction worker stopped");
                }
                sent += 1;
            }
            if written == sent {
                return Ok(());
            }
            let Ok((seq, input, block)) = done_rx.recv() else {
                bail!("a redaction worker stopped");
            };
            let block = block.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            pending.insert(seq, (input, block));
            while let Some((input, block)) = pending.remove(&written) {
                out.write(redactor, &input, block, writer)?;
                written += 1;
            }
        }
    })?;
    Ok((out.lines, out.report))
}

/// A redacted block with its input (kept in case it must be redone).
type Done = (u64, Vec<u8>, std::thread::Result<Block>);

/// One block at a time on the calling thread.
fn redact_sequential(
    redactor: &Redactor,
    reader: &mut impl BufRead,
    writer: &mut impl Write,
    block_bytes: usize,
) -> anyhow::Result<(u64, Report)> {
    let mut out = Output::default();
    let mut eof = false;
    while !eof {
        let mut input = Vec::with_capacity(block_bytes + 64 * 1024);
        eof = read_block(reader, &mut input, block_bytes).context("while reading the input")?;
        if !input.is_empty() {
            let block = redact_block(redactor, &input, out.state.clone());
            out.write(redactor, &input, block, writer)?;
        }
    }
    Ok((out.lines, out.report))
}

/// What the writer knows about the stream so far.
#[derive(Default)]
struct Output {
    lines: u64,
    report: Report,
    /// The stream's state after the last block written.
    state: StreamState,
}

impl Output {
    /// Writes the next block in order, redoing it first if it was redacted
    /// from the wrong state (the block before ended inside a key block or a
    /// table).
    fn write(
        &mut self,
        redactor: &Redactor,
        input: &[u8],
        mut block: Block,
        writer: &mut impl Write,
    ) -> anyhow::Result<()> {
        if block.start != self.state {
            block = redact_block(redactor, input, self.state.clone());
        }
        writer
            .write_all(&block.bytes)
            .context("while writing the output")?;
        self.report.merge(&block.report);
        self.lines += block.lines;
        self.state = block.end;
        Ok(())
    }
}

/// One redacted block and what the stream needs to know about it.
struct Block {
    bytes: Vec<u8>,
    report: Report,
    lines: u64,
    /// The state the block was redacted from, and the one it left.
    start: StreamState,
    end: StreamState,
}

/// Redacts a block of whole lines (the last one may lack its `\n`).
fn redact_block(redactor: &Redactor, block: &[u8], start: StreamState) -> Block {
    let mut lines = redactor.resume_line_redactor(start.clone());
    let mut report = Report::default();
    let mut bytes = Vec::with_capacity(block.len() + block.len() / 8);
    let (body, last_newline) = match block.strip_suffix(b"\n") {
        Some(b) => (b, true),
        None => (block, false),
    };
    let count = lines.redact_lines_of(body, &mut report, &mut bytes);
    if last_newline {
        bytes.push(b'\n');
    }
    Block {
        bytes,
        report,
        lines: count,
        start,
        end: lines.state(),
    }
}

/// Appends about `block_bytes` of input to `block`, ending at a line end
/// unless the input ends first. Returns whether the input has ended.
fn read_block(
    reader: &mut impl BufRead,
    block: &mut Vec<u8>,
    block_bytes: usize,
) -> io::Result<bool> {
    while block.len() < block_bytes {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(true);
        }
        let n = buf.len();
        block.extend_from_slice(buf);
        reader.consume(n);
    }
    if block.last() != Some(&b'\n') {
        reader.read_until(b'\n', block)?;
        if block.last() != Some(&b'\n') {
            return Ok(true);
        }
    }
    Ok(false)
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
    fn blocks_in_parallel_match_one_line_at_a_time() {
        let r = Redactor::new(ScopeKey::from_bytes([2; 32]), &RedactConfig::default()).unwrap();
        let mut input = Vec::new();
        for i in 0..40 {
            input.extend_from_slice(
                format!("{i} login for alice from 10.0.0.{i} port 22\r\n").as_bytes(),
            );
            if i % 7 == 3 {
                input.extend_from_slice(
                    b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nq7BFUAwIBAgIJ\n-----END RSA PRIVATE KEY-----\n\n",
                );
            }
        }
        // A table whose rows run across blocks: its header is the cue.
        input.extend_from_slice(b"id,display_name,login,department\n");
        for i in 0..30 {
            input.extend_from_slice(format!("{i},Maria Keller,mkeller{i},Support\n").as_bytes());
        }
        input.extend_from_slice(b"tail mail bob@example.com");
        let mut expected = Vec::new();
        let mut report = Report::default();
        let mut lines = r.line_redactor();
        for (i, line) in input.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                expected.push(b'\n');
            }
            expected.extend_from_slice(&lines.redact_line_bytes(line, &mut report));
        }
        assert!(
            !String::from_utf8_lossy(&expected).contains("mkeller29"),
            "the last row was redacted"
        );
        for block_bytes in [1, 7, 64, 300, 1 << 20] {
            for workers in [1, 2, 3] {
                let mut out = Vec::new();
                let (n, got) =
                    redact_blocks(&r, &mut &input[..], &mut out, block_bytes, workers).unwrap();
                assert_eq!(
                    out, expected,
                    "block_bytes {block_bytes}, workers {workers}"
                );
                assert_eq!(got, report);
                assert_eq!(n as usize, input.split(|b| *b == b'\n').count());
            }
        }
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
