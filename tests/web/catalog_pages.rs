//! The storefront catalog pages and crawler files, rendered by the real
//! router over the fixture catalog.

use crate::common::{get, import_fixture, send_json, staff_token};
use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn app_with_catalog(pool: PgPool) -> axum::Router {
    import_fixture(&pool).await;
    crate::common::app(pool).await
}

/// The JSON-LD blocks of a page.
fn json_ld(body: &str) -> Vec<Value> {
    body.split("<script type=\"application/ld+json\">")
        .skip(1)
        .map(|rest| serde_json::from_str(rest.split("</script>").next().unwrap()).unwrap())
        .collect()
}

async fn names(pool: &PgPool, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
}

#[sqlx::test]
async fn a_category_page_shows_its_subtree_with_breadcrumb_and_seo_tags(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let (slug, name, parent): (String, String, String) = sqlx::query_as(
        "SELECT c.slug, c.name, d.name FROM categories c JOIN categories d ON d.id = c.parent_id
         WHERE EXISTS (SELECT 1 FROM products p WHERE p.category_id = c.id AND p.is_active) ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let response = get(&app, &format!("/c/{slug}")).await;
    assert_eq!(response.status, StatusCode::OK);
    let body = &response.body;
    assert!(body.contains(&format!("<title>{name} · Nexus</title>")), "{body}");
    assert!(body.contains(&format!("<link href=\"http://127.0.0.1:3000/c/{slug}\" rel=\"canonical\">")));
    assert!(body.contains("property=\"og:title\""));
    assert!(body.contains("name=\"description\""));
    assert!(body.contains("aria-label=\"Breadcrumb\"") && body.contains(&parent));
    let newest = names(
        &pool,
        &format!(
            "SELECT p.name FROM products p JOIN categories c ON c.id = p.category_id
             WHERE c.slug = '{slug}' AND p.is_active ORDER BY p.created_at DESC, p.id DESC LIMIT 3"
        ),
    )
    .await;
    for product in &newest {
        assert!(body.contains(product.as_str()), "{product} is on the page");
    }
    let breadcrumbs = json_ld(body);
    assert_eq!(breadcrumbs[0]["@type"], "BreadcrumbList");
    assert_eq!(breadcrumbs[0]["itemListElement"].as_array().unwrap().len(), 3, "home, parent, category");
}

#[sqlx::test]
async fn category_filters_sort_and_pages_come_from_the_url(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let expected = names(
        &pool,
        "SELECT p.name FROM products p JOIN categories c ON c.id = p.category_id
         JOIN categories d ON d.id = c.parent_id
         WHERE d.slug = 'audio' AND p.is_active AND p.in_stock AND p.price_cents BETWEEN 10000 AND 50000
         ORDER BY p.price_cents DESC, p.id DESC",
    )
    .await;
    assert!(!expected.is_empty());
    let body = get(&app, "/c/audio?min_price=100&max_price=500&in_stock=true&sort=-price").await.body;
    let grid = body.split("data-testid=\"product-grid\"").nth(1).expect("a grid");
    let positions: Vec<usize> = expected.iter().map(|name| grid.find(name.as_str()).expect(name)).collect();
    assert!(positions.is_sorted(), "most expensive first");
    assert!(body.contains(&format!("{} product", expected.len())));
    assert!(body.contains("value=\"100\"") && body.contains("value=\"500\""), "the form keeps the filters");

    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE is_active").fetch_one(&pool).await.unwrap();
    let page_two = get(&app, "/search?page=2").await.body;
    assert!(page_two.contains(&format!("Page 2 of {}", (all + 23) / 24)));
    assert!(page_two.contains("rel=\"prev\"") && page_two.contains("href=\"/search\""));
}

#[sqlx::test]
async fn bad_filters_are_explained_next_to_the_field(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let response = get(&app, "/c/audio?min_price=ten&sort=cheapest").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("id=\"min_price-error\""));
    assert!(response.body.contains("Enter an amount such as 25 or 19.99, not “ten”."));
    assert!(response.body.contains("id=\"sort-error\""));
    assert!(response.body.contains("value=\"ten\""), "the typed value stays");
}

#[sqlx::test]
async fn a_page_too_deep_is_explained_not_queried(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let response = get(&app, "/c/audio?page=1000000").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("The page number must be at most"), "{}", response.body);
    assert!(response.body.contains("10000 items deep"));
}

