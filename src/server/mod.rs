//! Everything that needs tokio, sqlx or Redis: configuration, the router and
//! its middleware, HTTP adapters, and the shared cache. Server only.

pub mod api;
pub mod auth;
pub mod cache;
pub mod config;
pub mod crawlers;
pub mod db;
pub mod error;
pub mod metrics;
pub mod router;
pub mod security;
pub mod serve;
pub mod state;
pub mod telemetry;
