//! The Vigil collector as a library. `main.rs` parses arguments and calls
//! in here; tests and the benchmark build the same pieces.
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod bench;
pub mod bench_audit;
pub mod cli;
pub mod config;
pub mod datadir;
pub mod dev;
pub mod http;
pub mod pki;
pub mod priority;
pub mod seal;
pub mod state;
pub mod store;
pub mod support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::ServerConfig;
use crate::datadir::DataDir;
use crate::state::{AppState, Counters, Inner, StoreAuditSink};
use crate::store::Store;

/// Loads everything `serve` needs from an initialized data directory.
pub fn build_state(data_dir: &Path, config: ServerConfig) -> anyhow::Result<AppState> {
    support::screening_redactor(&config.support_redact)
        .map_err(|e| anyhow::anyhow!("config key support_redact: {e}"))?;
    let dir = DataDir::new(data_dir);
    let sealer = dir.sealer()?;
    let pki = pki::Pki::load(&dir.pki(), &sealer).context("loading the collector PKI")?;
    let store = Store::open(&dir.db(), dir.checkpoint(&sealer)).context("opening the database")?;
    let conn = store::open_existing(&dir.db())?;
    let revoked: HashSet<_> = store::agents::revoked_ids(&conn)?.into_iter().collect();
    drop(conn);
    let audit_keys = Arc::new(DataDir::audit_keys(&sealer));
    let audit = Arc::new(StoreAuditSink::new(store.clone(), audit_keys.clone()));
    let dummy_hash = auth::password::dummy_hash(config.auth.argon2);
    Ok(AppState(Arc::new(Inner {
        data_dir: data_dir.to_owned(),
        store,
        sealer,
        audit_keys,
        audit,
        pki,
        config,
        revoked: RwLock::new(revoked),
        counters: Counters::default(),
        dummy_hash,
    })))
}

/// A collector with both listeners bound.
pub struct Bound {
    pub state: AppState,
    pub admin: TcpListener,
    pub agent: TcpListener,
}

impl Bound {
    pub fn admin_addr(&self) -> std::io::Result<SocketAddr> {
        self.admin.local_addr()
    }
    pub fn agent_addr(&self) -> std::io::Result<SocketAddr> {
        self.agent.local_addr()
    }
}

/// Validates state and binds both listeners (nothing is served yet).
pub async fn bind(data_dir: &Path, config: ServerConfig) -> anyhow::Result<Bound> {
    let (admin_addr, agent_addr) = (config.admin_listen, config.agent_listen);
    let state = build_state(data_dir, config)?;
    let admin = TcpListener::bind(admin_addr)
        .await
        .with_context(|| format!("binding the admin listener on {admin_addr}"))?;
    let agent = TcpListener::bind(agent_addr)
        .await
        .with_context(|| format!("binding the agent listener on {agent_addr}"))?;
    Ok(Bound {
        state,
        admin,
        agent,
    })
}

/// Serves both listeners until `shutdown` resolves, then drains them.
pub async fn serve(
    bound: Bound,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Bound {
        state,
        admin,
        agent,
    } = bound;
    let admin_tls = state.pki.admin_tls()?;
    let agent_tls = state.pki.agent_tls()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    tracing::info!(
        admin = %admin.local_addr()?,
        agent = %agent.local_addr()?,
        "collector listening (TLS only)"
    );
    let admin_task = tokio::spawn(http::serve::serve_tls(
        admin,
        admin_tls,
        http::admin::app(state.clone()),
        wait(stop_rx.clone()),
    ));
    let agent_task = tokio::spawn(http::serve::serve_tls(
        agent,
        agent_tls,
        http::agent::app(state.clone()),
        wait(stop_rx.clone()),
    ));
    let retention_task = tokio::spawn(support::retention::run(state.clone(), wait(stop_rx)));
    shutdown.await;
    tracing::info!("shutting down: draining connections");
    let _ = stop_tx.send(true);
    let _ = admin_task.await;
    let _ = agent_task.await;
    let _ = retention_task.await;
    state.store.flush().await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
