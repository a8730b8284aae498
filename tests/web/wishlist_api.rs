//! The wishlist through the JSON API: idempotent saves and removals, the
//! price when saved, products no longer sold, and nobody else's list.

use axum::http::StatusCode;
use nexus_core::accounts::Role;
use sqlx::PgPool;

use crate::common::{app, import_fixture, send_empty, token_for};

async fn listed_slugs(pool: &PgPool, count: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT slug FROM products WHERE is_active AND archived_at IS NULL ORDER BY id LIMIT $1")
        .bind(count)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn saving_and_removing_are_idempotent_and_private(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool.clone()).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let bob = token_for(&app, &pool, "bob@example.com", Role::Customer).await;
    let slugs = listed_slugs(&pool, 2).await;
    let item = |slug: &str| format!("/api/v1/wishlist/{slug}");

    assert_eq!(send_empty(&app, "GET", "/api/v1/wishlist", None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(send_empty(&app, "PUT", &item(&slugs[0]), None).await.status, StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        assert_eq!(send_empty(&app, "PUT", &item(&slugs[0]), Some(&ann)).await.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(send_empty(&app, "PUT", &item(&slugs[1]), Some(&ann)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(send_empty(&app, "PUT", &item("no-such-product"), Some(&ann)).await.status, StatusCode::NOT_FOUND);

    let list = send_empty(&app, "GET", "/api/v1/wishlist", Some(&ann)).await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "saving twice keeps one entry: {}", list.body);
    assert_eq!(items[0]["slug"], slugs[1].as_str(), "most recently saved first");
    assert!(
        items[0]["price_cents"].is_i64()
            && items[0]["saved_price_cents"].is_i64()
            && items[0]["category"]["slug"].is_string()
    );

    // Bob sees only his own (empty) list, and cannot remove Ann's items.
    assert_eq!(send_empty(&app, "GET", "/api/v1/wishlist", Some(&bob)).await.json()["items"], serde_json::json!([]));
    assert_eq!(send_empty(&app, "DELETE", &item(&slugs[0]), Some(&bob)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send_empty(&app, "GET", "/api/v1/wishlist", Some(&ann)).await.json()["items"].as_array().unwrap().len(),
        2
    );

    for _ in 0..2 {
        assert_eq!(send_empty(&app, "DELETE", &item(&slugs[0]), Some(&ann)).await.status, StatusCode::NO_CONTENT);
    }
    let left = send_empty(&app, "GET", "/api/v1/wishlist", Some(&ann)).await.json();
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
    assert_eq!(left["items"][0]["slug"], slugs[1].as_str());
}

#[sqlx::test]
async fn a_price_drop_shows_and_archived_products_drop_out_with_a_note(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool.clone()).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let slugs = listed_slugs(&pool, 2).await;
    for slug in &slugs {
        send_empty(&app, "PUT", &format!("/api/v1/wishlist/{slug}"), Some(&ann)).await;
    }
    let saved: i64 = sqlx::query_scalar("SELECT price_cents FROM products WHERE slug = $1")
        .bind(&slugs[0])
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE products SET price_cents = price_cents / 2 WHERE slug = $1")
        .bind(&slugs[0])
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE products SET archived_at = now() WHERE slug = $1")
        .bind(&slugs[1])
        .execute(&pool)
        .await
        .unwrap();
    let archived_name: String =
        sqlx::query_scalar("SELECT name FROM products WHERE slug = $1").bind(&slugs[1]).fetch_one(&pool).await.unwrap();

    let list = send_empty(&app, "GET", "/api/v1/wishlist", Some(&ann)).await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["saved_price_cents"], saved);
    assert_eq!(items[0]["price_cents"], saved / 2);
    assert_eq!(list["unavailable"], serde_json::json!([archived_name]));
    // An archived product can still be removed, and no longer saved.
    assert_eq!(
        send_empty(&app, "PUT", &format!("/api/v1/wishlist/{}", slugs[1]), Some(&ann)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send_empty(&app, "DELETE", &format!("/api/v1/wishlist/{}", slugs[1]), Some(&ann)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send_empty(&app, "GET", "/api/v1/wishlist", Some(&ann)).await.json()["unavailable"],
        serde_json::json!([])
    );
}
