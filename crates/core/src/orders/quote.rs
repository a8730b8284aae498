//! The checkout quote: what placing an order for the cart would cost now,
//! and what would stop it. It checks the same fields as checkout, reads the
//! same cart lines (without locking them) and prices them with the same
//! function, so a quote equals the totals of the order placed right after
//! it. It changes nothing.

use nexus_model::{
    Cents, FieldErrors,
    order::{OrderLine, Quote, QuoteProblem},
};

use super::{
    OrderError, OrderService,
    checkout::{self, CartLineRow, Reading},
};
use crate::accounts::AddressInput;

/// A checkout without the card.
#[derive(Clone, Debug, Default)]
pub struct QuoteRequest {
    pub address_id: Option<i64>,
    pub shipping_address: Option<AddressInput>,
    /// `standard` or `express`.
    pub shipping_method: String,
}

impl OrderService {
    pub async fn quote(&self, user_id: i64, request: QuoteRequest) -> Result<Quote, OrderError> {
        let mut errors = FieldErrors::new();
        let (destination, method) = checkout::check_delivery(
            request.address_id,
            request.shipping_address,
            &request.shipping_method,
            &mut errors,
        );
        let (Some(destination), Some(method)) = (destination, method) else {
            return Err(OrderError::Invalid(errors));
        };
        let mut conn = self.pool.acquire().await?;
        // A saved address that is not the caller's is refused here as at checkout.
        checkout::shipping_address(&mut conn, user_id, destination).await?;
        let lines = checkout::cart_lines(&mut conn, user_id, Reading::Look).await?;
        let totals = self.price(&lines, method)?;
        Ok(Quote {
            problems: lines.iter().flat_map(problems_of).collect(),
            lines: lines.iter().map(order_line).collect(),
            subtotal_cents: totals.subtotal_cents,
            shipping_cents: totals.shipping_cents,
            tax_cents: totals.tax_cents,
            total_cents: totals.total_cents,
            currency: self.settings.currency.clone(),
            shipping_method: method,
        })
    }
}

fn order_line(line: &CartLineRow) -> OrderLine {
    OrderLine {
        variant_id: Some(line.variant_id),
        product_slug: line.product_slug.clone(),
        sku: line.sku.clone(),
        name: line.name(),
        unit_price_cents: line.unit_price_cents,
        quantity: line.quantity,
        line_total_cents: Cents::line_total(line.unit_price_cents, line.quantity)
            .expect("`price` has checked that every line total fits"),
    }
}

fn problems_of(line: &CartLineRow) -> impl Iterator<Item = QuoteProblem> {
    let short = line.shortage().map(|shortage| QuoteProblem::OutOfStock {
        variant_id: shortage.variant_id,
        sku: shortage.sku,
        name: shortage.name,
        requested: shortage.requested,
        available: shortage.available,
    });
    let repriced = (line.unit_price_cents != line.added_at_price_cents).then(|| QuoteProblem::PriceChanged {
        variant_id: line.variant_id,
        sku: line.sku.clone(),
        name: line.name(),
        added_at_cents: line.added_at_price_cents,
        now_cents: line.unit_price_cents,
    });
    short.into_iter().chain(repriced)
}
