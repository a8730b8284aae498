//! Fulfilment by staff: the order list's filters and counts, one order with
//! its customer and payments, shipping with tracking through the API and
//! the page, and the shopper seeing that tracking.

use axum::{Router, http::StatusCode};
use leptos::server_fn::ServerFn;
use nexus::app::pages::admin::orders::ChangeOrderStatus;
use nexus_core::accounts::Role;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{
    common::{
        create_user, import_fixture,
        pages::{ORIGIN, get_page, post_form, sign_in, testid_text},
        send_empty, send_json, token_for,
    },
    orders_api::{GOOD_CARD, add_to_cart, checkout, no_limits, place, stocked_variants},
};

/// Places a paid order for the shopper behind `token`; its number.
async fn paid_order(app: &Router, pool: &PgPool, token: &str) -> String {
    let (variant, _, _) = stocked_variants(pool, 2, 1).await[0];
    add_to_cart(app, token, variant, 1).await;
    let placed = place(app, token, checkout(GOOD_CARD), None).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    placed.json()["number"].as_str().unwrap().to_owned()
}

async fn list(app: &Router, staff: &str, query: &str) -> Value {
    let response = send_empty(app, "GET", &format!("/api/v1/admin/orders{query}"), Some(staff)).await;
    assert_eq!(response.status, StatusCode::OK, "{query}: {}", response.body);
    response.json()
}

fn numbers(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|item| item["number"].as_str().unwrap()).collect()
}

#[sqlx::test]
async fn staff_find_orders_by_number_email_and_day(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let bob = token_for(&app, &pool, "bob_smith@example.com", Role::Customer).await;
    let staff = crate::common::staff_token(&app, &pool).await;
    let anns = paid_order(&app, &pool, &ann).await;
    let bobs = paid_order(&app, &pool, &bob).await;
    // Ann's order was placed on 2026-03-01 just before midnight in UTC.
    sqlx::query("UPDATE orders SET created_at = '2026-03-01T23:30:00Z' WHERE number = $1")
        .bind(&anns)
        .execute(&pool)
        .await
        .unwrap();

    assert_eq!(numbers(&list(&app, &staff, &format!("?q={}", anns.to_lowercase())).await), [anns.as_str()]);
    assert_eq!(numbers(&list(&app, &staff, "?q=BOB").await), [bobs.as_str()], "an e-mail prefix, any case");
    assert_eq!(list(&app, &staff, "?q=bob%25").await["total"], 0, "% is a character, not a wildcard");
    assert_eq!(list(&app, &staff, "?q=bob_").await["total"], 1, "_ matches only itself");
    assert_eq!(list(&app, &staff, "?q=bobx").await["total"], 0);
    assert_eq!(numbers(&list(&app, &staff, "?from=2026-03-01&to=2026-03-01").await), [anns.as_str()]);
    assert_eq!(list(&app, &staff, "?to=2026-02-28").await["total"], 0);
    assert_eq!(list(&app, &staff, "?from=2026-03-02&to=2026-03-31").await["total"], 0);
    assert_eq!(list(&app, &staff, "?from=2026-03-01&status=paid").await["total"], 2);
    // Unnarrowed, the totals come from the kept counts, not a count.
    assert_eq!(list(&app, &staff, "").await["total"], 2);
    assert_eq!(list(&app, &staff, "?status=paid").await["total"], 2);
    assert_eq!(list(&app, &staff, "?status=cancelled").await["total"], 0);

    let bad = send_empty(&app, "GET", "/api/v1/admin/orders?from=2026-02-30&to=soon", Some(&staff)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["errors"]["from"].is_array() && bad.json()["errors"]["to"].is_array(), "{}", bad.body);
    let backwards = send_empty(&app, "GET", "/api/v1/admin/orders?from=2026-03-02&to=2026-03-01", Some(&staff)).await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test]
async fn days_are_counted_in_the_stores_time_zone(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app_with(pool.clone(), |config| {
        config.rate_limits.enabled = false;
        config.time_zone = "America/New_York".to_owned();
    })
    .await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let staff = crate::common::staff_token(&app, &pool).await;
    let number = paid_order(&app, &pool, &ann).await;
    // 02:30 UTC on 2 March is still 1 March (21:30) in New York.
    sqlx::query("UPDATE orders SET created_at = '2026-03-02T02:30:00Z' WHERE number = $1")
        .bind(&number)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(list(&app, &staff, "?from=2026-03-01&to=2026-03-01").await["total"], 1);
    assert_eq!(list(&app, &staff, "?from=2026-03-02").await["total"], 0);
}

