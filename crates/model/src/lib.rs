//! Nexus's shared shapes: what a page or an API response carries, and the
//! small pure rules both sides of the wire apply (prices in cents, product
//! queries, pagination, the order status table). No database or HTTP code
//! lives here, so the crate compiles to wasm for hydration; the OpenAPI
//! schemas the JSON API documents come with the `openapi` feature.

pub mod account;
pub mod admin;
pub mod background;
pub mod cart;
pub mod catalog;
pub mod cursor;
pub mod listing_params;
pub mod money;
pub mod order;
pub mod pagination;
pub mod product_query;
pub mod report;
pub mod review;
pub mod validation;
pub mod variant_choice;

pub use catalog::{
    CategoryDetail, CategoryNode, CategoryRef, CategorySummary, EXACT_TOTAL_LIMIT, HomePage, ProductCard,
    ProductDetail, ProductList,
};
pub use listing_params::ListingParams;
pub use money::Cents;
pub use pagination::{Page, Pagination};
pub use product_query::{ProductQuery, RawProductQuery, Sort};
pub use validation::FieldErrors;
