//! Catalog management by staff: guards, writes, stock ledger, images, and
//! cache invalidation seen by the next read.

use crate::common::{create_user, get, import_fixture, login, send, send_empty, send_json, staff_token};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use nexus_core::accounts::Role;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn category_id(pool: &PgPool, slug: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM categories WHERE slug = $1").bind(slug).fetch_one(pool).await.unwrap()
}

/// Every staff route in the OpenAPI document, with a concrete path.
fn staff_routes(document: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let tags = operation["tags"].as_array().cloned().unwrap_or_default();
            if tags.iter().any(|t| t == "catalog admin") {
                let concrete = path.replace("{slug}", "echo-set-4606").replace("{id}", "1").replace("{category}", "1");
                routes.push((method.to_uppercase(), concrete));
            }
        }
    }
    routes
}

#[sqlx::test]
async fn every_staff_route_rejects_anonymous_callers_and_customers(pool: PgPool) {
    import_fixture(&pool).await;
    let (email, password) = create_user(&pool, "cus@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    let (customer, _) = login(&app, &email, &password).await;
    let document = get(&app, "/api/openapi.json").await.json();
    let routes = staff_routes(&document);
    assert!(routes.len() >= 10, "found the staff routes: {routes:?}");
    for (method, path) in routes {
        let anonymous = send_json(&app, &method, &path, None, json!({})).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        let forbidden = send_json(&app, &method, &path, Some(&customer), json!({})).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{method} {path}");
    }
}

#[sqlx::test]
async fn categories_are_created_moved_and_cycles_rejected(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let create = |body: Value| send_json(&app, "POST", "/api/v1/categories", Some(&token), body);

    let top = create(json!({"name": "Garden & Outdoor"})).await;
    assert_eq!(top.status, StatusCode::CREATED, "{}", top.body);
    assert_eq!(top.json()["slug"], "garden-outdoor");
    let top_id = top.json()["id"].as_i64().unwrap();
    let child = create(json!({"name": "Tools", "slug": "garden-tools", "parent_id": top_id})).await.json();
    let child_id = child["id"].as_i64().unwrap();
    assert_eq!(child["ancestors"][0]["slug"], "garden-outdoor");
    let grandchild = create(json!({"name": "Spades", "parent_id": child_id})).await.json();
    let grandchild_id = grandchild["id"].as_i64().unwrap();

    assert_eq!(create(json!({"name": "Tools", "slug": "garden-tools"})).await.status, StatusCode::CONFLICT);
    assert_eq!(create(json!({"name": "Orphan", "parent_id": 999999})).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Moving the top category under its own grandchild would make a cycle.
    let cycle = send_json(
        &app,
        "PATCH",
        &format!("/api/v1/categories/{top_id}"),
        Some(&token),
        json!({"parent_id": grandchild_id}),
    )
    .await;
    assert_eq!(cycle.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cycle.json()["errors"]["parent_id"].is_array());
    let itself =
        send_json(&app, "PATCH", &format!("/api/v1/categories/{top_id}"), Some(&token), json!({"parent_id": top_id}))
            .await;
    assert_eq!(itself.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Moving the grandchild to the top level is fine, and the tree shows it.
    let moved = send_json(
        &app,
        "PATCH",
        &format!("/api/v1/categories/{grandchild_id}"),
        Some(&token),
        json!({"parent_id": null}),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert!(moved.json()["ancestors"].as_array().unwrap().is_empty());
    let tree = get(&app, "/api/v1/categories").await.json();
    assert!(tree.as_array().unwrap().iter().any(|c| c["id"] == grandchild_id));

    // A category with sub-categories cannot go; an empty one can.
    let busy = send_empty(&app, "DELETE", &format!("/api/v1/categories/{top_id}"), Some(&token)).await;
    assert_eq!(busy.status, StatusCode::CONFLICT);
    let gone = send_empty(&app, "DELETE", &format!("/api/v1/categories/{grandchild_id}"), Some(&token)).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&app, &format!("/api/v1/categories/{}", grandchild["slug"].as_str().unwrap())).await.status,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test]
async fn deleting_a_category_with_products_is_409(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let id: i64 = sqlx::query_scalar("SELECT category_id FROM products LIMIT 1").fetch_one(&pool).await.unwrap();
    let response = send_empty(&app, "DELETE", &format!("/api/v1/categories/{id}"), Some(&token)).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(response.json()["detail"].as_str().unwrap().contains("products"));
}

#[sqlx::test]
async fn products_get_a_default_variant_and_duplicates_are_409(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let category = category_id(&pool, "audio-essentials").await;
    let body = json!({"name": "Studio Monitor X", "description": "Flat response.", "category_id": category,
                      "price_cents": 19999, "sku": "SM-X", "stock": 7});
    let created = send_json(&app, "POST", "/api/v1/products", Some(&token), body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let product = created.json();
    assert_eq!(product["slug"], "studio-monitor-x");
    let variants = product["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 1);
    assert_eq!((variants[0]["sku"].as_str(), variants[0]["stock"].as_i64()), (Some("SM-X"), Some(7)));

    // Listed at once, in its category and its parent's.
    let listed = get(&app, "/api/v1/products?category=audio&q=studio+monitor").await.json();
    assert_eq!(listed["items"][0]["slug"], "studio-monitor-x");

    let same_sku = json!({"name": "Other", "category_id": category, "price_cents": 1, "sku": "SM-X"});
    assert_eq!(send_json(&app, "POST", "/api/v1/products", Some(&token), same_sku).await.status, StatusCode::CONFLICT);
    let same_slug = json!({"name": "Studio Monitor X", "category_id": category, "price_cents": 1, "sku": "SM-Y"});
    assert_eq!(send_json(&app, "POST", "/api/v1/products", Some(&token), same_slug).await.status, StatusCode::CONFLICT);
    let negative = json!({"name": "Cheap", "category_id": category, "price_cents": -1, "sku": "SM-Z"});
    let response = send_json(&app, "POST", "/api/v1/products", Some(&token), negative).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.json()["errors"]["price_cents"].is_array());
}

#[sqlx::test]
async fn prices_that_could_wrap_a_total_are_refused(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    // Four units at 2^62 cents wrapped a cart's subtotal to 0.
    let huge = json!({"price_cents": 4_611_686_018_427_387_904_i64});
    let product = send_json(&app, "PATCH", "/api/v1/products/echo-set-4606", Some(&token), huge.clone()).await;
    assert_eq!(product.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", product.body);
    assert!(product.json()["errors"]["price_cents"][0].as_str().unwrap().contains("at most"));
    let variant: i64 = sqlx::query_scalar("SELECT min(id) FROM variants").fetch_one(&pool).await.unwrap();
    let patched = send_json(&app, "PATCH", &format!("/api/v1/variants/{variant}"), Some(&token), huge).await;
    assert_eq!(patched.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", patched.body);
    let highest = json!({"price_cents": 1_000_000_000});
    let at_most = send_json(&app, "PATCH", "/api/v1/products/echo-set-4606", Some(&token), highest).await;
    assert_eq!(at_most.status, StatusCode::OK, "the highest price itself is fine: {}", at_most.body);
}

#[sqlx::test]
async fn a_price_change_shows_in_the_next_list_and_detail(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    // Warm the cache first.
    let before = get(&app, "/api/v1/products?q=NX-000001").await.json();
    assert_eq!(before["items"][0]["price_cents"], 36521);
    assert_eq!(get(&app, "/api/v1/products/echo-set-4606").await.json()["price_cents"], 36521);

    let patched =
        send_json(&app, "PATCH", "/api/v1/products/echo-set-4606", Some(&token), json!({"price_cents": 29900})).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);

    assert_eq!(get(&app, "/api/v1/products?q=NX-000001").await.json()["items"][0]["price_cents"], 29900);
    let detail = get(&app, "/api/v1/products/echo-set-4606").await.json();
    assert_eq!(detail["price_cents"], 29900);
    assert_eq!(detail["variants"][0]["price_cents"], 29900, "variants without their own price follow");
}

#[sqlx::test]
async fn archived_products_are_no_longer_listed(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    assert_eq!(get(&app, "/api/v1/products?q=NX-000001").await.json()["total"], 1);
    let archived = send_empty(&app, "DELETE", "/api/v1/products/echo-set-4606", Some(&token)).await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);
    assert_eq!(get(&app, "/api/v1/products?q=NX-000001").await.json()["total"], 0);
    assert_eq!(get(&app, "/api/v1/products/echo-set-4606").await.status, StatusCode::NOT_FOUND);
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE slug = 'echo-set-4606'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "kept for past orders");
}

#[sqlx::test]
async fn stock_moves_through_the_ledger_and_never_below_zero(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let (variant, stock): (i64, i32) =
        sqlx::query_as("SELECT id, stock FROM variants WHERE sku = 'NX-000001-NAVY'").fetch_one(&pool).await.unwrap();
    let path = format!("/api/v1/variants/{variant}/stock");

    let added = send_json(&app, "POST", &path, Some(&token), json!({"delta": 5, "reason": "delivery"})).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.json()["stock"], stock + 5);

    let too_many =
        send_json(&app, "POST", &path, Some(&token), json!({"delta": -(stock + 6), "reason": "shrinkage"})).await;
    assert_eq!(too_many.status, StatusCode::CONFLICT);
    let zero = send_json(&app, "POST", &path, Some(&token), json!({"delta": 0, "reason": "nothing"})).await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_reason = send_json(&app, "POST", &path, Some(&token), json!({"delta": 1, "reason": " "})).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A change that would overflow the column is the client's mistake.
    for huge in [i32::MAX, i32::MIN, 999_999_999] {
        let response = send_json(&app, "POST", &path, Some(&token), json!({"delta": huge, "reason": "typo"})).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{huge}: {}", response.body);
        assert!(response.json()["errors"]["delta"].is_array(), "{huge}: {}", response.body);
    }

    let all_out =
        send_json(&app, "POST", &path, Some(&token), json!({"delta": -(stock + 5), "reason": "recount"})).await;
    assert_eq!(all_out.json()["stock"], 0);
    let ledger: Vec<(i32, i32, String)> =
        sqlx::query_as("SELECT delta, stock_after, reason FROM inventory_ledger WHERE variant_id = $1 ORDER BY id")
            .bind(variant)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        ledger,
        vec![
            (stock, stock, "catalog import".into()),
            (5, stock + 5, "delivery".into()),
            (-(stock + 5), 0, "recount".into())
        ]
    );
    let unknown =
        send_json(&app, "POST", "/api/v1/variants/999999/stock", Some(&token), json!({"delta": 1, "reason": "x"}))
            .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn concurrent_stock_removals_cannot_take_stock_below_zero(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let variant: i64 =
        sqlx::query_scalar("SELECT id FROM variants WHERE sku = 'NX-000001-NAVY'").fetch_one(&pool).await.unwrap();
    let path = format!("/api/v1/variants/{variant}/stock");
    let set = send_json(&app, "POST", &path, Some(&token), json!({"delta": -103, "reason": "reset"})).await;
    assert_eq!(set.json()["stock"], 0);
    send_json(&app, "POST", &path, Some(&token), json!({"delta": 10, "reason": "delivery"})).await;
    let attempts =
        (0..25).map(|_| send_json(&app, "POST", &path, Some(&token), json!({"delta": -1, "reason": "sale"})));
    let results = futures_join_all(attempts).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let conflicts = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, conflicts), (10, 15));
    let stock: i32 =
        sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1").bind(variant).fetch_one(&pool).await.unwrap();
    assert_eq!(stock, 0);
}

