//! Reading orders: one order in three indexed queries (the order, its
//! lines, its history), lists in one.

use chrono::{DateTime, SecondsFormat, Utc};
use nexus_model::{
    order::{Order, OrderLine, OrderStatus, OrderSummary, ShippingAddress, ShippingMethod, StatusChange},
    pagination::Pagination,
};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, types::Json};

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A status column's value. Its CHECK admits exactly the statuses
/// `OrderStatus` knows, so anything else is a broken database.
pub(super) fn status_of(text: &str) -> Result<OrderStatus, sqlx::Error> {
    text.parse().map_err(|_| sqlx::Error::Decode(format!("unknown order status `{text}`").into()))
}

fn shipping_method_of(text: &str) -> Result<ShippingMethod, sqlx::Error> {
    text.parse().map_err(|_| sqlx::Error::Decode(format!("unknown shipping method `{text}`").into()))
}

struct OrderRow {
    id: i64,
    number: String,
    status: String,
    currency: String,
    subtotal_cents: i64,
    shipping_cents: i64,
    tax_cents: i64,
    total_cents: i64,
    shipping_method: String,
    shipping_address: Json<ShippingAddress>,
    card_last4: Option<String>,
    created_at: DateTime<Utc>,
}

struct LineRow {
    variant_id: Option<i64>,
    product_slug: String,
    sku: String,
    name: String,
    unit_price_cents: i64,
    quantity: i32,
    line_total_cents: i64,
}

struct HistoryRow {
    status: String,
    at: DateTime<Utc>,
    note: Option<String>,
}

/// An order by number; with `owner`, only if it is theirs.
pub(super) async fn order(
    conn: &mut PgConnection,
    number: &str,
    owner: Option<i64>,
) -> Result<Option<Order>, sqlx::Error> {
    let row = sqlx::query_as!(
        OrderRow,
        r#"SELECT o.id, o.number, o.status, o.currency, o.subtotal_cents, o.shipping_cents, o.tax_cents,
                  o.total_cents, o.shipping_method,
                  o.shipping_address AS "shipping_address: Json<ShippingAddress>", o.created_at,
                  (SELECT card_last4 FROM payments WHERE order_id = o.id AND kind = 'charge' ORDER BY id LIMIT 1)
                      AS card_last4
           FROM orders o WHERE o.number = $1 AND ($2::bigint IS NULL OR o.user_id = $2)"#,
        number,
        owner,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let lines = sqlx::query_as!(
        LineRow,
        "SELECT variant_id, product_slug, sku, name, unit_price_cents, quantity, line_total_cents
         FROM order_items WHERE order_id = $1 ORDER BY id",
        row.id,
    )
    .fetch_all(&mut *conn)
    .await?;
    let history = sqlx::query_as!(
        HistoryRow,
        "SELECT status, at, note FROM order_status_history WHERE order_id = $1 ORDER BY id",
        row.id,
    )
    .fetch_all(&mut *conn)
    .await?;
    let status_history = history
        .into_iter()
        .map(|change| {
            Ok(StatusChange { status: status_of(&change.status)?, at: timestamp(change.at), note: change.note })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Some(Order {
        number: row.number,
        status: status_of(&row.status)?,
        items: lines
            .into_iter()
            .map(|line| OrderLine {
                variant_id: line.variant_id,
                product_slug: line.product_slug,
                sku: line.sku,
                name: line.name,
                unit_price_cents: line.unit_price_cents,
                quantity: line.quantity,
                line_total_cents: line.line_total_cents,
            })
            .collect(),
        subtotal_cents: row.subtotal_cents,
        shipping_cents: row.shipping_cents,
        tax_cents: row.tax_cents,
        total_cents: row.total_cents,
        currency: row.currency,
        shipping_method: shipping_method_of(&row.shipping_method)?,
        shipping_address: row.shipping_address.0,
        status_history,
        card_last4: row.card_last4,
        created_at: timestamp(row.created_at),
    }))
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    number: String,
    status: String,
    total_cents: i64,
    currency: String,
    item_count: i64,
    created_at: DateTime<Utc>,
    customer_email: String,
    total: i64,
}

/// A page of orders, newest first: one customer's (`owner`) or everyone's
/// (then with each customer's e-mail), optionally of one status. Filters
/// are added only when set, so each query shape gets its own index plan.
pub(super) async fn list(
    pool: &PgPool,
    owner: Option<i64>,
    status: Option<OrderStatus>,
    pagination: Pagination,
) -> Result<(Vec<OrderSummary>, i64), sqlx::Error> {
    let mut query = QueryBuilder::new(
        "SELECT o.number, o.status, o.total_cents, o.currency, o.created_at,
                (SELECT COALESCE(sum(quantity), 0)::bigint FROM order_items WHERE order_id = o.id) AS item_count,
                u.email AS customer_email, count(*) OVER () AS total
         FROM orders o JOIN users u ON u.id = o.user_id",
    );
    push_filters(&mut query, owner, status);
    query.push(" ORDER BY o.created_at DESC, o.id DESC LIMIT ").push_bind(pagination.limit());
    query.push(" OFFSET ").push_bind(pagination.offset());
    let rows: Vec<SummaryRow> = query.build_query_as().fetch_all(pool).await?;
    let total = match rows.first() {
        Some(row) => row.total,
        // Past the last page the window count is missing; count directly.
        None if pagination.page > 1 => {
            let mut count = QueryBuilder::new("SELECT count(*) FROM orders o");
            push_filters(&mut count, owner, status);
            count.build_query_scalar().fetch_one(pool).await?
        }
        None => 0,
    };
    let items = rows
        .into_iter()
        .map(|row| {
            Ok(OrderSummary {
                number: row.number,
                status: status_of(&row.status)?,
                total_cents: row.total_cents,
                currency: row.currency,
                item_count: row.item_count,
                created_at: timestamp(row.created_at),
                // A customer's own list needs no e-mail.
                customer_email: owner.is_none().then_some(row.customer_email),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((items, total))
}

fn push_filters(query: &mut QueryBuilder<'_, Postgres>, owner: Option<i64>, status: Option<OrderStatus>) {
    let mut glue = " WHERE ";
    if let Some(owner) = owner {
        query.push(glue).push("o.user_id = ").push_bind(owner);
        glue = " AND ";
    }
    if let Some(status) = status {
        query.push(glue).push("o.status = ").push_bind(status.as_str());
    }
}
