//! Catalog management for staff. Every handler takes `StaffUser`, so a
//! customer's token gets 403 and no token gets 401 before any work is done.

use axum::{
    Json,
    extract::{Multipart, Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::{
    domain::catalog::admin::{CategoryPatch, NewCategory, NewProduct, NewVariant, ProductPatch, VariantPatch},
    model::{CategoryDetail, ProductDetail, catalog::ProductImage, catalog::Variant},
    server::{
        auth::StaffUser,
        error::{AppError, Problem},
        state::AppState,
    },
};

/// Creates a category; `slug` defaults to one made from the name.
#[utoipa::path(post, path = "/categories", tag = "catalog admin", request_body = NewCategory,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CategoryDetail),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_category(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiJson(new): ApiJson<NewCategory>,
) -> Result<(StatusCode, Json<CategoryDetail>), AppError> {
    Ok((StatusCode::CREATED, Json(state.catalog.create_category(new).await?)))
}

/// Renames, moves (`parent_id`, `null` for the top level) or re-describes a
/// category. A move under itself or a descendant is a 422.
#[utoipa::path(patch, path = "/categories/{category}", tag = "catalog admin", request_body = CategoryPatch,
    params(("category" = i64, Path, description = "Category id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = CategoryDetail),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or a cycle", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_category(
    State(state): State<AppState>,
    _staff: StaffUser,
    Path(category): Path<String>,
    ApiJson(patch): ApiJson<CategoryPatch>,
) -> Result<Json<CategoryDetail>, AppError> {
    let id = category.parse().map_err(|_| AppError::NotFound)?;
    Ok(Json(state.catalog.update_category(id, patch).await?))
}

/// Deletes an empty category; one with products or sub-categories is a 409.
#[utoipa::path(delete, path = "/categories/{category}", tag = "catalog admin",
    params(("category" = i64, Path, description = "Category id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still has products or sub-categories", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_category(
    State(state): State<AppState>,
    _staff: StaffUser,
    Path(category): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = category.parse().map_err(|_| AppError::NotFound)?;
    state.catalog.delete_category(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a product with one default variant carrying its SKU and stock.
#[utoipa::path(post, path = "/products", tag = "catalog admin", request_body = NewProduct,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ProductDetail),
        (status = 409, description = "SKU or slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_product(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiJson(new): ApiJson<NewProduct>,
) -> Result<(StatusCode, Json<ProductDetail>), AppError> {
    Ok((StatusCode::CREATED, Json(state.catalog.create_product(new, staff.user.id).await?)))
}

/// Updates some fields of a product.
#[utoipa::path(patch, path = "/products/{slug}", tag = "catalog admin", request_body = ProductPatch,
    params(("slug" = String, Path, description = "Product slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ProductDetail),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU or slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_product(
    State(state): State<AppState>,
    _staff: StaffUser,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<ProductPatch>,
) -> Result<Json<ProductDetail>, AppError> {
    Ok(Json(state.catalog.update_product(&slug, patch).await?))
}

/// Archives a product: kept for past orders, no longer listed.
#[utoipa::path(delete, path = "/products/{slug}", tag = "catalog admin",
    params(("slug" = String, Path, description = "Product slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Archived"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn archive_product(
    State(state): State<AppState>,
    _staff: StaffUser,
    Path(slug): Path<String>,
) -> Result<StatusCode, AppError> {
    state.catalog.archive_product(&slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a variant; its initial stock is recorded in the inventory ledger.
#[utoipa::path(post, path = "/products/{slug}/variants", tag = "catalog admin", request_body = NewVariant,
    params(("slug" = String, Path, description = "Product slug")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Variant),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_variant(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    Path(slug): Path<String>,
    ApiJson(new): ApiJson<NewVariant>,
) -> Result<(StatusCode, Json<Variant>), AppError> {
    Ok((StatusCode::CREATED, Json(state.catalog.add_variant(&slug, new, staff.user.id).await?)))
}

/// Updates a variant's SKU, name, options, price or low-stock threshold.
/// Stock changes go through `POST /variants/{id}/stock`.
#[utoipa::path(patch, path = "/variants/{id}", tag = "catalog admin", request_body = VariantPatch,
    params(("id" = i64, Path, description = "Variant id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Variant),
        (status = 404, description = "No such variant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_variant(
    State(state): State<AppState>,
    _staff: StaffUser,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<VariantPatch>,
) -> Result<Json<Variant>, AppError> {
    Ok(Json(state.catalog.update_variant(id, patch).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StockChange {
    /// A non-zero number of units to add (positive) or remove (negative).
    delta: i32,
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct StockLevel {
    stock: i32,
}

/// Changes a variant's stock through the inventory ledger.
#[utoipa::path(post, path = "/variants/{id}/stock", tag = "catalog admin", request_body = StockChange,
    params(("id" = i64, Path, description = "Variant id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new stock", body = StockLevel),
        (status = 404, description = "No such variant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The change would take stock below zero", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Zero delta or no reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn adjust_stock(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    Path(id): Path<i64>,
    ApiJson(change): ApiJson<StockChange>,
) -> Result<Json<StockLevel>, AppError> {
    let stock = state.catalog.adjust_stock(id, change.delta, &change.reason, staff.user.id).await?;
    Ok(Json(StockLevel { stock }))
}

/// Multipart form: `file` (PNG, JPEG, WebP or GIF, at most 10 MB) and
/// optional `alt`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImageUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    alt: Option<String>,
}

/// Uploads a product image; a thumbnail is generated.
#[utoipa::path(post, path = "/products/{slug}/images", tag = "catalog admin",
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    params(("slug" = String, Path, description = "Product slug")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = ProductImage),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10 MB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an image, or no file", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload_image(
    State(state): State<AppState>,
    _staff: StaffUser,
    Path(slug): Path<String>,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<ProductImage>), AppError> {
    let too_large_or_bad = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(error.body_text())
        }
    };
    let mut file = None;
    let mut alt = String::new();
    while let Some(field) = multipart.next_field().await.map_err(too_large_or_bad)? {
        match field.name() {
            Some("file") => file = Some(field.bytes().await.map_err(too_large_or_bad)?.to_vec()),
            Some("alt") => alt = field.text().await.map_err(too_large_or_bad)?,
            _ => {}
        }
    }
    let file = file.ok_or_else(|| AppError::invalid("file", "is required"))?;
    let image = state.catalog.upload_image(&state.config.media_dir, &slug, file, &alt).await?;
    Ok((StatusCode::CREATED, Json(image)))
}
