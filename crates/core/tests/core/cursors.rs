//! Paging the product list by cursor, and the home page's featured set.
//! A cursor page starts after the last row shown, so products added while
//! a shopper pages never shift a later page: nothing repeats, nothing that
//! was there is skipped.

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use nexus_core::{
    Core,
    model::{ProductList, ProductQuery, RawProductQuery, Sort},
};
use sqlx::PgPool;
use tokio::sync::mpsc;

use crate::support;

/// Each keyset sort with its ORDER BY as the list wrote it before cursors
/// (the rating sort was rewritten to run one way; this is the original).
const SORTS: [(Sort, &str); 6] = [
    (Sort::PriceAsc, "price_cents, id"),
    (Sort::PriceDesc, "price_cents DESC, id DESC"),
    (Sort::NameAsc, "name, id"),
    (Sort::NameDesc, "name DESC, id DESC"),
    (Sort::Newest, "created_at DESC, id DESC"),
    (Sort::Rating, "rating_average DESC NULLS LAST, rating_count DESC, id"),
];

fn query(pairs: &[(&str, &str)]) -> ProductQuery {
    let value = |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string());
    ProductQuery::parse(&RawProductQuery {
        q: value("q"),
        sort: value("sort"),
        page: value("page"),
        per_page: value("per_page"),
        cursor: value("cursor"),
        ..Default::default()
    })
    .unwrap_or_else(|errors| panic!("{pairs:?}: {errors:?}"))
}

/// Ratings with ties and gaps, as reviews would leave them: a third of the
/// products rated, some equal in average and count.
async fn rate_some(pool: &PgPool) {
    sqlx::query(
        "UPDATE products SET rating_count = 1 + id % 3, rating_sum = (1 + id % 3) * (1 + id % 5),
                rating_average = (1 + id % 5)::numeric
         WHERE id % 3 = 0",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn listed_ids(pool: &PgPool, order: &str) -> Vec<i64> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM products WHERE product_is_listed(is_active, archived_at) ORDER BY {order}"
    ))
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Adds products one by one — names, prices and times that fall before,
/// among and after the rows already listed — reporting each insert, until
/// `stop` is set.
fn add_products_until(
    pool: PgPool,
    walk: usize,
    stop: Arc<AtomicBool>,
    added: mpsc::UnboundedSender<()>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut n = 0i64;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let n = walk as i64 * 100_000 + n;
            let letter = char::from(b'A' + (n % 26) as u8);
            sqlx::query(
                "INSERT INTO products (category_id, name, slug, sku, price_cents)
                 SELECT min(id), $1, $2, $3, $4 FROM categories",
            )
            .bind(format!("{letter} added while paging {n}"))
            .bind(format!("added-while-paging-{n}"))
            .bind(format!("ADDED-{n}"))
            .bind(n * 7_919 % 60_000)
            .execute(&pool)
            .await
            .unwrap();
            if added.send(()).is_err() {
                return;
            }
        }
    })
}

