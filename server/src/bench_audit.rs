//! `vigil-server bench audit`: what auditing costs.
//!
//! 1. Admin API requests per second through the real router with the real
//!    audit sink (one chained record per request, group-committed), against
//!    the same router built over a no-op sink. The no-op state is made here,
//!    in bench code only, by swapping the sink of a freshly built state: the
//!    collector itself has no switch that turns auditing off. Rounds
//!    alternate between the two so both see the same machine load.
//! 2. Verify speed: a chain of N records (default 1,000,000) is written
//!    and walked with the same function `audit verify` uses.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use crate::audit::{AuditEntry, Outcome, Verdict};
use crate::auth::password::Argon2Cost;
use crate::auth::token;
use crate::config::ServerConfig;
use crate::datadir::{self, DataDir};
use crate::http::serve::Peer;
use crate::state::{AppState, AuditSink};
use crate::store::{self, StoreError};

#[derive(clap::Args, Debug, Clone)]
pub struct AuditArgs {
    /// Requests in flight at once (the store group-commits queued writes).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Requests per round.
    #[arg(long, default_value_t = 20_000)]
    pub requests: usize,
    /// Rounds per variant (real and no-op alternate).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Records in the chain for the verify benchmark (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    pub verify_records: u64,
    /// What the simulated admins ask: `dashboard` (hosts, a host, its
    /// series and a range query, over a seeded fleet), `me` (the cheapest
    /// authenticated route, where auditing weighs the most), or `both`.
    #[arg(long, value_enum, default_value_t = Workload::Both)]
    pub workload: Workload,
    /// How requests reach the router: `router` (handed to it in process,
    /// no TLS or HTTP: the sink's cost against the least work a request
    /// can take), `https` (over the admin listener's real TLS and HTTP/1.1
    /// on loopback, from a client in this process: what an admin sees),
    /// or `both`.
    #[arg(long, value_enum, default_value_t = Transport::Both)]
    pub transport: Transport,
    /// Where to put the temp data dirs (default: the system temp dir).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    Dashboard,
    Me,
    Both,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Router,
    Https,
    Both,
}

/// Where one variant's requests go.
#[derive(Clone)]
enum Target {
    /// Straight into the router, one simulated connection per task.
    Router(axum::Router),
    /// To the admin listener at `base`, over keep-alive TLS connections,
    /// from tasks on the client's own runtime (threads named
    /// [`CLIENT_THREAD`], whose CPU time is not the collector's).
    Https {
        client: reqwest::Client,
        base: String,
        runtime: tokio::runtime::Handle,
    },
}

impl Target {
    /// Serves `app` on a loopback admin listener (as `serve` does) until
    /// the returned task is aborted, and returns a client for it.
    async fn https(
        state: &AppState,
        app: axum::Router,
        runtime: tokio::runtime::Handle,
    ) -> anyhow::Result<(Target, tokio::task::JoinHandle<()>)> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let base = format!("https://localhost:{}", listener.local_addr()?.port());
        let server = tokio::spawn(crate::http::serve::serve_tls(
            listener,
            state.pki.admin_tls()?,
            app,
            std::future::pending(),
        ));
        // reqwest's rustls takes the process's default provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(
                state.pki.ca_pem().as_bytes(),
            )?)
            .http1_only()
            .build()?;
        Ok((
            Target::Https {
                client,
                base,
                runtime,
            },
            server,
        ))
    }

    /// Sends one GET as connection `conn` and fails on any status but 2xx.
    async fn get(&self, path: &str, auth: &str, conn: &Peer) -> anyhow::Result<()> {
        let status = match self {
            Target::Router(app) => {
                let mut req = Request::get(path)
                    .header("authorization", auth)
                    .body(Body::empty())?;
                req.extensions_mut().insert(conn.clone());
                app.clone().oneshot(req).await?.status()
            }
            Target::Https { client, base, .. } => {
                let resp = client
                    .get(format!("{base}{path}"))
                    .header("authorization", auth)
                    .send()
                    .await?;
                let status = resp.status();
                resp.bytes().await?;
                status
            }
        };
        if !status.is_success() {
            bail!("{path} failed: {status}");
        }
        Ok(())
    }
}

/// The seeded fleet: hosts, series per host, snapshots per series.
const HOSTS: usize = 20;
const SERIES: usize = 100;
const SNAPSHOTS: u64 = 60;

