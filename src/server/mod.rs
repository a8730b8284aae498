//! The HTTP edge, server only: configuration, the router and its
//! middleware, who is asking (`visitor`), the JSON API handlers, the
//! GraphQL API, and what
//! server functions need from a request (`context`). Every rule it applies
//! comes from `nexus-core`; this module translates in and out.

pub mod admin_files;
pub mod api;
pub mod api_limits;
pub mod auth;
pub mod client_ip;
pub mod config;
pub mod context;
pub mod cors;
pub mod crawlers;
pub mod csrf;
pub mod error;
pub mod form_errors;
pub mod forms;
pub mod graphql;
pub mod in_flight;
pub mod metrics;
pub mod page_cache;
pub mod router;
pub mod security;
pub mod serve;
pub mod state;
pub mod telemetry;
pub mod visitor;
