//! Host groups and who is scoped to them.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;

use super::{audited, audited_write, body_bytes, json_body, parse_id, Caller};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::{self, groups, StoreError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateGroup {
    name: String,
}

fn valid_name(n: &str) -> bool {
    (1..=64).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

pub(super) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, ApiError> {
    let body: CreateGroup = json_body(&body_bytes(req).await?)?;
    if !valid_name(&body.name) {
        return Err(ApiError::bad_request(
            "bad_name",
            "name: 1-64 characters of letters, digits, _ - .",
        ));
    }
    let name = body.name.clone();
    let id = audited_write(&state, &caller, move |tx| {
        let id = groups::create(tx, &name)?;
        Ok((id, format!("host_group:{id}")))
    })
    .await?;
    Ok(audited((
        StatusCode::CREATED,
        Json(serde_json::json!({"id": id, "name": body.name})),
    )))
}

pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<groups::GroupRow>>, ApiError> {
    Ok(Json(state.store.read(groups::list).await?))
}

pub(super) async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    audited_write(&state, &caller, move |tx| {
        if !groups::delete(tx, id)? {
            return Err(StoreError::NotFound);
        }
        Ok(((), format!("host_group:{id}")))
    })
    .await?;
    Ok(audited(StatusCode::NO_CONTENT))
}

/// Adds or removes one member; `member` checks the other end exists.
async fn membership(
    state: &AppState,
    caller: &Caller,
    group: &str,
    change: impl FnOnce(&rusqlite::Connection, i64) -> Result<String, StoreError> + Send + 'static,
) -> Result<Response, ApiError> {
    let group = parse_id(group)?;
    audited_write(state, caller, move |tx| {
        if !groups::exists(tx, group)? {
            return Err(StoreError::NotFound);
        }
        let target = change(tx, group)?;
        Ok(((), format!("host_group:{group},{target}")))
    })
    .await?;
    Ok(audited(StatusCode::NO_CONTENT))
}

pub(super) async fn add_host(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((group, host)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    membership(&state, &caller, &group, move |tx, g| {
        store::metrics::host(tx, &host)?.ok_or(StoreError::NotFound)?;
        groups::add_host(tx, g, &host)?;
        Ok(format!("agent:{host}"))
    })
    .await
}

pub(super) async fn remove_host(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((group, host)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    membership(&state, &caller, &group, move |tx, g| {
        if !groups::remove_host(tx, g, &host)? {
            return Err(StoreError::NotFound);
        }
        Ok(format!("agent:{host}"))
    })
    .await
}

pub(super) async fn add_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((group, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = parse_id(&user)?;
    membership(&state, &caller, &group, move |tx, g| {
        store::users::user_by_id(tx, user)?.ok_or(StoreError::NotFound)?;
        groups::add_user(tx, g, user)?;
        Ok(format!("user:{user}"))
    })
    .await
}

pub(super) async fn remove_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((group, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = parse_id(&user)?;
    membership(&state, &caller, &group, move |tx, g| {
        if !groups::remove_user(tx, g, user)? {
            return Err(StoreError::NotFound);
        }
        Ok(format!("user:{user}"))
    })
    .await
}
