//! The agent listener: enrollment (token, no client certificate), renewal
//! and ingest (client certificate required, revocation checked).

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use rand::RngCore;
use vigil_shared::wire::{
    self, AgentId, Batch, EnrollRequest, EnrollResponse, IngestAck, RenewRequest, RenewResponse,
    WireError, PROTOCOL_VERSION,
};

use super::error::ApiError;
use super::serve::Peer;
use crate::audit::{AuditEntry, Outcome, Source};
use crate::auth::token;
use crate::state::{AppState, Counters};
use crate::store;

/// Largest enrollment or renewal body.
const MAX_SMALL_BODY: usize = 64 * 1024;

pub fn app(state: AppState) -> Router {
    let authenticated = Router::new()
        .route(wire::PATH_INGEST, post(ingest))
        .route(wire::PATH_RENEW, post(renew))
        .route(wire::PATH_SUPPORT_BUNDLE, post(super::support::upload))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_agent));
    Router::new()
        .route(wire::PATH_ENROLL, post(enroll))
        .merge(authenticated)
        .fallback(|| async { ApiError::not_found() })
        .with_state(state)
}

/// An audit record of a request on the agent listener.
pub(super) fn entry(
    peer: &Peer,
    actor: String,
    action: &'static str,
    target: String,
    outcome: Outcome,
) -> AuditEntry {
    AuditEntry {
        actor,
        role: "agent",
        source: Some(Source::Addr(peer.addr.ip().to_string())),
        action,
        target,
        outcome,
        request_id: String::new(),
    }
}

/// The verified agent behind a request (set by [`require_agent`]).
#[derive(Clone)]
struct Agent(AgentId);

async fn require_agent(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    mut req: Request,
    next: Next,
) -> Response {
    let action = match req.uri().path() {
        wire::PATH_RENEW => "agent.renew",
        wire::PATH_SUPPORT_BUNDLE => "agent.support_bundle",
        _ => "agent.ingest",
    };
    let refusal = match &peer.agent {
        None => Some((
            "anonymous".to_owned(),
            ApiError::unauthorized("a client certificate issued by this collector is required")
                .with_code("no_client_cert"),
        )),
        Some(id) if state.is_revoked(id) => Some((
            format!("agent:{id}"),
            ApiError::new(
                StatusCode::FORBIDDEN,
                "revoked",
                "this agent has been revoked",
            ),
        )),
        Some(_) => None,
    };
    if let Some((actor, err)) = refusal {
        Counters::inc(&state.counters.rejects_auth, 1);
        let e = entry(&peer, actor, action, String::new(), Outcome::Denied);
        if let Err(error) = state.audit.append(e).await {
            return ApiError::internal(error).into_response();
        }
        return err.into_response();
    }
    if let Some(id) = peer.agent.clone() {
        req.extensions_mut().insert(Agent(id));
    }
    next.run(req).await
}

async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("request body exceeds {limit} bytes"),
        )
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("malformed", format!("invalid request body: {e}")))
}

fn check_version(v: u16) -> Result<(), ApiError> {
    if v == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "unsupported_version",
            WireError::UnsupportedVersion(v).to_string(),
        ))
    }
}

async fn enroll(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    req: Request,
) -> Result<Json<EnrollResponse>, ApiError> {
    let body = read_body(req.into_body(), MAX_SMALL_BODY).await?;
    let er: EnrollRequest = parse_json(&body)?;
    check_version(er.version)?;
    let mut id_bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut id_bytes);
    let agent = AgentId::from_bytes(id_bytes);
    let (cert_pem, not_after_ms) = state
        .pki
        .sign_agent_csr(&er.csr_pem, &agent, state.config.agent_cert_validity)
        .map_err(|e| ApiError::bad_request("bad_csr", e.to_string()))?;
    let token_hash = token::hash(&er.token);
    let keys = state.audit_keys.clone();
    let a = agent.clone();
    let host = er.host;
    let peer2 = peer.clone();
    let outcome = state
        .store
        .write(move |tx, cache| {
            let result = store::agents::consume_enrollment_token(tx, &token_hash, &a)?;
            let (outcome, target) = match result {
                Ok(()) => {
                    store::agents::insert_agent(tx, &a, &host, not_after_ms)?;
                    (Outcome::Ok, format!("agent:{a}"))
                }
                Err(r) => (Outcome::Denied, format!("token:{}", r.as_str())),
            };
            let e = entry(&peer2, "anonymous".into(), "agent.enroll", target, outcome);
            store::audit::append_tracked(tx, cache, &keys, &e)?;
            Ok(result)
        })
        .await?;
    match outcome {
        Ok(()) => {
            Counters::inc(&state.counters.enrollments, 1);
            tracing::info!(agent = %agent, "agent enrolled");
            Ok(Json(EnrollResponse {
                agent_id: agent,
                cert_pem,
                ca_pem: state.pki.ca_pem().to_owned(),
                not_after_ms,
            }))
        }
        Err(r) => {
            Counters::inc(&state.counters.rejects_auth, 1);
            tracing::warn!(reason = r.as_str(), "enrollment refused");
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the enrollment token is unknown, used or expired",
            ))
        }
    }
}

