//! Support bundles end to end: the real `vigil-agent support-bundle`
//! command against a real collector over mTLS; consent, redaction as
//! support sees it (and as the disks hold it), role checks, quarantine,
//! approval-gated raw access that expires, retention, refusals.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use vigil_shared::wire::{
    SupportConsent, SupportFile, SupportManifest, PATH_SUPPORT_BUNDLE, PROTOCOL_VERSION,
    SUPPORT_BUNDLE_CONTENT_TYPE, SUPPORT_MANIFEST_ENTRY,
};
use vigil_tests::{bin, run_ok, wait_for, Agent, Collector};

const EMAIL: &str = "alice.planted@example.com";
const PASSWORD: &str = "Pl4nted-S3cret-Pw";
const IP: &str = "203.0.113.77";
const USER_PW: &str = "A-long-enough-password-1";

/// Every planted value, and the personal path they live under.
const PLANTED: [&str; 3] = [EMAIL, PASSWORD, IP];

fn write_log(dir: &Path) -> PathBuf {
    let home = dir.join("home/alice/app");
    fs::create_dir_all(&home).unwrap();
    let log = home.join("service.log");
    fs::write(
        &log,
        format!(
            "2026-01-01T10:00:00Z service started\n\
             2026-01-01T10:00:01Z login ok for {EMAIL} from {IP}\n\
             2026-01-01T10:00:02Z config reloaded password={PASSWORD}\n"
        ),
    )
    .unwrap();
    log
}

fn support_bundle(agent: &Agent, args: &[&str]) -> std::process::Output {
    Command::new(bin("vigil-agent"))
        .arg("support-bundle")
        .arg("--state-dir")
        .arg(&agent.state)
        .args(args)
        .env("VIGIL_LOG", "info")
        .output()
        .unwrap()
}

/// The bundle id from the command's last line.
fn bundle_id(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("support bundle "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no bundle id in: {stdout}"))
        .to_owned()
}

fn create_user(c: &Collector, admin: &str, name: &str, role: &str) -> (i64, String) {
    let resp = c
        .client()
        .post(format!("{}/v1/users", c.admin_url()))
        .bearer_auth(admin)
        .json(&json!({"username": name, "password": USER_PW, "role": role}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text());
    let v: Value = resp.json().unwrap();
    let id = v["id"].as_i64().unwrap();
    (id, c.login(name, USER_PW).expect("login"))
}

fn get_text(c: &Collector, token: &str, path: &str) -> (u16, String) {
    let resp = c
        .client()
        .get(format!("{}{path}", c.admin_url()))
        .bearer_auth(token)
        .send()
        .unwrap();
    (resp.status().as_u16(), resp.text().unwrap_or_default())
}

fn post(c: &Collector, token: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = c
        .client()
        .post(format!("{}{path}", c.admin_url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().unwrap_or(Value::Null))
}

fn listed(c: &Collector, token: &str) -> Vec<String> {
    let (s, v) = c.get(token, "/v1/support/uploads");
    assert_eq!(s, 200, "{v}");
    v["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every file below `root` (the real files on disk, WAL included).
fn files_under(root: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(root).unwrap().flatten() {
        let p = e.path();
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            files_under(&p, out);
        } else if ft.is_file() {
            out.push(p);
        }
    }
}

fn assert_absent_from_files(root: &Path, needles: &[&str]) {
    let mut files = Vec::new();
    files_under(root, &mut files);
    assert!(!files.is_empty(), "{} holds no files", root.display());
    for f in files {
        let bytes = fs::read(&f).unwrap();
        for n in needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_bytes()),
                "{n:?} found in {}",
                f.display()
            );
        }
    }
}

/// The agent's identity as one PEM (key + certificate) for reqwest.
fn identity(agent: &Agent) -> Vec<u8> {
    let mut pem = fs::read(agent.state.join("agent.key")).unwrap();
    pem.extend(fs::read(agent.state.join("agent.crt")).unwrap());
    pem
}

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// A hand-made bundle whose "redacted" file is whatever we say.
fn hand_made(redacted: &str) -> Vec<u8> {
    let manifest = SupportManifest {
        version: PROTOCOL_VERSION,
        consent: SupportConsent {
            os_user: "tester".into(),
            at_ms: 1,
            text: "test consent".into(),
            ticket: None,
            include_unredacted: false,
        },
        files: vec![SupportFile {
            index: 0,
            path: "/var/log/test.log".into(),
            display_path: "/var/log/test.log".into(),
            size: redacted.len() as u64,
            findings: Default::default(),
            has_raw: false,
        }],
    };
    let json = serde_json::to_vec(&manifest).unwrap();
    let tar = tar_of(&[
        (SUPPORT_MANIFEST_ENTRY, &json),
        ("redacted/0", redacted.as_bytes()),
    ]);
    zstd::bulk::compress(&tar, 3).unwrap()
}

fn upload(client: &reqwest::blocking::Client, c: &Collector, body: Vec<u8>) -> (u16, Value) {
    let resp = client
        .post(format!("{}{PATH_SUPPORT_BUNDLE}", c.agent_url()))
        .header("content-type", SUPPORT_BUNDLE_CONTENT_TYPE)
        .body(body)
        .send()
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().unwrap_or(Value::Null))
}

