//! Deep pages of the product list through the real router: `next_cursor`
//! in the JSON API and GraphQL, the 422 past the numbered pages, and the
//! storefront's "Next" link going on by cursor without JavaScript.

use crate::{
    common::{get, import_fixture},
    graphql_api::{data, graphql},
};
use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn app_with_catalog(pool: PgPool) -> axum::Router {
    import_fixture(&pool).await;
    crate::common::app(pool).await
}

/// Ten thousand more listed products, so the list runs past the depth
/// numbered pages may reach (10,000 items).
async fn add_bulk_products(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO products (category_id, name, slug, sku, price_cents)
         SELECT (SELECT min(id) FROM categories), 'Bulk item ' || n, 'bulk-item-' || n, 'BULK-' || n, n
         FROM generate_series(1, 10000) AS n",
    )
    .execute(pool)
    .await
    .unwrap();
}

fn item_ids(list: &Value) -> Vec<i64> {
    list["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

#[sqlx::test]
async fn numbered_pages_stop_at_the_depth_with_a_422_that_says_to_follow_next_cursor(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let response = get(&app, "/api/v1/products?sort=price&page=501").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.header("content-type"), "application/problem+json");
    let problem = response.json();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("at most 500") && detail.contains("next_cursor"), "{detail}");
    assert!(problem["errors"]["page"].is_array());
    assert_eq!(get(&app, "/api/v1/products?sort=price&page=500").await.status, StatusCode::OK);

    // Relevance has no cursor past the depth: it says to narrow the search.
    let search = get(&app, "/api/v1/products?q=set&page=101&per_page=100").await.json();
    let detail = search["detail"].as_str().unwrap();
    assert!(detail.contains("narrow the search") && !detail.contains("next_cursor"), "{detail}");
}

#[sqlx::test]
async fn next_cursor_walks_the_whole_list_and_past_the_numbered_pages(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    add_bulk_products(&pool).await;
    let expected: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM products WHERE is_active AND archived_at IS NULL ORDER BY price_cents DESC, id DESC",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(expected.len() > 10_000);

    let mut list = get(&app, "/api/v1/products?sort=-price&per_page=100").await.json();
    let mut seen = item_ids(&list);
    while let Some(cursor) = list["next_cursor"].as_str() {
        let response = get(&app, &format!("/api/v1/products?sort=-price&per_page=100&cursor={cursor}")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        list = response.json();
        seen.extend(item_ids(&list));
    }
    assert_eq!(seen, expected, "every product once, in order, past page 100");
    assert!(list["page"].as_i64().unwrap() > 100, "the last page is numbered on: {}", list["page"]);
    assert_eq!(list["total"], expected.len());
    assert!(list["next_cursor"].is_null(), "null on the last page");
}

#[sqlx::test]
async fn a_cursor_from_another_sort_or_malformed_is_a_422_naming_cursor(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let first = get(&app, "/api/v1/products?sort=-price").await.json();
    let cursor = first["next_cursor"].as_str().expect("the fixture has a second page").to_owned();
    for query in [
        format!("sort=price&cursor={cursor}"),
        format!("sort=-price&cursor={cursor}&page=2"),
        "sort=-price&cursor=not-a-cursor".to_owned(),
        format!("sort=-price&cursor={}", &cursor[..cursor.len() - 1]),
    ] {
        let response = get(&app, &format!("/api/v1/products?{query}")).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(response.header("content-type"), "application/problem+json");
        assert!(response.json()["errors"]["cursor"].is_array(), "{query}: {}", response.body);
    }
}

#[sqlx::test]
async fn graphql_pages_by_the_same_cursor(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let query = "query($cursor: String, $sort: ProductSort) {
        products(sort: $sort, perPage: 5, cursor: $cursor) { page items { id } nextCursor } }";
    let first = data(&graphql(&app, None, query, json!({"sort": "NAME"})).await);
    let cursor = first["products"]["nextCursor"].as_str().unwrap().to_owned();
    let second = data(&graphql(&app, None, query, json!({"sort": "NAME", "cursor": cursor})).await);
    let rest = get(&app, &format!("/api/v1/products?sort=name&per_page=5&cursor={cursor}")).await.json();
    assert_eq!(second["products"]["page"], 2);
    let graphql_ids: Vec<i64> = second["products"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(graphql_ids, item_ids(&rest), "one core call behind both");
    let foreign = graphql(&app, None, query, json!({"sort": "PRICE", "cursor": cursor})).await.json();
    assert_eq!(foreign["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{foreign}");
}

/// The `href` of the page's link with `rel`, as a path.
fn link(body: &str, rel: &str) -> Option<String> {
    let tag =
        body.split("<a ").find(|tag| tag.split('>').next().unwrap_or_default().contains(&format!("rel=\"{rel}\"")))?;
    let href = tag.split("href=\"").nth(1)?.split('"').next()?;
    Some(href.replace("&amp;", "&"))
}

#[sqlx::test]
async fn the_storefront_next_link_goes_past_the_numbered_pages_by_cursor(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    add_bulk_products(&pool).await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE is_active AND archived_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    let pages = (total + 23) / 24;

    // 24 a page: page 416 is the last one a number reaches.
    let last_numbered = get(&app, "/search?sort=price&page=416").await.body;
    assert!(last_numbered.contains(&format!("Page 416 of {pages}")), "every page is counted");
    let next = link(&last_numbered, "next").expect("a Next link");
    assert!(next.starts_with("/search?sort=price&cursor="), "{next}");

    let deep = get(&app, &next).await;
    assert_eq!(deep.status, StatusCode::OK);
    assert!(deep.body.contains(&format!("Page 417 of {pages}")), "the cursor carries the page number");
    assert!(deep.body.contains("data-testid=\"product-grid\""));
    assert_eq!(link(&deep.body, "prev").as_deref(), Some("/search?sort=price&page=416"));
    let deeper = link(&deep.body, "next").expect("another Next link");
    assert!(deeper.contains("cursor=") && deeper != next);
    // A cursor leads forward only: from deeper pages "First page" goes back.
    let deeper = get(&app, &deeper).await.body;
    assert!(deeper.contains(&format!("Page 418 of {pages}")));
    assert_eq!(link(&deeper, "first").as_deref(), Some("/search?sort=price"));
    assert_eq!(link(&deeper, "prev"), None);

    // Page 417 by cursor shows what its offset would.
    let by_offset: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM products WHERE is_active AND archived_at IS NULL
         ORDER BY price_cents, id LIMIT 24 OFFSET 9984",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let grid = deep.body.split("data-testid=\"product-grid\"").nth(1).unwrap();
    let positions: Vec<usize> = by_offset.iter().map(|slug| grid.find(&format!("/p/{slug}\"")).expect(slug)).collect();
    assert!(positions.is_sorted(), "in price order");
}
