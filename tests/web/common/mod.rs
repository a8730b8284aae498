//! Helpers shared by the integration tests: the real router over a fresh
//! database (from `#[sqlx::test]`) and the real Redis.
#![allow(dead_code)]

pub mod pages;

use std::path::Path;

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode},
};
use http_body_util::BodyExt;
use std::sync::Arc;

use nexus::server::{config::Config, router, state::AppState};
use nexus_core::{
    Core,
    accounts::{NewUser, Role},
    cache::Cache,
    catalog::import::{ImportSummary, import_catalog},
    payments::PaymentProvider,
};
use sqlx::PgPool;
use tower::ServiceExt;

/// A closed port: nothing listens on port 1 of loopback.
pub const UNREACHABLE_REDIS: &str = "redis://127.0.0.1:1";

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub fn config(redis_url: &str) -> Config {
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let media_dir = std::env::temp_dir().join(format!("nexus-test-media-{}", std::process::id()));
    Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.clone()),
        "REDIS_URL" => Some(redis_url.to_owned()),
        "NEXUS_MEDIA_DIR" => Some(media_dir.to_string_lossy().into_owned()),
        _ => None,
    })
    .expect("test configuration is valid")
}

/// Cache keys are prefixed with this run's random mark and the test
/// database's OID. sqlx derives a test's database name from the test's path,
/// so the name repeats on every run; the OID tells parallel tests apart, and
/// the mark keeps a run from meeting entries an earlier run left in a Redis
/// that outlived its database cluster (a fresh cluster repeats OIDs).
///
/// Commands get seconds rather than the production 250 ms: on two cores
/// busy with parallel tests a late reply makes the cache count as down for
/// two seconds, and a rate limit then counts part of a test's attempts in
/// Redis and part in the instance (the likeliest cause of a password-limit
/// test that failed once in CI and never alone).
pub async fn cache_for(pool: &PgPool, redis_url: &str) -> Cache {
    Cache::with_timeout(redis_url, cache_prefix(pool).await, TEST_REDIS_TIMEOUT)
}

pub const TEST_REDIS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The prefix of the test's cache keys (see [`cache_for`]).
pub async fn cache_prefix(pool: &PgPool) -> String {
    static RUN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| nexus_core::random::random_hex(4));
    let oid: i64 = sqlx::query_scalar("SELECT oid::bigint FROM pg_database WHERE datname = current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    format!("test:{}:{oid}", *RUN)
}

/// How many of the test's keys in Redis match `pattern` (after the prefix).
pub async fn count_cache_keys(pool: &PgPool, pattern: &str) -> usize {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{}:{pattern}", cache_prefix(pool).await)).query_async(&mut conn).await.unwrap();
    keys.len()
}

pub async fn state_with_redis(pool: PgPool, redis_url: &str) -> AppState {
    let cache = cache_for(&pool, redis_url).await;
    let config = config(redis_url);
    let core = Core::new(app_pool(&pool), cache, config.core_settings());
    AppState::new(config, core)
}

/// The app state with another payment provider.
pub async fn state_with_payments(pool: PgPool, payments: Arc<dyn PaymentProvider>) -> AppState {
    let cache = cache_for(&pool, &redis_url()).await;
    let config = config(&redis_url());
    let core = Core::with_payments(app_pool(&pool), cache, config.core_settings(), payments);
    AppState::new(config, core)
}

/// The app's own pool on the test's database, sized like production's.
/// `#[sqlx::test]` pools hold at most 5 connections borrowed from a parent
/// pool shared by the whole test binary; a page render runs several server
/// functions at once, and under that pool a render now and then waited the
/// full 30 s acquire timeout for a connection (a 503 from the request
/// timeout). The test's own queries keep using the test pool.
pub fn app_pool(test_pool: &PgPool) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_lazy_with(test_pool.connect_options().as_ref().clone())
}

pub async fn app_with_redis(pool: PgPool, redis_url: &str) -> Router {
    router::build(state_with_redis(pool, redis_url).await)
}

pub async fn app(pool: PgPool) -> Router {
    app_with_redis(pool, &redis_url()).await
}

pub fn fixture_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/catalog"))
}

pub async fn import_fixture(pool: &PgPool) -> ImportSummary {
    import_catalog(pool, fixture_dir(), &mut |_, _, _| {}).await.expect("the fixture catalog imports")
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

pub async fn get(app: &Router, path: &str) -> TestResponse {
    send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

pub async fn send(app: &Router, request: Request<Body>) -> TestResponse {
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// The core services on the test's database, without Redis.
pub fn core(pool: &PgPool) -> Core {
    let config = config(UNREACHABLE_REDIS);
    Core::new(pool.clone(), Cache::new(UNREACHABLE_REDIS, "test"), config.core_settings())
}

/// Creates an account directly in the database and returns its credentials.
pub async fn create_user(pool: &PgPool, email: &str, role: Role) -> (String, String) {
    let password = "correct horse battery".to_owned();
    let new_user = NewUser { email, password: &password, name: "Test User", role };
    core(pool).accounts.create_user(new_user).await.expect("user is created");
    (email.to_owned(), password)
}

/// Signs in through the API and returns the access and refresh tokens.
pub async fn login(app: &Router, email: &str, password: &str) -> (String, String) {
    let response =
        send_json(app, "POST", "/api/v1/auth/login", None, serde_json::json!({"email": email, "password": password}))
            .await;
    assert_eq!(response.status, StatusCode::OK, "login: {}", response.body);
    let body = response.json();
    (body["access_token"].as_str().unwrap().to_owned(), body["refresh_token"].as_str().unwrap().to_owned())
}

/// A staff member's access token.
pub async fn staff_token(app: &Router, pool: &PgPool) -> String {
    let (email, password) = create_user(pool, "staff@example.com", Role::Staff).await;
    login(app, &email, &password).await.0
}

pub async fn send_json(
    app: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: serde_json::Value,
) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

pub async fn send_empty(app: &Router, method: &str, path: &str, token: Option<&str>) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

/// The router over a configuration the test adjusts (e.g. rate limits).
pub async fn app_with(pool: PgPool, adjust: impl FnOnce(&mut Config)) -> Router {
    router::build(state_with(pool, adjust).await)
}

/// The app state over a configuration the test adjusts; its `core` signs
/// tokens the router built from it accepts.
pub async fn state_with(pool: PgPool, adjust: impl FnOnce(&mut Config)) -> AppState {
    let cache = cache_for(&pool, &redis_url()).await;
    let mut config = config(&redis_url());
    adjust(&mut config);
    let core = Core::new(app_pool(&pool), cache, config.core_settings());
    AppState::new(config, core)
}

/// A user's access token, for a user created with `role`.
pub async fn token_for(app: &Router, pool: &PgPool, email: &str, role: Role) -> String {
    let (email, password) = create_user(pool, email, role).await;
    login(app, &email, &password).await.0
}
