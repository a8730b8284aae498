//! Checkout: the cart becomes an order in one transaction. The steps, in
//! the order they happen:
//!
//! 1. every field is checked before anything is touched (all problems at once);
//! 2. the `Idempotency-Key`, if any, is claimed (a replay ends here);
//! 3. the cart row, then the variants (by id) are locked, so two checkouts of
//!    the last units queue on the same rows in the same order;
//! 4. missing stock ends it with a 409 naming the variants;
//! 5. the order, its lines, its history, the stock decrements and their
//!    ledger rows are written;
//! 6. the card is charged; a decline rolls everything back;
//! 7. the cart is emptied, the outbox gets `order.created`, the key its answer.

use crate::jobs::Jobs;
use chrono::{Datelike, Utc};
use nexus_model::{
    Cents, FieldErrors,
    order::{Order, OrderStatus, ShippingAddress, ShippingMethod, Totals},
};
use serde::Serialize;
use sqlx::PgConnection;

use super::{Actor, OrderError, OrderService, Shortage, idempotency, queries, status};
use crate::{
    accounts::{AccountError, AddressInput, ValidAddress, addresses},
    catalog::{StockChange, inventory},
    payments::{Card, CardInput, ChargeOutcome, ChargeRequest},
};

/// What the shopper submits; the API and the checkout page each build one.
#[derive(Clone, Debug, Default)]
pub struct CheckoutRequest {
    /// One of the caller's saved addresses...
    pub address_id: Option<i64>,
    /// ...or an address typed at checkout.
    pub shipping_address: Option<AddressInput>,
    /// `standard` or `express`.
    pub shipping_method: String,
    pub payment: CardInput,
}

/// The outcome of a successful checkout.
#[derive(Debug)]
pub struct Placed {
    pub order: Order,
    /// True when an earlier request with the same `Idempotency-Key` placed it.
    pub replayed: bool,
}

/// The request after its fields passed the checks.
struct Checked {
    destination: Destination,
    method: ShippingMethod,
    card: Card,
}

/// Where the order goes: one of the shopper's saved addresses, or one typed
/// at checkout (checked).
pub(super) enum Destination {
    Saved(i64),
    Typed(ValidAddress),
}

#[derive(sqlx::FromRow)]
pub(super) struct CartLineRow {
    pub(super) variant_id: i64,
    pub(super) quantity: i32,
    pub(super) stock: i32,
    on_sale: bool,
    pub(super) unit_price_cents: i64,
    pub(super) added_at_price_cents: i64,
    pub(super) sku: String,
    product_name: String,
    variant_name: String,
    pub(super) product_slug: String,
}

impl CartLineRow {
    pub(super) fn name(&self) -> String {
        crate::cart::line_name(&self.product_name, &self.variant_name)
    }

    /// What of this line cannot be sold now: nothing, or the shortage.
    pub(super) fn shortage(&self) -> Option<Shortage> {
        let available = if self.on_sale { self.stock } else { 0 };
        (self.quantity > available).then(|| Shortage {
            variant_id: self.variant_id,
            sku: self.sku.clone(),
            name: self.name(),
            requested: self.quantity,
            available,
        })
    }
}

/// Where and how fast, checked: what a checkout and a quote both need.
/// Every problem found is added to `errors`.
pub(super) fn check_delivery(
    address_id: Option<i64>,
    shipping_address: Option<AddressInput>,
    shipping_method: &str,
    errors: &mut FieldErrors,
) -> (Option<Destination>, Option<ShippingMethod>) {
    let method = shipping_method.trim().parse().map_err(|message| errors.add("shipping_method", message)).ok();
    let destination = match (address_id, shipping_address) {
        (Some(id), None) => Some(Destination::Saved(id)),
        (None, Some(typed)) => {
            typed.validate().map(Destination::Typed).map_err(|problems| errors.extend(problems)).ok()
        }
        (None, None) => {
            errors.add("shipping_address", "is required: send a shipping_address or an address_id");
            None
        }
        (Some(_), Some(_)) => {
            errors.add("address_id", "cannot be sent together with a shipping_address");
            None
        }
    };
    (destination, method)
}

