//! The cart through the JSON API: every status code of the Cart section,
//! prices and stock read from the catalog, lines private to their owner.

use crate::common::{import_fixture, send_empty, send_json, token_for};
use axum::http::StatusCode;
use nexus_core::accounts::Role;
use serde_json::json;
use sqlx::PgPool;

/// A variant of a listed product with at least 3 units: (id, stock, price).
async fn stocked_variant(pool: &PgPool) -> (i64, i32, i64) {
    sqlx::query_as(
        "SELECT v.id, v.stock, COALESCE(v.price_cents, p.price_cents) FROM variants v
         JOIN products p ON p.id = v.product_id
         WHERE v.stock >= 3 AND p.is_active AND p.archived_at IS NULL ORDER BY v.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn an_empty_cart_and_the_need_for_a_token(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let cart = send_empty(&app, "GET", "/api/v1/cart", Some(&token)).await;
    assert_eq!(cart.status, StatusCode::OK);
    assert_eq!(cart.json(), json!({"items": [], "subtotal_cents": 0, "currency": "USD", "item_count": 0}));
    assert_eq!(send_empty(&app, "GET", "/api/v1/cart", None).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn adding_the_same_variant_adds_to_its_line_up_to_the_stock(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let (variant_id, stock, price) = stocked_variant(&pool).await;

    let added =
        send_json(&app, "POST", "/api/v1/cart/items", Some(&token), json!({"variant_id": variant_id, "quantity": 1}))
            .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let again =
        send_json(&app, "POST", "/api/v1/cart/items", Some(&token), json!({"variant_id": variant_id, "quantity": 2}))
            .await;
    let cart = again.json();
    assert_eq!(cart["items"].as_array().unwrap().len(), 1, "one line per variant");
    let line = &cart["items"][0];
    assert_eq!((line["quantity"].as_i64(), line["unit_price_cents"].as_i64()), (Some(3), Some(price)));
    assert_eq!(line["line_total_cents"].as_i64(), Some(3 * price));
    assert_eq!((cart["subtotal_cents"].as_i64(), cart["item_count"].as_i64()), (Some(3 * price), Some(3)));
    assert!(line["product_slug"].is_string() && line["id"].is_i64());

    let too_many = json!({"variant_id": variant_id, "quantity": stock});
    let response = send_json(&app, "POST", "/api/v1/cart/items", Some(&token), too_many).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "3 + stock is more than in stock");
    assert!(response.json()["errors"]["quantity"].is_array());
    for bad in [json!({"variant_id": variant_id, "quantity": 0}), json!({"variant_id": 999_999_999, "quantity": 1})] {
        let response = send_json(&app, "POST", "/api/v1/cart/items", Some(&token), bad.clone()).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

#[sqlx::test]
async fn lines_are_changed_removed_and_emptied_by_their_owner_only(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let bob = token_for(&app, &pool, "bob@example.com", Role::Customer).await;
    let (variant_id, stock, _) = stocked_variant(&pool).await;
    let cart =
        send_json(&app, "POST", "/api/v1/cart/items", Some(&ann), json!({"variant_id": variant_id, "quantity": 1}))
            .await
            .json();
    let line = format!("/api/v1/cart/items/{}", cart["items"][0]["id"]);

    let changed = send_json(&app, "PATCH", &line, Some(&ann), json!({"quantity": 2})).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.json()["item_count"], 2);
    let over = send_json(&app, "PATCH", &line, Some(&ann), json!({"quantity": stock + 1})).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        send_json(&app, "PATCH", &line, Some(&ann), json!({"quantity": -1})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(send_json(&app, "PATCH", &line, Some(&bob), json!({"quantity": 1})).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send_empty(&app, "DELETE", &line, Some(&bob)).await.status, StatusCode::NOT_FOUND);

    let removed = send_json(&app, "PATCH", &line, Some(&ann), json!({"quantity": 0})).await;
    assert_eq!(removed.json()["items"], json!([]), "0 removes the line");
    assert_eq!(send_empty(&app, "DELETE", &line, Some(&ann)).await.status, StatusCode::NOT_FOUND);

    let cart =
        send_json(&app, "POST", "/api/v1/cart/items", Some(&ann), json!({"variant_id": variant_id, "quantity": 1}))
            .await
            .json();
    let line = format!("/api/v1/cart/items/{}", cart["items"][0]["id"]);
    let after_delete = send_empty(&app, "DELETE", &line, Some(&ann)).await;
    assert_eq!(after_delete.status, StatusCode::OK);
    assert_eq!(after_delete.json()["item_count"], 0);

    send_json(&app, "POST", "/api/v1/cart/items", Some(&ann), json!({"variant_id": variant_id, "quantity": 1})).await;
    assert_eq!(send_empty(&app, "DELETE", "/api/v1/cart", Some(&ann)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(send_empty(&app, "GET", "/api/v1/cart", Some(&ann)).await.json()["items"], json!([]));
}

#[sqlx::test]
async fn the_cart_shows_price_changes_and_missing_stock_from_the_catalog(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let (variant_id, _, price) = stocked_variant(&pool).await;
    send_json(&app, "POST", "/api/v1/cart/items", Some(&token), json!({"variant_id": variant_id, "quantity": 2})).await;

    sqlx::query("UPDATE variants SET price_cents = $2, stock = 1 WHERE id = $1")
        .bind(variant_id)
        .bind(price + 100)
        .execute(&pool)
        .await
        .unwrap();
    let line = send_empty(&app, "GET", "/api/v1/cart", Some(&token)).await.json()["items"][0].clone();
    assert_eq!(line["unit_price_cents"].as_i64(), Some(price + 100), "the catalog's price, not the stored one");
    assert_eq!(line["price_changed"], true);
    assert_eq!((line["in_stock"].as_i64(), line["insufficient_stock"].as_bool()), (Some(1), Some(true)));
}
