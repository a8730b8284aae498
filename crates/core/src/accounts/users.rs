//! The `users` table: reading, creating and renaming accounts, checking a
//! password, and the list of revoked access tokens.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

use super::{AccountError, Email, NewUser, Role, User, passwords};

/// A user row as stored; the role column is text.
struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    created_at: DateTime<Utc>,
    tokens_valid_after: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = AccountError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        // The column's CHECK admits only the three roles; anything else is a
        // broken database, not a customer.
        let role = row
            .role
            .parse::<Role>()
            .map_err(|_| sqlx::Error::Decode(format!("user {} has the unknown role `{}`", row.id, row.role).into()))?;
        Ok(User {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            created_at: row.created_at,
            tokens_valid_after: row.tokens_valid_after,
        })
    }
}

/// An active user by id.
pub(super) async fn find_active(db: impl PgExecutor<'_>, id: i64) -> Result<Option<User>, AccountError> {
    let row = sqlx::query_as!(
        UserRow,
        "SELECT id, email, name, role, created_at, tokens_valid_after FROM users WHERE id = $1 AND is_active",
        id,
    )
    .fetch_optional(db)
    .await?;
    row.map(User::try_from).transpose()
}

/// The e-mail as the database compares it (`lower()` under the database's
/// own rules, which Rust's lower-casing does not match for every letter):
/// the limiter's name for the account it would sign in to.
pub(super) async fn account_name(pool: &PgPool, email: &str) -> Result<String, AccountError> {
    Ok(sqlx::query_scalar!(r#"SELECT lower($1) AS "name!""#, email.trim()).fetch_one(pool).await?)
}

/// [`account_name`] of an existing user.
pub(super) async fn account_name_of(pool: &PgPool, user_id: i64) -> Result<String, AccountError> {
    sqlx::query_scalar!(r#"SELECT lower(email) AS "name!" FROM users WHERE id = $1 AND is_active"#, user_id)
        .fetch_optional(pool)
        .await?
        .ok_or(AccountError::NotFound)
}

/// The active user with this e-mail and password. An unknown e-mail is
/// checked against a dummy hash, so it costs the same as a wrong password.
pub(super) async fn authenticate(pool: &PgPool, email: &str, password: &str) -> Result<User, AccountError> {
    let row = sqlx::query!(
        "SELECT id, email, name, role, password_hash, created_at, tokens_valid_after
         FROM users WHERE lower(email) = lower($1) AND is_active",
        email.trim(),
    )
    .fetch_optional(pool)
    .await?;
    let hash = row.as_ref().map_or_else(|| passwords::DUMMY_HASH.clone(), |row| row.password_hash.clone());
    let matches = passwords::verify(hash, password).await?;
    match row {
        Some(row) if matches => User::try_from(UserRow {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            created_at: row.created_at,
            tokens_valid_after: row.tokens_valid_after,
        }),
        _ => Err(AccountError::InvalidCredentials),
    }
}

pub(super) fn validate_name(name: &str) -> Result<&str, AccountError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AccountError::invalid("name", "must not be empty"));
    }
    if name.chars().count() > 200 {
        return Err(AccountError::invalid("name", "must be at most 200 characters"));
    }
    Ok(name)
}

/// Creates an account and returns its id. Every field is checked before
/// answering, so a form can mark them all.
pub(super) async fn create(pool: &PgPool, new_user: NewUser<'_>) -> Result<i64, AccountError> {
    let checks = (Email::parse(new_user.email), validate_name(new_user.name), passwords::validate(new_user.password));
    let (email, name) = match checks {
        (Ok(email), Ok(name), Ok(())) => (email, name),
        (email, name, password) => {
            let mut fields = nexus_model::FieldErrors::new();
            for problem in [email.err(), name.err(), password.err()].into_iter().flatten() {
                match problem {
                    AccountError::Invalid(errors) => fields.extend(errors),
                    other => return Err(other),
                }
            }
            return Err(AccountError::Invalid(fields));
        }
    };
    let password_hash = passwords::hash(new_user.password).await?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT ((lower(email))) DO NOTHING RETURNING id",
        email.as_str(),
        name,
        new_user.role.as_str(),
        password_hash,
    )
    .fetch_optional(pool)
    .await?;
    inserted.ok_or(AccountError::EmailTaken)
}

pub(super) async fn update_name(pool: &PgPool, user_id: i64, name: &str) -> Result<User, AccountError> {
    let name = validate_name(name)?;
    sqlx::query!("UPDATE users SET name = $2, updated_at = now() WHERE id = $1 AND is_active", user_id, name)
        .execute(pool)
        .await?;
    find_active(pool, user_id).await?.ok_or(AccountError::NotFound)
}

/// Whether an access token was revoked (logout) before it expired.
/// Whether an access token was revoked, on its own (sign-out) or with its
/// refresh-token family (sign-out, or a spent refresh token presented again).
pub(super) async fn is_revoked(pool: &PgPool, jti: &str, family: Option<&str>) -> Result<bool, AccountError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1)
               OR EXISTS (SELECT 1 FROM refresh_tokens WHERE family = $2 AND revoked_at IS NOT NULL) AS "revoked!""#,
        jti,
        family,
    )
    .fetch_one(pool)
    .await?)
}

/// Revokes one access token until it would have expired anyway; old
/// entries are cleared on the way.
pub(super) async fn revoke(pool: &PgPool, jti: &str, expires_at: DateTime<Utc>) -> Result<(), AccountError> {
    sqlx::query!("DELETE FROM revoked_access_tokens WHERE expires_at < now() - interval '1 hour'")
        .execute(pool)
        .await?;
    sqlx::query!(
        "INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        jti,
        expires_at,
    )
    .execute(pool)
    .await?;
    Ok(())
}