impl CheckoutRequest {
    fn check(self) -> Result<Checked, OrderError> {
        let mut errors = FieldErrors::new();
        let card = self.payment.validate(Utc::now().date_naive()).map_err(|problems| errors.extend(problems)).ok();
        let (destination, method) =
            check_delivery(self.address_id, self.shipping_address, &self.shipping_method, &mut errors);
        match (destination, method, card) {
            (Some(destination), Some(method), Some(card)) if errors.is_empty() => {
                Ok(Checked { destination, method, card })
            }
            _ => Err(OrderError::Invalid(errors)),
        }
    }
}

impl Checked {
    /// What identifies the request for idempotency: everything but the
    /// full card number and CVC, which are never stored.
    fn canonical(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct Canonical<'a> {
            address_id: Option<i64>,
            shipping_address: Option<&'a ValidAddress>,
            shipping_method: &'a str,
            card_last4: &'a str,
            exp: (u32, i32),
        }
        let (address_id, shipping_address) = match &self.destination {
            Destination::Saved(id) => (Some(*id), None),
            Destination::Typed(address) => (None, Some(address)),
        };
        serde_json::to_value(Canonical {
            address_id,
            shipping_address,
            shipping_method: self.method.as_str(),
            card_last4: self.card.last4(),
            exp: (self.card.exp_month, self.card.exp_year),
        })
        .expect("strings and numbers always serialise")
    }
}

impl OrderService {
    /// Places an order for everything in the user's cart.
    pub async fn place_order(
        &self,
        user_id: i64,
        request: CheckoutRequest,
        idempotency_key: Option<&str>,
    ) -> Result<Placed, OrderError> {
        if let Some(key) = idempotency_key {
            idempotency::check_key(key)?;
        }
        let checked = request.check()?;
        let mut tx = self.pool.begin().await?;
        if let Some(key) = idempotency_key {
            let fingerprint = idempotency::fingerprint(&checked.canonical());
            if let idempotency::Claim::Replay(response) =
                idempotency::claim(&mut tx, user_id, key, &fingerprint).await?
            {
                tx.rollback().await?;
                let order = serde_json::from_value(response).map_err(|error| {
                    OrderError::Database(sqlx::Error::Decode(format!("stored order: {error}").into()))
                })?;
                return Ok(Placed { order, replayed: true });
            }
        }
        let address = shipping_address(&mut tx, user_id, checked.destination).await?;
        let lines = cart_lines(&mut tx, user_id, Reading::LockForCheckout).await?;
        let shortages: Vec<Shortage> = lines.iter().filter_map(CartLineRow::shortage).collect();
        if !shortages.is_empty() {
            return Err(OrderError::OutOfStock(shortages));
        }

        let totals = self.price(&lines, checked.method)?;
        let currency = &self.settings.currency;
        let number = next_order_number(&mut tx).await?;
        let order_id = sqlx::query_scalar!(
            "INSERT INTO orders (number, user_id, status, currency, subtotal_cents, shipping_cents, tax_cents,
                                 total_cents, shipping_method, shipping_address)
             VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            number,
            user_id,
            currency,
            totals.subtotal_cents,
            totals.shipping_cents,
            totals.tax_cents,
            totals.total_cents,
            checked.method.as_str(),
            sqlx::types::Json(&address) as _,
        )
        .fetch_one(&mut *tx)
        .await?;
        insert_lines(&mut tx, order_id, &lines).await?;
        status::record(&mut tx, order_id, OrderStatus::Pending, Actor::Customer(user_id), None).await?;
        let stock_change = take_stock(&mut tx, &self.jobs, &lines, &number, user_id).await?;

