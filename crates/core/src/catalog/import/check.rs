//! The checks across rows, as SQL over the staging tables: repeated ids,
//! slugs and SKUs, references to rows that are not in the files, parent
//! cycles, and variants taking the SKU a product without variant rows is
//! sold under. Their problems join the ones `read` found in
//! `import_problems`, and the first [`MAX_LISTED_BAD_ROWS`] of all of them,
//! in file and line order, become the [`BadRows`] report.

use sqlx::{Postgres, Transaction};

use super::{BadRow, BadRows, MAX_LISTED_BAD_ROWS, stage::CatalogFile};

/// Every check, in the order a row's problems are reported (the order the
/// import has always listed them in).
#[derive(Debug, Clone, Copy)]
pub(super) enum Check {
    /// The row does not parse (or the header is unusable): its only problem.
    Parse = 0,
    RepeatedId = 1,
    RepeatedSlug = 2,
    RepeatedSku = 3,
    SlugFormat = 4,
    Name = 5,
    SkuLength = 6,
    SingleSku = 7,
    UnknownReference = 8,
    Cycle = 9,
    NegativeStock = 10,
    Options = 11,
    Price = 12,
}

type Tx<'a> = Transaction<'a, Postgres>;

/// Runs the checks across rows; returns every bad row found by them or
/// while reading.
pub(super) async fn bad_rows(tx: &mut Tx<'_>) -> Result<BadRows, sqlx::Error> {
    use CatalogFile::{Categories, Products, Variants};
    for (file, table, column, what, check) in [
        (Categories, "import_categories", "id", "id", Check::RepeatedId),
        (Categories, "import_categories", "slug", "slug", Check::RepeatedSlug),
        (Products, "import_products", "id", "id", Check::RepeatedId),
        (Products, "import_products", "slug", "slug", Check::RepeatedSlug),
        (Products, "import_products", "sku", "sku", Check::RepeatedSku),
        (Variants, "import_variants", "id", "id", Check::RepeatedId),
        (Variants, "import_variants", "sku", "sku", Check::RepeatedSku),
    ] {
        // The first row with a value is fine; every later one names it.
        let sql = format!(
            "INSERT INTO import_problems (file, line, check_order, message)
             SELECT $1, s.line, $2, format('{what} %s is already used on line %s', s.{column}, f.first)
             FROM {table} s
             JOIN (SELECT {column} AS value, min(line) AS first FROM {table} GROUP BY {column} HAVING count(*) > 1) f
               ON f.value = s.{column}
             WHERE s.line <> f.first"
        );
        problems(tx, &sql, file, check).await?;
    }
    // A reference to a row that did not parse is not blamed: that row is.
    let unknown = [
        (
            Categories,
            "SELECT $1, s.line, $2, format('parent_id %s is not a category in the file', s.parent_id)
             FROM import_categories s
             WHERE s.parent_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM import_categories c WHERE c.id = s.parent_id)
               AND NOT EXISTS (SELECT 1 FROM import_broken_ids b WHERE b.file = 0 AND b.id = s.parent_id)",
        ),
        (
            Products,
            "SELECT $1, s.line, $2, format('category_id %s is not in categories.csv', s.category_id)
             FROM import_products s
             WHERE NOT EXISTS (SELECT 1 FROM import_categories c WHERE c.id = s.category_id)
               AND NOT EXISTS (SELECT 1 FROM import_broken_ids b WHERE b.file = 0 AND b.id = s.category_id)",
        ),
        (
            Variants,
            "SELECT $1, s.line, $2, format('product_id %s is not in products.csv', s.product_id)
             FROM import_variants s
             WHERE NOT EXISTS (SELECT 1 FROM import_products p WHERE p.id = s.product_id)
               AND NOT EXISTS (SELECT 1 FROM import_broken_ids b WHERE b.file = 1 AND b.id = s.product_id)",
        ),
    ];
    for (file, select) in unknown {
        problems(
            tx,
            &format!("INSERT INTO import_problems (file, line, check_order, message) {select}"),
            file,
            Check::UnknownReference,
        )
        .await?;
    }
    // Every category whose walk up the parents comes back to it. The walk
    // keeps (start, current) pairs as a set, so it ends on any cycle; its
    // returns are joined, not probed per category (a scan of the walk for
    // each of n categories).
    let cycles = "INSERT INTO import_problems (file, line, check_order, message)
        WITH RECURSIVE walk (start, current) AS (
            SELECT id, parent_id FROM import_categories WHERE parent_id IS NOT NULL
            UNION
            SELECT w.start, c.parent_id FROM walk w JOIN import_categories c ON c.id = w.current
            WHERE w.current <> w.start AND c.parent_id IS NOT NULL
        )
        SELECT $1, s.line, $2, format('category %s is its own ancestor', s.id)
        FROM import_categories s JOIN (SELECT DISTINCT start FROM walk WHERE current = start) c ON c.start = s.id";
    problems(tx, cycles, Categories, Check::Cycle).await?;
    // A product without variant rows is sold under its own SKU, which no
    // variant may then take (when two such products share it, the later
    // one is named, as it is the one reported as the repeat).
    let single_skus = "INSERT INTO import_problems (file, line, check_order, message)
        SELECT DISTINCT ON (v.line) $1, v.line, $2,
               format('sku %s is the SKU of product %s, which has no variant rows and is sold under it', v.sku, p.id)
        FROM import_variants v JOIN import_products p ON p.sku = v.sku
        WHERE NOT EXISTS (SELECT 1 FROM import_variant_products w WHERE w.product_id = p.id)
        ORDER BY v.line, p.line DESC";
    problems(tx, single_skus, Variants, Check::SingleSku).await?;
    listed(tx).await
}

async fn problems(tx: &mut Tx<'_>, sql: &str, file: CatalogFile, check: Check) -> Result<(), sqlx::Error> {
    sqlx::query(sql).bind(file.number()).bind(check as i16).execute(&mut **tx).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Problem {
    file: i16,
    line: i64,
    message: String,
}

/// The first problems in file, line and check order, and a count of the rest.
async fn listed(tx: &mut Tx<'_>) -> Result<BadRows, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM import_problems").fetch_one(&mut **tx).await?;
    if total == 0 {
        return Ok(BadRows::default());
    }
    let first: Vec<Problem> = sqlx::query_as(
        "SELECT file, line, message FROM import_problems ORDER BY file, line, check_order, message LIMIT $1",
    )
    .bind(i64::try_from(MAX_LISTED_BAD_ROWS).expect("the cap fits an i64"))
    .fetch_all(&mut **tx)
    .await?;
    let total = usize::try_from(total).expect("a count is never negative");
    let rows: Vec<BadRow> = first
        .into_iter()
        .map(|p| BadRow {
            file: CatalogFile::from_number(p.file).name(),
            line: u64::try_from(p.line).expect("lines start at 1"),
            message: p.message,
        })
        .collect();
    Ok(BadRows { unlisted: total - rows.len(), rows })
}
