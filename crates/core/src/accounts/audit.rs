//! The audit trail: security-relevant facts as rows in `audit_events` and as
//! structured log events (target `audit`). Neither ever holds a password or
//! a token.

use serde_json::json;
use sqlx::PgExecutor;

use super::Role;

#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    Registered {
        user_id: i64,
    },
    SignedIn {
        user_id: i64,
    },
    /// `email` is what was typed, whether or not an account has it.
    SignInFailed {
        email: &'a str,
    },
    SignedOut {
        user_id: i64,
    },
    PasswordChanged {
        user_id: i64,
    },
    RoleChanged {
        actor_id: i64,
        user_id: i64,
        from: Role,
        to: Role,
    },
    ActivationChanged {
        actor_id: i64,
        user_id: i64,
        active: bool,
    },
}

impl Event<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Registered { .. } => "account.registered",
            Event::SignedIn { .. } => "auth.sign_in",
            Event::SignInFailed { .. } => "auth.sign_in_failed",
            Event::SignedOut { .. } => "auth.sign_out",
            Event::PasswordChanged { .. } => "account.password_changed",
            Event::RoleChanged { .. } => "admin.role_changed",
            Event::ActivationChanged { .. } => "admin.activation_changed",
        }
    }

    fn columns(&self) -> (Option<i64>, Option<i64>, Option<&str>, serde_json::Value) {
        match *self {
            Event::Registered { user_id }
            | Event::SignedIn { user_id }
            | Event::SignedOut { user_id }
            | Event::PasswordChanged { user_id } => (Some(user_id), Some(user_id), None, json!({})),
            Event::SignInFailed { email } => (None, None, Some(email), json!({})),
            Event::RoleChanged { actor_id, user_id, from, to } => {
                (Some(actor_id), Some(user_id), None, json!({"from": from.as_str(), "to": to.as_str()}))
            }
            Event::ActivationChanged { actor_id, user_id, active } => {
                (Some(actor_id), Some(user_id), None, json!({"active": active}))
            }
        }
    }
}

/// Writes the event; `db` may be a transaction so the fact commits with
/// the change it describes.
pub async fn record(db: impl PgExecutor<'_>, event: Event<'_>, ip: Option<&str>) -> Result<(), sqlx::Error> {
    let (actor_id, user_id, email, detail) = event.columns();
    let name = event.name();
    if matches!(event, Event::SignInFailed { .. }) {
        tracing::warn!(target: "audit", event = name, ip, %detail, "audit");
    } else {
        tracing::info!(target: "audit", event = name, actor_id, user_id, ip, %detail, "audit");
    }
    sqlx::query!(
        "INSERT INTO audit_events (event, actor_id, user_id, email, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        name,
        actor_id,
        user_id,
        email,
        ip,
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}
