//! Changing a password: prove the current one, store the new hash, and end
//! every other sign-in in the same transaction. [`replace_in`] is the one
//! rule of what a new password ends; a password reset by e-mail
//! (`password_reset`) goes through it too.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{AccountError, audit, devices, password_reset, passwords, refresh_tokens};

/// What the caller keeps after a password change: the refresh-token family
/// of the API client that asked (so it can refresh once more), or nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Keep<'a> {
    pub refresh_family: Option<&'a str>,
}

/// Replaces the password. Every refresh-token family except `keep`'s is
/// revoked, and access tokens and web sessions signed in before the
/// returned instant stop working; the caller re-stamps its own session with
/// that instant to stay signed in.
pub async fn change_password(
    pool: &PgPool,
    user_id: i64,
    current: &str,
    new: &str,
    keep: Keep<'_>,
    ip: Option<&str>,
) -> Result<DateTime<Utc>, AccountError> {
    let stored = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1 AND is_active", user_id)
        .fetch_optional(pool)
        .await?
        .ok_or(AccountError::NotFound)?;
    if !passwords::verify(stored, current).await? {
        return Err(AccountError::WrongPassword);
    }
    let new_hash = passwords::hash(new).await?;
    let mut tx = pool.begin().await?;
    let valid_after = replace_in(&mut tx, user_id, &new_hash, keep).await?;
    audit::record(&mut *tx, audit::Event::PasswordChanged { user_id }, ip).await?;
    tx.commit().await?;
    Ok(valid_after)
}

/// Stores `new_hash` (from `passwords::hash`) as the password of `user_id`
/// and ends everything the old one let in, in the caller's transaction:
/// access tokens and web sessions signed in before the returned instant
/// stop working, every refresh-token family except `keep`'s is revoked,
/// known devices are forgotten (whoever knew the old password may have
/// signed in from their own browser) and outstanding reset links die.
pub(super) async fn replace_in(
    tx: &mut PgConnection,
    user_id: i64,
    new_hash: &str,
    keep: Keep<'_>,
) -> Result<DateTime<Utc>, AccountError> {
    let valid_after: DateTime<Utc> = sqlx::query_scalar!(
        "UPDATE users SET password_hash = $2, tokens_valid_after = now(), updated_at = now()
         WHERE id = $1 RETURNING tokens_valid_after",
        user_id,
        new_hash,
    )
    .fetch_one(&mut *tx)
    .await?;
    refresh_tokens::revoke_all_in(&mut *tx, user_id, keep.refresh_family).await?;
    devices::forget_all(&mut *tx, user_id).await?;
    password_reset::retire_all_in(&mut *tx, user_id).await?;
    Ok(valid_after)
}
