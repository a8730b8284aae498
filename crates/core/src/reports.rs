//! Sales figures for staff: one [`SalesReport`] for a range of the store's
//! days (the reports page, the dashboard and `GET /api/v1/admin/stats` all
//! read it), and the orders of a range as CSV, streamed. Every figure is
//! summed in SQL per day over `orders_created_idx` (it carries each order's
//! status and total, so the scan reads no order row), in integer cents, and
//! the totals are the days added up; which orders count as revenue is
//! [`KEPT_STATUSES`], here only.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::{Stream, TryStreamExt};
use nexus_model::{
    FieldErrors,
    money::Cents,
    report::{DaySales, SalesReport, TopProduct, average_cents},
};
use serde::Serialize;
use sqlx::PgPool;

use crate::{Settings, catalog::export::Decimal};

/// Orders whose money the store keeps: everything paid and not given back.
const KEPT_STATUSES: &str = "('paid', 'shipped', 'delivered')";

/// The longest range a report covers: two years of days.
pub const MAX_RANGE_DAYS: i64 = 731;

/// How many days a report covers when no `from` is given.
pub const DEFAULT_RANGE_DAYS: i64 = 30;

/// Orders go to the CSV client in chunks of about this many bytes.
const CHUNK_BYTES: usize = 64 * 1024;

/// A range of the store's days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl ReportRange {
    /// Reads `from` and `to` as typed (`YYYY-MM-DD`, blank means unset): `to`
    /// defaults to `today`, `from` to the 30 days ending at `to`. Problems
    /// are named `from` and `to`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut date = |field: &str, text: Option<&str>| match text.map(str::trim).filter(|text| !text.is_empty()) {
            None => None,
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| errors.add(field, "must be a date written YYYY-MM-DD"))
                .ok(),
        };
        let (from_given, to_given) = (date("from", from), date("to", to));
        if !errors.is_empty() {
            return Err(errors);
        }
        let to = to_given.unwrap_or(today);
        let from = from_given.unwrap_or(to - chrono::Days::new(DEFAULT_RANGE_DAYS as u64 - 1));
        if to < from {
            errors.add("to", "must not be before `from`");
        } else if (to - from).num_days() >= MAX_RANGE_DAYS {
            errors.add("from", format!("must be at most {MAX_RANGE_DAYS} days before `to`"));
        }
        errors.into_result(Self { from, to })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("writing the export failed: {0}")]
    Write(#[from] csv::Error),
}

#[derive(Clone)]
pub struct ReportService {
    pool: PgPool,
    settings: Arc<Settings>,
}

/// One day of the range with what its orders came to, by fate: kept
/// (revenue), cancelled, refunded, and still pending payment. The report's
/// totals are these rows added up, so the days and the totals come from one
/// pass over the range's orders.
#[derive(sqlx::FromRow)]
struct DayRow {
    day: NaiveDate,
    orders: i64,
    revenue_cents: i64,
    cancelled_count: i64,
    cancelled_cents: i64,
    refunded_count: i64,
    refunded_cents: i64,
    pending_count: i64,
}

#[derive(sqlx::FromRow)]
struct RankedRow {
    /// In the top by revenue, else in the top by units.
    by_revenue: bool,
    product_slug: String,
    name: String,
    units: i64,
    revenue_cents: i64,
}

/// `o.created_at` within the range: $1 and $2 are the first and last day,
/// $3 the store's zone, so the planner scans `orders_created_idx`.
const IN_RANGE: &str = "o.created_at >= ($1::date::timestamp AT TIME ZONE $3)
    AND o.created_at < (($2::date + 1)::timestamp AT TIME ZONE $3)";

/// The same range for order lines (`order_items i`), whose `placed_at` is
/// their order's `created_at`, so the planner scans `order_items_placed_idx`.
const LINES_IN_RANGE: &str = "i.placed_at >= ($1::date::timestamp AT TIME ZONE $3)
    AND i.placed_at < (($2::date + 1)::timestamp AT TIME ZONE $3)";

