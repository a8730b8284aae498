//! Reusable pieces of the UI.

pub mod address;
pub mod breadcrumb;
pub mod error_view;
pub mod footer;
pub mod form;
pub mod header;
pub mod price;
pub mod product_card;
