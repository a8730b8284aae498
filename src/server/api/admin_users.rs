//! Users and roles, for admins only: every handler takes `AdminUser`.

use axum::{Json, extract::State};
use nexus_core::{
    accounts::{Role, UserChange, UserFilter},
    model::{account::UserSummary, pagination::Page},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::{AdminUser, Visitor},
};

/// Query of `GET /api/v1/admin/users`; values arrive as text so a bad one
/// is a 422 naming it.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Part of the e-mail or name.
    q: Option<String>,
    #[param(value_type = Option<super::openapi::RoleName>)]
    role: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// Every account, oldest first.
#[utoipa::path(get, path = "/admin/users", tag = "admin", params(UserListParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of users", body = Page<UserSummary>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiQuery(params): ApiQuery<UserListParams>,
) -> Result<Json<Page<UserSummary>>, AppError> {
    let pagination = super::pagination(params.page.as_deref(), params.per_page.as_deref())?;
    let role = match params.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(role) => Some(role.parse::<Role>()?),
        None => None,
    };
    let filter = UserFilter { query: params.q.filter(|q| !q.trim().is_empty()), role };
    let (users, total) = state.core.accounts.list_users(&filter, pagination).await?;
    Ok(Json(Page::new(users, pagination, total)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(value_type = Option<super::openapi::RoleName>)]
    role: Option<String>,
    is_active: Option<bool>,
}

/// Changes a user's role or deactivates them. A deactivated user cannot
/// sign in, and their sessions and tokens stop working at once. Admins
/// cannot demote or deactivate themselves (409).
#[utoipa::path(patch, path = "/admin/users/{id}", tag = "admin", request_body = UserPatch,
    params(("id" = i64, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = UserSummary),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An admin demoting or deactivating themself", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown role", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_user(
    State(state): State<AppState>,
    visitor: Visitor,
    AdminUser(admin): AdminUser,
    ApiPath(user_id): ApiPath<i64>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<UserSummary>, AppError> {
    let role = patch.role.as_deref().map(str::parse::<Role>).transpose()?;
    let change = UserChange { role, is_active: patch.is_active };
    Ok(Json(state.core.accounts.update_user(admin.user.id, user_id, change, visitor.ip()).await?))
}