fn bundle_rows(c: &Collector) -> i64 {
    c.db()
        .query_row("SELECT count(*) FROM support_bundles", [], |r| r.get(0))
        .unwrap()
}

fn audit_records(c: &Collector, admin: &str, action: &str) -> Vec<Value> {
    let (s, v) = c.get(admin, &format!("/v1/audit?action={action}"));
    assert_eq!(s, 200, "{v}");
    v["records"].as_array().unwrap().clone()
}

fn ok_count(records: &[Value]) -> usize {
    records.iter().filter(|r| r["outcome"] == "ok").count()
}

#[test]
fn consented_bundle_is_redacted_for_support_hidden_from_operators_raw_needs_a_grant() {
    let mut c = Collector::init();
    c.start();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::enroll(&c, dir.path());
    let log = write_log(dir.path());
    let glob = format!("{}/*.log", log.parent().unwrap().display());
    let out = support_bundle(
        &agent,
        &[
            "--include",
            &glob,
            "--consent",
            "Ticket 42: I agree to share the app log",
            "--ticket",
            "T-42",
            "--include-unredacted",
        ],
    );
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let id = bundle_id(&out);

    let admin = c.admin_token();
    let (support_id, support) = create_user(&c, &admin, "helpdesk", "support");
    let (_, operator) = create_user(&c, &admin, "ops", "operator");

    // Support sees the bundle, redacted.
    assert_eq!(listed(&c, &support), vec![id.clone()]);
    let (s, detail) = c.get(&support, &format!("/v1/support/uploads/{id}"));
    assert_eq!(s, 200, "{detail}");
    assert_eq!(detail["status"], "visible");
    assert_eq!(detail["consent"]["ticket"], "T-42");
    assert_eq!(detail["files"].as_array().unwrap().len(), 1);
    assert!(detail["files"][0].get("path").is_none(), "{detail}");
    let shown = detail.to_string();
    assert!(!shown.contains("alice"), "{shown}");
    let (s, text) = get_text(&c, &support, &format!("/v1/support/uploads/{id}/files/0"));
    assert_eq!(s, 200, "{text}");
    assert!(text.contains("service started"), "{text}");
    assert!(text.contains("[EMAIL:"), "{text}");
    for p in PLANTED {
        assert!(!text.contains(p), "{p} visible to support: {text}");
    }
    // Admins see who consented and the original paths.
    let (_, full) = c.get(&admin, &format!("/v1/support/uploads/{id}"));
    assert!(
        full["files"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("home/alice/app/service.log"),
        "{full}"
    );

    // Operators get nothing.
    for path in [
        "/v1/support/uploads".to_owned(),
        format!("/v1/support/uploads/{id}"),
        format!("/v1/support/uploads/{id}/files/0"),
        format!("/v1/support/uploads/{id}/files/0/raw"),
    ] {
        assert_eq!(get_text(&c, &operator, &path).0, 403, "{path}");
    }

    // Raw: refused without a grant, allowed with one, refused once expired.
    let raw = format!("/v1/support/uploads/{id}/files/0/raw");
    let (s, body) = get_text(&c, &support, &raw);
    assert_eq!(s, 403, "{body}");
    assert!(body.contains("no_grant"), "{body}");
    let (s, g) = post(
        &c,
        &support,
        &format!("/v1/support/uploads/{id}/grants"),
        json!({"user_id": support_id, "ttl_seconds": 2}),
    );
    assert_eq!(s, 403, "support cannot grant itself: {g}");
    let (s, g) = post(
        &c,
        &admin,
        &format!("/v1/support/uploads/{id}/grants"),
        json!({"user_id": support_id, "ttl_seconds": 2}),
    );
    assert_eq!(s, 201, "{g}");
    let (s, body) = get_text(&c, &support, &raw);
    assert_eq!(s, 200, "{body}");
    assert!(body.contains(EMAIL), "raw holds the original");
    wait_for("the grant to expire", Duration::from_secs(15), || {
        (get_text(&c, &support, &raw).0 == 403).then_some(())
    });

    // Grants and reads are in the audit report; no path, no value there.
    let grants = audit_records(&c, &admin, "support.grant");
    assert_eq!(ok_count(&grants), 1, "{grants:?}");
    let reads = audit_records(&c, &admin, "support.raw_file");
    assert!(reads.iter().any(|r| r["outcome"] == "ok"), "{reads:?}");
    assert!(reads.iter().any(|r| r["outcome"] == "denied"), "{reads:?}");
    let uploads = audit_records(&c, &admin, "agent.support_bundle");
    assert_eq!(uploads.len(), 1);
    let (_, all) = c.get(&admin, "/v1/audit?limit=10000");
    let all = all.to_string();
    for n in PLANTED.iter().chain(&["alice"]) {
        assert!(!all.contains(n), "{n} in the audit report");
    }

    // Nothing planted is in any file on either side, nor in the logs.
    c.proc_mut().terminate();
    assert_absent_from_files(&c.data, &PLANTED);
    assert_absent_from_files(&c.data, &["home/alice"]);
    assert_absent_from_files(&agent.state, &PLANTED);
    let serve_log = c.proc.as_ref().unwrap().output();
    for n in PLANTED.iter().chain(&["home/alice"]) {
        assert!(!serve_log.contains(n), "{n} in the collector log");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains(n),
            "{n} in the agent log"
        );
    }
}

