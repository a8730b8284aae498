//! Catalog: products.

use axum::{Json, extract::State};
use serde::Deserialize;
use utoipa::IntoParams;

use nexus_core::{
    encoded::Encoded,
    model::{ProductDetail, ProductList, ProductQuery, RawProductQuery},
};

use super::extract::{ApiPath, ApiQuery};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
};

/// Query of `GET /api/v1/products`. Values arrive as text so a bad one
/// yields a 422 naming the parameter instead of a generic 400.
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Category slug; products of its descendant categories are included.
    category: Option<String>,
    /// Lowest price in cents.
    #[param(value_type = Option<i64>, minimum = 0)]
    min_price: Option<String>,
    /// Highest price in cents.
    #[param(value_type = Option<i64>, minimum = 0)]
    max_price: Option<String>,
    /// `true` for products with at least one variant in stock.
    #[param(value_type = Option<bool>)]
    in_stock: Option<String>,
    /// Only products whose average rating (of visible reviews) is at least
    /// this many stars.
    #[param(value_type = Option<u8>, minimum = 1, maximum = 5)]
    min_rating: Option<String>,
    /// Search words: full text over name, SKU and description, prefix
    /// matching, tolerant of one typo.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Default `relevance` with `q`, else `newest`.
    #[param(value_type = Option<super::openapi::ProductSort>)]
    sort: Option<String>,
    /// Page number, from 1. Numbered pages go 10,000 items deep (`page` ×
    /// `per_page`); past that the answer is a 422 — follow `next_cursor`.
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    /// Items per page, default 20; values above 100 are clamped to 100.
    #[param(value_type = Option<u32>, minimum = 1)]
    per_page: Option<String>,
    /// `next_cursor` of the previous page, unchanged, instead of `page`:
    /// the next page at any depth, with the same `sort`. A cursor that is
    /// malformed or from another sort is a 422 naming `cursor`.
    cursor: Option<String>,
}

impl From<ListParams> for RawProductQuery {
    fn from(p: ListParams) -> Self {
        RawProductQuery {
            category: p.category,
            min_price: p.min_price,
            max_price: p.max_price,
            in_stock: p.in_stock,
            min_rating: p.min_rating,
            q: p.q,
            sort: p.sort,
            page: p.page,
            per_page: p.per_page,
            cursor: p.cursor,
        }
    }
}

/// Listed (active, not archived) products, filtered, searched and sorted,
/// in the pagination envelope. A search without hits carries `suggestion`.
/// When more than 10,000 products match a list filtered by price or rating
/// or searched, `total` is an estimate and `total_is_exact` is false.
#[utoipa::path(
    get,
    path = "/products",
    tag = "catalog",
    params(ListParams),
    responses(
        (status = 200, description = "A page of products", body = ProductList),
        (status = 422, description = "A query parameter is invalid", body = Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list_products(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Encoded<ProductList>>, AppError> {
    let query = ProductQuery::parse(&params.into()).map_err(AppError::Validation)?;
    Ok(Json(state.core.catalog.list_products_encoded(&query).await?))
}

/// One listed product with its variants, images and rating.
#[utoipa::path(
    get,
    path = "/products/{slug}",
    tag = "catalog",
    params(("slug" = String, Path, description = "Product slug")),
    responses(
        (status = 200, description = "The product", body = ProductDetail),
        (status = 404, description = "No such listed product", body = Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn product_detail(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Encoded<ProductDetail>>, AppError> {
    state.core.catalog.product_encoded(&slug).await?.map(Json).ok_or(AppError::NotFound)
}
