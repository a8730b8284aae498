//! Accounts: who can sign in, with which role, and what they keep with us
//! (addresses). Passwords are stored only as argon2id hashes; API clients
//! hold short-lived signed access tokens and rotating refresh tokens; every
//! security-relevant fact lands in the audit trail.
//!
//! [`AccountService`] is the one entry point: pages, the JSON API and any
//! later adapter call it, so rate limits, audit rows and revocation rules
//! apply the same way to all of them.

pub mod access_tokens;
pub mod addresses;
pub mod admin;
pub mod audit;
pub mod devices;
mod limits;
pub mod password;
pub mod password_reset;
mod passwords;
mod refresh_tokens;
mod users;

use std::{fmt, str::FromStr, sync::Arc};

use chrono::{DateTime, Utc};
use nexus_model::{
    FieldErrors, Pagination,
    account::{Address, AuditEntry, UserSummary},
};
use sqlx::PgPool;

use self::{access_tokens::TokenKeys, limits::Limits};
pub use self::{
    access_tokens::{AccessGrant, TokenError},
    addresses::{AddressInput, AddressPatch, ValidAddress},
    admin::{UserChange, UserFilter},
    passwords::{MAX_PASSWORD_BYTES, MIN_PASSWORD_LEN},
};
use crate::{
    Settings,
    cache::Cache,
    mail::MailService,
    rate_limit::{ApiCaller, RetryAfter},
};

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
            other => Err(AccountError::invalid("role", format!("`{other}` is not customer, staff or admin"))),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest e-mail address (RFC 5321's path limit less the brackets).
pub const MAX_EMAIL_BYTES: usize = 254;

/// An e-mail address that passed basic shape checks, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, AccountError> {
        let email = input.trim();
        let invalid = |message: &str| AccountError::invalid("email", message);
        let (local, domain) = email.split_once('@').ok_or_else(|| invalid("must contain @"))?;
        if email.len() > MAX_EMAIL_BYTES || local.is_empty() || domain.contains('@') {
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
    /// Problems by field, all at once (a registration or address form).
    #[error("invalid fields: {0:?}")]
    Invalid(FieldErrors),
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    /// Same answer for an unknown e-mail and a wrong password.
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    #[error("the token is invalid, expired or revoked")]
    InvalidToken,
    /// A password-reset token that is unknown, expired or already used.
    #[error("the reset link is invalid, expired or already used")]
    InvalidResetToken,
    /// A bearer access token that cannot be accepted, and why.
    #[error("{0}")]
    AccessDenied(TokenError),
    /// The current password given to confirm a change is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("no such account or address")]
    NotFound,
    /// A change the rules forbid, such as an admin demoting themself.
    #[error("{0}")]
    NotAllowed(String),
    /// Too many attempts from this client or at this account.
    #[error("too many attempts")]
    RateLimited(RetryAfter),
    /// The password-hashing queue is full: try again shortly.
    #[error("too busy to check a password now")]
    Busy(RetryAfter),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("signing an access token failed: {0}")]
    Signing(String),
    #[error(transparent)]
    Database(sqlx::Error),
}

/// Text PostgreSQL cannot store is the client's mistake; see [`crate::db::is_unstorable_text`].
impl From<sqlx::Error> for AccountError {
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unstorable_text(&error) {
            Self::Invalid(crate::db::unstorable_text())
        } else {
            Self::Database(error)
        }
    }
}

impl AccountError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::one(field, message))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Tokens and sessions from before this instant are no longer accepted.
    pub tokens_valid_after: DateTime<Utc>,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub role: Role,
}

/// What the signing-in client can do with device tokens (see [`devices`]).
#[derive(Clone, Copy, Debug)]
pub enum Device<'a> {
    /// A browser: it shows the token it was given before, if any, and keeps
    /// a new one.
    Browser(Option<&'a str>),
    /// A client that keeps no device token (API clients keep refresh tokens).
    NotKept,
}

/// A successful sign-in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: User,
    /// A token for the browser to keep (a cookie) when it was not yet a
    /// known device of this account; see [`devices`].
    pub new_device_token: Option<String>,
}

/// What an API client gets on sign-in and refresh.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Clone)]
pub struct AccountService {
    pool: PgPool,
    limits: Limits,
    keys: Arc<TokenKeys>,
    /// Sends password-reset links (`password_reset`).
    mail: MailService,
}

impl AccountService {
    pub fn new(pool: PgPool, cache: Cache, settings: Arc<Settings>, mail: MailService) -> Self {
        let keys = Arc::new(TokenKeys::from_secret(settings.secret_key.expose()));
        Self { pool, limits: Limits::new(cache, settings.rate_limits), keys, mail }
    }

