//! Reviews: a product's visible reviews for everyone, writing one for a
//! customer who received the product, editing and deleting one's own, and
//! moderation for staff. The rules are `nexus_core::reviews`'.

use axum::{Json, extract::State, http::StatusCode};
use nexus_core::{
    model::{
        pagination::Page,
        review::{Review, ReviewDraft, ReviewSort, StaffReview},
    },
    reviews::ReviewFilter,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::{AuthUser, StaffUser},
};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ReviewListParams {
    /// `newest` (default) or `rating` (best first).
    #[param(value_type = Option<super::openapi::ReviewSortName>)]
    sort: Option<String>,
    /// From 1.
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    /// Default 20, at most 100 (larger values are clamped).
    #[param(value_type = Option<u32>, minimum = 1)]
    per_page: Option<String>,
}

/// The product's visible reviews (hidden ones are left out).
#[utoipa::path(get, path = "/products/{slug}/reviews", tag = "reviews",
    params(("slug" = String, Path, description = "Product slug"), ReviewListParams),
    responses(
        (status = 200, description = "One page of reviews", body = Page<Review>),
        (status = 404, description = "No such listed product", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_reviews(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(params): ApiQuery<ReviewListParams>,
) -> Result<Json<Page<Review>>, AppError> {
    let pagination = super::pagination(params.page.as_deref(), params.per_page.as_deref())?;
    let sort = ReviewSort::parse(params.sort.as_deref()).map_err(|message| AppError::invalid("sort", message))?;
    Ok(Json(state.core.reviews.product_reviews(&slug, sort, pagination).await?.reviews))
}

/// Reviews the product. Only a customer an order of it was delivered to may
/// (403 says so otherwise), once (409; edit or delete that review instead).
#[utoipa::path(post, path = "/products/{slug}/reviews", tag = "reviews", request_body = ReviewDraft,
    params(("slug" = String, Path, description = "Product slug")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The review, with `verified_purchase`", body = Review, links(
            ("UpdateReview" = (operation_id = "update_review", parameters(("id" = "$response.body#/id")))),
            ("DeleteReview" = (operation_id = "delete_review", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller has not received this product", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such listed product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller already reviewed this product", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_review(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(draft): ApiJson<ReviewDraft>,
) -> Result<(StatusCode, Json<Review>), AppError> {
    Ok((StatusCode::CREATED, Json(state.core.reviews.create(auth.user.id, &slug, &draft).await?)))
}

/// Edits the caller's own review; fields left out keep their value.
#[utoipa::path(patch, path = "/reviews/{id}", tag = "reviews", request_body = ReviewDraft,
    params(("id" = i64, Path, description = "Review id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The edited review", body = Review),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_review(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(draft): ApiJson<ReviewDraft>,
) -> Result<Json<Review>, AppError> {
    Ok(Json(state.core.reviews.update(auth.user.id, id, &draft).await?))
}

/// Deletes the caller's own review.
#[utoipa::path(delete, path = "/reviews/{id}", tag = "reviews",
    params(("id" = i64, Path, description = "Review id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review of the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_review(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.core.reviews.delete(auth.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct StaffReviewParams {
    /// `true` for hidden reviews only, `false` for visible ones only.
    #[param(value_type = Option<bool>)]
    hidden: Option<String>,
    /// Only reviews with this many stars (1–5).
    #[param(value_type = Option<u8>, minimum = 1, maximum = 5)]
    rating: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1)]
    per_page: Option<String>,
}

/// Every review, hidden ones included, newest first.
#[utoipa::path(get, path = "/admin/reviews", tag = "review admin", params(StaffReviewParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of reviews", body = Page<StaffReview>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn staff_reviews(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiQuery(params): ApiQuery<StaffReviewParams>,
) -> Result<Json<Page<StaffReview>>, AppError> {
    let pagination = super::pagination(params.page.as_deref(), params.per_page.as_deref())?;
    let filter =
        ReviewFilter::parse(params.hidden.as_deref(), params.rating.as_deref()).map_err(AppError::Validation)?;
    let (reviews, total) = state.core.reviews.all_reviews(&filter, pagination).await?;
    Ok(Json(Page::new(reviews, pagination, total)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewModeration {
    /// `true` hides the review (it leaves the product's rating); `false` shows it.
    hidden: bool,
}

/// Hides or shows a review.
#[utoipa::path(patch, path = "/admin/reviews/{id}", tag = "review admin", request_body = ReviewModeration,
    params(("id" = i64, Path, description = "Review id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The review", body = StaffReview),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn moderate_review(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(change): ApiJson<ReviewModeration>,
) -> Result<Json<StaffReview>, AppError> {
    Ok(Json(state.core.reviews.set_hidden(id, change.hidden, staff.user.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HideAuthor {
    /// The user whose reviews to hide.
    author_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct HiddenCount {
    /// How many reviews were visible and are now hidden.
    hidden: usize,
}

/// Hides every visible review by one author in one step, e.g. after their
/// account was deactivated.
#[utoipa::path(post, path = "/admin/reviews/hide-author", tag = "review admin", request_body = HideAuthor,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many were hidden", body = HiddenCount),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn hide_author(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    ApiJson(request): ApiJson<HideAuthor>,
) -> Result<Json<HiddenCount>, AppError> {
    let hidden = state.core.reviews.hide_all_by(request.author_id, staff.user.id).await?;
    Ok(Json(HiddenCount { hidden }))
}