/// The requests one simulated admin cycles through.
fn paths(workload: Workload, hosts: &[String]) -> Vec<String> {
    if workload == Workload::Me {
        return vec!["/v1/auth/me".into()];
    }
    // make_batch's timestamps: one snapshot a second from this instant.
    let (from, to) = (
        1_700_000_000_000_i64,
        1_700_000_000_000 + SNAPSHOTS as i64 * 1000,
    );
    hosts
        .iter()
        .flat_map(|h| {
            [
                "/v1/hosts".to_owned(),
                format!("/v1/hosts/{h}"),
                format!("/v1/hosts/{h}/series"),
                format!(
                    "/v1/hosts/{h}/metrics?name=cpu_usage_percent&from={from}&to={to}&step=10000"
                ),
            ]
        })
        .collect()
}

/// Fills a fresh collector with [`HOSTS`] agents that each sent
/// [`SNAPSHOTS`] batches of [`SERIES`] series; returns the host ids.
async fn seed(state: &AppState) -> anyhow::Result<Vec<String>> {
    let sealer = state.sealer.clone();
    let ids = state
        .store
        .write(move |tx, cache| {
            let shape = crate::bench::series_shape(SERIES);
            let mut ids = Vec::new();
            for h in 0..HOSTS {
                let mut bytes = [0u8; 16];
                bytes[0] = h as u8 + 1;
                let id = vigil_shared::wire::AgentId::from_bytes(bytes);
                store::agents::insert_agent(tx, &id, &crate::bench::host(), i64::MAX)?;
                for seq in 0..SNAPSHOTS {
                    let batch = crate::bench::make_batch(&shape, 1, seq);
                    store::ingest::apply(tx, cache, &sealer, &id, &batch)?;
                }
                ids.push(id.as_str().to_owned());
            }
            Ok(ids)
        })
        .await?;
    Ok(ids)
}

/// Accepts every record and stores nothing. Bench only.
struct NoopSink;

impl AuditSink for NoopSink {
    fn append(
        &self,
        _entry: AuditEntry,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), StoreError>> + Send>> {
        Box::pin(async { Ok(()) })
    }
}