#[test]
fn without_consent_nothing_is_sent() {
    let mut c = Collector::init();
    c.start();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::enroll(&c, dir.path());
    let log = write_log(dir.path());
    for args in [
        vec!["--include", log.to_str().unwrap()],
        vec!["--include", log.to_str().unwrap(), "--consent", "  "],
    ] {
        let out = support_bundle(&agent, &args);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--consent"), "{stderr}");
        assert!(stderr.contains("Nothing was read or sent"), "{stderr}");
    }
    assert_eq!(bundle_rows(&c), 0);
    let admin = c.admin_token();
    assert!(audit_records(&c, &admin, "agent.support_bundle").is_empty());
}

#[test]
fn a_finding_quarantines_until_an_admin_releases_and_bad_uploads_store_nothing() {
    let mut c = Collector::init_with_config(
        "max_support_bundle_bytes = 65536\nmax_support_bundle_decoded_bytes = 1048576",
    );
    c.start();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::enroll(&c, dir.path());
    let client = c.client_with_identity(&identity(&agent));

    // The agent "missed" an address: the collector's re-scan catches it.
    let (s, ack) = upload(&client, &c, hand_made("mail for bob.missed@example.org\n"));
    assert_eq!(s, 201, "{ack}");
    assert_eq!(ack["quarantined"], true);
    let id = ack["id"].as_str().unwrap().to_owned();
    let admin = c.admin_token();
    let (_, support) = create_user(&c, &admin, "helpdesk", "support");
    assert!(listed(&c, &support).is_empty());
    for path in [
        format!("/v1/support/uploads/{id}"),
        format!("/v1/support/uploads/{id}/files/0"),
    ] {
        assert_eq!(get_text(&c, &support, &path).0, 404, "{path}");
    }
    let (s, v) = c.get(&admin, &format!("/v1/support/uploads/{id}"));
    assert_eq!(s, 200);
    assert_eq!(v["status"], "quarantined");
    assert_eq!(v["findings"]["email"], 1);
    let (s, text) = get_text(&c, &admin, &format!("/v1/support/uploads/{id}/files/0"));
    assert_eq!(s, 200);
    assert!(text.contains("bob.missed@example.org"));
    let release = format!("/v1/support/uploads/{id}/release");
    assert_eq!(post(&c, &support, &release, json!({})).0, 403);
    let (s, v) = post(&c, &admin, &release, json!({}));
    assert_eq!(s, 200, "{v}");
    assert_eq!(listed(&c, &support), vec![id.clone()]);
    assert_eq!(
        get_text(&c, &support, &format!("/v1/support/uploads/{id}/files/0")).0,
        200
    );
    let releases = audit_records(&c, &admin, "support.release");
    assert_eq!(ok_count(&releases), 1, "{releases:?}");
    assert_eq!(releases.len(), 2, "the refused attempt is recorded too");

    // A clean hand-made bundle is visible at once.
    let (s, ack) = upload(&client, &c, hand_made("all quiet\n"));
    assert_eq!(s, 201, "{ack}");
    assert_eq!(ack["quarantined"], false);
    assert_eq!(bundle_rows(&c), 2);

    // Refusals: 4xx, nothing stored.
    let (s, v) = upload(&client, &c, b"definitely not zstd".to_vec());
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "malformed");
    let (s, _) = upload(&client, &c, vec![7u8; 100 * 1024]);
    assert_eq!(s, 413, "over the compressed limit");
    let bomb = zstd::bulk::compress(&tar_of(&[("redacted/0", &vec![0u8; 8 << 20])]), 3).unwrap();
    assert!(bomb.len() < 65536);
    let (s, v) = upload(&client, &c, bomb);
    assert_eq!(s, 413, "decoded size: {v}");
    let mut no_consent: SupportManifest = SupportManifest {
        version: PROTOCOL_VERSION,
        consent: SupportConsent {
            os_user: "tester".into(),
            at_ms: 1,
            text: String::new(),
            ticket: None,
            include_unredacted: false,
        },
        files: vec![],
    };
    no_consent.files.push(SupportFile {
        index: 0,
        path: "/x".into(),
        display_path: "/x".into(),
        size: 1,
        findings: Default::default(),
        has_raw: false,
    });
    let json = serde_json::to_vec(&no_consent).unwrap();
    let body = zstd::bulk::compress(
        &tar_of(&[(SUPPORT_MANIFEST_ENTRY, &json), ("redacted/0", b"x")]),
        3,
    )
    .unwrap();
    let (s, v) = upload(&client, &c, body);
    assert_eq!(s, 400);
    assert_eq!(v["error"]["code"], "no_consent");
    let resp = client
        .post(format!("{}{PATH_SUPPORT_BUNDLE}", c.agent_url()))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 415);
    // No client certificate: refused before anything is read.
    let resp = c
        .client()
        .post(format!("{}{PATH_SUPPORT_BUNDLE}", c.agent_url()))
        .header("content-type", SUPPORT_BUNDLE_CONTENT_TYPE)
        .body(hand_made("x\n"))
        .send();
    if let Ok(resp) = resp {
        assert_eq!(resp.status(), 401);
    }
    assert_eq!(bundle_rows(&c), 2);
    let refused = audit_records(&c, &admin, "agent.support_bundle");
    assert!(
        refused.iter().filter(|r| r["outcome"] == "denied").count() >= 5,
        "{refused:?}"
    );
}