async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(|f| Box::pin(f)).collect();
    let mut outputs = Vec::new();
    // Poll them together: a join over all pinned futures.
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        *result = Some(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    outputs.extend(results.into_iter().map(|r| r.expect("every future finished")));
    outputs
}

#[sqlx::test]
async fn variants_are_added_and_updated(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;
    let body = json!({"sku": "NX-000001-TEAL", "name": "Teal", "options": {"color": "Teal"}, "price_cents": 39900, "stock": 4});
    let added = send_json(&app, "POST", "/api/v1/products/echo-set-4606/variants", Some(&token), body).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let id = added.json()["id"].as_i64().unwrap();
    assert_eq!(added.json()["options"]["color"], "Teal");
    let patched =
        send_json(&app, "PATCH", &format!("/api/v1/variants/{id}"), Some(&token), json!({"price_cents": null})).await;
    assert_eq!(patched.json()["price_cents"], 36521, "null falls back to the product's price");
    let dup = json!({"sku": "NX-000001-TEAL", "name": "Again", "stock": 1});
    assert_eq!(
        send_json(&app, "POST", "/api/v1/products/echo-set-4606/variants", Some(&token), dup).await.status,
        StatusCode::CONFLICT
    );
    let detail = get(&app, "/api/v1/products/echo-set-4606").await.json();
    assert!(detail["variants"].as_array().unwrap().iter().any(|v| v["sku"] == "NX-000001-TEAL"));
}

