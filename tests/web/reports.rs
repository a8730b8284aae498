//! Sales figures: `GET /api/v1/admin/stats`, the reports page and the CSV
//! export agree to the cent, with cancellations and refunds left out of
//! revenue and counted apart.

use axum::{Router, http::StatusCode};
use nexus_core::accounts::Role;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{
    common::{
        create_user, import_fixture,
        pages::{get_page, sign_in, testid_text},
        send_empty, send_json, token_for,
    },
    orders_api::{GOOD_CARD, add_to_cart, checkout, no_limits, place, stocked_variants},
};

/// Three variants with stock for every order of a test.
async fn variants(pool: &PgPool) -> Vec<i64> {
    stocked_variants(pool, 10, 3).await.into_iter().map(|(id, _, _)| id).collect()
}

/// Places a paid order of `quantity` units of `variant` and dates it `at`;
/// its number and total.
async fn order_at(app: &Router, pool: &PgPool, token: &str, variant: i64, quantity: i32, at: &str) -> (String, i64) {
    add_to_cart(app, token, variant, quantity).await;
    let placed = place(app, token, checkout(GOOD_CARD), None).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order = placed.json();
    let number = order["number"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE orders SET created_at = $2::timestamptz WHERE number = $1")
        .bind(&number)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    (number, order["total_cents"].as_i64().unwrap())
}

async fn stats(app: &Router, staff: &str, query: &str) -> Value {
    let response = send_empty(app, "GET", &format!("/api/v1/admin/stats{query}"), Some(staff)).await;
    assert_eq!(response.status, StatusCode::OK, "{query}: {}", response.body);
    response.json()
}

#[sqlx::test]
async fn stats_sum_kept_orders_to_the_cent_and_count_money_given_back_apart(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let staff = crate::common::staff_token(&app, &pool).await;
    let v = variants(&pool).await;
    let (_, first) = order_at(&app, &pool, &ann, v[0], 2, "2026-03-01T10:00:00Z").await;
    let (_, second) = order_at(&app, &pool, &ann, v[1], 1, "2026-03-01T12:00:00Z").await;
    let (cancelled, cancelled_total) = order_at(&app, &pool, &ann, v[2], 1, "2026-03-02T10:00:00Z").await;
    let (refunded, refunded_total) = order_at(&app, &pool, &ann, v[0], 1, "2026-03-02T11:00:00Z").await;
    let (_, third) = order_at(&app, &pool, &ann, v[1], 3, "2026-03-03T09:00:00Z").await;
    let (_, outside) = order_at(&app, &pool, &ann, v[2], 1, "2026-03-04T00:00:00Z").await;
    let cancel = send_empty(&app, "POST", &format!("/api/v1/orders/{cancelled}/cancel"), Some(&ann)).await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);
    let refund_path = format!("/api/v1/admin/orders/{refunded}/status");
    let refund = send_json(&app, "POST", &refund_path, Some(&staff), json!({"status": "refunded"})).await;
    assert_eq!(refund.status, StatusCode::OK, "{}", refund.body);

    let report = stats(&app, &staff, "?from=2026-03-01&to=2026-03-03").await;
    let revenue = first + second + third;
    assert_eq!(report["orders_count"], 3);
    assert_eq!(report["revenue_cents"], revenue);
    assert_eq!(report["average_order_cents"], (revenue + 1) / 3, "rounded half up");
    assert_eq!(
        (report["cancelled_count"].as_i64(), report["cancelled_cents"].as_i64()),
        (Some(1), Some(cancelled_total))
    );
    assert_eq!((report["refunded_count"].as_i64(), report["refunded_cents"].as_i64()), (Some(1), Some(refunded_total)));
    assert_eq!(report["time_zone"], "UTC");
    let days: Vec<(String, i64, i64)> = report["sales_by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_owned(),
                d["orders"].as_i64().unwrap(),
                d["revenue_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [("2026-03-01".into(), 2, first + second), ("2026-03-02".into(), 0, 0), ("2026-03-03".into(), 1, third)]
    );
    let units: i64 =
        report["top_products_by_units"].as_array().unwrap().iter().map(|p| p["units"].as_i64().unwrap()).sum();
    assert_eq!(units, 2 + 1 + 3, "the units of the kept orders, none of the cancelled or refunded");
    let product_revenue: i64 =
        report["top_products"].as_array().unwrap().iter().map(|p| p["revenue_cents"].as_i64().unwrap()).sum();
    let goods: i64 = sqlx::query_scalar(
        "SELECT sum(subtotal_cents)::bigint FROM orders WHERE status = 'paid' AND created_at < '2026-03-04'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(product_revenue, goods, "top products sum the goods of the kept orders");

    let with_outside = stats(&app, &staff, "?from=2026-03-01&to=2026-03-04").await;
    assert_eq!(with_outside["revenue_cents"], revenue + outside, "the last day is included");

    let empty = stats(&app, &staff, "?from=2025-01-01&to=2025-01-31").await;
    assert_eq!((empty["orders_count"].as_i64(), empty["revenue_cents"].as_i64()), (Some(0), Some(0)));
    assert_eq!(empty["average_order_cents"], 0);
    assert_eq!(empty["sales_by_day"].as_array().unwrap().len(), 31, "every day, zeros included");
    assert!(empty["top_products"].as_array().unwrap().is_empty());

    let default = stats(&app, &staff, "").await;
    assert_eq!(default["sales_by_day"].as_array().unwrap().len(), 30, "the last 30 days by default");

    for (query, field) in [
        ("?from=2026-02-30", "from"),
        ("?to=soon", "to"),
        ("?from=2026-03-02&to=2026-03-01", "to"),
        ("?from=2020-01-01&to=2026-01-01", "from"),
    ] {
        let bad = send_empty(&app, "GET", &format!("/api/v1/admin/stats{query}"), Some(&staff)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(bad.json()["errors"][field].is_array(), "{query}: {}", bad.body);
    }
    assert_eq!(send_empty(&app, "GET", "/api/v1/admin/stats", Some(&ann)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send_empty(&app, "GET", "/api/v1/admin/stats", None).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn the_reports_page_and_its_csv_show_the_same_figures(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let (email, password) = create_user(&pool, "sam@example.com", Role::Staff).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let v = variants(&pool).await;
    let (kept, kept_total) = order_at(&app, &pool, &ann, v[0], 1, "2026-03-01T10:00:00Z").await;
    let (cancelled, _) = order_at(&app, &pool, &ann, v[1], 1, "2026-03-01T11:00:00Z").await;
    send_empty(&app, "POST", &format!("/api/v1/orders/{cancelled}/cancel"), Some(&ann)).await;
    let staff = sign_in(&app, &email, &password).await;

    let page = get_page(&app, "/admin/reports?from=2026-03-01&to=2026-03-07", Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    let money = nexus_core::model::Cents(kept_total).display("USD");
    assert!(page.body.contains(&money), "revenue {money} on the page");
    assert!(page.body.contains(r#"<svg role="img" aria-label="Sales by day""#), "an accessible chart");
    assert!(
        page.body.contains(&format!("<title>2026-03-01: {money} from 1 orders</title>")),
        "each bar says its figure"
    );
    assert!(page.body.contains("1 cancelled, 0 refunded"));
    assert!(page.body.contains("/admin/reports/orders.csv?from=2026-03-01&amp;to=2026-03-07"), "Export CSV link");
    let bad = get_page(&app, "/admin/reports?from=someday", Some(&staff)).await;
    assert!(bad.body.contains("must be a date written YYYY-MM-DD"), "the problem next to the field");

    let csv = get_page(&app, "/admin/reports/orders.csv?from=2026-03-01&to=2026-03-07", Some(&staff)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "number,placed_at_utc,placed_at_store_time,status,customer_email,items,subtotal,shipping,tax,total,currency,in_revenue"
    );
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[1].starts_with(&format!("{kept},2026-03-01T10:00:00Z,2026-03-01 10:00:00,paid,ann@example.com,1,")));
    assert!(lines[1].ends_with(&format!("{}.{:02},USD,true", kept_total / 100, kept_total % 100)), "{}", lines[1]);
    assert!(lines[2].starts_with(&cancelled) && lines[2].ends_with(",false"));
    let empty = get_page(&app, "/admin/reports/orders.csv?from=2025-01-01&to=2025-01-02", Some(&staff)).await;
    assert_eq!(empty.body.lines().count(), 1, "just the header");
    let bad_csv = get_page(&app, "/admin/reports/orders.csv?to=never", Some(&staff)).await;
    assert_eq!(bad_csv.status, StatusCode::UNPROCESSABLE_ENTITY);

    let shopper = crate::common::pages::sign_in(&app, "ann@example.com", "correct horse battery").await;
    assert!(get_page(&app, "/admin/reports", Some(&shopper)).await.body.contains("Staff only"));
    let refused = get_page(&app, "/admin/reports/orders.csv", Some(&shopper)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn the_dashboard_compares_today_and_lists_what_needs_doing(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let (email, password) = create_user(&pool, "sam@example.com", Role::Staff).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    // Nothing runs low but the variant this test lowers.
    sqlx::query("UPDATE variants SET stock = 50, low_stock_threshold = 5").execute(&pool).await.unwrap();
    let v = variants(&pool).await;
    let today_order = {
        add_to_cart(&app, &ann, v[0], 1).await;
        let placed = place(&app, &ann, checkout(GOOD_CARD), None).await.json();
        (placed["number"].as_str().unwrap().to_owned(), placed["total_cents"].as_i64().unwrap())
    };
    let a_week_ago: String = sqlx::query_scalar(
        "SELECT to_char((now() AT TIME ZONE 'UTC') - interval '7 days', 'YYYY-MM-DD\"T\"12:00:00Z')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (_, last_week_total) = order_at(&app, &pool, &ann, v[1], 2, &a_week_ago).await;
    let low: String =
        sqlx::query_scalar("UPDATE variants SET stock = 1, low_stock_threshold = 3 WHERE id = $1 RETURNING sku")
            .bind(v[2])
            .fetch_one(&pool)
            .await
            .unwrap();
    let staff = sign_in(&app, &email, &password).await;

    let page = get_page(&app, "/admin", Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let section = |testid: &str| {
        let start = page.body.find(&format!(r#"data-testid="{testid}""#)).unwrap_or_else(|| panic!("{testid}"));
        page.body[start..start + 400].to_owned()
    };
    let usd = |cents: i64| nexus_core::model::Cents(cents).display("USD");
    assert!(section("today").contains(&usd(today_order.1)), "{}", section("today"));
    assert!(section("today").contains("1 orders"));
    assert!(section("last-week").contains(&usd(last_week_total)), "{}", section("last-week"));
    assert!(section("yesterday").contains(&usd(0)));
    assert!(page.body.contains(r#"<svg role="img" aria-label="Sales by day, last 30 days""#));
    assert_eq!(testid_text(&page.body, "status-paid"), Some("2"), "orders by status");
    assert!(page.body.contains(&format!("/admin/orders/{}", today_order.0)), "the newest orders");
    assert!(page.body.contains(&low), "the low-stock list names {low}");
    assert!(page.body.contains(r#"data-testid="catalog-figures""#));
    // The dashboard skips the product ranking, not the figures: its 30 days
    // are the stats API's.
    let figures = stats(&app, &crate::common::staff_token(&app, &pool).await, "").await;
    let thirty_days = format!(
        "{} from {} orders — reports",
        usd(figures["revenue_cents"].as_i64().unwrap()),
        figures["orders_count"]
    );
    assert!(page.body.contains(&thirty_days), "{thirty_days}");
}
