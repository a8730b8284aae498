//! Auth and account: registration, tokens, the caller's profile.

use axum::{Json, extract::State, http::StatusCode};
use nexus_core::accounts::{Device, IssuedTokens, NewUser, Role, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::{AuthUser, Credential, Visitor},
};

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// At least 8 characters, at most 1,024 bytes.
    #[schema(min_length = 8, max_length = 256)]
    password: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Profile {
    id: i64,
    email: String,
    name: String,
    #[schema(value_type = super::openapi::RoleName)]
    role: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    created_at: String,
}

impl From<User> for Profile {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email,
            name: user.name,
            role: user.role.as_str().to_owned(),
            created_at: user.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    access_token: String,
    refresh_token: String,
    /// Always `Bearer`.
    #[schema(pattern = "^Bearer$")]
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct LogoutRequest {
    refresh_token: Option<String>,
}

impl From<IssuedTokens> for TokenPair {
    fn from(issued: IssuedTokens) -> Self {
        let IssuedTokens { access_token, refresh_token, expires_in } = issued;
        Self { access_token, refresh_token, token_type: "Bearer", expires_in }
    }
}

/// Creates a customer account.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = Profile),
        (status = 409, description = "The e-mail is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad e-mail or a password under 8 characters", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<Profile>), AppError> {
    let new_user =
        NewUser { email: &request.email, password: &request.password, name: &request.name, role: Role::Customer };
    let user = state.core.accounts.register(new_user, visitor.ip()).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Exchanges an e-mail and password for an access and a refresh token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; send `access_token` as a bearer token", body = TokenPair, links(
            ("Me" = (operation_id = "me", description = "The signed-in user, with `Authorization: Bearer {access_token}`")),
        )),
        (status = 401, description = "Wrong e-mail or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts for this address or account; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<TokenPair>, AppError> {
    let accounts = &state.core.accounts;
    // API clients keep refresh tokens, not device cookies.
    let signed_in = accounts.sign_in(&request.email, &request.password, visitor.ip(), Device::NotKept).await?;
    Ok(Json(accounts.issue_tokens(&signed_in.user).await?.into()))
}

/// Spends a refresh token for a new pair. A spent token presented again
/// revokes its whole family.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Invalid, expired, spent or revoked refresh token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many refreshes from this address; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, AppError> {
    let (_, pair) = state.core.accounts.refresh(&request.refresh_token, visitor.ip()).await?;
    Ok(Json(pair.into()))
}

/// Revokes the presented access token at once, and the refresh token's
/// family when one is sent.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = LogoutRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    visitor: Visitor,
    body: axum::body::Bytes,
) -> Result<StatusCode, AppError> {
    let auth = visitor.require_user()?;
    let Credential::Bearer(grant) = &auth.credential else {
        return Err(AppError::Unauthorized("Send the access token to revoke as a bearer token.".into()));
    };
    // The body is optional: empty, or `{"refresh_token": ...}`.
    let request: LogoutRequest = if body.iter().all(u8::is_ascii_whitespace) {
        LogoutRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}")))?
    };
    state.core.accounts.sign_out_bearer(auth.user.id, grant, request.refresh_token.as_deref(), visitor.ip()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's profile.
#[utoipa::path(get, path = "/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = Profile),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(auth: AuthUser) -> Json<Profile> {
    Json(auth.user.into())
}
