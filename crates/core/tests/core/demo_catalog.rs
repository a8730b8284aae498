//! The demo catalog generator: the same seed and size give the same bytes,
//! and what it writes imports into a catalog shaped like the bench one.

use std::path::Path;

use nexus_core::catalog::{
    demo::{self, DemoSummary},
    import::import_catalog,
};
use sqlx::PgPool;

use crate::support;

fn generate(dir: &Path, products: usize, seed: u64) -> DemoSummary {
    demo::generate(dir, products, seed, &mut |_, _, _| {}).expect("the demo catalog is written")
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap()
}

const FILES: [&str; 3] = ["categories.csv", "products.csv", "variants.csv"];

#[test]
fn the_same_seed_and_size_write_the_same_bytes() {
    let (first, again, other) = (support::temp_dir("demo-a"), support::temp_dir("demo-b"), support::temp_dir("demo-c"));
    assert_eq!(generate(&first, 1_500, 7), generate(&again, 1_500, 7));
    generate(&other, 1_500, 8);
    for file in FILES {
        assert_eq!(read(&first, file), read(&again, file), "{file} is the same for the same seed");
    }
    assert_ne!(read(&first, "products.csv"), read(&other, "products.csv"), "another seed, other products");
    assert_eq!(read(&first, "categories.csv"), read(&other, "categories.csv"), "the tree does not depend on the seed");
    for dir in [first, again, other] {
        std::fs::remove_dir_all(dir).ok();
    }
}

#[test]
fn the_files_have_the_bench_catalog_headers() {
    let dir = support::temp_dir("demo-headers");
    generate(&dir, 10, 42);
    for file in FILES {
        let header = |text: Vec<u8>| String::from_utf8(text).unwrap().lines().next().unwrap().to_owned();
        assert_eq!(header(read(&dir, file)), header(read(&support::fixture_dir(), file)), "{file}");
    }
    std::fs::remove_dir_all(dir).ok();
}

async fn scalar(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_demo_catalog_imports_shaped_like_the_bench_catalog(pool: PgPool) {
    let dir = support::temp_dir("demo-import");
    let generated = generate(&dir, 4_000, 42);
    let imported = import_catalog(&pool, &dir, &mut |_, _, _| {}).await.expect("the demo catalog imports");

    assert_eq!(imported.categories.created, 200);
    assert_eq!(imported.products.created, generated.products);
    assert_eq!(imported.variants.created, generated.variants);
    assert_eq!(scalar(&pool, "SELECT count(*) FROM categories WHERE parent_id IS NULL").await, 50);
    let in_departments = "SELECT count(*) FROM products p JOIN categories c ON c.id = p.category_id
                          WHERE c.parent_id IS NULL";
    assert_eq!(scalar(&pool, in_departments).await, 0, "products are filed in sub-categories only");

    let share = |count: i64| count as f64 / 4_000.0;
    let inactive = scalar(&pool, "SELECT count(*) FROM products WHERE NOT is_active").await;
    assert!((0.07..0.13).contains(&share(inactive)), "about 10 % inactive: {inactive}");
    assert_eq!(inactive as usize, generated.inactive);
    let sold_out = scalar(&pool, "SELECT count(*) FROM products WHERE NOT in_stock").await;
    assert!((0.03..0.08).contains(&share(sold_out)), "about 5 % out of stock: {sold_out}");
    assert_eq!(sold_out as usize, generated.out_of_stock);

    let with_variants =
        scalar(&pool, "SELECT count(DISTINCT product_id) FROM variants WHERE import_id IS NOT NULL").await;
    assert!((0.2..0.45).contains(&share(with_variants)), "many products come in options: {with_variants}");
    let sized = scalar(&pool, "SELECT count(*) FROM variants WHERE options ? 'size'").await;
    let coloured = scalar(&pool, "SELECT count(*) FROM variants WHERE options ? 'color'").await;
    let own_price = scalar(&pool, "SELECT count(*) FROM variants WHERE price_cents IS NOT NULL").await;
    assert!(sized > 100 && coloured > 100, "sizes {sized}, colours {coloured}");
    assert_eq!(own_price as usize, generated.variant_prices);
    assert!(own_price > 50);
    let sold_out_options =
        "SELECT count(*) FROM variants v JOIN products p ON p.id = v.product_id WHERE v.stock = 0 AND p.in_stock";
    assert!(scalar(&pool, sold_out_options).await > 0, "some combinations are sold out on their own");

    let again = import_catalog(&pool, &dir, &mut |_, _, _| {}).await.unwrap();
    assert!(!again.changed(), "{again:?}");
    std::fs::remove_dir_all(dir).ok();
}
