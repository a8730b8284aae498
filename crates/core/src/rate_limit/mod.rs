//! Rate limits on sign-in, registration, token refresh, password-reset
//! e-mails, page-cache growth and every API request: fixed windows counted
//! in Redis, so every app instance shares one count per client IP, account
//! or access token. When Redis is down each instance keeps counting on its
//! own, so an attacker gains at most a factor of the instance count rather
//! than unlimited attempts. API budgets are taken from Redis a few numbers
//! at a time ([`lease`]), so a busy caller does not cost a round trip per
//! request.

mod lease;

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::cache::Cache;
use lease::{LEASE_MOST, LEASE_SHARE, Lease, Leases};

/// At most `max` hits per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u64,
    pub window: Duration,
}

impl Limit {
    pub const fn per(max: u64, window: Duration) -> Self {
        Self { max, window }
    }
}

/// The limits of every guarded action (`NEXUS_RATE_LIMITS=off` lifts them,
/// for load tests only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    pub enabled: bool,
    pub sign_in_per_ip: Limit,
    pub sign_in_per_account: Limit,
    pub register_per_ip: Limit,
    pub refresh_per_ip: Limit,
    /// Password-reset e-mails asked for from one client address.
    pub password_reset_per_ip: Limit,
    /// Password-reset e-mails asked for one e-mail address, whoever asks:
    /// nobody can flood someone's inbox with them.
    pub password_reset_per_account: Limit,
    /// New whole-page cache entries one client may cause; past it, its
    /// pages are still served, just not kept.
    pub page_cache_stores_per_ip: Limit,
    /// API reads (`GET`, `HEAD`, GraphQL queries) per access token, or per
    /// client address when anonymous (`NEXUS_API_READS_PER_MINUTE`).
    pub api_reads: Limit,
    /// API writes (every other method) per access token or client address
    /// (`NEXUS_API_WRITES_PER_MINUTE`).
    pub api_writes: Limit,
}

impl Default for RateLimits {
    fn default() -> Self {
        const MINUTE: Duration = Duration::from_secs(60);
        Self {
            enabled: true,
            sign_in_per_ip: Limit::per(30, 5 * MINUTE),
            sign_in_per_account: Limit::per(10, 15 * MINUTE),
            register_per_ip: Limit::per(10, 60 * MINUTE),
            refresh_per_ip: Limit::per(60, MINUTE),
            password_reset_per_ip: Limit::per(20, 60 * MINUTE),
            password_reset_per_account: Limit::per(5, 60 * MINUTE),
            page_cache_stores_per_ip: Limit::per(120, MINUTE),
            api_reads: Limit::per(600, MINUTE),
            api_writes: Limit::per(120, MINUTE),
        }
    }
}

/// Whether an API request reads or changes something: each has its own budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiAccess {
    Read,
    Write,
}

/// Who an API request is counted against: the access token it carries
/// (its id), or without a valid one the client's address group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiCaller {
    Token(String),
    Client(String),
}

impl RateLimits {
    /// The budget of one kind of API request.
    pub fn api(&self, access: ApiAccess) -> Limit {
        match access {
            ApiAccess::Read => self.api_reads,
            ApiAccess::Write => self.api_writes,
        }
    }
}

impl ApiCaller {
    /// An anonymous caller at `ip`, grouped like every per-client limit.
    pub fn client(ip: Option<&str>) -> Self {
        Self::Client(ip.map_or_else(|| "unknown".to_owned(), client_group))
    }

    fn key(&self, access: ApiAccess) -> String {
        let access = match access {
            ApiAccess::Read => "read",
            ApiAccess::Write => "write",
        };
        match self {
            Self::Token(id) => format!("api:{access}:token:{id}"),
            Self::Client(group) => format!("api:{access}:ip:{group}"),
        }
    }
}

/// Where one counted request leaves its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    pub limit: u64,
    /// Requests counted in this window, this one included.
    pub hits: u64,
    pub resets_in: Duration,
}

impl Tally {
    pub fn allowed(&self) -> bool {
        self.hits <= self.limit
    }

    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.hits)
    }

    pub fn retry_after(&self) -> RetryAfter {
        RetryAfter(self.resets_in)
    }
}

/// A refused attempt: how long until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header, never zero.
    pub fn seconds(self) -> u64 {
        self.0.as_millis().div_ceil(1000).max(1) as u64
    }
}

/// Whom a per-client limit counts an address under. One IPv6 subscriber
/// usually holds a whole /64 and can pick any address in it, so IPv6
/// clients are counted per /64; IPv4 clients (also when written as
/// IPv4-mapped IPv6) per address.
pub fn client_group(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("{}/64", Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64))),
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

#[derive(Clone)]
pub struct RateLimiter {
    cache: Cache,
    /// Per-instance windows, used only while Redis is unavailable.
    local: Arc<Mutex<HashMap<String, (u64, Instant)>>>,
    /// Numbers of API budgets this instance took and has not handed out.
    leases: Arc<Leases>,
}

impl RateLimiter {
    pub fn new(cache: Cache) -> Self {
        Self { cache, local: Arc::default(), leases: Arc::default() }
    }

    /// Counts one attempt at `key` and refuses it beyond the limit.
    pub async fn hit(&self, key: &str, limit: Limit) -> Result<(), RetryAfter> {
        let tally = self.count(key, limit).await;
        if tally.allowed() { Ok(()) } else { Err(tally.retry_after()) }
    }

