//! `vigil-server bench ingest`: a collector on a temp data dir, N simulated
//! agents over real mTLS (each with its own enrolled certificate), and in
//! the same run the raw SQLite insert rate of the same schema on the same
//! disk, for the ratio.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use vigil_shared::wire::{
    Batch, BatchId, EnrollRequest, EnrollResponse, HostInfo, MetricsSnapshot, Record, Sample,
    BATCH_CONTENT_TYPE, PATH_ENROLL, PATH_INGEST, PROTOCOL_VERSION,
};

use crate::auth::password::Argon2Cost;
use crate::config::ServerConfig;
use crate::datadir::{self, DataDir};

#[derive(clap::Args, Debug, Clone)]
pub struct IngestArgs {
    /// Simulated agents, each with its own certificate and connection.
    #[arg(long, default_value_t = 8)]
    pub agents: usize,
    /// Series per agent batch.
    #[arg(long, default_value_t = 100)]
    pub series: usize,
    /// Measurement time.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Pace: one batch per agent every I seconds. Without it, each agent
    /// sends its next batch as soon as the last is acknowledged.
    #[arg(long)]
    pub interval_seconds: Option<f64>,
    /// Where to put the temp data dir (default: the system temp dir).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

/// The simulated agents' side of `bench ingest`, run by it as a child
/// process (hidden from help): enrolls the agents against the collector
/// the parent started, sends, and prints a [`SimResult`] as JSON. A process
/// of their own gives the agents' sockets their own open-file limit (two
/// sockets per agent in one process would not fit 10,000 agents under a
/// 20,000 limit), and keeps them out of the collector's process.
#[derive(clap::Args, Debug, Clone)]
pub struct SimulateArgs {
    #[arg(long)]
    pub admin_url: String,
    #[arg(long)]
    pub agent_url: String,
    /// The collector's CA certificate (PEM).
    #[arg(long)]
    pub ca_file: std::path::PathBuf,
    #[arg(long)]
    pub agents: usize,
    #[arg(long)]
    pub series: usize,
    #[arg(long)]
    pub seconds: u64,
    #[arg(long)]
    pub interval_seconds: Option<f64>,
}

/// What the simulated agents measured.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SimResult {
    /// From the first batch sent until every agent had one acknowledged.
    warm_up_secs: f64,
    warm_up_p99_ms: f64,
    /// The measured window: batches sent in it, acknowledged or not.
    window_secs: f64,
    acked_batches: usize,
    errors: usize,
    p50_ms: f64,
    p99_ms: f64,
}

const BENCH_PASSWORD: &str = "bench-password-long-enough";

/// Open files the bench asks for: a client and a server socket per
/// simulated agent, with room to spare for 10,000 agents.
const NOFILE_WANTED: u64 = 65_536;

/// Raises the open-file limit: the hard limit too when the process may
/// (root), else the soft one up to the hard one.
fn raise_nofile() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let wanted = hard.max(NOFILE_WANTED);
        if setrlimit(Resource::RLIMIT_NOFILE, wanted, wanted).is_err() {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
        }
    }
}

pub(crate) fn host() -> HostInfo {
    HostInfo {
        hostname: "bench".into(),
        os: "linux".into(),
        kernel: "bench".into(),
        agent_version: env!("CARGO_PKG_VERSION").into(),
    }
}

/// Realistic sample names and labels: per-core CPU, filesystems, NICs.
pub(crate) fn series_shape(n: usize) -> Vec<(String, BTreeMap<String, String>)> {
    (0..n)
        .map(|i| {
            let (name, label, value) = match i % 5 {
                0 => ("cpu_usage_percent", "cpu", format!("{}", i / 5)),
                1 => (
                    "filesystem_used_bytes",
                    "mount",
                    format!("/mnt/vol{}", i / 5),
                ),
                2 => (
                    "network_receive_bytes_total",
                    "interface",
                    format!("eth{}", i / 5),
                ),
                3 => (
                    "network_transmit_bytes_total",
                    "interface",
                    format!("eth{}", i / 5),
                ),
                _ => ("disk_read_bytes_total", "device", format!("sd{}", i / 5)),
            };
            (name.to_owned(), BTreeMap::from([(label.to_owned(), value)]))
        })
        .collect()
}

