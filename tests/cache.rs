//! The cache: Redis outages degrade to PostgreSQL, writes invalidate reads.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{UNREACHABLE_REDIS, get, import_fixture};
use nexus::server::cache::{Cache, CacheStatus};
use sqlx::PgPool;

#[sqlx::test]
async fn with_redis_down_pages_and_api_still_answer(pool: PgPool) {
    import_fixture(&pool).await;
    let app = common::app_with_redis(pool, UNREACHABLE_REDIS).await;

    let home = get(&app, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Featured products"));

    let products = get(&app, "/api/v1/products").await;
    assert_eq!(products.status, StatusCode::OK);
    assert_eq!(products.json()["items"].as_array().unwrap().len(), 20);

    let health = get(&app, "/health").await;
    assert_eq!(health.status, StatusCode::OK, "the store still serves");
    assert_eq!(health.json()["cache"], "degraded");
}

#[sqlx::test]
async fn catalog_writes_invalidate_cached_reads_on_every_instance(pool: PgPool) {
    import_fixture(&pool).await;
    // Two app instances sharing one Redis and one database.
    let first = common::state_with_redis(pool.clone(), &common::redis_url()).await;
    let second = common::state_with_redis(pool.clone(), &common::redis_url()).await;
    let query = nexus::model::ProductQuery::default();

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

/// The catalog namespace's version as a cache read sees it.
async fn version(cache: &nexus::server::cache::Cache) -> Option<u64> {
    cache.read_versioned::<serde_json::Value>("catalog", "any").await.map(|(version, _)| version)
}

#[sqlx::test]
async fn the_cache_degrades_when_redis_stops_and_recovers_when_it_returns(pool: PgPool) {
    let port = free_port();
    let redis = RedisProcess::start(port);
    let cache = common::cache_for(&pool, &redis.url()).await;
    wait_for_status(&cache, CacheStatus::Ok).await;
    cache.invalidate("catalog").await;
    assert_eq!(version(&cache).await, Some(1));

    drop(redis);
    wait_for_status(&cache, CacheStatus::Degraded).await;
    assert_eq!(version(&cache).await, None, "a miss, not an error");

    let _redis = RedisProcess::start(port);
    wait_for_status(&cache, CacheStatus::Ok).await;
    // A fresh server starts empty; the namespace version starts over.
    cache.invalidate("catalog").await;
    assert_eq!(version(&cache).await, Some(1));
}
