//! Status changes after checkout, all through [`OrderService::change_status`]:
//! the transition table (`OrderStatus::can_become`), putting goods back in
//! stock, the refund's record, the history row and the outbox event happen
//! together in one transaction. The provider is asked for the refund only
//! after that commits, under an idempotency key, and asked again (same key)
//! until it answers: see [`OrderService::retry_pending_refunds`].

use crate::jobs::{Jobs, Work};
use nexus_model::order::{Order, OrderStatus, Tracking};
use sqlx::PgConnection;

use super::{Actor, OrderError, OrderService, queries};
use crate::catalog::{StockChange, inventory};

pub const MAX_NOTE_LEN: usize = 500;

struct Locked {
    id: i64,
    user_id: i64,
    status: String,
    total_cents: i64,
}

impl OrderService {
    /// The customer cancels their own order (while pending or paid); a paid
    /// order is refunded.
    pub async fn cancel(&self, user_id: i64, number: &str) -> Result<Order, OrderError> {
        self.change_status(number, OrderStatus::Cancelled, Actor::Customer(user_id), None, None).await
    }

    /// The provider confirmed a charge that was waiting (e.g. from a signed
    /// webhook): the order becomes paid. Confirming twice is harmless.
    pub async fn confirm_payment(&self, provider_reference: &str) -> Result<Order, OrderError> {
        let number = sqlx::query_scalar!(
            "UPDATE payments p SET status = 'succeeded' FROM orders o
             WHERE p.order_id = o.id AND p.kind = 'charge' AND p.reference = $1 AND p.status = 'pending'
             RETURNING o.number",
            provider_reference,
        )
        .fetch_optional(&self.pool)
        .await?;
        match number {
            Some(number) => self.change_status(&number, OrderStatus::Paid, Actor::System, None, None).await,
            None => {
                let number = sqlx::query_scalar!(
                    "SELECT o.number FROM payments p JOIN orders o ON o.id = p.order_id
                     WHERE p.kind = 'charge' AND p.reference = $1",
                    provider_reference,
                )
                .fetch_optional(&self.pool)
                .await?
                .ok_or(OrderError::NotFound)?;
                self.any_order(&number).await
            }
        }
    }