pub(crate) fn make_batch(
    shape: &[(String, BTreeMap<String, String>)],
    epoch: u64,
    seq: u64,
) -> Batch {
    let ts_ms = 1_700_000_000_000 + seq as i64 * 1000;
    Batch {
        version: PROTOCOL_VERSION,
        id: BatchId { epoch, seq },
        host: host(),
        records: vec![Record::Metrics(MetricsSnapshot {
            ts_ms,
            samples: shape
                .iter()
                .enumerate()
                .map(|(i, (name, labels))| Sample {
                    name: name.clone(),
                    labels: labels.clone(),
                    value: (seq as f64 * 1.5 + i as f64) % 1000.0,
                })
                .collect(),
        })],
        gaps: vec![],
    }
}

/// Batches folded into one transaction by the raw baseline: large enough
/// that the fsync per commit no longer dominates.
const RAW_BATCHES_PER_TX: usize = 64;

/// Raw batched-insert rate of the same schema, pragmas and disk, with
/// prepared statements and large transactions: the ceiling the collector is
/// compared against.
fn raw_sqlite_rate(dir: &std::path::Path, series: usize, batches: usize) -> anyhow::Result<f64> {
    let path = dir.join("raw.db");
    let mut conn = crate::store::open_rw(&path)?;
    conn.execute(
        "INSERT INTO agents (id, enrolled_ms, cert_not_after_ms) VALUES ('raw', 0, 0)",
        [],
    )?;
    let shape = series_shape(series);
    {
        let tx = conn.transaction()?;
        for (name, labels) in &shape {
            tx.execute(
                "INSERT INTO series (agent_id, name, labels) VALUES ('raw', ?1, ?2)",
                rusqlite::params![name, serde_json::to_string(labels)?],
            )?;
        }
        tx.commit()?;
    }
    let start = Instant::now();
    for first in (0..batches).step_by(RAW_BATCHES_PER_TX) {
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO samples (series_id, ts_ms, value) VALUES (?1, ?2, ?3)",
            )?;
            for seq in first..(first + RAW_BATCHES_PER_TX).min(batches) {
                for i in 0..series {
                    stmt.execute(rusqlite::params![
                        i as i64 + 1,
                        1_700_000_000_000 + seq as i64 * 1000,
                        i as f64
                    ])?;
                }
            }
        }
        tx.commit()?;
    }
    Ok((series * batches) as f64 / start.elapsed().as_secs_f64())
}

struct SimAgent {
    client: reqwest::Client,
    epoch: u64,
}

/// Enrolls `n` agents the way real ones do (token, key pair, CSR, mTLS
/// identity), many at once so enrollment's commits are grouped.
async fn enroll_agents(
    admin_url: &str,
    agent_url: &str,
    ca_pem: &[u8],
    n: usize,
) -> anyhow::Result<Vec<SimAgent>> {
    const AT_ONCE: usize = 64;
    let ca = reqwest::Certificate::from_pem(ca_pem)?;
    let plain = reqwest::Client::builder()
        .add_root_certificate(ca.clone())
        .build()?;
    let login: serde_json::Value = plain
        .post(format!("{admin_url}/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": BENCH_PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let admin = login["token"]
        .as_str()
        .context("login answered without a token")?
        .to_owned();
    let limit = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (plain, ca, admin, limit) = (plain.clone(), ca.clone(), admin.clone(), limit.clone());
        let (admin_url, agent_url) = (admin_url.to_owned(), agent_url.to_owned());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let token: serde_json::Value = plain
                .post(format!("{admin_url}/v1/enrollment-tokens"))
                .bearer_auth(&admin)
                .json(&serde_json::json!({"ttl": "1h"}))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let token = token["token"].as_str().context("no token")?.to_owned();
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
            let csr = rcgen::CertificateParams::default()
                .serialize_request(&key)?
                .pem()?;
            let resp = plain
                .post(format!("{agent_url}{PATH_ENROLL}"))
                .json(&EnrollRequest {
                    version: PROTOCOL_VERSION,
                    token,
                    csr_pem: csr,
                    host: host(),
                })
                .send()
                .await?;
            if !resp.status().is_success() {
                bail!("enrolling simulated agent {i}: HTTP {}", resp.status());
            }
            let er: EnrollResponse = resp.json().await?;
            let identity = reqwest::Identity::from_pem(
                format!("{}{}", key.serialize_pem(), er.cert_pem).as_bytes(),
            )?;
            let client = reqwest::Client::builder()
                .add_root_certificate(ca)
                .identity(identity)
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(60))
                .build()?;
            anyhow::Ok(SimAgent {
                client,
                epoch: i as u64 + 1,
            })
        });
    }
    let mut agents = Vec::with_capacity(n);
    while let Some(done) = tasks.join_next().await {
        agents.push(done??);
    }
    Ok(agents)
}

