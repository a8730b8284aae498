//! What staff read of stock: the inventory (one row per variant), the
//! low-stock report and a variant's ledger. Never cached.
//!
//! "Low" is each variant's own rule, `stock <= low_stock_threshold`; a
//! partial index holds exactly those variants, lowest stock first.

use chrono::{DateTime, SecondsFormat, Utc};
use nexus_model::{
    Pagination,
    admin::{InventoryQuery, InventoryRow, LedgerActor, LedgerEntry},
    pagination::Page,
};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::{CatalogError, CatalogService, staff::contains_pattern};

#[derive(sqlx::FromRow)]
struct InventoryRecord {
    variant_id: i64,
    product_slug: String,
    product_name: String,
    variant_name: String,
    sku: String,
    stock: i32,
    low_stock_threshold: i32,
    is_low: bool,
}

impl From<InventoryRecord> for InventoryRow {
    fn from(row: InventoryRecord) -> Self {
        InventoryRow {
            variant_id: row.variant_id,
            product_slug: row.product_slug,
            product_name: row.product_name,
            variant_name: row.variant_name,
            sku: row.sku,
            stock: row.stock,
            low_stock_threshold: row.low_stock_threshold,
            is_low: row.is_low,
        }
    }
}

/// Which products' variants an inventory read covers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Not archived: what staff still stock, listed or not.
    Stocked,
    /// What shoppers can buy now.
    Listed,
}

