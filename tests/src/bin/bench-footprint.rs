//! Agent footprint beside prometheus-node-exporter, same host, same run.
//!
//!     cargo build --release --workspace --bins
//!     cargo run --release -p vigil-tests --bin bench-footprint -- [SECONDS]
//!
//! Starts a collector and an enrolled `vigil-agent run` at the default
//! interval (10 s), and `prometheus-node-exporter` (Debian package) scraped
//! every 10 s; samples RSS (VmRSS) and CPU time (utime+stime) of both from
//! /proc once a second for SECONDS (default 120); prints averages and the
//! agent/node_exporter ratios.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use vigil_tests::{wait_for, Agent, Collector, Proc};

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
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
    rss_max: u64,
    n: u64,
    ticks_start: u64,
    ticks_end: u64,
}

impl Stats {
    fn new(pid: u32) -> Stats {
        Stats {
            rss_sum: 0,
            rss_max: 0,
            n: 0,
            ticks_start: cpu_ticks(pid).unwrap_or(0),
            ticks_end: 0,
        }
    }
    fn sample(&mut self, pid: u32) {
        if let Some(r) = rss_kib(pid) {
            self.rss_sum += r;
            self.rss_max = self.rss_max.max(r);
            self.n += 1;
        }
        self.ticks_end = cpu_ticks(pid).unwrap_or(self.ticks_end);
    }
    fn rss_avg_mib(&self) -> f64 {
        self.rss_sum as f64 / self.n.max(1) as f64 / 1024.0
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
    let mut c = Collector::init();
    c.start();
    let mut agent = Agent::enroll(&c, c.tmp.path());
    // The default interval: no --interval-seconds override.
    let mut cmd = Command::new(vigil_tests::bin("vigil-agent"));
    cmd.arg("run").arg("--state-dir").arg(&agent.state);
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
    println!(
        "vigil-agent: rss_avg_mib={:.1} rss_max_mib={:.1} cpu_percent={acpu:.3}",
        a.rss_avg_mib(),
        a.rss_max as f64 / 1024.0
    );
    println!(
        "node_exporter: rss_avg_mib={:.1} rss_max_mib={:.1} cpu_percent={ncpu:.3}",
        n.rss_avg_mib(),
        n.rss_max as f64 / 1024.0
    );
    println!(
        "rss_ratio={:.2} cpu_ratio={:.2}",
        a.rss_avg_mib() / n.rss_avg_mib().max(0.001),
        acpu / ncpu.max(0.0001)
    );
    drop(ne);
}
