//! What staff read of stock: the inventory and the low-stock report by each
//! variant's own threshold, and a variant's ledger.

use nexus_core::{
    catalog::{CatalogError, admin::ProductPatch, admin::VariantPatch},
    model::{
        Pagination,
        admin::{InventoryQuery, InventoryRow},
    },
};
use sqlx::PgPool;

use crate::{staff::staff_user, support};

async fn variant(pool: &PgPool, sku: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM variants WHERE sku = $1").bind(sku).fetch_one(pool).await.unwrap()
}

fn skus(rows: &[InventoryRow]) -> Vec<&str> {
    rows.iter().map(|row| row.sku.as_str()).collect()
}

fn all() -> Pagination {
    Pagination { page: 1, per_page: 100 }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn low_stock_follows_each_variants_own_threshold(pool: PgPool) {
    support::import_fixture(&pool).await;
    // Only the two variants set up below are low.
    sqlx::query("UPDATE variants SET low_stock_threshold = 0, stock = stock + 1").execute(&pool).await.unwrap();
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;
    let (navy, grey) = (variant(&pool, "NX-000001-NAVY").await, variant(&pool, "NX-000001-GREY").await);
    let threshold = |n| VariantPatch { low_stock_threshold: Some(n), ..VariantPatch::default() };
    // Navy: 104 units, low at 104. Grey: 59 units, low only at 60.
    core.catalog.update_variant(navy, threshold(104), staff).await.unwrap();
    core.catalog.update_variant(grey, threshold(58), staff).await.unwrap();
    let other = variant(&pool, "NX-000005-S").await;
    let stock: i32 =
        sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1").bind(other).fetch_one(&pool).await.unwrap();
    core.catalog.update_variant(other, threshold(stock + 10), staff).await.unwrap();

    let report = core.catalog.low_stock(all()).await.unwrap();
    assert_eq!(skus(&report.items), ["NX-000005-S", "NX-000001-NAVY"], "67 and 104 units, lowest first");
    assert_eq!(report.total, 2);
    let navy_row = report.items.iter().find(|row| row.variant_id == navy).unwrap();
    assert_eq!(
        (navy_row.stock, navy_row.low_stock_threshold, navy_row.is_low, navy_row.product_slug.as_str()),
        (104, 104, true, "echo-set-4606")
    );

    // Grey goes low when it drops to its threshold.
    core.catalog.adjust_stock(grey, -1, "damaged", staff).await.unwrap();
    let report = core.catalog.low_stock(all()).await.unwrap();
    assert!(report.items.iter().any(|row| row.variant_id == grey && row.stock == 58 && row.is_low));

    // An unlisted product leaves the report but stays in the inventory.
    let hidden = ProductPatch { is_active: Some(false), ..ProductPatch::default() };
    core.catalog.update_product("echo-set-4606", hidden, staff).await.unwrap();
    assert_eq!(skus(&core.catalog.low_stock(all()).await.unwrap().items), ["NX-000005-S"]);
    let low_only = InventoryQuery { low_stock_only: true, pagination: all(), ..InventoryQuery::default() };
    let inventory = core.catalog.inventory(&low_only).await.unwrap();
    assert_eq!(skus(&inventory.items), ["NX-000001-GREY", "NX-000005-S", "NX-000001-NAVY"], "lowest stock first");

    let paged = core.catalog.low_stock(Pagination { page: 2, per_page: 1 }).await.unwrap();
    assert_eq!((paged.items.len(), paged.total, paged.total_pages), (0, 1, 1), "past the end");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn the_inventory_searches_names_and_skus_and_sorts_by_product_name(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    let search = |q: &str| InventoryQuery { q: Some(q.into()), pagination: all(), ..InventoryQuery::default() };
    let by_variant_sku = core.catalog.inventory(&search("nx-000001-gr")).await.unwrap();
    assert_eq!(skus(&by_variant_sku.items), ["NX-000001-GREY"]);
    let by_name = core.catalog.inventory(&search("Echo Set 4606")).await.unwrap();
    assert_eq!(skus(&by_name.items), ["NX-000001-NAVY", "NX-000001-GREY"], "in the product's variant order");
    assert_eq!(by_name.items[0].variant_name, "Navy");

    let first = core.catalog.inventory(&InventoryQuery::default()).await.unwrap();
    let variants: i64 = sqlx::query_scalar("SELECT count(*) FROM variants").fetch_one(&pool).await.unwrap();
    assert_eq!((first.items.len(), first.per_page, first.total), (50, 50, variants));
    assert!(first.items.windows(2).all(|w| w[0].product_name <= w[1].product_name), "by product name");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn the_ledger_is_newest_first_with_who_did_it(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;
    let navy = variant(&pool, "NX-000001-NAVY").await;
    core.catalog.adjust_stock(navy, 7, "delivery", staff).await.unwrap();
    core.catalog.adjust_stock(navy, -2, "damaged", staff).await.unwrap();

    let ledger = core.catalog.ledger(navy, all()).await.unwrap();
    let rows: Vec<(i32, i32, &str)> =
        ledger.items.iter().map(|e| (e.delta, e.stock_after, e.reason.as_str())).collect();
    assert_eq!(rows, [(-2, 108, "damaged"), (7, 110, "delivery"), (103, 103, "catalog import")]);
    let actor = ledger.items[0].actor.as_ref().expect("a staff change names its actor");
    assert_eq!((actor.id, actor.email.as_str(), actor.name.as_str()), (staff, "sam@example.com", "Sam Staff"));
    assert!(ledger.items[2].actor.is_none(), "imports have no actor");
    assert!(ledger.items[0].created_at.ends_with('Z'));

    let second = core.catalog.ledger(navy, Pagination { page: 2, per_page: 1 }).await.unwrap();
    assert_eq!((second.items[0].reason.as_str(), second.total, second.total_pages), ("delivery", 3, 3));
    assert!(matches!(core.catalog.ledger(999_999, all()).await, Err(CatalogError::NotFound)));
}
