//! Reading orders: one order in three indexed queries (the order, its
//! lines, its history), lists in one.

use chrono::{DateTime, Utc};
use nexus_model::{
    order::{
        Customer, Order, OrderLine, OrderStatus, OrderSummary, PaymentRecord, ShippingAddress, ShippingMethod,
        StaffOrder, StatusChange, Tracking,
    },
    pagination::Pagination,
};
use sqlx::{PgConnection, PgPool, QueryBuilder, types::Json};

use super::filter::OrderFilter;
use crate::db::timestamp;

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
    tracking_carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
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
    actor_name: Option<String>,
    actor_email: Option<String>,
}

/// An order by number; with `owner`, only if it is theirs. With
/// `name_actors` (staff reads) each history entry names who made it.
pub(super) async fn order(
    conn: &mut PgConnection,
    number: &str,
    owner: Option<i64>,
    name_actors: bool,
) -> Result<Option<Order>, sqlx::Error> {
    let row = sqlx::query_as!(
        OrderRow,
        r#"SELECT o.id, o.number, o.status, o.currency, o.subtotal_cents, o.shipping_cents, o.tax_cents,
                  o.total_cents, o.shipping_method,
                  o.shipping_address AS "shipping_address: Json<ShippingAddress>", o.created_at,
                  o.tracking_carrier, o.tracking_number, o.tracking_url,
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
        r#"SELECT h.status, h.at, h.note, u.name AS "actor_name?", u.email AS "actor_email?"
           FROM order_status_history h LEFT JOIN users u ON u.id = h.actor_id
           WHERE h.order_id = $1 ORDER BY h.id"#,
        row.id,
    )
    .fetch_all(&mut *conn)
    .await?;
    let status_history = history
        .into_iter()
        .map(|change| {
            let actor = name_actors.then(|| match (change.actor_name, change.actor_email) {
                (Some(name), Some(email)) => format!("{name} <{email}>"),
                _ => "the store".to_owned(),
            });
            Ok(StatusChange { status: status_of(&change.status)?, at: timestamp(change.at), note: change.note, actor })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let tracking = match (row.tracking_carrier, row.tracking_number) {
        (Some(carrier), Some(number)) => Some(Tracking { carrier, number, url: row.tracking_url }),
        _ => None,
    };
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
        tracking,
        created_at: timestamp(row.created_at),
    }))
}

struct CustomerRow {
    id: i64,
    email: String,
    name: String,
}

struct PaymentRow {
    kind: String,
    status: String,
    amount_cents: i64,
    provider: String,
    reference: String,
    card_last4: Option<String>,
    created_at: DateTime<Utc>,
}

/// An order with its customer and payments, for staff.
pub(super) async fn staff_order(conn: &mut PgConnection, number: &str) -> Result<Option<StaffOrder>, sqlx::Error> {
    let Some(order) = self::order(&mut *conn, number, None, true).await? else {
        return Ok(None);
    };
    let customer = sqlx::query_as!(
        CustomerRow,
        "SELECT u.id, u.email, u.name FROM orders o JOIN users u ON u.id = o.user_id WHERE o.number = $1",
        number,
    )
    .fetch_one(&mut *conn)
    .await?;
    let payments = sqlx::query_as!(
        PaymentRow,
        "SELECT p.kind, p.status, p.amount_cents, p.provider, p.reference, p.card_last4, p.created_at
         FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.number = $1 ORDER BY p.id",
        number,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(StaffOrder {
        order,
        customer: Customer { id: customer.id, email: customer.email, name: customer.name },
        payments: payments
            .into_iter()
            .map(|payment| PaymentRecord {
                kind: payment.kind,
                status: payment.status,
                amount_cents: payment.amount_cents,
                provider: payment.provider,
                reference: payment.reference,
                card_last4: payment.card_last4,
                created_at: timestamp(payment.created_at),
            })
            .collect(),
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
}

/// A page of orders matching `filter`, newest first, and how many match;
/// staff reads (no customer in the filter) carry each customer's e-mail.
/// Conditions are added only when set, so each query shape gets its own
/// index plan.
pub(super) async fn list(
    pool: &PgPool,
    filter: &OrderFilter,
    time_zone: &str,
    pagination: Pagination,
) -> Result<(Vec<OrderSummary>, i64), sqlx::Error> {
    let mut query = QueryBuilder::new(
        "SELECT o.number, o.status, o.total_cents, o.currency, o.created_at,
                (SELECT COALESCE(sum(quantity), 0)::bigint FROM order_items WHERE order_id = o.id) AS item_count,
                u.email AS customer_email
         FROM orders o JOIN users u ON u.id = o.user_id",
    );
    filter.push_where(&mut query, time_zone);
    query.push(" ORDER BY o.created_at DESC, o.id DESC LIMIT ").push_bind(pagination.limit());
    query.push(" OFFSET ").push_bind(pagination.offset());
    // Counted apart: a window count would make the page read every matching
    // order (62 ms for 25,000 paid orders against 7 ms for page + count).
    // Without a narrowing filter the kept counts answer at once (counting
    // 200,000 orders took 48 ms, on every dashboard view).
    let mut count = if filter.narrows() {
        let mut count = QueryBuilder::new("SELECT count(*) FROM orders o");
        filter.push_where(&mut count, time_zone);
        count
    } else {
        let mut count = QueryBuilder::new("SELECT COALESCE(sum(orders), 0)::bigint FROM order_status_counts");
        if let Some(status) = filter.status {
            count.push(" WHERE status = ").push_bind(status.as_str());
        }
        count
    };
    let (rows, total): (Vec<SummaryRow>, i64) =
        tokio::try_join!(query.build_query_as().fetch_all(pool), count.build_query_scalar().fetch_one(pool))?;
    let staff_read = filter.customer.is_none();
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
                customer_email: staff_read.then_some(row.customer_email),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((items, total))
}

/// How many orders matching `filter` are in each status, every status
/// listed (zero included), in the order of `OrderStatus::ALL`. Without a
/// narrowing filter the counts come from `order_status_counts`, which the
/// writing transactions keep exact; a range or a search counts its orders.
pub(super) async fn count_by_status(
    pool: &PgPool,
    filter: &OrderFilter,
    time_zone: &str,
) -> Result<Vec<(OrderStatus, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64)> = if filter.narrows() {
        let mut query = QueryBuilder::new("SELECT o.status, count(*) FROM orders o");
        filter.push_where(&mut query, time_zone);
        query.push(" GROUP BY o.status");
        query.build_query_as().fetch_all(pool).await?
    } else {
        sqlx::query_as("SELECT status, sum(orders)::bigint FROM order_status_counts GROUP BY status")
            .fetch_all(pool)
            .await?
    };
    Ok(OrderStatus::ALL
        .into_iter()
        .map(|status| {
            let count = rows.iter().find(|(name, _)| name == status.as_str()).map_or(0, |(_, count)| *count);
            (status, count)
        })
        .collect())
}
