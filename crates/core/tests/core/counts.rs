//! The per-category product counts (`category_counts`) stay exact while
//! every kind of writer changes products at once — checkouts selling the
//! last units, cancellations putting them back, stock adjustments, archives,
//! deactivations, category moves and a re-import — and the list totals past
//! 10,000 matches say they are estimates (and relevance ranks a bounded
//! set of them).

use nexus_core::{
    Core,
    accounts::{NewUser, Role},
    cart::CartOwner,
    catalog::admin::{CategoryPatch, ProductPatch},
    model::{CategoryNode, Pagination, ProductQuery, Sort},
    orders::OrderError,
};
use sqlx::PgPool;

use crate::{staff::staff_user, support};

/// Per category: all products, listed, listed and in stock, archived.
type Counts = Vec<(i64, i64, i64, i64, i64)>;

async fn recounted(pool: &PgPool) -> Counts {
    sqlx::query_as(
        "SELECT category_id, count(*),
                count(*) FILTER (WHERE product_is_listed(is_active, archived_at)),
                count(*) FILTER (WHERE product_is_listed(is_active, archived_at) AND in_stock),
                count(*) FILTER (WHERE archived_at IS NOT NULL)
         FROM products GROUP BY category_id ORDER BY category_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn maintained(pool: &PgPool) -> Counts {
    sqlx::query_as(
        "SELECT category_id, sum(products)::bigint, sum(listed)::bigint, sum(listed_in_stock)::bigint,
                sum(archived)::bigint
         FROM category_counts GROUP BY category_id
         HAVING sum(products) <> 0 OR sum(listed) <> 0 OR sum(listed_in_stock) <> 0 OR sum(archived) <> 0
         ORDER BY category_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Listed products of each category's whole subtree, counted from the rows.
async fn recounted_subtrees(pool: &PgPool) -> Vec<(i64, i64)> {
    sqlx::query_as(
        "WITH RECURSIVE subtree (root, id) AS (
             SELECT id, id FROM categories
             UNION ALL
             SELECT s.root, c.id FROM subtree s JOIN categories c ON c.parent_id = s.id
         )
         SELECT s.root, count(p.id)
         FROM subtree s LEFT JOIN products p
           ON p.category_id = s.id AND product_is_listed(p.is_active, p.archived_at)
         GROUP BY s.root ORDER BY s.root",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A listed product's slug and its first variant, the only one left in
/// stock, with one unit.
async fn last_unit(pool: &PgPool, import_id: i64) -> (String, i64) {
    let (slug, variant): (String, i64) = sqlx::query_as(
        "SELECT p.slug, min(v.id) FROM products p JOIN variants v ON v.product_id = p.id
         WHERE p.import_id = $1 GROUP BY p.id",
    )
    .bind(import_id)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE variants SET stock = CASE WHEN id = $2 THEN 1 ELSE 0 END WHERE product_id = (SELECT id FROM products WHERE slug = $1)")
        .bind(&slug)
        .bind(variant)
        .execute(pool)
        .await
        .unwrap();
    (slug, variant)
}

async fn shopper(core: &Core, email: &str, variants: &[i64]) -> i64 {
    let new_user = NewUser { email, password: "correct horse battery", name: "Ann", role: Role::Customer };
    let user = core.accounts.create_user(new_user).await.unwrap();
    for variant in variants {
        core.cart.add_item(&CartOwner::User(user), *variant, 1).await.unwrap();
    }
    user
}

async fn category_of(pool: &PgPool, import_id: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM categories WHERE import_id = $1").bind(import_id).fetch_one(pool).await.unwrap()
}

async fn move_product(pool: &PgPool, slug: &str, category: i64) {
    sqlx::query("UPDATE products SET category_id = $2 WHERE slug = $1")
        .bind(slug)
        .bind(category)
        .execute(pool)
        .await
        .unwrap();
}

/// The fixture's files as a store would export them later: only the
/// products with file ids above 120 (the rest belong to the other writers
/// of the test), twenty of them moved to another category, ten turned off,
/// ten sold out, and one new product.
fn changed_fixture() -> [String; 3] {
    let [categories, products, variants] = support::fixture_files();
    let file_id = |line: &str, field: usize| line.split(',').nth(field).and_then(|id| id.parse::<i64>().ok());
    let mut changed_products = Vec::new();
    let mut sold_out = Vec::new();
    for (n, line) in products.lines().enumerate() {
        let Some(id) = file_id(line, 0).filter(|id| n == 0 || *id > 120) else {
            changed_products.push(line.to_owned());
            continue;
        };
        let mut fields: Vec<String> = line.split(',').map(str::to_owned).collect();
        match id {
            121..=140 => fields[1] = (1 + id % 7).to_string(),
            141..=150 => fields[8] = "false".into(),
            151..=160 => {
                fields[7] = "0".into();
                sold_out.push(id);
            }
            _ => {}
        }
        changed_products.push(fields.join(","));
    }
    changed_products.retain(|line| file_id(line, 0).is_none_or(|id| id > 120));
    changed_products.push(
        "241,3,Counted Speaker 1,counted-speaker-1,NX-COUNTED-1,A new speaker.,19.99,4,true,2026-12-01T00:00:00Z"
            .into(),
    );
    let changed_variants: Vec<String> = variants
        .lines()
        .filter(|line| file_id(line, 1).is_none_or(|product| product > 120))
        .map(|line| match (file_id(line, 1), line.rsplit_once(',')) {
            (Some(product), Some((rest, _))) if sold_out.contains(&product) => format!("{rest},0"),
            _ => line.to_owned(),
        })
        .collect();
    [categories, changed_products.join("\n") + "\n", changed_variants.join("\n") + "\n"]
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn maintained_counts_equal_a_recount_after_every_writer_at_once(pool: PgPool) {
    support::import_fixture(&pool).await;
    assert_eq!(maintained(&pool).await, recounted(&pool).await, "the import's counts");
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;

    // Four products with one unit left, filed so that two checkouts flip
    // them in opposite category orders (checkout locks variants by id):
    // counters updated where the flip happens would deadlock here.
    let last: Vec<(String, i64)> = last_units(&pool, [1, 2, 3, 4]).await;
    let (x, y) = (category_of(&pool, 1).await, category_of(&pool, 2).await);
    for ((slug, _), category) in last.iter().zip([x, y, y, x]) {
        move_product(&pool, slug, category).await;
    }
    let mut checkouts = Vec::new();
    for (n, pair) in [[0, 1], [2, 3], [0, 1], [2, 3]].iter().enumerate() {
        let variants: Vec<i64> = pair.iter().map(|&i| last[i].1).collect();
        checkouts.push(shopper(&core, &format!("shopper{n}@example.com"), &variants).await);
    }
    // An order to cancel: it took the last unit of its product.
    let (_, cancelled_variant) = last_unit(&pool, 5).await;
    let canceller = shopper(&core, "canceller@example.com", &[cancelled_variant]).await;
    let to_cancel = core.orders.place_order(canceller, support::checkout(), None).await.unwrap();
    // Products whose stock staff move to zero and back.
    let adjusted: Vec<(String, i64)> = last_units(&pool, [6, 7]).await;
    // A product archived earlier, to bring back behind the services' back.
    let (unarchived, _) = last_unit(&pool, 8).await;
    core.catalog.archive_product(&unarchived, staff).await.unwrap();
    let slug_of = |import_id: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT slug FROM products WHERE import_id = $1")
                .bind(import_id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (archived, deactivated, moved) = (slug_of(9).await, slug_of(10).await, slug_of(11).await);
    let moved_to = category_of(&pool, 5).await;
    let regrafted = category_of(&pool, 2).await;
    let new_parent = category_of(&pool, 5).await;
    let files = changed_fixture();

    let mut writers = tokio::task::JoinSet::new();
    for (n, user) in checkouts.into_iter().enumerate() {
        let core = core.clone();
        writers.spawn(async move {
            match core.orders.place_order(user, support::checkout(), None).await {
                Ok(_) | Err(OrderError::OutOfStock(_)) => Ok(()),
                Err(other) => Err(format!("checkout {n}: {other:?}")),
            }
        });
    }
    {
        let core = core.clone();
        let number = to_cancel.order.number.clone();
        writers.spawn(async move {
            core.orders.cancel(canceller, &number).await.map(drop).map_err(|e| format!("cancel: {e:?}"))
        });
    }
    for (slug, variant) in adjusted {
        for round in 0..5 {
            let core = core.clone();
            let slug = slug.clone();
            writers.spawn(async move {
                // Down to zero, then back up: two flips of `in_stock`.
                let sold = core.catalog.adjust_stock(variant, -1, "sold", staff).await;
                let back = core.catalog.adjust_stock(variant, 1 + round % 2, "found", staff).await;
                match (sold, back) {
                    (Ok(_) | Err(nexus_core::catalog::CatalogError::Conflict(_)), Ok(_)) => Ok(()),
                    (sold, back) => Err(format!("adjusting {slug}: {sold:?} {back:?}")),
                }
            });
        }
    }
    {
        let core = core.clone();
        writers.spawn(async move {
            core.catalog.archive_product(&archived, staff).await.map_err(|e| format!("archive: {e:?}"))
        });
    }
    {
        let pool = pool.clone();
        writers.spawn(async move {
            sqlx::query("UPDATE products SET archived_at = NULL WHERE slug = $1")
                .bind(&unarchived)
                .execute(&pool)
                .await
                .map(drop)
                .map_err(|e| format!("unarchive: {e:?}"))
        });
    }
    {
        let core = core.clone();
        writers.spawn(async move {
            // Off, on and off again.
            for is_active in [false, true, false] {
                let patch = ProductPatch { is_active: Some(is_active), ..ProductPatch::default() };
                core.catalog.update_product(&deactivated, patch, staff).await.map_err(|e| format!("active: {e:?}"))?;
            }
            Ok(())
        });
    }
    {
        let core = core.clone();
        writers.spawn(async move {
            let patch = ProductPatch { category_id: Some(moved_to), ..ProductPatch::default() };
            core.catalog.update_product(&moved, patch, staff).await.map(drop).map_err(|e| format!("move: {e:?}"))
        });
    }
    {
        let core = core.clone();
        writers.spawn(async move {
            let patch = CategoryPatch { parent_id: Some(Some(new_parent)), ..CategoryPatch::default() };
            core.catalog.update_category(regrafted, patch, staff).await.map(drop).map_err(|e| format!("regraft: {e:?}"))
        });
    }
    {
        let core = core.clone();
        writers.spawn(async move {
            let summary = core
                .catalog
                .import_files(support::files(&files), staff, &mut |_, _, _| {})
                .await
                .map_err(|e| format!("import: {e:?}"))?;
            assert_eq!(summary.products.created, 1, "the new product");
            Ok(())
        });
    }
    while let Some(result) = writers.join_next().await {
        result.expect("no writer panicked").expect("every writer succeeded or was refused for a reason");
    }

    assert_eq!(maintained(&pool).await, recounted(&pool).await, "the counts after every writer at once");
    let sold: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
    assert_eq!(sold, 3, "two of the four checkouts got the last units, and the order cancelled earlier");
    let stocked: Vec<bool> =
        sqlx::query_scalar("SELECT in_stock FROM products WHERE import_id IN (1, 2, 3, 4, 5, 241) ORDER BY import_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(stocked, [false, false, false, false, true, true], "the flips the writers made happened");

    // What shoppers read from them: the tree's subtree counts and the
    // unfiltered list totals.
    core.catalog.invalidate().await;
    let tree = core.catalog.category_tree().await.unwrap();
    let mut from_tree: Vec<(i64, i64)> =
        CategoryNode::flatten(&tree).iter().map(|(node, _)| (node.id, node.product_count)).collect();
    from_tree.sort_unstable();
    assert_eq!(from_tree, recounted_subtrees(&pool).await, "every subtree's count");
    let department = &tree[0];
    for in_stock in [false, true] {
        let query = ProductQuery { category: Some(department.slug.clone()), in_stock, ..ProductQuery::default() };
        let list = core.catalog.list_products(&query).await.unwrap();
        let counted: i64 = sqlx::query_scalar(
            "WITH RECURSIVE subtree (id) AS (
                 SELECT $1::bigint UNION ALL SELECT c.id FROM subtree s JOIN categories c ON c.parent_id = s.id
             )
             SELECT count(*) FROM products p JOIN subtree s ON s.id = p.category_id
             WHERE product_is_listed(p.is_active, p.archived_at) AND (p.in_stock OR NOT $2)",
        )
        .bind(department.id)
        .bind(in_stock)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((list.total, list.total_is_exact), (counted, true), "in_stock={in_stock}");
    }
}

/// [`last_unit`] for several products, one after another.
async fn last_units<const N: usize>(pool: &PgPool, import_ids: [i64; N]) -> Vec<(String, i64)> {
    let mut units = Vec::new();
    for id in import_ids {
        units.push(last_unit(pool, id).await);
    }
    units
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_list_past_ten_thousand_matches_says_its_total_is_an_estimate(pool: PgPool) {
    sqlx::query("INSERT INTO categories (name, slug) VALUES ('Widgets', 'widgets'), ('Gadgets', 'gadgets')")
        .execute(&pool)
        .await
        .unwrap();
    // 10,050 widgets priced 1.00 to 101.50, and 30 gadgets.
    sqlx::query(
        "INSERT INTO products (category_id, name, slug, sku, price_cents)
         SELECT (SELECT id FROM categories WHERE slug = CASE WHEN n <= 10050 THEN 'widgets' ELSE 'gadgets' END),
                CASE WHEN n <= 10050 THEN 'Bulk Widget ' ELSE 'Small Gadget ' END || n,
                'bulk-' || n, 'BULK-' || n, 100 + n
         FROM generate_series(1, 10080) AS n",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE products").execute(&pool).await.unwrap();
    let core = support::core(&pool).await;
    let list = |query: ProductQuery| {
        let core = core.clone();
        async move { core.catalog.list_products(&query).await.unwrap() }
    };

    let everything = list(ProductQuery::default()).await;
    assert_eq!((everything.total, everything.total_is_exact), (10_080, true), "from the maintained counts");
    let widgets = list(ProductQuery { category: Some("widgets".into()), ..ProductQuery::default() }).await;
    assert_eq!((widgets.total, widgets.total_is_exact), (10_050, true), "a category alone is counted in advance");

    let cheap = list(ProductQuery { max_price: Some(100_000), ..ProductQuery::default() }).await;
    assert!(!cheap.total_is_exact, "more than 10,000 match a price filter");
    assert!((10_001..=10_080).contains(&cheap.total), "an estimate between the limit and the scope: {}", cheap.total);
    assert_eq!(cheap.total_pages, (cheap.total + 19) / 20);
    assert_eq!(cheap.items.len(), 20);

    let search = list(ProductQuery { q: Some("widget".into()), ..ProductQuery::default() }).await;
    assert!(!search.total_is_exact, "more than 10,000 match the search");
    assert!((10_001..=10_080).contains(&search.total), "{}", search.total);

    let dear = list(ProductQuery { min_price: Some(10_000), ..ProductQuery::default() }).await;
    assert_eq!((dear.total, dear.total_is_exact), (10_080 - 9_899, true), "fewer than 10,000 are counted exactly");
    let gadgets = list(ProductQuery { q: Some("gadget".into()), ..ProductQuery::default() }).await;
    assert_eq!((gadgets.total, gadgets.total_is_exact), (30, true));
    let typo = list(ProductQuery { q: Some("gadgte".into()), ..ProductQuery::default() }).await;
    assert_eq!((typo.total, typo.total_is_exact), (30, true), "a typo search is counted too");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn relevance_ranks_only_the_best_rated_matches_when_more_match_than_it_pages(pool: PgPool) {
    sqlx::query("INSERT INTO categories (name, slug) VALUES ('Widgets', 'widgets')").execute(&pool).await.unwrap();
    // 10,000 rated widgets, and 50 unrated ones whose names say "widget"
    // three times: by rank alone those 50 come first.
    sqlx::query(
        "INSERT INTO products (category_id, name, slug, sku, price_cents, rating_average, rating_count, rating_sum)
         SELECT (SELECT id FROM categories),
                CASE WHEN n <= 10000 THEN 'Bulk Widget ' ELSE 'Widget Widget Widget ' END || n,
                'bulk-' || n, 'BULK-' || n, 100 + n,
                CASE WHEN n <= 10000 THEN 4.0 END, CASE WHEN n <= 10000 THEN 1 ELSE 0 END,
                CASE WHEN n <= 10000 THEN 4 ELSE 0 END
         FROM generate_series(1, 10050) AS n",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE products").execute(&pool).await.unwrap();
    let core = support::core(&pool).await;
    let search = |page: u32| {
        let core = core.clone();
        let pagination = Pagination { page, per_page: 100 };
        async move {
            let query =
                ProductQuery { q: Some("widget".into()), sort: Sort::Relevance, pagination, ..ProductQuery::default() };
            core.catalog.list_products(&query).await.unwrap()
        }
    };

    let first = search(1).await;
    assert_eq!(first.items.len(), 100);
    assert!(
        first.items.iter().all(|item| item.name.starts_with("Bulk Widget")),
        "the unrated matches are outside the ranked candidates: {:?}",
        first.items.iter().map(|item| &item.name).collect::<Vec<_>>()
    );
    let last = search(100).await;
    assert_eq!(last.items.len(), 100, "the candidates fill every page relevance goes to");
    assert!(last.next_cursor.is_none());
}