const FAST: Argon2Cost = Argon2Cost {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn init(root: &Path, name: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = root.join(name);
    datadir::init(
        &DataDir::new(&dir),
        &datadir::InitOptions {
            admin_user: "admin",
            admin_password: None,
            sans: &["localhost".into()],
            argon2: FAST,
        },
    )?;
    Ok(dir)
}

fn config() -> ServerConfig {
    let mut c = ServerConfig::default();
    c.auth.argon2 = FAST;
    c
}

/// A session token for the first admin, made directly in the store.
async fn admin_session(state: &AppState) -> anyhow::Result<String> {
    let tok = token::generate("vgs_");
    let th = token::hash(&tok);
    let expires = store::now_ms() + 3_600_000;
    state
        .store
        .write(move |tx, _| {
            let admin = store::users::user_by_name(tx, "admin")?.ok_or(StoreError::NotFound)?;
            store::users::insert_token(
                tx,
                &th,
                admin.id,
                store::users::TokenKind::Session,
                None,
                expires,
            )
        })
        .await?;
    Ok(tok)
}

/// The HTTPS client's runtime. A runtime may not be dropped where tasks
/// can block (the bench's own), so this one is shut down in the background
/// on every way out of [`run`].
struct ClientRuntime {
    handle: tokio::runtime::Handle,
    /// Taken only on drop.
    runtime: Option<tokio::runtime::Runtime>,
}

impl ClientRuntime {
    fn new() -> std::io::Result<ClientRuntime> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(CLIENT_THREAD)
            .enable_all()
            .build()?;
        Ok(ClientRuntime {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }
}

impl Drop for ClientRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The name of the HTTPS client's runtime threads.
const CLIENT_THREAD: &str = "bench-client";

/// CPU time the threads named [`CLIENT_THREAD`] have used so far (their
/// scheduler statistics, in nanoseconds).
fn client_cpu_time() -> anyhow::Result<std::time::Duration> {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task")? {
        let dir = task?.path();
        // A thread that ended between the listing and the reads is skipped.
        let (Ok(comm), Ok(stat)) = (
            std::fs::read_to_string(dir.join("comm")),
            std::fs::read_to_string(dir.join("schedstat")),
        ) else {
            continue;
        };
        if comm.trim_end() == CLIENT_THREAD {
            ns += stat
                .split_whitespace()
                .next()
                .and_then(|t| t.parse::<u64>().ok())
                .context("unreadable schedstat")?;
        }
    }
    Ok(std::time::Duration::from_nanos(ns))
}

/// CPU time this process has used so far (all threads).
fn cpu_time() -> anyhow::Result<std::time::Duration> {
    use nix::sys::resource::{getrusage, UsageWho};
    let u = getrusage(UsageWho::RUSAGE_SELF)?;
    let d = |t: nix::sys::time::TimeVal| {
        std::time::Duration::from_secs(t.tv_sec() as u64)
            + std::time::Duration::from_micros(t.tv_usec() as u64)
    };
    Ok(d(u.user_time()) + d(u.system_time()))
}

/// One round's result.
struct Round {
    per_s: f64,
    /// The collector's CPU microseconds per request (router, TLS, store;
    /// not the HTTPS client's threads), which other load on the machine
    /// disturbs far less than requests/s.
    cpu_us: f64,
}

/// Runs `n` requests with `concurrency` in flight.
async fn drive(
    target: &Target,
    tok: &str,
    paths: &Arc<Vec<String>>,
    n: usize,
    concurrency: usize,
) -> anyhow::Result<Round> {
    let next = Arc::new(AtomicUsize::new(0));
    let collector_cpu = || anyhow::Ok(cpu_time()? - client_cpu_time()?);
    let (started, cpu_before) = (Instant::now(), collector_cpu()?);
    let mut tasks = Vec::with_capacity(concurrency);
    for task in 0..concurrency {
        // Each task is one keep-alive connection of its own (in process, a
        // simulated one; over HTTPS the client's pool opens one per task).
        let peer = Peer::new(
            std::net::SocketAddr::from(([127, 0, 0, 1], 40000 + task as u16)),
            None,
        );
        let (target, next, paths) = (target.clone(), next.clone(), paths.clone());
        let auth = format!("Bearer {tok}");
        let runtime = match &target {
            Target::Router(_) => tokio::runtime::Handle::current(),
            Target::Https { runtime, .. } => runtime.clone(),
        };
        tasks.push(runtime.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                target.get(&paths[i % paths.len()], &auth, &peer).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await.context("request task")??;
    }
    Ok(Round {
        per_s: n as f64 / started.elapsed().as_secs_f64(),
        cpu_us: (collector_cpu()? - cpu_before).as_secs_f64() * 1e6 / n as f64,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let tmp = match &args.dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let real = crate::build_state(&init(tmp.path(), "real")?, config())?;
    let noop = {
        let built = crate::build_state(&init(tmp.path(), "noop")?, config())?;
        let Ok(inner) = Arc::try_unwrap(built.0) else {
            bail!("a fresh state is not shared");
        };
        AppState(Arc::new(crate::state::Inner {
            audit: Arc::new(NoopSink),
            ..inner
        }))
    };
    let (real_tok, noop_tok) = (admin_session(&real).await?, admin_session(&noop).await?);
    let (real_hosts, noop_hosts) = (seed(&real).await?, seed(&noop).await?);
    if real_hosts != noop_hosts {
        bail!("the two collectors were seeded differently");
    }
    let (real_app, noop_app) = (
        crate::http::admin::app(real.clone()),
        crate::http::admin::app(noop.clone()),
    );
    let workloads: &[Workload] = match args.workload {
        Workload::Both => &[Workload::Me, Workload::Dashboard],
        w => &[w],
    };
    let mut servers = Vec::new();
    let mut transports = Vec::new();
    if args.transport != Transport::Https {
        transports.push((
            "in process",
            Target::Router(real_app.clone()),
            Target::Router(noop_app.clone()),
        ));
    }
    // The HTTPS client's threads exist only when something runs on them.
    let client_runtime = (args.transport != Transport::Router)
        .then(ClientRuntime::new)
        .transpose()?;
    if let Some(ClientRuntime { handle: rt, .. }) = &client_runtime {
        let (real_t, real_server) = Target::https(&real, real_app, rt.clone()).await?;
        let (noop_t, noop_server) = Target::https(&noop, noop_app, rt.clone()).await?;
        servers.extend([real_server, noop_server]);
        transports.push(("over HTTPS", real_t, noop_t));
    }
    for &workload in workloads {
        let paths = Arc::new(paths(workload, &real_hosts));
        for (how, real_t, noop_t) in &transports {
            // Warm up both (reader pools, caches, connections).
            drive(real_t, &real_tok, &paths, 1000, args.concurrency).await?;
            drive(noop_t, &noop_tok, &paths, 1000, args.concurrency).await?;
            let head_before = audit_head(&real).await?;
            let (mut with, mut without) = (Vec::new(), Vec::new());
            for round in 0..args.rounds {
                let w = drive(real_t, &real_tok, &paths, args.requests, args.concurrency).await?;
                let wo = drive(noop_t, &noop_tok, &paths, args.requests, args.concurrency).await?;
                println!(
                    "{workload:?} {how} round {round}: audited {:.0} req/s ({:.1} µs CPU/req), no-op sink {:.0} req/s ({:.1} µs CPU/req)",
                    w.per_s, w.cpu_us, wo.per_s, wo.cpu_us
                );
                with.push(w);
                without.push(wo);
            }
            let written = audit_head(&real).await? - head_before;
            let expected = (args.requests * args.rounds) as i64;
            if written < expected {
                bail!("only {written} audit records for {expected} requests");
            }
            let med = |v: &[Round], f: fn(&Round) -> f64| median(v.iter().map(f).collect());
            let (w, wo) = (med(&with, |r| r.per_s), med(&without, |r| r.per_s));
            let (wc, woc) = (med(&with, |r| r.cpu_us), med(&without, |r| r.cpu_us));
            let what = match workload {
                Workload::Me => "GET /v1/auth/me".to_owned(),
                _ => format!("dashboard mix over {HOSTS} hosts"),
            };
            println!(
                "{what} {how}, {} in flight: audited {w:.0} req/s, no-op sink {wo:.0} req/s, ratio {:.3}; CPU per request {wc:.1} vs {woc:.1} µs, ratio {:.3} (medians of {} rounds; {written} records written)",
                args.concurrency,
                w / wo,
                woc / wc,
                args.rounds
            );
        }
    }
    for server in servers {
        server.abort();
    }
    drop((transports, client_runtime));
    // The writer's final sync then has nothing left to do in the temp dir.
    real.store.flush().await?;
    drop((real, noop));
    if args.verify_records > 0 {
        verify_speed(tmp.path(), args.verify_records)?;
    }
    Ok(())
}

async fn audit_head(state: &AppState) -> anyhow::Result<i64> {
    Ok(state
        .store
        .read(|c| {
            Ok(
                c.query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| {
                    r.get::<_, i64>(0)
                })?,
            )
        })
        .await?)
}

/// Records per transaction when writing the chain for the verify
/// benchmark: about what one batch of the audit sink holds under load
/// (docs/benchmarks.md), so the time it takes is the store's share of one
/// audited request.
const APPEND_BATCH: u64 = 32;

fn verify_speed(root: &Path, n: u64) -> anyhow::Result<()> {
    let dir = init(root, "verify")?;
    let dd = DataDir::new(&dir);
    let sealer = dd.sealer()?;
    let keys = DataDir::audit_keys(&sealer);
    let mut conn = store::open_existing(&dd.db())?;
    // As the sink's relaxed commits: no fsync per transaction.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let source = store::audit::seal_connection_source(&sealer, "192.0.2.7")?;
    let mut cache = store::WriterCache::default();
    let started = Instant::now();
    let mut written = 0u64;
    while written < n {
        let batch: Vec<AuditEntry> = (written..n.min(written + APPEND_BATCH))
            .map(|i| AuditEntry {
                actor: format!("user:{}", i % 7 + 1),
                role: "operator",
                source: Some(source.clone()),
                action: "hosts.list",
                target: "/v1/hosts".into(),
                outcome: Outcome::Ok,
                request_id: format!("{i:016x}"),
            })
            .collect();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        store::audit::append_all_tracked(&tx, &mut cache, &keys, &batch)?;
        tx.commit()?;
        written += batch.len() as u64;
    }
    let gen = started.elapsed();
    let Some(head) = cache.audit_head.take() else {
        bail!("no audit record was written");
    };
    // Synced before and after (synchronous=NORMAL), as the writer's idle
    // sync: the checkpoint moves only past durable records.
    conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(()))?;
    dd.checkpoint(&sealer).advance(&head)?;
    let key = DataDir::chain_key(&sealer);
    let cp = dd.checkpoint(&sealer);
    let started = Instant::now();
    let verdict = store::audit::verify(&conn, &key, &cp)?;
    let took = started.elapsed();
    let Verdict::Intact { records, .. } = verdict else {
        bail!("the generated chain does not verify: {verdict:?}");
    };
    println!(
        "append: {n} records in transactions of {APPEND_BATCH} (the sink's batches): {:.2} s = {:.1} µs per record",
        gen.as_secs_f64(),
        gen.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "verify: {records} records in {:.2} s = {:.0} records/s",
        took.as_secs_f64(),
        records as f64 / took.as_secs_f64().max(f64::MIN_POSITIVE),
    );
    Ok(())
}
