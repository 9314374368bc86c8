//! The admin API. The router is built only from [`routes`], a table in
//! which every route names its permission and audit action, so a route
//! without a declared permission cannot exist; one layer ([`authorize`])
//! authenticates, decides, and audits.

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use vigil_shared::wire::AgentId;

mod groups;
mod tokens;
mod users;

use super::error::{ApiError, ApiQuery};
use super::serve::Peer;
use crate::audit::{AuditEntry, Outcome, Source};
use crate::auth::{decide, password, token, Decision, HostScope, Permission, Role};
use crate::state::AppState;
use crate::store::{self, now_ms, users::TokenKind};

/// One admin route: where, what it needs, what the audit report calls it.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub permission: Permission,
    pub action: &'static str,
    /// The path parameter that names a host, for routes under a host: the
    /// caller's host-group scope is applied to it before the handler runs
    /// (out of scope is 404, as if the host did not exist).
    pub host_param: Option<&'static str>,
    handler: MethodRouter<AppState>,
}

impl RouteSpec {
    fn host_scoped(mut self, param: &'static str) -> Self {
        self.host_param = Some(param);
        self
    }
}

fn spec(
    method: Method,
    path: &'static str,
    permission: Permission,
    action: &'static str,
    handler: MethodRouter<AppState>,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        permission,
        action,
        host_param: None,
        handler,
    }
}

