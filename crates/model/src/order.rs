//! Orders as customers, staff and API clients see them, and the one table
//! of which status may follow which. Shared by the server and the browser
//! build, so a page offers exactly the moves the server will accept.

use serde::{Deserialize, Serialize};

use crate::{FieldErrors, money::Cents};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Awaiting payment",
            Self::Paid => "Paid",
            Self::Shipped => "Shipped",
            Self::Delivered => "Delivered",
            Self::Cancelled => "Cancelled",
            Self::Refunded => "Refunded",
        }
    }

    /// The order's life: pending → paid → shipped → delivered, with
    /// cancellation before shipping and refunds after payment. Every other
    /// move is refused.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Paid)
                | (Pending, Cancelled)
                | (Paid, Shipped)
                | (Paid, Cancelled)
                | (Paid, Refunded)
                | (Shipped, Delivered)
                | (Shipped, Refunded)
                | (Delivered, Refunded)
        )
    }

    /// Customers may cancel until the parcel leaves.
    pub fn customer_can_cancel(self) -> bool {
        self.can_become(OrderStatus::Cancelled)
    }

    /// Whether the goods are still in the warehouse, so leaving this status
    /// for `cancelled` or `refunded` puts them back in stock.
    pub fn holds_stock(self) -> bool {
        matches!(self, Self::Pending | Self::Paid)
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OrderStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| "must be one of pending, paid, shipped, delivered, cancelled, refunded".to_owned())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ShippingMethod {
    Standard,
    Express,
}

impl ShippingMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Express => "express",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Standard => "Standard (3–5 business days)",
            Self::Express => "Express (1–2 business days)",
        }
    }
}

impl std::str::FromStr for ShippingMethod {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "standard" => Ok(Self::Standard),
            "express" => Ok(Self::Express),
            _ => Err("must be `standard` or `express`".to_owned()),
        }
    }
}

/// Where the order goes: a copy of the address at checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShippingAddress {
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub phone: Option<String>,
}

impl From<crate::account::Address> for ShippingAddress {
    fn from(saved: crate::account::Address) -> Self {
        let crate::account::Address { id: _, full_name, line1, line2, city, postal_code, country, phone } = saved;
        Self { full_name, line1, line2, city, postal_code, country, phone }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// `null` once the variant has been deleted from the catalog.
    pub variant_id: Option<i64>,
    pub product_slug: String,
    pub sku: String,
    pub name: String,
    pub unit_price_cents: i64,
    pub quantity: i32,
    pub line_total_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub status: OrderStatus,
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    /// Who made the change (`name <e-mail>`, or `the store` for automatic
    /// changes); in staff reads only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub actor: Option<String>,
}

pub const MAX_CARRIER_CHARS: usize = 60;
pub const MAX_TRACKING_NUMBER_CHARS: usize = 100;
pub const MAX_TRACKING_URL_CHARS: usize = 500;

/// Where a shipped parcel is: set by staff when they ship, shown to the
/// shopper on their order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tracking {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 60))]
    pub carrier: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub number: String,
    /// The carrier's tracking page, `http://` or `https://`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub url: Option<String>,
}

impl Tracking {
    /// Tracking as typed, trimmed and checked; problems are named `carrier`,
    /// `number` and `url`. A carrier without a number (or the reverse) is
    /// refused; all three empty is no tracking.
    pub fn check(carrier: &str, number: &str, url: &str) -> Result<Option<Tracking>, FieldErrors> {
        let (carrier, number, url) = (carrier.trim(), number.trim(), url.trim());
        if carrier.is_empty() && number.is_empty() && url.is_empty() {
            return Ok(None);
        }
        let mut errors = FieldErrors::new();
        for (field, text, max) in
            [("carrier", carrier, MAX_CARRIER_CHARS), ("number", number, MAX_TRACKING_NUMBER_CHARS)]
        {
            if text.is_empty() {
                errors.add(field, "is required with tracking");
            } else if text.chars().count() > max {
                errors.add(field, format!("must be at most {max} characters"));
            }
        }
        if !url.is_empty() {
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) {
                errors.add("url", "must be a web address starting with https://");
            } else if url.chars().count() > MAX_TRACKING_URL_CHARS {
                errors.add("url", format!("must be at most {MAX_TRACKING_URL_CHARS} characters"));
            }
        }
        errors.into_result(Some(Tracking {
            carrier: carrier.to_owned(),
            number: number.to_owned(),
            url: (!url.is_empty()).then(|| url.to_owned()),
        }))
    }
}

