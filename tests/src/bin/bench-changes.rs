//! Latency from a file write to the change being queryable at the
//! collector, over N edits (default 1000).
//!
//!     cargo build --release --workspace --bins
//!     cargo run --release -p vigil-tests --bin bench-changes -- [EDITS] [PER_SECOND]
//!
//! Starts a collector and an agent watching a temp dir (agent defaults:
//! 500 ms debounce, shipping whenever records wait), writes EDITS files at
//! PER_SECOND (default 50), and polls `GET /v1/changes` (cursor-paged)
//! until every edit is visible; prints p50/p95/p99/max of write → visible.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use vigil_tests::{first_host, wait_for, Agent, Collector};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let edits: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let per_second: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(50.0);

    let mut c = Collector::init();
    c.start();
    let watched = c.tmp.path().join("watched");
    std::fs::create_dir_all(&watched).expect("watched dir");
    let mut agent = Agent::enroll(&c, c.tmp.path());
    agent.start(&["--watch", watched.to_str().expect("utf-8 path")]);
    let token = c.admin_token();
    let host = first_host(&c, &token);
    let client = c.client();
    let url = c.admin_url();
    let page = |after: i64| -> Vec<serde_json::Value> {
        client
            .get(format!(
                "{url}/v1/changes?host={host}&after={after}&limit=5000"
            ))
            .bearer_auth(&token)
            .send()
            .ok()
            .and_then(|r| r.json::<serde_json::Value>().ok())
            .and_then(|v| v["changes"].as_array().cloned())
            .unwrap_or_default()
    };
    // Wait until the watch is live (a probe shows up), then start the clock.
    let mut n = 0;
    let mut cursor = 0;
    wait_for("the watch to be live", Duration::from_secs(60), || {
        n += 1;
        std::fs::write(watched.join(format!("probe-{n}")), "x").ok()?;
        let got = page(cursor);
        cursor = got.last().and_then(|e| e["id"].as_i64()).unwrap_or(cursor);
        (!got.is_empty()).then_some(())
    });

    let mut written: HashMap<String, Instant> = HashMap::new();
    let mut latencies = Vec::with_capacity(edits);
    let start = Instant::now();
    let gap = Duration::from_secs_f64(1.0 / per_second);
    let mut next_write = start;
    let mut i = 0;
    let deadline = start + Duration::from_secs(600);
    while latencies.len() < edits && Instant::now() < deadline {
        while i < edits && Instant::now() >= next_write {
            let name = format!("edit-{i}.conf");
            std::fs::write(watched.join(&name), format!("value = {i}\n")).expect("write");
            written.insert(name, Instant::now());
            i += 1;
            next_write += gap;
        }
        for e in page(cursor) {
            cursor = e["id"].as_i64().unwrap_or(cursor);
            let name = e["path"]
                .as_str()
                .and_then(|p| p.rsplit('/').next())
                .unwrap_or("");
            if let Some(t) = written.remove(name) {
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "edits={edits} seen={} rate_per_s={per_second}",
        latencies.len()
    );
    if !latencies.is_empty() {
        println!(
            "write_to_queryable_ms p50={:.0} p95={:.0} p99={:.0} max={:.0}",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.95),
            percentile(&latencies, 0.99),
            latencies[latencies.len() - 1]
        );
    }
    if let Some(p) = agent.proc.as_mut() {
        p.terminate();
    }
}
