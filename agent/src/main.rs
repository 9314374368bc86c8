//! `vigil-agent`: parse arguments, load and check the config, call the
//! library, map errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vigil_agent::config::AgentConfig;
use vigil_agent::enroll::{enroll, EnrollOptions};
use vigil_agent::redact_cmd::{redact, RedactOptions};
use vigil_agent::run::{run, RunOptions};
use vigil_agent::support_bundle::{support_bundle, SupportBundleOptions};

/// Exit code for a bad config file or option (sysexits EX_CONFIG).
const EXIT_CONFIG: u8 = 78;

#[derive(Parser)]
#[command(name = "vigil-agent", version, about = "Vigil host agent")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enroll this host with a collector (once).
    Enroll {
        /// Collector agent listener, e.g. https://collector:8444.
        #[arg(long)]
        server: String,
        /// Single-use enrollment token (better passed via the environment).
        #[arg(long, env = "VIGIL_ENROLL_TOKEN", hide_env_values = true)]
        token: String,
        /// SHA-256 fingerprint of the collector CA (hex; colons, case ignored).
        #[arg(long)]
        ca_sha256: String,
        #[arg(long, default_value = "/var/lib/vigil-agent")]
        state_dir: PathBuf,
        /// Replace an existing enrollment.
        #[arg(long)]
        force: bool,
    },
    /// Run the agent: collect, spool, ship.
    Run {
        #[arg(long, default_value = "/var/lib/vigil-agent")]
        state_dir: PathBuf,
        /// Config file (TOML); without it every key has its default.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Seconds between metric collections (overrides the config).
        #[arg(long)]
        interval_seconds: Option<u64>,
        /// A root for config-change monitoring (repeatable).
        #[arg(long = "watch", value_name = "PATH")]
        watch: Vec<PathBuf>,
    },
    /// Redact a file or stdin, keeping line structure.
    Redact {
        /// Input file (default: stdin; `-` also means stdin).
        #[arg(long = "in", value_name = "FILE")]
        input: Option<PathBuf>,
        /// Output file (default: stdout).
        #[arg(long = "out", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write a JSON report of findings per kind (never values) here.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Redaction settings (TOML).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Token key (32 raw bytes or 64 hex digits), to correlate across runs.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
    },
    /// Collect chosen log files, redact them and upload them for support,
    /// with your recorded consent.
    SupportBundle(SupportBundleArgs),
}

/// `support-bundle` arguments (see `docs/support-bundles.md`).
#[derive(clap::Args)]
struct SupportBundleArgs {
    #[arg(long, default_value = "/var/lib/vigil-agent")]
    state_dir: PathBuf,
    /// A log file or glob to include (repeatable), e.g. '/var/log/app/*.log'.
    #[arg(long = "include", value_name = "GLOB")]
    include: Vec<String>,
    /// Your consent statement, recorded with the bundle (required).
    #[arg(long, value_name = "TEXT")]
    consent: Option<String>,
    /// Support ticket reference, recorded with the bundle.
    #[arg(long, value_name = "ID")]
    ticket: Option<String>,
    /// Also send the files unredacted; support can read them only with an
    /// admin's time-limited grant.
    #[arg(long)]
    include_unredacted: bool,
}

/// Builds, redacts and uploads a support bundle; prints what was sent.
fn support_bundle_main(args: SupportBundleArgs) -> ExitCode {
    let opts = SupportBundleOptions {
        state_dir: args.state_dir,
        include: args.include,
        consent: args.consent,
        ticket: args.ticket,
        include_unredacted: args.include_unredacted,
        redact: vigil_shared::redact::RedactConfig::default(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vigil-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(support_bundle(&opts)) {
        Ok((ack, manifest)) => {
            for f in &manifest.files {
                println!("  [{}] {} ({} bytes)", f.index, f.display_path, f.size);
            }
            if ack.quarantined {
                println!(
                    "support bundle {} uploaded; the collector quarantined it for an admin's review",
                    ack.id
                );
            } else {
                println!("support bundle {} uploaded", ack.id);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vigil-agent: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    // Config first: a bad file stops us before anything else happens.
    let work = match cli.command {
        Command::SupportBundle(args) => return support_bundle_main(args),
        Command::Redact {
            input,
            output,
            report,
            config,
            key_file,
        } => {
            let opts = RedactOptions {
                input,
                output,
                report,
                config,
                key_file,
            };
            return match redact(&opts) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("vigil-agent: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Enroll {
            server,
            token,
            ca_sha256,
            state_dir,
            force,
        } => Work::Enroll(EnrollOptions {
            server,
            token,
            ca_sha256,
            state_dir,
            force,
        }),
        Command::Run {
            state_dir,
            config,
            interval_seconds,
            watch,
        } => {
            let config = match config {
                Some(path) => match AgentConfig::load(&path) {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("vigil-agent: config error: {e}");
                        return ExitCode::from(EXIT_CONFIG);
                    }
                },
                None => AgentConfig::default(),
            };
            if let Some(0) = interval_seconds {
                eprintln!("vigil-agent: --interval-seconds must be at least 1");
                return ExitCode::from(EXIT_CONFIG);
            }
            Work::Run(Box::new(RunOptions {
                state_dir,
                config,
                interval_seconds,
                watch,
            }))
        }
    };

    // Collection runs its sources one after the other, so one blocking
    // thread is normally enough; it is kept between passes (rather than
    // started anew every interval).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(8)
        .thread_keep_alive(std::time::Duration::from_secs(120))
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vigil-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match work {
            Work::Enroll(opts) => enroll(&opts).await.map(|id| {
                println!("{id}");
            }),
            Work::Run(opts) => run(*opts, shutdown_signal()).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil-agent: {e:#}");
            ExitCode::FAILURE
        }
    }
}

enum Work {
    Enroll(EnrollOptions),
    Run(Box<RunOptions>),
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the agent");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupt: shutting down"),
    }
}
