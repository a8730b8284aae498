//! The guarded entry points shared by the JSON API and the pages: rate
//! limits first, then the accounts service. One place decides how often
//! anyone may try to sign in, register or refresh.

use super::extract::ClientIp;
use crate::{
    domain::accounts::{self, NewUser, User},
    server::{error::AppError, rate_limit::Limit, state::AppState},
};

async fn limit(state: &AppState, key: &str, limit: Limit) -> Result<(), AppError> {
    if !state.config.rate_limits.enabled {
        return Ok(());
    }
    state.rate_limiter.hit(key, limit).await.map_err(AppError::TooManyRequests)
}

fn ip_key(ip: &ClientIp) -> &str {
    ip.as_deref().unwrap_or("unknown")
}

/// Checks credentials under the per-IP and per-account limits. A
/// successful sign-in clears the account's count.
pub async fn sign_in(state: &AppState, ip: &ClientIp, email: &str, password: &str) -> Result<User, AppError> {
    let limits = state.config.rate_limits;
    let account_key = format!("sign_in:account:{}", email.trim().to_lowercase());
    limit(state, &format!("sign_in:ip:{}", ip_key(ip)), limits.sign_in_per_ip).await?;
    limit(state, &account_key, limits.sign_in_per_account).await?;
    let user = accounts::sign_in(&state.pool, email, password, ip.as_deref()).await?;
    state.rate_limiter.reset(&account_key).await;
    Ok(user)
}

/// Creates a customer account under the per-IP registration limit.
pub async fn register(state: &AppState, ip: &ClientIp, new_user: NewUser<'_>) -> Result<User, AppError> {
    limit(state, &format!("register:ip:{}", ip_key(ip)), state.config.rate_limits.register_per_ip).await?;
    Ok(accounts::register(&state.pool, new_user, ip.as_deref()).await?)
}

/// Counts a token refresh against the per-IP limit.
pub async fn allow_refresh(state: &AppState, ip: &ClientIp) -> Result<(), AppError> {
    limit(state, &format!("refresh:ip:{}", ip_key(ip)), state.config.rate_limits.refresh_per_ip).await
}