/// One order with everything a receipt shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub number: String,
    pub status: OrderStatus,
    pub items: Vec<OrderLine>,
    pub subtotal_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    pub shipping_method: ShippingMethod,
    pub shipping_address: ShippingAddress,
    pub status_history: Vec<StatusChange>,
    /// The last four digits of the card charged, if any.
    pub card_last4: Option<String>,
    /// `null` until the order is shipped with tracking.
    pub tracking: Option<Tracking>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// An order as staff read it: the customer's order plus who bought it and
/// every payment (the charge, and a refund once there is one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffOrder {
    #[serde(flatten)]
    pub order: Order,
    pub customer: Customer,
    pub payments: Vec<PaymentRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: i64,
    pub email: String,
    pub name: String,
}

/// A charge or a refund of an order, as the payment provider knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentRecord {
    /// `charge` or `refund`.
    pub kind: String,
    /// `pending` until the provider confirms, then `succeeded`.
    pub status: String,
    pub amount_cents: i64,
    pub provider: String,
    /// The provider's reference of the charge or refund.
    pub reference: String,
    pub card_last4: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A row of an order list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderSummary {
    pub number: String,
    pub status: OrderStatus,
    pub total_cents: i64,
    pub currency: String,
    /// Total units.
    pub item_count: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The customer's e-mail; in staff lists only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_email: Option<String>,
}

/// A variant a checkout asks more of than there is: carried by the 409 of
/// `POST /api/v1/orders` and named in the checkout page's message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shortage {
    pub variant_id: i64,
    pub sku: String,
    pub name: String,
    pub requested: i32,
    pub available: i32,
}

/// What checking out the cart would cost now — from the same pricing as
/// the order itself — and what would stop it (`POST /api/v1/checkout/quote`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub lines: Vec<OrderLine>,
    pub subtotal_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    pub shipping_method: ShippingMethod,
    /// Empty when the order can be placed as quoted.
    pub problems: Vec<QuoteProblem>,
}

/// A cart line the shopper should know about before paying.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuoteProblem {
    /// Fewer units are on sale than the line asks for: placing the order
    /// would be refused with a 409.
    OutOfStock { variant_id: i64, sku: String, name: String, requested: i32, available: i32 },
    /// The price moved since the line was added; the quote (and the
    /// order) use the current one.
    PriceChanged { variant_id: i64, sku: String, name: String, added_at_cents: i64, now_cents: i64 },
}

/// What an order will cost, before it is placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
}

/// The store's shipping prices and tax rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    pub standard_shipping_cents: i64,
    pub express_shipping_cents: i64,
    /// Standard shipping is free from this subtotal on.
    pub free_shipping_from_cents: i64,
    /// Tax in hundredths of a percent of the subtotal: 825 is 8.25 %.
    pub tax_rate_basis_points: i64,
}

impl Default for Pricing {
    fn default() -> Self {
        Self {
            standard_shipping_cents: 499,
            express_shipping_cents: 1499,
            free_shipping_from_cents: 5000,
            tax_rate_basis_points: 800,
        }
    }
}

impl Pricing {
    pub fn shipping_cents(&self, subtotal_cents: i64, method: ShippingMethod) -> i64 {
        match method {
            ShippingMethod::Standard if subtotal_cents >= self.free_shipping_from_cents => 0,
            ShippingMethod::Standard => self.standard_shipping_cents,
            ShippingMethod::Express => self.express_shipping_cents,
        }
    }

    /// Tax on the goods (not on shipping), rounded half up to the cent.
    /// `None` if the tax does not fit in 64-bit cents.
    pub fn tax_cents(&self, subtotal_cents: i64) -> Option<i64> {
        let exact = i128::from(subtotal_cents) * i128::from(self.tax_rate_basis_points);
        i64::try_from((exact + 5_000) / 10_000).ok()
    }