        let charge =
            ChargeRequest { amount_cents: totals.total_cents, currency, card: &checked.card, order_number: &number };
        let (payment_status, reference) = match self.payments.charge(&charge).await? {
            ChargeOutcome::Declined { reason } => {
                tx.rollback().await?;
                return Err(OrderError::Declined(reason));
            }
            ChargeOutcome::Captured { reference } => ("succeeded", reference),
            ChargeOutcome::RequiresConfirmation { reference } => ("pending", reference),
        };
        let payment = NewCharge {
            order_id,
            provider: self.payments.name(),
            status: payment_status,
            reference: &reference,
            card_last4: checked.card.last4(),
            amount_cents: totals.total_cents,
        };
        record_charge(&mut tx, &payment).await?;
        // Only money already taken makes the order paid; a charge the
        // provider confirms later leaves it pending (`confirm_payment`).
        let captured = payment_status == "succeeded";
        if captured {
            sqlx::query!("UPDATE orders SET status = 'paid' WHERE id = $1", order_id).execute(&mut *tx).await?;
            status::record(&mut tx, order_id, OrderStatus::Paid, Actor::System, None).await?;
        }

        sqlx::query!("DELETE FROM cart_items WHERE cart_id = (SELECT id FROM carts WHERE user_id = $1)", user_id)
            .execute(&mut *tx)
            .await?;
        let order = queries::order(&mut tx, &number, None, false).await?.ok_or(OrderError::NotFound)?;
        status::publish(
            &mut tx,
            &self.jobs,
            "order.created",
            serde_json::json!({
                "order_id": order_id, "number": number, "user_id": user_id,
                "status": order.status, "total_cents": order.total_cents, "currency": order.currency,
            }),
        )
        .await?;
        if let Some(key) = idempotency_key {
            let response = serde_json::to_value(&order).expect("an order always serialises");
            idempotency::remember(&mut tx, user_id, key, order_id, &response).await?;
        }
        if let Err(error) = tx.commit().await {
            // The card may have been charged for an order that does not
            // exist: give the money back before reporting the failure.
            if captured {
                let key = format!("checkout-refund-{number}");
                match self.payments.refund(&reference, totals.total_cents, &key).await {
                    Ok(_) => tracing::warn!(%number, %error, "checkout failed to commit; the charge was refunded"),
                    Err(refund_error) => {
                        tracing::error!(%number, %error, %refund_error, %reference, "checkout failed to commit and the refund failed")
                    }
                }
            }
            return Err(error.into());
        }
        self.catalog.stock_changed(&stock_change).await;
        tracing::info!(%number, user_id, total_cents = order.total_cents, status = %order.status, "order placed");
        Ok(Placed { order, replayed: false })
    }
}

impl OrderService {
    /// What `lines` cost shipped by `method`: the one pricing of checkout
    /// and its quote.
    pub(super) fn price(&self, lines: &[CartLineRow], method: ShippingMethod) -> Result<Totals, OrderError> {
        let too_large = || OrderError::invalid("cart", "adds up to more than the store can charge in one order");
        let line_totals: Option<Vec<i64>> =
            lines.iter().map(|line| Cents::line_total(line.unit_price_cents, line.quantity)).collect();
        let subtotal = line_totals.and_then(Cents::checked_sum).ok_or_else(too_large)?;
        self.settings.pricing.totals(subtotal, method).ok_or_else(too_large)
    }
}

pub(super) async fn shipping_address(
    conn: &mut PgConnection,
    user_id: i64,
    destination: Destination,
) -> Result<ShippingAddress, OrderError> {
    Ok(match destination {
        Destination::Typed(address) => address.into(),
        Destination::Saved(id) => match addresses::find(&mut *conn, user_id, id).await {
            Ok(saved) => saved.into(),
            Err(AccountError::Database(error)) => return Err(error.into()),
            Err(_) => return Err(OrderError::invalid("address_id", "is not one of your saved addresses")),
        },
    })
}

impl From<ValidAddress> for ShippingAddress {
    fn from(address: ValidAddress) -> Self {
        let ValidAddress { full_name, line1, line2, city, postal_code, country, phone } = address;
        Self { full_name, line1, line2, city, postal_code, country, phone }
    }
}

/// How checkout and its quote read the cart.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// Lock the cart, then its variants in id order, so two checkouts of
    /// the last units queue on the same rows in the same order.
    LockForCheckout,
    /// Only look: a quote changes nothing and must not hold up checkouts.
    Look,
}

