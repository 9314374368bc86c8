//! Helpers for end-to-end tests: start the real `vigil-server` and
//! `vigil-agent` binaries in fresh temp dirs, talk to them over real TLS on
//! loopback, and on failure show what each process printed.
//!
//! The binaries must be built first (`cargo build --workspace --bins`; the
//! CI script does this before running the tests).

use std::fs;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

pub use tempfile::TempDir;

/// A fast Argon2 cost and short timings, for tests only.
pub const TEST_SERVER_CONFIG: &str = "[auth.argon2]\nmemory_kib = 64\niterations = 1\n";

pub const ADMIN_PASSWORD: &str = "Test-admin-password-42";

/// Where cargo put the binaries: next to this test executable's `deps/`.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let mut dir = exe.parent().expect("deps dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace --bins` before the tests",
        p.display()
    );
    p
}

/// Polls `f` until it returns `Some`, or panics naming `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// Runs a command to completion; panics with its output if it fails.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "command failed: {cmd:?}\nstatus: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A child process whose output goes to a file, killed on drop.
pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
    pub what: String,
}

impl Proc {
    pub fn spawn(mut cmd: Command, log: PathBuf) -> Proc {
        let file = fs::File::create(&log).expect("log file");
        let what = format!("{cmd:?}");
        let child = cmd
            .stdout(Stdio::from(file.try_clone().expect("dup")))
            .stderr(Stdio::from(file))
            .spawn()
            .expect("spawn");
        Proc { child, log, what }
    }

    pub fn output(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    pub fn pid(&self) -> nix::unistd::Pid {
        nix::unistd::Pid::from_raw(self.child.id() as i32)
    }

    /// SIGKILL, then reap.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for a clean exit (panics if it does not come).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = nix::sys::signal::kill(self.pid(), nix::sys::signal::Signal::SIGTERM);
        wait_for(
            "process to exit after SIGTERM",
            Duration::from_secs(20),
            || self.child.try_wait().ok().flatten(),
        )
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Panics with this process's output.
    pub fn dump(&self) -> String {
        format!("--- {} ---\n{}", self.what, self.output())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.dump());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Installs the ring provider as rustls' process default (once).
pub fn install_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Every stored sample once, as `(series_id, ts_ms)`: the collector stages
/// acknowledged samples and moves them into `samples` shortly after, and a
/// sample sits in both tables during a move.
pub const STORED_SAMPLES: &str = "(SELECT series_id, ts_ms FROM samples \
     UNION SELECT series_id, ts_ms FROM samples_staged_0 \
     UNION SELECT series_id, ts_ms FROM samples_staged_1)";

/// A collector: an initialized data dir and, when started, a `serve` process.
pub struct Collector {
    pub tmp: TempDir,
    pub data: PathBuf,
    pub config: PathBuf,
    pub fingerprint: String,
    pub admin_addr: Option<SocketAddr>,
    pub agent_addr: Option<SocketAddr>,
    pub proc: Option<Proc>,
    starts: u32,
    /// One HTTPS client for the whole test (connections are reused).
    http: std::sync::OnceLock<reqwest::blocking::Client>,
}

impl Collector {
    /// `init` with a known admin password and the test config.
    pub fn init() -> Collector {
        Self::init_with_config("")
    }

    /// As [`Collector::init`], with extra TOML appended to the test config.
    pub fn init_with_config(extra: &str) -> Collector {
        let tmp = tempfile::tempdir().expect("tempdir");
        let data = tmp.path().join("data");
        let config = tmp.path().join("server.toml");
        fs::write(&config, format!("{extra}\n{TEST_SERVER_CONFIG}")).expect("config");
        let pw = tmp.path().join("pw");
        fs::write(&pw, ADMIN_PASSWORD).expect("pw");
        run_ok(
            Command::new(bin("vigil-server"))
                .arg("init")
                .arg("--data-dir")
                .arg(&data)
                .arg("--admin-password-file")
                .arg(&pw)
                .arg("--config")
                .arg(&config),
        );
        let out = run_ok(
            Command::new(bin("vigil-server"))
                .args(["ca-fingerprint", "--data-dir"])
                .arg(&data),
        );
        let fingerprint = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Collector {
            tmp,
            data,
            config,
            fingerprint,
            admin_addr: None,
            agent_addr: None,
            proc: None,
            starts: 0,
            http: std::sync::OnceLock::new(),
        }
    }

    /// Starts `serve` (on the same ports as before when restarting).
    pub fn start(&mut self) {
        let admin = self
            .admin_addr
            .map_or("127.0.0.1:0".to_owned(), |a| a.to_string());
        let agent = self
            .agent_addr
            .map_or("127.0.0.1:0".to_owned(), |a| a.to_string());
        let mut cmd = Command::new(bin("vigil-server"));
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(&self.data)
            .arg("--config")
            .arg(&self.config)
            .args(["--admin-listen", &admin, "--agent-listen", &agent])
            .env("VIGIL_LOG", "info");
        self.starts += 1;
        let log = self.tmp.path().join(format!("serve-{}.log", self.starts));
        let proc = Proc::spawn(cmd, log);
        let (a, g) = wait_for("collector to listen", Duration::from_secs(30), || {
            parse_listening(&proc.output())
        });
        self.admin_addr = Some(a);
        self.agent_addr = Some(g);
        self.proc = Some(proc);
    }

    pub fn admin_url(&self) -> String {
        format!("https://{}", self.admin_addr.expect("started"))
    }

    pub fn agent_url(&self) -> String {
        format!("https://{}", self.agent_addr.expect("started"))
    }

    pub fn ca_pem(&self) -> Vec<u8> {
        fs::read(self.data.join("pki/ca.crt")).expect("ca.crt")
    }

    /// A blocking HTTPS client trusting only this collector's CA (built
    /// once; clones share its connection pool).
    pub fn client(&self) -> reqwest::blocking::Client {
        self.http
            .get_or_init(|| {
                install_provider();
                reqwest::blocking::Client::builder()
                    .add_root_certificate(
                        reqwest::Certificate::from_pem(&self.ca_pem()).expect("ca cert"),
                    )
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("client")
            })
            .clone()
    }

    /// A client presenting a client certificate (PEM key + cert).
    pub fn client_with_identity(&self, key_and_cert_pem: &[u8]) -> reqwest::blocking::Client {
        install_provider();
        reqwest::blocking::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&self.ca_pem()).expect("ca cert"))
            .identity(reqwest::Identity::from_pem(key_and_cert_pem).expect("identity"))
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client")
    }

