//! The catalog read API over the fixture catalog (240 products, 200 categories).

use crate::common::{get, import_fixture};
use axum::http::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

async fn app_with_catalog(pool: PgPool) -> axum::Router {
    import_fixture(&pool).await;
    crate::common::app(pool).await
}

fn names(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect()
}

/// Expected ids straight from SQL, to compare the API against.
async fn ids(pool: &PgPool, sql: &str) -> Vec<i64> {
    sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
}

fn item_ids(list: &Value) -> Vec<i64> {
    list["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

#[sqlx::test]
async fn a_category_filter_includes_descendants(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let expected = ids(
        &pool,
        "SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id
         JOIN categories d ON d.id = c.parent_id
         WHERE d.slug = 'audio' AND p.is_active ORDER BY p.created_at DESC, p.id DESC",
    )
    .await;
    assert!(!expected.is_empty(), "the fixture has audio products in sub-categories");
    let list = get(&app, "/api/v1/products?category=audio&per_page=100").await.json();
    assert_eq!(item_ids(&list), expected);
    assert_eq!(list["total"], expected.len());
}

#[sqlx::test]
async fn price_and_stock_filters_with_every_sort_return_exactly_the_right_items(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let base = "p.is_active AND p.price_cents BETWEEN 20000 AND 60000 AND p.in_stock";
    for (sort, order) in [
        ("price", "p.price_cents, p.id"),
        ("-price", "p.price_cents DESC, p.id DESC"),
        ("name", "p.name, p.id"),
        ("-name", "p.name DESC, p.id DESC"),
        ("newest", "p.created_at DESC, p.id DESC"),
    ] {
        let expected = ids(&pool, &format!("SELECT p.id FROM products p WHERE {base} ORDER BY {order}")).await;
        let mut got = Vec::new();
        let mut page = 1;
        loop {
            let list = get(
                &app,
                &format!(
                    "/api/v1/products?min_price=20000&max_price=60000&in_stock=true&sort={sort}&per_page=7&page={page}"
                ),
            )
            .await
            .json();
            assert_eq!(list["total"], expected.len(), "{sort}");
            let items = item_ids(&list);
            if items.is_empty() {
                break;
            }
            got.extend(items);
            page += 1;
        }
        assert_eq!(got, expected, "sort={sort}, walking every page");
    }
}

#[sqlx::test]
async fn out_of_stock_products_are_listed_unless_filtered(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let out_of_stock: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE is_active AND NOT in_stock")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(out_of_stock > 0);
    let all = get(&app, "/api/v1/products").await.json()["total"].as_i64().unwrap();
    let in_stock = get(&app, "/api/v1/products?in_stock=true").await.json()["total"].as_i64().unwrap();
    assert_eq!(all - in_stock, out_of_stock);
}

#[sqlx::test]
async fn search_ranks_name_matches_and_finds_prefixes_and_skus(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let list = get(&app, "/api/v1/products?q=echo").await.json();
    assert!(list["total"].as_i64().unwrap() > 0);
    assert!(names(&list).iter().all(|n| n.to_lowercase().contains("echo")), "{:?}", names(&list));

    let prefix = get(&app, "/api/v1/products?q=ech").await.json();
    assert_eq!(prefix["total"], list["total"], "a prefix finds the same products while typing");

    let by_sku = get(&app, "/api/v1/products?q=NX-000001").await.json();
    assert_eq!(names(&by_sku), vec!["Echo Set 4606"]);
}

#[sqlx::test]
async fn a_search_with_one_typo_still_finds_the_product_and_suggests_the_spelling(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let exact = get(&app, "/api/v1/products?q=echo&per_page=100").await.json();
    for typo in ["ecko", "ehco", "eco", "echoo"] {
        let list = get(&app, &format!("/api/v1/products?q={typo}&per_page=100")).await.json();
        assert!(names(&list).contains(&"Echo Set 4606".to_owned()), "{typo}: {:?}", names(&list));
        assert_eq!(list["total"], exact["total"], "{typo}");
    }
    // Trigram similarity catches some typos as typed; the others match
    // nothing as typed, are corrected, and say so.
    for (typo, suggestion) in [("ecko", "echo"), ("ehco", "echo")] {
        let list = get(&app, &format!("/api/v1/products?q={typo}")).await.json();
        assert_eq!(list["suggestion"], suggestion, "{typo}");
    }
    let nothing = get(&app, "/api/v1/products?q=qzxjvw").await.json();
    assert_eq!(nothing["total"], 0);
    assert!(nothing["suggestion"].is_null());
    assert!(exact["suggestion"].is_null(), "no suggestion when the words match as typed");
}

#[sqlx::test]
async fn invalid_parameters_are_422_naming_each_parameter(pool: PgPool) {
    let app = crate::common::app(pool).await;
    for (query, parameter) in [
        ("sort=cheapest", "sort"),
        ("min_price=-5", "min_price"),
        ("max_price=abc", "max_price"),
        ("min_price=500&max_price=100", "max_price"),
        ("in_stock=maybe", "in_stock"),
        ("category=no-such-category", "category"),
        ("per_page=0", "per_page"),
        // Lists go 10,000 items deep at most.
        ("page=1000000", "page"),
        ("page=101&per_page=100", "page"),
    ] {
        let response = get(&app, &format!("/api/v1/products?{query}")).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(response.json()["errors"][parameter].is_array(), "{query}: {}", response.body);
    }
}

#[sqlx::test]
async fn product_detail_has_variants_images_and_breadcrumb(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let response = get(&app, "/api/v1/products/echo-set-4606").await;
    assert_eq!(response.status, StatusCode::OK);
    let product = response.json();
    assert_eq!(product["sku"], "NX-000001");
    assert_eq!(product["price_cents"], 36521);
    assert_eq!(product["currency"], "USD");
    assert!(product["images"].is_array());
    let variants = product["variants"].as_array().unwrap();
    assert!(variants.len() > 1);
    assert_eq!(variants[0]["sku"], "NX-000001-NAVY");
    assert_eq!(variants[0]["options"]["color"], "Navy");
    assert_eq!(variants[0]["price_cents"], 36521, "no override: the product's price");
    let breadcrumb: Vec<&str> =
        product["breadcrumb"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(breadcrumb.len(), 2);
    assert_eq!(breadcrumb[1], product["category"]["slug"].as_str().unwrap());
    assert!(product["created_at"].as_str().unwrap().ends_with('Z'));

    let inactive: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE NOT is_active LIMIT 1").fetch_one(&pool).await.unwrap();
    assert_eq!(get(&app, &format!("/api/v1/products/{inactive}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/api/v1/products/no-such-product").await.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn the_category_tree_counts_products_in_subtrees(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let tree = get(&app, "/api/v1/categories").await.json();
    let roots = tree.as_array().unwrap();
    assert_eq!(roots.len(), 50);
    let listed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE is_active").fetch_one(&pool).await.unwrap();
    let total: i64 = roots.iter().map(|r| r["product_count"].as_i64().unwrap()).sum();
    assert_eq!(total, listed);
    for root in roots {
        let children: i64 =
            root["children"].as_array().unwrap().iter().map(|c| c["product_count"].as_i64().unwrap()).sum();
        assert_eq!(root["product_count"].as_i64().unwrap(), children, "{}", root["slug"]);
        assert!(root["parent_id"].is_null());
    }

    let detail = get(&app, "/api/v1/categories/audio-essentials").await.json();
    assert_eq!(detail["ancestors"][0]["slug"], "audio");
    assert_eq!(detail["ancestors"].as_array().unwrap().len(), 1);
    assert_eq!(get(&app, "/api/v1/categories/nope").await.status, StatusCode::NOT_FOUND);
}
