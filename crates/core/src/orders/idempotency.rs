//! `Idempotency-Key` of order creation. The key is claimed by inserting its
//! row inside the checkout transaction: a concurrent request with the same
//! key blocks on that row until the first commits (then replays its order)
//! or rolls back (then runs itself). Only a placed order is remembered, so
//! a declined card or missing stock can be retried with the same key.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::OrderError;

/// Keys are kept this long.
const KEY_LIFETIME_HOURS: i32 = 24;
const MAX_KEY_LEN: usize = 255;

pub(super) enum Claim {
    /// First use: go ahead.
    Fresh,
    /// This key already placed an order; answer with it.
    Replay(serde_json::Value),
}

/// Checks the key's form: 1 to 255 visible ASCII characters.
pub(super) fn check_key(key: &str) -> Result<(), OrderError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(OrderError::invalid(
            "idempotency_key",
            format!("must be 1 to {MAX_KEY_LEN} visible characters, such as a UUID"),
        ));
    }
    Ok(())
}

/// A digest of what the request asks for, to tell a replay from a misuse.
pub(super) fn fingerprint(canonical_request: &serde_json::Value) -> String {
    crate::random::to_hex(&Sha256::digest(canonical_request.to_string().as_bytes()))
}

pub(super) async fn claim(
    conn: &mut PgConnection,
    user_id: i64,
    key: &str,
    fingerprint: &str,
) -> Result<Claim, OrderError> {
    sqlx::query!(
        "DELETE FROM idempotency_keys
         WHERE user_id = $1 AND key = $2 AND created_at < now() - make_interval(hours => $3)",
        user_id,
        key,
        KEY_LIFETIME_HOURS,
    )
    .execute(&mut *conn)
    .await?;
    // Waits here while another transaction holds an uncommitted row for the key.
    let inserted = sqlx::query!(
        "INSERT INTO idempotency_keys (user_id, key, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        user_id,
        key,
        fingerprint,
    )
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let stored = sqlx::query!(
        "SELECT fingerprint, response FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        user_id,
        key,
    )
    .fetch_one(&mut *conn)
    .await?;
    if stored.fingerprint != fingerprint {
        return Err(OrderError::KeyReused);
    }
    stored.response.map(Claim::Replay).ok_or(OrderError::KeyInProgress)
}

/// Stores the placed order as the key's answer (same transaction as the order).
pub(super) async fn remember(
    conn: &mut PgConnection,
    user_id: i64,
    key: &str,
    order_id: i64,
    response: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE idempotency_keys SET order_id = $3, response = $4 WHERE user_id = $1 AND key = $2",
        user_id,
        key,
        order_id,
        response,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets keys past their lifetime; run periodically.
pub async fn delete_expired_keys(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)",
        KEY_LIFETIME_HOURS,
    )
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_sane_length() {
        assert!(check_key("0f8fad5b-d9cb-469f-a165-70867728950e").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
    }

    #[test]
    fn fingerprints_differ_with_the_request() {
        let a = fingerprint(&serde_json::json!({"shipping_method": "standard"}));
        assert_eq!(a.len(), 64);
        assert_eq!(a, fingerprint(&serde_json::json!({"shipping_method": "standard"})));
        assert_ne!(a, fingerprint(&serde_json::json!({"shipping_method": "express"})));
    }
}