#[test]
fn bundles_are_purged_after_retention_and_the_purge_is_audited() {
    let mut c = Collector::init_with_config("support_retention_seconds = 2");
    c.start();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::enroll(&c, dir.path());
    let log = write_log(dir.path());
    let out = support_bundle(
        &agent,
        &[
            "--include",
            log.to_str().unwrap(),
            "--consent",
            "agreed",
            "--include-unredacted",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let id = bundle_id(&out);
    let admin = c.admin_token();
    assert_eq!(c.get(&admin, &format!("/v1/support/uploads/{id}")).0, 200);
    wait_for("the bundle to be purged", Duration::from_secs(30), || {
        (c.get(&admin, &format!("/v1/support/uploads/{id}")).0 == 404).then_some(())
    });
    assert!(listed(&c, &admin).is_empty());
    let purges = wait_for("the purge audit record", Duration::from_secs(10), || {
        let r = audit_records(&c, &admin, "support.purge");
        (!r.is_empty()).then_some(r)
    });
    assert_eq!(purges[0]["actor"], "system");
    let target = purges[0]["target"].as_str().unwrap();
    assert!(target.contains("bundles=1"), "{target}");
    assert!(target.contains("files=2"), "{target}");
    let files: i64 = c
        .db()
        .query_row("SELECT count(*) FROM support_files", [], |r| r.get(0))
        .unwrap();
    assert_eq!(files, 0);
    c.proc_mut().terminate();
    run_ok(
        Command::new(bin("vigil-server"))
            .args(["audit", "verify", "--data-dir"])
            .arg(&c.data),
    );
}
