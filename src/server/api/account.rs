//! The caller's own account: profile, password, addresses.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{auth::Profile, json::ApiJson};
use crate::{
    domain::accounts::{
        self,
        addresses::{self, Address, AddressInput, AddressPatch},
        password,
    },
    server::{
        auth::{AuthUser, ClientIp, Credential},
        error::{AppError, Problem},
        state::AppState,
    },
};

#[derive(Deserialize, ToSchema)]
pub struct ProfilePatch {
    name: Option<String>,
}

/// Changes the caller's name.
#[utoipa::path(patch, path = "/me", tag = "account", request_body = ProfilePatch, security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated profile", body = Profile),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too long name", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(patch): ApiJson<ProfilePatch>,
) -> Result<Json<Profile>, AppError> {
    let user = match patch.name {
        Some(name) => accounts::update_name(&state.pool, auth.user.id, &name).await?,
        None => auth.user,
    };
    Ok(Json(user.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the caller's password. Every other session and refresh token is
/// revoked, and access tokens issued before now stop working; the caller's
/// own refresh token keeps working, so it can fetch a fresh access token.
#[utoipa::path(post, path = "/me/password", tag = "account", request_body = PasswordChange, security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too short", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let refresh_family = match &auth.credential {
        Credential::Bearer { family, .. } => family.as_deref(),
        Credential::Session => None,
    };
    let keep = password::Keep { refresh_family };
    password::change_password(
        &state.pool,
        auth.user.id,
        &change.current_password,
        &change.new_password,
        keep,
        ip.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's saved addresses (a plain array: never more than 20).
#[utoipa::path(get, path = "/me/addresses", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, description = "Addresses, oldest first", body = [Address]),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_addresses(State(state): State<AppState>, auth: AuthUser) -> Result<Json<Vec<Address>>, AppError> {
    Ok(Json(addresses::list(&state.pool, auth.user.id).await?))
}

/// Saves a new address.
#[utoipa::path(post, path = "/me/addresses", tag = "account", request_body = AddressInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "Saved", body = Address),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already 20 addresses", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_address(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<AddressInput>,
) -> Result<(StatusCode, Json<Address>), AppError> {
    Ok((StatusCode::CREATED, Json(addresses::create(&state.pool, auth.user.id, input).await?)))
}

/// Changes some fields of an address.
#[utoipa::path(patch, path = "/me/addresses/{id}", tag = "account", request_body = AddressPatch,
    params(("id" = i64, Path, description = "Address id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Address),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such address of yours", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_address(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<AddressPatch>,
) -> Result<Json<Address>, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    Ok(Json(addresses::update(&state.pool, auth.user.id, id, patch).await?))
}

/// Deletes an address.
#[utoipa::path(delete, path = "/me/addresses/{id}", tag = "account",
    params(("id" = i64, Path, description = "Address id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such address of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_address(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    addresses::delete(&state.pool, auth.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
