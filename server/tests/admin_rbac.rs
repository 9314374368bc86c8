//! Least privilege: the permission matrix (every route × every role, plus
//! anonymous and an expired token) generated from the same route table
//! that builds the router; host-group scoping on every host-scoped route;
//! users, API tokens, the two-person rule and lockout.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::*;
use vigil_server::auth::{decide, Decision, Permission, Role};
use vigil_server::http::admin::routes;
use vigil_server::store::now_ms;

const HOST_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const HOST_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const NO_HOST: &str = "cccccccccccccccccccccccccccccccc";

/// A concrete path for a route pattern; `host` fills a host parameter.
fn concrete(path: &str, host: &str) -> String {
    let p = if path.starts_with("/v1/hosts/") {
        path.replace("{id}", host)
    } else {
        path.replace("{id}", "999999")
            .replace("{host}", NO_HOST)
            .replace("{user}", "999999")
    };
    if p.ends_with("/metrics") && p.starts_with("/v1/hosts/") {
        format!("{p}?name=cpu")
    } else {
        p
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_matrix_covers_every_route_and_role() {
    let env = env();
    env.host(HOST_A);
    let mut users = Vec::new();
    for role in Role::ALL {
        let id = env.user(&format!("u_{role}"), role.as_str()).await;
        users.push((role, id));
    }
    let expired_user = users[0].1;
    let table = routes();
    assert!(table.len() >= 30, "route table shrank: {}", table.len());
    for r in &table {
        let path = concrete(r.path, HOST_A);
        let audited = !matches!(r.action, "health" | "metrics");
        // Anonymous and an expired token.
        let expired = env.session_until(expired_user, now_ms() - 1).await;
        for (who, tok) in [("anonymous", None), ("expired", Some(expired.as_str()))] {
            let before = env.audit_head();
            let reply = env.call(r.method.clone(), &path, tok, None).await;
            if r.permission == Permission::Public {
                assert!(
                    !matches!(reply.status.as_u16(), 401 | 403) || r.path == "/v1/auth/login",
                    "{who} {} {}: {}",
                    r.method,
                    r.path,
                    reply.status
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "{who} {} {}",
                    r.method,
                    r.path
                );
            }
            let after = env.audit_head();
            assert_eq!(
                after - before,
                i64::from(audited),
                "{who} {} {} audit records",
                r.method,
                r.path
            );
        }
        for (role, user) in &users {
            // A fresh session each time: logout revokes the one it is given.
            let tok = env.session(*user).await;
            let before = env.audit_head();
            let reply = env.call(r.method.clone(), &path, Some(&tok), None).await;
            let status = reply.status.as_u16();
            match decide(*role, r.permission) {
                Decision::Allow => assert!(
                    !matches!(status, 401 | 403),
                    "{role} may {} {} but got {status}: {}",
                    r.method,
                    r.path,
                    String::from_utf8_lossy(&reply.body)
                ),
                Decision::Deny => {
                    assert_eq!(status, 403, "{role} must not {} {}", r.method, r.path)
                }
            }
            let after = env.audit_head();
            assert_eq!(
                after - before,
                i64::from(audited),
                "{role} {} {} audit records",
                r.method,
                r.path
            );
        }
    }
    // A path that is in no route is 404 — and still audited.
    let before = env.audit_head();
    let tok = env.session(users[0].1).await;
    assert_eq!(env.get("/v1/nothing-here", &tok).await.status, 404);
    assert_eq!(env.audit_head() - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_group_scope_hides_other_hosts_on_every_host_scoped_route() {
    let env = env();
    env.host(HOST_A);
    env.host(HOST_B);
    let admin = env.admin_token().await;
    let scoped = env.user("op_finance", "operator").await;
    let unscoped = env.user("op_all", "operator").await;
    let g = env
        .call(
            Method::POST,
            "/v1/host-groups",
            Some(&admin),
            Some(json!({"name": "finance"})),
        )
        .await;
    assert_eq!(g.status, 201);
    let gid = g.json()["id"].as_i64().unwrap();
    let put = |p: String| {
        let env = &env;
        let admin = admin.clone();
        async move { env.call(Method::PUT, &p, Some(&admin), None).await.status }
    };
    assert_eq!(
        put(format!("/v1/host-groups/{gid}/hosts/{HOST_A}")).await,
        204
    );
    assert_eq!(
        put(format!("/v1/host-groups/{gid}/users/{scoped}")).await,
        204
    );
    assert_eq!(
        put(format!("/v1/host-groups/{gid}/hosts/{NO_HOST}")).await,
        404
    );
    let groups = env.get("/v1/host-groups", &admin).await.json();
    assert_eq!(groups[0]["hosts"], json!([HOST_A]));
    assert_eq!(groups[0]["users"], json!([scoped]));

    let op = env.session(scoped).await;
    let all = env.session(unscoped).await;
    let scoped_routes: Vec<_> = routes()
        .into_iter()
        .filter(|r| r.host_param.is_some())
        .collect();
    assert!(scoped_routes.len() >= 4);
    for r in &scoped_routes {
        let inside = env.get(&concrete(r.path, HOST_A), &op).await;
        assert_eq!(inside.status, 200, "{} in scope", r.path);
        let outside = env.get(&concrete(r.path, HOST_B), &op).await;
        let missing = env.get(&concrete(r.path, NO_HOST), &op).await;
        assert_eq!(outside.status, 404, "{} out of scope", r.path);
        // Out of scope looks exactly like a host that does not exist.
        assert_eq!(outside.body, missing.body, "{}", r.path);
        assert_eq!(
            env.get(&concrete(r.path, HOST_B), &all).await.status,
            200,
            "{} unscoped",
            r.path
        );
    }
    // Every route under /v1/hosts/{id} is host-scoped.
    for r in routes() {
        if r.path.starts_with("/v1/hosts/{id}") {
            assert_eq!(r.host_param, Some("id"), "{} is not host-scoped", r.path);
        }
    }
    // Lists are filtered.
    let hosts = env.get("/v1/hosts", &op).await.json();
    let ids: Vec<_> = hosts
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(HOST_A)]);
    assert_eq!(
        env.get("/v1/hosts", &all)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let changes = env.get("/v1/changes", &op).await.json();
    let hosts_seen: Vec<_> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["host_id"].clone())
        .collect();
    assert_eq!(hosts_seen, vec![json!(HOST_A)]);
    assert_eq!(
        env.get(&format!("/v1/changes?host={HOST_B}"), &op)
            .await
            .status,
        404
    );
    assert_eq!(
        env.get("/v1/changes", &all).await.json()["changes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The denial is in the audit report.
    let denied: i64 = env
        .db()
        .query_row(
            "SELECT count(*) FROM audit WHERE actor = ?1 AND outcome = 'denied'",
            [format!("user:{scoped}")],
            |r| r.get(0),
        )
        .unwrap();
    assert!(denied >= scoped_routes.len() as i64 * 2);
    // Leaving the group restores the full view.
    let del = env
        .call(
            Method::DELETE,
            &format!("/v1/host-groups/{gid}/users/{scoped}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(del.status, 204);
    assert_eq!(
        env.get(&format!("/v1/hosts/{HOST_B}"), &op).await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_crud_last_admin_and_revocation() {
    let env = env();
    let admin = env.admin_token().await;
    let me = env.get("/v1/auth/me", &admin).await.json();
    let admin_id = me["user_id"].as_i64().unwrap();
    let mk = env
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": "op", "password": PW, "role": "operator"})),
        )
        .await;
    assert_eq!(mk.status, 201);
    let op_id = mk.json()["id"].as_i64().unwrap();
    let weak = env
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": "weak", "password": "short", "role": "operator"})),
        )
        .await;
    assert_eq!(
        (weak.status.as_u16(), weak.code().as_str()),
        (400, "weak_password")
    );
    let bad_role = env
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": "x", "password": PW, "role": "root"})),
        )
        .await;
    assert_eq!(bad_role.status, 400);
    let dup = env
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": "op", "password": PW, "role": "operator"})),
        )
        .await;
    assert_eq!(dup.status, 409);

    // The last admin can be neither demoted, disabled nor deleted.
    let path = format!("/v1/users/{admin_id}");
    for body in [json!({"role": "operator"}), json!({"disabled": true})] {
        let r = env
            .call(Method::PATCH, &path, Some(&admin), Some(body))
            .await;
        assert_eq!(r.status, 409);
    }
    assert_eq!(
        env.call(Method::DELETE, &path, Some(&admin), None)
            .await
            .status,
        409
    );

    // Disabling revokes the user's tokens; enabling does not bring them back.
    let op_tok = env.login("op", PW).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(env.get("/v1/auth/me", &op_tok).await.status, 200);
    let op_path = format!("/v1/users/{op_id}");
    let r = env
        .call(
            Method::PATCH,
            &op_path,
            Some(&admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(env.get("/v1/auth/me", &op_tok).await.status, 401);
    assert_eq!(env.login("op", PW).await.status, 401);
    let r = env
        .call(
            Method::PATCH,
            &op_path,
            Some(&admin),
            Some(json!({"disabled": false, "role": "support"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["user"]["role"], "support");
    assert_eq!(env.get("/v1/auth/me", &op_tok).await.status, 401);
    let op_tok = env.login("op", PW).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.get("/v1/auth/me", &op_tok).await.json()["role"],
        "support"
    );

    // Deleting revokes too, frees the name, and the id is never reused.
    assert_eq!(
        env.call(Method::DELETE, &op_path, Some(&admin), None)
            .await
            .status,
        204
    );
    assert_eq!(env.get("/v1/auth/me", &op_tok).await.status, 401);
    assert_eq!(env.get(&op_path, &admin).await.status, 404);
    let list = env.get("/v1/users", &admin).await.json();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["username"] != "op"));
    let again = env
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": "op", "password": PW, "role": "operator"})),
        )
        .await;
    assert_eq!(again.status, 201);
    assert!(again.json()["id"].as_i64().unwrap() > op_id);
    // No password in clear anywhere in the data directory.
    for entry in std::fs::read_dir(&env.dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(PW.len()).any(|w| w == PW.as_bytes()),
                "{}",
                p.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_person_rule_for_admin_and_privacy_officer_grants() {
    let env = env();
    let admin = env.admin_token().await;
    // With one admin, a grant is immediate (the rule needs two admins).
    let a2 = env
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": "admin2", "password": PW, "role": "admin"})),
        )
        .await;
    assert_eq!(a2.status, 201);
    let admin2 = env.login("admin2", PW).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Now two admins: a new privacy officer waits for a second admin.
    let dpo = env
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"username": "dpo", "password": PW, "role": "privacy_officer"})),
        )
        .await;
    assert_eq!(dpo.status, 202, "{}", String::from_utf8_lossy(&dpo.body));
    let rid = dpo.json()["pending_request"].as_i64().unwrap();
    let dpo_id = dpo.json()["id"].as_i64().unwrap();
    assert_eq!(env.login("dpo", PW).await.status, 401);
    // Enabling by hand cannot bypass the approval.
    let bypass = env
        .call(
            Method::PATCH,
            &format!("/v1/users/{dpo_id}"),
            Some(&admin),
            Some(json!({"disabled": false})),
        )
        .await;
    assert_eq!(bypass.status, 409);
    let approve = format!("/v1/role-requests/{rid}/approve");
    assert_eq!(
        env.call(Method::POST, &approve, Some(&admin), None)
            .await
            .status,
        409
    );
    let ok = env.call(Method::POST, &approve, Some(&admin2), None).await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(ok.json()["status"], "approved");
    assert_eq!(env.login("dpo", PW).await.status, 200);
    assert_eq!(
        env.call(Method::POST, &approve, Some(&admin2), None)
            .await
            .status,
        409
    );

    // A role change to admin: pending, unchanged until approved.
    let op = env.user("op", "operator").await;
    let r = env
        .call(
            Method::PATCH,
            &format!("/v1/users/{op}"),
            Some(&admin2),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.json()["user"]["role"], "operator");
    let rid = r.json()["pending_request"].as_i64().unwrap();
    let reqs = env.get("/v1/role-requests", &admin).await.json();
    assert!(reqs
        .as_array()
        .unwrap()
        .iter()
        .any(|q| q["id"] == rid && q["status"] == "pending"));
    let ok = env
        .call(
            Method::POST,
            &format!("/v1/role-requests/{rid}/approve"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(
        env.get(&format!("/v1/users/{op}"), &admin).await.json()["role"],
        "admin"
    );
    // Rejection leaves the role as it was; both decisions are audited.
    let r = env
        .call(
            Method::PATCH,
            &format!("/v1/users/{op}"),
            Some(&admin),
            Some(json!({"role": "privacy_officer"})),
        )
        .await;
    let rid = r.json()["pending_request"].as_i64().unwrap();
    let rej = env
        .call(
            Method::POST,
            &format!("/v1/role-requests/{rid}/reject"),
            Some(&admin2),
            None,
        )
        .await;
    assert_eq!(rej.json()["status"], "rejected");
    assert_eq!(
        env.get(&format!("/v1/users/{op}"), &admin).await.json()["role"],
        "admin"
    );
    let n: i64 = env
        .db()
        .query_row(
            "SELECT count(*) FROM audit WHERE action IN ('role_requests.approve', 'role_requests.reject') AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_are_shown_once_expire_and_revoke() {
    let env = env();
    let admin = env.admin_token().await;
    let op = env.user("op", "operator").await;
    let op_sess = env.session(op).await;
    let made = env
        .call(
            Method::POST,
            "/v1/api-tokens",
            Some(&op_sess),
            Some(json!({"name": "ci", "ttl": "30d"})),
        )
        .await;
    assert_eq!(made.status, 201);
    let api = made.json()["token"].as_str().unwrap().to_owned();
    let id = made.json()["id"].as_str().unwrap().to_owned();
    assert!(api.starts_with("vga_"));
    assert_eq!(env.get("/v1/hosts", &api).await.status, 200);
    assert_eq!(env.get("/v1/audit", &api).await.status, 403);
    // Listed without the secret; operators see only their own.
    let listed = env.get("/v1/api-tokens", &op_sess).await;
    assert!(!String::from_utf8_lossy(&listed.body).contains(&api));
    assert_eq!(listed.json()[0]["id"], id.as_str());
    let admin_tok = env
        .call(
            Method::POST,
            "/v1/api-tokens",
            Some(&admin),
            Some(json!({"name": "backup"})),
        )
        .await
        .json();
    let admin_tok_id = admin_tok["id"].as_str().unwrap();
    assert_eq!(
        env.get("/v1/api-tokens", &op_sess)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        env.get("/v1/api-tokens", &admin)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = env
        .call(
            Method::DELETE,
            &format!("/v1/api-tokens/{admin_tok_id}"),
            Some(&op_sess),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    // Revocation.
    let r = env
        .call(
            Method::DELETE,
            &format!("/v1/api-tokens/{id}"),
            Some(&op_sess),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(env.get("/v1/hosts", &api).await.status, 401);
    let bad = env
        .call(
            Method::POST,
            "/v1/api-tokens",
            Some(&op_sess),
            Some(json!({"name": "x", "ttl": "900d"})),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brute_force_locks_the_account_and_cli_unlock_clears_it() {
    let mut config = config();
    config.auth.max_failed_logins = 3;
    let env = env_with(config);
    let uid = env.user("op", "operator").await;
    for i in 0..3 {
        let r = env.login("op", "wrong password here").await;
        assert_eq!(r.status, 401, "attempt {i}");
        assert_eq!(r.code(), "unauthorized", "attempt {i}");
    }
    // Locked now: even the right password is refused.
    let r = env.login("op", PW).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (401, "locked"));
    let db = env.db();
    let count = |sql: &str| -> i64 {
        db.query_row(sql, [format!("user:{uid}")], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        count("SELECT count(*) FROM audit WHERE action = 'auth.login' AND outcome = 'denied' AND target = ?1"),
        4
    );
    assert_eq!(
        count("SELECT count(*) FROM audit WHERE action = 'auth.lockout' AND target = ?1"),
        1
    );
    vigil_server::cli::user_unlock(&env.dir, "op").unwrap();
    assert_eq!(env.login("op", PW).await.status, 200);
    assert_eq!(
        count("SELECT count(*) FROM audit WHERE action = 'users.unlock' AND actor = 'cli' AND target = ?1"),
        1
    );
    assert!(vigil_server::cli::user_unlock(&env.dir, "nobody").is_err());
}
