//! Config-watch benchmark: baseline scan of many files, peak and steady RSS.
//!
//! ```text
//! cargo run --release -p vigil-agent --example files_bench -- [FILES] [DIR]
//! ```
//!
//! Builds FILES small text files (default 100000, 100 per directory) under
//! DIR (default: a fresh temp dir, removed afterwards), then measures the
//! first (silent) baseline scan, a restart rescan with nothing changed,
//! resident memory while watching, and a burst of realtime edits.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use vigil_agent::collect::files::{FileWatch, FilesConfig};
use vigil_shared::redact::{RedactConfig, Redactor, ScopeKey};

const PER_DIR: usize = 100;

fn status_kib(field: &str) -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn build_tree(root: &Path, files: usize) -> anyhow::Result<()> {
    for i in 0..files {
        let dir = root.join(format!("d{:04}", i / PER_DIR));
        if i % PER_DIR == 0 {
            fs::create_dir_all(&dir)?;
        }
        fs::write(
            dir.join(format!("f{i}.conf")),
            format!("# generated\nname = file-{i}\nvalue = {}\n", i * 7),
        )?;
    }
    Ok(())
}

fn wait(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while !cond() {
        anyhow::ensure!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let files: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let (_tmp, root): (Option<tempfile::TempDir>, PathBuf) = match args.next() {
        Some(d) => (None, PathBuf::from(d)),
        None => {
            let t = tempfile::tempdir()?;
            let p = t.path().join("tree");
            (Some(t), p)
        }
    };
    let state = tempfile::tempdir()?;
    println!("building {files} files under {}", root.display());
    let t = Instant::now();
    build_tree(&root, files)?;
    println!("  built in {:.2?}", t.elapsed());
    let rss_before = status_kib("VmRSS:");

    let cfg = FilesConfig {
        paths: vec![root.clone()],
        max_watches: files / PER_DIR + 16,
        rescan_interval: Duration::from_secs(3600),
        ..FilesConfig::default()
    };
    let redactor = Arc::new(Redactor::new(
        ScopeKey::from_bytes([1; 32]),
        &RedactConfig::default(),
    )?);
    let emitted = Arc::new(AtomicU64::new(0));

    let start = |emitted: Arc<AtomicU64>| {
        FileWatch::start(
            cfg.clone(),
            state.path(),
            Arc::clone(&redactor),
            move |_| {
                emitted.fetch_add(1, Ordering::Relaxed);
            },
        )
    };

    let t = Instant::now();
    let w = start(Arc::clone(&emitted))?;
    anyhow::ensure!(w.wait_ready(Duration::from_secs(3600)), "first scan failed");
    let first = t.elapsed();
    let hwm_first = status_kib("VmHWM:");
    let watches = w.stats().watches;
    w.stop()?;

    let t = Instant::now();
    let w = start(Arc::clone(&emitted))?;
    anyhow::ensure!(
        w.wait_ready(Duration::from_secs(3600)),
        "restart scan failed"
    );
    let restart = t.elapsed();

    std::thread::sleep(Duration::from_secs(3));
    let rss_steady = status_kib("VmRSS:");

    let edits = 1000.min(files);
    let t = Instant::now();
    for i in 0..edits {
        let p = root
            .join(format!("d{:04}", i / PER_DIR))
            .join(format!("f{i}.conf"));
        fs::write(&p, format!("# edited\nname = file-{i}\n"))
            .with_context(|| format!("editing {}", p.display()))?;
    }
    wait("realtime edits", Duration::from_secs(120), || {
        emitted.load(Ordering::Relaxed) >= edits as u64
    })?;
    let burst = t.elapsed();
    let rss_after = status_kib("VmRSS:");
    let hwm = status_kib("VmHWM:");
    let stats = w.stats();
    w.stop()?;

    let db = fs::metadata(state.path().join("baseline.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "files:                     {files} in {} directories ({watches} watched)",
        files / PER_DIR
    );
    println!("first baseline scan:       {first:.2?}");
    println!("restart rescan, no change: {restart:.2?}");
    println!(
        "{edits} realtime edits reported in {burst:.2?} (records: {})",
        stats.records_emitted
    );
    println!("RSS before watching:       {}", mib(rss_before));
    println!("peak RSS after first scan: {}", mib(hwm_first));
    println!("steady RSS while watching: {}", mib(rss_steady));
    println!("RSS after the edit burst:  {}", mib(rss_after));
    println!("peak RSS overall (VmHWM):  {}", mib(hwm));
    println!("baseline.db size:          {}", mib(db / 1024));
    Ok(())
}