#[sqlx::test]
async fn unknown_categories_and_products_are_404_pages(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    for path in ["/c/no-such-category", "/p/no-such-product"] {
        let response = get(&app, path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(response.body.contains("Page not found"), "{path}");
    }
}

#[sqlx::test]
async fn search_suggests_a_spelling_when_nothing_matches(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let body = get(&app, "/search?q=ehco").await.body;
    assert!(body.contains("data-testid=\"did-you-mean\""));
    assert!(body.contains("href=\"/search?q=echo\""));
    assert!(body.contains("Echo Set 4606"));
    assert!(body.contains("name=\"robots\" content=\"noindex, follow\""));
}

#[sqlx::test]
async fn a_product_page_has_price_variants_and_structured_data(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let body = get(&app, "/p/echo-set-4606").await.body;
    assert!(body.contains("<title>Echo Set 4606 · Nexus</title>"));
    assert!(body.contains("$365.21"));
    assert!(body.contains("property=\"og:type\" content=\"product\""));
    let data = json_ld(&body);
    let product = data.iter().find(|d| d["@type"] == "Product").expect("Product JSON-LD");
    assert_eq!(product["sku"], "NX-000001");
    assert_eq!(product["offers"]["price"], "365.21");
    assert_eq!(product["offers"]["priceCurrency"], "USD");
    assert!(data.iter().any(|d| d["@type"] == "BreadcrumbList"));

    // Product 96: XS has its own price, XL is sold out.
    let slug: String = sqlx::query_scalar("SELECT slug FROM products WHERE id = 96").fetch_one(&pool).await.unwrap();
    let body = get(&app, &format!("/p/{slug}?variant=NX-000096-XS")).await.body;
    assert!(body.contains("$436.86"), "the chosen variant's price");
    let chosen = body.split("aria-current=\"true\"").nth(1).expect("a chosen variant");
    assert!(chosen.split("</a>").next().unwrap().ends_with(">XS"));
    let sold_out = body.split("aria-disabled=\"true\"").nth(1).expect("a disabled choice");
    assert!(sold_out.split("</span>").next().unwrap().contains("XL"));
    assert_eq!(json_ld(&body).iter().find(|d| d["@type"] == "Product").unwrap()["offers"]["@type"], "AggregateOffer");
}

#[sqlx::test]
async fn a_price_change_shows_on_the_next_category_and_product_page(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let category: String = sqlx::query_scalar(
        "SELECT c.slug FROM products p JOIN categories c ON c.id = p.category_id WHERE p.slug = 'echo-set-4606'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let page = format!("/c/{category}?sort=-price&min_price=365.21&max_price=365.21");
    assert!(get(&app, &page).await.body.contains("$365.21"));
    assert!(get(&app, "/p/echo-set-4606").await.body.contains("$365.21"));

    let token = staff_token(&app, &pool).await;
    let patch =
        send_json(&app, "PATCH", "/api/v1/products/echo-set-4606", Some(&token), json!({"price_cents": 29900})).await;
    assert_eq!(patch.status, StatusCode::OK);

    assert!(!get(&app, &page).await.body.contains("Echo Set 4606"), "no longer in the old price range");
    let product = get(&app, "/p/echo-set-4606").await.body;
    assert!(product.contains("$299.00") && !product.contains("$365.21"));
}

#[sqlx::test]
async fn the_sitemap_lists_every_listed_product_and_category(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let response = get(&app, "/sitemap.xml").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").starts_with("application/xml"));
    let listed: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE is_active AND archived_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    let categories: i64 = sqlx::query_scalar("SELECT count(*) FROM categories").fetch_one(&pool).await.unwrap();
    assert_eq!(response.body.matches("<loc>http://127.0.0.1:3000/p/").count() as i64, listed);
    assert_eq!(response.body.matches("<loc>http://127.0.0.1:3000/c/").count() as i64, categories);
    let inactive: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE NOT is_active LIMIT 1").fetch_one(&pool).await.unwrap();
    assert!(!response.body.contains(&format!("/p/{inactive}<")));

    let robots = get(&app, "/robots.txt").await;
    assert!(robots.body.contains("Sitemap: http://127.0.0.1:3000/sitemap.xml"));
    assert!(robots.body.contains("Disallow: /api/"));
}

#[sqlx::test]
async fn cached_pages_are_served_with_a_fresh_nonce_each_time(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    let nonce = |response: &crate::common::TestResponse| {
        let csp = response.header("content-security-policy");
        csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap().to_owned()
    };
    let first = get(&app, "/p/echo-set-4606").await;
    let second = get(&app, "/p/echo-set-4606").await;
    assert_eq!((first.status, second.status), (StatusCode::OK, StatusCode::OK));
    let (a, b) = (nonce(&first), nonce(&second));
    assert_ne!(a, b, "a nonce is never served twice");
    assert!(second.body.contains(&b) && !second.body.contains(&a));
    assert_eq!(first.body.replace(&a, "NONCE"), second.body.replace(&b, "NONCE"), "the same page otherwise");
    assert!(second.header("content-type").starts_with("text/html"));
    let metrics = get(&app, "/metrics").await.body;
    assert!(metrics.contains(r#"nexus_page_cache_requests_total{result="hit"}"#), "{metrics}");
}

#[sqlx::test]
async fn a_page_rendered_for_a_bearer_token_is_never_cached_for_visitors(pool: PgPool) {
    let app = app_with_catalog(pool.clone()).await;
    let token = crate::common::token_for(&app, &pool, "ann@example.com", nexus_core::accounts::Role::Customer).await;
    let signed_in = crate::common::send(
        &app,
        axum::http::Request::get("/?campaign=x")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::OK);
    let anonymous = get(&app, "/?campaign=x").await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert!(!anonymous.body.contains("Sign out"), "a visitor got a signed-in page from the cache");
}

#[sqlx::test]
async fn the_nonce_placeholder_typed_into_a_page_stays_as_typed(pool: PgPool) {
    let app = app_with_catalog(pool).await;
    // The second answer would come from the page cache, where the
    // placeholder stands for the nonce.
    for _ in 0..2 {
        let response = get(&app, "/search?q=__nexus_nonce__").await;
        assert_eq!(response.status, StatusCode::OK);
        assert!(response.body.contains("__nexus_nonce__"), "the search text is shown as typed");
    }
}

#[sqlx::test]
async fn made_up_parameters_share_one_cached_page_and_a_client_fills_only_its_share(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app_with(pool.clone(), |config| {
        config.rate_limits.page_cache_stores_per_ip =
            nexus_core::rate_limit::Limit::per(3, std::time::Duration::from_secs(60));
    })
    .await;
    for n in 0..60 {
        assert_eq!(get(&app, &format!("/?utm_campaign={n}")).await.status, StatusCode::OK);
    }
    assert_eq!(crate::common::count_cache_keys(&pool, "*page:*").await, 1, "60 campaign links, one entry");

    // Distinct pages: two more entries, then this client's pages are
    // served without being kept.
    for sku in ["A", "B", "C", "D", "E"] {
        let page = get(&app, &format!("/p/echo-set-4606?variant={sku}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Echo Set 4606"), "still served");
    }
    assert_eq!(crate::common::count_cache_keys(&pool, "*page:*").await, 3);
}

#[sqlx::test]
async fn more_than_ten_thousand_matches_read_ten_thousand_plus(pool: PgPool) {
    sqlx::query("INSERT INTO categories (name, slug) VALUES ('Widgets', 'widgets')").execute(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO products (category_id, name, slug, sku, price_cents)
         SELECT (SELECT id FROM categories WHERE slug = 'widgets'), 'Bulk Widget ' || n, 'bulk-' || n, 'BULK-' || n,
                100 + n
         FROM generate_series(1, 10050) AS n",
    )
    .execute(&pool)
    .await
    .unwrap();
    let app = crate::common::app(pool).await;

    let filtered = get(&app, "/c/widgets?min_price=1").await.body;
    assert!(filtered.contains("10,000+ products"), "a price filter past 10,000 matches is estimated");
    let whole = get(&app, "/c/widgets").await.body;
    assert!(whole.contains("10,050 products"), "a category alone is counted exactly");

    let api = get(&app, "/api/v1/products?category=widgets&min_price=100").await.json();
    assert_eq!(api["total_is_exact"], false);
    assert!(api["total"].as_i64().unwrap() > 10_000, "{}", api["total"]);
    let api = get(&app, "/api/v1/products?category=widgets").await.json();
    assert_eq!((api["total"].as_i64(), api["total_is_exact"].as_bool()), (Some(10_050), Some(true)));
}