impl ReportService {
    pub fn new(pool: PgPool, settings: Arc<Settings>) -> Self {
        Self { pool, settings }
    }

    /// Today in the store's time zone.
    pub async fn today(&self) -> Result<NaiveDate, ReportError> {
        Ok(sqlx::query_scalar("SELECT (now() AT TIME ZONE $1)::date")
            .bind(&self.settings.time_zone)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Every figure of the range, read from one snapshot of the orders.
    pub async fn sales(&self, range: ReportRange) -> Result<SalesReport, ReportError> {
        self.report(range, TopProducts::Ranked).await
    }

    /// The totals and the days of the range with both top-product lists
    /// left empty: ranking the products reads every line of the range, the
    /// larger half of the cost, and the dashboard shows none.
    pub async fn totals_by_day(&self, range: ReportRange) -> Result<SalesReport, ReportError> {
        self.report(range, TopProducts::Skipped).await
    }

    async fn report(&self, range: ReportRange, top_products: TopProducts) -> Result<SalesReport, ReportError> {
        let zone = self.settings.time_zone.as_str();
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        let days: Vec<DayRow> = sqlx::query_as(&format!(
            "WITH by_day AS (
                 SELECT (o.created_at AT TIME ZONE $3)::date AS day,
                        count(*) FILTER (WHERE o.status IN {KEPT_STATUSES}) AS orders,
                        sum(o.total_cents) FILTER (WHERE o.status IN {KEPT_STATUSES})::bigint AS revenue_cents,
                        count(*) FILTER (WHERE o.status = 'cancelled') AS cancelled_count,
                        sum(o.total_cents) FILTER (WHERE o.status = 'cancelled')::bigint AS cancelled_cents,
                        count(*) FILTER (WHERE o.status = 'refunded') AS refunded_count,
                        sum(o.total_cents) FILTER (WHERE o.status = 'refunded')::bigint AS refunded_cents,
                        count(*) FILTER (WHERE o.status = 'pending') AS pending_count
                 FROM orders o WHERE {IN_RANGE}
                 GROUP BY 1
             )
             SELECT d::date AS day, COALESCE(b.orders, 0) AS orders, COALESCE(b.revenue_cents, 0) AS revenue_cents,
                    COALESCE(b.cancelled_count, 0) AS cancelled_count,
                    COALESCE(b.cancelled_cents, 0) AS cancelled_cents,
                    COALESCE(b.refunded_count, 0) AS refunded_count,
                    COALESCE(b.refunded_cents, 0) AS refunded_cents,
                    COALESCE(b.pending_count, 0) AS pending_count
             FROM generate_series($1::date, $2::date, interval '1 day') AS d
             LEFT JOIN by_day b ON b.day = d::date
             ORDER BY 1"
        ))
        .bind(range.from)
        .bind(range.to)
        .bind(zone)
        .fetch_all(&mut *tx)
        .await?;
        // Both top lists from one pass over the range's lines, found by
        // their own `placed_at` (one index range) and joined by hash to the
        // range's kept orders; products are joined for their current names
        // on the twenty rows left.
        let ranked: Vec<RankedRow> = if top_products == TopProducts::Skipped {
            Vec::new()
        } else {
            sqlx::query_as(&format!(
                "WITH per_product AS MATERIALIZED (
                 SELECT i.product_slug, sum(i.quantity)::bigint AS units,
                        sum(i.line_total_cents)::bigint AS revenue_cents
                 FROM order_items i JOIN orders o ON o.id = i.order_id
                 WHERE {LINES_IN_RANGE} AND {IN_RANGE} AND o.status IN {KEPT_STATUSES}
                 GROUP BY i.product_slug
             ), ranked AS (
                 (SELECT true AS by_revenue, * FROM per_product ORDER BY revenue_cents DESC, product_slug LIMIT 10)
                 UNION ALL
                 (SELECT false AS by_revenue, * FROM per_product ORDER BY units DESC, product_slug LIMIT 10)
             )
             SELECT r.by_revenue, r.product_slug,
                    COALESCE(p.name, (SELECT name FROM order_items WHERE product_slug = r.product_slug LIMIT 1))
                        AS name,
                    r.units, r.revenue_cents
             FROM ranked r LEFT JOIN products p ON p.slug = r.product_slug
             ORDER BY r.by_revenue DESC,
                      CASE WHEN r.by_revenue THEN r.revenue_cents ELSE r.units END DESC, r.product_slug"
            ))
            .bind(range.from)
            .bind(range.to)
            .bind(zone)
            .fetch_all(&mut *tx)
            .await?
        };
        tx.commit().await?;
        let (by_revenue, by_units): (Vec<RankedRow>, Vec<RankedRow>) =
            ranked.into_iter().partition(|row| row.by_revenue);
        let total = |figure: fn(&DayRow) -> i64| days.iter().map(figure).sum::<i64>();
        let (orders_count, revenue_cents) = (total(|day| day.orders), total(|day| day.revenue_cents));
        Ok(SalesReport {
            from: range.from.to_string(),
            to: range.to.to_string(),
            time_zone: self.settings.time_zone.clone(),
            currency: self.settings.currency.clone(),
            orders_count,
            revenue_cents,
            average_order_cents: average_cents(revenue_cents, orders_count),
            cancelled_count: total(|day| day.cancelled_count),
            cancelled_cents: total(|day| day.cancelled_cents),
            refunded_count: total(|day| day.refunded_count),
            refunded_cents: total(|day| day.refunded_cents),
            pending_count: total(|day| day.pending_count),
            top_products: by_revenue.into_iter().map(TopProduct::from).collect(),
            top_products_by_units: by_units.into_iter().map(TopProduct::from).collect(),
            sales_by_day: days
                .into_iter()
                .map(|day| DaySales { date: day.day.to_string(), orders: day.orders, revenue_cents: day.revenue_cents })
                .collect(),
        })
    }

