//! Everything that needs tokio, sqlx or Redis: configuration, the router and
//! its middleware, HTTP adapters, and the shared cache. Server only.

pub mod api;
pub mod auth;
pub mod cache;
pub mod config;
pub mod crawlers;
pub mod csrf;
pub mod db;
pub mod error;
pub mod forms;
pub mod metrics;
pub mod page_cache;
pub mod rate_limit;
pub mod router;
pub mod security;
pub mod serve;
pub mod state;
pub mod telemetry;