/// The route table.
pub fn routes() -> Vec<RouteSpec> {
    use Permission::*;
    vec![
        spec(Method::GET, "/healthz", Public, "health", get(healthz)),
        spec(Method::GET, "/metrics", Public, "metrics", get(metrics)),
        spec(
            Method::POST,
            "/v1/auth/login",
            Public,
            "auth.login",
            post(login),
        ),
        spec(
            Method::POST,
            "/v1/auth/logout",
            SignedIn,
            "auth.logout",
            post(logout),
        ),
        spec(Method::GET, "/v1/auth/me", SignedIn, "auth.me", get(me)),
        spec(
            Method::GET,
            "/v1/hosts",
            HostsRead,
            "hosts.list",
            get(hosts),
        ),
        spec(
            Method::GET,
            "/v1/hosts/{id}",
            HostsRead,
            "hosts.get",
            get(host),
        )
        .host_scoped("id"),
        spec(
            Method::GET,
            "/v1/hosts/{id}/series",
            HostsRead,
            "hosts.series",
            get(series),
        )
        .host_scoped("id"),
        spec(
            Method::GET,
            "/v1/hosts/{id}/metrics",
            HostsRead,
            "hosts.metrics",
            get(host_metrics),
        )
        .host_scoped("id"),
        spec(
            Method::GET,
            "/v1/hosts/{id}/changes",
            ChangesRead,
            "changes.list",
            get(host_changes),
        )
        .host_scoped("id"),
        spec(
            Method::GET,
            "/v1/changes",
            ChangesRead,
            "changes.list",
            get(changes),
        ),
        spec(
            Method::GET,
            "/v1/agents",
            AgentsManage,
            "agents.list",
            get(agents),
        ),
        spec(
            Method::DELETE,
            "/v1/agents/{id}",
            AgentsManage,
            "agents.revoke",
            delete(revoke_agent),
        ),
        spec(
            Method::POST,
            "/v1/enrollment-tokens",
            AgentsManage,
            "enrollment_tokens.create",
            post(create_enrollment_token),
        ),
        spec(
            Method::GET,
            "/v1/users",
            UsersRead,
            "users.list",
            get(users::list),
        ),
        spec(
            Method::POST,
            "/v1/users",
            UsersManage,
            "users.create",
            post(users::create),
        ),
        spec(
            Method::GET,
            "/v1/users/{id}",
            UsersRead,
            "users.get",
            get(users::get_one),
        ),
        spec(
            Method::PATCH,
            "/v1/users/{id}",
            UsersManage,
            "users.update",
            patch(users::update),
        ),
        spec(
            Method::DELETE,
            "/v1/users/{id}",
            UsersManage,
            "users.delete",
            delete(users::remove),
        ),
        spec(
            Method::GET,
            "/v1/role-requests",
            UsersRead,
            "role_requests.list",
            get(users::role_requests),
        ),
        spec(
            Method::POST,
            "/v1/role-requests/{id}/approve",
            UsersManage,
            "role_requests.approve",
            post(users::approve),
        ),
        spec(
            Method::POST,
            "/v1/role-requests/{id}/reject",
            UsersManage,
            "role_requests.reject",
            post(users::reject),
        ),
        spec(
            Method::POST,
            "/v1/api-tokens",
            SignedIn,
            "api_tokens.create",
            post(tokens::create),
        ),
        spec(
            Method::GET,
            "/v1/api-tokens",
            SignedIn,
            "api_tokens.list",
            get(tokens::list),
        ),
        spec(
            Method::DELETE,
            "/v1/api-tokens/{id}",
            SignedIn,
            "api_tokens.revoke",
            delete(tokens::revoke),
        ),
        spec(
            Method::POST,
            "/v1/host-groups",
            HostGroupsManage,
            "host_groups.create",
            post(groups::create),
        ),
        spec(
            Method::GET,
            "/v1/host-groups",
            HostGroupsManage,
            "host_groups.list",
            get(groups::list),
        ),
        spec(
            Method::DELETE,
            "/v1/host-groups/{id}",
            HostGroupsManage,
            "host_groups.delete",
            delete(groups::remove),
        ),
        spec(
            Method::PUT,
            "/v1/host-groups/{id}/hosts/{host}",
            HostGroupsManage,
            "host_groups.add_host",
            put(groups::add_host),
        ),
        spec(
            Method::DELETE,
            "/v1/host-groups/{id}/hosts/{host}",
            HostGroupsManage,
            "host_groups.remove_host",
            delete(groups::remove_host),
        ),
        spec(
            Method::PUT,
            "/v1/host-groups/{id}/users/{user}",
            HostGroupsManage,
            "host_groups.add_user",
            put(groups::add_user),
        ),
        spec(
            Method::DELETE,
            "/v1/host-groups/{id}/users/{user}",
            HostGroupsManage,
            "host_groups.remove_user",
            delete(groups::remove_user),
        ),
        spec(
            Method::GET,
            "/v1/audit",
            AuditRead,
            "audit.read",
            get(audit),
        ),
        spec(
            Method::GET,
            "/v1/audit/verify",
            AuditRead,
            "audit.verify",
            get(audit_verify),
        ),
        spec(
            Method::GET,
            "/v1/support/uploads",
            SupportRead,
            "support.list",
            get(super::support::list),
        ),
        spec(
            Method::GET,
            "/v1/support/uploads/{id}",
            SupportRead,
            "support.get",
            get(super::support::get_one),
        ),
        spec(
            Method::GET,
            "/v1/support/uploads/{id}/files/{n}",
            SupportRead,
            "support.file",
            get(super::support::file),
        ),
        spec(
            Method::GET,
            "/v1/support/uploads/{id}/files/{n}/raw",
            SupportRawRead,
            "support.raw_file",
            get(super::support::raw_file),
        ),
        spec(
            Method::POST,
            "/v1/support/uploads/{id}/release",
            SupportManage,
            "support.release",
            post(super::support::release),
        ),
        spec(
            Method::POST,
            "/v1/support/uploads/{id}/grants",
            SupportManage,
            "support.grant",
            post(super::support::grant),
        ),
    ]
}

/// Builds the admin router from the route table.
pub fn app(state: AppState) -> Router {
    let mut router: Router<AppState> = Router::new();
    for r in routes() {
        let guard = Guard {
            permission: r.permission,
            action: r.action,
            host_param: r.host_param,
        };
        let layer = middleware::from_fn_with_state((state.clone(), guard), authorize);
        router = router.route(r.path, r.handler.route_layer(layer));
    }
    router
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// What [`authorize`] enforces for one route.
#[derive(Clone, Copy)]
struct Guard {
    permission: Permission,
    action: &'static str,
    host_param: Option<&'static str>,
}

/// A request for no route is still an admin API request: audited, 404.
async fn unknown_route(State(state): State<AppState>, peer: Option<Extension<Peer>>) -> Response {
    unrouted(&state, peer, "unknown_route", ApiError::not_found()).await
}

/// A known path with a method it does not take: audited, 405.
async fn method_not_allowed(
    State(state): State<AppState>,
    peer: Option<Extension<Peer>>,
) -> Response {
    let refusal = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not take that method",
    );
    unrouted(&state, peer, "method_not_allowed", refusal).await
}

