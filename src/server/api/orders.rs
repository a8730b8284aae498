//! Checkout and the caller's orders. Every rule lives in `domain::orders`;
//! these handlers read the request and shape the response.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use nexus_core::{
    model::pagination::Page,
    orders::{self, Order, OrderSummary, Quote},
    payments,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    account::AddressInput,
    extract::{ApiJson, ApiPath, ApiQuery},
};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::AuthUser,
};

/// The checkout: where to, how fast, and the card.
#[derive(Clone, Deserialize, ToSchema)]
pub struct CheckoutRequest {
    /// One of the caller's saved addresses...
    address_id: Option<i64>,
    /// ...or an address typed at checkout.
    shipping_address: Option<AddressInput>,
    #[schema(value_type = nexus_core::model::order::ShippingMethod)]
    shipping_method: String,
    payment: CardInput,
}

/// Card details; never stored, never logged: no `Debug`, so not even by
/// accident (the core's `CardInput` it becomes prints them redacted).
#[derive(Clone, Deserialize, ToSchema)]
pub struct CardInput {
    /// Digits, spaces allowed; must pass the Luhn check.
    #[schema(pattern = "^[0-9 ]+$", max_length = 40)]
    card_number: String,
    #[schema(minimum = 1, maximum = 12)]
    exp_month: i64,
    /// Four digits, e.g. 2030; an expired card is a 422.
    #[schema(minimum = 1000, maximum = 9999)]
    exp_year: i64,
    #[schema(pattern = "^[0-9]{3,4}$")]
    cvc: String,
}

impl From<CheckoutRequest> for orders::CheckoutRequest {
    fn from(request: CheckoutRequest) -> Self {
        let CardInput { card_number, exp_month, exp_year, cvc } = request.payment;
        Self {
            address_id: request.address_id,
            shipping_address: request.shipping_address.map(Into::into),
            shipping_method: request.shipping_method,
            payment: payments::CardInput { card_number, exp_month: Some(exp_month), exp_year: Some(exp_year), cvc },
        }
    }
}

/// A checkout without the card: what it would cost, shipped where and how.
#[derive(Clone, Deserialize, ToSchema)]
pub struct QuoteRequest {
    /// One of the caller's saved addresses...
    address_id: Option<i64>,
    /// ...or an address typed at checkout.
    shipping_address: Option<AddressInput>,
    /// `standard` or `express`.
    shipping_method: String,
}

impl From<QuoteRequest> for orders::QuoteRequest {
    fn from(request: QuoteRequest) -> Self {
        let QuoteRequest { address_id, shipping_address, shipping_method } = request;
        Self { address_id, shipping_address: shipping_address.map(Into::into), shipping_method }
    }
}

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    page: Option<String>,
    per_page: Option<String>,
}

/// Places an order for everything in the caller's cart.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = CheckoutRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Same key and body within 24 h returns the first order; a different body → 422")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The order, paid (or pending while the provider confirms)", body = Order, links(
            ("OrderDetail" = (operation_id = "order_detail", parameters(("number" = "$response.body#/number")))),
            ("CancelOrder" = (operation_id = "cancel_order", parameters(("number" = "$response.body#/number")))),
            ("StaffOrder" = (operation_id = "get_order", parameters(("number" = "$response.body#/number")))),
            ("ChangeStatus" = (operation_id = "change_status", parameters(("number" = "$response.body#/number")))),
        )),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 402, description = "The card was declined; nothing was reserved", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enough stock (`variants` names them) or the same key is in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty cart, invalid fields, an expired or mistyped card, or a reused key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn place_order(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CheckoutRequest>,
) -> Result<(StatusCode, Json<Order>), AppError> {
    let key = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(value) => {
            Some(value.to_str().map_err(|_| AppError::invalid("idempotency_key", "must be visible ASCII characters"))?)
        }
    };
    let placed = state.core.orders.place_order(auth.user.id, request.into(), key).await?;
    Ok((StatusCode::CREATED, Json(placed.order)))
}

/// What placing an order for the caller's cart would cost now — lines,
/// shipping, tax and total from the same pricing as `POST /orders` — and
/// which lines are short of stock or changed price since they were added.
/// Changes nothing; any `payment` sent is ignored.
#[utoipa::path(post, path = "/checkout/quote", tag = "orders", request_body = QuoteRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The totals the order would get, and any problems", body = Quote),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty cart or invalid fields, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn quote(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<QuoteRequest>,
) -> Result<Json<Quote>, AppError> {
    Ok(Json(state.core.orders.quote(auth.user.id, request.into()).await?))
}

/// The caller's orders, newest first.
#[utoipa::path(get, path = "/orders", tag = "orders", params(PageParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of orders", body = Page<OrderSummary>),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad page parameter, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_orders(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<OrderSummary>>, AppError> {
    let pagination = super::pagination(params.page.as_deref(), params.per_page.as_deref())?;
    let (orders, total) = state.core.orders.customer_orders(auth.user.id, pagination).await?;
    Ok(Json(Page::new(orders, pagination, total)))
}

/// One of the caller's orders.
#[utoipa::path(get, path = "/orders/{number}", tag = "orders",
    params(("number" = String, Path, description = "Order number, e.g. NX-2026-000123")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order with lines, totals, address and status history", body = Order),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn order_detail(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Order>, AppError> {
    Ok(Json(state.core.orders.customer_order(auth.user.id, &number).await?))
}

/// Cancels one of the caller's orders while it is pending or paid: the goods
/// go back in stock and a paid order is refunded.
#[utoipa::path(post, path = "/orders/{number}/cancel", tag = "orders",
    params(("number" = String, Path, description = "Order number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cancelled order", body = Order),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order has shipped or already ended", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_order(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Order>, AppError> {
    Ok(Json(state.core.orders.cancel(auth.user.id, &number).await?))
}
