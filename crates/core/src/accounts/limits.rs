//! How often anyone may try to sign in, register or refresh a token: fixed
//! windows counted per client IP and per account (see `crate::rate_limit`).
//! One place for every caller — pages, the JSON API and whatever comes next.

use crate::{
    cache::Cache,
    rate_limit::{Limit, RateLimiter, RateLimits, client_group},
};

use super::AccountError;

#[derive(Clone)]
pub(super) struct Limits {
    limiter: RateLimiter,
    limits: RateLimits,
}

/// The counter of failed sign-ins at one account, cleared by a success.
pub(super) struct AccountKey(String);

/// The client part of a per-IP key: an IPv6 client's whole /64.
fn ip_key(ip: Option<&str>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), client_group)
}

impl Limits {
    pub(super) fn new(cache: Cache, limits: RateLimits) -> Self {
        Self { limiter: RateLimiter::new(cache), limits }
    }

    async fn hit(&self, key: &str, limit: Limit) -> Result<(), AccountError> {
        if !self.limits.enabled {
            return Ok(());
        }
        self.limiter.hit(key, limit).await.map_err(AccountError::RateLimited)
    }

    /// Counts a sign-in attempt from `ip` at `email`.
    pub(super) async fn sign_in(&self, ip: Option<&str>, email: &str) -> Result<AccountKey, AccountError> {
        let account = AccountKey(format!("sign_in:account:{}", email.trim().to_lowercase()));
        self.hit(&format!("sign_in:ip:{}", ip_key(ip)), self.limits.sign_in_per_ip).await?;
        self.hit(&account.0, self.limits.sign_in_per_account).await?;
        Ok(account)
    }

    pub(super) async fn forget(&self, account: &AccountKey) {
        self.limiter.reset(&account.0).await;
    }

    pub(super) async fn register(&self, ip: Option<&str>) -> Result<(), AccountError> {
        self.hit(&format!("register:ip:{}", ip_key(ip)), self.limits.register_per_ip).await
    }

    pub(super) async fn refresh(&self, ip: Option<&str>) -> Result<(), AccountError> {
        self.hit(&format!("refresh:ip:{}", ip_key(ip)), self.limits.refresh_per_ip).await
    }
}
