//! The caller's cart. The same cart the web pages show for a signed-in
//! shopper; every rule lives in `domain::cart`.

use axum::{Json, extract::State, http::StatusCode};
use nexus_core::cart::{Cart, CartOwner};
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiPath};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::AuthUser,
};

fn owner(auth: &AuthUser) -> CartOwner {
    CartOwner::User(auth.user.id)
}

/// The cart with current prices and stock.
#[utoipa::path(get, path = "/cart", tag = "cart", security(("bearer" = [])),
    responses(
        (status = 200, description = "The cart; lines flag price changes and missing stock", body = Cart),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_cart(State(state): State<AppState>, auth: AuthUser) -> Result<Json<Cart>, AppError> {
    Ok(Json(state.core.cart.cart(&owner(&auth)).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewCartItem {
    variant_id: i64,
    /// Units to add; a line holds at most 999.
    #[schema(minimum = 1, maximum = 999)]
    quantity: i32,
}

/// Adds units of a variant; adding a variant already in the cart adds to its quantity.
#[utoipa::path(post, path = "/cart/items", tag = "cart", request_body = NewCartItem, security(("bearer" = [])),
    responses(
        (status = 201, description = "The cart after adding", body = Cart, links(
            ("UpdateFirstLine" = (operation_id = "update_item", parameters(("id" = "$response.body#/items/0/id")))),
            ("RemoveFirstLine" = (operation_id = "remove_item", parameters(("id" = "$response.body#/items/0/id")))),
        )),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Quantity under 1, more than in stock, or no such variant on sale", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_item(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(item): ApiJson<NewCartItem>,
) -> Result<(StatusCode, Json<Cart>), AppError> {
    let cart = state.core.cart.add_item(&owner(&auth), item.variant_id, item.quantity).await?;
    Ok((StatusCode::CREATED, Json(cart)))
}

#[derive(Deserialize, ToSchema)]
pub struct QuantityChange {
    /// The line's new quantity; 0 removes it.
    #[schema(minimum = 0, maximum = 999)]
    quantity: i32,
}

/// Sets a line's quantity; 0 removes the line.
#[utoipa::path(patch, path = "/cart/items/{id}", tag = "cart", request_body = QuantityChange,
    params(("id" = i64, Path, description = "Cart line id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cart after the change", body = Cart),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such line in your cart", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A negative quantity or more than in stock", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_item(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(change): ApiJson<QuantityChange>,
) -> Result<Json<Cart>, AppError> {
    Ok(Json(state.core.cart.set_quantity(&owner(&auth), id, change.quantity).await?))
}

/// Removes a line.
#[utoipa::path(delete, path = "/cart/items/{id}", tag = "cart",
    params(("id" = i64, Path, description = "Cart line id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cart after removing the line", body = Cart),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such line in your cart", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_item(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Cart>, AppError> {
    Ok(Json(state.core.cart.remove_item(&owner(&auth), id).await?))
}

/// Empties the cart.
#[utoipa::path(delete, path = "/cart", tag = "cart", security(("bearer" = [])),
    responses(
        (status = 204, description = "Emptied"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn clear_cart(State(state): State<AppState>, auth: AuthUser) -> Result<StatusCode, AppError> {
    state.core.cart.clear(&owner(&auth)).await?;
    Ok(StatusCode::NO_CONTENT)
}
