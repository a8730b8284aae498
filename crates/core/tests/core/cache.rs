//! The cache: writes retire reads on every instance, an entry filed under
//! several namespaces is retired by any of them, and Redis outages degrade
//! to PostgreSQL and recover by themselves.

use std::time::Duration;

use nexus_core::{
    cache::{Cache, CacheStatus},
    model::ProductQuery,
};
use sqlx::PgPool;

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

    first.catalog.invalidate().await;
    let fresh = second.catalog.list_products(&query).await.unwrap();
    assert_eq!(fresh.items[0].price_cents.0, 4242);
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

    drop(redis);
    wait_for_status(&cache, CacheStatus::Degraded).await;
    assert_eq!(version(&cache).await, None, "a miss, not an error");

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
