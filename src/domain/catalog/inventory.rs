//! Stock changes. Every change goes through here and leaves a ledger row
//! with delta, resulting stock, reason and actor; stock never goes below
//! zero (a conditional update, so concurrent adjustments cannot race past it).

use sqlx::{PgConnection, PgPool};

use super::CatalogError;

pub const REASON_MAX: usize = 500;

/// Adds `delta` to a variant's stock and returns the new stock.
pub(super) async fn adjust(
    pool: &PgPool,
    variant_id: i64,
    delta: i32,
    reason: &str,
    actor: i64,
) -> Result<i32, CatalogError> {
    let reason = reason.trim();
    if delta == 0 {
        return Err(CatalogError::Invalid { field: "delta", message: "must not be zero".into() });
    }
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(CatalogError::Invalid {
            field: "reason",
            message: format!("must be 1 to {REASON_MAX} characters"),
        });
    }
    let mut tx = pool.begin().await?;
    let stock: Option<i32> = sqlx::query_scalar(
        "UPDATE variants SET stock = stock + $2, updated_at = now()
         WHERE id = $1 AND stock + $2 >= 0 RETURNING stock",
    )
    .bind(variant_id)
    .bind(delta)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(stock) = stock else {
        let current: Option<i32> = sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1")
            .bind(variant_id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match current {
            None => CatalogError::NotFound,
            Some(current) => {
                CatalogError::Conflict(format!("Stock is {current}; a change of {delta} would take it below zero."))
            }
        });
    };
    record(&mut tx, variant_id, delta, stock, reason, actor).await?;
    tx.commit().await?;
    Ok(stock)
}

/// Writes a ledger row; a zero delta (a variant created with no stock) is
/// not a change and leaves none.
pub(super) async fn record(
    conn: &mut PgConnection,
    variant_id: i64,
    delta: i32,
    stock_after: i32,
    reason: &str,
    actor: i64,
) -> Result<(), sqlx::Error> {
    if delta == 0 {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO inventory_ledger (variant_id, delta, stock_after, reason, actor_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(variant_id)
    .bind(delta)
    .bind(stock_after)
    .bind(reason)
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds `deltas[i]` to the stock of `variant_ids[i]` and writes a ledger row
/// for each, inside the caller's transaction. The rows are locked in id
/// order first: every multi-variant stock change (checkouts, cancellations)
/// takes its locks in that one order, so concurrent ones queue instead of
/// deadlocking. The callers make sure no stock goes below zero; the
/// column's CHECK would refuse it anyway.
pub(crate) async fn apply_deltas(
    conn: &mut PgConnection,
    variant_ids: &[i64],
    deltas: &[i32],
    reason: &str,
    actor: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT id FROM variants WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(variant_ids)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "WITH changed AS (
             UPDATE variants v SET stock = v.stock + d.delta, updated_at = now()
             FROM UNNEST($1::bigint[], $2::int[]) AS d(id, delta)
             WHERE v.id = d.id AND d.delta <> 0
             RETURNING v.id, d.delta, v.stock
         )
         INSERT INTO inventory_ledger (variant_id, delta, stock_after, reason, actor_id)
         SELECT id, delta, stock, $3, $4 FROM changed",
    )
    .bind(variant_ids)
    .bind(deltas)
    .bind(reason)
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}
