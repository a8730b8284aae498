//! Catalog: products.

use axum::{
    Json,
    extract::{Query, State},
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    model::{Page, Pagination, ProductCard},
    server::{error::AppError, state::AppState},
};

/// Query of `GET /api/v1/products`. Values arrive as text so that a bad one
/// yields a 422 naming the parameter instead of a generic 400.
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Page number, from 1.
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    /// Items per page, default 20; values above 100 are clamped to 100.
    #[param(value_type = Option<u32>, minimum = 1)]
    per_page: Option<String>,
}

/// Active products, newest first, in the pagination envelope.
#[utoipa::path(
    get,
    path = "/products",
    tag = "catalog",
    params(ListParams),
    responses(
        (status = 200, description = "A page of products", body = Page<ProductCard>),
        (status = 422, description = "A query parameter is invalid", body = crate::server::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list_products(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<Page<ProductCard>>, AppError> {
    let pagination = Pagination::parse(params.page.as_deref(), params.per_page.as_deref())
        .map_err(|(field, message)| AppError::invalid(field, message))?;
    Ok(Json(state.catalog.list_products(pagination).await?))
}
