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
    /// CPU microseconds per request (all threads: router, store, client),
    /// which other load on the machine disturbs far less than requests/s.
    cpu_us: f64,
}

/// Runs `n` requests with `concurrency` in flight.
async fn drive(
    app: &axum::Router,
    tok: &str,
    paths: &Arc<Vec<String>>,
    n: usize,
    concurrency: usize,
) -> anyhow::Result<Round> {
    let next = Arc::new(AtomicUsize::new(0));
    let (started, cpu_before) = (Instant::now(), cpu_time()?);
    let mut tasks = Vec::with_capacity(concurrency);
    for task in 0..concurrency {
        // Each task is one keep-alive connection of its own.
        let peer = Peer::new(
            std::net::SocketAddr::from(([127, 0, 0, 1], 40000 + task as u16)),
            None,
        );
        let (app, next, paths) = (app.clone(), next.clone(), paths.clone());
        let auth = format!("Bearer {tok}");
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let mut req = Request::get(&paths[i % paths.len()])
                    .header("authorization", &auth)
                    .body(Body::empty())?;
                req.extensions_mut().insert(peer.clone());
                let resp = app.clone().oneshot(req).await?;
                if !resp.status().is_success() {
                    bail!("{} failed: {}", paths[i % paths.len()], resp.status());
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await.context("request task")??;
    }
    Ok(Round {
        per_s: n as f64 / started.elapsed().as_secs_f64(),
        cpu_us: (cpu_time()? - cpu_before).as_secs_f64() * 1e6 / n as f64,
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
    for &workload in workloads {
        let paths = Arc::new(paths(workload, &real_hosts));
        // Warm up both (reader pools, caches).
        drive(&real_app, &real_tok, &paths, 1000, args.concurrency).await?;
        drive(&noop_app, &noop_tok, &paths, 1000, args.concurrency).await?;
        let head_before = audit_head(&real).await?;
        let (mut with, mut without) = (Vec::new(), Vec::new());
        for round in 0..args.rounds {
            let w = drive(
                &real_app,
                &real_tok,
                &paths,
                args.requests,
                args.concurrency,
            )
            .await?;
            let wo = drive(
                &noop_app,
                &noop_tok,
                &paths,
                args.requests,
                args.concurrency,
            )
            .await?;
            println!(
                "{workload:?} round {round}: audited {:.0} req/s ({:.1} µs CPU/req), no-op sink {:.0} req/s ({:.1} µs CPU/req)",
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
            "{what}, {} in flight: audited {w:.0} req/s, no-op sink {wo:.0} req/s, ratio {:.3}; CPU per request {wc:.1} vs {woc:.1} µs, ratio {:.3} (medians of {} rounds; {written} records written)",
            args.concurrency,
            w / wo,
            woc / wc,
            args.rounds
        );
    }
    // The writer's final sync then has nothing left to do in the temp dir.
    real.store.flush().await?;
    drop((real_app, noop_app, real, noop));
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
