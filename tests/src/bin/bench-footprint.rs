//! Agent footprint beside prometheus-node-exporter, same host, same run.
//!
//!     cargo build --release --workspace --bins
//!     scripts/build-agent    # the shipped build
//!     target/release/bench-footprint [SECONDS]
//!
//! Starts a collector and an enrolled `vigil-agent run` at the default
//! interval (10 s), and `prometheus-node-exporter` (Debian package) scraped
//! every 10 s; samples RSS (VmRSS, with its anonymous and file-backed
//! parts) and CPU time (utime+stime) of both from /proc once a second for
//! SECONDS (default 120); prints averages and the agent/node_exporter
//! ratios.
//!
//! The agent measured is the shipped build,
//! `target/x86_64-unknown-linux-gnu/agent/vigil-agent` (`scripts/build-agent`:
//! cargo profile `agent`, C library linked statically), run with the `Environment=` lines of
//! `packaging/vigil-agent.service` (read at build time), as systemd would
//! run it, so the numbers are those of the shipped configuration.
//!
//! The window starts once both are up: node_exporter answers, and the
//! agent's config watch has taken its first baseline of /etc (every file
//! read, hashed and redacted once, a one-off on a fresh state dir). That
//! start-up is reported on its own line (`vigil-agent startup:`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use vigil_tests::{wait_for, Agent, Collector, Proc};

/// The shipped unit; its `Environment=` lines apply to the agent here too.
const UNIT: &str = include_str!("../../../packaging/vigil-agent.service");

