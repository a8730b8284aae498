//! Liveness and readiness.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use nexus_core::cache::CacheStatus;
use serde::Serialize;

use crate::server::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database cannot be reached.
    status: &'static str,
    database: &'static str,
    /// `degraded` while Redis is down: the store still works, uncached.
    #[schema(value_type = String)]
    cache: CacheStatus,
}

/// Reports whether the store can serve: 200 while PostgreSQL answers
/// (whatever Redis does), 503 when it does not.
#[utoipa::path(
    get,
    path = "/health",
    tag = "system",
    responses(
        (status = 200, description = "The store can serve", body = Health),
        (status = 503, description = "The database is unreachable", body = Health),
    )
)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (database_ok, cache) =
        tokio::join!(state.core.database_ok(Duration::from_secs(2)), state.core.cache().status());
    let (status, code) =
        if database_ok { ("ok", StatusCode::OK) } else { ("unavailable", StatusCode::SERVICE_UNAVAILABLE) };
    let database = if database_ok { "ok" } else { "unavailable" };
    (code, Json(Health { status, database, cache }))
}
