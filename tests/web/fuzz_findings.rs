//! What the schema-driven fuzz of `scripts/test` found, each pinned here so
//! it stays fixed: text PostgreSQL cannot store is the client's mistake, an
//! upload without a multipart body is a problem document, and the OpenAPI
//! document states what the API answers and how operations link.

use axum::{body::Body, http::Request, http::StatusCode};
use nexus_core::accounts::Role;
use serde_json::json;
use sqlx::PgPool;

use crate::common::{get, import_fixture, send, send_empty, send_json, staff_token, token_for};

/// A NUL character (`\u0000`) reached PostgreSQL, which refused it, and the
/// refusal was answered 500. The fuzz sent it as a stock change's reason;
/// every text the API stores or looks up had the same path.
#[sqlx::test]
async fn text_with_a_nul_character_is_refused_not_a_server_error(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let staff = staff_token(&app, &pool).await;
    let customer = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let variant: i64 = sqlx::query_scalar("SELECT min(id) FROM variants").fetch_one(&pool).await.unwrap();
    let address =
        json!({"full_name": "A\u{0}B", "line1": "1 Main St", "city": "Town", "postal_code": "1", "country": "US"});
    let cases = [
        ("POST", format!("/api/v1/variants/{variant}/stock"), Some(&staff), json!({"delta": 1, "reason": "a\u{0}"})),
        ("PATCH", format!("/api/v1/variants/{variant}"), Some(&staff), json!({"name": "a\u{0}"})),
        ("POST", "/api/v1/categories".into(), Some(&staff), json!({"name": "a\u{0}b"})),
        (
            "POST",
            "/api/v1/auth/register".into(),
            None,
            json!({"email": "nul@example.com", "password": "long enough", "name": "a\u{0}"}),
        ),
        (
            "POST",
            "/api/v1/auth/login".into(),
            None,
            json!({"email": "nul\u{0}@example.com", "password": "long enough"}),
        ),
        ("PATCH", "/api/v1/me".into(), Some(&customer), json!({"name": "a\u{0}b"})),
        ("POST", "/api/v1/me/addresses".into(), Some(&customer), address),
    ];
    for (method, path, token, body) in cases {
        let response = send_json(&app, method, &path, token.map(String::as_str), body).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}: {}", response.body);
        assert_eq!(response.header("content-type"), "application/problem+json", "{method} {path}");
        assert!(response.json()["errors"]["text"].is_array(), "{method} {path}: {}", response.body);
    }
    // In a path it names nothing, like any other unknown slug or number.
    for (method, path) in
        [("GET", "/api/v1/products/a%00b"), ("PUT", "/api/v1/wishlist/a%00b"), ("GET", "/api/v1/orders/a%00b")]
    {
        let response = send_empty(&app, method, path, Some(&customer)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {path}: {}", response.body);
    }
}

/// axum's multipart rejection is plain text; the fuzz posted an upload
/// without a multipart content type and got `text/plain` back.
#[sqlx::test]
async fn an_upload_that_is_not_multipart_is_a_problem_document(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let slug: String = sqlx::query_scalar("SELECT min(slug) FROM products").fetch_one(&pool).await.unwrap();
    let request = Request::post(format!("/api/v1/products/{slug}/images"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = send(&app, request).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.body);
    assert_eq!(response.header("content-type"), "application/problem+json");
    assert_eq!(response.json()["status"], 400);
}

/// A variant created with more stock than the ledger's bound could take no
/// stock change afterwards; the document says `stock` is at most 10^9.
#[sqlx::test]
async fn a_variant_cannot_start_above_the_most_a_variant_can_hold(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let slug: String = sqlx::query_scalar("SELECT min(slug) FROM products").fetch_one(&pool).await.unwrap();
    let body = json!({"sku": "FUZZ-HUGE", "stock": 1_000_000_001});
    let response = send_json(&app, "POST", &format!("/api/v1/products/{slug}/variants"), Some(&token), body).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    assert!(response.json()["errors"]["stock"].is_array(), "{}", response.body);
}

/// What the fuzz checks every answer against: the statuses the extractors
/// and guards send are documented on every operation that can send them,
/// and links carry OpenAPI's field names (utoipa 5.5 writes `operation_id`).
#[sqlx::test]
async fn the_document_lists_the_shared_answers_and_links_operations(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let document = get(&app, "/api/openapi.json").await.json();
    let stock = &document["paths"]["/api/v1/variants/{id}/stock"]["post"]["responses"];
    for status in ["400", "401", "403", "404", "413", "415", "422"] {
        assert!(stock[status].is_object(), "POST /variants/{{id}}/stock documents {status}: {stock}");
    }
    let upload = &document["paths"]["/api/v1/products/{slug}/images"]["post"]["responses"];
    assert!(upload["400"].is_object() && upload["415"].is_null(), "{upload}");
    let login = &document["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert_eq!(login["200"]["links"]["Me"]["operationId"], "me", "{login}");
    assert!(login["429"]["headers"]["Retry-After"].is_object(), "{login}");
    let created = &document["paths"]["/api/v1/products"]["post"]["responses"]["201"]["links"];
    assert_eq!(created["ProductDetail"]["parameters"]["slug"], "$response.body#/slug", "{created}");

    let mut ids = std::collections::HashSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(ids.insert(id.clone()), "{method} {path}: operationId `{id}` is used twice");
        }
    }
    let sort = &document["components"]["schemas"]["ProductSort"]["enum"];
    assert!(sort.as_array().is_some_and(|values| values.contains(&json!("-price"))), "{sort}");
}
