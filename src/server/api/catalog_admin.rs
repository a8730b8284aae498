//! Catalog management for staff. Every handler takes `StaffUser`, so a
//! customer's token gets 403 and no token gets 401 before any work is done.

use std::collections::BTreeMap;

use axum::{Json, extract::State, http::StatusCode};
use nexus_core::{
    catalog::admin,
    model::{CategoryDetail, ProductDetail, catalog::Variant},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiPath};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::StaffUser,
};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCategory {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: String,
    /// Default: made from the name.
    #[schema(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    slug: Option<String>,
    parent_id: Option<i64>,
    #[serde(default)]
    description: String,
}

impl From<NewCategory> for admin::NewCategory {
    fn from(new: NewCategory) -> Self {
        Self { name: new.name, slug: new.slug, parent_id: new.parent_id, description: new.description }
    }
}

/// A partial update; `parent_id: null` moves the category to the top level.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CategoryPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: Option<String>,
    #[schema(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    slug: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    parent_id: Option<Option<i64>>,
    description: Option<String>,
    position: Option<i32>,
}

impl From<CategoryPatch> for admin::CategoryPatch {
    fn from(patch: CategoryPatch) -> Self {
        let CategoryPatch { name, slug, parent_id, description, position } = patch;
        Self { name, slug, parent_id, description, position }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProduct {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: String,
    /// Default: made from the name.
    #[schema(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    slug: Option<String>,
    #[serde(default)]
    description: String,
    category_id: i64,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    price_cents: i64,
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    sku: String,
    /// The default variant's stock.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    stock: Option<i32>,
    is_active: Option<bool>,
}

impl From<NewProduct> for admin::NewProduct {
    fn from(new: NewProduct) -> Self {
        let NewProduct { name, slug, description, category_id, price_cents, sku, stock, is_active } = new;
        Self { name, slug, description, category_id, price_cents, sku, stock, is_active }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProductPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: Option<String>,
    #[schema(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    slug: Option<String>,
    description: Option<String>,
    category_id: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    price_cents: Option<i64>,
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    sku: Option<String>,
    is_active: Option<bool>,
    is_featured: Option<bool>,
}

impl From<ProductPatch> for admin::ProductPatch {
    fn from(patch: ProductPatch) -> Self {
        let ProductPatch { name, slug, description, category_id, price_cents, sku, is_active, is_featured } = patch;
        Self { name, slug, description, category_id, price_cents, sku, is_active, is_featured }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewVariant {
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    sku: String,
    #[serde(default)]
    name: String,
    /// Option name to value, e.g. `{"size": "M"}`.
    #[serde(default)]
    options: BTreeMap<String, String>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    price_cents: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    #[serde(default)]
    stock: i32,
}

impl From<NewVariant> for admin::NewVariant {
    fn from(new: NewVariant) -> Self {
        let NewVariant { sku, name, options, price_cents, stock } = new;
        Self { sku, name, options, price_cents, stock }
    }
}

/// `price_cents: null` makes the variant use the product's price again.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct VariantPatch {
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    sku: Option<String>,
    name: Option<String>,
    options: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000)]
    price_cents: Option<Option<i64>>,
    #[schema(minimum = 0)]
    low_stock_threshold: Option<i32>,
}

impl From<VariantPatch> for admin::VariantPatch {
    fn from(patch: VariantPatch) -> Self {
        let VariantPatch { sku, name, options, price_cents, low_stock_threshold } = patch;
        Self { sku, name, options, price_cents, low_stock_threshold }
    }
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Creates a category; `slug` defaults to one made from the name.
#[utoipa::path(post, path = "/categories", tag = "catalog admin", request_body = NewCategory,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CategoryDetail, links(
            ("CategoryDetail" = (operation_id = "category_detail", parameters(("category" = "$response.body#/slug")))),
            ("UpdateCategory" = (operation_id = "update_category", parameters(("category" = "$response.body#/id")))),
            ("DeleteCategory" = (operation_id = "delete_category", parameters(("category" = "$response.body#/id")))),
        )),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_category(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiJson(new): ApiJson<NewCategory>,
) -> Result<(StatusCode, Json<CategoryDetail>), AppError> {
    Ok((StatusCode::CREATED, Json(state.core.catalog.create_category(new.into(), staff.user.id).await?)))
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
    StaffUser(staff): StaffUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<CategoryPatch>,
) -> Result<Json<CategoryDetail>, AppError> {
    Ok(Json(state.core.catalog.update_category(id, patch.into(), staff.user.id).await?))
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
    StaffUser(staff): StaffUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.core.catalog.delete_category(id, staff.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a product with one default variant carrying its SKU and stock.
#[utoipa::path(post, path = "/products", tag = "catalog admin", request_body = NewProduct,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ProductDetail, links(
            ("ProductDetail" = (operation_id = "product_detail", parameters(("slug" = "$response.body#/slug")))),
            ("UpdateProduct" = (operation_id = "update_product", parameters(("slug" = "$response.body#/slug")))),
            ("ArchiveProduct" = (operation_id = "archive_product", parameters(("slug" = "$response.body#/slug")))),
            ("AddVariant" = (operation_id = "add_variant", parameters(("slug" = "$response.body#/slug")))),
        )),
        (status = 409, description = "SKU or slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_product(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiJson(new): ApiJson<NewProduct>,
) -> Result<(StatusCode, Json<ProductDetail>), AppError> {
    Ok((StatusCode::CREATED, Json(state.core.catalog.create_product(new.into(), staff.user.id).await?)))
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
    StaffUser(staff): StaffUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(patch): ApiJson<ProductPatch>,
) -> Result<Json<ProductDetail>, AppError> {
    Ok(Json(state.core.catalog.update_product(&slug, patch.into(), staff.user.id).await?))
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
    StaffUser(staff): StaffUser,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    state.core.catalog.archive_product(&slug, staff.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a variant; its initial stock is recorded in the inventory ledger.
#[utoipa::path(post, path = "/products/{slug}/variants", tag = "catalog admin", request_body = NewVariant,
    params(("slug" = String, Path, description = "Product slug")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Variant, links(
            ("UpdateVariant" = (operation_id = "update_variant", parameters(("id" = "$response.body#/id")))),
            ("AdjustStock" = (operation_id = "adjust_stock", parameters(("id" = "$response.body#/id")))),
            ("Ledger" = (operation_id = "ledger", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_variant(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(new): ApiJson<NewVariant>,
) -> Result<(StatusCode, Json<Variant>), AppError> {
    Ok((StatusCode::CREATED, Json(state.core.catalog.add_variant(&slug, new.into(), staff.user.id).await?)))
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
    StaffUser(staff): StaffUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<VariantPatch>,
) -> Result<Json<Variant>, AppError> {
    Ok(Json(state.core.catalog.update_variant(id, patch.into(), staff.user.id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StockChange {
    /// A non-zero number of units to add (positive) or remove (negative),
    /// at most 1,000,000,000 either way. The resulting stock must stay
    /// within 0 (409 below) and 1,000,000,000 (422 above).
    #[schema(minimum = -1_000_000_000, maximum = 1_000_000_000)]
    delta: i32,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
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
    ApiPath(id): ApiPath<i64>,
    ApiJson(change): ApiJson<StockChange>,
) -> Result<Json<StockLevel>, AppError> {
    let stock = state.core.catalog.adjust_stock(id, change.delta, &change.reason, staff.user.id).await?;
    Ok(Json(StockLevel { stock }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_tells_null_from_absent() {
        let moved: CategoryPatch = serde_json::from_str(r#"{"parent_id": null}"#).unwrap();
        assert_eq!(moved.parent_id, Some(None));
        let untouched: CategoryPatch = serde_json::from_str(r#"{"name": "x"}"#).unwrap();
        assert_eq!(untouched.parent_id, None);
        let shared: VariantPatch = serde_json::from_str(r#"{"price_cents": null}"#).unwrap();
        assert_eq!(admin::VariantPatch::from(shared).price_cents, Some(None), "back to the product's price");
    }
}
