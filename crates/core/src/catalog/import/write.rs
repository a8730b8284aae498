//! Writing the checked staging tables into the catalog: one set-based
//! statement per step (`INSERT … SELECT … ON CONFLICT`), inside the import's
//! transaction. Each upsert writes only rows that differ from the file and
//! counts, in SQL, the rows it wrote with `xmax = 0` — true for an insert,
//! false for an update — which is how the summary tells created from updated
//! rows. Rows go in in file order (`ORDER BY line`), so the store's ids
//! follow the files as they did when rows were sent in batches.
//!
//! Rows already as the file says are left out before the upsert (an
//! anti-join on the same columns its `WHERE` compares): `ON CONFLICT DO
//! UPDATE` locks every conflicting row even when its `WHERE` then writes
//! nothing, so an import that changed nothing still locked and dirtied every
//! product and variant (45 s of a 97 s re-import of 1,000,000 products). The
//! upserts' own `WHERE` stays, for rows changed meanwhile by someone else.

use crate::jobs::{
    Jobs,
    low_stock::{self, Alert, CROSSINGS},
};

use sqlx::{Postgres, Transaction};

use crate::accounts::audit::{self, CatalogChange, Event};

use super::{ImportError, ImportSummary, Progress, RowCounts};

type Tx<'a> = Transaction<'a, Postgres>;

/// Writes the staged catalog. `actor` is the staff member who uploaded it
/// (the CLI has none): their id goes on the ledger rows and, with what
/// changed, into the audit trail of the same transaction.
pub(super) async fn write_catalog(
    tx: &mut Tx<'_>,
    jobs: &Jobs,
    actor: Option<i64>,
    progress: Progress<'_>,
) -> Result<ImportSummary, ImportError> {
    let mut summary = row_counts(tx).await?;
    // The per-variant upkeep of the stock totals is off for this
    // transaction; `recount_stock_totals` does it once at the end.
    execute(tx, "SELECT set_config('nexus.bulk_stock_totals', 'on', true)").await?;
    // Stock before the import, so every change it makes lands in the ledger,
    // and each variant's product, so a product a variant moves away from is
    // recounted too.
    execute(
        tx,
        "CREATE TEMPORARY TABLE stock_before_import ON COMMIT DROP AS SELECT id, product_id, stock FROM variants",
    )
    .await?;
    // Only rows the store made itself (no `import_id`) can be adopted; when
    // there are none — every import into a fresh store — the adopting
    // statements are skipped. (When they ran once per batch on a table
    // filling up in this transaction, without statistics, the planner ran
    // each as a scan per row: 20,000 products took 230 s instead of 4. They
    // now run once, over analyzed staging tables.)
    let (own_products, own_variants): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM products WHERE import_id IS NULL),
                EXISTS (SELECT 1 FROM variants WHERE import_id IS NULL)",
    )
    .fetch_one(&mut **tx)
    .await?;

    write_categories(tx, &mut summary.categories).await?;
    progress("categories", summary.categories.rows, summary.categories.rows);
    if own_products {
        execute(tx, ADOPT_PRODUCTS).await?;
    }
    // Set aside until every row below is written: the stock recount
    // updates each product it marks in stock, and with the indexes in
    // place each such update is a new entry in every one of them (the
    // search document's GIN included).
    let mut set_aside = set_aside_indexes(tx, "products").await?;
    add_written(tx, UPSERT_PRODUCTS, &mut summary.products).await?;
    progress("products", summary.products.rows, summary.products.rows);
    if own_variants {
        execute(tx, ADOPT_VARIANTS).await?;
    }
    set_aside.extend(set_aside_indexes(tx, "variants").await?);
    add_written(tx, UPSERT_VARIANTS, &mut summary.variants).await?;
    progress("variants", summary.variants.rows, summary.variants.rows);
    add_written(tx, UPSERT_DEFAULT_VARIANTS, &mut summary.default_variants).await?;
    progress("default variants", summary.default_variants.rows, summary.default_variants.rows);

    recount_stock_totals(tx).await?;
    set_aside.extend(set_aside_indexes(tx, "inventory_ledger").await?);
    // The ledger rows of every change, and the low-stock alerts of those
    // that crossed a threshold (a fresh import starts from zero and crosses
    // nothing).
    let alerts: Vec<Alert> = sqlx::query_as(&format!(
        "WITH ledger AS (
             INSERT INTO inventory_ledger (variant_id, delta, stock_after, reason, actor_id)
             SELECT v.id, v.stock - coalesce(b.stock, 0), v.stock, 'catalog import', $1
             FROM variants v LEFT JOIN stock_before_import b ON b.id = v.id
             WHERE v.stock <> coalesce(b.stock, 0)
             RETURNING id, variant_id, delta, stock_after
         ) {CROSSINGS}"
    ))
    .bind(actor)
    .fetch_all(&mut **tx)
    .await?;
    rebuild(tx, set_aside).await?;
    low_stock::enqueue(tx, jobs, &alerts).await?;
    if let Some(actor_id) = actor {
        let change = CatalogChange::Imported {
            created: summary.categories.created + summary.products.created + summary.variants.created,
            updated: summary.categories.updated + summary.products.updated + summary.variants.updated,
        };
        audit::record(&mut **tx, Event::Catalog { actor_id, change }, None).await?;
    }
    Ok(summary)
}