/// `Environment=` assignments of a unit, in order (`KEY=VALUE` words,
/// optionally double-quoted; the simple forms systemd accepts).
fn unit_environment(unit: &str) -> Vec<(String, String)> {
    unit.lines()
        .filter_map(|l| l.trim().strip_prefix("Environment="))
        .flat_map(str::split_whitespace)
        .filter_map(|word| {
            let word = word.trim_matches('"');
            let (key, value) = word.split_once('=')?;
            Some((key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// The agent as packaged: `scripts/build-agent`'s output, under the same
/// target directory as the release directory this bench runs from.
fn shipped_agent() -> PathBuf {
    let release = vigil_tests::bin_dir();
    release
        .parent()
        .map_or_else(|| release.clone(), Path::to_path_buf)
        .join("x86_64-unknown-linux-gnu/agent/vigil-agent")
}

/// A `kB` line of /proc/<pid>/status.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// VmRSS, RssAnon and RssFile in KiB.
fn rss_kib(pid: u32) -> Option<(u64, u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some((
        status_kib(&status, "VmRSS:")?,
        status_kib(&status, "RssAnon:").unwrap_or(0),
        status_kib(&status, "RssFile:").unwrap_or(0),
    ))
}

/// utime + stime in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

struct Stats {
    rss_sum: u64,
    anon_sum: u64,
    file_sum: u64,
    rss_max: u64,
    n: u64,
    ticks_start: u64,
    ticks_end: u64,
}

impl Stats {
    fn new(pid: u32) -> Stats {
        Stats {
            rss_sum: 0,
            anon_sum: 0,
            file_sum: 0,
            rss_max: 0,
            n: 0,
            ticks_start: cpu_ticks(pid).unwrap_or(0),
            ticks_end: 0,
        }
    }
    fn sample(&mut self, pid: u32) {
        if let Some((r, anon, file)) = rss_kib(pid) {
            self.rss_sum += r;
            self.anon_sum += anon;
            self.file_sum += file;
            self.rss_max = self.rss_max.max(r);
            self.n += 1;
        }
        self.ticks_end = cpu_ticks(pid).unwrap_or(self.ticks_end);
    }
    fn avg_mib(&self, sum: u64) -> f64 {
        sum as f64 / self.n.max(1) as f64 / 1024.0
    }
    fn rss_avg_mib(&self) -> f64 {
        self.avg_mib(self.rss_sum)
    }
    fn print(&self, name: &str, cpu: f64) {
        println!(
            "{name}: rss_avg_mib={:.1} rss_max_mib={:.1} anon_avg_mib={:.1} file_avg_mib={:.1} cpu_percent={cpu:.3}",
            self.rss_avg_mib(),
            self.rss_max as f64 / 1024.0,
            self.avg_mib(self.anon_sum),
            self.avg_mib(self.file_sum),
        );
    }
    fn cpu_percent(&self, secs: f64, hz: f64) -> f64 {
        (self.ticks_end - self.ticks_start) as f64 / hz / secs * 100.0
    }
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    vigil_tests::install_provider();
    let exporter = Path::new("/usr/bin/prometheus-node-exporter");
    if !exporter.exists() {
        eprintln!("install the baseline first: apt-get install prometheus-node-exporter");
        std::process::exit(2);
    }
    let shipped = shipped_agent();
    if !shipped.exists() {
        eprintln!(
            "{} is missing: build the shipped agent first: scripts/build-agent",
            shipped.display()
        );
        std::process::exit(2);
    }
    let mut c = Collector::init();
    c.start();
    let mut agent = Agent::enroll(&c, c.tmp.path());
    // The default interval: no --interval-seconds override.
    println!("vigil-agent binary: {}", shipped.display());
    let mut cmd = Command::new(&shipped);
    cmd.arg("run").arg("--state-dir").arg(&agent.state);
    for (key, value) in unit_environment(UNIT) {
        println!("vigil-agent environment (from the unit): {key}={value}");
        cmd.env(key, value);
    }
    let spawned = Instant::now();
    agent.proc = Some(Proc::spawn(cmd, c.tmp.path().join("agent-bench.log")));
    let agent_pid = agent.proc.as_ref().map(|p| p.child.id()).unwrap_or(0);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(19100);
    let mut ne = Command::new(exporter);
    ne.arg(format!("--web.listen-address=127.0.0.1:{port}"));
    let ne = Proc::spawn(ne, c.tmp.path().join("node-exporter.log"));
    let ne_pid = ne.child.id();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let http = reqwest::blocking::Client::new();
    wait_for("node_exporter to answer", Duration::from_secs(20), || {
        http.get(&url)
            .send()
            .ok()
            .filter(|r| r.status().is_success())
    });

    let hz = ticks_per_second();
    wait_for(
        "the agent's config watch to take its baseline",
        Duration::from_secs(600),
        || {
            agent
                .proc
                .as_ref()
                .filter(|p| p.output().contains("config watch ready"))
                .map(|_| ())
        },
    );
    println!(
        "vigil-agent startup: seconds={:.1} cpu_seconds={:.2}",
        spawned.elapsed().as_secs_f64(),
        cpu_ticks(agent_pid).unwrap_or(0) as f64 / hz
    );
    let mut a = Stats::new(agent_pid);
    let mut n = Stats::new(ne_pid);
    let start = Instant::now();
    let mut next_scrape = start;
    let mut tick = start;
    while start.elapsed() < Duration::from_secs(seconds) {
        if Instant::now() >= next_scrape {
            let _ = http.get(&url).send().and_then(|r| r.bytes());
            next_scrape += Duration::from_secs(10);
        }
        a.sample(agent_pid);
        n.sample(ne_pid);
        tick += Duration::from_secs(1);
        std::thread::sleep(tick.saturating_duration_since(Instant::now()));
    }
    let secs = start.elapsed().as_secs_f64();
    let (acpu, ncpu) = (a.cpu_percent(secs, hz), n.cpu_percent(secs, hz));
    println!("seconds={secs:.0}");
    a.print("vigil-agent", acpu);
    n.print("node_exporter", ncpu);
    println!(
        "rss_ratio={:.2} cpu_ratio={:.2}",
        a.rss_avg_mib() / n.rss_avg_mib().max(0.001),
        acpu / ncpu.max(0.0001)
    );
    drop(ne);
}