async fn renew(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    Extension(Agent(agent)): Extension<Agent>,
    req: Request,
) -> Result<Json<RenewResponse>, ApiError> {
    let body = read_body(req.into_body(), MAX_SMALL_BODY).await?;
    let rr: RenewRequest = parse_json(&body)?;
    check_version(rr.version)?;
    let (cert_pem, not_after_ms) = state
        .pki
        .sign_agent_csr(&rr.csr_pem, &agent, state.config.agent_cert_validity)
        .map_err(|e| ApiError::bad_request("bad_csr", e.to_string()))?;
    let keys = state.audit_keys.clone();
    let a = agent.clone();
    state
        .store
        .write(move |tx, cache| {
            store::agents::set_cert_expiry(tx, &a, not_after_ms)?;
            let e = entry(
                &peer,
                format!("agent:{a}"),
                "agent.renew",
                format!("agent:{a}"),
                Outcome::Ok,
            );
            store::audit::append_tracked(tx, cache, &keys, &e)?;
            Ok(())
        })
        .await?;
    Counters::inc(&state.counters.renewals, 1);
    tracing::info!(agent = %agent, "agent certificate renewed");
    Ok(Json(RenewResponse {
        cert_pem,
        not_after_ms,
    }))
}

/// Decrements the in-flight gauge when the request ends, however it ends.
struct InFlight<'a>(&'a std::sync::atomic::AtomicU64);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn ingest(
    State(state): State<AppState>,
    Extension(Agent(agent)): Extension<Agent>,
    req: Request,
) -> Result<Response, ApiError> {
    let c = &state.counters;
    let in_flight = c.ingest_in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    let _guard = InFlight(&c.ingest_in_flight);
    if in_flight > state.config.max_ingest_in_flight as u64 {
        Counters::inc(&c.rejects_overload, 1);
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the collector is busy; retry later",
        );
        e.retry_after_secs = Some(1);
        return Err(e);
    }
    let ct_ok = req
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == wire::BATCH_CONTENT_TYPE.as_bytes());
    if !ct_ok {
        Counters::inc(&c.rejects_malformed, 1);
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("content-type must be {}", wire::BATCH_CONTENT_TYPE),
        ));
    }
    let body = match read_body(req.into_body(), state.config.max_batch_bytes).await {
        Ok(b) => b,
        Err(e) => {
            Counters::inc(&c.rejects_too_large, 1);
            return Err(e);
        }
    };
    let batch = tokio::task::spawn_blocking(move || Batch::decode(&body))
        .await
        .map_err(ApiError::internal)?;
    let batch = match batch {
        Ok(b) => b,
        Err(e @ WireError::UnsupportedVersion(_)) => {
            Counters::inc(&c.rejects_version, 1);
            return Err(ApiError::bad_request("unsupported_version", e.to_string()));
        }
        Err(e) => {
            Counters::inc(&c.rejects_malformed, 1);
            return Err(ApiError::bad_request("malformed", e.to_string()));
        }
    };
    let id = batch.id;
    let sealer = state.sealer.clone();
    let outcome = state
        .store
        .write(move |tx, cache| store::ingest::apply(tx, cache, &sealer, &agent, &batch))
        .await?;
    let status = outcome.status.unwrap_or(wire::AckStatus::Duplicate);
    match status {
        wire::AckStatus::Committed => Counters::inc(&c.batches_committed, 1),
        wire::AckStatus::Duplicate => Counters::inc(&c.batches_duplicate, 1),
    }
    Counters::inc(&c.samples, outcome.samples);
    Counters::inc(&c.changes, outcome.changes);
    Counters::inc(&c.agent_records_dropped, outcome.records_dropped);
    Ok((StatusCode::OK, Json(IngestAck { id, status })).into_response())
}
