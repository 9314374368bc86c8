//! Configuration-change monitoring end to end: real agent watching a temp
//! dir, real collector, changes queried from the admin API.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use vigil_tests::{files_under, first_host, wait_for, Agent, Collector};

const PASSWORD_OLD: &str = "hunter2-xyz-0042";
const PASSWORD_NEW: &str = "s3cr3t-abc-7781";
const PEM_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";

fn changes(c: &Collector, token: &str, host: &str) -> Vec<Value> {
    let (status, v) = c.get(token, &format!("/v1/changes?host={host}&limit=5000"));
    assert_eq!(status, 200, "{v}");
    v["changes"].as_array().cloned().unwrap_or_default()
}

fn events_for<'a>(all: &'a [Value], suffix: &str) -> Vec<&'a Value> {
    all.iter()
        .filter(|c| c["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
        .collect()
}

fn wait_event(
    c: &Collector,
    token: &str,
    host: &str,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    wait_for(what, Duration::from_secs(30), || {
        changes(c, token, host).into_iter().find(|e| pred(e))
    })
}

fn kind_is(path_suffix: &'static str, kind: &'static str) -> impl Fn(&Value) -> bool {
    move |e: &Value| {
        e["kind"] == kind && e["path"].as_str().is_some_and(|p| p.ends_with(path_suffix))
    }
}

#[test]
fn changes_reach_the_collector_redacted_and_exactly_once() {
    let mut c = Collector::init();
    c.start();
    let w = c.tmp.path().join("etc");
    fs::create_dir_all(w.join("app")).unwrap();
    fs::write(
        w.join("app/app.conf"),
        format!("listen = 8080\npassword = {PASSWORD_OLD}\n"),
    )
    .unwrap();
    fs::write(w.join("app/old-name.conf"), "x = 1\n").unwrap();
    let mut agent = Agent::enroll(&c, c.tmp.path());
    agent.start(&["--watch", w.to_str().unwrap()]);
    let token = c.admin_token();
    let host = first_host(&c, &token);

    // The baseline scan is silent (a file written during it becomes part of
    // the baseline); a probe, touched until an event for it arrives, shows
    // the watch is live.
    // (A fresh file each time: rewriting one path faster than the debounce
    // would keep it from ever being quiet.)
    let mut n = 0;
    wait_for("an event for a probe", Duration::from_secs(30), || {
        n += 1;
        fs::write(w.join(format!("probe-{n}.conf")), "probe\n").unwrap();
        let all = changes(&c, &token, &host);
        all.iter()
            .any(|e| e["path"].as_str().is_some_and(|p| p.contains("/probe-")))
            .then_some(())
    });
    assert!(events_for(&changes(&c, &token, &host), "app.conf").is_empty());

    // Edit with a changed secret: the diff shows the port, not the secrets.
    fs::write(
        w.join("app/app.conf"),
        format!("listen = 9090\npassword = {PASSWORD_NEW}\nworkers = 4\n"),
    )
    .unwrap();
    let modified = wait_event(
        &c,
        &token,
        &host,
        "app.conf modified",
        kind_is("app/app.conf", "modified"),
    );
    let diff = modified["diff"].as_str().unwrap();
    assert!(
        diff.contains("+listen = 9090") && diff.contains("-listen = 8080"),
        "{diff}"
    );
    assert!(
        !diff.contains(PASSWORD_OLD) && !diff.contains(PASSWORD_NEW),
        "{diff}"
    );
    assert!(
        diff.contains("password"),
        "the password line shows as changed: {diff}"
    );
    assert_eq!(modified["detection"], "realtime");
    assert_ne!(modified["old"]["sha256"], modified["new"]["sha256"]);

    // chmod → metadata; rename → renamed; delete → deleted.
    fs::set_permissions(w.join("app/app.conf"), fs::Permissions::from_mode(0o600)).unwrap();
    let meta = wait_event(
        &c,
        &token,
        &host,
        "chmod",
        kind_is("app/app.conf", "metadata"),
    );
    assert_eq!(meta["new"]["mode"].as_u64().unwrap() & 0o777, 0o600);
    fs::rename(w.join("app/old-name.conf"), w.join("app/new-name.conf")).unwrap();
    let renamed = wait_event(
        &c,
        &token,
        &host,
        "rename",
        kind_is("new-name.conf", "renamed"),
    );
    assert!(renamed["renamed_from"]
        .as_str()
        .unwrap()
        .ends_with("old-name.conf"));
    fs::write(w.join("app/extra.conf"), "new file\n").unwrap();
    wait_event(
        &c,
        &token,
        &host,
        "extra created",
        kind_is("extra.conf", "created"),
    );
    fs::remove_file(w.join("app/extra.conf")).unwrap();
    wait_event(
        &c,
        &token,
        &host,
        "extra deleted",
        kind_is("extra.conf", "deleted"),
    );

    // A private key file: tracked by hash only, never diffed.
    fs::write(
        w.join("app/tls.key"),
        format!("-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n"),
    )
    .unwrap();
    let key = wait_event(
        &c,
        &token,
        &host,
        "key created",
        kind_is("tls.key", "created"),
    );
    assert!(key["diff"].is_null(), "{key}");
    assert!(key["new"]["sha256"].is_string());

    // Stopped agent, edited file, restarted agent: exactly one event.
    assert_eq!(agent.proc_mut().terminate().code(), Some(0));
    fs::write(w.join("app/app.conf"), "listen = 7070\n").unwrap();
    agent.start(&["--watch", w.to_str().unwrap()]);
    let rescan = wait_event(&c, &token, &host, "offline edit", |e| {
        e["kind"] == "modified"
            && e["detection"] == "rescan"
            && e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("app/app.conf"))
    });
    assert!(rescan["diff"].as_str().unwrap().contains("+listen = 7070"));
    // Prove the agent is past its rescan, then count.
    fs::write(w.join("probe2.conf"), "probe = 2\n").unwrap();
    wait_event(
        &c,
        &token,
        &host,
        "probe2",
        kind_is("probe2.conf", "created"),
    );
    let all = changes(&c, &token, &host);
    let app: Vec<_> = events_for(&all, "app/app.conf")
        .into_iter()
        .filter(|e| e["kind"] == "modified")
        .collect();
    assert_eq!(app.len(), 2, "one realtime and one rescan edit: {app:#?}");

    // Pagination and per-host route agree.
    let (_, page) = c.get(&token, &format!("/v1/hosts/{host}/changes?limit=2"));
    assert_eq!(page["changes"].as_array().unwrap().len(), 2);
    assert!(page["next_after"].is_i64());

    // No secret in clear in any file of the collector or the agent.
    assert_eq!(agent.proc_mut().terminate().code(), Some(0));
    c.proc_mut().terminate();
    for dir in [&c.data, &agent.state] {
        assert_no_secret(dir);
    }
}

fn assert_no_secret(dir: &Path) {
    for path in files_under(dir) {
        let bytes = fs::read(&path).unwrap();
        for secret in [PASSWORD_OLD, PASSWORD_NEW, PEM_BODY] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} is in clear in {}",
                path.display()
            );
        }
    }
}
