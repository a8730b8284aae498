//! Data shapes shared by the browser and the server: what a page or an API
//! response carries. No database or HTTP code lives here, so the same types
//! compile to wasm for hydration.

pub mod catalog;
pub mod money;
pub mod pagination;

pub use catalog::{CategorySummary, HomePage, ProductCard};
pub use money::Cents;
pub use pagination::{Page, Pagination};