/// The lines of the user's cart with current prices and stock, read as
/// `reading` says (one query text for both, so they cannot drift apart).
pub(super) async fn cart_lines(
    conn: &mut PgConnection,
    user_id: i64,
    reading: Reading,
) -> Result<Vec<CartLineRow>, OrderError> {
    const CART: &str = "SELECT id FROM carts WHERE user_id = $1";
    const LINES: &str = r#"SELECT v.id AS variant_id, i.quantity, v.stock,
              product_is_listed(p.is_active, p.archived_at) AS on_sale,
              COALESCE(v.price_cents, p.price_cents) AS unit_price_cents, i.added_at_price_cents, v.sku,
              p.name AS product_name, v.name AS variant_name, p.slug AS product_slug
       FROM cart_items i
       JOIN variants v ON v.id = i.variant_id
       JOIN products p ON p.id = v.product_id
       WHERE i.cart_id = $1
       ORDER BY v.id"#;
    let (cart, lines) = match reading {
        Reading::LockForCheckout => (format!("{CART} FOR UPDATE"), format!("{LINES} FOR UPDATE OF v")),
        Reading::Look => (CART.to_owned(), LINES.to_owned()),
    };
    let cart_id: Option<i64> = sqlx::query_scalar(&cart).bind(user_id).fetch_optional(&mut *conn).await?;
    let Some(cart_id) = cart_id else {
        return Err(OrderError::EmptyCart);
    };
    let lines: Vec<CartLineRow> = sqlx::query_as(&lines).bind(cart_id).fetch_all(&mut *conn).await?;
    if lines.is_empty() {
        return Err(OrderError::EmptyCart);
    }
    Ok(lines)
}

/// `NX-2026-000123`: the year of placing and a store-wide sequence number.
async fn next_order_number(conn: &mut PgConnection) -> Result<String, sqlx::Error> {
    let sequence = sqlx::query_scalar!(r#"SELECT nextval('order_number_seq') AS "sequence!""#).fetch_one(conn).await?;
    Ok(format!("NX-{}-{sequence:06}", Utc::now().year()))
}

async fn insert_lines(conn: &mut PgConnection, order_id: i64, lines: &[CartLineRow]) -> Result<(), sqlx::Error> {
    let column = |f: fn(&CartLineRow) -> i64| lines.iter().map(f).collect::<Vec<_>>();
    let names: Vec<String> = lines.iter().map(CartLineRow::name).collect();
    sqlx::query!(
        "INSERT INTO order_items (order_id, variant_id, product_slug, sku, name, unit_price_cents, quantity, line_total_cents)
         SELECT $1, l.variant_id, l.slug, l.sku, l.name, l.price, l.quantity, l.price * l.quantity
         FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[])
              AS l(variant_id, slug, sku, name, price, quantity)",
        order_id,
        &column(|line| line.variant_id),
        &lines.iter().map(|line| line.product_slug.clone()).collect::<Vec<_>>(),
        &lines.iter().map(|line| line.sku.clone()).collect::<Vec<_>>(),
        &names,
        &column(|line| line.unit_price_cents),
        &lines.iter().map(|line| line.quantity).collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Decrements the (already locked) variants and writes their ledger rows.
async fn take_stock(
    conn: &mut PgConnection,
    jobs: &Jobs,
    lines: &[CartLineRow],
    number: &str,
    user_id: i64,
) -> Result<StockChange, sqlx::Error> {
    let ids: Vec<i64> = lines.iter().map(|line| line.variant_id).collect();
    let deltas: Vec<i32> = lines.iter().map(|line| -line.quantity).collect();
    inventory::apply_deltas(conn, jobs, &ids, &deltas, &format!("order {number}"), Some(user_id)).await
}

struct NewCharge<'a> {
    order_id: i64,
    provider: &'a str,
    /// `succeeded` or `pending`.
    status: &'a str,
    reference: &'a str,
    card_last4: &'a str,
    amount_cents: i64,
}

async fn record_charge(conn: &mut PgConnection, charge: &NewCharge<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO payments (order_id, provider, kind, status, amount_cents, reference, card_last4)
         VALUES ($1, $2, 'charge', $3, $4, $5, $6)",
        charge.order_id,
        charge.provider,
        charge.status,
        charge.amount_cents,
        charge.reference,
        charge.card_last4,
    )
    .execute(conn)
    .await?;
    Ok(())
}
