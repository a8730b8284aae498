//! Refresh tokens: random secrets handed to API clients, stored only as
//! SHA-256 hashes. Each login starts a *family*; a refresh spends the token
//! and issues the next one in the family. Presenting a spent token means it
//! leaked (or a client raced itself), so the whole family is revoked.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::{AccountError, User};
use crate::random::random_hex;

pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::days(30);

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A refresh token and the family it belongs to (carried in the access
/// token as `fam`, so a password change can spare the caller's family).
#[derive(Clone, Debug)]
pub struct Issued {
    pub token: String,
    pub family: String,
}

/// Starts a new family for `user_id` and returns its first token.
pub(super) async fn issue(pool: &PgPool, user_id: i64) -> Result<Issued, AccountError> {
    let family = random_hex(16);
    let token = insert(pool, user_id, &family).await?;
    Ok(Issued { token, family })
}

async fn insert(db: impl sqlx::PgExecutor<'_>, user_id: i64, family: &str) -> Result<String, AccountError> {
    let token = random_hex(32);
    sqlx::query!(
        "INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
        user_id,
        family,
        hash(&token),
        Utc::now() + REFRESH_TOKEN_LIFETIME,
    )
    .execute(db)
    .await?;
    Ok(token)
}

struct StoredToken {
    user_id: i64,
    family: String,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
}

/// Spends `token` and returns its user and the next token of the family.
pub(super) async fn rotate(pool: &PgPool, token: &str) -> Result<(User, Issued), AccountError> {
    let mut tx = pool.begin().await?;
    // The row lock makes two concurrent refreshes with one token take turns:
    // the second sees `used_at` and is treated as reuse.
    let stored = sqlx::query_as!(
        StoredToken,
        "SELECT user_id, family, used_at, revoked_at, expires_at FROM refresh_tokens
         WHERE token_hash = $1 FOR UPDATE",
        hash(token),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(stored) = stored else {
        return Err(AccountError::InvalidToken);
    };
    if stored.used_at.is_some() {
        revoke_family_in(&mut tx, &stored.family).await?;
        tx.commit().await?;
        tracing::warn!(user_id = stored.user_id, "spent refresh token presented again; family revoked");
        return Err(AccountError::InvalidToken);
    }
    if stored.revoked_at.is_some() || stored.expires_at <= Utc::now() {
        return Err(AccountError::InvalidToken);
    }
    sqlx::query!("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1", hash(token))
        .execute(&mut *tx)
        .await?;
    let user = super::users::find_active(&mut *tx, stored.user_id).await?.ok_or(AccountError::InvalidToken)?;
    // The successor is written in the same transaction: inserted after the
    // commit, it could land after a reuse of this token had revoked the
    // family, and live on.
    let next = insert(&mut *tx, user.id, &stored.family).await?;
    tx.commit().await?;
    Ok((user, Issued { token: next, family: stored.family }))
}

/// Revokes the family `token` belongs to, if it belongs to `user_id`.
pub(super) async fn revoke(pool: &PgPool, user_id: i64, token: &str) -> Result<(), AccountError> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now()
         WHERE revoked_at IS NULL AND user_id = $1
           AND family = (SELECT family FROM refresh_tokens WHERE token_hash = $2)",
        user_id,
        hash(token),
    )
    .execute(pool)
    .await?;
    Ok(())
}

async fn revoke_family_in(tx: &mut sqlx::PgConnection, family: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE refresh_tokens SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL", family)
        .execute(tx)
        .await?;
    Ok(())
}

/// Revokes every refresh-token family of `user_id`, except `keep`.
pub(super) async fn revoke_all_in(
    tx: &mut sqlx::PgConnection,
    user_id: i64,
    keep: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL AND family IS DISTINCT FROM $2",
        user_id,
        keep,
    )
    .execute(tx)
    .await?;
    Ok(())
}
