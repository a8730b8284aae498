//! Extractors that authenticate a request. Handlers ask for `AuthUser` or
//! `StaffUser` in their signature; the rule for who may do what lives here
//! once, not in each handler.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use chrono::{DateTime, Utc};

use super::jwt::TokenError;
use crate::{
    domain::accounts::{self, User},
    server::{error::AppError, state::AppState},
};

/// A request with a valid, unrevoked access token of an active user. The
/// user is re-read on every request, so a role change or deactivation takes
/// effect at once.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    /// The access token's id and expiry, for revoking it on logout.
    pub jti: String,
    pub expires_at: DateTime<Utc>,
}

/// An `AuthUser` whose role is staff or admin.
#[derive(Debug, Clone)]
pub struct StaffUser(pub AuthUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| AppError::Unauthorized("A bearer access token is required.".into()))?;
        let claims = state.tokens.verify(token).map_err(|error| match error {
            TokenError::Expired => AppError::Unauthorized("The access token has expired.".into()),
            TokenError::Invalid => AppError::Unauthorized("The access token is invalid.".into()),
        })?;
        let revoked = || AppError::Unauthorized("The access token has been revoked.".into());
        let user_id: i64 = claims.sub.parse().map_err(|_| revoked())?;
        let (user, is_revoked) = tokio::try_join!(
            async { accounts::find_active(&state.pool, user_id).await.map_err(AppError::from) },
            async { accounts::is_access_token_revoked(&state.pool, &claims.jti).await.map_err(AppError::from) },
        )?;
        let user = user.ok_or_else(revoked)?;
        let issued_at = DateTime::from_timestamp(claims.iat, 0).unwrap_or_default();
        if is_revoked || issued_at < user.tokens_valid_after.trunc_subsecs_floor() {
            return Err(revoked());
        }
        let expires_at = DateTime::from_timestamp(claims.exp, 0).unwrap_or_default();
        Ok(Self { user, jti: claims.jti, expires_at })
    }
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if !user.user.role.is_staff() {
            return Err(AppError::Forbidden);
        }
        Ok(Self(user))
    }
}

trait TruncSubsecs {
    fn trunc_subsecs_floor(self) -> Self;
}

impl TruncSubsecs for DateTime<Utc> {
    /// JWT times are whole seconds; compare at that precision.
    fn trunc_subsecs_floor(self) -> Self {
        DateTime::from_timestamp(self.timestamp(), 0).unwrap_or(self)
    }
}
