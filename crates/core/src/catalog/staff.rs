//! The staff product list: every product, listed or not, filtered by name or
//! SKU, category subtree, state and stock, in any of eight orders. Never
//! cached: staff must see their own writes, and the list is cheap.
//!
//! Stock totals come from `product_stock`, one narrow row per product kept
//! by a trigger on `variants` (see the migration `staff_catalog`). Every
//! order walks an index and stops at the page; counts read indexes or the
//! narrow table, never the wide product rows. The figures are in the README.

use chrono::{DateTime, SecondsFormat, Utc};
use nexus_model::{
    Cents,
    admin::{StaffProductQuery, StaffProductRow, StaffSort, StatusFilter, StockFilter},
    pagination::Page,
};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::{CatalogError, CatalogService};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    slug: String,
    name: String,
    sku: String,
    category_name: String,
    price_cents: i64,
    is_active: bool,
    is_featured: bool,
    archived: bool,
    total_stock: i64,
    low_stock: bool,
    variant_count: i32,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_row(self, currency: &str) -> StaffProductRow {
        StaffProductRow {
            id: self.id,
            slug: self.slug,
            name: self.name,
            sku: self.sku,
            category_name: self.category_name,
            price_cents: Cents(self.price_cents),
            currency: currency.to_owned(),
            is_active: self.is_active,
            is_featured: self.is_featured,
            archived: self.archived,
            total_stock: self.total_stock,
            low_stock: self.low_stock,
            variant_count: self.variant_count,
            updated_at: self.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        }
    }
}

/// `text` as an `ILIKE` pattern matching it anywhere, its own wildcards
/// taken literally.
pub(super) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `FROM` and `WHERE` of both the page's ids and the count; `s`
/// (`product_stock`) is joined only when `stock` filters or sorts by it.
fn push_from_where(
    sql: &mut QueryBuilder<'_, Postgres>,
    query: &StaffProductQuery,
    category_ids: Option<&[i64]>,
    with_stock: bool,
) {
    sql.push(" FROM products p");
    if with_stock {
        sql.push(" JOIN product_stock s ON s.product_id = p.id");
    }
    sql.push(" WHERE ").push(match query.status {
        StatusFilter::Current => "p.archived_at IS NULL",
        StatusFilter::All => "TRUE",
        StatusFilter::Active => "product_is_listed(p.is_active, p.archived_at)",
        StatusFilter::Inactive => "NOT p.is_active AND p.archived_at IS NULL",
        StatusFilter::Archived => "p.archived_at IS NOT NULL",
    });
    sql.push(match query.stock {
        StockFilter::All => "",
        StockFilter::InStock => " AND s.stocked_variants > 0",
        StockFilter::OutOfStock => " AND s.stocked_variants = 0",
        StockFilter::Low => " AND s.low_variants > 0",
    });
    if let Some(ids) = category_ids {
        sql.push(" AND p.category_id = ANY(").push_bind(ids.to_vec()).push(")");
    }
    if let Some(q) = &query.q {
        // One index per arm; a plain OR of the three (one across a join)
        // would read every product row instead.
        let pattern = contains_pattern(q);
        sql.push(" AND p.id IN (SELECT id FROM products WHERE name ILIKE ")
            .push_bind(pattern.clone())
            .push(" UNION SELECT id FROM products WHERE sku ILIKE ")
            .push_bind(pattern.clone())
            .push(" UNION SELECT product_id FROM variants WHERE sku ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
}

fn order_by(sort: StaffSort) -> &'static str {
    match sort {
        StaffSort::NameAsc => " ORDER BY p.name, p.id",
        StaffSort::NameDesc => " ORDER BY p.name DESC, p.id DESC",
        StaffSort::PriceAsc => " ORDER BY p.price_cents, p.id",
        StaffSort::PriceDesc => " ORDER BY p.price_cents DESC, p.id DESC",
        StaffSort::UpdatedAsc => " ORDER BY p.updated_at, p.id",
        StaffSort::UpdatedDesc => " ORDER BY p.updated_at DESC, p.id DESC",
        StaffSort::StockAsc => " ORDER BY s.total_stock, s.product_id",
        StaffSort::StockDesc => " ORDER BY s.total_stock DESC, s.product_id DESC",
    }
}

/// The page, found as ids first and only then read in full: the sort and
/// the offset then move ids and sort keys, not whole rows (a deep page
/// sorted wide rows on disk otherwise), and a shallow one still walks the
/// sort's index and stops.
async fn list(
    pool: &PgPool,
    query: &StaffProductQuery,
    category_ids: Option<&[i64]>,
) -> Result<(Vec<Row>, i64), sqlx::Error> {
    let filters_stock = query.stock != StockFilter::All;
    let sorts_by_stock = matches!(query.sort, StaffSort::StockAsc | StaffSort::StockDesc);
    let mut select = QueryBuilder::new(
        "SELECT p.id, p.slug, p.name, p.sku, c.name AS category_name, p.price_cents, p.is_active, p.is_featured,
                p.archived_at IS NOT NULL AS archived, s.total_stock, s.low_variants > 0 AS low_stock,
                s.variant_count, p.updated_at
         FROM (SELECT p.id",
    );
    push_from_where(&mut select, query, category_ids, filters_stock || sorts_by_stock);
    select.push(order_by(query.sort));
    select.push(" LIMIT ").push_bind(query.pagination.limit()).push(" OFFSET ").push_bind(query.pagination.offset());
    select.push(
        ") page JOIN products p ON p.id = page.id JOIN product_stock s ON s.product_id = p.id
         JOIN categories c ON c.id = p.category_id",
    );
    select.push(order_by(query.sort));
    let mut count = QueryBuilder::new("SELECT count(*)");
    push_from_where(&mut count, query, category_ids, filters_stock);
    tokio::try_join!(select.build_query_as::<Row>().fetch_all(pool), count.build_query_scalar::<i64>().fetch_one(pool),)
}

impl CatalogService {
    /// Every product matching `query`, for staff: listed, inactive and (when
    /// asked) archived ones; a category includes its descendants; an
    /// unknown category is [`CatalogError::UnknownCategory`].
    pub async fn staff_products(&self, query: &StaffProductQuery) -> Result<Page<StaffProductRow>, CatalogError> {
        let category_ids = self.subtree_of(query.category.as_deref()).await?;
        let (rows, total) = list(&self.pool, query, category_ids.as_deref()).await?;
        let items = rows.into_iter().map(|row| row.into_row(&self.settings.currency)).collect();
        Ok(Page::new(items, query.pagination, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_matches_literally_anywhere() {
        assert_eq!(contains_pattern("nx-00"), "%nx-00%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
