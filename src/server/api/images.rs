//! Product images for staff: upload, alt text and order, deletion. Every
//! handler takes `StaffUser`, so a customer's token gets 403 and no token
//! gets 401 before any work is done.

use axum::{
    Json,
    extract::{Multipart, State, multipart::MultipartRejection},
    http::StatusCode,
};
use nexus_core::{catalog::images, model::catalog::ProductImage};
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiPath};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::StaffUser,
};

/// Multipart form: `file` (PNG, JPEG, WebP or GIF, at most 10 MB) and
/// optional `alt`.
#[derive(ToSchema)]
#[allow(dead_code)] // Describes the multipart body for OpenAPI; never built.
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
        (status = 201, description = "Stored, after the product's other images", body = ProductImage),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10 MB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an image, or no file", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload_image(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiPath(slug): ApiPath<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<ProductImage>), AppError> {
    // axum's own rejection (no multipart content type or boundary) is plain
    // text; the API answers in problem documents only.
    let mut multipart = multipart.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
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
    let image = state.core.catalog.upload_image(&slug, file, &alt, staff.user.id).await?;
    Ok((StatusCode::CREATED, Json(image)))
}

/// A change to an image; absent fields are kept.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ImagePatch {
    /// The text shown when the picture is not (at most 500 characters).
    alt: Option<String>,
    /// The image's place among its product's images, from 1 (the card's
    /// thumbnail); past the last means last. The others move up or down
    /// so positions stay 1..n.
    position: Option<i32>,
}

impl From<ImagePatch> for images::ImagePatch {
    fn from(patch: ImagePatch) -> Self {
        Self { alt: patch.alt, position: patch.position }
    }
}

/// Changes an image's alt text or moves it among its product's images.
#[utoipa::path(patch, path = "/images/{id}", tag = "catalog admin", request_body = ImagePatch,
    params(("id" = i64, Path, description = "Image id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The image after the change", body = ProductImage),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such image", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A position below 1 or an alt text too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_image(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<ImagePatch>,
) -> Result<Json<ProductImage>, AppError> {
    Ok(Json(state.core.catalog.update_image(id, patch.into(), staff.user.id).await?))
}

/// Deletes an image and its files; the product's other images close the gap.
#[utoipa::path(delete, path = "/images/{id}", tag = "catalog admin",
    params(("id" = i64, Path, description = "Image id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such image", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_image(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.core.catalog.delete_image(id, staff.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
