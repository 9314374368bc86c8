//! `vigil-server`: parse arguments, load and validate config before binding
//! anything, call the library, map errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use vigil_server::audit::Verdict;
use vigil_server::config::ServerConfig;
use vigil_server::datadir::{self, DataDir};

#[derive(Parser)]
#[command(name = "vigil-server", version, about = "Vigil collector")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a data directory: key file, CA, server certificate, database, first admin.
    Init {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value = "admin")]
        admin_user: String,
        /// Read the admin password from this file instead of generating one.
        #[arg(long)]
        admin_password_file: Option<PathBuf>,
        /// Names and addresses in the server certificate (repeatable).
        /// Default: localhost and 127.0.0.1.
        #[arg(long = "san")]
        sans: Vec<String>,
        /// Config file (its [auth.argon2] cost applies to the admin password).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run the collector.
    Serve {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        admin_listen: Option<std::net::SocketAddr>,
        #[arg(long)]
        agent_listen: Option<std::net::SocketAddr>,
    },
    /// Quickstart: a fresh data dir, the collector and a local agent, in one command.
    Dev(vigil_server::dev::DevArgs),
    /// Print the CA's SHA-256 fingerprint (what agents pin with --ca-sha256).
    CaFingerprint {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Enrollment tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit report.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Local user administration.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Benchmarks (see docs/benchmarks.md).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Ingest throughput and ack latency over real mTLS, against raw SQLite.
    Ingest(vigil_server::bench::IngestArgs),
    /// The simulated agents of `bench ingest`, which runs them.
    #[command(hide = true)]
    IngestAgents(vigil_server::bench::SimulateArgs),
    /// Admin API requests/s with the real audit sink vs. a no-op sink, and
    /// audit verify speed.
    Audit(vigil_server::bench_audit::AuditArgs),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a single-use enrollment token.
    Create {
        #[arg(long)]
        data_dir: PathBuf,
        /// Lifetime (humantime: 15m, 1h, 2d). At most 7d.
        #[arg(long, default_value = "15m")]
        ttl: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit chain and its checkpoint; exit 1 naming the first broken record.
    Verify {
        #[arg(long)]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Clear a user's lockout after repeated failed logins.
    Unlock {
        #[arg(long)]
        data_dir: PathBuf,
        username: String,
    },
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<ServerConfig> {
    match path {
        Some(p) => ServerConfig::load(p),
        None => Ok(ServerConfig::default()),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // Below the store writer's priority (vigil_server::priority).
    let nice = vigil_server::priority::process_nice();
    tokio::runtime::Builder::new_multi_thread()
        .on_thread_start(move || vigil_server::priority::lower_this_thread(nice))
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init {
            data_dir,
            admin_user,
            admin_password_file,
            sans,
            config,
        } => {
            let config = load_config(config.as_ref())?;
            let admin_password = match admin_password_file {
                Some(p) => Some(
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("reading {}", p.display()))?
                        .trim_end_matches(['\n', '\r'])
                        .to_owned(),
                ),
                None => None,
            };
            let sans = if sans.is_empty() {
                vec!["localhost".to_owned(), "127.0.0.1".to_owned()]
            } else {
                sans
            };
            let out = datadir::init(
                &DataDir::new(&data_dir),
                &datadir::InitOptions {
                    admin_user: &admin_user,
                    admin_password,
                    sans: &sans,
                    argon2: config.auth.argon2,
                },
            )?;
            println!("initialized {}", data_dir.display());
            println!("CA fingerprint (sha256): {}", out.ca_fingerprint);
            match out.generated_password {
                Some(p) => println!("admin user: {admin_user}\nadmin password (shown once): {p}"),
                None => println!("admin user: {admin_user} (password from file)"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            data_dir,
            config,
            admin_listen,
            agent_listen,
        } => {
            let mut config = load_config(config.as_ref())?;
            if let Some(a) = admin_listen {
                config.admin_listen = a;
            }
            if let Some(a) = agent_listen {
                config.agent_listen = a;
            }
            runtime()?.block_on(async {
                let bound = vigil_server::bind(&data_dir, config).await?;
                vigil_server::serve(bound, vigil_server::shutdown_signal()).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Dev(args) => {
            runtime()?.block_on(vigil_server::dev::run(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CaFingerprint { data_dir } => {
            println!("{}", vigil_server::cli::ca_fingerprint(&data_dir)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Create { data_dir, ttl },
        } => {
            let ttl: Duration = vigil_server::http::admin::parse_enrollment_ttl(Some(&ttl))
                .map_err(anyhow::Error::msg)?;
            let (token, expires_ms) = vigil_server::cli::token_create(&data_dir, ttl)?;
            println!("expires_ms: {expires_ms}");
            println!("enrollment token (single use): {token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { data_dir },
        } => match vigil_server::cli::audit_verify(&data_dir)? {
            Verdict::Intact { records, head_seq } => {
                println!("audit chain OK: {records} records, head sequence {head_seq}");
                Ok(ExitCode::SUCCESS)
            }
            Verdict::Broken {
                first_broken_seq,
                reason,
            } => {
                println!("audit chain BROKEN at sequence {first_broken_seq}: {reason}");
                Ok(ExitCode::from(1))
            }
        },
        Command::Bench {
            command: BenchCommand::Ingest(args),
        } => {
            runtime()?.block_on(vigil_server::bench::ingest(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command: BenchCommand::IngestAgents(args),
        } => {
            runtime()?.block_on(vigil_server::bench::simulate(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command: BenchCommand::Audit(args),
        } => {
            runtime()?.block_on(vigil_server::bench_audit::run(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command: UserCommand::Unlock { data_dir, username },
        } => {
            vigil_server::cli::user_unlock(&data_dir, &username)?;
            println!("unlocked");
            Ok(ExitCode::SUCCESS)
        }
    }
}
