//! The versioned JSON API under `/api/v1`, plus `/health`. Handlers are thin:
//! parse input, call a domain service, map the result to JSON. The OpenAPI
//! document is generated from the handlers' annotations, so it cannot drift
//! from the routes.

mod account;
mod admin_orders;
mod admin_stats;
mod admin_users;
mod auth;
mod cart;
mod catalog_admin;
mod categories;
pub mod extract;
mod images;
mod inventory;
mod openapi;
mod orders;
mod password_reset;
mod products;
mod reviews;
mod system;
mod wishlist;

use axum::{Router, extract::DefaultBodyLimit, http::StatusCode};
use nexus_core::catalog::images::MAX_IMAGE_BYTES;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    error::{AppError, Problem},
    state::AppState,
};

/// JSON bodies larger than this are refused with 413.
const API_BODY_LIMIT: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Nexus API",
        version = "1.0.0",
        description = "Catalog, accounts, cart and orders of a Nexus store. Money is integer \
                       cents; errors are RFC 9457 problem documents."
    ),
    components(schemas(
        super::error::Problem,
        openapi::RoleName,
        openapi::ProductSort,
        openapi::ReviewSortName,
        nexus_core::model::order::OrderStatus,
        nexus_core::model::order::ShippingMethod
    )),
    modifiers(&BearerAuth),
    tags((name = "system"), (name = "auth"), (name = "account"), (name = "cart"), (name = "orders"), (name = "catalog"), (name = "catalog admin"), (name = "order admin"), (name = "admin"), (name = "reviews"), (name = "review admin"), (name = "wishlist"))
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the handlers refer to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The API routes and their OpenAPI document.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(password_reset::request_reset))
        .routes(routes!(password_reset::confirm_reset))
        .routes(routes!(auth::me, account::update_me))
        .routes(routes!(account::change_password))
        .routes(routes!(account::list_addresses, account::create_address))
        .routes(routes!(account::update_address, account::delete_address))
        .routes(routes!(cart::get_cart, cart::clear_cart))
        .routes(routes!(cart::add_item))
        .routes(routes!(cart::update_item, cart::remove_item))
        .routes(routes!(orders::list_orders, orders::place_order))
        .routes(routes!(orders::quote))
        .routes(routes!(orders::order_detail))
        .routes(routes!(orders::cancel_order))
        .routes(routes!(admin_orders::list_orders))
        .routes(routes!(admin_orders::get_order))
        .routes(routes!(admin_orders::change_status))
        .routes(routes!(admin_stats::stats))
        .routes(routes!(admin_users::list_users))
        .routes(routes!(admin_users::update_user))
        .routes(routes!(products::list_products, catalog_admin::create_product))
        .routes(routes!(products::product_detail, catalog_admin::update_product, catalog_admin::archive_product))
        .routes(routes!(catalog_admin::add_variant))
        .routes(routes!(catalog_admin::update_variant))
        .routes(routes!(catalog_admin::adjust_stock))
        .routes(routes!(inventory::ledger))
        .routes(routes!(inventory::low_stock))
        .routes(routes!(images::update_image, images::delete_image))
        .routes(routes!(reviews::list_reviews, reviews::create_review))
        .routes(routes!(reviews::update_review, reviews::delete_review))
        .routes(routes!(reviews::staff_reviews))
        .routes(routes!(reviews::moderate_review))
        .routes(routes!(reviews::hide_author))
        .routes(routes!(wishlist::get_wishlist))
        .routes(routes!(wishlist::save_product, wishlist::remove_product))
        .routes(routes!(categories::category_tree, catalog_admin::create_category))
        .routes(routes!(categories::category_detail, catalog_admin::update_category, catalog_admin::delete_category))
        .merge(
            // Uploads may be up to 10 MB (plus multipart framing); the inner
            // limit overrides the 1 MiB default set on the whole API below.
            OpenApiRouter::new()
                .routes(routes!(images::upload_image))
                .layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES + 64 * 1024)),
        )
        // Last, so it covers every route above.
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT))
        .fallback(unknown_route);
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::health))
        .nest("/api/v1", v1)
        .split_for_parts();
    openapi::complete(&mut openapi);
    (router.method_not_allowed_fallback(method_not_allowed), openapi)
}

/// Whether `path` belongs to the surface external apps use — the versioned
/// API and GraphQL — rather than to the pages and their server functions.
/// Rate limits and cross-origin access cover these routes alone.
pub fn serves_apps(path: &str) -> bool {
    path.starts_with("/api/v1/") || path.starts_with("/api/graphql")
}

/// The document as `GET /api/openapi.json` serves it; see
/// [`openapi::served`].
pub fn served_document(openapi: &utoipa::openapi::OpenApi) -> serde_json::Value {
    openapi::served(openapi)
}

/// `page` and `per_page` of a list request; a bad value is a 422 naming it.
fn pagination(page: Option<&str>, per_page: Option<&str>) -> Result<nexus_core::model::Pagination, AppError> {
    nexus_core::model::Pagination::parse(page, per_page).map_err(|(field, message)| AppError::invalid(field, message))
}

async fn unknown_route() -> AppError {
    AppError::NotFound
}

/// A known route asked with a method it does not take; axum adds `Allow`.
async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "This route does not take that method; `Allow` lists the ones it does.",
    )
}
