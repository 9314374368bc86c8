//! The pipeline end to end with real processes: init, serve, token, enroll,
//! run; then crashes and outages, which must lose nothing acknowledged.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::Command;
use std::time::Duration;

use vigil_tests::{bin, first_host, wait_for, Agent, Collector, STORED_SAMPLES};

/// Timestamps (ms) of the agent's total-CPU series, ascending.
fn cpu_timestamps(c: &Collector) -> Vec<i64> {
    let db = c.db();
    let mut stmt = db
        .prepare(&format!(
            "SELECT s.ts_ms FROM {STORED_SAMPLES} s JOIN series r ON r.id = s.series_id
             WHERE r.name = 'cpu_usage_percent' AND r.labels LIKE '%\"total\"%'
             ORDER BY s.ts_ms"
        ))
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Records and batches still waiting in the agent's spool (0 when all were
/// acknowledged).
fn spooled(agent: &Agent) -> i64 {
    let path = agent.state.join("spool.db");
    let Ok(db) =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return -1;
    };
    let _ = db.busy_timeout(Duration::from_secs(5));
    db.query_row(
        "SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM batches)",
        [],
        |r| r.get(0),
    )
    .unwrap_or(-1)
}

/// The largest step between consecutive snapshots within `[from, to]`.
fn largest_step(ts: &[i64], from: i64, to: i64) -> i64 {
    ts.windows(2)
        .filter(|w| w[0] >= from && w[1] <= to)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or(0)
}

#[test]
fn metrics_reach_the_admin_api() {
    let mut c = Collector::init();
    c.start();
    let mut agent = Agent::enroll(&c, c.tmp.path());
    agent.start(&[]);
    let token = c.admin_token();
    let host = first_host(&c, &token);

    let (status, h) = c.get(&token, &format!("/v1/hosts/{host}"));
    assert_eq!(status, 200);
    assert!(!h["hostname"].as_str().unwrap_or("").is_empty(), "{h}");
    let names = wait_for("cpu and memory series", Duration::from_secs(30), || {
        let (_, s) = c.get(&token, &format!("/v1/hosts/{host}/series"));
        let names: Vec<String> = s
            .as_array()?
            .iter()
            .filter_map(|x| x["name"].as_str().map(str::to_owned))
            .collect();
        (names.iter().any(|n| n.starts_with("cpu_"))
            && names.iter().any(|n| n.starts_with("memory_")))
        .then_some(names)
    });
    assert!(names.iter().any(|n| n.starts_with("load")), "{names:?}");
    let (_, m) = c.get(
        &token,
        &format!("/v1/hosts/{host}/metrics?name=cpu_usage_percent&from=0&to=9999999999999"),
    );
    let series = m["series"].as_array().unwrap();
    assert!(!series.is_empty(), "{m}");
    let total = series
        .iter()
        .find(|s| s["labels"]["cpu"] == "total")
        .expect("total cpu series");
    let points = total["points"].as_array().unwrap();
    assert!(!points.is_empty());
    assert!(points[0].as_array().unwrap().len() == 2);

    // Aggregation per step folds points.
    let (_, agg) = c.get(
        &token,
        &format!(
            "/v1/hosts/{host}/metrics?name=cpu_usage_percent&from=0&to=9999999999999&step=3600000&agg=max"
        ),
    );
    assert!(
        agg["series"][0]["points"].as_array().unwrap().len() <= 2,
        "{agg}"
    );
    let (status, _) = c.get(&token, &format!("/v1/hosts/{host}/metrics?name=x&step=-1"));
    assert_eq!(status, 400);
    let (status, _) = c.get(&token, "/v1/hosts/0123456789abcdef0123456789abcdef/series");
    assert_eq!(status, 404);
    assert_eq!(agent.proc_mut().terminate().code(), Some(0));
    c.proc_mut().terminate();

    // No secret in clear in any file either process wrote (data dir, agent
    // state, both logs): not the admin password, not the session token, and
    // the agent's private key nowhere but its own key file.
    let key_pem = std::fs::read_to_string(agent.state.join("agent.key")).unwrap();
    let key_line = key_pem
        .lines()
        .find(|l| !l.starts_with("-----"))
        .unwrap()
        .to_owned();
    let checks: [(&str, &str); 3] = [
        (vigil_tests::ADMIN_PASSWORD, "pw"),
        (&token, ""),
        (&key_line, "agent.key"),
    ];
    for path in vigil_tests::files_under(c.tmp.path()) {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (secret, allowed_in) in checks {
            if !allowed_in.is_empty() && name == allowed_in {
                continue;
            }
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret is in clear in {}",
                path.display()
            );
        }
    }
}

