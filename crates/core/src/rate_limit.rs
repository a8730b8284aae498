//! Rate limits on sign-in, registration, token refresh and page-cache
//! growth: fixed windows counted in Redis, so every app instance shares one
//! count per client IP and per account. When Redis is down each instance
//! keeps counting on its own, so an attacker gains at most a factor of the
//! instance count rather than unlimited attempts.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::cache::Cache;

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
    /// New whole-page cache entries one client may cause; past it, its
    /// pages are still served, just not kept.
    pub page_cache_stores_per_ip: Limit,
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
            page_cache_stores_per_ip: Limit::per(120, MINUTE),
        }
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
}

impl RateLimiter {
    pub fn new(cache: Cache) -> Self {
        Self { cache, local: Arc::default() }
    }

    /// Counts one attempt at `key` and refuses it beyond the limit.
    pub async fn hit(&self, key: &str, limit: Limit) -> Result<(), RetryAfter> {
        let key = format!("rl:{key}");
        let (hits, remaining) = match self.cache.count_hit(&key, limit.window).await {
            Some((hits, remaining_ms)) => (hits, Duration::from_millis(remaining_ms)),
            None => self.hit_locally(&key, limit.window),
        };
        if hits > limit.max {
            metrics::counter!("nexus_rate_limited_total").increment(1);
            return Err(RetryAfter(remaining));
        }
        Ok(())
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
}
