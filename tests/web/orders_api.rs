//! Checkout and orders through the JSON API: every status code of the
//! Orders section, stock integrity under concurrency, idempotency, the
//! status machine, refunds and the outbox.

use std::sync::Arc;

use crate::common::{TestResponse, import_fixture, send, send_empty, send_json, token_for};
use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use nexus_core::{
    accounts::Role,
    orders::{OrderStatus, Pricing, ShippingMethod},
    payments::{ChargeOutcome, ChargeRequest, PaymentProvider, ProviderError},
};
use serde_json::{Value, json};
use sqlx::PgPool;

pub(crate) const GOOD_CARD: &str = "4242 4242 4242 4242";
const DECLINED_CARD: &str = "4000 0000 0000 0002";

fn card(number: &str) -> Value {
    json!({"card_number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"})
}

fn address() -> Value {
    json!({"full_name": "Ann Lee", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "us"})
}

pub(crate) fn checkout(card_number: &str) -> Value {
    json!({"shipping_address": address(), "shipping_method": "standard", "payment": card(card_number)})
}

/// Listed variants with at least `min_stock` units: (id, stock, unit price).
pub(crate) async fn stocked_variants(pool: &PgPool, min_stock: i32, count: i64) -> Vec<(i64, i32, i64)> {
    sqlx::query_as(
        "SELECT v.id, v.stock, COALESCE(v.price_cents, p.price_cents) FROM variants v
         JOIN products p ON p.id = v.product_id
         WHERE v.stock >= $1 AND p.is_active AND p.archived_at IS NULL ORDER BY v.id LIMIT $2",
    )
    .bind(min_stock)
    .bind(count)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn stock_of(pool: &PgPool, variant_id: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1").bind(variant_id).fetch_one(pool).await.unwrap()
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

pub(crate) async fn add_to_cart(app: &Router, token: &str, variant_id: i64, quantity: i32) {
    let body = json!({"variant_id": variant_id, "quantity": quantity});
    let response = send_json(app, "POST", "/api/v1/cart/items", Some(token), body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
}

pub(crate) async fn place(app: &Router, token: &str, body: Value, key: Option<&str>) -> TestResponse {
    let mut request = Request::post("/api/v1/orders")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

pub(crate) fn no_limits(pool: &PgPool) -> impl std::future::Future<Output = Router> + '_ {
    crate::common::app_with(pool.clone(), |config| config.rate_limits.enabled = false)
}

#[sqlx::test]
async fn checkout_turns_the_cart_into_a_paid_order(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let variants = stocked_variants(&pool, 3, 2).await;
    let [(first, first_stock, first_price), (second, second_stock, second_price)] = variants[..] else {
        panic!("the fixture has two stocked variants")
    };
    add_to_cart(&app, &token, first, 2).await;
    add_to_cart(&app, &token, second, 1).await;
    let slug: String =
        sqlx::query_scalar("SELECT p.slug FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1")
            .bind(first)
            .fetch_one(&pool)
            .await
            .unwrap();
    let cached_stock = |detail: &Value| {
        detail["variants"].as_array().unwrap().iter().find(|v| v["id"] == first).map(|v| v["stock"].as_i64().unwrap())
    };
    let before = crate::common::get(&app, &format!("/api/v1/products/{slug}")).await.json();
    assert_eq!(cached_stock(&before), Some(i64::from(first_stock)), "the detail is now cached");

    let cart_before = send_empty(&app, "GET", "/api/v1/cart", Some(&token)).await.json();

    let response = place(&app, &token, checkout(GOOD_CARD), None).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let order = response.json();
    let number = order["number"].as_str().unwrap().to_owned();
    assert!(
        number.len() == 14 && number.starts_with("NX-20") && &number[7..8] == "-",
        "human-friendly number: {number}"
    );
    assert_eq!(order["status"], "paid");
    assert_eq!(order["currency"], "USD");
    assert_eq!(order["card_last4"], "4242");
    assert_eq!(order["shipping_address"]["country"], "US", "the address is normalised");
    let items = order["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!((items[0]["variant_id"].as_i64(), items[0]["quantity"].as_i64()), (Some(first), Some(2)));
    assert_eq!(items[0]["unit_price_cents"].as_i64(), Some(first_price));
    assert_eq!(items[0]["line_total_cents"].as_i64(), Some(2 * first_price));
    let named = |lines: &Value| -> Vec<(Value, Value)> {
        lines.as_array().unwrap().iter().map(|line| (line["sku"].clone(), line["name"].clone())).collect()
    };
    assert_eq!(named(&order["items"]), named(&cart_before["items"]), "lines keep the SKU and name the cart showed");

    let subtotal = 2 * first_price + second_price;
    let totals = Pricing::default().totals(subtotal, ShippingMethod::Standard).unwrap();
    assert_eq!(order["subtotal_cents"].as_i64(), Some(subtotal));
    assert_eq!(order["shipping_cents"].as_i64(), Some(totals.shipping_cents));
    assert_eq!(order["tax_cents"].as_i64(), Some(totals.tax_cents));
    assert_eq!(order["total_cents"].as_i64(), Some(subtotal + totals.shipping_cents + totals.tax_cents));
    let history: Vec<&str> =
        order["status_history"].as_array().unwrap().iter().map(|change| change["status"].as_str().unwrap()).collect();
    assert_eq!(history, ["pending", "paid"]);

    assert_eq!(stock_of(&pool, first).await, first_stock - 2, "stock is taken");
    assert_eq!(stock_of(&pool, second).await, second_stock - 1);
    let after = crate::common::get(&app, &format!("/api/v1/products/{slug}")).await.json();
    assert_eq!(cached_stock(&after), Some(i64::from(first_stock - 2)), "shoppers see the new stock at once");
    let ledger: Vec<(i64, i32, String)> = sqlx::query_as(
        "SELECT variant_id, delta, reason FROM inventory_ledger WHERE reason LIKE 'order %' ORDER BY variant_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(ledger, [(first, -2, format!("order {number}")), (second, -1, format!("order {number}"))]);
    let cart = send_empty(&app, "GET", "/api/v1/cart", Some(&token)).await.json();
    assert_eq!(cart["item_count"], 0, "the cart is emptied");
    let created: Value = sqlx::query_scalar("SELECT payload FROM outbox_events WHERE topic = 'order.created'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(created["number"], number.as_str());
    assert_eq!(count(&pool, "SELECT count(*) FROM payments WHERE kind = 'charge'").await, 1);

    // The caller finds it; nobody else does.
    let detail = send_empty(&app, "GET", &format!("/api/v1/orders/{number}"), Some(&token)).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.json(), order, "the detail is the order as placed");
    let list = send_empty(&app, "GET", "/api/v1/orders", Some(&token)).await.json();
    assert_eq!((list["total"].as_i64(), list["page"].as_i64()), (Some(1), Some(1)));
    assert_eq!(list["items"][0]["number"], number.as_str());
    assert_eq!(list["items"][0]["item_count"], 3);
    assert!(list["items"][0].get("customer_email").is_none(), "customers see no e-mail column");
    let other = token_for(&app, &pool, "bob@example.com", Role::Customer).await;
    let hidden = send_empty(&app, "GET", &format!("/api/v1/orders/{number}"), Some(&other)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(send_empty(&app, "GET", "/api/v1/orders", Some(&other)).await.json()["total"], 0);
    assert_eq!(send_empty(&app, "GET", "/api/v1/orders", None).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn bad_checkouts_are_422s_naming_the_fields(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;

    let empty = place(&app, &token, checkout(GOOD_CARD), None).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "empty cart: {}", empty.body);
    assert!(empty.json()["errors"]["cart"].is_array());

    let (variant, _, _) = stocked_variants(&pool, 1, 1).await[0];
    add_to_cart(&app, &token, variant, 1).await;
    let cases = [
        (
            json!({"shipping_address": address(), "shipping_method": "standard", "payment": card("4242 4242 4242 4241")}),
            "card_number",
        ),
        (
            json!({"shipping_address": address(), "shipping_method": "standard",
                "payment": {"card_number": GOOD_CARD, "exp_month": 1, "exp_year": 2020, "cvc": "123"}}),
            "exp_year",
        ),
        (
            json!({"shipping_address": address(), "shipping_method": "standard",
                "payment": {"card_number": GOOD_CARD, "exp_month": 13, "exp_year": 2030, "cvc": "1"}}),
            "exp_month",
        ),
        (
            json!({"shipping_address": address(), "shipping_method": "drone", "payment": card(GOOD_CARD)}),
            "shipping_method",
        ),
        (json!({"shipping_method": "standard", "payment": card(GOOD_CARD)}), "shipping_address"),
        (
            json!({"shipping_address": {"full_name": "", "line1": "x", "city": "y", "postal_code": "1", "country": "USA"},
                "shipping_method": "standard", "payment": card(GOOD_CARD)}),
            "country",
        ),
        (json!({"address_id": 999_999, "shipping_method": "standard", "payment": card(GOOD_CARD)}), "address_id"),
    ];
    for (body, field) in cases {
        let response = place(&app, &token, body, None).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", response.body);
        assert!(response.json()["errors"][field].is_array(), "{field} named: {}", response.body);
        assert_eq!(response.header("content-type"), "application/problem+json");
    }
    let malformed = place(&app, &token, json!("not an object"), None).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 0, "nothing was placed");

    // A saved address of the caller works; someone else's is refused.
    let saved = send_json(&app, "POST", "/api/v1/me/addresses", Some(&token), address()).await.json();
    let other = token_for(&app, &pool, "bob@example.com", Role::Customer).await;
    add_to_cart(&app, &other, variant, 1).await;
    let by_id = json!({"address_id": saved["id"], "shipping_method": "express", "payment": card(GOOD_CARD)});
    let stolen = place(&app, &other, by_id.clone(), None).await;
    assert_eq!(stolen.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stolen.body);
    let placed = place(&app, &token, by_id, None).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order = placed.json();
    assert_eq!(
        (order["shipping_method"].as_str(), order["shipping_address"]["city"].as_str()),
        (Some("express"), Some("Springfield"))
    );
    assert_eq!(order["shipping_cents"], Pricing::default().express_shipping_cents);
}

#[sqlx::test]
async fn a_declined_card_reserves_nothing_and_keeps_the_cart(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let (variant, stock, _) = stocked_variants(&pool, 2, 1).await[0];
    add_to_cart(&app, &token, variant, 2).await;

    let declined = place(&app, &token, checkout(DECLINED_CARD), Some("key-1")).await;
    assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED, "{}", declined.body);
    assert!(declined.json()["detail"].as_str().unwrap().contains("declined"));
    assert_eq!(stock_of(&pool, variant).await, stock, "stock untouched");
    assert_eq!(send_empty(&app, "GET", "/api/v1/cart", Some(&token)).await.json()["item_count"], 2, "cart kept");
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM inventory_ledger WHERE reason LIKE 'order %'").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM outbox_events").await, 0);

    // The same key may be retried with another card: a failure is not remembered.
    let retried = place(&app, &token, checkout(GOOD_CARD), Some("key-2")).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.body);
}

#[sqlx::test]
async fn missing_stock_is_a_409_naming_the_variants(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let variants = stocked_variants(&pool, 3, 2).await;
    add_to_cart(&app, &token, variants[0].0, 3).await;
    add_to_cart(&app, &token, variants[1].0, 1).await;
    // Someone else bought most of the first variant meanwhile.
    sqlx::query("UPDATE variants SET stock = 1 WHERE id = $1").bind(variants[0].0).execute(&pool).await.unwrap();

    let response = place(&app, &token, checkout(GOOD_CARD), None).await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{}", response.body);
    let problem = response.json();
    assert_eq!(problem["variants"].as_array().unwrap().len(), 1, "only the short variant is named");
    assert_eq!(problem["variants"][0]["variant_id"].as_i64(), Some(variants[0].0));
    assert_eq!(
        (problem["variants"][0]["requested"].as_i64(), problem["variants"][0]["available"].as_i64()),
        (Some(3), Some(1))
    );
    assert!(problem["detail"].as_str().unwrap().contains("3 wanted, 1 available"));
    assert_eq!(stock_of(&pool, variants[1].0).await, variants[1].1, "nothing reserved");
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 0);
}

#[sqlx::test]
async fn an_idempotency_key_places_one_order(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let (variant, stock, _) = stocked_variants(&pool, 5, 1).await[0];
    add_to_cart(&app, &token, variant, 1).await;

    let first = place(&app, &token, checkout(GOOD_CARD), Some("order-attempt-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    // The cart is empty now, yet the replay answers with the first order.
    let replay = place(&app, &token, checkout(GOOD_CARD), Some("order-attempt-1")).await;
    assert_eq!(replay.status, StatusCode::CREATED, "{}", replay.body);
    assert_eq!(replay.json(), first.json(), "the same response");
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 1);
    assert_eq!(stock_of(&pool, variant).await, stock - 1, "stock taken once");

    let mut other_body = checkout(GOOD_CARD);
    other_body["shipping_method"] = json!("express");
    let misuse = place(&app, &token, other_body, Some("order-attempt-1")).await;
    assert_eq!(misuse.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", misuse.body);
    assert!(misuse.json()["errors"]["idempotency_key"].is_array());
    let blank = place(&app, &token, checkout(GOOD_CARD), Some("has spaces in it")).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Keys belong to their user: another user's same key is a new request.
    let other = token_for(&app, &pool, "bob@example.com", Role::Customer).await;
    add_to_cart(&app, &other, variant, 1).await;
    let theirs = place(&app, &other, checkout(GOOD_CARD), Some("order-attempt-1")).await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_ne!(theirs.json()["number"], first.json()["number"]);
}

#[sqlx::test]
async fn concurrent_duplicates_place_one_order(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let (variant, stock, _) = stocked_variants(&pool, 5, 1).await[0];
    add_to_cart(&app, &token, variant, 1).await;

    // A double-clicked "Place order": several identical requests at once.
    let attempts = (0..5).map(|_| {
        let (app, token) = (app.clone(), token.clone());
        tokio::spawn(async move { place(&app, &token, checkout(GOOD_CARD), Some("double-click")).await })
    });
    let mut numbers = Vec::new();
    for attempt in attempts {
        let response = attempt.await.unwrap();
        match response.status {
            StatusCode::CREATED => numbers.push(response.json()["number"].as_str().unwrap().to_owned()),
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}: {}", response.body),
        }
    }
    numbers.dedup();
    assert_eq!(numbers.len(), 1, "every success names the same order");
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 1);
    assert_eq!(stock_of(&pool, variant).await, stock - 1);
}

#[sqlx::test]
async fn cancelling_restores_stock_and_refunds(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let (variant, stock, _) = stocked_variants(&pool, 2, 1).await[0];
    add_to_cart(&app, &token, variant, 2).await;
    let number = place(&app, &token, checkout(GOOD_CARD), None).await.json()["number"].as_str().unwrap().to_owned();
    assert_eq!(stock_of(&pool, variant).await, stock - 2);

    let other = token_for(&app, &pool, "bob@example.com", Role::Customer).await;
    let path = format!("/api/v1/orders/{number}/cancel");
    assert_eq!(send_empty(&app, "POST", &path, Some(&other)).await.status, StatusCode::NOT_FOUND);
    let cancelled = send_empty(&app, "POST", &path, Some(&token)).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let order = cancelled.json();
    assert_eq!(order["status"], "cancelled");
    let history: Vec<&str> =
        order["status_history"].as_array().unwrap().iter().map(|change| change["status"].as_str().unwrap()).collect();
    assert_eq!(history, ["pending", "paid", "cancelled"]);
    assert_eq!(stock_of(&pool, variant).await, stock, "stock is back");
    let restocked: i32 = sqlx::query_scalar("SELECT delta FROM inventory_ledger WHERE reason = $1")
        .bind(format!("order {number} cancelled"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(restocked, 2);
    let refunded: i64 =
        sqlx::query_scalar("SELECT amount_cents FROM payments WHERE kind = 'refund'").fetch_one(&pool).await.unwrap();
    assert_eq!(refunded, order["total_cents"].as_i64().unwrap(), "the whole charge comes back");
    let event: Value = sqlx::query_scalar("SELECT payload FROM outbox_events WHERE topic = 'order.status_changed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((event["from"].as_str(), event["to"].as_str()), (Some("paid"), Some("cancelled")));

    let again = send_empty(&app, "POST", &path, Some(&token)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(stock_of(&pool, variant).await, stock, "no second restock");
}

#[sqlx::test]
async fn staff_move_orders_along_and_invalid_moves_are_409s(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let staff = crate::common::staff_token(&app, &pool).await;
    let (variant, stock, _) = stocked_variants(&pool, 2, 1).await[0];
    add_to_cart(&app, &token, variant, 1).await;
    let number = place(&app, &token, checkout(GOOD_CARD), None).await.json()["number"].as_str().unwrap().to_owned();

    let list = send_empty(&app, "GET", "/api/v1/admin/orders?status=paid", Some(&staff)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["items"][0]["customer_email"], "ann@example.com");
    assert_eq!(send_empty(&app, "GET", "/api/v1/admin/orders?status=shipped", Some(&staff)).await.json()["total"], 0);
    let bad_filter = send_empty(&app, "GET", "/api/v1/admin/orders?status=lost", Some(&staff)).await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_filter.json()["errors"]["status"].is_array());
    assert_eq!(send_empty(&app, "GET", "/api/v1/admin/orders", Some(&token)).await.status, StatusCode::FORBIDDEN);

    let path = format!("/api/v1/admin/orders/{number}/status");
    let move_to = |status: &str| json!({"status": status, "note": format!("to {status}")});
    let shipped = send_json(&app, "POST", &path, Some(&staff), move_to("shipped")).await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
    assert_eq!(shipped.json()["status_history"][2]["note"], "to shipped");
    let cancel = send_empty(&app, "POST", &format!("/api/v1/orders/{number}/cancel"), Some(&token)).await;
    assert_eq!(cancel.status, StatusCode::CONFLICT, "shipped orders cannot be cancelled");
    assert_eq!(send_json(&app, "POST", &path, Some(&staff), move_to("paid")).await.status, StatusCode::CONFLICT);
    assert_eq!(send_json(&app, "POST", &path, Some(&staff), move_to("delivered")).await.status, StatusCode::OK);
    let cancel_delivered = send_json(&app, "POST", &path, Some(&staff), move_to("cancelled")).await;
    assert_eq!(cancel_delivered.status, StatusCode::CONFLICT);
    assert!(cancel_delivered.json()["detail"].as_str().unwrap().contains("delivered cannot become cancelled"));
    let refunded = send_json(&app, "POST", &path, Some(&staff), move_to("refunded")).await;
    assert_eq!(refunded.json()["status"], "refunded");
    assert_eq!(stock_of(&pool, variant).await, stock - 1, "delivered goods are not restocked by a refund");
    assert_eq!(
        send_json(&app, "POST", &path, Some(&staff), move_to("flying")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let unknown =
        send_json(&app, "POST", "/api/v1/admin/orders/NX-2000-000000/status", Some(&staff), move_to("paid")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let events = count(&pool, "SELECT count(*) FROM outbox_events WHERE topic = 'order.status_changed'").await;
    assert_eq!(events, 3, "shipped, delivered, refunded");
}

/// Many shoppers race for the last 20 units: exactly 20 orders, stock 0,
/// every loser a clean 409, no deadlock. `NEXUS_OVERSELL_CHECKOUTS` sets the
/// number of shoppers (default 60; the closing note's run uses 200).
#[sqlx::test]
async fn concurrent_checkouts_never_oversell(pool: PgPool) {
    const UNITS: i32 = 20;
    let shoppers: usize = std::env::var("NEXUS_OVERSELL_CHECKOUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(60);
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let (variant, _, _) = stocked_variants(&pool, 1, 1).await[0];
    sqlx::query("UPDATE variants SET stock = $2 WHERE id = $1").bind(variant).bind(UNITS).execute(&pool).await.unwrap();
    let mut tokens = Vec::new();
    for shopper in 0..shoppers {
        let token = token_for(&app, &pool, &format!("shopper{shopper}@example.com"), Role::Customer).await;
        add_to_cart(&app, &token, variant, 1).await;
        tokens.push(token);
    }

    let started = std::time::Instant::now();
    let checkouts: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let app = app.clone();
            tokio::spawn(async move { place(&app, &token, checkout(GOOD_CARD), None).await.status })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for checkout in checkouts {
        *statuses.entry(checkout.await.unwrap().as_u16()).or_default() += 1;
    }
    println!("{shoppers} concurrent checkouts for {UNITS} units in {:?}: {statuses:?}", started.elapsed());
    assert_eq!(statuses.get(&201).copied(), Some(UNITS as usize), "{statuses:?}");
    assert_eq!(statuses.get(&409).copied(), Some(shoppers - UNITS as usize), "every other one is a 409: {statuses:?}");
    assert_eq!(stock_of(&pool, variant).await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, i64::from(UNITS));
    let taken: i64 =
        sqlx::query_scalar("SELECT -sum(delta) FROM inventory_ledger WHERE variant_id = $1 AND reason LIKE 'order %'")
            .bind(variant)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(taken, i64::from(UNITS), "the ledger accounts for every unit");
}

/// A provider that confirms later (a payment intent plus a webhook).
struct IntentProvider;

#[async_trait::async_trait]
impl PaymentProvider for IntentProvider {
    fn name(&self) -> &'static str {
        "intent"
    }

    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, ProviderError> {
        Ok(ChargeOutcome::RequiresConfirmation { reference: format!("pi_{}", request.order_number) })
    }

    async fn refund(&self, charge_reference: &str, _amount_cents: i64, _key: &str) -> Result<String, ProviderError> {
        Ok(format!("re_{charge_reference}"))
    }
}

#[sqlx::test]
async fn a_provider_that_confirms_later_plugs_in(pool: PgPool) {
    import_fixture(&pool).await;
    let state = crate::common::state_with_payments(pool.clone(), Arc::new(IntentProvider)).await;
    let orders = state.core.orders.clone();
    let app = nexus::server::router::build(state);
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let (variant, stock, _) = stocked_variants(&pool, 1, 1).await[0];
    add_to_cart(&app, &token, variant, 1).await;

    let placed = place(&app, &token, checkout(GOOD_CARD), None).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let number = placed.json()["number"].as_str().unwrap().to_owned();
    assert_eq!(placed.json()["status"], "pending", "waiting for the provider");
    assert_eq!(stock_of(&pool, variant).await, stock - 1, "the stock is held meanwhile");

    let confirmed = orders.confirm_payment(&format!("pi_{number}")).await.unwrap();
    assert_eq!(confirmed.status, OrderStatus::Paid);
    let again = orders.confirm_payment(&format!("pi_{number}")).await.unwrap();
    assert_eq!(again.status_history.len(), 2, "a repeated webhook changes nothing");
    assert!(orders.confirm_payment("pi_unknown").await.is_err());
}

/// Captures every charge; its refunds fail until `failures` runs out, and
/// it remembers the idempotency key of every refund it was asked for.
struct UnsteadyRefunds {
    failures: std::sync::atomic::AtomicUsize,
    keys: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl PaymentProvider for UnsteadyRefunds {
    fn name(&self) -> &'static str {
        "unsteady"
    }

    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, ProviderError> {
        Ok(ChargeOutcome::Captured { reference: format!("ch_{}", request.order_number) })
    }

    async fn refund(&self, charge_reference: &str, _amount_cents: i64, key: &str) -> Result<String, ProviderError> {
        self.keys.lock().unwrap().push(key.to_owned());
        let failed = self.failures.fetch_update(
            std::sync::atomic::Ordering::AcqRel,
            std::sync::atomic::Ordering::Acquire,
            |left| left.checked_sub(1),
        );
        match failed {
            Ok(_) => Err(ProviderError("timed out".into())),
            Err(_) => Ok(format!("re_{charge_reference}")),
        }
    }
}

#[sqlx::test]
async fn a_refund_is_asked_after_the_cancel_commits_and_again_with_the_same_key(pool: PgPool) {
    import_fixture(&pool).await;
    let provider = Arc::new(UnsteadyRefunds { failures: 1.into(), keys: Default::default() });
    let state = crate::common::state_with_payments(pool.clone(), provider.clone()).await;
    let orders = state.core.orders.clone();
    let app = nexus::server::router::build(state);
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let (variant, _, _) = stocked_variants(&pool, 1, 1).await[0];
    add_to_cart(&app, &token, variant, 1).await;
    let number = place(&app, &token, checkout(GOOD_CARD), None).await.json()["number"].as_str().unwrap().to_owned();

    // The provider times out: the order is cancelled all the same, and the
    // refund waits as a record rather than being lost or rolled back.
    let cancelled = send_empty(&app, "POST", &format!("/api/v1/orders/{number}/cancel"), Some(&token)).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.json()["status"], "cancelled");
    let refund = |pool: PgPool| async move {
        sqlx::query_as::<_, (String, String)>("SELECT status, reference FROM payments WHERE kind = 'refund'")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    assert_eq!(refund(pool.clone()).await, [("pending".to_owned(), format!("refund-{number}"))]);

    assert_eq!(orders.retry_pending_refunds().await.unwrap(), 1);
    assert_eq!(refund(pool.clone()).await, [("succeeded".to_owned(), format!("re_ch_{number}"))]);
    assert_eq!(orders.retry_pending_refunds().await.unwrap(), 0, "nothing left to ask");
    let keys = provider.keys.lock().unwrap().clone();
    assert_eq!(keys, [format!("refund-{number}"), format!("refund-{number}")], "asked twice, with one key");
}
