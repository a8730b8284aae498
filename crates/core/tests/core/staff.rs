//! The staff product list: unlisted products too, search by name or any
//! SKU, category subtrees, state and stock filters, sorts; and the stock
//! totals it shows staying exact while stock moves.

use nexus_core::{
    Core,
    accounts::{NewUser, Role},
    catalog::{CatalogError, admin::ProductPatch, admin::VariantPatch},
    model::{
        ProductQuery,
        admin::{RawStaffProductQuery, StaffProductQuery, StaffProductRow},
        pagination::Page,
    },
};
use sqlx::PgPool;

use crate::support;

pub async fn staff_user(core: &Core, email: &str) -> i64 {
    let new_user = NewUser { email, password: "correct horse battery", name: "Sam Staff", role: Role::Staff };
    core.accounts.create_user(new_user).await.unwrap()
}

fn query(pairs: &[(&str, &str)]) -> StaffProductQuery {
    let raw =
        RawStaffProductQuery::from_lookup(|key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()));
    StaffProductQuery::parse(&raw).unwrap()
}

async fn list(core: &Core, pairs: &[(&str, &str)]) -> Page<StaffProductRow> {
    core.catalog.staff_products(&query(pairs)).await.unwrap()
}

fn slugs(page: &Page<StaffProductRow>) -> Vec<&str> {
    page.items.iter().map(|row| row.slug.as_str()).collect()
}

