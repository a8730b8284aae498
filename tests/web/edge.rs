//! What the workspace split settled at the edge: every API answer is a
//! problem document (wrong method, an id that is no number, a body over the
//! limit on any route), a sign-in keeps the page to come back to, and a
//! failure is said, never turned into a wrong value.

use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use nexus::app::{
    components::add_to_cart::AddToCart,
    pages::{checkout::PlaceOrder, orders::CancelOrder},
};
use nexus_core::accounts::Role;
use serde_json::json;
use sqlx::PgPool;

use crate::common::{
    create_user, import_fixture,
    pages::{ORIGIN, get_page, post_form, sign_in, variant_with_stock},
    send_empty, send_json, staff_token,
};

#[sqlx::test]
async fn a_wrong_method_is_a_405_problem_with_allow(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let response = send_empty(&app, "DELETE", "/api/v1/categories", None).await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("content-type"), "application/problem+json");
    assert_eq!(response.json()["status"], 405);
    let allow = response.header("allow");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[sqlx::test]
async fn an_id_that_is_no_number_names_no_resource(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    for (method, path) in [("PATCH", "/api/v1/variants/abc"), ("POST", "/api/v1/variants/abc/stock")] {
        let response = send_json(&app, method, path, Some(&token), json!({"delta": 1, "reason": "count"})).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {path}: {}", response.body);
        assert_eq!(response.header("content-type"), "application/problem+json");
    }
    let response = send_empty(&app, "DELETE", "/api/v1/me/addresses/twelve", Some(&token)).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.header("content-type"), "application/problem+json");
}

#[sqlx::test]
async fn the_body_limit_covers_the_category_routes(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let huge = json!({"name": "Big", "description": "x".repeat(2 * 1024 * 1024)});
    let response = send_json(&app, "POST", "/api/v1/categories", Some(&token), huge).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &response.body[..response.body.len().min(200)]);
    assert_eq!(response.header("content-type"), "application/problem+json");
}

#[sqlx::test]
async fn signing_in_comes_back_to_the_page_or_form_it_left(pool: PgPool) {
    let app = crate::common::app(pool).await;
    assert_eq!(get_page(&app, "/orders?page=2", None).await.header("location"), "/login?next=/orders?page=2");
    let cancel =
        post_form(&app, CancelOrder::PATH, "/orders/NX-2026-000001", &[("number", "NX-2026-000001")], None).await;
    assert_eq!(cancel.status, StatusCode::FOUND);
    assert_eq!(cancel.header("location"), "/login?next=/orders/NX-2026-000001", "a form's sign-in keeps its page");
}

#[sqlx::test]
async fn a_failed_header_lookup_never_tells_a_signed_in_shopper_to_sign_in(pool: PgPool) {
    import_fixture(&pool).await;
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let cookie = sign_in(&app, &email, &password).await;
    assert!(get_page(&app, "/", Some(&cookie)).await.body.contains(">Sign out</button>"));

    // Who the visitor is can no longer be read.
    sqlx::query("ALTER TABLE users RENAME TO users_gone").execute(&pool).await.unwrap();
    let page = get_page(&app, "/", Some(&cookie)).await;
    let header = page.body.split("</header>").next().unwrap();
    assert!(!header.contains(">Sign in<") && !header.contains("Cart (0)"), "{header}");
    assert!(header.contains(r#"href="/account""#), "a link that works either way");
}

#[sqlx::test]
async fn an_expiry_that_is_no_number_is_named_not_read_as_zero(pool: PgPool) {
    import_fixture(&pool).await;
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let cookie = sign_in(&app, &email, &password).await;
    let (variant, slug) = variant_with_stock(&pool, 5).await;
    let variant = variant.to_string();
    let item = [("variant_id", variant.as_str()), ("quantity", "1")];
    post_form(&app, AddToCart::PATH, &format!("/p/{slug}"), &item, Some(&cookie)).await;
    let fields = [
        ("idempotency_key", "key-1"),
        ("address_id", "seven"),
        ("shipping_method", "standard"),
        ("card_number", "4242 4242 4242 4242"),
        ("exp_month", "12"),
        ("exp_year", "2030"),
        ("cvc", "123"),
    ];
    let refused = post_form(&app, PlaceOrder::PATH, "/checkout", &fields, Some(&cookie)).await;
    let shown = get_page(&app, refused.header("location").trim_start_matches(ORIGIN), Some(&cookie)).await.body;
    assert!(shown.contains("Choose one of your saved addresses"), "an unreadable address id is said as such");

    let mut fields = fields.to_vec();
    fields[1] = ("address_id", "");
    fields.extend([
        ("full_name", "Ann"),
        ("line1", "1 Main St"),
        ("city", "X"),
        ("postal_code", "1"),
        ("country", "US"),
    ]);
    fields[4] = ("exp_month", "next");
    let refused = post_form(&app, PlaceOrder::PATH, "/checkout", &fields, Some(&cookie)).await;
    let shown = get_page(&app, refused.header("location").trim_start_matches(ORIGIN), Some(&cookie)).await.body;
    assert!(shown.contains("Expiry month must be a month from 1 to 12"), "{shown}");
    assert!(shown.contains(r#"value="next""#), "what was typed stays");
}
