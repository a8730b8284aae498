//! The business: catalog, accounts (and later cart, orders, inventory,
//! payments). Each module owns its SQL and its rules; HTTP handlers and
//! Leptos server functions only translate in and out of these calls.

pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod orders;
pub mod random;
