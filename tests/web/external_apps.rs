//! What an app on another origin meets: CORS preflights answered for the
//! configured origins only and never with credentials, bearer requests from
//! any origin passing the CSRF check while cookie ones are refused, a read
//! and a write budget with `RateLimit-*` headers and a 429 past them, and a
//! checkout quote equal to the totals of the order placed after it.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use nexus_core::{accounts::Role, rate_limit::Limit};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{
    common::{
        TestResponse, app_with, create_user, import_fixture, pages::sign_in, send, send_empty, send_json, token_for,
    },
    orders_api::{GOOD_CARD, add_to_cart, checkout, place, stocked_variants},
};

const APP_ORIGIN: &str = "https://app.example.net";

async fn with_cors(pool: &PgPool) -> Router {
    app_with(pool.clone(), |config| config.cors_origins = vec![APP_ORIGIN.to_owned()]).await
}

async fn preflight(app: &Router, path: &str, origin: &str) -> TestResponse {
    let request = Request::options(path)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type,idempotency-key")
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

#[sqlx::test]
async fn preflights_are_answered_for_configured_origins_on_the_api_only(pool: PgPool) {
    let app = with_cors(&pool).await;
    let allowed = preflight(&app, "/api/v1/cart/items", APP_ORIGIN).await;
    assert!(allowed.status.is_success(), "{}", allowed.status);
    assert_eq!(allowed.header("access-control-allow-origin"), APP_ORIGIN);
    assert!(allowed.header("access-control-allow-methods").contains("POST"));
    let headers = allowed.header("access-control-allow-headers").to_ascii_lowercase();
    assert!(headers.contains("authorization") && headers.contains("idempotency-key"), "{headers}");
    assert_eq!(allowed.header("access-control-allow-credentials"), "", "never with cookies");

    let stranger = preflight(&app, "/api/v1/cart/items", "https://evil.example").await;
    assert_eq!(stranger.header("access-control-allow-origin"), "", "an origin not configured");
    let page = preflight(&app, "/cart", APP_ORIGIN).await;
    assert_eq!(page.header("access-control-allow-origin"), "", "pages are not for other origins");

    let read =
        send(&app, Request::get("/api/v1/categories").header("origin", APP_ORIGIN).body(Body::empty()).unwrap()).await;
    assert_eq!(read.header("access-control-allow-origin"), APP_ORIGIN);
    assert!(read.header("access-control-expose-headers").to_ascii_lowercase().contains("ratelimit-remaining"));

    let default = crate::common::app(pool).await;
    let none = preflight(&default, "/api/v1/cart/items", APP_ORIGIN).await;
    assert_eq!(none.header("access-control-allow-origin"), "", "no origin is allowed by default");
}

#[sqlx::test]
async fn a_bearer_post_from_another_origin_works_a_cookie_one_is_refused(pool: PgPool) {
    import_fixture(&pool).await;
    let app = with_cors(&pool).await;
    let (variant, _, _) = stocked_variants(&pool, 2, 1).await[0];
    let body = json!({"variant_id": variant, "quantity": 1}).to_string();
    let token = token_for(&app, &pool, "app-user@example.com", Role::Customer).await;
    let from_app = Request::post("/api/v1/cart/items")
        .header("origin", APP_ORIGIN)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body.clone()))
        .unwrap();
    let response = send(&app, from_app).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(response.header("access-control-allow-origin"), APP_ORIGIN);

    let (email, password) = create_user(&pool, "shopper@example.com", Role::Customer).await;
    let cookie = sign_in(&app, &email, &password).await;
    let forged = Request::post("/api/v1/cart/items")
        .header("origin", APP_ORIGIN)
        .header("content-type", "application/json")
        .header("cookie", &cookie)
        .body(Body::from(body))
        .unwrap();
    let refused = send(&app, forged).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(refused.header("content-type"), "application/problem+json");
    let cart = sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM cart_items i JOIN carts c ON c.id = i.cart_id JOIN users u ON u.id = c.user_id
         WHERE u.email = $1",
    )
    .bind(&email)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(cart, 0, "the refused request changed nothing");
}

#[sqlx::test]
async fn api_answers_say_the_budget_and_refuse_past_it(pool: PgPool) {
    let app = app_with(pool.clone(), |config| {
        config.rate_limits.api_reads = Limit::per(3, Duration::from_secs(60));
        config.rate_limits.api_writes = Limit::per(2, Duration::from_secs(60));
    })
    .await;
    for remaining in ["2", "1", "0"] {
        let response = send_empty(&app, "GET", "/api/v1/categories", None).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.header("ratelimit-limit"), "3");
        assert_eq!(response.header("ratelimit-remaining"), remaining);
        let reset: u64 = response.header("ratelimit-reset").parse().unwrap();
        assert!((1..=60).contains(&reset), "{reset}");
    }
    let refused = send_empty(&app, "GET", "/api/v1/categories", None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("content-type"), "application/problem+json");
    assert_eq!(refused.json()["status"], 429);
    let retry_after: u64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(refused.header("ratelimit-remaining"), "0");

    // Writes have their own budget, and a token its own count.
    let login = send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": "x@example.com", "password": "p"}));
    let login = login.await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    assert_eq!((login.header("ratelimit-limit"), login.header("ratelimit-remaining")), ("2", "1"));
    let (email, password) = create_user(&pool, "budget@example.com", Role::Customer).await;
    let signed_in =
        send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": email, "password": password})).await;
    let token = signed_in.json()["access_token"].as_str().unwrap().to_owned();
    let me = send_empty(&app, "GET", "/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK, "the address's reads are spent, the token's are not");
    assert_eq!(me.header("ratelimit-remaining"), "2");

    let health = send_empty(&app, "GET", "/health", None).await;
    assert_eq!(health.header("ratelimit-limit"), "", "health checks are not counted");
}