/// The definitions of the secondary indexes of `table` (`products`,
/// `variants` or `inventory_ledger`), dropped for a bulk load when the
/// table is empty — a fresh store's first import — to be built again by
/// [`rebuild`] once the import's rows are in: one sorted pass per index
/// instead of an entry per row as rows arrive, which for the search and
/// trigram indexes means a GIN insertion per row. Only when empty, because
/// a dropped index locks the table against every reader until the import
/// commits, which a store without products does not miss. Unique indexes
/// stay: the upserts' conflict targets need them, and they keep the
/// table's uniqueness rules while the rows go in.
async fn set_aside_indexes(tx: &mut Tx<'_>, table: &str) -> Result<Vec<String>, sqlx::Error> {
    let empty: bool =
        sqlx::query_scalar(&format!("SELECT NOT EXISTS (SELECT 1 FROM {table})")).fetch_one(&mut **tx).await?;
    if !empty {
        return Ok(Vec::new());
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
         FROM pg_index i
         WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND NOT i.indisprimary
         ORDER BY i.indexrelid",
    )
    .bind(table)
    .fetch_all(&mut **tx)
    .await?;
    for (name, _) in &indexes {
        execute(tx, &format!("DROP INDEX {name}")).await?;
    }
    Ok(indexes.into_iter().map(|(_, definition)| definition).collect())
}

/// Builds the indexes [`set_aside_indexes`] dropped, with the memory a
/// bulk build wants (PostgreSQL's, for this transaction only).
async fn rebuild(tx: &mut Tx<'_>, definitions: Vec<String>) -> Result<(), sqlx::Error> {
    if definitions.is_empty() {
        return Ok(());
    }
    execute(tx, "SELECT set_config('maintenance_work_mem', '256MB', true)").await?;
    for definition in &definitions {
        execute(tx, definition).await?;
    }
    Ok(())
}

async fn execute(tx: &mut Tx<'_>, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(&mut **tx).await?;
    Ok(())
}

fn to_usize(count: i64) -> usize {
    usize::try_from(count).expect("a count is never negative")
}

/// The rows of each file; a product without variant rows is sold as one
/// default variant carrying its own SKU and stock.
async fn row_counts(tx: &mut Tx<'_>) -> Result<ImportSummary, sqlx::Error> {
    let (categories, products, variants, singles): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM import_categories), (SELECT count(*) FROM import_products),
                (SELECT count(*) FROM import_variants),
                (SELECT count(*) FROM import_products s
                 WHERE NOT EXISTS (SELECT 1 FROM import_variant_products w WHERE w.product_id = s.id))",
    )
    .fetch_one(&mut **tx)
    .await?;
    let rows = |count| RowCounts { rows: to_usize(count), ..RowCounts::default() };
    Ok(ImportSummary {
        categories: rows(categories),
        products: rows(products),
        variants: rows(variants),
        default_variants: rows(singles),
    })
}

/// Runs an upsert that ends in `RETURNING (xmax = 0) AS created` and adds
/// what it wrote to `counts`.
async fn add_written(tx: &mut Tx<'_>, upsert: &str, counts: &mut RowCounts) -> Result<(), sqlx::Error> {
    let (created, updated): (i64, i64) = sqlx::query_as(&format!(
        "WITH written AS ({upsert})
         SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM written"
    ))
    .fetch_one(&mut **tx)
    .await?;
    counts.created += to_usize(created);
    counts.updated += to_usize(updated);
    Ok(())
}

