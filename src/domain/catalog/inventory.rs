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