    /// Counts one API request of `caller` against the budget of its kind,
    /// with a number leased earlier when this instance holds one.
    pub async fn api_request(&self, caller: &ApiCaller, access: ApiAccess, limits: &RateLimits) -> Tally {
        let key = format!("rl:{}", caller.key(access));
        let limit = limits.api(access);
        let now = Instant::now();
        if let Some((hits, ends)) = self.leases.take(&key, now) {
            return tallied(limit, hits, ends.saturating_duration_since(now));
        }
        let taken = self.cache.take_numbers(&key, limit.window, limit.max, LEASE_MOST, LEASE_SHARE).await;
        let (hits, resets_in) = match taken {
            Some((first, last, remaining_ms)) => {
                let resets_in = Duration::from_millis(remaining_ms);
                self.leases.hold(&key, Lease { next: first + 1, last, ends: now + resets_in }, now);
                (first, resets_in)
            }
            None => self.hit_locally(&key, limit.window),
        };
        tallied(limit, hits, resets_in)
    }

    /// Counts one attempt at `key` and says where its window stands; the
    /// caller decides what a refusal means.
    pub async fn count(&self, key: &str, limit: Limit) -> Tally {
        let key = format!("rl:{key}");
        let (hits, resets_in) = match self.cache.count_hit(&key, limit.window).await {
            Some((hits, remaining_ms)) => (hits, Duration::from_millis(remaining_ms)),
            None => self.hit_locally(&key, limit.window),
        };
        tallied(limit, hits, resets_in)
    }

    /// Clears the count at `key`.
    pub async fn reset(&self, key: &str) {
        let key = format!("rl:{key}");
        self.cache.forget(&key).await;
        self.local.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
    }

    fn hit_locally(&self, key: &str, window: Duration) -> (u64, Duration) {
        let now = Instant::now();
        let mut windows = self.local.lock().unwrap_or_else(|e| e.into_inner());
        // Keep the map small: drop windows that have ended.
        if windows.len() > 10_000 {
            windows.retain(|_, (_, ends)| *ends > now);
        }
        let entry = windows.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        (entry.0, entry.1 - now)
    }
}

/// Where an attempt leaves its window, counted as refused past the limit.
fn tallied(limit: Limit, hits: u64, resets_in: Duration) -> Tally {
    let tally = Tally { limit: limit.max, hits, resets_in };
    if !tally.allowed() {
        metrics::counter!("nexus_rate_limited_total").increment(1);
    }
    tally
}

/// The budgets of API requests, shared by every adapter (JSON, GraphQL).
#[derive(Clone)]
pub struct ApiLimiter {
    limiter: RateLimiter,
    limits: RateLimits,
}

impl ApiLimiter {
    pub fn new(cache: Cache, limits: RateLimits) -> Self {
        Self { limiter: RateLimiter::new(cache), limits }
    }

    /// Counts one request of `caller`; `None` when limits are off.
    pub async fn admit(&self, caller: &ApiCaller, access: ApiAccess) -> Option<Tally> {
        if !self.limits.enabled {
            return None;
        }
        Some(self.limiter.api_request(caller, access, &self.limits).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(client_group("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_group("2001:db8:1:2:ffff::9"), client_group("2001:db8:1:2::1"));
        assert_ne!(client_group("2001:db8:1:3::1"), client_group("2001:db8:1:2::1"));
        assert_eq!(client_group("203.0.113.5"), "203.0.113.5");
        assert_eq!(client_group("::ffff:203.0.113.5"), "203.0.113.5");
    }

    #[tokio::test]
    async fn without_redis_each_instance_still_limits_and_windows_end() {
        let limiter = RateLimiter::new(Cache::new("redis://127.0.0.1:1", "test"));
        let limit = Limit::per(2, Duration::from_millis(200));
        assert!(limiter.hit("k", limit).await.is_ok());
        assert!(limiter.hit("k", limit).await.is_ok());
        let refused = limiter.hit("k", limit).await.unwrap_err();
        assert!(refused.0 <= Duration::from_millis(200));
        assert_eq!(refused.seconds(), 1);
        assert!(limiter.hit("other", limit).await.is_ok(), "keys are counted apart");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(limiter.hit("k", limit).await.is_ok(), "a new window starts");
    }

    #[tokio::test]
    async fn api_reads_and_writes_have_their_own_budgets_per_caller() {
        let limiter = RateLimiter::new(Cache::new("redis://127.0.0.1:1", "test"));
        let limits = RateLimits {
            api_reads: Limit::per(2, Duration::from_secs(60)),
            api_writes: Limit::per(1, Duration::from_secs(60)),
            ..Default::default()
        };
        let token = ApiCaller::Token("jti-1".into());
        let first = limiter.api_request(&token, ApiAccess::Read, &limits).await;
        assert_eq!((first.limit, first.remaining(), first.allowed()), (2, 1, true));
        assert!(limiter.api_request(&token, ApiAccess::Write, &limits).await.allowed(), "writes count apart");
        assert!(limiter.api_request(&token, ApiAccess::Read, &limits).await.allowed());
        let third = limiter.api_request(&token, ApiAccess::Read, &limits).await;
        assert!(!third.allowed());
        assert_eq!(third.remaining(), 0);
        assert!(third.resets_in <= Duration::from_secs(60));
        let same_address = ApiCaller::client(Some("::ffff:203.0.113.5"));
        assert_eq!(same_address, ApiCaller::client(Some("203.0.113.5")));
        assert!(limiter.api_request(&same_address, ApiAccess::Read, &limits).await.allowed(), "callers count apart");
    }
}
