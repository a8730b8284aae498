//! The export's three queries, each streamed row by row. A row's file id is
//! `coalesce(import_id, -id)` everywhere, so references between the files
//! agree (see the module doc of `export`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Rows;

pub(super) struct CategoryRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub slug: String,
    pub description: String,
}

pub(super) struct ProductRow {
    pub id: i64,
    pub category_id: i64,
    pub name: String,
    pub slug: String,
    pub sku: String,
    pub description: String,
    pub price_cents: i64,
    pub stock: i32,
    /// Active and not archived.
    pub listed: bool,
    pub created_at: DateTime<Utc>,
}

pub(super) struct VariantRow {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub options: String,
    pub price_cents: Option<i64>,
    pub stock: i32,
}

/// Depth first: each category after its parent, siblings in their order.
pub(super) fn categories(conn: &mut PgConnection) -> Rows<'_, CategoryRow> {
    sqlx::query_as!(
        CategoryRow,
        r#"WITH RECURSIVE ranked AS (
               SELECT id, parent_id,
                      row_number() OVER (PARTITION BY parent_id ORDER BY position, name, id) AS rank
               FROM categories
           ), walk AS (
               SELECT id, ARRAY[rank] AS path FROM ranked WHERE parent_id IS NULL
               UNION ALL
               SELECT r.id, w.path || r.rank FROM ranked r JOIN walk w ON r.parent_id = w.id
           )
           SELECT coalesce(c.import_id, -c.id) AS "id!", coalesce(p.import_id, -p.id) AS parent_id,
                  c.name, c.slug, c.description
           FROM walk w
           JOIN categories c ON c.id = w.id
           LEFT JOIN categories p ON p.id = c.parent_id
           ORDER BY w.path"#
    )
    .fetch(conn)
}

/// Rows from files first, in their ids' order, then the store's own (by the
/// same ids, so an export of an imported export lists rows alike). The
/// stock is the sum of the product's variants (clamped into the column's
/// type: it is only read back for a product with a single default variant).
pub(super) fn products(conn: &mut PgConnection) -> Rows<'_, ProductRow> {
    sqlx::query_as!(
        ProductRow,
        r#"SELECT coalesce(p.import_id, -p.id) AS "id!", coalesce(c.import_id, -c.id) AS "category_id!",
                  p.name, p.slug, p.sku, p.description, p.price_cents,
                  least(coalesce(s.stock, 0), 2147483647)::int AS "stock!",
                  product_is_listed(p.is_active, p.archived_at) AS "listed!", p.created_at
           FROM products p
           JOIN categories c ON c.id = p.category_id
           LEFT JOIN (SELECT product_id, sum(stock) AS stock FROM variants GROUP BY product_id) s
                  ON s.product_id = p.id
           ORDER BY coalesce(p.import_id, -p.id) < 0, abs(coalesce(p.import_id, -p.id))"#
    )
    .fetch(conn)
}

/// Every variant except a product's plain default one (see the module doc
/// of `export`), grouped by product in the products' order.
pub(super) fn variants(conn: &mut PgConnection) -> Rows<'_, VariantRow> {
    sqlx::query_as!(
        VariantRow,
        r#"SELECT coalesce(v.import_id, -v.id) AS "id!", coalesce(p.import_id, -p.id) AS "product_id!",
                  v.sku, v.name, v.options::text AS "options!", v.price_cents, v.stock
           FROM variants v
           JOIN products p ON p.id = v.product_id
           WHERE NOT (v.import_id IS NULL AND v.sku = p.sku AND v.name = 'Default'
                      AND v.options = '{}'::jsonb AND v.price_cents IS NULL
                      AND NOT EXISTS (SELECT 1 FROM variants o WHERE o.product_id = v.product_id AND o.id <> v.id))
           ORDER BY coalesce(p.import_id, -p.id) < 0, abs(coalesce(p.import_id, -p.id)), v.position, v.id"#
    )
    .fetch(conn)
}
