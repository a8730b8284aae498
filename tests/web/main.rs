//! The web crate's tests, in one binary (one link instead of a dozen on two
//! cores): the real router over a fresh PostgreSQL database per test
//! (`#[sqlx::test]`) and the real Redis.

mod common;

mod account_pages;
mod accounts_api;
mod admin_pages;
mod architecture;
mod auth_api;
mod background_pages;
mod cache;
mod cart_api;
mod cart_pages;
mod catalog_admin;
mod catalog_api;
mod catalog_pages;
mod client_ip;
mod edge;
mod external_apps;
mod fuzz_findings;
mod graphql_api;
mod graphql_limits;
mod http;
mod inventory_api;
mod list_cursors;
mod order_admin;
mod order_pages;
mod orders_api;
mod password_attempts;
mod password_reset;
mod reports;
mod review_pages;
mod reviews_api;
mod user_admin;
mod wishlist_api;
