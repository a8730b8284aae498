//! The cache: writes retire reads on every instance, an entry filed under
//! several namespaces is retired by any of them, Redis outages degrade
//! to PostgreSQL and recover by themselves, no crowd of readers loads
//! one key more than once (single flight, stale while rebuilding), and a
//! hot entry is served from the process until a write anywhere retires it.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use nexus_core::{
    cache::{Cache, CacheStatus, ShareError},
    model::ProductQuery,
};
use sqlx::PgPool;
use tokio::{sync::Notify, task::JoinHandle};

use crate::support;

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn catalog_writes_invalidate_cached_reads_on_every_instance(pool: PgPool) {
    support::import_fixture(&pool).await;
    // Two app instances sharing one Redis and one database.
    let first = support::core(&pool).await;
    let second = support::core(&pool).await;
    let query = ProductQuery::default();

    let before = first.catalog.list_products(&query).await.unwrap();
    let newest = &before.items[0];
    sqlx::query("UPDATE products SET price_cents = 4242 WHERE id = $1").bind(newest.id).execute(&pool).await.unwrap();
    // Still cached: the write above bypassed the service on purpose.
    let cached = second.catalog.list_products(&query).await.unwrap();
    assert_eq!(cached.items[0].price_cents, newest.price_cents, "served from the shared cache");
    wait_until("the second instance keeps entries near", || second.cache().near_status().0).await;
    let kept = second.catalog.list_products(&query).await.unwrap();
    assert_eq!(kept.items[0].price_cents, newest.price_cents, "kept near by the second instance");

    let (_, heard) = second.cache().near_status();
    first.catalog.invalidate().await;
    // The second instance drops its near copy when the first's message
    // arrives; Redis has retired the shared entry already.
    wait_until("the second instance hears the write", || second.cache().near_status().1 > heard).await;
    let fresh = second.catalog.list_products(&query).await.unwrap();
    assert_eq!(fresh.items[0].price_cents.0, 4242);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_hot_entry_is_served_from_the_process_until_a_write_retires_it(pool: PgPool) {
    let cache = support::cache_for(&pool, &support::redis_url()).await;
    let read = |value: u32| cache.get_or_load(&["catalog"], "list", TTL, move || async move { Ok::<_, Failed>(value) });
    assert_eq!(read(1).await, Ok(1), "a miss loads");
    wait_until("entries are kept near", || cache.near_status().0).await;
    assert_eq!(read(2).await, Ok(1), "a hit in Redis, now kept near");

    // Gone from Redis behind the cache's back: only the copy kept in the
    // process can still answer.
    let (stamp, _) = cache.read_versioned::<u32>(&["catalog"], "list").await.expect("Redis answers");
    let mut redis = support::redis_connection().await;
    let removed: i64 = redis::cmd("DEL").arg(stamp.key("list")).query_async(&mut redis).await.unwrap();
    assert_eq!(removed, 1);
    assert_eq!(read(3).await, Ok(1), "served near");

    cache.invalidate("product:lamp").await;
    assert_eq!(read(4).await, Ok(1), "another namespace's write leaves it");
    cache.invalidate("catalog").await;
    assert_eq!(read(5).await, Ok(5), "a write of this process retires it before it returns");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn an_entry_in_two_namespaces_is_retired_by_either_alone(pool: PgPool) {
    let cache = support::cache_for(&pool, &support::redis_url()).await;
    let ttl = Duration::from_secs(60);
    let load = |value: u32| async move { Ok::<_, std::convert::Infallible>(value) };
    let read = |value| cache.get_or_load(&["catalog", "product:mug"], "detail", ttl, move || load(value));

    assert_eq!(read(1).await, Ok(1), "a miss loads");
    assert_eq!(read(2).await, Ok(1), "a hit");
    cache.invalidate("product:lamp").await;
    assert_eq!(read(3).await, Ok(1), "another product's namespace leaves it");
    cache.invalidate("product:mug").await;
    assert_eq!(read(4).await, Ok(4), "its product's namespace retires it");
    cache.invalidate("catalog").await;
    assert_eq!(read(5).await, Ok(5), "so does the catalog's");
    cache.invalidate_all(&["product:lamp", "product:mug"]).await;
    assert_eq!(read(6).await, Ok(6), "several at once");
}

const CROWD: usize = 50;
const TTL: Duration = Duration::from_secs(60);

/// A loader's error in these tests.
#[derive(Clone, Debug, PartialEq)]
struct Failed(String);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ShareError for Failed {
    fn share(&self) -> Option<Self> {
        Some(Self(self.0.clone()))
    }
}

/// A loader that counts its calls and, before answering, waits until
/// `ready` holds (the rest of the crowd lined up behind it) and then a
/// little longer, as a slow query would.
fn counted_load(
    calls: Arc<AtomicUsize>,
    ready: impl Fn() -> bool + Send + 'static,
    result: Result<u32, Failed>,
) -> impl FnOnce() -> futures_util::future::BoxFuture<'static, Result<u32, Failed>> {
    move || {
        Box::pin(async move {
            calls.fetch_add(1, Ordering::SeqCst);
            wait_until("the crowd is lined up", ready).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            result
        })
    }
}

/// `count` readers of one key at once on `cache`, each with its own
/// loader from `loader`.
fn crowd<L, F>(
    cache: &Cache,
    count: usize,
    ttl: Duration,
    loader: impl Fn() -> L,
) -> Vec<JoinHandle<Result<u32, Failed>>>
where
    L: FnOnce() -> F + Send + 'static,
    F: Future<Output = Result<u32, Failed>> + Send,
{
    (0..count)
        .map(|_| {
            let (cache, load) = (cache.clone(), loader());
            tokio::spawn(async move { cache.get_or_load(&["catalog"], "home", ttl, load).await })
        })
        .collect()
}

/// [`CROWD`] readers of one key on `cache` whose loaders answer `result`
/// once all but the one running are waiting for it.
fn crowd_behind_one_load(
    cache: &Cache,
    calls: &Arc<AtomicUsize>,
    result: Result<u32, Failed>,
) -> Vec<JoinHandle<Result<u32, Failed>>> {
    let watched = cache.clone();
    crowd(cache, CROWD, TTL, || {
        let watched = watched.clone();
        counted_load(calls.clone(), move || watched.waiting_for_loads() == CROWD - 1, result.clone())
    })
}

async fn results(readers: Vec<JoinHandle<Result<u32, Failed>>>) -> Vec<Result<u32, Failed>> {
    let mut results = Vec::new();
    for reader in readers {
        results.push(reader.await.expect("no reader panics"));
    }
    results
}

/// A read of `key` whose load has begun and answers `value` once the
/// returned `Notify` is notified.
async fn a_load_under_way(
    cache: &Cache,
    key: &'static str,
    value: u32,
) -> (JoinHandle<Result<u32, Failed>>, Arc<Notify>) {
    let started = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let reader = {
        let (cache, started, release) = (cache.clone(), started.clone(), release.clone());
        tokio::spawn(async move {
            cache
                .get_or_load(&["catalog"], key, TTL, || async move {
                    started.notify_one();
                    release.notified().await;
                    Ok::<_, Failed>(value)
                })
                .await
        })
    };
    started.notified().await;
    (reader, release)
}

/// Polls a condition the test arranges; a hang guard, not a measurement.
async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..6_000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("gave up waiting until {what}");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn fifty_concurrent_misses_run_the_loader_once_and_all_get_its_value(pool: PgPool) {
    let cache = support::cache_for(&pool, &support::redis_url()).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let readers = crowd_behind_one_load(&cache, &calls, Ok(7));

    let results = results(readers).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one load for the whole crowd");
    assert!(results.iter().all(|result| *result == Ok(7)), "{results:?}");
    assert_eq!(cache.waiting_for_loads(), 0);
    let stored = cache.get_or_load(&["catalog"], "home", TTL, || async { Ok::<_, Failed>(8) }).await;
    assert_eq!(stored, Ok(7), "and it was stored");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn two_instances_missing_one_key_load_it_once(pool: PgPool) {
    // Two app instances sharing one Redis: one takes the rebuild lock, the
    // other's callers wait for the value it stores.
    let (first, second) = (
        support::cache_for(&pool, &support::redis_url()).await,
        support::cache_for(&pool, &support::redis_url()).await,
    );
    let calls = Arc::new(AtomicUsize::new(0));
    let lined_up = {
        let (first, second) = (first.clone(), second.clone());
        move || first.waiting_for_loads() + second.waiting_for_loads() == CROWD - 2
    };
    let mut readers = crowd(&first, CROWD / 2, TTL, || counted_load(calls.clone(), lined_up.clone(), Ok(7)));
    readers.extend(crowd(&second, CROWD / 2, TTL, || counted_load(calls.clone(), lined_up.clone(), Ok(7))));

    let results = results(readers).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one load across both instances");
    assert!(results.iter().all(|result| *result == Ok(7)), "{results:?}");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn fifty_readers_of_a_stale_entry_get_it_at_once_while_one_rebuilds_it(pool: PgPool) {
    let cache = support::cache_for(&pool, &support::redis_url()).await;
    // A time to live of zero: stale as soon as stored, kept for the stale window.
    let stale = Duration::ZERO;
    assert_eq!(cache.get_or_load(&["catalog"], "home", stale, || async { Ok::<_, Failed>(1) }).await, Ok(1));

    let calls = Arc::new(AtomicUsize::new(0));
    let returned = Arc::new(AtomicUsize::new(0));
    // The rebuild answers only once every other reader has returned, so
    // they cannot have waited for it.
    let readers: Vec<JoinHandle<Result<u32, Failed>>> = crowd(&cache, CROWD, stale, || {
        let returned = returned.clone();
        counted_load(calls.clone(), move || returned.load(Ordering::SeqCst) == CROWD - 1, Ok(2))
    })
    .into_iter()
    .map(|reader| {
        let returned = returned.clone();
        tokio::spawn(async move {
            let result = reader.await.expect("no reader panics");
            returned.fetch_add(1, Ordering::SeqCst);
            result
        })
    })
    .collect();

    let results = results(readers).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one rebuild");
    assert_eq!(results.iter().filter(|result| **result == Ok(1)).count(), CROWD - 1, "{results:?}");
    assert_eq!(results.iter().filter(|result| **result == Ok(2)).count(), 1, "the rebuilder gets its value");
    let now = cache.read_versioned::<u32>(&["catalog"], "home").await.and_then(|(_, value)| value);
    assert_eq!(now, Some(2), "the rebuilt entry replaced the stale one");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_bumped_namespace_is_never_served_stale_nor_shared_from_an_older_load(pool: PgPool) {
    let cache = support::cache_for(&pool, &support::redis_url()).await;
    let read = |value: u32| {
        cache.get_or_load(&["catalog"], "home", Duration::ZERO, move || async move { Ok::<_, Failed>(value) })
    };
    assert_eq!(read(1).await, Ok(1));
    assert_eq!(read(2).await, Ok(2), "a stale entry: rebuilt by its one reader");
    cache.invalidate("catalog").await;
    assert_eq!(read(3).await, Ok(3), "a retired entry is a miss, never served stale");

    // A load that began before a write: a reader after the write does not join it.
    let (before, release) = a_load_under_way(&cache, "list", 4).await;
    cache.invalidate("catalog").await;
    let after = cache.get_or_load(&["catalog"], "list", TTL, || async { Ok::<_, Failed>(5) }).await;
    assert_eq!(after, Ok(5), "loaded afresh while the older load still runs");
    release.notify_one();
    assert_eq!(before.await.unwrap(), Ok(4));
    let again = cache.get_or_load(&["catalog"], "list", TTL, || async { Ok::<_, Failed>(6) }).await;
    assert_eq!(again, Ok(5), "the older load landed under the retired version");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_failing_load_reaches_every_waiting_caller_and_the_next_call_loads_again(pool: PgPool) {
    let cache = support::cache_for(&pool, &support::redis_url()).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let readers = crowd_behind_one_load(&cache, &calls, Err(Failed("database down".into())));

    let results = results(readers).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(results.iter().all(|result| *result == Err(Failed("database down".into()))), "{results:?}");
    let next = cache.get_or_load(&["catalog"], "home", TTL, || async { Ok::<_, Failed>(9) }).await;
    assert_eq!(next, Ok(9), "an error is not cached: the next call loads");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn waiting_callers_of_a_cancelled_load_load_once_among_themselves(pool: PgPool) {
    let cache = support::cache_for(&pool, &support::redis_url()).await;
    let started = Arc::new(Notify::new());
    let abandoned = {
        let (cache, started) = (cache.clone(), started.clone());
        tokio::spawn(async move {
            cache
                .get_or_load(&["catalog"], "home", TTL, || async move {
                    started.notify_one();
                    std::future::pending::<Result<u32, Failed>>().await
                })
                .await
        })
    };
    started.notified().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let followers = 10;
    let readers = crowd(&cache, followers, TTL, || counted_load(calls.clone(), || true, Ok(3)));
    wait_until("the followers wait", || cache.waiting_for_loads() == followers).await;
    abandoned.abort();

    let results = results(readers).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one of them took over the load");
    assert!(results.iter().all(|result| *result == Ok(3)), "{results:?}");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn without_redis_concurrent_loads_of_one_key_are_still_shared(pool: PgPool) {
    let cache = support::cache_for(&pool, &format!("redis://127.0.0.1:{}", free_port())).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let readers = crowd_behind_one_load(&cache, &calls, Ok(5));

    let results = results(readers).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(results.iter().all(|result| *result == Ok(5)), "{results:?}");
    assert_eq!(cache.status().await, CacheStatus::Degraded);
    let next = cache.get_or_load(&["catalog"], "home", TTL, || async { Ok::<_, Failed>(6) }).await;
    assert_eq!(next, Ok(6), "nothing is stored: the next call loads");

    // Without versions, this process's own writes still part a read from
    // a load that began before them.
    let (before, release) = a_load_under_way(&cache, "home", 7).await;
    cache.invalidate("catalog").await;
    let after = cache.get_or_load(&["catalog"], "home", TTL, || async { Ok::<_, Failed>(8) }).await;
    assert_eq!(after, Ok(8));
    release.notify_one();
    assert_eq!(before.await.unwrap(), Ok(7));
}

/// The catalog namespace's version as a cache read sees it.
async fn version(cache: &Cache) -> Option<String> {
    cache.read_versioned::<serde_json::Value>(&["catalog"], "any").await.map(|(stamp, _)| stamp.versions().to_owned())
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn the_cache_degrades_when_redis_stops_and_recovers_when_it_returns(pool: PgPool) {
    let port = free_port();
    let redis = RedisProcess::start(port);
    let cache = support::cache_for(&pool, &redis.url()).await;
    wait_for_status(&cache, CacheStatus::Ok).await;
    cache.invalidate("catalog").await;
    assert_eq!(version(&cache).await.as_deref(), Some("1"));
    let read = |value: u32| cache.get_or_load(&["catalog"], "list", TTL, move || async move { Ok::<_, Failed>(value) });
    assert_eq!(read(1).await, Ok(1));
    wait_until("entries are kept near", || cache.near_status().0).await;
    assert_eq!(read(2).await, Ok(1), "kept near");

    drop(redis);
    wait_for_status(&cache, CacheStatus::Degraded).await;
    assert_eq!(version(&cache).await, None, "a miss, not an error");
    // Writes may now go unheard, so nothing is served near.
    wait_until("the near cache is off", || !cache.near_status().0).await;
    assert_eq!(read(3).await, Ok(3), "loaded, not served near");

    let _redis = RedisProcess::start(port);
    wait_for_status(&cache, CacheStatus::Ok).await;
    // A fresh server starts empty; the namespace version starts over.
    cache.invalidate("catalog").await;
    assert_eq!(version(&cache).await.as_deref(), Some("1"));
}

/// A private Redis server on a free port, stopped on drop.
struct RedisProcess {
    child: std::process::Child,
    port: u16,
}

impl RedisProcess {
    fn start(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed (the test command installs it)");
        Self { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_for_status(cache: &Cache, wanted: CacheStatus) {
    for _ in 0..100 {
        if cache.status().await == wanted {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cache never became {wanted:?}");
}
