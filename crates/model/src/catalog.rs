//! Catalog shapes shown on pages and returned by the JSON API.

use serde::{Deserialize, Serialize};

use crate::Cents;

/// A product as it appears in a grid or list: enough to render a card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductCard {
    pub id: i64,
    pub slug: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// A node of the category tree (`GET /api/v1/categories`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryNode {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<i64>,
    /// Listed products in this category and all its descendants.
    pub product_count: i64,
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<CategoryNode>,
}

/// One category with its children and breadcrumb (`GET /api/v1/categories/{slug}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryDetail {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub product_count: i64,
    pub children: Vec<CategoryNode>,
    /// Root first, not including this category.
    pub ancestors: Vec<CategoryRef>,
}

/// A page of products. When a search matched nothing as typed, the items are
/// those of the corrected search and `suggestion` holds the words used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductList {
    pub items: Vec<ProductCard>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub total_pages: i64,
    /// "Did you mean": set only when `q` as typed matched nothing.
    pub suggestion: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductImage {
    pub url: String,
    pub alt: String,
    pub thumbnail_url: String,
    pub width: i32,
    pub height: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Variant {
    pub id: i64,
    pub sku: String,
    pub name: String,
    /// Option name to value, e.g. `{"size": "M", "color": "red"}`.
    pub options: std::collections::BTreeMap<String, String>,
    /// The variant's own price, or the product's when it has none.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub price_cents: Cents,
    pub stock: i32,
}

/// Everything the product page and `GET /api/v1/products/{slug}` show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductDetail {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub price_cents: Cents,
    pub currency: String,
    pub sku: String,
    pub in_stock: bool,
    pub category: CategoryRef,
    /// Root first, ending with the product's own category.
    pub breadcrumb: Vec<CategoryRef>,
    pub images: Vec<ProductImage>,
    pub variants: Vec<Variant>,
    pub rating_average: Option<f64>,
    pub rating_count: i32,
    /// RFC 3339, UTC.
    pub created_at: String,
}