/// The quote of the cart, then the order placed with the same body: equal totals.
async fn quote_then_place(app: &Router, pool: &PgPool, email: &str, method: &str) -> (Value, Value) {
    let token = token_for(app, pool, email, Role::Customer).await;
    let (variant, _, _) = stocked_variants(pool, 3, 1).await[0];
    add_to_cart(app, &token, variant, 2).await;
    let mut body = checkout(GOOD_CARD);
    body["shipping_method"] = json!(method);
    let payment = body.as_object_mut().unwrap().remove("payment").unwrap();
    let quote = send_json(app, "POST", "/api/v1/checkout/quote", Some(&token), body.clone()).await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.body);
    body["payment"] = payment;
    let order = place(app, &token, body, None).await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.body);
    (quote.json(), order.json())
}

#[sqlx::test]
async fn a_quote_equals_the_totals_of_the_order_placed_after_it(pool: PgPool) {
    import_fixture(&pool).await;
    for (free_from, free) in [(1, true), (i64::from(i32::MAX), false)] {
        let app = app_with(pool.clone(), |config| {
            config.rate_limits.enabled = false;
            config.pricing.free_shipping_from_cents = free_from;
        })
        .await;
        for method in ["standard", "express"] {
            let email = format!("{method}-{free}@example.com");
            let (quote, order) = quote_then_place(&app, &pool, &email, method).await;
            for field in ["subtotal_cents", "shipping_cents", "tax_cents", "total_cents", "currency"] {
                assert_eq!(quote[field], order[field], "{field} ({method}, free shipping {free})");
            }
            assert_eq!(quote["lines"][0]["line_total_cents"], order["items"][0]["line_total_cents"]);
            assert_eq!(quote["problems"], json!([]));
            let shipping = quote["shipping_cents"].as_i64().unwrap();
            assert_eq!(shipping == 0, free && method == "standard", "{method}, free shipping {free}: {shipping}");
        }
    }
}

#[sqlx::test]
async fn a_quote_names_short_and_repriced_lines_and_changes_nothing(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app_with(pool.clone(), |config| config.rate_limits.enabled = false).await;
    let token = token_for(&app, &pool, "quoted@example.com", Role::Customer).await;
    let body = json!({"shipping_address": checkout(GOOD_CARD)["shipping_address"], "shipping_method": "standard"});
    let empty = send_json(&app, "POST", "/api/v1/checkout/quote", Some(&token), body.clone()).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.body);

    let variants = stocked_variants(&pool, 3, 2).await;
    let ((short, _, _), (repriced, _, price)) = (variants[0], variants[1]);
    add_to_cart(&app, &token, short, 3).await;
    add_to_cart(&app, &token, repriced, 1).await;
    sqlx::query("UPDATE variants SET stock = 1 WHERE id = $1").bind(short).execute(&pool).await.unwrap();
    sqlx::query("UPDATE variants SET price_cents = $2 WHERE id = $1")
        .bind(repriced)
        .bind(price + 100)
        .execute(&pool)
        .await
        .unwrap();

    let quote = send_json(&app, "POST", "/api/v1/checkout/quote", Some(&token), body.clone()).await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.body);
    let quote = quote.json();
    let problems = quote["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{problems:?}");
    let short_problem = problems.iter().find(|p| p["kind"] == "out_of_stock").unwrap();
    assert_eq!((short_problem["variant_id"].as_i64(), short_problem["requested"].as_i64()), (Some(short), Some(3)));
    assert_eq!(short_problem["available"], 1);
    let price_problem = problems.iter().find(|p| p["kind"] == "price_changed").unwrap();
    assert_eq!(price_problem["variant_id"].as_i64(), Some(repriced));
    assert_eq!(price_problem["added_at_cents"].as_i64(), Some(price));
    assert_eq!(price_problem["now_cents"].as_i64(), Some(price + 100));

    let stock: i32 =
        sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1").bind(short).fetch_one(&pool).await.unwrap();
    assert_eq!(stock, 1, "a quote takes no stock");
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
    assert_eq!(orders, 0);

    let bad = json!({"shipping_address": body["shipping_address"], "shipping_method": "teleport"});
    let invalid = send_json(&app, "POST", "/api/v1/checkout/quote", Some(&token), bad).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.json()["errors"]["shipping_method"].is_array(), "{}", invalid.body);
    let anonymous = send_json(&app, "POST", "/api/v1/checkout/quote", None, body).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
