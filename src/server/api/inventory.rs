//! Stock for staff: the low-stock report and a variant's ledger. Both take
//! `StaffUser`, so a customer's token gets 403 and no token gets 401.

use axum::{Json, extract::State};
use nexus_core::model::{
    admin::{InventoryRow, LedgerEntry},
    pagination::Page,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiPath, ApiQuery};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::StaffUser,
};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// From 1.
    page: Option<String>,
    /// Default 20, at most 100 (larger values are clamped).
    per_page: Option<String>,
}

/// Variants of listed products at or below their own low-stock threshold
/// (`stock <= low_stock_threshold`), lowest stock first.
#[utoipa::path(get, path = "/admin/inventory/low-stock", tag = "catalog admin", params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of low-stock variants", body = Page<InventoryRow>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad page or per_page, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn low_stock(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<InventoryRow>>, AppError> {
    let pagination = super::pagination(params.page.as_deref(), params.per_page.as_deref())?;
    Ok(Json(state.core.catalog.low_stock(pagination).await?))
}

/// A variant's stock changes, newest first, each with who made it (`actor`
/// is `null` for imports and the store itself).
#[utoipa::path(get, path = "/variants/{id}/ledger", tag = "catalog admin", params(("id" = i64, Path, description = "Variant id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the ledger", body = Page<LedgerEntry>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such variant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad page or per_page, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ledger(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<LedgerEntry>>, AppError> {
    let pagination = super::pagination(params.page.as_deref(), params.per_page.as_deref())?;
    Ok(Json(state.core.catalog.ledger(id, pagination).await?))
}
