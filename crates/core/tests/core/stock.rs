//! Stock changes retire exactly what they made stale: the products they
//! touched, and every list only when a product went in or out of stock.
//! Each test runs two instances on one database and one Redis, and changes
//! rows behind the services' back to tell a cached read from a fresh one.

use nexus_core::{
    Core,
    accounts::{NewUser, Role},
    cart::CartOwner,
    catalog::admin::VariantPatch,
    model::ProductQuery,
};
use sqlx::PgPool;

use crate::support;

/// A customer with `quantity` of `variant` in their cart.
async fn shopper_with(core: &Core, email: &str, variant: i64, quantity: i32) -> i64 {
    let new_user = NewUser { email, password: "correct horse battery", name: "Ann", role: Role::Customer };
    let user_id = core.accounts.create_user(new_user).await.unwrap();
    core.cart.add_item(&CartOwner::User(user_id), variant, quantity).await.unwrap();
    user_id
}

/// Two listed products' slugs and the first variant of each, the first
/// with `stock` units in its only stocked variant.
async fn two_products(pool: &PgPool, stock: i32) -> ((String, i64), (String, i64)) {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT p.slug, min(v.id) FROM products p JOIN variants v ON v.product_id = p.id
         WHERE p.is_active AND p.archived_at IS NULL GROUP BY p.id ORDER BY p.id LIMIT 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let bought = &rows[0];
    sqlx::query("UPDATE variants SET stock = CASE WHEN id = $2 THEN $3 ELSE 0 END WHERE product_id = (SELECT id FROM products WHERE slug = $1)")
        .bind(&bought.0)
        .bind(bought.1)
        .bind(stock)
        .execute(pool)
        .await
        .unwrap();
    (rows[0].clone(), rows[1].clone())
}

async fn rename_behind_the_back(pool: &PgPool, slug: &str, name: &str) {
    sqlx::query("UPDATE products SET name = $2 WHERE slug = $1").bind(slug).bind(name).execute(pool).await.unwrap();
}

async fn stock_of(core: &Core, slug: &str, variant: i64) -> i32 {
    let product = core.catalog.product(slug).await.unwrap().unwrap();
    product.variants.iter().find(|v| v.id == variant).unwrap().stock
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn an_order_retires_only_the_products_it_touched(pool: PgPool) {
    support::import_fixture(&pool).await;
    let (first, second) = (support::core(&pool).await, support::core(&pool).await);
    let ((bought, variant), (other, _)) = two_products(&pool, 10).await;
    let list = ProductQuery::default();
    // Warm every read on the first instance.
    let listed = first.catalog.list_products(&list).await.unwrap();
    assert_eq!(stock_of(&first, &bought, variant).await, 10);
    first.catalog.product(&other).await.unwrap();
    let user = shopper_with(&first, "ann@example.com", variant, 3).await;
    for slug in [&bought, &other, &listed.items[0].slug] {
        rename_behind_the_back(&pool, slug, "Renamed behind the back").await;
    }

    first.orders.place_order(user, support::checkout(), None).await.unwrap();

    let bought_now = second.catalog.product(&bought).await.unwrap().unwrap();
    assert_eq!(stock_of(&second, &bought, variant).await, 7, "the bought product shows its new stock");
    assert_eq!(bought_now.name, "Renamed behind the back", "read afresh");
    let other_now = second.catalog.product(&other).await.unwrap().unwrap();
    assert_ne!(other_now.name, "Renamed behind the back", "an untouched product stays cached");
    let list_now = second.catalog.list_products(&list).await.unwrap();
    assert_eq!(list_now.items[0].name, listed.items[0].name, "lists stay cached while orders flow");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn selling_the_last_unit_retires_the_lists(pool: PgPool) {
    support::import_fixture(&pool).await;
    let (first, second) = (support::core(&pool).await, support::core(&pool).await);
    let ((bought, variant), _) = two_products(&pool, 1).await;
    let category: String =
        sqlx::query_scalar("SELECT c.slug FROM products p JOIN categories c ON c.id = p.category_id WHERE p.slug = $1")
            .bind(&bought)
            .fetch_one(&pool)
            .await
            .unwrap();
    let in_stock = ProductQuery { in_stock: true, category: Some(category), ..ProductQuery::default() };
    let listed = |list: &nexus_core::model::ProductList| list.items.iter().any(|card| card.slug == bought);
    assert!(listed(&first.catalog.list_products(&in_stock).await.unwrap()), "in stock before");
    let user = shopper_with(&first, "ann@example.com", variant, 1).await;

    let placed = first.orders.place_order(user, support::checkout(), None).await.unwrap();
    assert!(!listed(&second.catalog.list_products(&in_stock).await.unwrap()), "sold out: gone from in-stock lists");

    first.orders.cancel(user, &placed.order.number).await.unwrap();
    assert!(listed(&second.catalog.list_products(&in_stock).await.unwrap()), "back in stock after the cancel");
    assert_eq!(stock_of(&second, &bought, variant).await, 1);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_staff_stock_adjustment_shows_at_once(pool: PgPool) {
    support::import_fixture(&pool).await;
    let (first, second) = (support::core(&pool).await, support::core(&pool).await);
    let ((bought, variant), (other, _)) = two_products(&pool, 4).await;
    assert_eq!(stock_of(&second, &bought, variant).await, 4);
    second.catalog.product(&other).await.unwrap();
    rename_behind_the_back(&pool, &other, "Renamed behind the back").await;
    let staff = first
        .accounts
        .create_user(NewUser {
            email: "staff@example.com",
            password: "correct horse battery",
            name: "S",
            role: Role::Staff,
        })
        .await
        .unwrap();

    assert_eq!(first.catalog.adjust_stock(variant, 5, "delivery", staff).await.unwrap(), 9);
    assert_eq!(stock_of(&second, &bought, variant).await, 9);
    let other_now = second.catalog.product(&other).await.unwrap().unwrap();
    assert_ne!(other_now.name, "Renamed behind the back", "other products stay cached");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn staff_writes_retire_the_lists_only_when_lists_show_them(pool: PgPool) {
    support::import_fixture(&pool).await;
    let (first, second) = (support::core(&pool).await, support::core(&pool).await);
    let ((product, variant), _) = two_products(&pool, 4).await;
    let staff = crate::staff::staff_user(&first, "staff@example.com").await;
    let list = ProductQuery::default();
    let listed = second.catalog.list_products(&list).await.unwrap();
    let threshold = |n| VariantPatch { low_stock_threshold: Some(n), ..VariantPatch::default() };

    // A threshold shows on its product's page only: the page is read afresh
    // and the lists stay cached.
    second.catalog.product(&product).await.unwrap();
    rename_behind_the_back(&pool, &listed.items[0].slug, "Renamed behind the back").await;
    first.catalog.update_variant(variant, threshold(7), staff).await.unwrap();
    let page = second.catalog.product(&product).await.unwrap().unwrap();
    assert_eq!(page.variants.iter().find(|v| v.id == variant).unwrap().low_stock_threshold, 7);
    let list_now = second.catalog.list_products(&list).await.unwrap();
    assert_eq!(list_now.items[0].name, listed.items[0].name, "lists stay cached");

    // A variant's price shows on the cards: the lists are read afresh.
    let price = VariantPatch { price_cents: Some(Some(1234)), ..VariantPatch::default() };
    first.catalog.update_variant(variant, price, staff).await.unwrap();
    let list_now = second.catalog.list_products(&list).await.unwrap();
    assert_eq!(list_now.items[0].name, "Renamed behind the back", "lists retired");
}
