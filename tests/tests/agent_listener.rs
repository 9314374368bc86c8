//! The agent listener from outside, over real mTLS: enrollment, ingest,
//! deduplication, and every refusal the pipeline promises.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::time::Duration;

use vigil_shared::wire::{
    Batch, BatchId, EnrollRequest, EnrollResponse, HostInfo, MetricsSnapshot, Record, Sample,
    BATCH_CONTENT_TYPE, PATH_ENROLL, PATH_INGEST, PROTOCOL_VERSION,
};
use vigil_tests::{wait_for, Collector, STORED_SAMPLES};

fn csr() -> (rcgen::KeyPair, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let csr = rcgen::CertificateParams::default()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap();
    (key, csr)
}

fn enroll_request(token: &str, csr_pem: String) -> EnrollRequest {
    EnrollRequest {
        version: PROTOCOL_VERSION,
        token: token.into(),
        csr_pem,
        host: HostInfo {
            hostname: "test-host".into(),
            os: "linux".into(),
            kernel: "6".into(),
            agent_version: "test".into(),
        },
    }
}

/// Enrolls over HTTP; returns the response and the identity PEM.
fn enroll(c: &Collector, token: &str) -> (EnrollResponse, Vec<u8>) {
    let (key, csr) = csr();
    let resp = c
        .client()
        .post(format!("{}{PATH_ENROLL}", c.agent_url()))
        .json(&enroll_request(token, csr))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text());
    let er: EnrollResponse = resp.json().unwrap();
    let identity = format!("{}{}", key.serialize_pem(), er.cert_pem).into_bytes();
    (er, identity)
}

fn batch(epoch: u64, seq: u64, ts: i64) -> Batch {
    Batch {
        version: PROTOCOL_VERSION,
        id: BatchId { epoch, seq },
        host: HostInfo {
            hostname: "test-host".into(),
            os: "linux".into(),
            kernel: "6".into(),
            agent_version: "test".into(),
        },
        records: vec![Record::Metrics(MetricsSnapshot {
            ts_ms: ts,
            samples: vec![
                Sample {
                    name: "cpu_usage_percent".into(),
                    labels: BTreeMap::from([("cpu".into(), "total".into())]),
                    value: 12.5,
                },
                Sample {
                    name: "memory_used_bytes".into(),
                    labels: BTreeMap::new(),
                    value: 1e9,
                },
            ],
        })],
        gaps: vec![],
    }
}

fn post_ingest(client: &reqwest::blocking::Client, c: &Collector, body: Vec<u8>) -> (u16, String) {
    let resp = client
        .post(format!("{}{PATH_INGEST}", c.agent_url()))
        .header("content-type", BATCH_CONTENT_TYPE)
        .body(body)
        .send()
        .unwrap();
    (resp.status().as_u16(), resp.text().unwrap_or_default())
}

