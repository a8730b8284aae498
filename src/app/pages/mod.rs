//! One module per route group; each page's server functions live beside it.

pub mod home;
pub mod not_found;
