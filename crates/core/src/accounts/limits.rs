//! How often anyone may try a password, register, refresh a token or ask
//! for a password-reset e-mail: fixed windows counted per client IP and per
//! account (see `crate::rate_limit`).
//! One place for every caller — pages, the JSON API and whatever comes next.
//!
//! Password attempts (sign-in, and the current password of a password
//! change) share one count per account, keyed on the e-mail exactly as the
//! database lower-cases it, so no spelling of an address gets a fresh count.
//! Past the account's limit, only a device the account signed in from
//! before may go on trying, under a count of its own: someone else's wrong
//! guesses slow the attacker, not the owner. A password reset through an
//! e-mailed link clears the account's count, as a successful sign-in does.

use crate::{
    cache::Cache,
    rate_limit::{Limit, RateLimiter, RateLimits, client_group},
};

use super::{AccountError, devices::KnownDevice};

#[derive(Clone)]
pub(super) struct Limits {
    limiter: RateLimiter,
    limits: RateLimits,
}

/// The counter of password attempts at one account, cleared by a success.
pub(super) struct AccountKey(String);

impl AccountKey {
    /// `account` is the e-mail as `lower()` in the database reads it.
    pub(super) fn of(account: &str) -> Self {
        Self(format!("sign_in:account:{account}"))
    }
}

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

    /// Counts an attempt from `ip` to prove the password of `account` (the
    /// e-mail as `lower()` in the database reads it). `device` is a known
    /// device of that account, if the browser presented one.
    pub(super) async fn password_attempt(
        &self,
        ip: Option<&str>,
        account: &str,
        device: Option<&KnownDevice>,
    ) -> Result<AccountKey, AccountError> {
        self.hit(&format!("sign_in:ip:{}", ip_key(ip)), self.limits.sign_in_per_ip).await?;
        let key = AccountKey::of(account);
        match self.hit(&key.0, self.limits.sign_in_per_account).await {
            Ok(()) => Ok(key),
            Err(refused) => match device {
                Some(device) => {
                    self.hit(&format!("sign_in:device:{}", device.id), self.limits.sign_in_per_account).await?;
                    Ok(key)
                }
                None => Err(refused),
            },
        }
    }

    pub(super) async fn forget(&self, account: &AccountKey) {
        self.limiter.reset(&account.0).await;
    }

    /// Clears the password attempts at `account` (the e-mail as the
    /// database lower-cases it): its owner proved who they are another way.
    pub(super) async fn forget_account(&self, account: &str) {
        self.forget(&AccountKey::of(account)).await;
    }

    pub(super) async fn register(&self, ip: Option<&str>) -> Result<(), AccountError> {
        self.hit(&format!("register:ip:{}", ip_key(ip)), self.limits.register_per_ip).await
    }

    /// Counts a request for a password-reset e-mail to `account` (the
    /// e-mail as the database lower-cases it) from `ip`. Like a sign-in, it
    /// is counted whether or not an account has that e-mail, so a refusal
    /// tells nothing about who has an account.
    pub(super) async fn password_reset(&self, ip: Option<&str>, account: &str) -> Result<(), AccountError> {
        self.hit(&format!("password_reset:ip:{}", ip_key(ip)), self.limits.password_reset_per_ip).await?;
        self.hit(&format!("password_reset:account:{account}"), self.limits.password_reset_per_account).await
    }

    pub(super) async fn refresh(&self, ip: Option<&str>) -> Result<(), AccountError> {
        self.hit(&format!("refresh:ip:{}", ip_key(ip)), self.limits.refresh_per_ip).await
    }
}
