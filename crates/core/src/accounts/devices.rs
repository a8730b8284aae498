//! Known devices: browsers that have signed in to an account before. Ten
//! wrong passwords from anyone put an account's sign-in counter over its
//! limit; without this, that locks the owner out too. A device token,
//! handed out on a successful sign-in and kept by the browser, lets its
//! holder keep trying under a counter of its own. Tokens are random, stored
//! only as SHA-256 hashes, and forgotten after [`DEVICE_DAYS`] or when the
//! password changes.

use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool};

use crate::random::{random_hex, to_hex};

/// How long a browser stays known after the sign-in that introduced it.
pub const DEVICE_DAYS: i32 = 180;

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A device token presented with a sign-in, checked.
pub(super) struct KnownDevice {
    /// Names the device's own counter without putting the token in Redis.
    pub(super) id: String,
    /// Whose device it is, as the limiter keys accounts (`lower(email)`).
    pub(super) account: String,
}

/// The unexpired device `token` stands for, if any.
pub(super) async fn find(pool: &PgPool, token: &str) -> Result<Option<KnownDevice>, sqlx::Error> {
    let token_hash = hash(token);
    let account = sqlx::query_scalar!(
        r#"SELECT lower(u.email) AS "account!"
           FROM known_devices d JOIN users u ON u.id = d.user_id
           WHERE d.token_hash = $1 AND u.is_active
             AND d.created_at > now() - make_interval(days => $2)"#,
        token_hash,
        DEVICE_DAYS,
    )
    .fetch_optional(pool)
    .await?;
    Ok(account.map(|account| KnownDevice { id: to_hex(&token_hash[..12]), account }))
}

/// Remembers a new device for `user_id` and returns its token.
pub(super) async fn remember(pool: &PgPool, user_id: i64) -> Result<String, sqlx::Error> {
    let token = random_hex(32);
    sqlx::query!("INSERT INTO known_devices (token_hash, user_id) VALUES ($1, $2)", hash(&token), user_id)
        .execute(pool)
        .await?;
    Ok(token)
}

/// Forgets every device of `user_id` (a password change: whoever knew the
/// old password may have signed in from their own browser).
pub(super) async fn forget_all<'c>(executor: impl PgExecutor<'c>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM known_devices WHERE user_id = $1", user_id).execute(executor).await?;
    Ok(())
}

/// Deletes expired devices; run by the hourly sweep.
pub async fn delete_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let deleted =
        sqlx::query!("DELETE FROM known_devices WHERE created_at <= now() - make_interval(days => $1)", DEVICE_DAYS)
            .execute(pool)
            .await?;
    Ok(deleted.rows_affected())
}
