//! Sales figures for staff: `GET /admin/stats`, the same report the
//! reports page and the dashboard show.

use axum::{Json, extract::State};
use nexus_core::{model::report::SalesReport, reports::ReportRange};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::ApiQuery;
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::StaffUser,
};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// First day (`YYYY-MM-DD`, the store's time zone); default: 29 days before `to`.
    from: Option<String>,
    /// Last day (`YYYY-MM-DD`, the store's time zone); default: today. At most 731 days after `from`.
    to: Option<String>,
}

/// Orders, revenue, average order, cancellations and refunds, the top
/// products and the sales of each day, for a range of the store's days.
/// Revenue sums paid, shipped and delivered orders (goods, shipping, tax).
#[utoipa::path(get, path = "/admin/stats", tag = "order admin", params(StatsParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "The figures of the range", body = SalesReport),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date or range, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn stats(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiQuery(params): ApiQuery<StatsParams>,
) -> Result<Json<SalesReport>, AppError> {
    let reports = &state.core.reports;
    let range = ReportRange::parse(params.from.as_deref(), params.to.as_deref(), reports.today().await?)
        .map_err(AppError::Validation)?;
    Ok(Json(reports.sales(range).await?))
}
