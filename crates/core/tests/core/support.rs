//! Helpers of the core tests: the services over the test's own database
//! (from `#[sqlx::test]`) and the real Redis, and the fixture catalog.

use std::path::{Path, PathBuf};

use nexus_core::{
    Core, Secret, Settings,
    cache::Cache,
    catalog::import::{ImportSummary, import_catalog},
};
use sqlx::PgPool;

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Cache keys are prefixed with the test database's OID: sqlx names test
/// databases after the test, so names repeat across runs; OIDs do not.
pub async fn cache_for(pool: &PgPool, redis_url: &str) -> Cache {
    let oid: i64 = sqlx::query_scalar("SELECT oid::bigint FROM pg_database WHERE datname = current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    Cache::new(redis_url, format!("test:{oid}"))
}

pub fn settings() -> Settings {
    Settings::new(
        Secret::random(64),
        std::env::temp_dir().join(format!("nexus-core-test-media-{}", std::process::id())),
    )
}

/// The core services over the test's database and the real Redis. Two
/// calls on one pool are two app instances sharing a database and a cache.
pub async fn core(pool: &PgPool) -> Core {
    Core::new(pool.clone(), cache_for(pool, &redis_url()).await, settings())
}

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/catalog")
}

pub async fn import_fixture(pool: &PgPool) -> ImportSummary {
    import_catalog(pool, &fixture_dir(), &mut |_, _, _| {}).await.expect("the fixture catalog imports")
}
