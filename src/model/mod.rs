//! Data shapes shared by the browser and the server: what a page or an API
//! response carries. No database or HTTP code lives here, so the same types
//! compile to wasm for hydration.

pub mod account;
pub mod cart;
pub mod catalog;
pub mod forms;
pub mod listing_params;
pub mod money;
pub mod order;
pub mod pagination;
pub mod product_query;
pub mod variant_choice;

pub use catalog::{
    CategoryDetail, CategoryNode, CategoryRef, CategorySummary, HomePage, ProductCard, ProductDetail, ProductList,
};
pub use listing_params::ListingParams;
pub use money::Cents;
pub use pagination::{Page, Pagination};
pub use product_query::{ProductQuery, RawProductQuery, Sort};