#[test]
fn wrong_ca_pin_is_refused() {
    let mut c = Collector::init();
    c.start();
    let token = c.token_create("15m");
    let wrong = "00".repeat(32);
    let out = Command::new(bin("vigil-agent"))
        .args(["enroll", "--server", &c.agent_url(), "--token", &token])
        .args(["--ca-sha256", &wrong, "--state-dir"])
        .arg(c.tmp.path().join("agent"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("fingerprint"), "{stderr}");
    // The token was not spent on the impostor check: it still enrolls.
    let ok = Command::new(bin("vigil-agent"))
        .args(["enroll", "--server", &c.agent_url(), "--token", &token])
        .args(["--ca-sha256", &c.fingerprint, "--state-dir"])
        .arg(c.tmp.path().join("agent2"))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn collector_crash_and_outage_lose_nothing() {
    let mut c = Collector::init();
    c.start();
    let mut agent = Agent::enroll(&c, c.tmp.path());
    agent.start(&[]);
    wait_for("3 snapshots stored", Duration::from_secs(30), || {
        (cpu_timestamps(&c).len() >= 3).then_some(())
    });

    // SIGKILL the collector while the agent ships.
    c.proc_mut().kill9();
    let before = cpu_timestamps(&c);
    wait_for(
        "the agent to spool while the collector is down",
        Duration::from_secs(30),
        || (spooled(&agent) >= 3).then_some(()),
    );
    c.start();
    let last_before = *before.last().unwrap();
    wait_for("the agent to catch up", Duration::from_secs(60), || {
        let ts = cpu_timestamps(&c);
        (spooled(&agent) == 0 && ts.len() >= before.len() + 3).then_some(())
    });

    // A clean outage (SIGTERM), then the same again.
    c.proc_mut().terminate();
    wait_for(
        "the agent to spool during the outage",
        Duration::from_secs(30),
        || (spooled(&agent) >= 3).then_some(()),
    );
    c.start();
    let n = cpu_timestamps(&c).len();
    wait_for(
        "the agent to catch up again",
        Duration::from_secs(60),
        || (spooled(&agent) == 0 && cpu_timestamps(&c).len() >= n + 3).then_some(()),
    );

    // Every snapshot since the first is there exactly once: no holes where
    // the collector was down, and no duplicates.
    let ts = cpu_timestamps(&c);
    let mut dedup = ts.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), ts.len(), "a snapshot was stored twice");
    let step = largest_step(&ts, ts[0], *ts.last().unwrap());
    assert!(
        step < 2_500,
        "a hole of {step} ms in the snapshots (lost data); crash at {last_before}"
    );
    let db = c.db();
    // Dedup state is one row per agent and spool epoch, however many
    // batches were shipped and retried.
    let marks: i64 = db
        .query_row("SELECT count(*) FROM batch_marks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(marks, 1);
    assert_eq!(agent.proc_mut().terminate().code(), Some(0));
}

/// A clean stop (SIGTERM) makes the last reads' audit records durable and
/// moves the tail checkpoint to the chain's head. Reads commit relaxed and
/// the checkpoint moves within a second of them otherwise, so without the
/// final flush a stop right after them leaves it behind (records a
/// database writer could then cut off unnoticed).
#[test]
fn a_clean_stop_moves_the_audit_checkpoint_to_the_head() {
    let mut c = Collector::init();
    c.start();
    let token = c.admin_token();
    for _ in 0..5 {
        assert_eq!(c.get(&token, "/v1/auth/me").0, 200);
    }
    assert_eq!(c.proc_mut().terminate().code(), Some(0));
    let head: i64 = c
        .db()
        .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
        .unwrap();
    let checkpoint: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(c.data.join("audit.head")).unwrap()).unwrap();
    assert_eq!(checkpoint["seq"].as_i64(), Some(head));
}

#[test]
fn agent_restart_keeps_its_spool() {
    let mut c = Collector::init();
    c.start();
    let mut agent = Agent::enroll(&c, c.tmp.path());
    agent.start(&[]);
    wait_for("first snapshots", Duration::from_secs(30), || {
        (cpu_timestamps(&c).len() >= 2).then_some(())
    });
    // Collector down; the agent spools, then is stopped (SIGTERM) and
    // started again before the collector comes back.
    c.proc_mut().terminate();
    wait_for("records spooled", Duration::from_secs(30), || {
        (spooled(&agent) >= 3).then_some(())
    });
    assert_eq!(agent.proc_mut().terminate().code(), Some(0));
    let kept = spooled(&agent);
    assert!(kept >= 3, "spool lost records on SIGTERM: {kept}");
    agent.start(&[]);
    c.start();
    wait_for("the spool to drain", Duration::from_secs(60), || {
        (spooled(&agent) == 0).then_some(())
    });
    let ts = cpu_timestamps(&c);
    let mut dedup = ts.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), ts.len(), "a snapshot was stored twice");

    // SIGKILL the agent mid-flight: the spool survives, nothing is resent
    // as new data.
    agent.proc_mut().kill9();
    agent.start(&[]);
    let n = ts.len();
    wait_for("shipping to resume", Duration::from_secs(30), || {
        (cpu_timestamps(&c).len() >= n + 2).then_some(())
    });
    let ts = cpu_timestamps(&c);
    let mut dedup = ts.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), ts.len(), "a snapshot was stored twice");
}

#[test]
fn agent_renews_its_certificate_before_expiry() {
    let mut c = Collector::init_with_config("agent_cert_validity = \"6s\"");
    c.start();
    let mut agent = Agent::enroll(&c, c.tmp.path());
    let enrolled_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    agent.start(&[]);
    let token = c.admin_token();
    let renewals = || {
        let text = c
            .client()
            .get(format!("{}/metrics", c.admin_url()))
            .send()
            .ok()?
            .text()
            .ok()?;
        text.lines()
            .find(|l| l.starts_with("vigil_agent_renewals_total "))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    wait_for("two renewals", Duration::from_secs(30), || {
        (renewals()? >= 2).then_some(())
    });
    // Well past the first certificate's expiry, the agent still ships.
    wait_for(
        "samples after the first certificate expired",
        Duration::from_secs(30),
        || (*cpu_timestamps(&c).last()? > enrolled_at + 9_000).then_some(()),
    );
    let (_, audit) = c.get(&token, "/v1/audit?action=agent.renew");
    assert!(audit["records"].as_array().unwrap().len() >= 2, "{audit}");
    // Renewal is not a loop: a few renewals, not one per second.
    assert!(renewals().unwrap() < 8, "renewing too often");
    assert_eq!(agent.proc_mut().terminate().code(), Some(0));
}