    pub fn login(&self, user: &str, password: &str) -> Option<String> {
        let resp = self
            .client()
            .post(format!("{}/v1/auth/login", self.admin_url()))
            .json(&serde_json::json!({"username": user, "password": password}))
            .send()
            .ok()?;
        if !resp.status().is_success() {
            return None;
        }
        let v: serde_json::Value = resp.json().ok()?;
        v["token"].as_str().map(str::to_owned)
    }

    pub fn admin_token(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).expect("admin login")
    }

    /// GET with a bearer token; returns (status, JSON body or Null).
    pub fn get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let resp = self
            .client()
            .get(format!("{}{path}", self.admin_url()))
            .bearer_auth(token)
            .send()
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().unwrap_or(serde_json::Value::Null))
    }

    /// `vigil-server token create`.
    pub fn token_create(&self, ttl: &str) -> String {
        let out = run_ok(
            Command::new(bin("vigil-server"))
                .args(["token", "create", "--ttl", ttl, "--data-dir"])
                .arg(&self.data),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout
            .lines()
            .last()
            .and_then(|l| l.split_whitespace().last())
            .expect("token")
            .to_owned()
    }

    /// Opens the audit file read-only with the database and sample files
    /// attached, as the collector does (it may be running); unqualified
    /// table names resolve in any of them.
    pub fn db(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open_with_flags(
            self.data.join("audit.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open audit db");
        c.busy_timeout(Duration::from_secs(10))
            .expect("busy timeout");
        for (file, name) in [("vigil.db", "data"), ("samples.db", "points")] {
            let path = self.data.join(file);
            c.execute(
                &format!("ATTACH DATABASE ?1 AS {name}"),
                [path.to_str().expect("UTF-8 path")],
            )
            .expect("attach db");
        }
        c
    }

    pub fn proc_mut(&mut self) -> &mut Proc {
        self.proc.as_mut().expect("started")
    }
}

/// Finds `admin=ADDR agent=ADDR` in the collector's start-up log line.
fn parse_listening(log: &str) -> Option<(SocketAddr, SocketAddr)> {
    let line = log.lines().find(|l| l.contains("collector listening"))?;
    let field = |name: &str| -> Option<SocketAddr> {
        let start = line.find(&format!("{name}="))? + name.len() + 1;
        line[start..].split_whitespace().next()?.parse().ok()
    };
    Some((field("admin")?, field("agent")?))
}

/// An enrolled agent's state dir and, when started, a `run` process.
pub struct Agent {
    pub state: PathBuf,
    pub proc: Option<Proc>,
    log_dir: PathBuf,
    starts: u32,
}

impl Agent {
    /// `vigil-agent enroll` into `dir/agent-state`.
    pub fn enroll(c: &Collector, dir: &Path) -> Agent {
        let state = dir.join("agent-state");
        let token = c.token_create("15m");
        run_ok(
            Command::new(bin("vigil-agent"))
                .args(["enroll", "--server", &c.agent_url(), "--token", &token])
                .args(["--ca-sha256", &c.fingerprint, "--state-dir"])
                .arg(&state),
        );
        Agent {
            state,
            proc: None,
            log_dir: dir.to_owned(),
            starts: 0,
        }
    }

    /// `vigil-agent run --interval-seconds 1` plus `extra` arguments.
    pub fn start(&mut self, extra: &[&str]) {
        let mut cmd = Command::new(bin("vigil-agent"));
        cmd.arg("run")
            .arg("--state-dir")
            .arg(&self.state)
            .args(["--interval-seconds", "1"])
            .args(extra)
            .env("VIGIL_LOG", "info");
        self.starts += 1;
        let log = self.log_dir.join(format!("agent-{}.log", self.starts));
        self.proc = Some(Proc::spawn(cmd, log));
    }

    pub fn proc_mut(&mut self) -> &mut Proc {
        self.proc.as_mut().expect("started")
    }
}

/// The first host the admin API lists, once there is one.
pub fn first_host(c: &Collector, token: &str) -> String {
    wait_for("a host in /v1/hosts", Duration::from_secs(30), || {
        let (status, v) = c.get(token, "/v1/hosts");
        (status == 200)
            .then(|| v.as_array()?.first()?["id"].as_str().map(str::to_owned))
            .flatten()
    })
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => out.push(p),
                _ => {}
            }
        }
    }
    out
}