fn push_where(sql: &mut QueryBuilder<'_, Postgres>, scope: Scope, query: &InventoryQuery) {
    sql.push(match scope {
        Scope::Stocked => " WHERE p.archived_at IS NULL",
        Scope::Listed => " WHERE product_is_listed(p.is_active, p.archived_at)",
    });
    if query.low_stock_only {
        sql.push(" AND v.stock <= v.low_stock_threshold");
    }
    if let Some(q) = &query.q {
        // As in the staff product list: one trigram index per arm.
        let pattern = contains_pattern(q);
        sql.push(" AND v.id IN (SELECT id FROM variants WHERE sku ILIKE ")
            .push_bind(pattern.clone())
            .push(" UNION SELECT w.id FROM variants w JOIN products m ON m.id = w.product_id WHERE m.name ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR m.sku ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
}

const FROM: &str = " FROM variants v JOIN products p ON p.id = v.product_id";

async fn inventory(pool: &PgPool, scope: Scope, query: &InventoryQuery) -> Result<Page<InventoryRow>, sqlx::Error> {
    let mut count = QueryBuilder::new("SELECT count(*)");
    count.push(FROM);
    push_where(&mut count, scope, query);
    let (rows, total) =
        tokio::try_join!(inventory_rows(pool, scope, query), count.build_query_scalar::<i64>().fetch_one(pool))?;
    Ok(Page::new(rows, query.pagination, total))
}

/// The rows of one page of an inventory read, without the count.
async fn inventory_rows(pool: &PgPool, scope: Scope, query: &InventoryQuery) -> Result<Vec<InventoryRow>, sqlx::Error> {
    let mut select = QueryBuilder::new(
        "SELECT v.id AS variant_id, p.slug AS product_slug, p.name AS product_name, v.name AS variant_name,
                v.sku, v.stock, v.low_stock_threshold, v.stock <= v.low_stock_threshold AS is_low",
    );
    select.push(FROM);
    push_where(&mut select, scope, query);
    select.push(if query.low_stock_only {
        " ORDER BY v.stock, p.name, v.id"
    } else {
        " ORDER BY p.name, p.id, v.position, v.id"
    });
    select.push(" LIMIT ").push_bind(query.pagination.limit()).push(" OFFSET ").push_bind(query.pagination.offset());
    let rows = select.build_query_as::<InventoryRecord>().fetch_all(pool).await?;
    Ok(rows.into_iter().map(InventoryRow::from).collect())
}

struct LedgerRow {
    id: i64,
    delta: i32,
    reason: String,
    stock_after: i32,
    created_at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    actor_email: Option<String>,
}

impl From<LedgerRow> for LedgerEntry {
    fn from(row: LedgerRow) -> Self {
        let actor = match (row.actor_id, row.actor_name, row.actor_email) {
            (Some(id), Some(name), Some(email)) => Some(LedgerActor { id, name, email }),
            _ => None,
        };
        LedgerEntry {
            id: row.id,
            delta: row.delta,
            reason: row.reason,
            stock_after: row.stock_after,
            actor,
            created_at: row.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        }
    }
}

impl CatalogService {
    /// Variants of every product that is not archived: those matching `q`
    /// (product name, product or variant SKU), by product name; with
    /// `low_stock_only`, those at or below their own threshold, lowest
    /// stock first.
    pub async fn inventory(&self, query: &InventoryQuery) -> Result<Page<InventoryRow>, CatalogError> {
        Ok(inventory(&self.pool, Scope::Stocked, query).await?)
    }

    /// Variants of listed products at or below their own threshold, lowest
    /// stock first (`GET /api/v1/admin/inventory/low-stock`).
    pub async fn low_stock(&self, pagination: Pagination) -> Result<Page<InventoryRow>, CatalogError> {
        let query = InventoryQuery { q: None, low_stock_only: true, pagination };
        Ok(inventory(&self.pool, Scope::Listed, &query).await?)
    }

    /// The `limit` lowest of [`Self::low_stock`], uncounted: for a glance
    /// that takes the count from [`Self::overview`].
    pub async fn lowest_stock(&self, limit: u32) -> Result<Vec<InventoryRow>, CatalogError> {
        let query =
            InventoryQuery { q: None, low_stock_only: true, pagination: Pagination { page: 1, per_page: limit } };
        Ok(inventory_rows(&self.pool, Scope::Listed, &query).await?)
    }

    /// One variant as the inventory shows it (archived products' too), for
    /// the heading of its ledger.
    pub async fn inventory_row(&self, variant_id: i64) -> Result<Option<InventoryRow>, sqlx::Error> {
        let row = sqlx::query_as!(
            InventoryRecord,
            r#"SELECT v.id AS variant_id, p.slug AS product_slug, p.name AS product_name, v.name AS variant_name,
                      v.sku, v.stock, v.low_stock_threshold, v.stock <= v.low_stock_threshold AS "is_low!"
               FROM variants v JOIN products p ON p.id = v.product_id
               WHERE v.id = $1"#,
            variant_id,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(InventoryRow::from))
    }

    /// A variant's stock changes, newest first; [`CatalogError::NotFound`]
    /// for an unknown variant.
    pub async fn ledger(&self, variant_id: i64, pagination: Pagination) -> Result<Page<LedgerEntry>, CatalogError> {
        let total = sqlx::query_scalar!(
            r#"SELECT (SELECT count(*) FROM inventory_ledger WHERE variant_id = $1) AS "total!"
               FROM variants WHERE id = $1"#,
            variant_id,
        );
        let rows = sqlx::query_as!(
            LedgerRow,
            r#"SELECT l.id, l.delta, l.reason, l.stock_after, l.created_at,
                      u.id AS "actor_id?", u.name AS "actor_name?", u.email AS "actor_email?"
               FROM inventory_ledger l LEFT JOIN users u ON u.id = l.actor_id
               WHERE l.variant_id = $1
               ORDER BY l.created_at DESC, l.id DESC
               LIMIT $2 OFFSET $3"#,
            variant_id,
            pagination.limit(),
            pagination.offset(),
        );
        let (total, rows) = tokio::try_join!(total.fetch_optional(&self.pool), rows.fetch_all(&self.pool))?;
        let total = total.ok_or(CatalogError::NotFound)?;
        Ok(Page::new(rows.into_iter().map(LedgerEntry::from).collect(), pagination, total))
    }
}
