//! One module per route group; each page's server functions live beside it.

pub mod category;
pub mod home;
pub mod listing;
pub mod not_found;
pub mod product;
pub mod search;
