//! Redaction throughput benchmark.
//!
//! ```text
//! cargo build --release -p vigil-agent
//! cargo run --release -p vigil-tests --bin bench-redact [-- --mb 100]
//! ```
//!
//! Generates a mixed log corpus (~100 MB by default: sshd/sudo, nginx access
//! and error, JSON app logs, Java stack traces, postfix, INI/YAML, plain
//! service logs; roughly a third of the lines hold something to redact) in a
//! temp dir, or with `--corpus labeled` repeats the text of the five labeled
//! corpora (`shared/tests/*/*.marked`, markup stripped: 131 files in ~120
//! formats, a finding every ~80 bytes) to that size, then times, best of
//! three runs each:
//!
//! - `cat FILE > /dev/null` (the disk/page-cache floor),
//! - `LC_ALL=C grep -cE '<email regex>' FILE` (one regex, the reference),
//! - `vigil-agent redact --in FILE --out /dev/null` (release build),
//! - the engine in-process (`Redactor::redact_bytes`, no I/O),
//!
//! and prints MB/s and the ratio to grep. `VIGIL_AGENT_BIN` overrides the
//! agent binary path (default: `target/release/vigil-agent`).
//! `--baseline BIN` also times another agent binary (an older build) on the
//! same corpus in the same run, for before/after comparisons. `--keep FILE`
//! also copies the corpus to FILE (for profiling or output comparisons).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use vigil_shared::redact::{RedactConfig, Redactor, Report, ScopeKey, Tables};

const EMAIL_RE: &str = "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}";

fn main() -> anyhow::Result<()> {
    let mut mb: usize = 100;
    let mut baseline: Option<PathBuf> = None;
    let mut keep: Option<PathBuf> = None;
    let mut labeled = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--mb" => mb = args.next().context("--mb needs a number")?.parse()?,
            "--corpus" => {
                labeled = match args.next().as_deref() {
                    Some("generated") => false,
                    Some("labeled") => true,
                    _ => bail!("--corpus needs `generated` or `labeled`"),
                }
            }
            "--baseline" => baseline = Some(args.next().context("--baseline needs a path")?.into()),
            "--keep" => keep = Some(args.next().context("--keep needs a path")?.into()),
            other => {
                bail!("unknown argument {other} (usage: bench-redact [--mb N] [--corpus generated|labeled] [--baseline BIN] [--keep FILE])")
            }
        }
    }
    let agent = std::env::var_os("VIGIL_AGENT_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/vigil-agent"),
        PathBuf::from,
    );
    if !agent.exists() {
        bail!(
            "{} not found: run `cargo build --release -p vigil-agent` first",
            agent.display()
        );
    }
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("mixed.log");
    let bytes = if labeled {
        repeat_labeled(&file, mb * 1024 * 1024)?
    } else {
        generate(&file, mb * 1024 * 1024)?
    };
    let size_mb = bytes as f64 / 1e6;
    println!("corpus: {} ({size_mb:.1} MB)", file.display());
    if let Some(keep) = &keep {
        std::fs::copy(&file, keep)
            .with_context(|| format!("while copying the corpus to {}", keep.display()))?;
    }

    let cat = best_of(3, || run(Command::new("cat").arg(&file)))?;
    let grep = best_of(3, || {
        run(Command::new("grep")
            .env("LC_ALL", "C")
            .arg("-cE")
            .arg(EMAIL_RE)
            .arg(&file))
    })?;
    let report = dir.path().join("report.json");
    let redact_with = |bin: &Path| {
        best_of(3, || {
            run(Command::new(bin)
                .args(["redact", "--in"])
                .arg(&file)
                .args(["--out", "/dev/null", "--report"])
                .arg(&report))
        })
    };
    let before = baseline.as_deref().map(redact_with).transpose()?;
    let redact = redact_with(&agent)?;
    let in_process = best_of(3, || engine_only(&file))?;

    let mbs = |d: Duration| size_mb / d.as_secs_f64();
    println!(
        "{:<34} {:>9} {:>10} {:>9}",
        "command", "seconds", "MB/s", "x grep"
    );
    let rows = [
        ("cat FILE >/dev/null", Some(cat)),
        ("LC_ALL=C grep -cE <email> FILE", Some(grep)),
        ("vigil-agent redact (baseline)", before),
        ("vigil-agent redact (release)", Some(redact)),
        ("engine in-process (no I/O)", Some(in_process)),
    ];
    for (name, d) in rows.into_iter().filter_map(|(n, d)| Some((n, d?))) {
        println!(
            "{name:<34} {:>9.3} {:>10.1} {:>9.2}",
            d.as_secs_f64(),
            mbs(d),
            d.as_secs_f64() / grep.as_secs_f64()
        );
    }
    let summary = std::fs::read_to_string(&report).unwrap_or_default();
    println!(
        "findings: {}",
        summary.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    Ok(())
}