/// Follows `next_cursor` from page 1 to the end, waiting before each page
/// until another product was added, and returns every page.
async fn walk(core: &Core, first: ProductQuery, added: &mut mpsc::UnboundedReceiver<()>) -> Vec<ProductList> {
    let mut pages = Vec::new();
    let mut query = first;
    loop {
        added.recv().await.expect("the adding task runs until the walk ends");
        let page = core.catalog.list_products(&query).await.unwrap();
        let next = page.next_cursor.clone();
        pages.push(page);
        let Some(cursor) = next else { return pages };
        assert!(pages.len() < 1_000, "the walk ends");
        let sort = query.sort.as_str();
        query = self::query(&[("sort", sort), ("per_page", "7"), ("cursor", &cursor)]);
    }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn cursor_pages_visit_every_product_exactly_once_while_products_are_added(pool: PgPool) {
    support::import_fixture(&pool).await;
    rate_some(&pool).await;
    let core = support::core(&pool).await;
    for (walk_number, (sort, order)) in SORTS.into_iter().enumerate() {
        let before = listed_ids(&pool, order).await;
        let stop = Arc::new(AtomicBool::new(false));
        let (sender, mut added) = mpsc::unbounded_channel();
        let adding = add_products_until(pool.clone(), walk_number, stop.clone(), sender);

        let pages = walk(&core, query(&[("sort", sort.as_str()), ("per_page", "7")]), &mut added).await;
        stop.store(true, Ordering::Relaxed);
        drop(added);
        adding.await.unwrap();

        let seen: Vec<i64> = pages.iter().flat_map(|page| page.items.iter().map(|card| card.id)).collect();
        let distinct: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(distinct.len(), seen.len(), "{sort:?}: no product shown twice");
        let before_set: HashSet<i64> = before.iter().copied().collect();
        let old_rows_in_walk_order: Vec<i64> = seen.iter().copied().filter(|id| before_set.contains(id)).collect();
        assert_eq!(old_rows_in_walk_order, before, "{sort:?}: every earlier product once, in the sort's order");
        for (number, page) in pages.iter().enumerate() {
            assert_eq!(page.page as usize, number + 1, "{sort:?}: pages are numbered on");
            assert!(page.items.len() <= 7);
        }
        assert!(pages.len() > before.len() / 7, "{sort:?}: {} pages", pages.len());
        assert!(pages.last().unwrap().next_cursor.is_none());
    }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn cursor_pages_equal_offset_pages_when_nothing_changes(pool: PgPool) {
    support::import_fixture(&pool).await;
    rate_some(&pool).await;
    let core = support::core(&pool).await;
    // Relevance pages by offset inside its cursor; the keyset sorts by key.
    for (sort, q) in [("rating", None), ("-name", Some("set")), ("relevance", Some("set"))] {
        let mut base = vec![("sort", sort), ("per_page", "3")];
        base.extend(q.map(|q| ("q", q)));
        let mut by_cursor = core.catalog.list_products(&query(&base)).await.unwrap();
        for page in 2..=4 {
            let cursor = by_cursor.next_cursor.clone().expect("more than four pages");
            let number = page.to_string();
            let numbered = [base.clone(), vec![("page", number.as_str())]].concat();
            let by_number = core.catalog.list_products(&query(&numbered)).await.unwrap();
            let following = [base.clone(), vec![("cursor", cursor.as_str())]].concat();
            by_cursor = core.catalog.list_products(&query(&following)).await.unwrap();
            assert_eq!(by_cursor.items, by_number.items, "{sort} page {page}");
            assert_eq!((by_cursor.page, by_cursor.total), (by_number.page, by_number.total), "{sort} page {page}");
        }
    }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_cursor_is_refused_by_another_sort_or_when_malformed(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    let first = core.catalog.list_products(&query(&[("sort", "price")])).await.unwrap();
    let cursor = first.next_cursor.expect("the fixture has more than one page");
    // "1" → "2": a version no list gave out.
    let tampered = format!("32{}", &cursor[2..]);
    for (sort, cursor) in [("-price", cursor.as_str()), ("price", "not-a-cursor"), ("price", &tampered)] {
        let raw = RawProductQuery { sort: Some(sort.into()), cursor: Some(cursor.into()), ..Default::default() };
        let errors = ProductQuery::parse(&raw).unwrap_err();
        assert!(errors.contains("cursor"), "{sort} {cursor}: {errors:?}");
    }
}

/// The featured products as the home page chose them before the index:
/// sorting every listed product in stock.
async fn featured_by_the_old_definition(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT p.id FROM products p
         WHERE p.is_active AND p.archived_at IS NULL AND p.in_stock
         ORDER BY p.is_featured DESC, p.rating_count DESC, p.created_at DESC, p.id DESC
         LIMIT 8",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn the_home_page_features_what_the_old_definition_chose(pool: PgPool) {
    support::import_fixture(&pool).await;
    rate_some(&pool).await;
    // Staff picks, some of them not shown: sold out, archived, inactive.
    let picks: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM products WHERE in_stock AND product_is_listed(is_active, archived_at)
         ORDER BY id DESC LIMIT 8 OFFSET 20",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE products SET is_featured = true WHERE id = ANY($1)").bind(&picks).execute(&pool).await.unwrap();
    sqlx::query("UPDATE variants SET stock = 0 WHERE product_id = $1").bind(picks[0]).execute(&pool).await.unwrap();
    sqlx::query("UPDATE products SET archived_at = now() WHERE id = $1").bind(picks[1]).execute(&pool).await.unwrap();
    sqlx::query("UPDATE products SET is_active = false WHERE id = $1").bind(picks[2]).execute(&pool).await.unwrap();
    let core = support::core(&pool).await;

    let expected = featured_by_the_old_definition(&pool).await;
    let home = core.catalog.home_page().await.unwrap();
    let featured: Vec<i64> = home.featured.iter().map(|card| card.id).collect();
    assert_eq!(featured, expected);
    assert_eq!(featured.len(), 8);
    let shown_picks = picks[3..].iter().filter(|id| featured.contains(id)).count();
    assert_eq!(shown_picks, 5, "every listed pick in stock comes first");
    for hidden in &picks[..3] {
        assert!(!featured.contains(hidden), "sold out, archived and inactive picks are not featured");
    }

    // Exact after a change too: the index follows every row.
    sqlx::query("UPDATE products SET is_featured = false WHERE id = ANY($1)")
        .bind(&picks)
        .execute(&pool)
        .await
        .unwrap();
    core.catalog.invalidate().await;
    let featured: Vec<i64> = core.catalog.home_page().await.unwrap().featured.iter().map(|card| card.id).collect();
    assert_eq!(featured, featured_by_the_old_definition(&pool).await);
    assert_ne!(featured, expected, "the picks gave up their places");
}