/// One batch a simulated agent sent.
struct Sent {
    at: Instant,
    /// Milliseconds to its acknowledgement; `None` if it was refused or failed.
    ms: Option<f64>,
    /// The agent's first batch (its connection's handshake, its series).
    warm_up: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

pub async fn ingest(args: IngestArgs) -> anyhow::Result<()> {
    raise_nofile();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = match &args.dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let data = tmp.path().join("data");
    let cost = Argon2Cost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    datadir::init(
        &DataDir::new(&data),
        &datadir::InitOptions {
            admin_user: "admin",
            admin_password: Some(BENCH_PASSWORD.into()),
            sans: &["127.0.0.1".into(), "localhost".into()],
            argon2: cost,
        },
    )?;
    let mut config = ServerConfig {
        admin_listen: "127.0.0.1:0".parse()?,
        agent_listen: "127.0.0.1:0".parse()?,
        max_ingest_in_flight: usize::MAX,
        ..ServerConfig::default()
    };
    config.auth.argon2 = cost;
    let bound = crate::bind(&data, config).await?;
    let agent_url = format!("https://{}", bound.agent_addr()?);
    let admin_url = format!("https://{}", bound.admin_addr()?);
    let state = bound.state.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::serve(bound, async {
        let _ = stop_rx.await;
    }));
    let ca_file = data.join("pki/ca.crt");

    let mut child = std::process::Command::new(std::env::current_exe()?);
    child
        .args([
            "bench",
            "ingest-agents",
            "--admin-url",
            &admin_url,
            "--agent-url",
            &agent_url,
        ])
        .arg("--ca-file")
        .arg(&ca_file)
        .args(["--agents", &args.agents.to_string()])
        .args(["--series", &args.series.to_string()])
        .args(["--seconds", &args.seconds.to_string()]);
    if let Some(iv) = args.interval_seconds {
        child.args(["--interval-seconds", &iv.to_string()]);
    }
    child
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    let output = tokio::task::spawn_blocking(move || child.output()).await??;
    let _ = stop_tx.send(());
    let _ = server.await;
    drop(state);
    if !output.status.success() {
        bail!("the simulated agents failed: {}", output.status);
    }
    let sim: SimResult =
        serde_json::from_slice(&output.stdout).context("reading the simulated agents' result")?;

    let acked = (sim.acked_batches * args.series) as u64;
    let rate = acked as f64 / sim.window_secs;
    let batches_for_raw = (sim.acked_batches).clamp(50, 20_000);
    let raw_dir = tmp.path().to_owned();
    let series = args.series;
    let raw =
        tokio::task::spawn_blocking(move || raw_sqlite_rate(&raw_dir, series, batches_for_raw))
            .await??;
    println!(
        "agents={} series={} seconds={} mode={}",
        args.agents,
        args.series,
        args.seconds,
        args.interval_seconds
            .map_or("saturation".to_owned(), |i| format!("paced every {i}s"))
    );
    println!(
        "warm_up_s={:.1} warm_up_p99_ms={:.1}",
        sim.warm_up_secs, sim.warm_up_p99_ms
    );
    println!(
        "acked_batches={} errors={} p50_ms={:.1}",
        sim.acked_batches, sim.errors, sim.p50_ms
    );
    println!("raw_sqlite_samples_per_s={raw:.0}");
    println!(
        "samples_per_s={rate:.0} ratio={:.2} p99_ms={:.1}",
        rate / raw,
        sim.p99_ms
    );
    Ok(())
}

