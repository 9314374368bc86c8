//! Shared helpers: a real temp data dir, the admin router driven through
//! `oneshot` (with the `Peer` the TLS accept loop would attach), users and
//! tokens made directly in the store.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use vigil_server::auth::password::{self, Argon2Cost};
use vigil_server::auth::token;
use vigil_server::config::ServerConfig;
use vigil_server::datadir::{self, DataDir};
use vigil_server::http::serve::Peer;
use vigil_server::state::AppState;
use vigil_server::store::{self, users::TokenKind};

pub const FAST: Argon2Cost = Argon2Cost {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};
pub const ADMIN_PW: &str = "admin-password-long-enough";
pub const PW: &str = "Long-Enough-Pass-42!";

pub struct Env {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub state: AppState,
    pub app: Router,
}

pub fn config() -> ServerConfig {
    let mut c = ServerConfig::default();
    c.auth.argon2 = FAST;
    c
}

pub fn init_dir(root: &Path) -> PathBuf {
    let dir = root.join("data");
    datadir::init(
        &DataDir::new(&dir),
        &datadir::InitOptions {
            admin_user: "admin",
            admin_password: Some(ADMIN_PW.into()),
            sans: &["localhost".into()],
            argon2: FAST,
        },
    )
    .unwrap();
    dir
}

pub fn env_with(config: ServerConfig) -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init_dir(tmp.path());
    let state = vigil_server::build_state(&dir, config).unwrap();
    let app = vigil_server::http::admin::app(state.clone());
    Env {
        tmp,
        dir,
        state,
        app,
    }
}

pub fn env() -> Env {
    env_with(config())
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

impl Env {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let mut req = b.body(body).unwrap();
        req.extensions_mut()
            .insert(Peer::new("192.0.2.7:40000".parse().unwrap(), None));
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply { status, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Reply {
        self.call(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(serde_json::json!({"username": username, "password": password})),
        )
        .await
    }

    pub async fn admin_token(&self) -> String {
        let r = self.login("admin", ADMIN_PW).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// A user made directly in the store (no audit record, no two-person rule).
    pub async fn user(&self, name: &str, role: &str) -> i64 {
        let hash = password::hash(PW, FAST).unwrap();
        let (name, role) = (name.to_owned(), role.to_owned());
        self.state
            .store
            .write(move |tx, _| store::users::insert_user(tx, &name, &hash, &role))
            .await
            .unwrap()
    }

    /// A session token for `user`, expiring at `expires_ms`.
    pub async fn session_until(&self, user: i64, expires_ms: i64) -> String {
        let tok = token::generate("vgs_");
        let th = token::hash(&tok);
        self.state
            .store
            .write(move |tx, _| {
                store::users::insert_token(tx, &th, user, TokenKind::Session, None, expires_ms)
            })
            .await
            .unwrap();
        tok
    }

    pub async fn session(&self, user: i64) -> String {
        self.session_until(user, store::now_ms() + 3_600_000).await
    }

    /// A direct connection to the database and audit files, laid out as
    /// the collector's own (test-side SQL).
    pub fn db(&self) -> rusqlite::Connection {
        store::open_existing(&DataDir::new(&self.dir).db()).unwrap()
    }

    pub fn audit_head(&self) -> i64 {
        self.db()
            .query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))
            .unwrap()
    }

    /// Adds an enrolled host (and one config change on it) directly.
    pub fn host(&self, id: &str) {
        let db = self.db();
        db.execute(
            "INSERT INTO agents (id, hostname, enrolled_ms, cert_not_after_ms) VALUES (?1, ?1, 1, 9999999999999)",
            [id],
        )
        .unwrap();
        db.execute(
            "INSERT INTO file_changes (agent_id, ts_ms, received_ms, path, kind, detection)
             VALUES (?1, 5, 6, '/etc/hosts', 'modify', 'realtime')",
            [id],
        )
        .unwrap();
    }
}
