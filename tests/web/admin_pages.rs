//! The staff pages through the real router, as a browser without
//! JavaScript uses them: the guard, form posts, the catalog upload and the
//! streamed export.

use crate::common::{
    create_user, fixture_dir, import_fixture,
    pages::{ORIGIN, get_page, post_form, sign_in},
    send,
};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use leptos::server_fn::ServerFn;
use nexus::app::pages::admin::categories::{CreateCategory, UpdateCategory};
use nexus_core::accounts::Role;
use sqlx::PgPool;

async fn staff_session(app: &axum::Router, pool: &PgPool) -> String {
    let (email, password) = create_user(pool, "sam@example.com", Role::Staff).await;
    sign_in(app, &email, &password).await
}

#[sqlx::test]
async fn only_staff_get_in_and_visitors_are_sent_to_sign_in(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;

    let visitor = get_page(&app, "/admin/products?q=echo", None).await;
    assert_eq!(visitor.status, StatusCode::FOUND);
    assert_eq!(visitor.header("location"), "/login?next=/admin/products?q=echo", "the page is kept");

    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let customer = sign_in(&app, &email, &password).await;
    let forbidden = get_page(&app, "/admin", Some(&customer)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden.body.contains("Staff only"), "{}", forbidden.body);
    assert!(!get_page(&app, "/", Some(&customer)).await.body.contains(r#"href="/admin""#), "no Admin link");

    let staff = staff_session(&app, &pool).await;
    let dashboard = get_page(&app, "/admin", Some(&staff)).await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    for section in
        ["Dashboard", "Products", "Categories", "Orders", "Inventory", "Reviews", "Reports", "Jobs", "Emails"]
    {
        assert!(dashboard.body.contains(&format!(">{section}<")), "{section} in the navigation");
    }
    assert!(!dashboard.body.contains(">Users<"), "the user pages are for admins");
    assert!(get_page(&app, "/", Some(&staff)).await.body.contains(r#"href="/admin""#), "staff see the Admin link");
}

#[sqlx::test]
async fn the_product_table_searches_and_filters_the_whole_catalog(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let staff = staff_session(&app, &pool).await;

    let found = get_page(&app, "/admin/products?q=NX-000001", Some(&staff)).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("Echo Set 4606") && found.body.contains("/admin/products/echo-set-4606"));
    assert!(found.body.contains("1 product"), "{}", found.body);

    let bad = get_page(&app, "/admin/products?sort=sideways&page=0", Some(&staff)).await;
    assert_eq!(bad.status, StatusCode::OK, "a bad filter is explained, not an error page");
    assert!(bad.body.contains("sort"), "{}", bad.body);
}

#[sqlx::test]
async fn categories_refuse_a_cycle_with_a_message(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let staff = staff_session(&app, &pool).await;
    let create = |name: &'static str, parent: String| {
        let (app, staff) = (app.clone(), staff.clone());
        async move {
            post_form(
                &app,
                CreateCategory::PATH,
                "/admin/categories",
                &[("name", name), ("parent_id", &parent)],
                Some(&staff),
            )
            .await
        }
    };
    assert_eq!(create("Garden", String::new()).await.status, StatusCode::FOUND);
    let garden: i64 =
        sqlx::query_scalar("SELECT id FROM categories WHERE slug = 'garden'").fetch_one(&pool).await.unwrap();
    assert_eq!(create("Tools", garden.to_string()).await.status, StatusCode::FOUND);
    let tools: i64 =
        sqlx::query_scalar("SELECT id FROM categories WHERE slug = 'tools'").fetch_one(&pool).await.unwrap();

    let fields = [("id", garden.to_string()), ("name", "Garden".to_owned()), ("parent_id", tools.to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let moved = post_form(&app, UpdateCategory::PATH, "/admin/categories", &fields, Some(&staff)).await;
    assert_eq!(moved.status, StatusCode::FOUND);
    let back = moved.header("location").trim_start_matches(ORIGIN).to_owned();
    let page = get_page(&app, &back, Some(&staff)).await;
    assert!(page.body.contains("cannot be the category itself or one of its sub-categories"), "{}", page.body);
    let parent: Option<i64> = sqlx::query_scalar("SELECT parent_id FROM categories WHERE id = $1")
        .bind(garden)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(parent, None, "nothing moved");
}

fn catalog_upload(files: [(&str, &[u8]); 3]) -> (String, Vec<u8>) {
    let boundary = "nexus-import-boundary";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.csv\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &axum::Router, cookie: &str, files: [(&str, &[u8]); 3]) -> String {
    let (content_type, body) = catalog_upload(files);
    let request = Request::post("/admin/catalog/import")
        .header("content-type", content_type)
        .header("origin", ORIGIN)
        .header("cookie", cookie)
        .body(Body::from(body))
        .unwrap();
    let response = send(app, request).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let back = response.header("location").to_owned();
    assert!(back.starts_with("/admin/catalog-files?notice="), "{back}");
    get_page(app, &back, Some(cookie)).await.body
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap()
}

#[sqlx::test]
async fn an_uploaded_catalog_is_imported_or_every_bad_row_is_listed(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let staff = staff_session(&app, &pool).await;
    let (categories, products, variants) =
        (fixture("categories.csv"), fixture("products.csv"), fixture("variants.csv"));

    let mut broken = String::from_utf8(products.clone()).unwrap();
    broken = broken.replacen(",NX-000001,", ",,", 1).replacen(",true,", ",maybe,", 1);
    let report =
        upload(&app, &staff, [("categories", &categories), ("products", broken.as_bytes()), ("variants", &variants)])
            .await;
    assert!(report.contains("nothing was imported"), "{report}");
    assert!(report.contains("products.csv line 2"), "each bad row by its line: {report}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0, "nothing changed");

    let report =
        upload(&app, &staff, [("categories", &categories), ("products", &products), ("variants", &variants)]).await;
    assert!(report.contains("The catalog was imported."), "{report}");
    assert!(report.contains("products.csv: 240 rows, 240 created, 0 updated"), "{report}");
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE event = 'catalog.imported'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    let plain = get_page(&app, "/admin/catalog-files", Some(&staff)).await.body;
    assert!(!plain.contains("The catalog was imported."), "the report shows only where the redirect points");
}

#[sqlx::test]
async fn the_export_streams_what_the_import_reads(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let customer = sign_in(&app, &email, &password).await;
    assert_eq!(
        get_page(&app, "/admin/catalog/export/products.csv", Some(&customer)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get_page(&app, "/admin/catalog/export/products.csv", None).await.status, StatusCode::UNAUTHORIZED);

    let staff = staff_session(&app, &pool).await;
    let export = get_page(&app, "/admin/catalog/export/products.csv", Some(&staff)).await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(export.header("content-disposition"), "attachment; filename=\"products.csv\"");
    assert!(export.body.starts_with("id,category_id,name,slug,sku,description,price,stock,is_active,created_at\n"));
    assert_eq!(export.body.lines().count(), 241, "a header and every product");
    assert!(export.body.contains(",echo-set-4606,NX-000001,"));
    let unknown = get_page(&app, "/admin/catalog/export/orders.csv", Some(&staff)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
