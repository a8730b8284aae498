//! The signed-in shopper's GraphQL types: `User`, `Cart`, `Order` and the
//! order list's `OrderSummary`. Plain translations of the core's shapes,
//! with the REST fields in camelCase.

use async_graphql::{Enum, ID, SimpleObject};
use nexus_core::{
    accounts::User as CoreUser,
    cart::{Cart as CoreCart, CartLine as CoreCartLine},
    model::{
        order::{OrderLine as CoreOrderLine, ShippingAddress, StatusChange as CoreStatusChange},
        pagination::Page,
    },
    orders::{Order as CoreOrder, OrderStatus as CoreOrderStatus, OrderSummary as CoreOrderSummary, Tracking},
};

/// The signed-in user (REST `GET /api/v1/me`).
#[derive(SimpleObject)]
pub struct User {
    pub id: ID,
    pub email: String,
    pub name: String,
    /// `customer`, `staff` or `admin`.
    pub role: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<&CoreUser> for User {
    fn from(user: &CoreUser) -> Self {
        Self {
            id: ID(user.id.to_string()),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role.as_str().to_owned(),
            created_at: user.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

#[derive(SimpleObject)]
pub struct Cart {
    pub items: Vec<CartLine>,
    pub subtotal_cents: i64,
    pub currency: String,
    /// Total units.
    pub item_count: i64,
}

impl From<CoreCart> for Cart {
    fn from(cart: CoreCart) -> Self {
        Self {
            items: cart.items.into_iter().map(CartLine::from).collect(),
            subtotal_cents: cart.subtotal_cents,
            currency: cart.currency,
            item_count: cart.item_count,
        }
    }
}

#[derive(SimpleObject)]
pub struct CartLine {
    pub id: ID,
    pub variant_id: ID,
    pub product_slug: String,
    pub name: String,
    pub sku: String,
    pub unit_price_cents: i64,
    pub quantity: i32,
    pub line_total_cents: i64,
    /// Units in stock now.
    pub in_stock: i32,
    /// The price differs from the price when the line was added.
    pub price_changed: bool,
    /// Fewer units in stock than the line asks for.
    pub insufficient_stock: bool,
}

impl From<CoreCartLine> for CartLine {
    fn from(line: CoreCartLine) -> Self {
        Self {
            id: ID(line.id.to_string()),
            variant_id: ID(line.variant_id.to_string()),
            product_slug: line.product_slug,
            name: line.name,
            sku: line.sku,
            unit_price_cents: line.unit_price_cents,
            quantity: line.quantity,
            line_total_cents: line.line_total_cents,
            in_stock: line.in_stock,
            price_changed: line.price_changed,
            insufficient_stock: line.insufficient_stock,
        }
    }
}

/// An order's status; REST spells the same values in lower case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl From<CoreOrderStatus> for OrderStatus {
    fn from(status: CoreOrderStatus) -> Self {
        match status {
            CoreOrderStatus::Pending => Self::Pending,
            CoreOrderStatus::Paid => Self::Paid,
            CoreOrderStatus::Shipped => Self::Shipped,
            CoreOrderStatus::Delivered => Self::Delivered,
            CoreOrderStatus::Cancelled => Self::Cancelled,
            CoreOrderStatus::Refunded => Self::Refunded,
        }
    }
}

/// A row of the order list.
#[derive(SimpleObject)]
pub struct OrderSummary {
    pub number: String,
    pub status: OrderStatus,
    pub total_cents: i64,
    pub currency: String,
    /// Total units.
    pub item_count: i64,
    pub created_at: String,
}

impl From<CoreOrderSummary> for OrderSummary {
    fn from(order: CoreOrderSummary) -> Self {
        Self {
            number: order.number,
            status: order.status.into(),
            total_cents: order.total_cents,
            currency: order.currency,
            item_count: order.item_count,
            created_at: order.created_at,
        }
    }
}

/// A page of the caller's orders, newest first; `order(number)` has each
/// one's lines and history.
#[derive(SimpleObject)]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub total_pages: i64,
}

impl From<Page<CoreOrderSummary>> for OrderPage {
    fn from(page: Page<CoreOrderSummary>) -> Self {
        Self {
            items: page.items.into_iter().map(OrderSummary::from).collect(),
            page: page.page,
            per_page: page.per_page,
            total: page.total,
            total_pages: page.total_pages,
        }
    }
}

/// One order with everything a receipt shows.
#[derive(SimpleObject)]
pub struct Order {
    pub number: String,
    pub status: OrderStatus,
    pub items: Vec<OrderLine>,
    pub subtotal_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    /// `standard` or `express`.
    pub shipping_method: String,
    pub shipping_address: Address,
    pub status_history: Vec<StatusChange>,
    /// The last four digits of the card charged.
    pub card_last4: Option<String>,
    /// Null until the order ships with tracking.
    pub tracking: Option<OrderTracking>,
    pub created_at: String,
}

impl From<CoreOrder> for Order {
    fn from(order: CoreOrder) -> Self {
        Self {
            number: order.number,
            status: order.status.into(),
            items: order.items.into_iter().map(OrderLine::from).collect(),
            subtotal_cents: order.subtotal_cents,
            shipping_cents: order.shipping_cents,
            tax_cents: order.tax_cents,
            total_cents: order.total_cents,
            currency: order.currency,
            shipping_method: order.shipping_method.as_str().to_owned(),
            shipping_address: order.shipping_address.into(),
            status_history: order.status_history.into_iter().map(StatusChange::from).collect(),
            card_last4: order.card_last4,
            tracking: order.tracking.map(OrderTracking::from),
            created_at: order.created_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct OrderLine {
    /// Null once the variant was deleted from the catalog.
    pub variant_id: Option<ID>,
    pub product_slug: String,
    pub sku: String,
    pub name: String,
    pub unit_price_cents: i64,
    pub quantity: i32,
    pub line_total_cents: i64,
}

impl From<CoreOrderLine> for OrderLine {
    fn from(line: CoreOrderLine) -> Self {
        Self {
            variant_id: line.variant_id.map(|id| ID(id.to_string())),
            product_slug: line.product_slug,
            sku: line.sku,
            name: line.name,
            unit_price_cents: line.unit_price_cents,
            quantity: line.quantity,
            line_total_cents: line.line_total_cents,
        }
    }
}

#[derive(SimpleObject)]
pub struct StatusChange {
    pub status: OrderStatus,
    /// RFC 3339, UTC.
    pub at: String,
    pub note: Option<String>,
}

impl From<CoreStatusChange> for StatusChange {
    fn from(change: CoreStatusChange) -> Self {
        Self { status: change.status.into(), at: change.at, note: change.note }
    }
}

/// Where an order goes: a copy of the address at checkout.
#[derive(SimpleObject)]
pub struct Address {
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub phone: Option<String>,
}

impl From<ShippingAddress> for Address {
    fn from(address: ShippingAddress) -> Self {
        let ShippingAddress { full_name, line1, line2, city, postal_code, country, phone } = address;
        Self { full_name, line1, line2, city, postal_code, country, phone }
    }
}

#[derive(SimpleObject)]
pub struct OrderTracking {
    pub carrier: String,
    pub number: String,
    pub url: Option<String>,
}

impl From<Tracking> for OrderTracking {
    fn from(tracking: Tracking) -> Self {
        Self { carrier: tracking.carrier, number: tracking.number, url: tracking.url }
    }
}
