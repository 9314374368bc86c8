//! Support bundles at the HTTP edge: the agent's upload
//! (`POST /v1/agent/support-bundles`, mTLS) and the admin API under
//! `/v1/support/uploads` (routes declared in the admin route table).
//!
//! Files are addressed by index; original paths and the consenting user
//! are personal data and never appear in a URL, a log event or an audit
//! target. Support sees only visible (clean or released) bundles, in
//! redacted form; raw files need an admin's time-limited grant, checked
//! against the clock at every read.

use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use vigil_shared::redact::token::{self, Kind};
use vigil_shared::redact::ScopeKey;
use vigil_shared::wire::{self, SupportUploadAck, SupportVariant};

use super::admin::{audited, body_bytes, json_body, Caller};
use super::error::ApiError;
use super::serve::Peer;
use crate::audit::{AuditEntry, Outcome};
use crate::auth::Role;
use crate::state::AppState;
use crate::store::support::{BundleRow, BundleStatus, Release};
use crate::store::{self, now_ms};
use crate::support::bundle::{self, BundleError, Limits};
use crate::support::{self as sb, is_bundle_id};

/// Longest raw-access grant.
pub const MAX_GRANT_TTL_SECONDS: u64 = 7 * 24 * 3600;

// ---- agent listener ----

fn upload_entry(peer: &Peer, target: String, outcome: Outcome) -> AuditEntry {
    let actor = peer
        .agent
        .as_ref()
        .map_or_else(|| "anonymous".to_owned(), |a| format!("agent:{a}"));
    super::agent::entry(peer, actor, "agent.support_bundle", target, outcome)
}

fn bundle_error(e: BundleError) -> ApiError {
    match e {
        BundleError::TooLarge(_) => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string())
        }
        BundleError::Malformed(_) => ApiError::bad_request("malformed", e.to_string()),
        BundleError::NoConsent(_) => ApiError::bad_request("no_consent", e.to_string()),
        BundleError::UnsupportedVersion(_) => {
            ApiError::bad_request("unsupported_version", e.to_string())
        }
    }
}

/// `POST /v1/agent/support-bundles` (behind `require_agent`). A refusal
/// is audited and stores nothing.
pub async fn upload(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    req: Request,
) -> Response {
    match receive(&state, &peer, req).await {
        Ok(resp) => resp,
        Err(err) => {
            tracing::warn!(code = err.code, "support bundle refused");
            let outcome = if err.status.is_server_error() {
                Outcome::Error
            } else {
                Outcome::Denied
            };
            let e = upload_entry(&peer, String::new(), outcome);
            if let Err(error) = state.audit.append(e).await {
                return ApiError::internal(error).into_response();
            }
            err.into_response()
        }
    }
}

async fn receive(state: &AppState, peer: &Peer, req: Request) -> Result<Response, ApiError> {
    let agent = peer.agent.clone().ok_or_else(|| {
        ApiError::unauthorized("a client certificate issued by this collector is required")
    })?;
    let ct_ok = req
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == wire::SUPPORT_BUNDLE_CONTENT_TYPE.as_bytes());
    if !ct_ok {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("content-type must be {}", wire::SUPPORT_BUNDLE_CONTENT_TYPE),
        ));
    }
    let limit = state.config.max_support_bundle_bytes;
    let body = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("request body exceeds {limit} bytes"),
            )
        })?;
    let limits = Limits {
        max_decoded_bytes: state.config.max_support_bundle_decoded_bytes as u64,
        max_files: wire::MAX_SUPPORT_BUNDLE_FILES,
    };
    let sealer = state.sealer.clone();
    let redact_config = state.config.support_redact.clone();
    let a = agent.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let parsed = bundle::parse(&body, &limits).map_err(bundle_error)?;
        let redactor = sb::screening_redactor(&redact_config).map_err(ApiError::internal)?;
        sb::prepare(&sealer, &redactor, &a, parsed, now_ms()).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    let id = prepared.id.clone();
    let quarantined = prepared.status == BundleStatus::Quarantined;
    let files = prepared.file_count;
    let keys = state.audit_keys.clone();
    let entry = upload_entry(peer, format!("support_bundle:{id}"), Outcome::Ok);
    state
        .store
        .write(move |tx, cache| {
            store::support::insert(tx, &prepared)?;
            store::audit::append_tracked(tx, cache, &keys, &entry)?;
            Ok(())
        })
        .await?;
    tracing::info!(agent = %agent, bundle = %id, files, quarantined, "support bundle received");
    Ok((
        StatusCode::CREATED,
        Json(SupportUploadAck { id, quarantined }),
    )
        .into_response())
}

