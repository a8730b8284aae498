//! The cart on the pages: a guest's cart in their session, the header
//! count, quantity changes, and the merge into the account on sign-in.

use crate::common::{
    create_user, import_fixture,
    pages::{get_page, post_form, session_cookie, variant_with_stock},
};
use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use nexus::app::{
    components::add_to_cart::AddToCart,
    pages::{
        auth::SignIn,
        cart::{RemoveCartLine, UpdateCartLine},
    },
};
use nexus_core::accounts::Role;
use sqlx::PgPool;

async fn line_ids(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM cart_items ORDER BY id").fetch_all(pool).await.unwrap()
}

#[sqlx::test]
async fn a_guest_fills_a_cart_changes_it_and_the_header_counts_it(pool: PgPool) {
    import_fixture(&pool).await;
    let app = crate::common::app(pool.clone()).await;
    let (variant, slug) = variant_with_stock(&pool, 5).await;
    let product = format!("/p/{slug}");
    let page = get_page(&app, &product, None).await;
    assert!(page.body.contains("Add to cart"), "{}: {}", page.status, page.body);

    let id = variant.to_string();
    let added = post_form(&app, AddToCart::PATH, &product, &[("variant_id", &id), ("quantity", "2")], None).await;
    assert_eq!(added.status, StatusCode::FOUND, "{}", added.body);
    assert_eq!(added.header("location"), "/cart");
    let cookie = session_cookie(&added);

    let cart = get_page(&app, "/cart", Some(&cookie)).await.body;
    assert!(cart.contains("Cart (2)"), "the header counts units");
    assert!(cart.contains(r#"data-testid="cart-line""#));

    let line = line_ids(&pool).await[0].to_string();
    let more =
        post_form(&app, UpdateCartLine::PATH, "/cart", &[("line_id", &line), ("quantity", "3")], Some(&cookie)).await;
    assert_eq!(more.header("location"), "/cart");
    assert!(get_page(&app, "/cart", Some(&cookie)).await.body.contains("Cart (3)"));

    let too_many =
        post_form(&app, UpdateCartLine::PATH, "/cart", &[("line_id", &line), ("quantity", "6")], Some(&cookie)).await;
    let back = too_many.header("location").trim_start_matches(crate::common::pages::ORIGIN).to_owned();
    assert!(get_page(&app, &back, Some(&cookie)).await.body.contains("only 5 left"), "the stock limit is explained");

    post_form(&app, RemoveCartLine::PATH, "/cart", &[("line_id", &line)], Some(&cookie)).await;
    let empty = get_page(&app, "/cart", Some(&cookie)).await.body;
    assert!(empty.contains("Your cart is empty.") && empty.contains("Cart (0)"));
}

#[sqlx::test]
async fn signing_in_merges_the_guest_cart_capped_at_the_stock(pool: PgPool) {
    import_fixture(&pool).await;
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let (variant, slug) = variant_with_stock(&pool, 4).await;
    let id = variant.to_string();

    // Ann's account already holds 3 of the variant.
    let (access, _) = crate::common::login(&app, &email, &password).await;
    let body = serde_json::json!({"variant_id": variant, "quantity": 3});
    crate::common::send_json(&app, "POST", "/api/v1/cart/items", Some(&access), body).await;

    // As a guest she adds 2 more, then signs in.
    let product = format!("/p/{slug}");
    let added = post_form(&app, AddToCart::PATH, &product, &[("variant_id", &id), ("quantity", "2")], None).await;
    let guest = session_cookie(&added);
    let fields = [("email", email.as_str()), ("password", password.as_str())];
    let signed_in = post_form(&app, SignIn::PATH, "/login", &fields, Some(&guest)).await;
    let cookie = session_cookie(&signed_in);

    let cart = get_page(&app, "/cart", Some(&cookie)).await.body;
    assert!(cart.contains("Cart (4)"), "3 + 2 capped at the 4 in stock");
    assert!(cart.contains("lowered to what is in stock"), "the shopper is told");
    let api = crate::common::send_empty(&app, "GET", "/api/v1/cart", Some(&access)).await.json();
    assert_eq!(api["item_count"], 4, "the same cart through the API");
    let guest_carts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM carts WHERE guest_key IS NOT NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(guest_carts, 0, "the guest cart is gone");
}