async fn variant_ids(pool: &PgPool, slug: &str) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id WHERE p.slug = $1 ORDER BY v.position, v.id",
    )
    .bind(slug)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn staff_find_unlisted_products_by_name_or_any_sku(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;
    let hidden = ProductPatch { is_active: Some(false), ..ProductPatch::default() };
    core.catalog.update_product("echo-set-4606", hidden, staff).await.unwrap();
    core.catalog.archive_product("solid-organizer-1391", staff).await.unwrap();

    let search = ProductQuery { q: Some("echo set 4606".into()), ..Default::default() };
    let shoppers = core.catalog.list_products(&search).await.unwrap();
    assert!(shoppers.items.iter().all(|card| card.slug != "echo-set-4606"), "shoppers no longer see it");
    for q in ["ECHO SET 46", "nx-000001", "000001-nav"] {
        let found = list(&core, &[("q", q)]).await;
        assert_eq!(slugs(&found), ["echo-set-4606"], "q={q}");
        let row = &found.items[0];
        assert!(!row.is_active && !row.archived);
        assert_eq!((row.sku.as_str(), row.variant_count, row.currency.as_str()), ("NX-000001", 2, "USD"));
    }
    assert_eq!(list(&core, &[("q", "50%_")]).await.total, 0, "wildcards are taken literally");

    assert_eq!(list(&core, &[("q", "Echo Set 4606"), ("status", "active")]).await.total, 0);
    assert_eq!(list(&core, &[("q", "Echo Set 4606"), ("status", "inactive")]).await.total, 1);
    assert_eq!(list(&core, &[("q", "solid organizer 1391")]).await.total, 0, "archived ones only when asked");
    let archived = list(&core, &[("status", "archived")]).await;
    assert_eq!(slugs(&archived), ["solid-organizer-1391"]);
    assert!(archived.items[0].archived);
    let everything = list(&core, &[("status", "all")]).await.total;
    let current = list(&core, &[]).await.total;
    assert_eq!((everything, current), (240, 239));

    let detail = core.catalog.product_for_staff("solid-organizer-1391").await.unwrap().unwrap();
    assert!(detail.archived && detail.is_active && !detail.is_featured);
    let detail = core.catalog.product_for_staff("echo-set-4606").await.unwrap().unwrap();
    assert!(!detail.is_active && !detail.archived);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn staff_filter_by_category_subtree_and_stock_and_sort(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;

    let in_audio: i64 = sqlx::query_scalar(
        "WITH RECURSIVE t AS (SELECT id FROM categories WHERE slug = 'audio'
                             UNION ALL SELECT c.id FROM categories c JOIN t ON c.parent_id = t.id)
         SELECT count(*) FROM products WHERE category_id IN (SELECT id FROM t)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let audio = list(&core, &[("category", "audio"), ("per_page", "100")]).await;
    assert!(in_audio > 0 && audio.total == in_audio, "descendants included: {} of {in_audio}", audio.total);
    let unknown = core.catalog.staff_products(&query(&[("category", "nope")])).await;
    assert!(matches!(unknown, Err(CatalogError::UnknownCategory(slug)) if slug == "nope"));

    // Echo Set's Navy at its threshold makes the product low; lowering the
    // threshold makes it not.
    let [navy, grey] = variant_ids(&pool, "echo-set-4606").await[..] else { panic!("two variants") };
    core.catalog.adjust_stock(navy, -98, "recount", staff).await.unwrap();
    let low = list(&core, &[("stock", "low"), ("q", "echo set 4606")]).await;
    assert_eq!(slugs(&low), ["echo-set-4606"], "5 units at the default threshold of 5");
    assert!(low.items[0].low_stock);
    let threshold = VariantPatch { low_stock_threshold: Some(4), ..VariantPatch::default() };
    core.catalog.update_variant(navy, threshold, staff).await.unwrap();
    assert_eq!(list(&core, &[("stock", "low"), ("q", "echo set 4606")]).await.total, 0);

    // All out: the product is out of stock with a total of 0.
    core.catalog.adjust_stock(navy, -5, "sold", staff).await.unwrap();
    core.catalog.adjust_stock(grey, -58, "sold", staff).await.unwrap();
    let out = list(&core, &[("stock", "out_of_stock"), ("q", "echo set 4606")]).await;
    assert_eq!((out.total, out.items[0].total_stock), (1, 0));
    assert_eq!(list(&core, &[("stock", "in_stock"), ("q", "echo set 4606")]).await.total, 0);

    // Every row's total is the sum of its variants; sorts are monotonic.
    let by_stock = list(&core, &[("sort", "-stock"), ("per_page", "100")]).await;
    let totals: Vec<i64> = by_stock.items.iter().map(|row| row.total_stock).collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    for row in &by_stock.items {
        let sum: i64 = sqlx::query_scalar("SELECT coalesce(sum(stock), 0)::bigint FROM variants WHERE product_id = $1")
            .bind(row.id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(row.total_stock, sum, "{}", row.slug);
    }
    let by_price = list(&core, &[("sort", "price")]).await;
    assert!(by_price.items.windows(2).all(|w| w[0].price_cents <= w[1].price_cents));
    let by_name = list(&core, &[("sort", "-name")]).await;
    assert!(by_name.items.windows(2).all(|w| w[0].name >= w[1].name));
    let touched = ProductPatch { price_cents: Some(100), ..ProductPatch::default() };
    core.catalog.update_product("solid-organizer-1391", touched, staff).await.unwrap();
    assert_eq!(list(&core, &[("sort", "-updated")]).await.items[0].slug, "solid-organizer-1391");

    let second = list(&core, &[("per_page", "7"), ("page", "2")]).await;
    assert_eq!((second.items.len(), second.total, second.total_pages), (7, 240, 35));
    let first = list(&core, &[("per_page", "14")]).await;
    assert_eq!(slugs(&second), slugs(&first)[7..], "pages follow each other");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn stock_totals_stay_exact_under_concurrent_changes(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;
    let [navy, grey] = variant_ids(&pool, "echo-set-4606").await[..] else { panic!("two variants") };
    let before = list(&core, &[("q", "echo set 4606")]).await.items[0].total_stock;

    // Two variants of one product change at once, many times: a total
    // re-counted from a stale snapshot would lose some of them.
    let mut changes = tokio::task::JoinSet::new();
    for id in (0..20).flat_map(|_| [navy, grey]) {
        let catalog = core.catalog.clone();
        changes.spawn(async move { catalog.adjust_stock(id, 1, "delivery", staff).await });
    }
    while let Some(result) = changes.join_next().await {
        result.unwrap().unwrap();
    }
    let row = list(&core, &[("q", "echo set 4606")]).await.items.remove(0);
    assert_eq!(row.total_stock, before + 40);

    // In stock follows the last unit out and the first back in.
    core.catalog.adjust_stock(navy, -(103 + 20), "sold", staff).await.unwrap();
    core.catalog.adjust_stock(grey, -(58 + 20), "sold", staff).await.unwrap();
    let in_stock = || async {
        sqlx::query_scalar::<_, bool>("SELECT in_stock FROM products WHERE slug = 'echo-set-4606'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert!(!in_stock().await);
    core.catalog.adjust_stock(grey, 1, "found one", staff).await.unwrap();
    assert!(in_stock().await);
}