/// Runs a command with stdout on a pipe (GNU grep stops at the first match
/// when its output is /dev/null, which would make the baseline meaningless).
fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("while running {cmd:?}"))?;
    let status = out.status;
    // grep -c exits 1 when nothing matched; that is not a failure here.
    if !status.success() && status.code() != Some(1) {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

fn best_of(n: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..n {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed());
    }
    Ok(best)
}

fn engine_only(file: &Path) -> anyhow::Result<()> {
    // The tables `vigil-agent redact` uses.
    let r = Redactor::with_tables(
        ScopeKey::from_bytes([5; 32]),
        &RedactConfig::default(),
        Tables::Fast,
    )?;
    let mut report = Report::default();
    let data = std::fs::read(file)?;
    std::hint::black_box(r.redact_bytes(&data, &mut report));
    Ok(())
}

/// Writes the raw text of the labeled corpora, repeated until `target`
/// bytes are written.
fn repeat_labeled(path: &Path, target: usize) -> anyhow::Result<usize> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tests");
    let mut files = Vec::new();
    for corpus in std::fs::read_dir(&root)? {
        let corpus = corpus?.path();
        if corpus.is_dir() {
            for f in std::fs::read_dir(&corpus)? {
                let f = f?.path();
                if f.extension().is_some_and(|e| e == "marked") {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    let mut text = String::new();
    for f in &files {
        text.push_str(&strip_markup(&std::fs::read_to_string(f)?));
    }
    if text.is_empty() {
        bail!("no labeled corpus files under {}", root.display());
    }
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0;
    while written < target {
        w.write_all(text.as_bytes())?;
        written += text.len();
    }
    w.flush()?;
    Ok(written)
}

/// The raw text under the corpora's markup: `«kind:value»` is `value`,
/// `‹value›` is `value` (shared/tests/corpus/README.md).
fn strip_markup(marked: &str) -> String {
    let mut out = String::with_capacity(marked.len());
    let mut label_kind = false;
    for c in marked.chars() {
        match c {
            '«' => label_kind = true,
            ':' if label_kind => label_kind = false,
            _ if label_kind => {}
            '»' | '‹' | '›' => {}
            _ => out.push(c),
        }
    }
    out
}

/// A small deterministic PRNG (xorshift64*), enough to vary the corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
}

const FIRST: &[&str] = &[
    "maria", "jonas", "priya", "aiko", "mateo", "sofia", "liam", "fatima", "chen", "ingrid",
];
const LAST: &[&str] = &[
    "keller", "adeyemi", "kowalski", "tanaka", "garcia", "rossi", "nguyen",
];
const MON: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
];

fn generate(path: &Path, target: usize) -> anyhow::Result<usize> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0usize;
    let mut line = String::with_capacity(512);
    while written < target {
        line.clear();
        make_line(&mut rng, &mut line);
        line.push('\n');
        w.write_all(line.as_bytes())?;
        written += line.len();
    }
    w.flush()?;
    // Sanity: the file reads back as lines.
    let n = BufReader::new(std::fs::File::open(path)?)
        .lines()
        .take(1)
        .count();
    if n == 0 {
        bail!("empty corpus");
    }
    Ok(written)
}