    /// Moves an order to `to` if the transition table allows it. A customer
    /// may only cancel their own order; staff and the store may make any
    /// allowed move. `tracking` (typically given with `shipped`) replaces
    /// the order's tracking; without it the order keeps what it had.
    pub async fn change_status(
        &self,
        number: &str,
        to: OrderStatus,
        actor: Actor,
        note: Option<&str>,
        tracking: Option<&Tracking>,
    ) -> Result<Order, OrderError> {
        let note = note.map(str::trim).filter(|note| !note.is_empty());
        if note.is_some_and(|note| note.chars().count() > MAX_NOTE_LEN) {
            return Err(OrderError::invalid("note", format!("must be at most {MAX_NOTE_LEN} characters")));
        }
        let mut tx = self.pool.begin().await?;
        let order = sqlx::query_as!(
            Locked,
            "SELECT id, user_id, status, total_cents FROM orders WHERE number = $1 FOR UPDATE",
            number,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(OrderError::NotFound)?;
        let from = queries::status_of(&order.status)?;
        if let Actor::Customer(user_id) = actor {
            if user_id != order.user_id {
                return Err(OrderError::NotFound);
            }
            if to != OrderStatus::Cancelled {
                return Err(OrderError::Transition { from, to });
            }
        }
        if !from.can_become(to) {
            return Err(OrderError::Transition { from, to });
        }

        let ends_order = matches!(to, OrderStatus::Cancelled | OrderStatus::Refunded);
        let restocked = if ends_order && from.holds_stock() {
            Some(restock(&mut tx, &self.jobs, order.id, &format!("order {number} {to}"), actor).await?)
        } else {
            None
        };
        let refund = if ends_order { record_refund(&mut tx, order.id, number, order.total_cents).await? } else { None };
        sqlx::query!(
            "UPDATE orders SET status = $2, updated_at = now(),
                    tracking_carrier = COALESCE($3, tracking_carrier),
                    tracking_number = COALESCE($4, tracking_number),
                    tracking_url = CASE WHEN $4::text IS NULL THEN tracking_url ELSE $5 END
             WHERE id = $1",
            order.id,
            to.as_str(),
            tracking.map(|t| t.carrier.as_str()),
            tracking.map(|t| t.number.as_str()),
            tracking.and_then(|t| t.url.as_deref()),
        )
        .execute(&mut *tx)
        .await?;
        record(&mut tx, order.id, to, actor, note).await?;
        publish(
            &mut tx,
            &self.jobs,
            "order.status_changed",
            serde_json::json!({
                "order_id": order.id, "number": number, "user_id": order.user_id,
                "from": from, "to": to, "actor_id": actor.user_id(), "tracking": tracking,
            }),
        )
        .await?;
        let changed = queries::order(&mut tx, number, None, false).await?.ok_or(OrderError::NotFound)?;
        tx.commit().await?;
        if let Some(change) = restocked {
            self.catalog.stock_changed(&change).await;
        }
        tracing::info!(%number, %from, %to, actor = ?actor, "order status changed");
        if let Some(payment_id) = refund
            && let Err(error) = self.settle_refund(payment_id).await
        {
            // The order is cancelled either way; the refund stays pending
            // and is asked again with the same key.
            tracing::warn!(%number, %error, "the refund is pending; it will be retried");
        }
        Ok(changed)
    }

    /// Asks the provider for every refund still pending (one that failed
    /// after its order was cancelled), each under its own idempotency key;
    /// run every minute by `jobs`. Returns how many were settled.
    pub async fn retry_pending_refunds(&self) -> Result<usize, OrderError> {
        let pending = sqlx::query_scalar!(
            "SELECT id FROM payments WHERE kind = 'refund' AND status = 'pending' ORDER BY id LIMIT 100"
        )
        .fetch_all(&self.pool)
        .await?;
        let mut settled = 0;
        for payment_id in pending {
            match self.settle_refund(payment_id).await {
                Ok(()) => settled += 1,
                Err(error) => tracing::warn!(payment_id, %error, "a pending refund failed again"),
            }
        }
        Ok(settled)
    }

    /// Asks the provider for one pending refund and records its answer.
    /// Two instances settling the same refund at once send the same key, so
    /// the provider refunds once.
    async fn settle_refund(&self, payment_id: i64) -> Result<(), OrderError> {
        let pending = sqlx::query!(
            r#"SELECT r.amount_cents, r.idempotency_key AS "idempotency_key!",
                      (SELECT c.reference FROM payments c
                       WHERE c.order_id = r.order_id AND c.kind = 'charge' ORDER BY c.id LIMIT 1) AS "charge_reference!"
               FROM payments r
               WHERE r.id = $1 AND r.kind = 'refund' AND r.status = 'pending' AND r.idempotency_key IS NOT NULL"#,
            payment_id,
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(pending) = pending else {
            return Ok(());
        };
        let reference =
            self.payments.refund(&pending.charge_reference, pending.amount_cents, &pending.idempotency_key).await?;
        sqlx::query!(
            "UPDATE payments SET status = 'succeeded', reference = $2 WHERE id = $1 AND status = 'pending'",
            payment_id,
            reference,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Records that the order's charge, if one was taken (or is waiting: then
/// the provider voids it), is to be refunded in full, and returns the
/// pending refund's id. Its idempotency key names the order, so an order
/// is refunded at most once; until the provider answers, the key stands in
/// for the provider's reference.
async fn record_refund(
    conn: &mut PgConnection,
    order_id: i64,
    number: &str,
    total_cents: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let key = format!("refund-{number}");
    sqlx::query_scalar!(
        "INSERT INTO payments (order_id, provider, kind, status, amount_cents, reference, idempotency_key)
         SELECT order_id, provider, 'refund', 'pending', $2, $3, $3
         FROM payments WHERE order_id = $1 AND kind = 'charge' ORDER BY id LIMIT 1
         RETURNING id",
        order_id,
        total_cents,
        key,
    )
    .fetch_optional(conn)
    .await
}

/// Puts an order's goods back in stock, with ledger rows.
async fn restock(
    conn: &mut PgConnection,
    jobs: &Jobs,
    order_id: i64,
    reason: &str,
    actor: Actor,
) -> Result<StockChange, sqlx::Error> {
    let lines = sqlx::query!(
        r#"SELECT variant_id AS "variant_id!", sum(quantity)::int AS "quantity!" FROM order_items
           WHERE order_id = $1 AND variant_id IS NOT NULL GROUP BY variant_id ORDER BY variant_id"#,
        order_id,
    )
    .fetch_all(&mut *conn)
    .await?;
    if lines.is_empty() {
        return Ok(StockChange::default());
    }
    let (ids, quantities): (Vec<i64>, Vec<i32>) =
        lines.into_iter().map(|line| (line.variant_id, line.quantity)).unzip();
    inventory::apply_deltas(conn, jobs, &ids, &quantities, reason, actor.user_id()).await
}

/// Appends to an order's status history.
pub(super) async fn record(
    conn: &mut PgConnection,
    order_id: i64,
    status: OrderStatus,
    actor: Actor,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO order_status_history (order_id, status, actor_id, note) VALUES ($1, $2, $3, $4)",
        order_id,
        status.as_str(),
        actor.user_id(),
        note,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes an event to the outbox and enqueues the job that acts on it,
/// both in the caller's transaction.
pub(super) async fn publish(
    conn: &mut PgConnection,
    jobs: &Jobs,
    topic: &str,
    payload: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let event_id: i64 = sqlx::query_scalar("INSERT INTO outbox_events (topic, payload) VALUES ($1, $2) RETURNING id")
        .bind(topic)
        .bind(payload)
        .fetch_one(&mut *conn)
        .await?;
    jobs.enqueue(conn, &Work::OrderEvent { event_id }).await
}
