//! What admins do to other accounts: list them, change a role, deactivate.
//! A deactivated user cannot sign in, and their sessions and tokens stop
//! working at once because every request re-reads the active flag.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::{AccountError, Role, audit};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Part of the e-mail or name, any case.
    pub query: Option<String>,
    pub role: Option<Role>,
}

/// One page of users, oldest first, and the total matching.
pub async fn list_users(
    pool: &PgPool,
    filter: &UserFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserSummary>, i64), AccountError> {
    let pattern = filter.query.as_deref().map(|q| format!("%{}%", escape_like(q.trim())));
    let role = filter.role.map(Role::as_str);
    let users = sqlx::query_as(
        "SELECT id, email, name, role, is_active, created_at FROM users
         WHERE ($1::text IS NULL OR email ILIKE $1 OR name ILIKE $1) AND ($2::text IS NULL OR role = $2)
         ORDER BY id LIMIT $3 OFFSET $4",
    )
    .bind(&pattern)
    .bind(role)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM users
         WHERE ($1::text IS NULL OR email ILIKE $1 OR name ILIKE $1) AND ($2::text IS NULL OR role = $2)",
    )
    .bind(&pattern)
    .bind(role)
    .fetch_one(pool)
    .await?;
    Ok((users, total))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[derive(Clone, Copy, Debug, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

/// Applies an admin's change to another account, auditing each fact. An
/// admin may not demote or deactivate themself, so a store always keeps
/// the admin who made the change.
pub async fn update_user(
    pool: &PgPool,
    actor_id: i64,
    user_id: i64,
    change: UserChange,
    ip: Option<&str>,
) -> Result<UserSummary, AccountError> {
    if actor_id == user_id && (change.role.is_some_and(|role| role != Role::Admin) || change.is_active == Some(false)) {
        return Err(AccountError::NotAllowed("You cannot demote or deactivate your own account.".into()));
    }
    let mut tx = pool.begin().await?;
    let current: Option<(String, bool)> = sqlx::query_as("SELECT role, is_active FROM users WHERE id = $1 FOR UPDATE")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (current_role, was_active) = current.ok_or(AccountError::NotFound)?;
    let current_role: Role = current_role.parse()?;
    if let Some(role) = change.role.filter(|role| *role != current_role) {
        sqlx::query("UPDATE users SET role = $2, updated_at = now() WHERE id = $1")
            .bind(user_id)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
        audit::record(&mut *tx, audit::Event::RoleChanged { actor_id, user_id, from: current_role, to: role }, ip)
            .await?;
    }
    if let Some(active) = change.is_active.filter(|active| *active != was_active) {
        sqlx::query("UPDATE users SET is_active = $2, updated_at = now() WHERE id = $1")
            .bind(user_id)
            .bind(active)
            .execute(&mut *tx)
            .await?;
        if !active {
            // Refresh tokens die with the account rather than at next use.
            super::tokens::revoke_all_in(&mut tx, user_id, None).await?;
        }
        audit::record(&mut *tx, audit::Event::ActivationChanged { actor_id, user_id, active }, ip).await?;
    }
    let summary = sqlx::query_as("SELECT id, email, name, role, is_active, created_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(summary)
}