    /// Every order placed in the range (any status), oldest first, as CSV
    /// chunks that own what they need (for a web response body). The
    /// `in_revenue` column marks the orders the report's revenue sums, so a
    /// spreadsheet arrives at the same figures. Memory stays flat: rows go
    /// out as the query yields them, two chunks ahead of the client at most.
    pub fn orders_csv(&self, range: ReportRange) -> impl Stream<Item = Result<Vec<u8>, ReportError>> + Send + 'static {
        let (pool, zone) = (self.pool.clone(), self.settings.time_zone.clone());
        let (sender, receiver) = tokio::sync::mpsc::channel(2);
        tokio::spawn(async move {
            if let Err(error) = write_orders_csv(&pool, range, &zone, &sender).await {
                tracing::error!(%error, "order export failed");
                // Nobody left to tell when the reader is gone.
                let _ = sender.send(Err(error)).await;
            }
        });
        futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|chunk| (chunk, receiver))
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TopProducts {
    Ranked,
    Skipped,
}

impl From<RankedRow> for TopProduct {
    fn from(row: RankedRow) -> Self {
        Self { product_slug: row.product_slug, name: row.name, units: row.units, revenue_cents: row.revenue_cents }
    }
}

#[derive(sqlx::FromRow)]
struct CsvRow {
    number: String,
    placed_at: DateTime<Utc>,
    placed_local: String,
    status: String,
    customer_email: String,
    items: i64,
    subtotal_cents: i64,
    shipping_cents: i64,
    tax_cents: i64,
    total_cents: i64,
    currency: String,
    in_revenue: bool,
}

#[derive(Serialize)]
struct CsvLine<'a> {
    number: &'a str,
    placed_at_utc: String,
    placed_at_store_time: &'a str,
    status: &'a str,
    customer_email: &'a str,
    items: i64,
    subtotal: Decimal,
    shipping: Decimal,
    tax: Decimal,
    total: Decimal,
    currency: &'a str,
    in_revenue: bool,
}

