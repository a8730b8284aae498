//! What an import reports: every bad row with its file and line (changing
//! nothing), and per file how many rows it created and updated.

use nexus_core::catalog::import::{ImportError, ImportSummary, RowCounts, import_catalog_from};
use sqlx::PgPool;

use crate::{
    staff::staff_user,
    support::{self, files},
};

/// `text` with the field `column` of the row on `line` (1 = header) set to
/// `value`. The fixture has one row per line.
fn edit(text: &str, line: usize, column: &str, value: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let index = header.iter().position(|c| *c == column).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(lines[line - 1].as_bytes());
    let mut record = reader.records().next().unwrap().unwrap();
    let mut fields: Vec<String> = record.iter().map(str::to_owned).collect();
    fields[index] = value.to_owned();
    record = csv::StringRecord::from(fields);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&record).unwrap();
    lines[line - 1] = String::from_utf8(writer.into_inner().unwrap()).unwrap().trim_end().to_owned();
    lines.join("\n") + "\n"
}

/// Every row of the catalog tables, ledger included, as one digest.
async fn digest(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT md5((SELECT string_agg(c::text, ',' ORDER BY c.id) FROM categories c)
                 || (SELECT string_agg(p::text, ',' ORDER BY p.id) FROM products p)
                 || (SELECT string_agg(v::text, ',' ORDER BY v.id) FROM variants v)
                 || (SELECT count(*) FROM inventory_ledger))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn ledger_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM inventory_ledger").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_bad_upload_lists_every_bad_row_with_its_line_and_changes_nothing(pool: PgPool) {
    support::import_fixture(&pool).await;
    let before = digest(&pool).await;
    let [categories, products, variants] = support::fixture_files();
    let categories = edit(&categories, 3, "slug", "Audio Essentials");
    let products = edit(&products, 2, "price", "36x.21");
    let products = edit(&products, 3, "name", "A rename that must not land");
    let products = edit(&products, 10, "stock", "-4");
    let variants = edit(&variants, 4, "options", "size M");
    let variants = edit(&variants, 6, "product_id", "99999");

    let error = import_catalog_from(&pool, files(&[categories, products, variants]), None, &mut |_, _, _| {})
        .await
        .expect_err("bad rows are refused");

    let ImportError::Invalid(bad) = error else { panic!("expected bad rows, got {error}") };
    let found: Vec<(&str, u64)> = bad.rows.iter().map(|row| (row.file, row.line)).collect();
    assert_eq!(
        found,
        [("categories.csv", 3), ("products.csv", 2), ("products.csv", 10), ("variants.csv", 4), ("variants.csv", 6)]
    );
    assert_eq!(bad.unlisted, 0);
    let messages: Vec<String> = bad.rows.iter().map(ToString::to_string).collect();
    assert!(messages[0].starts_with("categories.csv line 3: slug `Audio Essentials` must be"), "{}", messages[0]);
    assert_eq!(messages[1], "products.csv line 2: price `36x.21` is not a decimal number such as 12.34");
    assert_eq!(messages[2], "products.csv line 10: stock -4 is negative");
    assert_eq!(messages[3], "variants.csv line 4: options `size M` is not a JSON object");
    assert_eq!(messages[4], "variants.csv line 6: product_id 99999 is not in products.csv");
    assert_eq!(digest(&pool).await, before, "not even the good rows were written");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn unreadable_input_is_a_read_error_not_a_bad_row(pool: PgPool) {
    let missing = support::temp_dir("missing-files");
    let error = nexus_core::catalog::import::import_catalog(&pool, &missing, &mut |_, _, _| {}).await.unwrap_err();
    assert!(matches!(&error, ImportError::Read { file, .. } if file.ends_with("categories.csv")), "{error}");
    std::fs::remove_dir_all(missing).ok();
}

fn all_created(rows: usize) -> RowCounts {
    RowCounts { rows, created: rows, updated: 0 }
}

fn unchanged(rows: usize) -> RowCounts {
    RowCounts { rows, created: 0, updated: 0 }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn imports_count_the_rows_they_create_and_update_per_file(pool: PgPool) {
    let fixture = support::fixture_files();
    let import = |texts: [String; 3]| {
        let pool = pool.clone();
        async move { import_catalog_from(&pool, files(&texts), None, &mut |_, _, _| {}).await.unwrap() }
    };

    let first = import(fixture.clone()).await;
    let expected = ImportSummary {
        categories: all_created(200),
        products: all_created(240),
        variants: all_created(169),
        default_variants: all_created(179),
    };
    assert_eq!(first, expected);

    let ledger = ledger_rows(&pool).await;
    let second = import(fixture.clone()).await;
    let expected = ImportSummary {
        categories: unchanged(200),
        products: unchanged(240),
        variants: unchanged(169),
        default_variants: unchanged(179),
    };
    assert_eq!(second, expected);
    assert!(!second.changed());
    assert_eq!(ledger_rows(&pool).await, ledger, "the same files leave the ledger alone");

    let [categories, products, variants] = fixture;
    let categories = edit(&categories, 2, "description", "Hear everything.");
    let products = edit(&products, 2, "name", "Echo Set Renamed");
    let products = edit(&products, 3, "price", "1.00");
    let products = products
        + "100000,2,Brand New Thing,brand-new-thing,NX-900000,Just arrived.,12.50,7,true,2026-01-01T00:00:00Z\n";
    let variants = edit(&variants, 2, "stock", "104");
    let third = import([categories, products, variants]).await;
    assert_eq!(third.categories, RowCounts { rows: 200, created: 0, updated: 1 });
    assert_eq!(third.products, RowCounts { rows: 241, created: 1, updated: 2 });
    assert_eq!(third.variants, RowCounts { rows: 169, created: 0, updated: 1 });
    assert_eq!(third.default_variants, RowCounts { rows: 180, created: 1, updated: 0 });
    assert_eq!(ledger_rows(&pool).await, ledger + 2, "one stock change and one new product's stock");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn an_uploaded_catalog_retires_the_cached_one_and_is_audited(pool: PgPool) {
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;
    let fixture = support::fixture_files();
    core.catalog.import_files(files(&fixture), staff, &mut |_, _, _| {}).await.unwrap();
    assert_eq!(core.catalog.product("echo-set-4606").await.unwrap().unwrap().name, "Echo Set 4606");

    let [categories, products, variants] = fixture;
    let products = edit(&products, 2, "name", "Echo Set Renamed");
    let variants = edit(&variants, 2, "stock", "3");
    let summary =
        core.catalog.import_files(files(&[categories, products, variants]), staff, &mut |_, _, _| {}).await.unwrap();

    assert_eq!((summary.products.updated, summary.variants.updated), (1, 1));
    assert_eq!(core.catalog.product("echo-set-4606").await.unwrap().unwrap().name, "Echo Set Renamed");
    let audit: Vec<(String, Option<i64>, serde_json::Value)> =
        sqlx::query_as("SELECT event, actor_id, detail FROM audit_events WHERE event = 'catalog.imported' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[1].1, Some(staff));
    assert_eq!((audit[1].2["created"].as_i64(), audit[1].2["updated"].as_i64()), (Some(0), Some(2)));
    let (stock_after, actor): (i32, Option<i64>) =
        sqlx::query_as("SELECT stock_after, actor_id FROM inventory_ledger ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((stock_after, actor), (3, Some(staff)), "the ledger names who imported the stock");
}

/// Products whose stock totals or `in_stock` differ from a count of their
/// variants made from scratch.
async fn drifted_stock_totals(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT p.id FROM products p
         LEFT JOIN product_stock s ON s.product_id = p.id
         CROSS JOIN LATERAL (
             SELECT coalesce(sum(v.stock), 0) AS total, count(*) FILTER (WHERE v.stock > 0) AS stocked,
                    count(*) FILTER (WHERE v.stock <= v.low_stock_threshold) AS low, count(*) AS variants
             FROM variants v WHERE v.product_id = p.id) r
         WHERE s.product_id IS NULL
            OR (s.total_stock, s.stocked_variants::bigint, s.low_variants::bigint, s.variant_count::bigint)
               IS DISTINCT FROM (r.total, r.stocked, r.low, r.variants)
            OR p.in_stock IS DISTINCT FROM (r.stocked > 0)
         ORDER BY p.id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn stock_totals_after_an_import_equal_a_count_from_scratch(pool: PgPool) {
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;
    let fixture = support::fixture_files();
    core.catalog.import_files(files(&fixture), staff, &mut |_, _, _| {}).await.unwrap();
    assert_eq!(drifted_stock_totals(&pool).await, Vec::<i64>::new(), "after a fresh import");

    // Sell out both variants of product 1, move variant 3 from product 5 to
    // product 3, empty the single-variant product 10.
    let [categories, products, variants] = fixture;
    let variants = edit(&variants, 2, "stock", "0");
    let variants = edit(&variants, 3, "stock", "0");
    let variants = edit(&variants, 4, "product_id", "3");
    let products = edit(&products, 11, "stock", "0");
    core.catalog.import_files(files(&[categories, products, variants]), staff, &mut |_, _, _| {}).await.unwrap();
    assert_eq!(drifted_stock_totals(&pool).await, Vec::<i64>::new(), "after an import that changed stock");
    let in_stock: bool = sqlx::query_scalar("SELECT in_stock FROM products WHERE slug = 'echo-set-4606'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!in_stock, "a product whose every variant the file sold out is out of stock");

    // The import's bulk upkeep ended with its transaction: the next change
    // is counted row by row again.
    let navy: i64 =
        sqlx::query_scalar("SELECT id FROM variants WHERE sku = 'NX-000001-NAVY'").fetch_one(&pool).await.unwrap();
    core.catalog.adjust_stock(navy, 5, "delivery", staff).await.unwrap();
    assert_eq!(drifted_stock_totals(&pool).await, Vec::<i64>::new(), "after a staff adjustment");
    let in_stock: bool = sqlx::query_scalar("SELECT in_stock FROM products WHERE slug = 'echo-set-4606'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(in_stock);
}

/// Every index of the product and variant tables, as its definition.
async fn catalog_indexes(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT indexdef FROM pg_indexes WHERE tablename IN ('products', 'variants') ORDER BY indexname")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_first_import_builds_the_indexes_it_set_aside_and_a_later_one_keeps_them(pool: PgPool) {
    let before = catalog_indexes(&pool).await;
    assert!(before.iter().any(|index| index.contains("USING gin (search_document)")), "{before:?}");

    support::import_fixture(&pool).await;
    assert_eq!(catalog_indexes(&pool).await, before, "the first import, into empty tables");
    let invalid: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid OR NOT indisready")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(invalid, 0);
    // The rebuilt search index holds the imported rows (read through it:
    // a table this small would otherwise be scanned).
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.unwrap();
    let found: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE search_document @@ to_tsquery('english', 'echo:*')")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.rollback().await.unwrap();
    let scanned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE name ILIKE 'echo%'").fetch_one(&pool).await.unwrap();
    assert!(found >= scanned && scanned > 0, "{found} found by the index, {scanned} names start with Echo");

    let [categories, products, variants] = support::fixture_files();
    let products = edit(&products, 2, "name", "Echo Set Renamed Again");
    import_catalog_from(&pool, files(&[categories, products, variants]), None, &mut |_, _, _| {}).await.unwrap();
    assert_eq!(catalog_indexes(&pool).await, before, "a later import, into full tables");
}