/// Categories: adopted by slug, upserted, then linked to their parents once
/// every category has a row to point at. A new category is created by the
/// upsert and linked by the second statement; an existing one is updated by
/// either or both, and counts once.
async fn write_categories(tx: &mut Tx<'_>, counts: &mut RowCounts) -> Result<(), sqlx::Error> {
    for statement in [
        "UPDATE categories c SET import_id = s.id
         FROM import_categories s
         WHERE c.slug = s.slug AND c.import_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM categories k WHERE k.import_id = s.id)",
        "CREATE TEMPORARY TABLE import_category_writes (import_id bigint NOT NULL, created bool NOT NULL)
         ON COMMIT DROP",
        // Position: order of appearance among siblings.
        "WITH written AS (
             INSERT INTO categories (import_id, name, slug, description, position)
             SELECT id, name, slug, description, (row_number() OVER (PARTITION BY parent_id ORDER BY line))::int
             FROM import_categories ORDER BY line
             ON CONFLICT (import_id) DO UPDATE
                SET name = EXCLUDED.name, slug = EXCLUDED.slug,
                    description = EXCLUDED.description, position = EXCLUDED.position, updated_at = now()
              WHERE (categories.name, categories.slug, categories.description, categories.position)
                    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.slug, EXCLUDED.description, EXCLUDED.position)
             RETURNING import_id, (xmax = 0) AS created)
         INSERT INTO import_category_writes SELECT import_id, created FROM written",
        "WITH relinked AS (
             UPDATE categories c SET parent_id = parent.id, updated_at = now()
             FROM import_categories s LEFT JOIN categories parent ON parent.import_id = s.parent_id
             WHERE c.import_id = s.id AND c.parent_id IS DISTINCT FROM parent.id
             RETURNING c.import_id)
         INSERT INTO import_category_writes SELECT import_id, false FROM relinked",
    ] {
        execute(tx, statement).await?;
    }
    let (created, updated): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created)
         FROM (SELECT bool_or(created) AS created FROM import_category_writes GROUP BY import_id) w",
    )
    .fetch_one(&mut **tx)
    .await?;
    counts.created = to_usize(created);
    counts.updated = to_usize(updated);
    Ok(())
}

const ADOPT_PRODUCTS: &str = "UPDATE products p SET import_id = s.id
    FROM import_products s
    WHERE p.sku = s.sku AND p.import_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM products k WHERE k.import_id = s.id)";

/// Archived products stay archived; a file's `is_active = false` on one
/// leaves its own flag as it is (both mean "not listed"). A new product is
/// inserted with its final `in_stock`, so a fresh import never rewrites its
/// rows to flip it (an update leaves it to the recount).
const UPSERT_PRODUCTS: &str = "INSERT INTO products (import_id, category_id, name, slug, sku, description,
                                price_cents, is_active, created_at, in_stock)
    SELECT s.id, c.id, s.name, s.slug, s.sku, s.description, s.price_cents, s.is_active, s.created_at,
           coalesce(w.stocked, s.stock > 0)
    FROM import_products s
    JOIN categories c ON c.import_id = s.category_id
    LEFT JOIN import_variant_products w ON w.product_id = s.id
    WHERE NOT EXISTS (
        SELECT 1 FROM products p
        WHERE p.import_id = s.id
          AND (p.category_id, p.name, p.slug, p.sku, p.description, p.price_cents, p.is_active)
              IS NOT DISTINCT FROM (c.id, s.name, s.slug, s.sku, s.description, s.price_cents,
                                    s.is_active OR (p.archived_at IS NOT NULL AND p.is_active)))
    ORDER BY s.line
    ON CONFLICT (import_id) DO UPDATE
       SET category_id = EXCLUDED.category_id, name = EXCLUDED.name, slug = EXCLUDED.slug,
           sku = EXCLUDED.sku, description = EXCLUDED.description, price_cents = EXCLUDED.price_cents,
           is_active = EXCLUDED.is_active OR (products.archived_at IS NOT NULL AND products.is_active),
           updated_at = now()
     WHERE (products.category_id, products.name, products.slug, products.sku, products.description,
            products.price_cents, products.is_active)
           IS DISTINCT FROM (EXCLUDED.category_id, EXCLUDED.name, EXCLUDED.slug, EXCLUDED.sku,
            EXCLUDED.description, EXCLUDED.price_cents,
            EXCLUDED.is_active OR (products.archived_at IS NOT NULL AND products.is_active))
    RETURNING (xmax = 0) AS created";

const ADOPT_VARIANTS: &str = "UPDATE variants v SET import_id = s.id
    FROM import_variants s
    WHERE v.sku = s.sku AND v.import_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM variants k WHERE k.import_id = s.id)";

