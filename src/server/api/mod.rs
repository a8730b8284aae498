//! The versioned JSON API under `/api/v1`, plus `/health`. Handlers are thin:
//! parse input, call a domain service, map the result to JSON. The OpenAPI
//! document is generated from the handlers' annotations, so it cannot drift
//! from the routes.

mod categories;
mod products;
mod system;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{error::AppError, state::AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Nexus API",
        version = "1.0.0",
        description = "Catalog, accounts, cart and orders of a Nexus store. Money is integer \
                       cents; errors are RFC 9457 problem documents."
    ),
    components(schemas(super::error::Problem)),
    tags((name = "system"), (name = "catalog"))
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .routes(routes!(products::list_products))
        .routes(routes!(products::product_detail))
        .routes(routes!(categories::category_tree))
        .routes(routes!(categories::category_detail))
        .fallback(unknown_route);
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::health))
        .nest("/api/v1", v1)
        .split_for_parts()
}

async fn unknown_route() -> AppError {
    AppError::NotFound
}
