//! Catalog: the category tree.

use axum::{Json, extract::State};

use nexus_core::model::{CategoryDetail, CategoryNode};

use super::extract::ApiPath;
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
};

/// The whole tree, roots first, each node with its listed-product count
/// (descendants included). Not paginated.
#[utoipa::path(
    get,
    path = "/categories",
    tag = "catalog",
    responses((status = 200, description = "The category tree", body = Vec<CategoryNode>))
)]
pub async fn category_tree(State(state): State<AppState>) -> Result<Json<Vec<CategoryNode>>, AppError> {
    Ok(Json(state.core.catalog.category_tree().await?))
}

/// One category with its children and its ancestors (root first).
#[utoipa::path(
    get,
    path = "/categories/{category}",
    tag = "catalog",
    params(("category" = String, Path, description = "Category slug")),
    responses(
        (status = 200, description = "The category", body = CategoryDetail),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn category_detail(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<CategoryDetail>, AppError> {
    state.core.catalog.category(&slug).await?.map(Json).ok_or(AppError::NotFound)
}
