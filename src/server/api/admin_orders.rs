//! Orders of every customer, for staff: the list and status changes.

use axum::{Json, extract::State};
use nexus_core::{
    model::pagination::Page,
    orders::{Actor, Order, OrderStatus, OrderSummary},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::StaffUser,
};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AdminOrderParams {
    /// Only orders in this status.
    status: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// Every customer's orders, newest first, each with the customer's e-mail.
#[utoipa::path(get, path = "/admin/orders", tag = "order admin", params(AdminOrderParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of orders", body = Page<OrderSummary>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_orders(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiQuery(params): ApiQuery<AdminOrderParams>,
) -> Result<Json<Page<OrderSummary>>, AppError> {
    let pagination = super::pagination(params.page.as_deref(), params.per_page.as_deref())?;
    let status = match params.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => Some(text.parse::<OrderStatus>().map_err(|message| AppError::invalid("status", message))?),
        None => None,
    };
    let (orders, total) = state.core.orders.all_orders(status, pagination).await?;
    Ok(Json(Page::new(orders, pagination, total)))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusChangeRequest {
    /// The new status.
    status: String,
    /// Shown in the order's history, e.g. a tracking number.
    note: Option<String>,
}

/// Moves an order along: paid → shipped → delivered, or cancels/refunds it.
#[utoipa::path(post, path = "/admin/orders/{number}/status", tag = "order admin", request_body = StatusChangeRequest,
    params(("number" = String, Path, description = "Order number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order after the change", body = Order),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The transition is not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown status or a note over 500 characters", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_status(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(number): ApiPath<String>,
    ApiJson(change): ApiJson<StatusChangeRequest>,
) -> Result<Json<Order>, AppError> {
    let to = change.status.trim().parse::<OrderStatus>().map_err(|message| AppError::invalid("status", message))?;
    let actor = Actor::Staff(staff.0.user.id);
    Ok(Json(state.core.orders.change_status(&number, to, actor, change.note.as_deref()).await?))
}
