//! Users, role changes and the two-person rule.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;

use super::{audited, audited_write, body_bytes, json_body, parse_id, Caller};
use crate::auth::{grant_needs_approval, password, Role};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::users::{self as su, RequestKind, UserRow, UserSummary};
use crate::store::{now_ms, StoreError};

fn summary(u: UserRow) -> UserSummary {
    UserSummary {
        id: u.id,
        username: u.username,
        role: u.role,
        locked: u.locked_until_ms.is_some_and(|t| t > now_ms()),
        disabled: u.disabled,
    }
}

fn parse_role(s: &str) -> Result<Role, ApiError> {
    s.parse()
        .map_err(|e: crate::auth::UnknownRole| ApiError::bad_request("bad_role", e.to_string()))
}

fn valid_username(u: &str) -> bool {
    (1..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'))
}

/// Checks the password policy, then hashes off the runtime.
async fn hash_password(state: &AppState, pw: String) -> Result<String, ApiError> {
    password::check_policy(&pw)
        .map_err(|e| ApiError::bad_request("weak_password", e.to_string()))?;
    let cost = state.config.auth.argon2;
    tokio::task::spawn_blocking(move || password::hash(&pw, cost))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Whether granting `role` now needs a second admin's approval.
fn needs_approval(
    conn: &rusqlite::Connection,
    enabled: bool,
    role: Role,
) -> Result<bool, StoreError> {
    Ok(enabled && grant_needs_approval(role) && su::count_active_admins(conn)? >= 2)
}

fn caller_id(caller: &Caller) -> Result<i64, ApiError> {
    caller
        .user_id
        .ok_or_else(|| ApiError::unauthorized("sign in first"))
}

pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<UserSummary>>, ApiError> {
    Ok(Json(state.store.read(su::list_users).await?))
}

pub(super) async fn get_one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<UserSummary>, ApiError> {
    let id = parse_id(&id)?;
    let user = state
        .store
        .read(move |c| su::user_by_id(c, id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(summary(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    username: String,
    password: String,
    role: String,
}

pub(super) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, ApiError> {
    let body: CreateUser = json_body(&body_bytes(req).await?)?;
    let role = parse_role(&body.role)?;
    if !valid_username(&body.username) {
        return Err(ApiError::bad_request(
            "bad_username",
            "username: 1-64 characters of letters, digits, _ - . @",
        ));
    }
    let hash = hash_password(&state, body.password).await?;
    let requester = caller_id(&caller)?;
    let rule = state.config.auth.two_person_rule;
    let username = body.username.clone();
    let (id, pending) = audited_write(&state, &caller, move |tx| {
        let approval = needs_approval(tx, rule, role)?;
        let id = su::insert_user(tx, &username, &hash, role.as_str())?;
        if approval {
            // Created disabled; another admin's approval enables it.
            su::set_disabled(tx, id, true)?;
            let rid =
                su::insert_role_request(tx, id, role.as_str(), RequestKind::Create, requester)?;
            return Ok(((id, Some(rid)), format!("user:{id},role_request:{rid}")));
        }
        Ok(((id, None), format!("user:{id}")))
    })
    .await?;
    let status = if pending.is_some() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    Ok(audited((
        status,
        Json(serde_json::json!({
            "id": id,
            "username": body.username,
            "role": role,
            "pending_request": pending,
        })),
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUser {
    role: Option<String>,
    disabled: Option<bool>,
    password: Option<String>,
}

pub(super) async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let body: UpdateUser = json_body(&body_bytes(req).await?)?;
    if body.role.is_none() && body.disabled.is_none() && body.password.is_none() {
        return Err(ApiError::bad_request(
            "empty_update",
            "give at least one of role, disabled, password",
        ));
    }
    let role = body.role.as_deref().map(parse_role).transpose()?;
    let hash = match body.password {
        Some(pw) => Some(hash_password(&state, pw).await?),
        None => None,
    };
    let requester = caller_id(&caller)?;
    let rule = state.config.auth.two_person_rule;
    let disabled = body.disabled;
    let (user, pending) = audited_write(&state, &caller, move |tx| {
        let user = su::user_by_id(tx, id)?.ok_or(StoreError::NotFound)?;
        let mut target = format!("user:{id}");
        let mut pending = None;
        if let Some(role) = role.filter(|r| r.as_str() != user.role) {
            if role != Role::Admin {
                su::ensure_not_last_admin(tx, &user)?;
            }
            if needs_approval(tx, rule, role)? {
                let rid = su::insert_role_request(tx, id, role.as_str(), RequestKind::Grant, requester)?;
                target.push_str(&format!(",role_request:{rid}"));
                pending = Some(rid);
            } else {
                su::set_role(tx, id, role.as_str())?;
            }
        }
        match disabled {
            Some(true) if !user.disabled => {
                su::ensure_not_last_admin(tx, &user)?;
                su::set_disabled(tx, id, true)?;
                su::revoke_user_tokens(tx, id)?;
            }
            Some(false) if user.disabled => {
                if su::has_pending_create(tx, id)? {
                    return Err(StoreError::Conflict(
                        "this user awaits a second admin's approval (POST /v1/role-requests/{id}/approve)"
                            .into(),
                    ));
                }
                su::set_disabled(tx, id, false)?;
            }
            _ => {}
        }
        if let Some(hash) = &hash {
            su::set_password_hash(tx, id, hash)?;
            su::revoke_user_tokens(tx, id)?;
        }
        let user = su::user_by_id(tx, id)?.ok_or(StoreError::NotFound)?;
        Ok(((summary(user), pending), target))
    })
    .await?;
    let status = if pending.is_some() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok(audited((
        status,
        Json(serde_json::json!({"user": user, "pending_request": pending})),
    )))
}

pub(super) async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    audited_write(&state, &caller, move |tx| {
        let user = su::user_by_id(tx, id)?.ok_or(StoreError::NotFound)?;
        su::ensure_not_last_admin(tx, &user)?;
        su::delete_user(tx, id)?;
        Ok(((), format!("user:{id}")))
    })
    .await?;
    Ok(audited(StatusCode::NO_CONTENT))
}

pub(super) async fn role_requests(
    State(state): State<AppState>,
) -> Result<Json<Vec<su::RoleRequest>>, ApiError> {
    Ok(Json(state.store.read(su::list_role_requests).await?))
}

async fn decide_request(
    state: &AppState,
    caller: &Caller,
    id: &str,
    approve: bool,
) -> Result<Response, ApiError> {
    let id = parse_id(id)?;
    let approver = caller_id(caller)?;
    let req = audited_write(state, caller, move |tx| {
        let req = su::role_request(tx, id)?.ok_or(StoreError::NotFound)?;
        if req.status != "pending" {
            return Err(StoreError::Conflict(format!(
                "this request is already {}",
                req.status
            )));
        }
        if approve {
            if approver == req.requested_by || approver == req.user_id {
                return Err(StoreError::Conflict(
                    "two-person rule: a different admin must approve this request".into(),
                ));
            }
            let user = su::user_by_id(tx, req.user_id)?.ok_or(StoreError::NotFound)?;
            match req.kind {
                RequestKind::Create => su::set_disabled(tx, user.id, false)?,
                RequestKind::Grant => su::set_role(tx, user.id, &req.role)?,
            }
        }
        su::decide_role_request(
            tx,
            id,
            if approve { "approved" } else { "rejected" },
            approver,
        )?;
        let req = su::role_request(tx, id)?.ok_or(StoreError::NotFound)?;
        let target = format!("role_request:{id},user:{}", req.user_id);
        Ok((req, target))
    })
    .await?;
    Ok(audited(Json(req)).into_response())
}

pub(super) async fn approve(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    decide_request(&state, &caller, &id, true).await
}

pub(super) async fn reject(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    decide_request(&state, &caller, &id, false).await
}