    /// `None` if any sum overflows 64-bit cents: such an order cannot be
    /// placed (prices and quantities have ceilings, so only a corrupted
    /// cart could get here).
    pub fn totals(&self, subtotal_cents: i64, method: ShippingMethod) -> Option<Totals> {
        let shipping_cents = self.shipping_cents(subtotal_cents, method);
        let tax_cents = self.tax_cents(subtotal_cents)?;
        let total_cents = Cents::checked_sum([subtotal_cents, shipping_cents, tax_cents])?;
        Some(Totals { subtotal_cents, shipping_cents, tax_cents, total_cents })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_standard_shipping_starts_exactly_at_the_threshold() {
        let pricing = Pricing::default();
        assert_eq!(pricing.shipping_cents(4999, ShippingMethod::Standard), 499);
        assert_eq!(pricing.shipping_cents(5000, ShippingMethod::Standard), 0);
        assert_eq!(pricing.shipping_cents(5000, ShippingMethod::Express), 1499, "express is never free");
        assert_eq!(pricing.shipping_cents(0, ShippingMethod::Standard), 499);
    }

    #[test]
    fn tax_rounds_half_up_to_the_cent() {
        let pricing = Pricing { tax_rate_basis_points: 825, ..Pricing::default() };
        assert_eq!(pricing.tax_cents(1000), Some(83), "82.5 rounds up");
        assert_eq!(pricing.tax_cents(999), Some(82), "82.4175 rounds down");
        assert_eq!(pricing.tax_cents(0), Some(0));
        assert_eq!(pricing.tax_cents(1), Some(0));
        assert_eq!(pricing.tax_cents(7), Some(1), "0.5775 rounds up");
        let untaxed = Pricing { tax_rate_basis_points: 0, ..Pricing::default() };
        assert_eq!(untaxed.tax_cents(123_456), Some(0));
        // No overflow on absurd subtotals.
        assert_eq!(Pricing { tax_rate_basis_points: 10_000, ..pricing }.tax_cents(i64::MAX / 2), Some(i64::MAX / 2));
    }

    #[test]
    fn totals_add_up() {
        let totals = Pricing::default().totals(4999, ShippingMethod::Standard);
        assert_eq!(
            totals,
            Some(Totals { subtotal_cents: 4999, shipping_cents: 499, tax_cents: 400, total_cents: 5898 })
        );
        let free = Pricing::default().totals(5000, ShippingMethod::Standard).unwrap();
        assert_eq!(free.total_cents, 5000 + 400);
    }

    #[test]
    fn totals_that_would_wrap_are_none() {
        let pricing = Pricing::default();
        assert_eq!(pricing.totals(i64::MAX - 10, ShippingMethod::Express), None, "tax or shipping overflow");
        let untaxed = Pricing { tax_rate_basis_points: 0, ..pricing };
        assert_eq!(untaxed.totals(i64::MAX - 10, ShippingMethod::Express), None, "shipping overflows");
    }

    #[test]
    fn only_listed_transitions_are_allowed() {
        use OrderStatus::*;
        let allowed: Vec<(OrderStatus, OrderStatus)> = OrderStatus::ALL
            .into_iter()
            .flat_map(|from| OrderStatus::ALL.into_iter().map(move |to| (from, to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(allowed.len(), 8);
        assert!(Pending.can_become(Paid) && Paid.can_become(Shipped) && Shipped.can_become(Delivered));
        assert!(!Delivered.can_become(Cancelled) && !Shipped.can_become(Cancelled));
        assert!(!Cancelled.can_become(Paid) && !Refunded.can_become(Pending) && !Paid.can_become(Paid));
        assert!(Pending.customer_can_cancel() && Paid.customer_can_cancel() && !Shipped.customer_can_cancel());
    }

    #[test]
    fn statuses_read_and_print_the_same() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert!("shipped ".parse::<OrderStatus>().is_err());
    }

    #[test]
    fn tracking_needs_a_carrier_and_a_number_or_nothing() {
        assert_eq!(Tracking::check(" ", "", ""), Ok(None));
        let tracking = Tracking::check(" DHL ", " 00340434 ", "").unwrap().unwrap();
        assert_eq!((tracking.carrier.as_str(), tracking.number.as_str(), tracking.url), ("DHL", "00340434", None));
        let errors = Tracking::check("DHL", "", "").unwrap_err();
        assert!(errors.contains("number") && !errors.contains("carrier"));
        let errors = Tracking::check("", "", "https://track.example/1").unwrap_err();
        assert!(errors.contains("carrier") && errors.contains("number"));
    }

    #[test]
    fn tracking_links_are_web_addresses_of_bounded_length() {
        assert!(Tracking::check("UPS", "1Z", "javascript:alert(1)").unwrap_err().contains("url"));
        assert!(Tracking::check("UPS", "1Z", "https://x y").unwrap_err().contains("url"));
        let long = format!("https://{}", "a".repeat(MAX_TRACKING_URL_CHARS));
        assert!(Tracking::check("UPS", "1Z", &long).unwrap_err().contains("url"));
        let carrier = "é".repeat(MAX_CARRIER_CHARS);
        assert!(Tracking::check(&carrier, "1Z", "http://ups.example/1Z").is_ok(), "characters, not bytes");
        assert!(Tracking::check(&format!("{carrier}x"), "1Z", "").unwrap_err().contains("carrier"));
    }
}