// ---- admin API ----

#[derive(Serialize)]
struct UploadSummary {
    #[serde(flatten)]
    row: BundleRow,
    /// When the retention job deletes it.
    expires_ms: i64,
}

fn summary(state: &AppState, row: BundleRow) -> UploadSummary {
    let retention_ms = i64::try_from(state.config.support_retention_seconds)
        .unwrap_or(i64::MAX / 2_000)
        .saturating_mul(1000);
    UploadSummary {
        expires_ms: row.received_ms.saturating_add(retention_ms),
        row,
    }
}

fn is_admin(caller: &Caller) -> bool {
    caller.role == Some(Role::Admin)
}

/// A quarantined bundle does not exist for anyone but admins.
fn visible_to(caller: &Caller, row: &BundleRow) -> bool {
    row.status == BundleStatus::Visible || is_admin(caller)
}

/// The bundle named in a path, if the caller may see it (else 404).
async fn visible_bundle(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<BundleRow, ApiError> {
    if !is_bundle_id(id) {
        return Err(ApiError::not_found());
    }
    let id = id.to_owned();
    let row = state
        .store
        .read(move |c| store::support::get(c, &id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    if visible_to(caller, &row) {
        Ok(row)
    } else {
        Err(ApiError::not_found())
    }
}

/// `GET /v1/support/uploads`
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let rows = state.store.read(store::support::list).await?;
    let uploads: Vec<UploadSummary> = rows
        .into_iter()
        .filter(|r| visible_to(&caller, r))
        .map(|r| summary(&state, r))
        .collect();
    Ok(Json(serde_json::json!({ "uploads": uploads })))
}

#[derive(Serialize)]
struct ConsentView {
    /// Admins see the local user; support sees a token stable within this
    /// bundle only.
    os_user: String,
    at_ms: i64,
    text: String,
    ticket: Option<String>,
    include_unredacted: bool,
}

#[derive(Serialize)]
struct FileView {
    index: u32,
    display_path: String,
    /// The original path: admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    size: u64,
    findings: std::collections::BTreeMap<String, u64>,
    has_raw: bool,
}

#[derive(Serialize)]
struct UploadDetail {
    #[serde(flatten)]
    summary: UploadSummary,
    consent: ConsentView,
    files: Vec<FileView>,
}

/// `GET /v1/support/uploads/{id}`
pub async fn get_one(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let row = visible_bundle(&state, &caller, &id).await?;
    let id2 = id.clone();
    let sealed = state
        .store
        .read(move |c| store::support::manifest(c, &id2))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let manifest = sb::open_manifest(&state.sealer, &id, &sealed).map_err(ApiError::internal)?;
    let admin = is_admin(&caller);
    let c = manifest.consent;
    let os_user = if admin {
        c.os_user
    } else {
        let key = ScopeKey::from_bytes(state.sealer.derive_key(&format!("support bundle {id}")));
        token::token(Kind::Username, &c.os_user, &key)
    };
    let files = manifest
        .files
        .into_iter()
        .map(|f| FileView {
            index: f.index,
            display_path: f.display_path,
            path: admin.then_some(f.path),
            size: f.size,
            findings: f.findings,
            has_raw: f.has_raw,
        })
        .collect();
    Ok(Json(UploadDetail {
        summary: summary(&state, row),
        consent: ConsentView {
            os_user,
            at_ms: c.at_ms,
            text: c.text,
            ticket: c.ticket,
            include_unredacted: c.include_unredacted,
        },
        files,
    })
    .into_response())
}

async fn read_file(
    state: &AppState,
    id: &str,
    n: &str,
    variant: SupportVariant,
) -> Result<Vec<u8>, ApiError> {
    let index: u32 = n.parse().map_err(|_| ApiError::not_found())?;
    let id2 = id.to_owned();
    let sealed = state
        .store
        .read(move |c| store::support::file(c, &id2, index, variant))
        .await?
        .ok_or_else(ApiError::not_found)?;
    state
        .sealer
        .open(&sb::file_context(id, index, variant), &sealed)
        .map_err(ApiError::internal)
}

/// `GET /v1/support/uploads/{id}/files/{n}`: the redacted file.
pub async fn file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    visible_bundle(&state, &caller, &id).await?;
    let bytes = read_file(&state, &id, &n, SupportVariant::Redacted).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response())
}

