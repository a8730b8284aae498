//! API budgets taken from Redis in leases: a busy caller costs a round trip
//! per lease, and however its requests are spread over instances it is
//! never admitted more than its limit.

use std::{collections::HashSet, time::Duration};

use nexus_core::rate_limit::{ApiAccess, ApiCaller, Limit, RateLimiter, RateLimits, Tally};
use sqlx::PgPool;

use crate::support;

fn limits(reads: Limit) -> RateLimits {
    RateLimits { api_reads: reads, ..RateLimits::default() }
}

/// What the caller's read window has handed out, as Redis counts it.
async fn counter(pool: &PgPool, caller: &ApiCaller) -> Option<u64> {
    let mut redis = support::redis_connection().await;
    let prefix = support::cache_prefix(pool).await;
    let ApiCaller::Client(group) = caller else { unreachable!("the tests count anonymous callers") };
    redis::cmd("GET").arg(format!("{prefix}:rl:api:read:ip:{group}")).query_async(&mut redis).await.unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_busy_caller_takes_its_budget_a_lease_at_a_time(pool: PgPool) {
    let limiter = RateLimiter::new(support::cache_for(&pool, &support::redis_url()).await);
    let limits = limits(Limit::per(10_000, Duration::from_secs(60)));
    let caller = ApiCaller::client(Some("203.0.113.7"));

    let first = limiter.api_request(&caller, ApiAccess::Read, &limits).await;
    assert_eq!((first.hits, first.remaining()), (1, 9_999));
    let leased = counter(&pool, &caller).await.expect("the window is counted in Redis");
    assert!(leased > 1, "one round trip took several numbers: {leased}");

    let rest: Vec<Tally> =
        futures_util::future::join_all((1..leased).map(|_| limiter.api_request(&caller, ApiAccess::Read, &limits)))
            .await;
    let mut numbers: Vec<u64> = rest.iter().map(|tally| tally.hits).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (2..=leased).collect::<Vec<_>>(), "every number of the lease, once each");
    assert_eq!(counter(&pool, &caller).await, Some(leased), "served without asking Redis");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn instances_sharing_a_caller_never_admit_more_than_its_limit(pool: PgPool) {
    // Two app instances: each holds its own leases of the one counter.
    let first = RateLimiter::new(support::cache_for(&pool, &support::redis_url()).await);
    let second = RateLimiter::new(support::cache_for(&pool, &support::redis_url()).await);
    let limits = limits(Limit::per(100, Duration::from_secs(60)));
    let caller = ApiCaller::client(Some("203.0.113.8"));

    let mut admitted = HashSet::new();
    let mut refused = 0;
    for request in 0..160 {
        let instance = if request % 3 == 0 { &first } else { &second };
        let tally = instance.api_request(&caller, ApiAccess::Read, &limits).await;
        if tally.allowed() {
            assert!(admitted.insert(tally.hits), "number {} handed out twice", tally.hits);
        } else {
            assert_eq!(tally.remaining(), 0);
            refused += 1;
        }
    }
    assert_eq!(admitted.len(), 100, "the whole budget, no more: the instances used what they leased");
    assert_eq!(refused, 60);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_lease_ends_with_its_window(pool: PgPool) {
    let limiter = RateLimiter::new(support::cache_for(&pool, &support::redis_url()).await);
    let limits = limits(Limit::per(1_000, Duration::from_millis(300)));
    let caller = ApiCaller::client(Some("203.0.113.9"));
    let first = limiter.api_request(&caller, ApiAccess::Read, &limits).await;
    assert_eq!(first.hits, 1);
    assert!(first.resets_in <= Duration::from_millis(300));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let next = limiter.api_request(&caller, ApiAccess::Read, &limits).await;
    assert_eq!(next.hits, 1, "a new window starts from one, the old lease unused");
}
