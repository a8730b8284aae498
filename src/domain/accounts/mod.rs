//! Accounts: who can sign in and with which role. Passwords are stored only
//! as argon2id hashes; hashing runs on the blocking pool because it is
//! deliberately slow and would otherwise stall the async runtime.

use std::{fmt, str::FromStr};

pub mod addresses;
pub mod admin;
pub mod audit;
pub mod password;
pub mod tokens;

use std::sync::LazyLock;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

pub const MIN_PASSWORD_LEN: usize = 8;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Customer,
    Staff,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }
}

impl Role {
    /// Staff pages and the catalog management API.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }

    /// Users and roles.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl FromStr for Role {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(Role::Customer),
            "staff" => Ok(Role::Staff),
            "admin" => Ok(Role::Admin),
            other => Err(AccountError::Invalid {
                field: "role",
                message: format!("`{other}` is not customer, staff or admin"),
            }),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An e-mail address that passed basic shape checks, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, AccountError> {
        let email = input.trim();
        let invalid = |message: &str| AccountError::Invalid { field: "email", message: message.to_owned() };
        let (local, domain) = email.split_once('@').ok_or_else(|| invalid("must contain @"))?;
        if email.len() > 254 || local.is_empty() || domain.contains('@') {
            return Err(invalid("is not a valid e-mail address"));
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(invalid("needs a domain such as example.com"));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("must not contain spaces"));
        }
        Ok(Self(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{field} {message}")]
    Invalid { field: &'static str, message: String },
    /// Several fields at once (an address form).
    #[error("invalid fields: {0:?}")]
    InvalidFields(std::collections::BTreeMap<&'static str, String>),
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    /// Same answer for an unknown e-mail and a wrong password.
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    #[error("the token is invalid, expired or revoked")]
    InvalidToken,
    /// The current password given to confirm a change is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("no such account or address")]
    NotFound,
    /// A change the rules forbid, such as an admin demoting themself.
    #[error("{0}")]
    NotAllowed(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Tokens issued before this instant are no longer accepted.
    pub tokens_valid_after: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    created_at: DateTime<Utc>,
    tokens_valid_after: DateTime<Utc>,
}

impl UserRow {
    fn into_user(self) -> User {
        User {
            id: self.id,
            email: self.email,
            name: self.name,
            // The column's CHECK constraint admits only the three roles.
            role: self.role.parse().unwrap_or(Role::Customer),
            created_at: self.created_at,
            tokens_valid_after: self.tokens_valid_after,
        }
    }
}

const USER_COLUMNS: &str = "id, email, name, role, password_hash, created_at, tokens_valid_after";

/// An active user by id.
pub async fn find_active(db: impl PgExecutor<'_>, id: i64) -> Result<Option<User>, AccountError> {
    let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND is_active"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(UserRow::into_user))
}

/// Checks an e-mail and password and records the outcome in the audit
/// trail. An unknown e-mail costs the same argon2 work as a wrong password
/// and gets the same error, so neither the answer nor its timing tells
/// whether an account exists.
pub async fn sign_in(pool: &PgPool, email: &str, password: &str, ip: Option<&str>) -> Result<User, AccountError> {
    match authenticate(pool, email, password).await {
        Ok(user) => {
            audit::record(pool, audit::Event::SignedIn { user_id: user.id }, ip).await?;
            Ok(user)
        }
        Err(AccountError::InvalidCredentials) => {
            audit::record(pool, audit::Event::SignInFailed { email: email.trim() }, ip).await?;
            Err(AccountError::InvalidCredentials)
        }
        Err(other) => Err(other),
    }
}

async fn authenticate(pool: &PgPool, email: &str, password: &str) -> Result<User, AccountError> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1) AND is_active"))
            .bind(email.trim())
            .fetch_optional(pool)
            .await?;
    let hash = row.as_ref().map_or_else(|| DUMMY_HASH.clone(), |r| r.password_hash.clone());
    let matches = verify_password(hash, password).await?;
    match row {
        Some(row) if matches => Ok(row.into_user()),
        _ => Err(AccountError::InvalidCredentials),
    }
}

/// At most one password hash per core at a time. Each argon2 run takes
/// 19 MiB and a core for ~20 ms; letting every waiting sign-in start one at
/// once only thrashes (throughput fell by a quarter at 32 concurrent
/// sign-ins), while queueing keeps the cores busy with runs that finish.
static HASHING_SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
});

/// Runs argon2 work on the blocking pool, one job per core at a time.
async fn hash_on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AccountError> {
    let _slot = HASHING_SLOTS.acquire().await.map_err(|e| AccountError::Hashing(e.to_string()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AccountError::Hashing(e.to_string()))
}

/// Checks `password` against a PHC hash on the blocking pool.
pub(crate) async fn verify_password(hash: String, password: &str) -> Result<bool, AccountError> {
    let password = password.to_owned();
    hash_on_blocking_pool(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
}

/// A real argon2id hash of a random password, verified against when the
/// e-mail is unknown.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(b"no account has this password", &salt).map(|h| h.to_string()).unwrap_or_default()
});

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub role: Role,
}

