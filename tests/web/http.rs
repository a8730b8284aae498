//! The real router, end to end over HTTP semantics, on a fresh database.

use std::time::Duration;

use crate::common::{get, import_fixture};
use axum::{Router, http::StatusCode, routing::get as route_get};
use nexus::server::{router, state::AppState};
use nexus_core::{Core, cache::Cache};
use sqlx::{PgPool, postgres::PgPoolOptions};
use tower_http::catch_panic::CatchPanicLayer;

#[sqlx::test]
async fn health_reports_database_and_cache(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let response = get(&app, "/health").await;
    assert_eq!(response.status, StatusCode::OK);
    let body = response.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["cache"], "ok");
}

#[tokio::test]
async fn health_is_503_when_the_database_is_gone() {
    // Nothing listens on port 1, so every connection attempt fails.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/nexus")
        .unwrap();
    let cache = Cache::new(&crate::common::redis_url(), "test:no-database");
    let config = crate::common::config(&crate::common::redis_url());
    let core = Core::new(pool, cache, config.core_settings());
    let app = router::build(AppState::new(config, core));
    let response = get(&app, "/health").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json()["database"], "unavailable");
}

#[sqlx::test]
async fn unknown_api_routes_are_404_problem_documents(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let response = get(&app, "/api/v1/no-such-thing").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.header("content-type"), "application/problem+json");
    let problem = response.json();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["title"], "Not Found");
    assert!(problem["type"].is_string() && problem["detail"].is_string());
}

#[sqlx::test]
async fn unknown_pages_render_the_styled_404_page(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let response = get(&app, "/no-such-page").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(response.header("content-type").starts_with("text/html"));
    assert!(response.body.contains("Page not found"));
    assert!(response.body.contains("Back to the store"));
}

#[sqlx::test]
async fn metrics_are_exposed_in_prometheus_format(pool: PgPool) {
    let app = crate::common::app(pool).await;
    get(&app, "/health").await;
    let response = get(&app, "/metrics").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").starts_with("text/plain"));
    assert!(response.body.contains("http_requests_total"), "{}", response.body);
    assert!(response.body.contains("route=\"/health\""));
    assert!(response.body.contains("http_request_duration_seconds_bucket"));
    assert!(response.body.contains("nexus_job_queue_due{queue=\"nexus-work\"} 0"), "{}", response.body);
    assert!(response.body.contains("nexus_job_queue_oldest_due_seconds{queue=\"nexus-daily-summary\"}"));
}

#[sqlx::test]
async fn openapi_document_parses_and_describes_the_routes(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let response = get(&app, "/api/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let document = response.json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    assert!(document["paths"]["/api/v1/products"]["get"].is_object(), "{document}");
    assert!(document["paths"]["/health"]["get"].is_object());
    for (path, methods) in [
        ("/api/v1/products/{slug}/reviews", &["get", "post"][..]),
        ("/api/v1/reviews/{id}", &["patch", "delete"]),
        ("/api/v1/admin/reviews", &["get"]),
        ("/api/v1/admin/reviews/{id}", &["patch"]),
        ("/api/v1/wishlist", &["get"]),
        ("/api/v1/wishlist/{product_slug}", &["put", "delete"]),
    ] {
        for method in methods {
            assert!(document["paths"][path][method].is_object(), "{method} {path} is documented");
        }
    }

    let docs = get(&app, "/api/docs/").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.body.contains("swagger"), "interactive docs are served by the app");
}

#[sqlx::test]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let app = crate::common::app(pool).await;
    for path in ["/", "/api/v1/products", "/health", "/no-such-page"] {
        let response = get(&app, path).await;
        let csp = response.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert_eq!(response.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(response.header("referrer-policy"), "strict-origin-when-cross-origin", "{path}");
        assert!(!response.header("x-request-id").is_empty(), "{path}");
    }
}

#[sqlx::test]
async fn pages_allow_exactly_their_own_hydration_script(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool).await;
    let response = get(&app, "/").await;
    let csp = response.header("content-security-policy");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("page CSP has a nonce: {csp}"));
    assert!(nonce.len() >= 16);
    assert!(response.body.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries it");
    assert!(!csp.contains("'unsafe-inline' 'wasm") && !csp.contains("script-src 'self' 'unsafe-inline'"));
    // A second request gets a different nonce.
    let again = get(&app, "/").await;
    assert_ne!(again.header("content-security-policy"), csp);
}

#[sqlx::test]
async fn the_home_page_is_rendered_on_the_server_with_products(pool: PgPool) {
    import_fixture(&pool).await;
    let featured: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM products p WHERE is_active AND EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stock > 0)
         ORDER BY created_at DESC, id DESC LIMIT 8",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let app = crate::common::app(pool).await;
    let response = get(&app, "/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("<title>Shop thousands of products · Nexus</title>"));
    assert!(response.body.contains("Featured products"));
    for name in &featured {
        assert!(response.body.contains(name.as_str()), "{name} is on the page");
    }
    assert!(response.body.contains("Top categories"));
    assert!(response.body.contains("Cart (0)"));
    assert!(response.body.contains("Search products"));
}

#[sqlx::test]
async fn products_are_listed_newest_first_in_the_pagination_envelope(pool: PgPool) {
    import_fixture(&pool).await;
    let active: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE is_active").fetch_one(&pool).await.unwrap();
    let app = crate::common::app(pool).await;

    let first = get(&app, "/api/v1/products?per_page=5").await;
    assert_eq!(first.status, StatusCode::OK);
    let page = first.json();
    assert_eq!(page["page"], 1);
    assert_eq!(page["per_page"], 5);
    assert_eq!(page["total"], active);
    assert_eq!(page["total_is_exact"], true, "an unfiltered total comes from the maintained counts");
    assert_eq!(page["total_pages"], (active + 4) / 5);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let item = &items[0];
    for field in ["id", "slug", "name", "price_cents", "currency", "in_stock", "rating_count", "category"] {
        assert!(item.get(field).is_some(), "{field} in {item}");
    }
    assert_eq!(item["currency"], "USD");
    assert!(item["price_cents"].is_i64());

    let second = get(&app, "/api/v1/products?per_page=5&page=2").await.json();
    assert_ne!(second["items"][0]["id"], item["id"]);

    let clamped = get(&app, "/api/v1/products?per_page=1000").await.json();
    assert_eq!(clamped["per_page"], 100);
}

#[sqlx::test]
async fn invalid_list_parameters_are_422_naming_the_parameter(pool: PgPool) {
    let app = crate::common::app(pool).await;
    for (query, parameter) in [("page=0", "page"), ("page=abc", "page"), ("per_page=-1", "per_page")] {
        let response = get(&app, &format!("/api/v1/products?{query}")).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(response.header("content-type"), "application/problem+json");
        assert!(response.json()["errors"][parameter].is_array(), "{query}: {}", response.body);
    }
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_500_problem_not_a_dropped_connection() {
    async fn boom() -> &'static str {
        panic!("boom")
    }
    let app: Router = Router::new().route("/boom", route_get(boom)).layer(CatchPanicLayer::custom(router::api_panic));
    let response = get(&app, "/boom").await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.header("content-type"), "application/problem+json");
    assert!(!response.body.contains("boom"), "the panic message stays in the logs");
}

#[sqlx::test]
async fn static_assets_are_served_with_long_cache_headers_when_hashed(pool: PgPool) {
    // Test builds have no hash.txt beside the binary: names are not hashed,
    // so assets must be revalidated rather than cached for a year.
    let app = crate::common::app(pool).await;
    let response = get(&app, "/pkg/does-not-exist.js").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.header("cache-control"), "no-cache");
}
