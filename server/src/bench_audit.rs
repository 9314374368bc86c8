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
    /// Where to put the temp data dirs (default: the system temp dir).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
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

/// Runs `n` requests with `concurrency` in flight; returns requests/s.
async fn drive(app: &axum::Router, tok: &str, n: usize, concurrency: usize) -> anyhow::Result<f64> {
    let next = Arc::new(AtomicUsize::new(0));
    let peer = Peer {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 40000)),
        agent: None,
    };
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (app, next, peer) = (app.clone(), next.clone(), peer.clone());
        let auth = format!("Bearer {tok}");
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let mut req = Request::get("/v1/auth/me")
                    .header("authorization", &auth)
                    .body(Body::empty())?;
                req.extensions_mut().insert(peer.clone());
                let resp = app.clone().oneshot(req).await?;
                if !resp.status().is_success() {
                    bail!("request failed: {}", resp.status());
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await.context("request task")??;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
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
    let (real_app, noop_app) = (
        crate::http::admin::app(real.clone()),
        crate::http::admin::app(noop.clone()),
    );
    // Warm up both (reader pools, caches).
    drive(&real_app, &real_tok, 1000, args.concurrency).await?;
    drive(&noop_app, &noop_tok, 1000, args.concurrency).await?;
    let head_before = audit_head(&real).await?;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..args.rounds {
        let w = drive(&real_app, &real_tok, args.requests, args.concurrency).await?;
        let wo = drive(&noop_app, &noop_tok, args.requests, args.concurrency).await?;
        println!("round {round}: audited {w:.0} req/s, no-op sink {wo:.0} req/s");
        with.push(w);
        without.push(wo);
    }
    let written = audit_head(&real).await? - head_before;
    let expected = (args.requests * args.rounds) as i64;
    if written < expected {
        bail!("only {written} audit records for {expected} requests");
    }
    let (w, wo) = (median(with), median(without));
    println!(
        "admin API GET /v1/auth/me, {} in flight: audited {w:.0} req/s, no-op sink {wo:.0} req/s, ratio {:.3} (median of {} rounds; {written} records written)",
        args.concurrency,
        w / wo,
        args.rounds
    );
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

fn verify_speed(root: &Path, n: u64) -> anyhow::Result<()> {
    let dir = init(root, "verify")?;
    let dd = DataDir::new(&dir);
    let sealer = dd.sealer()?;
    let keys = DataDir::audit_keys(&sealer);
    let mut conn = store::open_existing(&dd.db())?;
    let started = Instant::now();
    let mut head = None;
    let mut written = 0u64;
    while written < n {
        let tx = conn.transaction()?;
        let batch = (n - written).min(100_000);
        for i in 0..batch {
            let e = AuditEntry {
                actor: format!("user:{}", i % 7 + 1),
                role: "operator".into(),
                source: Some("192.0.2.7".into()),
                action: "hosts.list".into(),
                target: "/v1/hosts".into(),
                outcome: Outcome::Ok,
                request_id: format!("{:016x}", written + i),
            };
            head = Some(store::audit::append(&tx, &keys, &e)?);
        }
        tx.commit()?;
        written += batch;
    }
    if let Some(h) = &head {
        dd.checkpoint(&sealer).advance(h)?;
    }
    let gen = started.elapsed();
    let key = DataDir::chain_key(&sealer);
    let cp = dd.checkpoint(&sealer);
    let started = Instant::now();
    let verdict = store::audit::verify(&conn, &key, &cp)?;
    let took = started.elapsed();
    let Verdict::Intact { records, .. } = verdict else {
        bail!("the generated chain does not verify: {verdict:?}");
    };
    println!(
        "verify: {records} records in {:.2} s = {:.0} records/s (chain written in {:.1} s)",
        took.as_secs_f64(),
        records as f64 / took.as_secs_f64().max(f64::MIN_POSITIVE),
        gen.as_secs_f64()
    );
    Ok(())
}
