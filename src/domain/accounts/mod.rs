//! Accounts: who can sign in and with which role. Passwords are stored only
//! as argon2id hashes; hashing runs on the blocking pool because it is
//! deliberately slow and would otherwise stall the async runtime.

use std::{fmt, str::FromStr};

use argon2::{
    Argon2, PasswordHasher,
    password_hash::{SaltString, rand_core::OsRng},
};
use sqlx::PgPool;

pub const MIN_PASSWORD_LEN: usize = 8;

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
        let invalid = |message: &str| AccountError::Invalid {
            field: "email",
            message: message.to_owned(),
        };
        let (local, domain) = email
            .split_once('@')
            .ok_or_else(|| invalid("must contain @"))?;
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
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub role: Role,
}

/// Creates an account and returns its id.
pub async fn create_user(pool: &PgPool, new_user: NewUser<'_>) -> Result<i64, AccountError> {
    let email = Email::parse(new_user.email)?;
    let name = new_user.name.trim();
    if name.is_empty() {
        return Err(AccountError::Invalid {
            field: "name",
            message: "must not be empty".into(),
        });
    }
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

/// argon2id with the crate defaults, which are OWASP's recommended minimum
/// (19 MiB memory, 2 passes, 1 lane).
pub async fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AccountError::Invalid {
            field: "password",
            message: format!("must be at least {MIN_PASSWORD_LEN} characters"),
        });
    }
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hashing(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        assert_eq!(
            Email::parse("  Ann@Example.com ").unwrap().as_str(),
            "Ann@Example.com"
        );
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@",
            "ann@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
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
        assert!(matches!(
            hash_password("short").await,
            Err(AccountError::Invalid {
                field: "password",
                ..
            })
        ));
    }
}