fn sample_count(c: &Collector) -> i64 {
    c.db()
        .query_row(&format!("SELECT count(*) FROM {STORED_SAMPLES}"), [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn ingest_dedup_and_refusals() {
    let mut c = Collector::init();
    c.start();
    let token = c.token_create("15m");
    let (er, identity) = enroll(&c, &token);
    let agent = c.client_with_identity(&identity);

    // A batch is stored once; the same id again is acknowledged, not stored.
    let body = batch(7, 1, 1_700_000_000_000).encode().unwrap();
    let (s, ack) = post_ingest(&agent, &c, body.clone());
    assert_eq!(s, 200, "{ack}");
    assert!(ack.contains("\"committed\""), "{ack}");
    assert_eq!(sample_count(&c), 2);
    let (s, ack) = post_ingest(&agent, &c, body);
    assert_eq!(s, 200);
    assert!(ack.contains("\"duplicate\""), "{ack}");
    assert_eq!(sample_count(&c), 2);
    // A new epoch with the same sequence is new data.
    let (s, _) = post_ingest(&agent, &c, batch(8, 1, 1_700_000_001_000).encode().unwrap());
    assert_eq!(s, 200);
    assert_eq!(sample_count(&c), 4);

    // Garbage, truncated, unknown version, oversized: 4xx and nothing stored.
    let (s, msg) = post_ingest(&agent, &c, b"not zstd at all".to_vec());
    assert_eq!(s, 400, "{msg}");
    assert!(msg.contains("malformed"), "{msg}");
    let mut truncated = batch(9, 1, 1).encode().unwrap();
    truncated.truncate(truncated.len() / 2);
    assert_eq!(post_ingest(&agent, &c, truncated).0, 400);
    let mut future = batch(9, 2, 1);
    future.version = 99;
    let (s, msg) = post_ingest(&agent, &c, future.encode().unwrap());
    assert_eq!(s, 400);
    assert!(msg.contains("unsupported_version"), "{msg}");
    let (s, _) = post_ingest(&agent, &c, vec![0u8; 9 * 1024 * 1024]);
    assert_eq!(s, 413);
    let resp = agent
        .post(format!("{}{PATH_INGEST}", c.agent_url()))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 415);
    assert_eq!(sample_count(&c), 4);

    // No client certificate: 401.
    let (s, msg) = post_ingest(&c.client(), &c, batch(1, 1, 1).encode().unwrap());
    assert_eq!(s, 401, "{msg}");
    assert!(msg.contains("no_client_cert"));

    // A certificate from another CA does not get through the handshake.
    let other_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(vec![er.agent_id.to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, er.agent_id.as_str());
    let self_signed = params.self_signed(&other_key).unwrap();
    let foreign = c.client_with_identity(
        format!("{}{}", other_key.serialize_pem(), self_signed.pem()).as_bytes(),
    );
    let refused = foreign
        .post(format!("{}{PATH_INGEST}", c.agent_url()))
        .header("content-type", BATCH_CONTENT_TYPE)
        .body(batch(1, 1, 1).encode().unwrap())
        .send();
    assert!(
        refused.is_err() || refused.as_ref().is_ok_and(|r| r.status() == 401),
        "a foreign certificate was accepted: {refused:?}"
    );

    // Revocation: the agent's next request is refused.
    let admin = c.admin_token();
    let resp = c
        .client()
        .delete(format!("{}/v1/agents/{}", c.admin_url(), er.agent_id))
        .bearer_auth(&admin)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (s, msg) = post_ingest(&agent, &c, batch(10, 1, 2).encode().unwrap());
    assert_eq!(s, 403, "{msg}");
    assert!(msg.contains("revoked"));
    assert_eq!(sample_count(&c), 4);

    // Refusals are in the audit report.
    let (_, audit) = c.get(&admin, "/v1/audit?outcome=denied");
    let actions: Vec<&str> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(actions.contains(&"agent.ingest"), "{actions:?}");

    // The collector's counters saw all of it.
    let metrics = c
        .client()
        .get(format!("{}/metrics", c.admin_url()))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(metrics.contains("vigil_ingest_batches_total{status=\"duplicate\"} 1"));
    assert!(metrics.contains("vigil_ingest_samples_total 4"));
    assert!(metrics.contains("vigil_ingest_rejects_total{reason=\"too_large\"} 1"));
}

#[test]
fn enrollment_tokens_are_single_use_and_expire() {
    let mut c = Collector::init();
    c.start();
    let post = |token: &str, csr_pem: String| {
        let resp = c
            .client()
            .post(format!("{}{PATH_ENROLL}", c.agent_url()))
            .json(&enroll_request(token, csr_pem))
            .send()
            .unwrap();
        (resp.status().as_u16(), resp.text().unwrap())
    };
    let token = c.token_create("15m");
    assert_eq!(post(&token, csr().1).0, 200);
    let (s, msg) = post(&token, csr().1);
    assert_eq!(s, 401, "reused token: {msg}");
    assert!(msg.contains("invalid_token"));
    assert_eq!(post("vge_unknown", csr().1).0, 401);

    let short = c.token_create("1s");
    let start = std::time::Instant::now();
    wait_for("the 1s token to expire", Duration::from_secs(5), || {
        (start.elapsed() > Duration::from_millis(1100)).then_some(())
    });
    assert_eq!(post(&short, csr().1).0, 401, "expired token accepted");

    // A bad CSR is a 400 and does not use up the token.
    let fresh = c.token_create("15m");
    let (s, msg) = post(&fresh, "-----BEGIN CERTIFICATE REQUEST-----\nxx\n".into());
    assert_eq!(s, 400, "{msg}");
    assert_eq!(post(&fresh, csr().1).0, 200);

    // Malformed JSON and unknown fields are 400s.
    let resp = c
        .client()
        .post(format!("{}{PATH_ENROLL}", c.agent_url()))
        .body("{\"token\": 1}")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 400);

    // Every refusal is audited.
    let admin = c.admin_token();
    let (_, audit) = c.get(&admin, "/v1/audit?action=agent.enroll&outcome=denied");
    assert!(audit["records"].as_array().unwrap().len() >= 3, "{audit}");
}

#[test]
fn admin_listener_speaks_only_tls_and_checks_passwords() {
    let mut c = Collector::init();
    c.start();
    assert!(c.login("admin", "wrong-password-here").is_none());
    let resp = c
        .client()
        .post(format!("{}/v1/auth/login", c.admin_url()))
        .json(&serde_json::json!({"username": "admin", "password": "nope"}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 401);
    let plain = reqwest::blocking::Client::new()
        .get(format!("http://{}/healthz", c.admin_addr.unwrap()))
        .timeout(Duration::from_secs(5))
        .send();
    assert!(
        plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()),
        "plaintext HTTP was served"
    );
    let (s, _) = c.get("bogus", "/v1/hosts");
    assert_eq!(s, 401);
    let token = c.admin_token();
    let (s, hosts) = c.get(&token, "/v1/hosts");
    assert_eq!(s, 200);
    assert_eq!(hosts, serde_json::json!([]));

    // A known path with the wrong method is refused and still audited.
    let resp = c
        .client()
        .delete(format!("{}/v1/hosts", c.admin_url()))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 405);
    let (_, audit) = c.get(&token, "/v1/audit?action=method_not_allowed");
    assert_eq!(audit["records"].as_array().unwrap().len(), 1, "{audit}");
}