async fn write_orders_csv(
    pool: &PgPool,
    range: ReportRange,
    zone: &str,
    sender: &tokio::sync::mpsc::Sender<Result<Vec<u8>, ReportError>>,
) -> Result<(), ReportError> {
    let mut conn = pool.acquire().await?;
    let sql = format!(
        "SELECT o.number, o.created_at AS placed_at,
                to_char(o.created_at AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI:SS') AS placed_local,
                o.status, u.email AS customer_email,
                (SELECT COALESCE(sum(quantity), 0)::bigint FROM order_items WHERE order_id = o.id) AS items,
                o.subtotal_cents, o.shipping_cents, o.tax_cents, o.total_cents, o.currency,
                o.status IN {KEPT_STATUSES} AS in_revenue
         FROM orders o JOIN users u ON u.id = o.user_id
         WHERE {IN_RANGE}
         ORDER BY o.created_at, o.id"
    );
    let mut rows = sqlx::query_as::<_, CsvRow>(&sql).bind(range.from).bind(range.to).bind(zone).fetch(&mut *conn);
    let new_writer = || csv::Writer::from_writer(Vec::with_capacity(CHUNK_BYTES + 4096));
    let mut csv = new_writer();
    let decimal = |cents: i64| Decimal(Cents(cents));
    let mut wrote_any = false;
    while let Some(row) = rows.try_next().await? {
        csv.serialize(CsvLine {
            number: &row.number,
            placed_at_utc: crate::db::timestamp(row.placed_at),
            placed_at_store_time: &row.placed_local,
            status: &row.status,
            customer_email: &row.customer_email,
            items: row.items,
            subtotal: decimal(row.subtotal_cents),
            shipping: decimal(row.shipping_cents),
            tax: decimal(row.tax_cents),
            total: decimal(row.total_cents),
            currency: &row.currency,
            in_revenue: row.in_revenue,
        })?;
        wrote_any = true;
        if csv.get_ref().len() >= CHUNK_BYTES {
            let full =
                std::mem::replace(&mut csv, csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new()));
            send(sender, full).await?;
        }
    }
    if !wrote_any {
        // An empty range still gets its header line.
        csv.write_record(CSV_COLUMNS)?;
    }
    send(sender, csv).await
}

/// The export's header, for a range without orders (serde writes it otherwise).
const CSV_COLUMNS: [&str; 12] = [
    "number",
    "placed_at_utc",
    "placed_at_store_time",
    "status",
    "customer_email",
    "items",
    "subtotal",
    "shipping",
    "tax",
    "total",
    "currency",
    "in_revenue",
];

async fn send(
    sender: &tokio::sync::mpsc::Sender<Result<Vec<u8>, ReportError>>,
    csv: csv::Writer<Vec<u8>>,
) -> Result<(), ReportError> {
    let bytes = csv.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    if bytes.is_empty() {
        return Ok(());
    }
    sender.send(Ok(bytes)).await.map_err(|_| {
        csv::Error::from(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the reader of the export went away"))
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_range_defaults_to_the_last_thirty_days() {
        let range = ReportRange::parse(None, Some(" "), day("2026-03-31")).unwrap();
        assert_eq!((range.from, range.to), (day("2026-03-02"), day("2026-03-31")));
        let range = ReportRange::parse(None, Some("2026-01-10"), day("2026-03-31")).unwrap();
        assert_eq!(range.from, day("2025-12-12"));
    }

    #[test]
    fn bad_ranges_name_their_parameter() {
        let today = day("2026-03-31");
        let errors = ReportRange::parse(Some("2026-02-30"), Some("tomorrow"), today).unwrap_err();
        assert!(errors.contains("from") && errors.contains("to"));
        assert!(ReportRange::parse(Some("2026-03-02"), Some("2026-03-01"), today).unwrap_err().contains("to"));
        assert!(ReportRange::parse(Some("2020-01-01"), Some("2026-03-01"), today).unwrap_err().contains("from"));
        assert!(ReportRange::parse(Some("2026-03-01"), Some("2026-03-01"), today).is_ok(), "one day");
    }
}
