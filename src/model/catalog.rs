//! Catalog shapes shown on pages and returned by the JSON API.

use serde::{Deserialize, Serialize};

use super::Cents;

/// A product as it appears in a grid or list: enough to render a card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductCard {
    pub id: i64,
    pub slug: String,
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(value_type = i64))]
    pub price_cents: Cents,
    pub currency: String,
    pub in_stock: bool,
    pub rating_average: Option<f64>,
    pub rating_count: i32,
    pub image_url: Option<String>,
    pub category: CategoryRef,
}

/// The category a product belongs to, as embedded in product responses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CategoryRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// A category with the number of active products in it and its descendants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub product_count: i64,
}

/// Everything the home page shows, fetched in one round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomePage {
    pub featured: Vec<ProductCard>,
    pub top_categories: Vec<CategorySummary>,
}
