//! Staff stock and image routes: the low-stock report by each variant's own
//! threshold, a variant's ledger, moving and deleting product images, and
//! the audit row a staff write leaves.

use crate::common::{create_user, get, import_fixture, login, send, send_empty, send_json, staff_token, token_for};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use nexus_core::accounts::Role;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn variant(pool: &PgPool, sku: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM variants WHERE sku = $1").bind(sku).fetch_one(pool).await.unwrap()
}

fn skus(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|row| row["sku"].as_str().unwrap()).collect()
}

/// The customer's and the staff member's tokens.
async fn tokens(app: &axum::Router, pool: &PgPool) -> (String, String) {
    let customer = token_for(app, pool, "ann@example.com", Role::Customer).await;
    (customer, staff_token(app, pool).await)
}

async fn guarded(app: &axum::Router, method: &str, path: &str, customer: &str) {
    assert_eq!(send_empty(app, method, path, None).await.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    assert_eq!(send_empty(app, method, path, Some(customer)).await.status, StatusCode::FORBIDDEN, "{method} {path}");
}

#[sqlx::test]
async fn the_low_stock_report_uses_each_variants_own_threshold(pool: PgPool) {
    import_fixture(&pool).await;
    // Nothing is low but what the test makes low.
    sqlx::query("UPDATE variants SET low_stock_threshold = 0, stock = stock + 1").execute(&pool).await.unwrap();
    let app = crate::common::app(pool.clone()).await;
    let (customer, staff) = tokens(&app, &pool).await;
    guarded(&app, "GET", "/api/v1/admin/inventory/low-stock", &customer).await;

    let (navy, grey) = (variant(&pool, "NX-000001-NAVY").await, variant(&pool, "NX-000001-GREY").await);
    let threshold = |id: i64, n: i32| {
        let app = app.clone();
        let staff = staff.clone();
        async move {
            let path = format!("/api/v1/variants/{id}");
            send_json(&app, "PATCH", &path, Some(&staff), json!({"low_stock_threshold": n})).await
        }
    };
    // Navy has 104 units and is low at 104; Grey has 59 and is low only at 59.
    assert_eq!(threshold(navy, 104).await.json()["low_stock_threshold"], 104);
    assert_eq!(threshold(grey, 58).await.status, StatusCode::OK);
    let report = send_empty(&app, "GET", "/api/v1/admin/inventory/low-stock", Some(&staff)).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let report = report.json();
    assert_eq!(skus(&report), ["NX-000001-NAVY"]);
    assert_eq!(
        (report["page"].as_i64(), report["per_page"].as_i64(), report["total"].as_i64()),
        (Some(1), Some(20), Some(1))
    );
    let row = &report["items"][0];
    assert_eq!(
        (row["variant_id"].as_i64(), row["stock"].as_i64(), row["is_low"].as_bool()),
        (Some(navy), Some(104), Some(true))
    );
    assert_eq!(
        (row["product_slug"].as_str(), row["product_name"].as_str()),
        (Some("echo-set-4606"), Some("Echo Set 4606"))
    );
    assert_eq!((row["variant_name"].as_str(), row["low_stock_threshold"].as_i64()), (Some("Navy"), Some(104)));

    // Grey joins at its threshold, and the lower stock comes first.
    let path = format!("/api/v1/variants/{grey}/stock");
    send_json(&app, "POST", &path, Some(&staff), json!({"delta": -1, "reason": "damaged"})).await;
    let report = send_empty(&app, "GET", "/api/v1/admin/inventory/low-stock", Some(&staff)).await.json();
    assert_eq!(skus(&report), ["NX-000001-GREY", "NX-000001-NAVY"]);
    let second = send_empty(&app, "GET", "/api/v1/admin/inventory/low-stock?per_page=1&page=2", Some(&staff)).await;
    let second = second.json();
    assert_eq!((skus(&second), second["total_pages"].as_i64()), (vec!["NX-000001-NAVY"], Some(2)));
    let bad = send_empty(&app, "GET", "/api/v1/admin/inventory/low-stock?page=0", Some(&staff)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["errors"]["page"].is_array());

    // An archived product's variants are no longer reported.
    send_empty(&app, "DELETE", "/api/v1/products/echo-set-4606", Some(&staff)).await;
    let report = send_empty(&app, "GET", "/api/v1/admin/inventory/low-stock", Some(&staff)).await.json();
    assert_eq!(report["total"], 0);
}

#[sqlx::test]
async fn the_ledger_lists_changes_newest_first_with_their_actor(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let (customer, staff) = tokens(&app, &pool).await;
    let navy = variant(&pool, "NX-000001-NAVY").await;
    let path = format!("/api/v1/variants/{navy}/ledger");
    guarded(&app, "GET", &path, &customer).await;

    let stock = format!("/api/v1/variants/{navy}/stock");
    send_json(&app, "POST", &stock, Some(&staff), json!({"delta": 4, "reason": "delivery"})).await;
    send_json(&app, "POST", &stock, Some(&staff), json!({"delta": -1, "reason": "damaged"})).await;

    let ledger = send_empty(&app, "GET", &path, Some(&staff)).await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.body);
    let ledger = ledger.json();
    let rows: Vec<(i64, i64, &str)> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["delta"].as_i64().unwrap(), e["stock_after"].as_i64().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [(-1, 106, "damaged"), (4, 107, "delivery"), (103, 103, "catalog import")]);
    let newest = &ledger["items"][0];
    assert!(newest["id"].is_i64() && newest["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(newest["actor"]["email"], "staff@example.com");
    assert_eq!(newest["actor"]["name"], "Test User");
    assert!(newest["actor"]["id"].is_i64());
    assert!(ledger["items"][2]["actor"].is_null(), "the import has no actor");

    let paged = send_empty(&app, "GET", &format!("{path}?per_page=2&page=2"), Some(&staff)).await.json();
    assert_eq!((paged["items"][0]["reason"].as_str(), paged["total"].as_i64()), (Some("catalog import"), Some(3)));
    let unknown = send_empty(&app, "GET", "/api/v1/variants/999999/ledger", Some(&staff)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.header("content-type"), "application/problem+json");
}

fn png(width: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let image = image::DynamicImage::new_rgb8(width, 40);
    image.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

async fn upload(app: &axum::Router, token: &str, alt: &str, width: u32) -> Value {
    let boundary = "nexus-test-boundary";
    let mut body = Vec::new();
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n").bytes());
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n")
            .bytes(),
    );
    body.extend(png(width));
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let request = Request::post("/api/v1/products/echo-set-4606/images")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let response = send(app, request).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.json()
}

/// The product's images as shoppers see them: (alt, url) in order.
async fn gallery(app: &axum::Router) -> Vec<(String, String)> {
    let detail = get(app, "/api/v1/products/echo-set-4606").await.json();
    detail["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["alt"].as_str().unwrap().to_owned(), i["url"].as_str().unwrap().to_owned()))
        .collect()
}

async fn positions(pool: &PgPool) -> Vec<(String, i32)> {
    sqlx::query_as(
        "SELECT alt, position FROM product_images
         WHERE product_id = (SELECT id FROM products WHERE slug = 'echo-set-4606') ORDER BY position, id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn images_move_and_go_with_positions_kept_one_to_n(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let (customer, staff) = tokens(&app, &pool).await;
    let front = upload(&app, &staff, "Front", 60).await;
    let side = upload(&app, &staff, "Side", 61).await;
    let back = upload(&app, &staff, "Back", 62).await;
    assert!(front["id"].is_i64(), "the upload answers {{id, url, alt}}: {front}");
    let path = |image: &Value| format!("/api/v1/images/{}", image["id"]);
    guarded(&app, "PATCH", &path(&back), &customer).await;
    guarded(&app, "DELETE", &path(&back), &customer).await;
    let card = || async { get(&app, "/api/v1/products?q=NX-000001").await.json()["items"][0]["image_url"].clone() };
    assert_eq!(card().await, front["thumbnail_url"], "the first image is the card's");

    // Back to the front: the others move down one, and it is the card's now.
    let moved = send_json(&app, "PATCH", &path(&back), Some(&staff), json!({"position": 1})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!((moved.json()["id"].clone(), moved.json()["alt"].clone()), (back["id"].clone(), json!("Back")));
    let order = |names: [&str; 3]| names.iter().zip(1..).map(|(n, p)| (n.to_string(), p)).collect::<Vec<_>>();
    assert_eq!(positions(&pool).await, order(["Back", "Front", "Side"]));
    assert_eq!(gallery(&app).await.iter().map(|(alt, _)| alt.as_str()).collect::<Vec<_>>(), ["Back", "Front", "Side"]);
    assert_eq!(card().await, back["thumbnail_url"]);

    // Past the end means last; alt text alone keeps the order.
    send_json(&app, "PATCH", &path(&back), Some(&staff), json!({"position": 99})).await;
    assert_eq!(positions(&pool).await, order(["Front", "Side", "Back"]));
    let renamed = send_json(&app, "PATCH", &path(&side), Some(&staff), json!({"alt": "Left side"})).await.json();
    assert_eq!(renamed["alt"], "Left side");
    assert_eq!(positions(&pool).await, order(["Front", "Left side", "Back"]));
    let zero = send_json(&app, "PATCH", &path(&side), Some(&staff), json!({"position": 0})).await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(zero.json()["errors"]["position"].is_array());

    // Deleting the middle one closes the gap and removes its files.
    let deleted = send_empty(&app, "DELETE", &path(&side), Some(&staff)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let kept: Vec<(String, i32)> = vec![("Front".into(), 1), ("Back".into(), 2)];
    assert_eq!(positions(&pool).await, kept);
    assert_eq!(gallery(&app).await.len(), 2);
    for file in [&side["url"], &side["thumbnail_url"]] {
        assert_eq!(get(&app, file.as_str().unwrap()).await.status, StatusCode::NOT_FOUND, "{file} is gone");
    }
    assert_eq!(get(&app, front["url"].as_str().unwrap()).await.status, StatusCode::OK, "the others stay");

    for (method, body) in [("PATCH", json!({"alt": "x"})), ("DELETE", json!({}))] {
        let unknown = send_json(&app, method, &path(&side), Some(&staff), body).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{method} a deleted image");
        assert_eq!(unknown.header("content-type"), "application/problem+json");
    }
}

#[sqlx::test]
async fn a_staff_write_leaves_an_audit_row_naming_who_and_what(pool: PgPool) {
    import_fixture(&pool).await;
    let (email, password) = create_user(&pool, "editor@example.com", Role::Staff).await;
    let app = crate::common::app(pool.clone()).await;
    let (token, _) = login(&app, &email, &password).await;
    let patched =
        send_json(&app, "PATCH", "/api/v1/products/echo-set-4606", Some(&token), json!({"price_cents": 29900})).await;
    assert_eq!(patched.status, StatusCode::OK);
    let (event, actor, detail): (String, String, Value) = sqlx::query_as(
        "SELECT a.event, u.email, a.detail FROM audit_events a JOIN users u ON u.id = a.actor_id
         WHERE a.event LIKE 'catalog.%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((event.as_str(), actor.as_str()), ("catalog.product_updated", "editor@example.com"));
    assert_eq!(detail, json!({"id": patched.json()["id"], "slug": "echo-set-4606", "fields": ["price_cents"]}));
}
