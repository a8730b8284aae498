//! Reviews through the JSON API: who may review (a customer an order of the
//! product was delivered to), one review each, editing and deleting one's
//! own, moderation, and rating figures that never drift from the reviews.

use axum::{Router, http::StatusCode};
use nexus_core::accounts::Role;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::common::{import_fixture, send_empty, send_json, token_for};

fn no_limits(pool: &PgPool) -> impl std::future::Future<Output = Router> + '_ {
    crate::common::app_with(pool.clone(), |config| config.rate_limits.enabled = false)
}

/// A listed product with stock and one of its stocked variants: (slug, variant id).
async fn stocked_product(pool: &PgPool, skip: i64) -> (String, i64) {
    sqlx::query_as(
        "SELECT p.slug, v.id FROM variants v JOIN products p ON p.id = v.product_id
         WHERE v.stock >= 5 AND p.is_active AND p.archived_at IS NULL ORDER BY p.id, v.id OFFSET $1 LIMIT 1",
    )
    .bind(skip)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Buys one unit through the API; staff then ship and deliver it when `deliver`.
async fn buy(app: &Router, token: &str, staff: &str, variant_id: i64, deliver: bool) -> String {
    let add =
        send_json(app, "POST", "/api/v1/cart/items", Some(token), json!({"variant_id": variant_id, "quantity": 1}))
            .await;
    assert_eq!(add.status, StatusCode::CREATED, "{}", add.body);
    let order = json!({
        "shipping_address": {"full_name": "Ann Lee", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "us"},
        "shipping_method": "standard",
        "payment": {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
    });
    let placed = send_json(app, "POST", "/api/v1/orders", Some(token), order).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let number = placed.json()["number"].as_str().unwrap().to_owned();
    if deliver {
        for status in ["shipped", "delivered"] {
            let path = format!("/api/v1/admin/orders/{number}/status");
            let moved = send_json(app, "POST", &path, Some(staff), json!({"status": status})).await;
            assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        }
    }
    number
}

fn review(rating: i32, title: &str) -> Value {
    json!({"rating": rating, "title": title, "body": "Works as described. <b>not bold</b>"})
}

async fn product_rating(app: &Router, slug: &str) -> (Value, i64) {
    let detail = send_empty(app, "GET", &format!("/api/v1/products/{slug}"), None).await.json();
    (detail["rating_average"].clone(), detail["rating_count"].as_i64().unwrap())
}

/// The product's figures recounted from the reviews table.
async fn recount(pool: &PgPool, slug: &str) -> (Option<f64>, i64, i64) {
    sqlx::query_as(
        "SELECT round(avg(r.rating), 2)::float8, count(r.id), p.rating_count::bigint
         FROM products p LEFT JOIN reviews r ON r.product_id = p.id AND r.hidden_at IS NULL
         WHERE p.slug = $1 GROUP BY p.id",
    )
    .bind(slug)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn only_a_customer_who_received_the_product_reviews_it_once(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let staff = crate::common::staff_token(&app, &pool).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let bob = token_for(&app, &pool, "bob@example.com", Role::Customer).await;
    let (slug, variant) = stocked_product(&pool, 0).await;
    let path = format!("/api/v1/products/{slug}/reviews");

    assert_eq!(send_json(&app, "POST", &path, None, review(5, "Great")).await.status, StatusCode::UNAUTHORIZED);
    let never_bought = send_json(&app, "POST", &path, Some(&ann), review(5, "Great")).await;
    assert_eq!(never_bought.status, StatusCode::FORBIDDEN);
    assert!(never_bought.json()["detail"].as_str().unwrap().contains("received"), "{}", never_bought.body);

    // Paid and shipped is not received yet.
    let number = buy(&app, &ann, &staff, variant, false).await;
    assert_eq!(send_json(&app, "POST", &path, Some(&ann), review(5, "Great")).await.status, StatusCode::FORBIDDEN);
    let order_path = format!("/api/v1/admin/orders/{number}/status");
    for status in ["shipped", "delivered"] {
        assert_eq!(
            send_json(&app, "POST", &order_path, Some(&staff), json!({"status": status})).await.status,
            StatusCode::OK
        );
    }

    let created = send_json(&app, "POST", &path, Some(&ann), review(4, "  Solid  ")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let body = created.json();
    assert_eq!(body["title"], "Solid");
    assert_eq!(body["verified_purchase"], true);
    assert_eq!(body["author_name"], "Test User");
    assert_eq!(body["body"], "Works as described. <b>not bold</b>", "stored as typed, escaped where shown");
    assert_eq!(send_json(&app, "POST", &path, Some(&ann), review(1, "Again")).await.status, StatusCode::CONFLICT);
    assert_eq!(product_rating(&app, &slug).await, (json!(4.0), 1));

    // Bad input: each field named.
    let bob_path = format!("/api/v1/products/{slug}/reviews");
    buy(&app, &bob, &staff, variant, true).await;
    let invalid =
        send_json(&app, "POST", &bob_path, Some(&bob), json!({"rating": 6, "title": "", "body": "x".repeat(5001)}))
            .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["rating", "title", "body"] {
        assert!(invalid.json()["errors"][field].is_array(), "{field}: {}", invalid.body);
    }
    let unknown = send_json(&app, "POST", "/api/v1/products/no-such-thing/reviews", Some(&bob), review(3, "Hm")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(send_json(&app, "POST", &bob_path, Some(&bob), review(2, "Meh")).await.status, StatusCode::CREATED);
    assert_eq!(product_rating(&app, &slug).await, (json!(3.0), 2));

    // Edits and deletes: the author's own only.
    let id = body["id"].as_i64().unwrap();
    let edit = |rating: i32| json!({"rating": rating});
    assert_eq!(
        send_json(&app, "PATCH", &format!("/api/v1/reviews/{id}"), Some(&bob), edit(1)).await.status,
        StatusCode::NOT_FOUND
    );
    let edited = send_json(&app, "PATCH", &format!("/api/v1/reviews/{id}"), Some(&ann), edit(5)).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.json()["title"], "Solid", "fields left out keep their value");
    assert_eq!(product_rating(&app, &slug).await, (json!(3.5), 2));
    assert_eq!(
        send_json(&app, "PATCH", &format!("/api/v1/reviews/{id}"), Some(&ann), edit(0)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send_empty(&app, "DELETE", &format!("/api/v1/reviews/{id}"), Some(&bob)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send_empty(&app, "DELETE", &format!("/api/v1/reviews/{id}"), Some(&ann)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(product_rating(&app, &slug).await, (json!(2.0), 1));
    let (average, count, kept) = recount(&pool, &slug).await;
    assert_eq!((average, count, kept), (Some(2.0), 1, 1));

    let list = send_empty(&app, "GET", &path, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["total"], 1);
    assert_eq!(list.json()["items"][0]["title"], "Meh");
    assert_eq!(
        send_empty(&app, "GET", &format!("{path}?sort=loudest"), None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[sqlx::test]
async fn a_hidden_review_leaves_the_average_and_the_list(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let staff = crate::common::staff_token(&app, &pool).await;
    let (slug, variant) = stocked_product(&pool, 0).await;
    let path = format!("/api/v1/products/{slug}/reviews");
    let mut ids = Vec::new();
    for (email, stars) in [("ann@example.com", 5), ("bob@example.com", 1)] {
        let token = token_for(&app, &pool, email, Role::Customer).await;
        buy(&app, &token, &staff, variant, true).await;
        ids.push(
            send_json(&app, "POST", &path, Some(&token), review(stars, email)).await.json()["id"].as_i64().unwrap(),
        );
    }
    assert_eq!(product_rating(&app, &slug).await, (json!(3.0), 2));
    let listed = send_empty(&app, "GET", "/api/v1/products?sort=rating&min_rating=3&per_page=100", None).await.json();
    assert_eq!(listed["items"][0]["slug"], slug.as_str(), "the only rated product leads sort=rating");

    let customer = token_for(&app, &pool, "eve@example.com", Role::Customer).await;
    let moderate = |id: i64| format!("/api/v1/admin/reviews/{id}");
    assert_eq!(
        send_json(&app, "PATCH", &moderate(ids[1]), Some(&customer), json!({"hidden": true})).await.status,
        StatusCode::FORBIDDEN
    );
    let hidden = send_json(&app, "PATCH", &moderate(ids[1]), Some(&staff), json!({"hidden": true})).await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
    assert_eq!(hidden.json()["hidden"], true);
    assert_eq!(product_rating(&app, &slug).await, (json!(5.0), 1));
    assert_eq!(send_empty(&app, "GET", &path, None).await.json()["total"], 1);
    let above_four = send_empty(&app, "GET", "/api/v1/products?min_rating=4&per_page=100", None).await.json();
    assert!(above_four["items"].as_array().unwrap().iter().any(|item| item["slug"] == slug.as_str()));
    assert_eq!(
        send_empty(&app, "GET", "/api/v1/products?min_rating=6", None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let staff_list = send_empty(&app, "GET", "/api/v1/admin/reviews?hidden=true", Some(&staff)).await;
    assert_eq!(staff_list.json()["total"], 1);
    assert_eq!(staff_list.json()["items"][0]["id"], ids[1]);
    assert_eq!(
        send_empty(&app, "GET", "/api/v1/admin/reviews?rating=9", Some(&staff)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(send_empty(&app, "GET", "/api/v1/admin/reviews", None).await.status, StatusCode::UNAUTHORIZED);

    // Showing it again brings it back; hiding twice changes nothing.
    send_json(&app, "PATCH", &moderate(ids[0]), Some(&staff), json!({"hidden": true})).await;
    send_json(&app, "PATCH", &moderate(ids[0]), Some(&staff), json!({"hidden": true})).await;
    assert_eq!(product_rating(&app, &slug).await, (Value::Null, 0));
    send_json(&app, "PATCH", &moderate(ids[1]), Some(&staff), json!({"hidden": false})).await;
    send_json(&app, "PATCH", &moderate(ids[1]), Some(&staff), json!({"hidden": false})).await;
    assert_eq!(product_rating(&app, &slug).await, (json!(1.0), 1));
    assert_eq!(
        send_json(&app, "PATCH", &moderate(999_999), Some(&staff), json!({"hidden": true})).await.status,
        StatusCode::NOT_FOUND
    );

    // A deactivated author's reviews, all hidden in one step.
    let bob: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'bob@example.com'").fetch_one(&pool).await.unwrap();
    let hide_all =
        send_json(&app, "POST", "/api/v1/admin/reviews/hide-author", Some(&staff), json!({"author_id": bob})).await;
    assert_eq!(hide_all.json()["hidden"], 1);
    assert_eq!(product_rating(&app, &slug).await, (Value::Null, 0));
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE event LIKE 'reviews.%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audited, 6, "every hide and show is in the audit trail");
}

/// 100 buyers review one product at once: the count and the average are
/// exactly what the reviews say.
#[sqlx::test]
async fn a_hundred_concurrent_reviews_give_the_exact_count_and_average(pool: PgPool) {
    import_fixture(&pool).await;
    let state = crate::common::state_with(pool.clone(), |config| config.rate_limits.enabled = false).await;
    let core = state.core.clone();
    let app = nexus::server::router::build(state);
    let (slug, variant) = stocked_product(&pool, 0).await;
    let mut tokens = Vec::new();
    for n in 0..100 {
        // Accounts and delivered orders straight into the database: the
        // checkout is tested elsewhere, and 100 argon2 hashes would dominate.
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash) VALUES ($1, 'Buyer', 'unused') RETURNING id",
        )
        .bind(format!("buyer{n}@example.com"))
        .fetch_one(&pool)
        .await
        .unwrap();
        deliver(&pool, user, variant, n).await;
        let user = core.accounts.find_active(user).await.unwrap().unwrap();
        tokens.push(core.accounts.issue_tokens(&user).await.unwrap().access_token);
    }
    let path = format!("/api/v1/products/{slug}/reviews");
    let mut posts = tokio::task::JoinSet::new();
    for (n, token) in tokens.into_iter().enumerate() {
        let (app, path) = (app.clone(), path.clone());
        posts.spawn(
            async move { send_json(&app, "POST", &path, Some(&token), review((n % 5) as i32 + 1, "Race")).await },
        );
    }
    while let Some(response) = posts.join_next().await {
        let response = response.unwrap();
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    // Ratings 1..=5, twenty each: 300 / 100.
    assert_eq!(product_rating(&app, &slug).await, (json!(3.0), 100));
    let (average, count, kept) = recount(&pool, &slug).await;
    assert_eq!((average, count, kept), (Some(3.0), 100, 100));
    let sum: i64 = sqlx::query_scalar("SELECT rating_sum FROM products WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sum, 300);
}

/// A delivered order of one unit of `variant_id` for `user_id`, written directly.
pub async fn deliver(pool: &PgPool, user_id: i64, variant_id: i64, n: i32) {
    let mut tx = pool.begin().await.unwrap();
    let (sku, name, slug, price): (String, String, String, i64) = sqlx::query_as(
        "SELECT v.sku, p.name, p.slug, COALESCE(v.price_cents, p.price_cents) FROM variants v
         JOIN products p ON p.id = v.product_id WHERE v.id = $1",
    )
    .bind(variant_id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let order: i64 = sqlx::query_scalar(
        "INSERT INTO orders (number, user_id, status, currency, subtotal_cents, shipping_cents, tax_cents, total_cents,
                             shipping_method, shipping_address)
         VALUES ($1, $2, 'delivered', 'USD', $3, 0, 0, $3, 'standard', '{}') RETURNING id",
    )
    .bind(format!("NX-TEST-{user_id}-{n}"))
    .bind(user_id)
    .bind(price)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_items (order_id, variant_id, product_slug, sku, name, unit_price_cents, quantity, line_total_cents)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $6)",
    )
    .bind(order)
    .bind(variant_id)
    .bind(slug)
    .bind(sku)
    .bind(name)
    .bind(price)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_status_history (order_id, status) VALUES ($1, 'paid'), ($1, 'shipped'), ($1, 'delivered')",
    )
    .bind(order)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
