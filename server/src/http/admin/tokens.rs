//! API tokens for automation: random, shown once, stored hashed, with an
//! expiry, revocable. A token acts as the user who made it.

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;

use super::{audited, audited_write, body_bytes, json_body, Caller};
use crate::auth::{decide, token, Decision, Permission};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::users::{self as su, TokenKind};
use crate::store::{now_ms, StoreError};

const DEFAULT_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
const MAX_TTL: Duration = Duration::from_secs(366 * 24 * 3600);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    name: String,
    /// humantime (`30d`); default 90 days, at most 366 days.
    ttl: Option<String>,
}

/// Whose tokens the caller may list and revoke: everyone's (admins) or
/// their own. Decided by the permission table, like everything else.
fn owner_filter(caller: &Caller) -> Result<Option<i64>, ApiError> {
    match caller.role.map(|r| decide(r, Permission::ApiTokensAll)) {
        Some(Decision::Allow) => Ok(None),
        _ => caller
            .user_id
            .map(Some)
            .ok_or_else(|| ApiError::unauthorized("sign in first")),
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, ApiError> {
    let body: CreateToken = json_body(&body_bytes(req).await?)?;
    if body.name.is_empty() || body.name.len() > 64 || body.name.chars().any(|c| c.is_control()) {
        return Err(ApiError::bad_request(
            "bad_name",
            "name: 1-64 printable characters",
        ));
    }
    let ttl = match &body.ttl {
        None => DEFAULT_TTL,
        Some(t) => humantime::parse_duration(t)
            .map_err(|e| ApiError::bad_request("bad_ttl", format!("ttl: {e}")))?,
    };
    if ttl.is_zero() || ttl > MAX_TTL {
        return Err(ApiError::bad_request(
            "bad_ttl",
            "ttl must be between 1s and 366d",
        ));
    }
    let user = caller
        .user_id
        .ok_or_else(|| ApiError::unauthorized("sign in first"))?;
    let tok = token::generate("vga_");
    let th = token::hash(&tok);
    let id = su::token_id(&th);
    let expires_ms = now_ms() + ttl.as_millis() as i64;
    let name = body.name.clone();
    let tid = id.clone();
    audited_write(&state, &caller, move |tx| {
        su::insert_token(tx, &th, user, TokenKind::Api, Some(&name), expires_ms)?;
        Ok(((), format!("api_token:{tid}")))
    })
    .await?;
    Ok(audited((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "id": id,
            "name": body.name,
            "token": tok,
            "expires_ms": expires_ms,
        })),
    )))
}

pub(super) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<su::ApiTokenRow>>, ApiError> {
    let owner = owner_filter(&caller)?;
    Ok(Json(
        state
            .store
            .read(move |c| su::list_api_tokens(c, owner))
            .await?,
    ))
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let owner = owner_filter(&caller)?;
    audited_write(&state, &caller, move |tx| {
        if !su::revoke_api_token(tx, &id, owner)? {
            return Err(StoreError::NotFound);
        }
        Ok(((), format!("api_token:{id}")))
    })
    .await?;
    Ok(audited(StatusCode::NO_CONTENT))
}