fn make_line(rng: &mut Rng, out: &mut String) {
    use std::fmt::Write as _;
    let ts = format!(
        "{} {:2} {:02}:{:02}:{:02}",
        rng.pick(MON),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    );
    let iso = format!(
        "2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.below(1000)
    );
    let ip = format!(
        "{}.{}.{}.{}",
        10 + rng.below(200),
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    );
    let user = format!("{}.{}", rng.pick(FIRST), rng.pick(LAST));
    let pid = 100 + rng.below(60000);
    let _ = match rng.below(20) {
        0 => write!(out, "{ts} web01 sshd[{pid}]: Accepted publickey for {user} from {ip} port {} ssh2: ED25519 SHA256:{}", 1024 + rng.below(60000), rng.hex(43)),
        1 => write!(out, "{ts} web01 sudo: {user} : TTY=pts/{} ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx", rng.below(9)),
        2..=4 => write!(out, "{ip} - - [{:02}/Mar/2024:{:02}:{:02}:{:02} +0000] \"GET /api/v1/items/{} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\"", 1 + rng.below(28), rng.below(24), rng.below(60), rng.below(60), rng.below(99999), rng.pick(&["200", "200", "304", "404", "500"]), rng.below(90000)),
        5 => write!(out, "{{\"ts\":\"{iso}\",\"level\":\"info\",\"msg\":\"login ok\",\"user\":{{\"email\":\"{user}@example.com\"}},\"ip\":\"{ip}\",\"request_id\":\"{}-{}-{}-{}-{}\"}}", rng.hex(8), rng.hex(4), rng.hex(4), rng.hex(4), rng.hex(12)),
        6..=8 => write!(out, "{{\"ts\":\"{iso}\",\"level\":\"debug\",\"msg\":\"request handled\",\"route\":\"/api/v2/orders\",\"status\":200,\"duration_ms\":{},\"trace_id\":\"{}\",\"version\":\"3.{}.{}\"}}", rng.below(3000), rng.hex(32), rng.below(20), rng.below(20)),
        9 => write!(out, "\tat com.example.shop.service.OrderService.process(OrderService.java:{})", rng.below(900)),
        10 => write!(out, "{iso} ERROR [http-nio-8080-exec-{}] c.e.shop.OrderController - Failed to process order {} for {user}@example.org", rng.below(20), rng.below(999999)),
        11 => write!(out, "{ts} mail postfix/qmgr[{pid}]: {}: from=<{user}@example.net>, size={}, nrcpt=1 (queue active)", rng.hex(10).to_uppercase(), rng.below(99999)),
        12 => write!(out, "{ts} mail postfix/smtp[{pid}]: {}: to=<{user}@example.com>, relay=mx.example.net[{ip}]:25, delay=0.{}, dsn=2.0.0, status=sent (250 2.0.0 OK)", rng.hex(10).to_uppercase(), rng.below(99)),
        13 => write!(out, "password = {}", rng.hex(16)),
        14..=16 => write!(out, "{iso} INFO  [worker-{}] cache refresh completed in {} ms, {} entries, hit ratio 0.{}, heap {} MiB", rng.below(16), rng.below(5000), rng.below(100000), rng.below(100), rng.below(4096)),
        17 => write!(out, "{ts} web01 kernel: [{}.{:06}] EXT4-fs (sda1): mounted filesystem {}-{}-{}-{}-{} r/w with ordered data mode", rng.below(99999), rng.below(999999), rng.hex(8), rng.hex(4), rng.hex(4), rng.hex(4), rng.hex(12)),
        18 => write!(out, "{ts} web01 systemd[1]: Started Session {} of User {}.", rng.below(999), rng.pick(FIRST)),
        _ => write!(out, "{iso} WARN  upstream 10.0.{}.{}:8080 slow: {}ms (threshold 500ms), retry {}/3", rng.below(255), rng.below(255), 500 + rng.below(3000), rng.below(3)),
    };
}