fn multipart(file_name: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "nexus-test-boundary";
    let mut body = Vec::new();
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nFront view\r\n").bytes());
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n")
            .bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &axum::Router,
    token: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> crate::common::TestResponse {
    let (content_type, body) = multipart(file_name, content_type, bytes);
    let request = Request::post("/api/v1/products/echo-set-4606/images")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

fn png() -> Vec<u8> {
    let image = image::DynamicImage::new_rgb8(640, 480);
    let mut bytes = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

#[sqlx::test]
async fn image_upload_accepts_a_png_and_rejects_text_and_oversized_files(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let token = staff_token(&app, &pool).await;

    let stored = upload(&app, &token, "front.png", "image/png", &png()).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    let image = stored.json();
    assert!(image["id"].is_i64(), "{image}");
    assert_eq!(
        (image["width"].as_i64(), image["height"].as_i64(), image["alt"].as_str()),
        (Some(640), Some(480), Some("Front view"))
    );
    let served = get(&app, image["url"].as_str().unwrap()).await;
    assert_eq!(served.status, StatusCode::OK);
    assert!(served.header("cache-control").contains("immutable"));
    assert_eq!(get(&app, image["thumbnail_url"].as_str().unwrap()).await.status, StatusCode::OK);
    let detail = get(&app, "/api/v1/products/echo-set-4606").await.json();
    assert_eq!(detail["images"][0]["url"], image["url"]);

    // A text file is refused even when it claims to be a PNG.
    let text = upload(&app, &token, "notes.png", "image/png", b"just some text, not pixels").await;
    assert_eq!(text.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.json()["errors"]["file"].is_array());

    let huge = vec![0u8; 10 * 1024 * 1024 + 200 * 1024];
    let too_big = upload(&app, &token, "big.png", "image/png", &huge).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
}
