//! The caller's wishlist: saved products with their price now and when saved.

use axum::{Json, extract::State, http::StatusCode};
use nexus_core::model::review::Wishlist;

use super::extract::ApiPath;
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::AuthUser,
};

/// Saved products still for sale, most recently saved first; the names of
/// saved products no longer sold are in `unavailable`.
#[utoipa::path(get, path = "/wishlist", tag = "wishlist", security(("bearer" = [])),
    responses(
        (status = 200, description = "The wishlist", body = Wishlist),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_wishlist(State(state): State<AppState>, auth: AuthUser) -> Result<Json<Wishlist>, AppError> {
    Ok(Json(state.core.wishlist.wishlist(auth.user.id).await?))
}

/// Saves a product; saving it again changes nothing.
#[utoipa::path(put, path = "/wishlist/{product_slug}", tag = "wishlist",
    params(("product_slug" = String, Path, description = "Product slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Saved"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such listed product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The wishlist is full (500 products)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn save_product(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    state.core.wishlist.add(auth.user.id, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a product; removing one that is not saved changes nothing.
#[utoipa::path(delete, path = "/wishlist/{product_slug}", tag = "wishlist",
    params(("product_slug" = String, Path, description = "Product slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not saved (any more)"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_product(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    state.core.wishlist.remove(auth.user.id, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
