//! The cart as shoppers and API clients see it, shared by the server and
//! the browser build.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    pub id: i64,
    pub variant_id: i64,
    pub product_slug: String,
    pub name: String,
    pub sku: String,
    pub unit_price_cents: i64,
    pub quantity: i32,
    pub line_total_cents: i64,
    /// Units in stock now.
    pub in_stock: i32,
    /// The catalog price differs from the price when the line was added.
    pub price_changed: bool,
    /// Fewer units in stock than the line asks for (or none at all).
    pub insufficient_stock: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cart {
    pub items: Vec<CartLine>,
    pub subtotal_cents: i64,
    pub currency: String,
    /// Total units.
    pub item_count: i64,
}