/// Audits a request that matched no route, then answers `refusal`.
async fn unrouted(
    state: &AppState,
    peer: Option<Extension<Peer>>,
    action: &'static str,
    refusal: ApiError,
) -> Response {
    let mut caller = Caller {
        user_id: None,
        role: None,
        token_hash: None,
        scope: HostScope::Only(Default::default()),
        request_id: new_request_id(),
        source: None,
        action,
    };
    if let Some(Extension(peer)) = peer {
        match peer.audit_source(&state.sealer) {
            Ok(s) => caller.source = Some(s),
            Err(error) => return ApiError::internal(error).into_response(),
        }
    }
    match state.audit.append(caller.entry("", Outcome::Error)).await {
        Ok(()) => refusal.into_response(),
        Err(error) => ApiError::internal(error).into_response(),
    }
}

/// The authenticated caller and this request's audit context.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: Option<i64>,
    pub role: Option<Role>,
    pub token_hash: Option<Vec<u8>>,
    /// The hosts this caller may see (resolved once, here, for every
    /// host-scoped route and list).
    pub scope: HostScope,
    pub request_id: String,
    /// The connection's address, sealed ([`Peer::audit_source`]).
    pub source: Option<Source>,
    pub action: &'static str,
}

impl Caller {
    pub fn actor(&self) -> String {
        self.user_id
            .map_or_else(|| "anonymous".to_owned(), |id| format!("user:{id}"))
    }

    pub fn entry(&self, target: impl Into<String>, outcome: Outcome) -> AuditEntry {
        AuditEntry {
            actor: self.actor(),
            role: self.role.map_or("none", Role::as_str),
            source: self.source.clone(),
            action: self.action,
            target: target.into(),
            outcome,
            request_id: self.request_id.clone(),
        }
    }
}

/// Marks a response whose audit record the handler wrote itself, in the
/// same transaction as its change.
#[derive(Clone, Copy)]
struct AuditedInHandler;

pub(super) fn audited(resp: impl IntoResponse) -> Response {
    let mut r = resp.into_response();
    r.extensions_mut().insert(AuditedInHandler);
    r
}

