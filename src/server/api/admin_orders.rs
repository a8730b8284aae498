//! Orders of every customer, for staff: the list, one order with its
//! customer and payments, and status changes (with tracking when shipped).

use axum::{Json, extract::State};
use nexus_core::{
    model::order::Tracking,
    model::pagination::Page,
    orders::{Actor, Order, OrderFilter, OrderStatus, OrderSummary, StaffOrder},
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
    #[param(value_type = Option<nexus_core::model::order::OrderStatus>)]
    status: Option<String>,
    /// Orders placed on or after this day (`YYYY-MM-DD`, the store's time zone).
    from: Option<String>,
    /// Orders placed on or before this day (`YYYY-MM-DD`, the store's time zone).
    to: Option<String>,
    /// An order number (`NX-2026-000123`) or the start of the customer's e-mail.
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// Every customer's orders, newest first, each with the customer's e-mail.
#[utoipa::path(get, path = "/admin/orders", tag = "order admin", operation_id = "admin_list_orders", params(AdminOrderParams), security(("bearer" = [])),
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
    let filter =
        OrderFilter::parse(params.status.as_deref(), params.from.as_deref(), params.to.as_deref(), params.q.as_deref())
            .map_err(AppError::Validation)?;
    let (orders, total) = state.core.orders.all_orders(&filter, pagination).await?;
    Ok(Json(Page::new(orders, pagination, total)))
}

/// One order of any customer, with the customer, the payments and who
/// made each status change.
#[utoipa::path(get, path = "/admin/orders/{number}", tag = "order admin",
    params(("number" = String, Path, description = "Order number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order", body = StaffOrder),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_order(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<StaffOrder>, AppError> {
    Ok(Json(state.core.orders.staff_order(&number).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusChangeRequest {
    /// The new status.
    #[schema(value_type = nexus_core::model::order::OrderStatus)]
    status: String,
    /// Shown in the order's history.
    #[schema(max_length = 500)]
    note: Option<String>,
    /// Where the parcel is; typically sent with `shipped`. Kept on the order
    /// and shown to the shopper.
    tracking: Option<Tracking>,
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
        (status = 422, description = "Unknown status, a note over 500 characters or incomplete tracking, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_status(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(number): ApiPath<String>,
    ApiJson(change): ApiJson<StatusChangeRequest>,
) -> Result<Json<Order>, AppError> {
    let to = change.status.trim().parse::<OrderStatus>().map_err(|message| AppError::invalid("status", message))?;
    let tracking = match change.tracking {
        Some(tracking) => Tracking::check(&tracking.carrier, &tracking.number, tracking.url.as_deref().unwrap_or(""))
            .map_err(|mut errors| {
            for field in ["carrier", "number", "url"] {
                errors.rename(field, &format!("tracking.{field}"));
            }
            AppError::Validation(errors)
        })?,
        None => None,
    };
    let actor = Actor::Staff(staff.0.user.id);
    let orders = &state.core.orders;
    Ok(Json(orders.change_status(&number, to, actor, change.note.as_deref(), tracking.as_ref()).await?))
}