/// `GET /v1/support/uploads/{id}/files/{n}/raw`: only with a grant that
/// has not expired (for every role: admins grant themselves, audited).
pub async fn raw_file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    visible_bundle(&state, &caller, &id).await?;
    let user = caller.user_id.ok_or_else(ApiError::forbidden)?;
    let id2 = id.clone();
    let now = now_ms();
    let grant = state
        .store
        .read(move |c| store::support::active_grant(c, &id2, user, now))
        .await?;
    if grant.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "no_grant",
            "unredacted files need an admin's time-limited grant for this bundle \
             (POST /v1/support/uploads/{id}/grants)",
        ));
    }
    let bytes = read_file(&state, &id, &n, SupportVariant::Raw).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /v1/support/uploads/{id}/release` (admin): a quarantined bundle
/// becomes visible to support.
pub async fn release(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !is_bundle_id(&id) {
        return Err(ApiError::not_found());
    }
    let by = caller.user_id.ok_or_else(ApiError::forbidden)?;
    let keys = state.audit_keys.clone();
    let c = caller.clone();
    let id2 = id.clone();
    let result = state
        .store
        .write(move |tx, cache| {
            let r = store::support::release(tx, &id2, by, now_ms())?;
            let outcome = match r {
                Release::NotFound => Outcome::Error,
                _ => Outcome::Ok,
            };
            let e = c.entry(format!("support_bundle:{id2}"), outcome);
            store::audit::append_tracked(tx, cache, &keys, &e)?;
            Ok(r)
        })
        .await?;
    Ok(audited(match result {
        Release::NotFound => ApiError::not_found().into_response(),
        Release::Released | Release::AlreadyVisible => {
            Json(serde_json::json!({"id": id, "status": BundleStatus::Visible})).into_response()
        }
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantRequest {
    user_id: i64,
    ttl_seconds: u64,
}

#[derive(Serialize)]
struct GrantView {
    grant_id: i64,
    bundle_id: String,
    user_id: i64,
    expires_ms: i64,
}

/// Why a grant was refused inside the transaction.
enum GrantRefusal {
    NoBundle,
    NoUser,
    WrongRole,
}

/// `POST /v1/support/uploads/{id}/grants` (admin): time-limited raw
/// access for one user to one bundle.
pub async fn grant(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    if !is_bundle_id(&id) {
        return Err(ApiError::not_found());
    }
    let body: GrantRequest = json_body(&body_bytes(req).await?)?;
    if body.ttl_seconds == 0 || body.ttl_seconds > MAX_GRANT_TTL_SECONDS {
        return Err(ApiError::bad_request(
            "bad_ttl",
            format!("ttl_seconds must be between 1 and {MAX_GRANT_TTL_SECONDS}"),
        ));
    }
    let by = caller.user_id.ok_or_else(ApiError::forbidden)?;
    let keys = state.audit_keys.clone();
    let c = caller.clone();
    let id2 = id.clone();
    let now = now_ms();
    let expires_ms = now.saturating_add(body.ttl_seconds as i64 * 1000);
    let user = body.user_id;
    let ttl = body.ttl_seconds;
    let result = state
        .store
        .write(move |tx, cache| {
            let refusal = if store::support::get(tx, &id2)?.is_none() {
                Some(GrantRefusal::NoBundle)
            } else {
                match store::support::active_user_role(tx, user)? {
                    None => Some(GrantRefusal::NoUser),
                    Some(r) if !matches!(r.parse::<Role>(), Ok(Role::Support | Role::Admin)) => {
                        Some(GrantRefusal::WrongRole)
                    }
                    Some(_) => None,
                }
            };
            let target = format!("support_bundle:{id2} user:{user} ttl_seconds:{ttl}");
            let result = match refusal {
                Some(r) => Err(r),
                None => Ok(store::support::insert_grant(
                    tx, &id2, user, by, now, expires_ms,
                )?),
            };
            let outcome = if result.is_ok() {
                Outcome::Ok
            } else {
                Outcome::Error
            };
            store::audit::append_tracked(tx, cache, &keys, &c.entry(target, outcome))?;
            Ok(result)
        })
        .await?;
    Ok(audited(match result {
        Ok(grant_id) => {
            tracing::info!(bundle = %id, user, ttl_seconds = ttl, "support raw access granted");
            (
                StatusCode::CREATED,
                Json(GrantView {
                    grant_id,
                    bundle_id: id,
                    user_id: user,
                    expires_ms,
                }),
            )
                .into_response()
        }
        Err(GrantRefusal::NoBundle) => ApiError::not_found().into_response(),
        Err(GrantRefusal::NoUser) => {
            ApiError::bad_request("unknown_user", "no active user with that id").into_response()
        }
        Err(GrantRefusal::WrongRole) => ApiError::bad_request(
            "wrong_role",
            "raw access can be granted to support and admin users only",
        )
        .into_response(),
    }))
}