fn outcome_of(status: StatusCode) -> Outcome {
    match status.as_u16() {
        200..=399 => Outcome::Ok,
        401 | 403 => Outcome::Denied,
        _ => Outcome::Error,
    }
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A signed-in user, as the bearer token names them.
struct Authed {
    user_id: i64,
    role: Role,
    scope: HostScope,
}

/// Resolves a bearer token to the user, role and host scope, honouring
/// expiry, idle timeout, revocation and disabled users.
async fn authenticate(state: &AppState, token_hash: Vec<u8>) -> Result<Option<Authed>, ApiError> {
    let th = token_hash.clone();
    let found = state
        .store
        .read(move |c| {
            let Some(row) = store::users::token(c, &th)? else {
                return Ok(None);
            };
            let scope = store::groups::user_scope(c, row.user_id)?;
            Ok(Some((row, scope)))
        })
        .await?;
    let Some((row, scope)) = found else {
        return Ok(None);
    };
    let now = now_ms();
    let idle = state.config.auth.session_idle_timeout.as_millis() as i64;
    if row.revoked
        || row.user_disabled
        || row.expires_ms <= now
        || (row.kind == TokenKind::Session && row.last_used_ms + idle <= now)
    {
        return Ok(None);
    }
    let Ok(role) = row.role.parse::<Role>() else {
        return Ok(None);
    };
    if now - row.last_used_ms > 10_000 {
        state
            .store
            .write_with(store::Durability::Relaxed, move |tx, _| {
                store::users::touch_token(tx, &token_hash)
            })
            .await?;
    }
    Ok(Some(Authed {
        user_id: row.user_id,
        role,
        scope: scope.map_or(HostScope::All, HostScope::Only),
    }))
}

/// The value of path parameter `name`, if the matched route has one.
async fn path_param(req: Request, name: &str) -> (Request, Option<String>) {
    use axum::extract::{FromRequestParts, RawPathParams};
    let (mut parts, body) = req.into_parts();
    let value = RawPathParams::from_request_parts(&mut parts, &())
        .await
        .ok()
        .and_then(|p| {
            p.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
        });
    (Request::from_parts(parts, body), value)
}

/// The one place every admin request passes: authenticate, decide, apply
/// the host scope, and audit (fail closed: no audit record, no answer).
async fn authorize(
    State((state, guard)): State<(AppState, Guard)>,
    Extension(peer): Extension<Peer>,
    mut req: Request,
    next: Next,
) -> Response {
    let mut caller = Caller {
        user_id: None,
        role: None,
        token_hash: None,
        scope: HostScope::Only(Default::default()),
        request_id: new_request_id(),
        source: match peer.audit_source(&state.sealer) {
            Ok(s) => Some(s),
            Err(error) => return ApiError::internal(error).into_response(),
        },
        action: guard.action,
    };
    let unaudited = matches!(guard.action, "health" | "metrics");
    let target = req.uri().path().to_owned();
    if guard.permission != Permission::Public {
        let token_hash = bearer(&req).map(token::hash);
        let who = match token_hash.clone() {
            Some(h) => authenticate(&state, h).await,
            None => Ok(None),
        };
        let decision = match who {
            Err(e) => return e.into_response(),
            Ok(None) => Err(ApiError::unauthorized(
                "a valid bearer token is required (POST /v1/auth/login)",
            )),
            Ok(Some(a)) => {
                caller.user_id = Some(a.user_id);
                caller.role = Some(a.role);
                caller.scope = a.scope;
                caller.token_hash = token_hash;
                match decide(a.role, guard.permission) {
                    Decision::Allow => Ok(()),
                    Decision::Deny => Err(ApiError::forbidden()),
                }
            }
        };
        let decision = match (decision, guard.host_param) {
            (Ok(()), Some(name)) => {
                let (r, host) = path_param(req, name).await;
                req = r;
                match host {
                    Some(h) if caller.scope.allows(&h) => Ok(()),
                    // Out of scope looks exactly like a host that does not exist.
                    _ => Err(ApiError::not_found()),
                }
            }
            (d, _) => d,
        };
        if let Err(refusal) = decision {
            let e = caller.entry(target, Outcome::Denied);
            if let Err(error) = state.audit.append(e).await {
                return ApiError::internal(error).into_response();
            }
            return refusal.into_response();
        }
    }
    req.extensions_mut().insert(caller.clone());
    let mut resp = next.run(req).await;
    if !unaudited && resp.extensions().get::<AuditedInHandler>().is_none() {
        // Fail closed: without its audit record, the answer is not given.
        let e = caller.entry(target, outcome_of(resp.status()));
        if let Err(error) = state.audit.append(e).await {
            return ApiError::internal(error).into_response();
        }
    }
    if let Ok(v) = header::HeaderValue::from_str(&caller.request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Runs a change and its audit record (target from `f`, outcome ok) in
/// one transaction: if the record cannot be written, the change is rolled
/// back and the caller gets an error (fail closed). An `Err` from `f` rolls
/// back too; the layer then records the failure.
async fn audited_write<T, F>(state: &AppState, caller: &Caller, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Connection) -> Result<(T, String), store::StoreError> + Send + 'static,
{
    let keys = state.audit_keys.clone();
    let c = caller.clone();
    Ok(state
        .store
        .write(move |tx, cache| {
            let (value, target) = f(tx)?;
            let e = c.entry(target, Outcome::Ok);
            store::audit::append_tracked(tx, cache, &keys, &e)?;
            Ok(value)
        })
        .await?)
}

/// The `after` value for the next page: the last key of a full page, none
/// after the last page.
fn next_cursor<T>(page: &[T], limit: u32, key: impl Fn(&T) -> i64) -> Option<i64> {
    if page.len() == limit as usize {
        page.last().map(key)
    } else {
        None
    }
}

/// Parses a numeric id from a path; anything else is a resource that does
/// not exist.
fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.parse().map_err(|_| ApiError::not_found())
}

fn new_request_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Parses a JSON body with a clear 400 (axum's default rejection is text).
pub(super) fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("malformed", format!("invalid request body: {e}")))
}

const MAX_ADMIN_BODY: usize = 64 * 1024;

pub(super) async fn body_bytes(req: Request) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), MAX_ADMIN_BODY)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("request body exceeds {MAX_ADMIN_BODY} bytes"),
            )
        })
}

// ---- handlers ----

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        super::metrics::render(&state.counters),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct LoginResponse {
    token: String,
    expires_ms: i64,
    role: Role,
}

/// A keyed hash that names an unknown username in the audit report
/// without revealing it.
fn username_ref(state: &AppState, username: &str) -> String {
    use hmac::{Hmac, Mac};
    let key = state.sealer.derive_key("audit username ref v1");
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(username.as_bytes());
    format!(
        "username#{}",
        &hex::encode(mac.finalize().into_bytes())[..12]
    )
}

