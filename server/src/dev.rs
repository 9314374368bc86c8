//! `vigil-server dev`: the quickstart. A data directory (fresh in a temp dir
//! unless given), the collector on loopback, and this host's agent enrolled
//! and shipping — all in one process (the agent crate is linked as a
//! library), so one `cargo run` builds everything it needs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::config::ServerConfig;
use crate::datadir::{self, DataDir};

#[derive(clap::Args, Debug)]
pub struct DevArgs {
    /// Data directory; initialized if missing. Default: a fresh temp dir,
    /// removed on exit.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub admin_listen: SocketAddr,
    #[arg(long, default_value = "127.0.0.1:8444")]
    pub agent_listen: SocketAddr,
    /// Config-change roots for the local agent (repeatable). Default: the
    /// agent's default (/etc).
    #[arg(long = "watch")]
    pub watch: Vec<PathBuf>,
}

pub async fn run(args: DevArgs) -> anyhow::Result<()> {
    let temp = match &args.data_dir {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("vigil-dev-")
                .tempdir()
                .context("creating a temp dir")?,
        ),
    };
    let base = match (&args.data_dir, &temp) {
        (Some(d), _) => d.clone(),
        (None, Some(t)) => t.path().join("data"),
        (None, None) => unreachable!("one of the two is set"),
    };
    let dir = DataDir::new(&base);
    let password = if dir.db().exists() {
        None
    } else {
        let out = datadir::init(
            &dir,
            &datadir::InitOptions {
                admin_user: "admin",
                admin_password: None,
                sans: &["localhost".into(), "127.0.0.1".into()],
                argon2: Default::default(),
            },
        )?;
        out.generated_password
    };

    let config = ServerConfig {
        admin_listen: args.admin_listen,
        agent_listen: args.agent_listen,
        ..ServerConfig::default()
    };
    let bound = crate::bind(&base, config)
        .await
        .context("starting the collector (use --admin-listen/--agent-listen if a port is taken)")?;
    let admin_addr = bound.admin_addr()?;
    let agent_addr = bound.agent_addr()?;
    let fingerprint = bound.state.pki.ca_fingerprint();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let server = tokio::spawn(crate::serve(bound, stopped(stop_rx.clone())));

    // This host's agent, enrolled once per data directory.
    let agent_state = base.with_file_name(format!(
        "{}-agent",
        base.file_name()
            .map_or("vigil".into(), |n| n.to_string_lossy().into_owned())
    ));
    let agent_dir = vigil_agent::state::StateDir::new(&agent_state);
    let agent_id = if agent_dir.is_enrolled() {
        agent_dir.read_state()?.agent_id
    } else {
        let (token, _) = crate::cli::token_create(&base, Duration::from_secs(600))?;
        vigil_agent::enroll::enroll(&vigil_agent::enroll::EnrollOptions {
            server: format!("https://{agent_addr}"),
            token,
            ca_sha256: fingerprint.clone(),
            state_dir: agent_state.clone(),
            force: false,
        })
        .await
        .context("enrolling the local agent")?
    };
    let agent = tokio::spawn(vigil_agent::run::run(
        vigil_agent::run::RunOptions {
            state_dir: agent_state.clone(),
            config: vigil_agent::config::AgentConfig::default(),
            interval_seconds: None,
            watch: args.watch.clone(),
        },
        stopped(stop_rx),
    ));

    let ca = base.join("pki").join("ca.crt");
    println!();
    println!("Vigil is running.");
    println!("  admin API:      https://{admin_addr}");
    println!("  agent listener: https://{agent_addr}");
    println!("  data dir:       {}", base.display());
    println!("  CA fingerprint: {fingerprint}");
    match &password {
        Some(p) => println!("  admin login:    admin / {p}   (shown once)"),
        None => {
            println!("  admin login:    admin / (the password printed when this data dir was made)")
        }
    }
    println!();
    println!("This host's metrics (the first samples arrive within ~10 s):");
    println!();
    let pw_hint = password.as_deref().unwrap_or("PASSWORD");
    println!(
        "  TOKEN=$(curl -s --cacert {ca} -H 'content-type: application/json' \\\n    -d '{{\"username\":\"admin\",\"password\":\"{pw_hint}\"}}' https://{admin_addr}/v1/auth/login \\\n    | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')",
        ca = ca.display()
    );
    println!(
        "  curl -s --cacert {ca} -H \"authorization: Bearer $TOKEN\" \\\n    'https://{admin_addr}/v1/hosts/{agent_id}/metrics?name=cpu_usage_percent'",
        ca = ca.display()
    );
    println!();
    println!("Ctrl-C stops it.");

    crate::shutdown_signal().await;
    let _ = stop_tx.send(true);
    match agent.await {
        Ok(Err(error)) => tracing::error!(%error, "agent stopped with an error"),
        Err(error) => tracing::error!(%error, "agent task failed"),
        Ok(Ok(())) => {}
    }
    server.await.context("collector task")??;
    if let Some(t) = temp {
        let _ = std::fs::remove_dir_all(t.path());
    }
    Ok(())
}
