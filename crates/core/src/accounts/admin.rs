//! What admins do to other accounts: list them, change a role, deactivate.
//! A deactivated user cannot sign in, and their sessions and tokens stop
//! working at once because every request re-reads the active flag.

use chrono::{DateTime, SecondsFormat, Utc};
use nexus_model::{
    Pagination,
    account::{AuditEntry, UserSummary},
};
use sqlx::{PgConnection, PgPool};

use super::{AccountError, Role, audit};
use crate::db::escape_like;

#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Part of the e-mail or name, any case.
    pub query: Option<String>,
    pub role: Option<Role>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

struct SummaryRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    is_active: bool,
    created_at: DateTime<Utc>,
}

impl From<SummaryRow> for UserSummary {
    fn from(row: SummaryRow) -> Self {
        UserSummary {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            is_active: row.is_active,
            created_at: row.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        }
    }
}

/// One page of users, oldest first, and the total matching.
pub(super) async fn list_users(
    pool: &PgPool,
    filter: &UserFilter,
    pagination: Pagination,
) -> Result<(Vec<UserSummary>, i64), AccountError> {
    let pattern = filter.query.as_deref().map(|q| format!("%{}%", escape_like(q.trim())));
    let role = filter.role.map(Role::as_str);
    let users = sqlx::query_as!(
        SummaryRow,
        "SELECT id, email, name, role, is_active, created_at FROM users
         WHERE ($1::text IS NULL OR email ILIKE $1 OR name ILIKE $1) AND ($2::text IS NULL OR role = $2)
         ORDER BY id LIMIT $3 OFFSET $4",
        pattern,
        role,
        pagination.limit(),
        pagination.offset(),
    )
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "total!" FROM users
           WHERE ($1::text IS NULL OR email ILIKE $1 OR name ILIKE $1) AND ($2::text IS NULL OR role = $2)"#,
        pattern,
        role,
    )
    .fetch_one(pool)
    .await?;
    Ok((users.into_iter().map(UserSummary::from).collect(), total))
}

/// Applies an admin's change to another account, auditing each fact. An
/// admin may not demote or deactivate themself, so a store always keeps
/// the admin who made the change.
pub(super) async fn update_user(
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
    let current = sqlx::query!("SELECT role, is_active FROM users WHERE id = $1 FOR UPDATE", user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AccountError::NotFound)?;
    let current_role: Role = current.role.parse()?;
    if let Some(role) = change.role.filter(|role| *role != current_role) {
        sqlx::query!("UPDATE users SET role = $2, updated_at = now() WHERE id = $1", user_id, role.as_str())
            .execute(&mut *tx)
            .await?;
        audit::record(&mut *tx, audit::Event::RoleChanged { actor_id, user_id, from: current_role, to: role }, ip)
            .await?;
    }
    if let Some(active) = change.is_active.filter(|active| *active != current.is_active) {
        set_active(&mut tx, user_id, active).await?;
        audit::record(&mut *tx, audit::Event::ActivationChanged { actor_id, user_id, active }, ip).await?;
    }
    let summary = sqlx::query_as!(
        SummaryRow,
        "SELECT id, email, name, role, is_active, created_at FROM users WHERE id = $1",
        user_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(summary.into())
}

async fn set_active(tx: &mut PgConnection, user_id: i64, active: bool) -> Result<(), AccountError> {
    sqlx::query!("UPDATE users SET is_active = $2, updated_at = now() WHERE id = $1", user_id, active)
        .execute(&mut *tx)
        .await?;
    if !active {
        // Refresh tokens die with the account rather than at next use.
        super::refresh_tokens::revoke_all_in(tx, user_id, None).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    user_id: i64,
    event: String,
    occurred_at: DateTime<Utc>,
    ip: Option<String>,
    detail: serde_json::Value,
    actor_name: Option<String>,
    actor_email: Option<String>,
}

/// The newest `per_user` events of each of `user_ids` (their own, and
/// failed sign-ins with their e-mail), newest first, in one statement.
pub(super) async fn recent_events(
    pool: &PgPool,
    user_ids: &[i64],
    per_user: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT u.id AS user_id, e.event, e.occurred_at, e.ip, e.detail,
                a.name AS actor_name, a.email AS actor_email
         FROM users u
         CROSS JOIN LATERAL (
             SELECT * FROM (
                 (SELECT * FROM audit_events WHERE user_id = u.id ORDER BY occurred_at DESC LIMIT $2)
                 UNION ALL
                 (SELECT * FROM audit_events WHERE user_id IS NULL AND lower(email) = lower(u.email)
                  ORDER BY occurred_at DESC LIMIT $2)
             ) mine ORDER BY occurred_at DESC LIMIT $2
         ) e
         LEFT JOIN users a ON a.id = e.actor_id AND a.id <> u.id
         WHERE u.id = ANY($1)
         ORDER BY u.id, e.occurred_at DESC",
    )
    .bind(user_ids)
    .bind(per_user)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            user_id: row.user_id,
            summary: audit_summary(&row.event, &row.detail),
            event: row.event,
            at: crate::db::timestamp(row.occurred_at),
            ip: row.ip,
            actor: row.actor_name.zip(row.actor_email).map(|(name, email)| format!("{name} <{email}>")),
        })
        .collect())
}

/// An audit event in words: its name and the detail it was written with.
fn audit_summary(event: &str, detail: &serde_json::Value) -> String {
    let text = |key: &str| detail.get(key).and_then(serde_json::Value::as_str).unwrap_or("?").to_owned();
    match event {
        "account.registered" => "Registered".to_owned(),
        "auth.sign_in" => "Signed in".to_owned(),
        "auth.sign_in_failed" => "Failed sign-in (wrong password)".to_owned(),
        "auth.sign_out" => "Signed out".to_owned(),
        "account.password_changed" => "Changed the password".to_owned(),
        "account.password_reset_requested" => "Password-reset link e-mailed".to_owned(),
        "account.password_reset" => "Reset the password with an e-mailed link".to_owned(),
        "admin.role_changed" => format!("Role changed from {} to {}", text("from"), text("to")),
        "admin.activation_changed" => match detail.get("active").and_then(serde_json::Value::as_bool) {
            Some(true) => "Activated".to_owned(),
            _ => "Deactivated".to_owned(),
        },
        "reviews.hidden" => "Reviews hidden by staff".to_owned(),
        "reviews.shown" => "Reviews shown again by staff".to_owned(),
        other => other.to_owned(),
    }
}