/// Creates a customer's account and records it in the audit trail.
pub async fn register(pool: &PgPool, new_user: NewUser<'_>, ip: Option<&str>) -> Result<User, AccountError> {
    let id = create_user(pool, new_user).await?;
    audit::record(pool, audit::Event::Registered { user_id: id }, ip).await?;
    find_active(pool, id).await?.ok_or(AccountError::NotFound)
}

/// Renames the user; the only profile field besides the e-mail, which is
/// the sign-in name and stays fixed.
pub async fn update_name(pool: &PgPool, user_id: i64, name: &str) -> Result<User, AccountError> {
    let name = validate_name(name)?;
    sqlx::query("UPDATE users SET name = $2, updated_at = now() WHERE id = $1 AND is_active")
        .bind(user_id)
        .bind(name)
        .execute(pool)
        .await?;
    find_active(pool, user_id).await?.ok_or(AccountError::NotFound)
}

fn validate_name(name: &str) -> Result<&str, AccountError> {
    let name = name.trim();
    let invalid = |message: &str| AccountError::Invalid { field: "name", message: message.to_owned() };
    if name.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if name.chars().count() > 200 {
        return Err(invalid("must be at most 200 characters"));
    }
    Ok(name)
}

/// Creates an account and returns its id.
pub async fn create_user(pool: &PgPool, new_user: NewUser<'_>) -> Result<i64, AccountError> {
    // Every field is checked before answering, so a form can mark them all.
    let (email, name, password) =
        (Email::parse(new_user.email), validate_name(new_user.name), validate_password(new_user.password));
    let (email, name) = match (email, name, password) {
        (Ok(email), Ok(name), Ok(())) => (email, name),
        (email, name, password) => {
            let problems = [email.err(), name.err(), password.err()].into_iter().flatten();
            let fields = problems
                .filter_map(|problem| match problem {
                    AccountError::Invalid { field, message } => Some((field, message)),
                    _ => None,
                })
                .collect();
            return Err(AccountError::InvalidFields(fields));
        }
    };
    let password_hash = hash_password(new_user.password).await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT ((lower(email))) DO NOTHING RETURNING id",
    )
    .bind(email.as_str())
    .bind(name)
    .bind(new_user.role.as_str())
    .bind(password_hash)
    .fetch_optional(pool)
    .await?;
    inserted.ok_or(AccountError::EmailTaken)
}

/// Whether an access token was revoked (logout) before it expired.
pub async fn is_access_token_revoked(pool: &PgPool, jti: &str) -> Result<bool, AccountError> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1)")
        .bind(jti)
        .fetch_one(pool)
        .await?)
}

/// Revokes one access token until it would have expired anyway; old
/// entries are cleared on the way.
pub async fn revoke_access_token(pool: &PgPool, jti: &str, expires_at: DateTime<Utc>) -> Result<(), AccountError> {
    sqlx::query("DELETE FROM revoked_access_tokens WHERE expires_at < now() - interval '1 hour'").execute(pool).await?;
    sqlx::query("INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(jti)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// 8 characters to 1 KiB.
fn validate_password(password: &str) -> Result<(), AccountError> {
    let invalid = |message: String| AccountError::Invalid { field: "password", message };
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(invalid(format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid(format!("must be at most {MAX_PASSWORD_BYTES} bytes")));
    }
    Ok(())
}

/// argon2id with the crate defaults, which are OWASP's recommended minimum
/// (19 MiB memory, 2 passes, 1 lane).
pub async fn hash_password(password: &str) -> Result<String, AccountError> {
    validate_password(password)?;
    let password = password.to_owned();
    hash_on_blocking_pool(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        assert_eq!(Email::parse("  Ann@Example.com ").unwrap().as_str(), "Ann@Example.com");
        for bad in ["", "ann", "@example.com", "ann@", "ann@example", "a b@example.com", "a@b@c.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_short_ones_are_refused() {
        let hash = hash_password("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(matches!(hash_password("short").await, Err(AccountError::Invalid { field: "password", .. })));
    }
}
