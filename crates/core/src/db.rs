//! The PostgreSQL pool and schema migrations.

use std::time::Duration;

use nexus_model::FieldErrors;
use sqlx::{PgPool, postgres::PgPoolOptions};

/// Migrations compiled into the binary from `migrations/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Key of the advisory lock that serialises migrations across instances
/// (an arbitrary constant: "nexus" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x6e_65_78_75_73;

/// Why the database could not be used, phrased for the operator.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot reach PostgreSQL at {target}: {source}; start PostgreSQL or fix DATABASE_URL")]
    Connect { target: String, source: sqlx::Error },
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error(
        "NEXUS_TIME_ZONE is `{0}`, which PostgreSQL does not know; set it to an IANA zone such as UTC or Europe/Berlin"
    )]
    UnknownTimeZone(String),
}

/// Whether PostgreSQL refused a text value it cannot hold: a NUL character
/// (`\u0000`), which JSON, form and URL encodings all carry but a `text`
/// column cannot store (SQLSTATE 22021). The text came from the client, so
/// each service answers it as the client's mistake, not a failure of ours.
pub(crate) fn is_unstorable_text(error: &sqlx::Error) -> bool {
    error.as_database_error().and_then(|error| error.code()).is_some_and(|code| code == "22021")
}

/// The problem reported for such text. The database does not say which
/// value it was, so it is filed under `text`.
pub(crate) fn unstorable_text() -> FieldErrors {
    FieldErrors::one("text", "must not contain the NUL character (\\u0000)")
}

pub async fn connect(database_url: &str, max_connections: u32) -> Result<PgPool, DbError> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(database_url)
        .await
        .map_err(|source| DbError::Connect { target: redact_url(database_url), source })
}

/// Applies pending migrations. Several instances starting together take turns
/// through a session-level advisory lock held on one dedicated connection, so
/// they never race to create the same table.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    let mut conn = pool.acquire().await?;
    sqlx::query!("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY).fetch_one(&mut *conn).await?;
    let mut result = MIGRATOR.run(&mut *conn).await.map_err(DbError::from);
    if result.is_ok() {
        // The job queue's own schema (underway's migrations), after ours.
        result = crate::jobs::prepare(pool).await.map_err(DbError::from);
    }
    let unlock = sqlx::query!("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY).fetch_one(&mut *conn).await;
    result?;
    unlock?;
    Ok(())
}

/// Refuses to start with a time zone PostgreSQL cannot count days in: every
/// date filter and report would fail later, one request at a time.
pub async fn check_time_zone(pool: &PgPool, zone: &str) -> Result<(), DbError> {
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
        .bind(zone)
        .fetch_one(pool)
        .await?;
    if known { Ok(()) } else { Err(DbError::UnknownTimeZone(zone.to_owned())) }
}

/// Whether PostgreSQL answers a trivial query within `timeout`.
pub async fn ping(pool: &PgPool, timeout: Duration) -> bool {
    tokio::time::timeout(timeout, sqlx::query!("SELECT 1 AS one").fetch_one(pool))
        .await
        .is_ok_and(|result| result.is_ok())
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<invalid url>".into();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

/// A timestamp as pages and the API show it: RFC 3339, UTC, whole seconds.
pub(crate) fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `text` matched literally by `LIKE`/`ILIKE` (whose escape character is
/// `\`): a search for `50%_off` finds exactly that.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_removed_from_urls() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/nexus"), "postgres://app@db:5432/nexus");
        assert_eq!(redact_url("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
    }
}