    /// An active user by id.
    pub async fn find_active(&self, id: i64) -> Result<Option<User>, AccountError> {
        users::find_active(&self.pool, id).await
    }

    /// Creates an account without the registration limits or audit row
    /// (the CLI's `create-user`, seeding) and returns its id.
    pub async fn create_user(&self, new_user: NewUser<'_>) -> Result<i64, AccountError> {
        users::create(&self.pool, new_user).await
    }

    /// Renames the user; the e-mail is the sign-in name and stays fixed.
    pub async fn update_name(&self, user_id: i64, name: &str) -> Result<User, AccountError> {
        users::update_name(&self.pool, user_id, name).await
    }

    /// Checks an e-mail and password under the per-IP and per-account
    /// limits, recording the outcome in the audit trail. An unknown e-mail
    /// costs the same argon2 work as a wrong password and gets the same
    /// error, so neither the answer nor its timing tells whether an account
    /// exists. A success clears the account's count. Past the account's
    /// limit, only a browser that signed in to it before, showing its
    /// device token, may go on (see [`devices`]).
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        ip: Option<&str>,
        device: Device<'_>,
    ) -> Result<SignedIn, AccountError> {
        // No account has a longer e-mail; refused before it can become a
        // limiter key in Redis or a row in the audit trail.
        if email.trim().len() > MAX_EMAIL_BYTES {
            return Err(AccountError::invalid("email", format!("must be at most {MAX_EMAIL_BYTES} characters")));
        }
        let account = users::account_name(&self.pool, email).await?;
        let known = match device {
            Device::Browser(Some(token)) => {
                devices::find(&self.pool, token).await?.filter(|known| known.account == account)
            }
            _ => None,
        };
        let counter = self.limits.password_attempt(ip, &account, known.as_ref()).await?;
        match users::authenticate(&self.pool, email, password).await {
            Ok(user) => {
                audit::record(&self.pool, audit::Event::SignedIn { user_id: user.id }, ip).await?;
                self.limits.forget(&counter).await;
                let new_device_token = match (device, known) {
                    (Device::Browser(_), None) => Some(devices::remember(&self.pool, user.id).await?),
                    _ => None,
                };
                Ok(SignedIn { user, new_device_token })
            }
            Err(AccountError::InvalidCredentials) => {
                audit::record(&self.pool, audit::Event::SignInFailed { email: email.trim() }, ip).await?;
                Err(AccountError::InvalidCredentials)
            }
            Err(other) => Err(other),
        }
    }

    /// Creates a customer's account under the per-IP registration limit and
    /// records it in the audit trail.
    pub async fn register(&self, new_user: NewUser<'_>, ip: Option<&str>) -> Result<User, AccountError> {
        self.limits.register(ip).await?;
        let id = users::create(&self.pool, new_user).await?;
        audit::record(&self.pool, audit::Event::Registered { user_id: id }, ip).await?;
        users::find_active(&self.pool, id).await?.ok_or(AccountError::NotFound)
    }

    /// Records that a web session signed out.
    pub async fn record_sign_out(&self, user_id: i64, ip: Option<&str>) -> Result<(), AccountError> {
        Ok(audit::record(&self.pool, audit::Event::SignedOut { user_id }, ip).await?)
    }

    /// Starts a refresh-token family for `user` and signs its first pair.
    pub async fn issue_tokens(&self, user: &User) -> Result<IssuedTokens, AccountError> {
        let refresh = refresh_tokens::issue(&self.pool, user.id).await?;
        self.pair(user, refresh)
    }

    /// Spends a refresh token (under the per-IP refresh limit) for a new pair.
    pub async fn refresh(&self, refresh_token: &str, ip: Option<&str>) -> Result<(User, IssuedTokens), AccountError> {
        self.limits.refresh(ip).await?;
        let (user, next) = refresh_tokens::rotate(&self.pool, refresh_token).await?;
        let pair = self.pair(&user, next)?;
        Ok((user, pair))
    }

    fn pair(&self, user: &User, refresh: refresh_tokens::Issued) -> Result<IssuedTokens, AccountError> {
        let (access_token, expires_in) = self.keys.issue(user, Some(&refresh.family))?;
        Ok(IssuedTokens { access_token, refresh_token: refresh.token, expires_in })
    }

    /// The active user a bearer access token speaks for. Refused when the
    /// signature, expiry or key is wrong, when it or its refresh-token family
    /// was revoked (sign-out, reuse of a spent refresh token), or
    /// when it predates the user's last password change or deactivation.
    /// Whom an API request's limits count: the access token's id when it
    /// carries a current one signed by us (checked without a database round
    /// trip: a revoked token is refused later anyway), else the client's
    /// address. A forged, garbled or expired token buys no budget of its own.
    pub fn api_caller(&self, bearer: Option<&str>, ip: Option<&str>) -> ApiCaller {
        match bearer.map(|token| self.keys.verify(token)) {
            Some(Ok(grant)) => ApiCaller::Token(grant.jti),
            _ => ApiCaller::client(ip),
        }
    }

    pub async fn authenticate_bearer(&self, token: &str) -> Result<(User, AccessGrant), AccountError> {
        let grant = self.keys.verify(token).map_err(AccountError::AccessDenied)?;
        let (user, revoked) = tokio::try_join!(
            users::find_active(&self.pool, grant.user_id),
            users::is_revoked(&self.pool, &grant.jti, grant.family.as_deref())
        )?;
        let user = user.ok_or(AccountError::AccessDenied(TokenError::Revoked))?;
        if revoked || grant.issued_at < user.tokens_valid_after {
            return Err(AccountError::AccessDenied(TokenError::Revoked));
        }
        Ok((user, grant))
    }

    /// Signs an API client out: its access token stops working at once, and
    /// the refresh token's family with it when one is given.
    pub async fn sign_out_bearer(
        &self,
        user_id: i64,
        grant: &AccessGrant,
        refresh_token: Option<&str>,
        ip: Option<&str>,
    ) -> Result<(), AccountError> {
        users::revoke(&self.pool, &grant.jti, grant.expires_at).await?;
        if let Some(token) = refresh_token {
            refresh_tokens::revoke(&self.pool, user_id, token).await?;
        }
        self.record_sign_out(user_id, ip).await
    }

    /// The user a web session signed in at `signed_in_at` belongs to, unless
    /// the account was deactivated or its password changed since.
    pub async fn session_user(&self, user_id: i64, signed_in_at: DateTime<Utc>) -> Result<Option<User>, AccountError> {
        let user = users::find_active(&self.pool, user_id).await?;
        Ok(user.filter(|user| signed_in_at >= user.tokens_valid_after))
    }

    /// Replaces the password once the current one is proven; see
    /// [`password::change_password`] for what else ends. Trying the current
    /// password counts against the same limits as signing in, so a stolen
    /// session cannot guess it any faster than a sign-in form could.
    pub async fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
        keep: password::Keep<'_>,
        ip: Option<&str>,
    ) -> Result<DateTime<Utc>, AccountError> {
        let account = users::account_name_of(&self.pool, user_id).await?;
        let counter = self.limits.password_attempt(ip, &account, None).await?;
        let changed = password::change_password(&self.pool, user_id, current, new, keep, ip).await?;
        self.limits.forget(&counter).await;
        Ok(changed)
    }

    pub async fn addresses(&self, user_id: i64) -> Result<Vec<Address>, AccountError> {
        addresses::list(&self.pool, user_id).await
    }

    pub async fn add_address(&self, user_id: i64, input: AddressInput) -> Result<Address, AccountError> {
        addresses::create(&self.pool, user_id, input).await
    }

    pub async fn update_address(&self, user_id: i64, id: i64, patch: AddressPatch) -> Result<Address, AccountError> {
        addresses::update(&self.pool, user_id, id, patch).await
    }

    pub async fn delete_address(&self, user_id: i64, id: i64) -> Result<(), AccountError> {
        addresses::delete(&self.pool, user_id, id).await
    }

    /// One page of users, oldest first, and how many match.
    pub async fn list_users(
        &self,
        filter: &UserFilter,
        pagination: Pagination,
    ) -> Result<(Vec<UserSummary>, i64), AccountError> {
        admin::list_users(&self.pool, filter, pagination).await
    }

    /// The newest `per_user` audit events of each of `user_ids`.
    pub async fn recent_events(&self, user_ids: &[i64], per_user: i64) -> Result<Vec<AuditEntry>, AccountError> {
        Ok(admin::recent_events(&self.pool, user_ids, per_user).await?)
    }

    /// An admin's change to another account; see [`admin::update_user`].
    pub async fn update_user(
        &self,
        actor_id: i64,
        user_id: i64,
        change: UserChange,
        ip: Option<&str>,
    ) -> Result<UserSummary, AccountError> {
        admin::update_user(&self.pool, actor_id, user_id, change, ip).await
    }
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
}