#[sqlx::test]
async fn shipping_with_tracking_shows_the_shopper_where_the_parcel_is(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let staff = crate::common::staff_token(&app, &pool).await;
    let number = paid_order(&app, &pool, &ann).await;
    let status_path = format!("/api/v1/admin/orders/{number}/status");
    let own = send_empty(&app, "GET", &format!("/api/v1/orders/{number}"), Some(&ann)).await.json();
    assert_eq!(own["tracking"], Value::Null, "no tracking before shipping");

    let half = json!({"status": "shipped", "tracking": {"carrier": "DHL", "number": " "}});
    let refused = send_json(&app, "POST", &status_path, Some(&staff), half).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.json()["errors"]["tracking.number"].is_array(), "{}", refused.body);
    let order = send_empty(&app, "GET", &format!("/api/v1/orders/{number}"), Some(&ann)).await.json();
    assert_eq!(order["status"], "paid", "a refused change changes nothing");

    let tracking = json!({"carrier": "DHL", "number": "JD0146000033", "url": "https://dhl.example/t/JD0146000033"});
    let shipped = send_json(
        &app,
        "POST",
        &status_path,
        Some(&staff),
        json!({"status": "shipped", "note": "two boxes", "tracking": tracking}),
    )
    .await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
    assert_eq!(shipped.json()["tracking"], tracking);
    let own = send_empty(&app, "GET", &format!("/api/v1/orders/{number}"), Some(&ann)).await.json();
    assert_eq!(own["tracking"], tracking);
    assert!(own["status_history"][2].get("actor").is_none(), "shoppers are not told which staff member acted");
    let delivered = send_json(&app, "POST", &status_path, Some(&staff), json!({"status": "delivered"})).await;
    assert_eq!(delivered.json()["tracking"], tracking, "later changes keep the tracking");

    let detail = send_empty(&app, "GET", &format!("/api/v1/admin/orders/{number}"), Some(&staff)).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let detail = detail.json();
    assert_eq!(detail["number"], number.as_str());
    assert_eq!(detail["customer"]["email"], "ann@example.com");
    assert_eq!(detail["payments"][0]["kind"], "charge");
    assert_eq!(detail["payments"][0]["amount_cents"], detail["total_cents"]);
    assert_eq!(detail["payments"][0]["card_last4"], "4242");
    let history = detail["status_history"].as_array().unwrap();
    assert_eq!(history[2]["status"], "shipped");
    assert_eq!(history[2]["note"], "two boxes");
    assert!(history[2]["actor"].as_str().unwrap().contains("<staff@example.com>"), "{}", history[2]);

    let missing = send_empty(&app, "GET", "/api/v1/admin/orders/NX-2000-000000", Some(&staff)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let customer = send_empty(&app, "GET", &format!("/api/v1/admin/orders/{number}"), Some(&ann)).await;
    assert_eq!(customer.status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn staff_ship_an_order_from_its_page_without_javascript(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let (ann_email, ann_password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let (staff_email, staff_password) = create_user(&pool, "sam@example.com", Role::Staff).await;
    let ann = crate::common::login(&app, &ann_email, &ann_password).await.0;
    let number = paid_order(&app, &pool, &ann).await;
    let staff = sign_in(&app, &staff_email, &staff_password).await;

    let list = get_page(&app, "/admin/orders?status=paid", Some(&staff)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("/admin/orders/{number}")), "{}", list.body);
    assert_eq!(testid_text(&list.body, "count-paid"), Some("1"), "the count per status");
    let bad = get_page(&app, "/admin/orders?from=someday", Some(&staff)).await;
    assert!(bad.body.contains("must be a date written YYYY-MM-DD"), "the problem next to the filter");

    let page_path = format!("/admin/orders/{number}");
    let page = get_page(&app, &page_path, Some(&staff)).await;
    for button in ["Mark as shipped", "Cancel order", "Refund"] {
        assert!(page.body.contains(&format!(">{button}</button>")), "{button} is offered to a paid order");
    }
    assert!(!page.body.contains(">Mark as delivered</button>"), "a paid order is not delivered yet");
    assert!(page.body.contains("ann@example.com"));

    let ship = |carrier: &'static str| {
        let (app, staff, number, page_path) = (app.clone(), staff.clone(), number.clone(), page_path.clone());
        async move {
            let fields = [
                ("number", number.as_str()),
                ("carrier", carrier),
                ("tracking_number", "1Z999AA10123456784"),
                ("note", "left the warehouse"),
                ("status", "shipped"),
            ];
            post_form(&app, ChangeOrderStatus::PATH, &page_path, &fields, Some(&staff)).await
        }
    };
    let missing_carrier = ship("").await;
    assert_eq!(missing_carrier.status, StatusCode::FOUND);
    let again = get_page(&app, missing_carrier.header("location").trim_start_matches(ORIGIN), Some(&staff)).await;
    assert!(again.body.contains("Carrier is required with tracking."), "{}", again.body);
    assert!(again.body.contains("1Z999AA10123456784"), "what was typed stays");

    let shipped = ship("UPS").await;
    assert_eq!(shipped.status, StatusCode::FOUND, "{}", shipped.body);
    assert_eq!(shipped.header("location"), page_path);
    let page = get_page(&app, &page_path, Some(&staff)).await;
    assert!(page.body.contains(">Mark as delivered</button>"), "{}", page.body);
    assert!(page.body.contains("by Test User &lt;sam@example.com"), "the timeline names who shipped it");

    let shopper = sign_in(&app, &ann_email, &ann_password).await;
    let own = get_page(&app, &format!("/orders/{number}"), Some(&shopper)).await;
    assert!(own.body.contains("1Z999AA10123456784") && own.body.contains("UPS"), "{}", own.body);
    let refused = get_page(&app, "/admin/orders", Some(&shopper)).await;
    assert!(refused.body.contains("Staff only"));
}

#[sqlx::test]
async fn the_counts_per_status_follow_every_order_write(pool: PgPool) {
    import_fixture(&pool).await;
    let app = no_limits(&pool).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let staff = crate::common::staff_token(&app, &pool).await;
    let mut numbers = Vec::new();
    for _ in 0..4 {
        numbers.push(paid_order(&app, &pool, &ann).await);
    }
    let cancel = send_empty(&app, "POST", &format!("/api/v1/orders/{}/cancel", numbers[0]), Some(&ann)).await;
    assert_eq!(cancel.status, StatusCode::OK);
    for status in ["shipped", "delivered", "refunded"] {
        let path = format!("/api/v1/admin/orders/{}/status", numbers[1]);
        assert_eq!(
            send_json(&app, "POST", &path, Some(&staff), json!({"status": status})).await.status,
            StatusCode::OK
        );
    }
    let refused = send_json(
        &app,
        "POST",
        &format!("/api/v1/admin/orders/{}/status", numbers[2]),
        Some(&staff),
        json!({"status": "delivered"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "a refused move counts nothing");

    let kept: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, sum(orders)::bigint FROM order_status_counts GROUP BY status HAVING sum(orders) <> 0 ORDER BY status",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let counted: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM orders GROUP BY status ORDER BY status")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(kept, counted);
    assert_eq!(counted, [("cancelled".into(), 1), ("paid".into(), 2), ("refunded".into(), 1)]);

    let (email, password) = create_user(&pool, "sam@example.com", Role::Staff).await;
    let session = sign_in(&app, &email, &password).await;
    let page = get_page(&app, "/admin/orders?status=paid", Some(&session)).await;
    assert_eq!(testid_text(&page.body, "count-paid"), Some("2"), "the kept counts on the page");
    let today = get_page(&app, "/admin/orders?from=2000-01-01", Some(&session)).await;
    assert_eq!(testid_text(&today.body, "count-refunded"), Some("1"), "a range counts its orders");
    let none = get_page(&app, "/admin/orders?to=2000-01-01", Some(&session)).await;
    assert_eq!(testid_text(&none.body, "count-paid"), Some("0"));
}
