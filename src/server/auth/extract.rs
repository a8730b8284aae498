//! Extractors that authenticate a request: a bearer access token (API
//! clients) or the web session cookie (pages and their server functions).
//! Handlers and server functions ask for `AuthUser`, `StaffUser` or
//! `AdminUser`; who may do what is decided here, once, for both.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts},
    http::{header, request::Parts},
};
use chrono::{DateTime, Utc};
use tower_sessions::Session;

use super::{jwt::TokenError, session};
use crate::{
    domain::accounts::{self, Role, User},
    server::{error::AppError, state::AppState},
};

/// A signed-in, active user. The user row is re-read on every request, so
/// a role change or deactivation takes effect at once.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub credential: Credential,
}

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An access token: its id and expiry (for revoking it on logout) and
    /// the refresh family it was issued with.
    Bearer { jti: String, expires_at: DateTime<Utc>, family: Option<String> },
    /// The web session cookie.
    Session,
}

/// An `AuthUser` whose role is staff or admin.
#[derive(Debug, Clone)]
pub struct StaffUser(pub AuthUser);

/// An `AuthUser` whose role is admin.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        <Self as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await?
            .ok_or_else(|| AppError::Unauthorized("Sign in, or send a bearer access token.".into()))
    }
}

/// `Option<AuthUser>`: the visitor, if signed in. An invalid bearer token
/// is still an error rather than an anonymous visitor.
impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        // A request that sends a token is judged by the token alone; a bad
        // token never falls back to a cookie the browser happened to send.
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return from_bearer(parts, state).await.map(Some);
        }
        from_session(parts, state).await
    }
}

async fn from_bearer(parts: &Parts, state: &AppState) -> Result<AuthUser, AppError> {
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| AppError::Unauthorized("Send the access token as `Authorization: Bearer <token>`.".into()))?;
    let claims = state.tokens.verify(token).map_err(|error| match error {
        TokenError::Expired => AppError::Unauthorized("The access token has expired.".into()),
        TokenError::Invalid => AppError::Unauthorized("The access token is invalid.".into()),
    })?;
    let revoked = || AppError::Unauthorized("The access token has been revoked.".into());
    let user_id: i64 = claims.sub.parse().map_err(|_| revoked())?;
    let (user, is_revoked) =
        tokio::try_join!(async { accounts::find_active(&state.pool, user_id).await.map_err(AppError::from) }, async {
            accounts::is_access_token_revoked(&state.pool, &claims.jti).await.map_err(AppError::from)
        },)?;
    let user = user.ok_or_else(revoked)?;
    let issued_at_ms = if claims.iat_ms > 0 { claims.iat_ms } else { claims.iat * 1000 };
    if is_revoked || issued_at_ms < user.tokens_valid_after.timestamp_millis() {
        return Err(revoked());
    }
    let expires_at = DateTime::from_timestamp(claims.exp, 0).unwrap_or_default();
    Ok(AuthUser { user, credential: Credential::Bearer { jti: claims.jti, expires_at, family: claims.fam } })
}

/// The session's user, if the session is signed in, the account is active
/// and no password change happened since the session signed in.
async fn from_session(parts: &mut Parts, state: &AppState) -> Result<Option<AuthUser>, AppError> {
    let Some(session) = parts.extensions.get::<Session>().cloned() else {
        return Ok(None);
    };
    let Some(auth) = session::auth_of(&session).await else {
        return Ok(None);
    };
    let Some(user) = accounts::find_active(&state.pool, auth.user_id).await? else {
        return Ok(None);
    };
    if auth.signed_in_at < user.tokens_valid_after {
        return Ok(None);
    }
    Ok(Some(AuthUser { user, credential: Credential::Session }))
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        with_role(parts, state, Role::is_staff).await.map(Self)
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        with_role(parts, state, Role::is_admin).await.map(Self)
    }
}

/// The signed-in user if their role passes `allowed`: 401 without a user,
/// 403 with the wrong role.
async fn with_role(parts: &mut Parts, state: &AppState, allowed: fn(Role) -> bool) -> Result<AuthUser, AppError> {
    let user = <AuthUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
    if !allowed(user.user.role) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

/// The client's address, for rate limits and the audit trail: the TCP
/// peer. (Behind a proxy every request would share the proxy's address;
/// reading `X-Forwarded-For` safely needs the proxy's address configured.)
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string())))
    }
}

impl ClientIp {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}
