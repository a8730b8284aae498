//! With Redis down, the store still serves pages and the API from
//! PostgreSQL. (The cache itself is tested in nexus-core.)

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::common::{UNREACHABLE_REDIS, get, import_fixture};

#[sqlx::test]
async fn with_redis_down_pages_and_api_still_answer(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app_with_redis(pool, UNREACHABLE_REDIS).await;

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
