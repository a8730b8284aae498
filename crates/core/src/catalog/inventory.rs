//! Stock changes. Every change goes through here and leaves a ledger row
//! with delta, resulting stock, reason and actor; stock never goes below
//! zero (a conditional update, so concurrent adjustments cannot race past it).
//! Each change also says what it made stale in the cache (a [`StockChange`]),
//! which the caller hands to `CatalogService::stock_changed` after commit.

use sqlx::{PgConnection, PgPool};

use super::{CatalogError, audit};
use crate::{
    accounts::audit::CatalogChange,
    jobs::{
        Jobs,
        low_stock::{self, Alert, CROSSINGS},
    },
};

pub const REASON_MAX: usize = 500;

/// The most units one variant can hold. Far above any real stock, and far
/// enough below `i32::MAX` that a change within it cannot overflow the
/// column (an overflow was a database error, answered 500).
pub const MAX_STOCK: i32 = 1_000_000_000;

/// What a committed stock change touched: the products whose variants
/// moved, and whether any of them went in or out of stock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockChange {
    pub product_slugs: Vec<String>,
    pub availability_changed: bool,
}

/// Each touched product's slug and whether it is in stock, read before and
/// after a change inside its transaction.
struct Availability(Vec<(String, bool)>);

impl Availability {
    async fn of(conn: &mut PgConnection, variant_ids: &[i64]) -> Result<Self, sqlx::Error> {
        let rows = sqlx::query!(
            "SELECT DISTINCT p.slug, p.in_stock FROM variants v JOIN products p ON p.id = v.product_id
             WHERE v.id = ANY($1) ORDER BY p.slug",
            variant_ids,
        )
        .fetch_all(conn)
        .await?;
        Ok(Self(rows.into_iter().map(|row| (row.slug, row.in_stock)).collect()))
    }

    fn change_to(self, after: Availability) -> StockChange {
        let availability_changed = self.0 != after.0;
        StockChange { product_slugs: after.0.into_iter().map(|(slug, _)| slug).collect(), availability_changed }
    }
}

/// Adds `delta` to a variant's stock for a staff member, who is audited;
/// returns the new stock and the change.
pub(super) async fn adjust(
    pool: &PgPool,
    jobs: &Jobs,
    variant_id: i64,
    delta: i32,
    reason: &str,
    actor: i64,
) -> Result<(i32, StockChange), CatalogError> {
    let reason = reason.trim();
    if delta == 0 {
        return Err(CatalogError::invalid("delta", "must not be zero"));
    }
    if delta.unsigned_abs() > MAX_STOCK.unsigned_abs() {
        return Err(CatalogError::invalid("delta", format!("must be between -{MAX_STOCK} and {MAX_STOCK}")));
    }
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(CatalogError::invalid("reason", format!("must be 1 to {REASON_MAX} characters")));
    }
    let mut tx = pool.begin().await?;
    let before = Availability::of(&mut tx, &[variant_id]).await?;
    let updated = sqlx::query!(
        "UPDATE variants SET stock = stock + $2, updated_at = now()
         WHERE id = $1 AND stock::bigint + $2 BETWEEN 0 AND $3 RETURNING stock, sku",
        variant_id,
        i64::from(delta),
        i64::from(MAX_STOCK),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(updated) = updated else {
        let current = sqlx::query_scalar!("SELECT stock FROM variants WHERE id = $1", variant_id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match current {
            None => CatalogError::NotFound,
            Some(current) if delta > 0 => CatalogError::invalid(
                "delta",
                format!("would take the stock of {current} above the most a variant can hold, {MAX_STOCK}"),
            ),
            Some(current) => {
                CatalogError::Conflict(format!("Stock is {current}; a change of {delta} would take it below zero."))
            }
        });
    };
    let stock = updated.stock;
    let ledger_id = record(&mut tx, variant_id, delta, stock, reason, actor).await?;
    low_stock::alert_crossings(&mut tx, jobs, &ledger_id.into_iter().collect::<Vec<_>>()).await?;
    let audited = CatalogChange::StockAdjusted { variant_id, sku: &updated.sku, delta, stock_after: stock, reason };
    audit(&mut tx, actor, audited).await?;
    let change = before.change_to(Availability::of(&mut tx, &[variant_id]).await?);
    tx.commit().await?;
    Ok((stock, change))
}

/// Writes a ledger row and returns its id; a zero delta (a variant created
/// with no stock) is not a change and leaves none.
pub(super) async fn record(
    conn: &mut PgConnection,
    variant_id: i64,
    delta: i32,
    stock_after: i32,
    reason: &str,
    actor: i64,
) -> Result<Option<i64>, sqlx::Error> {
    if delta == 0 {
        return Ok(None);
    }
    let id = sqlx::query_scalar(
        "INSERT INTO inventory_ledger (variant_id, delta, stock_after, reason, actor_id) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(variant_id)
    .bind(delta)
    .bind(stock_after)
    .bind(reason)
    .bind(actor)
    .fetch_one(conn)
    .await?;
    Ok(Some(id))
}

/// Adds `deltas[i]` to the stock of `variant_ids[i]` and writes a ledger row
/// for each, inside the caller's transaction. The rows are locked in id
/// order first: every multi-variant stock change (checkouts, cancellations)
/// takes its locks in that one order, so concurrent ones queue instead of
/// deadlocking. The callers make sure no stock goes below zero; the
/// column's CHECK would refuse it anyway. Variants that fell to their
/// low-stock threshold get their alert jobs.
pub(crate) async fn apply_deltas(
    conn: &mut PgConnection,
    jobs: &Jobs,
    variant_ids: &[i64],
    deltas: &[i32],
    reason: &str,
    actor: Option<i64>,
) -> Result<StockChange, sqlx::Error> {
    sqlx::query!("SELECT id FROM variants WHERE id = ANY($1) ORDER BY id FOR UPDATE", variant_ids)
        .fetch_all(&mut *conn)
        .await?;
    let before = Availability::of(&mut *conn, variant_ids).await?;
    let alerts: Vec<Alert> = sqlx::query_as(&format!(
        "WITH changed AS (
             UPDATE variants v SET stock = v.stock + d.delta, updated_at = now()
             FROM UNNEST($1::bigint[], $2::int[]) AS d(id, delta)
             WHERE v.id = d.id AND d.delta <> 0
             RETURNING v.id, d.delta, v.stock
         ), ledger AS (
             INSERT INTO inventory_ledger (variant_id, delta, stock_after, reason, actor_id)
             SELECT id, delta, stock, $3, $4 FROM changed
             RETURNING id, variant_id, delta, stock_after
         ) {CROSSINGS}"
    ))
    .bind(variant_ids)
    .bind(deltas)
    .bind(reason)
    .bind(actor)
    .fetch_all(&mut *conn)
    .await?;
    low_stock::enqueue(&mut *conn, jobs, &alerts).await?;
    Ok(before.change_to(Availability::of(conn, variant_ids).await?))
}
