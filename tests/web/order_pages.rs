//! Checkout and orders on the pages, the way a browser without JavaScript
//! uses them: plain form posts, redirects, and the session cookie.

use crate::common::{
    create_user, import_fixture,
    pages::{ORIGIN, get_page, post_form, session_cookie, sign_in, variant_with_stock},
    send,
};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use leptos::server_fn::ServerFn;
use nexus::app::{
    components::add_to_cart::AddToCart,
    pages::{checkout::PlaceOrder, orders::CancelOrder},
};
use nexus_core::accounts::Role;
use sqlx::PgPool;

/// The value of the hidden idempotency key in a checkout page.
fn idempotency_key(page: &str) -> String {
    let marker = r#"name="idempotency_key" value=""#;
    let start = page.find(marker).expect("the checkout form has a key") + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

fn checkout_fields<'a>(key: &'a str, card: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("idempotency_key", key),
        ("full_name", "Ann Lee"),
        ("line1", "1 Main St"),
        ("city", "Springfield"),
        ("postal_code", "12345"),
        ("country", "US"),
        ("shipping_method", "standard"),
        ("card_number", card),
        ("exp_month", "12"),
        ("exp_year", "2030"),
        ("cvc", "123"),
    ]
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn a_shopper_checks_out_sees_the_number_and_cancels(pool: PgPool) {
    import_fixture(&pool).await;
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let (variant, slug) = variant_with_stock(&pool, 5).await;

    let signed_out = get_page(&app, "/checkout", None).await;
    assert_eq!(signed_out.status, StatusCode::FOUND);
    assert_eq!(signed_out.header("location"), "/login?next=/checkout");

    let cookie = sign_in(&app, &email, &password).await;
    let id = variant.to_string();
    let added = post_form(
        &app,
        AddToCart::PATH,
        &format!("/p/{slug}"),
        &[("variant_id", &id), ("quantity", "2")],
        Some(&cookie),
    )
    .await;
    assert_eq!(added.header("location"), "/cart");
    assert!(get_page(&app, "/cart", Some(&cookie)).await.body.contains(">Checkout</button>"));

    let page = get_page(&app, "/checkout", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Place order") && page.body.contains(r#"data-testid="summary-total""#));
    let csp = page.header("content-security-policy");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a page CSP");
    assert!(page.body.contains(&format!(r#"nonce="{nonce}""#)), "the CSP admits the page's own scripts");
    let key = idempotency_key(&page.body);

    // Declined: back to the form with the reason; the cart and stock stay.
    let declined =
        post_form(&app, PlaceOrder::PATH, "/checkout", &checkout_fields(&key, "4000 0000 0000 0002"), Some(&cookie))
            .await;
    assert_eq!(declined.status, StatusCode::FOUND);
    let back = declined.header("location").trim_start_matches(ORIGIN).to_owned();
    assert!(back.starts_with("/checkout"), "{back}");
    let again = get_page(&app, &back, Some(&cookie)).await.body;
    assert!(again.contains("declined"), "the reason is shown");
    assert!(again.contains(r#"value="Ann Lee""#), "typed values are kept");
    assert!(!again.contains(r#"value="4000"#) && !back.contains("4000"), "the card number is never echoed");
    assert_ne!(idempotency_key(&again), key, "a new attempt gets a new key");
    assert!(again.contains("Cart (2)"));

    // Field problems land next to their fields.
    let mut bad = checkout_fields(&key, "4242 4242 4242 4241");
    bad[5] = ("country", "Narnia");
    let refused = post_form(&app, PlaceOrder::PATH, "/checkout", &bad, Some(&cookie)).await;
    let shown = get_page(&app, refused.header("location").trim_start_matches(ORIGIN), Some(&cookie)).await.body;
    assert!(shown.contains("Card number is not a valid card number"), "{shown}");
    assert!(shown.contains("Country must be a two-letter country code"));

    // Placed, twice with one key (a double click): one order.
    let key = idempotency_key(&again);
    let fields = checkout_fields(&key, "4242 4242 4242 4242");
    let placed = post_form(&app, PlaceOrder::PATH, "/checkout", &fields, Some(&cookie)).await;
    let twice = post_form(&app, PlaceOrder::PATH, "/checkout", &fields, Some(&cookie)).await;
    assert_eq!(placed.status, StatusCode::FOUND, "{}", placed.body);
    let location = placed.header("location").to_owned();
    assert!(location.starts_with("/orders/NX-") && location.ends_with("?placed=1"), "{location}");
    assert_eq!(twice.header("location"), location, "the second click lands on the same order");
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 1);
    let number = location.trim_start_matches("/orders/").trim_end_matches("?placed=1").to_owned();

    let confirmation = get_page(&app, &location, Some(&cookie)).await.body;
    let shown_number = confirmation.split(r#"data-testid="order-number""#).nth(1).expect("the number is marked");
    assert!(shown_number.split('<').next().unwrap().ends_with(&format!(">{number}")), "{shown_number}");
    assert!(confirmation.contains("Thank you") && confirmation.contains("Cancel order"));
    assert!(confirmation.contains("Cart (0)"), "the cart is empty now");
    let history = get_page(&app, "/orders", Some(&cookie)).await.body;
    assert!(history.contains(&format!("/orders/{number}")));

    let cancelled = post_form(&app, CancelOrder::PATH, &location, &[("number", &number)], Some(&cookie)).await;
    assert_eq!(cancelled.header("location"), format!("/orders/{number}"));
    let after = get_page(&app, &format!("/orders/{number}"), Some(&cookie)).await.body;
    assert!(after.contains(">Cancelled</span>"), "{after}");
    assert!(!after.contains("Cancel order"), "no cancel button once cancelled");
    let stock: i32 =
        sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1").bind(variant).fetch_one(&pool).await.unwrap();
    assert_eq!(stock, 5, "the stock is back");
}

#[sqlx::test]
async fn orders_are_private_and_signed_out_visitors_are_sent_to_sign_in(pool: PgPool) {
    import_fixture(&pool).await;
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let (other_email, other_password) = create_user(&pool, "bob@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let (variant, _) = variant_with_stock(&pool, 5).await;
    let cookie = sign_in(&app, &email, &password).await;
    post_form(&app, AddToCart::PATH, "/", &[("variant_id", &variant.to_string()), ("quantity", "1")], Some(&cookie))
        .await;
    let key = idempotency_key(&get_page(&app, "/checkout", Some(&cookie)).await.body);
    let placed =
        post_form(&app, PlaceOrder::PATH, "/checkout", &checkout_fields(&key, "4242424242424242"), Some(&cookie)).await;
    let number = placed.header("location").trim_start_matches("/orders/").trim_end_matches("?placed=1").to_owned();

    let other = sign_in(&app, &other_email, &other_password).await;
    assert_eq!(get_page(&app, &format!("/orders/{number}"), Some(&other)).await.status, StatusCode::NOT_FOUND);
    let theirs = post_form(&app, CancelOrder::PATH, "/orders", &[("number", &number)], Some(&other)).await;
    assert!(theirs.header("location").contains("__err"), "someone else's order cannot be cancelled");
    let signed_out = get_page(&app, &format!("/orders/{number}"), None).await;
    assert_eq!(signed_out.header("location"), format!("/login?next=/orders/{number}"));
    assert_eq!(get_page(&app, "/orders", None).await.header("location"), "/login?next=/orders");
    assert_eq!(get_page(&app, "/orders", Some(&other)).await.status, StatusCode::OK);
}

#[sqlx::test]
async fn adding_to_cart_from_a_hydrated_page_answers_the_new_count(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let (variant, slug) = variant_with_stock(&pool, 5).await;
    // The request a hydrated page's form sends: no text/html in Accept.
    let request = Request::post(AddToCart::PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("origin", ORIGIN)
        .header("referer", format!("{ORIGIN}/p/{slug}"))
        .body(Body::from(format!("variant_id={variant}&quantity=2")))
        .unwrap();
    let response = send(&app, request).await;
    assert_eq!(response.status, StatusCode::OK, "no redirect: {}", response.body);
    assert_eq!(response.body, "2", "the header's new count");
    let cookie = session_cookie(&response);
    assert!(get_page(&app, "/cart", Some(&cookie)).await.body.contains("Cart (2)"));
}