async fn login(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, ApiError> {
    let body: LoginRequest = json_body(&body_bytes(req).await?)?;
    let name = body.username.clone();
    let user = state
        .store
        .read(move |c| store::users::user_by_name(c, &name))
        .await?;
    let stored = user
        .as_ref()
        .map_or_else(|| state.dummy_hash.clone(), |u| u.password_hash.clone());
    let pw = body.password;
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &stored))
        .await
        .map_err(ApiError::internal)?;
    let now = now_ms();
    let keys = state.audit_keys.clone();
    let refused = || ApiError::unauthorized("wrong username or password");
    let Some(user) = user else {
        let e = caller.entry(username_ref(&state, &body.username), Outcome::Denied);
        state.audit.append(e).await?;
        return Err(refused());
    };
    let target = format!("user:{}", user.id);
    let locked = user.locked_until_ms.is_some_and(|t| t > now);
    if locked || user.disabled || !ok {
        let max = state.config.auth.max_failed_logins;
        let lockout_ms = state.config.auth.lockout.as_millis() as i64;
        let c = caller.clone();
        let count_failure = !ok && !locked && !user.disabled;
        let uid = user.id;
        state
            .store
            .write(move |tx, cache| {
                let e = c.entry(target.clone(), Outcome::Denied);
                store::audit::append_tracked(tx, cache, &keys, &e)?;
                if count_failure && store::users::record_failed_login(tx, uid, max, lockout_ms)? {
                    let mut lock = c.entry(target, Outcome::Ok);
                    lock.action = "auth.lockout";
                    lock.actor = "system".into();
                    lock.role = "system";
                    store::audit::append_tracked(tx, cache, &keys, &lock)?;
                }
                Ok(())
            })
            .await?;
        return Err(if locked {
            ApiError::unauthorized("account locked after repeated failed logins; try later")
                .with_code("locked")
        } else {
            refused()
        });
    }
    let role: Role = user.role.parse().map_err(ApiError::internal)?;
    let tok = token::generate("vgs_");
    let th = token::hash(&tok);
    let expires_ms = now + state.config.auth.session_ttl.as_millis() as i64;
    let c = caller.clone();
    let uid = user.id;
    state
        .store
        .write(move |tx, cache| {
            store::users::reset_failed_logins(tx, uid)?;
            store::users::insert_token(tx, &th, uid, TokenKind::Session, None, expires_ms)?;
            let mut e = c.entry(target, Outcome::Ok);
            e.actor = format!("user:{uid}");
            e.role = role.as_str();
            store::audit::append_tracked(tx, cache, &keys, &e)?;
            Ok(())
        })
        .await?;
    Ok(audited(Json(LoginResponse {
        token: tok,
        expires_ms,
        role,
    })))
}

async fn logout(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let keys = state.audit_keys.clone();
    let c = caller.clone();
    state
        .store
        .write(move |tx, cache| {
            if let Some(h) = &c.token_hash {
                store::users::revoke_token(tx, h)?;
            }
            store::audit::append_tracked(tx, cache, &keys, &c.entry("", Outcome::Ok))?;
            Ok(())
        })
        .await?;
    Ok(audited(StatusCode::NO_CONTENT))
}

async fn me(Extension(caller): Extension<Caller>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "user_id": caller.user_id,
        "role": caller.role,
        "host_scope": caller.scope.filter(),
    }))
}

#[derive(Serialize)]
struct HostView {
    #[serde(flatten)]
    row: store::metrics::HostRow,
    status: &'static str,
}

fn host_view(state: &AppState, row: store::metrics::HostRow) -> HostView {
    let stale_ms = state.config.host_stale_after.as_millis() as i64;
    let status = match row.last_seen_ms {
        _ if row.revoked => "revoked",
        Some(t) if now_ms() - t <= stale_ms => "up",
        Some(_) => "stale",
        None => "never_seen",
    };
    HostView { row, status }
}

