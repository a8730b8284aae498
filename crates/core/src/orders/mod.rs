//! Orders: checkout turns a cart into an order, and every later change of
//! an order's status goes through [`OrderService::change_status`]. The rules
//! that matter for money and stock live here and nowhere else:
//!
//! - checkout locks the cart and the variants (in id order, so concurrent
//!   checkouts queue instead of deadlocking), takes the stock, charges the
//!   card and empties the cart in one transaction; a declined card rolls all
//!   of it back;
//! - an `Idempotency-Key` is claimed in that same transaction, so a
//!   duplicate request waits for the first and then replays its order;
//! - which status may follow which is `OrderStatus::can_become`; leaving a
//!   status that still holds the goods puts them back in stock, and leaving
//!   a paid one refunds the charge;
//! - each fact background jobs care about (an order placed, a status
//!   changed) is written to `outbox_events` in the transaction that made it
//!   true.

mod checkout;
mod filter;
mod idempotency;
mod queries;
mod quote;
mod status;

use std::sync::Arc;

use nexus_model::{FieldErrors, Pagination};
use sqlx::PgPool;

pub use self::{
    checkout::{CheckoutRequest, Placed},
    filter::{OrderFilter, Search},
    idempotency::delete_expired_keys,
    quote::QuoteRequest,
};
use crate::{Settings, catalog::CatalogService, jobs::Jobs, payments::PaymentProvider};
pub use nexus_model::order::{
    Order, OrderStatus, OrderSummary, Pricing, Quote, QuoteProblem, ShippingMethod, Shortage, StaffOrder, Tracking,
};

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// Problems by field, all at once.
    #[error("invalid fields: {0:?}")]
    Invalid(FieldErrors),
    #[error("the cart is empty")]
    EmptyCart,
    #[error("not enough stock")]
    OutOfStock(Vec<Shortage>),
    /// Nothing was charged; the reason is safe to show.
    #[error("payment declined: {0}")]
    Declined(String),
    #[error("the same Idempotency-Key was used with a different request")]
    KeyReused,
    #[error("a request with this Idempotency-Key is still being processed")]
    KeyInProgress,
    #[error("no such order")]
    NotFound,
    #[error("an order that is {from} cannot become {to}")]
    Transition { from: OrderStatus, to: OrderStatus },
    #[error(transparent)]
    Payment(#[from] crate::payments::ProviderError),
    #[error(transparent)]
    Database(sqlx::Error),
}

/// Text PostgreSQL cannot store is the client's mistake; see [`crate::db::is_unstorable_text`].
impl From<sqlx::Error> for OrderError {
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unstorable_text(&error) {
            Self::Invalid(crate::db::unstorable_text())
        } else {
            Self::Database(error)
        }
    }
}

impl OrderError {
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::one(field, message))
    }
}

/// Who changes an order: its customer, a staff member, or the store itself
/// (a payment confirmed by the provider).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Customer(i64),
    Staff(i64),
    System,
}

impl Actor {
    fn user_id(self) -> Option<i64> {
        match self {
            Self::Customer(id) | Self::Staff(id) => Some(id),
            Self::System => None,
        }
    }
}

/// An order with its customer, read in the caller's transaction (the order
/// e-mails' job).
pub(crate) async fn order_with_customer(
    conn: &mut sqlx::PgConnection,
    number: &str,
) -> Result<Option<StaffOrder>, sqlx::Error> {
    queries::staff_order(conn, number).await
}

#[derive(Clone)]
pub struct OrderService {
    pool: PgPool,
    catalog: CatalogService,
    payments: Arc<dyn PaymentProvider>,
    settings: Arc<Settings>,
    /// Order events and low-stock alerts become jobs in their transaction.
    jobs: Jobs,
}

impl OrderService {
    pub fn new(
        pool: PgPool,
        catalog: CatalogService,
        payments: Arc<dyn PaymentProvider>,
        settings: Arc<Settings>,
        jobs: Jobs,
    ) -> Self {
        Self { pool, catalog, payments, settings, jobs }
    }

    /// The store's shipping prices and tax rate.
    pub fn pricing(&self) -> Pricing {
        self.settings.pricing
    }

    /// One of the customer's orders; someone else's is `NotFound`.
    pub async fn customer_order(&self, user_id: i64, number: &str) -> Result<Order, OrderError> {
        let mut conn = self.pool.acquire().await?;
        queries::order(&mut conn, number, Some(user_id), false).await?.ok_or(OrderError::NotFound)
    }

    /// Any order, for staff.
    pub async fn any_order(&self, number: &str) -> Result<Order, OrderError> {
        let mut conn = self.pool.acquire().await?;
        queries::order(&mut conn, number, None, false).await?.ok_or(OrderError::NotFound)
    }

    /// Any order with its customer and payments, for staff.
    pub async fn staff_order(&self, number: &str) -> Result<StaffOrder, OrderError> {
        let mut conn = self.pool.acquire().await?;
        queries::staff_order(&mut conn, number).await?.ok_or(OrderError::NotFound)
    }

    /// The customer's orders, newest first, and how many there are.
    pub async fn customer_orders(
        &self,
        user_id: i64,
        pagination: Pagination,
    ) -> Result<(Vec<OrderSummary>, i64), OrderError> {
        let filter = OrderFilter::of_customer(user_id);
        Ok(queries::list(&self.pool, &filter, &self.settings.time_zone, pagination).await?)
    }

    /// Every customer's orders matching `filter`, newest first, and how many
    /// match.
    pub async fn all_orders(
        &self,
        filter: &OrderFilter,
        pagination: Pagination,
    ) -> Result<(Vec<OrderSummary>, i64), OrderError> {
        Ok(queries::list(&self.pool, filter, &self.settings.time_zone, pagination).await?)
    }

    /// How many orders matching `filter` (whatever its status) are in each
    /// status.
    pub async fn count_by_status(&self, filter: &OrderFilter) -> Result<Vec<(OrderStatus, i64)>, OrderError> {
        Ok(queries::count_by_status(&self.pool, &filter.any_status(), &self.settings.time_zone).await?)
    }
}
