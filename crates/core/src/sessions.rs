//! The records behind the pages' sign-in cookie: one row per web session in
//! `web_sessions`, so every app instance sees the same sessions and a
//! restart keeps shoppers signed in. What a session holds is the web
//! crate's business (it stores JSON here); when it expires is ours.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A session's data and when it ends.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRecord {
    pub data: serde_json::Value,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct WebSessions {
    pool: PgPool,
}

impl WebSessions {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Stores a new session under `id`; `false` when the id is taken.
    pub async fn create(&self, id: &str, record: &SessionRecord) -> Result<bool, sqlx::Error> {
        let inserted = sqlx::query!(
            "INSERT INTO web_sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            id,
            record.data,
            record.expires_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Stores a session, replacing what `id` held.
    pub async fn save(&self, id: &str, record: &SessionRecord) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "INSERT INTO web_sessions (id, data, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at",
            id,
            record.data,
            record.expires_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session `id`, unless it has expired.
    pub async fn load(&self, id: &str) -> Result<Option<SessionRecord>, sqlx::Error> {
        sqlx::query_as!(
            SessionRecord,
            "SELECT data, expires_at FROM web_sessions WHERE id = $1 AND expires_at > now()",
            id,
        )
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn delete(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query!("DELETE FROM web_sessions WHERE id = $1", id).execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes every expired session; run now and then by the sweeper.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query!("DELETE FROM web_sessions WHERE expires_at <= now()")
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}
