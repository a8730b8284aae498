//! Helpers of the core tests: the services over the test's own database
//! (from `#[sqlx::test]`) and the real Redis, and the fixture catalog.

use std::{
    path::{Path, PathBuf},
    sync::{
        LazyLock,
        atomic::{AtomicUsize, Ordering},
    },
};

use nexus_core::{
    Core, Secret, Settings,
    accounts::AddressInput,
    cache::Cache,
    catalog::import::{CatalogFiles, ImportSummary, import_catalog},
    orders::CheckoutRequest,
    payments::CardInput,
};
use sqlx::{PgPool, postgres::PgPoolOptions};

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Cache keys are prefixed with this run's random mark and the test
/// database's OID: sqlx names test databases after the test, so names repeat
/// across runs, and a freshly created cluster hands out the same OIDs again
/// while a Redis that outlived an earlier run may still hold its entries.
pub async fn cache_for(pool: &PgPool, redis_url: &str) -> Cache {
    // Seconds, not production's 250 ms: a loaded test machine now and then
    // answers late, and a cache that counts as down changes what tests see.
    Cache::with_timeout(redis_url, cache_prefix(pool).await, std::time::Duration::from_secs(5))
}

/// A connection to the tests' Redis, for reading or changing what the
/// cache keeps behind its back.
pub async fn redis_connection() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url()).unwrap().get_multiplexed_async_connection().await.unwrap()
}

/// The prefix of every Redis key of the test's cache.
pub async fn cache_prefix(pool: &PgPool) -> String {
    static RUN: LazyLock<String> = LazyLock::new(|| nexus_core::random::random_hex(4));
    let oid: i64 = sqlx::query_scalar("SELECT oid::bigint FROM pg_database WHERE datname = current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    format!("test:{}:{oid}", *RUN)
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

/// The fixture's three files, read into memory (as an upload would be).
pub fn fixture_files() -> [String; 3] {
    ["categories.csv", "products.csv", "variants.csv"]
        .map(|name| std::fs::read_to_string(fixture_dir().join(name)).expect("the fixture is readable"))
}

/// Files in memory as the import takes them.
pub fn files(texts: &[String; 3]) -> CatalogFiles<&[u8]> {
    CatalogFiles { categories: texts[0].as_bytes(), products: texts[1].as_bytes(), variants: texts[2].as_bytes() }
}

/// An empty directory of its own under the system's temporary directory.
pub fn temp_dir(label: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("nexus-core-{label}-{}-{nanos}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A second migrated database beside the test's own: another store on the
/// same server. `drop` removes it.
pub struct OtherDatabase {
    pub pool: PgPool,
    name: String,
    admin: PgPool,
}

impl OtherDatabase {
    pub async fn create(pool: &PgPool) -> Self {
        let oid: i64 = sqlx::query_scalar("SELECT oid::bigint FROM pg_database WHERE datname = current_database()")
            .fetch_one(pool)
            .await
            .unwrap();
        let name = format!("nexus_core_other_{oid}");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(pool).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(pool).await.unwrap();
        let options = (*pool.connect_options()).clone().database(&name);
        let other = PgPoolOptions::new().max_connections(4).connect_with(options).await.unwrap();
        nexus_core::db::MIGRATOR.run(&other).await.unwrap();
        Self { pool: other, name, admin: pool.clone() }
    }

    pub async fn drop(self) {
        self.pool.close().await;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&self.admin).await.unwrap();
    }
}

/// A checkout to a typed address with the test card that is always charged.
pub fn checkout() -> CheckoutRequest {
    CheckoutRequest {
        address_id: None,
        shipping_address: Some(AddressInput {
            full_name: "Ann Lee".into(),
            line1: "1 Main St".into(),
            city: "Springfield".into(),
            postal_code: "12345".into(),
            country: "US".into(),
            ..AddressInput::default()
        }),
        shipping_method: "standard".into(),
        payment: CardInput {
            card_number: "4242 4242 4242 4242".into(),
            exp_month: Some(12),
            exp_year: Some(2099),
            cvc: "123".into(),
        },
    }
}
