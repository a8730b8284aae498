//! The caller's own account: profile, password, addresses.

use axum::{Json, extract::State, http::StatusCode};
use nexus_core::{accounts, accounts::password, model::account::Address};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    auth::Profile,
    extract::{ApiJson, ApiPath},
};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::{AuthUser, Credential, Visitor},
};

/// An address as the client sends it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AddressInput {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub full_name: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub line1: String,
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub city: String,
    #[schema(min_length = 1, max_length = 20, pattern = r"\S")]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `US` (any case).
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    /// Digits, spaces and `+ - ( ) .`.
    #[schema(max_length = 30, pattern = r"^[0-9 +\-().]*$")]
    pub phone: Option<String>,
}

impl From<AddressInput> for accounts::AddressInput {
    fn from(input: AddressInput) -> Self {
        let AddressInput { full_name, line1, line2, city, postal_code, country, phone } = input;
        Self { full_name, line1, line2, city, postal_code, country, phone }
    }
}

/// Fields of a partial update; absent fields keep their value. For the two
/// optional fields an empty string clears them.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AddressPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    full_name: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    line1: Option<String>,
    #[schema(max_length = 200)]
    line2: Option<String>,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    city: Option<String>,
    #[schema(min_length = 1, max_length = 20, pattern = r"\S")]
    postal_code: Option<String>,
    #[schema(pattern = "^[A-Za-z]{2}$")]
    country: Option<String>,
    #[schema(max_length = 30, pattern = r"^[0-9 +\-().]*$")]
    phone: Option<String>,
}

impl From<AddressPatch> for accounts::AddressPatch {
    fn from(patch: AddressPatch) -> Self {
        let AddressPatch { full_name, line1, line2, city, postal_code, country, phone } = patch;
        Self { full_name, line1, line2, city, postal_code, country, phone }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ProfilePatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
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
        Some(name) => state.core.accounts.update_name(auth.user.id, &name).await?,
        None => auth.user,
    };
    Ok(Json(user.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    current_password: String,
    /// At least 8 characters, at most 1,024 bytes.
    #[schema(min_length = 8, max_length = 256)]
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
    visitor: Visitor,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let auth = visitor.require_user()?;
    let refresh_family = match &auth.credential {
        Credential::Bearer(grant) => grant.family.as_deref(),
        Credential::Session => None,
    };
    let keep = password::Keep { refresh_family };
    state
        .core
        .accounts
        .change_password(auth.user.id, &change.current_password, &change.new_password, keep, visitor.ip())
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
    Ok(Json(state.core.accounts.addresses(auth.user.id).await?))
}

/// Saves a new address.
#[utoipa::path(post, path = "/me/addresses", tag = "account", request_body = AddressInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "Saved", body = Address, links(
            ("UpdateAddress" = (operation_id = "update_address", parameters(("id" = "$response.body#/id")))),
            ("DeleteAddress" = (operation_id = "delete_address", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already 20 addresses", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_address(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(input): ApiJson<AddressInput>,
) -> Result<(StatusCode, Json<Address>), AppError> {
    Ok((StatusCode::CREATED, Json(state.core.accounts.add_address(auth.user.id, input.into()).await?)))
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
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<AddressPatch>,
) -> Result<Json<Address>, AppError> {
    Ok(Json(state.core.accounts.update_address(auth.user.id, id, patch.into()).await?))
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
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.core.accounts.delete_address(auth.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