/// Variants take their place among their product's in file order; the
/// place only positions new variants, an update keeps the variant's place.
const UPSERT_VARIANTS: &str = "INSERT INTO variants (import_id, product_id, sku, name, options, price_cents, stock,
                                position)
    SELECT s.id, p.id, s.sku, s.name, s.options::jsonb, s.price_cents, s.stock,
           (row_number() OVER (PARTITION BY s.product_id ORDER BY s.line))::int
    FROM import_variants s JOIN products p ON p.import_id = s.product_id
    WHERE NOT EXISTS (
        SELECT 1 FROM variants v
        WHERE v.import_id = s.id
          AND (v.product_id, v.sku, v.name, v.options, v.price_cents, v.stock)
              IS NOT DISTINCT FROM (p.id, s.sku, s.name, s.options::jsonb, s.price_cents, s.stock))
    ORDER BY s.line
    ON CONFLICT (import_id) DO UPDATE
       SET product_id = EXCLUDED.product_id, sku = EXCLUDED.sku, name = EXCLUDED.name,
           options = EXCLUDED.options, price_cents = EXCLUDED.price_cents,
           stock = EXCLUDED.stock, updated_at = now()
     WHERE (variants.product_id, variants.sku, variants.name, variants.options,
            variants.price_cents, variants.stock)
           IS DISTINCT FROM (EXCLUDED.product_id, EXCLUDED.sku, EXCLUDED.name, EXCLUDED.options,
            EXCLUDED.price_cents, EXCLUDED.stock)
    RETURNING (xmax = 0) AS created";

const UPSERT_DEFAULT_VARIANTS: &str = "INSERT INTO variants (product_id, sku, name, stock)
    SELECT p.id, s.sku, 'Default', s.stock
    FROM import_products s JOIN products p ON p.import_id = s.id
    WHERE NOT EXISTS (SELECT 1 FROM import_variant_products w WHERE w.product_id = s.id)
      AND NOT EXISTS (SELECT 1 FROM variants v WHERE v.sku = s.sku AND v.product_id = p.id AND v.stock = s.stock)
    ORDER BY s.line
    ON CONFLICT (sku) DO UPDATE
       SET product_id = EXCLUDED.product_id, stock = EXCLUDED.stock, updated_at = now()
     WHERE (variants.product_id, variants.stock) IS DISTINCT FROM (EXCLUDED.product_id, EXCLUDED.stock)
    RETURNING (xmax = 0) AS created";

/// Recounts `product_stock` and `products.in_stock` for the file's products
/// and for any product a variant of the file moved away from. Their
/// `product_stock` rows are locked first, in a statement of their own: an
/// order that changed another variant of one of them has then either
/// committed (and the recount, a later statement, sees it) or waits for
/// this transaction and adds its difference to the recounted row.
async fn recount_stock_totals(tx: &mut Tx<'_>) -> Result<(), sqlx::Error> {
    for statement in [
        "CREATE TEMPORARY TABLE recounted_products ON COMMIT DROP AS
         SELECT p.id FROM products p JOIN import_products s ON s.id = p.import_id
         UNION
         SELECT b.product_id FROM stock_before_import b JOIN variants v ON v.id = b.id
         WHERE v.product_id <> b.product_id",
        // Without statistics the planner takes the new table for a few rows.
        "ANALYZE recounted_products",
        "SELECT s.product_id FROM product_stock s JOIN recounted_products r ON r.id = s.product_id
         ORDER BY s.product_id FOR UPDATE OF s",
        "INSERT INTO product_stock (product_id, total_stock, stocked_variants, low_variants, variant_count)
         SELECT r.id, coalesce(sum(v.stock), 0), count(v.id) FILTER (WHERE v.stock > 0),
                count(v.id) FILTER (WHERE v.stock <= v.low_stock_threshold), count(v.id)
         FROM recounted_products r LEFT JOIN variants v ON v.product_id = r.id
         GROUP BY r.id
         ON CONFLICT (product_id) DO UPDATE
            SET total_stock = EXCLUDED.total_stock, stocked_variants = EXCLUDED.stocked_variants,
                low_variants = EXCLUDED.low_variants, variant_count = EXCLUDED.variant_count
          WHERE (product_stock.total_stock, product_stock.stocked_variants, product_stock.low_variants,
                 product_stock.variant_count)
                IS DISTINCT FROM (EXCLUDED.total_stock, EXCLUDED.stocked_variants, EXCLUDED.low_variants,
                 EXCLUDED.variant_count)",
        "UPDATE products p SET in_stock = s.stocked_variants > 0
         FROM recounted_products r JOIN product_stock s ON s.product_id = r.id
         WHERE p.id = r.id AND p.in_stock IS DISTINCT FROM (s.stocked_variants > 0)",
    ] {
        execute(tx, statement).await?;
    }
    Ok(())
}
