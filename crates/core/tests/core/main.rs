//! nexus-core's integration tests, in one binary and without Leptos or
//! axum: the services over a fresh PostgreSQL database per test
//! (`#[sqlx::test]`) and the real Redis.

mod smtp_sink;
mod support;

mod audit;
mod cache;
mod counts;
mod cursors;
mod database;
mod demo_catalog;
mod export;
mod import_checks;
mod import_report;
mod inventory;
mod jobs;
mod rate_limits;
mod reviews;
mod staff;
mod stock;
