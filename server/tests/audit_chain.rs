//! The audit report: tamper evidence on a real SQLite file, fail closed,
//! and a chain that never forks when the CLI and the server append at once.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::*;
use vigil_server::audit::Verdict;
use vigil_server::cli;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Waits until the store's connections are closed (SQLite removes a WAL
/// file with its last connection), so a copy is a consistent snapshot.
fn wait_for_close(dir: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let open = || {
        std::fs::read_dir(dir)
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().ends_with("-wal"))
    };
    while open() {
        assert!(
            std::time::Instant::now() < deadline,
            "the store never closed"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn broken_at(v: Verdict) -> i64 {
    match v {
        Verdict::Broken {
            first_broken_seq, ..
        } => first_broken_seq,
        Verdict::Intact { .. } => panic!("tampering went unnoticed"),
    }
}

/// A data dir with a few dozen records, the server stopped.
async fn chain_fixture(root: &Path) -> (std::path::PathBuf, i64) {
    let env = env();
    let admin = env.admin_token().await;
    for i in 0..10 {
        env.get("/v1/hosts", &admin).await;
        env.call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": format!("u{i}"), "password": PW, "role": "operator"})),
        )
        .await;
        env.get("/v1/audit", "bogus").await;
    }
    let head = env.audit_head();
    let Env {
        tmp,
        dir,
        state,
        app,
    } = env;
    drop(app);
    drop(state);
    wait_for_close(&dir);
    let saved = root.join("fixture");
    copy_dir(&dir, &saved);
    drop(tmp);
    (saved, head)
}

/// A fresh copy of the fixture with `attack` applied by someone who can
/// write the audit file (append-only triggers dropped) but has no key.
fn attacked(
    fixture: &Path,
    root: &Path,
    name: &str,
    attack: impl FnOnce(&rusqlite::Connection),
) -> std::path::PathBuf {
    let dir = root.join(name);
    copy_dir(fixture, &dir);
    let c = rusqlite::Connection::open(dir.join("audit.db")).unwrap();
    c.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    attack(&c);
    drop(c);
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_first_broken_sequence() {
    let root = tempfile::tempdir().unwrap();
    let (fixture, head) = chain_fixture(root.path()).await;
    assert!(head > 30, "{head}");
    let untouched = attacked(&fixture, root.path(), "untouched", |_| {});
    assert!(matches!(
        cli::audit_verify(&untouched).unwrap(),
        Verdict::Intact { .. }
    ));

    let target = 7;
    // One byte of every field of one record.
    for col in [
        "time_ms",
        "actor",
        "role",
        "source",
        "action",
        "target",
        "outcome",
        "request_id",
        "hash",
    ] {
        let dir = attacked(&fixture, root.path(), &format!("field-{col}"), |c| {
            let sql = format!("SELECT {col} FROM audit WHERE seq = ?1");
            let v: rusqlite::types::Value = c.query_row(&sql, [target], |r| r.get(0)).unwrap();
            let changed = match v {
                rusqlite::types::Value::Integer(i) => rusqlite::types::Value::Integer(i ^ 1),
                rusqlite::types::Value::Text(t) => {
                    let mut b = t.into_bytes();
                    match b.first_mut() {
                        Some(x) => *x ^= 1,
                        None => b.push(b'x'),
                    }
                    rusqlite::types::Value::Text(String::from_utf8(b).unwrap())
                }
                rusqlite::types::Value::Blob(mut b) => {
                    let mid = b.len() / 2;
                    b[mid] ^= 1;
                    rusqlite::types::Value::Blob(b)
                }
                rusqlite::types::Value::Null => rusqlite::types::Value::Blob(vec![1]),
                rusqlite::types::Value::Real(_) => unreachable!(),
            };
            c.execute(
                &format!("UPDATE audit SET {col} = ?1 WHERE seq = ?2"),
                rusqlite::params![changed, target],
            )
            .unwrap();
        });
        assert_eq!(
            broken_at(cli::audit_verify(&dir).unwrap()),
            target,
            "field {col}"
        );
    }
    // Delete one record.
    let dir = attacked(&fixture, root.path(), "delete", |c| {
        c.execute("DELETE FROM audit WHERE seq = ?1", [target])
            .unwrap();
    });
    assert_eq!(broken_at(cli::audit_verify(&dir).unwrap()), target);
    // Reorder two records (swap everything but the sequence numbers).
    let dir = attacked(&fixture, root.path(), "reorder", |c| {
        c.execute_batch(&format!(
            "UPDATE audit SET seq = -1 WHERE seq = {target};
             UPDATE audit SET seq = {target} WHERE seq = {next};
             UPDATE audit SET seq = {next} WHERE seq = -1;",
            next = target + 1
        ))
        .unwrap();
    });
    assert_eq!(broken_at(cli::audit_verify(&dir).unwrap()), target);
    // Cut off the tail: the chain alone still checks; the checkpoint does not.
    let dir = attacked(&fixture, root.path(), "tail", |c| {
        c.execute("DELETE FROM audit WHERE seq > ?1", [head - 3])
            .unwrap();
    });
    assert_eq!(broken_at(cli::audit_verify(&dir).unwrap()), head - 2);
    // Append a forged record.
    let dir = attacked(&fixture, root.path(), "append", |c| {
        c.execute(
            "INSERT INTO audit (seq, time_ms, actor, role, action, target, outcome, request_id, hash)
             SELECT seq + 1, time_ms, actor, role, action, target, outcome, request_id, hash
             FROM audit WHERE seq = ?1",
            [head],
        )
        .unwrap();
    });
    assert_eq!(broken_at(cli::audit_verify(&dir).unwrap()), head + 1);
    // A forged checkpoint is refused as well.
    let dir = attacked(&fixture, root.path(), "checkpoint", |_| {});
    let cp = dir.join("audit.head");
    let text = std::fs::read_to_string(&cp).unwrap();
    // The checkpoint names the newest durable record (at or just behind the
    // head); lower its sequence number without the key.
    let cp_seq = serde_json::from_str::<serde_json::Value>(&text).unwrap()["seq"]
        .as_i64()
        .unwrap();
    assert!(cp_seq > 0 && cp_seq <= head);
    std::fs::write(
        &cp,
        text.replace(
            &format!("\"seq\":{cp_seq}"),
            &format!("\"seq\":{}", cp_seq - 1),
        ),
    )
    .unwrap();
    assert!(matches!(
        cli::audit_verify(&dir).unwrap(),
        Verdict::Broken { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_verify_route_reports_breaks_too() {
    let env = env();
    let admin = env.admin_token().await;
    let ok = env.get("/v1/audit/verify", &admin).await.json();
    assert_eq!(ok["status"], "intact");
    let c = env.db();
    c.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'user:999' WHERE seq = 1;",
    )
    .unwrap();
    let bad = env.get("/v1/audit/verify", &admin).await.json();
    assert_eq!(bad["status"], "broken");
    assert_eq!(bad["first_broken_seq"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_records_cannot_be_changed_through_the_database_api() {
    let env = env();
    let c = env.db();
    assert!(c.execute("UPDATE audit SET actor = 'x'", []).is_err());
    assert!(c.execute("DELETE FROM audit", []).is_err());
    // And no admin route deletes or edits audit records.
    for r in vigil_server::http::admin::routes() {
        if r.path.starts_with("/v1/audit") {
            assert_eq!(r.method, Method::GET, "{}", r.path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_audit_write_fails_the_action() {
    let env = env();
    let admin = env.admin_token().await;
    env.host("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    let before = env.audit_head();
    env.db()
        .execute_batch(
            "CREATE TRIGGER audit_fail BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'x'); END;",
        )
        .unwrap();
    let r = env
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": "ghost", "password": PW, "role": "operator"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let hosts = env.get("/v1/hosts", &admin).await;
    assert_eq!(hosts.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!String::from_utf8_lossy(&hosts.body).contains("aaaaaaaa"));
    let g = env
        .call(
            Method::POST,
            "/v1/host-groups",
            Some(&admin),
            Some(json!({"name": "g"})),
        )
        .await;
    assert_eq!(g.status, StatusCode::INTERNAL_SERVER_ERROR);
    // A login without its record hands out no session.
    let login = env.login("admin", ADMIN_PW).await;
    assert_eq!(login.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(login.json()["token"].is_null());
    env.db().execute_batch("DROP TRIGGER audit_fail;").unwrap();
    assert_eq!(env.audit_head(), before);
    let users = env.get("/v1/users", &admin).await;
    assert!(!String::from_utf8_lossy(&users.body).contains("ghost"));
    assert_eq!(env.get("/v1/host-groups", &admin).await.json(), json!([]));
    let sessions: i64 = env
        .db()
        .query_row("SELECT count(*) FROM tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sessions, 1, "only the first login's session exists");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_and_server_appending_at_once_never_fork_the_chain() {
    let env = env();
    let admin = env.admin_token().await;
    let dir = env.dir.clone();
    const CLI_RUNS: usize = 25;
    let before = env.audit_head();
    let cli_loop = std::thread::spawn(move || {
        for _ in 0..CLI_RUNS {
            cli::user_unlock(&dir, "admin").unwrap();
        }
    });
    let mut tasks = Vec::new();
    let env = std::sync::Arc::new(env);
    for _ in 0..16 {
        let env = env.clone();
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..15 {
                assert_eq!(env.get("/v1/auth/me", &admin).await.status, 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    cli_loop.join().unwrap();
    assert_eq!(env.audit_head() - before, (16 * 15 + CLI_RUNS) as i64);
    match cli::audit_verify(&env.dir).unwrap() {
        Verdict::Intact { head_seq, .. } => assert_eq!(head_seq, env.audit_head() - 1),
        v => panic!("{v:?}"),
    }
    // The checkpoint reached the head.
    let api = env.get("/v1/audit/verify", &admin).await.json();
    assert_eq!(api["status"], "intact", "{api}");
}

/// `vigil-server bench audit` end to end at a tiny size: both workloads
/// run, in process and over the admin listener's HTTPS, every request got
/// its record (the bench checks the head), and the
/// chain it writes for the verify measurement verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_benchmark_runs_and_its_chain_verifies() {
    use vigil_server::bench_audit::{run, AuditArgs, Transport, Workload};
    let dir = tempfile::tempdir().unwrap();
    run(AuditArgs {
        concurrency: 8,
        requests: 200,
        rounds: 1,
        verify_records: 1_000,
        workload: Workload::Both,
        transport: Transport::Both,
        dir: Some(dir.path().to_owned()),
    })
    .await
    .unwrap();
}