async fn hosts(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<HostView>>, ApiError> {
    let rows = state.store.read(store::metrics::hosts).await?;
    Ok(Json(
        rows.into_iter()
            .filter(|r| caller.scope.allows(&r.id))
            .map(|r| host_view(&state, r))
            .collect(),
    ))
}

async fn host(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<HostView>, ApiError> {
    let row = state
        .store
        .read(move |c| store::metrics::host(c, &id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(host_view(&state, row)))
}

async fn existing_host(state: &AppState, id: &str) -> Result<(), ApiError> {
    let id = id.to_owned();
    state
        .store
        .read(move |c| store::metrics::host(c, &id))
        .await?
        .map(|_| ())
        .ok_or_else(ApiError::not_found)
}

async fn series(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<store::metrics::SeriesRow>>, ApiError> {
    existing_host(&state, &id).await?;
    Ok(Json(
        state
            .store
            .read(move |c| store::metrics::series(c, &id))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricsQuery {
    name: String,
    from: Option<i64>,
    to: Option<i64>,
    step: Option<i64>,
    #[serde(default)]
    agg: store::metrics::Aggregate,
}

#[derive(Serialize)]
struct MetricsResponse {
    name: String,
    series: Vec<store::metrics::SeriesPoints>,
}

/// Most points one range query may return before it must use a step.
const MAX_POINTS: usize = 100_000;

async fn host_metrics(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> Result<Json<MetricsResponse>, ApiError> {
    let to = q.to.unwrap_or_else(now_ms);
    let from = q.from.unwrap_or(to - 3_600_000);
    if from > to {
        return Err(ApiError::bad_request(
            "bad_query",
            "from must not be after to",
        ));
    }
    if q.step.is_some_and(|s| s <= 0) {
        return Err(ApiError::bad_request(
            "bad_query",
            "step must be positive (ms)",
        ));
    }
    existing_host(&state, &id).await?;
    let name = q.name.clone();
    let series = state
        .store
        .read(move |c| store::metrics::range(c, &id, &name, from, to, q.step, q.agg))
        .await?;
    let total: usize = series.iter().map(|s| s.points.len()).sum();
    if total > MAX_POINTS {
        return Err(ApiError::bad_request(
            "too_many_points",
            format!("{total} points exceed {MAX_POINTS}; narrow the range or add step"),
        ));
    }
    Ok(Json(MetricsResponse {
        name: q.name,
        series,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesQuery {
    host: Option<String>,
    path: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    after: Option<i64>,
    limit: Option<u32>,
}

#[derive(Serialize)]
struct ChangesPage {
    changes: Vec<store::changes::ChangeRow>,
    /// Pass as `after` to get the next page; absent on the last page.
    next_after: Option<i64>,
}

async fn list_changes(
    state: &AppState,
    scope: &HostScope,
    q: ChangesQuery,
) -> Result<ChangesPage, ApiError> {
    if q.host.as_deref().is_some_and(|h| !scope.allows(h)) {
        return Err(ApiError::not_found());
    }
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let filter = store::changes::ChangeFilter {
        host: q.host,
        path: q.path,
        from_ms: q.from,
        to_ms: q.to,
        after_id: q.after.unwrap_or(0),
        limit,
        scope: scope.filter(),
    };
    let changes = state
        .store
        .read(move |c| store::changes::list(c, &filter))
        .await?;
    let next_after = next_cursor(&changes, limit, |c| c.id);
    Ok(ChangesPage {
        changes,
        next_after,
    })
}

async fn changes(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangesPage>, ApiError> {
    Ok(Json(list_changes(&state, &caller.scope, q).await?))
}

async fn host_changes(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiQuery(mut q): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangesPage>, ApiError> {
    existing_host(&state, &id).await?;
    q.host = Some(id);
    Ok(Json(list_changes(&state, &caller.scope, q).await?))
}

async fn agents(
    State(state): State<AppState>,
) -> Result<Json<Vec<store::agents::AgentRow>>, ApiError> {
    Ok(Json(state.store.read(store::agents::list).await?))
}

async fn revoke_agent(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let agent: AgentId = id.parse().map_err(|_| ApiError::not_found())?;
    let keys = state.audit_keys.clone();
    let a = agent.clone();
    let found = state
        .store
        .write(move |tx, cache| {
            let found = store::agents::revoke(tx, &a)?;
            let outcome = if found { Outcome::Ok } else { Outcome::Error };
            let e = caller.entry(format!("agent:{a}"), outcome);
            store::audit::append_tracked(tx, cache, &keys, &e)?;
            Ok(found)
        })
        .await?;
    if !found {
        return Ok(audited(ApiError::not_found()));
    }
    if let Ok(mut r) = state.revoked.write() {
        r.insert(agent.clone());
    }
    tracing::info!(agent = %agent, "agent revoked");
    Ok(audited(StatusCode::NO_CONTENT))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    /// Lifetime, humantime (`15m`, `1h`). Default 15 minutes, at most 7 days.
    ttl: Option<String>,
}

#[derive(Serialize)]
struct TokenResponse {
    token: String,
    expires_ms: i64,
}

/// Longest enrollment token lifetime.
pub const MAX_ENROLLMENT_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

pub fn parse_enrollment_ttl(ttl: Option<&str>) -> Result<Duration, String> {
    let d = match ttl {
        None => Duration::from_secs(15 * 60),
        Some(t) => humantime::parse_duration(t).map_err(|e| format!("ttl: {e}"))?,
    };
    if d.is_zero() || d > MAX_ENROLLMENT_TTL {
        return Err("ttl must be between 1s and 7d".into());
    }
    Ok(d)
}

async fn create_enrollment_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, ApiError> {
    let bytes = body_bytes(req).await?;
    let body: TokenRequest = if bytes.is_empty() {
        TokenRequest::default()
    } else {
        json_body(&bytes)?
    };
    let ttl = parse_enrollment_ttl(body.ttl.as_deref())
        .map_err(|m| ApiError::bad_request("bad_ttl", m))?;
    let tok = token::generate("vge_");
    let th = token::hash(&tok);
    let expires_ms = now_ms() + ttl.as_millis() as i64;
    let keys = state.audit_keys.clone();
    state
        .store
        .write(move |tx, cache| {
            store::agents::insert_enrollment_token(tx, &th, expires_ms)?;
            let e = caller.entry("enrollment_token", Outcome::Ok);
            store::audit::append_tracked(tx, cache, &keys, &e)?;
            Ok(())
        })
        .await?;
    Ok(audited((
        StatusCode::CREATED,
        Json(TokenResponse {
            token: tok,
            expires_ms,
        }),
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    after: Option<i64>,
    limit: Option<u32>,
    format: Option<String>,
}

async fn audit(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::bad_request("bad_query", "format is json or csv")),
    };
    let limit = q.limit.unwrap_or(1000).clamp(1, 10_000);
    let filter = store::audit::AuditFilter {
        actor: q.actor,
        action: q.action,
        outcome: q.outcome,
        from_ms: q.from,
        to_ms: q.to,
        after_seq: q.after.unwrap_or(0),
        limit,
    };
    let sealer = state.sealer.clone();
    let records = state
        .store
        .read(move |c| store::audit::list(c, &sealer, &filter))
        .await?;
    let next_after = next_cursor(&records, limit, |r| r.seq);
    if csv {
        let mut out = String::from("seq,time,actor,role,source,action,target,outcome,request_id\n");
        for r in &records {
            let fields = [
                r.seq.to_string(),
                r.time.to_string(),
                r.actor.clone(),
                r.role.clone(),
                r.source.clone().unwrap_or_default(),
                r.action.clone(),
                r.target.clone(),
                r.outcome.clone(),
                r.request_id.clone(),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response());
    }
    Ok(Json(serde_json::json!({"records": records, "next_after": next_after})).into_response())
}

/// Quotes a CSV field (RFC 4180) and defuses spreadsheet formulas.
fn csv_field(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@']) {
        format!("'{f}")
    } else {
        f.to_owned()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

async fn audit_verify(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let key = state.audit_keys.chain.clone();
    let cp = crate::audit::checkpoint::CheckpointFile::new(state.data_dir(), key.clone());
    let verdict = state
        .store
        .read(move |c| store::audit::verify(c, &key, &cp))
        .await?;
    Ok(Json(
        serde_json::to_value(verdict).map_err(ApiError::internal)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in routes() {
            assert!(
                seen.insert((r.method.clone(), r.path)),
                "{} {}",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("x\"y"), "\"x\"\"y\"");
    }

    #[test]
    fn ttl_bounds() {
        assert_eq!(
            parse_enrollment_ttl(None).unwrap(),
            Duration::from_secs(900)
        );
        assert!(parse_enrollment_ttl(Some("8d")).is_err());
        assert!(parse_enrollment_ttl(Some("nonsense")).is_err());
        assert_eq!(
            parse_enrollment_ttl(Some("1h")).unwrap(),
            Duration::from_secs(3600)
        );
    }
}