/// `bench ingest-agents`: see [`SimulateArgs`].
pub async fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    raise_nofile();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca_pem = std::fs::read(&args.ca_file)?;
    eprintln!("enrolling {} simulated agents...", args.agents);
    let agents = enroll_agents(&args.admin_url, &args.agent_url, &ca_pem, args.agents)
        .await
        .context("enrolling simulated agents")?;
    let agent_url = &args.agent_url;
    let shape = Arc::new(series_shape(args.series));

    // Each agent's first batch opens its connection (a full mTLS handshake)
    // and creates its series: a one-off, reported on its own. The window
    // opens once every agent has had its first batch acknowledged.
    let warmed = Arc::new(AtomicUsize::new(0));
    let all_warm = Arc::new(tokio::sync::Notify::new());
    let running = Arc::new(AtomicBool::new(true));
    let url = Arc::new(format!("{agent_url}{PATH_INGEST}"));
    let mut tasks = Vec::new();
    let start = Instant::now();
    for (i, agent) in agents.into_iter().enumerate() {
        let (shape, warmed, all_warm, running, url) = (
            shape.clone(),
            warmed.clone(),
            all_warm.clone(),
            running.clone(),
            url.clone(),
        );
        let interval = args.interval_seconds;
        let n_agents = args.agents;
        tasks.push(tokio::spawn(async move {
            let mut sent_log = Vec::new();
            if let Some(iv) = interval {
                // Spread agents evenly over the interval.
                let offset = iv * i as f64 / n_agents as f64;
                tokio::time::sleep(Duration::from_secs_f64(offset)).await;
            }
            let mut ticker = interval.map(|iv| {
                let mut t = tokio::time::interval(Duration::from_secs_f64(iv));
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                t
            });
            let mut seq = 0u64;
            while running.load(Ordering::Relaxed) {
                if let Some(t) = ticker.as_mut() {
                    t.tick().await;
                    if !running.load(Ordering::Relaxed) {
                        break;
                    }
                }
                seq += 1;
                let Ok(body) = make_batch(&shape, agent.epoch, seq).encode() else {
                    break;
                };
                let sent = Instant::now();
                let resp = agent
                    .client
                    .post(url.as_str())
                    .header("content-type", BATCH_CONTENT_TYPE)
                    .body(body)
                    .send()
                    .await;
                let acked = match resp {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                sent_log.push(Sent {
                    at: sent,
                    ms: acked.then(|| sent.elapsed().as_secs_f64() * 1000.0),
                    warm_up: seq == 1,
                });
                if seq == 1 && warmed.fetch_add(1, Ordering::AcqRel) + 1 == n_agents {
                    all_warm.notify_one();
                }
            }
            sent_log
        }));
    }
    if warmed.load(Ordering::Acquire) < args.agents {
        all_warm.notified().await;
    }
    let window_start = Instant::now();
    let warm_up_secs = (window_start - start).as_secs_f64();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    running.store(false, Ordering::Relaxed);
    let window_end = Instant::now();
    let measured = (window_end - window_start).as_secs_f64();
    let mut log = Vec::new();
    for t in tasks {
        log.extend(t.await.unwrap_or_default());
    }

    let mut warm_latencies: Vec<f64> = log
        .iter()
        .filter(|s| s.warm_up)
        .filter_map(|s| s.ms)
        .collect();
    warm_latencies.sort_by(f64::total_cmp);
    let in_window: Vec<&Sent> = log
        .iter()
        .filter(|s| !s.warm_up && s.at >= window_start && s.at < window_end)
        .collect();
    let mut latencies: Vec<f64> = in_window.iter().filter_map(|s| s.ms).collect();
    latencies.sort_by(f64::total_cmp);
    let result = SimResult {
        warm_up_secs,
        warm_up_p99_ms: percentile(&warm_latencies, 0.99),
        window_secs: measured,
        acked_batches: latencies.len(),
        errors: in_window.len() - latencies.len(),
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
    };
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}
