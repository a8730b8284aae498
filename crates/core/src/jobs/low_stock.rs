//! Low-stock alerts. Every statement that changes stock also reads which of
//! its ledger rows crossed the variant's threshold downwards (the SQL
//! function `low_stock_crossed`, the one definition) and enqueues one alert
//! job per crossing in its transaction. The alert jobs collect into one
//! digest e-mail to staff, sent at most once an hour.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{JobFailure, Jobs, Work, handlers::staff_recipients};
use crate::{Core, mail::templates};

/// The fewest minutes between two digests.
pub const DIGEST_EVERY: Duration = Duration::from_secs(3600);

/// Serialises the alert and digest jobs, so two of them never both plan a
/// digest (an arbitrary constant: "lowstock" in ASCII).
const DIGEST_LOCK_KEY: i64 = 0x6c_6f_77_73_74_6f_63_6b;

/// The crossings among ledger rows, from a relation `ledger` with the
/// ledger's columns (`id`, `variant_id`, `delta`, `stock_after`): the
/// inventory table itself, or the rows a statement just wrote.
pub(crate) const CROSSINGS: &str = "SELECT l.id AS ledger_id, l.variant_id, l.stock_after AS stock,
           v.low_stock_threshold AS threshold
    FROM ledger l JOIN variants v ON v.id = l.variant_id
    WHERE low_stock_crossed(l.stock_after, l.delta, v.low_stock_threshold)";

/// A variant's stock crossing its threshold downwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Alert {
    pub ledger_id: i64,
    pub variant_id: i64,
    pub stock: i32,
    pub threshold: i32,
}

/// Enqueues one alert job per crossing among the ledger rows `ledger_ids`,
/// in the caller's transaction.
pub(crate) async fn alert_crossings(
    conn: &mut PgConnection,
    jobs: &Jobs,
    ledger_ids: &[i64],
) -> Result<(), sqlx::Error> {
    if ledger_ids.is_empty() {
        return Ok(());
    }
    let alerts: Vec<Alert> =
        sqlx::query_as(&format!("WITH ledger AS (SELECT * FROM inventory_ledger WHERE id = ANY($1)) {CROSSINGS}"))
            .bind(ledger_ids)
            .fetch_all(&mut *conn)
            .await?;
    enqueue(conn, jobs, &alerts).await
}

/// Enqueues an alert job for each of `alerts`.
pub(crate) async fn enqueue(conn: &mut PgConnection, jobs: &Jobs, alerts: &[Alert]) -> Result<(), sqlx::Error> {
    let works: Vec<Work> = alerts
        .iter()
        .map(|alert| Work::LowStockAlert {
            ledger_id: alert.ledger_id,
            variant_id: alert.variant_id,
            stock: alert.stock,
            threshold: alert.threshold,
        })
        .collect();
    jobs.enqueue_all(conn, &works).await
}

/// The alert job: records the crossing (once, however often the job runs)
/// and plans a digest unless one is planned already: after the gathering
/// window ([`JobSettings::low_stock_gather`](crate::settings::JobSettings)),
/// or an hour after the last one was sent if that is later.
pub(super) async fn record_alert(core: &Core, conn: &mut PgConnection, alert: Alert) -> Result<(), JobFailure> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(DIGEST_LOCK_KEY).execute(&mut *conn).await?;
    let recorded = sqlx::query(
        "INSERT INTO low_stock_alerts (ledger_id, variant_id, stock, threshold) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ledger_id) DO NOTHING",
    )
    .bind(alert.ledger_id)
    .bind(alert.variant_id)
    .bind(alert.stock)
    .bind(alert.threshold)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if recorded == 0 {
        return Ok(());
    }
    let planned: Option<i64> =
        sqlx::query_scalar("SELECT id FROM low_stock_digests WHERE sent_at IS NULL").fetch_optional(&mut *conn).await?;
    if planned.is_some() {
        return Ok(());
    }
    let (digest_id, planned_for, now): (i64, DateTime<Utc>, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO low_stock_digests (planned_for)
         SELECT greatest(now() + make_interval(secs => $2), max(sent_at) + make_interval(secs => $1))
         FROM low_stock_digests
         RETURNING id, planned_for, now()",
    )
    .bind(DIGEST_EVERY.as_secs_f64())
    .bind(core.jobs.settings().low_stock_gather.as_secs_f64())
    .fetch_one(&mut *conn)
    .await?;
    let delay = (planned_for - now).to_std().unwrap_or_default();
    core.jobs.enqueue_after(conn, &Work::LowStockDigest { digest_id }, delay).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DigestRow {
    sku: String,
    product_name: String,
    variant_name: String,
    stock: i32,
    threshold: i32,
}

/// The digest job: one e-mail per staff member listing every variant that
/// crossed since the last digest and is still at or below its threshold.
pub(super) async fn send_digest(core: &Core, conn: &mut PgConnection, digest_id: i64) -> Result<(), JobFailure> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(DIGEST_LOCK_KEY).execute(&mut *conn).await?;
    let pending: Option<i64> =
        sqlx::query_scalar("SELECT id FROM low_stock_digests WHERE id = $1 AND sent_at IS NULL FOR UPDATE")
            .bind(digest_id)
            .fetch_optional(&mut *conn)
            .await?;
    if pending.is_none() {
        return Ok(());
    }
    let rows: Vec<DigestRow> = sqlx::query_as(
        "WITH taken AS (
             UPDATE low_stock_alerts SET digest_id = $1 WHERE digest_id IS NULL RETURNING variant_id
         )
         SELECT v.sku, p.name AS product_name, v.name AS variant_name, v.stock, v.low_stock_threshold AS threshold
         FROM variants v JOIN products p ON p.id = v.product_id
         WHERE v.id IN (SELECT variant_id FROM taken) AND v.stock <= v.low_stock_threshold
         ORDER BY v.stock, v.sku",
    )
    .bind(digest_id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("UPDATE low_stock_digests SET sent_at = now() WHERE id = $1")
        .bind(digest_id)
        .execute(&mut *conn)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let lines: Vec<templates::LowStockLine> = rows
        .into_iter()
        .map(|row| templates::LowStockLine {
            sku: row.sku,
            product_name: row.product_name,
            variant_name: row.variant_name,
            stock: row.stock,
            threshold: row.threshold,
        })
        .collect();
    let rendered = templates::low_stock_digest(&lines, &core.mail.link("/admin/inventory?low_stock=true"));
    for (user_id, email) in staff_recipients(conn).await? {
        core.mail.queue(conn, &format!("low-stock-digest:{digest_id}:{user_id}"), &email, &rendered).await?;
    }
    Ok(())
}
